// SPDX-License-Identifier: GPL-2.0-only
/*
 * bpfence policy learn: from denial records to the policy lines that would have allowed them.
 *
 * Paths are collapsed only where that is safe: denials that share a parent directory become a
 * grant of that directory, repeatedly, but never of the root, a top-level directory, or a
 * directory that holds a secret (a grant covers everything below it). What no policy line can
 * or should lift (the broker, bpfence's own protection, secrets, other processes) becomes a
 * warning that says why, never a line.
 *
 * Given the policy the lines are for, each denied access is first walked through that policy's
 * [files] lines as the kernel walks inodes (loader/marks.c): what it grants already is left
 * out, so learning twice from one log adds nothing the second time; what one of its deny lines
 * refuses is a warning naming that line, since a grant would not take effect and the deny is
 * the policy's choice; exec or map inside a place it lets the function write is proposed for
 * that place itself, the one grant the write rule (nothing the function wrote runs) lets
 * through, with a note saying what it opens.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "learn.h"
#include "libbpfence.h"

enum entry_kind {
	E_READ,
	E_WRITE,
	E_EXEC,
	E_MAP,
	E_ALLOW,
	E_ALLOW_NAME, /* allow = NAME PROTO PORT: the destination's DNS name, from the resolver */
	E_FAMILY,
	E_UNIX,
	E_WARN,
	E_NAME,	     /* a bare file name (hooks other than file_open name only the dentry) */
	E_UNIX_NAME, /* a unix socket's bare name */
};

static const char *const perm_key[] = { [E_READ] = "read", [E_WRITE] = "write",
					[E_EXEC] = "exec", [E_MAP] = "map" };

struct learn_entry {
	enum entry_kind kind;
	char *value;
	char *example;
	char *hook;
	const char *wkind, *reason; /* E_WARN */
	const char *note;           /* see struct learn_item */
	char *cause;
	char invocation[LEARN_INVOCATION_MAX];
	unsigned int perms;         /* E_NAME: bit per E_READ..E_MAP */
	bool pinned;                /* a place the policy lets the function write: never widened */
	unsigned long count;
	unsigned long seq; /* order of arrival: the example is the first record's */
	bool gone;         /* merged into another entry */
};

/* ---- what is never proposed ------------------------------------------------------------- */

enum match { BELOW, PREFIX };

/* Denied objects that no line should grant, and directories no grant may cover: one table. */
static const struct {
	const char *path;
	enum match match; /* BELOW: the path or anything under it; PREFIX: any path starting so */
	const char *kind, *reason;
} refused[] = {
	{ "/sys/fs/cgroup", BELOW, "cgroupfs",
	  "cgroupfs: refused whatever the policy says (a directory fd moves tasks between "
	  "cgroups, out of the sandbox)" },
	{ "/sys/fs/bpf", BELOW, "bpffs",
	  "bpffs: bpfence's own programs and maps are pinned there; writes are refused whatever "
	  "the policy says" },
	{ "/sys/kernel/security", BELOW, "securityfs",
	  "securityfs: the LSMs' own controls; writes are refused whatever the policy says" },
	{ "/etc/shadow", PREFIX, "secret", "a secret: password hashes" },
	{ "/etc/gshadow", PREFIX, "secret", "a secret: group password hashes" },
	{ "/etc/sudoers", PREFIX, "secret", "a secret: who may become root" },
	{ "/etc/ssl/private", BELOW, "secret", "a secret: TLS private keys" },
	{ "/etc/ssh/ssh_host_", PREFIX, "secret", "a secret: the host's SSH keys" },
	{ "/etc/krb5.keytab", BELOW, "secret", "a secret: Kerberos keys" },
	{ "/etc/security/opasswd", BELOW, "secret", "a secret: old password hashes" },
	{ "/root", BELOW, "secret", "a secret: root's home directory" },
	{ "/home", BELOW, "secret", "a secret: users' home directories" },
	{ "/run/secrets", BELOW, "secret", "a secret: secrets mounted for containers" },
	{ "/var/run/secrets", BELOW, "secret", "a secret: secrets mounted for containers" },
};

/* Directories never proposed when paths below them are collapsed: too wide to grant whole. */
static const char *const broad[] = {
	"/etc", "/proc", "/sys", "/dev", "/home", "/root", "/var", "/run", "/tmp", "/var/lib",
	"/var/log", "/var/tmp", "/var/run", "/run/user", "/dev/shm", "/sys/fs",
};

/* Is target path itself or below it? */
static bool below(const char *target, const char *path)
{
	size_t len = strlen(path);

	return !strncmp(target, path, len) && (target[len] == '\0' || target[len] == '/');
}

static bool has_component(const char *path, const char *name)
{
	size_t len = strlen(name);

	for (const char *p = path; (p = strchr(p, '/')); p++) {
		if (!strncmp(p + 1, name, len) && (p[1 + len] == '/' || !p[1 + len]))
			return true;
	}
	return false;
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t a = strlen(s), b = strlen(suffix);

	return a >= b && !strcmp(s + a - b, suffix);
}

