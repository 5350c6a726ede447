// SPDX-License-Identifier: GPL-2.0-only
/*
 * A parsed policy plus the per-run bindings become map entries keyed by the invocation. Paths are
 * resolved to (dev, ino) here, once: from then on the kernel compares objects, so later renames,
 * symlinks or hardlinks cannot widen what was granted.
 *
 * Rule storage. The five rule maps are shared by every invocation; each entry's key starts with
 * (or, in the LPM trie, carries right after the prefix length) a rule set id. A policy is
 * compiled in memory first (struct rules: every key and value, duplicates merged), then written
 * with one batch update per hash map, so installing costs O(rules of that set) and a handful of
 * syscalls. The exact keys are also written to a record, /run/bpfence/rules/<id>, so removing a
 * rule set deletes exactly those keys (one batch delete per map) and never walks a map: the cost
 * of a teardown does not grow with what everyone else installed. A write that fails part way
 * (a full map, no memory) deletes what it wrote and says which map and how many entries.
 *
 * Why not one inner map per rule set (map-in-map)? Every update and delete of a HASH_OF_MAPS or
 * ARRAY_OF_MAPS element makes the kernel wait for an RCU grace period before the syscall
 * returns (maybe_wait_bpf_programs() in kernel/bpf/syscall.c, on 6.1 and 6.12 alike), and an
 * invocation would need one per rule map at install and again at teardown: ten grace periods on
 * the hot path of every `bpfence run`, which B4 (concurrent spawns, flat p99) forbids. Keyed
 * flat maps with recorded keys give the same O(rules of the set) for install, uninstall and
 * swap with no grace period anywhere but in a swap, where one is needed anyway (policy_swap).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <sys/socket.h>
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <dirent.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/random.h>
#include <sys/syscall.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <bpf/bpf.h>

#include "libbpfence.h"
#include "stats.h"

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

/* ---- the compiled rule set ---------------------------------------------------------------- */

enum rule_kind { RK_FILE, RK_NET, RK_BROKER, RK_UNIX, RK_ABSTRACT, RK_MAX };

static const struct {
	const char *map;
	size_t key, value;
	bool lpm; /* the LPM trie has no batch operations */
} rule_kinds[RK_MAX] = {
	[RK_FILE] = { "file_rules", sizeof(struct bpfence_file_key), sizeof(__u32) },
	[RK_NET] = { "net_rules", sizeof(struct bpfence_net_key), sizeof(struct bpfence_net_ports),
		     true },
	[RK_BROKER] = { "net_broker", sizeof(struct bpfence_broker_key), sizeof(__u32) },
	[RK_UNIX] = { "unix_rules", sizeof(struct bpfence_unix_key), sizeof(__u32) },
	[RK_ABSTRACT] = { "unix_abstract", sizeof(struct bpfence_unix_abstract_key), sizeof(__u32) },
};

/* Entries of one kind: key then value, back to back. */
struct rule_list {
	unsigned char *e;
	size_t n, cap;
};

struct rules {
	__u64 id;
	struct rule_list k[RK_MAX];
};

static int kind_fd(const struct bpfence_maps *m, int kind)
{
	switch (kind) {
	case RK_FILE: return m->file_rules;
	case RK_NET: return m->net_rules;
	case RK_BROKER: return m->net_broker;
	case RK_UNIX: return m->unix_rules;
	default: return m->unix_abstract;
	}
}

static size_t entry_size(int kind)
{
	return rule_kinds[kind].key + rule_kinds[kind].value;
}

static void rules_free(struct rules *rs)
{
	for (int k = 0; k < RK_MAX; k++)
		free(rs->k[k].e);
	memset(rs, 0, sizeof(*rs));
}

static int rules_add(struct rules *rs, int kind, const void *key, const void *value)
{
	struct rule_list *l = &rs->k[kind];
	size_t es = entry_size(kind);

	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 32;
		unsigned char *e = realloc(l->e, cap * es);

		if (!e)
			return -ENOMEM;
		l->e = e;
		l->cap = cap;
	}
	memcpy(l->e + l->n * es, key, rule_kinds[kind].key);
	memcpy(l->e + l->n * es + rule_kinds[kind].key, value, rule_kinds[kind].value);
	l->n++;
	return 0;
}

static size_t sort_key_size;
static int cmp_key(const void *a, const void *b)
{
	return memcmp(a, b, sort_key_size);
}

