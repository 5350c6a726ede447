/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * libFuzzer target for loader/policy.c (build and run: tests/fuzz/README.md).
 *
 * Policy files come from whoever deploys a function, so the parser must survive any bytes, and
 * what it accepts must be exactly what policies/README.md promises: the loader and the kernel side
 * trust a parsed policy without checking it again. Sanitizers catch memory errors; everything
 * below catches a parser that returns something it should not have. Any violation abort()s so
 * that libFuzzer saves the input.
 *
 * One input is one policy file. The text up to the first NUL goes to policy_parse_string(); when
 * the input holds a NUL, the whole input also goes through policy_parse_file() (from a memfd),
 * which must refuse it at the NUL's line at the latest.
 */
#include "policy.h"

#include <errno.h>
#include <limits.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

/* Limits documented in policies/README.md; loader/policy.c keeps its copies private. */
#define PATHS_MAX		4096
#define ALLOW_MAX		1024
#define BROKER_UNIX_MAX		16
#define BROKER_TCP_MAX		16
#define UNIX_ALLOW_MAX		16
#define ABSTRACT_NAME_MAX	107
#define SYSCALLS_ALL		(POLICY_SYSCALLS_IO_URING | POLICY_SYSCALLS_PTRACE | \
				 POLICY_SYSCALLS_PERF | POLICY_SYSCALLS_USERFAULTFD | \
				 POLICY_SYSCALLS_KEYCTL)

#define FILE_NAME		"fuzz.policy"
#define DEFAULT_NAME		"fuzz"
/* Its base name minus ".policy" is ".", no valid name: the policy must then set one itself. */
#define NAMELESS_FILE		"fuzz/..policy"
#define EXPAND_MAX		8192
#define EXPAND_PATHS		256
#define EXPAND_EDGE_PATHS	16

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void __attribute__((noreturn)) fail(int line, const char *what)
{
	fprintf(stderr, "fuzz_policy.c:%d: invariant violated: %s\n", line, what);
	abort();
}

