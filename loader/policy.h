/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Policy files: parsing into plain data. Nothing here touches the kernel; loader/install.c turns a
 * parsed policy plus the per-run bindings (${source}, ${scratch}) into map entries.
 *
 * Format (documented for users in policies/README.md):
 *   [policy]  name = WORD            mode = enforce | audit
 *   [network] connect = deny | allow allow = CIDR [tcp|udp|any] [PORT|any]   (repeatable)
 *             allow = NAME [tcp|udp|any] [PORT|any]  (repeatable: a DNS name, or *.NAME for
 *                                                     every name below NAME; needs connect = deny)
 *             deny = NAME...         (repeatable: names no allow line grants, wildcards too)
 *             families = NAME...     (repeatable, accumulates; default: unix)
 *   [broker]  unix = PATH | @ABSTRACT (repeatable)   tcp = ADDR:PORT | [ADDR6]:PORT (repeatable)
 *             unix_allow = PATH|@NAME... (repeatable: host unix sockets the function may reach)
 *   [files]   read = PATH...  write = PATH...  exec = PATH...  map = PATH...  (repeatable)
 *             deny = PATH...  (repeatable: exceptions inside the grants, by inode)
 *   [syscalls] permit = GROUP...   (relax the seccomp layer: io_uring ptrace perf_event_open
 *                                   userfaultfd keyctl; everything else it denies stays denied)
 * '#' starts a comment anywhere outside a value token; blank lines are ignored.
 */
#ifndef BPFENCE_POLICY_H
#define BPFENCE_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define POLICY_NAME_MAX 64
#define POLICY_ERR_MAX 512
#define POLICY_DNS_NAME_MAX 253
#define POLICY_NAMES_MAX    256

enum policy_mode {
	POLICY_MODE_ENFORCE = 0,
	POLICY_MODE_AUDIT = 1,
};

/* File permission bits, shared with the kernel side (same values as BPFENCE_PERM_* in bpf/bpfence.h). */
enum policy_perm {
	POLICY_PERM_READ = 1,
	POLICY_PERM_WRITE = 2,
	POLICY_PERM_EXEC = 4,
	POLICY_PERM_MAP = 8, /* may be mapped executable (shared libraries); exec implies it */
	/* [files] deny: an exception inside a grant. On the walk up from an object the nearest
	 * object carrying a grant or a deny decides; a deny there refuses everything. */
	POLICY_PERM_DENY = 16,
};

/* Where a directive came from, for error messages after parsing (e.g. "path does not exist"). */
struct policy_loc {
	unsigned int line; /* 1-based */
	unsigned int col;  /* 1-based, column of the value token */
};

/* One network exception: destination prefix, protocol and port. IPv4 is stored v4-mapped
 * (::ffff:a.b.c.d) with prefixlen = 96 + v4 prefix, so the kernel compares one address form. */
struct policy_net_rule {
	uint8_t addr[16];  /* network byte order */
	uint8_t prefixlen; /* 0..128 */
	uint8_t proto;     /* IPPROTO_TCP, IPPROTO_UDP, or 0 for any */
	uint16_t port;     /* host byte order; 0 for any */
	struct policy_loc loc;
};

/* [network] allow = NAME ... / deny = NAME: a DNS name, or with `wildcard` every name below it. */
struct policy_net_name {
	char name[POLICY_DNS_NAME_MAX + 1]; /* lower case, no trailing dot, without the "*." */
	bool wildcard;			    /* "*.name": names below name, not name itself */
	uint8_t proto;			    /* as policy_net_rule; 0 for deny names */
	uint16_t port;
	struct policy_loc loc;
};

/* The broker's TCP endpoint, never reachable. Address stored like policy_net_rule.addr. */
struct policy_broker_tcp {
	uint8_t addr[16];
	uint16_t port; /* host byte order, never 0 */
	struct policy_loc loc;
};

/* A unix socket named by the policy (the broker's, or one the function may reach): a filesystem
 * path, or an abstract name (written "@name", stored without the '@'; abstract names may not
 * contain NUL, so a C string is enough). */
struct policy_broker_unix {
	char *path;
	bool abstract;
	struct policy_loc loc;
};

/* One path in [files], as written (variables unexpanded). */
struct policy_path {
	char *path;
	unsigned int perm; /* exactly one POLICY_PERM_* bit: the key it appeared under */
	struct policy_loc loc;
};

struct policy {
	char *file;                  /* as given to policy_parse_file, for messages */
	char name[POLICY_NAME_MAX];  /* default: file's basename without ".policy" */
	enum policy_mode mode;       /* default: enforce */
	bool connect_allow;          /* default: false (connect = deny) */
	uint64_t families;           /* bit N = address family N may be created; default 1 << AF_UNIX */
	bool families_set;           /* a families line appeared (then default is replaced, not added to) */

