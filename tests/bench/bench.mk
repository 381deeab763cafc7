# benchmarks (tests/bench/)
bench:
	@echo "no benchmarks yet"
