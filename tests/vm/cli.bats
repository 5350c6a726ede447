#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-only
#
# The CLI around enforcement: run cleans up after itself (no cgroup, scratch dir or tag left),
# status --json reports what is loaded, load is idempotent, tag/untag restrict (and release) an
# existing cgroup, unload refuses while something is tagged.

load helpers

# tagged_count: "tagged_cgroups" from bpfence status --json.
tagged_count() {
	local out n
	out=$("$BPFENCE" status --json) || return 1
	n=$(json_get tagged_cgroups <<<"$out") || return 1
	[[ $n =~ ^[0-9]+$ ]] || return 1
	echo "$n"
}

@test "status --json: the kernel can enforce and every program is loaded" {
	run "$BPFENCE" status --json
	assert_status 0
	python3 -c '
import json, sys
s = json.load(sys.stdin)
assert s["can_enforce"] is True and s["reason"] is None, s
assert s["loaded"] is True and s["partial"] is False, s
assert s["pin_dir"] == "/sys/fs/bpf/bpfence", s
missing = set(sys.argv[1:]) - set(s["programs"])
assert not missing, f"programs missing: {missing}: {s}"' file_open socket_create socket_connect \
		socket_sendmsg unix_stream_connect unix_may_send bpf_syscall task_alloc cgroup_mkdir \
		<<<"$output"
	[[ -d /sys/fs/bpf/bpfence ]]
}

@test "load twice is harmless: 'already loaded', and enforcement still works" {
	run "$BPFENCE" load
	assert_status 0
	assert_output_line "bpfence: already loaded (/sys/fs/bpf/bpfence)"
	run "$BPFENCE" load --json
	assert_status 0
	[[ $(json_get already <<<"$output") == true ]]
	run_tagged read /etc/shadow
	assert_probe 1 "EACCES open"
	assert_denied file=1
}

