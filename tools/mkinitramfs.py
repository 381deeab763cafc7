#!/usr/bin/env python3
"""Build a deterministic initramfs (newc cpio, uncompressed) for the Linux
guest: busybox (static) as /bin/busybox with /bin/sh, and the given init
script as /init. Usage: mkinitramfs.py OUT BUSYBOX INIT [NAME=FILE ...]
A NAME may name directories (they are made); NAME=elf:FILE puts a
dynamically linked program at NAME and the shared libraries `ldd` lists
for it (the dynamic loader included) in NAME's directory under lib/, to be
run as `DIR/lib/ld-linux-x86-64.so.2 --library-path DIR/lib DIR/PROG`.
Every file has mtime 0 and uid/gid 0, so the same inputs give the same
bytes (the boot log is compared byte for byte)."""
import os
import subprocess
import sys


def with_libs(name, path):
    """[(name, path)]: the program and its shared libraries"""
    out = subprocess.run(["ldd", path], check=True, capture_output=True, text=True).stdout
    libdir = os.path.join(os.path.dirname(name), "lib")
    files = [(name, path)]
    for line in out.splitlines():
        words = line.split()
        lib = words[2] if len(words) > 2 and words[1] == "=>" else words[0]
        if lib.startswith("/"):
            files.append((os.path.join(libdir, os.path.basename(lib)), lib))
    return files


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
    files = []
    for name, path in extra:
        files += with_libs(name, path[4:]) if path.startswith("elf:") else [(name, path)]
    have = {it[0] for it in items}
    for name, path in files:
        parts = name.split("/")[:-1]
        for k in range(1, len(parts) + 1):
            d = "/".join(parts[:k])
            if d not in have:
                have.add(d)
                items.append((d, DIR, b""))
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
