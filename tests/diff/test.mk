# T2 differential tests (tests/diff/): built by diff-tests.
# o/$(MODE)/tests/diff/cpu_diff runs every form in tests/diff/forms.def (the
# integer tier) and tests/diff/sse_forms.def (MMX/SSE..SSE4.2, with random
# XMM/MM/MXCSR state) on the host CPU and in nestbox, then replays
# tests/diff/vectors.inc and sse_vectors.inc. On hosts that are not x86-64
# Linux it prints one SKIP line (the vectors still run).
DIFF_CSRCS := tests/diff/runner.c tests/diff/gen.c tests/diff/native.c tests/diff/emu.c
DIFF_OBJS  := $(patsubst %.c,$(O)/%.o,$(DIFF_CSRCS)) $(O)/tests/diff/trampoline.o

$(O)/tests/diff/%.o: tests/diff/%.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -Itests/diff -c -o $@ $<

$(O)/tests/diff/trampoline.o: tests/diff/trampoline.S
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -c -o $@ $<

$(O)/tests/diff/cpu_diff: $(DIFF_OBJS) $(O)/libnestbox.a
	$(CC) $(LDFLAGS) -o $@ $(DIFF_OBJS) $(O)/libnestbox.a $(LIBS)

.PHONY: diff-tests
diff-tests: $(O)/tests/diff/cpu_diff
