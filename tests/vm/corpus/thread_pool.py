"""concurrent.futures.ThreadPoolExecutor: map, submit, as_completed, exceptions."""
import hashlib
from concurrent.futures import ThreadPoolExecutor, as_completed


def digest(n):
    return n, hashlib.sha256(str(n).encode()).hexdigest()[:12]


def fails(n):
    raise ValueError(f"bad input {n}")


with ThreadPoolExecutor(max_workers=4) as pool:
    for n, d in pool.map(digest, range(6)):
        print(n, d)
    futures = {pool.submit(pow, 2, k): k for k in range(10)}
    print("powers:", sorted(f.result() for f in as_completed(futures)))
    err = pool.submit(fails, 7).exception()
    print("exception:", type(err).__name__, err)
with ThreadPoolExecutor() as pool:
    print("default pool sum:", sum(pool.map(lambda x: x * 3, range(100))))
