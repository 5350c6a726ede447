// SPDX-License-Identifier: GPL-2.0-only
/*
 * A parsed policy plus the per-run bindings become map entries keyed by the invocation. Paths are
 * resolved to (dev, ino) here, once: from then on the kernel compares objects, so later renames,
 * symlinks or hardlinks cannot widen what was granted.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <ifaddrs.h>
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/random.h>
#include <sys/syscall.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <bpf/bpf.h>

#include "libbpfence.h"

/* The kernel compares sb->s_dev, which is encoded major << 20 | minor (MKDEV), not glibc's
 * st_dev encoding. */
static __u32 kdev(dev_t d)
{
	return (major(d) << 20) | minor(d);
}

static int fail(char *why, size_t n, int err, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static int fail(char *why, size_t n, int err, const char *fmt, ...)
{
	va_list ap;

	if (why && n) {
		va_start(ap, fmt);
		vsnprintf(why, n, fmt, ap);
		va_end(ap);
	}
	return err < 0 ? err : -err;
}

static bool local_class(const uint8_t a[16])
{
	static const uint8_t any6[16], lo6[16] = { [15] = 1 };
	static const uint8_t mapped[12] = { [10] = 0xff, [11] = 0xff };

	if (!memcmp(a, any6, 16) || !memcmp(a, lo6, 16))
		return true;
	if (!memcmp(a, mapped, 12))
		return a[12] == 127 || !memcmp(a + 12, any6, 4);
	return false;
}

static int add_broker_exact(const struct bpfence_maps *m, __u64 inv, const uint8_t addr[16],
			    uint16_t port)
{
	struct bpfence_broker_key k = { .invocation = inv, .port = port };
	__u32 one = 1;

	memcpy(k.addr, addr, 16);
	return bpf_map_update_elem(m->net_broker, &k, &one, BPF_ANY) ? -errno : 0;
}

/* A broker on a loopback or any address is reachable through every address of this host: deny
 * its port on each of them (taken now; addresses added later are not covered, see docs). */
static int add_broker_host_addrs(const struct bpfence_maps *m, __u64 inv, uint16_t port)
{
	struct ifaddrs *ifa, *i;
	int r = 0;

	if (getifaddrs(&ifa))
		return -errno;
	for (i = ifa; i && !r; i = i->ifa_next) {
		uint8_t a[16] = {};

		if (!i->ifa_addr)
			continue;
		if (i->ifa_addr->sa_family == AF_INET) {
			a[10] = a[11] = 0xff;
			memcpy(a + 12, &((struct sockaddr_in *)i->ifa_addr)->sin_addr, 4);
		} else if (i->ifa_addr->sa_family == AF_INET6) {
			memcpy(a, &((struct sockaddr_in6 *)i->ifa_addr)->sin6_addr, 16);
		} else {
			continue;
		}
		r = add_broker_exact(m, inv, a, port);
	}
	freeifaddrs(ifa);
	return r;
}

static bool prefix_contains(const struct policy_net_rule *outer, const struct policy_net_rule *in)
{
	unsigned int bits = outer->prefixlen;

	if (outer->prefixlen > in->prefixlen)
		return false;
	if (memcmp(outer->addr, in->addr, bits / 8))
		return false;
	if (bits % 8) {
		uint8_t mask = (uint8_t)(0xff << (8 - bits % 8));

		if ((outer->addr[bits / 8] & mask) != (in->addr[bits / 8] & mask))
			return false;
	}
	return true;
}

/* LPM gives the single longest match, so each prefix carries the ports of every rule whose
 * prefix contains it: the longest match is then the whole answer. */
static int add_net_rules(const struct bpfence_maps *m, __u64 inv, const struct policy *p,
			 char *why, size_t n)
{
	for (size_t i = 0; i < p->n_allow; i++) {
		const struct policy_net_rule *r = &p->allow[i];
		struct bpfence_net_key k = { .prefixlen = 64 + r->prefixlen };
		struct bpfence_net_ports v = {};

		for (size_t j = 0; j < p->n_allow; j++) {
			const struct policy_net_rule *o = &p->allow[j];

			if (!prefix_contains(o, r))
				continue;
			if (v.n >= BPFENCE_NET_PORTS_MAX)
				return fail(why, n, E2BIG,
					    "%s:%u: more than %d port rules apply to one prefix",
					    p->file, r->loc.line, BPFENCE_NET_PORTS_MAX);
			v.p[v.n].port = o->port;
			v.p[v.n].proto = o->proto;
			v.n++;
		}
		memcpy(k.data, &inv, 8);
		memcpy(k.data + 8, r->addr, 16);
		if (bpf_map_update_elem(m->net_rules, &k, &v, BPF_ANY))
			return fail(why, n, errno, "cannot add network rule: %s", strerror(errno));
	}
	return 0;
}

/* stat() of path as a process whose root directory is `root` sees it: openat2 with
 * RESOLVE_IN_ROOT, so an absolute symlink or ".." inside the container's tree stays inside it. */
static int stat_in_root(const char *root, const char *path, struct stat *st)
{
	struct open_how how = { .flags = O_PATH | O_CLOEXEC, .resolve = RESOLVE_IN_ROOT };
	int dfd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC), fd, r = -1;

	if (dfd < 0)
		return -1;
	fd = (int)syscall(SYS_openat2, dfd, path, &how, sizeof(how));
	if (fd >= 0) {
		r = fstat(fd, st);
		close(fd);
	}
	close(dfd);
	return r;
}

