#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-only
# bpfence oci-hook on the host: input handling and failing closed. Enforcement with real runtimes
# is tests/vm/oci.bats.

load helpers

state() {
	printf '{"ociVersion": "1.0.2", "id": "c1", "status": "creating", "pid": %s, "bundle": "%s", "annotations": {%s}}' \
		"${2:-1}" "$BATS_TEST_TMPDIR" "$1"
}

@test "oci-hook --help names the stages and the annotation" {
	run "$BPFENCE" oci-hook --help
	[ "$status" -eq 0 ]
	[[ ${lines[0]} == "Usage: bpfence oci-hook"* ]]
	[[ $output == *createRuntime* && $output == *poststop* && $output == *org.bpfence.policy* ]]
	[[ $output == *"Example"* ]]
}

@test "oci-hook: a container without the annotation is left alone (exit 0, no output)" {
	run --separate-stderr "$BPFENCE" oci-hook createRuntime < <(state '"other": "x"')
	[ "$status" -eq 0 ]
	[ -z "$output" ] && [ -z "$stderr" ]
}

@test "oci-hook: a policy name that is a path, or not a string, is refused (the container must not start)" {
	local bad
	for bad in '"org.bpfence.policy": "../etc/passwd"' '"org.bpfence.policy": "/abs"' \
		'"org.bpfence.policy": ""' '"org.bpfence.policy": 7' '"org.bpfence.policy": ".hidden"'; do
		run --separate-stderr "$BPFENCE" oci-hook createRuntime < <(state "$bad")
		[ "$status" -ne 0 ]
		[[ $stderr == "bpfence: bad annotation: "* ]]
	done
}

@test "oci-hook: state that is not a JSON object, or lacks an id, is refused" {
	run --separate-stderr "$BPFENCE" oci-hook createRuntime <<<'not json'
	[ "$status" -ne 0 ]
	[[ $stderr == *"not a JSON object (column 1"* ]]
	run --separate-stderr "$BPFENCE" oci-hook createRuntime <<<'{"pid": 1, "annotations": {"org.bpfence.policy": "function"}}'
	[ "$status" -ne 0 ]
	[[ $stderr == *"no id"* ]]
	run --separate-stderr "$BPFENCE" oci-hook createRuntime < <(head -c 2000000 /dev/zero | tr '\0' ' ')
	[ "$status" -ne 0 ]
	[[ $stderr == *"larger than"* ]]
}

@test "oci-hook: an unknown stage is a usage error" {
	run --separate-stderr "$BPFENCE" oci-hook startContainer </dev/null
	[ "$status" -eq 2 ]
	[[ $stderr == *"unknown stage 'startContainer'"* ]]
}

@test "oci-hook: on a host whose kernel does not enforce, an annotated container is refused (exit 125)" {
	can_enforce && fail "this host can enforce: run the VM suite for this case"
	run --separate-stderr "$BPFENCE" oci-hook --policy-dir "$REPO/policies" createRuntime \
		< <(state '"org.bpfence.policy": "function"')
	[ "$status" -eq 125 ]
	[[ $stderr == "bpfence: this kernel "* ]]
}

@test "oci-hook: poststop of a container it never restricted succeeds" {
	run "$BPFENCE" oci-hook poststop <<<'{"id": "never-seen"}'
	[ "$status" -eq 0 ]
}

@test "tag refuses the cgroup root" {
	local root
	root=$(awk '$9 == "cgroup2" {print $5; exit}' /proc/self/mountinfo)
	run --separate-stderr "$BPFENCE" tag --policy "$REPO/policies/function.policy" "$root"
	[ "$status" -eq 1 ]
	[[ $stderr == *"is the cgroup root"* ]]
}

@test "tag: --from-exec and --strict exclude each other" {
	run --separate-stderr "$BPFENCE" tag --from-exec --strict --policy "$REPO/policies/function.policy" x
	[ "$status" -eq 2 ]
	[[ $stderr == *"exclude each other"* ]]
}