@test "run leaves no cgroup, scratch dir or tag behind (ok, denied, timed out, failed exec)" {
	local tags
	tags=$(tagged_count)
	run_tagged fib 20
	assert_probe 0 "ok 6765"
	run_tagged read /etc/shadow
	assert_probe 1 "EACCES open"
	local inv
	inv=$(json_value invocation)
	inv=${inv//\"/}
	[[ $inv =~ ^[0-9a-f]{32}$ ]]
	[[ ! -e $CGROOT/bpfence/$inv && ! -e /tmp/bpfence-$inv ]]
	fence_run --timeout 0.5 -- "$PROBE" sleep 30
	assert_status 124
	fence_run -- /usr/bin/true
	assert_status 126
	[[ $(invocation_cgroups) == "$BEFORE_CGROUPS" ]] || fail "cgroups left: $(invocation_cgroups)"
	[[ $(scratch_dirs) == "$BEFORE_SCRATCH" ]] || fail "scratch left: $(scratch_dirs)"
	[[ $(tagged_count) == "$tags" ]] || fail "tagged cgroups: $(tagged_count), before: $tags"
}

@test "the denial summary line names the invocation and the classes (without --json)" {
	run --separate-stderr "$BPFENCE" run --policy "$POLICY" --source "$SOURCE" -- "$PROBE" read /etc/shadow
	assert_probe 1 "EACCES open"
	# "bpfence: invocation ID: denied 1 file", optionally naming the first denied object.
	[[ $stderr =~ ^bpfence:\ invocation\ [0-9a-f]{32}:\ denied\ 1\ file($|\ \() ]] || {
		show_run
		fail "unexpected summary line"
	}
}

@test "SIGTERM to bpfence run kills the invocation and cleans up (exit 143)" {
	local err=$BATS_TEST_TMPDIR/run.err
	"$BPFENCE" run --policy "$POLICY" --source "$SOURCE" -- "$PROBE" sleep 60 \
		>/dev/null 2>"$err" </dev/null 3>&- &
	local pid=$! i new=
	# Wait until the invocation is running: its cgroup exists and holds the probe.
	for ((i = 0; i < 200; i++)); do
		new=$(comm -13 <(echo "$BEFORE_CGROUPS") <(invocation_cgroups))
		# (cgroupfs files have size 0: read it.)
		[[ -n $new && -n $(cat "$new/cgroup.procs" 2>/dev/null) ]] && break
		kill -0 "$pid" 2>/dev/null || fail "bpfence run exited before it was signalled: $(cat "$err")"
		sleep 0.1
	done
	[[ -n $new ]] || fail "no invocation cgroup appeared"
	kill -TERM "$pid"
	local rc=0
	wait "$pid" || rc=$?
	[[ $rc == 143 ]] || fail "bpfence run exited $rc, expected 143: $(cat "$err")"
	[[ ! -e $new ]] || fail "$new is still there"
	[[ $(invocation_cgroups) == "$BEFORE_CGROUPS" ]] || fail "cgroups left: $(invocation_cgroups)"
}

@test "an invalid policy makes run fail with 125 before anything starts" {
	printf '[network]\nconect = deny\n' >"$BATS_TEST_TMPDIR/bad.policy"
	run --separate-stderr "$BPFENCE" run --policy "$BATS_TEST_TMPDIR/bad.policy" -- "$PROBE" fib 1
	assert_status 125
	[[ $output == "" ]]
	[[ $stderr == *"bad.policy:2:1: unknown key 'conect'"* ]] || {
		show_run
		fail "expected the policy error"
	}
}

@test "policy check accepts the test policy and policies/function.policy" {
	run "$BPFENCE" policy check --source "$SOURCE" --scratch "$BATS_TEST_TMPDIR" "$POLICY"
	assert_status 0
	run "$BPFENCE" policy check "$REPO/policies/function.policy"
	assert_status 0
}

@test "tag restricts an existing cgroup for a process placed there later; untag lifts it" {
	local cg=$CGROOT/fence-tagged tags
	rmdir "$cg" 2>/dev/null || true
	mkdir "$cg"
	CLEANUP_CGROUPS+=("$cg")
	tags=$(tagged_count)
	run "$BPFENCE" tag --policy "$POLICY" --source "$SOURCE" "$cg"
	assert_status 0
	[[ $output == "bpfence: tagged $cg with policy vmtest"* ]] || {
		show_run
		fail "unexpected tag output"
	}
	[[ $(tagged_count) == $((tags + 1)) ]]
	# Tagging twice is refused.
	run "$BPFENCE" tag --policy "$POLICY" --source "$SOURCE" "$cg"
	assert_status 1
	run sh -c "echo \$\$ > $cg/cgroup.procs && exec $PROBE read /etc/shadow"
	assert_probe 1 "EACCES open"
	start_listener tcp "$REMOTE" 18201 300
	run sh -c "echo \$\$ > $cg/cgroup.procs && exec $PROBE connect tcp $REMOTE 18201"
	assert_probe 1 "EPERM connect"
	run "$BPFENCE" untag "$cg"
	assert_status 0
	[[ $(tagged_count) == "$tags" ]]
	run sh -c "echo \$\$ > $cg/cgroup.procs && exec $PROBE connect tcp $REMOTE 18201"
	assert_probe 0 "ok"
	# Untagging what is not tagged is an error.
	run "$BPFENCE" untag "$cg"
	assert_status 1
	rmdir "$cg"
}

@test "unload refuses while a cgroup is tagged, and everything stays loaded" {
	local cg=$CGROOT/fence-unload
	rmdir "$cg" 2>/dev/null || true
	mkdir "$cg"
	CLEANUP_CGROUPS+=("$cg")
	run "$BPFENCE" tag --policy "$POLICY" --source "$SOURCE" "$cg"
	assert_status 0
	run "$BPFENCE" unload
	assert_status 1
	[[ $output == *"tagged"* ]]
	run "$BPFENCE" status --json
	[[ $(json_get loaded <<<"$output") == true && $(json_get partial <<<"$output") == false ]]
	run sh -c "echo \$\$ > $cg/cgroup.procs && exec $PROBE read /etc/shadow"
	assert_probe 1 "EACCES open"
	run "$BPFENCE" untag "$cg"
	assert_status 0
	rmdir "$cg"
}

# map_id PIN: the id of the map (or link) pinned at PIN.
pinned_id() {
	bpftool -j "$1" show pinned "$2" | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])'
}

