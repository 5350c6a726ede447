// SPDX-License-Identifier: GPL-2.0-only
/*
 * The second layer: a seccomp filter loaded right before exec. The LSM programs decide on
 * objects; this filter removes kernel interfaces a restricted function never needs, so a hole in
 * one of them (or a hook a kernel lacks) is not an escape by itself.
 *
 * Default allow, deny-listed calls fail with EPERM. Only the native ABI is accepted: a 32-bit
 * (int 0x80) or x32 call kills the process, so no deny rule can be dodged through another
 * syscall table. clone3 returns ENOSYS (its flags are behind a pointer seccomp cannot read) and
 * libc falls back to clone, whose namespace flags are checked.
 *
 * Groups a policy may permit ([syscalls] permit = ...): io_uring, ptrace, perf_event_open,
 * userfaultfd, keyctl. Everything else here is denied whatever the policy says. Under
 * mode = audit the permit-able groups are only logged (kernel audit log), like the LSM side.
 */
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>

#include <seccomp.h>

#include "cli.h"

/* Denied for every restricted function: mounts, modules, kexec, BPF, namespaces, handles that
 * bypass path checks, host-wide knobs. */
static const char *const always_denied[] = {
	"bpf",          "mount",        "umount2",        "pivot_root",   "move_mount",
	"open_tree",    "fsopen",       "fsconfig",       "fsmount",      "fspick",
	"mount_setattr", "open_by_handle_at", "name_to_handle_at", "kexec_load",
	"kexec_file_load", "init_module", "finit_module",  "delete_module", "reboot",
	"swapon",       "swapoff",      "syslog",         "acct",         "quotactl",
	"quotactl_fd",  "unshare",      "setns",          "chroot",       "iopl",
	"ioperm",       "lookup_dcookie", "vhangup",      "settimeofday", "clock_settime",
	"clock_adjtime", "adjtimex",    "sethostname",    "setdomainname", "nfsservctl",
	"uselib",       "fanotify_init", "landlock_create_ruleset",
	/* Extended attributes can carry security labels and capabilities: a function may not set
	 * or remove any (the inode_*xattr hooks also hold them to the write set). */
	"setxattr",     "lsetxattr",    "fsetxattr",      "removexattr",  "lremovexattr",
	"fremovexattr",
};

static const struct {
	unsigned int group;
	const char *const calls[6];
} groups[] = {
	{ POLICY_SYSCALLS_IO_URING, { "io_uring_setup", "io_uring_enter", "io_uring_register" } },
	{ POLICY_SYSCALLS_PTRACE,
	  { "ptrace", "process_vm_readv", "process_vm_writev", "kcmp", "pidfd_getfd" } },
	{ POLICY_SYSCALLS_PERF, { "perf_event_open" } },
	{ POLICY_SYSCALLS_USERFAULTFD, { "userfaultfd" } },
	{ POLICY_SYSCALLS_KEYCTL, { "keyctl", "add_key", "request_key" } },
};

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

static int deny_call(scmp_filter_ctx ctx, const char *name, uint32_t action, char *why, size_t n)
{
	int nr = seccomp_syscall_resolve_name(name);
	int r;

	if (nr == __NR_SCMP_ERROR)
		return 0; /* not on this architecture */
	r = seccomp_rule_add(ctx, action, nr, 0);
	if (r && r != -EEXIST) {
		snprintf(why, n, "seccomp rule for %s: %s", name, strerror(-r));
		return r;
	}
	return 0;
}

void *seccomp_build(const struct policy *p, char *why, size_t n)
{
	static const unsigned long ns_flags[] = { CLONE_NEWNS,  CLONE_NEWCGROUP, CLONE_NEWUTS,
						  CLONE_NEWIPC, CLONE_NEWUSER,   CLONE_NEWPID,
						  CLONE_NEWNET, CLONE_NEWTIME };
	uint32_t soft = p->mode == POLICY_MODE_AUDIT ? SCMP_ACT_LOG : SCMP_ACT_ERRNO(EPERM);
	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
	int r = 0;

	why[0] = 0;
	if (!ctx) {
		snprintf(why, n, "seccomp_init failed");
		return NULL;
	}
	/* Non-native ABIs (i386, x32) are not in the filter: the kernel kills the process. */
	r = seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_KILL_PROCESS);
	if (r)
		goto fail;
	/* Every refusal of this layer is a kernel audit record (type=1326 SECCOMP, with comm, pid
	 * and syscall number) where kernel auditing is on (auditd, or audit=1): the denials the
	 * BPF programs never see are on the record too. Kernels without the flag still enforce. */
	if (seccomp_attr_set(ctx, SCMP_FLTATR_CTL_LOG, 1) && cli.debug)
		fprintf(stderr, "%s: debug: seccomp: no SECCOMP_FILTER_FLAG_LOG here\n", cli.prog);
	for (size_t i = 0; i < sizeof(always_denied) / sizeof(always_denied[0]) && !r; i++)
		r = deny_call(ctx, always_denied[i], SCMP_ACT_ERRNO(EPERM), why, n);
	for (size_t g = 0; g < sizeof(groups) / sizeof(groups[0]) && !r; g++) {
		if (p->syscalls_permit & groups[g].group)
			continue;
		for (size_t c = 0; c < 6 && groups[g].calls[c] && !r; c++)
			r = deny_call(ctx, groups[g].calls[c], soft, why, n);
	}
	/* clone with any namespace flag: a new user namespace would hand out capabilities. */
	for (size_t i = 0; i < sizeof(ns_flags) / sizeof(ns_flags[0]) && !r; i++)
		r = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(clone), 1,
				     SCMP_A0(SCMP_CMP_MASKED_EQ, ns_flags[i], ns_flags[i]));
	if (!r)
		r = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(clone3), 0);
	/* TIOCSTI/TIOCLINUX push input into the terminal bpfence was started from. The
	 * comparison is on the low 32 bits: the kernel reads cmd as unsigned int. */
	if (!r)
		r = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(ioctl), 1,
				     SCMP_A1(SCMP_CMP_MASKED_EQ, 0xffffffffu, TIOCSTI));
	if (!r)
		r = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(ioctl), 1,
				     SCMP_A1(SCMP_CMP_MASKED_EQ, 0xffffffffu, TIOCLINUX));
	if (!r)
		return ctx;
fail:
	if (!why[0])
		snprintf(why, n, "seccomp: %s", strerror(-r));
	seccomp_release(ctx);
	return NULL;
}
