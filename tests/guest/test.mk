# T3 guest kernels (tests/guest/): built by guests
.PHONY: guests
guests:
