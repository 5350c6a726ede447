#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-only
# Host tests: what bpfence does without a kernel that enforces. Usage errors, policy checking,
# and the fail-closed refusal to run anything unenforced. On a host that CAN enforce, the
# refusal tests fail loudly rather than pass by accident (see can_enforce below).

load helpers

@test "bpfence --help lists every command" {
	run "$BPFENCE" --help
	[ "$status" -eq 0 ]
	for c in run load unload status tag untag policy audit; do
		[[ "$output" == *"  $c "* ]]
	done
}

@test "every command has --help with a usage line and an example" {
	for c in run load unload status tag untag policy audit; do
		run "$BPFENCE" $c --help
		[ "$status" -eq 0 ]
		[[ "${lines[0]}" == "Usage: bpfence $c"* ]]
		[[ "$output" == *"Example:"* ]]
	done
}

@test "unknown command: one-line error on stderr, exit 2" {
	run --separate-stderr "$BPFENCE" frobnicate
	[ "$status" -eq 2 ]
	[ -z "$output" ]
	[ "$stderr" = "bpfence: usage: unknown command 'frobnicate' (see bpfence --help)" ]
}

@test "run: unknown flag is a one-line error and exit 125" {
	run --separate-stderr "$BPFENCE" run --polcy x -- true
	[ "$status" -eq 125 ]
	[ "${#stderr_lines[@]}" -eq 1 ]
	[[ "$stderr" == "bpfence: usage: unknown or incomplete option '--polcy'"* ]]
}

@test "run: missing --policy, missing command, bad timeout: exit 125" {
	run --separate-stderr "$BPFENCE" run -- true
	[ "$status" -eq 125 ]
	[[ "$stderr" == *"run needs --policy FILE"* ]]
	run --separate-stderr "$BPFENCE" run --policy "$REPO/policies/function.policy"
	[ "$status" -eq 125 ]
	[[ "$stderr" == *"run needs a command"* ]]
	for t in 0 -1 abc 1x inf nan 99999999999 1e3 0x10 " 5" +5 "" 5. .5; do
		run --separate-stderr "$BPFENCE" run --policy "$REPO/policies/function.policy" --timeout "$t" -- true
		[ "$status" -eq 125 ]
		[ "$stderr" = "bpfence: usage: bad --timeout '$t' (expected seconds > 0)" ]
	done
}

@test "run: a policy that does not exist is named, exit 125, nothing created" {
	before=$(snapshot)
	run --separate-stderr "$BPFENCE" run --policy /nonexistent.policy -- true
	[ "$status" -eq 125 ]
	[[ "$stderr" == "bpfence: invalid policy: /nonexistent.policy"* ]]
	[ "$(snapshot)" = "$before" ]
}

@test "run: a policy typo names file, line and column, exit 125" {
	printf '[network]\nconect = deny\n' > "$BATS_TEST_TMPDIR/typo.policy"
	run --separate-stderr "$BPFENCE" run --policy "$BATS_TEST_TMPDIR/typo.policy" -- true
	[ "$status" -eq 125 ]
	[[ "$stderr" == "bpfence: invalid policy: $BATS_TEST_TMPDIR/typo.policy:2:1: unknown key 'conect'"* ]]
}

@test "run: bad --source and bad --user are refused before anything runs" {
	run --separate-stderr "$BPFENCE" run --policy "$REPO/policies/function.policy" --source /nonexistent -- true
	[ "$status" -eq 125 ]
	[[ "$stderr" == "bpfence: bad --source: /nonexistent: No such file or directory" ]]
	run --separate-stderr "$BPFENCE" run --policy "$REPO/policies/function.policy" --user no-such-user-x -- true
	[ "$status" -eq 125 ]
	[[ "$stderr" == "bpfence: bad --user: no-such-user-x: no such user or group" ]]
}

@test "run refuses on a kernel that cannot enforce: exit 125, names why, command never runs" {
	can_enforce && fail_loudly "this host CAN enforce; the refusal test is meaningless here"
	marker="$BATS_TEST_TMPDIR/ran"
	before=$(snapshot)
	run --separate-stderr "$BPFENCE" run --policy "$REPO/policies/function.policy" -- touch "$marker"
	[ "$status" -eq 125 ]
	[ ! -e "$marker" ]
	[[ "$stderr" == "bpfence: this kernel cannot enforce: "* ]]
	# The reason names the missing feature.
	[[ "$stderr" == *"BPF LSM"* || "$stderr" == *"BTF"* || "$stderr" == *"cgroup v2"* ]]
	[ "$(snapshot)" = "$before" ]
}

@test "run --json refuses with one JSON error object on stderr, nothing on stdout" {
	can_enforce && fail_loudly "this host CAN enforce"
	run --separate-stderr "$BPFENCE" --json run --policy "$REPO/policies/function.policy" -- true
	[ "$status" -eq 125 ]
	[ -z "$output" ]
	echo "$stderr" | python3 -c 'import json,sys; e=json.load(sys.stdin); assert e["error"].startswith("this kernel cannot enforce: ")'
}

@test "status says CANNOT enforce with the reason, exit 125; --json is valid JSON" {
	can_enforce && fail_loudly "this host CAN enforce"
	run "$BPFENCE" status
	[ "$status" -eq 125 ]
	[[ "$output" == *"CANNOT enforce"* ]]
	[[ "$output" == *"reason:"* ]]
	run "$BPFENCE" status --json
	[ "$status" -eq 125 ]
	echo "$output" | python3 -c '
import json, sys
s = json.load(sys.stdin)
assert s["can_enforce"] is False and s["reason"], s
assert s["loaded"] is False and isinstance(s["programs"], list) and "file_open" in s["programs"]
assert s["cgroup2"].startswith("/sys/fs/cgroup"), s'
}

@test "status finds cgroup2 where mountinfo says, not a hard-coded path" {
	run "$BPFENCE" status --json
	expected=$(cgroup2)
	echo "$output" | python3 -c "import json,sys; assert json.load(sys.stdin)['cgroup2'] == '$expected'"
}

@test "load fails closed on this host and leaves no pins behind" {
	can_enforce && fail_loudly "this host CAN enforce"
	run --separate-stderr "$BPFENCE" load
	[ "$status" -eq 125 ]
	[[ "$stderr" == "bpfence: this kernel cannot enforce: "* ]]
	[ ! -e /sys/fs/bpf/bpfence ]
}

@test "a refusal names the program the kernel refused; --debug shows libbpf's warnings, not its whole trace" {
	can_enforce && fail_loudly "this host CAN enforce"
	run "$BPFENCE" status --json
	[ "$status" -eq 125 ]
	echo "$output" | python3 -c '
import json, sys
s = json.load(sys.stdin)
assert "file_open" in s["reason"], s["reason"]'
	run --separate-stderr "$BPFENCE" --debug load
	[ "$status" -eq 125 ]
	[[ "$stderr" == *"bpfence: this kernel cannot enforce: "*"file_open"* ]]
	# libbpf's informational trace (CO-RE relocations, map creation) stays out of --debug.
	[[ "$stderr" != *"relo #"* && "$stderr" != *"CO-RE relocations"* ]]
	[ ! -e /sys/fs/bpf/bpfence ]
}

@test "tag refuses on a kernel that cannot enforce and tags nothing" {
	can_enforce && fail_loudly "this host CAN enforce"
	# A child cgroup: the root itself is refused before anything else.
	local cg
	cg=$(cgroup2)/bpfence-host-test-$$
	mkdir -p "$cg"
	run --separate-stderr "$BPFENCE" tag --policy "$REPO/policies/function.policy" "$cg"
	rmdir "$cg"
	[ "$status" -eq 125 ]
	[[ "$stderr" == "bpfence: this kernel cannot enforce: "* ]]
}

@test "tag: a path outside the cgroup2 hierarchy is refused" {
	run --separate-stderr "$BPFENCE" tag --policy "$REPO/policies/function.policy" /etc
	[ "$status" -eq 1 ]
	[ "$stderr" = "bpfence: bad cgroup: /etc: not inside the cgroup2 hierarchy" ]
}

@test "unload with nothing loaded is harmless" {
	run "$BPFENCE" unload
	[ "$status" -eq 0 ]
}

