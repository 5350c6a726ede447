// SPDX-License-Identifier: GPL-2.0-only
/*
 * Tasks and the system around them: what a restricted task may do to other processes (signals,
 * ptrace and its relatives, nice, I/O priority, scheduling, page migration, prlimit), and to the
 * machinery that restricts it and to the host (bpf(), clone3 into another cgroup, mounts,
 * pivot_root, user namespaces, perf_event_open, TIOCSTI and TIOCLINUX). The system denials stand
 * under audit mode.
 *
 * Leaves to others: file system writes (files.bpf.h, whose fill_file_obj and fill_path name the
 * mount point in a mount's record), SysV IPC (ipc.bpf.h), arming credentials (arming.bpf.h),
 * the verdict and the records (common.bpf.h).
 */
#ifndef BPFENCE_TASKS_BPF_H
#define BPFENCE_TASKS_BPF_H

#include "common.bpf.h"
#include "files.bpf.h"

#define TIOCSTI 0x5412
#define TIOCLINUX 0x541C

#define CLONE_INTO_CGROUP 0x200000000ULL

/* bpf(): a tagged task could detach links or rewrite the maps that restrict it. The hook's
 * signature differs between kernels (a `bool kernel` argument before `ret` in some, not in
 * others: it came with BPF tokens in 6.9, and 6.12.y has it not). A variable ctx offset is
 * refused by the verifier, so there is one program per signature and the loader picks the one
 * matching the kernel's BTF. Variants are named HOOKPROG__VARIANT and share the pin HOOKPROG. */
static __always_inline int bpf_deny(int ret)
{
	struct verdict v;

	if (ret)
		return ret;
	if (!load_verdict(&v))
		return 0;
	return deny(&v, BPFENCE_HOOK_BPF, BPFENCE_CLASS_SYSTEM, EPERM, true, NULL);
}

BPFENCE_LSM("lsm/bpf", bpf_syscall, int cmd, union bpf_attr *attr, unsigned int size, int ret)
{
	return bpf_deny(ret);
}

BPFENCE_LSM("?lsm/bpf", bpf_syscall__kernel_arg, int cmd, union bpf_attr *attr, unsigned int size, bool kernel,
	     int ret)
{
	return bpf_deny(ret);
}

/* clone3(CLONE_INTO_CGROUP) would start a child in a cgroup of the caller's choosing, outside
 * the invocation; opening cgroupfs is already denied, but an fd could come from elsewhere. */
BPFENCE_LSM("lsm/task_alloc", task_alloc, struct task_struct *task, unsigned long clone_flags, int ret)
{
	struct verdict v;

	if (ret)
		return ret;
	if (!(clone_flags & CLONE_INTO_CGROUP))
		return 0;
	if (!load_verdict(&v))
		return 0;
	return deny(&v, BPFENCE_HOOK_TASK_ALLOC, BPFENCE_CLASS_SYSTEM, EPERM, true, NULL);
}

static __always_inline int task_deny(const struct verdict *v, int hook, struct task_struct *p,
				     int sig)
{
	struct bpfence_event *e = scratch_event();

	if (e) {
		e->object = BPFENCE_OBJ_TASK;
		e->ino = BPF_CORE_READ(p, tgid);
		e->mask = sig;
	}
	return deny(v, hook, BPFENCE_CLASS_TASK, EPERM, false, e);
}

/* Signals only inside the invocation: a function running as root could otherwise kill(-1)
 * every process on the host, or the bpfence process that enforces its timeout. Signals the
 * kernel itself sends (SIGCHLD to the parent, SIGPIPE) do not pass this hook. */
BPFENCE_LSM("lsm/task_kill", task_kill, struct task_struct *p, struct kernel_siginfo *info, int sig,
	     const struct cred *cred, int ret)
{
	struct verdict v;

	if (ret)
		return ret;
	if (!load_verdict(&v))
		return 0;
	if (same_invocation(&v, p))
		return 0;
	return task_deny(&v, BPFENCE_HOOK_TASK_KILL, p, sig);
}

