// SPDX-License-Identifier: GPL-2.0-only
/*
 * bpfence kernel side: BPF-LSM programs that restrict tasks inside tagged cgroups.
 *
 * Cost model: every hook starts with tag_of_current(), one hash lookup keyed by the current cgroup
 * id. Untagged tasks return there. Everything else (policy, rules, events) is paid only by tagged
 * tasks.
 *
 * Decisions are made on kernel objects (dentries and their mounts, sockets, inodes), never on the
 * strings a task passed to a syscall: strings would let symlinks, /proc/self/root, bind mounts and
 * hardlinks choose the answer.
 *
 * Chaining: each LSM program receives the verdict of the BPF programs before it in `ret`, and
 * returns it unchanged when it is already a denial.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>
#include "bpfence.h"

char LICENSE[] SEC("license") = "GPL";

#define EPERM 1
#define EACCES 13
#define ENOMEM 12

#define AF_UNSPEC 0
#define AF_UNIX 1
#define AF_INET 2
#define AF_INET6 10

#define SOCK_STREAM 1
#define SOCK_DGRAM 2
#define IPPROTO_IP 0
#define IPPROTO_TCP 6
#define IPPROTO_UDP 17

#define FMODE_READ 0x1
#define FMODE_WRITE 0x2
#define PROT_EXEC 0x4
#define S_IFMT 0170000
#define S_IFREG 0100000
#define S_IFCHR 0020000
#define S_IFBLK 0060000
#define TIOCSTI 0x5412
#define TIOCLINUX 0x541C
#define ANON_INODE_FS_MAGIC 0x09041934
/* An exec open is marked in f_flags (__FMODE_EXEC, from do_open_execat), not in f_mode. */
#define __FMODE_EXEC 0x20

#define CLONE_INTO_CGROUP 0x200000000ULL

/* Filesystems a tagged task must never write, whatever its policy grants: they hold the
 * machinery that restricts it (cgroups, pins, LSM state). */
#define CGROUP_SUPER_MAGIC 0x27e0eb
#define CGROUP2_SUPER_MAGIC 0x63677270
#define BPF_FS_MAGIC 0xcafe4a11
#define SECURITYFS_MAGIC 0x73636673
#define PIPEFS_MAGIC 0x50495045
#define SOCKFS_MAGIC 0x534F434B
/* pidfds are files of pidfs since 6.9 (anonymous inodes before, which never pass file_open). */
#define PIDFS_MAGIC 0x50494446
#define MQUEUE_MAGIC 0x19800202
#define PROC_SUPER_MAGIC 0x9fa0
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

/* Invocations whose present tasks the arm_present iterator arms (set by `bpfence tag` for the
 * length of one iteration). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 64);
	__type(key, __u64);  /* invocation */
	__type(value, __u64); /* tasks armed (written by the iterator) */
} arm_targets SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, BPFENCE_MAX_INVOCATIONS);
	__type(key, __u64); /* invocation */
	__type(value, struct bpfence_policy);
} policies SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, BPFENCE_MAX_FILE_RULES);
	__type(key, struct bpfence_file_key);
	__type(value, __u32); /* BPFENCE_PERM_* granted on the subtree */
} file_rules SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, BPFENCE_MAX_NET_RULES);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct bpfence_net_key);
	__type(value, struct bpfence_net_ports);
} net_rules SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, BPFENCE_MAX_NET_RULES);
	__type(key, struct bpfence_broker_key);
	__type(value, __u32);
} net_broker SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, BPFENCE_MAX_UNIX_RULES);
	__type(key, struct bpfence_unix_key);
	__type(value, __u32); /* BPFENCE_UNIX_* */
} unix_rules SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, BPFENCE_MAX_UNIX_RULES);
	__type(key, struct bpfence_unix_abstract_key);
	__type(value, __u32); /* BPFENCE_UNIX_* */
} unix_abstract SEC(".maps");

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

/*
 * Backing files (6.6+): overlayfs (and FUSE passthrough) serve an open of their own file by
 * opening the real file underneath, in the opening task, through a private mount that no path
 * leads to. file_open sees that inner open with the real (layer) path, after it has already
 * allowed the user's open of the overlay file. Where the kernel has the backing_file_alloc hook,
 * it names both files: the real file is remembered here with the path the user opened, and
 * decisions on it are made on that path, as they were on kernels before backing files (whose
 * inner open carried the user's path). Without the hook, such inner opens are denied: fail
 * closed. Key: the backing struct file's address; value: the user file's path.
 */
struct backing_user {
	__u64 dentry; /* struct dentry * */
	__u64 mnt;    /* struct vfsmount * */
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, __u64); /* struct file * of the backing file */
	__type(value, struct backing_user);
} backing_files SEC(".maps");

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

/* The read/write grants an open file's f_mode needs. */
static __always_inline __u32 fmode_want(unsigned int fmode)
{
	__u32 want = 0;

	if (fmode & FMODE_READ)
		want |= BPFENCE_PERM_READ;
	if (fmode & FMODE_WRITE)
		want |= BPFENCE_PERM_WRITE;
	return want;
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

static __always_inline unsigned long magic_of(struct dentry *dentry)
{
	return BPF_CORE_READ(dentry, d_sb, s_magic);
}

static __always_inline bool is_system_fs(unsigned long magic)
{
	return magic == CGROUP_SUPER_MAGIC || magic == CGROUP2_SUPER_MAGIC ||
	       magic == BPF_FS_MAGIC || magic == SECURITYFS_MAGIC;
}

/* v & mask, with the mask kept: clang drops a mask it can prove redundant from an earlier
 * comparison, and the verifier (which tracks the comparison on another register, or on the
 * 32-bit half) then sees an unbounded offset. The empty asm hides v's range from clang. */
static __always_inline __u64 bounded(__u64 v, __u64 mask)
{
	asm volatile("" : "+r"(v));
	return v & mask;
}

/* Per-CPU scratch for building a record's path (fill_path): the components found walking up
 * (NULL where the walk crossed a mount), how far it got, and a buffer one name longer than
 * event.path, so that a name written at any offset below BPFENCE_PATH_MAX fits and the
 * verifier can see it does. */
struct path_scratch {
	const unsigned char *names[BPFENCE_PATH_DEPTH];
	const unsigned char *leaf;
	__u64 depth; /* names[0 .. depth-1] are valid, names[0] the object's own */
	__u64 whole; /* the walk reached the root */
	char buf[BPFENCE_PATH_MAX * 2];
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct path_scratch);
} path_scratch SEC(".maps");

/*
 * The full path of dentry (reached through vfsmnt), then "/" and leaf's name if leaf is given
 * (the entry a creation makes, under the directory dentry), into e->path. For hooks where
 * bpf_d_path is not allowed (all but file_open): a bounded walk up the dentries, crossing from
 * each mount's root to its mountpoint, as file_granted() walks. Denials only: nobody else pays.
 * Where the walk had to stop short of the root (too deep, path[] full, or no mount given so it
 * ends at the file system's root) the record says so (BPFENCE_PATH_PARTIAL).
 *
 * Verifier cost: a global (not inlined, not static) function, so the verifier checks it once,
 * on its own, instead of once for every state a caller reaches it in: inlined into file_open
 * or path_mknod it ran past the 1M-instruction limit (6.12), behind the policy walk's many
 * exits. Its arguments are therefore plain numbers; the dentries and the mount are only ever
 * read through BPF_CORE_READ. The depth goes through map memory for the same reason: a value
 * read back from there is one unknown scalar, so the writing loop is verified once.
 */
