"""asyncio subprocesses: the granted interpreters started from an event loop."""
import asyncio
import sys


async def main():
    proc = await asyncio.create_subprocess_exec(
        "/usr/bin/python3", "-c", "import sys; print(sum(range(10))); sys.exit(3)",
        stdout=asyncio.subprocess.PIPE)
    out, _ = await proc.communicate()
    print("python child:", out.decode().strip(), "exit", proc.returncode)
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-c", "import sys; print(sys.stdin.read().upper())",
        stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE)
    out, _ = await proc.communicate(b"through stdin")
    print("stdin round trip:", out.decode().strip())
    proc = await asyncio.create_subprocess_shell(
        "echo hi from sh; exit 2", stdout=asyncio.subprocess.PIPE)
    out, _ = await proc.communicate()
    print("shell child:", out.decode().strip(), "exit", proc.returncode)
    procs = [await asyncio.create_subprocess_exec("/bin/sh", "-c", f"echo {i}",
                                                  stdout=asyncio.subprocess.PIPE)
             for i in range(3)]
    outs = await asyncio.gather(*(p.communicate() for p in procs))
    print("parallel:", [o[0].decode().strip() for o in outs])


asyncio.run(main())