/* Is task p in a tagged cgroup whose tag does not apply to it yet (a runner's setup)? */
static __always_inline bool pending(struct task_struct *p)
{
	__u64 cg = BPF_CORE_READ(p, cgroups, dfl_cgrp, kn, id);
	const struct bpfence_tag *t = bpf_map_lookup_elem(&tags, &cg);

	return t && !task_armed(t->flags, p);
}

/* ptrace, /proc/PID/mem, process_vm_*, pidfd_getfd: only on the invocation's own processes. */
BPFENCE_LSM("lsm/ptrace_access_check", ptrace_access_check, struct task_struct *child, unsigned int mode, int ret)
{
	struct verdict v;

	if (ret)
		return ret;
	if (!load_verdict(&v))
		return 0;
	/* Not a runner's setup process that is not armed yet (`runc exec` between joining the
	 * cgroup and its execve): code injected there would run unrestricted. */
	if (same_invocation(&v, child) && !pending(child))
		return 0;
	return task_deny(&v, BPFENCE_HOOK_PTRACE, child, 0);
}

/*
 * Mounts and namespaces (SECURITY row 5). A tagged task may not mount, unmount, move or attach a
 * mount, pivot_root, or create a user namespace (the one way to hold CAP_SYS_ADMIN again after
 * bpfence dropped every capability). security_sb_mount runs before the capability check, so the
 * hook decides even for an unprivileged caller. These stand under audit mode (system class).
 */
static __always_inline int system_deny(int hook, struct dentry *dentry, struct vfsmount *mnt)
{
	struct bpfence_event *e = NULL;
	struct verdict v;

	if (!load_verdict(&v))
		return 0;
	if (dentry) {
		e = scratch_event();
		if (e) {
			fill_file_obj(e, dentry, 0);
			fill_path(e, dentry, mnt, NULL);
		}
	}
	return deny(&v, hook, BPFENCE_CLASS_SYSTEM, EPERM, true, e);
}

BPFENCE_LSM("lsm/sb_mount", sb_mount, const char *dev_name, const struct path *path, const char *type,
	     unsigned long flags, void *data, int ret)
{
	if (ret)
		return ret;
	return system_deny(BPFENCE_HOOK_SB_MOUNT, BPF_CORE_READ(path, dentry), BPF_CORE_READ(path, mnt));
}

BPFENCE_LSM("lsm/sb_umount", sb_umount, struct vfsmount *mnt, int flags, int ret)
{
	if (ret)
		return ret;
	return system_deny(BPFENCE_HOOK_SB_UMOUNT, BPF_CORE_READ(mnt, mnt_root), mnt);
}

/* open_tree(OPEN_TREE_CLONE) and fsmount() only make detached mounts; move_mount attaches them. */
BPFENCE_LSM("lsm/move_mount", move_mount, const struct path *from_path, const struct path *to_path, int ret)
{
	if (ret)
		return ret;
	return system_deny(BPFENCE_HOOK_MOVE_MOUNT, BPF_CORE_READ(to_path, dentry),
			   BPF_CORE_READ(to_path, mnt));
}

BPFENCE_LSM("lsm/sb_pivotroot", sb_pivotroot, const struct path *old_path, const struct path *new_path, int ret)
{
	if (ret)
		return ret;
	return system_deny(BPFENCE_HOOK_SB_PIVOTROOT, BPF_CORE_READ(new_path, dentry),
			   BPF_CORE_READ(new_path, mnt));
}

BPFENCE_LSM("lsm/userns_create", userns_create, const struct cred *cred, int ret)
{
	if (ret)
		return ret;
	return system_deny(BPFENCE_HOOK_USERNS_CREATE, NULL, NULL);
}

/* perf_event_open exposes other processes and the kernel (row 25); the hook does not name the
 * target, so a tagged task gets none at all. Its signature changed (the perf_event_attr argument
 * was dropped in 6.12.y, leaving only the type): one program per signature, as for bpf(). */
