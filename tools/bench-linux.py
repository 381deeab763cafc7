#!/usr/bin/env python3
"""Linux boot benchmark (docs/performance.md "Linux boot"; issue: Linux boots).

Boots Debian's kernel (o/linux, made by `make linux-guest`) with the
initramfs's benchmark mode (`nestbox.bench` on the command line: /init
prints the shell's banner, then runs `poweroff -f`), under nestbox and,
when it is installed, under Debian's qemu-system-x86_64 with TCG and the
same kernel, initramfs and command line. For each it prints the host
seconds (wall clock, from the start of the process) to the shell's banner
and to the end of the run; for nestbox also the guest instructions of the
whole run (from a snapshot taken at the end). Runs are -smp 1 and -smp 4.

Usage: tools/bench-linux.py o/rel/nestbox [o/linux]
"""
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

BANNER = b"nestbox: busybox shell"


def timed_run(cmd):
    """(seconds to the banner or None, seconds to the end, exit status)"""
    start = time.monotonic()
    banner = None
    tail = b""
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                         stdin=subprocess.DEVNULL)
    while True:
        chunk = p.stdout.read1(65536)
        if not chunk:
            break
        tail = (tail + chunk)[-4096:]
        if banner is None and BANNER in tail:
            banner = time.monotonic() - start
    status = p.wait()
    return banner, time.monotonic() - start, status


def instructions(nestbox, snap):
    out = subprocess.run([nestbox, "-snapshot-info", snap], capture_output=True, text=True).stdout
    m = re.search(r"^run: .*, (\d+) instructions,", out, re.M)
    return int(m.group(1)) if m else 0


def fmt(s):
    return "-" if s is None else "%.1f" % s


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    nestbox = sys.argv[1]
    ldir = sys.argv[2] if len(sys.argv) > 2 else "o/linux"
    qemu = shutil.which("qemu-system-x86_64")
    initrd = os.path.join(ldir, "initrd.cpio")
    print("%-8s %-6s %-9s %14s %10s %10s %10s %10s" %
          ("kernel", "smp", "", "instructions", "nb-shell", "nb-end", "qemu-shell", "qemu-end"))
    with tempfile.TemporaryDirectory() as tmp:
        snap = os.path.join(tmp, "end.nbx")
        for kname in ("vmlinux", "vmlinuz"):
            kernel = os.path.join(ldir, kname)
            for smp in (1, 4):
                common = ["-smp", str(smp), "-m", "256M", "-kernel", kernel, "-initrd", initrd,
                          "-append", "console=ttyS0 nestbox.bench", "-serial", "stdio",
                          "-display", "none", "-no-reboot"]
                nb = timed_run([nestbox] + common + ["-snapshot-save", snap])
                insns = instructions(nestbox, snap)
                q = (None, None, None)
                if qemu:
                    q = timed_run([qemu, "-accel", "tcg", "-cpu", "max", "-nodefaults"] + common)
                print("%-8s %-6d %-9s %14d %10s %10s %10s %10s%s" %
                      (kname, smp, "", insns, fmt(nb[0]), fmt(nb[1]), fmt(q[0]), fmt(q[1]),
                       "" if nb[2] == 0 else "  (nestbox status %d)" % nb[2]))
    if not qemu:
        print("(qemu-system-x86_64 is not installed: apt-get install qemu-system-x86 for "
              "the side-by-side figures)")


if __name__ == "__main__":
    main()
