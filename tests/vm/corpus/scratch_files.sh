#!/bin/sh
# Files in TMPDIR from sh builtins alone: redirections, appends, here-documents, reading back,
# extra file descriptors and an EXIT trap. No cat, mkdir or rm on purpose: file_tools.sh covers
# the utilities.
set -eu

work="$TMPDIR"
trap 'echo "trap: exit $?"' EXIT

{
	echo "id,total"
	echo "1,10"
	echo "2,25"
} >"$work/in.csv"
echo "3,7" >>"$work/in.csv"

sum=0
lines=0
while IFS=, read -r id total; do
	[ "$id" = id ] && continue
	sum=$((sum + total))
	lines=$((lines + 1))
done <"$work/in.csv"
echo "rows=$lines sum=$sum"

cat_builtin() {
	while IFS= read -r l; do
		printf '%s\n' "$l"
	done
}
cat_builtin <"$work/in.csv" >"$work/copy.csv"
[ -s "$work/copy.csv" ] && echo "copy non-empty"

cat_builtin >"$work/report.txt" <<REPORT
rows: $lines
sum: $sum
REPORT
cat_builtin <"$work/report.txt"
[ -f "$work/report.txt" ] && [ ! -e "$work/missing" ] && echo "tests ok"
exec 3>"$work/fd3.txt"
echo "via fd 3" >&3
exec 3>&-
read -r back <"$work/fd3.txt"
echo "read back: $back"
umask 077
: >"$work/private"
: >"$work/in.csv"
[ ! -s "$work/in.csv" ] && echo "truncated"
cd "$work" && [ -f report.txt ] && echo "cd into TMPDIR"
echo "done"