/* /proc/<digits> or below. */
static bool proc_pid(const char *path)
{
	const char *p = path + 6;

	if (strncmp(path, "/proc/", 6) || *p < '0' || *p > '9')
		return false;
	while (*p >= '0' && *p <= '9')
		p++;
	return !*p || *p == '/';
}

const char *learn_path_refused(const char *path, const char **kind)
{
	for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		bool hit = refused[i].match == BELOW ? below(path, refused[i].path) :
						       !strncmp(path, refused[i].path,
								strlen(refused[i].path));

		if (hit) {
			*kind = refused[i].kind;
			return refused[i].reason;
		}
	}
	*kind = "secret";
	if (has_component(path, ".ssh") || has_component(path, ".gnupg"))
		return "a secret: a user's SSH or GnuPG keys";
	if (below(path, "/etc") && !below(path, "/etc/ssl/certs") &&
	    (ends_with(path, ".key") || ends_with(path, ".pem")))
		return "a secret: a key or certificate under /etc";
	if (proc_pid(path)) {
		*kind = "proc";
		return "/proc/PID: another process's /proc is a secret (environment, memory, "
		       "command line), and a process's own cannot be granted by path (the policy "
		       "resolves it when it loads)";
	}
	*kind = NULL;
	return NULL;
}

/* Would a grant of dir cover something refused? */
static bool covers_refused(const char *dir)
{
	if (!strcmp(dir, "/"))
		return true;
	for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		if (below(refused[i].path, dir))
			return true;
	}
	return !strcmp(dir, "/proc");
}

static bool is_broad(const char *dir)
{
	for (size_t i = 0; i < sizeof(broad) / sizeof(broad[0]); i++) {
		if (!strcmp(dir, broad[i]))
			return true;
	}
	return false;
}

bool learn_dir_collapsible(const char *dir)
{
	const char *second;

	if (dir[0] == '$')
		return true; /* ${source}, ${scratch} and below: the function's own */
	if (dir[0] != '/' || !dir[1])
		return false;
	second = strchr(dir + 1, '/');
	if (!second || !second[1])
		return false; /* top level */
	return !is_broad(dir) && !covers_refused(dir) && !proc_pid(dir);
}

/* ---- collecting ---------------------------------------------------------------------------- */

void learn_init(struct learn *l, const char *source, const char *scratch)
{
	memset(l, 0, sizeof(*l));
	l->source = source;
	l->scratch = scratch;
}

static struct learn_entry *new_entry(struct learn *l, enum entry_kind kind, const char *value,
				     const char *example, const char *hook)
{
	struct learn_entry *e;

	if (l->n_entries == l->cap_entries) {
		size_t cap = l->cap_entries ? l->cap_entries * 2 : 64;

		e = realloc(l->entries, cap * sizeof(*e));
		if (!e)
			return NULL;
		l->entries = e;
		l->cap_entries = cap;
	}
	e = &l->entries[l->n_entries];
	memset(e, 0, sizeof(*e));
	e->kind = kind;
	e->count = 1;
	e->seq = l->n_entries;
	snprintf(e->invocation, sizeof(e->invocation), "%s", l->invocation ? l->invocation : "");
	e->value = strdup(value ? value : "");
	e->example = strdup(example ? example : "");
	e->hook = strdup(hook ? hook : "?");
	if (!e->value || !e->example || !e->hook) {
		free(e->value);
		free(e->example);
		free(e->hook);
		return NULL;
	}
	l->n_entries++;
	return e;
}

static struct learn_entry *warn_entry(struct learn *l, const char *kind, const char *reason,
				      const char *value, const char *example, const char *hook)
{
	struct learn_entry *e = new_entry(l, E_WARN, value, example, hook);

	if (e) {
		e->wkind = kind;
		e->reason = reason;
	}
	return e;
}

static int warn(struct learn *l, const char *kind, const char *reason, const char *value,
		const char *example, const char *hook)
{
	return warn_entry(l, kind, reason, value, example, hook) ? 0 : -ENOMEM;
}

/* ${source} and ${scratch} for the run's own directories, so the line fits every run. */
static char *with_variables(const struct learn *l, const char *path)
{
	const char *vars[2] = { l->source, l->scratch }, *names[2] = { "${source}", "${scratch}" };
	char *out;

	for (int i = 0; i < 2; i++) {
		if (vars[i] && vars[i][0] == '/' && vars[i][1] && below(path, vars[i])) {
			if (asprintf(&out, "%s%s", names[i], path + strlen(vars[i])) < 0)
				return NULL;
			return out;
		}
	}
	return strdup(path);
}