__noinline int bpfence_fill_path(struct bpfence_event *e, __u64 dentry_p, __u64 vfsmnt_p,
				 __u64 leaf_p)
{
	struct vfsmount *vfsmnt = (struct vfsmount *)vfsmnt_p;
	struct dentry *dentry = (struct dentry *)dentry_p, *leaf = (struct dentry *)leaf_p;
	struct mount *mnt = container_of(vfsmnt, struct mount, mnt);
	struct path_scratch *ps;
	__u64 off = 0, depth;
	__u32 zero = 0;
	bool whole;

	ps = bpf_map_lookup_elem(&path_scratch, &zero);
	if (!e || !ps)
		return 0;
	ps->leaf = leaf ? BPF_CORE_READ(leaf, d_name.name) : NULL;
	ps->depth = BPFENCE_PATH_DEPTH;
	ps->whole = 0;
	for (int i = 0; i < BPFENCE_PATH_DEPTH; i++) {
		struct dentry *parent, *mnt_root;

		mnt_root = vfsmnt ? BPF_CORE_READ(mnt, mnt.mnt_root) : NULL;
		if (mnt_root && dentry == mnt_root) {
			struct mount *up = BPF_CORE_READ(mnt, mnt_parent);

			if (up == mnt) {
				/* the root of this mount namespace */
				ps->depth = i;
				ps->whole = 1;
				break;
			}
			ps->names[i] = NULL;
			dentry = BPF_CORE_READ(mnt, mnt_mountpoint);
			mnt = up;
			continue;
		}
		parent = BPF_CORE_READ(dentry, d_parent);
		if (parent == dentry) {
			/* With a mount, no mount root was reached: a pseudo file (a memfd, shmem
			 * or anonymous file) or a disconnected dentry. Its own name is all there
			 * is to say, and the path is not a whole one. */
			ps->names[i] = vfsmnt ? BPF_CORE_READ(dentry, d_name.name) : NULL;
			ps->depth = i + 1;
			break;
		}
		ps->names[i] = BPF_CORE_READ(dentry, d_name.name);
		dentry = parent;
	}
	depth = ps->depth;
	whole = ps->whole;
	for (int i = 0; i < BPFENCE_PATH_DEPTH; i++) {
		const unsigned char *name;
		long r;

		if ((__u64)i >= depth)
			break;
		name = ps->names[bounded(depth - 1 - i, BPFENCE_PATH_DEPTH - 1)];
		if (!name)
			continue; /* a mount crossing */
		if (off >= BPFENCE_PATH_MAX - 1) {
			whole = false;
			break;
		}
		ps->buf[bounded(off, BPFENCE_PATH_MAX - 1)] = '/';
		off++;
		r = bpf_probe_read_kernel_str(&ps->buf[bounded(off, BPFENCE_PATH_MAX - 1)],
					      BPFENCE_PATH_MAX, name);
		if (r > 0)
			off += r - 1;
	}
	if (ps->leaf && off < BPFENCE_PATH_MAX - 1) {
		long r;

		ps->buf[bounded(off, BPFENCE_PATH_MAX - 1)] = '/';
		off++;
		r = bpf_probe_read_kernel_str(&ps->buf[bounded(off, BPFENCE_PATH_MAX - 1)],
					      BPFENCE_PATH_MAX, ps->leaf);
		if (r > 0)
			off += r - 1;
	} else if (ps->leaf) {
		whole = false;
	}
	if (!off)
		ps->buf[off++] = '/';
	if (off >= BPFENCE_PATH_MAX) {
		whole = false;
		off = BPFENCE_PATH_MAX - 1;
	}
	__builtin_memcpy(e->path, ps->buf, BPFENCE_PATH_MAX);
	e->path[bounded(off, BPFENCE_PATH_MAX - 1)] = 0;
	if (!whole)
		e->mask |= BPFENCE_PATH_PARTIAL;
	return 0;
}

/* A kernel pointer as a plain number: a global function takes only numbers (and memory), and a
 * hook's BTF-typed argument is a pointer to the verifier. Copied through the helper, the value
 * comes back as an unknown scalar. */
static __always_inline __u64 as_number(const void *p)
{
	__u64 v = 0;

	bpf_probe_read_kernel(&v, sizeof(v), &p);
	return v;
}

static __always_inline void fill_path(struct bpfence_event *e, struct dentry *dentry,
				      struct vfsmount *vfsmnt, struct dentry *leaf)
{
	bpfence_fill_path(e, as_number(dentry), as_number(vfsmnt), as_number(leaf));
}

/* The rule that made the last file_granted() on this CPU refuse, when it was a deny line or
 * the written-place rule (BPFENCE_RULE_*), else 0: kept from the refusal to the record that
 * follows it in the same program (fill_file_obj reads and clears it). */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} file_rule SEC(".maps");

/* Note `rule` for the record; returns false, the refusal it explains. */
static __always_inline bool note_rule(__u32 rule)
{
	__u32 zero = 0, *r = bpf_map_lookup_elem(&file_rule, &zero);

	if (r)
		*r = rule;
	return false;
}

/* The object part of a file denial: identity, access wanted and the rule that refused it (when
 * a deny line or the written-place rule did), and the path (see fill_path). */
static __always_inline void fill_file_obj(struct bpfence_event *e, struct dentry *dentry, __u32 want)
{
	struct inode *inode = BPF_CORE_READ(dentry, d_inode);
	__u32 zero = 0, *rule = bpf_map_lookup_elem(&file_rule, &zero);

	e->object = BPFENCE_OBJ_FILE;
	e->mask = want;
	if (rule) {
		e->mask |= *rule;
		*rule = 0;
	}
	if (inode) {
		e->ino = BPF_CORE_READ(inode, i_ino);
		e->dev = kdev_of(inode);
	}
}

/*
 * Does the policy grant `want` on dentry, reached through mount `vfsmnt`? Walks from the object
 * up through its real ancestry, crossing from a mount's root to its mountpoint in the parent
 * mount, so the answer depends on where the object is, not on the name used to reach it. Grants
 * accumulate (a rule grants its subtree). A walk that reaches the top without a grant, or runs
 * past BPFENCE_WALK_MAX steps, is a denial. Two marks end it early (SECURITY.md rows 37, 38):
 *   - a deny (BPFENCE_PERM_DENY): what the grants below it did not give is refused;
 *   - for exec and map, a write grant: an object in a place the invocation may write runs only
 *     when the exec (map) grant sits on that place itself or nearer to the object (`exec =
 *     ${scratch}` beside `write = ${scratch}`), never through a grant on a tree above it.
 * Each costs a bit test on a lookup the walk already makes; the rule that refused is noted for
 * the record (note_rule) on those two refusals only. vfsmnt NULL (hooks that get a bare
 * dentry): the walk stays inside the object's file system, so a grant above its mount point does not count: fail
 * closed.
 */
