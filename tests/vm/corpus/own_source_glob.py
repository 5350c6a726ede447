"""pathlib over the function's own source: glob, read, stat (nothing written there)."""
import hashlib
import inspect
from pathlib import Path

src = Path(__file__).resolve().parent
py = sorted(p.name for p in src.glob("*.py"))
print("python files >= 25:", len(py) >= 25)
print("self listed:", Path(__file__).name in py)
print("helpers present:", [n for n in ("pricing.py", "orders.csv") if (src / n).exists()])
print("package files:", sorted(p.relative_to(src).as_posix() for p in src.rglob("textkit/*.py")))
print("sh scripts:", sorted(p.name for p in src.glob("*.sh")))
print("orders.csv lines:", len((src / "orders.csv").read_text().splitlines()))
print("orders.csv sha256:", hashlib.sha256((src / "orders.csv").read_bytes()).hexdigest()[:16])
print("is_dir:", src.is_dir(), "suffixes:", Path("a.tar.gz").suffixes)
print("own first line:", inspect.getsource(inspect.getmodule(inspect.currentframe())).splitlines()[0])
