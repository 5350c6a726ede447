"""Exact arithmetic: decimal, fractions and statistics."""
import statistics
from decimal import Decimal, ROUND_HALF_EVEN, localcontext
from fractions import Fraction

prices = [Decimal("19.99"), Decimal("2.50"), Decimal("0.75"), Decimal("21.00")]
print("sum:", sum(prices))
print("mean:", (sum(prices) / len(prices)).quantize(Decimal("0.01"), rounding=ROUND_HALF_EVEN))
with localcontext() as ctx:
    ctx.prec = 50
    print("1/7:", Decimal(1) / Decimal(7))
print("fraction:", Fraction(3, 4) + Fraction(5, 6), float(Fraction(1, 3)).hex())
print("limit_denominator:", Fraction("3.14159265358979").limit_denominator(1000))
sample = [2, 4, 4, 4, 5, 5, 7, 9]
print("mean", statistics.mean(sample), "median", statistics.median(sample), "mode", statistics.mode(sample))
print("pstdev", statistics.pstdev(sample), "variance", round(statistics.variance(sample), 6))
print("quantiles", statistics.quantiles(sample, n=4))
print("correlation", round(statistics.correlation([1, 2, 3, 4], [2, 4, 5, 8]), 6))
print("NormalDist cdf", round(statistics.NormalDist(100, 15).cdf(130), 6))
