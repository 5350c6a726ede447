#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-only
# bpfence audit: reading bpfenced's log (the log format itself is produced and checked in the VM
# suite; here a fixture in that format).

load helpers

SAMPLE="$REPO/tests/data/audit/sample.jsonl"

@test "audit prints a table with daemon records and one row per denial" {
	run "$BPFENCE" audit --log "$SAMPLE"
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 4 ]
	[[ "${lines[0]}" == "TIME "*"INVOCATION"*"WHAT" ]]
	[[ "${lines[1]}" == *"-- bpfenced start (resumed on pinned programs), drops_total 0 --" ]]
	[[ "${lines[2]}" == "02:13:24.965 d7e098d34fc8     152 python3         denied  EACCES file    /etc/shadow (read)" ]]
	[[ "${lines[3]}" == *"audited -      connect tcp 192.0.2.1:443" ]]
}

@test "audit --invocation filters by id prefix; --json passes records through" {
	run "$BPFENCE" audit --log "$SAMPLE" --invocation d7e0 --json
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 1 ]
	[ "${lines[0]}" = "$(sed -n 2p "$SAMPLE")" ]
}

@test "audit on a missing log: one-line error, exit 1" {
	run --separate-stderr "$BPFENCE" audit --log /nonexistent/audit.jsonl
	[ "$status" -eq 1 ]
	[ "$stderr" = "bpfence: cannot read the audit log: /nonexistent/audit.jsonl: No such file or directory (is bpfenced running?)" ]
}

@test "audit --follow shows records as they arrive, across a log rotation" {
	log="$BATS_TEST_TMPDIR/audit.jsonl"
	sed -n 1p "$SAMPLE" > "$log"
	"$BPFENCE" audit --follow --json --log "$log" > "$BATS_TEST_TMPDIR/out" &
	pid=$!
	sleep 0.5
	sed -n 2p "$SAMPLE" >> "$log"
	sleep 0.5
	mv "$log" "$log.1"
	sed -n 3p "$SAMPLE" > "$log"
	for _ in $(seq 50); do
		[ "$(wc -l < "$BATS_TEST_TMPDIR/out")" -ge 3 ] && break
		sleep 0.1
	done
	kill "$pid"
	run cat "$BATS_TEST_TMPDIR/out"
	[ "${#lines[@]}" -eq 3 ]
	[ "${lines[2]}" = "$(sed -n 3p "$SAMPLE")" ]
}
