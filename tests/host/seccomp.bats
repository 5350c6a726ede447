#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-only
# bpfence policy seccomp: the seccomp layer of `bpfence run` as an OCI seccomp profile. What the
# profile says (read with a real JSON parser), that runtimes loading it get exactly run's filter,
# and that the runtimes installed here (runc, crun) run containers under it and deny what run
# denies with the same errnos, each next to its negative control: the same container without the
# profile. No BPF-LSM needed: this is the seccomp layer alone.

load helpers

PROBE="$REPO/.output/tests/probe"
LOAD_PFC="$REPO/tests/helpers/oci-seccomp-pfc"

# The policy-independent contract of the layer (policies/README.md, [syscalls]): checked here
# against what the command prints, not copied into it.
export ALWAYS_DENIED="bpf mount umount2 pivot_root move_mount open_tree fsopen fsconfig fsmount
fspick mount_setattr open_by_handle_at name_to_handle_at kexec_load kexec_file_load init_module
finit_module delete_module reboot swapon swapoff syslog acct quotactl quotactl_fd unshare setns
chroot iopl ioperm lookup_dcookie vhangup settimeofday clock_settime clock_adjtime adjtimex
sethostname setdomainname nfsservctl uselib fanotify_init landlock_create_ruleset setxattr
lsetxattr fsetxattr removexattr lremovexattr fremovexattr"
export GROUPS_JSON='{"io_uring": ["io_uring_setup", "io_uring_enter", "io_uring_register"],
"ptrace": ["ptrace", "process_vm_readv", "process_vm_writev", "kcmp", "pidfd_getfd"],
"perf_event_open": ["perf_event_open"], "userfaultfd": ["userfaultfd"],
"keyctl": ["keyctl", "add_key", "request_key"]}'

