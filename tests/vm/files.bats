#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-only
#
# [files]: read/write/exec grant subtrees by inode identity. Outside them, opens and path
# operations fail with EACCES, class "file"; ${source} is readable, ${scratch} writable, and
# nothing else is (another function's source, /etc/shadow, the rest of /tmp). A deny line inside
# a grant holds by inode too, through every alias (SECURITY.md row 38).

load helpers

LOG=/var/log/bpfence/test-files.jsonl

setup() {
	fence_setup
	SCRATCH=$BATS_TEST_TMPDIR/scratch
	OUTSIDE=$BATS_TEST_TMPDIR/outside
	mkdir "$SCRATCH" "$OUTSIDE"
}

# The deny tests check records (start_fresh_daemon); the others run no daemon.
teardown() {
	daemon_teardown
}

# assert_ok_prefix DETAIL: the control succeeded (first line of output varies, e.g. file content).
assert_ok_prefix() {
	if [[ $status != 0 || $output != "ok$1"* ]]; then
		show_run
		fail "expected: status 0, output 'ok$1...'"
	fi
}

@test "reading /etc/shadow is denied with EACCES, class file (untagged: ok)" {
	run_tagged read /etc/shadow
	assert_probe 1 "EACCES open"
	assert_denied file=1
	run_untagged read /etc/shadow
	assert_ok_prefix " root:"
}

@test "reading /etc/shadow through a symlink in scratch is denied with EACCES (untagged: ok)" {
	ln -s /etc/shadow "$SCRATCH/innocent.txt"
	fence_run --scratch "$SCRATCH" -- "$PROBE" read "$SCRATCH/innocent.txt"
	assert_probe 1 "EACCES open"
	assert_denied file=1
	run_untagged read "$SCRATCH/innocent.txt"
	assert_ok_prefix " root:"
}

@test "reading another function's source is denied with EACCES (untagged: ok)" {
	local mine=$BATS_TEST_TMPDIR/fn-mine other=$BATS_TEST_TMPDIR/fn-other
	mkdir "$mine" "$other"
	echo 'print("mine")' >"$mine/main.py"
	echo 'SECRET = "other"' >"$other/main.py"
	SOURCE=$mine
	run_tagged read "$other/main.py"
	assert_probe 1 "EACCES open"
	assert_denied file=1
	run_tagged read "$mine/main.py"
	assert_probe 0 'ok print("mine")'
	assert_denied
	run_untagged read "$other/main.py"
	assert_probe 0 'ok SECRET = "other"'
}

@test "reading \${source}/main.py is allowed" {
	run_tagged read "$SOURCE/main.py"
	assert_probe 0 'ok print("source of this function")'
	assert_denied
}

@test "writing into \${source} (read-only grant) is denied with EACCES (untagged: ok)" {
	run_tagged write "$SOURCE/main.py" 'import os'
	assert_probe 1 "EACCES open"
	assert_denied file=1
	[[ $(cat "$SOURCE/main.py") == 'print("source of this function")' ]]
	run_untagged create "$SOURCE/new.py" 'x = 1'
	assert_probe 0 "ok"
}

@test "creating and writing a file in --scratch DIR is allowed and the file stays" {
	fence_run --scratch "$SCRATCH" -- "$PROBE" create "$SCRATCH/out.txt" hello
	assert_probe 0 "ok"
	assert_denied
	[[ $(cat "$SCRATCH/out.txt") == hello ]]
	# and read back, and a directory made in it
	fence_run --scratch "$SCRATCH" -- "$PROBE" read "$SCRATCH/out.txt"
	assert_probe 0 "ok hello"
	assert_denied
	fence_run --scratch "$SCRATCH" -- "$PROBE" mkdir "$SCRATCH/sub"
	assert_probe 0 "ok"
	assert_denied
	[[ -d $SCRATCH/sub ]]
}

