"""dataclasses, enum, pickle, copy, functools, itertools, collections, heapq, bisect."""
import bisect
import copy
import enum
import functools
import heapq
import itertools
import json
import pickle
from collections import Counter, OrderedDict, deque, namedtuple
from dataclasses import asdict, dataclass, field


class Status(enum.Enum):
    NEW = "new"
    PAID = "paid"


@dataclass(order=True)
class Order:
    total: float
    customer: str = field(compare=False)
    status: Status = field(default=Status.NEW, compare=False)
    tags: list = field(default_factory=list, compare=False)


orders = [Order(19.99, "globex"), Order(10.0, "acme", Status.PAID, ["vip"]), Order(5.5, "initech")]
print("sorted:", [o.customer for o in sorted(orders)])
blob = pickle.dumps(orders, protocol=pickle.HIGHEST_PROTOCOL)
print("pickle round trip:", pickle.loads(blob) == orders)
deep = copy.deepcopy(orders[1])
deep.tags.append("copied")
print("deepcopy independent:", orders[1].tags, deep.tags)
print("asdict:", json.dumps(asdict(orders[0]), default=lambda s: s.value))


@functools.lru_cache(maxsize=None)
def fib(n):
    return n if n < 2 else fib(n - 1) + fib(n - 2)


print("fib 90:", fib(90), fib.cache_info().hits)
print("reduce:", functools.reduce(lambda a, b: a * b, range(1, 11)))
print("groupby:", [(k, len(list(g))) for k, g in itertools.groupby("aaabccdddd")])
print("combinations:", list(itertools.combinations("abcd", 2))[:4])
print("counter:", Counter("mississippi").most_common(3))
print("heap:", heapq.nsmallest(3, [5, 1, 8, 3, 9, 2]))
print("bisect:", bisect.bisect([1, 3, 5, 7], 4))
d = deque(range(5), maxlen=3)
d.rotate(1)
print("deque:", list(d))
Point = namedtuple("Point", "x y")
print("namedtuple:", Point(1, 2)._asdict())
print("ordered:", list(OrderedDict.fromkeys("banana")))
