#!/bin/sh
# The shell's process, time and system utilities: date -u and time zones, id, sleep, mkfifo,
# timeout, seq, expr, mktemp, tee, kill and wait on its own jobs, nproc, getconf, uname, free,
# flock and base64. Few processes: each start of a program not yet in the emulated VM's page
# cache costs a noticeable part of a second.
set -eu

echo "epoch: $(date -u -d @1700000000 '+%Y-%m-%d %H:%M:%S %Z')"
echo "paris: $(TZ=Europe/Paris date -d @1700000000 '+%H:%M %Z')"
now=$(date -u +%s)
echo "now is after 2024: $([ "$now" -gt 1704067200 ] && echo yes)"
echo "id: $(id)"
sleep 0.2 && echo "slept"

fifo=$TMPDIR/queue
mkfifo "$fifo"
seq 1 5 >"$fifo" &
sum=0
while read -r n; do sum=$((sum + n)); done <"$fifo"
wait
echo "through the fifo: $sum"

set +e
timeout 0.3 sleep 5
echo "timeout status: $?"
timeout 5 sh -c 'exit 7'
echo "inner status: $?"
set -e
sleep 30 &
kill -TERM $!
status=0
wait $! || status=$?
echo "killed job status: $status"

echo "seq: $(seq -s ' ' 1 3 10)"
echo "expr: $(expr 6 \* 7 + 1) $(expr "v1.25" : 'v\([0-9]*\)')"
dir=$(mktemp -d)
case $dir in "$TMPDIR"/*) echo "mktemp -d under TMPDIR" ;; esac
echo "tee: $(printf 'line one\nline two\n' | tee "$dir/log" | wc -l)"
echo "nproc positive: $([ "$(nproc)" -ge 1 ] && echo yes), page size $(getconf PAGESIZE)"
echo "uname: $(uname -s)"
echo "free reports memory: $(free -k | awk '$1 == "Mem:" { print ($2 > 0) }')"
flock "$dir/lock" sh -c 'echo "inside the lock"'
echo "base64: $(printf 'bpfence' | base64)"
