"""random with a fixed seed: reproducible simulations and sampling."""
import random

rng = random.Random(42)
print("randint:", [rng.randint(1, 100) for _ in range(5)])
print("choice:", rng.choice(["red", "green", "blue"]))
deck = list(range(10))
rng.shuffle(deck)
print("shuffle:", deck)
print("sample:", rng.sample(range(100), 5))
print("gauss:", round(rng.gauss(0, 1), 6))
print("choices:", rng.choices("abc", weights=[5, 1, 1], k=8))
random.seed(7)
walk = 0
for _ in range(1000):
    walk += random.choice((-1, 1))
print("random walk:", walk)
print("getrandbits:", random.Random(1).getrandbits(32))
print("SystemRandom in range:", 0 <= random.SystemRandom().random() < 1)