#define CHECK(cond)				\
	do {					\
		if (!(cond))			\
			fail(__LINE__, #cond);	\
	} while (0)

/* Line table of one input, split the way the parser splits it (LF; a CR before it is dropped). */
struct lines {
	const char *text;
	size_t n;
	size_t *start;
	size_t *len;
};

static void lines_init(struct lines *l, const char *text, size_t size)
{
	size_t pos = 0, cap = 1;

	for (size_t i = 0; i < size; i++)
		cap += text[i] == '\n';
	l->text = text;
	l->n = 0;
	l->start = malloc(cap * sizeof(*l->start));
	l->len = malloc(cap * sizeof(*l->len));
	CHECK(l->start && l->len);
	while (pos < size) {
		const char *nl = memchr(text + pos, '\n', size - pos);
		size_t end = nl ? (size_t)(nl - text) : size;
		size_t n = end - pos;

		if (n && text[end - 1] == '\r')
			n--;
		l->start[l->n] = pos;
		l->len[l->n] = n;
		l->n++;
		pos = end + 1;
	}
}

static void lines_free(struct lines *l)
{
	free(l->start);
	free(l->len);
}

static bool is_blank(char c)
{
	return c == ' ' || c == '\t';
}

/*
 * A location must point at the first byte of a value token: after a blank or the '=', and not a
 * blank or a comment itself. Returns the token's raw text and how much of the line is left.
 */
static const char *token_at(const struct lines *l, struct policy_loc loc, size_t *avail)
{
	const char *s;
	size_t n;

	CHECK(loc.line >= 1 && loc.line <= l->n);
	s = l->text + l->start[loc.line - 1];
	n = l->len[loc.line - 1];
	CHECK(loc.col >= 2 && loc.col <= n);
	CHECK(!is_blank(s[loc.col - 1]) && s[loc.col - 1] != '#');
	CHECK(is_blank(s[loc.col - 2]) || s[loc.col - 2] == '=');
	*avail = n - (loc.col - 1);
	return s + loc.col - 1;
}

/* Entries are appended in file order, so locations strictly increase. */
static void check_loc_order(struct policy_loc *prev, struct policy_loc loc)
{
	CHECK(loc.line > prev->line || (loc.line == prev->line && loc.col > prev->col));
	*prev = loc;
}

/* Does the raw token (quoted or not) contain a ':'? That is what makes an address IPv6. */
static bool raw_has_colon(const char *t, size_t n)
{
	bool quoted = n && t[0] == '"';

	for (size_t i = quoted; i < n; i++) {
		if (quoted ? t[i] == '"' : is_blank(t[i]))
			break;
		if (t[i] == ':')
			return true;
	}
	return false;
}

static bool is_v4_mapped(const uint8_t a[16])
{
	static const uint8_t prefix[12] = { [10] = 0xff, [11] = 0xff };

	return !memcmp(a, prefix, sizeof(prefix));
}

static bool host_bits_clear(const uint8_t a[16], unsigned int prefixlen)
{
	for (unsigned int b = prefixlen; b < 128; b++) {
		if (a[b / 8] & (0x80 >> (b % 8)))
			return false;
	}
	return true;
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && !strcmp(s + n - m, suffix);
}

static bool has_control(const char *s)
{
	for (; *s; s++) {
		if ((unsigned char)*s < 0x20 && *s != '\t')
			return true;
		if (*s == 0x7f)
			return true;
	}
	return false;
}

/* A stored path: normalised, absolute, or (with vars) starting with exactly one variable. */
static void check_path(const char *s, bool vars)
{
	const char *rest = s;
	size_t len;

	CHECK(s);
	len = strlen(s);
	if (vars && !strncmp(s, "${source}", 9))
		rest = s + 9;
	else if (vars && !strncmp(s, "${scratch}", 10))
		rest = s + 10;
	else
		CHECK(s[0] == '/');
	CHECK(!*rest || rest[0] == '/');
	CHECK(!strstr(s, "//"));
	CHECK(!strstr(rest, "/./") && !strstr(rest, "/../"));
	CHECK(!ends_with(rest, "/.") && !ends_with(rest, "/.."));
	CHECK(!strcmp(s, "/") || s[len - 1] != '/');
	CHECK(!strstr(rest, "${"));
	CHECK(!has_control(s));
}

static bool name_ok(const char *s)
{
	size_t len = strnlen(s, POLICY_NAME_MAX);

	if (!len || len >= POLICY_NAME_MAX || !strcmp(s, ".") || !strcmp(s, ".."))
		return false;
	for (size_t i = 0; i < len; i++) {
		char c = s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '_' || c == '.' || c == '-'))
			return false;
	}
	return true;
}

static void check_unix_names(const struct lines *l, const struct policy_broker_unix *u, size_t n)
{
	struct policy_loc prev = { 0, 0 };

	for (size_t i = 0; i < n; i++) {
		size_t avail;
		const char *raw = token_at(l, u[i].loc, &avail);
		bool at = raw[0] == '@' || (raw[0] == '"' && avail > 1 && raw[1] == '@');

		check_loc_order(&prev, u[i].loc);
		CHECK(u[i].path);
		CHECK(u[i].abstract == at);
		if (u[i].abstract) {
			size_t len = strlen(u[i].path);

			CHECK(len >= 1 && len <= ABSTRACT_NAME_MAX);
			CHECK(!has_control(u[i].path));
		} else {
			check_path(u[i].path, false);
		}
	}
}

