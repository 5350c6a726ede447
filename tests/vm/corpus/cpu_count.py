"""How many CPUs to use: os.cpu_count(), the affinity mask and the pools' defaults."""
import os
from concurrent.futures import ThreadPoolExecutor

n = os.cpu_count()
print("cpu_count >= 1:", n is not None and n >= 1)
print("affinity >= 1:", len(os.sched_getaffinity(0)) >= 1)
print("affinity <= cpu_count:", len(os.sched_getaffinity(0)) <= n)
with ThreadPoolExecutor() as pool:
    print("default workers:", pool._max_workers == min(32, n + 4))
print("configured >= online:", os.sysconf("SC_NPROCESSORS_CONF") >= os.sysconf("SC_NPROCESSORS_ONLN"))
print("sysconf pages > 0:", os.sysconf("SC_PAGE_SIZE") > 0)
