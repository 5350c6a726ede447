"""multiprocessing with the spawn start method: a fresh interpreter per child."""
import multiprocessing as mp
import os


def child(q, word):
    q.put((word.upper(), os.getppid() > 0))


if __name__ == "__main__":
    ctx = mp.get_context("spawn")
    q = ctx.Queue()
    procs = [ctx.Process(target=child, args=(q, w)) for w in ("alpha", "beta")]
    for p in procs:
        p.start()
    got = sorted(q.get(timeout=60) for _ in procs)
    for p in procs:
        p.join()
    print("spawned results:", got)
    print("exit codes:", [p.exitcode for p in procs])
    with ctx.Pool(1) as pool:
        print("spawn pool:", pool.map(abs, [-3, -2, -1]))
