"""Producer/consumer threads with queue, Lock, Event, Condition and Barrier."""
import queue
import threading

q = queue.Queue(maxsize=4)
results = []
lock = threading.Lock()
done = threading.Event()


def producer(start):
    for i in range(start, start + 50):
        q.put(i)


def consumer():
    while True:
        item = q.get()
        if item is None:
            q.task_done()
            return
        with lock:
            results.append(item * item)
        q.task_done()


consumers = [threading.Thread(target=consumer) for _ in range(3)]
producers = [threading.Thread(target=producer, args=(s,)) for s in (0, 50)]
for t in consumers + producers:
    t.start()
for t in producers:
    t.join()
for _ in consumers:
    q.put(None)
q.join()
for t in consumers:
    t.join()
print("items:", len(results), "sum:", sum(results))

barrier = threading.Barrier(3)
order = []
cond = threading.Condition()


def worker(n):
    barrier.wait()
    with cond:
        order.append(n)
        cond.notify_all()


ts = [threading.Thread(target=worker, args=(n,), name=f"w{n}") for n in range(3)]
for t in ts:
    t.start()
with cond:
    cond.wait_for(lambda: len(order) == 3, timeout=30)
for t in ts:
    t.join()
print("barrier passed:", sorted(order))
timer = threading.Timer(0.01, done.set)
timer.start()
print("timer fired:", done.wait(30))
local = threading.local()
local.x = 1
print("active threads:", threading.active_count())
