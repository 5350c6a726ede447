#!/bin/sh
# Pipelines inside one sh: builtins on both sides, subshells, command substitution, and
# nested /bin/sh processes (text_tools.sh covers pipelines of the utilities).
set -eu

printf '%s\n' banana apple cherry apple banana apple |
	while read -r fruit; do
		case $fruit in
		apple) echo "A:$fruit" ;;
		*) echo "O:$fruit" ;;
		esac
	done |
	{
		a=0
		o=0
		while read -r tagged; do
			case $tagged in
			A:*) a=$((a + 1)) ;;
			*) o=$((o + 1)) ;;
			esac
		done
		echo "apples=$a others=$o"
	}

upper=$(echo "shout" | /bin/sh -c 'read -r w; printf "%s!\n" "$w"')
echo "nested sh: $upper"

result=$( (echo one; echo two; echo three) | /bin/sh -c 'n=0; while read -r l; do n=$((n+1)); done; echo $n')
echo "subshell lines: $result"

echo "3 4" | { read -r x y; echo "product: $((x * y))"; }

/bin/sh -c 'exit 3' || echo "child exit: $?"
if echo "needle in haystack" | /bin/sh -c 'read -r line; case $line in *needle*) exit 0;; esac; exit 1'; then
	echo "found needle"
fi
status=0
(exit 4) || status=$?
echo "subshell status: $status"
printf 'x\ny\nz\n' | /bin/sh -c 'while read -r c; do printf "[%s]" "$c"; done; echo'
