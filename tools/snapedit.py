#!/usr/bin/env python3
"""tools/snapedit.py: change a nestbox snapshot on purpose, for tests and
for people chasing a bug ("what if this register had been 0?").

  snapedit.py LAYOUTS IN OUT OP...

LAYOUTS is the output of `nestbox -snapshot-layouts` (the state tables of
the build that reads the file). Ops, applied in order; checksums are fixed
after each op unless it says it breaks them:
  set SECTION PATH VALUE   set a saved member (PATH as in -snapshot-dump:
                           cr0, seg[1].ar, ch[2].mode); VALUE in C syntax
  flip SECTION OFFSET      invert a payload byte, checksum left stale
  truncate N               cut the file to N bytes
  magic TEXT               replace the 8-byte magic
  version N                the format version in the header
  length SECTION N         the section header's payload length (a lie)
  rename SECTION NEW       give a section another name
  list                     print the sections (name, version, length)
The file format is docs/snapshot.md."""
import struct
import sys

HDR = 32
SHDR = 56


TABLE = []
for i in range(256):
    c = i
    for _ in range(8):
        c = (c >> 1) ^ (0x82f63b78 if c & 1 else 0)
    TABLE.append(c)


def crc(data):
    c = 0xffffffff
    for b in data:
        c = TABLE[(c ^ b) & 0xff] ^ (c >> 8)
    return c ^ 0xffffffff


def read_layouts(path):
    descs, sections, cur = {}, {}, None
    for line in open(path):
        w = line.split()
        if not w:
            continue
        if w[0] == 'section':
            sections[w[1]] = w[2]
        elif w[0] == 'desc':
            cur = w[1]
            if cur in descs:
                cur = None  # printed before: same rows
                continue
            descs[cur] = []
        elif w[0] == 'row' and cur:
            r = dict(name=w[1], offset=int(w[3]), size=int(w[5]), elem=int(w[7]), kind=w[9])
            if 'sub' in w:
                r['sub'] = w[w.index('sub') + 1]
            descs[cur].append(r)
    return descs, sections


def enc_size(descs, d):
    n = 0
    for r in descs[d]:
        k = r['kind']
        if k in ('uint', 'bool'):
            n += r['size']
        elif k == 'struct':
            n += r['size'] // r['elem'] * enc_size(descs, r['sub'])
        elif k == 'timer':
            n += r['size'] // r['elem'] * 17
    return n


def locate(descs, d, path):
    """encoded (offset, width) of PATH inside desc d"""
    head, _, rest = path.partition('.')
    name, idx = head, None
    if '[' in head:
        name, idx = head[:-1].split('[')
        idx = int(idx, 0)
    off = 0
    for r in descs[d]:
        k = r['kind']
        if k in ('derived', 'alias'):
            continue
        count = r['size'] // r['elem']
        if r['name'] == name:
            i = idx or 0
            if i >= count:
                raise SystemExit(f'snapedit: {path}: index out of range')
            if k in ('uint', 'bool'):
                if rest:
                    raise SystemExit(f'snapedit: {path}: {name} has no members')
                return off + i * r['elem'], r['elem']
            if k == 'struct':
                sub = enc_size(descs, r['sub'])
                o, w = locate(descs, r['sub'], rest)
                return off + i * sub + o, w
            if k == 'timer':
                o = {'armed': (0, 1), 'deadline': (1, 8), 'seq': (9, 8)}[rest]
                return off + i * 17 + o[0], o[1]
        if k in ('uint', 'bool'):
            off += r['size']
        elif k == 'struct':
            off += count * enc_size(descs, r['sub'])
        elif k == 'timer':
            off += count * 17
    raise SystemExit(f'snapedit: no saved member {path} in {d}')


def sections(img):
    n = struct.unpack_from('<I', img, 12)[0]
    off, out = HDR, []
    for _ in range(n):
        if off + SHDR > len(img):
            break
        name = img[off:off + 24].rstrip(b'\0').decode()
        ln = struct.unpack_from('<Q', img, off + 40)[0]
        out.append((name, off))
        off += SHDR + ln
    return out


def fix(img):
    for _, off in sections(img):
        ln = struct.unpack_from('<Q', img, off + 40)[0]
        if off + SHDR + ln <= len(img):
            struct.pack_into('<I', img, off + 28, crc(img[off + SHDR:off + SHDR + ln]))
        struct.pack_into('<I', img, off + 52, crc(img[off:off + 52]))
    struct.pack_into('<Q', img, 16, len(img))
    struct.pack_into('<I', img, 28, crc(img[0:28]))


def find(img, sec):
    for name, off in sections(img):
        if name == sec:
            return off
    raise SystemExit(f'snapedit: no section {sec}')


def main(argv):
    if len(argv) < 4:
        raise SystemExit(__doc__)
    descs, secmap = read_layouts(argv[1])
    img = bytearray(open(argv[2], 'rb').read())
    ops = argv[4:]
    while ops:
        op = ops.pop(0)
        if op == 'set':
            sec, path, val = ops[0], ops[1], int(ops[2], 0)
            del ops[:3]
            off, w = locate(descs, secmap[sec], path)
            img[find(img, sec) + SHDR + off:find(img, sec) + SHDR + off + w] = \
                (val & ((1 << (8 * w)) - 1)).to_bytes(w, 'little')
            fix(img)
        elif op == 'flip':
            sec, k = ops[0], int(ops[1], 0)
            del ops[:2]
            img[find(img, sec) + SHDR + k] ^= 0xff
        elif op == 'truncate':
            del img[int(ops.pop(0), 0):]
        elif op == 'magic':
            img[0:8] = ops.pop(0).encode().ljust(8, b'\0')[:8]
            struct.pack_into('<I', img, 28, crc(img[0:28]))
        elif op == 'version':
            struct.pack_into('<I', img, 8, int(ops.pop(0), 0))
            struct.pack_into('<I', img, 28, crc(img[0:28]))
        elif op == 'length':
            off = find(img, ops[0])
            struct.pack_into('<Q', img, off + 40, int(ops[1], 0))
            struct.pack_into('<I', img, off + 52, crc(img[off:off + 52]))
            del ops[:2]
        elif op == 'rename':
            off = find(img, ops[0])
            img[off:off + 24] = ops[1].encode().ljust(24, b'\0')[:24]
            del ops[:2]
            fix(img)
        elif op == 'list':
            for name, off in sections(img):
                v, ln = struct.unpack_from('<I', img, off + 24)[0], struct.unpack_from('<Q', img, off + 40)[0]
                print(f'{name} version {v} length {ln}')
        else:
            raise SystemExit(f'snapedit: unknown op {op}')
    open(argv[3], 'wb').write(img)


if __name__ == '__main__':
    main(sys.argv)
