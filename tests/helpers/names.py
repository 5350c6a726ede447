#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-only
"""What a function that uses DNS names does, step by step, one line of output per step
(tests/vm/names.bats). Python's resolver is glibc's getaddrinfo(), reading /etc/resolv.conf as
every runtime does.

  connect NAME PORT [tcp|udp] [4|6]  resolve NAME, connect to its first address:
                                     "ok ADDR", "EPERM ADDR" (errno name), "resolve EAI_..."
  query SERVER PORT NAME [udp|tcp]   one raw A query for NAME sent straight to SERVER:PORT:
                                     "answer RCODE", or the errno name of the send or connect
  nameserver                         the nameserver /etc/resolv.conf names
  wait FILE                          wait (at most 60 s) until FILE exists
  sleep SECONDS
  touch FILE
"""
import errno
import os
import socket
import struct
import sys
import time

EAI = {v: k for k, v in vars(socket).items() if k.startswith("EAI_")}


def err(e):
    return errno.errorcode.get(e.errno, str(e.errno))


def connect(name, port, proto="tcp", fam="4"):
    family = socket.AF_INET6 if fam == "6" else socket.AF_INET
    kind = socket.SOCK_DGRAM if proto == "udp" else socket.SOCK_STREAM
    try:
        ai = socket.getaddrinfo(name, int(port), family, kind)
    except socket.gaierror as e:
        return "resolve " + EAI.get(e.errno, str(e.errno))
    addr = ai[0][4]
    s = socket.socket(family, kind)
    s.settimeout(5)
    try:
        s.connect(addr)
        if kind == socket.SOCK_DGRAM:
            s.send(b"x")
        return "ok " + addr[0]
    except OSError as e:
        return err(e) + " " + addr[0]
    finally:
        s.close()


def query(server, port, name, proto="udp"):
    q = struct.pack(">HHHHHH", 0x1234, 0x0100, 1, 0, 0, 0)
    q += b"".join(bytes([len(l)]) + l.encode() for l in name.split(".")) + b"\0"
    q += struct.pack(">HH", 1, 1)
    kind = socket.SOCK_STREAM if proto == "tcp" else socket.SOCK_DGRAM
    s = socket.socket(socket.AF_INET6 if ":" in server else socket.AF_INET, kind)
    s.settimeout(5)
    try:
        s.connect((server, int(port)))
        if kind == socket.SOCK_STREAM:
            s.sendall(struct.pack(">H", len(q)) + q)
            a = s.recv(65535)[2:]
        else:
            s.send(q)
            a = s.recv(65535)
        return "answer %d" % (a[3] & 15)
    except OSError as e:
        return err(e)
    finally:
        s.close()


def nameserver():
    with open("/etc/resolv.conf") as f:
        for line in f:
            w = line.split()
            if len(w) == 2 and w[0] == "nameserver":
                return w[1]
    return "none"


def wait(path):
    for _ in range(600):
        if os.path.exists(path):
            return "ready"
        time.sleep(0.1)
    return "timeout"


def sleep(seconds):
    time.sleep(float(seconds))
    return "slept"


def touch(path):
    open(path, "w").close()
    return "touched"


STEPS = {"connect": connect, "query": query, "nameserver": nameserver, "wait": wait,
         "sleep": sleep, "touch": touch}
for step in sys.argv[1:]:
    w = step.split()
    print(STEPS[w[0]](*w[1:]), flush=True)
