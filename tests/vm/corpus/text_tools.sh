#!/bin/sh
# Text processing with the shell's everyday utilities on the CSV file shipped with the function:
# sort, sed, tr, awk, cut, uniq, wc, grep and tail in pipelines. Few processes: each start of a
# program not yet in the emulated VM's page cache costs a noticeable part of a second.
set -eu

tail -n +2 orders.csv >"$TMPDIR/rows.csv"
echo "rows: $(wc -l <"$TMPDIR/rows.csv")"
echo "customers: $(cut -d, -f2 "$TMPDIR/rows.csv" | sort -u | tr '\n' ' ')"
echo "orders per region:"
cut -d, -f3 "$TMPDIR/rows.csv" | sort | uniq -c | sed 's/^ *//'
echo "revenue per customer:"
awk -F, '{ rev[$2] += $5 * $6 } END { for (c in rev) printf "%s %.2f\n", c, rev[c] }' \
	"$TMPDIR/rows.csv" | sort -k2,2nr
echo "gadget lines: $(grep -c ',gadget,' orders.csv)"
grep -E '^100[1-3],' orders.csv | tr ',' ':'
sed -n '2,3{s/,/ | /g;s/^/> /;p}' orders.csv
echo "lines, words, bytes:$(wc -l -w -c <orders.csv | tr -s ' ')"
