# T2 differential tests (tests/diff/): built by diff-tests
.PHONY: diff-tests
diff-tests:
