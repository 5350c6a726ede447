#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-only
#
# bpfence sandbox: restricted sessions across many commands. Files, background processes and
# private IPC persist between execs; every exec is restricted as a function is (exact errno,
# counters, audit record with the sandbox's id and name), with its negative control outside;
# lifetime and idle timeouts are enforced by the keeper, and still once a killed keeper is back;
# cp never follows what the sandbox planted; terminate is total and idempotent; failures leave
# nothing behind. JSON is read with python3's json module.

load helpers

setup() {
	fence_setup
	SANDBOXES=()
	BEFORE_STATE=$(state_dirs)
}

teardown() {
	local id rc=0
	for id in "${SANDBOXES[@]}"; do
		"$BPFENCE" sandbox terminate "$id" >/dev/null 2>&1
	done
	# Nothing live left: no storage mount, no keeper, no cgroup (fence_teardown).
	if grep -q ' /run/bpfence-storage/sb-' /proc/self/mountinfo; then
		echo "sandbox storage still mounted:" >&2
		grep ' /run/bpfence-storage/sb-' /proc/self/mountinfo >&2
		rc=1
	fi
	fence_teardown || rc=1
	return $rc
}

# state_dirs: the sandbox state directories that are not tombstones.
state_dirs() {
	local d
	for d in /run/bpfence/sandboxes/sb-*; do
		[[ -d $d && ! -e $d/ended ]] && echo "$d"
	done | sort
}

# sb_create [OPTIONS...]: a sandbox of the test policy; its id in SB.
sb_create() {
	run --separate-stderr "$BPFENCE" sandbox create --policy "$POLICY" --source "$SOURCE" "$@"
	if [[ $status != 0 ]]; then
		show_run
		fail "sandbox create failed"
		return 1
	fi
	SB=${output%% *}
	[[ $SB =~ ^sb-[0-9a-f]{24}$ ]] || fail "create printed '$output', not an id"
	SANDBOXES+=("$SB")
}

# sb_exec ID CMD...: bpfence sandbox exec --json, through bats' run; RESULT is the JSON line.
sb_exec() {
	local id=$1
	shift
	local expect=()
	# FENCE_EXPECT=N: tell bats the exit status is expected (127 would otherwise warn BW01).
	[[ -n ${FENCE_EXPECT-} ]] && expect=("-$FENCE_EXPECT")
	run "${expect[@]}" --separate-stderr "$BPFENCE" sandbox exec --json "$id" -- "$@"
	RESULT=
	if ((${#stderr_lines[@]})); then
		RESULT=${stderr_lines[${#stderr_lines[@]} - 1]}
	fi
	return 0
}

# jq_py EXPR: evaluate EXPR on the JSON document on stdin (bound to d) with python3.
jq_py() {
	python3 -c 'import json, sys; d = json.load(sys.stdin); v = eval(sys.argv[1]); print(json.dumps(v) if not isinstance(v, str) else v)' "$1"
}

# result EXPR: EXPR on the last exec's --json result.
result() {
	printf '%s' "$RESULT" | jq_py "$1"
}

keeper_of() {
	cat "/run/bpfence/sandboxes/$1/keeper"
}

@test "sandbox: files, background processes and private IPC persist across execs" {
	printf 'read = /dev/shm\nwrite = /dev/shm\n' | write_policy
	sb_create --name persist
	[[ $output == "$SB persist" ]] || fail "create output: $output"
	sb_exec persist "$PROBE" create state.txt hello
	assert_probe 0 ok
	sb_exec "$SB" "$PROBE" read state.txt
	assert_probe 0 "ok hello"
	# stdin, stdout and stderr stream through.
	run --separate-stderr bash -c "printf 'line-in\n' | '$BPFENCE' sandbox exec '$SB' -- /bin/sh -c 'read x; echo out-\$x; echo err-\$x >&2'"
	assert_status 0
	[[ $output == out-line-in && $stderr == err-line-in ]] || fail "streams: '$output' '$stderr'"
	# A daemon left by one exec is still there for the next.
	sb_exec "$SB" "$PROBE" daemonize bg.pid 300
	assert_status 0
	local pid=${output#ok }
	[[ -d /proc/$pid ]] || fail "the background process $pid is gone"
	grep -qx "$pid" "$CGROOT/bpfence/$SB/cgroup.procs" || fail "$pid is not in the sandbox"
	run "$BPFENCE" sandbox ls --json
	[[ $(printf '%s' "$output" | jq_py "[s['processes'] for s in d if s['id'] == '$SB'][0]") -ge 1 ]] ||
		fail "ls does not count the background process: $output"
	# SysV IPC: created by one exec, found by key by the next, invisible to the host.
	sb_exec "$SB" "$PROBE" sysv create msg 424242
	assert_status 0
	local qid=${output#ok }
	sb_exec "$SB" "$PROBE" sysv get msg 424242
	assert_probe 0 "ok $qid"
	run "$PROBE" sysv get msg 424242
	[[ $output != "ok $qid" && $status != 0 ]] || fail "the sandbox's queue is on the host: $output"
	# Its /dev/shm is its own, and persists.
	sb_exec "$SB" "$PROBE" create /dev/shm/persist x
	assert_probe 0 ok
	sb_exec "$SB" "$PROBE" read /dev/shm/persist
	assert_probe 0 "ok x"
	[[ ! -e /dev/shm/persist ]] || fail "the sandbox wrote the host's /dev/shm"
	# Terminate takes the daemon too.
	run "$BPFENCE" sandbox terminate persist
	assert_status 0
	[[ ! -d /proc/$pid ]] || fail "terminate left $pid running"
}

@test "sandbox exec: restricted like a function: EPERM connect, counters, exit status (untagged: ok)" {
	start_listener tcp "$REMOTE" 18101 300
	sb_create
	sb_exec "$SB" "$PROBE" connect tcp "$REMOTE" 18101
	assert_probe 1 "EPERM connect"
	[[ $(result "d['denied']['connect']") == 1 && $(result "d['exit_code']") == 1 ]] ||
		fail "result: $RESULT"
	[[ $(result "d['sandbox']") == "$SB" ]] || fail "result: $RESULT"
	# The file policy holds too: /etc/shadow is not granted.
	sb_exec "$SB" "$PROBE" read /etc/shadow
	assert_probe 1 "EACCES open"
	[[ $(result "d['denied']['file']") == 1 && $(result "d['denied']['connect']") == 0 ]] ||
		fail "per-exec counters: $RESULT"
	# ls sums the sandbox's denials so far.
	run "$BPFENCE" sandbox ls --json
	[[ $(printf '%s' "$output" | jq_py "[s['denied_total'] for s in d if s['id'] == '$SB'][0]") == 2 ]] ||
		fail "ls: $output"
	run_untagged connect tcp "$REMOTE" 18101
	assert_probe 0 ok
	run_untagged read /etc/shadow
	assert_status 0
	# Exit statuses pass through; 127 for a missing command, 126 for a denied exec.
	sb_exec "$SB" /bin/sh -c 'exit 7'
	assert_status 7
	FENCE_EXPECT=127 sb_exec "$SB" /nonexistent/cmd
	assert_status 127
	sb_exec "$SB" /usr/bin/id
	assert_status 126
}

@test "sandbox: concurrent execs run side by side" {
	sb_create
	# Not i: bats' run sets a global i (bats_version_lt).
	local k pids=()
	for k in 1 2 3 4; do
		"$BPFENCE" sandbox exec "$SB" -- /bin/sh -c "i=0; while [ \$i -lt 20000 ]; do i=\$((i+1)); done; echo $k > c$k" \
			>"$BATS_TEST_TMPDIR/c$k.out" 2>&1 &
		pids+=($!)
	done
	for k in "${!pids[@]}"; do
		wait "${pids[$k]}" || fail "exec $((k + 1)) failed: $(cat "$BATS_TEST_TMPDIR/c$((k + 1)).out")"
	done
	for k in 1 2 3 4; do
		sb_exec "$SB" "$PROBE" read "c$k"
		assert_probe 0 "ok $k" || {
			head "/run/bpfence-storage/$SB/scratch"/c* "$BATS_TEST_TMPDIR"/c*.out >&2
			return 1
		}
	done
}

@test "sandbox: the lifetime timeout terminates it on time; later commands say it ended" {
	sb_create --timeout 2 --name shortlived
	sb_exec "$SB" "$PROBE" daemonize bg.pid 300
	assert_status 0
	local pid=${output#ok } w
	# The keeper ends it, without any bpfence command running meanwhile.
	for ((w = 0; w < 80; w++)); do
		[[ -d $CGROOT/bpfence/$SB ]] || break
		sleep 0.1
	done
	[[ ! -d $CGROOT/bpfence/$SB ]] || fail "still there 8 s after a 2 s lifetime"
	[[ ! -d /proc/$pid ]] || fail "its process $pid survived"
	[[ $(cat "/run/bpfence/sandboxes/$SB/ended") == timeout* ]] || fail "not ended by timeout"
	run --separate-stderr "$BPFENCE" sandbox exec "$SB" -- /bin/true
	assert_status 125
	[[ $stderr == *"ended: timeout"* ]] || fail "exec after the end: $stderr"
	run --separate-stderr "$BPFENCE" sandbox exec shortlived -- /bin/true
	assert_status 125
	[[ $stderr == *"ended: timeout"* ]] || fail "exec by name after the end: $stderr"
	# The name is free again.
	sb_create --name shortlived
}

@test "sandbox: the idle timeout spares a running exec, then ends an idle sandbox" {
	sb_create --idle-timeout 2 --timeout 0
	# 4 s of work in one exec: longer than the idle timeout, and not idle.
	sb_exec "$SB" "$PROBE" sleep 4
	assert_status 0
	[[ -d $CGROOT/bpfence/$SB ]] || fail "ended while an exec ran"
	local w
	for ((w = 0; w < 80; w++)); do
		[[ -d $CGROOT/bpfence/$SB ]] || break
		sleep 0.1
	done
	[[ ! -d $CGROOT/bpfence/$SB ]] || fail "idle for 8 s with a 2 s idle timeout, still there"
	[[ $(cat "/run/bpfence/sandboxes/$SB/ended") == idle* ]] || fail "not ended as idle"
}

@test "sandbox terminate: during an exec the exec reports it (137); idempotent; nothing left" {
	sb_create --name victim
	"$BPFENCE" sandbox exec victim -- "$PROBE" sleep 300 >/dev/null 2>"$BATS_TEST_TMPDIR/exec.err" &
	local bg=$! w
	# (cgroup files have no size: read them)
	for ((w = 0; w < 100; w++)); do
		grep -q . "$CGROOT/bpfence/$SB/cgroup.procs" && break
		sleep 0.1
	done
	grep -q . "$CGROOT/bpfence/$SB/cgroup.procs" || fail "the exec did not start"
	run "$BPFENCE" sandbox terminate victim
	assert_status 0
	[[ $output == "$SB: terminated" ]] || fail "terminate: $output"
	local rc=0
	wait "$bg" || rc=$?
	[[ $rc == 137 ]] || fail "the running exec exited $rc, not 137: $(cat "$BATS_TEST_TMPDIR/exec.err")"
	grep -q "terminated" "$BATS_TEST_TMPDIR/exec.err" || fail "exec did not say why"
	[[ ! -d $CGROOT/bpfence/$SB && ! -e /run/bpfence-storage/$SB && ! -e /run/bpfence/sandboxes/by-name/victim ]] ||
		fail "left behind: $(ls -d "$CGROOT/bpfence/$SB" "/run/bpfence-storage/$SB" /run/bpfence/sandboxes/by-name/victim 2>&1)"
	run "$BPFENCE" sandbox terminate victim
	assert_status 0
	[[ $output == "$SB: already ended (terminated)" ]] || fail "second terminate: $output"
	run "$BPFENCE" sandbox terminate --json "$SB"
	assert_status 0
	[[ $(printf '%s' "$output" | jq_py "d[0]['already_ended']") == true ]] || fail "json: $output"
	run --separate-stderr "$BPFENCE" sandbox exec "$SB" -- /bin/true
	assert_status 125
	[[ $stderr == *"has ended"* ]] || fail "exec after terminate: $stderr"
}

@test "sandbox: a killed keeper leaves it restricted, and it is reaped on time once a supervisor is back" {
	start_listener tcp "$REMOTE" 18102 300
	sb_create --timeout 4
	local keeper
	keeper=$(keeper_of "$SB")
	kill -KILL "$keeper"
	sleep 0.3
	# Still restricted without its keeper (exec starts a new one).
	sb_exec "$SB" "$PROBE" connect tcp "$REMOTE" 18102
	assert_probe 1 "EPERM connect"
	[[ $(keeper_of "$SB") != "$keeper" && -d /proc/$(keeper_of "$SB") ]] || fail "no new keeper"
	# Kill it again and let the deadline pass with nobody watching: it stays, tagged.
	kill -KILL "$(keeper_of "$SB")"
	sleep 5
	[[ -d $CGROOT/bpfence/$SB ]] || fail "ended with no supervisor running"
	"$BPFENCE" status --json | python3 -c 'import json,sys; d=json.load(sys.stdin); sys.exit(0 if d["tagged_cgroups"] >= 1 else 1)' ||
		fail "not tagged while unsupervised"
	# A supervisor is back (any sandbox command): past its deadline, it ends at once.
	run "$BPFENCE" sandbox ls --json
	assert_status 0
	[[ $(printf '%s' "$output" | jq_py "len([s for s in d if s['id'] == '$SB'])") == 0 ]] ||
		fail "still listed: $output"
	[[ ! -d $CGROOT/bpfence/$SB ]] || fail "not reaped"
	[[ $(cat "/run/bpfence/sandboxes/$SB/ended") == timeout* ]] || fail "not ended as timeout"
	run_untagged connect tcp "$REMOTE" 18102
	assert_probe 0 ok
}

@test "sandbox cp: in and out, never following what the sandbox planted" {
	sb_create
	printf 'payload\n' >"$BATS_TEST_TMPDIR/in.txt"
	run "$BPFENCE" sandbox cp "$BATS_TEST_TMPDIR/in.txt" "$SB:in.txt"
	assert_status 0
	sb_exec "$SB" "$PROBE" read in.txt
	assert_probe 0 "ok payload"
	sb_exec "$SB" "$PROBE" create out.txt result
	run "$BPFENCE" sandbox cp "$SB:out.txt" "$BATS_TEST_TMPDIR/out.txt"
	assert_status 0
	[[ $(cat "$BATS_TEST_TMPDIR/out.txt") == result ]] || fail "copied out: $(cat "$BATS_TEST_TMPDIR/out.txt")"
	# A symlink planted to a host file: copying it out fails, nothing is read.
	sb_exec "$SB" "$PROBE" symlink /etc/shadow leak
	assert_probe 0 ok
	run --separate-stderr "$BPFENCE" sandbox cp "$SB:leak" "$BATS_TEST_TMPDIR/leak"
	assert_status 1
	[[ $stderr == *symlink* && ! -e $BATS_TEST_TMPDIR/leak ]] || fail "leak: $stderr"
	# A symlinked directory planted to a host directory: copying in through it fails.
	sb_exec "$SB" "$PROBE" symlink /etc hostetc
	run --separate-stderr "$BPFENCE" sandbox cp "$BATS_TEST_TMPDIR/in.txt" "$SB:hostetc/bpfence-evil"
	assert_status 1
	[[ ! -e /etc/bpfence-evil ]] || fail "wrote through the planted link"
	# .. out of scratch, both ways.
	run "$BPFENCE" sandbox cp "$SB:../../../etc/passwd" "$BATS_TEST_TMPDIR/passwd"
	assert_status 1
	[[ ! -e $BATS_TEST_TMPDIR/passwd ]] || fail "read outside scratch"
	run "$BPFENCE" sandbox cp "$BATS_TEST_TMPDIR/in.txt" "$SB:../evil"
	assert_status 1
	# Copying onto a planted link replaces the link; its target is untouched.
	cp /etc/hostname "$BATS_TEST_TMPDIR/hostname.before"
	sb_exec "$SB" "$PROBE" symlink /etc/hostname target
	run "$BPFENCE" sandbox cp "$BATS_TEST_TMPDIR/in.txt" "$SB:target"
	assert_status 0
	cmp -s /etc/hostname "$BATS_TEST_TMPDIR/hostname.before" || fail "the link's target changed"
	[[ ! -L /run/bpfence-storage/$SB/scratch/target ]] || fail "the link is still there"
	# A FIFO planted where a file is expected: refused at once, not a hang.
	sb_exec "$SB" /usr/bin/python3 -c 'import os; os.mkfifo("fifo")'
	assert_status 0
	run timeout 20 "$BPFENCE" sandbox cp "$SB:fifo" "$BATS_TEST_TMPDIR/fifo.out"
	assert_status 1
	# Size limit.
	head -c 4096 /dev/zero >"$BATS_TEST_TMPDIR/big"
	run --separate-stderr "$BPFENCE" sandbox cp --max-size 1K "$BATS_TEST_TMPDIR/big" "$SB:big"
	assert_status 1
	[[ $stderr == *"larger than"* ]] || fail "size: $stderr"
	[[ ! -e /run/bpfence-storage/$SB/scratch/big ]] || fail "a partial copy stayed"
}

@test "sandbox errors: unknown, name taken, bad policy; a failed create leaves nothing" {
	run --separate-stderr "$BPFENCE" sandbox exec sb-000000000000000000000000 -- /bin/true
	assert_status 125
	[[ $stderr == *"no such sandbox"* ]] || fail "$stderr"
	run --separate-stderr "$BPFENCE" sandbox exec nosuchname -- /bin/true
	assert_status 125
	[[ $stderr == *"no such sandbox"* ]] || fail "$stderr"
	run "$BPFENCE" sandbox terminate nosuchname
	assert_status 1
	sb_create --name taken
	local cgroups state
	cgroups=$(invocation_cgroups)
	state=$(state_dirs)
	run --separate-stderr "$BPFENCE" sandbox create --policy "$POLICY" --name taken
	assert_status 1
	[[ $stderr == *"name already taken"* ]] || fail "$stderr"
	printf '[network]\nconect = deny\n' >"$BATS_TEST_TMPDIR/typo.policy"
	run --separate-stderr "$BPFENCE" sandbox create --policy "$BATS_TEST_TMPDIR/typo.policy"
	assert_status 1
	[[ $stderr == *"typo.policy:2:1:"* ]] || fail "no file:line:col: $stderr"
	run --separate-stderr "$BPFENCE" sandbox create --policy "$POLICY" --source /nonexistent
	assert_status 1
	run --separate-stderr "$BPFENCE" sandbox create --policy "$POLICY" --memory-max 17179869184G
	assert_status 2
	[[ $(invocation_cgroups) == "$cgroups" && $(state_dirs) == "$state" ]] ||
		fail "a failed create left something"
	# The sandbox that holds the name is untouched.
	sb_exec taken "$PROBE" create still-here yes
	assert_status 0
}

@test "sandbox: a create killed at any point is undone by the next sandbox command" {
	local cgroups d
	cgroups=$(invocation_cgroups)
	for d in 0.05 0.1 0.15 0.2 0.3 0.4 0.6; do
		timeout -s KILL "$d" "$BPFENCE" sandbox create --policy "$POLICY" --name "killed" >/dev/null 2>&1 || true
		# One that finished in time is terminated as any other (a tombstone stays).
		"$BPFENCE" sandbox terminate killed >/dev/null 2>&1 || true
		# The supervisor's pass (every sandbox command runs it) undoes what a dead create made.
		run "$BPFENCE" sandbox reap
		assert_status 0
		[[ $(invocation_cgroups) == "$cgroups" ]] || fail "a cgroup is left after a create killed at ${d}s"
		[[ $(state_dirs) == "$BEFORE_STATE" ]] || fail "state is left after a create killed at ${d}s: $(state_dirs)"
		! grep -q ' /run/bpfence-storage/sb-' /proc/self/mountinfo || fail "storage is left mounted (${d}s)"
	done
}

@test "sandbox: a denial is audited with the sandbox's id and name" {
	LOG=$BATS_TEST_TMPDIR/audit.log
	daemon_setup
	sb_create --name audited
	sb_exec audited "$PROBE" read /etc/shadow
	assert_probe 1 "EACCES open"
	stop_daemon
	local rec
	rec=$(grep -F "\"$SB\"" "$LOG")
	[[ $(printf '%s\n' "$rec" | grep -c .) == 1 ]] || fail "records: $rec"
	printf '%s' "$rec" | python3 -c '
import json, sys
d = json.load(sys.stdin)
want = {"invocation": sys.argv[1], "sandbox": sys.argv[1], "sandbox_name": "audited",
        "hook": "file_open", "class": "file", "errno": "EACCES", "path": "/etc/shadow"}
bad = {k: d.get(k) for k in want if d.get(k) != want[k]}
sys.exit("record differs: %r" % bad if bad else 0)' "$SB"
	rm -f "$LOG" "$LOG".*
}

@test "sandbox: 100 alive at once, each its own, all terminated" {
	local n ids=()
	for ((n = 0; n < 100; n++)); do
		sb_create --name "many-$n" --timeout 900 || return 1
		ids+=("$SB")
	done
	run "$BPFENCE" sandbox ls --json
	assert_status 0
	[[ $(printf '%s' "$output" | jq_py "len([s for s in d if s['name'] and s['name'].startswith('many-')])") == 100 ]] ||
		fail "ls does not list 100"
	sb_exec many-0 "$PROBE" create mine zero
	sb_exec many-99 "$PROBE" create mine ninety-nine
	sb_exec many-0 "$PROBE" read mine
	assert_probe 0 "ok zero"
	sb_exec many-99 "$PROBE" read mine
	assert_probe 0 "ok ninety-nine"
	# One sandbox cannot read another's scratch.
	sb_exec many-0 "$PROBE" read "/run/bpfence-storage/${ids[99]}/scratch/mine"
	assert_probe 1 "EACCES open"
	run "$BPFENCE" sandbox terminate "${ids[@]}"
	assert_status 0
	[[ $(printf '%s\n' "$output" | grep -c ': terminated$') == 100 ]] || fail "$output"
	SANDBOXES=()
}
