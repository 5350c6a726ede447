"""sqlite3: a database file in TMPDIR (journal, WAL) and an in-memory one."""
import os
import sqlite3
import tempfile

with tempfile.TemporaryDirectory() as d:
    path = os.path.join(d, "app.db")
    con = sqlite3.connect(path)
    con.execute("PRAGMA journal_mode=WAL")
    con.execute("CREATE TABLE orders (id INTEGER PRIMARY KEY, customer TEXT, total REAL)")
    con.executemany("INSERT INTO orders (customer, total) VALUES (?, ?)",
                    [("acme", 10.0), ("globex", 19.99), ("acme", 39.98), ("initech", 22.5)])
    con.commit()
    for row in con.execute("SELECT customer, COUNT(*), ROUND(SUM(total), 2) FROM orders "
                           "GROUP BY customer ORDER BY customer"):
        print(row)
    con.close()
    con = sqlite3.connect(path)
    print("reopened rows:", con.execute("SELECT COUNT(*) FROM orders").fetchone()[0])
    with con:
        con.execute("DELETE FROM orders WHERE customer = 'acme'")
    print("after delete:", con.execute("SELECT COUNT(*) FROM orders").fetchone()[0])
    con.execute("VACUUM")
    con.close()
    plain = os.path.join(d, "plain.db")
    with sqlite3.connect(plain) as c2:
        c2.execute("CREATE TABLE t (x)")
        c2.executemany("INSERT INTO t VALUES (?)", [(i,) for i in range(100)])
    print("rollback journal db:", sqlite3.connect(plain).execute("SELECT SUM(x) FROM t").fetchone())
mem = sqlite3.connect(":memory:")
mem.row_factory = sqlite3.Row
mem.execute("CREATE TABLE kv (k TEXT PRIMARY KEY, v JSON)")
mem.execute("INSERT INTO kv VALUES ('a', json('{\"n\": 1}'))")
row = mem.execute("SELECT k, json_extract(v, '$.n') AS n FROM kv").fetchone()
print("memory:", row["k"], row["n"])
print("sqlite version 3:", sqlite3.sqlite_version_info[0] == 3)
