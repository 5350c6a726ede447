// SPDX-License-Identifier: GPL-2.0-only
/*
 * What every domain of the BPF programs shares. The maps that say who is restricted and how
 * (tags, policies, armed_creds) and those a denial is recorded in (counters, events, drops, the
 * per-CPU event scratch); the BPFENCE_LSM program macros; the verdict of one decision:
 * load_verdict() (is the current task tagged, and does its tag apply to it yet?), in_invocation()
 * and same_invocation() (is that cgroup, that task, inside the invocation?), deny() (count,
 * record, and return the errno, or 0 under audit mode); and the few readers of kernel objects
 * that more than one domain asks (kdev_of, sock_cgroup_id, in_host_ipc_ns).
 *
 * It decides nothing and attaches nothing: every hook, and every rule map with its lookup,
 * belongs to a domain header (files, network, unix, tasks, ipc, arming), which
 * bpf/bpfence.bpf.c includes after this one.
 */
#ifndef BPFENCE_COMMON_BPF_H
#define BPFENCE_COMMON_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>
#include "bpfence.h"

#define EPERM 1
#define EACCES 13
#define ENOMEM 12

/* The inode number of the initial (the host's) IPC namespace: fixed (include/linux/proc_ns.h). */
#define PROC_IPC_INIT_INO 0xEFFFFFFFU

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, BPFENCE_MAX_TAGS);
	__type(key, __u64); /* cgroup id */
	__type(value, struct bpfence_tag);
} tags SEC(".maps");

/* Armed credentials (BPFENCE_TAG_FROM_EXEC): key struct cred * (a task's real_cred), value the
 * invocation it was armed in. An entry lives exactly as long as the credentials: cred_free
 * removes it, cred_prepare/cred_transfer copy it to every credentials derived from armed ones.
 * Never LRU: an evicted entry would disarm a restricted task; when full, arming fails closed. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, BPFENCE_MAX_ARMED);
	__type(key, __u64);
	__type(value, __u64);
} armed_creds SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, BPFENCE_MAX_INVOCATIONS);
	__type(key, __u64); /* invocation */
	__type(value, struct bpfence_policy);
} policies SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, BPFENCE_MAX_INVOCATIONS);
	__type(key, __u64); /* invocation */
	__type(value, struct bpfence_counters);
} counters SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, BPFENCE_RINGBUF_BYTES);
} events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64); /* events that could not be reserved */
} drops SEC(".maps");

/*
 * An LSM program. Besides the program, it records in .rodata how many hook arguments the program
 * was written for (`ret` excluded): the loader compares that with the hook's parameters in the
 * running kernel's BTF, loads the variant that matches (hooks whose signature changed have one
 * program per signature) and refuses a hook whose signature it does not know, instead of
 * reading `ret` from the wrong slot. Decided by BTF, never by kernel version: backports and
 * reverts (security_bpf() gained a `kernel` argument in 6.9 and lost it again) make versions lie.
 */
#define BPFENCE_LSM(sec, name, args...)                                      \
	const volatile int bpfence_arity_##name = ___bpf_narg(args) - 1;      \
	SEC(sec)                                                             \
	int BPF_PROG(name, args)

/* The same for hooks that return nothing: no `ret` argument. */
#define BPFENCE_LSM_VOID(sec, name, args...)                                 \
	const volatile int bpfence_arity_##name = ___bpf_narg(args);          \
	SEC(sec)                                                             \
	int BPF_PROG(name, args)

/* The context of one decision for a tagged task. */
struct verdict {
	const struct bpfence_tag *tag;
	const struct bpfence_policy *policy; /* NULL: tagged without policy, deny all */
	__u64 cgroup;
	/* The policy's rule set (policy->rules), read once: one decision uses one rule set, even
	 * while `bpfence tag --replace` swaps the policy entry under it. */
	__u64 rules;
};

static __always_inline const struct bpfence_tag *tag_of_current(__u64 *cgroup)
{
	*cgroup = bpf_get_current_cgroup_id();
	return bpf_map_lookup_elem(&tags, cgroup);
}

