#!/usr/bin/env python3
"""Extract the uncompressed vmlinux ELF from a bzImage: the setup header's
payload_offset (0x248, from the start of the protected-mode code) and
payload_length (0x24c) delimit the compressed kernel (Documentation/x86/
boot.rst, protocol 2.08+). Debian compresses it with XZ, which Python's
lzma reads. Usage: extract-vmlinux.py BZIMAGE OUT"""
import lzma
import os
import struct
import sys


def main():
    src, out = sys.argv[1:3]
    d = open(src, "rb").read()
    if d[0x202:0x206] != b"HdrS" or struct.unpack("<H", d[0x206:0x208])[0] < 0x208:
        sys.exit("extract-vmlinux: %s: not a bzImage with a payload (protocol 2.08+)" % src)
    pm = ((d[0x1f1] or 4) + 1) * 512
    off, length = struct.unpack("<II", d[0x248:0x250])
    payload = d[pm + off:pm + off + length]
    if not payload.startswith(b"\xfd7zXZ\x00"):
        sys.exit("extract-vmlinux: %s: the payload is not XZ" % src)
    elf = lzma.LZMADecompressor(format=lzma.FORMAT_XZ).decompress(payload)
    if not elf.startswith(b"\x7fELF"):
        sys.exit("extract-vmlinux: %s: the payload is not an ELF file" % src)
    with open(out + ".tmp", "wb") as f:
        f.write(elf)
    os.replace(out + ".tmp", out)


if __name__ == "__main__":
    main()
