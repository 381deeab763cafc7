#!/usr/bin/env python3
"""tests/cli/mkimage.py OUTDIR: write the tiny boot images tests/cli/run.sh uses.

Every image is hand-assembled 32-bit code (the bytes are commented), so the
tests need no cross toolchain. Good images print "nestbox-cli\\n" on COM1 and
write an exit code to isa-debug-exit (port 0xf4); bad images exercise the
loader's error paths.
"""
import os
import struct
import sys

LOAD = 0x400000          # where the ELF images load (4 MiB, as test kernels do)
MB_MAGIC = 0x1BADB002


def mb_header(flags=0, extra=b""):
    return struct.pack("<III", MB_MAGIC, flags, (-(MB_MAGIC + flags)) & 0xffffffff) + extra


def serial_hello():
    code = b"\x66\xba\xf8\x03"                  # mov dx, 0x3f8
    for ch in b"nestbox-cli\n":
        code += bytes([0xb0, ch]) + b"\xee"      # mov al, ch ; out dx, al
    return code


def debugcon_hello():
    """-d guest: a line on the debug console port 0xe9, after checking that
    the port reads back 0xe9 (exit code 1 if not)"""
    text = b""
    for ch in b"hello from the guest\n":
        text += bytes([0xb0, ch]) + b"\xe6\xe9"  # mov al, ch ; out 0xe9, al
    return (b"\xe4\xe9\x3c\xe9"                 # in al, 0xe9 ; cmp al, 0xe9
            + b"\x75" + bytes([len(text) + 10])   # jne fail
            + text + exit_with(0) + exit_with(1))  # (exit_with is 10 bytes)


def exit_with(code):
    return (b"\xb8" + struct.pack("<I", code)    # mov eax, code
            + b"\xe7\xf4"                        # out 0xf4, eax
            + b"\xf4\xeb\xfd")                   # 1: hlt ; jmp 1b


def elf32(body_at, body, mb=True, memsz_extra=0, paddr=LOAD):
    """ELF32 i386 executable: one PT_LOAD of the whole file at paddr."""
    head = 52 + 32
    hdr = mb_header() if mb else b""
    entry_off = head + len(hdr)
    code = body(paddr + entry_off) if callable(body) else body
    size = entry_off + len(code)
    ehdr = (b"\x7fELF" + bytes([1, 1, 1, 0]) + bytes(8)
            + struct.pack("<HHIIIIIHHHHHH", 2, 3, 1, paddr + entry_off, 52, 0, 0,
                          52, 32, 1, 0, 0, 0))
    phdr = struct.pack("<IIIIIIII", 1, 0, paddr, paddr, size, size + memsz_extra, 7, 4096)
    return ehdr + phdr + hdr + code


def elf64(code, mb=False, paddr=LOAD):
    """ELF64 x86-64 executable, entered in 32-bit protected mode by nestbox."""
    head = 64 + 56
    hdr = mb_header() if mb else b""
    entry_off = head + len(hdr)
    size = entry_off + len(code)
    ehdr = (b"\x7fELF" + bytes([2, 1, 1, 0]) + bytes(8)
            + struct.pack("<HHIQQQIHHHHHH", 2, 62, 1, paddr + entry_off, 64, 0, 0,
                          64, 56, 1, 0, 0, 0))
    phdr = struct.pack("<IIQQQQQQ", 1, 7, 0, paddr, paddr, size, size, 4096)
    return ehdr + phdr + hdr + code


def aout(code, load=0x200000):
    """Flat multiboot image with the a.out kludge (flags bit 16)."""
    entry = load + 32
    extra = struct.pack("<IIIII", load, load, 0, load + 32 + len(code) + 0x1000, entry)
    return mb_header(0x10000, extra) + code


class Asm:
    """Just enough to lay out checks: each failing check exits with its number."""

    def __init__(self, base):
        self.base, self.code, self.fixups, self.n = base, bytearray(), [], 0

    def emit(self, b):
        self.code += b

    def check(self, compare):
        """compare (sets ZF when fine); mov eax, n (keeps flags); jne report"""
        self.n += 1
        self.code += compare + b"\xb8" + struct.pack("<I", self.n) + b"\x0f\x85"
        self.fixups.append(len(self.code))
        self.code += b"\0\0\0\0"

    def finish(self):
        self.code += b"\x31\xc0"                 # xor eax, eax: all checks passed
        report = len(self.code)
        self.code += exit_with(0)[5:]            # out 0xf4, eax ; hlt loop
        for at in self.fixups:
            self.code[at:at + 4] = struct.pack("<i", report - (at + 4))
        return bytes(self.code)


def cmp_ecx(v):
    return b"\x81\xf9" + struct.pack("<I", v)    # cmp ecx, imm32