/* One entry per key. The same object granted under several paths accumulates its permissions;
 * a unix name both allowed and the broker's stays the broker's; for the other kinds the
 * entries of one key are identical. */
static void rules_merge(struct rules *rs)
{
	for (int kind = 0; kind < RK_MAX; kind++) {
		struct rule_list *l = &rs->k[kind];
		size_t es = entry_size(kind), ks = rule_kinds[kind].key, out = 0;

		if (l->n < 2)
			continue;
		sort_key_size = ks;
		qsort(l->e, l->n, es, cmp_key);
		for (size_t i = 0; i < l->n; i++) {
			unsigned char *cur = l->e + i * es, *last = out ? l->e + (out - 1) * es : NULL;

			if (last && !memcmp(last, cur, ks)) {
				__u32 a, b;

				if (kind == RK_FILE || kind == RK_UNIX || kind == RK_ABSTRACT) {
					memcpy(&a, last + ks, 4);
					memcpy(&b, cur + ks, 4);
					if (kind == RK_FILE)
						a |= b;
					else if (a == BPFENCE_UNIX_BROKER || b == BPFENCE_UNIX_BROKER)
						a = BPFENCE_UNIX_BROKER;
					memcpy(last + ks, &a, 4);
				}
				continue;
			}
			if (out != i)
				memmove(l->e + out * es, cur, es);
			out++;
		}
		l->n = out;
	}
}

/* Set the rule set id in every key (the compile step writes 0). */
static void rules_set_id(struct rules *rs, __u64 id)
{
	rs->id = id;
	for (int kind = 0; kind < RK_MAX; kind++) {
		size_t es = entry_size(kind), off = kind == RK_NET ?
							offsetof(struct bpfence_net_key, data) : 0;

		for (size_t i = 0; i < rs->k[kind].n; i++)
			memcpy(rs->k[kind].e + i * es + off, &id, 8);
	}
}

/* Keys and values as the batch calls want them: two arrays. */
static int split(const struct rule_list *l, int kind, size_t from, size_t count,
		 unsigned char **keys, unsigned char **values)
{
	size_t es = entry_size(kind), ks = rule_kinds[kind].key, vs = rule_kinds[kind].value;

	*keys = malloc(count * ks + 1);
	*values = malloc(count * vs + 1);
	if (!*keys || !*values) {
		free(*keys);
		free(*values);
		return -ENOMEM;
	}
	for (size_t i = 0; i < count; i++) {
		memcpy(*keys + i * ks, l->e + (from + i) * es, ks);
		memcpy(*values + i * vs, l->e + (from + i) * es + ks, vs);
	}
	return 0;
}

/* Delete the first `count` keys of one kind; a key already gone is skipped, not an error. */
static void delete_entries(const struct bpfence_maps *m, const struct rules *rs, int kind,
			   size_t count)
{
	const struct rule_list *l = &rs->k[kind];
	size_t es = entry_size(kind), ks = rule_kinds[kind].key, done = 0;
	int fd = kind_fd(m, kind);
	unsigned char *keys = NULL, *values = NULL;

	if (!rule_kinds[kind].lpm && count > 1 && !split(l, kind, 0, count, &keys, &values)) {
		LIBBPF_OPTS(bpf_map_batch_opts, o);

		while (done < count) {
			__u32 c = (__u32)(count - done);

			if (!bpf_map_delete_batch(fd, keys + done * ks, &c, &o)) {
				done = count;
				break;
			}
			/* c were deleted; the next one failed (ENOENT): skip it. */
			if (errno != ENOENT)
				break;
			done += c + 1;
		}
		free(keys);
		free(values);
	}
	for (; done < count; done++)
		bpf_map_delete_elem(fd, l->e + done * es);
}

static void rules_delete(const struct bpfence_maps *m, const struct rules *rs)
{
	for (int kind = 0; kind < RK_MAX; kind++)
		delete_entries(m, rs, kind, rs->k[kind].n);
}

/* Write every entry: one batch update per hash map. On failure what was written is deleted and
 * the message names the map. */