static int remember_path(struct learn *l, const char *path)
{
	if (l->n_full == l->cap_full) {
		size_t cap = l->cap_full ? l->cap_full * 2 : 64;
		char **n = realloc(l->full_paths, cap * sizeof(*n));

		if (!n)
			return -ENOMEM;
		l->full_paths = n;
		l->cap_full = cap;
	}
	l->full_paths[l->n_full] = strdup(path);
	if (!l->full_paths[l->n_full])
		return -ENOMEM;
	l->n_full++;
	return 0;
}

/* ---- the policy the lines are for ------------------------------------------------------- */

/* Bit k of a perms set (E_READ..E_MAP) is the key's POLICY_PERM_* bit. */
_Static_assert((1u << E_READ) == POLICY_PERM_READ && (1u << E_WRITE) == POLICY_PERM_WRITE &&
	       (1u << E_EXEC) == POLICY_PERM_EXEC && (1u << E_MAP) == POLICY_PERM_MAP,
	       "entry kinds follow the permission bits");

int learn_use_policy(struct learn *l, const struct policy *p)
{
	struct policy_vars vars = { .source = l->source, .scratch = l->scratch };

	l->marks = calloc(1, sizeof(*l->marks));
	if (!l->marks)
		return -ENOMEM;
	l->policy = p;
	return policy_marks_build(l->marks, p, &vars);
}

/* "FILE:LINE: deny = PATH": the policy line behind a warning or a note. */
static int set_cause(const struct learn *l, struct learn_entry *e, unsigned int perm,
		     const struct policy_mark *by)
{
	const struct policy_path *pp = policy_mark_line(by, perm);

	if (asprintf(&e->cause, "%s:%u: %s = %s", l->policy->file, pp->loc.line,
		     perm == POLICY_PERM_DENY ? "deny" : "write", pp->path) < 0) {
		e->cause = NULL;
		return -ENOMEM;
	}
	return 0;
}

/*
 * Walk path through the policy for each of *perms, which keeps what is still to propose: what
 * the policy grants is dropped; a deny turns the record into a warning; exec or map that the
 * write rule refuses becomes a line for the writable place itself.
 */
static int against_policy(struct learn *l, const char *path, unsigned int *perms,
			  const char *example, const char *hook)
{
	for (int k = E_READ; k <= E_MAP; k++) {
		const struct policy_mark *by;
		struct learn_entry *e;

		if (!(*perms & (1u << k)))
			continue;
		switch (policy_marks_walk(l->marks, path, 1u << k, &by)) {
		case POLICY_GRANTED:
			l->granted++;
			*perms &= ~(1u << k);
			break;
		case POLICY_DENIED:
			*perms = 0;
			e = warn_entry(l, "deny", "a deny line of the policy refuses it, and would "
				       "cancel a grant here (the nearest grant or deny decides)",
				       path, example, hook);
			return e ? set_cause(l, e, POLICY_PERM_DENY, by) : -ENOMEM;
		case POLICY_WRITABLE:
			*perms &= ~(1u << k);
			e = new_entry(l, (enum entry_kind)k,
				      policy_mark_line(by, POLICY_PERM_WRITE)->path, example, hook);
			if (!e || set_cause(l, e, POLICY_PERM_WRITE, by))
				return -ENOMEM;
			e->pinned = true;
			e->note = k == E_EXEC ? "a place the function may write: with this line "
						"it can run what it writes there (nothing it wrote "
						"runs otherwise)" :
						"a place the function may write: with this line "
						"it can map what it writes there executable "
						"(nothing it wrote runs otherwise)";
			break;
		case POLICY_NO_GRANT:
			break;
		}
	}
	return 0;
}

/* Does the policy allow the destination already? As the kernel compares: v4-mapped. */
static bool policy_allows(const struct policy *p, const char *addr, const char *protocol,
			  unsigned long port)
{
	uint8_t a[16] = { [10] = 0xff, [11] = 0xff };
	int proto = protocol && !strcmp(protocol, "udp") ? IPPROTO_UDP : IPPROTO_TCP;

	if (p->connect_allow)
		return true;
	if (inet_pton(AF_INET, addr, a + 12) != 1 && inet_pton(AF_INET6, addr, a) != 1)
		return false;
	for (size_t i = 0; i < p->n_allow; i++) {
		const struct policy_net_rule *r = &p->allow[i];
		unsigned int bytes = r->prefixlen / 8, bits = r->prefixlen % 8;

		if (memcmp(a, r->addr, bytes) ||
		    (bits && (a[bytes] ^ r->addr[bytes]) & (0xff00 >> bits)))
			continue;
		if ((!r->proto || r->proto == proto) && (!r->port || r->port == port))
			return true;
	}
	return false;
}

static bool policy_allows_unix(const struct policy *p, const char *peer)
{
	for (size_t i = 0; i < p->n_unix_allow; i++) {
		const struct policy_broker_unix *u = &p->unix_allow[i];

		if (u->abstract ? peer[0] == '@' && !strcmp(peer + 1, u->path) :
				  !strcmp(peer, u->path))
			return true;
	}
	return false;
}

