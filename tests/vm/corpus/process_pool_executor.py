"""concurrent.futures.ProcessPoolExecutor with the default start method and with spawn."""
import multiprocessing as mp
from concurrent.futures import ProcessPoolExecutor


def collatz(n):
    steps = 0
    while n != 1:
        n = n // 2 if n % 2 == 0 else 3 * n + 1
        steps += 1
    return steps


if __name__ == "__main__":
    with ProcessPoolExecutor(max_workers=2) as ex:
        print("collatz:", list(ex.map(collatz, [6, 7, 27, 97, 871])))
        print("submit:", ex.submit(collatz, 63728127).result(timeout=60))
    with ProcessPoolExecutor(max_workers=1, mp_context=mp.get_context("spawn")) as ex:
        print("spawn:", list(ex.map(collatz, range(1, 8))))
