# T0/T1 unit tests: tests/unit/*_test.c, each a cmocka program linked with libnestbox.a
UNIT_SRCS := $(wildcard tests/unit/*_test.c)
UNIT_BINS := $(patsubst tests/unit/%.c,$(O)/tests/unit/%,$(UNIT_SRCS))

$(O)/tests/unit/%_test: tests/unit/%_test.c $(O)/libnestbox.a
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -Itests/unit $(LDFLAGS) -o $@ $< $(O)/libnestbox.a $(LIBS) -lcmocka

.PHONY: unit-tests
unit-tests: $(UNIT_BINS)