/* Resolve one [files] path; 0 with *found=false when it does not exist or is unbound. */
static int resolve_path(const struct policy_path *pp, const struct policy_vars *vars,
			struct stat *st, bool *found, struct install_report *rep)
{
	char path[PATH_MAX];
	const char *unbound = NULL;
	int r = policy_expand(pp->path, vars, path, sizeof(path), &unbound);

	*found = false;
	if (r == -ENOENT) {
		rep->unbound++;
		return 0;
	}
	if (r)
		return r;
	if (vars && vars->root ? stat_in_root(vars->root, path, st) : stat(path, st)) {
		rep->skipped++;
		if (!rep->first_skipped[0])
			snprintf(rep->first_skipped, sizeof(rep->first_skipped), "%s", path);
		return 0;
	}
	*found = true;
	return 0;
}

int policy_resolve_report(const struct policy *p, const struct policy_vars *vars,
			  struct install_report *r)
{
	memset(r, 0, sizeof(*r));
	for (size_t i = 0; i < p->n_paths; i++) {
		struct stat st;
		bool found;
		int e = resolve_path(&p->paths[i], vars, &st, &found, r);

		if (e)
			return e;
		r->files += found;
	}
	return 0;
}

static int add_file_rules(const struct bpfence_maps *m, __u64 inv, const struct policy *p,
			  const struct policy_vars *vars, struct install_report *rep, char *why,
			  size_t n)
{
	for (size_t i = 0; i < p->n_paths; i++) {
		struct bpfence_file_key k = { .invocation = inv };
		__u32 perm = 0;
		struct stat st;
		bool found;
		int r = resolve_path(&p->paths[i], vars, &st, &found, rep);

		if (r)
			return fail(why, n, r, "%s:%u:%u: %s", p->file, p->paths[i].loc.line,
				    p->paths[i].loc.col, strerror(-r));
		if (!found)
			continue;
		k.ino = st.st_ino;
		k.dev = kdev(st.st_dev);
		/* The same object under several keys: grants accumulate. Whatever may be executed
		 * may also be mapped executable (the loader maps the program it starts). */
		bpf_map_lookup_elem(m->file_rules, &k, &perm);
		perm |= p->paths[i].perm;
		if (perm & POLICY_PERM_EXEC)
			perm |= POLICY_PERM_MAP;
		if (bpf_map_update_elem(m->file_rules, &k, &perm, BPF_ANY))
			return fail(why, n, errno, "cannot add file rule: %s", strerror(errno));
		if (S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode)) {
			/* The device, through any node of it (bpf/bpfence.h). */
			struct bpfence_file_key dk = { .invocation = inv, .dev = kdev(st.st_rdev),
						       .ino = S_ISCHR(st.st_mode) ? BPFENCE_DEVICE_CHR :
										   BPFENCE_DEVICE_BLK };
			__u32 dperm = 0;

			bpf_map_lookup_elem(m->file_rules, &dk, &dperm);
			dperm |= perm;
			if (bpf_map_update_elem(m->file_rules, &dk, &dperm, BPF_ANY))
				return fail(why, n, errno, "cannot add file rule: %s",
					    strerror(errno));
		}
		rep->files++;
	}
	return 0;
}

