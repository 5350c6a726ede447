// SPDX-License-Identifier: GPL-2.0-only
/*
 * Sockets by family, and inet: which families and protocols a task may create (socket_create,
 * unix included), where it may connect or send (the destination read from the kernel's sockaddr,
 * decided against net_rules, longest prefix first), where it may listen, and the broker addresses
 * that nothing restricted may reach or squat (net_broker and the policy's loopback broker
 * ports). Egress by name: for a policy with BPFENCE_POLICY_NAMES, DNS only to the invocation's
 * own resolver and the addresses it granted (name_grants); the resolver's refused queries become
 * records here (dns_notes, socket_create). Owns net_rules, net_broker, name_grants, dns_notes.
 *
 * Leaves to others: unix sockets' peers (unix.bpf.h: connect and sendmsg pass unix sockets on
 * untouched), sockets received over SCM_RIGHTS (files.bpf.h, file_receive), the verdict and the
 * records (common.bpf.h).
 */
#ifndef BPFENCE_NETWORK_BPF_H
#define BPFENCE_NETWORK_BPF_H

#include "common.bpf.h"

#define AF_UNSPEC 0
#define AF_UNIX 1
#define AF_INET 2
#define AF_INET6 10

#define SOCK_STREAM 1
#define SOCK_DGRAM 2
#define IPPROTO_IP 0
#define IPPROTO_TCP 6
#define IPPROTO_UDP 17

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

/* Addresses the invocation's resolver answered for an allowed name (bpf/bpfence.h). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, BPFENCE_MAX_NAME_GRANTS);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct bpfence_name_key);
	__type(value, struct bpfence_name_grant);
} name_grants SEC(".maps");

/* A refused query on its way to a record: key the resolver's thread id. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, BPFENCE_MAX_DNS_NOTES);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, __u32);
	__type(value, struct bpfence_dns_note);
} dns_notes SEC(".maps");

/*
 * The record of a query the resolver refused: counted and recorded under the note's invocation
 * like a denial of that invocation's own (class dns), whatever task the resolver is. The
 * resolver is untagged: this is the only thing its socket() call does. Without a note the
 * call goes on to the kernel's EAFNOSUPPORT.
 */
static __always_inline int dns_report(void)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct bpfence_dns_note *n = bpf_map_lookup_elem(&dns_notes, &tid);
	struct bpfence_tag t = {};
	struct bpfence_event *e;
	struct verdict v = {};
	__u64 inv;

	if (!n)
		return 0;
	inv = n->invocation;
	t.invocation = inv;
	v.tag = &t;
	v.cgroup = inv;
	v.policy = bpf_map_lookup_elem(&policies, &inv);
	v.rules = v.policy ? v.policy->rules : 0;
	e = scratch_event();
	if (e) {
		e->object = BPFENCE_OBJ_DNS;
		e->port = n->qtype;
		e->mask = n->reason;
		__builtin_memcpy(e->addr, n->addr, sizeof(e->addr));
		__builtin_memcpy(e->path, n->name, sizeof(e->path));
	}
	deny(&v, BPFENCE_HOOK_RESOLVER, BPFENCE_CLASS_DNS, EPERM, false, e);
	bpf_map_delete_elem(&dns_notes, &tid);
	return neg_errno(EPERM);
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
	if (family == AF_UNSPEC && protocol == BPFENCE_DNS_PROTO)
		return dns_report();
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

/* Is addr:port the invocation's own resolver (v4-mapped 127.x.y.z, port 53, TCP or UDP)? */
static __always_inline bool is_resolver(const struct bpfence_policy *p, const __u8 addr[16],
					__u16 port)
{
	__u64 hi;
	__u32 w2, w3;

	__builtin_memcpy(&hi, addr, 8);
	__builtin_memcpy(&w2, addr + 8, 4);
	__builtin_memcpy(&w3, addr + 12, 4);
	return port == BPFENCE_DNS_PORT && p->resolver4 && w3 == p->resolver4 && hi == 0 &&
	       w2 == bpf_htonl(0xffff);
}

/* Did the invocation's resolver grant addr:port/proto through a name, and is the grant still
 * valid? A grant that no longer applies (expired, another port) names its name in the record. */
static __always_inline bool name_granted(const struct verdict *v, const __u8 addr[16], __u16 port,
					 __u8 proto, struct bpfence_event *e)
{
	struct bpfence_name_key k = {};
	struct bpfence_name_grant *g;

	k.invocation = v->rules;
	__builtin_memcpy(k.addr, addr, 16);
	g = bpf_map_lookup_elem(&name_grants, &k);
	if (!g)
		return false;
	if (bpf_ktime_get_boot_ns() < g->expires_ns) {
		for (int i = 0; i < BPFENCE_NET_PORTS_MAX; i++) {
			if (i >= g->n)
				break;
			if ((!g->p[i].proto || g->p[i].proto == proto) &&
			    (!g->p[i].port || g->p[i].port == port))
				return true;
		}
	}
	if (e)
		__builtin_memcpy(e->path, g->name, sizeof(e->path));
	return false;
}

/*
 * The decision for an inet destination: broker first (denied even when the network is open),
 * then connect = allow, then (policies with names) DNS only to the invocation's resolver, then
 * the longest matching allow rule, then (policies with names) the addresses names answered.
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
	/* Names are resolved by bpfence's resolver only: a server of the function's choosing
	 * would answer what it likes, and DNS itself carries data out. */
	if ((p->flags & BPFENCE_POLICY_NAMES) &&
	    (port == BPFENCE_DNS_PORT || port == BPFENCE_DOT_PORT)) {
		if (is_resolver(p, addr, port))
			return 0;
		return deny(v, hook, BPFENCE_CLASS_CONNECT, EPERM, false, e);
	}

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
	if ((p->flags & BPFENCE_POLICY_NAMES) && name_granted(v, addr, port, proto, e))
		return 0;
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

#endif /* BPFENCE_NETWORK_BPF_H */