def bootstate(entry, mem_upper, mmap_len):
    """Checks the PLATFORM.md entry state. Run with -m 128M, one -initrd whose
    text starts "NR_C", and -append ending in "hello"."""
    a = Asm(entry)
    a.emit(b"\xbc" + struct.pack("<I", 0x500000))           # mov esp, 0x500000
    a.emit(b"\x9c")                                         # pushfd (before any flag change)
    a.check(b"\x3d" + struct.pack("<I", 0x2BADB002))        # cmp eax, 0x2badb002
    for sreg, sel in ((0xc9, 8), (0xd9, 0x10), (0xd1, 0x10), (0xc1, 0x10)):
        a.emit(b"\x31\xc9\x66\x8c" + bytes([sreg]))         # xor ecx,ecx; mov cx, cs/ds/ss/es
        a.check(cmp_ecx(sel))
    a.emit(b"\x0f\x20\xc1")                                 # mov ecx, cr0
    a.check(cmp_ecx(0x11))
    a.emit(b"\x59")                                         # pop ecx (the entry EFLAGS)
    a.check(cmp_ecx(0x6))
    a.emit(b"\x0f\x01\x05" + struct.pack("<I", 0x500100))   # sgdt [0x500100]
    a.emit(b"\x0f\xb7\x0d" + struct.pack("<I", 0x500100))   # movzx ecx, word [..]
    a.check(cmp_ecx(0x17))
    a.emit(b"\x0f\x01\x0d" + struct.pack("<I", 0x500110))   # sidt [0x500110]
    a.emit(b"\x0f\xb7\x0d" + struct.pack("<I", 0x500110))
    a.check(cmp_ecx(0x3ff))
    a.emit(b"\x8b\x0d" + struct.pack("<I", 0x500112))       # mov ecx, [idt base]
    a.check(cmp_ecx(0))
    for off, want in ((0, 0x24f), (4, 639), (8, mem_upper), (20, 1), (44, mmap_len),
                      (48, 0x9000)):
        a.emit(b"\x8b\x4b" + bytes([off]))                  # mov ecx, [ebx+off]
        a.check(cmp_ecx(want))
    a.emit(b"\x8b\x4b\x18\x8b\x09\x8b\x09")                 # ecx = *mods[0].mod_start
    a.check(cmp_ecx(struct.unpack("<I", b"NR_C")[0]))
    a.emit(b"\x8b\x4b\x40\x8b\x09")                         # ecx = *(u32 *)boot_loader_name
    a.check(cmp_ecx(struct.unpack("<I", b"nest")[0]))
    a.emit(b"\x8b\x4b\x30\x8b\x49\x14")                     # ecx = mmap[0].type
    a.check(cmp_ecx(1))
    a.emit(b"\x8b\x73\x10"                                  # mov esi, [ebx+16] (cmdline)
           b"\x80\x3e\x00\x74\x03\x46\xeb\xf8")             # 1: cmp byte [esi],0; je 2f; inc esi; jmp 1b
    a.emit(b"\x8b\x4e\xfc")                                 # 2: mov ecx, [esi-4]
    a.check(cmp_ecx(struct.unpack("<I", b"ello")[0]))
    return a.finish()