/* Named unix sockets: by inode for paths (every alias of the same socket file), by exact name
 * for abstract ones. The broker verdict is written last so it wins over an allow of the same
 * socket. A path that does not exist yet is skipped: a broker that appears later is still
 * unreachable, since every unix socket outside the invocation is denied unless allowed. */
static int add_unix_names(const struct bpfence_maps *m, __u64 inv, const struct policy *p,
			  const struct policy_broker_unix *list, size_t count, __u32 verdict,
			  char *why, size_t n)
{
	for (size_t i = 0; i < count; i++) {
		const struct policy_broker_unix *b = &list[i];
		struct stat st;

		if (b->abstract) {
			struct bpfence_unix_abstract_key k = { .invocation = inv };
			size_t len = strlen(b->path);

			if (len == 0 || len >= sizeof(k.name))
				return fail(why, n, EINVAL, "%s:%u:%u: abstract name too long",
					    p->file, b->loc.line, b->loc.col);
			k.len = len;
			memcpy(k.name, b->path, len);
			if (bpf_map_update_elem(m->unix_abstract, &k, &verdict, BPF_ANY))
				return fail(why, n, errno, "cannot add unix rule: %s",
					    strerror(errno));
			continue;
		}
		if (stat(b->path, &st))
			continue;
		struct bpfence_unix_key k = { .invocation = inv, .ino = st.st_ino,
					      .dev = kdev(st.st_dev) };

		if (bpf_map_update_elem(m->unix_rules, &k, &verdict, BPF_ANY))
			return fail(why, n, errno, "cannot add unix rule: %s", strerror(errno));
	}
	return 0;
}

static int add_broker(const struct bpfence_maps *m, __u64 inv, const struct policy *p,
		      struct bpfence_policy *bp, char *why, size_t n)
{
	int r = add_unix_names(m, inv, p, p->unix_allow, p->n_unix_allow, BPFENCE_UNIX_ALLOW, why,
			       n);

	if (!r)
		r = add_unix_names(m, inv, p, p->broker_unix, p->n_broker_unix,
				   BPFENCE_UNIX_BROKER, why, n);
	if (r)
		return r;
	for (size_t i = 0; i < p->n_broker_tcp; i++) {
		const struct policy_broker_tcp *b = &p->broker_tcp[i];
		int r;

		if (local_class(b->addr)) {
			if (bp->n_broker_local >= BPFENCE_BROKER_LOCAL_MAX)
				return fail(why, n, E2BIG, "%s:%u: too many local broker ports",
					    p->file, b->loc.line);
			bp->broker_local_ports[bp->n_broker_local++] = b->port;
			r = add_broker_host_addrs(m, inv, b->port);
		} else {
			r = add_broker_exact(m, inv, b->addr, b->port);
		}
		if (r)
			return fail(why, n, r, "cannot add broker: %s", strerror(-r));
	}
	return 0;
}

int invocation_id_new(char id[BPFENCE_ID_MAX])
{
	unsigned char rnd[16];

	if (getrandom(rnd, sizeof(rnd), 0) != sizeof(rnd))
		return -errno;
	for (int i = 0; i < 16; i++)
		snprintf(id + 2 * i, 3, "%02x", rnd[i]);
	return 0;
}

/* The policy entry for p, without its rule set. */
static void policy_entry(const struct policy *p, const char *id, struct bpfence_policy *bp)
{
	memset(bp, 0, sizeof(*bp));
	bp->families = p->families;
	if (p->mode == POLICY_MODE_AUDIT)
		bp->flags |= BPFENCE_POLICY_AUDIT;
	if (p->connect_allow)
		bp->flags |= BPFENCE_POLICY_CONNECT_ALLOW;
	snprintf(bp->name, sizeof(bp->name), "%s", p->name);
	snprintf(bp->id, sizeof(bp->id), "%s", id);
}