/* Reference policy_expand for a parsed path: value + rest, "//" collapsed, no trailing '/'. */
static int ref_expand(const char *raw, const struct policy_vars *vars, char *out,
		      const char **unbound)
{
	const char *val = "", *rest = raw, *name = NULL;
	size_t o = 0;

	if (!strncmp(raw, "${source}", 9)) {
		name = "source";
		val = vars ? vars->source : NULL;
		rest = raw + 9;
	} else if (!strncmp(raw, "${scratch}", 10)) {
		name = "scratch";
		val = vars ? vars->scratch : NULL;
		rest = raw + 10;
	}
	if (!val) {
		*unbound = name;
		return -ENOENT;
	}
	/* An empty or relative value would turn "${source}/lib" into another absolute path. */
	if (name && val[0] != '/')
		return -EINVAL;
	for (const char *parts[2] = { val, rest }, **pp = parts; pp < parts + 2; pp++) {
		for (const char *c = *pp; *c; c++) {
			if (*c == '/' && o && out[o - 1] == '/')
				continue;
			out[o++] = *c;
		}
	}
	if (o > 1 && out[o - 1] == '/')
		o--;
	out[o] = '\0';
	return 0;
}

/* policy_expand into a heap buffer of exactly outlen bytes, so ASan sees any overrun. */
static int expand_exact(const char *raw, const struct policy_vars *vars, size_t outlen, char *copy,
			const char **unbound)
{
	char *out = outlen ? malloc(outlen) : NULL;
	int ret;

	CHECK(!outlen || out);
	ret = policy_expand(raw, vars, out, outlen, unbound);
	if (!ret) {
		CHECK(strnlen(out, outlen) < outlen);
		strcpy(copy, out);
	}
	free(out);
	return ret;
}

/* With edges, also the buffer sizes around the result's length (each one a malloc: not always). */
static void check_expand(const char *raw, const struct policy_vars *vars, bool edges)
{
	static char want[EXPAND_MAX], got[EXPAND_MAX];
	const char *want_unbound = NULL, *unbound = (const char *)1;
	int want_ret = ref_expand(raw, vars, want, &want_unbound), ret;
	size_t len;

	ret = policy_expand(raw, vars, got, sizeof(got), &unbound);
	CHECK(ret == want_ret);
	if (ret) {
		CHECK(ret == -EINVAL ? !unbound : unbound && !strcmp(unbound, want_unbound));
		return;
	}
	CHECK(!unbound);
	CHECK(!strcmp(got, want));
	CHECK(got[0] == '/' && !strstr(got, "//") && !strstr(got, "${"));
	CHECK(!strcmp(got, "/") || got[strlen(got) - 1] != '/');
	if (!edges)
		return;

	/* Room for the result and its NUL is enough, give or take the trailing '/' it drops. */
	len = strlen(want);
	CHECK(expand_exact(raw, vars, len + 2, got, &unbound) == 0 && !strcmp(got, want));
	ret = expand_exact(raw, vars, len + 1, got, &unbound);
	CHECK(ret == -ENAMETOOLONG || (!ret && !strcmp(got, want)));
	CHECK(expand_exact(raw, vars, len, got, &unbound) == -ENAMETOOLONG);
	CHECK(expand_exact(raw, vars, 0, got, &unbound) == -ENAMETOOLONG);
}

static const struct policy_vars var_sets[] = {
	{ "/srv/fn/src", "/tmp/scratch/" }, /* a value ending in '/' must not give "//" */
	{ "/", "/" },
	{ NULL, "/tmp/s" },
	{ "", "tmp/s" },
	{ NULL, NULL },
};

