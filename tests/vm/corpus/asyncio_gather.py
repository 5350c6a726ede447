"""asyncio: gather, tasks, queues, timeouts, locks and a stream over a socketpair."""
import asyncio
import socket


async def fetch(n):
    await asyncio.sleep(0.01 * (5 - n))
    return n * 10


async def pipeline():
    q = asyncio.Queue()
    out = []

    async def worker():
        while True:
            item = await q.get()
            out.append(item + 1)
            q.task_done()

    tasks = [asyncio.create_task(worker()) for _ in range(3)]
    for i in range(20):
        q.put_nowait(i)
    await q.join()
    for t in tasks:
        t.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    return sorted(out)


async def echo_over_socketpair():
    a, b = socket.socketpair()
    r1, w1 = await asyncio.open_connection(sock=a)
    r2, w2 = await asyncio.open_connection(sock=b)
    w1.write(b"ping\n")
    await w1.drain()
    line = await r2.readline()
    w2.write(line.upper())
    await w2.drain()
    reply = await r1.readline()
    for w in (w1, w2):
        w.close()
        await w.wait_closed()
    return reply


async def main():
    print("gather:", await asyncio.gather(*(fetch(n) for n in range(5))))
    print("queue pipeline sum:", sum(await pipeline()))
    try:
        await asyncio.wait_for(asyncio.sleep(10), timeout=0.05)
    except asyncio.TimeoutError:
        print("wait_for: timed out")
    lock = asyncio.Lock()
    counter = 0

    async def bump():
        nonlocal counter
        async with lock:
            c = counter
            await asyncio.sleep(0)
            counter = c + 1

    await asyncio.gather(*(bump() for _ in range(50)))
    print("lock counter:", counter)
    print("socketpair echo:", await echo_over_socketpair())
    loop = asyncio.get_running_loop()
    print("run_in_executor:", await loop.run_in_executor(None, sum, range(1000)))


asyncio.run(main())