/* Every rule of p under rule set `rules` (the broker's local ports go into bp). */
static int add_rules(const struct bpfence_maps *m, __u64 rules, const struct policy *p,
		     const struct policy_vars *vars, struct bpfence_policy *bp,
		     struct install_report *rep, char *why, size_t n)
{
	int r = add_file_rules(m, rules, p, vars, rep, why, n);

	if (!r)
		r = add_net_rules(m, rules, p, why, n);
	if (!r)
		r = add_broker(m, rules, p, bp, why, n);
	return r;
}

static void delete_rules(const struct bpfence_maps *m, __u64 rules);

/*
 * Wait until every BPF program that may have read the old policy entry has returned. Updating a
 * map-in-map makes the kernel call synchronize_rcu() before the syscall returns
 * (maybe_wait_bpf_programs(): "userspace, when we return to it, knows that all programs that
 * could be running use the new map value"); LSM programs are non-sleepable and run inside an RCU
 * read-side section. A throwaway one-slot ARRAY_OF_MAPS gives user space that grace period.
 */
static int rcu_grace(void)
{
	int inner, outer, r = 0;
	__u32 zero = 0;

	inner = bpf_map_create(BPF_MAP_TYPE_ARRAY, "bpfence_grace", 4, 4, 1, NULL);
	if (inner < 0)
		return -errno;
	LIBBPF_OPTS(bpf_map_create_opts, o, .inner_map_fd = inner);
	outer = bpf_map_create(BPF_MAP_TYPE_ARRAY_OF_MAPS, "bpfence_grace", 4, 4, 1, &o);
	if (outer < 0 || bpf_map_update_elem(outer, &zero, &inner, BPF_ANY))
		r = -errno;
	if (outer >= 0)
		close(outer);
	close(inner);
	return r;
}

int policy_install(const struct bpfence_maps *m, __u64 inv, const char *id, const struct policy *p,
		   const struct policy_vars *vars, struct install_report *rep, char *why, size_t n)
{
	struct bpfence_counters zero = {};
	struct install_report local;
	struct bpfence_policy bp;
	int r;

	if (!rep)
		rep = &local;
	memset(rep, 0, sizeof(*rep));
	policy_entry(p, id, &bp);
	bp.rules = inv;
	r = add_rules(m, inv, p, vars, &bp, rep, why, n);
	if (!r && bpf_map_update_elem(m->counters, &inv, &zero, BPF_ANY))
		r = fail(why, n, errno, "cannot add counters: %s", strerror(errno));
	/* Last: the policy entry is what makes the rules count. */
	if (!r && bpf_map_update_elem(m->policies, &inv, &bp, BPF_NOEXIST))
		r = fail(why, n, errno, "cannot add policy: %s", strerror(errno));
	if (r)
		policy_uninstall(m, inv);
	return r;
}

int policy_swap(const struct bpfence_maps *m, __u64 inv, const struct policy *p,
		const struct policy_vars *vars, struct install_report *rep, char *why, size_t n)
{
	struct bpfence_policy old, bp;
	struct install_report local;
	__u64 rules;
	int r;

	if (!rep)
		rep = &local;
	memset(rep, 0, sizeof(*rep));
	if (bpf_map_lookup_elem(m->policies, &inv, &old))
		return fail(why, n, errno, "no policy is installed for this invocation: %s",
			    strerror(errno));
	/* A fresh rule set: random, with bit 63 set so it is never a cgroup id (the first
	 * policy's rule set) and never the one being replaced. */
	do {
		if (getrandom(&rules, sizeof(rules), 0) != sizeof(rules))
			return fail(why, n, errno, "getrandom: %s", strerror(errno));
		rules |= 1ULL << 63;
	} while (rules == old.rules);
	policy_entry(p, old.id, &bp);
	bp.rules = rules;
	r = add_rules(m, rules, p, vars, &bp, rep, why, n);
	/* The swap: one element replaced in one update. A decision reads the entry once, so it
	 * uses the old policy with the old rules or the new one with the new rules. */
	if (!r && bpf_map_update_elem(m->policies, &inv, &bp, BPF_EXIST))
		r = fail(why, n, errno, "cannot replace the policy: %s", strerror(errno));
	if (r) {
		delete_rules(m, rules); /* nothing changed: the old policy still holds */
		return r;
	}
	/* A decision that read the old entry just before the swap may still be walking the old
	 * rules: wait for it before deleting them. Should the grace period be unavailable, wait
	 * far longer than any hook runs; a decision still in flight then could only turn into a
	 * denial (fail closed), never an allow. */
	if (rcu_grace())
		usleep(100 * 1000);
	delete_rules(m, old.rules);
	return 0;
}

