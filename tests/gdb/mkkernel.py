#!/usr/bin/env python3
"""tests/gdb/mkkernel.py OUTDIR: the kernels tests/gdb/run.sh debugs.

Built with tests/cli/mkimage.py's helpers (hand-assembled 32-bit code, no
cross toolchain). counter.elf counts a memory word and ECX up to 1000, then
prints "nestbox-cli" and exits with code 0; spin.elf does the same up to
2^32 - 1 (long enough to interrupt). Prints the addresses the test needs:
ENTRY, LOOP (the inc of the counter), AFTER_INC (the next instruction),
COUNTER (the word)."""
import os
import struct
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "cli"))
import mkimage  # noqa: E402

addrs = {}


def counter_kernel(limit):
    def body(entry):
        tail = mkimage.serial_hello() + mkimage.exit_with(0)
        counter = entry + 17 + len(tail)
        addrs.update(ENTRY=entry, LOOP=entry + 2, AFTER_INC=entry + 8, CMP=entry + 9,
                     JNE=entry + 15, COUNTER=counter)
        return (b"\x31\xc9"                                   # xor ecx, ecx
                + b"\xff\x05" + struct.pack("<I", counter)    # 1: inc dword [counter]
                + b"\x41"                                     # inc ecx
                + b"\x81\xf9" + struct.pack("<I", limit)      # cmp ecx, limit
                + b"\x75\xf1"                                 # jne 1b
                + tail + bytes(4))                            # counter: .long 0
    return body


def rw_kernel(entry):
    """reads WORD and writes WORD2 three times: the read and access
    watchpoint test (READ_AT reads, AFTER_READ follows; WRITE_AT writes
    WORD2, AFTER_WRITE follows)"""
    tail = mkimage.serial_hello() + mkimage.exit_with(0)
    word = entry + 22 + len(tail)
    addrs.update(READ_AT=entry + 2, AFTER_READ=entry + 7, WRITE_AT=entry + 8,
                 AFTER_WRITE=entry + 14, WORD=word, WORD2=word + 4)
    return (b"\x31\xc9"                                     # xor ecx, ecx
            + b"\xa1" + struct.pack("<I", word)              # 1: mov eax, [word]
            + b"\x41"                                        # inc ecx
            + b"\x89\x0d" + struct.pack("<I", word + 4)      # mov [word2], ecx
            + b"\x83\xf9\x03"                                # cmp ecx, 3
            + b"\x75\xef"                                    # jne 1b
            + b"\x90\x90\x90"                                # nop (pad to entry + 22)
            + tail + struct.pack("<II", 0x1234, 0))          # word, word2


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    for name, limit in (("counter.elf", 1000), ("spin.elf", 0xffffffff)):
        with open(os.path.join(out, name), "wb") as f:
            f.write(mkimage.elf32(0, counter_kernel(limit)))
    with open(os.path.join(out, "rw.elf"), "wb") as f:
        f.write(mkimage.elf32(0, rw_kernel))
    for k, v in addrs.items():
        print("%s=%#x" % (k, v))


if __name__ == "__main__":
    main()
