"""shutil and os file work in TMPDIR: copy, copytree, move, walk, compare, remove."""
import filecmp
import os
import shutil
import tempfile
from pathlib import Path

here = Path(__file__).resolve().parent
with tempfile.TemporaryDirectory() as d:
    work = Path(d)
    shutil.copy(here / "orders.csv", work / "orders.csv")
    shutil.copy2(here / "pricing.py", work / "pricing_copy.py")
    print("copied equal:", filecmp.cmp(here / "orders.csv", work / "orders.csv", shallow=False))
    shutil.copytree(here / "textkit", work / "tk", ignore=shutil.ignore_patterns("__pycache__"))
    print("tree:", sorted(str(p.relative_to(work)) for p in (work / "tk").rglob("*")))
    shutil.move(work / "tk", work / "moved")
    os.makedirs(work / "a/b/c", exist_ok=True)
    (work / "a/b/c/deep.txt").write_text("deep")
    os.symlink("a/b/c/deep.txt", work / "link")
    print("symlink reads:", (work / "link").read_text(), os.readlink(work / "link"))
    os.link(work / "orders.csv", work / "hard.csv")
    print("hard link count:", os.stat(work / "orders.csv").st_nlink)
    os.chmod(work / "hard.csv", 0o600)
    print("mode:", oct(os.stat(work / "orders.csv").st_mode & 0o777))
    os.rename(work / "hard.csv", work / "renamed.csv")
    walked = sorted((os.path.relpath(root, d), sorted(files)) for root, _, files in os.walk(d))
    print("walk:", walked)
    print("disk usage total > 0:", shutil.disk_usage(d).total > 0)
    shutil.rmtree(work / "a")
    shutil.make_archive(str(work / "moved_archive"), "zip", work / "moved")
    print("archive made:", (work / "moved_archive.zip").stat().st_size > 0)
    print("left:", sorted(os.listdir(d)))
print("which python3:", shutil.which("python3") is not None)