# A policy: mode, then the groups it permits.
policy() {
	local f="$BATS_TEST_TMPDIR/$1-$(echo "${@:2}" | tr ' ' -).policy"
	printf '[policy]\nname = t\nmode = %s\n' "$1" > "$f"
	[ $# -gt 1 ] && printf '[syscalls]\npermit = %s\n' "${*:2}" >> "$f"
	echo "$f"
}

# Python reading a profile from stdin as `p`, with `known(name)`: does this libseccomp resolve
# the call (both forms leave out those it does not).
check_profile() {
	python3 -c '
import ctypes, json, os, sys
lib = ctypes.CDLL("libseccomp.so.2")
known = lambda n: lib.seccomp_syscall_resolve_name(n.encode()) != -1
p = json.load(sys.stdin)
always = [n for n in os.environ["ALWAYS_DENIED"].split() if known(n)]
groups = {g: [n for n in c if known(n)] for g, c in json.loads(os.environ["GROUPS_JSON"]).items()}
plain = lambda e: "args" not in e
entries = lambda name: [e for e in p["syscalls"] if name in e["names"]]
'"$1"
}

@test "policy seccomp: an OCI profile, default allow, the native ABI alone, no flags, spec keys only" {
	run --separate-stderr "$BPFENCE" policy seccomp "$REPO/policies/function.policy"
	[ "$status" -eq 0 ]
	export ARCH=$(uname -m)
	echo "$output" | check_profile '
native = {"x86_64": "SCMP_ARCH_X86_64", "aarch64": "SCMP_ARCH_AARCH64"}[os.environ["ARCH"]]
assert p["defaultAction"] == "SCMP_ACT_ALLOW", p["defaultAction"]
assert p["architectures"] == [native], p["architectures"]
assert set(p) == {"defaultAction", "architectures", "syscalls"}, set(p)
for e in p["syscalls"]:
    assert set(e) <= {"names", "action", "errnoRet", "args"} and e["names"], e
    assert e["action"] in ("SCMP_ACT_ERRNO", "SCMP_ACT_LOG"), e
    assert ("errnoRet" in e) == (e["action"] == "SCMP_ACT_ERRNO"), e
    assert all(known(n) for n in e["names"]), e
    # One condition per entry: runc and crun make a rule of each condition on one argument.
    assert len(e.get("args", [])) <= 1, e'
}

@test "policy seccomp: every always-denied call fails with EPERM (errnoRet 1), whatever the policy permits" {
	for f in "$REPO/policies/function.policy" "$(policy audit)" \
		"$(policy enforce io_uring ptrace perf_event_open userfaultfd keyctl)"; do
		"$BPFENCE" policy seccomp "$f" | check_profile '
assert len(always) > 40, always
for n in always:
    es = entries(n)
    assert len(es) == 1 and plain(es[0]), (n, es)
    assert es[0]["action"] == "SCMP_ACT_ERRNO" and es[0]["errnoRet"] == 1, (n, es)'
	done
}

@test "policy seccomp: clone with a namespace flag EPERM (masked-eq on arg 0), clone3 ENOSYS (38), TIOCSTI/TIOCLINUX EPERM" {
	"$BPFENCE" policy seccomp "$(policy audit)" | check_profile '
flags = {0x00020000, 0x02000000, 0x04000000, 0x08000000, 0x10000000, 0x20000000, 0x40000000,
         0x80}  # NEWNS NEWCGROUP NEWUTS NEWIPC NEWUSER NEWPID NEWNET NEWTIME
clone = entries("clone")
assert all(e["action"] == "SCMP_ACT_ERRNO" and e["errnoRet"] == 1 for e in clone), clone
# For SCMP_CMP_MASKED_EQ runc and crun pass value as the mask, valueTwo as the datum.
args = [e["args"] for e in clone]
assert sorted(args, key=str) == sorted([[{"index": 0, "value": f, "valueTwo": f,
    "op": "SCMP_CMP_MASKED_EQ"}] for f in flags], key=str), args
assert [(e["action"], e["errnoRet"], plain(e)) for e in entries("clone3")] == \
    [("SCMP_ACT_ERRNO", 38, True)], entries("clone3")
ioctl = [(e["action"], e["errnoRet"], e["args"]) for e in entries("ioctl")]
assert sorted(ioctl, key=str) == sorted([("SCMP_ACT_ERRNO", 1, [{"index": 1, "value": 0xffffffff,
    "valueTwo": cmd, "op": "SCMP_CMP_MASKED_EQ"}]) for cmd in (0x5412, 0x541C)], key=str), ioctl'
}

@test "policy seccomp: enforce denies the permit-able groups with EPERM, audit only logs them (SCMP_ACT_LOG)" {
	"$BPFENCE" policy seccomp "$REPO/policies/function.policy" | check_profile '
for g, calls in groups.items():
    for n in calls:
        assert [(e["action"], e.get("errnoRet")) for e in entries(n)] == [("SCMP_ACT_ERRNO", 1)], n'
	"$BPFENCE" policy seccomp "$REPO/policies/examples/audit.policy" | check_profile '
for g, calls in groups.items():
    for n in calls:
        es = entries(n)
        assert len(es) == 1 and es[0]["action"] == "SCMP_ACT_LOG" and "errnoRet" not in es[0], es
for n in always:
    assert entries(n)[0]["action"] == "SCMP_ACT_ERRNO", n'
}

@test "policy seccomp: a group the policy permits has no entry (io_uring), the others keep theirs" {
	"$BPFENCE" policy seccomp "$(policy enforce io_uring)" | check_profile '
for n in groups["io_uring"]:
    assert not entries(n), entries(n)
for g, calls in groups.items():
    if g != "io_uring":
        assert all(len(entries(n)) == 1 for n in calls), g'
	"$BPFENCE" policy seccomp "$(policy audit io_uring keyctl)" | check_profile '
assert not any(entries(n) for n in groups["io_uring"] + groups["keyctl"])
assert entries("ptrace")[0]["action"] == "SCMP_ACT_LOG"'
}

@test "policy seccomp: the profile, loaded as runc and crun load it, is run's filter exactly (libseccomp PFC)" {
	for f in "$REPO/policies/function.policy" "$REPO/policies/examples/audit.policy" \
		"$(policy enforce io_uring)" "$(policy audit ptrace keyctl)" \
		"$(policy enforce io_uring ptrace perf_event_open userfaultfd keyctl)"; do
		"$BPFENCE" policy seccomp --pfc "$f" > "$BATS_TEST_TMPDIR/run.pfc"
		"$BPFENCE" policy seccomp "$f" | "$LOAD_PFC" --badarch-kill-process > "$BATS_TEST_TMPDIR/oci.pfc"
		grep -q 'action ERRNO(1);' "$BATS_TEST_TMPDIR/run.pfc"
		diff -u "$BATS_TEST_TMPDIR/run.pfc" "$BATS_TEST_TMPDIR/oci.pfc"
	done
	# The one difference a profile cannot avoid: runtimes kill the thread on another ABI.
	"$BPFENCE" policy seccomp --pfc "$REPO/policies/function.policy" > "$BATS_TEST_TMPDIR/run.pfc"
	"$BPFENCE" policy seccomp "$REPO/policies/function.policy" | "$LOAD_PFC" > "$BATS_TEST_TMPDIR/oci.pfc"
	run diff "$BATS_TEST_TMPDIR/run.pfc" "$BATS_TEST_TMPDIR/oci.pfc"
	[ "$status" -eq 1 ]
	[ "${#lines[@]}" -eq 4 ]
	[ "${lines[1]}" = "< action KILL_PROCESS;" ]
	[ "${lines[3]}" = "> action KILL;" ]
}

@test "policy seccomp --output writes what stdout gets; --log-flag adds SECCOMP_FILTER_FLAG_LOG" {
	run --separate-stderr "$BPFENCE" policy seccomp --output "$BATS_TEST_TMPDIR/p.json" "$REPO/policies/function.policy"
	[ "$status" -eq 0 ]
	[ "$output" = "bpfence: wrote the seccomp profile of policy function to $BATS_TEST_TMPDIR/p.json" ]
	diff "$BATS_TEST_TMPDIR/p.json" <("$BPFENCE" policy seccomp "$REPO/policies/function.policy")
	"$BPFENCE" policy seccomp --log-flag "$REPO/policies/function.policy" | check_profile '
assert p["flags"] == ["SECCOMP_FILTER_FLAG_LOG"], p'
}

@test "policy seccomp: a policy error names file:line:column, exits 1, and leaves no output file" {
	printf '[policy]\nname = x\nmode = enfroce\n' > "$BATS_TEST_TMPDIR/bad.policy"
	run --separate-stderr "$BPFENCE" policy seccomp --output "$BATS_TEST_TMPDIR/p.json" "$BATS_TEST_TMPDIR/bad.policy"
	[ "$status" -eq 1 ]
	[ -z "$output" ]
	[[ "$stderr" == "bpfence: invalid policy: $BATS_TEST_TMPDIR/bad.policy:3:8: "* ]]
	[ ! -e "$BATS_TEST_TMPDIR/p.json" ]
	run --separate-stderr "$BPFENCE" policy seccomp
	[ "$status" -eq 2 ]
	[ "$stderr" = "bpfence: usage: policy seccomp needs one FILE (see --help)" ]
	run --separate-stderr "$BPFENCE" --json policy seccomp --pfc "$REPO/policies/function.policy"
	[ "$status" -eq 2 ]
	echo "$stderr" | python3 -c 'import json, sys; assert "--pfc" in json.load(sys.stdin)["error"]'
}

@test "policy seccomp --help: usage line and example" {
	run "$BPFENCE" policy seccomp --help
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" == "Usage: bpfence policy seccomp "* ]]
	[[ "$output" == *"Example:"* ]]
	run "$BPFENCE" policy --help
	[[ "$output" == *"bpfence policy seccomp "* ]]
}

# ---- the runtimes ----------------------------------------------------------------------------
#
# A container whose rootfs is busybox and the (static) probe, from `runc spec`'s config with the
# command set and the profile under linux.seccomp, run by runc and by crun.

setup_file() {
	[ "$(id -u)" -eq 0 ] || return 0
	command -v runc >/dev/null && command -v crun >/dev/null || return 0
	local root="$BATS_FILE_TMPDIR/rootfs"
	mkdir -p "$root/bin" "$BATS_FILE_TMPDIR/spec"
	cp /bin/busybox "$root/bin/busybox"
	ln -s busybox "$root/bin/sh"
	cp "$PROBE" "$root/probe"
	(cd "$BATS_FILE_TMPDIR/spec" && runc spec)
	"$BPFENCE" policy seccomp --output "$BATS_FILE_TMPDIR/function.json" "$REPO/policies/function.policy"
}

need_runtimes() {
	[ "$(id -u)" -eq 0 ] || skip "runc and crun need root here"
	command -v runc >/dev/null && command -v crun >/dev/null || skip "runc or crun is not installed"
}

# crun 1.8 refuses a hybrid cgroup layout (v1 controllers, v2 at /sys/fs/cgroup/unified): there
# it runs in a mount namespace whose /sys/fs/cgroup is the v2 mount, making no cgroup of its own
# (--cgroup-manager=disabled). What is tested is the profile, not cgroups.
crun_run() {
	if [ "$(stat -f -c %T /sys/fs/cgroup)" = cgroup2fs ]; then
		timeout 60 crun "$@"
		return
	fi
	timeout 60 unshare -m sh -c 'mount --make-rprivate / && mount --bind "$0" /sys/fs/cgroup &&
		exec crun --cgroup-manager=disabled "$@"' "$(cgroup2)" "$@"
}

# oci RUNTIME PROFILE|none CMD...: run CMD in a fresh container; its stdout, its exit status.
oci() {
	local rt=$1 prof=$2 dir id
	shift 2
	dir=$(mktemp -d "$BATS_TEST_TMPDIR/bundle-XXXXXX")
	id="bpfence-bats-$$-${dir##*/bundle-}"
	python3 - "$BATS_FILE_TMPDIR/spec/config.json" "$BATS_FILE_TMPDIR/rootfs" "$prof" "$@" \
		> "$dir/config.json" <<-'EOF'
		import json, sys
		spec, rootfs, prof, args = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
		c = json.load(open(spec))
		c["root"] = {"path": rootfs, "readonly": True}
		c["process"].update(terminal=False, args=args)
		if prof != "none":
		    c["linux"]["seccomp"] = json.load(open(prof))
		json.dump(c, sys.stdout)
		EOF
	case $rt in
	runc) timeout 60 runc run --bundle "$dir" "$id" </dev/null ;;
	crun) crun_run run --bundle "$dir" "$id" </dev/null ;;
	esac
}

