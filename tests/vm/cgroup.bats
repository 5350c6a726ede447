#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-only
#
# Self-protection: a restricted task cannot leave its cgroup (cgroup.procs, a child cgroup,
# a cgroupfs fd for clone3(CLONE_INTO_CGROUP)), cannot touch BPF (bpf(), bpffs), and a cgroup
# created below a tagged one is restricted too. All of these are EPERM, class "system". The one
# opening: a tagged task may read the interface files of its own invocation's cgroup (memory.max,
# cpu.max, ...), never write them, never open the directory, never another cgroup's
# (SECURITY.md row 39).

load helpers

LOG=/var/log/bpfence/test-cgroup.jsonl

# The row 39 tests check records (start_fresh_daemon); the others run no daemon.
teardown() {
	daemon_teardown
}

# mk_cgroup NAME: a fresh cgroup directly under the root in $cg, removed in teardown.
mk_cgroup() {
	cg=$CGROOT/$1
	if [[ -d $cg ]]; then
		find "$cg" -depth -type d -exec rmdir {} + 2>/dev/null
	fi
	mkdir "$cg"
	CLEANUP_CGROUPS+=("$cg")
}

@test "writing its pid to the root cgroup.procs is denied with EPERM, class system (untagged: ok)" {
	run_tagged getpid-into "$CGROOT/cgroup.procs"
	assert_probe 1 "EPERM open"
	assert_denied system=1
	run_untagged getpid-into "$CGROOT/cgroup.procs"
	[[ $status == 0 && $output == "ok "* ]] || {
		show_run
		fail "untagged move to the root cgroup failed"
	}
}

@test "writing its pid to another cgroup's cgroup.procs is denied with EPERM (untagged: ok)" {
	local cg
	mk_cgroup fence-other
	run_tagged getpid-into "$cg/cgroup.procs"
	assert_probe 1 "EPERM open"
	assert_denied system=1
	run_untagged getpid-into "$cg/cgroup.procs"
	[[ $status == 0 && $output == "ok "* ]]
}

@test "mkdir of a child cgroup under its own cgroup is denied with EPERM, class system (untagged: ok)" {
	fence_run -- /bin/sh -c "exec $PROBE mkdir $CGROOT/bpfence/\$BPFENCE_INVOCATION/escape"
	assert_probe 1 "EPERM mkdir"
	assert_denied system=1
	local cg
	mk_cgroup fence-mkdir
	run_untagged mkdir "$cg/child"
	assert_probe 0 "ok"
	[[ -d $cg/child ]]
}

@test "reading cgroupfs (its own cgroup.procs) is denied with EPERM, class system (untagged: ok)" {
	fence_run -- /bin/sh -c "exec $PROBE read $CGROOT/bpfence/\$BPFENCE_INVOCATION/cgroup.procs"
	assert_probe 1 "EPERM open"
	assert_denied system=1
	run_untagged read "$CGROOT/cgroup.procs"
	assert_status 0
}

@test "opening a cgroup directory (the fd clone3 CLONE_INTO_CGROUP needs) is denied with EPERM (untagged: ok)" {
	run_tagged open "$CGROOT" dir
	assert_probe 1 "EPERM open"
	assert_denied system=1
	run_untagged open "$CGROOT" dir
	assert_probe 0 "ok"
}

@test "the cgroupfs denial holds even with read and write grants on /sys/fs/cgroup" {
	write_policy <<EOF
[files]
read = $CGROOT
write = $CGROOT
EOF
	run_tagged getpid-into "$CGROOT/cgroup.procs"
	assert_probe 1 "EPERM open"
	assert_denied system=1
	run_tagged read "$CGROOT/cgroup.procs"
	assert_probe 1 "EPERM open"
	assert_denied system=1
}

@test "the bpf() syscall is denied with EPERM by the BPF-LSM layer alone, class system (untagged: ok)" {
	# --no-seccomp: without bpfence's seccomp layer, the kernel-side hook has to deny it (and
	# count it); the capability check that would also refuse it comes after the LSM hook.
	fence_run --no-seccomp -- "$PROBE" bpf-prog-count
	assert_probe 1 "EPERM bpf"
	assert_denied system=1
	run_untagged bpf-prog-count
	[[ $status == 0 && $output =~ ^ok\ [1-9][0-9]*$ ]] || {
		show_run
		fail "untagged bpf() should count bpfence's programs"
	}
}

