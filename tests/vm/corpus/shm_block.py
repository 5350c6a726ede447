"""multiprocessing.shared_memory: a block written by a child process and read by the parent."""
import multiprocessing as mp
import struct
from multiprocessing import shared_memory


def fill(name, n):
    shm = shared_memory.SharedMemory(name=name)
    for i in range(n):
        struct.pack_into("<q", shm.buf, i * 8, i * i)
    shm.close()


if __name__ == "__main__":
    n = 16
    shm = shared_memory.SharedMemory(create=True, size=n * 8)
    try:
        p = mp.Process(target=fill, args=(shm.name, n))
        p.start()
        p.join()
        values = [struct.unpack_from("<q", shm.buf, i * 8)[0] for i in range(n)]
        print("child exit:", p.exitcode)
        print("values:", values)
    finally:
        shm.close()
        shm.unlink()
    sl = shared_memory.ShareableList([1, 2.5, "three", None])
    try:
        print("shareable list:", list(sl))
    finally:
        sl.shm.close()
        sl.shm.unlink()