teardown() {
	for id in $(runc list -q 2>/dev/null | grep "^bpfence-bats-$$-"); do runc delete -f "$id"; done
	for id in $(crun list -q 2>/dev/null | grep "^bpfence-bats-$$-"); do crun delete -f "$id"; done
	return 0
}

# expect RUNTIME PROFILE WANT CMD...: the container prints WANT (one line).
expect() {
	local rt=$1 prof=$2 want=$3
	shift 3
	run --separate-stderr oci "$rt" "$prof" "$@"
	[ "$output" = "$want" ] ||
		fail_loudly "$rt, profile $(basename "$prof"), $*: got '$output' (status $status, stderr '$stderr'), want '$want'"
}

@test "runc, crun: the container runs under the profile; a plain clone (fork) and exec work" {
	need_runtimes
	for rt in runc crun; do
		expect "$rt" none ok /probe clone-ns none
		expect "$rt" "$BATS_FILE_TMPDIR/function.json" ok /probe clone-ns none
		expect "$rt" "$BATS_FILE_TMPDIR/function.json" "ok 55" /bin/sh -c 'exec /probe fib 10'
	done
}

@test "runc, crun: unshare fails with EPERM under the profile (without it: ok)" {
	need_runtimes
	for rt in runc crun; do
		expect "$rt" none ok /probe unshare-user
		expect "$rt" "$BATS_FILE_TMPDIR/function.json" "EPERM unshare" /probe unshare-user
	done
}