@test "the bpf() syscall is denied with EPERM with both layers on (the default)" {
	run_tagged bpf-prog-count
	assert_probe 1 "EPERM bpf"
}

@test "mkdir in bpffs is denied with EPERM, class system, even with a write grant on it (untagged: ok)" {
	write_policy <<'EOF'
[files]
write = /sys/fs/bpf
EOF
	CLEANUP_PATHS+=(/sys/fs/bpf/fence-test-dir)
	run_tagged mkdir /sys/fs/bpf/fence-test-dir
	assert_probe 1 "EPERM mkdir"
	assert_denied system=1
	[[ ! -e /sys/fs/bpf/fence-test-dir ]]
	run_untagged mkdir /sys/fs/bpf/fence-test-dir
	assert_probe 0 "ok"
}

@test "removing bpfence's pins in bpffs is denied with EPERM (the programs stay attached)" {
	write_policy <<'EOF'
[files]
write = /sys/fs/bpf
EOF
	local pin
	pin=$(find /sys/fs/bpf/bpfence -mindepth 1 -maxdepth 2 ! -type d | head -n 1)
	[[ -n $pin ]] || fail "no pins under /sys/fs/bpf/bpfence"
	run_tagged unlink "$pin"
	assert_probe 1 "EPERM unlink"
	assert_denied system=1
	[[ -e $pin ]]
	run "$BPFENCE" status --json
	[[ $(json_get loaded <<<"$output") == true && $(json_get partial <<<"$output") == false ]]
}

@test "a child cgroup created by root below a tagged cgroup is restricted too (untagged: ok)" {
	local cg
	mk_cgroup fence-t1
	run "$BPFENCE" tag --policy "$POLICY" --source "$SOURCE" "$cg"
	assert_status 0
	mkdir "$cg/child"
	run sh -c "echo \$\$ > $cg/child/cgroup.procs && exec $PROBE read /etc/shadow"
	assert_probe 1 "EACCES open"
	# and a grandchild made after that
	mkdir "$cg/child/grandchild"
	run sh -c "echo \$\$ > $cg/child/grandchild/cgroup.procs && exec $PROBE read /etc/shadow"
	assert_probe 1 "EACCES open"
	run "$BPFENCE" untag "$cg"
	assert_status 0
	# Untagged, the same thing in the same cgroup works: the denial came from the tag.
	run sh -c "echo \$\$ > $cg/child/cgroup.procs && exec $PROBE read /etc/shadow"
	assert_status 0
	[[ $output == "ok root:"* ]]
	rmdir "$cg/child/grandchild" "$cg/child" "$cg"
}

@test "a tagged task cannot escape by creating a cgroup: mkdir in cgroupfs anywhere is EPERM" {
	local cg
	mk_cgroup fence-escape
	run_tagged mkdir "$cg/sub"
	assert_probe 1 "EPERM mkdir"
	assert_denied system=1
	run_tagged mkdir "$CGROOT/fence-escape2"
	assert_probe 1 "EPERM mkdir"
	assert_denied system=1
	[[ ! -e $CGROOT/fence-escape2 && ! -e $cg/sub ]]
}

# The invocation's own cgroup, as its shell names it.
OWN_CG='/sys/fs/cgroup/bpfence/$BPFENCE_INVOCATION'