static int rules_put(const struct bpfence_maps *m, const struct rules *rs, char *why, size_t n)
{
	for (int kind = 0; kind < RK_MAX; kind++) {
		const struct rule_list *l = &rs->k[kind];
		size_t es = entry_size(kind), done = 0;
		int fd = kind_fd(m, kind), err = 0;

		if (!l->n)
			continue;
		if (!rule_kinds[kind].lpm && l->n > 1) {
			unsigned char *keys, *values;
			__u32 c = (__u32)l->n;
			LIBBPF_OPTS(bpf_map_batch_opts, o, .elem_flags = BPF_ANY);

			err = split(l, kind, 0, l->n, &keys, &values);
			if (!err) {
				if (bpf_map_update_batch(fd, keys, values, &c, &o))
					err = -errno;
				done = err ? c : l->n;
				free(keys);
				free(values);
			}
		}
		for (; !err && done < l->n; done++)
			if (bpf_map_update_elem(fd, l->e + done * es, l->e + done * es +
						rule_kinds[kind].key, BPF_ANY))
				err = -errno;
		if (err) {
			delete_entries(m, rs, kind, done);
			for (int k = 0; k < kind; k++)
				delete_entries(m, rs, k, rs->k[k].n);
			return fail(why, n, err, "cannot add %zu %s entries (%zu written, all removed "
				    "again): %s%s", l->n, rule_kinds[kind].map, done, strerror(-err),
				    err == -E2BIG || err == -ENOMEM || err == -ENOSPC ?
				    " (the map is full: too many rules installed at once)" : "");
		}
	}
	return 0;
}

/* ---- records: the keys of every installed rule set ------------------------------------- */

#define RULES_DIR "/run/bpfence/rules"
#define RECORD_MAGIC 0x31535242 /* "BRS1" */

struct record_head {
	__u32 magic;
	__u32 kinds;
	__u64 id;
	__u64 n[RK_MAX];
};

static void record_path(char *buf, size_t n, __u64 id)
{
	snprintf(buf, n, RULES_DIR "/%016llx", (unsigned long long)id);
}

/* The record is written before the first map entry, so no entry exists without one. */
static int record_write(const struct rules *rs, char *why, size_t n)
{
	struct record_head h = { .magic = RECORD_MAGIC, .kinds = RK_MAX, .id = rs->id };
	char path[64], tmp[80];
	FILE *f;
	int ok;

	if ((mkdir("/run/bpfence", 0700) && errno != EEXIST) ||
	    (mkdir(RULES_DIR, 0700) && errno != EEXIST))
		return fail(why, n, errno, "cannot create " RULES_DIR ": %s", strerror(errno));
	record_path(path, sizeof(path), rs->id);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	f = fopen(tmp, "we");
	if (!f)
		return fail(why, n, errno, "cannot write %s: %s", tmp, strerror(errno));
	for (int k = 0; k < RK_MAX; k++)
		h.n[k] = rs->k[k].n;
	ok = fwrite(&h, sizeof(h), 1, f) == 1;
	for (int k = 0; k < RK_MAX && ok; k++)
		for (size_t i = 0; i < rs->k[k].n && ok; i++)
			ok = fwrite(rs->k[k].e + i * entry_size(k), rule_kinds[k].key, 1, f) == 1;
	if (fclose(f) || !ok || rename(tmp, path)) {
		int e = errno ? errno : EIO;

		unlink(tmp);
		return fail(why, n, e, "cannot write %s: %s", path, strerror(e));
	}
	return 0;
}

/* The keys of rule set id from its record (values are left zero). -ENOENT without a record. */
static int record_read(__u64 id, struct rules *rs)
{
	struct record_head h;
	char path[64];
	int r = 0;
	FILE *f;

	memset(rs, 0, sizeof(*rs));
	record_path(path, sizeof(path), id);
	f = fopen(path, "re");
	if (!f)
		return -errno;
	if (fread(&h, sizeof(h), 1, f) != 1 || h.magic != RECORD_MAGIC || h.kinds != RK_MAX ||
	    h.id != id)
		r = -EPROTO;
	for (int k = 0; k < RK_MAX && !r; k++) {
		unsigned char key[sizeof(struct bpfence_net_key) + sizeof(struct bpfence_unix_abstract_key)],
			zero[sizeof(struct bpfence_net_ports)] = {};

		if (h.n[k] > (1u << 24)) {
			r = -EPROTO;
			break;
		}
		for (__u64 i = 0; i < h.n[k] && !r; i++) {
			if (fread(key, rule_kinds[k].key, 1, f) != 1)
				r = -EPROTO;
			else
				r = rules_add(rs, k, key, zero);
		}
	}
	fclose(f);
	rs->id = id;
	if (r)
		rules_free(rs);
	return r;
}