static __always_inline bool audit_mode(const struct verdict *v)
{
	return v->policy && (v->policy->flags & BPFENCE_POLICY_AUDIT);
}

/*
 * The value a hook returns for a denial: -err, in a form every verifier can prove is an errno.
 * Verifiers since 6.12 check that an LSM program returns 0 or a value in [-MAX_ERRNO, -1]
 * (-4095). clang folds deny() call sites together, so `-err` becomes a negation of a register
 * holding one of several errnos, and a negated register is an unknown scalar to them. OR-ing
 * with ~2047 leaves every errno below 2048 unchanged (all bpfence uses are) and bounds the
 * result to [-2048, -1]; the empty asm hides the value from clang, which would otherwise prove
 * the OR redundant and drop it.
 */
static __always_inline int neg_errno(int err)
{
	long r = -err;

	asm volatile("" : "+r"(r));
	return (int)(r | ~2047L);
}

/*
 * Record a denial: counters first (exact, independent of delivery), then the event if the ring
 * buffer has room. Returns what the hook must return: -err, or 0 under audit mode. `system`
 * denials protect bpfence itself and stand even under audit mode.
 */
static __always_inline int deny(const struct verdict *v, int hook, int class, int err,
				bool system, struct bpfence_event *obj)
{
	bool audit = !system && audit_mode(v);
	__u64 inv = v->tag->invocation;
	struct bpfence_counters *c;
	struct bpfence_event *e;
	__u64 id;

	if (!v->policy && class != BPFENCE_CLASS_SYSTEM)
		class = BPFENCE_CLASS_NOPOLICY;
	if (class < 0 || class >= BPFENCE_CLASS_MAX)
		class = BPFENCE_CLASS_SYSTEM;

	c = bpf_map_lookup_elem(&counters, &inv);
	if (c) {
		if (audit)
			__sync_fetch_and_add(&c->audited[class], 1);
		else
			__sync_fetch_and_add(&c->denied[class], 1);
		/* Name the first object of each class (the summary shows it). Two CPUs racing on
		 * the first denial may both write; either answer is a true first object. */
		if (obj && !c->first[class].object) {
			struct bpfence_first *f = &c->first[class];

			f->port = obj->port;
			f->family = obj->family;
			f->ino = obj->ino;
			__builtin_memcpy(f->addr, obj->addr, sizeof(f->addr));
			__builtin_memcpy(f->name, obj->path, sizeof(f->name));
			f->name[sizeof(f->name) - 1] = 0;
			f->object = obj->object;
		}
	}

	e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e) {
		__u32 zero = 0;
		__u64 *d = bpf_map_lookup_elem(&drops, &zero);

		if (d)
			__sync_fetch_and_add(d, 1);
		return audit ? 0 : neg_errno(err);
	}
	if (obj)
		__builtin_memcpy(e, obj, sizeof(*e));
	else
		__builtin_memset(e, 0, sizeof(*e));
	e->ts_ns = bpf_ktime_get_boot_ns();
	e->cgroup = v->cgroup;
	e->invocation = inv;
	id = bpf_get_current_pid_tgid();
	e->pid = (__u32)id;
	e->tgid = id >> 32;
	e->uid = (__u32)bpf_get_current_uid_gid();
	e->hook = hook;
	e->class = class;
	e->action = audit ? BPFENCE_ACTION_AUDITED : BPFENCE_ACTION_DENIED;
	e->err = audit ? 0 : err;
	bpf_get_current_comm(e->comm, sizeof(e->comm));
	if (v->policy) {
		__builtin_memcpy(e->policy, v->policy->name, sizeof(e->policy));
		__builtin_memcpy(e->id, v->policy->id, sizeof(e->id));
	}
	bpf_ringbuf_submit(e, 0);
	return audit ? 0 : neg_errno(err);
}