static __always_inline bool file_granted(__u64 inv, struct dentry *dentry, struct vfsmount *vfsmnt,
					 __u32 want)
{
	struct mount *mnt = container_of(vfsmnt, struct mount, mnt);
	struct bpfence_file_key key = { .invocation = inv };
	struct inode *node = BPF_CORE_READ(dentry, d_inode);
	__u32 got = 0, rule = 0;

	if (node) {
		__u16 mode = BPF_CORE_READ(node, i_mode) & S_IFMT;

		if (mode == S_IFCHR || mode == S_IFBLK) {
			__u32 *perm;

			key.ino = mode == S_IFCHR ? BPFENCE_DEVICE_CHR : BPFENCE_DEVICE_BLK;
			key.dev = BPF_CORE_READ(node, i_rdev);
			perm = bpf_map_lookup_elem(&file_rules, &key);
			if (perm) {
				if (*perm & BPFENCE_PERM_DENY)
					return note_rule(BPFENCE_RULE_DENY);
				got = *perm;
				if ((got & want) == want)
					return true;
			}
		}
	}
	for (int i = 0; i < BPFENCE_WALK_MAX; i++) {
		struct inode *inode = BPF_CORE_READ(dentry, d_inode);
		struct dentry *mnt_root, *parent;
		__u32 *perm;

		if (inode) {
			key.ino = BPF_CORE_READ(inode, i_ino);
			key.dev = kdev_of(inode);
			perm = bpf_map_lookup_elem(&file_rules, &key);
			if (perm) {
				__u32 mark = *perm;

				/* A deny: the nearest mark refuses what the grants below it left. */
				if (mark & BPFENCE_PERM_DENY) {
					rule = BPFENCE_RULE_DENY;
					break;
				}
				got |= mark;
				if ((got & want) == want)
					return true;
				/* Nothing the function wrote runs: a place it may write, with no exec
				 * or map grant here or nearer to the object, executes nothing. */
				if ((want & (BPFENCE_PERM_EXEC | BPFENCE_PERM_MAP)) &&
				    (mark & BPFENCE_PERM_WRITE)) {
					rule = BPFENCE_RULE_WRITTEN;
					break;
				}
			}
		}
		/* Without a mount (inode hooks), the walk ends at the file system's root. */
		mnt_root = vfsmnt ? BPF_CORE_READ(mnt, mnt.mnt_root) : NULL;
		if (mnt_root && dentry == mnt_root) {
			struct mount *up = BPF_CORE_READ(mnt, mnt_parent);

			if (up == mnt)
				break; /* the root of the mount tree, or a detached mount */
			dentry = BPF_CORE_READ(mnt, mnt_mountpoint);
			mnt = up;
			continue;
		}
		parent = BPF_CORE_READ(dentry, d_parent);
		if (parent == dentry)
			break;
		dentry = parent;
	}
	/* One site for the note, after the loop: the verifier walks the loop body once more for
	 * every call placed inside it. */
	return rule ? note_rule(rule) : false;
}

/* Is `want` granted on an open file: on the path the user opened (backing files, see
 * backing_files), else on the file's own path. The lookup comes first on purpose: a backing
 * file must be decided by the user's path only, never by its host-side path under the overlay's
 * upper or lower directory (a policy granting such a host directory would otherwise grant the
 * whole overlay). It is one hash lookup, paid only by tagged tasks, next to a path walk. */
static __always_inline bool decide_path(__u64 rules, struct file *file, __u32 want)
{
	__u64 key = (__u64)file;
	struct backing_user *u = bpf_map_lookup_elem(&backing_files, &key);
	struct dentry *dentry = BPF_CORE_READ(file, f_path.dentry);
	struct vfsmount *mnt = BPF_CORE_READ(file, f_path.mnt);

	if (u) {
		dentry = (struct dentry *)u->dentry;
		mnt = (struct vfsmount *)u->mnt;
	}
	return file_granted(rules, dentry, mnt, want);
}

/* Is task p in a tagged cgroup whose tag does not apply to it yet (a runner's setup)? */
static __always_inline bool pending(struct task_struct *p)
{
	__u64 cg = BPF_CORE_READ(p, cgroups, dfl_cgrp, kn, id);
	const struct bpfence_tag *t = bpf_map_lookup_elem(&tags, &cg);

	return t && !task_armed(t->flags, p);
}

/* Is task p inside the same invocation as the current (tagged) task? */
static __always_inline bool same_invocation(const struct verdict *v, struct task_struct *p)
{
	return in_invocation(v, BPF_CORE_READ(p, cgroups, dfl_cgrp, kn, id));
}

/*
 * Is this /proc entry one of a process of the invocation itself (/proc/PID/... or, through the
 * symlinks, /proc/self/..., /proc/thread-self/...)? A path grant cannot say "self": /proc/self
 * resolves to whoever loads the policy. The entry's owner is the task behind its proc_inode's
 * struct pid. Entries without one (/proc/meminfo, /proc itself) are left to the policy.
 */
static __always_inline bool own_proc_entry(const struct verdict *v, struct dentry *dentry)
{
	struct inode *inode = BPF_CORE_READ(dentry, d_inode);
	struct hlist_node *first;
	struct proc_inode *pi;
	struct pid *pid;

	if (!inode)
		return false;
	pi = container_of(inode, struct proc_inode, vfs_inode);
	pid = BPF_CORE_READ(pi, pid);
	if (!pid)
		return false;
	first = BPF_CORE_READ(pid, tasks[PIDTYPE_PID].first);
	if (!first)
		return false;
	return same_invocation(v, (struct task_struct *)((void *)first -
			       bpf_core_field_offset(struct task_struct, pid_links)));
}

/* Does `name` (read from the kernel, NUL-terminated within n bytes) equal literal `lit`? */
static __always_inline bool name_is(const char *name, const char *lit, int n)
{
	for (int i = 0; i < n; i++) {
		if (name[i] != lit[i])
			return false;
		if (!lit[i])
			return true;
	}
	return false;
}

/*
 * Is this cgroupfs object an interface file of a cgroup of the invocation itself, one a runtime
 * may read to size itself (memory.max, cpu.max, pids.max, memory.stat, cgroup.events, ...)?
 * Regular files only: a cgroup directory opened is what CLONE_INTO_CGROUP and fchdir need.
 * The cgroup is the file's directory's kernfs node, whose id is the cgroup id the tags map
 * keys (the same id bpf_get_current_cgroup_id answers), so a bind mount or a cgroup namespace's
 * own mount of cgroupfs names the same cgroup. The membership and the process lists of the
 * cgroup and its delegation switch stay shut, read or written: cgroup.procs, cgroup.threads,
 * cgroup.subtree_control (and cgroup.kill, write-only). Writes never get here (want READ).
 */
static __always_inline bool own_cgroup_file(const struct verdict *v, struct dentry *dentry)
{
	struct inode *inode = BPF_CORE_READ(dentry, d_inode);
	struct kernfs_node *dir;
	char name[24] = {};

	if (!inode || (BPF_CORE_READ(inode, i_mode) & S_IFMT) != S_IFREG)
		return false;
	dir = BPF_CORE_READ(dentry, d_parent, d_inode, i_private);
	if (!dir || !in_invocation(v, BPF_CORE_READ(dir, id)))
		return false;
	if (bpf_probe_read_kernel_str(name, sizeof(name), BPF_CORE_READ(dentry, d_name.name)) < 0)
		return false;
	return !name_is(name, "cgroup.procs", sizeof(name)) &&
	       !name_is(name, "cgroup.threads", sizeof(name)) &&
	       !name_is(name, "cgroup.subtree_control", sizeof(name)) &&
	       !name_is(name, "cgroup.kill", sizeof(name));
}

/* Build the event object for a file denial; only denials pay for it (bpf_d_path walks). */
static __always_inline int file_deny(const struct verdict *v, int hook, struct file *file,
				     int class, int err, bool system, __u32 want)
{
	struct dentry *dentry = BPF_CORE_READ(file, f_path.dentry);
	struct bpfence_event *e = scratch_event();

	if (e) {
		fill_file_obj(e, dentry, want);
		/* The full path as the kernel resolves it (file_open is one of the hooks where
		 * bpf_d_path is allowed, with `file` a trusted argument); if it fails (longer
		 * than path[]), or elsewhere, the walk's. */
		if (hook != BPFENCE_HOOK_FILE_OPEN ||
		    bpf_d_path((struct path *)&file->f_path, e->path, sizeof(e->path)) < 0)
			fill_path(e, dentry, BPF_CORE_READ(file, f_path.mnt), NULL);
	}
	return deny(v, hook, class, err, system, e);
}