def low32k(entry):
    """A multiboot image linked at 32 KiB, up to 0xa86c, covering the usual
    boot information page [0x9000, 0x9600): checks that EBX, the memory map
    and its own bytes there are intact, then drops to real mode (its own GDT
    with 16-bit segments, CR0.PE cleared) and, in real mode, reads its byte at
    0900:0500 (linear 0x9500), prints the greeting and exits with code 0.
    A failing check exits with its number."""
    a = Asm(entry)
    a.check(b"\x3d" + struct.pack("<I", 0x2BADB002))       # cmp eax, 0x2badb002
    a.emit(b"\x89\xd9\xc1\xe9\x14")                       # mov ecx, ebx; shr ecx, 20
    a.check(cmp_ecx(1))                                     # MBI in [1 MiB, 2 MiB)
    a.emit(b"\x8b\x4b\x30\xc1\xe9\x14")                   # mov ecx, [ebx+48]; shr ecx, 20
    a.check(cmp_ecx(1))                                     # mmap_addr there too
    a.emit(b"\x8b\x4b\x30\x8b\x49\x14")                   # ecx = mmap[0].type
    a.check(cmp_ecx(1))
    a.emit(b"\x8b\x0d" + struct.pack("<I", 0x9500))        # mov ecx, [0x9500]
    a.check(cmp_ecx(0x5a5a5a5a))                            # the image's own bytes
    code = a.code
    lgdt_at = len(code)
    code += b"\x0f\x01\x15\0\0\0\0"                       # lgdt [gdtdesc]
    ljmp_at = len(code)
    code += b"\xea\0\0\0\0\x08\x00"                       # jmp 0x08:pm16
    pm16 = len(code)
    code += (b"\xb8\x10\x00\x8e\xd8\x8e\xc0\x8e\xd0"      # mov ax,0x10; ds/es/ss = ax
             b"\x0f\x20\xc0\x24\xfe\x0f\x22\xc0")          # mov eax,cr0; and al,~PE; mov cr0,eax
    rmjmp_at = len(code)
    code += b"\xea\0\0\x00\x00"                             # jmp 0000:rm
    rm = len(code)
    code += (b"\x31\xc0\x8e\xd0\xbc\x00\x70"               # xor ax,ax; mov ss,ax; mov sp,0x7000
             b"\xb8\x00\x09\x8e\xd8\xa0\x00\x05"           # mov ax,0x900; mov ds,ax; mov al,[0x500]
             b"\x3c\x5a\x75\x00")                           # cmp al,0x5a; jne bad16
    jne_at = len(code) - 1
    code += b"\xba\xf8\x03"                                  # mov dx, 0x3f8
    for ch in b"nestbox-cli\n":
        code += bytes([0xb0, ch]) + b"\xee"                    # mov al, ch; out dx, al
    code += b"\x31\xc0\xe7\xf4\xf4\xeb\xfd"                 # xor ax,ax; out 0xf4,ax; hlt loop
    bad16 = len(code)
    code += b"\xb8\x63\x00\xe7\xf4\xf4\xeb\xfd"             # mov ax,99; out 0xf4,ax; hlt loop
    code[jne_at] = bad16 - (jne_at + 1)
    report = len(code)
    code += exit_with(0)[5:]                                # out 0xf4, eax; hlt loop
    for at in a.fixups:
        code[at:at + 4] = struct.pack("<i", report - (at + 4))
    while len(code) % 8:
        code += b"\x90"
    gdt = len(code)
    code += bytes(8) + bytes.fromhex("ffff0000009a0000") + bytes.fromhex("ffff000000920000")
    desc = len(code)
    code += struct.pack("<HI", 23, entry + gdt)
    code[lgdt_at + 3:lgdt_at + 7] = struct.pack("<I", entry + desc)
    code[ljmp_at + 1:ljmp_at + 5] = struct.pack("<I", entry + pm16)
    code[rmjmp_at + 1:rmjmp_at + 3] = struct.pack("<H", entry + rm)
    start = entry - 0x8000                                  # headers before the entry
    code += b"\x5a" * (0xa86c - 0x8000 - start - len(code))  # up to 0xa86c, 0x9500 included
    return bytes(code)


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    good = {}
    for code in (0, 1, 3):
        good["exit%d.elf" % code] = elf32(0, serial_hello() + exit_with(code))
    good["bootstate.elf"] = elf32(0, lambda e: bootstate(e, 128 * 1024 - 1024, 7 * 24))
    good["aout.bin"] = aout(serial_hello() + exit_with(3))
    good["elf64.elf"] = elf64(serial_hello() + exit_with(1))
    good["elf64mb.elf"] = elf64(serial_hello() + exit_with(1), mb=True)
    good["low32k.elf"] = elf32(0, low32k, paddr=0x8000)
    good["plain32.elf"] = elf32(0, serial_hello() + exit_with(0), mb=False)
    # guests that end badly: the run must end cleanly with a message
    good["jump-unmapped.elf"] = elf32(0, b"\xb8\x00\x00\x00\xf0"   # mov eax, 0xf0000000
                                      + b"\xff\xe0")                    # jmp eax
    good["triple.elf"] = elf32(0, b"\x0f\x01\x1d" + struct.pack("<I", 0)  # lidt [0]: limit 0xffff...
                               + b"\x31\xc0\x0f\x00\xd8"               # xor eax,eax; ltr ax (#GP)
                               + b"\xcc")                                 # int3
    good["debugcon.elf"] = elf32(0, debugcon_hello())
    good["hlt-forever.elf"] = elf32(0, serial_hello() + b"\xfa\xf4\xeb\xfd")  # cli; hlt; jmp
    ok = good["exit0.elf"]
    bad = {
        "empty.elf": b"",
        "truncated.elf": ok[:40],
        "notelf.bin": b"this is not a kernel image\n" * 40,
        # e_phoff pointing far past the end of the file
        "phoff.elf": ok[:28] + struct.pack("<I", 0x10000) + ok[32:],
        # the segment's file data (p_filesz) reaching past EOF
        "phdrpast.elf": ok[:52 + 16] + struct.pack("<II", len(ok) + 4096, len(ok) + 4096)
        + ok[52 + 24:],
        "bigbss.elf": elf32(0, exit_with(0), memsz_extra=1 << 30),
        "vgaload.elf": elf32(0, exit_with(0), paddr=0xb8000),
        "badmachine.elf": ok[:18] + struct.pack("<H", 40) + ok[20:],
        "aouttrunc.bin": mb_header(0x10000),
    }
    for name, data in list(good.items()) + list(bad.items()):
        with open(os.path.join(out, name), "wb") as f:
            f.write(data)
    with open(os.path.join(out, "env"), "w") as f:
        f.write("NR_CPUS=1\nMEMSIZE=128\n")


if __name__ == "__main__":
    main()
