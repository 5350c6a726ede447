#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-only
# The Debian package (make deb, .output/deb/bpfence.deb) works as installed: its files are
# unpacked with dpkg-deb (the VM's root is the host's, read-only, so dpkg -i cannot run here)
# into a tmpfs directory, and tools/demo runs on them: the package's bpfence and bpfenced, and
# the package's function.policy, with the denials in the package's bpfenced's log. A missing
# .deb FAILS this file (make test-vm builds it first): a package that was not tested never
# passes.

load helpers

DEB=$REPO/.output/deb/bpfence.deb
PKG=$FENCE_TMP/deb

setup_file() {
	[[ -f $DEB ]] || fail "no $DEB: run 'make deb' first (make test-vm does);" \
		"the package cannot be tested: FAIL, not skip"
	fence_setup_file
	rm -rf "$PKG"
	mkdir -p "$PKG"
	dpkg-deb -x "$DEB" "$PKG"
}

teardown_file() {
	rm -rf "$PKG" /tmp/demo "$BROKER_SOCK"
}

@test "deb: tools/demo on the package's binaries, policy and daemon: the function's work done, the rest denied and logged" {
	version=$(cat "$REPO/VERSION")
	[ "$("$PKG/usr/sbin/bpfence" --version)" = "bpfence $version" ]
	[ "$("$PKG/usr/sbin/bpfenced" --version)" = "bpfenced $version" ]
	log=$BATS_TEST_TMPDIR/audit.jsonl
	run --separate-stderr env BPFENCE="$PKG/usr/sbin/bpfence" BPFENCED="$PKG/usr/sbin/bpfenced" \
		BPFENCE_POLICY="$PKG/usr/share/bpfence/policies/function.policy" \
		BPFENCE_DEMO_LOG="$log" "$REPO/tools/demo"
	echo "$output"
	echo "$stderr" >&2
	[ "$status" -eq 0 ]
	# The run used the package's policy file, and the function's own work went through.
	[[ $output == *"--policy $PKG/usr/share/bpfence/policies/function.policy"* ]]
	[[ $output == *"ALLOWED  fib(10): 55"* ]]
	[[ $output == *"ALLOWED  write its scratch dir: 55"* ]]
	[[ $output == *"ALLOWED  start an installed program (sort): a b"* ]]
	[[ $output == *"ALLOWED  read its own cgroup's memory.max: max"* ]]
	[[ $output == *"DENIED   run a program it wrote (a copy of /bin/true in TMPDIR): [13] "* ]]
	# What function.policy does not grant was refused by the kernel, with the errno.
	[[ $output == *"DENIED   connect 192.0.2.1:443 (the internet): [1] "* ]]
	[[ $output == *"DENIED   the broker socket: "* ]]
	[[ $output == *"DENIED   read /etc/shadow: [13] "* ]]
	[[ $output == *"DENIED   read another tenant's code: [13] "* ]]
	[[ $output == *"exit status: 0"* ]]
	# The negative control: outside bpfence the broker answers.
	[[ $output == *"broker said: queue-token-SECRET"* ]]
	# The package's bpfenced logged the denials, with the policy's name.
	python3 - "$log" <<'PY'
import json, sys
records = [json.loads(line) for line in open(sys.argv[1])]
assert any(r.get("event") == "denial" and r.get("policy") == "function"
           and r.get("path") == "/etc/shadow" for r in records), records
PY
	if [[ $output == *"ALLOWED  read /etc/shadow"* || $output == *"ALLOWED  the broker"* ]]; then
		fail "the package's bpfence let through what function.policy denies"
	fi
}