	struct policy_net_rule *allow;
	size_t n_allow;
	/* [network] allow and deny lines that name DNS names (in file order); the resolver of an
	 * invocation (loader/resolver.c) grants what they allow. At most POLICY_NAMES_MAX of both
	 * together, and BPFENCE_NET_PORTS_MAX allow lines for one name or wildcard. */
	struct policy_net_name *allow_names;
	size_t n_allow_names;
	struct policy_net_name *deny_names;
	size_t n_deny_names;
	struct policy_broker_unix *broker_unix;
	size_t n_broker_unix;
	struct policy_broker_tcp *broker_tcp;
	size_t n_broker_tcp;
	struct policy_path *paths;
	size_t n_paths;
	struct policy_broker_unix *unix_allow; /* [network] unix_allow */
	size_t n_unix_allow;
	unsigned int syscalls_permit;          /* POLICY_SYSCALLS_* the seccomp layer lets through */
	/* [limits]: the invocation's private storage (${scratch}, TMPDIR, /dev/shm), 0: default */
	unsigned long long disk_max;    /* bytes */
	unsigned long long disk_inodes; /* files, directories, symlinks */
};

#define POLICY_DISK_MAX_MIN (1ULL << 20)
#define POLICY_DISK_INODES_MIN 64ULL

/* Parse a count, or with suffix a size ("256M": K, M, G, T are powers of 1024). 0 or -EINVAL. */
int policy_parse_size(const char *s, bool suffix, unsigned long long *out);
/* The same within [min, max]: 0, -EINVAL when s is not a number (empty, a sign, blanks, hex,
 * exponents, trailing junk, more than 64 bits, a suffix that shifts it past 64 bits), -ERANGE
 * when it is one outside the bounds. The one parser of every number bpfence takes. */
int policy_parse_number(const char *s, bool suffix, unsigned long long min,
			unsigned long long max, unsigned long long *out);

/* Groups of system calls the seccomp layer denies by default and a policy may permit. */
enum policy_syscalls {
	POLICY_SYSCALLS_IO_URING = 1 << 0,
	POLICY_SYSCALLS_PTRACE = 1 << 1,
	POLICY_SYSCALLS_PERF = 1 << 2,
	POLICY_SYSCALLS_USERFAULTFD = 1 << 3,
	POLICY_SYSCALLS_KEYCTL = 1 << 4,
};

/* Values for ${source} and ${scratch}; NULL means unbound. */
struct policy_vars {
	const char *source;
	const char *scratch;
	/* When set, [files] paths name files under this directory, as a process whose root it is
	 * sees them (a container's root file system: symlinks and ".." resolve inside it, never
	 * out of it). NULL: the host's paths. */
	const char *root;
	/* The invocation's resolver (127.x.y.z, network order) for a policy that names DNS names
	 * (loader/resolver.h); 0: none, and such a policy cannot be installed. */
	uint32_t resolver4;
};

/*
 * Parse a policy. On success returns 0 and fills *p (free with policy_free). On failure returns a
 * negative errno (-EINVAL for syntax, -ENOENT etc. for I/O), leaves *p empty, and writes one line
 * "FILE:LINE:COL: message" (no trailing newline) to err, e.g.
 *   "policies/x.policy:7:10: unknown key 'conect' in [network]".
 * Unknown sections, unknown keys, duplicate scalar keys (name, mode, connect), bad values,
 * unknown variables (anything but ${source} and ${scratch}) and relative paths are errors.
 */
int policy_parse_file(const char *file, struct policy *p, char *err, size_t errlen);
/* One more read grant in a parsed policy, as if it had a `read = path` line (what bpfence itself
 * adds: an invocation's resolv.conf). 0 or -ENOMEM. */
int policy_add_read(struct policy *p, const char *path);
int policy_parse_string(const char *file, const char *text, struct policy *p, char *err, size_t errlen);
void policy_free(struct policy *p);

/*
 * Expand ${source} / ${scratch} in one path. Returns 0, -ENAMETOOLONG, or -ENOENT when the path
 * uses a variable that is unbound in vars (then *unbound is set to the variable's name, e.g. "source").
 */
int policy_expand(const char *raw, const struct policy_vars *vars, char *out, size_t outlen,
		  const char **unbound);

/* Does `name` (lower case, no trailing dot) match r: equal to r->name, or with r->wildcard a name
 * ending in "." + r->name? */
bool policy_name_matches(const struct policy_net_name *r, const char *name);
/* Is `name` denied (a deny name matches)? */
bool policy_name_denied(const struct policy *p, const char *name);
/* The protocol/port pairs the allow names matching `name` grant, into out (at most max), and their
 * count; 0 when no allow name matches or a deny name does. */
size_t policy_name_ports(const struct policy *p, const char *name,
			 struct policy_net_name const **out, size_t max);
/* A DNS name as an allow line takes it (no wildcard): upper case folded, one trailing dot dropped,
 * into out. 0, or -EINVAL when it is not a name such a line accepts. */
int policy_dns_name_normalize(const char *name, char out[POLICY_DNS_NAME_MAX + 1]);

/* Address family by name ("unix", "inet", "inet6", "netlink", "packet", ...); -1 if unknown.
 * And the reverse, for status and audit output; NULL if the number has no name. */
int policy_family_by_name(const char *name);
const char *policy_family_name(int family);

#endif
