// SPDX-License-Identifier: GPL-2.0-only
/* The resolver of one invocation whose policy names DNS names (loader/resolver.h). */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>

#include "dns.h"
#include "resolver.h"

#define MSG_MAX	   65535
#define BIND_TRIES 32

bool resolver_needed(const struct policy *p)
{
	return p->n_allow_names || p->n_deny_names;
}

void resolver_init(struct resolver *r)
{
	memset(r, 0, sizeof(*r));
	r->udp = r->tcp = r->grants_fd = r->notes_fd = -1;
}

void resolver_for(struct resolver *r, const struct policy *p, __u64 cgid,
		  const struct bpfence_maps *m)
{
	resolver_init(r);
	r->policy = p;
	r->audit = p->mode == POLICY_MODE_AUDIT;
	r->invocation = r->rules = cgid;
	r->grants_fd = m->name_grants;
	r->notes_fd = m->dns_notes;
}

static uint64_t boot_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_BOOTTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

int resolver_upstreams(struct resolver *r, const char *conf)
{
	char line[512];
	FILE *f = fopen(conf, "re");

	if (!f) {
		bpfence_report("cannot find the host's nameservers", "%s: %s", conf,
			       strerror(errno));
		return -1;
	}
	r->n_up = 0;
	while (fgets(line, sizeof(line), f) && r->n_up < RESOLVER_UPSTREAM_MAX) {
		char word[16], addr[128];
		struct sockaddr_in *s4 = (struct sockaddr_in *)&r->up[r->n_up];
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&r->up[r->n_up];
		char *pct;

		if (sscanf(line, " %15s %127s", word, addr) != 2 || strcmp(word, "nameserver"))
			continue;
		/* fe80::1%eth0: the scope is an interface name. */
		pct = strchr(addr, '%');
		if (pct)
			*pct = 0;
		memset(&r->up[r->n_up], 0, sizeof(r->up[0]));
		if (inet_pton(AF_INET, addr, &s4->sin_addr) == 1) {
			s4->sin_family = AF_INET;
			s4->sin_port = htons(53);
			r->up_len[r->n_up++] = sizeof(*s4);
		} else if (inet_pton(AF_INET6, addr, &s6->sin6_addr) == 1) {
			s6->sin6_family = AF_INET6;
			s6->sin6_port = htons(53);
			if (pct)
				s6->sin6_scope_id = if_nametoindex(pct + 1);
			r->up_len[r->n_up++] = sizeof(*s6);
		}
	}
	fclose(f);
	if (!r->n_up) {
		bpfence_report("cannot resolve the policy's names",
			       "%s names no nameserver to forward them to", conf);
		return -1;
	}
	return 0;
}

void resolver_close(struct resolver *r)
{
	if (r->udp >= 0)
		close(r->udp);
	if (r->tcp >= 0)
		close(r->tcp);
	r->udp = r->tcp = -1;
}

static int listen_on(struct resolver *r, uint32_t a4)
{
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(53)};
	int one = 1;

	sa.sin_addr.s_addr = a4;
	r->udp = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	r->tcp = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (r->udp < 0 || r->tcp < 0 ||
	    setsockopt(r->tcp, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    bind(r->udp, (struct sockaddr *)&sa, sizeof(sa)) ||
	    bind(r->tcp, (struct sockaddr *)&sa, sizeof(sa)) || listen(r->tcp, 16)) {
		int e = errno;

		resolver_close(r);
		return -e;
	}
	r->addr4 = a4;
	return 0;
}

