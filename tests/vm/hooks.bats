#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-only
#
# The kernel-side layer for what seccomp also blocks: mounts and user namespaces (SECURITY row 5),
# perf_event_open (25), TIOCSTI (18), extended attributes (10), and starving processes outside
# by priority, I/O priority, affinity or rlimits (27). Every tagged run here uses --no-seccomp,
# so the BPF-LSM hook alone must refuse, with the exact errno, one count in the right class and
# exactly one audit record naming the hook; the same action untagged is the negative control.

load helpers

LOG=/var/log/bpfence/test-hooks.jsonl

setup() {
	daemon_setup
	VICTIM=
}

teardown() {
	[[ -n $VICTIM ]] && kill "$VICTIM" 2>/dev/null
	daemon_teardown
}

# hook_run PROBE-ARGS...: the probe in a fresh invocation with the BPF-LSM layer alone.
hook_run() {
	fence_run --no-seccomp -- "$PROBE" "$@" </dev/null
}

# A process outside every invocation with no capabilities, running as nobody: what another
# function looks like. (A victim holding capabilities the caller lacks is refused earlier by the
# capability module's own task_setnice/setioprio/setscheduler checks, before any BPF program.)
start_victim() {
	setpriv --reuid=65534 --regid=65534 --clear-groups sleep 60 </dev/null >/dev/null 2>&1 3>&- &
	VICTIM=$!
	# Only once it runs as nobody (setpriv has exec'd sleep) is it what the tests mean; before,
	# it is still root, and the kernel's own owner check refuses before any hook.
	local i comm uid
	for ((i = 0; i < 200; i++)); do
		comm=$(cat "/proc/$VICTIM/comm" 2>/dev/null)
		uid=$(awk '/^Uid:/ { print $2 }' "/proc/$VICTIM/status" 2>/dev/null)
		[[ $comm == sleep && $uid == 65534 ]] && return 0
		sleep 0.05
	done
	fail "victim $VICTIM never became 'sleep' as uid 65534 (comm '$comm', uid '$uid')"
}

# task_run PROBE-ARGS...: hook_run as nobody, the victim's uid.
task_run() {
	fence_run --no-seccomp --user nobody -- "$PROBE" "$@" </dev/null
}

@test "row 5: mount is denied by sb_mount, class system, before any capability check (untagged: ok)" {
	mkdir "$BATS_TEST_TMPDIR/m"
	hook_run mount-tmpfs "$BATS_TEST_TMPDIR/m"
	assert_probe 1 "EPERM mount"
	assert_denied system=1
	assert_record sb_mount system EPERM
	run_untagged mount-tmpfs "$BATS_TEST_TMPDIR/m"
	assert_probe 0 "ok"
}

@test "row 5: unshare(CLONE_NEWUSER) is denied by userns_create, class system (untagged: ok)" {
	hook_run unshare-user
	assert_probe 1 "EPERM unshare"
	assert_denied system=1
	assert_record userns_create system EPERM
	run_untagged unshare-user
	assert_probe 0 "ok"
}

@test "row 5: root with every capability in a cgroup tagged with bpfence tag cannot mount or umount" {
	local cg=$CGROOT/fence-caps m=$BATS_TEST_TMPDIR/m
	mkdir "$cg" "$m"
	CLEANUP_CGROUPS+=("$cg")
	mount -t tmpfs none "$m"
	run "$BPFENCE" tag --policy "$POLICY" --source "$SOURCE" "$cg"
	assert_status 0
	run sh -c "echo \$\$ > $cg/cgroup.procs && exec $PROBE mount-tmpfs $m"
	assert_probe 1 "EPERM mount"
	run sh -c "echo \$\$ > $cg/cgroup.procs && exec $PROBE umount $m"
	assert_probe 1 "EPERM umount"
	stop_daemon
	[[ -n $(log_records "$LOG" -- 'hook="sb_mount"') ]] || fail "no sb_mount record" "$(cat "$LOG")"
	[[ -n $(log_records "$LOG" -- 'hook="sb_umount"') ]] || fail "no sb_umount record" "$(cat "$LOG")"
	run "$BPFENCE" untag "$cg"
	assert_status 0
	# Untagged, the same root shell in the same cgroup can.
	run sh -c "echo \$\$ > $cg/cgroup.procs && exec $PROBE umount $m"
	assert_probe 0 "ok"
}

