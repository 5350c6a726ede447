#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-only
#
# A function's IPC and disk are its own (SECURITY.md rows 32, 34, 35).
#
# Row 32: `bpfence run` gives each invocation a private IPC namespace and a private /dev/shm, so
# SysV message queues, semaphores and shared memory, POSIX message queues and /dev/shm files of
# the host (or of another invocation) are not found by key, id or name, and the invocation's own
# work; a cgroup tagged with `bpfence tag` whose tasks share the host's IPC namespace is refused
# SysV IPC and message queues by the BPF programs (EPERM, class ipc, one record per denial).
# Row 34: scratch, TMPDIR and /dev/shm are one tmpfs bounded in bytes and inodes (ENOSPC is the
# function's alone), and no core dump is written. Row 35: runs started during a load wait for it.

load helpers

LOG=/var/log/bpfence/test-ipc.jsonl
HOST_KEY=0x4242

setup() {
	daemon_setup
	HOST_IDS=()
	HOST_MQ=
}

teardown() {
	local kv
	for kv in "${HOST_IDS[@]}"; do
		"$PROBE" sysv rmid "${kv%%=*}" "${kv#*=}" >/dev/null 2>&1
	done
	[[ -n $HOST_MQ ]] && "$PROBE" mq unlink "$HOST_MQ" >/dev/null 2>&1
	rm -f /dev/shm/fence-host
	"$BPFENCE" load >/dev/null 2>&1
	daemon_teardown
}

# host_object KIND: a SysV object of KIND created by the host under HOST_KEY; sets ID.
host_object() {
	run "$PROBE" sysv create "$1" "$HOST_KEY"
	[[ $status == 0 && $output == ok* ]] || { show_run; fail "host $1 create failed"; }
	ID=${output#ok }
	HOST_IDS+=("$1=$ID")
}

# The policy of these tests also grants /dev/shm, as policies/function.policy does: inside an
# invocation it is the invocation's own tmpfs.
shm_policy() {
	write_policy <<'EOF'
read = /dev/shm
write = /dev/shm
EOF
}

@test "row 32: host SysV queues, segments and semaphores are not found from an invocation by key or id (untagged: found)" {
	local kind
	for kind in msg shm sem; do
		host_object "$kind"
		run_tagged sysv get "$kind" "$HOST_KEY"
		assert_probe 1 "ENOENT get"
		assert_denied
		run_tagged sysv use "$kind" "$ID"
		case $kind in
		msg) assert_probe 1 "EINVAL msgsnd" ;;
		shm) assert_probe 1 "EINVAL shmat" ;;
		sem) assert_probe 1 "EINVAL semop" ;;
		esac
		run_tagged sysv rmid "$kind" "$ID"
		assert_probe 1 "EINVAL rmid"
		# The control: the host's object is there, under the same id, untouched.
		run_untagged sysv get "$kind" "$HOST_KEY"
		assert_probe 0 "ok $ID"
		run_untagged sysv use "$kind" "$ID"
		assert_probe 0 "ok"
	done
}

@test "row 32: an invocation's own SysV objects under the host's key stay inside it and die with it" {
	host_object msg
	fence_run -- /bin/sh -c "o=\$($PROBE sysv create msg $HOST_KEY) && echo \"\$o\" && $PROBE sysv use msg \${o#ok } && $PROBE sysv get msg $HOST_KEY"
	assert_status 0
	[[ ${lines[0]} == "ok "* && ${lines[1]} == ok && ${lines[2]} == "${lines[0]}" ]] ||
		{ show_run; fail "the invocation's own queue did not work"; }
	assert_denied
	# The host still sees its own queue under the key, and only that one.
	run_untagged sysv get msg "$HOST_KEY"
	assert_probe 0 "ok $ID"
	[[ $(ipcs -q | grep -c "^0x00004242 ") == 1 ]] || { ipcs -q >&2; fail "queue leaked to the host"; }
}

@test "row 32: two invocations running at once do not see each other's SysV objects or /dev/shm files" {
	shm_policy
	local flag=$BATS_TEST_TMPDIR/a.out
	"$BPFENCE" run --policy "$POLICY" -- /bin/sh -c \
		"$PROBE sysv create msg 0x5151 && $PROBE create /dev/shm/fence-a x && $PROBE sleep 4" \
		>"$flag" 2>&1 &
	local a=$! i
	for ((i = 0; i < 100; i++)); do
		[[ $(grep -c '^ok' "$flag") -ge 2 ]] && break
		sleep 0.05
	done
	[[ $(grep -c '^ok' "$flag") -ge 2 ]] || fail "invocation A did not get going: $(cat "$flag")"
	run_tagged sysv get msg 0x5151
	assert_probe 1 "ENOENT get"
	run_tagged read /dev/shm/fence-a
	assert_probe 1 "ENOENT open"
	assert_denied
	# Nor does the host.
	run_untagged sysv get msg 0x5151
	assert_probe 1 "ENOENT get"
	[[ ! -e /dev/shm/fence-a ]] || fail "A's /dev/shm file is on the host"
	wait "$a"
}

