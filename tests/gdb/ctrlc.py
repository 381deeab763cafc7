#!/usr/bin/env python3
"""tests/gdb/ctrlc.py PORT: gdb's Ctrl-C at the protocol level (the batch
gdb cannot interrupt a running target from a script): continue, send the
interrupt byte 0x03, expect a stop reply with SIGINT (T02), read RIP, kill.
Prints "ok RIP" or "error WHY"."""
import socket
import sys
import time


def packet(s, data):
    s.sendall(b"$%s#%02x" % (data, sum(data) & 0xff))


def reply(s, buf=b""):
    while b"#" not in buf or len(buf) < buf.index(b"#") + 3:
        chunk = s.recv(4096)
        if not chunk:
            raise EOFError("connection closed")
        buf += chunk
    start = buf.index(b"$")
    end = buf.index(b"#", start)
    return buf[start + 1:end].decode()


def main():
    s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=20)
    packet(s, b"?")
    first = reply(s)
    s.sendall(b"+")
    packet(s, b"c")
    time.sleep(0.5)
    s.sendall(b"\x03")
    stop = reply(s)
    s.sendall(b"+")
    packet(s, b"p10")  # register 16: rip (debug/gdb_regs.def)
    rip = reply(s)
    s.sendall(b"+")
    packet(s, b"k")
    s.close()
    if not stop.startswith("T02thread:1;"):
        print("error stop reply %r (attach reply %r)" % (stop, first))
        return
    print("ok 0x%x" % int.from_bytes(bytes.fromhex(rip), "little"))


if __name__ == "__main__":
    try:
        main()
    except (OSError, EOFError, ValueError) as e:
        print("error %s" % e)