static void check_policy(const struct policy *p, const struct lines *l, const char *file)
{
	struct policy_loc prev = { 0, 0 };

	CHECK(p->file && !strcmp(p->file, file));
	CHECK(name_ok(p->name));
	CHECK(p->mode == POLICY_MODE_ENFORCE || p->mode == POLICY_MODE_AUDIT);
	CHECK(p->connect_allow == 0 || p->connect_allow == 1);
	CHECK(!(p->families >> AF_MAX));
	if (!p->families_set)
		CHECK(p->families == 1ULL << AF_UNIX);
	for (int f = 0; f < AF_MAX; f++) {
		if (p->families & (1ULL << f))
			CHECK(policy_family_name(f));
	}
	CHECK(!(p->syscalls_permit & ~SYSCALLS_ALL));

	CHECK(p->n_allow <= ALLOW_MAX && (!p->n_allow || p->allow));
	CHECK(p->n_broker_unix <= BROKER_UNIX_MAX && (!p->n_broker_unix || p->broker_unix));
	CHECK(p->n_broker_tcp <= BROKER_TCP_MAX && (!p->n_broker_tcp || p->broker_tcp));
	CHECK(p->n_paths <= PATHS_MAX && (!p->n_paths || p->paths));
	CHECK(p->n_unix_allow <= UNIX_ALLOW_MAX && (!p->n_unix_allow || p->unix_allow));

	for (size_t i = 0; i < p->n_allow; i++) {
		const struct policy_net_rule *r = &p->allow[i];
		size_t avail;
		const char *raw = token_at(l, r->loc, &avail);

		check_loc_order(&prev, r->loc);
		CHECK(r->prefixlen <= 128);
		CHECK(r->proto == 0 || r->proto == IPPROTO_TCP || r->proto == IPPROTO_UDP);
		CHECK(host_bits_clear(r->addr, r->prefixlen));
		if (!raw_has_colon(raw, avail))
			CHECK(is_v4_mapped(r->addr) && r->prefixlen >= 96);
	}

	prev = (struct policy_loc){ 0, 0 };
	for (size_t i = 0; i < p->n_broker_tcp; i++) {
		const struct policy_broker_tcp *b = &p->broker_tcp[i];
		size_t avail;
		const char *raw = token_at(l, b->loc, &avail);
		bool bracket = raw[0] == '[' || (raw[0] == '"' && avail > 1 && raw[1] == '[');

		check_loc_order(&prev, b->loc);
		CHECK(b->port != 0);
		if (!bracket)
			CHECK(is_v4_mapped(b->addr));
	}

	check_unix_names(l, p->broker_unix, p->n_broker_unix);
	check_unix_names(l, p->unix_allow, p->n_unix_allow);

	prev = (struct policy_loc){ 0, 0 };
	for (size_t i = 0; i < p->n_paths; i++) {
		const struct policy_path *pp = &p->paths[i];
		size_t avail;

		token_at(l, pp->loc, &avail);
		/* Several paths on one line share nothing but the line; each has its own column. */
		check_loc_order(&prev, pp->loc);
		CHECK(pp->perm == POLICY_PERM_READ || pp->perm == POLICY_PERM_WRITE ||
		      pp->perm == POLICY_PERM_EXEC || pp->perm == POLICY_PERM_MAP ||
		      pp->perm == POLICY_PERM_DENY);
		check_path(pp->path, true);
		/* Paths past the first few add time, not coverage. */
		if (i >= EXPAND_PATHS)
			continue;
		for (size_t v = 0; v < sizeof(var_sets) / sizeof(var_sets[0]); v++)
			check_expand(pp->path, &var_sets[v], v == 0 && i < EXPAND_EDGE_PATHS);
		check_expand(pp->path, NULL, false);
	}
}

static bool loc_eq(struct policy_loc a, struct policy_loc b)
{
	return a.line == b.line && a.col == b.col;
}

static bool unix_eq(const struct policy_broker_unix *a, const struct policy_broker_unix *b,
		    size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (strcmp(a[i].path, b[i].path) || a[i].abstract != b[i].abstract ||
		    !loc_eq(a[i].loc, b[i].loc))
			return false;
	}
	return true;
}