/* A unix socket by its full name (path or @abstract), unless the policy allows it. */
static int add_unix_peer(struct learn *l, const char *peer, const char *example, const char *hook)
{
	if (l->policy && policy_allows_unix(l->policy, peer)) {
		l->granted++;
		return 0;
	}
	return new_entry(l, E_UNIX, peer, example, hook) ? 0 : -ENOMEM;
}

/* An absolute path denied for the perms (bits by E_READ..E_MAP). */
static int add_path(struct learn *l, const char *path, unsigned int perms, const char *example,
		    const char *hook)
{
	const char *kind, *reason;
	char *value;
	int ret = 0;

	if (l->marks) {
		ret = against_policy(l, path, &perms, example, hook);
		if (ret || !perms)
			return ret;
	}
	reason = learn_path_refused(path, &kind);
	if (reason)
		return warn(l, kind, reason, path, example, hook);
	if (!bpfence_text_printable(path))
		return warn(l, "unprintable", "a control byte or invalid UTF-8 in the name: name "
			    "the file in the policy yourself if it is really needed", path, example,
			    hook);
	if (strstr(path, "${"))
		return warn(l, "unwritable", "a policy path holds '${' only as a leading ${source} "
			    "or ${scratch}: grant a directory above it yourself if it is needed",
			    path, example, hook);
	if (!strcmp(path, "/") || is_broad(path) || covers_refused(path))
		return warn(l, "broad", "a grant of this directory covers everything below it, "
			    "secrets or other processes included: grant the files below it that are "
			    "needed instead", path, example, hook);
	value = with_variables(l, path);
	if (!value)
		return -ENOMEM;
	for (int k = E_READ; k <= E_MAP && !ret; k++) {
		if (perms & (1u << k) && !new_entry(l, (enum entry_kind)k, value, example, hook))
			ret = -ENOMEM;
	}
	free(value);
	return ret;
}

static unsigned int parse_access(const char *access)
{
	unsigned int perms = 0;
	char buf[64], *save, *t;

	snprintf(buf, sizeof(buf), "%s", access ? access : "");
	for (t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		for (int k = E_READ; k <= E_MAP; k++) {
			if (!strcmp(t, perm_key[k]))
				perms |= 1u << k;
		}
	}
	return perms;
}

static bool is(const char *a, const char *b)
{
	return a && !strcmp(a, b);
}

static int add_file(struct learn *l, const struct learn_record *r)
{
	unsigned int perms = parse_access(r->access);
	const char *path = r->path ? r->path : "";
	struct learn_entry *e;

	if (!perms)
		return warn(l, "unsupported", "the record names no read, write, exec or map access",
			    path, path, r->hook);
	if (path[0] == '/') {
		int ret = remember_path(l, path);

		if (ret)
			return ret;
	}
	/* A rule refused it, not a missing grant (docs/audit.md). Given the policy the lines are
	 * for, that policy's walk says which line (against_policy); without it, the rule of the
	 * policy the function ran under is all there is. */
	if (!l->marks && is(r->rule, "deny"))
		return warn(l, "deny", "a deny line of the policy it ran under refused it, and would "
			    "cancel a grant here: learn with --into POLICY to see which", path, path,
			    r->hook);
	if (!l->marks && is(r->rule, "written"))
		return warn(l, "written", "a file in a place the function may write: nothing it "
			    "wrote runs unless exec (map) names that place itself, e.g. exec = "
			    "${scratch}; learn with --into POLICY to have it proposed", path, path,
			    r->hook);
	if (path[0] == '/')
		return add_path(l, path, perms, path, r->hook);
	/* Only file_open records carry the full path; the others name the dentry. It is placed
	 * by learn_finish() among the full paths of the log. */
	e = new_entry(l, E_NAME, path, path, r->hook);
	if (!e)
		return -ENOMEM;
	e->perms = perms;
	return 0;
}

/* Does an allow name of the policy grant name, protocol and port already? */
static bool policy_allows_name(const struct policy *p, const char *name, const char *protocol,
			       unsigned long port)
{
	const struct policy_net_name *out[POLICY_NAMES_MAX];
	int proto = protocol && !strcmp(protocol, "udp") ? IPPROTO_UDP : IPPROTO_TCP;
	size_t n = policy_name_ports(p, name, out, POLICY_NAMES_MAX);

	for (size_t i = 0; i < n; i++) {
		if ((!out[i]->proto || out[i]->proto == proto) &&
		    (!out[i]->port || out[i]->port == port))
			return true;
	}
	return false;
}

/* "FILE:LINE: deny = NAME": the first deny name of the policy that matches name. */
static int set_name_cause(const struct learn *l, struct learn_entry *e, const char *name)
{
	for (size_t i = 0; i < l->policy->n_deny_names; i++) {
		const struct policy_net_name *d = &l->policy->deny_names[i];

		if (!policy_name_matches(d, name))
			continue;
		if (asprintf(&e->cause, "%s:%u: deny = %s%s", l->policy->file, d->loc.line,
			     d->wildcard ? "*." : "", d->name) < 0) {
			e->cause = NULL;
			return -ENOMEM;
		}
		break;
	}
	return 0;
}