/* Per-CPU scratch for building an event's object part: the record is too large for the stack. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct bpfence_event);
} scratch SEC(".maps");

static __always_inline struct bpfence_event *scratch_event(void)
{
	__u32 zero = 0;
	struct bpfence_event *e = bpf_map_lookup_elem(&scratch, &zero);

	if (e)
		__builtin_memset(e, 0, sizeof(*e));
	return e;
}

/* The tag, policy and rule set of the current task's cgroup, whether or not the tag applies to
 * the task yet (armed()). Returns false for untagged tasks (the fast path). */
static __always_inline bool load_tag(struct verdict *v)
{
	__u64 inv;

	v->tag = tag_of_current(&v->cgroup);
	if (!v->tag)
		return false;
	inv = v->tag->invocation;
	v->policy = bpf_map_lookup_elem(&policies, &inv);
	v->rules = v->policy ? v->policy->rules : 0;
	return true;
}

static __always_inline __u64 real_cred_of(struct task_struct *t)
{
	return (__u64)BPF_CORE_READ(t, real_cred);
}

/* Does task t's tag (tag_flags) apply to it? Always, unless the tag arms at exec and t's
 * credentials are not armed yet: then t is its runner's setup (see BPFENCE_TAG_FROM_EXEC). The
 * real (objective) credentials: the subjective ones may be overridden for a moment by the kernel
 * (overlayfs acts with its mounter's), the real ones change only by commit_creds(). */
static __always_inline bool task_armed(__u32 tag_flags, struct task_struct *t)
{
	__u64 cred;

	if (!(tag_flags & BPFENCE_TAG_FROM_EXEC))
		return true;
	cred = real_cred_of(t);
	return bpf_map_lookup_elem(&armed_creds, &cred) != NULL;
}

static __always_inline bool armed(const struct verdict *v)
{
	return task_armed(v->tag->flags, bpf_get_current_task_btf());
}

/* Returns false for tasks the programs leave alone: untagged (the fast path), or a runner's setup
 * that has not executed the user's program yet. */
static __always_inline bool load_verdict(struct verdict *v)
{
	return load_tag(v) && armed(v);
}

/* Is cgroup `cg` (of a task or a socket's creator) inside the current task's invocation? */
static __always_inline bool in_invocation(const struct verdict *v, __u64 cg)
{
	const struct bpfence_tag *t = bpf_map_lookup_elem(&tags, &cg);

	return t && t->invocation == v->tag->invocation;
}

/* Is task p inside the same invocation as the current (tagged) task? */
static __always_inline bool same_invocation(const struct verdict *v, struct task_struct *p)
{
	return in_invocation(v, BPF_CORE_READ(p, cgroups, dfl_cgrp, kn, id));
}

/* The cgroup of the task that created socket sk. A kernel built without socket cgroup data
 * (CONFIG_SOCK_CGROUP_DATA, selected by CONFIG_CGROUP_BPF) has no sk_cgrp_data member at all:
 * CO-RE asks the running kernel's BTF, and the answer 0 is never a tagged cgroup, so every such
 * socket counts as outside the invocation (fail closed) instead of the program failing to load. */
static __always_inline __u64 sock_cgroup_id(struct sock *sk)
{
	if (!bpf_core_field_exists(sk->sk_cgrp_data))
		return 0;
	return BPF_CORE_READ(sk, sk_cgrp_data.cgroup, kn, id);
}

static __always_inline __u32 kdev_of(struct inode *inode)
{
	return BPF_CORE_READ(inode, i_sb, s_dev);
}

/* Does the current task live in the host's (the initial) IPC namespace? An exiting task without
 * namespaces reads 0: not the host's, and it has no IPC left to reach. */
static __always_inline bool in_host_ipc_ns(void)
{
	struct task_struct *t = bpf_get_current_task_btf();

	return BPF_CORE_READ(t, nsproxy, ipc_ns, ns.inum) == PROC_IPC_INIT_INO;
}

#endif /* BPFENCE_COMMON_BPF_H */