/* The decision on opening `file` for a tagged, armed task: file_open's, and the arming exec's
 * decision on the program it executes (hook says which). */
static __always_inline int open_decide(const struct verdict *v, int hook, struct file *file)
{
	struct dentry *dentry;
	unsigned int fmode;
	unsigned long magic;
	__u32 want = 0;

	dentry = BPF_CORE_READ(file, f_path.dentry);
	fmode = BPF_CORE_READ(file, f_mode);
	magic = magic_of(dentry);
	/* An exec open carries FMODE_READ too; executing is governed by the exec set alone. */
	if (BPF_CORE_READ(file, f_flags) & __FMODE_EXEC)
		want = BPFENCE_PERM_EXEC;
	else
		want = fmode_want(fmode);

	/* cgroupfs opens are denied outright: a directory fd is enough for clone3(CLONE_INTO_CGROUP)
	 * and cgroup.procs writes move tasks. bpffs and securityfs: no writes. The one exception:
	 * reading the interface files of the invocation's own cgroup (v2), as runtimes do to size
	 * their heaps and thread pools (SECURITY.md row 39). */
	if (magic == CGROUP2_SUPER_MAGIC && want == BPFENCE_PERM_READ && own_cgroup_file(v, dentry))
		return 0;
	if (magic == CGROUP_SUPER_MAGIC || magic == CGROUP2_SUPER_MAGIC ||
	    (is_system_fs(magic) && (want & BPFENCE_PERM_WRITE)))
		return file_deny(v, hook, file, BPFENCE_CLASS_SYSTEM, EPERM, true, want);
	if (!v->policy)
		return file_deny(v, hook, file, BPFENCE_CLASS_NOPOLICY, EACCES, false, want);
	/* Reopening a pipe or socket the task already holds (/dev/stdout, /proc/self/fd/N) names
	 * no file in any tree; it grants nothing the fd did not. */
	if (magic == PIPEFS_MAGIC || magic == SOCKFS_MAGIC)
		return 0;
	/* A pidfd (pidfd_open, clone(CLONE_PIDFD)) names a process, not a file: what it can do
	 * is decided by task_kill, ptrace_access_check and the seccomp layer (pidfd_getfd). */
	if (magic == PIDFS_MAGIC)
		return 0;
	/* A POSIX message queue (mq_open, or a mount of the mqueue fs) belongs to an IPC
	 * namespace: the invocation's own (`run` gives it one) is its to use, the host's is not. */
	/* The invocation's own processes' /proc entries, for reading: a process listing its own
	 * fds (/proc/self/fd: Python's multiprocessing spawn, closing inherited fds), reading its
	 * own status or maps. Writing (/proc/PID/mem, attr, ...) stays with the policy (denied),
	 * and so does every other process's entry (SECURITY.md: /proc of processes outside). */
	if (magic == PROC_SUPER_MAGIC && want == BPFENCE_PERM_READ && own_proc_entry(v, dentry))
		return 0;
	if (magic == MQUEUE_MAGIC)
		return in_host_ipc_ns() ? file_deny(v, hook, file, BPFENCE_CLASS_IPC, EPERM, false, want) :
					  0;
	if (decide_path(v->rules, file, want))
		return 0;
	return file_deny(v, hook, file, BPFENCE_CLASS_FILE, EACCES, false, want);
}

BPFENCE_LSM("lsm/file_open", file_open, struct file *file, int ret)
{
	struct verdict v;

	if (ret)
		return ret;
	if (!load_verdict(&v))
		return 0;
	return open_decide(&v, BPFENCE_HOOK_FILE_OPEN, file);
}

/*
 * Executable mappings of files need the map (or exec) grant: otherwise `ld.so ./x`, or any
 * loader written in the function's own language, runs code that the exec set never allowed.
 * Anonymous executable memory (JITs) is not a file and stays allowed: it gains no access.
 */
static __always_inline int map_check(struct file *file, unsigned long prot, int hook)
{
	struct verdict v;
	struct bpfence_event *e;
	struct dentry *dentry;

	if (!file || !(prot & PROT_EXEC))
		return 0;
	if (!load_verdict(&v))
		return 0;
	dentry = BPF_CORE_READ(file, f_path.dentry);
	/* mprotect of an overlay file's mapping names the backing file (vma->vm_file). */
	if (v.policy && decide_path(v.rules, file, BPFENCE_PERM_MAP))
		return 0;
	e = scratch_event();
	if (e) {
		fill_file_obj(e, dentry, BPFENCE_PERM_MAP);
		fill_path(e, dentry, BPF_CORE_READ(file, f_path.mnt), NULL);
	}
	return deny(&v, hook, v.policy ? BPFENCE_CLASS_FILE : BPFENCE_CLASS_NOPOLICY, EACCES,
		    false, e);
}

BPFENCE_LSM("lsm/mmap_file", mmap_file, struct file *file, unsigned long reqprot, unsigned long prot,
	     unsigned long flags, int ret)
{
	if (ret)
		return ret;
	return map_check(file, prot, BPFENCE_HOOK_MMAP_FILE);
}

BPFENCE_LSM("lsm/file_mprotect", file_mprotect, struct vm_area_struct *vma, unsigned long reqprot,
	     unsigned long prot, int ret)
{
	if (ret)
		return ret;
	return map_check(BPF_CORE_READ(vma, vm_file), prot, BPFENCE_HOOK_FILE_MPROTECT);
}

/*
 * A file descriptor passed in over SCM_RIGHTS must be one the function could have opened
 * itself: a file inside its grants, a socket made inside the invocation, or a pipe. Otherwise
 * an outside process it may talk to could hand it the broker connection or /etc/shadow.
 */
BPFENCE_LSM("lsm/file_receive", file_receive, struct file *file, int ret)
{
	struct bpfence_event *e;
	struct dentry *dentry;
	unsigned long magic;
	struct verdict v;
	__u32 want;

	if (ret)
		return ret;
	if (!load_verdict(&v))
		return 0;
	dentry = BPF_CORE_READ(file, f_path.dentry);
	magic = magic_of(dentry);
	if (magic == PIPEFS_MAGIC)
		return 0;
	if (magic == SOCKFS_MAGIC) {
		struct socket *sock = BPF_CORE_READ(file, private_data);

		if (in_invocation(&v, sock_cgroup_id(BPF_CORE_READ(sock, sk))))
			return 0;
		e = scratch_event();
		if (e)
			e->object = BPFENCE_OBJ_UNIX;
		return deny(&v, BPFENCE_HOOK_FILE_RECEIVE, BPFENCE_CLASS_UNIX, EACCES, false, e);
	}
	want = fmode_want(BPF_CORE_READ(file, f_mode));
	if (magic != ANON_INODE_FS_MAGIC && v.policy && !is_system_fs(magic) &&
	    file_granted(v.rules, dentry, BPF_CORE_READ(file, f_path.mnt), want))
		return 0;
	e = scratch_event();
	if (e) {
		fill_file_obj(e, dentry, want);
		fill_path(e, dentry, BPF_CORE_READ(file, f_path.mnt), NULL);
	}
	return deny(&v, BPFENCE_HOOK_FILE_RECEIVE, BPFENCE_CLASS_FILE, EACCES, false, e);
}

/*
 * Path operations that change the tree (create, remove, link, rename, truncate, chmod, chown)
 * need the write grant on the directory (or object) they change. On cgroupfs, bpffs and
 * securityfs they are denied whatever the policy says. mnt NULL: see file_granted().
 */
static __always_inline int path_write(int hook, struct dentry *dentry, struct vfsmount *mnt,
				      struct dentry *leaf)
{
	struct bpfence_event *e;
	struct verdict v;
	bool system;

