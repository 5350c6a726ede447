"""Python starting the host's programs and asking about the system: subprocess.run of sort found
through PATH, a pipeline of cut and sort, asyncio subprocesses of /bin/echo, /proc/meminfo and
loadavg, its own /proc/self, and ctypes (find_library runs /sbin/ldconfig -p; a C callback)."""
import asyncio
import ctypes
import ctypes.util
import os
import resource
import subprocess

r = subprocess.run(["sort"], input="pear\napple\nfig\n", capture_output=True, text=True, check=True)
print("sort:", r.stdout.split())
cut = subprocess.Popen(["cut", "-d,", "-f3", "orders.csv"], stdout=subprocess.PIPE)
uniq = subprocess.Popen(["sort", "-u"], stdin=cut.stdout, stdout=subprocess.PIPE, text=True)
cut.stdout.close()
print("pipeline:", uniq.communicate()[0].split(), cut.wait(), uniq.returncode)
try:
    subprocess.run(["no-such-program-here"])
except FileNotFoundError as e:
    print("missing program:", type(e).__name__)


async def echoes():
    proc = await asyncio.create_subprocess_exec("/bin/echo", "hello", "from", "echo",
                                                stdout=asyncio.subprocess.PIPE)
    out, _ = await proc.communicate()
    print("asyncio /bin/echo:", out.decode().strip(), proc.returncode)
    procs = [await asyncio.create_subprocess_exec("/bin/echo", str(i), stdout=asyncio.subprocess.PIPE)
             for i in range(2)]
    print("parallel echoes:", [(await p.communicate())[0].decode().strip() for p in procs])


asyncio.run(echoes())

meminfo = dict(line.split(":", 1) for line in open("/proc/meminfo"))
print("meminfo:", all(k in meminfo for k in ("MemTotal", "MemAvailable", "SwapTotal")),
      int(meminfo["MemTotal"].split()[0]) > 0)
print("loadavg:", len(os.getloadavg()), "cpuinfo has processors:",
      sum(1 for line in open("/proc/cpuinfo") if line.startswith("processor")) == os.cpu_count())
status = dict(line.rstrip("\n").split(":\t", 1) for line in open("/proc/self/status"))
print("own status:", status["Name"], status["Pid"] == str(os.getpid()))
print("own cgroup: v2", open("/proc/self/cgroup").read().startswith("0::/"))
print("fds listed:", len(os.listdir("/proc/self/fd")) >= 3)
print("rlimit nofile:", resource.getrlimit(resource.RLIMIT_NOFILE)[0] > 0,
      "page size:", os.sysconf("SC_PAGE_SIZE"), "phys pages:", os.sysconf("SC_PHYS_PAGES") > 0)

libc_name, libm_name = ctypes.util.find_library("c"), ctypes.util.find_library("m")
print("find_library:", libc_name, libm_name)
libc = ctypes.CDLL(libc_name)
print("strlen:", libc.strlen(b"bpfence"), "abs:", libc.abs(-7))
libm = ctypes.CDLL(libm_name)
libm.cbrt.restype = ctypes.c_double
libm.cbrt.argtypes = [ctypes.c_double]
print("cbrt:", libm.cbrt(27.0))
CMP = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.POINTER(ctypes.c_int), ctypes.POINTER(ctypes.c_int))
arr = (ctypes.c_int * 6)(5, 1, 4, 2, 6, 3)
libc.qsort(arr, len(arr), ctypes.sizeof(ctypes.c_int), CMP(lambda a, b: a[0] - b[0]))
print("qsort with a Python comparator:", list(arr))