int resolver_open(struct resolver *r)
{
	char text[INET_ADDRSTRLEN];
	int e = 0;

	if (r->addr4) {
		/* A keeper that comes back takes the address the policy entry names. */
		for (int i = 0; i < BIND_TRIES; i++) {
			e = listen_on(r, r->addr4);
			if (e != -EADDRINUSE)
				break;
			poll(NULL, 0, 50);
		}
	} else {
		/* 127.128.0.1 - 127.254.255.254: clear of 127.0.0.1, systemd's 127.0.0.53 and
		 * Debian's 127.0.1.1. The whole of 127/8 is the loopback's: nothing to configure.
		 */
		for (int i = 0; i < BIND_TRIES; i++) {
			uint8_t rnd[3];

			if (getrandom(rnd, sizeof(rnd), 0) != sizeof(rnd))
				return e = -errno, bpfence_report("getrandom", "%s", strerror(-e)),
				       -1;
			e = listen_on(r, htonl(0x7f000000u | (128u + rnd[0] % 127) << 16 |
					       (unsigned)rnd[1] << 8 | (1u + rnd[2] % 254)));
			if (e != -EADDRINUSE)
				break;
		}
	}
	if (e) {
		struct in_addr a = {r->addr4};

		bpfence_report("cannot start the invocation's resolver", "%s:53: %s",
			       r->addr4 ? inet_ntop(AF_INET, &a, text, sizeof(text)) : "127.x.y.z",
			       strerror(-e));
		return -1;
	}
	return 0;
}

/* The invocation's resolv.conf at path (0644), naming only r->addr4. */
static int write_conf(const struct resolver *r, const char *path)
{
	struct in_addr a = { r->addr4 };
	char text[INET_ADDRSTRLEN], body[256];
	int n, e;

	/* No search list: a name is asked as written (a search domain would only add refused
	 * queries). */
	n = snprintf(body, sizeof(body),
		     "# bpfence: this invocation's names are resolved by bpfence's resolver only\n"
		     "nameserver %s\noptions timeout:%d attempts:1\n",
		     inet_ntop(AF_INET, &a, text, sizeof(text)), RESOLVER_TIMEOUT_MS / 1000 + 1);
	e = statefile_write(path, body, (size_t)n);
	if (!e && chmod(path, 0644))
		e = -errno;
	if (e) {
		bpfence_report("cannot write the invocation's resolv.conf", "%s: %s", path,
			       strerror(-e));
		return -1;
	}
	return 0;
}

int resolver_mount(const struct resolver *r, const char *path)
{
	if (write_conf(r, path))
		return -1;
	if (mount(path, RESOLVER_HOST_CONF, NULL, MS_BIND, NULL) ||
	    mount(NULL, RESOLVER_HOST_CONF, NULL, MS_BIND | MS_REMOUNT | MS_RDONLY, NULL)) {
		bpfence_report("cannot point the invocation's /etc/resolv.conf at its resolver",
			       "%s: %s", RESOLVER_HOST_CONF, strerror(errno));
		return -1;
	}
	return 0;
}

/* Enter process pid's namespace of `type` (CLONE_NEWNET, CLONE_NEWNS), keeping this one's in
 * *back: 1 entered, 0 the same namespace already, -errno. */
