"""platform: the questions code asks to pick an implementation."""
import os
import platform
import sys

print("system:", platform.system())
print("machine known:", platform.machine() in ("x86_64", "aarch64"))
print("uname system:", platform.uname().system, "release non-empty:", bool(platform.release()))
print("node non-empty:", bool(platform.node()))
print("implementation:", platform.python_implementation(), platform.python_version_tuple()[:2])
print("libc:", platform.libc_ver()[0])
print("platform:", platform.platform().startswith("Linux-"), "processor:", repr(platform.processor()))
print("os-release ID:", platform.freedesktop_os_release()["ID"])
print("sys.platform:", sys.platform, "os.name:", os.name, "byteorder:", sys.byteorder)
print("64 bit:", sys.maxsize > 2**32)
