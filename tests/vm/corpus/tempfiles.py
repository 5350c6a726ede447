"""tempfile in all its forms, atomic replace, and file locks in TMPDIR."""
import fcntl
import json
import os
import tempfile

tmp = tempfile.gettempdir()
print("gettempdir is TMPDIR:", os.path.realpath(tmp) == os.path.realpath(os.environ["TMPDIR"]))
before = set(os.listdir(tmp))
with tempfile.NamedTemporaryFile("w+", suffix=".json", delete=True) as f:
    json.dump({"a": 1}, f)
    f.flush()
    f.seek(0)
    print("named:", json.load(f), f.name.endswith(".json"))
fd, path = tempfile.mkstemp(prefix="state-")
with os.fdopen(fd, "w") as f:
    f.write("v1")
new = path + ".new"
with open(new, "w") as f:
    f.write("v2")
    f.flush()
    os.fsync(f.fileno())
os.replace(new, path)
print("atomic replace:", open(path).read())
with open(path + ".lock", "w") as lock:
    fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    print("flock taken")
    fcntl.flock(lock, fcntl.LOCK_UN)
os.unlink(path)
os.unlink(path + ".lock")
with tempfile.SpooledTemporaryFile(max_size=10) as s:
    s.write(b"x" * 100)
    s.seek(0)
    print("spooled rolled over:", s._rolled, len(s.read()))
with tempfile.TemporaryFile() as t:
    t.write(b"anonymous")
    t.seek(0)
    print("temporaryfile:", t.read())
d = tempfile.mkdtemp()
os.mkdir(os.path.join(d, "nested"))
print("mkdtemp mode:", oct(os.stat(d).st_mode & 0o777))
os.rmdir(os.path.join(d, "nested"))
os.rmdir(d)
with tempfile.TemporaryDirectory() as td:
    os.mkfifo(os.path.join(td, "fifo"))
    print("fifo made:", os.path.exists(os.path.join(td, "fifo")))
print("nothing left behind:", set(os.listdir(tmp)) == before)