@test "without --scratch, \$TMPDIR and \$HOME are a fresh writable scratch dir (a private tmpfs), removed afterwards" {
	fence_run -- /bin/sh -c 'echo x >"$TMPDIR/f" && read l <"$TMPDIR/f" && echo y >"$HOME/g" && read m <"$HOME/g" && echo "$l$m $TMPDIR $HOME"'
	assert_status 0
	assert_denied
	local inv dir
	inv=$(json_value invocation)
	inv=${inv//\"/}
	# The invocation's private tmpfs is mounted on /tmp/bpfence-ID (in its own mount namespace:
	# the host sees an empty directory); scratch is its scratch/.
	dir=/tmp/bpfence-$inv/scratch
	assert_output_line "xy $dir $dir"
	[[ ! -e /tmp/bpfence-$inv ]] || fail "/tmp/bpfence-$inv was not removed"
}

@test "writing an existing file outside scratch is denied with EACCES and leaves it unchanged (untagged: ok)" {
	echo original >"$OUTSIDE/file.txt"
	fence_run --scratch "$SCRATCH" -- "$PROBE" write "$OUTSIDE/file.txt" changed
	assert_probe 1 "EACCES open"
	assert_denied file=1
	[[ $(cat "$OUTSIDE/file.txt") == original ]]
	run_untagged write "$OUTSIDE/file.txt" changed
	assert_probe 0 "ok"
}

@test "O_CREAT outside scratch is denied with EACCES and leaves no file behind (untagged: ok)" {
	fence_run --scratch "$SCRATCH" -- "$PROBE" create "$OUTSIDE/new.txt" x
	assert_probe 1 "EACCES open"
	assert_denied file=1
	[[ ! -e $OUTSIDE/new.txt ]] || fail "$OUTSIDE/new.txt exists after a denied O_CREAT"
	fence_run --scratch "$SCRATCH" -- "$PROBE" create /tmp/bpfence-vmtest-created x
	assert_probe 1 "EACCES open"
	[[ ! -e /tmp/bpfence-vmtest-created ]] || fail "/tmp/bpfence-vmtest-created exists"
	run_untagged create "$OUTSIDE/new.txt" x
	assert_probe 0 "ok"
	[[ -f $OUTSIDE/new.txt ]]
}

@test "path operations outside scratch (mkdir, unlink, rename, symlink, link, chmod, truncate) are denied with EACCES (untagged: ok)" {
	echo data >"$OUTSIDE/f"
	local op
	local -a ops=(
		"mkdir $OUTSIDE/d"
		"unlink $OUTSIDE/f"
		"rename $OUTSIDE/f $OUTSIDE/g"
		"symlink /etc/shadow $OUTSIDE/l"
		"link $OUTSIDE/f $OUTSIDE/h"
		"chmod $OUTSIDE/f 777"
		"truncate $OUTSIDE/f 0"
	)
	for op in "${ops[@]}"; do
		# shellcheck disable=SC2086 # word splitting intended
		fence_run --scratch "$SCRATCH" -- "$PROBE" $op
		assert_probe 1 "EACCES ${op%% *}"
		assert_denied file=1
	done
	[[ $(cat "$OUTSIDE/f") == data && ! -e $OUTSIDE/d && ! -e $OUTSIDE/g && ! -e $OUTSIDE/l && ! -e $OUTSIDE/h ]]
	[[ $(stat -c %a "$OUTSIDE/f") == 644 ]]
	for op in "${ops[@]}"; do
		[[ $op == unlink* || $op == rename* ]] && continue
		# shellcheck disable=SC2086
		run_untagged $op
		assert_probe 0 "ok"
	done
	run_untagged rename "$OUTSIDE/f" "$OUTSIDE/g"
	assert_probe 0 "ok"
	run_untagged unlink "$OUTSIDE/g"
	assert_probe 0 "ok"
}

@test "exec of a readable binary without the exec grant is denied with EACCES (untagged: ok)" {
	# /usr is readable, /usr/bin/true is not in the exec set: read does not imply exec.
	run_tagged exec /usr/bin/true
	assert_probe 1 "EACCES exec"
	assert_denied file=1
	run_untagged exec /usr/bin/true
	assert_probe 0 ""
}

@test "a granted dynamically linked program runs (exec on it and ld.so, read on its libs)" {
	write_policy <<'EOF'
[files]
exec = /usr/bin/true
EOF
	run_tagged exec /usr/bin/true
	assert_probe 0 ""
	assert_denied
}

@test "a granted program is denied when its ELF interpreter lacks the exec grant (exit 126 from bpfence)" {
	# Like the test policy, but ld.so is only readable, not executable.
	cat >"$BATS_TEST_TMPDIR/noldso.policy" <<EOF
[files]
read = /usr /lib /lib64 /etc/ld.so.cache
exec = $FENCE_BIN /usr/bin/true
EOF
	POLICY=$BATS_TEST_TMPDIR/noldso.policy
	fence_run -- /usr/bin/true
	assert_status 126
	assert_json exit_code 126
	assert_denied file=1
	run /usr/bin/true
	assert_status 0
}

# A host-independent /etc of the test's own: T/public.conf, T/secret, T/private/key,
# T/private/pub/cert, T/both, and in T/alias second hard links to T/secret and T/private/key,
# made before the policy is loaded.
make_etc() {
	T=$BATS_TEST_TMPDIR/etc
	mkdir -p "$T/private/pub" "$T/alias"
	echo public >"$T/public.conf"
	echo secret >"$T/secret"
	echo key >"$T/private/key"
	echo cert >"$T/private/pub/cert"
	echo both >"$T/both"
	ln "$T/secret" "$T/alias/secret2"
	ln "$T/private/key" "$T/alias/key2"
}

@test "row 38: a deny inside a grant holds by inode: direct, a symlink, a hard link, .. walks and an O_PATH fd reopened through /proc/self/fd are EACCES, rule deny; a grant below it still reads (untagged: all read)" {
	make_etc
	write_policy <<EOF
[files]
read = $T $T/private/pub $T/both
deny = $T/secret $T/private $T/both
EOF
	local steps=(
		"probe read $T/public.conf"
		"probe read $T/secret"
		"probe read $T/private/key"
		"probe read $T/private/pub/cert"
		"probe read $T/both"
		"probe symlink $T/secret $SCRATCH/s"
		"probe read $SCRATCH/s"
		"probe symlink $T/private $SCRATCH/p"
		"probe read $SCRATCH/p/key"
		"probe read $T/alias/secret2"
		"probe read $T/alias/key2"
		"probe read $T/private/pub/../key"
		"probe read $T/alias/../secret"
		"probe reopen $T/secret"
		"probe reopen $T/public.conf"
	)
	start_fresh_daemon
	run_steps --scratch "$SCRATCH" -- "${steps[@]}"
	assert_steps "ok public" "EACCES open" "EACCES open" "ok cert" "EACCES open" \
		"ok" "EACCES open" "ok" "EACCES open" "EACCES open" "EACCES open" "EACCES open" \
		"EACCES open" "EACCES reopen" "ok public"
	assert_denied file=10
	assert_records "file_open file EACCES read deny $T/secret" \
		"file_open file EACCES read deny $T/private/key" \
		"file_open file EACCES read deny $T/both" \
		"file_open file EACCES read deny $T/secret" \
		"file_open file EACCES read deny $T/private/key" \
		"file_open file EACCES read deny $T/alias/secret2" \
		"file_open file EACCES read deny $T/alias/key2" \
		"file_open file EACCES read deny $T/private/key" \
		"file_open file EACCES read deny $T/secret" \
		"file_open file EACCES read deny $T/secret"
	rm "$SCRATCH/s" "$SCRATCH/p"
	run_steps_untagged "${steps[@]}"
	assert_steps "ok public" "ok secret" "ok key" "ok cert" "ok both" "ok" "ok secret" "ok" \
		"ok key" "ok secret" "ok key" "ok key" "ok secret" "ok secret" "ok public"
}

# deny_tree DIR: DIR/keep/secret (denied by name) and DIR/box/private/key (below a denied
# directory).
deny_tree() {
	mkdir -p "$1/keep" "$1/box/private"
	echo secret >"$1/keep/secret"
	echo key >"$1/box/private/key"
}

# deny_tree_steps DIR: one step per line, in an order in which every step also works untagged
# after the ones before it.
deny_tree_steps() {
	printf '%s\n' "probe link $1/keep/secret $1/l" "probe write $1/keep/secret x" \
		"probe rename $1/box $1/box2" "probe read $1/box2/private/key" \
		"probe rename $1/keep $1/keep2" "probe read $1/keep2/secret" \
		"probe rename $1/box2/private/key $1/key" "probe rename $1/keep2/secret $1/moved"
}

@test "row 38: where the function may write, a denied file cannot be linked, written or renamed, and renaming a directory above it carries the deny along (untagged: all work)" {
	local s=$SCRATCH ctl=$BATS_TEST_TMPDIR/ctl steps
	deny_tree "$s"
	write_policy <<EOF
[files]
deny = $s/keep/secret $s/box/private
EOF
	start_fresh_daemon
	mapfile -t steps < <(deny_tree_steps "$s")
	run_steps --scratch "$s" -- "${steps[@]}"
	assert_steps "EACCES link" "EACCES open" "ok" "EACCES open" "ok" "EACCES open" \
		"EACCES rename" "EACCES rename"
	assert_denied file=6
	assert_records "path_link file EACCES write deny $s/keep/secret" \
		"file_open file EACCES write deny $s/keep/secret" \
		"file_open file EACCES read deny $s/box2/private/key" \
		"file_open file EACCES read deny $s/keep2/secret" \
		"path_rename file EACCES write deny $s/box2/private/key" \
		"path_rename file EACCES write deny $s/keep2/secret"
	[[ $(cat "$s/keep2/secret") == secret && -f $s/box2/private/key ]]
	[[ ! -e $s/l && ! -e $s/key && ! -e $s/moved ]]
	deny_tree "$ctl"
	mapfile -t steps < <(deny_tree_steps "$ctl")
	run_steps_untagged "${steps[@]}"
	assert_steps "ok" "ok" "ok" "ok key" "ok" "ok xecret" "ok" "ok"
}