/* Delete every key of `fd` whose leading __u64 is inv. Keys are collected first: deleting while
 * iterating a hash map can restart the walk. */
static void delete_keyed(int fd, size_t key_size, size_t inv_offset, __u64 inv)
{
	unsigned char key[sizeof(struct bpfence_unix_abstract_key) + 8], next[sizeof(key)];
	unsigned char *batch = NULL;
	size_t nb = 0, cap = 0;
	void *prev = NULL;

	while (!bpf_map_get_next_key(fd, prev, next)) {
		__u64 k;

		memcpy(&k, next + inv_offset, sizeof(k));
		if (k == inv) {
			if (nb == cap) {
				unsigned char *nbuf;

				cap = cap ? cap * 2 : 64;
				nbuf = realloc(batch, cap * key_size);
				if (!nbuf)
					break;
				batch = nbuf;
			}
			memcpy(batch + nb * key_size, next, key_size);
			nb++;
		}
		memcpy(key, next, key_size);
		prev = key;
	}
	for (size_t i = 0; i < nb; i++)
		bpf_map_delete_elem(fd, batch + i * key_size);
	free(batch);
}

static void delete_rules(const struct bpfence_maps *m, __u64 rules)
{
	delete_keyed(m->file_rules, sizeof(struct bpfence_file_key), 0, rules);
	/* LPM keys start with prefixlen; the rule set follows it. */
	delete_keyed(m->net_rules, sizeof(struct bpfence_net_key),
		     offsetof(struct bpfence_net_key, data), rules);
	delete_keyed(m->net_broker, sizeof(struct bpfence_broker_key), 0, rules);
	delete_keyed(m->unix_rules, sizeof(struct bpfence_unix_key), 0, rules);
	delete_keyed(m->unix_abstract, sizeof(struct bpfence_unix_abstract_key), 0, rules);
}

int policy_uninstall(const struct bpfence_maps *m, __u64 inv)
{
	struct bpfence_policy bp;

	/* The policy entry first: without it the invocation is denied everything, never allowed
	 * through half-deleted rules. */
	if (!bpf_map_lookup_elem(m->policies, &inv, &bp)) {
		bpf_map_delete_elem(m->policies, &inv);
		if (bp.rules != inv)
			delete_rules(m, bp.rules);
	}
	delete_rules(m, inv);
	bpf_map_delete_elem(m->counters, &inv);
	return 0;
}

int tag_cgroup(const struct bpfence_maps *m, __u64 id, __u64 inv, __u32 flags)
{
	struct bpfence_tag t = { .invocation = inv, .flags = flags };

	return bpf_map_update_elem(m->tags, &id, &t, BPF_ANY) ? -errno : 0;
}

int tag_flags(const struct bpfence_maps *m, __u64 id, __u32 *flags)
{
	struct bpfence_tag t;

	if (bpf_map_lookup_elem(m->tags, &id, &t))
		return -errno;
	*flags = t.flags;
	return 0;
}

int untag_cgroup(const struct bpfence_maps *m, __u64 id)
{
	if (bpf_map_delete_elem(m->tags, &id) && errno != ENOENT)
		return -errno;
	return 0;
}

int tag_lookup(const struct bpfence_maps *m, __u64 id, __u64 *inv)
{
	struct bpfence_tag t;

	if (bpf_map_lookup_elem(m->tags, &id, &t))
		return -errno;
	*inv = t.invocation;
	return 0;
}

int tag_count(const struct bpfence_maps *m)
{
	__u64 key, next;
	void *prev = NULL;
	int count = 0;

	while (!bpf_map_get_next_key(m->tags, prev, &next)) {
		count++;
		key = next;
		prev = &key;
	}
	return count;
}

int counters_read(const struct bpfence_maps *m, __u64 inv, struct bpfence_counters *c)
{
	return bpf_map_lookup_elem(m->counters, &inv, c) ? -errno : 0;
}
