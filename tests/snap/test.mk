# tests/snap: the snapshot property test's probe (tests/snap/probe.c), the
# save/load benchmark (snapbench.c) and
# the loader fuzz target (tests/snap/fuzz_load.c), linked with libnestbox.a
SNAP_TOOLS := $(O)/tests/snap/probe $(O)/tests/snap/fuzz_load $(O)/tests/snap/snapbench

$(O)/tests/snap/%: tests/snap/%.c $(O)/libnestbox.a
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $< $(O)/libnestbox.a $(LIBS)

.PHONY: snap-tools
snap-tools: $(SNAP_TOOLS)

# a long libFuzzer run (clang with libFuzzer): make fuzz-snap [FUZZ_SECS=60]
FUZZ_SECS ?= 60
.PHONY: fuzz-snap
fuzz-snap:
	@$(MAKE) --no-print-directory CC=clang MODE=asan O=o/fuzz all guests
	clang $(CSTD) -Isrc -g -O1 -DNESTBOX_LIBFUZZER -fsanitize=fuzzer,address,undefined \
		-o o/fuzz/fuzz_load_lf tests/snap/fuzz_load.c o/fuzz/libnestbox.a $(LIBS)
	@mkdir -p o/fuzz/corpus
	o/fuzz/nestbox -nodefaults -display none -serial none -kernel o/fuzz/tests/guest/basic.elf \
		-snapshot-save o/fuzz/corpus/basic.nbx,at=200000,then=stop
	o/fuzz/fuzz_load_lf -max_total_time=$(FUZZ_SECS) o/fuzz/corpus