@test "as non-root: run and sandbox without a reachable bpfenced, and load, are refused with a clear reason (exit 125)" {
	# A copy nobody can reach whatever the permissions of the checkout's parents are.
	dir=$(mktemp -d /tmp/bft-host-XXXXXX)
	chmod 755 "$dir"
	cp "$BPFENCE" "$REPO/policies/function.policy" "$dir/"
	# Not root: run and sandbox go through bpfenced's socket; none there is said, never
	# run unenforced.
	BPFENCE_SOCKET=$dir/none run --separate-stderr setpriv --reuid=65534 --regid=65534 \
		--clear-groups "$dir/bpfence" run --policy function -- true
	[ "$status" -eq 125 ]
	[ "$stderr" = "bpfence: cannot reach bpfenced: $dir/none: No such file or directory (not root, and bpfenced is not running)" ]
	BPFENCE_SOCKET=$dir/none run --separate-stderr setpriv --reuid=65534 --regid=65534 \
		--clear-groups "$dir/bpfence" sandbox create --policy function
	[ "$status" -eq 125 ]
	[[ "$stderr" == "bpfence: cannot reach bpfenced: $dir/none: "* ]]
	# A socket the caller may not connect to.
	python3 -c 'import socket,sys; s=socket.socket(socket.AF_UNIX); s.bind(sys.argv[1])' "$dir/sock"
	chmod 600 "$dir/sock"
	BPFENCE_SOCKET=$dir/sock run --separate-stderr setpriv --reuid=65534 --regid=65534 \
		--clear-groups "$dir/bpfence" run --policy function -- true
	[ "$status" -eq 125 ]
	[ "$stderr" = "bpfence: cannot reach bpfenced: $dir/sock: Permission denied (not root, and not in the socket's group)" ]
	run --separate-stderr setpriv --reuid=65534 --regid=65534 --clear-groups "$dir/bpfence" load
	rm -rf "$dir"
	[ "$status" -eq 125 ]
	[[ "$stderr" == "bpfence: permission denied: "* ]]
}

@test "docs: README's and bpfence(8)'s exit statuses, docs/audit.md's hooks are the binary's (tools/docs-tables)" {
	run "$REPO/tools/docs-tables" --check "$BPFENCE"
	[ "$status" -eq 0 ] || fail_loudly "$output"
	# The check itself fails on a table that disagrees: a changed exit status, a hook that is
	# not documented.
	cp -r "$REPO/tools" "$REPO/README.md" "$REPO/docs" "$BATS_TEST_TMPDIR/"
	sed -i 's/^| 124 | run, sandbox exec |/| 123 | run, sandbox exec |/' "$BATS_TEST_TMPDIR/README.md"
	sed -i 's/^\.B 124$/.B 123/' "$BATS_TEST_TMPDIR/docs/man/bpfence.8"
	sed -i '/^| `task_prlimit` |/d' "$BATS_TEST_TMPDIR/docs/audit.md"
	run "$BATS_TEST_TMPDIR/tools/docs-tables" --check "$BPFENCE"
	[ "$status" -eq 1 ]
	[[ "$output" == *"stale:   | 123 | run, sandbox exec |"* ]]
	[[ "$output" == *"exit-codes table of docs/man/bpfence.8 differs"*"stale:   .B 123"* ]]
	[[ "$output" == *"missing: | \`task_prlimit\` | \`lsm/task_prlimit\` |"* ]]
}

@test "hooks: the programs of the built object are exactly the rows of bpf/hooks.h" {
	command -v llvm-objdump >/dev/null || skip "needs llvm-objdump (make deps)"
	run "$REPO/tools/check-hooks" "$REPO/.output/bpfence.bpf.o" "$BPFENCE"
	[ "$status" -eq 0 ] || fail_loudly "$output"
	# A row without a program, a program without a row: both named. (A bpfence whose list
	# lacks task_prlimit and has a made-up hook stands for an edit of only one side.)
	cat > "$BATS_TEST_TMPDIR/bpfence" <<-EOF
		#!/bin/sh
		"$BPFENCE" "\$@" | sed '/^task_prlimit	/d'
		printf 'made_up	lsm/made_up	made_up	required\n'
	EOF
	chmod +x "$BATS_TEST_TMPDIR/bpfence"
	run "$REPO/tools/check-hooks" "$REPO/.output/bpfence.bpf.o" "$BATS_TEST_TMPDIR/bpfence"
	[ "$status" -eq 1 ]
	[[ "$output" == *"program task_prlimit (lsm/task_prlimit) of "*" is not a row of bpf/hooks.h"* ]]
	[[ "$output" == *"bpf/hooks.h lists made_up (lsm/made_up), which "*" does not have"* ]]
}