	if (!load_verdict(&v))
		return 0;
	system = is_system_fs(magic_of(dentry));
	if (!system && v.policy &&
	    file_granted(v.rules, dentry, mnt, BPFENCE_PERM_WRITE))
		return 0;
	e = scratch_event();
	if (e) {
		/* The record names the object the operation makes or removes (leaf, in dentry),
		 * else the object itself: a person acts on the full path. */
		fill_file_obj(e, leaf ? leaf : dentry, BPFENCE_PERM_WRITE);
		fill_path(e, dentry, mnt, leaf);
	}
	if (system)
		return deny(&v, hook, BPFENCE_CLASS_SYSTEM, EPERM, true, e);
	return deny(&v, hook, BPFENCE_CLASS_FILE, EACCES, false, e);
}

BPFENCE_LSM("lsm/path_mknod", path_mknod, const struct path *dir, struct dentry *dentry, umode_t mode,
	     unsigned int dev, int ret)
{
	if (ret)
		return ret;
	return path_write(BPFENCE_HOOK_PATH_MKNOD, BPF_CORE_READ(dir, dentry), BPF_CORE_READ(dir, mnt),
			  dentry);
}

BPFENCE_LSM("lsm/path_mkdir", path_mkdir, const struct path *dir, struct dentry *dentry, umode_t mode, int ret)
{
	if (ret)
		return ret;
	return path_write(BPFENCE_HOOK_PATH_MKDIR, BPF_CORE_READ(dir, dentry), BPF_CORE_READ(dir, mnt),
			  dentry);
}

BPFENCE_LSM("lsm/path_rmdir", path_rmdir, const struct path *dir, struct dentry *dentry, int ret)
{
	if (ret)
		return ret;
	return path_write(BPFENCE_HOOK_PATH_RMDIR, BPF_CORE_READ(dir, dentry), BPF_CORE_READ(dir, mnt),
			  dentry);
}

BPFENCE_LSM("lsm/path_unlink", path_unlink, const struct path *dir, struct dentry *dentry, int ret)
{
	if (ret)
		return ret;
	return path_write(BPFENCE_HOOK_PATH_UNLINK, BPF_CORE_READ(dir, dentry),
			  BPF_CORE_READ(dir, mnt), dentry);
}

BPFENCE_LSM("lsm/path_symlink", path_symlink, const struct path *dir, struct dentry *dentry, const char *old_name,
	     int ret)
{
	if (ret)
		return ret;
	return path_write(BPFENCE_HOOK_PATH_SYMLINK, BPF_CORE_READ(dir, dentry),
			  BPF_CORE_READ(dir, mnt), dentry);
}

/* A hardlink makes the old object reachable from the new directory: both need the write grant,
 * so a denied file can't be linked into a writable directory. Links never cross mounts.
 * Two programs on the one hook (the second sees the first's refusal in ret and keeps it): one
 * path_write each keeps each program well inside the verifier's budget, which two inlined
 * walks with full-path records in one program are not. */
BPFENCE_LSM("lsm/path_link", path_link, struct dentry *old_dentry, const struct path *new_dir,
	     struct dentry *new_dentry, int ret)
{
	if (ret)
		return ret;
	return path_write(BPFENCE_HOOK_PATH_LINK, BPF_CORE_READ(new_dir, dentry),
			  BPF_CORE_READ(new_dir, mnt), new_dentry);
}

BPFENCE_LSM("lsm/path_link", path_link_old, struct dentry *old_dentry, const struct path *new_dir,
	     struct dentry *new_dentry, int ret)
{
	if (ret)
		return ret;
	return path_write(BPFENCE_HOOK_PATH_LINK, old_dentry, BPF_CORE_READ(new_dir, mnt), NULL);
}

/* Rename moves an object between subtrees: the object itself and both directories need the write
 * grant, so nothing denied can be moved into a granted tree or a granted tree moved elsewhere.
 * Two programs, as for path_link. */
BPFENCE_LSM("lsm/path_rename", path_rename, const struct path *old_dir, struct dentry *old_dentry,
	     const struct path *new_dir, struct dentry *new_dentry, unsigned int flags, int ret)
{
	if (ret)
		return ret;
	return path_write(BPFENCE_HOOK_PATH_RENAME, old_dentry, BPF_CORE_READ(old_dir, mnt), NULL);
}

BPFENCE_LSM("lsm/path_rename", path_rename_new, const struct path *old_dir,
	     struct dentry *old_dentry, const struct path *new_dir, struct dentry *new_dentry,
	     unsigned int flags, int ret)
{
	if (ret)
		return ret;
	return path_write(BPFENCE_HOOK_PATH_RENAME, BPF_CORE_READ(new_dir, dentry),
			  BPF_CORE_READ(new_dir, mnt), new_dentry);
}

BPFENCE_LSM("lsm/path_truncate", path_truncate, const struct path *path, int ret)
{
	if (ret)
		return ret;
	return path_write(BPFENCE_HOOK_PATH_TRUNCATE, BPF_CORE_READ(path, dentry),
			  BPF_CORE_READ(path, mnt), NULL);
}

BPFENCE_LSM("lsm/path_chmod", path_chmod, const struct path *path, umode_t mode, int ret)
{
	if (ret)
		return ret;
	return path_write(BPFENCE_HOOK_PATH_CHMOD, BPF_CORE_READ(path, dentry),
			  BPF_CORE_READ(path, mnt), NULL);
}

/* kuid_t/kgid_t are one-word structs passed by value: read them as plain words. */
BPFENCE_LSM("lsm/path_chown", path_chown, const struct path *path, unsigned int uid, unsigned int gid, int ret)
{
	if (ret)
		return ret;
	return path_write(BPFENCE_HOOK_PATH_CHOWN, BPF_CORE_READ(path, dentry),
			  BPF_CORE_READ(path, mnt), NULL);
}

/*
 * Socket creation: the family must be granted; for inet families only plain TCP and UDP exist
 * (no raw, ICMP ping, SCTP, MPTCP, UDP-Lite): connect/sendmsg below understand exactly those.
 */
BPFENCE_LSM("lsm/socket_create", socket_create, int family, int type, int protocol, int kern, int ret)
{
	struct verdict v;
	struct bpfence_event *e;

	if (ret)
		return ret;
	if (kern)
		return 0;
	if (!load_tag(&v))
		return 0;
	/* The canary answers for the cgroup (programs attached, cgroup tagged), armed or not:
	 * `bpfence oci-hook` asks it from a process that is not armed. */
	if (family == AF_UNSPEC && protocol == BPFENCE_CANARY_PROTO)
		return -BPFENCE_CANARY_ERRNO;
	if (!armed(&v))
		return 0;
	e = scratch_event();
	if (e) {
		e->object = BPFENCE_OBJ_SOCKET;
		e->family = family;
		e->proto = protocol;
		e->port = type;
	}
	if (!v.policy)
		return deny(&v, BPFENCE_HOOK_SOCKET_CREATE, BPFENCE_CLASS_NOPOLICY, EACCES, false, e);
	if (family < 0 || family >= 64 || !(v.policy->families & (1ULL << family)))
		return deny(&v, BPFENCE_HOOK_SOCKET_CREATE, BPFENCE_CLASS_SOCKET, EACCES, false, e);
	if (family == AF_INET || family == AF_INET6) {
		bool ok = (type == SOCK_STREAM && (protocol == IPPROTO_IP || protocol == IPPROTO_TCP)) ||
			  (type == SOCK_DGRAM && (protocol == IPPROTO_IP || protocol == IPPROTO_UDP));

		if (!ok)
			return deny(&v, BPFENCE_HOOK_SOCKET_CREATE, BPFENCE_CLASS_SOCKET, EACCES, false,
				    e);
	}
	return 0;
}

