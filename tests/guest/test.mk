# T3 guest kernels (tests/guest/): `make guests` builds every
#   tests/guest/DIR/NAME.c (+ DIR/NAME.S when present)  ->  $(O)/tests/guest/NAME.elf
# plus tests/guest/demo.c -> $(O)/tests/guest/demo.elf. Each kernel is a
# multiboot v1 ELF32 image linked at 4 MiB (kvm-unit-tests layout) with the
# freestanding library in tests/guest/lib. Built with the host gcc/binutils
# only (no multilib, no nasm): 64-bit objects, linked as ELF64, then
# objcopy'd to elf32-i386.
GUEST_O      := $(O)/tests/guest
GUEST_CC     ?= gcc
GUEST_LD     ?= ld
GUEST_OBJCOPY ?= objcopy
GUEST_CFLAGS := -std=gnu11 -m64 -ffreestanding -nostdlib -fno-pic -fno-pie \
	-fno-stack-protector -mno-red-zone -mno-sse -mno-mmx -mno-sse2 -mno-80387 \
	-mcmodel=small -O2 -g -fno-asynchronous-unwind-tables -fcf-protection=none \
	-fno-tree-loop-distribute-patterns -fno-strict-aliasing -fno-common -fno-delete-null-pointer-checks \
	-Wall -Wextra -Wno-unused-parameter -Wmissing-prototypes \
	-Itests/guest/lib -MMD -MP
ifneq ($(WERROR),0)
GUEST_CFLAGS += -Werror
endif
GUEST_LDFLAGS := -m elf_x86_64 -nostdlib -static -z max-page-size=0x1000 \
	-z noexecstack --no-warn-rwx-segments -T tests/guest/lib/guest.ld

GUEST_LIB_SRCS := $(sort $(wildcard tests/guest/lib/*.c tests/guest/lib/*.S))
GUEST_LIB_OBJS := $(patsubst tests/guest/%,$(GUEST_O)/%.o,$(GUEST_LIB_SRCS))
GUEST_SRCS     := $(sort $(filter-out tests/guest/lib/%,$(wildcard tests/guest/*/*.c)))
GUEST_KERNELS  := $(foreach s,$(GUEST_SRCS),$(GUEST_O)/$(basename $(notdir $(s))).elf) \
	$(GUEST_O)/demo.elf

$(GUEST_O)/%.c.o: tests/guest/%.c
	@mkdir -p $(@D)
	$(GUEST_CC) $(GUEST_CFLAGS) -c -o $@ $<

$(GUEST_O)/%.S.o: tests/guest/%.S
	@mkdir -p $(@D)
	$(GUEST_CC) $(GUEST_CFLAGS) -D__ASSEMBLER__ -c -o $@ $<

# guest_kernel(NAME, SRC-WITHOUT-.c): link one kernel
define guest_kernel
$(GUEST_O)/$(1).elf: $(GUEST_O)/$(2).c.o $(if $(wildcard tests/guest/$(2).S),$(GUEST_O)/$(2).S.o) \
		$(GUEST_LIB_OBJS) tests/guest/lib/guest.ld
	$(GUEST_LD) $(GUEST_LDFLAGS) -o $$@.64 $$(filter %.o,$$^)
	$(GUEST_OBJCOPY) -O elf32-i386 $$@.64 $$@
	@rm -f $$@.64
endef
$(foreach s,$(GUEST_SRCS),$(eval $(call guest_kernel,$(basename $(notdir $(s))),$(patsubst tests/guest/%.c,%,$(s)))))
$(eval $(call guest_kernel,demo,demo))

.PHONY: guests
guests: $(GUEST_KERNELS)
