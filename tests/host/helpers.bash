# SPDX-License-Identifier: GPL-2.0-only
bats_require_minimum_version 1.5.0
REPO=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
BPFENCE="${BPFENCE:-$REPO/.output/bpfence}"
# The daemon of the normal build (the ASan pass builds only bpfence).
BPFENCED="${BPFENCED:-$REPO/.output/bpfenced}"

# Does this kernel enforce? The refusal tests must not pass by accident on one that does.
can_enforce() { "$BPFENCE" status >/dev/null 2>&1; }

fail_loudly() {
	echo "$*" >&2
	return 1
}

# The cgroup2 mount, as mountinfo says (never hard-coded).
cgroup2() { awk '$0 ~ / - cgroup2 / {print $5; exit}' /proc/self/mountinfo; }

# What bpfence could leave behind: invocation cgroups, scratch dirs, pins.
snapshot() {
	ls -d "$(cgroup2)"/bpfence/* /tmp/bpfence-* /sys/fs/bpf/bpfence 2>/dev/null | sort
}
