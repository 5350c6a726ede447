#!/bin/sh
# A shell function using nothing but /bin/sh builtins: variables, arithmetic, case, loops,
# functions, positional parameters, IFS splitting, here-documents and read.
set -eu

total=0
count=0
add() {
	total=$((total + $1))
	count=$((count + 1))
}
for n in 3 1 4 1 5 9 2 6; do
	add "$n"
done
printf 'sum=%d count=%d mean=%d\n' "$total" "$count" $((total / count))

classify() {
	case $1 in
	*.py) echo "$1: python" ;;
	*.sh) echo "$1: shell" ;;
	[0-9]*) echo "$1: number" ;;
	*) echo "$1: other" ;;
	esac
}
for f in main.py run.sh 42 README; do
	classify "$f"
done

set -- alpha beta gamma
echo "args: $# first=$1"
shift 2
echo "after shift: $*"

old_ifs=$IFS
IFS=:
line="root:x:0:0"
set -- $line
IFS=$old_ifs
echo "fields: $# third=$3"

i=0
while [ "$i" -lt 5 ]; do
	i=$((i + 1))
	[ $((i % 2)) -eq 0 ] && continue
	printf '%s ' "odd$i"
done
echo

while IFS='=' read -r key value; do
	printf '%-6s -> %s\n' "$key" "$value"
done <<'CONF'
host=example.com
port=8443
mode=strict
CONF

s="Hello, World"
echo "length=${#s} prefix=${s%%,*} suffix=${s#*, }"
unset missing
echo "default=${missing:-fallback}"
printf '%05.1f|%x|%o|%c\n' 3.14159 255 8 "Zed"
[ -n "${HOME:-}" ] && echo "HOME set"
test -r /etc/ld.so.cache && echo "ld.so.cache readable"
echo "exit status of false: $(false || echo $?)"