static void record_remove(__u64 id)
{
	char path[64];

	record_path(path, sizeof(path), id);
	unlink(path);
}

/* ---- compiling a policy into a rule set -------------------------------------------------- */

static int add_broker_exact(struct rules *rs, const uint8_t addr[16], uint16_t port)
{
	struct bpfence_broker_key k = { .port = port };
	__u32 one = 1;

	memcpy(k.addr, addr, 16);
	return rules_add(rs, RK_BROKER, &k, &one);
}

/* Every address of this host (IPv4 as v4-mapped), from one RTM_GETADDR dump. Not getifaddrs():
 * that dumps every link with its statistics first, and `run` does this once per invocation. */
static int host_addrs(uint8_t (**out)[16], size_t *count)
{
	struct {
		struct nlmsghdr nh;
		struct ifaddrmsg ifa;
	} req = { .nh = { .nlmsg_len = sizeof(req), .nlmsg_type = RTM_GETADDR,
			  .nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP, .nlmsg_seq = 1 },
		  .ifa = { .ifa_family = AF_UNSPEC } };
	static char buf[32768] __attribute__((aligned(4)));
	uint8_t (*v)[16] = NULL;
	size_t n = 0, cap = 0;
	int fd, r = 0;
	bool done = false;

	*out = NULL;
	*count = 0;
	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (fd < 0)
		return -errno;
	if (send(fd, &req, sizeof(req), 0) < 0)
		r = -errno;
	while (!r && !done) {
		ssize_t len = recv(fd, buf, sizeof(buf), 0);
		struct nlmsghdr *nh;

		if (len < 0) {
			r = -errno;
			break;
		}
		for (nh = (struct nlmsghdr *)buf; !r && NLMSG_OK(nh, (size_t)len);
		     nh = NLMSG_NEXT(nh, len)) {
			struct ifaddrmsg *ifa = NLMSG_DATA(nh);
			struct rtattr *rta;
			int alen;

			if (nh->nlmsg_type == NLMSG_DONE) {
				done = true;
				break;
			}
			if (nh->nlmsg_type == NLMSG_ERROR) {
				r = -EPROTO;
				break;
			}
			if (nh->nlmsg_type != RTM_NEWADDR ||
			    (ifa->ifa_family != AF_INET && ifa->ifa_family != AF_INET6))
				continue;
			alen = (int)IFA_PAYLOAD(nh);
			for (rta = IFA_RTA(ifa); RTA_OK(rta, alen); rta = RTA_NEXT(rta, alen)) {
				uint8_t a[16] = {};

				if (rta->rta_type != IFA_ADDRESS && rta->rta_type != IFA_LOCAL)
					continue;
				if (ifa->ifa_family == AF_INET && RTA_PAYLOAD(rta) == 4) {
					a[10] = a[11] = 0xff;
					memcpy(a + 12, RTA_DATA(rta), 4);
				} else if (ifa->ifa_family == AF_INET6 && RTA_PAYLOAD(rta) == 16) {
					memcpy(a, RTA_DATA(rta), 16);
				} else {
					continue;
				}
				if (n == cap) {
					uint8_t (*nv)[16] = realloc(v, (cap = cap ? cap * 2 : 16) * 16);

					if (!nv) {
						r = -ENOMEM;
						break;
					}
					v = nv;
				}
				memcpy(v[n++], a, 16);
			}
		}
	}
	close(fd);
	if (r) {
		free(v);
		return r;
	}
	*out = v;
	*count = n;
	return 0;
}

/* A broker on a loopback or any address is reachable through every address of this host: deny
 * its port on each of them (taken now; addresses added later are not covered, see docs). The
 * addresses are read once per install. */
struct host_list {
	bool read;
	uint8_t (*a)[16];
	size_t n;
};

