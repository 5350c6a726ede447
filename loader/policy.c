/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Policy parser: text in, plain data out (format in policy.h, user documentation in
 * policies/README.md).
 *
 * A policy is a security boundary, so the parser is strict: whatever it cannot read in exactly one
 * way is an error rather than a guess, and every error names the byte column of the token at fault
 * so that an editor can jump to it. All state lives in a heap-allocated struct parser; the result
 * is copied into the caller's struct only on success, so a failed parse never leaves half a policy
 * behind.
 */
#include "policy.h"
#include "bpfence.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#define FILE_BYTES_MAX		(1024 * 1024)
#define LINE_BYTES_MAX		4096
#define PATHS_MAX		16384 /* B2 measures 10,000 file rules */
#define ALLOW_MAX		1024
#define BROKER_UNIX_MAX		16
#define BROKER_TCP_MAX		16
/* sun_path is 108 bytes and an abstract name starts after its leading NUL. */
#define ABSTRACT_NAME_MAX	107
/* Enough to recognise a token, short enough that one long token cannot push the rest of the
 * message out of a POLICY_ERR_MAX buffer. */
#define ECHO_MAX		64

_Static_assert(AF_MAX <= 64, "struct policy.families is a 64-bit mask");

/* Echo user text as 'text', cut at ECHO_MAX bytes on a UTF-8 character boundary. */
#define ECHO_FMT "'%.*s%s'"
#define ECHO(s, len) echo_len((s), (len)), (s), ((len) > ECHO_MAX ? "..." : "")

static int echo_len(const char *s, size_t len)
{
	if (len <= ECHO_MAX)
		return (int)len;
	len = ECHO_MAX;
	while (len > 0 && ((unsigned char)s[len] & 0xc0) == 0x80)
		len--;
	return (int)len;
}

enum section {
	SEC_NONE,
	SEC_POLICY,
	SEC_NETWORK,
	SEC_BROKER,
	SEC_FILES,
	SEC_SYSCALLS,
	SEC_LIMITS,
	SEC_COUNT,
};

/* The messages that list the sections and a section's keys are made from these two tables, so
 * they cannot name a key the parser lacks or miss one it has; tests/host/docs.bats reads them
 * back to check the documentation (bpfence.policy(5), policies/README.md) against the parser.
 * A key is a name in a section: one name may be a key of several sections, each its own entry
 * (deny: names in [network], paths in [files]). */
static const struct {
	const char *name;
} sections[SEC_COUNT] = {
	[SEC_POLICY] = { "policy" },
	[SEC_NETWORK] = { "network" },
	[SEC_BROKER] = { "broker" },
	[SEC_FILES] = { "files" },
	[SEC_SYSCALLS] = { "syscalls" },
	[SEC_LIMITS] = { "limits" },
};

enum key {
	KEY_NAME,
	KEY_MODE,
	KEY_CONNECT,
	KEY_ALLOW,
	KEY_NET_DENY,
	KEY_FAMILIES,
	KEY_UNIX,
	KEY_TCP,
	KEY_READ,
	KEY_WRITE,
	KEY_EXEC,
	KEY_MAP,
	KEY_DENY,
	KEY_UNIX_ALLOW,
	KEY_PERMIT,
	KEY_DISK_MAX,
	KEY_DISK_INODES,
	KEY_COUNT,
};

static const struct {
	const char *name;
	enum section sec;
	unsigned int max_values; /* 0: any number */
	const char *usage;       /* what a value looks like, for messages */
} keys[KEY_COUNT] = {
	[KEY_NAME] = {"name", SEC_POLICY, 1, "one name of 1-63 characters from A-Z a-z 0-9 _ . -"},
	[KEY_MODE] = {"mode", SEC_POLICY, 1, "enforce or audit"},
	[KEY_CONNECT] = {"connect", SEC_NETWORK, 1, "deny or allow"},
	[KEY_ALLOW] = {"allow", SEC_NETWORK, 3, "CIDR|NAME [tcp|udp|any] [PORT|any]"},
	[KEY_NET_DENY] = {"deny", SEC_NETWORK, 0, "one or more DNS names or *.NAME wildcards"},
	[KEY_FAMILIES] = {"families", SEC_NETWORK, 0,
			  "address family names such as unix inet inet6"},
	[KEY_UNIX] = {"unix", SEC_BROKER, 1, "one absolute path or @NAME"},
	[KEY_TCP] = {"tcp", SEC_BROKER, 1, "one ADDR:PORT or [IPV6]:PORT"},
	[KEY_READ] = {"read", SEC_FILES, 0, "one or more absolute paths"},
	[KEY_WRITE] = {"write", SEC_FILES, 0, "one or more absolute paths"},
	[KEY_EXEC] = {"exec", SEC_FILES, 0, "one or more absolute paths"},
	[KEY_MAP] = {"map", SEC_FILES, 0, "one or more absolute paths"},
	[KEY_DENY] = {"deny", SEC_FILES, 0, "one or more absolute paths"},
	[KEY_UNIX_ALLOW] = {"unix_allow", SEC_NETWORK, 0,
			    "one or more absolute socket paths or @NAMEs"},
	[KEY_PERMIT] = {"permit", SEC_SYSCALLS, 0,
			"io_uring, ptrace, perf_event_open, userfaultfd, keyctl"},
	[KEY_DISK_MAX] = {"disk_max", SEC_LIMITS, 1, "a size such as 256M or 1G (at least 1M)"},
	[KEY_DISK_INODES] = {"disk_inodes", SEC_LIMITS, 1, "a count of at least 64"},
};

/* "name, mode": the keys of a section, in table order, for "unknown key" messages. */
static const char *section_keys(enum section sec, char *buf, size_t size)
{
	size_t used = 0;

	buf[0] = 0;
	for (int k = 0; k < KEY_COUNT; k++) {
		if (keys[k].sec == sec && used < size)
			used += snprintf(buf + used, size - used, "%s%s", used ? ", " : "",
					 keys[k].name);
	}
	return buf;
}

/* "[policy], [network], ... or [limits]", for "unknown section" messages. */
static const char *section_list(char *buf, size_t size)
{
	size_t used = 0;

	buf[0] = 0;
	for (int sec = SEC_POLICY; sec < SEC_COUNT && used < size; sec++)
		used += snprintf(buf + used, size - used, "%s[%s]",
				 sec == SEC_POLICY ? "" : sec == SEC_COUNT - 1 ? " or " : ", ",
				 sections[sec].name);
	return buf;
}

static const struct {
	const char *name;
	unsigned int bit;
} syscall_groups[] = {
	{ "io_uring", POLICY_SYSCALLS_IO_URING },
	{ "ptrace", POLICY_SYSCALLS_PTRACE },
	{ "perf_event_open", POLICY_SYSCALLS_PERF },
	{ "userfaultfd", POLICY_SYSCALLS_USERFAULTFD },
	{ "keyctl", POLICY_SYSCALLS_KEYCTL },
};

