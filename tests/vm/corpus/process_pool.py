"""multiprocessing: Pool.map, a Queue between processes and a shared Lock and Value."""
import multiprocessing as mp


def square(x):
    return x * x


def produce(q, lock, counter, base):
    for i in range(base, base + 5):
        q.put(i)
        with lock:
            counter.value += 1


if __name__ == "__main__":
    with mp.Pool(processes=2) as pool:
        print("pool map:", pool.map(square, range(10)))
        print("apply_async:", pool.apply_async(square, (12,)).get(timeout=60))
        print("imap_unordered sum:", sum(pool.imap_unordered(square, range(20))))
    q = mp.Queue()
    lock = mp.Lock()
    counter = mp.Value("i", 0)
    procs = [mp.Process(target=produce, args=(q, lock, counter, b)) for b in (0, 100)]
    for p in procs:
        p.start()
    got = sorted(q.get(timeout=60) for _ in range(10))
    for p in procs:
        p.join()
    print("queue:", got)
    print("counter:", counter.value, "exit codes:", [p.exitcode for p in procs])
    with mp.Manager() as manager:
        d = manager.dict()
        workers = [mp.Process(target=d.__setitem__, args=(k, k * 2)) for k in range(3)]
        for w in workers:
            w.start()
        for w in workers:
            w.join()
        print("manager dict:", dict(sorted(d.items())))
