# make bench: guest workloads run in rel mode; prints instructions retired,
# host seconds and guest MIPS per workload (tools/bench.sh). Results are
# recorded in docs/performance.md.
BENCH_SRCS    := $(wildcard tests/bench/*.c)
BENCH_KERNELS := $(patsubst tests/bench/%.c,$(O)/tests/bench/%.elf,$(BENCH_SRCS))

$(O)/tests/bench/%.c.o: tests/bench/%.c
	@mkdir -p $(@D)
	$(GUEST_CC) $(GUEST_CFLAGS) -c -o $@ $<

$(O)/tests/bench/%.elf: $(O)/tests/bench/%.c.o $(GUEST_LIB_OBJS) tests/guest/lib/guest.ld
	$(GUEST_LD) $(GUEST_LDFLAGS) -o $@.64 $(filter %.o,$^)
	$(GUEST_OBJCOPY) -O elf32-i386 $@.64 $@
	@rm -f $@.64

.PHONY: bench bench-kernels
bench-kernels: $(BENCH_KERNELS)
bench:
	@$(MAKE) --no-print-directory MODE=rel all bench-kernels snap-tools
	@sh tools/bench.sh o/rel
	@$(MAKE) --no-print-directory bench-linux

# the Linux boot next to QEMU TCG's (tools/bench-linux.py; QEMU is used when
# installed: apt-get install qemu-system-x86)
.PHONY: bench-linux
bench-linux: linux-guest
	@$(MAKE) --no-print-directory MODE=rel o/rel/nestbox
	@python3 tools/bench-linux.py o/rel/nestbox $(LINUX_DIR)