@test "row 39: a tagged task reads its own cgroup's interface files as runtimes do to size themselves (memory.max, cpu.max, pids.max, memory.stat, ...), and /proc/self/cgroup, with no denial" {
	local cg=$OWN_CG
	run_steps --memory-max 64M --pids-max 77 -- \
		"probe read $cg/memory.max" "probe read $cg/memory.high" \
		"probe read $cg/memory.swap.max" "probe read $cg/memory.current" \
		"probe read $cg/memory.stat" "probe read $cg/cpu.max" "probe read $cg/cpu.weight" \
		"probe read $cg/cpu.stat" "probe read $cg/pids.max" "probe read $cg/pids.current" \
		"probe read $cg/cgroup.events" "probe read $cg/cgroup.controllers" \
		"probe read /proc/self/cgroup" "probe read /proc/self/mountinfo"
	# The limits bpfence set, as the function's runtime sees them.
	assert_steps "ok 67108864" "ok max" "ok 0" "ok [1-9]*" "ok anon [0-9]*" "ok max 100000" \
		"ok 100" "ok usage_usec [0-9]*" "ok 77" "ok [1-9]*" "ok populated 1" "ok *memory*" \
		"ok 0::/bpfence/$(invocation)" "ok [0-9]*"
	assert_denied
}

# cgroupfs_steps OWN SIBLING: what stays shut, one step per line: the membership, process lists
# and delegation switch of its own cgroup OWN (read), OWN as a directory, writes to OWN's
# interface files, and the files of the parent cgroup, the root and another invocation SIBLING.
cgroupfs_steps() {
	printf '%s\n' "probe read $1/cgroup.procs" "probe read $1/cgroup.threads" \
		"probe read $1/cgroup.subtree_control" "probe open $1 dir" \
		"probe write $1/memory.max 100M" "probe open $1/pids.max rw" \
		"probe read $CGROOT/bpfence/memory.stat" "probe read $CGROOT/memory.stat" \
		"probe read $2/memory.max"
}

@test "row 39: the rest of cgroupfs stays shut: cgroup.procs, cgroup.threads, cgroup.subtree_control, its cgroup's directory, writes, the parent's, the root's and another invocation's files are EPERM, class system (untagged: ok)" {
	local cg ctl steps
	mk_cgroup fence-sibling
	run "$BPFENCE" tag --policy "$POLICY" --source "$SOURCE" "$cg"
	assert_status 0
	local sibling=$cg
	start_fresh_daemon
	mapfile -t steps < <(cgroupfs_steps "$OWN_CG" "$sibling")
	run_steps -- "${steps[@]}"
	assert_steps "EPERM open" "EPERM open" "EPERM open" "EPERM open" "EPERM open" "EPERM open" \
		"EPERM open" "EPERM open" "EPERM open"
	assert_denied system=9
	local own
	own=$CGROOT/bpfence/$(invocation)
	assert_records "file_open system EPERM read - $own/cgroup.procs" \
		"file_open system EPERM read - $own/cgroup.threads" \
		"file_open system EPERM read - $own/cgroup.subtree_control" \
		"file_open system EPERM read - $own" \
		"file_open system EPERM write - $own/memory.max" \
		"file_open system EPERM read,write - $own/pids.max" \
		"file_open system EPERM read - $CGROOT/bpfence/memory.stat" \
		"file_open system EPERM read - $CGROOT/memory.stat" \
		"file_open system EPERM read - $sibling/memory.max"
	# The control: the same steps in an untagged cgroup of the same shape.
	mk_cgroup fence-ctl
	mapfile -t steps < <(cgroupfs_steps "$cg" "$sibling")
	run_steps_untagged "${steps[@]}"
	assert_steps "ok" "ok" "ok" "ok" "ok" "ok" "ok anon [0-9]*" "ok anon [0-9]*" "ok max"
	[[ $(cat "$cg/memory.max") == 104857600 ]]
}

@test "row 39: clone3(CLONE_INTO_CGROUP) through an O_PATH fd of a cgroup (no open hook sees it) is EPERM by task_alloc, its own cgroup too; ENOSYS from the seccomp layer (untagged: ok)" {
	start_fresh_daemon
	run_steps --no-seccomp -- "probe clone-into-cgroup $CGROOT" "probe clone-into-cgroup $OWN_CG"
	assert_steps "EPERM clone3" "EPERM clone3"
	assert_denied system=2
	assert_records "task_alloc system EPERM - - -" "task_alloc system EPERM - - -"
	run_tagged clone-into-cgroup "$CGROOT"
	assert_probe 1 "ENOSYS clone3"
	assert_denied
	local cg
	mk_cgroup fence-clone
	run_untagged clone-into-cgroup "$cg"
	assert_probe 0 "ok"
}
