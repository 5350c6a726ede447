"""Aggregate the orders shipped next to the function into a JSON report."""
import csv
import json
from collections import defaultdict
from decimal import Decimal
from pathlib import Path

rows = list(csv.DictReader((Path(__file__).parent / "orders.csv").open(newline="")))
by_region = defaultdict(lambda: {"orders": 0, "revenue": Decimal(0), "items": set()})
for row in rows:
    r = by_region[row["region"]]
    r["orders"] += 1
    r["revenue"] += int(row["quantity"]) * Decimal(row["unit_price"])
    r["items"].add(row["item"])

report = {
    region: {"orders": v["orders"], "revenue": str(v["revenue"]), "items": sorted(v["items"])}
    for region, v in sorted(by_region.items())
}
print(json.dumps(report, indent=2, sort_keys=True))
decoded = json.loads(json.dumps(report))
print("round trip:", decoded == report)
print("top region:", max(report, key=lambda k: Decimal(report[k]["revenue"])))