# assert_refuses_partial: the last fence_run was refused (125) because pins are missing.
assert_refuses_partial() {
	[[ $status == 125 && $stderr == *"programs or maps are missing"* ]] || {
		show_run
		fail "run should refuse with 125 while a pin is missing"
	}
}

# One repair for both kinds of pin. A repair verifies only the programs whose link is gone:
# task_kill's is small (file_open's took most of a minute under emulation), and its hook is as
# easy to prove attached again.
@test "row 28: a lost map pin and a lost link pin (its hook detached) make run refuse (125); one load re-pins the same map and attaches the hook again" {
	local pin=/sys/fs/bpf/bpfence/maps/policies link=/sys/fs/bpf/bpfence/links/task_kill before after
	before=$(pinned_id map "$pin")
	rm "$pin"
	run --separate-stderr "$BPFENCE" status --json
	[[ $(json_get partial <<<"$output") == true ]] || fail "status does not say partial: $output"
	fence_run -- "$PROBE" read /etc/hostname
	assert_refuses_partial
	rm "$link"
	fence_run -- "$PROBE" read /etc/shadow
	assert_refuses_partial
	run "$BPFENCE" load
	assert_status 0
	after=$(pinned_id map "$pin")
	[[ $before == "$after" ]] || fail "load pinned a new map $after instead of the live one $before"
	[[ -e $link ]] || fail "load did not re-pin $link"
	run_tagged read /etc/shadow
	assert_probe 1 "EACCES open"
	assert_denied file=1
	# The detached hook decides again: a signal to a process outside is EPERM.
	sleep 30 &
	local victim=$!
	fence_run -- /bin/sh -c "kill -9 $victim"
	kill -0 "$victim" || fail "the victim died: task_kill was not attached again"
	kill "$victim"
	assert_status 1
	assert_denied task=1
	run "$BPFENCE" status --json
	[[ $(json_get partial <<<"$output") == false ]] || fail "still partial: $output"
}

@test "row 28: kill -9 of bpfence run leaves its invocation restricted (the pins hold the programs)" {
	"$BPFENCE" run --policy "$POLICY" --source "$SOURCE" -- "$PROBE" sleep 30 </dev/null \
		>/dev/null 2>"$BATS_TEST_TMPDIR/run.err" 3>&- &
	local pid=$! cg="" i
	for ((i = 0; i < 100; i++)); do
		cg=$(find "$CGROOT/bpfence" -mindepth 1 -maxdepth 1 -type d | head -n 1)
		[[ -n $cg ]] && grep -q . "$cg/cgroup.procs" && break
		sleep 0.1
	done
	[[ -n $cg ]] || fail "no invocation cgroup appeared: $(cat "$BATS_TEST_TMPDIR/run.err")"
	kill -9 "$pid"
	wait "$pid" 2>/dev/null || true
	# A new task placed in the orphaned invocation is still restricted.
	run sh -c "echo \$\$ > $cg/cgroup.procs && exec $PROBE read /etc/shadow"
	assert_probe 1 "EACCES open"
	# Clean up what bpfence run could not: kill the cgroup, then untag and remove it.
	echo 1 >"$cg/cgroup.kill"
	for ((i = 0; i < 50; i++)); do
		grep -q 'populated 0' "$cg/cgroup.events" && break
		sleep 0.1
	done
	"$BPFENCE" untag "$cg" >/dev/null
	rmdir "$cg"
	rm -rf "/tmp/bpfence-${cg##*/}"
}
