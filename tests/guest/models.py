#!/usr/bin/env python3
"""tests/guest/models.py: boot tests/guest/cpu/cpuid_model.c under every CPU
model and alias of QEMU 7.2's list (src/cpu/models.def), each with the
model's vendor, signature, levels and model-id on its command line: the
guest checks that its CPUID instruction gives them (issue: "a test per
model boots a guest that checks CPUID against the model's table"). A model
without long mode (lm) cannot run that 64-bit kernel: it boots a 32-bit
image made here instead (tests/cli/mkimage.py) that compares CPUID leaf 0's
vendor and level and leaf 1's signature with the table's and exits with 0
when all match.
Env: O (build dir, default o/dbg). Prints PASS:/FAIL: lines."""
import os
import re
import subprocess
import struct
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "cli"))
import mkimage  # noqa: E402

O = os.environ.get("O", "o/dbg")
EMU = os.environ.get("EMU", os.path.join(O, "nestbox"))
KERNEL = os.path.join(O, "tests", "guest", "cpuid_model.elf")

ROW = re.compile(r'^M\("([^"]+)", "([^"]*)", (\d+), (\d+), (\d+), (0x[0-9a-f]+), (0x[0-9a-f]+), "([^"]*)",\n\s*"([^"]*)"', re.M)
ALIAS = re.compile(r'^A\("([^"]+)", "([^"]+)"')


def signature(family, model, stepping):
    """SDM "CPUID" leaf 1 EAX: stepping 3:0, model 7:4, family 11:8,
    extended model 19:16, extended family 27:20 (family = 0xf + ext)"""
    base, ext = (family, 0) if family < 0xf else (0xf, family - 0xf)
    return stepping | (model & 0xf) << 4 | base << 8 | (model >> 4) << 16 | ext << 20


def image32(vendor, sig, level):
    """32-bit code: CPUID 0 and 1 against the expected values; exit 0 if
    they match, else 1"""
    v = vendor.encode().ljust(12, b"\0")
    ebx, edx, ecx = struct.unpack("<III", v)
    fail = mkimage.exit_with(1)
    ok = mkimage.exit_with(0)
    checks = [b"\x3d" + struct.pack("<I", level), b"\x72",          # cmp eax, level; jb fail
              b"\x81\xfb" + struct.pack("<I", ebx), b"\x75",       # cmp ebx, ...; jne fail
              b"\x81\xfa" + struct.pack("<I", edx), b"\x75",       # cmp edx
              b"\x81\xf9" + struct.pack("<I", ecx), b"\x75"]       # cmp ecx
    tail = [b"\xb8\x01\x00\x00\x00\x0f\xa2",                      # mov eax, 1; cpuid
            b"\x3d" + struct.pack("<I", sig), b"\x75"]              # cmp eax, sig; jne fail
    parts = [b"\x31\xc0\x0f\xa2"] + checks + tail                  # xor eax, eax; cpuid
    # lay out, then patch each jcc's rel8 to the fail label
    code = b""
    jumps = []
    for p in parts:
        code += p
        if p in (b"\x72", b"\x75"):
            code += b"\0"
            jumps.append(len(code))
    code += ok
    fail_at = len(code)
    code += fail
    out = bytearray(code)
    for j in jumps:
        out[j - 1] = (fail_at - j) & 0xff
    return mkimage.elf32(0, bytes(out))


def main():
    models, aliases = {}, []
    with open("src/cpu/models.def") as f:
        text = f.read()
    for m in ROW.finditer(text):
        models[m.group(1)] = m.groups()[1:]
    for line in text.splitlines():
        a = ALIAS.match(line)
        if a:
            aliases.append(a.groups())
    tmp = tempfile.mkdtemp()
    runs = [(n, n) for n in models if n not in ("base",)] + \
           [(a, t) for a, t in aliases if t in models]
    bad = 0
    for name, target in runs:
        vendor, fam, mod, step, level, xlevel, mid, flags = models[target]
        if not vendor:
            continue
        sig = signature(int(fam), int(mod), int(step))
        if "lm" not in flags.split():
            img = os.path.join(tmp, "m32.elf")
            with open(img, "wb") as f:
                f.write(image32(vendor, sig, int(level, 0)))
            r = subprocess.run([EMU, "-kernel", img, "-cpu", name, "-display", "none",
                                "-serial", "none", "-no-reboot"], capture_output=True, timeout=60)
            if r.returncode != 1:
                bad += 1
                print("FAIL: models: -cpu %s (32-bit): status %d (3: CPUID differs)" % (name, r.returncode))
            continue
        args = ["model=" + name, "vendor=" + vendor,
                "sig=%#x" % sig,
                "level=" + level, "xlevel=" + xlevel]
        if mid:
            args.append("brand=" + mid.replace(" ", "~"))
        r = subprocess.run([EMU, "-kernel", KERNEL, "-cpu", name, "-append", " ".join(args),
                            "-serial", "stdio", "-display", "none", "-no-reboot"],
                           capture_output=True, text=True, timeout=60)
        fails = [l for l in r.stdout.splitlines() if l.startswith("FAIL")]
        if r.returncode != 1 or fails:
            bad += 1
            print("FAIL: models: -cpu %s: status %d %s" % (name, r.returncode,
                  (fails or r.stderr.splitlines() or [""])[0]))
    print("%s: models: CPUID of %d models and aliases seen by a guest as the table gives it"
          % ("FAIL" if bad else "PASS", len(runs)))


if __name__ == "__main__":
    sys.exit(main())