static const struct {
	const char *name;
	int family;
} family_names[] = {
	/* The first entry for a number is the name policy_family_name() reports. */
	{ "unix", AF_UNIX },
	{ "local", AF_UNIX },
	{ "inet", AF_INET },
	{ "ax25", AF_AX25 },
	{ "ipx", AF_IPX },
	{ "appletalk", AF_APPLETALK },
	{ "netrom", AF_NETROM },
	{ "bridge", AF_BRIDGE },
	{ "atmpvc", AF_ATMPVC },
	{ "x25", AF_X25 },
	{ "inet6", AF_INET6 },
	{ "rose", AF_ROSE },
	{ "decnet", AF_DECnet },
	{ "netbeui", AF_NETBEUI },
	{ "security", AF_SECURITY },
	{ "key", AF_KEY },
	{ "netlink", AF_NETLINK },
	{ "route", AF_ROUTE },
	{ "packet", AF_PACKET },
	{ "ash", AF_ASH },
	{ "econet", AF_ECONET },
	{ "atmsvc", AF_ATMSVC },
	{ "rds", AF_RDS },
	{ "sna", AF_SNA },
	{ "irda", AF_IRDA },
	{ "pppox", AF_PPPOX },
	{ "wanpipe", AF_WANPIPE },
	{ "llc", AF_LLC },
	{ "ib", AF_IB },
	{ "mpls", AF_MPLS },
	{ "can", AF_CAN },
	{ "tipc", AF_TIPC },
	{ "bluetooth", AF_BLUETOOTH },
	{ "iucv", AF_IUCV },
	{ "rxrpc", AF_RXRPC },
	{ "isdn", AF_ISDN },
	{ "phonet", AF_PHONET },
	{ "ieee802154", AF_IEEE802154 },
	{ "caif", AF_CAIF },
	{ "alg", AF_ALG },
	{ "nfc", AF_NFC },
	{ "vsock", AF_VSOCK },
	{ "kcm", AF_KCM },
	{ "qipcrtr", AF_QIPCRTR },
	{ "smc", AF_SMC },
	{ "xdp", AF_XDP },
	{ "mctp", AF_MCTP },
};

struct token {
	const char *s;    /* decoded, NUL-terminated */
	size_t len;
	const char *raw;  /* the token in the line, to map offsets in quoted tokens to columns */
	unsigned int col; /* 1-based column of raw[0] */
	bool quoted;
};

struct parser {
	const char *file;
	char *err;
	size_t errlen;
	struct policy p;
	size_t cap_allow, cap_unix, cap_tcp, cap_paths, cap_unix_allow;
	size_t cap_allow_names, cap_deny_names;
	unsigned int line;
	enum section sec;
	/* where each scalar was set, 0 if not */
	unsigned int name_line, mode_line, connect_line, disk_max_line, disk_inodes_line;
	size_t ntok;
	/* Tokens are separated by at least one byte, so a line holds at most half its length of
	 * them, and their decoded text plus one NUL each fits in the line length plus one. */
	struct token tok[LINE_BYTES_MAX / 2 + 1];
	char dec[LINE_BYTES_MAX + 2];
	char path[LINE_BYTES_MAX + 2]; /* normalised path; never longer than its token, or "/" */
};

/* Error text is echoed to terminals and logs, so keep it to one printable line whatever the
 * file name or the policy contains. */
static void sanitize(char *s)
{
	for (; *s; s++) {
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			*s = '?';
	}
}

static int __attribute__((format(printf, 5, 6)))
file_err(char *err, size_t errlen, const char *file, int ret, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (!err || !errlen)
		return ret;
	n = snprintf(err, errlen, "%s: ", file);
	if (n >= 0 && (size_t)n < errlen) {
		va_start(ap, fmt);
		vsnprintf(err + n, errlen - n, fmt, ap);
		va_end(ap);
	}
	sanitize(err);
	return ret;
}

static int __attribute__((format(printf, 3, 4)))
perr(struct parser *ps, unsigned int col, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (!ps->err || !ps->errlen)
		return -EINVAL;
	n = snprintf(ps->err, ps->errlen, "%s:%u:%u: ", ps->file, ps->line, col);
	if (n >= 0 && (size_t)n < ps->errlen) {
		va_start(ap, fmt);
		vsnprintf(ps->err + n, ps->errlen - n, fmt, ap);
		va_end(ap);
	}
	sanitize(ps->err);
	return -EINVAL;
}

static int oom(struct parser *ps)
{
	return file_err(ps->err, ps->errlen, ps->file, -ENOMEM, "out of memory");
}