@test "row 32: host POSIX queues and /dev/shm files are not found; the invocation's own IPC works (multiprocessing's needs)" {
	shm_policy
	HOST_MQ=/fence-host
	run_untagged mq create "$HOST_MQ"
	assert_probe 0 "ok"
	echo secret >/dev/shm/fence-host
	run_tagged mq open "$HOST_MQ"
	assert_probe 1 "ENOENT mq_open"
	run_tagged read /dev/shm/fence-host
	assert_probe 1 "ENOENT open"
	run_tagged ipc-own
	assert_probe 0 "ok"
	assert_denied
	# Controls: the host's are there, and the invocation left nothing in the host's /dev/shm.
	run_untagged mq open "$HOST_MQ"
	assert_probe 0 "ok"
	run_untagged read /dev/shm/fence-host
	assert_probe 0 "ok secret"
	[[ -z $(find /dev/shm -name 'probe-*') ]] || fail "invocation files in the host's /dev/shm"
}

@test "row 32: python multiprocessing (Pool, Queue, Lock, shared_memory) works under policies/function.policy" {
	# From the function's own directory, as a runner starts it (python -c lists its cwd).
	cd "$SOURCE"
	fence_run_policy() {
		run --separate-stderr "$BPFENCE" run --json --policy "$REPO/policies/function.policy" \
			--source "$SOURCE" "$@"
		RESULT=${stderr_lines[${#stderr_lines[@]} - 1]}
	}
	fence_run_policy -- /usr/bin/python3 -c '
import multiprocessing as mp
from multiprocessing import shared_memory
def sq(x): return x * x
if __name__ == "__main__":
    with mp.Pool(2) as p: print(sum(p.map(sq, range(10))))
    q = mp.Queue(); q.put("q"); print(q.get())
    l = mp.Lock()
    with l: print("lock")
    s = shared_memory.SharedMemory(create=True, size=16); s.buf[0] = 7; print(s.buf[0]); s.close(); s.unlink()
'
	assert_status 0
	[[ $output == $'285\nq\nlock\n7' ]] || { show_run; fail "unexpected output"; }
	assert_denied
}

@test "row 32: a tagged cgroup sharing the host's IPC namespace is refused SysV IPC and message queues, class ipc (untagged: ok)" {
	local cg=$CGROOT/fence-ipc
	host_object msg
	local msg=$ID
	host_object shm
	local shm=$ID
	host_object sem
	local sem=$ID
	HOST_MQ=/fence-host
	run_untagged mq create "$HOST_MQ"
	assert_probe 0 "ok"
	mkdir "$cg"
	CLEANUP_CGROUPS+=("$cg")
	run "$BPFENCE" tag --policy "$POLICY" --source "$SOURCE" "$cg"
	assert_status 0
	in_cg() {
		run sh -c "echo \$\$ > $cg/cgroup.procs && exec $PROBE $*"
	}
	in_cg sysv get msg "$HOST_KEY"
	assert_probe 1 "EACCES get"
	in_cg sysv create msg 0x6161
	assert_probe 1 "EPERM create"
	in_cg sysv use shm "$shm"
	assert_probe 1 "EACCES shmat"
	in_cg sysv stat sem "$sem"
	assert_probe 1 "EACCES stat"
	in_cg sysv rmid msg "$msg"
	assert_probe 1 "EPERM rmid"
	in_cg mq open "$HOST_MQ"
	assert_probe 1 "EPERM mq_open"
	in_cg mq unlink "$HOST_MQ"
	assert_probe 1 "EACCES mq_unlink"
	stop_daemon
	python3 - "$LOG" <<'PY' || fail "records: $(cat "$LOG")"
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
recs = [r for r in recs if r.get("event") == "denial"]
want = ["ipc_permission", "msg_queue_alloc_security", "ipc_permission", "ipc_permission",
        "msg_queue_msgctl", "file_open", "inode_unlink"]
assert [r["hook"] for r in recs] == want, [r["hook"] for r in recs]
# ipcperms() callers report any refusal as EACCES, as glibc's mq_unlink does, and the record
# says what the task saw.
errnos = ["EACCES", "EPERM", "EACCES", "EACCES", "EPERM", "EPERM", "EACCES"]
for r, e in zip(recs, errnos):
    assert (r["class"], r["errno"], r["action"]) == ("ipc", e, "denied"), r
assert recs[0]["object"] == "ipc" and recs[0]["key"] == 0x4242, recs[0]
assert recs[1]["ipc"] == "msg" and recs[1]["key"] == 0x6161, recs[1]
PY
	# Controls: the same operations untagged all work (and the objects are still there).
	run_untagged sysv get msg "$HOST_KEY"
	assert_probe 0 "ok $msg"
	run_untagged sysv use shm "$shm"
	assert_probe 0 "ok"
	run_untagged sysv stat sem "$sem"
	assert_probe 0 "ok"
	run_untagged mq open "$HOST_MQ"
	assert_probe 0 "ok"
}

@test "row 34: scratch, TMPDIR and /dev/shm share one --disk-max bound; past it the function gets ENOSPC" {
	shm_policy
	fence_run --disk-max 4M -- /bin/sh -c "exec $PROBE fill \"\$TMPDIR\" 8388608"
	assert_probe 1 "ENOSPC write"
	assert_json disk_max 4194304
	fence_run --disk-max 4M -- /bin/sh -c "exec $PROBE fill /dev/shm 8388608"
	assert_probe 1 "ENOSPC write"
	# Together: 3 MB in scratch leaves no room for 3 MB more in /dev/shm.
	fence_run --disk-max 4M -- /bin/sh -c "$PROBE fill \"\$TMPDIR\" 3000000 && exec $PROBE fill /dev/shm 3000000"
	[[ $status == 1 && ${lines[0]} == ok && ${lines[1]} == "ENOSPC write" ]] || { show_run; fail "no shared bound"; }
	assert_denied
	# Control: under the bound it works.
	fence_run --disk-max 4M -- /bin/sh -c "exec $PROBE fill \"\$TMPDIR\" 3000000"
	assert_probe 0 "ok"
}

@test "row 34: --disk-inodes bounds the files an invocation can create (ENOSPC), and the policy's [limits] sets the default" {
	fence_run --disk-inodes 64 -- /bin/sh -c "exec $PROBE fill \"\$TMPDIR\" files 100"
	assert_probe 1 "ENOSPC creat"
	fence_run --disk-inodes 64 -- /bin/sh -c "exec $PROBE fill \"\$TMPDIR\" files 40"
	assert_probe 0 "ok 40"
	write_policy <<'EOF'
[limits]
disk_max = 2M
disk_inodes = 100
EOF
	fence_run -- /bin/sh -c "exec $PROBE fill \"\$TMPDIR\" 4000000"
	assert_probe 1 "ENOSPC write"
	assert_json disk_max 2097152
	assert_json disk_inodes 100
}

@test "row 34: an invocation can write no core dump (RLIMIT_CORE 0, hard limit too)" {
	fence_run -- /bin/sh -c 'ulimit -H -c; ulimit -c unlimited 2>/dev/null && echo raised || echo refused'
	assert_status 0
	[[ $output == $'0\nrefused' ]] || { show_run; fail "core dumps possible"; }
}

@test "row 35: a run started while a load holds the lock waits for it (with a message), then runs enforced" {
	flock -x /sys/fs/bpf sleep 2 &
	local holder=$!
	sleep 0.3
	run_tagged read /etc/shadow
	wait "$holder"
	assert_probe 1 "EACCES open"
	[[ $stderr == *"waiting for a load of the BPF programs in progress"* ]] || { show_run; fail "no waiting message"; }
	assert_denied file=1
}

@test "row 35: eight runs started 0.1 s apart while bpfence load is loading all wait for it and run enforced" {
	# bpfenced runs through it: the programs it read from are unloaded and loaded again under
	# it, and it follows the pins to the new maps (a reattach record), missing no record.
	local i
	stop_daemon
	rm -f "$LOG"
	start_daemon --health-interval 1
	run "$BPFENCE" unload
	assert_status 0
	"$BPFENCE" load >"$BATS_TEST_TMPDIR/load.out" 2>&1 &
	local loader=$! pids=()
	for ((i = 0; i < 8; i++)); do
		"$BPFENCE" run --policy "$POLICY" -- "$PROBE" read /etc/shadow \
			>"$BATS_TEST_TMPDIR/run.$i" 2>"$BATS_TEST_TMPDIR/run.$i.err" &
		pids+=($!)
		sleep 0.1
	done
	wait "$loader" || fail "bpfence load failed: $(cat "$BATS_TEST_TMPDIR/load.out")"
	for ((i = 0; i < 8; i++)); do
		local st=0
		wait "${pids[$i]}" || st=$?
		[[ $st == 1 && $(cat "$BATS_TEST_TMPDIR/run.$i") == "EACCES open" ]] ||
			fail "run $i: status $st: $(cat "$BATS_TEST_TMPDIR/run.$i"{,.err})"
	done
	for ((i = 0; i < 60; i++)); do
		[[ -n $(log_records "$LOG" -- 'event="reattach"') ]] && break
		sleep 0.1
	done
	sleep 0.5
	stop_daemon
	[[ -n $(log_records "$LOG" -- 'event="reattach"') ]] ||
		fail "bpfenced did not follow the new load: $(cat "$LOG" "$BATS_TEST_TMPDIR/bpfenced.err")"
	[[ $(log_records "$LOG" -- 'event="denial"' 'path="/etc/shadow"' | wc -l) -eq 8 ]] ||
		fail "records after the reload: $(cat "$LOG")"
}