/*
 * A destination the invocation's resolver answered for a name (normalised): the name is
 * proposed, not the address, which changes with the name's records and may serve other names.
 */
static int add_inet_name(struct learn *l, const struct learn_record *r, const char *name,
			 const char *example)
{
	const char *proto = r->protocol && !strcmp(r->protocol, "udp") ? "udp" : "tcp";
	char value[POLICY_DNS_NAME_MAX + 16], ex[384];
	struct learn_entry *e;

	snprintf(ex, sizeof(ex), "%s %s", name, example);
	if (l->policy && policy_name_denied(l->policy, name)) {
		e = warn_entry(l, "deny",
			       "a deny line of the policy names it, and a deny wins "
			       "over every allow of a name",
			       name, ex, r->hook);
		return e ? set_name_cause(l, e, name) : -ENOMEM;
	}
	if (l->policy && policy_allows_name(l->policy, name, r->protocol, r->port)) {
		l->granted++;
		return 0;
	}
	if (r->port)
		snprintf(value, sizeof(value), "%s %s %lu", name, proto, r->port);
	else
		snprintf(value, sizeof(value), "%s %s any", name, proto);
	return new_entry(l, E_ALLOW_NAME, value, ex, r->hook) ? 0 : -ENOMEM;
}

static int add_inet(struct learn *l, const struct learn_record *r)
{
	const char *addr = r->address ? r->address : "";
	bool v6 = strchr(addr, ':') != NULL;
	char value[128], example[128], name[POLICY_DNS_NAME_MAX + 1];

	snprintf(example, sizeof(example), v6 ? "%s [%s]:%lu" : "%s %s:%lu",
		 r->protocol ? r->protocol : "?", addr, r->port);
	if (!addr[0] || !bpfence_text_printable(addr))
		return warn(l, "unsupported", "the record names no destination address", example,
			    example, r->hook);
	if (l->policy && policy_allows(l->policy, addr, r->protocol, r->port)) {
		l->granted++;
		return 0;
	}
	/* A name no policy line could hold leaves the address, as for a record without one. */
	if (r->name && !policy_dns_name_normalize(r->name, name))
		return add_inet_name(l, r, name, example);
	/* A host, never a prefix: the log shows one destination, and a wider grant is a choice
	 * for a person. Port 0 (a datagram without one) can only be written as any. */
	if (r->port)
		snprintf(value, sizeof(value), "%s/%d %s %lu", addr, v6 ? 128 : 32,
			 r->protocol && !strcmp(r->protocol, "udp") ? "udp" : "tcp", r->port);
	else
		snprintf(value, sizeof(value), "%s/%d %s any", addr, v6 ? 128 : 32,
			 r->protocol && !strcmp(r->protocol, "udp") ? "udp" : "tcp");
	return new_entry(l, E_ALLOW, value, example, r->hook) ? 0 : -ENOMEM;
}

static int add_socket(struct learn *l, const struct learn_record *r)
{
	const char *fam = r->family ? r->family : "";
	char example[96];

	snprintf(example, sizeof(example), "socket %s type %ld", fam[0] ? fam : "?", r->type);
	if (r->hook && !strcmp(r->hook, "socket_listen"))
		return warn(l, "listen", "listen() on inet needs connect = allow in [network], which "
			    "also allows every destination: not proposed", example, example,
			    r->hook);
	if (!fam[0] || (fam[0] >= '0' && fam[0] <= '9'))
		return warn(l, "socket", "a socket family policies cannot name", example, example,
			    r->hook);
	if ((!strcmp(fam, "inet") || !strcmp(fam, "inet6")) && r->type != 1 && r->type != 2)
		return warn(l, "socket", "only plain TCP and UDP sockets can be made in inet and "
			    "inet6 (no raw, ping, SCTP or MPTCP), whatever the policy says", example,
			    example, r->hook);
	if (l->policy && policy_family_by_name(fam) >= 0 &&
	    l->policy->families & (1ULL << policy_family_by_name(fam))) {
		l->granted++;
		return 0;
	}
	return new_entry(l, E_FAMILY, fam, example, r->hook) ? 0 : -ENOMEM;
}

static int add_unix(struct learn *l, const struct learn_record *r)
{
	const char *peer = r->peer ? r->peer : "";

	if (!peer[0])
		return warn(l, "unsupported", "a unix socket from outside the function, without a "
			    "name (passed in over SCM_RIGHTS, or unbound): no line can allow it",
			    "(unnamed)", "(unnamed)", r->hook);
	if (!bpfence_text_printable(peer))
		return warn(l, "unprintable", "a control byte or invalid UTF-8 in the socket's name",
			    peer, peer, r->hook);
	if (peer[0] == '@' || peer[0] == '/')
		return add_unix_peer(l, peer, peer, r->hook);
	return new_entry(l, E_UNIX_NAME, peer, peer, r->hook) ? 0 : -ENOMEM;
}

