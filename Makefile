# nestbox — one non-recursive Makefile. Output goes to o/$(MODE)/.
#   make [MODE=dbg|rel|asan] [CC=gcc|clang] [WERROR=0]
#   make run      build, then boot the bundled demo guest
#   make run-svm  the same with SVM (-cpu max,+svm) instead of VMX
#   make test     build and run every test tier; last line "N passed, N failed"
#   make bench    guest MIPS figures (rel mode)
#   make run-linux  boot Debian's kernel to a busybox shell (tests/linux/test.mk)
#   make run-linux-kvm  the same kernel with KVM loaded: an L1 hypervisor (tests/linux/test.mk)

MODE   ?= dbg
CC     ?= gcc
ifeq ($(origin CC),default)
CC     := gcc
endif
O      := o/$(MODE)

CSTD   := -std=gnu11
WARN   := -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
          -Wold-style-definition -Wmissing-declarations -Wredundant-decls \
          -Wundef -Wwrite-strings -Wformat=2 -Winit-self -Wimplicit-fallthrough \
          -Wvla -Wpointer-arith -Wno-unused-parameter
ifneq ($(WERROR),0)
WARN   += -Werror
endif

ifeq ($(MODE),dbg)
OPT    := -O0 -g3 -DDEBUG
else ifeq ($(MODE),rel)
OPT    := -O2 -g -DNDEBUG
else ifeq ($(MODE),asan)
OPT    := -O1 -g -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
LDOPT  := -fsanitize=address,undefined
else ifeq ($(MODE),ubsan)
OPT    := -O1 -g -fsanitize=undefined -fno-sanitize-recover=all
LDOPT  := -fsanitize=undefined
else
$(error unknown MODE '$(MODE)': use dbg, rel, asan or ubsan)
endif

CFLAGS  := $(CSTD) $(WARN) $(OPT) -Isrc -MMD -MP $(EXTRA_CFLAGS)
LDFLAGS := $(LDOPT)
LIBS    := -lZydis -lzstd -lm

.PHONY: all run run-svm test bench deps clean guests tidy format run-linux
all: deps $(O)/nestbox

# --- set-up: install Debian packages when missing (tools/deps.sh) ---
deps:
	@sh tools/deps.sh

# --- the emulator library and binary ---
LIB_SRCS := $(wildcard src/base/*.c src/mem/*.c src/cpu/*.c src/cpu/*/*.c src/dev/*.c src/machine/*.c src/snap/*.c src/virt/*.c src/vmx/*.c src/svm/*.c src/debug/*.c)
LIB_OBJS := $(patsubst src/%.c,$(O)/src/%.o,$(LIB_SRCS))

$(O)/src/%.o: src/%.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -c -o $@ $<

$(O)/libnestbox.a: $(LIB_OBJS)
	@rm -f $@
	ar rcs $@ $^

$(O)/nestbox: $(O)/src/main.o $(O)/libnestbox.a
	$(CC) $(LDFLAGS) -o $@ $^ $(LIBS)

# --- tier fragments ---
include tests/unit/test.mk
include tests/guest/test.mk
include tests/diff/test.mk
include tests/bench/bench.mk
include tests/snap/test.mk
include tests/linux/test.mk

# the demo ends through isa-debug-exit with code 0, i.e. host status 1
run: all guests
	@$(O)/nestbox -cpu max,+vmx || [ $$? -eq 1 ]

# the same demo with SVM: its L1 runs an L2 under VMRUN
run-svm: all guests
	@$(O)/nestbox -cpu max,+svm || [ $$? -eq 1 ]

test: all guests unit-tests diff-tests snap-tools linux-guest linux-nestbox
	@MODE=$(MODE) O=$(O) sh tools/runtests.sh

clean:
	rm -rf o

-include $(shell find o -name '*.d' 2>/dev/null)
