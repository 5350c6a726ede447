#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-only
#
# Single use leaves nothing (issue 13, B5): whatever way an invocation ends, its cgroup, its tag,
# its policy, every rule of its rule set, its counters, the record of its rule set's keys and its
# scratch directory are gone afterwards, and the map entries other invocations hold are not
# touched. Counted from the kernel's own maps (bpfence status --json reads every pinned map) and
# from the file system, before and after. The 10,000-run figure is B5 in `make bench`; this test
# runs 300 under `make test-matrix` (BPFENCE_TEST_LONG=1) and 90 under `make test`, which has to
# fit CI's time.
#
# And the seccomp layer is compiled once per policy content: the cached program is what later runs
# load, a damaged cache file is never loaded, and the layer holds with the cached program.

load helpers

setup_file() {
	fence_setup_file
}

# leak_state: one line per thing an invocation could leave behind, with its count now.
leak_state() {
	local cg=$CGROOT/bpfence
	"$BPFENCE" status --json | python3 -c '
import json, sys
s = json.load(sys.stdin)
for name in ("tags", "policies", "counters", "file_rules", "net_rules", "net_broker",
             "unix_rules", "unix_abstract", "armed_creds"):
    print("map %s %d" % (name, s["maps"][name]["entries"]))
'
	echo "cgroups $(find "$cg" -mindepth 1 -maxdepth 1 -type d 2>/dev/null | wc -l)"
	echo "records $(find /run/bpfence/rules -type f 2>/dev/null | wc -l)"
	echo "scratch $(find /tmp -mindepth 1 -maxdepth 1 -name 'bpfence-*' 2>/dev/null | wc -l)"
}

@test "invocations that end every way (300 in the matrix run) leave no cgroup, tag, policy, rule, counter, record or scratch dir" {
	local before after i rc runs=90
	[[ ${BPFENCE_TEST_LONG-} == 1 ]] && runs=300
	write_policy <<EOF
[network]
allow = 10.0.0.0/8 tcp 443
allow = 10.1.0.0/16 tcp 80
[broker]
unix = @broker-leak-test
[files]
exec = /usr/bin/sleep
EOF
	before=$(leak_state)
	# An invocation that stays alive meanwhile: its entries must survive every teardown around it.
	local n0
	n0=$(invocation_cgroups | grep -c . || true)
	"$BPFENCE" run --policy "$POLICY" --source "$SOURCE" -- /bin/sh -c 'sleep 600' &
	local live=$!
	for i in $(seq 100); do
		(($(invocation_cgroups | grep -c . || true) > n0)) && break
		sleep 0.1
	done
	sleep 0.5
	local during
	during=$(leak_state)
	for i in $(seq "$runs"); do
		rc=0
		case $((i % 6)) in
		0) "$BPFENCE" run --policy "$POLICY" --source "$SOURCE" -- "$PROBE" open /etc/shadow r >/dev/null 2>&1 || rc=$? ;; # denied
		1) "$BPFENCE" run --policy "$POLICY" --source "$SOURCE" -- /bin/sh -c 'exit 3' >/dev/null 2>&1 || rc=$? ;;
		2) "$BPFENCE" run --timeout 0.05 --policy "$POLICY" --source "$SOURCE" -- /bin/sh -c 'sleep 5' >/dev/null 2>&1 || rc=$? ;;
		3) "$BPFENCE" run --policy "$POLICY" --source "$SOURCE" -- /nonexistent >/dev/null 2>&1 || rc=$? ;;
		4) "$BPFENCE" run --policy "$POLICY" --source "$SOURCE" -- /bin/sh -c 'sleep 30 & sleep 30 & exit 0' >/dev/null 2>&1 || rc=$? ;;
		5) "$BPFENCE" run --policy "$POLICY" --source "$SOURCE" -- /bin/sh -c 'kill -9 $$' >/dev/null 2>&1 || rc=$? ;;
		esac
		# Each ending has its own exit status; 125 would be bpfence failing to run or tear down.
		[[ $rc != 125 ]] || fail "run $i (kind $((i % 6))) failed in bpfence itself"
	done
	[[ $(leak_state) == "$during" ]] || {
		diff <(echo "$during") <(leak_state) >&2
		fail "$runs runs beside a live invocation changed what is installed (above: before, after)"
	}
	kill -TERM "$live"
	wait "$live" || true
	after=$(leak_state)
	if [[ $after != "$before" ]]; then
		diff <(echo "$before") <(echo "$after") >&2
		fail "left behind (above: before, after)"
	fi
	# The live invocation did hold entries (the counts are not trivially equal).
	[[ $during != "$before" ]] || fail "the live invocation installed nothing?"
}

@test "the seccomp layer is compiled once per policy content and a damaged cache file is never loaded" {
	local dir=/run/bpfence/seccomp f
	# The cache is bpfence's to rebuild: start from none, so the files below are this test's.
	rm -f "$dir"/*.bpf
	fence_run -- "$PROBE" perf-open 0
	# perf_event_open is refused by the seccomp layer, before the LSM hook could count it.
	assert_probe 1 "EPERM perf_event_open"
	assert_denied
	f=$(find "$dir" -name '*.bpf')
	[[ -f $f ]] || fail "not exactly one compiled program in $dir: '$f'"
	[[ $(stat -c '%u %a' "$f") == "0 600" ]] || fail "$f: $(stat -c '%u %a' "$f")"
	fence_run -- "$PROBE" perf-open 0
	[[ $(find "$dir" -name '*.bpf') == "$f" ]] || fail "the same policy compiled again"
	# Another policy content (perf permitted) is another program.
	write_policy <<EOF
[syscalls]
permit = perf_event_open
EOF
	fence_run -- "$PROBE" perf-open 0
	(($(find "$dir" -name '*.bpf' | wc -l) == 2)) || fail "a permitting policy shared the program"
	write_policy </dev/null
	# Damaged (not a whole number of instructions): the layer still holds, from a program
	# compiled afresh, which replaces the damaged file.
	printf 'garbage' >"$f"
	fence_run -- "$PROBE" perf-open 0
	assert_probe 1 "EPERM perf_event_open"
	assert_denied
	[[ $(($(stat -c %s "$f") % 8)) == 0 && $(stat -c %s "$f") -gt 8 ]] || fail "$f was not rewritten"
	# Writable by others: never loaded, replaced by a file only root can write.
	chmod 666 "$f"
	fence_run -- "$PROBE" perf-open 0
	assert_probe 1 "EPERM perf_event_open"
	assert_denied
	[[ $(stat -c '%a' "$f") == 600 ]] || fail "$f was not replaced: mode $(stat -c '%a' "$f")"
	# The negative control: outside bpfence the same call works.
	run_untagged perf-open 0
	assert_probe 0 "ok"
}