static int add_record(struct learn *l, const struct learn_record *r)
{
	const char *obj = r->object;
	const char *what = r->path ? r->path : r->peer ? r->peer : "";
	char inet[128];

	if (r->address) {
		snprintf(inet, sizeof(inet), strchr(r->address, ':') ? "%s [%s]:%lu" : "%s %s:%lu",
			 r->protocol ? r->protocol : "?", r->address, r->port);
		what = inet;
	}

	l->records++;
	/* The system's own trees first: the reason is more precise than the class's. */
	if (is(obj, "file") && r->path && r->path[0] == '/') {
		const char *kind;

		if (learn_path_refused(r->path, &kind) && strcmp(kind, "secret") && strcmp(kind, "proc"))
			return warn(l, kind, learn_path_refused(r->path, &kind), r->path, r->path,
				    r->hook);
	}
	/* A query bpfence's resolver refused names no protocol or port, which a line needs: the
	 * connection a granted name leads to is recorded with the name and proposed from there. */
	if (is(r->class, "dns"))
		return 0;
	if (is(r->class, "broker"))
		return warn(l, "broker", "the runner's broker: never reachable from a function, "
			    "whatever [network] says", what, what, r->hook);
	if (is(r->class, "system"))
		return warn(l, "system", "bpfence's own protection (cgroupfs, bpffs, securityfs, "
			    "bpf(), leaving the cgroup): denied in audit mode too, no policy lifts it",
			    what[0] ? what : r->hook, what[0] ? what : r->hook, r->hook);
	if (is(r->class, "nopolicy"))
		return warn(l, "nopolicy", "the invocation had no policy: everything was denied; "
			    "tag it with one", r->hook, what, r->hook);
	if (is(r->class, "task"))
		return warn(l, "task", "a signal, ptrace or scheduling change aimed at a process "
			    "outside the invocation: no policy line allows it", r->hook, r->hook,
			    r->hook);
	if (is(r->class, "ipc"))
		return warn(l, "ipc", "IPC of the host's IPC namespace (a tagged cgroup sharing it): "
			    "no policy line allows it; give the container its own IPC namespace "
			    "(`bpfence run` always does)", what[0] ? what : r->hook,
			    what[0] ? what : r->hook, r->hook);
	if (is(obj, "file") && r->path_partial)
		return warn(l, "partial", "the kernel-side walk could not name the whole path (too "
			    "deep or too long): grant it by hand once you know where it is", what,
			    what, r->hook);
	if (is(obj, "file"))
		return add_file(l, r);
	if (is(obj, "inet") && is(r->hook, "socket_listen"))
		return warn(l, "listen", "listen() on a broker port: never allowed", what, what,
			    r->hook);
	if (is(obj, "inet"))
		return add_inet(l, r);
	if (is(obj, "socket"))
		return add_socket(l, r);
	if (is(obj, "unix"))
		return add_unix(l, r);
	return warn(l, "unsupported", "no policy line lifts this denial (a system call the "
		    "kernel side refuses for every function)", r->hook ? r->hook : "?",
		    r->hook ? r->hook : "?", r->hook);
}

int learn_add(struct learn *l, const struct learn_record *r)
{
	int ret;

	/* The record's strings live as long as this call: entries copy what they keep. */
	l->invocation = r->invocation;
	ret = add_record(l, r);
	l->invocation = NULL;
	return ret;
}

/* ---- collapsing ---------------------------------------------------------------------------- */

/* The shortest full path seen whose last component is name. */
static const char *place(const struct learn *l, const char *name)
{
	static __thread char best[4096];
	size_t len = strlen(name), best_len = 0;

	if (!len || strchr(name, '/'))
		return NULL;
	for (size_t i = 0; i < l->n_full; i++) {
		const char *p = l->full_paths[i];

		for (const char *s = p; (s = strchr(s, '/')); s++) {
			size_t plen = (size_t)(s - p) + 1 + len;

			if (strncmp(s + 1, name, len) || (s[1 + len] && s[1 + len] != '/'))
				continue;
			if (plen < sizeof(best) && (!best_len || plen < best_len)) {
				memcpy(best, p, plen);
				best[plen] = 0;
				best_len = plen;
			}
			break;
		}
	}
	return best_len ? best : NULL;
}

