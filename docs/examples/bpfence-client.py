#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""Run a restricted function through bpfenced's socket, as a user who is not root.

The request `bpfence run` sends by itself (docs/socket.md), written out with nothing but Python's
standard library: one JSON line, with this process's stdin, stdout, stderr and working directory
(and --source DIR) passed as descriptors (SCM_RIGHTS), then one JSON line back when the function
has ended. The function reads and writes those descriptors itself: its output never goes through
the socket. Closing the connection (Ctrl-C, or this process dying) kills the function.

usage: bpfence-client.py [--policy NAME] [--timeout SECS] [--source DIR] [--env NAME=VALUE]...
                         [--socket PATH] [--json] -- COMMAND [ARG]...

  bpfence-client.py --timeout 10 -- python3 -c 'print(1)'
  bpfence-client.py --source ./fn --json -- python3 main.py < input.json

Exit status: the function's, as `bpfence run` would exit (124 when its timeout ran out, ...);
125 when bpfenced cannot be reached or refuses the request (the reason on stderr); 2 for bad
arguments. The caller must be in the socket's group (bpfence) and the policy allowed to one of
its groups in /etc/bpfence/bpfenced.conf (bpfenced.conf(5)).
"""
import argparse
import array
import json
import os
import socket
import sys

DEFAULT_SOCKET = "/run/bpfence/bpfenced.sock"
REQUEST_MAX = 64 * 1024  # bytes, the newline included (docs/socket.md)
ANSWER_MAX = 1024 * 1024
EXIT_BPFENCE = 125


def fail(what):
    print(f"bpfence-client: {what}", file=sys.stderr)
    sys.exit(EXIT_BPFENCE)


def parse_args():
    env_socket = os.environ.get("BPFENCE_SOCKET", "")
    ap = argparse.ArgumentParser(
        prog=os.path.basename(sys.argv[0]),
        description="\n\n".join(__doc__.split("\n\n")[:2]),
        epilog="\n\n".join(__doc__.split("\n\n")[3:]),
        formatter_class=argparse.RawDescriptionHelpFormatter,
        usage="%(prog)s [options] -- COMMAND [ARG]...")
    ap.add_argument("--policy", default="function", metavar="NAME",
                    help="a policy name bpfenced.conf allows you (default: function)")
    ap.add_argument("--timeout", type=float, metavar="SECS",
                    help="kill the function after SECS (default and cap: bpfenced.conf's)")
    ap.add_argument("--source", metavar="DIR",
                    help="the function's code, ${source} in the policy (opened here, passed)")
    ap.add_argument("--env", action="append", default=[], metavar="NAME=VALUE",
                    help="add to the function's environment (repeatable)")
    ap.add_argument("--socket", metavar="PATH",
                    default=env_socket if env_socket.startswith("/") else DEFAULT_SOCKET,
                    help="bpfenced's socket (default: $BPFENCE_SOCKET or %(default)s)")
    ap.add_argument("--json", action="store_true",
                    help="print bpfenced's answer (one JSON object) on stderr; errors as JSON")
    ap.add_argument("command", nargs=argparse.REMAINDER, help="the command and its arguments")
    args = ap.parse_args()
    if args.command[:1] == ["--"]:
        args.command = args.command[1:]
    if not args.command:
        ap.error("no command (after --)")
    if args.timeout is not None and args.timeout <= 0:
        ap.error("--timeout: a number of seconds above 0")
    for e in args.env:
        if "=" not in e or e.startswith("="):
            ap.error(f"--env: '{e}' is not NAME=VALUE")
    return args


def request(args):
    """The request line and the descriptors it names, in order."""
    names, fds = [], []
    # Our own stdio, as far as we have any (the function gets /dev/null for the rest).
    for fd, name in ((0, "stdin"), (1, "stdout"), (2, "stderr")):
        try:
            os.fstat(fd)
        except OSError:
            continue
        names.append(name)
        fds.append(fd)
    # Opened with our own rights, for reading: bpfenced never opens a path we name.
    try:
        fds.append(os.open(".", os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC))
        names.append("cwd")
        if args.source is not None:
            fds.append(os.open(args.source, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC))
            names.append("source")
    except OSError as e:
        fail(f"cannot open {e.filename}: {e.strerror}")
    req = {"version": 1, "op": "run", "policy": args.policy, "argv": args.command,
           "fds": names}
    if args.timeout is not None:
        req["timeout_ms"] = max(1, round(args.timeout * 1000))
    if args.env:
        req["env"] = args.env
    if args.json:
        req["json"] = True
    # Arguments are passed on byte for byte (surrogateescape gives back what the OS gave us).
    line = json.dumps(req, ensure_ascii=False).encode("utf-8", "surrogateescape") + b"\n"
    if len(line) > REQUEST_MAX:
        fail(f"request too large: {len(line)} bytes, at most {REQUEST_MAX} (argv and --env)")
    return line, fds


def call(path, line, fds):
    """Send the request, wait for the answer line; the function runs meanwhile."""
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        sock.connect(path)
    except (FileNotFoundError, ConnectionRefusedError) as e:
        fail(f"cannot reach bpfenced: {path}: {e.strerror} (is bpfenced running?)")
    except PermissionError as e:
        fail(f"cannot reach bpfenced: {path}: {e.strerror} (not in the socket's group?)")
    except OSError as e:
        fail(f"cannot reach bpfenced: {path}: {e.strerror}")
    try:
        # The descriptors go with the first part; the rest of a long line follows.
        sent = sock.sendmsg([line], [(socket.SOL_SOCKET, socket.SCM_RIGHTS,
                                      array.array("i", fds))])
        sock.sendall(line[sent:])
    except OSError as e:
        fail(f"cannot send the request to bpfenced: {e.strerror}")
    # No shutdown(SHUT_WR): the end of the connection is what tells bpfenced we are gone.
    answer = b""
    while b"\n" not in answer and len(answer) < ANSWER_MAX:
        try:
            chunk = sock.recv(65536)
        except OSError as e:
            fail(f"reading bpfenced's answer: {e.strerror}")
        if not chunk:
            break
        answer += chunk
    sock.close()
    if b"\n" not in answer:
        fail("bpfenced did not answer: the connection closed without a result "
             "(was bpfenced stopped?)")
    return answer.split(b"\n", 1)[0]


def main():
    args = parse_args()
    line, fds = request(args)
    try:
        raw = call(args.socket, line, fds)
    except KeyboardInterrupt:
        # Our end of the connection is closed: bpfenced kills the function.
        sys.exit(130)
    try:
        answer = json.loads(raw)
        if not isinstance(answer, dict):
            raise ValueError("not an object")
    except ValueError as e:
        fail(f"bpfenced's answer is not a JSON object: {e}")
    if args.json:
        print(raw.decode("utf-8", "replace"), file=sys.stderr)
    elif answer.get("refused"):
        print(f"bpfence-client: bpfenced refused the request: "
              f"{answer.get('error', '(no reason)')}", file=sys.stderr)
    code = answer.get("exit_code")
    sys.exit(code if isinstance(code, int) and 0 <= code <= 255 else EXIT_BPFENCE)


if __name__ == "__main__":
    main()