BPFENCE_LSM("lsm/perf_event_open", perf_event_open, void *attr, int type, int ret)
{
	if (ret)
		return ret;
	return system_deny(BPFENCE_HOOK_PERF_EVENT_OPEN, NULL, NULL);
}

BPFENCE_LSM("?lsm/perf_event_open", perf_event_open__type_only, int type, int ret)
{
	if (ret)
		return ret;
	return system_deny(BPFENCE_HOOK_PERF_EVENT_OPEN, NULL, NULL);
}

/* TIOCSTI / TIOCLINUX push input into a terminal, which may be the one bpfence was started from
 * (row 18). The command is compared first: other ioctls pay nothing. */
BPFENCE_LSM("lsm/file_ioctl", file_ioctl, struct file *file, unsigned int cmd, unsigned long arg, int ret)
{
	if (ret)
		return ret;
	if (cmd != TIOCSTI && cmd != TIOCLINUX)
		return 0;
	return system_deny(BPFENCE_HOOK_FILE_IOCTL, BPF_CORE_READ(file, f_path.dentry),
			   BPF_CORE_READ(file, f_path.mnt));
}

/* 32-bit ioctls go through their own hook since it was added (6.8, backported to 6.1.y); the
 * loader autoloads this where the kernel has it. (seccomp also kills non-native ABIs.) */
BPFENCE_LSM("?lsm/file_ioctl_compat", file_ioctl_compat, struct file *file, unsigned int cmd, unsigned long arg, int ret)
{
	if (ret)
		return ret;
	if (cmd != TIOCSTI && cmd != TIOCLINUX)
		return 0;
	return system_deny(BPFENCE_HOOK_FILE_IOCTL, BPF_CORE_READ(file, f_path.dentry),
			   BPF_CORE_READ(file, f_path.mnt));
}

/* Starving bpfence or anything else outside (row 27): nice, I/O priority, scheduler policy and
 * affinity, and page migration only on the invocation's own processes. */
static __always_inline int task_target(int hook, struct task_struct *p)
{
	struct verdict v;

	if (!load_verdict(&v))
		return 0;
	if (same_invocation(&v, p))
		return 0;
	return task_deny(&v, hook, p, 0);
}

BPFENCE_LSM("lsm/task_setnice", task_setnice, struct task_struct *p, int nice, int ret)
{
	if (ret)
		return ret;
	return task_target(BPFENCE_HOOK_TASK_SETNICE, p);
}

BPFENCE_LSM("lsm/task_setioprio", task_setioprio, struct task_struct *p, int ioprio, int ret)
{
	if (ret)
		return ret;
	return task_target(BPFENCE_HOOK_TASK_SETIOPRIO, p);
}

BPFENCE_LSM("lsm/task_setscheduler", task_setscheduler, struct task_struct *p, int ret)
{
	if (ret)
		return ret;
	return task_target(BPFENCE_HOOK_TASK_SETSCHEDULER, p);
}

BPFENCE_LSM("lsm/task_movememory", task_movememory, struct task_struct *p, int ret)
{
	if (ret)
		return ret;
	return task_target(BPFENCE_HOOK_TASK_MOVEMEMORY, p);
}

/* prlimit() on another process (the kernel skips the hook for the caller itself). The hook names
 * only the two credentials, not the target task, so every other process is refused, the
 * invocation's own included: a restricted function has no use for it. */
BPFENCE_LSM("lsm/task_prlimit", task_prlimit, const struct cred *cred, const struct cred *tcred, unsigned int flags,
	     int ret)
{
	struct verdict v;

	if (ret)
		return ret;
	if (cred == tcred || !load_verdict(&v))
		return 0;
	return deny(&v, BPFENCE_HOOK_TASK_PRLIMIT, BPFENCE_CLASS_TASK, EPERM, false, NULL);
}

#endif /* BPFENCE_TASKS_BPF_H */
