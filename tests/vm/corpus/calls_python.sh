#!/bin/sh
# An sh wrapper around the other granted interpreter: python3 found through PATH.
set -eu

command -v python3 >/dev/null && echo "python3 on PATH"
n=$(python3 -c 'print(6 * 7)')
echo "python says: $n"
echo '{"orders": [3, 4, 5]}' | python3 -c 'import json, sys; print(sum(json.load(sys.stdin)["orders"]))'
GREETING=hello python3 -c 'import os; print(os.environ["GREETING"].upper())'
python3 -c 'import sys; sys.exit(5)' || echo "python exit: $?"
python3 - <<'PY'
import hashlib
print("sha1 of corpus:", hashlib.sha1(b"corpus").hexdigest()[:12])
PY
case $0 in
*/*) here=${0%/*} ;;
*) here=. ;;
esac
python3 "$here/json_report.py" | while read -r line; do
	case $line in
	"top region:"*) echo "$line" ;;
	esac
done
