// SPDX-License-Identifier: GPL-2.0-only
/*
 * The life of a tag on cgroups and tasks: inheritance by child cgroups (cgroup_mkdir,
 * cgroup_rmdir) and arming (BPFENCE_TAG_FROM_EXEC): the mark on credentials and its copies
 * (cred_prepare, cred_transfer, cred_free), the arming exec (bprm_creds_for_exec, and the
 * runtime re-executions that do not arm), and the arm_present iterator for the tasks already in
 * a cgroup when it is tagged. Owns arm_targets.
 *
 * Leaves to others: the armed_creds map and whether a task is armed (task_armed, common.bpf.h,
 * which every hook asks), the decision on the program the arming exec runs (open_decide,
 * files.bpf.h).
 */
#ifndef BPFENCE_ARMING_BPF_H
#define BPFENCE_ARMING_BPF_H

#include "common.bpf.h"
#include "files.bpf.h"

/* Invocations whose present tasks the arm_present iterator arms (set by `bpfence tag` for the
 * length of one iteration). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 64);
	__type(key, __u64);  /* invocation */
	__type(value, __u64); /* tasks armed (written by the iterator) */
} arm_targets SEC(".maps");

/*
 * Tag inheritance. The tracepoint fires inside cgroup_mkdir() under cgroup_mutex, before the new
 * directory is activated, so no task can enter a child of a tagged cgroup before it is tagged.
 * `self` is the first member of struct cgroup, so a parent css pointer is its cgroup pointer.
 */
SEC("tp_btf/cgroup_mkdir")
int BPF_PROG(cgroup_mkdir, struct cgroup *cgrp, const char *path)
{
	struct cgroup *parent = (struct cgroup *)BPF_CORE_READ(cgrp, self.parent);
	__u64 id = BPF_CORE_READ(cgrp, kn, id);
	__u64 pid;
	struct bpfence_tag *t;

	if (!parent)
		return 0;
	pid = BPF_CORE_READ(parent, kn, id);
	t = bpf_map_lookup_elem(&tags, &pid);
	if (t)
		bpf_map_update_elem(&tags, &id, t, BPF_ANY);
	return 0;
}

/* A removed cgroup can hold no task: drop its tag so the map only holds live cgroups. */
SEC("tp_btf/cgroup_rmdir")
int BPF_PROG(cgroup_rmdir, struct cgroup *cgrp, const char *path)
{
	__u64 id = BPF_CORE_READ(cgrp, kn, id);

	bpf_map_delete_elem(&tags, &id);
	return 0;
}

/*
 * Arming (BPFENCE_TAG_FROM_EXEC, SECURITY.md row 36). A container runtime does its own setup in
 * the container's cgroup after the cgroup exists (mounts, pivot_root, the exec fifo), and only
 * then executes the user's program; systemd sets a unit's process up in the unit's cgroup the
 * same way. A FROM_EXEC tag leaves such a process alone until its first execve() in the tagged
 * cgroup, and restricts it from that exec on: the user's program is restricted from its first
 * instruction, and the runtime's own steps before it keep working.
 *
 * The mark is on the task's credentials (struct cred), which the kernel hands on by itself:
 * fork() and clone() share the parent's, and every new set (setuid(), the next exec) is derived
 * from the current one through cred_prepare, which copies the mark. So every process and thread
 * descending from an armed task is armed, whatever it does, and a process the runner brings in
 * from outside later (`runc exec`) is armed by its own exec. The exec's new credentials are
 * marked before they are committed; the program it executes is decided here as an armed task's
 * exec would be in file_open, so a program outside the policy fails with EACCES.
 */
static __always_inline int copy_mark(__u64 from, __u64 to)
{
	__u64 *inv = bpf_map_lookup_elem(&armed_creds, &from);

	if (!inv) {
		/* A reused address (its cred_free could not delete: recursion) must not stay
		 * armed for credentials that never were. */
		if (bpf_map_lookup_elem(&armed_creds, &to))
			bpf_map_delete_elem(&armed_creds, &to);
		return 0;
	}
	if (bpf_map_update_elem(&armed_creds, &to, inv, BPF_ANY))
		return neg_errno(ENOMEM); /* cannot carry the mark: refuse the change, fail closed */
	return 0;
}