/* Two parses of the same text (under different file names) give the same policy. */
static void check_same(const struct policy *a, const struct policy *b)
{
	CHECK(!strcmp(a->name, b->name) && a->mode == b->mode &&
	      a->connect_allow == b->connect_allow && a->families == b->families &&
	      a->families_set == b->families_set && a->syscalls_permit == b->syscalls_permit);
	CHECK(a->n_allow == b->n_allow && a->n_broker_unix == b->n_broker_unix &&
	      a->n_broker_tcp == b->n_broker_tcp && a->n_paths == b->n_paths &&
	      a->n_unix_allow == b->n_unix_allow);
	for (size_t i = 0; i < a->n_allow; i++) {
		const struct policy_net_rule *x = &a->allow[i], *y = &b->allow[i];

		CHECK(!memcmp(x->addr, y->addr, 16) && x->prefixlen == y->prefixlen &&
		      x->proto == y->proto && x->port == y->port && loc_eq(x->loc, y->loc));
	}
	for (size_t i = 0; i < a->n_broker_tcp; i++) {
		const struct policy_broker_tcp *x = &a->broker_tcp[i], *y = &b->broker_tcp[i];

		CHECK(!memcmp(x->addr, y->addr, 16) && x->port == y->port &&
		      loc_eq(x->loc, y->loc));
	}
	for (size_t i = 0; i < a->n_paths; i++) {
		const struct policy_path *x = &a->paths[i], *y = &b->paths[i];

		CHECK(!strcmp(x->path, y->path) && x->perm == y->perm && loc_eq(x->loc, y->loc));
	}
	CHECK(unix_eq(a->broker_unix, b->broker_unix, a->n_broker_unix));
	CHECK(unix_eq(a->unix_allow, b->unix_allow, a->n_unix_allow));
}

static bool is_zero(const void *p, size_t len)
{
	const unsigned char *b = p;

	for (size_t i = 0; i < len; i++) {
		if (b[i])
			return false;
	}
	return true;
}

/* Decimal without sign or leading zero, as "%u" prints it; advances *s past it. */
static bool read_uint(const char **s, unsigned long *v)
{
	const char *c = *s;

	if (*c < '0' || *c > '9' || (c[0] == '0' && c[1] >= '0' && c[1] <= '9'))
		return false;
	*v = 0;
	for (; *c >= '0' && *c <= '9'; c++) {
		*v = *v * 10 + (*c - '0');
		if (*v > UINT_MAX)
			return false;
	}
	*s = c;
	return true;
}