@test "runc, crun: clone(CLONE_NEWUSER) fails with EPERM under the profile (without it: ok)" {
	need_runtimes
	for rt in runc crun; do
		expect "$rt" none ok /probe clone-ns user
		expect "$rt" "$BATS_FILE_TMPDIR/function.json" "EPERM clone" /probe clone-ns user
	done
}

@test "runc, crun: clone3 fails with ENOSYS under the profile (without it: ok)" {
	need_runtimes
	for rt in runc crun; do
		expect "$rt" none ok /probe clone3
		expect "$rt" "$BATS_FILE_TMPDIR/function.json" "ENOSYS clone3" /probe clone3
	done
}

@test "runc, crun: ioctl TIOCSTI fails with EPERM under the profile (without it: ENOTTY on /dev/null)" {
	need_runtimes
	for rt in runc crun; do
		expect "$rt" none "ENOTTY ioctl" /probe tiocsti
		expect "$rt" "$BATS_FILE_TMPDIR/function.json" "EPERM ioctl" /probe tiocsti
	done
}

@test "runc, crun: io_uring EPERM under function.policy; works where the policy permits it, and under mode = audit" {
	need_runtimes
	"$BPFENCE" policy seccomp --output "$BATS_TEST_TMPDIR/uring.json" "$(policy enforce io_uring)"
	"$BPFENCE" policy seccomp --output "$BATS_TEST_TMPDIR/audit.json" "$REPO/policies/examples/audit.policy"
	for rt in runc crun; do
		expect "$rt" none ok /probe uring openat /bin/busybox
		expect "$rt" "$BATS_FILE_TMPDIR/function.json" "EPERM io_uring_setup" /probe uring openat /bin/busybox
		expect "$rt" "$BATS_TEST_TMPDIR/uring.json" ok /probe uring openat /bin/busybox
		expect "$rt" "$BATS_TEST_TMPDIR/audit.json" ok /probe uring openat /bin/busybox
		# Audit mode softens the groups only.
		expect "$rt" "$BATS_TEST_TMPDIR/audit.json" "EPERM unshare" /probe unshare-user
	done
}