BPFENCE_LSM("lsm/cred_prepare", cred_prepare, struct cred *new, const struct cred *old, gfp_t gfp,
	     int ret)
{
	if (ret)
		return ret;
	return copy_mark((__u64)old, (__u64)new);
}

/* keyctl(KEYCTL_SESSION_TO_PARENT) gives the parent new credentials built this way. */
BPFENCE_LSM_VOID("lsm/cred_transfer", cred_transfer, struct cred *new, const struct cred *old)
{
	copy_mark((__u64)old, (__u64)new);
	return 0;
}

BPFENCE_LSM_VOID("lsm/cred_free", cred_free, struct cred *cred)
{
	__u64 key = (__u64)cred;

	if (bpf_map_lookup_elem(&armed_creds, &key))
		bpf_map_delete_elem(&armed_creds, &key);
	return 0;
}

/* A runtime re-executing itself: the program it already runs (the same inode, reached through
 * a read-only bind mount it detached at once), or a file that no path reaches, on a
 * kernel-internal mount (MNT_INTERNAL: a memfd) or with no link at all (a memfd, an O_TMPFILE
 * file). runc (1.1) re-executes its own init this way (CVE-2019-5736: a detached read-only bind
 * mount of /proc/self/exe, else a sealed memfd copy, else an O_TMPFILE copy) as its very first
 * step, possibly after it was moved into the container's cgroup: that exec is the runtime's, not
 * the user's program, and does not arm. A task that is not armed is never the user's code
 * (nothing the user runs can make one), and a runtime executes the user's program by its path
 * in the container, so no user program is run this way. */
#define BPFENCE_MNT_INTERNAL 0x4000

static __always_inline bool runtime_reexec(struct file *file)
{
	struct task_struct *t = bpf_get_current_task_btf();
	struct inode *exe = BPF_CORE_READ(t, mm, exe_file, f_inode);

	return (exe && exe == BPF_CORE_READ(file, f_inode)) ||
	       (BPF_CORE_READ(file, f_path.mnt, mnt_flags) & BPFENCE_MNT_INTERNAL) ||
	       BPF_CORE_READ(file, f_inode, i_nlink) == 0;
}

BPFENCE_LSM("lsm/bprm_creds_for_exec", bprm_creds_for_exec, struct linux_binprm *bprm, int ret)
{
	struct file *file = BPF_CORE_READ(bprm, file);
	struct verdict v;
	__u64 cred, inv;

	if (ret)
		return ret;
	if (!load_tag(&v) || !(v.tag->flags & BPFENCE_TAG_FROM_EXEC) || armed(&v))
		return 0; /* untagged, or armed already: file_open decided this exec */
	if (!file || runtime_reexec(file))
		return 0;
	cred = (__u64)BPF_CORE_READ(bprm, cred);
	inv = v.tag->invocation;
	if (bpf_map_update_elem(&armed_creds, &cred, &inv, BPF_ANY))
		return deny(&v, BPFENCE_HOOK_BPRM_CREDS_FOR_EXEC, BPFENCE_CLASS_SYSTEM, ENOMEM, true,
			    NULL);
	return open_decide(&v, BPFENCE_HOOK_BPRM_CREDS_FOR_EXEC, file);
}

/* `bpfence tag`: the tasks already in the cgroup are not a runner's setup (the tag comes after
 * them): arm them at once. Run by reading the pinned iterator link, once per tag, for the
 * invocations in arm_targets. Their children share or derive from the armed credentials. */
SEC("iter/task")
int arm_present(struct bpf_iter__task *ctx)
{
	struct task_struct *task = ctx->task;
	const struct bpfence_tag *t;
	__u64 cg, cred, *n;

	if (!task)
		return 0;
	cg = BPF_CORE_READ(task, cgroups, dfl_cgrp, kn, id);
	t = bpf_map_lookup_elem(&tags, &cg);
	if (!t)
		return 0;
	n = bpf_map_lookup_elem(&arm_targets, &t->invocation);
	if (!n)
		return 0;
	cred = real_cred_of(task);
	if (bpf_map_update_elem(&armed_creds, &cred, &t->invocation, BPF_ANY))
		*n |= 1ULL << 63; /* could not arm one: the tag must fail */
	else
		__sync_fetch_and_add(n, 1);
	return 0;
}

#endif /* BPFENCE_ARMING_BPF_H */