@test "row 25: perf_event_open is denied by the perf_event_open hook, class system (untagged: ok)" {
	# Debian's perf_event_paranoid=3 refuses callers without CAP_PERFMON before the LSM hook;
	# at 2 (the upstream default) the hook is what decides.
	local paranoid
	paranoid=$(cat /proc/sys/kernel/perf_event_paranoid)
	echo 2 >/proc/sys/kernel/perf_event_paranoid
	hook_run perf-open 0
	echo "$paranoid" >/proc/sys/kernel/perf_event_paranoid
	assert_probe 1 "EPERM perf_event_open"
	assert_denied system=1
	assert_record perf_event_open system EPERM
	run_untagged perf-open 0
	assert_probe 0 "ok"
}

@test "row 18: ioctl TIOCSTI is denied by file_ioctl before the tty layer (untagged: ENOTTY)" {
	hook_run tiocsti
	assert_probe 1 "EPERM ioctl"
	assert_denied system=1
	assert_record file_ioctl system EPERM
	run_untagged tiocsti </dev/null
	assert_probe 1 "ENOTTY ioctl"
}

# Root with every capability in a cgroup tagged with bpfence tag: since 6.10 the kernel checks
# CAP_SYS_ADMIN for security.* xattrs before the LSM hooks (before 6.10, after them), so a caller
# without it would be refused by the capability check alone on newer kernels; with it, the hook
# is what decides on every kernel.
@test "row 10: setxattr and removexattr on a read-only grant are denied by inode_*xattr, even with every capability (untagged: ok)" {
	local cg=$CGROOT/fence-xattr f=$SOURCE/x.txt
	echo data >"$f"
	mkdir "$cg"
	CLEANUP_CGROUPS+=("$cg")
	run "$BPFENCE" tag --policy "$POLICY" --source "$SOURCE" "$cg"
	assert_status 0
	run sh -c "echo \$\$ > $cg/cgroup.procs && exec $PROBE setxattr $f security.bpfence"
	assert_probe 1 "EACCES setxattr"
	run sh -c "echo \$\$ > $cg/cgroup.procs && exec $PROBE removexattr $f security.bpfence"
	assert_probe 1 "EACCES removexattr"
	stop_daemon
	python3 - "$LOG" <<'PY' || fail "records: $(cat "$LOG")"
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
for hook in ("inode_setxattr", "inode_removexattr"):
    hits = [r for r in recs if r.get("hook") == hook]
    assert len(hits) == 1, (hook, hits)
    r = hits[0]
    assert (r["class"], r["errno"], r["action"]) == ("file", "EACCES", "denied"), r
PY
	run "$BPFENCE" untag "$cg"
	assert_status 0
	run_untagged setxattr "$f" security.bpfence
	assert_probe 0 "ok"
	run_untagged removexattr "$f" security.bpfence
	assert_probe 0 "ok"
}

@test "row 27: setpriority on a process outside is denied by task_setnice; its own is not (untagged: ok)" {
	start_victim
	task_run setpriority "$VICTIM" 19
	assert_probe 1 "EPERM setpriority"
	assert_denied task=1
	assert_record task_setnice task EPERM
	task_run setpriority 0 5
	assert_probe 0 "ok"
	run_untagged setpriority "$VICTIM" 19
	assert_probe 0 "ok"
}

@test "pidfds: the function's own child by pidfd works; signalling one outside through a pidfd is denied by task_kill (untagged: ok)" {
	# 6.9+ makes pidfds files of pidfs, which pass file_open: they name processes, not files.
	task_run pidfd 0
	assert_probe 0 "ok"
	start_victim
	task_run pidfd "$VICTIM"
	assert_probe 1 "EPERM pidfd_send_signal"
	assert_denied task=1
	assert_record task_kill task EPERM
	run_untagged pidfd "$VICTIM"
	assert_probe 0 "ok"
}

@test "row 27: ioprio_set on a process outside is denied by task_setioprio (untagged: ok)" {
	start_victim
	task_run ioprio "$VICTIM"
	assert_probe 1 "EPERM ioprio_set"
	assert_denied task=1
	assert_record task_setioprio task EPERM
	run_untagged ioprio "$VICTIM"
	assert_probe 0 "ok"
}

@test "row 27: sched_setaffinity on a process outside is denied by task_setscheduler (untagged: ok)" {
	start_victim
	task_run affinity "$VICTIM"
	assert_probe 1 "EPERM sched_setaffinity"
	assert_denied task=1
	assert_record task_setscheduler task EPERM
	run_untagged affinity "$VICTIM"
	assert_probe 0 "ok"
}

@test "row 27: prlimit on another process is denied by task_prlimit (untagged: ok)" {
	start_victim
	task_run prlimit "$VICTIM"
	assert_probe 1 "EPERM prlimit"
	assert_denied task=1
	assert_record task_prlimit task EPERM
	run_untagged prlimit "$VICTIM"
	[[ $status == 0 && $output == ok* ]] || { show_run; fail "untagged prlimit failed"; }
}