static __always_inline bool addr_is_local_class(const __u8 a[16])
{
	__u32 w0, w1, w2, w3;

	__builtin_memcpy(&w0, a, 4);
	__builtin_memcpy(&w1, a + 4, 4);
	__builtin_memcpy(&w2, a + 8, 4);
	__builtin_memcpy(&w3, a + 12, 4);
	if (w0 == 0 && w1 == 0) {
		/* ::, ::1 */
		if (w2 == 0 && (w3 == 0 || w3 == bpf_htonl(1)))
			return true;
		/* ::ffff:0.0.0.0 and ::ffff:127.0.0.0/8 */
		if (w2 == bpf_htonl(0xffff) && (w3 == 0 || a[12] == 127))
			return true;
	}
	return false;
}

static __always_inline void fill_inet_obj(struct bpfence_event *e, const __u8 addr[16], __u16 port,
					  __u8 proto)
{
	e->object = BPFENCE_OBJ_INET;
	e->proto = proto;
	e->port = port;
	__builtin_memcpy(e->addr, addr, 16);
}

/* Is addr:port (v4-mapped or v6) one of the policy's broker addresses? Any loopback or
 * wildcard form of a loopback broker port counts. v->policy must be set. */
static __always_inline bool is_broker(const struct verdict *v, const __u8 addr[16], __u16 port)
{
	const struct bpfence_policy *p = v->policy;
	struct bpfence_broker_key bk = {};

	if (addr_is_local_class(addr)) {
		for (int i = 0; i < BPFENCE_BROKER_LOCAL_MAX; i++) {
			if (i >= p->n_broker_local)
				break;
			if (p->broker_local_ports[i] == port)
				return true;
		}
	}
	bk.invocation = v->rules;
	__builtin_memcpy(bk.addr, addr, 16);
	bk.port = port;
	return bpf_map_lookup_elem(&net_broker, &bk) != NULL;
}

/* :: or ::ffff:0.0.0.0, a wildcard bind. */
static __always_inline bool addr_is_any(const __u8 a[16])
{
	__u64 hi, lo;

	__builtin_memcpy(&hi, a, 8);
	__builtin_memcpy(&lo, a + 8, 8);
	return hi == 0 && (lo == 0 || lo == bpf_htonl(0xffff));
}

struct broker_port_ctx {
	__u64 rules;
	__u16 port;
	bool hit;
};

static long broker_port_cb(struct bpf_map *map, const struct bpfence_broker_key *k, __u32 *val,
			   struct broker_port_ctx *c)
{
	if (k->invocation == c->rules && k->port == c->port) {
		c->hit = true;
		return 1; /* stop */
	}
	return 0;
}

/* Is `port` the port of any of the policy's broker addresses? A walk of net_broker: only for a
 * tagged task's wildcard listen under connect = allow, which is rare. */
static __always_inline bool broker_port(const struct verdict *v, __u16 port)
{
	struct broker_port_ctx c = { .rules = v->rules, .port = port };

	bpf_for_each_map_elem(&net_broker, broker_port_cb, &c, 0);
	return c.hit;
}

/*
 * The decision for an inet destination: broker first (denied even when the network is open),
 * then connect = allow, then the longest matching allow rule.
 */
static __always_inline int inet_decide(const struct verdict *v, const __u8 addr[16], __u16 port,
				       __u8 proto, int hook, struct bpfence_event *e)
{
	const struct bpfence_policy *p = v->policy;
	struct bpfence_net_key nk = {};
	struct bpfence_net_ports *ports;
	__u64 inv = v->rules;

	if (e)
		fill_inet_obj(e, addr, port, proto);
	if (!p)
		return deny(v, hook, BPFENCE_CLASS_NOPOLICY, EPERM, false, e);
	if (is_broker(v, addr, port))
		return deny(v, hook, BPFENCE_CLASS_BROKER, EPERM, false, e);

	if (p->flags & BPFENCE_POLICY_CONNECT_ALLOW)
		return 0;

	nk.prefixlen = 64 + 128;
	__builtin_memcpy(nk.data, &inv, 8);
	__builtin_memcpy(nk.data + 8, addr, 16);
	ports = bpf_map_lookup_elem(&net_rules, &nk);
	if (ports) {
		for (int i = 0; i < BPFENCE_NET_PORTS_MAX; i++) {
			if (i >= ports->n)
				break;
			if ((!ports->p[i].proto || ports->p[i].proto == proto) &&
			    (!ports->p[i].port || ports->p[i].port == port))
				return 0;
		}
	}
	return deny(v, hook, BPFENCE_CLASS_CONNECT, EPERM, false, e);
}

/*
 * Read the destination from a kernel sockaddr of `len` bytes into v4-mapped/v6 form. `unspec_v4`:
 * udp_sendmsg treats AF_UNSPEC as AF_INET, so sendmsg on an inet socket must too.
 * Returns 0, 1 for "no destination" (AF_UNSPEC disconnect), or -1 for "malformed: deny".
 */
static __always_inline int read_inet_addr(const void *sa, int len, bool unspec_v4, __u8 addr[16],
					  __u16 *port)
{
	struct sockaddr_in6 s6 = {};
	struct sockaddr_in s4 = {};
	__u16 family;

	if (len < (int)sizeof(family))
		return -1;
	if (bpf_probe_read_kernel(&family, sizeof(family), sa))
		return -1;
	if (family == AF_UNSPEC && !unspec_v4)
		return 1;
	if (family == AF_INET || family == AF_UNSPEC) {
		if (len < (int)sizeof(s4) || bpf_probe_read_kernel(&s4, sizeof(s4), sa))
			return -1;
		__builtin_memset(addr, 0, 10);
		addr[10] = 0xff;
		addr[11] = 0xff;
		__builtin_memcpy(addr + 12, &s4.sin_addr.s_addr, 4);
		*port = bpf_ntohs(s4.sin_port);
		return 0;
	}
	if (family == AF_INET6) {
		/* SIN6_LEN_RFC2133: the kernel accepts 24 bytes (no scope id). */
		if (len < 24 || bpf_probe_read_kernel(&s6, 24, sa))
			return -1;
		__builtin_memcpy(addr, &s6.sin6_addr, 16);
		*port = bpf_ntohs(s6.sin6_port);
		return 0;
	}
	return -1;
}

static __always_inline __u8 proto_of(struct socket *sock)
{
	return BPF_CORE_READ(sock, type) == SOCK_STREAM ? IPPROTO_TCP : IPPROTO_UDP;
}

/* A socket hook reached without sock->sk (the socket is being torn down): nothing to decide on,
 * so a tagged task is refused (fail closed) and an untagged one left alone. */
static __always_inline int no_sock_deny(int hook)
{
	struct bpfence_event *e;
	struct verdict v;

	if (!load_verdict(&v))
		return 0;
	e = scratch_event();
	if (e)
		e->object = BPFENCE_OBJ_SOCKET;
	return deny(&v, hook, BPFENCE_CLASS_SOCKET, EPERM, false, e);
}

/*
 * The destination of a connect (sa, len) or of a sendmsg (msg: its msg_name, read only once the
 * task is known to be tagged). Untagged tasks pay two plain loads (the socket's family, read
 * through the hook's BTF-typed argument, no helper call) and one tag lookup, nothing else.
 */
