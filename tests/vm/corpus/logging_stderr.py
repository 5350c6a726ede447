"""logging: stderr handler, a log file in TMPDIR with rotation, and levels."""
import logging
import logging.handlers
import os
import tempfile

logging.basicConfig(level=logging.DEBUG, format="%(levelname)s %(name)s: %(message)s")
log = logging.getLogger("corpus.job")
counts = {}


class Counter(logging.Handler):
    def emit(self, record):
        counts[record.levelname] = counts.get(record.levelname, 0) + 1


log.addHandler(Counter())
path = os.path.join(tempfile.gettempdir(), "job.log")
rot = logging.handlers.RotatingFileHandler(path, maxBytes=2000, backupCount=2)
rot.setFormatter(logging.Formatter("%(levelname)s %(message)s"))
log.addHandler(rot)
log.debug("starting")
for i in range(60):
    log.info("processed batch %d", i)
log.warning("slow batch %s", 42)
try:
    1 / 0
except ZeroDivisionError:
    log.exception("batch failed")
logging.getLogger("corpus.quiet").setLevel(logging.ERROR)
logging.getLogger("corpus.quiet").info("not shown")
rot.close()
print("counts:", dict(sorted(counts.items())))
print("rotated files:", sorted(f for f in os.listdir(tempfile.gettempdir()) if f.startswith("job.log")))
with open(path) as f:
    print("last line:", f.read().splitlines()[-1])
logging.captureWarnings(True)
import warnings
warnings.warn("deprecated thing", DeprecationWarning, stacklevel=1)
print("done")
