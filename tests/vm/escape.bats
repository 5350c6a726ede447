#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-only
#
# The escape checklist (SECURITY.md), end to end: `bpfence selftest` runs bpfence-attack through
# `bpfence run` and checks the outside-only rows itself. Every row must come back blocked, or
# refused for a reason on the allow-list below. Negative controls here cover only the actions no
# other suite runs untagged (file handles, O_PATH + execveat, memfd/fexecve and mmap(PROT_EXEC),
# io_uring); the network, file, unix, socket-family, cgroup and bpf() controls live in the other
# suites.

load helpers

ATTACK=$REPO/.output/bpfence-attack

# Rows that may be "refused" (cannot be attempted on this host), each with the reason it must give:
#   6   no overlayfs is mounted (the test VM's root is 9p): there is no layer dir to reach
REFUSED_OK=(
	'row 6: refused (no overlayfs is mounted on this host: there is no layer dir to reach)'
)

selftest_leftovers() {
	find /tmp -mindepth 1 -maxdepth 1 -name 'bpfence-selftest.*' 2>/dev/null
}

@test "bpfence selftest: all 31 rows blocked or refused for an allowed reason, nothing left behind" {
	[[ -x $ATTACK ]] || fail "build first: make ($ATTACK)"
	run --separate-stderr "$BPFENCE" selftest
	printf '%s\n' "$output" >&2
	[[ $status == 0 ]] || fail "selftest exited $status" "stderr: $stderr"
	local rows=() line n=0 ok
	for line in "${lines[@]}"; do
		[[ $line == 'row '* ]] || continue
		rows+=("$line")
		((++n))
		[[ $line == "row $n: "* ]] || fail "row lines out of order at '$line'"
	done
	((n == 31)) || fail "expected 31 row lines, got $n"
	[[ $output != *'NOT BLOCKED ('* ]] || fail "a row was NOT BLOCKED"
	for line in "${rows[@]}"; do
		[[ $line == *': blocked ('*')' ]] && continue
		ok=0
		for r in "${REFUSED_OK[@]}"; do
			[[ $line == "$r" ]] && ok=1
		done
		((ok)) || fail "not blocked and not on the refused allow-list: $line"
	done
	[[ ${lines[-1]} =~ ^selftest:\ 31\ rows:\ [0-9]+\ blocked,\ [0-9]+\ refused,\ 0\ NOT\ BLOCKED$ ]] ||
		fail "bad summary: ${lines[-1]}"
	[[ -z $(selftest_leftovers) ]] || fail "selftest left temp dirs: $(selftest_leftovers)"
}

@test "bpfence selftest --json: an array of 31 {row, result, detail}, none not_blocked" {
	run --separate-stderr "$BPFENCE" selftest --json
	[[ $status == 0 ]] || fail "selftest --json exited $status" "$output" "$stderr"
	[[ ${lines[0]} == '[' && ${lines[-1]} == ']' ]] || fail "not a JSON array: $output"
	local n
	n=$(grep -c '"row": ' <<<"$output")
	((n == 31)) || fail "expected 31 objects, got $n"
	[[ $output != *'"not_blocked"'* ]] || fail "a row was not_blocked: $output"
	python3 -c 'import json, sys; a = json.load(sys.stdin); assert [r["row"] for r in a] == list(range(1, 32))' <<<"$output" ||
		fail "invalid JSON: $output"
	[[ -z $(selftest_leftovers) ]] || fail "selftest left temp dirs: $(selftest_leftovers)"
}

# Negative controls: outside bpfence the attacker's own actions work, so the denials above come
# from bpfence and not from the kernel or the attack being broken.

@test "control row 8: name_to_handle_at + open_by_handle_at work untagged" {
	TMPDIR=$BATS_TEST_TMPDIR run "$ATTACK" --control 8
	assert_probe 0 "row 8: control ok"
}

@test "control row 9: execveat of an O_PATH fd works untagged" {
	run "$ATTACK" --control 9
	assert_probe 0 "row 9: control ok"
}

@test "control row 11: memfd_create + fexecve and mmap(PROT_EXEC) of a file copy work untagged" {
	TMPDIR=$BATS_TEST_TMPDIR run "$ATTACK" --control 11
	assert_probe 0 "row 11: control ok"
}

@test "control row 12: io_uring_setup works untagged" {
	run "$ATTACK" --control 12
	assert_probe 0 "row 12: control ok"
}