static __always_inline int inet_check(struct socket *sock, struct msghdr *msg, const void *sa,
				      int len, bool unspec_v4, int hook)
{
	struct sock *sk = sock->sk;
	struct bpfence_event *e;
	struct verdict v;
	__u8 addr[16];
	__u16 family;
	__u16 port = 0;
	int r;

	/* sock->sk is a maybe-NULL pointer to newer verifiers (6.12). A socket without one has
	 * nothing to connect; should a tagged task ever get here with one, it is denied. */
	if (!sk)
		return no_sock_deny(hook);
	family = sk->__sk_common.skc_family;
	if (family != AF_INET && family != AF_INET6)
		return 0; /* unix: decided on the peer below; others exist only if granted */
	if (!load_verdict(&v))
		return 0;
	if (msg) {
		sa = BPF_CORE_READ(msg, msg_name);
		len = BPF_CORE_READ(msg, msg_namelen);
	}
	if (!sa && hook == BPFENCE_HOOK_SOCKET_SENDMSG)
		return 0; /* connected socket: its destination was checked at connect */
	e = scratch_event();
	r = sa ? read_inet_addr(sa, len, unspec_v4, addr, &port) : -1;
	if (r == 1)
		return 0;
	if (r < 0) {
		if (e) {
			e->object = BPFENCE_OBJ_INET;
			e->family = family;
		}
		return deny(&v, hook, BPFENCE_CLASS_CONNECT, EPERM, false, e);
	}
	if (e)
		e->family = family;
	return inet_decide(&v, addr, port, proto_of(sock), hook, e);
}

BPFENCE_LSM("lsm/socket_connect", socket_connect, struct socket *sock, struct sockaddr *address, int addrlen, int ret)
{
	if (ret)
		return ret;
	return inet_check(sock, NULL, address, addrlen, false, BPFENCE_HOOK_SOCKET_CONNECT);
}

/* Every datagram destination is checked here, not only connect(): unconnected UDP sendto,
 * sendmsg, sendmmsg, TCP fast open, io_uring sends. */
BPFENCE_LSM("lsm/socket_sendmsg", socket_sendmsg, struct socket *sock, struct msghdr *msg, int size, int ret)
{
	if (ret)
		return ret;
	return inet_check(sock, msg, NULL, 0, true, BPFENCE_HOOK_SOCKET_SENDMSG);
}

/*
 * Unix sockets are decided on the peer socket object, never on sun_path: its bound inode (so
 * every alias of the broker path is the same broker), its abstract name, and the cgroup of the
 * task that created it (sockets made inside the same invocation are the function's own).
 */
static __always_inline int unix_peer_check(struct sock *other, int hook)
{
	struct unix_sock *u = (struct unix_sock *)other; /* sk is the first member */
	struct bpfence_unix_abstract_key *ak;
	struct bpfence_event *e;
	struct unix_address *ua;
	struct dentry *dentry;
	struct verdict v;
	__u32 *verdict = NULL;

	if (!load_verdict(&v))
		return 0;
	e = scratch_event();
	if (e)
		e->object = BPFENCE_OBJ_UNIX;
	if (!v.policy)
		return deny(&v, hook, BPFENCE_CLASS_NOPOLICY, EACCES, false, e);
	if (!other)
		return deny(&v, hook, BPFENCE_CLASS_UNIX, EACCES, false, e);

	dentry = BPF_CORE_READ(u, path.dentry);
	ua = BPF_CORE_READ(u, addr);
	if (dentry) {
		struct inode *inode = BPF_CORE_READ(dentry, d_inode);
		struct bpfence_unix_key k = { .invocation = v.rules };

		k.ino = BPF_CORE_READ(inode, i_ino);
		k.dev = kdev_of(inode);
		if (e) {
			e->ino = k.ino;
			e->dev = k.dev;
			bpf_probe_read_kernel_str(e->path, sizeof(e->path),
						  BPF_CORE_READ(dentry, d_name.name));
		}
		verdict = bpf_map_lookup_elem(&unix_rules, &k);
	} else if (ua && e) {
		/* Abstract: sun_path[0] == 0 and the name follows; len counts sun_family and that
		 * NUL. The key is built in the event's path buffer (per-CPU, zeroed, large enough),
		 * then the buffer is rewritten as "@name" for the audit record. */
		__u64 n = (__u32)(BPF_CORE_READ(ua, len) - sizeof(__u16) - 1);
		const char *src = (const char *)ua->name[0].sun_path + 1;

		ak = (struct bpfence_unix_abstract_key *)e->path;
		if (n >= 1 && n < BPFENCE_UNIX_NAME_MAX) {
			/* The mask only tells the verifier what the test above already ensured
			 * (the barrier stops clang from folding it away); both destinations have
			 * 128 bytes of room inside the event. */
			asm volatile("" : "+r"(n));
			n &= 127;
			ak->invocation = v.rules;
			ak->len = n;
			bpf_probe_read_kernel(ak->name, n, src);
			verdict = bpf_map_lookup_elem(&unix_abstract, ak);
			__builtin_memset(e->path, 0, sizeof(struct bpfence_unix_abstract_key));
			e->path[0] = '@';
			bpf_probe_read_kernel(e->path + 1, n, src);
		}
	}
	if (verdict && *verdict == BPFENCE_UNIX_BROKER)
		return deny(&v, hook, BPFENCE_CLASS_BROKER, EACCES, false, e);

	if (in_invocation(&v, sock_cgroup_id(other)))
		return 0;
	if (verdict && *verdict == BPFENCE_UNIX_ALLOW)
		return 0;
	return deny(&v, hook, BPFENCE_CLASS_UNIX, EACCES, false, e);
}

BPFENCE_LSM("lsm/unix_stream_connect", unix_stream_connect, struct sock *sock, struct sock *other, struct sock *newsk,
	     int ret)
{
	if (ret)
		return ret;
	return unix_peer_check(other, BPFENCE_HOOK_UNIX_STREAM_CONNECT);
}

BPFENCE_LSM("lsm/unix_may_send", unix_may_send, struct socket *sock, struct socket *other, int ret)
{
	if (ret)
		return ret;
	/* other->sk may be NULL to newer verifiers: unix_peer_check() denies a NULL peer. */
	return unix_peer_check(other->sk, BPFENCE_HOOK_UNIX_MAY_SEND);
}

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

/* An inet listener would let anyone reach in, and replies on an accepted connection never pass
 * a connect() check: with connect = deny, listening is denied too. */