@test "hooks: status --hooks lists every program once; audit names follow the enum" {
	run "$BPFENCE" status --hooks
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "$(printf 'program\tsection\thook\tneed')" ]
	# Unique program names; required and optional pins as status --json reports them.
	[ "$(printf '%s\n' "${lines[@]:1}" | cut -f1 | sort | uniq -d)" = "" ]
	json=$("$BPFENCE" status --json || true)
	required=$(printf '%s\n' "${lines[@]:1}" | awk -F'\t' '$4 == "required" {print $1}' | sort)
	[ "$required" = "$(echo "$json" | python3 -c 'import json,sys; print("\n".join(sorted(json.load(sys.stdin)["programs"])))')" ]
	[[ "$output" == *"$(printf 'msg_queue_alloc\tlsm/msg_queue_alloc_security\tmsg_queue_alloc_security\trequired')"* ]]
	[[ "$output" == *"$(printf 'file_ioctl_compat\tlsm/file_ioctl_compat\t-\toptional')"* ]]
}

@test "this kernel cannot enforce: every command that needs it exits 125 and names why" {
	can_enforce && fail_loudly "this host CAN enforce; the refusal test is meaningless here"
	[ "$(id -u)" -eq 0 ] || skip "as non-root the refusal is 'permission denied' (tested above)"
	local cg
	cg=$(cgroup2)/bpfence-host-test-$$
	mkdir -p "$cg"
	before=$(snapshot)
	for cmd in "load" "status" "selftest" "run --policy $REPO/policies/function.policy -- true" \
		"tag --policy $REPO/policies/function.policy $cg" "untag $cg"; do
		run --separate-stderr "$BPFENCE" $cmd
		[ "$status" -eq 125 ] || fail_loudly "bpfence $cmd: exit $status, not 125: $stderr"
		case $cmd in
		status) [[ "$output" == *"reason:   "?* ]] || fail_loudly "status: $output" ;;
		untag*) [[ "$stderr" == "bpfence: not loaded: "?* ]] || fail_loudly "untag: $stderr" ;;
		*) [[ "$stderr" == *"bpfence: this kernel cannot enforce: "*"BPF"* ]] ||
			fail_loudly "bpfence $cmd: $stderr" ;;
		esac
	done
	run --separate-stderr "$BPFENCE" oci-hook --policy-dir "$REPO/policies" createRuntime \
		<<<'{"id": "x", "pid": 1, "bundle": "/", "annotations": {"org.bpfence.policy": "function"}}'
	[ "$status" -eq 125 ]
	# The hook never loads the programs itself: it names what is missing.
	[[ "$stderr" == "bpfence: this kernel does not enforce yet: "*"not loaded"* ]]
	run --separate-stderr "$BPFENCED" --log "$BATS_TEST_TMPDIR/audit.jsonl"
	[ "$status" -eq 125 ]
	[[ "$stderr" == "bpfenced: this kernel cannot enforce: "*"BPF"* ]]
	rmdir "$cg"
	[ "$(snapshot)" = "$before" ]
}

@test "usage errors exit 2 from every command but run (125 there), bpfenced too" {
	for cmd in "load --bogus" "unload x" "status x" "tag" "untag" "policy" "policy check" \
		"audit --bogus" "oci-hook" "selftest x" "policy seccomp"; do
		run --separate-stderr "$BPFENCE" $cmd </dev/null
		[ "$status" -eq 2 ] || fail_loudly "bpfence $cmd: exit $status, not 2: $stderr"
		[[ "$stderr" == "bpfence: usage: "* ]] || fail_loudly "bpfence $cmd: $stderr"
	done
	run --separate-stderr "$BPFENCE" run --bogus -- true
	[ "$status" -eq 125 ]
	run --separate-stderr "$BPFENCED" --bogus
	[ "$status" -eq 2 ]
	run --separate-stderr "$BPFENCED" extra
	[ "$status" -eq 2 ]
	# Checked before anything is loaded: a bad value never half starts the daemon.
	for args in "--metrics 0" "--metrics 65536" "--metrics example.com:9477" "--metrics [::1:1" \
		"--metrics 127.0.0.1:" "--syslog-facility kern" "--syslog-rate 0" \
		"--syslog-rate 1e3" "--health-interval 0" "--health-interval 3601"; do
		run --separate-stderr "$BPFENCED" --log "$BATS_TEST_TMPDIR/a.jsonl" $args
		[ "$status" -eq 2 ] || fail_loudly "bpfenced $args: exit $status: $stderr"
		[[ "$stderr" == "bpfenced: usage: --${args%% *}"* || "$stderr" == "bpfenced: usage: ${args%% *}"* ]] ||
			fail_loudly "bpfenced $args: $stderr"
		[ ! -e "$BATS_TEST_TMPDIR/a.jsonl" ]
	done
}

