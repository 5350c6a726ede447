"""Filter and reshape a CSV file, write the result to TMPDIR and read it back."""
import csv
import io
import os
import tempfile
from pathlib import Path

src = Path(__file__).parent / "orders.csv"
with src.open(newline="") as f:
    rows = [r for r in csv.DictReader(f) if r["item"] == "widget"]

out_path = Path(tempfile.gettempdir()) / "widgets.csv"
with out_path.open("w", newline="") as f:
    w = csv.writer(f, quoting=csv.QUOTE_NONNUMERIC)
    w.writerow(["customer", "quantity", "total"])
    for r in rows:
        w.writerow([r["customer"], int(r["quantity"]), round(int(r["quantity"]) * float(r["unit_price"]), 2)])

print(out_path.read_text(), end="")
with out_path.open(newline="") as f:
    back = list(csv.reader(f, quoting=csv.QUOTE_NONNUMERIC))
print("rows read back:", len(back) - 1)
print("in TMPDIR:", out_path.parent == Path(os.environ.get("TMPDIR", "/tmp")))

buf = io.StringIO()
csv.writer(buf, dialect="excel-tab").writerows([["a", "b c"], ["1", 'say "hi"']])
print(repr(buf.getvalue()))
print("sniffed delimiter:", repr(csv.Sniffer().sniff("x;y;z\n1;2;3\n").delimiter))