BPFENCE_LSM("lsm/socket_listen", socket_listen, struct socket *sock, int backlog, int ret)
{
	struct sock *sk0 = sock->sk;
	struct bpfence_event *e;
	struct verdict v;
	__u16 family;

	if (ret)
		return ret;
	if (!sk0)
		return no_sock_deny(BPFENCE_HOOK_SOCKET_LISTEN);
	family = sk0->__sk_common.skc_family;
	if (family != AF_INET && family != AF_INET6)
		return 0;
	if (!load_verdict(&v))
		return 0;
	if (v.policy && (v.policy->flags & BPFENCE_POLICY_CONNECT_ALLOW)) {
		/* connect = allow still never lets a function squat the broker's port: with the
		 * broker restarting, or through SO_REUSEPORT as the broker's uid, a listener there
		 * would receive the platform's own connections. */
		struct sock_common *sk = &sk0->__sk_common;
		__u16 port = sk->skc_num; /* bound local port, host order */
		__u8 addr[16] = {};

		if (family == AF_INET) {
			__u32 a4 = sk->skc_rcv_saddr;

			addr[10] = 0xff;
			addr[11] = 0xff;
			__builtin_memcpy(addr + 12, &a4, 4);
		} else if (bpf_core_field_exists(sk->skc_v6_rcv_saddr)) {
			BPF_CORE_READ_INTO(&addr, sk, skc_v6_rcv_saddr);
		} else {
			/* No IPv6 in this kernel (the member exists only with CONFIG_IPV6), so
			 * no such listener can exist: refuse whatever this is. */
			e = scratch_event();
			if (e)
				e->object = BPFENCE_OBJ_SOCKET;
			return deny(&v, BPFENCE_HOOK_SOCKET_LISTEN, BPFENCE_CLASS_SOCKET, EPERM,
				    false, e);
		}
		/* A wildcard listener takes loopback connections too (it counts as loopback), and
		 * the connections to every host address: any broker entry on its port counts. */
		if (!is_broker(&v, addr, port) && !(addr_is_any(addr) && broker_port(&v, port)))
			return 0;
		e = scratch_event();
		if (e) {
			fill_inet_obj(e, addr, port, IPPROTO_TCP);
			e->family = family;
		}
		return deny(&v, BPFENCE_HOOK_SOCKET_LISTEN, BPFENCE_CLASS_BROKER, EPERM, false, e);
	}
	e = scratch_event();
	if (e) {
		e->object = BPFENCE_OBJ_SOCKET;
		e->family = family;
		e->port = BPF_CORE_READ(sock, type);
	}
	return deny(&v, BPFENCE_HOOK_SOCKET_LISTEN, BPFENCE_CLASS_CONNECT, EPERM, false, e);
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

/* Extended attributes (security labels, file capabilities, user data) are part of the object:
 * setting or removing one needs the write grant (row 10). The hooks have no mount (path_write
 * with NULL), so only grants inside the object's own file system count. */
BPFENCE_LSM("lsm/inode_setxattr", inode_setxattr, void *idmap, struct dentry *dentry, const char *name,
	     const void *value, size_t size, int flags, int ret)
{
	if (ret)
		return ret;
	return path_write(BPFENCE_HOOK_INODE_SETXATTR, dentry, NULL, NULL);
}

BPFENCE_LSM("lsm/inode_removexattr", inode_removexattr, void *idmap, struct dentry *dentry, const char *name, int ret)
{
	if (ret)
		return ret;
	return path_write(BPFENCE_HOOK_INODE_REMOVEXATTR, dentry, NULL, NULL);
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

/* Remember a backing file opened for a tagged task, with the user's path (see backing_files).
 * Optional: kernels with backing files but without this hook deny the inner opens. */
BPFENCE_LSM("?lsm/backing_file_alloc", backing_file_alloc, struct file *backing_file,
	    const struct file *user_file, int ret)
{
	struct backing_user u;
	__u64 cgroup, key = (__u64)backing_file;

	if (ret)
		return ret;
	if (!tag_of_current(&cgroup))
		return 0;
	u.dentry = (__u64)BPF_CORE_READ(user_file, f_path.dentry);
	u.mnt = (__u64)BPF_CORE_READ(user_file, f_path.mnt);
	bpf_map_update_elem(&backing_files, &key, &u, BPF_ANY);
	return 0;
}

BPFENCE_LSM_VOID("?lsm/backing_file_free", backing_file_free, struct file *backing_file)
{
	__u64 key = (__u64)backing_file;

	bpf_map_delete_elem(&backing_files, &key);
	return 0;
}

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
 * SysV IPC (SECURITY.md row 32). `bpfence run` gives every invocation its own IPC namespace, in
 * which all of this is the function's own and allowed. A tagged task that still shares the
 * host's IPC namespace (a runner's container started with the host IPC, a tagged systemd
 * service) would reach every host queue, semaphore set and segment by key or by id: there SysV
 * IPC is refused, EPERM, class ipc. ipc_permission guards every use of an existing object
 * (msgget/semget/shmget of a key, msgsnd, msgrcv, semop, shmat, *ctl IPC_STAT); the
 * *_alloc_security hooks guard creation; the *ctl hooks the commands that skip ipcperms
 * (IPC_RMID and IPC_SET by the owner, *_STAT_ANY, *_INFO). Untagged tasks pay one tag lookup.
 */
static __always_inline int ipc_deny(int hook, struct kern_ipc_perm *perm, const char kind[5],
				    int err)
{
	struct bpfence_event *e;
	struct verdict v;

	if (!load_verdict(&v))
		return 0;
	if (!in_host_ipc_ns())
		return 0;
	e = scratch_event();
	if (e) {
		e->object = BPFENCE_OBJ_IPC;
		__builtin_memcpy(e->path, kind, 5);
		if (perm) {
			e->ino = (__u32)BPF_CORE_READ(perm, key);
			e->dev = (__u32)BPF_CORE_READ(perm, id);
		}
	}
	return deny(&v, hook, BPFENCE_CLASS_IPC, err, false, e);
}

/* ipcperms() callers turn any refusal into EACCES: say EACCES, so the record names what the task
 * saw. The other hooks' errors reach the task as they are. */
BPFENCE_LSM("lsm/ipc_permission", ipc_permission, struct kern_ipc_perm *ipcp, short flag, int ret)
{
	if (ret)
		return ret;
	return ipc_deny(BPFENCE_HOOK_IPC_PERMISSION, ipcp, "sysv", EACCES);
}

BPFENCE_LSM("lsm/msg_queue_alloc_security", msg_queue_alloc, struct kern_ipc_perm *perm, int ret)
{
	if (ret)
		return ret;
	return ipc_deny(BPFENCE_HOOK_MSG_QUEUE_ALLOC, perm, "msg", EPERM);
}

BPFENCE_LSM("lsm/msg_queue_msgctl", msg_queue_msgctl, struct kern_ipc_perm *perm, int cmd, int ret)
{
	if (ret)
		return ret;
	return ipc_deny(BPFENCE_HOOK_MSG_QUEUE_MSGCTL, perm, "msg", EPERM);
}

BPFENCE_LSM("lsm/shm_alloc_security", shm_alloc, struct kern_ipc_perm *perm, int ret)
{
	if (ret)
		return ret;
	return ipc_deny(BPFENCE_HOOK_SHM_ALLOC, perm, "shm", EPERM);
}

BPFENCE_LSM("lsm/shm_shmctl", shm_shmctl, struct kern_ipc_perm *perm, int cmd, int ret)
{
	if (ret)
		return ret;
	return ipc_deny(BPFENCE_HOOK_SHM_SHMCTL, perm, "shm", EPERM);
}

BPFENCE_LSM("lsm/sem_alloc_security", sem_alloc, struct kern_ipc_perm *perm, int ret)
{
	if (ret)
		return ret;
	return ipc_deny(BPFENCE_HOOK_SEM_ALLOC, perm, "sem", EPERM);
}

BPFENCE_LSM("lsm/sem_semctl", sem_semctl, struct kern_ipc_perm *perm, int cmd, int ret)
{
	if (ret)
		return ret;
	return ipc_deny(BPFENCE_HOOK_SEM_SEMCTL, perm, "sem", EPERM);
}

/* mq_unlink() removes a queue with vfs_unlink() alone (no path hook): a tagged task in the host's
 * IPC namespace must not delete the host's queues by name. Every other unlink pays two loads.
 * EACCES: glibc's mq_unlink() turns EPERM into EACCES (POSIX), so the record says what the task
 * sees. */
BPFENCE_LSM("lsm/inode_unlink", inode_unlink, struct inode *dir, struct dentry *dentry, int ret)
{
	struct verdict v;

	if (ret)
		return ret;
	if (magic_of(dentry) != MQUEUE_MAGIC || !load_verdict(&v) || !in_host_ipc_ns())
		return 0;
	{
		struct bpfence_event *e = scratch_event();

		if (e) {
			fill_file_obj(e, dentry, BPFENCE_PERM_WRITE);
			fill_path(e, dentry, NULL, NULL);
		}
		return deny(&v, BPFENCE_HOOK_INODE_UNLINK, BPFENCE_CLASS_IPC, EACCES, false, e);
	}
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
