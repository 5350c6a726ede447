#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-only
#
# Nothing the function wrote runs (SECURITY.md row 37): a file in a place the invocation may
# write (${scratch}, which is TMPDIR and HOME, its /dev/shm, any write grant) is not executed,
# used as a #! interpreter, loaded by `ld.so ./x` or mapped executable (mmap_file,
# file_mprotect), whatever exec or map grant covers a tree above it: EACCES, class file, and a
# record with rule "written". A memfd is no granted file at all: EACCES too. Only an exec (map)
# grant on the written place itself or nearer to the file lifts it, as examples/compile.policy
# does for a function that builds and runs code.
#
# Each test runs its steps in one invocation (run_steps) and the same steps untagged (the
# negative control: every one of them works outside bpfence).

load helpers

LOG=/var/log/bpfence/test-wx.jsonl

setup() {
	daemon_setup
}

teardown() {
	daemon_teardown
}

# A #! script to drop, in the function's (readable) source.
script_in_source() {
	printf '#!/bin/sh\necho hi from a script\n' >"$SOURCE/script.sh"
}

@test "row 37: a program the function wrote in TMPDIR does not run: execve, a #! script, ld.so ./x, mmap and mprotect PROT_EXEC are EACCES, rule written (untagged: all run)" {
	script_in_source
	local steps=(
		'cd "$TMPDIR"'
		'probe copy /usr/bin/echo x'
		'probe exec ./x dropped'
		"out=\$($LDSO ./x loaded 2>&1); echo \"ld.so \$? \$out\""
		'probe map-exec x mmap'
		'probe map-exec x mprotect'
		"probe copy $SOURCE/script.sh s"
		'probe exec ./s'
	)
	run_steps -- "${steps[@]}"
	assert_steps "ok" "EACCES exec" \
		"ld.so 127 ./x: error while loading shared libraries: ./x: failed to map segment from shared object" \
		"EACCES mmap" "EACCES mprotect" "ok" "EACCES exec"
	assert_denied file=5
	local inv dir
	inv=$(invocation)
	# TMPDIR is the invocation's scratch dir.
	dir=/tmp/bpfence-$inv/scratch
	assert_records "file_open file EACCES exec written $dir/x" \
		"mmap_file file EACCES map written $dir/x" \
		"mmap_file file EACCES map written $dir/x" \
		"file_mprotect file EACCES map written $dir/x" \
		"file_open file EACCES exec written $dir/s"
	mkdir "$BATS_TEST_TMPDIR/tmp"
	TMPDIR=$BATS_TEST_TMPDIR/tmp run_steps_untagged "${steps[@]}"
	assert_steps "ok" "dropped" "ld.so 0 loaded" "ok" "ok" "ok" "hi from a script"
}

@test "row 37: /dev/shm: a program written there does not run or map executable, nor serve as a #! interpreter, EACCES, rule written (untagged: all run)" {
	local bin=$BATS_TEST_TMPDIR/bin
	mkdir "$bin"
	# A script in a place that may be executed but not written, whose interpreter the function
	# writes.
	printf '#!/dev/shm/fence-wx-sh\necho hi from the interpreter\n' >"$bin/interp.sh"
	chmod 755 "$bin/interp.sh"
	write_policy <<EOF
[files]
read = /dev/shm
write = /dev/shm
exec = $bin
EOF
	# The control runs in the VM's own /dev/shm (the invocation has a private one).
	CLEANUP_PATHS+=(/dev/shm/fence-wx-echo /dev/shm/fence-wx-sh)
	local steps=(
		'probe copy /usr/bin/echo /dev/shm/fence-wx-echo'
		'probe exec /dev/shm/fence-wx-echo dropped'
		'probe map-exec /dev/shm/fence-wx-echo mmap'
		'probe copy /bin/sh /dev/shm/fence-wx-sh'
		"probe exec $bin/interp.sh"
	)
	run_steps -- "${steps[@]}"
	assert_steps "ok" "EACCES exec" "EACCES mmap" "ok" "EACCES exec"
	assert_denied file=3
	assert_records "file_open file EACCES exec written /dev/shm/fence-wx-echo" \
		"mmap_file file EACCES map written /dev/shm/fence-wx-echo" \
		"file_open file EACCES exec written /dev/shm/fence-wx-sh"
	run_steps_untagged "${steps[@]}"
	assert_steps "ok" "dropped" "ok" "ok" "hi from the interpreter"
}

