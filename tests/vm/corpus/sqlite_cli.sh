#!/bin/sh
# The sqlite3 command-line shell on database files in TMPDIR: the shipped CSV imported, queries
# in several output modes, a WAL database, a transaction rolled back, a trigger, .dump restored
# into a second database with a rollback journal, and a read-only open. Few sqlite3 starts, many
# statements each.
set -eu

db=$TMPDIR/shop.db
sqlite3 "$db" <<'SQL'
CREATE TABLE orders (order_id INTEGER PRIMARY KEY, customer TEXT, region TEXT, item TEXT,
	quantity INTEGER, unit_price REAL);
.mode csv
.import --skip 1 orders.csv orders
CREATE INDEX orders_customer ON orders (customer);
.mode list
SELECT 'imported: ' || COUNT(*) FROM orders;
PRAGMA journal_mode=WAL;
.headers on
.mode column
SELECT region, COUNT(*) AS n, printf('%.2f', SUM(quantity * unit_price)) AS revenue
	FROM orders GROUP BY region ORDER BY SUM(quantity * unit_price) DESC;
.headers off
.mode json
SELECT customer, SUM(quantity) AS units FROM orders GROUP BY customer ORDER BY customer;
.mode list
.separator ' | '
SELECT order_id, item FROM orders WHERE item LIKE 'g%' ORDER BY order_id;
SQL

sqlite3 "$db" <<'SQL'
BEGIN;
DELETE FROM orders;
ROLLBACK;
BEGIN;
UPDATE orders SET unit_price = unit_price * 2 WHERE item = 'widget';
COMMIT;
CREATE TABLE audit (at TEXT, what TEXT);
CREATE TRIGGER orders_audit AFTER DELETE ON orders BEGIN
	INSERT INTO audit VALUES ('2024-01-01', 'deleted ' || old.order_id);
END;
DELETE FROM orders WHERE customer = 'umbrella';
SELECT 'after rollback and delete: ' || COUNT(*) FROM orders;
SELECT 'audit: ' || what FROM audit;
SELECT printf('widgets doubled: %.2f', SUM(unit_price)) FROM orders WHERE item = 'widget';
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 10)
	SELECT 'with recursive: ' || SUM(i) FROM n;
SELECT 'json1: ' || json_extract('{"a": [1, 2, 3]}', '$.a[1]');
SELECT 'integrity: ' || integrity_check FROM pragma_integrity_check;
PRAGMA wal_checkpoint(TRUNCATE);
SQL

sqlite3 "$db" .dump >"$TMPDIR/shop.sql"
sqlite3 "$TMPDIR/copy.db" <<SQL
.read $TMPDIR/shop.sql
SELECT 'restored: ' || COUNT(*) || ' rows' FROM orders;
PRAGMA journal_mode;
VACUUM;
SQL
if sqlite3 -readonly "$TMPDIR/copy.db" 'DELETE FROM orders' 2>/dev/null; then
	echo "read-only open wrote"
else
	echo "read-only open refused a write"
fi
sqlite3 :memory: "SELECT upper('in memory'), 7 * 6, typeof(random())"