static int place_names(struct learn *l)
{
	size_t n = l->n_entries;

	for (size_t i = 0; i < n; i++) {
		struct learn_entry *e = &l->entries[i];
		char invocation[LEARN_INVOCATION_MAX];
		const char *full;
		char *value, *example, *hook;
		unsigned int perms;
		enum entry_kind kind;
		int ret;

		if (e->kind != E_NAME && e->kind != E_UNIX_NAME)
			continue;
		full = place(l, e->value);
		/* add_path() may move the array: take what is needed first. */
		value = e->value;
		example = e->example;
		hook = e->hook;
		perms = e->perms;
		kind = e->kind;
		memcpy(invocation, e->invocation, sizeof(invocation));
		l->invocation = invocation;
		e->gone = true;
		if (!full)
			ret = warn(l, "unplaced", kind == E_NAME ?
				   "the kernel named only the file, not its directory, and no full "
				   "path in the log ends in it: grant its directory by hand" :
				   "the kernel named only the socket file, not its directory: name "
				   "its absolute path in unix_allow by hand",
				   value, example, hook);
		else if (kind == E_NAME)
			ret = add_path(l, full, perms, example, hook);
		else
			ret = add_unix_peer(l, full, example, hook);
		l->invocation = NULL;
		if (ret)
			return ret;
	}
	return 0;
}

