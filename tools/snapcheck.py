#!/usr/bin/env python3
"""tools/snapcheck.py: every member of every state struct has a row in its
snapshot description (src/snap/state.h): saved, or derived with a note.

  snapcheck.py NESTBOX

Reads the descriptions from `NESTBOX -snapshot-layouts` and the structs'
members from the binary's debug information (gdb's `ptype`), and prints one
PASS:/FAIL: line per description. A member added to a state struct and
forgotten in its table fails here, whatever its size or place."""
import re
import subprocess
import sys


def layouts(nestbox):
    out = subprocess.run([nestbox, '-snapshot-layouts'], capture_output=True, text=True,
                         check=True).stdout
    descs, cur = {}, None
    for line in out.splitlines():
        w = line.split()
        if w and w[0] == 'desc':
            cur = w[1]
            descs.setdefault(cur, set())
        elif w and w[0] == 'row' and cur:
            descs[cur].add(w[1])
    return descs


def member_name(decl):
    decl = decl.strip().rstrip(';').strip()
    m = re.search(r'\(\*\s*(\w+)\)', decl)
    if m:
        return m.group(1)
    decl = re.sub(r'\[[^\]]*\]', '', decl)
    decl = re.sub(r':\s*\d+$', '', decl)
    words = re.findall(r'\w+', decl)
    return words[-1] if words else None


def members(ptype):
    """top-level member names from `ptype/o struct X` output (which expands
    every nested aggregate); members of anonymous unions/structs count as
    the struct's own, members of named ones do not"""
    stack = [[]]
    for line in ptype.splitlines():
        s = re.sub(r'^\s*/\*.*?\*/', '', line).strip()
        s = re.sub(r'/\*.*?\*/', '', s).strip()
        if not s:
            continue
        if s.startswith('type ='):
            continue
        if s.endswith('{'):
            stack.append([])
            continue
        if s.startswith('}'):
            inner = stack.pop() if len(stack) > 1 else []
            name = s[1:].strip().rstrip(';').strip()
            if name:
                stack[-1].append(member_name(name + ';'))
            else:
                stack[-1].extend(inner)
            continue
        if s.endswith(';'):
            stack[-1].append(member_name(s))
    return [n for n in stack[0] if n]


def main():
    if len(sys.argv) != 2:
        raise SystemExit(__doc__)
    nestbox = sys.argv[1]
    descs = layouts(nestbox)
    cmd = ['gdb', '-nx', '-batch', '-ex', 'set max-value-size unlimited']
    for name in descs:
        cmd += ['-ex', f'echo @@@ {name}\\n', '-ex', f'ptype/o struct {name}']
    cmd.append(nestbox)
    out = subprocess.run(cmd, capture_output=True, text=True).stdout
    parts = re.split(r'^@@@ (\w+)$', out, flags=re.M)
    seen = {}
    for i in range(1, len(parts), 2):
        seen[parts[i]] = parts[i + 1]
    bad = 0
    for name, rows in sorted(descs.items()):
        text = seen.get(name, '')
        if 'type =' not in text:
            print(f'FAIL: snapcheck: struct {name}: not in the debug information of {nestbox}')
            bad += 1
            continue
        mem = members(text)
        missing = [m for m in mem if m not in rows]
        extra = sorted(rows - set(mem))
        if missing or extra:
            why = []
            if missing:
                why.append('members with no row in the description: ' + ', '.join(missing))
            if extra:
                why.append('rows naming no member: ' + ', '.join(extra))
            print(f'FAIL: snapcheck: struct {name}: ' + '; '.join(why))
            bad += 1
        else:
            print(f'PASS: snapcheck: struct {name}: all {len(mem)} members described')
    return 1 if bad else 0


if __name__ == '__main__':
    sys.exit(main())