static int enter_ns(pid_t pid, int type, int *back)
{
	const char *name = type == CLONE_NEWNET ? "net" : "mnt";
	char path[64];
	struct stat a, b;
	int fd, e;

	snprintf(path, sizeof(path), "/proc/self/ns/%s", name);
	*back = open(path, O_RDONLY | O_CLOEXEC);
	snprintf(path, sizeof(path), "/proc/%ld/ns/%s", (long)pid, name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (*back < 0 || fd < 0 || fstat(*back, &a) || fstat(fd, &b)) {
		e = -errno;
		goto fail;
	}
	if (a.st_ino == b.st_ino && a.st_dev == b.st_dev) {
		close(fd);
		close(*back);
		*back = -1;
		return 0;
	}
	if (setns(fd, type)) {
		e = -errno;
		goto fail;
	}
	close(fd);
	return 1;
fail:
	if (fd >= 0)
		close(fd);
	if (*back >= 0)
		close(*back);
	*back = -1;
	return e;
}

/* Back into the namespace enter_ns() left. */
static int leave_ns(int back, int type)
{
	int e = 0;

	if (back < 0)
		return 0;
	if (setns(back, type))
		e = -errno;
	close(back);
	return e;
}

int resolver_open_in(struct resolver *r, pid_t pid)
{
	int back, e = enter_ns(pid, CLONE_NEWNET, &back);

	if (e < 0) {
		bpfence_report("cannot start the invocation's resolver",
			       "the network namespace of process %ld: %s", (long)pid, strerror(-e));
		return -1;
	}
	e = resolver_open(r);
	if (leave_ns(back, CLONE_NEWNET)) {
		bpfence_report("cannot start the invocation's resolver",
			       "cannot return to this network namespace: %s", strerror(errno));
		return -1;
	}
	return e;
}

int resolver_mount_in(const struct resolver *r, const char *path, pid_t pid, const char *target)
{
	struct mount_attr { __u64 attr_set, attr_clr, propagation, userns_fd; } ro = {
		.attr_set = 0x1 /* MOUNT_ATTR_RDONLY */
	};
	int tree, back, e;

	if (write_conf(r, path))
		return -1;
	/* A detached copy of the file made here, attached there: the file stays this side's. */
	tree = (int)syscall(SYS_open_tree, AT_FDCWD, path, 1 /* OPEN_TREE_CLONE */ | O_CLOEXEC);
	if (tree < 0 || syscall(SYS_mount_setattr, tree, "", 0x1000 /* AT_EMPTY_PATH */, &ro,
				sizeof(ro))) {
		bpfence_report("cannot point the container's /etc/resolv.conf at its resolver",
			       "%s: %s", path, strerror(errno));
		if (tree >= 0)
			close(tree);
		return -1;
	}
	e = enter_ns(pid, CLONE_NEWNS, &back);
	if (e >= 0 && syscall(SYS_move_mount, tree, "", AT_FDCWD, target,
			      0x4 /* MOVE_MOUNT_F_EMPTY_PATH */))
		e = -errno;
	close(tree);
	if (leave_ns(back, CLONE_NEWNS) && e >= 0)
		e = -errno;
	if (e < 0) {
		bpfence_report("cannot point the container's /etc/resolv.conf at its resolver",
			       "%s in the mount namespace of process %ld: %s", target, (long)pid,
			       strerror(-e));
		return -1;
	}
	return 0;
}

/* --- the answers --- */

/* Never granted through a name, whatever it answers: only a CIDR line opens these. */
static bool never_by_name(const uint8_t a[16])
{
	static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
	static const uint8_t nat64[12] = {0, 0x64, 0xff, 0x9b, 0, 0, 0, 0, 0, 0, 0, 0};
	/* fd00:ec2::254 */
	static const uint8_t ec2[16] = {0xfd, 0, 0x0e, 0xc2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 0x54};
	static const uint8_t zero[16];

	if (!memcmp(a, mapped, 12) || !memcmp(a, nat64, 12)) {
		const uint8_t *v4 = a + 12;

		return v4[0] == 0 || (v4[0] == 169 && v4[1] == 254) || v4[0] >= 224;
	}
	return !memcmp(a, zero, 16) || !memcmp(a, ec2, 16) || a[0] == 0xff ||
	       (a[0] == 0xfe && (a[1] & 0xc0) == 0x80);
}

/* The kernel's record of a refused (or, under audit, allowed but unlisted) query. */
static void note(const struct resolver *r, const char *name, uint16_t qtype, int reason,
		 const uint8_t *addr)
{
	struct bpfence_dns_note n = {
		.invocation = r->invocation, .qtype = qtype, .reason = (uint16_t)reason};
	__u32 tid = (__u32)gettid();
	int fd;

	snprintf(n.name, sizeof(n.name), "%s", name);
	if (addr)
		memcpy(n.addr, addr, 16);
	if (bpf_map_update_elem(r->notes_fd, &tid, &n, BPF_ANY))
		return;
	fd = socket(AF_UNSPEC, SOCK_DGRAM, BPFENCE_DNS_PROTO);
	if (fd >= 0)
		close(fd);
	/* Taken by the program; if it was not (no program?), never left for a later call. */
	bpf_map_delete_elem(r->notes_fd, &tid);
}

/* Room for one more address: drop the grants that have expired. */
static void reclaim(struct resolver *r, uint64_t now)
{
	size_t k = 0;

	for (size_t i = 0; i < r->n_granted; i++) {
		struct bpfence_name_key key = {.invocation = r->rules};

		if (r->granted[i].expires_ns > now) {
			r->granted[k++] = r->granted[i];
			continue;
		}
		memcpy(key.addr, r->granted[i].addr, 16);
		bpf_map_delete_elem(r->grants_fd, &key);
	}
	r->n_granted = k;
}

/* Grant addr for ttl seconds with the ports of rules[0..n), in the name of `name`. With n = 0
 * (an unlisted name under audit mode) the entry grants nothing: a connect there is audited, and
 * its record names the name. -ENOSPC when the invocation's set is full. */
static int grant(struct resolver *r, const uint8_t addr[16], uint32_t ttl, const char *name,
		 struct policy_net_name const *const *rules, size_t n)
{
	struct bpfence_name_key key = {.invocation = r->rules};
	struct bpfence_name_grant g = {}, old;
	uint64_t now = boot_ns();
	size_t slot = r->n_granted;

	if (ttl > RESOLVER_TTL_MAX)
		ttl = RESOLVER_TTL_MAX;
	memcpy(key.addr, addr, 16);
	for (size_t i = 0; i < r->n_granted; i++)
		if (!memcmp(r->granted[i].addr, addr, 16))
			slot = i;
	if (slot == r->n_granted && r->n_granted == RESOLVER_GRANTS_MAX) {
		reclaim(r, now);
		slot = r->n_granted;
		if (slot == RESOLVER_GRANTS_MAX)
			return -ENOSPC;
	}
	g.expires_ns = now + ((uint64_t)ttl + RESOLVER_GRACE_S) * 1000000000ULL;
	/* Another name answered this address too: its ports stay, the later expiry counts. */
	if (!bpf_map_lookup_elem(r->grants_fd, &key, &old) && old.expires_ns > now) {
		g = old;
		if (g.expires_ns < now + ((uint64_t)ttl + RESOLVER_GRACE_S) * 1000000000ULL)
			g.expires_ns = now + ((uint64_t)ttl + RESOLVER_GRACE_S) * 1000000000ULL;
	}
	snprintf(g.name, sizeof(g.name), "%s", name);
	for (size_t i = 0; i < n; i++) {
		bool have = false;

		for (__u32 j = 0; j < g.n; j++)
			have |= g.p[j].port == rules[i]->port && g.p[j].proto == rules[i]->proto;
		if (!have && g.n < BPFENCE_NET_PORTS_MAX)
			g.p[g.n++] = (struct bpfence_net_port){.port = rules[i]->port,
							       .proto = rules[i]->proto};
	}
	if (bpf_map_update_elem(r->grants_fd, &key, &g, BPF_ANY))
		return -errno;
	memcpy(r->granted[slot].addr, addr, 16);
	r->granted[slot].expires_ns = g.expires_ns;
	if (slot == r->n_granted)
		r->n_granted++;
	return 0;
}

/* One exchange with a nameserver over TCP (after a truncated UDP answer). */
static ssize_t ask_tcp(const struct resolver *r, int i, const uint8_t *msg, size_t len,
		       uint8_t *out, size_t outlen)
{
	uint8_t hdr[2] = {(uint8_t)(len >> 8), (uint8_t)len};
	struct pollfd pfd;
	size_t got = 0, want = 0;
	ssize_t k;
	int fd = socket(r->up[i].ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	struct timeval tv = {.tv_sec = RESOLVER_TIMEOUT_MS / 1000};

	if (fd < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	if (connect(fd, (struct sockaddr *)&r->up[i], r->up_len[i]) || write(fd, hdr, 2) != 2 ||
	    write(fd, msg, len) != (ssize_t)len)
		goto fail;
	pfd = (struct pollfd){.fd = fd, .events = POLLIN};
	while (got < 2 + want || got < 2) {
		uint8_t *dst = got < 2 ? hdr + got : out + got - 2;
		size_t room = got < 2 ? 2 - got : want - (got - 2);

		if (poll(&pfd, 1, RESOLVER_TIMEOUT_MS) != 1)
			goto fail;
		k = read(fd, dst, room);
		if (k <= 0)
			goto fail;
		got += (size_t)k;
		if (got == 2) {
			want = (size_t)hdr[0] << 8 | hdr[1];
			if (want > outlen || !want)
				goto fail;
		}
	}
	close(fd);
	return (ssize_t)want;
fail:
	close(fd);
	return -1;
}

/* The question alone, as bpfence asks it upstream: nothing else of the client's message (its
 * flags, EDNS options, padding) leaves through the resolver. Its length. */
static size_t upstream_query(const struct dns_query *q, uint16_t id, uint8_t *out)
{
	size_t n = DNS_HEADER_LEN;
	const char *label = q->name;

	memset(out, 0, DNS_HEADER_LEN);
	dns_set_id(out, id);
	out[2] = 0x01; /* RD */
	out[5] = 1;    /* QDCOUNT */
	while (*label) {
		size_t len = strcspn(label, ".");

		out[n++] = (uint8_t)len;
		memcpy(out + n, label, len);
		n += len;
		label += len + (label[len] == '.');
	}
	out[n++] = 0;
	out[n++] = (uint8_t)(q->qtype >> 8);
	out[n++] = (uint8_t)q->qtype;
	out[n++] = (uint8_t)(q->qclass >> 8);
	out[n++] = (uint8_t)q->qclass;
	return n;
}

/* The answer of the first nameserver that gives one, to q, asked with an unpredictable id of
 * our own; the client's id is put back. Its length, or -1. */
static ssize_t ask(const struct resolver *r, const struct dns_query *q, uint8_t *out, size_t outlen,
		   struct dns_answer *a)
{
	uint8_t msg[DNS_HEADER_LEN + DNS_NAME_MAX + 2 + 4];

	for (int i = 0; i < r->n_up; i++) {
		struct dns_query want = *q;
		struct pollfd pfd;
		ssize_t k = -1;
		size_t len;
		int fd;

		if (getrandom(&want.id, sizeof(want.id), 0) != sizeof(want.id))
			return -1;
		len = upstream_query(q, want.id, msg);
		fd = socket(r->up[i].ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
		if (fd < 0)
			continue;
		/* connect(): only the nameserver's own datagrams arrive, from a random port. */
		if (!connect(fd, (struct sockaddr *)&r->up[i], r->up_len[i]) &&
		    send(fd, msg, len, 0) == (ssize_t)len) {
			long long deadline = bpfence_mono_ms() + RESOLVER_TIMEOUT_MS;

			pfd = (struct pollfd){.fd = fd, .events = POLLIN};
			for (;;) {
				long long left = deadline - bpfence_mono_ms();

				if (left <= 0 || poll(&pfd, 1, (int)left) != 1) {
					k = -1;
					break;
				}
				k = recv(fd, out, outlen, 0);
				/* Not the answer (a stray or forged datagram): keep waiting. */
				if (k > 0 && !dns_parse_answer(out, (size_t)k, &want, a))
					break;
			}
		}
		close(fd);
		if (k > 0 && a->truncated) {
			k = ask_tcp(r, i, msg, len, out, outlen);
			if (k > 0 && dns_parse_answer(out, (size_t)k, &want, a))
				k = -1;
		}
		if (k > 0) {
			dns_set_id(out, q->id);
			return k;
		}
	}
	return -1;
}

/* Answer one query (msg, len) into out: its length, 0 for no answer at all. */
static size_t answer(struct resolver *r, uint8_t *msg, size_t len, uint8_t *out, size_t outlen)
{
	struct policy_net_name const *rules[BPFENCE_NET_PORTS_MAX];
	struct dns_answer a;
	struct dns_query q;
	int rcode = DNS_RCODE_REFUSED, reason = 0;
	size_t n;
	ssize_t k;

	if (dns_parse_query(msg, len, &q)) {
		k = dns_reply_error(msg, len, NULL, DNS_RCODE_FORMERR, out, outlen);
		return k > 0 ? (size_t)k : 0;
	}
	n = policy_name_ports(r->policy, q.name, rules, BPFENCE_NET_PORTS_MAX);
	if (policy_name_denied(r->policy, q.name))
		reason = BPFENCE_DNS_DENIED;
	else if (!n)
		reason = BPFENCE_DNS_UNLISTED;
	if (reason) {
		note(r, q.name, q.qtype, reason, NULL);
		if (!r->audit)
			goto refuse;
	}
	k = ask(r, &q, out, outlen, &a);
	if (k <= 0) {
		rcode = DNS_RCODE_SERVFAIL;
		goto refuse;
	}
	if (!reason) {
		/* The chain may wander through any name, but never a denied one. */
		for (size_t i = 1; i < a.n_chain; i++) {
			if (policy_name_denied(r->policy, a.chain[i])) {
				note(r, a.chain[i], q.qtype, BPFENCE_DNS_CNAME, NULL);
				if (!r->audit)
					goto refuse;
			}
		}
		if (a.overflow) {
			note(r, q.name, q.qtype, BPFENCE_DNS_FULL, NULL);
			if (!r->audit)
				goto refuse;
		}
		for (size_t i = 0; i < a.n_addrs; i++) {
			if (never_by_name(a.addrs[i].addr)) {
				note(r, q.name, q.qtype, BPFENCE_DNS_ADDRESS, a.addrs[i].addr);
				if (!r->audit)
					goto refuse;
			}
		}
	}
	for (size_t i = 0; i < a.n_addrs; i++) {
		if (never_by_name(a.addrs[i].addr))
			continue;
		if (grant(r, a.addrs[i].addr, a.addrs[i].ttl, q.name, rules, reason ? 0 : n) ==
		    -ENOSPC) {
			note(r, q.name, q.qtype, BPFENCE_DNS_FULL, NULL);
			if (!r->audit)
				goto refuse;
		}
	}
	/* The function forgets an address no later than its grant ends; an answer whose TTLs
	 * cannot all be read is not passed on. */
	if (!dns_cap_ttls(out, (size_t)k, RESOLVER_TTL_MAX))
		return (size_t)k;
	rcode = DNS_RCODE_SERVFAIL;
refuse:
	k = dns_reply_error(msg, len, &q, rcode, out, outlen);
	return k > 0 ? (size_t)k : 0;
}

/* --- serving --- */

/* What has arrived over UDP, for at most RESOLVER_TIMEOUT_MS (plus one query's forwarding):
 * a sandbox's keeper has deadlines to keep between two steps. */
static void serve_udp(struct resolver *r)
{
	static uint8_t msg[MSG_MAX], out[MSG_MAX];
	struct sockaddr_storage from;
	double until = bpfence_mono_ms() + RESOLVER_TIMEOUT_MS;

	for (int i = 0; i < 64 && bpfence_mono_ms() < until; i++) {
		socklen_t flen = sizeof(from);
		ssize_t k = recvfrom(r->udp, msg, sizeof(msg), 0, (struct sockaddr *)&from, &flen);
		size_t n;

		if (k <= 0)
			return;
		/* A UDP answer larger than the client takes (512 bytes without EDNS, 1232 with
		 * it, the size DNS flag day 2020 settled on) would be cut: TC tells it to ask
		 * again over TCP. */
		n = answer(r, msg, (size_t)k, out, sizeof(out));
		if (n > ((msg[10] | msg[11]) ? 1232u : 512u)) {
			struct dns_query q;
			int t = -1;

			if (!dns_parse_query(msg, (size_t)k, &q))
				t = dns_reply_error(msg, (size_t)k, &q, 0, out, sizeof(out));
			n = t > 0 ? (size_t)t : 0;
			if (n)
				out[2] |= 0x02; /* TC */
		}
		if (n)
			sendto(r->udp, out, n, MSG_DONTWAIT, (struct sockaddr *)&from, flen);
	}
}

/* One TCP client: its queries until it closes, sends something malformed, or has had
 * RESOLVER_TIMEOUT_MS (reading and writing included: one that trickles or never reads is cut
 * off). One at a time: a function that stalls it stalls only its own lookups, and a keeper's
 * deadlines wait no longer than that. */
static void serve_tcp(struct resolver *r)
{
	static uint8_t msg[MSG_MAX], out[MSG_MAX + 2];
	int fd = accept4(r->tcp, NULL, NULL, SOCK_CLOEXEC);
	struct pollfd pfd = {.fd = fd, .events = POLLIN};
	struct timeval tv = {.tv_sec = RESOLVER_TIMEOUT_MS / 1000};
	double until = bpfence_mono_ms() + RESOLVER_TIMEOUT_MS;

	if (fd < 0)
		return;
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	for (;;) {
		size_t got = 0, want = 2;
		uint8_t hdr[2];
		size_t n;

		while (got < want) {
			double left = until - bpfence_mono_ms();
			ssize_t k;

			if (left < 1 || poll(&pfd, 1, (int)left) != 1)
				goto done;
			k = read(fd, got < 2 ? hdr + got : msg + got - 2,
				 got < 2 ? 2 - got : want - got);
			if (k <= 0)
				goto done;
			got += (size_t)k;
			if (got == 2) {
				want = 2 + ((size_t)hdr[0] << 8 | hdr[1]);
				if (want == 2)
					goto done;
			}
		}
		n = answer(r, msg, want - 2, out + 2, sizeof(out) - 2);
		if (!n)
			goto done;
		out[0] = (uint8_t)(n >> 8);
		out[1] = (uint8_t)n;
		if (write(fd, out, n + 2) != (ssize_t)(n + 2))
			goto done;
	}
done:
	close(fd);
}

void resolver_step(struct resolver *r, int timeout_ms)
{
	struct pollfd pfd[2] = {{.fd = r->udp, .events = POLLIN}, {.fd = r->tcp, .events = POLLIN}};

	if (poll(pfd, 2, timeout_ms) <= 0)
		return;
	if (pfd[0].revents)
		serve_udp(r);
	if (pfd[1].revents)
		serve_tcp(r);
}

/* Close every fd from 3 on but the resolver's own: nothing of the command that made it (the
 * load lock above all, which would keep `unload` waiting for as long as it lives). */
static void keep_only_own_fds(const struct resolver *r, int extra)
{
	int keep[5] = {r->udp, r->tcp, r->grants_fd, r->notes_fd, extra};
	unsigned int from = 3;

	for (int i = 0; i < 5; i++)
		for (int j = i + 1; j < 5; j++)
			if (keep[j] < keep[i]) {
				int t = keep[i];

				keep[i] = keep[j];
				keep[j] = t;
			}
	for (int i = 0; i < 5; i++) {
		if (keep[i] < (int)from)
			continue;
		if ((unsigned int)keep[i] > from)
			syscall(SYS_close_range, from, (unsigned int)keep[i] - 1, 0);
		from = (unsigned int)keep[i] + 1;
	}
	syscall(SYS_close_range, from, ~0U, 0);
}

/* In a new resolver process: no signals held, /dev/null for stdio, only its own fds. */
static void become_resolver(const struct resolver *r, int extra)
{
	sigset_t none;
	int null = open("/dev/null", O_RDWR | O_CLOEXEC);

	signal(SIGPIPE, SIG_IGN);
	if (null >= 0) {
		dup2(null, 0);
		dup2(null, 1);
		dup2(null, 2);
	}
	keep_only_own_fds(r, extra);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
}

pid_t resolver_spawn(struct resolver *r)
{
	pid_t parent = getpid(), pid;

	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		bpfence_report("cannot start the invocation's resolver", "fork: %s",
			       strerror(errno));
		return -1;
	}
	if (pid > 0)
		return pid;
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent)
		_exit(0);
	become_resolver(r, -1);
	for (;;)
		resolver_step(r, -1);
}

/* Does the cgroup (directory fd) still hold a process? false once it is empty or gone. */
static bool cgroup_populated(int cgfd)
{
	char buf[256];
	ssize_t n;
	int fd = openat(cgfd, "cgroup.events", O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return false;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return false;
	buf[n] = 0;
	return !strstr(buf, "populated 0");
}

pid_t resolver_daemon(struct resolver *r, int cgfd)
{
	int p[2];
	pid_t pid, got = -1;

	if (pipe2(p, O_CLOEXEC))
		goto fail;
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		close(p[0]);
		close(p[1]);
		goto fail;
	}
	if (pid == 0) {
		setsid();
		pid = fork();
		if (pid != 0) {
			if (write(p[1], &pid, sizeof(pid)) < 0)
				_exit(1);
			_exit(0);
		}
		become_resolver(r, cgfd);
		for (;;) {
			resolver_step(r, 250);
			/* Nothing left in the container (or its cgroup is gone): nobody is left to
			 * ask. Ending then, not at the cgroup's removal, matters: a runtime that is a
			 * child subreaper (crun) inherits this daemon and waits for it before it
			 * removes the cgroup. */
			if (!cgroup_populated(cgfd))
				_exit(0);
		}
	}
	close(p[1]);
	waitpid(pid, NULL, 0);
	if (read(p[0], &got, sizeof(got)) != sizeof(got) || got <= 0)
		got = -1;
	close(p[0]);
	if (got > 0)
		return got;
fail:
	bpfence_report("cannot start the container's resolver", "fork: %s", strerror(errno));
	return -1;
}