@test "tag refuses the cgroup bpfence itself runs in, and its parents (exit 1)" {
	[ "$(id -u)" -eq 0 ] || skip "moves a process into a cgroup of its own: needs root"
	local cg
	cg=$(cgroup2)/bpfence-host-self-$$
	mkdir -p "$cg/inner"
	# bpfence started inside cg/inner: cg/inner and cg both hold it; nothing is tagged.
	for target in "$cg/inner" "$cg"; do
		run --separate-stderr sh -c 'echo $$ > "$1/inner/cgroup.procs" && exec "$2" tag \
			--policy "$3" "$4"' sh "$cg" "$BPFENCE" "$REPO/policies/function.policy" "$target"
		[ "$status" -eq 1 ] || { rmdir "$cg/inner" "$cg"; fail_loudly "$target: $status $stderr"; }
		[[ "$stderr" == "bpfence: refused: $target holds bpfence itself ($cg/inner)"* ]] ||
			{ rmdir "$cg/inner" "$cg"; fail_loudly "$stderr"; }
	done
	rmdir "$cg/inner" "$cg"
}

@test "run: a malformed or out-of-range number or size is a usage error (125), never wrapped" {
	# 17179869184G is 2^64 bytes: it used to be shifted past 64 bits (undefined behaviour).
	for v in 17179869184G 17179869183G -1 1e3 "" 0x10 99999999999999999999 " 1" 1GG 10Q; do
		for o in --memory-max --pids-max --disk-max --disk-inodes; do
			run --separate-stderr "$BPFENCE" run --policy "$REPO/policies/function.policy" \
				"$o" "$v" -- true
			[ "$status" -eq 125 ] || fail_loudly "$o '$v': exit $status"
			[[ "$stderr" == "bpfence: usage: bad $o '$v' (expected "* ]] ||
				fail_loudly "$o '$v': $stderr"
		done
	done
	# Below the minimum, past the kernel's maximum.
	for a in "--memory-max 1023K" "--pids-max 4194305" "--disk-max 1023K" "--disk-inodes 63" \
		"--disk-inodes 4294967296" "--pids-max 1K"; do
		run --separate-stderr "$BPFENCE" run --policy "$REPO/policies/function.policy" $a -- true
		[ "$status" -eq 125 ] || fail_loudly "$a: exit $status"
		[[ "$stderr" == "bpfence: usage: bad ${a% *} '${a#* }' (expected "* ]] || fail_loudly "$a: $stderr"
	done
	for u in -1 4294967295 99999999999999999999 "1:-1" " 1"; do
		run --separate-stderr "$BPFENCE" run --policy "$REPO/policies/function.policy" --user "$u" -- true
		[ "$status" -eq 125 ] || fail_loudly "--user '$u': exit $status"
		[[ "$stderr" == "bpfence: bad --user: $u: "* ]] || fail_loudly "--user '$u': $stderr"
	done
}

@test "run: well-formed numbers and sizes get past option parsing" {
	can_enforce && skip "would run the command"
	for a in "--memory-max 0" "--memory-max 1M" "--memory-max 8G" "--pids-max 0" \
		"--pids-max 4194304" "--disk-max 1T" "--disk-inodes 64" "--timeout 0.5" "--user 0:0"; do
		run --separate-stderr "$BPFENCE" run --policy "$REPO/policies/function.policy" $a -- true
		[ "$status" -eq 125 ]
		[[ "$stderr" != *"usage"* && "$stderr" != *"bad --"* ]] || fail_loudly "$a: $stderr"
	done
}