static int cmp_entry(const void *a, const void *b)
{
	const struct learn_entry *x = a, *y = b;
	int c;

	if (x->gone != y->gone)
		return x->gone - y->gone;
	if (x->kind != y->kind)
		return (int)x->kind - (int)y->kind;
	if (x->kind == E_WARN && (c = strcmp(x->wkind, y->wkind)))
		return c;
	if ((c = strcmp(x->value, y->value)))
		return c;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* Fold b into a (a keeps the earlier example, and b's note if it has none). */
static void fold(struct learn_entry *a, struct learn_entry *b)
{
	a->count += b->count;
	if (b->seq < a->seq) {
		char inv[LEARN_INVOCATION_MAX], *t;

		t = a->example, a->example = b->example, b->example = t;
		t = a->hook, a->hook = b->hook, b->hook = t;
		memcpy(inv, a->invocation, sizeof(inv));
		memcpy(a->invocation, b->invocation, sizeof(inv));
		memcpy(b->invocation, inv, sizeof(inv));
		a->seq = b->seq;
	}
	if (!a->note) {
		char *t = a->cause;

		a->note = b->note;
		a->cause = b->cause;
		b->cause = t;
	}
	a->pinned |= b->pinned;
	b->gone = true;
}

static void merge_equal(struct learn *l)
{
	if (l->n_entries) /* qsort(NULL, 0, ...) is undefined */
		qsort(l->entries, l->n_entries, sizeof(*l->entries), cmp_entry);
	for (size_t i = 0, j; i < l->n_entries; i = j) {
		for (j = i + 1; j < l->n_entries && !l->entries[j].gone &&
				l->entries[j].kind == l->entries[i].kind &&
				(l->entries[i].kind != E_WARN ||
				 !strcmp(l->entries[j].wkind, l->entries[i].wkind)) &&
				!strcmp(l->entries[j].value, l->entries[i].value);
		     j++)
			fold(&l->entries[i], &l->entries[j]);
	}
}

static char *parent_of(const char *path)
{
	const char *slash = strrchr(path, '/');

	if (!slash || slash == path)
		return NULL; /* "/x" (the root is never proposed) or a bare ${var} */
	return strndup(path, (size_t)(slash - path));
}

/*
 * Collapse the entries of one permission: drop what another entry covers, and replace two or
 * more entries that share a collapsible parent with the parent. Repeated until nothing changes,
 * so /usr/lib/a/{x,y} and /usr/lib/b/{x,y} become /usr/lib/a and /usr/lib/b, then /usr/lib. A
 * lone file stays a file: one denial says nothing about its neighbours.
 */
static int collapse(struct learn *l, enum entry_kind kind)
{
	bool changed = true;

	while (changed) {
		changed = false;
		for (size_t i = 0; i < l->n_entries; i++) {
			struct learn_entry *a = &l->entries[i];

			if (a->gone || a->kind != kind)
				continue;
			for (size_t j = 0; j < l->n_entries; j++) {
				struct learn_entry *b = &l->entries[j];

				/* A writable place keeps its own grant: one above it
				 * would be cancelled by the write rule. */
				if (j != i && !b->gone && b->kind == kind &&
				    below(b->value, a->value) && (a->pinned || !b->pinned)) {
					fold(a, b);
					changed = true;
				}
			}
		}
		for (size_t i = 0; i < l->n_entries; i++) {
			struct learn_entry *a = &l->entries[i];
			bool shared = false;
			char *parent;

			if (a->gone || a->kind != kind || a->pinned)
				continue;
			parent = parent_of(a->value);
			if (!parent)
				continue;
			if (!learn_dir_collapsible(parent)) {
				free(parent);
				continue;
			}
			for (size_t j = i + 1; j < l->n_entries; j++) {
				struct learn_entry *b = &l->entries[j];
				char *pb;

				if (b->gone || b->kind != kind || b->pinned)
					continue;
				pb = parent_of(b->value);
				if (pb && !strcmp(pb, parent)) {
					fold(a, b);
					shared = true;
				}
				free(pb);
			}
			if (shared) {
				free(a->value);
				a->value = parent;
				changed = true;
			} else {
				free(parent);
			}
		}
	}
	return 0;
}

/* Whatever may be executed may be mapped executable (install.c): a map line at or below an
 * exec line adds nothing. */
static void fold_map_into_exec(struct learn *l)
{
	for (size_t i = 0; i < l->n_entries; i++) {
		struct learn_entry *m = &l->entries[i];

		for (size_t j = 0; m->kind == E_MAP && !m->gone && j < l->n_entries; j++) {
			struct learn_entry *x = &l->entries[j];

			if (x->kind == E_EXEC && !x->gone && below(m->value, x->value))
				fold(x, m);
		}
	}
}

static int push_item(struct learn_item **items, size_t *n, const char *section, const char *key,
		     struct learn_entry *e)
{
	struct learn_item *it = realloc(*items, (*n + 1) * sizeof(**items));

	if (!it)
		return -ENOMEM;
	*items = it;
	it = &it[(*n)++];
	memset(it, 0, sizeof(*it));
	it->section = section;
	it->key = key;
	it->count = e->count;
	it->kind = e->wkind;
	it->reason = e->reason;
	it->note = e->note;
	memcpy(it->invocation, e->invocation, sizeof(it->invocation));
	/* Ownership moves to the item. */
	it->value = e->value;
	it->example = e->example;
	it->hook = e->hook;
	it->cause = e->cause;
	e->value = e->example = e->hook = e->cause = NULL;
	e->gone = true;
	return 0;
}

int learn_finish(struct learn *l)
{
	struct learn_entry fam = {};
	char *families = NULL;
	size_t flen = 0;
	FILE *f;
	int ret;

	ret = place_names(l);
	if (ret)
		return ret;
	merge_equal(l);
	for (int k = E_READ; k <= E_MAP; k++) {
		/* exec is per file: a directory would let anything in it be started. */
		if (k != E_EXEC)
			collapse(l, (enum entry_kind)k);
	}
	fold_map_into_exec(l);
	if (l->n_entries) /* qsort(NULL, 0, ...) is undefined */
		qsort(l->entries, l->n_entries, sizeof(*l->entries), cmp_entry);

	/* The first families line of a policy replaces the default (unix only): unix is listed
	 * so that pasting this line never takes unix sockets away. */
	f = open_memstream(&families, &flen);
	if (!f)
		return -ENOMEM;
	fputs("unix", f);
	fam.seq = (unsigned long)-1;
	for (size_t i = 0; i < l->n_entries; i++) {
		struct learn_entry *e = &l->entries[i];

		if (e->gone || e->kind != E_FAMILY)
			continue;
		if (strcmp(e->value, "unix"))
			fprintf(f, " %s", e->value);
		if (e->seq < fam.seq) {
			fam.example = e->example;
			fam.hook = e->hook;
			memcpy(fam.invocation, e->invocation, sizeof(fam.invocation));
			fam.seq = e->seq;
		}
		fam.count += e->count;
	}
	fclose(f);
	if (!families)
		return -ENOMEM;

	for (size_t i = 0; i < l->n_entries && !ret; i++) {
		struct learn_entry *e = &l->entries[i];

		if (e->gone)
			continue;
		if (e->kind <= E_MAP)
			ret = push_item(&l->files, &l->n_files, "files", perm_key[e->kind], e);
		else if (e->kind == E_ALLOW || e->kind == E_ALLOW_NAME)
			ret = push_item(&l->network, &l->n_network, "network", "allow", e);
		else if (e->kind == E_UNIX)
			ret = push_item(&l->network, &l->n_network, "network", "unix_allow", e);
		else if (e->kind == E_WARN)
			ret = push_item(&l->warnings, &l->n_warnings, NULL, NULL, e);
	}
	if (!ret && fam.count) {
		fam.value = families;
		fam.example = strdup(fam.example);
		fam.hook = strdup(fam.hook);
		families = NULL;
		if (!fam.example || !fam.hook)
			ret = -ENOMEM;
		else
			ret = push_item(&l->network, &l->n_network, "network", "families", &fam);
		free(fam.value);
		free(fam.example);
		free(fam.hook);
	}
	free(families);
	return ret;
}

static void free_items(struct learn_item *it, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(it[i].value);
		free(it[i].example);
		free(it[i].hook);
		free(it[i].cause);
	}
	free(it);
}

void learn_free(struct learn *l)
{
	for (size_t i = 0; i < l->n_entries; i++) {
		free(l->entries[i].value);
		free(l->entries[i].example);
		free(l->entries[i].hook);
		free(l->entries[i].cause);
	}
	free(l->entries);
	if (l->marks)
		policy_marks_free(l->marks);
	free(l->marks);
	for (size_t i = 0; i < l->n_full; i++)
		free(l->full_paths[i]);
	free(l->full_paths);
	free_items(l->files, l->n_files);
	free_items(l->network, l->n_network);
	free_items(l->warnings, l->n_warnings);
	memset(l, 0, sizeof(*l));
}
