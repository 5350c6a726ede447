"""tarfile, zipfile, gzip, bz2 and lzma archives built and read back in TMPDIR."""
import bz2
import gzip
import io
import lzma
import os
import tarfile
import tempfile
import zipfile
from pathlib import Path

with tempfile.TemporaryDirectory() as d:
    base = Path(d)
    data = base / "data"
    data.mkdir()
    for name, text in (("a.txt", "alpha\n" * 10), ("b.txt", "beta\n"), ("sub/c.txt", "gamma\n")):
        (data / name).parent.mkdir(exist_ok=True)
        (data / name).write_text(text)

    tar_path = base / "bundle.tar.gz"
    with tarfile.open(tar_path, "w:gz") as tar:
        tar.add(data, arcname="data")
    with tarfile.open(tar_path) as tar:
        members = tar.getmembers()
        print("tar:", [(m.name, m.size) for m in sorted(members, key=lambda m: m.name)])
        print("tar owner names set:", all(m.uname for m in members))
        # The extraction filter (PEP 706) where this Python has it (3.11.4 and later).
        safe = {"filter": "data"} if hasattr(tarfile, "data_filter") else {}
        tar.extractall(base / "out", **safe)
    print("extracted:", (base / "out/data/sub/c.txt").read_text().strip())

    zip_path = base / "bundle.zip"
    with zipfile.ZipFile(zip_path, "w", compression=zipfile.ZIP_DEFLATED) as z:
        for p in sorted(data.rglob("*.txt")):
            z.write(p, p.relative_to(base))
        z.writestr("note.txt", "made in memory")
    with zipfile.ZipFile(zip_path) as z:
        print("zip:", sorted((i.filename, i.file_size) for i in z.infolist()))
        print("zip test:", z.testzip())

    gz_path = base / "log.gz"
    with gzip.open(gz_path, "wt") as f:
        f.write("line\n" * 1000)
    with gzip.open(gz_path, "rt") as f:
        print("gzip lines:", sum(1 for _ in f))
    print("bz2:", len(bz2.decompress(bz2.compress(b"x" * 5000))))
    print("lzma:", len(lzma.decompress(lzma.compress(b"y" * 5000))))
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        info = tarfile.TarInfo("mem.txt")
        info.size = 5
        tar.addfile(info, io.BytesIO(b"hello"))
    print("in-memory tar bytes:", len(buf.getvalue()))
    print("leftover:", sorted(os.listdir(d)))
