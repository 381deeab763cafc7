#!/usr/bin/env python3
"""Build a deterministic initramfs (newc cpio, uncompressed) for the Linux
guest: busybox (static) as /bin/busybox with /bin/sh, and the given init
script as /init. Usage: mkinitramfs.py OUT BUSYBOX INIT [NAME=FILE ...]
Every file has mtime 0 and uid/gid 0, so the same inputs give the same
bytes (the boot log is compared byte for byte)."""
import os
import sys


def entry(ino, name, mode, data=b"", nlink=1, rdev=(0, 0)):
    name_b = name.encode() + b"\0"
    hdr = "070701" + "".join("%08x" % v for v in (
        ino, mode, 0, 0, nlink, 0, len(data), 0, 0, rdev[0], rdev[1],
        len(name_b), 0))
    out = hdr.encode() + name_b
    out += b"\0" * (-len(out) % 4)
    out += data
    out += b"\0" * (-len(out) % 4)
    return out


def main():
    out, busybox, init = sys.argv[1:4]
    extra = [a.split("=", 1) for a in sys.argv[4:]]
    DIR, REG, LNK, CHR = 0o040755, 0o100755, 0o120777, 0o020600
    items = [(n, DIR, b"") for n in ("bin", "dev", "proc", "sys", "tmp", "sbin", "usr",
                                      "usr/bin", "usr/sbin", "etc")]
    items.append(("dev/console", CHR, b"", (5, 1)))
    items.append(("bin/busybox", REG, open(busybox, "rb").read()))
    items.append(("bin/sh", LNK, b"busybox"))
    items.append(("init", REG, open(init, "rb").read()))
    for name, path in extra:
        items.append((name, REG, open(path, "rb").read()))
    blob = b""
    for ino, it in enumerate(items, 1):
        name, mode, data = it[:3]
        rdev = it[3] if len(it) > 3 else (0, 0)
        blob += entry(ino, name, mode, data, 2 if mode == DIR else 1, rdev)
    blob += entry(0, "TRAILER!!!", 0)
    blob += b"\0" * (-len(blob) % 512)
    tmp = out + ".tmp"
    with open(tmp, "wb") as f:
        f.write(blob)
    os.replace(tmp, out)


if __name__ == "__main__":
    main()
