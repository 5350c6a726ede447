// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unix sockets, decided on the peer socket object, never on sun_path: its bound inode
 * (unix_rules), its abstract name (unix_abstract) and the cgroup of the task that created it.
 * Owns those two maps and the stream connect and datagram send hooks.
 *
 * Leaves to others: whether a unix socket may be made at all (network.bpf.h, socket_create by
 * family), unix sockets received as descriptors (files.bpf.h, file_receive), the verdict and the
 * records (common.bpf.h).
 */
#ifndef BPFENCE_UNIX_BPF_H
#define BPFENCE_UNIX_BPF_H

#include "common.bpf.h"

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

#endif /* BPFENCE_UNIX_BPF_H */