@test "row 37: a memfd is neither executed (execveat AT_EMPTY_PATH) nor mapped executable: EACCES (untagged: ok)" {
	local steps=(
		'probe memfd /usr/bin/echo exec echo from-memfd'
		'probe memfd /usr/bin/echo mmap'
		'probe memfd /usr/bin/echo mprotect'
	)
	run_steps -- "${steps[@]}"
	assert_steps "EACCES execveat" "EACCES mmap" "EACCES mprotect"
	assert_denied file=3
	# Not a written place: no grant can name a memfd (no rule). Each record names the memfd.
	assert_records "file_open file EACCES exec - /memfd:probe (deleted)" \
		"mmap_file file EACCES map - *memfd:probe*" \
		"file_mprotect file EACCES map - *memfd:probe*"
	run_steps_untagged "${steps[@]}"
	assert_steps "from-memfd" "ok" "ok"
}

@test "row 37: only exactly that grant lifts it: exec and map on a tree above scratch or another write grant do not; exec on a directory inside scratch does, there; map alone maps but does not execute" {
	local up=$BATS_TEST_TMPDIR/up
	local s=$up/scratch
	mkdir -p "$s/bin" "$up/out"
	cp /usr/bin/echo "$s/x"
	cp /usr/bin/echo "$s/bin/x"
	cp /usr/bin/echo "$up/out/x"
	# Grants above the written places (scratch, and a write grant of the policy's own): they
	# cover them, but the write grant is nearer.
	write_policy <<EOF
[files]
exec = $up
map = $up
read = $up/out
write = $up/out
EOF
	run_steps --scratch "$s" -- "probe exec $s/x above" "probe map-exec $s/bin/x mmap" \
		"probe exec $up/out/x written"
	assert_steps "EACCES exec" "EACCES mmap" "EACCES exec"
	assert_denied file=3
	assert_records "file_open file EACCES exec written $s/x" \
		"mmap_file file EACCES map written $s/bin/x" \
		"file_open file EACCES exec written $up/out/x"
	# An exec grant nearer to the file than the write grant: what is below it runs and maps
	# (ld.so too), the rest of scratch does not.
	start_fresh_daemon
	write_policy <<EOF
[files]
exec = $s/bin
EOF
	run_steps --scratch "$s" -- "probe exec $s/bin/x nearer" "$LDSO $s/bin/x loaded" \
		"probe map-exec $s/bin/x mprotect" "probe exec $s/x beside"
	assert_steps "nearer" "loaded" "ok" "EACCES exec"
	assert_denied file=1
	assert_records "file_open file EACCES exec written $s/x"
	# map on scratch itself: mapped executable (so ld.so, which only maps, loads it), never
	# executed.
	start_fresh_daemon
	write_policy <<EOF
[files]
map = $s
EOF
	run_steps --scratch "$s" -- "probe map-exec $s/x mmap" "probe map-exec $s/x mprotect" \
		"$LDSO $s/x loaded" "probe exec $s/x mapped"
	assert_steps "ok" "ok" "loaded" "EACCES exec"
	assert_denied file=1
	assert_records "file_open file EACCES exec written $s/x"
	run_steps_untagged "probe exec $s/x above" "probe exec $s/bin/x nearer" \
		"probe exec $up/out/x written"
	assert_steps "above" "nearer" "written"
}

@test "row 37: examples/compile.policy (exec = \${scratch}): gcc builds a C program in TMPDIR and it runs; its copy in /dev/shm does not (EACCES, rule written; untagged: both run)" {
	printf '#include <stdio.h>\nint main(void) { puts("hello from gcc"); return 0; }\n' >"$SOURCE/hello.c"
	local steps=(
		'cd "$TMPDIR"'
		"gcc -o hello $SOURCE/hello.c && echo built"
		'./hello'
		'cp hello /dev/shm/fence-wx-hello && /dev/shm/fence-wx-hello'
	)
	CLEANUP_PATHS+=(/dev/shm/fence-wx-hello)
	POLICY=$REPO/policies/examples/compile.policy
	run_steps -- "${steps[@]}"
	assert_steps "built" "hello from gcc"
	[[ $stderr == *"/dev/shm/fence-wx-hello: Permission denied"* ]] || {
		show_run
		fail "the copy in /dev/shm was not refused with EACCES"
	}
	assert_json exit_code 126
	assert_denied file=1
	assert_records "file_open file EACCES exec written /dev/shm/fence-wx-hello"
	mkdir "$BATS_TEST_TMPDIR/tmp"
	TMPDIR=$BATS_TEST_TMPDIR/tmp run_steps_untagged "${steps[@]}"
	assert_steps "built" "hello from gcc" "hello from gcc"
}
