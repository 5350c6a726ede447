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

@test "audit --invocation filters by id prefix; --json writes each record as bpfenced logged it" {
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

# A log with what a function (comm, path) or a damaged file can put in it. Line 1: a comm with
# ESC (as bpfenced escapes it); 2: a path with invalid UTF-8 (escaped); 3: the same bytes raw
# (a log someone wrote by hand); 4: not JSON; 5: an array; 6: a record cut short; 7: a good one.
hostile_log() {
	local rec
	rec=$(sed -n 2p "$SAMPLE")
	{
		printf '%s\n' "${rec/\"comm\": \"python3\"/\"comm\": \"evil\\u001b[2Jx\"}"
		printf '%s\n' "${rec/\"\/etc\/shadow\"/\"\/tmp\/a\\u00ff\\u00c3b\"}"
		printf '%s\n' "${rec/\"\/etc\/shadow\"/$'"/tmp/raw\xff\xc3b\x7f"'}"
		echo 'not json'
		echo '[1, 2]'
		sed -n 3p "$SAMPLE" | head -c 80
		echo
		sed -n 3p "$SAMPLE"
	} > "$1"
}

# Each line of stdin must be a JSON object (python's parser): prints their "comm" and "path".
json_lines() {
	python3 -c '
import json, sys
for line in sys.stdin:
    r = json.loads(line)
    assert isinstance(r, dict) and line.isascii(), line
    print(ascii(r.get("comm")), ascii(r.get("path")))'
}

@test "audit escapes control bytes and invalid UTF-8 in the table: no raw ESC reaches the terminal" {
	log="$BATS_TEST_TMPDIR/hostile.jsonl"
	hostile_log "$log"
	run --separate-stderr "$BPFENCE" audit --log "$log"
	[ "$status" -eq 1 ]
	[[ $output != *$'\e'* && $output != *$'\x7f'* && $output != *$'\xff'* ]]
	[ "${#lines[@]}" -eq 5 ]
	[ "${lines[1]}" = '02:13:24.965 d7e098d34fc8     152 evil\x1b[2Jx    denied  EACCES file    /etc/shadow (read)' ]
	[ "${lines[2]}" = '02:13:24.965 d7e098d34fc8     152 python3         denied  EACCES file    /tmp/a\xff\xc3b (read)' ]
	[ "${lines[3]}" = '02:13:24.965 d7e098d34fc8     152 python3         denied  EACCES file    /tmp/raw\xff\xc3b\x7f (read)' ]
	[[ "${lines[4]}" == *"audited -      connect tcp 192.0.2.1:443" ]]
}

@test "audit: a line that is not a JSON object is named on stderr with its line number, skipped, exit 1" {
	log="$BATS_TEST_TMPDIR/hostile.jsonl"
	hostile_log "$log"
	run --separate-stderr "$BPFENCE" audit --log "$log"
	[ "$status" -eq 1 ]
	[ "$stderr" = "bpfence: audit: $log:4: not a JSON record: expected a JSON object (column 1)
bpfence: audit: $log:5: not a JSON record: expected a JSON object (column 1)
bpfence: audit: $log:6: not a JSON record: unterminated string (column 81)" ]
	# The good records around them are all shown.
	[ "${#lines[@]}" -eq 5 ]
}

@test "audit --json writes only valid JSON, strings re-escaped, bad lines on stderr as JSON errors" {
	log="$BATS_TEST_TMPDIR/hostile.jsonl"
	hostile_log "$log"
	run --separate-stderr "$BPFENCE" audit --json --log "$log"
	[ "$status" -eq 1 ]
	run json_lines <<<"$output"
	[ "$status" -eq 0 ]
	# \u00XX is one byte each (docs/audit.md): raw bytes come out as the same escapes.
	[ "$output" = "'evil\x1b[2Jx' '/etc/shadow'
'python3' '/tmp/a\xff\xc3b'
'python3' '/tmp/raw\xff\xc3b\x7f'
'python3' None" ]
	python3 -c '
import json, sys
errs = [json.loads(l)["error"] for l in sys.stdin]
assert len(errs) == 3 and all(e.startswith("audit: ") and ": not a JSON record: " in e for e in errs), errs' <<<"$stderr"
}

@test "audit: a last line without its newline is read (and reported when cut short)" {
	log="$BATS_TEST_TMPDIR/cut.jsonl"
	sed -n 2p "$SAMPLE" > "$log"
	sed -n 3p "$SAMPLE" | head -c 44 >> "$log"
	run --separate-stderr "$BPFENCE" audit --log "$log"
	[ "$status" -eq 1 ]
	[ "${#lines[@]}" -eq 2 ]
	[ "$stderr" = "bpfence: audit: $log:2: not a JSON record: unterminated string (column 45)" ]
	sed -n 3p "$SAMPLE" | tr -d '\n' > "$log"
	run --separate-stderr "$BPFENCE" audit --log "$log"
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 2 ]
	[ "$stderr" = "" ]
}

@test "audit --log on a directory: one-line error, exit 1" {
	run --separate-stderr "$BPFENCE" audit --log "$BATS_TEST_TMPDIR"
	[ "$status" -eq 1 ]
	[ "$output" = "" ]
	[ "$stderr" = "bpfence: cannot read the audit log: $BATS_TEST_TMPDIR: Is a directory (--log names the log file)" ]
	run --separate-stderr "$BPFENCE" audit --json --log "$BATS_TEST_TMPDIR"
	[ "$status" -eq 1 ]
	python3 -c 'import json,sys; assert json.load(sys.stdin)["error"].endswith(": Is a directory (--log names the log file)")' <<<"$stderr"
}