static bool is_blank(char c)
{
	return c == ' ' || c == '\t';
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool is_alnum(char c)
{
	return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool is_key_char(char c)
{
	return is_alnum(c) || c == '_' || c == '-';
}

static bool eq(const char *s, size_t len, const char *word)
{
	return strlen(word) == len && !memcmp(s, word, len);
}

static int grow(void **arr, size_t *cap, size_t n, size_t size)
{
	size_t ncap;
	void *a;

	if (n < *cap)
		return 0;
	ncap = *cap ? *cap * 2 : 8;
	a = reallocarray(*arr, ncap, size);
	if (!a)
		return -ENOMEM;
	*arr = a;
	*cap = ncap;
	return 0;
}

/* Column of byte off of a token's decoded text; quoted tokens have escapes to step over. */
static unsigned int tok_col(const struct token *t, size_t off)
{
	size_t r = 1;

	if (!t->quoted)
		return t->col + off;
	while (off--)
		r += t->raw[r] == '\\' ? 2 : 1;
	return t->col + r;
}

/* Decode a "quoted value" starting at s[*i] into *out; \" and \\ are the only escapes. */
static int read_quoted(struct parser *ps, const char *s, size_t n, size_t *i, char **out)
{
	size_t start = *i, j;

	for (j = start + 1; j < n && s[j] != '"'; j++) {
		if (s[j] == '\\' && j + 1 < n) {
			size_t k = 2;

			/* Echo a whole character: half of a UTF-8 one breaks JSON output. */
			while (j + k < n && k < 5 && ((unsigned char)s[j + k] & 0xc0) == 0x80)
				k++;
			if (s[j + 1] != '"' && s[j + 1] != '\\')
				return perr(ps, j + 1, "bad escape '%.*s' in quoted value"
					    " (expected \\\" or \\\\)", (int)k, s + j);
			j++;
		}
		*(*out)++ = s[j];
	}
	if (j == n)
		return perr(ps, start + 1, "unterminated quoted value (expected a closing '\"')");
	j++;
	if (j < n && !is_blank(s[j]))
		return perr(ps, j + 1,
			    "unexpected text after closing quote (separate values with spaces)");
	*i = j;
	return 0;
}

static int tokenize(struct parser *ps, const char *s, size_t n, size_t i)
{
	char *out = ps->dec;
	int ret;

	for (ps->ntok = 0;; ps->ntok++) {
		struct token *t = &ps->tok[ps->ntok];

		while (i < n && is_blank(s[i]))
			i++;
		if (i == n || s[i] == '#')
			return 0;
		t->raw = s + i;
		t->col = i + 1;
		t->s = out;
		t->quoted = s[i] == '"';
		if (t->quoted) {
			ret = read_quoted(ps, s, n, &i, &out);
			if (ret)
				return ret;
		}
		for (; i < n && !is_blank(s[i]); i++) {
			if (s[i] == '"')
				return perr(ps, i + 1, "unexpected '\"' inside a value"
					    " (quote the whole value, \"like this\")");
			*out++ = s[i];
		}
		t->len = out - t->s;
		*out++ = '\0';
	}
}

static bool is_var(const char *s, size_t len)
{
	return eq(s, len, "source") || eq(s, len, "scratch");
}

/* A "${" at offset i that is not where a variable may be: say what is wrong with it. */
static int misplaced_var(struct parser *ps, const struct token *t, size_t i, bool vars)
{
	const char *v = t->s + i, *end = memchr(v, '}', t->len - i);
	unsigned int col = tok_col(t, i);
	size_t nlen;

	if (!vars)
		return perr(ps, col, "variables are not allowed here (expected a literal path)");
	if (!end)
		return perr(ps, col, "unterminated variable " ECHO_FMT
			    " (expected ${source} or ${scratch})", ECHO(v, t->len - i));
	nlen = end - v - 2;
	if (!is_var(v + 2, nlen))
		return perr(ps, col, "unknown variable " ECHO_FMT
			    " (expected ${source} or ${scratch})", ECHO(v, nlen + 3));
	return perr(ps, col, "%.*s must start the path (it expands to an absolute directory)",
		    (int)nlen + 3, v);
}

/*
 * Normalise a path token into ps->path: collapse "//", drop a trailing '/', and refuse "." and
 * ".." so that what the policy says is what the loader opens. With vars, the path may start with
 * ${source} or ${scratch}; they expand to absolute directories, so nowhere else makes sense.
 */
static int normalize_path(struct parser *ps, const struct token *t, bool vars)
{
	const char *s = t->s;
	size_t len = t->len, i = 0, o = 0;
	char *out = ps->path;

	if (!len)
		return perr(ps, t->col, "empty path (expected an absolute path)");
	if (len > 1 && s[0] == '$' && s[1] == '{') {
		const char *end = memchr(s, '}', len);

		if (!vars || !end || !is_var(s + 2, end - s - 2))
			return misplaced_var(ps, t, 0, vars);
		i = end - s + 1;
		if (i < len && s[i] != '/')
			return perr(ps, tok_col(t, i), "unexpected " ECHO_FMT
				    " after %.*s (expected '/' or the end of the path)",
				    ECHO(s + i, len - i), (int)i, s);
		memcpy(out, s, i);
		o = i;
	} else if (s[0] != '/') {
		return perr(ps, t->col, "relative path " ECHO_FMT " (expected %s)", ECHO(s, len),
			    vars ? "an absolute path, or one starting with ${source} or ${scratch}"
				 : "an absolute path or @NAME");
	}

	while (i < len) {
		size_t c;

		while (i < len && s[i] == '/')
			i++;
		if (i == len)
			break;
		for (c = i; i < len && s[i] != '/'; i++) {
			if (s[i] == '$' && i + 1 < len && s[i + 1] == '{')
				return misplaced_var(ps, t, i, vars);
		}
		if ((i - c == 1 && s[c] == '.') || (i - c == 2 && s[c] == '.' && s[c + 1] == '.'))
			return perr(ps, tok_col(t, c), "'%.*s' in path " ECHO_FMT
				    " (expected a path without . or .. components)",
				    (int)(i - c), s + c, ECHO(s, len));
		out[o++] = '/';
		memcpy(out + o, s + c, i - c);
		o += i - c;
	}
	if (!o)
		out[o++] = '/';
	out[o] = '\0';
	return 0;
}

static bool name_ok(const char *s, size_t len)
{
	if (!len || len >= POLICY_NAME_MAX)
		return false;
	/* The name may become a file name (pin paths, logs). */
	if (eq(s, len, ".") || eq(s, len, ".."))
		return false;
	for (size_t i = 0; i < len; i++) {
		if (!is_alnum(s[i]) && s[i] != '_' && s[i] != '.' && s[i] != '-')
			return false;
	}
	return true;
}

/* Decimal 1-65535 without sign or leading zeros, so that "0443" cannot be read as octal. */
static int parse_port(const char *s, size_t len, uint16_t *port)
{
	unsigned int v = 0;

	if (!len || len > 5 || s[0] == '0')
		return -EINVAL;
	for (size_t i = 0; i < len; i++) {
		if (!is_digit(s[i]))
			return -EINVAL;
		v = v * 10 + (s[i] - '0');
	}
	if (v > 65535)
		return -EINVAL;
	*port = v;
	return 0;
}

/* A numeric address into the 16-byte form (IPv4 v4-mapped). Returns AF_INET, AF_INET6 or -1. */
static int parse_addr(const char *s, size_t len, uint8_t addr[16])
{
	char buf[INET6_ADDRSTRLEN + 1];
	struct in_addr a4;

	if (len >= sizeof(buf))
		return -1;
	memcpy(buf, s, len);
	buf[len] = '\0';
	if (memchr(buf, ':', len))
		return inet_pton(AF_INET6, buf, addr) == 1 ? AF_INET6 : -1;
	if (inet_pton(AF_INET, buf, &a4) != 1)
		return -1;
	memset(addr, 0, 10);
	addr[10] = 0xff;
	addr[11] = 0xff;
	memcpy(addr + 12, &a4, 4);
	return AF_INET;
}

static int parse_cidr(struct parser *ps, const struct token *t, struct policy_net_rule *r)
{
	const char *slash = memchr(t->s, '/', t->len);
	size_t alen = slash ? (size_t)(slash - t->s) : t->len;
	int fam = parse_addr(t->s, alen, r->addr);
	unsigned int max, plen = 0;
	uint8_t net[16];
	bool host_bits = false;

	if (fam < 0)
		return perr(ps, t->col, "bad address " ECHO_FMT " (expected an IPv4 or IPv6 address"
			    " or CIDR such as 10.0.0.0/8 or 2001:db8::/32)", ECHO(t->s, t->len));
	max = fam == AF_INET ? 32 : 128;
	if (!slash) {
		plen = max;
	} else {
		const char *d = slash + 1;
		size_t dlen = t->len - alen - 1;
		bool ok = dlen >= 1 && dlen <= 3 && !(dlen > 1 && d[0] == '0');

		for (size_t i = 0; ok && i < dlen; i++) {
			ok = is_digit(d[i]);
			plen = plen * 10 + (d[i] - '0');
		}
		if (!ok || plen > max)
			return perr(ps, tok_col(t, alen), "bad prefix length in " ECHO_FMT
				    " (expected /0 to /%u)", ECHO(t->s, t->len), max);
	}
	r->prefixlen = fam == AF_INET ? 96 + plen : plen;

	memcpy(net, r->addr, 16);
	for (unsigned int b = r->prefixlen; b < 128; b++) {
		uint8_t bit = 0x80 >> (b % 8);

		if (net[b / 8] & bit) {
			host_bits = true;
			net[b / 8] &= ~bit;
		}
	}
	if (host_bits) {
		char text[INET6_ADDRSTRLEN];

		if (fam == AF_INET)
			inet_ntop(AF_INET, net + 12, text, sizeof(text));
		else
			inet_ntop(AF_INET6, net, text, sizeof(text));
		return perr(ps, t->col, "%.*s%s: host bits set (expected %s/%u)",
			    ECHO(t->s, t->len), text, plen);
	}
	return 0;
}

/*
 * A DNS name as a policy writes it, checked and folded: one trailing dot dropped, upper case to
 * lower, labels of 1-63 of [a-z0-9_-] not starting or ending with '-', at most 253 characters,
 * the last label not all digits (that would be an address, or read as one by some resolver).
 * With wildcard_ok, a leading "*." makes it a wildcard. The checks go left to right, so *off is
 * the first byte at fault.
 */
enum name_error {
	NAME_OK,
	NAME_NON_ASCII,
	NAME_STAR,    /* a '*' anywhere but a leading "*." */
	NAME_NOTHING, /* "*." and nothing after it */
	NAME_CHAR,
	NAME_EMPTY_LABEL,
	NAME_LONG_LABEL,
	NAME_HYPHEN,
	NAME_LONG,
	NAME_DIGITS,
};

static enum name_error check_name(const char *s, size_t len, bool wildcard_ok,
				  struct policy_net_name *r, size_t *off)
{
	size_t start = 0, label = 0, o = 0;
	bool digits = true;

	for (size_t i = 0; i < len; i++) {
		if ((unsigned char)s[i] >= 0x80) {
			*off = i;
			return NAME_NON_ASCII;
		}
	}
	r->wildcard = false;
	if (wildcard_ok && len >= 2 && s[0] == '*' && s[1] == '.') {
		r->wildcard = true;
		start = 2;
	}
	for (size_t i = start; i < len; i++) {
		if (s[i] == '*') {
			*off = i;
			return NAME_STAR;
		}
	}
	*off = 0;
	if (start == len)
		return start ? NAME_NOTHING : NAME_EMPTY_LABEL;
	if (len - start > 1 && s[len - 1] == '.')
		len--;
	for (size_t i = start; i <= len; i++) {
		char c = i < len ? s[i] : '.';

		*off = i;
		if (c == '.') {
			if (!label)
				return NAME_EMPTY_LABEL;
			if (s[i - 1] == '-') {
				*off = i - 1;
				return NAME_HYPHEN;
			}
			if (i == len)
				break;
		}
		if (o >= POLICY_DNS_NAME_MAX)
			return NAME_LONG;
		if (c == '.') {
			label = 0;
			digits = true;
			r->name[o++] = c;
			continue;
		}
		if (c >= 'A' && c <= 'Z')
			c += 'a' - 'A';
		if (!is_alnum(c) && c != '_' && c != '-')
			return NAME_CHAR;
		if (c == '-' && !label)
			return NAME_HYPHEN;
		if (++label > 63)
			return NAME_LONG_LABEL;
		digits &= is_digit(c);
		r->name[o++] = c;
	}
	r->name[o] = '\0';
	if (digits) {
		*off = len - label;
		return NAME_DIGITS;
	}
	return NAME_OK;
}

/* A token names an address or prefix when it holds '/' or ':' or only digits and dots (so that
 * 10.0.0.300 stays a bad address, not a name); anything else is a DNS name. */
static bool is_address(const struct token *t)
{
	if (memchr(t->s, '/', t->len) || memchr(t->s, ':', t->len))
		return true;
	for (size_t i = 0; i < t->len; i++) {
		if (!is_digit(t->s[i]) && t->s[i] != '.')
			return false;
	}
	return true;
}

static int parse_name(struct parser *ps, const struct token *t, struct policy_net_name *r)
{
	size_t off;
	enum name_error e = check_name(t->s, t->len, true, r, &off);
	unsigned int col = tok_col(t, off);

	r->loc.line = ps->line;
	r->loc.col = t->col;
	switch (e) {
	case NAME_OK:
		return 0;
	case NAME_NON_ASCII:
		return perr(ps, col,
			    "non-ASCII byte in name " ECHO_FMT " (names are ASCII:"
			    " write an internationalised name in its IDNA \"xn--\" form)",
			    ECHO(t->s, t->len));
	case NAME_STAR:
		return perr(ps, col,
			    "'*' in name " ECHO_FMT " (expected a wildcard as *.NAME, e.g."
			    " *.example.com: every name below example.com)",
			    ECHO(t->s, t->len));
	case NAME_NOTHING:
		return perr(ps, col,
			    "no name after '*.' (expected a wildcard as *.NAME, e.g."
			    " *.example.com: every name below example.com)");
	case NAME_CHAR:
		return perr(ps, col,
			    "bad character '%c' in name " ECHO_FMT " (expected labels of"
			    " a-z 0-9 _ - separated by dots)",
			    t->s[off], ECHO(t->s, t->len));
	case NAME_EMPTY_LABEL:
		return perr(ps, col,
			    "empty label in name " ECHO_FMT " (expected labels of 1-63"
			    " characters separated by single dots)",
			    ECHO(t->s, t->len));
	case NAME_LONG_LABEL:
		return perr(ps, col, "label longer than 63 characters in name " ECHO_FMT,
			    ECHO(t->s, t->len));
	case NAME_HYPHEN:
		return perr(ps, col,
			    "'-' at the start or end of a label in name " ECHO_FMT
			    " (expected a letter, digit or _ there)",
			    ECHO(t->s, t->len));
	case NAME_LONG:
		return perr(ps, col, "name " ECHO_FMT " longer than %d characters",
			    ECHO(t->s, t->len), POLICY_DNS_NAME_MAX);
	case NAME_DIGITS:
		return perr(ps, col,
			    "all-digit last label in name " ECHO_FMT " (expected a name"
			    " such as api.example.com, or an address of only digits and dots)",
			    ECHO(t->s, t->len));
	}
	return -EINVAL;
}

static int count_name(struct parser *ps, const struct token *t)
{
	if (ps->p.n_allow_names + ps->p.n_deny_names >= POLICY_NAMES_MAX)
		return perr(ps, t->col, "too many names (max %d, allow and deny lines together)",
			    POLICY_NAMES_MAX);
	return 0;
}

static int add_allow_name(struct parser *ps, struct policy_net_name *r)
{
	struct policy *p = &ps->p;
	const struct token *t = &ps->tok[0];
	unsigned int same = 0;

	/* The kernel keeps BPFENCE_NET_PORTS_MAX protocol/port pairs for each address a name
	 * grants: more lines for one name could not all take effect. */
	for (size_t i = 0; i < p->n_allow_names; i++)
		same += p->allow_names[i].wildcard == r->wildcard &&
			!strcmp(p->allow_names[i].name, r->name);
	if (same >= BPFENCE_NET_PORTS_MAX)
		return perr(ps, t->col,
			    "too many allow lines for " ECHO_FMT " (max %d for one"
			    " name: the protocol/port pairs the kernel keeps per address)",
			    ECHO(t->s, t->len), BPFENCE_NET_PORTS_MAX);
	if (grow((void **)&p->allow_names, &ps->cap_allow_names, p->n_allow_names,
		 sizeof(*p->allow_names)))
		return oom(ps);
	p->allow_names[p->n_allow_names++] = *r;
	return 0;
}

static int add_allow(struct parser *ps)
{
	struct policy *p = &ps->p;
	const struct token *t0 = &ps->tok[0];
	struct policy_net_rule r = {.loc = {ps->line, t0->col}};
	struct policy_net_name n = {};
	bool name = !is_address(t0);
	uint16_t port;
	int ret;

	if (name) {
		ret = count_name(ps, t0);
		if (!ret)
			ret = parse_name(ps, t0, &n);
	} else if (p->n_allow >= ALLOW_MAX) {
		return perr(ps, t0->col, "too many allow rules (max %d)", ALLOW_MAX);
	} else {
		ret = parse_cidr(ps, t0, &r);
	}
	if (ret)
		return ret;
	if (ps->ntok > 1) {
		const struct token *t = &ps->tok[1];

		if (eq(t->s, t->len, "tcp"))
			r.proto = IPPROTO_TCP;
		else if (eq(t->s, t->len, "udp"))
			r.proto = IPPROTO_UDP;
		else if (!eq(t->s, t->len, "any"))
			return perr(ps, t->col,
				    "bad protocol " ECHO_FMT " (expected tcp, udp or any%s)",
				    ECHO(t->s, t->len),
				    parse_port(t->s, t->len, &port) ? "" :
				    "; the port comes after the protocol");
	}
	if (ps->ntok > 2) {
		const struct token *t = &ps->tok[2];

		if (!eq(t->s, t->len, "any") && parse_port(t->s, t->len, &r.port))
			return perr(ps, t->col, "bad port " ECHO_FMT " (expected 1-65535 or any)",
				    ECHO(t->s, t->len));
	}
	if (name) {
		n.proto = r.proto;
		n.port = r.port;
		return add_allow_name(ps, &n);
	}
	if (grow((void **)&p->allow, &ps->cap_allow, p->n_allow, sizeof(*p->allow)))
		return oom(ps);
	p->allow[p->n_allow++] = r;
	return 0;
}

/* [network] deny: names only. An address no allow line covers is denied already, and one an
 * allow line covers is the policy's choice: there is no address to take back. */
static int add_deny_names(struct parser *ps)
{
	struct policy *p = &ps->p;

	for (size_t i = 0; i < ps->ntok; i++) {
		const struct token *t = &ps->tok[i];
		struct policy_net_name n = {};
		int ret;

		if (is_address(t) && t->len && (t->s[0] == '/' || t->s[0] == '$'))
			return perr(ps, t->col,
				    "path " ECHO_FMT " in [network] deny (expected DNS"
				    " names; paths are denied in [files])",
				    ECHO(t->s, t->len));
		if (is_address(t))
			return perr(ps, t->col,
				    "address " ECHO_FMT " in deny (expected DNS names"
				    " such as evil.example.com or *.example.com; an address no"
				    " allow line covers is denied already)",
				    ECHO(t->s, t->len));
		ret = count_name(ps, t);
		if (!ret)
			ret = parse_name(ps, t, &n);
		if (ret)
			return ret;
		if (grow((void **)&p->deny_names, &ps->cap_deny_names, p->n_deny_names,
			 sizeof(*p->deny_names)))
			return oom(ps);
		p->deny_names[p->n_deny_names++] = n;
	}
	return 0;
}

static int add_families(struct parser *ps)
{
	struct policy *p = &ps->p;

	/* The default (unix only) is replaced, not extended, so a policy lists all it allows. */
	if (!p->families_set) {
		p->families = 0;
		p->families_set = true;
	}
	for (size_t i = 0; i < ps->ntok; i++) {
		const struct token *t = &ps->tok[i];
		int fam = policy_family_by_name(t->s);

		if (fam < 0)
			return perr(ps, t->col, "unknown address family " ECHO_FMT " (expected"
				    " a name such as unix, inet, inet6, netlink or packet)",
				    ECHO(t->s, t->len));
		p->families |= 1ULL << fam;
	}
	return 0;
}

/* One unix socket name (path or @abstract) from token t into list/n (capacity *cap). */
static int add_unix_name(struct parser *ps, const struct token *t,
			 struct policy_broker_unix **list, size_t *n, size_t *cap, const char *what)
{
	struct policy_broker_unix b = { .loc = { ps->line, t->col } };
	const char *src;
	int ret;

	if (*n >= BROKER_UNIX_MAX)
		return perr(ps, t->col, "too many %s (max %d)", what, BROKER_UNIX_MAX);
	if (t->len && t->s[0] == '@') {
		if (t->len == 1)
			return perr(ps, t->col, "empty abstract socket name (expected @NAME)");
		if (t->len - 1 > ABSTRACT_NAME_MAX)
			return perr(ps, t->col, "abstract socket name too long (%zu bytes, max %d)",
				    t->len - 1, ABSTRACT_NAME_MAX);
		b.abstract = true;
		src = t->s + 1;
	} else {
		ret = normalize_path(ps, t, false);
		if (ret)
			return ret;
		src = ps->path;
	}
	b.path = strdup(src);
	if (!b.path)
		return oom(ps);
	if (grow((void **)list, cap, *n, sizeof(**list))) {
		free(b.path);
		return oom(ps);
	}
	(*list)[(*n)++] = b;
	return 0;
}

static int add_broker_unix(struct parser *ps)
{
	return add_unix_name(ps, &ps->tok[0], &ps->p.broker_unix, &ps->p.n_broker_unix,
			     &ps->cap_unix, "broker unix sockets");
}

static int add_unix_allow(struct parser *ps)
{
	for (unsigned int i = 0; i < ps->ntok; i++) {
		int ret = add_unix_name(ps, &ps->tok[i], &ps->p.unix_allow, &ps->p.n_unix_allow,
					&ps->cap_unix_allow, "unix_allow sockets");

		if (ret)
			return ret;
	}
	return 0;
}

static int add_permit(struct parser *ps)
{
	for (unsigned int i = 0; i < ps->ntok; i++) {
		const struct token *t = &ps->tok[i];
		size_t g;

		for (g = 0; g < sizeof(syscall_groups) / sizeof(syscall_groups[0]); g++)
			if (eq(t->s, t->len, syscall_groups[g].name))
				break;
		if (g == sizeof(syscall_groups) / sizeof(syscall_groups[0]))
			return perr(ps, t->col, "unknown syscall group " ECHO_FMT " (expected %s)",
				    ECHO(t->s, t->len), keys[KEY_PERMIT].usage);
		ps->p.syscalls_permit |= syscall_groups[g].bit;
	}
	return 0;
}

static int add_broker_tcp(struct parser *ps)
{
	struct policy *p = &ps->p;
	const struct token *t = &ps->tok[0];
	struct policy_broker_tcp b = { .loc = { ps->line, t->col } };
	const char *s = t->s;
	size_t len = t->len, pstart;

	if (p->n_broker_tcp >= BROKER_TCP_MAX)
		return perr(ps, t->col, "too many broker tcp endpoints (max %d)", BROKER_TCP_MAX);
	if (len && s[0] == '[') {
		const char *close = memchr(s, ']', len);

		if (!close || (size_t)(close - s) + 1 == len || close[1] != ':')
			return perr(ps, t->col, "bad broker address " ECHO_FMT
				    " (expected [IPV6]:PORT, e.g. [::1]:7700)", ECHO(s, len));
		if (parse_addr(s + 1, close - s - 1, b.addr) != AF_INET6)
			return perr(ps, t->col + 1, "bad IPv6 address " ECHO_FMT
				    " (expected [IPV6]:PORT, e.g. [::1]:7700)",
				    ECHO(s + 1, (size_t)(close - s - 1)));
		pstart = close - s + 2;
	} else {
		size_t colon = len, ncolons = 0;

		for (size_t i = 0; i < len; i++) {
			if (s[i] == ':') {
				colon = i;
				ncolons++;
			}
		}
		if (!ncolons)
			return perr(ps, t->col, "missing port in " ECHO_FMT
				    " (expected ADDR:PORT or [IPV6]:PORT)", ECHO(s, len));
		if (ncolons > 1)
			return perr(ps, t->col, "IPv6 address in " ECHO_FMT
				    " needs brackets (expected [IPV6]:PORT, e.g. [::1]:7700)",
				    ECHO(s, len));
		if (parse_addr(s, colon, b.addr) != AF_INET)
			return perr(ps, t->col, "bad IPv4 address " ECHO_FMT
				    " (expected a numeric ADDR:PORT, e.g. 127.0.0.1:7700)",
				    ECHO(s, colon));
		pstart = colon + 1;
	}
	if (parse_port(s + pstart, len - pstart, &b.port))
		return perr(ps, tok_col(t, pstart), "bad port " ECHO_FMT " (expected 1-65535)",
			    ECHO(s + pstart, len - pstart));
	if (grow((void **)&p->broker_tcp, &ps->cap_tcp, p->n_broker_tcp, sizeof(*p->broker_tcp)))
		return oom(ps);
	p->broker_tcp[p->n_broker_tcp++] = b;
	return 0;
}

static int add_paths(struct parser *ps, unsigned int perm)
{
	struct policy *p = &ps->p;

	for (size_t i = 0; i < ps->ntok; i++) {
		const struct token *t = &ps->tok[i];
		struct policy_path *pp;
		int ret;

		if (p->n_paths >= PATHS_MAX)
			return perr(ps, t->col, "too many paths (max %d)", PATHS_MAX);
		ret = normalize_path(ps, t, true);
		if (ret)
			return ret;
		if (grow((void **)&p->paths, &ps->cap_paths, p->n_paths, sizeof(*p->paths)))
			return oom(ps);
		pp = &p->paths[p->n_paths];
		pp->path = strdup(ps->path);
		if (!pp->path)
			return oom(ps);
		pp->perm = perm;
		pp->loc.line = ps->line;
		pp->loc.col = t->col;
		p->n_paths++;
	}
	return 0;
}

static int set_once(struct parser *ps, unsigned int *first, enum key key, unsigned int keycol)
{
	if (*first)
		return perr(ps, keycol, "duplicate key '%s' (first set on line %u)", keys[key].name,
			    *first);
	*first = ps->line;
	return 0;
}

int policy_parse_size(const char *s, bool suffix, unsigned long long *out)
{
	unsigned long long v;
	unsigned int shift = 0;
	char *end;

	if (!s || *s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || end == s)
		return -EINVAL;
	if (suffix && *end && !end[1]) {
		switch (*end) {
		case 'K': case 'k': shift = 10; break;
		case 'M': case 'm': shift = 20; break;
		case 'G': case 'g': shift = 30; break;
		case 'T': case 't': shift = 40; break;
		default: return -EINVAL;
		}
		end++;
	}
	if (*end || (shift && v > (~0ULL >> shift)))
		return -EINVAL;
	*out = v << shift;
	return 0;
}

int policy_parse_number(const char *s, bool suffix, unsigned long long min,
			unsigned long long max, unsigned long long *out)
{
	unsigned long long v;

	if (policy_parse_size(s, suffix, &v))
		return -EINVAL;
	if (v < min || v > max)
		return -ERANGE;
	*out = v;
	return 0;
}

static int apply(struct parser *ps, enum key key, unsigned int keycol)
{
	struct policy *p = &ps->p;
	const struct token *t = &ps->tok[0];
	int ret;

	switch (key) {
	case KEY_NAME:
		ret = set_once(ps, &ps->name_line, key, keycol);
		if (ret)
			return ret;
		if (!name_ok(t->s, t->len))
			return perr(ps, t->col, "bad policy name " ECHO_FMT " (expected 1-63"
				    " characters from A-Z a-z 0-9 _ . -, not . or ..)",
				    ECHO(t->s, t->len));
		memcpy(p->name, t->s, t->len + 1);
		return 0;
	case KEY_MODE:
		ret = set_once(ps, &ps->mode_line, key, keycol);
		if (ret)
			return ret;
		if (eq(t->s, t->len, "enforce"))
			p->mode = POLICY_MODE_ENFORCE;
		else if (eq(t->s, t->len, "audit"))
			p->mode = POLICY_MODE_AUDIT;
		else
			return perr(ps, t->col, "bad mode " ECHO_FMT " (expected enforce or audit)",
				    ECHO(t->s, t->len));
		return 0;
	case KEY_CONNECT:
		ret = set_once(ps, &ps->connect_line, key, keycol);
		if (ret)
			return ret;
		if (eq(t->s, t->len, "deny"))
			p->connect_allow = false;
		else if (eq(t->s, t->len, "allow"))
			p->connect_allow = true;
		else
			return perr(ps, t->col, "bad connect " ECHO_FMT " (expected deny or allow)",
				    ECHO(t->s, t->len));
		return 0;
	case KEY_ALLOW:
		return add_allow(ps);
	case KEY_NET_DENY:
		return add_deny_names(ps);
	case KEY_FAMILIES:
		return add_families(ps);
	case KEY_UNIX:
		return add_broker_unix(ps);
	case KEY_TCP:
		return add_broker_tcp(ps);
	case KEY_READ:
		return add_paths(ps, POLICY_PERM_READ);
	case KEY_WRITE:
		return add_paths(ps, POLICY_PERM_WRITE);
	case KEY_EXEC:
		return add_paths(ps, POLICY_PERM_EXEC);
	case KEY_MAP:
		return add_paths(ps, POLICY_PERM_MAP);
	case KEY_DENY:
		return add_paths(ps, POLICY_PERM_DENY);
	case KEY_UNIX_ALLOW:
		return add_unix_allow(ps);
	case KEY_PERMIT:
		return add_permit(ps);
	case KEY_DISK_MAX:
	case KEY_DISK_INODES: {
		unsigned long long v;

		ret = set_once(ps, key == KEY_DISK_MAX ? &ps->disk_max_line : &ps->disk_inodes_line,
			       key, keycol);
		if (ret)
			return ret;
		if (policy_parse_size(t->s, key == KEY_DISK_MAX, &v) ||
		    v < (key == KEY_DISK_MAX ? POLICY_DISK_MAX_MIN : POLICY_DISK_INODES_MIN))
			return perr(ps, t->col, "bad %s " ECHO_FMT " (expected %s)", keys[key].name,
				    ECHO(t->s, t->len), keys[key].usage);
		if (key == KEY_DISK_MAX)
			p->disk_max = v;
		else
			p->disk_inodes = v;
		return 0;
	}
	case KEY_COUNT:
		break;
	}
	return -EINVAL;
}

static int parse_section(struct parser *ps, const char *s, size_t n, size_t i)
{
	const char *close = memchr(s + i, ']', n - i);
	size_t hlen, j;
	int sec;

	if (!close)
		return perr(ps, i + 1, "unterminated section header (expected '[name]')");
	hlen = close - (s + i) + 1;
	for (sec = SEC_POLICY; sec < SEC_COUNT; sec++) {
		if (eq(s + i + 1, hlen - 2, sections[sec].name))
			break;
	}
	if (sec == SEC_COUNT) {
		char list[128];

		return perr(ps, i + 1, "unknown section " ECHO_FMT " (expected %s)",
			    ECHO(s + i, hlen), section_list(list, sizeof(list)));
	}
	for (j = i + hlen; j < n && is_blank(s[j]); j++)
		;
	if (j < n && s[j] != '#')
		return perr(ps, j + 1, "unexpected text after section header"
			    " (expected a # comment or the end of the line)");
	ps->sec = sec;
	return 0;
}

static int parse_line(struct parser *ps, const char *s, size_t n)
{
	size_t i = 0, k, klen;
	int key, ret;

	for (i = 0; i < n; i++) {
		unsigned char c = s[i];

		if (!c)
			return perr(ps, i + 1, "NUL byte (expected text)");
		if ((c < 0x20 && c != '\t') || c == 0x7f)
			return perr(ps, i + 1, "control character 0x%02x"
				    " (expected text; only spaces and tabs separate values)", c);
	}

	for (i = 0; i < n && is_blank(s[i]); i++)
		;
	if (i == n || s[i] == '#')
		return 0;
	if (s[i] == '[')
		return parse_section(ps, s, n, i);

	for (k = i; i < n && is_key_char(s[i]); i++)
		;
	klen = i - k;
	if (!klen) {
		for (; i < n && !is_blank(s[i]); i++)
			;
		return perr(ps, k + 1, "unexpected " ECHO_FMT
			    " (expected 'key = value', '[section]' or a # comment)",
			    ECHO(s + k, i - k));
	}
	for (; i < n && is_blank(s[i]); i++)
		;
	if (i == n || s[i] != '=')
		return perr(ps, i + 1, "expected '=' after key " ECHO_FMT, ECHO(s + k, klen));
	if (ps->sec == SEC_NONE)
		return perr(ps, k + 1, "key " ECHO_FMT
			    " outside any section (expected a [section] header before it)",
			    ECHO(s + k, klen));

	for (key = 0; key < KEY_COUNT; key++) {
		if (keys[key].sec == ps->sec && eq(s + k, klen, keys[key].name))
			break;
	}
	if (key == KEY_COUNT) {
		char hint[128] = "", expected[128];
		size_t used = 0;

		/* Where the key is one: "; deny belongs in [network] or [files]". */
		for (int o = 0; o < KEY_COUNT && used < sizeof(hint); o++) {
			if (!eq(s + k, klen, keys[o].name))
				continue;
			if (used)
				used += snprintf(hint + used, sizeof(hint) - used, " or [%s]",
						 sections[keys[o].sec].name);
			else
				used = snprintf(hint, sizeof(hint), "; %s belongs in [%s]",
						keys[o].name, sections[keys[o].sec].name);
		}
		return perr(ps, k + 1, "unknown key " ECHO_FMT " in [%s] (expected %s%s)",
			    ECHO(s + k, klen), sections[ps->sec].name,
			    section_keys(ps->sec, expected, sizeof(expected)), hint);
	}

	ret = tokenize(ps, s, n, i + 1);
	if (ret)
		return ret;
	if (!ps->ntok)
		return perr(ps, k + 1, "missing value for '%s' (expected %s)", keys[key].name,
			    keys[key].usage);
	if (keys[key].max_values && ps->ntok > keys[key].max_values) {
		const struct token *t = &ps->tok[keys[key].max_values];

		return perr(ps, t->col, "extra value " ECHO_FMT " for '%s' (expected %s)",
			    ECHO(t->s, t->len), keys[key].name, keys[key].usage);
	}
	return apply(ps, key, k + 1);
}

static int parse_lines(struct parser *ps, const char *text, size_t len)
{
	size_t pos = 0;

	while (pos < len) {
		const char *nl = memchr(text + pos, '\n', len - pos);
		size_t end = nl ? (size_t)(nl - text) : len;
		size_t n = end - pos;
		int ret;

		ps->line++;
		/* Tolerate CRLF line ends from editors that write them. */
		if (n && text[end - 1] == '\r')
			n--;
		if (n > LINE_BYTES_MAX)
			return perr(ps, LINE_BYTES_MAX + 1, "line too long (max %d bytes)",
				    LINE_BYTES_MAX);
		ret = parse_line(ps, text + pos, n);
		if (ret)
			return ret;
		pos = end + 1;
	}
	return 0;
}

/* After the whole file, since connect may come after the names or before them. */
static int check_names(struct parser *ps)
{
	const struct policy *p = &ps->p;
	const struct policy_loc *first;

	if (!p->connect_allow || (!p->n_allow_names && !p->n_deny_names))
		return 0;
	first = p->n_allow_names ? &p->allow_names[0].loc : &p->deny_names[0].loc;
	if (p->n_allow_names && p->n_deny_names &&
	    (p->deny_names[0].loc.line < first->line ||
	     (p->deny_names[0].loc.line == first->line && p->deny_names[0].loc.col < first->col)))
		first = &p->deny_names[0].loc;
	ps->line = first->line;
	return perr(ps, first->col,
		    "names need connect = deny: with connect = allow every address"
		    " is reachable whatever a name resolves to");
}

static int default_name(struct parser *ps)
{
	const char *base = strrchr(ps->file, '/');
	size_t len;

	base = base ? base + 1 : ps->file;
	len = strlen(base);
	if (len > 7 && !strcmp(base + len - 7, ".policy"))
		len -= 7;
	if (!name_ok(base, len)) {
		ps->line = 1;
		return perr(ps, 1, "file name gives no valid policy name " ECHO_FMT " (expected"
			    " name = in [policy], 1-63 characters from A-Z a-z 0-9 _ . -)",
			    ECHO(base, len));
	}
	memcpy(ps->p.name, base, len);
	ps->p.name[len] = '\0';
	return 0;
}

static int parse_buf(const char *file, const char *text, size_t len, struct policy *out, char *err,
		     size_t errlen)
{
	struct parser *ps;
	int ret;

	memset(out, 0, sizeof(*out));
	if (err && errlen)
		err[0] = '\0';
	if (!file)
		file = "<string>";
	if (len > FILE_BYTES_MAX)
		return file_err(err, errlen, file, -EFBIG, "too large (max %d bytes)",
				FILE_BYTES_MAX);
	ps = calloc(1, sizeof(*ps));
	if (!ps)
		return file_err(err, errlen, file, -ENOMEM, "out of memory");
	ps->file = file;
	ps->err = err;
	ps->errlen = errlen;
	ps->p.mode = POLICY_MODE_ENFORCE;
	ps->p.families = 1ULL << AF_UNIX;
	ps->p.file = strdup(file);
	if (!ps->p.file)
		ret = oom(ps);
	else
		ret = parse_lines(ps, text, len);
	if (!ret)
		ret = check_names(ps);
	if (!ret && !ps->name_line)
		ret = default_name(ps);
	if (ret)
		policy_free(&ps->p);
	else
		*out = ps->p;
	free(ps);
	return ret;
}

int policy_parse_string(const char *file, const char *text, struct policy *p, char *err,
			size_t errlen)
{
	return parse_buf(file, text, strlen(text), p, err, errlen);
}

int policy_parse_file(const char *file, struct policy *p, char *err, size_t errlen)
{
	struct stat st;
	char *buf = NULL;
	size_t len = 0, cap;
	int fd, ret;

	memset(p, 0, sizeof(*p));
	if (err && errlen)
		err[0] = '\0';
	/* O_NONBLOCK so that a FIFO given by mistake is refused below instead of hanging here. */
	fd = open(file, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
		goto io_err;
	if (fstat(fd, &st) < 0)
		goto io_err;
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		return file_err(err, errlen, file, S_ISDIR(st.st_mode) ? -EISDIR : -EINVAL,
				"not a regular file");
	}
	if (st.st_size > FILE_BYTES_MAX) {
		close(fd);
		return file_err(err, errlen, file, -EFBIG, "too large (max %d bytes)",
				FILE_BYTES_MAX);
	}
	/* One byte more than fstat promised, to notice a file that grew in the meantime. */
	cap = st.st_size + 1;
	buf = malloc(cap);
	if (!buf) {
		close(fd);
		return file_err(err, errlen, file, -ENOMEM, "out of memory");
	}
	for (;;) {
		ssize_t n;

		if (len == cap) {
			char *nbuf;

			if (cap > FILE_BYTES_MAX)
				break;
			cap = cap * 2 > FILE_BYTES_MAX + 1 ? FILE_BYTES_MAX + 1 : cap * 2;
			nbuf = realloc(buf, cap);
			if (!nbuf) {
				free(buf);
				close(fd);
				return file_err(err, errlen, file, -ENOMEM, "out of memory");
			}
			buf = nbuf;
		}
		n = read(fd, buf + len, cap - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			goto io_err;
		if (!n)
			break;
		len += n;
	}
	close(fd);
	ret = parse_buf(file, buf, len, p, err, errlen);
	free(buf);
	return ret;

io_err:
	ret = -errno;
	free(buf);
	if (fd >= 0)
		close(fd);
	return file_err(err, errlen, file, ret, "cannot read: %s", strerror(-ret));
}

void policy_free(struct policy *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->n_paths; i++)
		free(p->paths[i].path);
	for (size_t i = 0; i < p->n_broker_unix; i++)
		free(p->broker_unix[i].path);
	free(p->paths);
	free(p->broker_unix);
	for (size_t i = 0; i < p->n_unix_allow; i++)
		free(p->unix_allow[i].path);
	free(p->unix_allow);
	free(p->broker_tcp);
	free(p->allow);
	free(p->allow_names);
	free(p->deny_names);
	free(p->file);
	memset(p, 0, sizeof(*p));
}

/* DNS names compare without regard to case (RFC 4343), and a resolver may pass a name as asked,
 * in mixed case (0x20 randomisation): a deny must not be got around by EVIL.example.com. */
static bool name_eq(const char *a, const char *b, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char x = a[i] >= 'A' && a[i] <= 'Z' ? a[i] + ('a' - 'A') : a[i];

		if (x != b[i])
			return false;
	}
	return true;
}

/* Written for lower case without a trailing dot, and tolerant of both for the reason above. */
bool policy_name_matches(const struct policy_net_name *r, const char *name)
{
	size_t n = strlen(name), rn = strlen(r->name);

	if (n && name[n - 1] == '.')
		n--;
	if (!r->wildcard)
		return n == rn && name_eq(name, r->name, n);
	return n > rn + 1 && name[n - rn - 1] == '.' && name_eq(name + n - rn, r->name, rn);
}

bool policy_name_denied(const struct policy *p, const char *name)
{
	for (size_t i = 0; i < p->n_deny_names; i++) {
		if (policy_name_matches(&p->deny_names[i], name))
			return true;
	}
	return false;
}

/* Each pair once (the first line that grants it), so that a name several lines match (its own
 * line, a wildcard above it) needs no more of the kernel's pairs than it has distinct ones. */
size_t policy_name_ports(const struct policy *p, const char *name,
			 struct policy_net_name const **out, size_t max)
{
	size_t n = 0;

	if (policy_name_denied(p, name))
		return 0;
	for (size_t i = 0; i < p->n_allow_names && n < max; i++) {
		const struct policy_net_name *r = &p->allow_names[i];
		size_t j;

		if (!policy_name_matches(r, name))
			continue;
		for (j = 0; j < n && (out[j]->proto != r->proto || out[j]->port != r->port); j++)
			;
		if (j == n)
			out[n++] = r;
	}
	return n;
}

int policy_dns_name_normalize(const char *name, char out[POLICY_DNS_NAME_MAX + 1])
{
	struct policy_net_name r;
	size_t off;

	if (check_name(name, strlen(name), false, &r, &off) != NAME_OK)
		return -EINVAL;
	memcpy(out, r.name, strlen(r.name) + 1);
	return 0;
}

static int put(char *out, size_t outlen, size_t *o, char c)
{
	/* Variable values may end in '/', and "${source}/x" must not become "//x". */
	if (c == '/' && *o && out[*o - 1] == '/')
		return 0;
	if (*o + 1 >= outlen)
		return -ENAMETOOLONG;
	out[(*o)++] = c;
	return 0;
}

/*
 * Besides the documented results, returns -EINVAL for text the parser would have refused (an
 * unknown or unterminated ${...}) and for a bound value that is not an absolute path: an empty
 * ${source} would otherwise turn "${source}/lib" into "/lib".
 */
int policy_expand(const char *raw, const struct policy_vars *vars, char *out, size_t outlen,
		  const char **unbound)
{
	size_t o = 0;
	int ret;

	if (unbound)
		*unbound = NULL;
	if (!outlen)
		return -ENAMETOOLONG;
	while (*raw) {
		const char *end, *val, *name;

		if (raw[0] != '$' || raw[1] != '{') {
			ret = put(out, outlen, &o, *raw++);
			if (ret)
				return ret;
			continue;
		}
		end = strchr(raw + 2, '}');
		if (!end)
			return -EINVAL;
		if (eq(raw + 2, end - raw - 2, "source")) {
			name = "source";
			val = vars ? vars->source : NULL;
		} else if (eq(raw + 2, end - raw - 2, "scratch")) {
			name = "scratch";
			val = vars ? vars->scratch : NULL;
		} else {
			return -EINVAL;
		}
		if (!val) {
			if (unbound)
				*unbound = name;
			return -ENOENT;
		}
		if (val[0] != '/')
			return -EINVAL;
		for (; *val; val++) {
			ret = put(out, outlen, &o, *val);
			if (ret)
				return ret;
		}
		raw = end + 1;
	}
	if (o > 1 && out[o - 1] == '/')
		o--;
	out[o] = '\0';
	return 0;
}

int policy_family_by_name(const char *name)
{
	if (!name)
		return -1;
	for (size_t i = 0; i < sizeof(family_names) / sizeof(family_names[0]); i++) {
		if (!strcmp(family_names[i].name, name))
			return family_names[i].family;
	}
	return -1;
}

const char *policy_family_name(int family)
{
	for (size_t i = 0; i < sizeof(family_names) / sizeof(family_names[0]); i++) {
		if (family_names[i].family == family)
			return family_names[i].name;
	}
	return NULL;
}

int policy_add_read(struct policy *p, const char *path)
{
	struct policy_path *n = realloc(p->paths, (p->n_paths + 1) * sizeof(*n));

	if (!n)
		return -ENOMEM;
	p->paths = n;
	n[p->n_paths] = (struct policy_path){ .path = strdup(path), .perm = POLICY_PERM_READ };
	if (!n[p->n_paths].path)
		return -ENOMEM;
	p->n_paths++;
	return 0;
}
