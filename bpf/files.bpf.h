// SPDX-License-Identifier: GPL-2.0-only
/*
 * Files: decisions on file system objects, and the hooks that make them. Owns the file_rules
 * map and its walk (file_granted: from the object up through its real ancestry, across mounts),
 * the path a denial's record carries (bpfence_fill_path, the one global function, verified once),
 * the decision on opening a file (open_decide: file_open's, and the arming exec's in
 * arming.bpf.h), executable mappings, descriptors received over SCM_RIGHTS, the path and xattr
 * hooks that change the tree, and backing files (overlayfs), decided on the path the user opened.
 *
 * Leaves to others: who is restricted and how a denial is recorded (common.bpf.h); sockets'
 * own checks (network.bpf.h, unix.bpf.h); mounts and terminal ioctls (tasks.bpf.h, whose records
 * use fill_file_obj and fill_path from here); message queue unlinks (ipc.bpf.h).
 */
#ifndef BPFENCE_FILES_BPF_H
#define BPFENCE_FILES_BPF_H

#include "common.bpf.h"

#define FMODE_READ 0x1
#define FMODE_WRITE 0x2
#define PROT_EXEC 0x4
#define S_IFMT 0170000
#define S_IFREG 0100000
#define S_IFCHR 0020000
#define S_IFBLK 0060000

#define ANON_INODE_FS_MAGIC 0x09041934
/* An exec open is marked in f_flags (__FMODE_EXEC, from do_open_execat), not in f_mode. */
#define __FMODE_EXEC 0x20

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

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, BPFENCE_MAX_FILE_RULES);
	__type(key, struct bpfence_file_key);
	__type(value, __u32); /* BPFENCE_PERM_* granted on the subtree */
} file_rules SEC(".maps");

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

#endif /* BPFENCE_FILES_BPF_H */