@test "runc, crun: a call through another ABI (x32; i386 int 0x80) is killed with SIGSYS under the profile" {
	need_runtimes
	[ "$(uname -m)" = x86_64 ] || skip "the foreign ABIs probed are x86_64's"
	for rt in runc crun; do
		# Without the profile: ENOSYS where the kernel has no x32, ok where it has.
		run --separate-stderr oci "$rt" none /probe abi x32
		[[ "$output" == "ENOSYS x32" || "$output" == "ok "* ]]
		expect "$rt" "$BATS_FILE_TMPDIR/function.json" "killed 159" /bin/sh -c '/probe abi x32; echo "killed $?"'
		run --separate-stderr oci "$rt" none /probe abi i386
		if [[ "$output" == "ok "* ]]; then
			expect "$rt" "$BATS_FILE_TMPDIR/function.json" "killed 159" /bin/sh -c '/probe abi i386; echo "killed $?"'
		fi
	done
}

@test "crun: a profile with --log-flag (SECCOMP_FILTER_FLAG_LOG) is accepted and still denies" {
	need_runtimes
	# Not runc 1.1: it refuses any "flags" ("seccomp flags are not yet supported by runc").
	"$BPFENCE" policy seccomp --log-flag --output "$BATS_TEST_TMPDIR/log.json" "$REPO/policies/function.policy"
	expect crun "$BATS_TEST_TMPDIR/log.json" "EPERM unshare" /probe unshare-user
	expect crun "$BATS_TEST_TMPDIR/log.json" ok /probe clone-ns none
}