/* Strict UTF-8 (no overlong forms, no surrogates), as a JSON reader of `bpfence --json` wants. */
static bool utf8_valid(const unsigned char *s, size_t n)
{
	for (size_t i = 0; i < n;) {
		unsigned char c = s[i];
		size_t k;
		uint32_t cp;

		if (c < 0x80) {
			i++;
			continue;
		} else if (c >= 0xc2 && c <= 0xdf) {
			k = 1;
			cp = c & 0x1f;
		} else if (c >= 0xe0 && c <= 0xef) {
			k = 2;
			cp = c & 0x0f;
		} else if (c >= 0xf0 && c <= 0xf4) {
			k = 3;
			cp = c & 0x07;
		} else {
			return false;
		}
		if (i + k >= n)
			return false;
		for (size_t j = 1; j <= k; j++) {
			if ((s[i + j] & 0xc0) != 0x80)
				return false;
			cp = cp << 6 | (s[i + j] & 0x3f);
		}
		if ((k == 2 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
		    (k == 3 && (cp < 0x10000 || cp > 0x10ffff)))
			return false;
		i += k + 1;
	}
	return true;
}

/*
 * A failed parse: *p is empty, and err is one printable line "FILE:LINE:COL: message" (syntax) or
 * "FILE: message" (no line to point at), whose LINE and COL lie inside the input. Returns LINE (0
 * for the FILE: form).
 */
static unsigned long check_failure(int ret, const struct policy *p, const char *err, size_t errlen,
				   const char *file, const struct lines *l, bool text_utf8)
{
	size_t flen = strlen(file), elen = strnlen(err, errlen);
	const char *s = err + flen + 1;
	unsigned long line, col;

	CHECK(ret < 0);
	CHECK(is_zero(p, sizeof(*p)));
	CHECK(elen < errlen);
	/* Short file names leave room: a message that fills the buffer was cut off. */
	CHECK(elen + 1 < errlen);
	for (size_t i = 0; i < elen; i++)
		CHECK((unsigned char)err[i] >= 0x20 && err[i] != 0x7f);
	CHECK(!strncmp(err, file, flen) && err[flen] == ':');
	if (text_utf8)
		CHECK(utf8_valid((const unsigned char *)err, elen));

	if (ret == -ENOMEM || ret == -EFBIG) {
		CHECK(s[0] == ' ' && s[1]);
		return 0;
	}
	CHECK(ret == -EINVAL);
	CHECK(read_uint(&s, &line) && *s++ == ':');
	CHECK(read_uint(&s, &col) && *s++ == ':');
	CHECK(s[0] == ' ' && s[1] && s[1] != ' ');
	CHECK(line >= 1 && col >= 1);
	if (!l->n) {
		/* Only the name is left to fail on for a file without lines. */
		CHECK(line == 1 && col == 1);
	} else {
		CHECK(line <= l->n);
		CHECK(col <= l->len[line - 1] + 1);
	}
	return line;
}

/* The same failure with a smaller buffer is a prefix of it; without a buffer nothing breaks. */
static void check_small_err(const char *text, const char *full, int want, size_t errlen)
{
	struct policy p;
	char *err = malloc(errlen);

	CHECK(err);
	CHECK(policy_parse_string(FILE_NAME, text, &p, err, errlen) == want);
	CHECK(strlen(err) == errlen - 1 || !strcmp(err, full));
	CHECK(!strncmp(err, full, errlen - 1));
	free(err);
	CHECK(policy_parse_string(FILE_NAME, text, &p, NULL, POLICY_ERR_MAX) == want);
	CHECK(is_zero(&p, sizeof(p)));
}

static bool nameless_error(const char *err)
{
	static const char want[] = NAMELESS_FILE ":1:1: file name gives no valid policy name";

	return !strncmp(err, want, sizeof(want) - 1);
}

/* Whatever names the file, an explicit name = wins, and nothing else changes. */
static void check_nameless(const char *text, const struct policy *p)
{
	struct policy q;
	char err[POLICY_ERR_MAX];
	int ret = policy_parse_string(NAMELESS_FILE, text, &q, err, sizeof(err));

	if (ret) {
		CHECK(ret == -EINVAL && nameless_error(err) && is_zero(&q, sizeof(q)));
		CHECK(!strcmp(p->name, DEFAULT_NAME));
		return;
	}
	CHECK(!strcmp(q.file, NAMELESS_FILE));
	check_same(p, &q);
	policy_free(&q);
}

static int memfd = -1;

/* ":LINE:COL: message" of an error the parser finds only after the whole text. */
static bool after_text(const char *s)
{
	static const char names[] = "names need connect = deny:";
	unsigned long v;

	s++;
	if (!read_uint(&s, &v) || *s++ != ':' || !read_uint(&s, &v) || *s++ != ':' || *s++ != ' ')
		return false;
	return !strncmp(s, names, sizeof(names) - 1);
}

/*
 * The whole input, NULs included, through policy_parse_file(): the lines before the first NUL
 * read the same as in the string, and the NUL's line is refused (a NUL or a control character
 * before it, or the line's length).
 */
static void check_file_with_nul(const uint8_t *data, size_t size, const char *text, int sret,
				const char *serr, unsigned long sline)
{
	char file[64], err[POLICY_ERR_MAX];
	struct policy p;
	struct lines l;
	unsigned long nul_line = 1, line;
	size_t flen, slen = strlen(FILE_NAME);
	int ret;

	if (memfd < 0)
		return;
	CHECK(ftruncate(memfd, 0) == 0);
	CHECK(pwrite(memfd, data, size, 0) == (ssize_t)size);
	snprintf(file, sizeof(file), "/proc/self/fd/%d", memfd);
	flen = strlen(file);
	for (const char *c = text; *c; c++)
		nul_line += *c == '\n';

	memset(&p, 0xa5, sizeof(p));
	ret = policy_parse_file(file, &p, err, sizeof(err));
	lines_init(&l, (const char *)data, size);
	line = check_failure(ret, &p, err, sizeof(err), file, &l, false);
	lines_free(&l);
	/* Names with connect = allow are refused after the whole text, at the first name: the
	 * file's text goes on to the NUL's line, refused first. */
	if (sret && sline < nul_line && !after_text(serr + slen)) {
		CHECK(ret == sret && !strcmp(err + flen, serr + slen));
	} else {
		CHECK(line == nul_line);
	}
}

static void check_families(const uint8_t *data, size_t size)
{
	const uint8_t *nul = memchr(data, 0, size);
	char name[33];
	size_t n = 0;
	int fam;

	/* After a NUL the bytes are the parser's blind spot; otherwise take the first word. */
	if (nul) {
		size = data + size - (nul + 1);
		data = nul + 1;
	}
	for (; n < size && n < sizeof(name) - 1; n++) {
		if (!nul && (is_blank(data[n]) || data[n] == '\n'))
			break;
		name[n] = data[n];
	}
	name[n] = '\0';
	fam = policy_family_by_name(name);
	if (fam < 0) {
		CHECK(fam == -1);
		return;
	}
	CHECK(fam < AF_MAX && policy_family_name(fam));
	CHECK(policy_family_by_name(policy_family_name(fam)) == fam);
	CHECK(!strcmp(policy_family_name(fam), name) || !strcmp(name, "local") ||
	      !strcmp(name, "route"));
}

/* policy_expand() on raw bytes the parser never vetted: no overrun, a terminated result. */
static void check_expand_raw(const char *text)
{
	static const struct policy_vars vars = { "/srv/fn/", "/tmp/x" };
	size_t outlen = 1 + strlen(text) % 64;
	char got[EXPAND_MAX];
	const char *unbound;
	char raw[256];

	snprintf(raw, sizeof(raw), "%s", text);
	expand_exact(raw, &vars, outlen, got, &unbound);
	expand_exact(raw, NULL, outlen, got, &unbound);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	/* Every family number with a name maps back to itself. */
	for (int f = -2; f < AF_MAX + 2; f++) {
		const char *name = policy_family_name(f);

		if (name)
			CHECK(f >= 0 && f < AF_MAX && policy_family_by_name(name) == f);
	}
	CHECK(policy_family_by_name(NULL) == -1);
	memfd = memfd_create("fuzz.policy", MFD_CLOEXEC);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char err[POLICY_ERR_MAX];
	const uint8_t *nul = memchr(data, 0, size);
	size_t tlen = nul ? (size_t)(nul - data) : size;
	char *text = malloc(tlen + 1);
	struct policy p;
	struct lines l;
	bool utf8;
	int ret;

	CHECK(text);
	memcpy(text, data, tlen);
	text[tlen] = '\0';
	lines_init(&l, text, tlen);
	utf8 = utf8_valid((const unsigned char *)text, tlen);

	memset(&p, 0xa5, sizeof(p));
	memset(err, 'X', sizeof(err));
	ret = policy_parse_string(FILE_NAME, text, &p, err, sizeof(err));
	if (!ret) {
		/* Only the first byte emptied: no error message was made and then dropped. */
		CHECK(err[0] == '\0');
		for (size_t i = 1; i < sizeof(err); i++)
			CHECK(err[i] == 'X');
		check_policy(&p, &l, FILE_NAME);
		check_nameless(text, &p);
		policy_free(&p);
		CHECK(is_zero(&p, sizeof(p)));
		if (nul)
			check_file_with_nul(data, size, text, 0, NULL, 0);
	} else {
		unsigned long line = check_failure(ret, &p, err, sizeof(err), FILE_NAME, &l, utf8);

		/* Two more parses of the same text: on a quarter of the inputs, for speed. */
		if (size % 4 == 0)
			check_small_err(text, err, ret, 1 + size / 4 % 48);
		if (nul)
			check_file_with_nul(data, size, text, ret, err, line);
	}

	check_families(data, size);
	check_expand_raw(text);
	lines_free(&l);
	free(text);
	return 0;
}