static int add_broker_host_addrs(struct rules *rs, struct host_list *h, uint16_t port)
{
	int r = 0;

	if (!h->read) {
		r = host_addrs(&h->a, &h->n);
		if (r)
			return r;
		h->read = true;
	}
	for (size_t i = 0; i < h->n && !r; i++)
		r = add_broker_exact(rs, h->a[i], port);
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
static int add_net_rules(struct rules *rs, const struct policy *p, char *why, size_t n)
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
		memcpy(k.data + 8, r->addr, 16);
		if (rules_add(rs, RK_NET, &k, &v))
			return fail(why, n, ENOMEM, "cannot compile the network rules: out of memory");
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

/* How much of a denied directory deny_links() looks through: entries and depth. */
#define DENY_SCAN_ENTRIES 4096
#define DENY_SCAN_DEPTH 16

/*
 * A deny on a directory holds for everything reached through it, and a deny on a file for every
 * name of that file (its inode carries the mark). What the walk up cannot see is a second hard
 * link, outside the directory, to a file inside it: its walk never passes the denied directory.
 * So every file below a denied directory with more than one link gets a mark of its own, and a
 * link that exists when the policy is loaded does not get around the deny (SECURITY.md row 38;
 * a function cannot make one itself: a link needs write on both directories). Bounded by
 * DENY_SCAN_ENTRIES and DENY_SCAN_DEPTH; stays on the directory's own file system (links never
 * cross one). Returns 0 or -ENOMEM; unreadable entries are passed over.
 */
static int deny_links(struct rules *rs, int dirfd, dev_t dev, int depth, unsigned int *budget)
{
	DIR *d = fdopendir(dirfd);
	struct dirent *de;
	int r = 0;

	if (!d) {
		close(dirfd);
		return 0;
	}
	while (!r && *budget && (de = readdir(d))) {
		struct stat st;

		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		(*budget)--;
		if (fstatat(dirfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) || st.st_dev != dev)
			continue;
		if (!S_ISDIR(st.st_mode) && st.st_nlink > 1) {
			struct bpfence_file_key k = { .ino = st.st_ino, .dev = kdev(st.st_dev) };
			__u32 perm = POLICY_PERM_DENY;

			if (rules_add(rs, RK_FILE, &k, &perm))
				r = -ENOMEM;
		} else if (S_ISDIR(st.st_mode) && depth < DENY_SCAN_DEPTH) {
			int fd = openat(dirfd, de->d_name,
					O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

			if (fd >= 0)
				r = deny_links(rs, fd, dev, depth + 1, budget);
		}
	}
	closedir(d);
	return r;
}

/* Open what resolve_path() found at pp, as a directory, the same way it was found. */
static int open_dir_as_resolved(const struct policy_path *pp, const struct policy_vars *vars)
{
	char path[PATH_MAX];
	const char *unbound = NULL;

	if (policy_expand(pp->path, vars, path, sizeof(path), &unbound))
		return -1;
	if (vars && vars->root) {
		struct open_how how = { .flags = O_RDONLY | O_DIRECTORY | O_CLOEXEC,
					.resolve = RESOLVE_IN_ROOT };
		int dfd = open(vars->root, O_PATH | O_DIRECTORY | O_CLOEXEC), fd;

		if (dfd < 0)
			return -1;
		fd = (int)syscall(SYS_openat2, dfd, path, &how, sizeof(how));
		close(dfd);
		return fd;
	}
	return open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
}

static int add_file_rules(struct rules *rs, const struct policy *p, const struct policy_vars *vars,
			  struct install_report *rep, char *why, size_t n)
{
	for (size_t i = 0; i < p->n_paths; i++) {
		struct bpfence_file_key k = {};
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
		/* The same object under several keys: grants accumulate (rules_merge). Whatever
		 * may be executed may also be mapped executable (the loader maps the program it
		 * starts). */
		perm = p->paths[i].perm;
		if (perm & POLICY_PERM_EXEC)
			perm |= POLICY_PERM_MAP;
		if (rules_add(rs, RK_FILE, &k, &perm))
			return fail(why, n, ENOMEM, "cannot compile the file rules: out of memory");
		if (perm == POLICY_PERM_DENY && S_ISDIR(st.st_mode)) {
			unsigned int budget = DENY_SCAN_ENTRIES;
			int fd = open_dir_as_resolved(&p->paths[i], vars);

			if (fd >= 0 && deny_links(rs, fd, st.st_dev, 0, &budget))
				return fail(why, n, ENOMEM, "cannot compile the file rules: out of memory");
		}
		if (S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode)) {
			/* The device, through any node of it (bpf/bpfence.h). */
			struct bpfence_file_key dk = { .dev = kdev(st.st_rdev),
						       .ino = S_ISCHR(st.st_mode) ? BPFENCE_DEVICE_CHR :
										   BPFENCE_DEVICE_BLK };

			if (rules_add(rs, RK_FILE, &dk, &perm))
				return fail(why, n, ENOMEM,
					    "cannot compile the file rules: out of memory");
		}
		rep->files++;
	}
	return 0;
}

/* Named unix sockets: by inode for paths (every alias of the same socket file), by exact name
 * for abstract ones. The broker verdict is written last so it wins over an allow of the same
 * socket. A path that does not exist yet is skipped: a broker that appears later is still
 * unreachable, since every unix socket outside the invocation is denied unless allowed. */
static int add_unix_names(struct rules *rs, const struct policy *p,
			  const struct policy_broker_unix *list, size_t count, __u32 verdict,
			  char *why, size_t n)
{
	for (size_t i = 0; i < count; i++) {
		const struct policy_broker_unix *b = &list[i];
		struct stat st;

		if (b->abstract) {
			struct bpfence_unix_abstract_key k = {};
			size_t len = strlen(b->path);

			if (len == 0 || len >= sizeof(k.name))
				return fail(why, n, EINVAL, "%s:%u:%u: abstract name too long",
					    p->file, b->loc.line, b->loc.col);
			k.len = len;
			memcpy(k.name, b->path, len);
			if (rules_add(rs, RK_ABSTRACT, &k, &verdict))
				return fail(why, n, ENOMEM, "cannot compile the unix rules: out of memory");
			continue;
		}
		if (stat(b->path, &st))
			continue;
		struct bpfence_unix_key k = { .ino = st.st_ino, .dev = kdev(st.st_dev) };

		if (rules_add(rs, RK_UNIX, &k, &verdict))
			return fail(why, n, ENOMEM, "cannot compile the unix rules: out of memory");
	}
	return 0;
}

static int add_broker(struct rules *rs, const struct policy *p, struct bpfence_policy *bp,
		      char *why, size_t n)
{
	struct host_list hosts = {};
	int r = add_unix_names(rs, p, p->unix_allow, p->n_unix_allow, BPFENCE_UNIX_ALLOW, why, n);

	if (!r)
		r = add_unix_names(rs, p, p->broker_unix, p->n_broker_unix, BPFENCE_UNIX_BROKER,
				   why, n);
	if (r)
		return r;
	for (size_t i = 0; i < p->n_broker_tcp; i++) {
		const struct policy_broker_tcp *b = &p->broker_tcp[i];

		if (local_class(b->addr)) {
			if (bp->n_broker_local >= BPFENCE_BROKER_LOCAL_MAX) {
				r = fail(why, n, E2BIG, "%s:%u: too many local broker ports",
					 p->file, b->loc.line);
				break;
			}
			bp->broker_local_ports[bp->n_broker_local++] = b->port;
			r = add_broker_host_addrs(rs, &hosts, b->port);
		} else {
			r = add_broker_exact(rs, b->addr, b->port);
		}
		if (r) {
			r = fail(why, n, r, "cannot add broker: %s", strerror(-r));
			break;
		}
	}
	free(hosts.a);
	return r;
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

/* The policy entry for p, without its rule set. A policy that names DNS names needs the
 * invocation's resolver (vars->resolver4): without one it is refused, never installed with its
 * names silently ignored. */
static int policy_entry(const struct policy *p, const struct policy_vars *vars, const char *id,
			struct bpfence_policy *bp, char *why, size_t n)
{
	memset(bp, 0, sizeof(*bp));
	bp->families = p->families;
	if (p->mode == POLICY_MODE_AUDIT)
		bp->flags |= BPFENCE_POLICY_AUDIT;
	if (p->connect_allow)
		bp->flags |= BPFENCE_POLICY_CONNECT_ALLOW;
	if (p->n_allow_names || p->n_deny_names) {
		if (!vars || !vars->resolver4)
			return fail(why, n, EOPNOTSUPP,
				    "policy '%s' names DNS names, which only the resolver that "
				    "`bpfence run`, `sandbox` and `oci-hook` start for an invocation "
				    "can answer (`tag` starts none: use CIDR lines there)",
				    p->name);
		bp->flags |= BPFENCE_POLICY_NAMES;
		bp->resolver4 = vars->resolver4;
	}
	snprintf(bp->name, sizeof(bp->name), "%s", p->name);
	snprintf(bp->id, sizeof(bp->id), "%s", id);
	return 0;
}

/* Every rule of p, compiled (keys without their rule set id; the broker's local ports go into
 * bp). */
static int compile_rules(struct rules *rs, const struct policy *p, const struct policy_vars *vars,
			 struct bpfence_policy *bp, struct install_report *rep, char *why, size_t n)
{
	int r = add_file_rules(rs, p, vars, rep, why, n);

	if (!r)
		r = add_net_rules(rs, p, why, n);
	if (!r)
		r = add_broker(rs, p, bp, why, n);
	if (r)
		rules_free(rs);
	else
		rules_merge(rs);
	return r;
}

/* The rule set into the maps under id: record first, then the entries. All or nothing. */
static int rules_install(const struct bpfence_maps *m, struct rules *rs, __u64 id, char *why,
			 size_t n)
{
	int r;

	rules_set_id(rs, id);
	r = record_write(rs, why, n);
	if (r)
		return r;
	r = rules_put(m, rs, why, n);
	if (r)
		record_remove(id);
	return r;
}

/* Remove rule set id: exactly the keys of its record. Without a record (a rule set written by an
 * older bpfence, or /run/bpfence wiped under a live invocation) the maps are walked for keys of
 * this set instead, the one place that still costs O(map). */
static void delete_keyed(int fd, size_t key_size, size_t inv_offset, __u64 inv);

static void rules_remove(const struct bpfence_maps *m, __u64 id)
{
	struct rules rs;

	/* What the resolver granted is in no record: it came after the install. A walk of a map
	 * that is empty unless some policy names DNS names. */
	delete_keyed(m->name_grants, sizeof(struct bpfence_name_key), 0, id);
	if (!record_read(id, &rs)) {
		rules_delete(m, &rs);
		rules_free(&rs);
		record_remove(id);
		return;
	}
	delete_keyed(m->file_rules, sizeof(struct bpfence_file_key), 0, id);
	/* LPM keys start with prefixlen; the rule set follows it. */
	delete_keyed(m->net_rules, sizeof(struct bpfence_net_key),
		     offsetof(struct bpfence_net_key, data), id);
	delete_keyed(m->net_broker, sizeof(struct bpfence_broker_key), 0, id);
	delete_keyed(m->unix_rules, sizeof(struct bpfence_unix_key), 0, id);
	delete_keyed(m->unix_abstract, sizeof(struct bpfence_unix_abstract_key), 0, id);
	record_remove(id);
}

/*
 * Wait until every BPF program that may have read the old policy entry has returned. Updating a
 * map-in-map makes the kernel call synchronize_rcu() before the syscall returns
 * (maybe_wait_bpf_programs(): "userspace, when we return to it, knows that all programs that
 * could be running use the new map value"); LSM programs are non-sleepable and run inside an RCU
 * read-side section. A throwaway one-slot ARRAY_OF_MAPS gives user space that grace period. Only
 * a swap needs it; install and teardown never wait.
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
	struct rules rs = {};
	int r;

	if (!rep)
		rep = &local;
	memset(rep, 0, sizeof(*rep));
	/* Never over another invocation's rules: its keys would be overwritten, then removed. */
	if (!bpf_map_lookup_elem(m->policies, &inv, &bp))
		return fail(why, n, EEXIST, "invocation %llu already has a policy",
			    (unsigned long long)inv);
	r = policy_entry(p, vars, id, &bp, why, n);
	if (r)
		return r;
	bp.rules = inv;
	r = compile_rules(&rs, p, vars, &bp, rep, why, n);
	if (r)
		return r;
	r = rules_install(m, &rs, inv, why, n);
	if (r) {
		rules_free(&rs);
		return r;
	}
	if (bpf_map_update_elem(m->counters, &inv, &zero, BPF_ANY))
		r = fail(why, n, errno, "cannot add counters: %s", strerror(errno));
	/* Last: the policy entry is what makes the rules count. */
	if (!r && bpf_map_update_elem(m->policies, &inv, &bp, BPF_NOEXIST))
		r = fail(why, n, errno, "cannot add policy: %s", strerror(errno));
	if (r) {
		rules_delete(m, &rs);
		record_remove(inv);
		bpf_map_delete_elem(m->counters, &inv);
	} else {
		stats_add(STAT_INVOCATIONS_STARTED);
	}
	rules_free(&rs);
	return r;
}

int policy_swap(const struct bpfence_maps *m, __u64 inv, const struct policy *p,
		const struct policy_vars *vars, struct install_report *rep, char *why, size_t n)
{
	struct bpfence_policy old, bp;
	struct install_report local;
	struct rules rs = {};
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
	r = policy_entry(p, vars, old.id, &bp, why, n);
	if (r)
		return r;
	bp.rules = rules;
	r = compile_rules(&rs, p, vars, &bp, rep, why, n);
	if (!r)
		r = rules_install(m, &rs, rules, why, n);
	if (r) {
		rules_free(&rs);
		return r;
	}
	/* The swap: one element replaced in one update. A decision reads the entry once, so it
	 * uses the old policy with the old rules or the new one with the new rules. */
	if (bpf_map_update_elem(m->policies, &inv, &bp, BPF_EXIST)) {
		r = fail(why, n, errno, "cannot replace the policy: %s", strerror(errno));
		rules_delete(m, &rs); /* nothing changed: the old policy still holds */
		record_remove(rules);
		rules_free(&rs);
		return r;
	}
	rules_free(&rs);
	/* A decision that read the old entry just before the swap may still be walking the old
	 * rules: wait for it before deleting them. Should the grace period be unavailable, wait
	 * far longer than any hook runs; a decision still in flight then could only turn into a
	 * denial (fail closed), never an allow. */
	if (rcu_grace())
		usleep(100 * 1000);
	rules_remove(m, old.rules);
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

int policy_uninstall(const struct bpfence_maps *m, __u64 inv)
{
	struct bpfence_policy bp;
	char path[64];

	/* The policy entry first: without it the invocation is denied everything, never allowed
	 * through half-deleted rules. */
	if (!bpf_map_lookup_elem(m->policies, &inv, &bp)) {
		/* Counted by whoever deletes the entry: once, even with two cleaners racing. */
		if (!bpf_map_delete_elem(m->policies, &inv))
			stats_add(STAT_INVOCATIONS_ENDED);
		rules_remove(m, bp.rules);
		if (bp.rules == inv) {
			bpf_map_delete_elem(m->counters, &inv);
			return 0;
		}
	}
	/* No policy entry (a half-finished install), or a swapped one: the first rule set may
	 * still have a record. */
	record_path(path, sizeof(path), inv);
	if (!access(path, F_OK))
		rules_remove(m, inv);
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

/* Entries in a hash map: in batches (one syscall per 256 entries, not one per entry: a
 * scrape counts up to 65,536 tags), or key by key where the kernel has no batch for it. */
long long map_count(int fd)
{
	struct bpf_map_info mi = {};
	__u32 len = sizeof(mi), chunk = 256, n;
	unsigned char token[64], next[64];
	void *keys = NULL, *vals = NULL;
	long long count = 0;
	bool first = true;

	if (bpf_obj_get_info_by_fd(fd, &mi, &len) || mi.key_size > sizeof(token))
		return -EINVAL;
	for (;;) {
		int r;

		if (!keys) {
			keys = malloc((size_t)chunk * mi.key_size);
			vals = malloc((size_t)chunk * mi.value_size);
			if (!keys || !vals)
				break;
		}
		n = chunk;
		r = bpf_map_lookup_batch(fd, first ? NULL : token, next, keys, vals, &n, NULL);
		if (r && errno == ENOSPC && chunk < 65536) {
			/* one bucket holds more than chunk entries: start again, larger */
			free(keys);
			free(vals);
			keys = vals = NULL;
			chunk *= 4;
			count = 0;
			first = true;
			continue;
		}
		if (r && errno != ENOENT)
			break;
		count += n;
		if (r)
			goto out; /* ENOENT: that was the last batch */
		memcpy(token, next, sizeof(token));
		first = false;
	}
	/* No batch for this map (or no memory): key by key. */
	{
		unsigned char key[512], nk[512];
		void *prev = NULL;

		count = 0;
		while (mi.key_size <= sizeof(key) && !bpf_map_get_next_key(fd, prev, nk)) {
			count++;
			memcpy(key, nk, mi.key_size);
			prev = key;
		}
	}
out:
	free(keys);
	free(vals);
	return count;
}

int tag_count(const struct bpfence_maps *m)
{
	long long n = map_count(m->tags);

	return n < 0 ? 0 : (int)n;
}

int counters_read(const struct bpfence_maps *m, __u64 inv, struct bpfence_counters *c)
{
	return bpf_map_lookup_elem(m->counters, &inv, c) ? -errno : 0;
}
