/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Unit tests for loader/policy.c, for the audit record renderer of loader/events.c, for the
 * lexical reading of [files] (loader/marks.c: policy check's warnings), and for what `bpfence
 * policy learn` builds on: loader/json.c, loader/learn.c and loader/merge.c.
 *
 *   test_policy DATA_DIR [REPO_ROOT]
 *
 * DATA_DIR is tests/data/policies: every good/NAME.policy must parse, every bad/NAME.policy must
 * fail with exactly the message in bad/NAME.err (written relative to bad/, so the expected
 * message is "DATA_DIR/bad/" followed by the file's one line). REPO_ROOT, when given, is where
 * policies/function.policy and policies/examples/ are checked from.
 *
 * Prints one line per failed check and a final "N passed, N failed"; exits 1 on any failure.
 */
#include "policy.h"
#include "libbpfence.h"
#include "json.h"
#include "learn.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <bpf/bpf.h>

#include "check.h"

#define MEM "mem.policy"

static bool is_zero(const void *p, size_t len)
{
	const unsigned char *b = p;

	for (size_t i = 0; i < len; i++) {
		if (b[i])
			return false;
	}
	return true;
}

/* Properties every successfully parsed policy has, whatever its text. */
static void check_invariants(const char *what, const struct policy *p)
{
	size_t nlen = strnlen(p->name, POLICY_NAME_MAX);
	struct check_results before = res;

	CHECK(p->file != NULL, "%s: file not recorded", what);
	CHECK(nlen > 0 && nlen < POLICY_NAME_MAX, "%s: bad name length %zu", what, nlen);
	CHECK(p->mode == POLICY_MODE_ENFORCE || p->mode == POLICY_MODE_AUDIT, "%s: mode %d", what,
	      p->mode);
	CHECK(p->families != 0 || p->families_set, "%s: no families without a families line",
	      what);
	for (size_t i = 0; i < p->n_paths; i++) {
		const struct policy_path *pp = &p->paths[i];
		size_t len = strlen(pp->path);

		CHECK(pp->path[0] == '/' || !strncmp(pp->path, "${source}", 9) ||
		      !strncmp(pp->path, "${scratch}", 10), "%s: path '%s' not absolute", what,
		      pp->path);
		CHECK(!strstr(pp->path, "//") && (len == 1 || pp->path[len - 1] != '/'),
		      "%s: path '%s' not normalised", what, pp->path);
		CHECK(pp->perm == POLICY_PERM_READ || pp->perm == POLICY_PERM_WRITE ||
			      pp->perm == POLICY_PERM_EXEC || pp->perm == POLICY_PERM_MAP ||
			      pp->perm == POLICY_PERM_DENY,
		      "%s: path '%s' perm %u", what, pp->path, pp->perm);
		CHECK(pp->loc.line > 0 && pp->loc.col > 0, "%s: path '%s' has no location", what,
		      pp->path);
	}
	for (size_t i = 0; i < p->n_allow; i++) {
		const struct policy_net_rule *r = &p->allow[i];

		CHECK(r->prefixlen <= 128, "%s: allow %zu prefixlen %u", what, i, r->prefixlen);
		CHECK(r->proto == 0 || r->proto == IPPROTO_TCP || r->proto == IPPROTO_UDP,
		      "%s: allow %zu proto %u", what, i, r->proto);
	}
	for (size_t i = 0; i < p->n_allow_names + p->n_deny_names; i++) {
		bool deny = i >= p->n_allow_names;
		const struct policy_net_name *r = deny ? &p->deny_names[i - p->n_allow_names] :
							 &p->allow_names[i];
		size_t len = strnlen(r->name, sizeof(r->name));
		bool lower = true;

		for (size_t k = 0; k < len; k++)
			lower &= !(r->name[k] >= 'A' && r->name[k] <= 'Z') && r->name[k] != '*';
		CHECK(len > 0 && len <= POLICY_DNS_NAME_MAX && r->name[len - 1] != '.' && lower,
		      "%s: name %zu '%.*s' not normalised", what, i, (int)len, r->name);
		CHECK(r->proto == 0 ||
			      (!deny && (r->proto == IPPROTO_TCP || r->proto == IPPROTO_UDP)),
		      "%s: name %zu proto %u", what, i, r->proto);
		CHECK(!deny || !r->port, "%s: deny name %zu has a port", what, i);
		CHECK(r->loc.line > 0 && r->loc.col > 0, "%s: name %zu has no location", what, i);
	}
	CHECK(p->n_allow_names + p->n_deny_names <= POLICY_NAMES_MAX, "%s: %zu names", what,
	      p->n_allow_names + p->n_deny_names);
	CHECK(!p->connect_allow || !(p->n_allow_names + p->n_deny_names),
	      "%s: names with connect = allow", what);
	for (size_t i = 0; i < p->n_broker_tcp; i++)
		CHECK(p->broker_tcp[i].port != 0, "%s: broker tcp %zu port 0", what, i);
	for (size_t i = 0; i < p->n_broker_unix; i++)
		CHECK(p->broker_unix[i].path && p->broker_unix[i].path[0],
		      "%s: broker unix %zu empty", what, i);
	/* One check per policy, however many paths it has. */
	res.passed = before.passed + (res.failed == before.failed);
}

/* Properties of every failed parse: nothing returned, and one line of message about file. */
static void check_failure(const char *what, const char *file, int ret, const struct policy *p,
			  const char *err)
{
	size_t flen = strlen(file);

	CHECK(ret < 0, "%s: returned %d", what, ret);
	CHECK(is_zero(p, sizeof(*p)), "%s: policy not left zeroed after failure", what);
	CHECK(!strchr(err, '\n'), "%s: message has a newline: %s", what, err);
	CHECK(!strncmp(err, file, flen) && err[flen] == ':', "%s: message not about '%s': %s",
	      what, file, err);
}

static int parse_mem(const char *text, struct policy *p, char *err)
{
	int ret = policy_parse_string(MEM, text, p, err, POLICY_ERR_MAX);

	if (ret)
		check_failure("mem", MEM, ret, p, err);
	else
		check_invariants(MEM, p);
	return ret;
}

static bool parse_ok(int line, const char *text, struct policy *p)
{
	char err[POLICY_ERR_MAX];
	int ret = parse_mem(text, p, err);

	return check(ret == 0, line, "parse_ok", "%d: %s\n---\n%s\n---", ret, err, text);
}

/* expect is "LINE:COL: message"; the file name MEM is prepended. */
static void parse_bad(int line, const char *text, const char *expect)
{
	char err[POLICY_ERR_MAX], want[POLICY_ERR_MAX + 16];
	struct policy p;
	int ret = parse_mem(text, &p, err);

	snprintf(want, sizeof(want), MEM ":%s", expect);
	check(ret == -EINVAL, line, "ret == -EINVAL", "returned %d for\n---\n%s\n---", ret, text);
	check(!strcmp(err, want), line, "message", "\n  got:  %s\n  want: %s", err, want);
	if (!ret)
		policy_free(&p);
}

#define PARSE_OK(text, p) parse_ok(__LINE__, (text), (p))
#define PARSE_BAD(text, expect) parse_bad(__LINE__, (text), (expect))

static char *read_text(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf = NULL;
	size_t cap = 0;
	ssize_t n;

	if (!f)
		return NULL;
	n = getdelim(&buf, &cap, '\0', f);
	fclose(f);
	if (n < 0) {
		free(buf);
		return NULL;
	}
	return buf;
}

static char *__attribute__((format(printf, 1, 2))) xprintf(const char *fmt, ...)
{
	va_list ap;
	char *s;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	s = n < 0 ? NULL : malloc(n + 1);
	if (!s) {
		fprintf(stderr, "out of memory\n");
		exit(2);
	}
	va_start(ap, fmt);
	vsnprintf(s, n + 1, fmt, ap);
	va_end(ap);
	return s;
}

static char *join(const char *a, const char *b)
{
	return xprintf("%s/%s", a, b);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Sorted names in dir ending with suffix; NULL-terminated. */
static char **list_dir(const char *dir, const char *suffix, size_t *n)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	char **names = NULL;
	size_t slen = strlen(suffix);

	*n = 0;
	if (!d)
		return NULL;
	while ((de = readdir(d))) {
		size_t len = strlen(de->d_name);

		if (len <= slen || strcmp(de->d_name + len - slen, suffix))
			continue;
		names = realloc(names, (*n + 2) * sizeof(*names));
		if (!names || !(names[*n] = strdup(de->d_name))) {
			fprintf(stderr, "out of memory\n");
			exit(2);
		}
		names[++*n] = NULL;
	}
	closedir(d);
	if (names)
		qsort(names, *n, sizeof(*names), cmp_str);
	return names;
}

static void free_list(char **names)
{
	for (size_t i = 0; names && names[i]; i++)
		free(names[i]);
	free(names);
}

/* Every byte of text changed one at a time, and every prefix of it: the parser may accept or
 * refuse each, but must not crash, leak, or break its promises about *p and the message. */
static void mutate(const char *file, const char *text)
{
	size_t len = strlen(text);
	char *buf = malloc(len + 1);
	static const char subst[] = { ' ', '\t', '#', '[', ']', '=', '"', '\\', '$', '{', '}', '/',
				       '.', ':', '@', 'x', '0', '\r', '\n', '\x01', '\xc3' };
	struct check_results before;
	unsigned int bad = 0;

	if (!buf)
		exit(2);
	/* Count the whole run as one check, or the total would be all mutations. */
	before = res;
	for (size_t i = 0; i <= len; i++) {
		for (size_t k = 0; k <= sizeof(subst); k++) {
			char err[POLICY_ERR_MAX];
			struct policy p;
			int ret;

			memcpy(buf, text, len + 1);
			if (k == sizeof(subst))
				buf[i] = '\0'; /* prefix */
			else if (i < len)
				buf[i] = subst[k];
			else
				continue;
			ret = policy_parse_string(file, buf, &p, err, sizeof(err));
			if (ret) {
				bool ok = ret == -EINVAL && is_zero(&p, sizeof(p)) &&
					  !strchr(err, '\n') && !strncmp(err, file, strlen(file));

				bad += !ok;
			} else {
				check_invariants("mutated", &p);
				policy_free(&p);
			}
		}
	}
	res.passed = before.passed;
	CHECK(bad == 0 && res.failed == before.failed,
	      "%s: %u mutations broke the failure contract", file, bad);
	free(buf);
}

static void test_good_dir(const char *data)
{
	char *dir = join(data, "good");
	size_t n;
	char **names = list_dir(dir, ".policy", &n);

	CHECK(n >= 5, "%s: only %zu good policies", dir, n);
	for (size_t i = 0; i < n; i++) {
		char *path = join(dir, names[i]);
		char err[POLICY_ERR_MAX] = "x";
		struct policy p;
		int ret = policy_parse_file(path, &p, err, sizeof(err));
		char *text;

		if (CHECK(ret == 0, "%s: %d: %s", path, ret, err)) {
			CHECK(err[0] == '\0', "%s: message on success: %s", path, err);
			CHECK(!strcmp(p.file, path), "%s: file recorded as %s", path, p.file);
			check_invariants(path, &p);
			policy_free(&p);
			CHECK(is_zero(&p, sizeof(p)), "%s: not zeroed by policy_free", path);
		}
		text = read_text(path);
		if (text)
			mutate(path, text);
		free(text);
		free(path);
	}
	free_list(names);
	free(dir);
}

static void test_bad_dir(const char *data)
{
	char *dir = join(data, "bad");
	size_t n, nerr;
	char **names = list_dir(dir, ".policy", &n);
	char **errs = list_dir(dir, ".err", &nerr);

	CHECK(n >= 40, "%s: only %zu bad policies", dir, n);
	CHECK(n == nerr, "%s: %zu .policy files but %zu .err files", dir, n, nerr);
	for (size_t i = 0; i < n; i++) {
		size_t base = strlen(names[i]) - strlen(".policy");
		char *path = join(dir, names[i]);
		char *errname, *errpath, *want, *text, *nl;
		char err[POLICY_ERR_MAX];
		struct policy p;
		int ret;

		errname = xprintf("%.*s.err", (int)base, names[i]);
		errpath = join(dir, errname);
		text = read_text(errpath);
		if (!CHECK(text != NULL, "%s: missing", errpath))
			goto next;
		nl = strchr(text, '\n');
		CHECK(!nl || !nl[1], "%s: more than one line", errpath);
		if (nl)
			*nl = '\0';
		want = join(dir, text);
		free(text);

		ret = policy_parse_file(path, &p, err, sizeof(err));
		CHECK(ret == -EINVAL, "%s: returned %d", path, ret);
		check_failure(path, path, ret, &p, err);
		CHECK(!strcmp(err, want), "%s:\n  got:  %s\n  want: %s", path, err, want);
		if (!ret)
			policy_free(&p);
		free(want);
next:
		free(errpath);
		free(errname);
		free(path);
	}
	free_list(names);
	free_list(errs);
	free(dir);
}

static void addr_of(const char *text, uint8_t out[16])
{
	struct in_addr a4;

	if (inet_pton(AF_INET6, text, out) == 1)
		return;
	if (inet_pton(AF_INET, text, &a4) != 1) {
		fprintf(stderr, "bad test address %s\n", text);
		exit(2);
	}
	memset(out, 0, 10);
	out[10] = out[11] = 0xff;
	memcpy(out + 12, &a4, 4);
}

static void check_rule(int line, const struct policy_net_rule *r, const char *addr,
		       unsigned int plen, unsigned int proto, unsigned int port, unsigned int lline,
		       unsigned int lcol)
{
	uint8_t want[16];

	addr_of(addr, want);
	check(!memcmp(r->addr, want, 16), line, "addr", "allow address is not %s", addr);
	check(r->prefixlen == plen, line, "prefixlen", "%u, want %u", r->prefixlen, plen);
	check(r->proto == proto, line, "proto", "%u, want %u", r->proto, proto);
	check(r->port == port, line, "port", "%u, want %u", r->port, port);
	check(r->loc.line == lline && r->loc.col == lcol, line, "loc", "%u:%u, want %u:%u",
	      r->loc.line, r->loc.col, lline, lcol);
}

static void check_path(int line, const struct policy *p, size_t i, const char *path,
		       unsigned int perm, unsigned int lline, unsigned int lcol)
{
	const struct policy_path *pp;

	if (!check(i < p->n_paths, line, "index", "path %zu of %zu", i, p->n_paths))
		return;
	pp = &p->paths[i];
	check(!strcmp(pp->path, path), line, "path", "'%s', want '%s'", pp->path, path);
	check(pp->perm == perm, line, "perm", "%s: %u, want %u", path, pp->perm, perm);
	check(pp->loc.line == lline && pp->loc.col == lcol, line, "loc", "%s: %u:%u, want %u:%u",
	      path, pp->loc.line, pp->loc.col, lline, lcol);
}

static void check_name(int line, const struct policy_net_name *names, size_t n, size_t i,
		       const char *name, bool wildcard, unsigned int proto, unsigned int port,
		       unsigned int lline, unsigned int lcol)
{
	const struct policy_net_name *r;

	if (!check(i < n, line, "index", "name %zu of %zu", i, n))
		return;
	r = &names[i];
	check(!strcmp(r->name, name) && r->wildcard == wildcard, line, "name",
	      "'%s'%s, want '%s'%s", r->name, r->wildcard ? " (wildcard)" : "", name,
	      wildcard ? " (wildcard)" : "");
	check(r->proto == proto && r->port == port, line, "proto/port", "%s: %u %u, want %u %u",
	      name, r->proto, r->port, proto, port);
	check(r->loc.line == lline && r->loc.col == lcol, line, "loc", "%s: %u:%u, want %u:%u",
	      name, r->loc.line, r->loc.col, lline, lcol);
}

#define CHECK_RULE(r, ...) check_rule(__LINE__, (r), __VA_ARGS__)
#define CHECK_ALLOW_NAME(p, ...)                                                                   \
	check_name(__LINE__, (p)->allow_names, (p)->n_allow_names, __VA_ARGS__)
#define CHECK_DENY_NAME(p, ...)                                                                    \
	check_name(__LINE__, (p)->deny_names, (p)->n_deny_names, __VA_ARGS__)
#define CHECK_PATH(p, ...) check_path(__LINE__, (p), __VA_ARGS__)

#define R POLICY_PERM_READ
#define W POLICY_PERM_WRITE
#define X POLICY_PERM_EXEC
#define M POLICY_PERM_MAP
#define D POLICY_PERM_DENY
#define FAM(f) (1ULL << (f))

static void test_good_values(const char *data)
{
	char err[POLICY_ERR_MAX];
	struct policy p;
	uint8_t a[16];
	char *path;

	path = join(data, "good/full.policy");
	if (CHECK(!policy_parse_file(path, &p, err, sizeof(err)), "%s: %s", path, err)) {
		CHECK(!strcmp(p.name, "full-1.0_x"), "name %s", p.name);
		CHECK(p.mode == POLICY_MODE_AUDIT, "mode %d", p.mode);
		CHECK(p.connect_allow, "connect not allow");
		CHECK(p.families_set, "families_set");
		CHECK(p.families == (FAM(AF_INET) | FAM(AF_INET6) | FAM(AF_NETLINK)),
		      "families %#llx", (unsigned long long)p.families);
		if (CHECK(p.n_allow == 4, "n_allow %zu", p.n_allow)) {
			CHECK_RULE(&p.allow[0], "10.1.0.0", 112, IPPROTO_TCP, 443, 9, 9);
			CHECK_RULE(&p.allow[1], "192.168.1.7", 128, IPPROTO_UDP, 0, 10, 9);
			CHECK_RULE(&p.allow[2], "2001:db8::", 32, 0, 53, 11, 9);
			CHECK_RULE(&p.allow[3], "0.0.0.0", 96, 0, 0, 12, 11);
		}
		if (CHECK(p.n_broker_unix == 2, "n_broker_unix %zu", p.n_broker_unix)) {
			CHECK(!strcmp(p.broker_unix[0].path, "/run/runner/broker.sock") &&
			      !p.broker_unix[0].abstract, "broker unix 0: %s",
			      p.broker_unix[0].path);
			CHECK(p.broker_unix[0].loc.line == 17 && p.broker_unix[0].loc.col == 8,
			      "broker unix 0 loc %u:%u", p.broker_unix[0].loc.line,
			      p.broker_unix[0].loc.col);
			CHECK(!strcmp(p.broker_unix[1].path, "bpfence-broker") &&
			      p.broker_unix[1].abstract, "broker unix 1: %s",
			      p.broker_unix[1].path);
		}
		if (CHECK(p.n_broker_tcp == 2, "n_broker_tcp %zu", p.n_broker_tcp)) {
			addr_of("127.0.0.1", a);
			CHECK(!memcmp(p.broker_tcp[0].addr, a, 16) && p.broker_tcp[0].port == 7700,
			      "broker tcp 0 port %u", p.broker_tcp[0].port);
			CHECK(p.broker_tcp[0].loc.line == 19 && p.broker_tcp[0].loc.col == 7,
			      "broker tcp 0 loc %u:%u", p.broker_tcp[0].loc.line,
			      p.broker_tcp[0].loc.col);
			addr_of("::1", a);
			CHECK(!memcmp(p.broker_tcp[1].addr, a, 16) && p.broker_tcp[1].port == 7701,
			      "broker tcp 1 port %u", p.broker_tcp[1].port);
		}
		CHECK(p.n_paths == 5, "n_paths %zu", p.n_paths);
		CHECK_PATH(&p, 0, "/usr", R, 23, 8);
		CHECK_PATH(&p, 1, "/lib/x86_64-linux-gnu", R, 23, 13);
		CHECK_PATH(&p, 2, "${source}", R, 23, 37);
		CHECK_PATH(&p, 3, "${scratch}/out", W, 24, 9);
		CHECK_PATH(&p, 4, "/usr/bin/python3", X, 25, 8);
		policy_free(&p);
	}
	free(path);

	/* Only comments: every default. */
	path = join(data, "good/defaults.policy");
	if (CHECK(!policy_parse_file(path, &p, err, sizeof(err)), "%s: %s", path, err)) {
		CHECK(!strcmp(p.name, "defaults"), "name from file: %s", p.name);
		CHECK(p.mode == POLICY_MODE_ENFORCE, "default mode %d", p.mode);
		CHECK(!p.connect_allow, "default connect is allow");
		CHECK(p.families == FAM(AF_UNIX) && !p.families_set, "default families %#llx",
		      (unsigned long long)p.families);
		CHECK(!p.n_allow && !p.n_broker_unix && !p.n_broker_tcp && !p.n_paths,
		      "default lists not empty");
		policy_free(&p);
	}
	free(path);

	path = join(data, "good/quoted.policy");
	if (CHECK(!policy_parse_file(path, &p, err, sizeof(err)), "%s: %s", path, err)) {
		CHECK(p.n_paths == 5, "n_paths %zu", p.n_paths);
		CHECK_PATH(&p, 0, "/srv/My Documents", R, 4, 8);
		CHECK_PATH(&p, 1, "/srv/say \"hi\"/a\\b", R, 4, 28);
		CHECK_PATH(&p, 2, "/srv/#not a comment", R, 5, 8);
		CHECK_PATH(&p, 3, "${scratch}/out dir", W, 6, 9);
		CHECK_PATH(&p, 4, "/srv/a#b", R, 7, 8);
		if (CHECK(p.n_broker_unix == 1, "n_broker_unix %zu", p.n_broker_unix))
			CHECK(!strcmp(p.broker_unix[0].path, "broker with spaces") &&
			      p.broker_unix[0].abstract, "abstract '%s'", p.broker_unix[0].path);
		policy_free(&p);
	}
	free(path);

	path = join(data, "good/names.policy");
	if (CHECK(!policy_parse_file(path, &p, err, sizeof(err)), "%s: %s", path, err)) {
		CHECK(p.n_allow == 1 && p.n_allow_names == 4 && p.n_deny_names == 3,
		      "%zu allow, %zu allow names, %zu deny names", p.n_allow, p.n_allow_names,
		      p.n_deny_names);
		CHECK_ALLOW_NAME(&p, 0, "api.example.com", false, IPPROTO_TCP, 443, 6, 9);
		CHECK_ALLOW_NAME(&p, 1, "githubusercontent.com", true, IPPROTO_TCP, 443, 7, 9);
		CHECK_ALLOW_NAME(&p, 2, "api.example.com", false, IPPROTO_UDP, 53, 8, 9);
		CHECK_ALLOW_NAME(&p, 3, "xn--bcher-kva.example", false, 0, 0, 10, 9);
		CHECK_DENY_NAME(&p, 0, "evil.example.com", false, 0, 0, 11, 8);
		CHECK_DENY_NAME(&p, 1, "ads.example.com", true, 0, 0, 11, 26);
		CHECK_DENY_NAME(&p, 2, "evil.example.com", false, 0, 0, 12, 8);
		CHECK_RULE(&p.allow[0], "10.0.0.0", 104, IPPROTO_TCP, 80, 9, 9);
		policy_free(&p);
	}
	free(path);

	path = join(data, "good/families-all.policy");
	if (CHECK(!policy_parse_file(path, &p, err, sizeof(err)), "%s: %s", path, err)) {
		uint64_t all = 0;

		for (int f = 1; f < AF_MAX; f++)
			all |= FAM(f);
		CHECK(p.families == all, "families %#llx, want %#llx",
		      (unsigned long long)p.families, (unsigned long long)all);
		policy_free(&p);
	}
	free(path);
}

static void test_mem_values(void)
{
	struct policy p;
	uint8_t a[16];

	/* Sections may be reopened; families lines accumulate after replacing the default. */
	if (PARSE_OK("[network]\nfamilies = inet\n[files]\nread = /a\n[network]\n"
		     "families = inet6 local\n", &p)) {
		CHECK(p.families == (FAM(AF_INET) | FAM(AF_INET6) | FAM(AF_UNIX)),
		      "families %#llx", (unsigned long long)p.families);
		policy_free(&p);
	}
	if (PARSE_OK("[network]\nfamilies = netlink\n", &p)) {
		CHECK(p.families == FAM(AF_NETLINK), "unix not dropped: %#llx",
		      (unsigned long long)p.families);
		policy_free(&p);
	}

	/* unix_allow: paths and abstract names, repeatable; permit: syscall groups accumulate. */
	if (PARSE_OK("[network]\nunix_allow = /run/a.sock @svc\nunix_allow = /run//b.sock/\n"
		     "[syscalls]\npermit = io_uring\npermit = ptrace keyctl\n", &p)) {
		CHECK(p.n_unix_allow == 3, "n_unix_allow %zu", p.n_unix_allow);
		if (p.n_unix_allow == 3) {
			CHECK(!strcmp(p.unix_allow[0].path, "/run/a.sock") &&
				      !p.unix_allow[0].abstract, "unix_allow[0] %s",
			      p.unix_allow[0].path);
			CHECK(!strcmp(p.unix_allow[1].path, "svc") && p.unix_allow[1].abstract,
			      "unix_allow[1] %s", p.unix_allow[1].path);
			CHECK(!strcmp(p.unix_allow[2].path, "/run/b.sock"), "unix_allow[2] %s",
			      p.unix_allow[2].path);
			CHECK(p.unix_allow[1].loc.line == 2 && p.unix_allow[1].loc.col == 26,
			      "loc %u:%u", p.unix_allow[1].loc.line, p.unix_allow[1].loc.col);
		}
		CHECK(p.syscalls_permit == (POLICY_SYSCALLS_IO_URING | POLICY_SYSCALLS_PTRACE |
					    POLICY_SYSCALLS_KEYCTL),
		      "permit %#x", p.syscalls_permit);
		policy_free(&p);
	}
	if (PARSE_OK("[files]\nmap = /usr/lib\n", &p)) {
		CHECK(p.n_paths == 1 && p.paths[0].perm == POLICY_PERM_MAP, "map perm %u",
		      p.n_paths ? p.paths[0].perm : 0);
		policy_free(&p);
	}
	if (PARSE_OK("[files]\nread = /x\n", &p)) {
		CHECK(p.syscalls_permit == 0 && p.n_unix_allow == 0, "defaults %#x %zu",
		      p.syscalls_permit, p.n_unix_allow);
		policy_free(&p);
	}

	/* CRLF, tabs, comments after values, no final newline. */
	if (PARSE_OK("[policy]\r\n\tname\t=\tcrlf # c\r\n[files]\r\nread = /x#y /z # c\r\n"
		     "write=/w", &p)) {
		CHECK(!strcmp(p.name, "crlf"), "name '%s'", p.name);
		CHECK_PATH(&p, 0, "/x#y", R, 4, 8);
		CHECK_PATH(&p, 1, "/z", R, 4, 13);
		CHECK_PATH(&p, 2, "/w", W, 5, 7);
		policy_free(&p);
	}

	/* Normalisation. */
	if (PARSE_OK("[files]\nread = / // /a/ //a//b// ${source}/ ${scratch}//x/ /a$b /a$\n",
		     &p)) {
		CHECK(p.n_paths == 8, "n_paths %zu", p.n_paths);
		CHECK_PATH(&p, 0, "/", R, 2, 8);
		CHECK_PATH(&p, 1, "/", R, 2, 10);
		CHECK_PATH(&p, 2, "/a", R, 2, 13);
		CHECK_PATH(&p, 3, "/a/b", R, 2, 17);
		CHECK_PATH(&p, 4, "${source}", R, 2, 26);
		CHECK_PATH(&p, 5, "${scratch}/x", R, 2, 37);
		CHECK_PATH(&p, 6, "/a$b", R, 2, 52);
		CHECK_PATH(&p, 7, "/a$", R, 2, 57);
		policy_free(&p);
	}
	if (PARSE_OK("[files]\nread = /a/...b/.c/..d/...\n", &p)) {
		CHECK_PATH(&p, 0, "/a/...b/.c/..d/...", R, 2, 8);
		policy_free(&p);
	}

	/* Allow rules: v4-mapped storage, defaults, v6. */
	if (PARSE_OK("[network]\nallow = 10.0.0.0/8\nallow = ::ffff:10.0.0.0/104 any any\n"
		     "allow = ::/0 udp 65535\nallow = 1.2.3.4/32 tcp any\nallow = fe80::1\n"
		     "allow = 0.0.0.0/0 any 1\n", &p)) {
		if (CHECK(p.n_allow == 6, "n_allow %zu", p.n_allow)) {
			CHECK_RULE(&p.allow[0], "10.0.0.0", 104, 0, 0, 2, 9);
			CHECK_RULE(&p.allow[1], "10.0.0.0", 104, 0, 0, 3, 9);
			CHECK_RULE(&p.allow[2], "::", 0, IPPROTO_UDP, 65535, 4, 9);
			CHECK_RULE(&p.allow[3], "1.2.3.4", 128, IPPROTO_TCP, 0, 5, 9);
			CHECK_RULE(&p.allow[4], "fe80::1", 128, 0, 0, 6, 9);
			CHECK_RULE(&p.allow[5], "0.0.0.0", 96, 0, 1, 7, 9);
		}
		policy_free(&p);
	}

	/* Broker endpoints. */
	if (PARSE_OK("[broker]\nunix = //run//b.sock/\nunix = @x\ntcp = [::ffff:127.0.0.1]:1\n"
		     "tcp = 0.0.0.0:65535\n", &p)) {
		CHECK(!strcmp(p.broker_unix[0].path, "/run/b.sock") && !p.broker_unix[0].abstract,
		      "unix 0 '%s'", p.broker_unix[0].path);
		CHECK(!strcmp(p.broker_unix[1].path, "x") && p.broker_unix[1].abstract,
		      "unix 1 '%s'", p.broker_unix[1].path);
		addr_of("127.0.0.1", a);
		CHECK(!memcmp(p.broker_tcp[0].addr, a, 16) && p.broker_tcp[0].port == 1,
		      "v4-mapped broker not stored as v4");
		addr_of("0.0.0.0", a);
		CHECK(!memcmp(p.broker_tcp[1].addr, a, 16) && p.broker_tcp[1].port == 65535,
		      "tcp 1");
		policy_free(&p);
	}

	/* Names: default from the file's basename, explicit, edge lengths. */
	{
		static const struct {
			const char *file, *name;
		} cases[] = {
			{ "dir/sub/web.policy", "web" },
			{ "web", "web" },
			{ "x.conf", "x.conf" },
			{ "/abs/a.b-c_d.policy", "a.b-c_d" },
			{ ".policy", ".policy" },
		};
		char err[POLICY_ERR_MAX];

		for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
			int ret = policy_parse_string(cases[i].file, "", &p, err, sizeof(err));

			if (CHECK(!ret, "%s: %s", cases[i].file, err)) {
				CHECK(!strcmp(p.name, cases[i].name), "%s: name '%s', want '%s'",
				      cases[i].file, p.name, cases[i].name);
				CHECK(!strcmp(p.file, cases[i].file), "file '%s'", p.file);
				policy_free(&p);
			}
		}
		CHECK(policy_parse_string("a b.policy", "", &p, err, sizeof(err)) == -EINVAL &&
		      !strcmp(err, "a b.policy:1:1: file name gives no valid policy name 'a b'"
			      " (expected name = in [policy], 1-63 characters from A-Z a-z 0-9"
			      " _ . -)"), "%s", err);
		/* An explicit name makes the file name irrelevant. */
		if (CHECK(!policy_parse_string("a b.policy", "[policy]\nname = ok", &p, err,
					       sizeof(err)), "%s", err))
			policy_free(&p);
		CHECK(policy_parse_string(NULL, "", &p, err, sizeof(err)) == -EINVAL &&
		      !strncmp(err, "<string>:1:1: ", 14), "NULL file: %s", err);
		if (CHECK(!policy_parse_string(NULL, "[policy]\nname=n", &p, err, sizeof(err)),
			  "%s", err)) {
			CHECK(!strcmp(p.file, "<string>"), "file %s", p.file);
			policy_free(&p);
		}
	}
	if (PARSE_OK("[policy]\nname = "
		     "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_\n", &p)) {
		CHECK(strlen(p.name) == 63, "name length %zu", strlen(p.name));
		policy_free(&p);
	}
	if (PARSE_OK("[policy]\nname = \"quoted\"\nmode = \"audit\"\n", &p)) {
		CHECK(!strcmp(p.name, "quoted") && p.mode == POLICY_MODE_AUDIT, "quoted scalars");
		policy_free(&p);
	}
	if (PARSE_OK("[policy]\nname = ...\n", &p))
		policy_free(&p);
}

/* [limits]: sizes with binary suffixes, counts without; bounds and duplicates are errors. */
static void test_disk_limits(void)
{
	unsigned long long v = 0;
	struct policy p;

	if (PARSE_OK("[limits]\ndisk_max = 64M\ndisk_inodes = 1000\n", &p)) {
		CHECK(p.disk_max == 64ULL << 20, "disk_max %llu", p.disk_max);
		CHECK(p.disk_inodes == 1000, "disk_inodes %llu", p.disk_inodes);
		policy_free(&p);
	}
	if (PARSE_OK("[limits]\ndisk_max = 2g\n", &p)) {
		CHECK(p.disk_max == 2ULL << 30 && !p.disk_inodes, "disk_max %llu", p.disk_max);
		policy_free(&p);
	}
	if (PARSE_OK("[files]\nread = /usr\n", &p)) {
		CHECK(!p.disk_max && !p.disk_inodes, "limits set without [limits]");
		policy_free(&p);
	}
	PARSE_BAD("[limits]\ndisk_max = 10K\n", "2:12: bad disk_max '10K' (expected a size such"
		  " as 256M or 1G (at least 1M))");
	PARSE_BAD("[limits]\ndisk_max = 1X\n", "2:12: bad disk_max '1X' (expected a size such"
		  " as 256M or 1G (at least 1M))");
	PARSE_BAD("[limits]\ndisk_max = 99999999999T\n", "2:12: bad disk_max '99999999999T'"
		  " (expected a size such as 256M or 1G (at least 1M))");
	PARSE_BAD("[limits]\ndisk_inodes = 10M\n", "2:15: bad disk_inodes '10M' (expected a count"
		  " of at least 64)");
	PARSE_BAD("[limits]\ndisk_inodes = 63\n", "2:15: bad disk_inodes '63' (expected a count"
		  " of at least 64)");
	PARSE_BAD("[limits]\ndisk_max = 1G\ndisk_max = 2G\n", "3:1: duplicate key 'disk_max'"
		  " (first set on line 2)");
	PARSE_BAD("[limits]\ndisk_max = -1M\n", "2:12: bad disk_max '-1M' (expected a size such"
		  " as 256M or 1G (at least 1M))");
	CHECK(!policy_parse_size("256M", true, &v) && v == 256ULL << 20, "256M: %llu", v);
	CHECK(policy_parse_size("256M", false, &v) == -EINVAL, "a count took a suffix");
	CHECK(policy_parse_size("", true, &v) == -EINVAL, "empty size accepted");
	CHECK(policy_parse_size(" 1", true, &v) == -EINVAL, "leading blank accepted");
	/* Every malformed number, and every overflow, is refused: none may wrap or shift past 64
	 * bits (17179869184G is 2^64). */
	static const char *const bad[] = { "", "-1", "+1", "1e3", "0x10", "1 ", "1.5", "1GG", "G",
					   "99999999999999999999", "17179869184G", "16777216T" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CHECK(policy_parse_number(bad[i], true, 0, ~0ULL, &v) == -EINVAL,
		      "'%s' accepted as %llu", bad[i], v);
	CHECK(!policy_parse_number("17179869183G", true, 0, ~0ULL, &v) &&
	      v == 17179869183ULL << 30, "the largest G: %llu", v);
	CHECK(policy_parse_number("17179869183G", true, 0, LLONG_MAX, &v) == -ERANGE,
	      "past the bound accepted");
	CHECK(policy_parse_number("1023K", true, 1 << 20, LLONG_MAX, &v) == -ERANGE,
	      "below the bound accepted");
	CHECK(!policy_parse_number("0", false, 0, 5, &v) && v == 0, "0: %llu", v);
	CHECK(!policy_parse_number("18446744073709551615", false, 0, ~0ULL, &v) && v == ~0ULL,
	      "2^64 - 1: %llu", v);
}

static void test_mem_errors(void)
{
	/* Structure. */
	PARSE_BAD("name = x\n", "1:1: key 'name' outside any section"
		  " (expected a [section] header before it)");
	PARSE_BAD("\n  # c\n  read = /x\n[files]\n", "3:3: key 'read' outside any section"
		  " (expected a [section] header before it)");
	PARSE_BAD("[netwrk]\n", "1:1: unknown section '[netwrk]'"
		  " (expected [policy], [network], [broker], [files], [syscalls] or [limits])");
	PARSE_BAD("  [Files]\n", "1:3: unknown section '[Files]'"
		  " (expected [policy], [network], [broker], [files], [syscalls] or [limits])");
	PARSE_BAD("[ files ]\n", "1:1: unknown section '[ files ]'"
		  " (expected [policy], [network], [broker], [files], [syscalls] or [limits])");
	PARSE_BAD("[]\n", "1:1: unknown section '[]'"
		  " (expected [policy], [network], [broker], [files], [syscalls] or [limits])");
	PARSE_BAD("[files\n", "1:1: unterminated section header (expected '[name]')");
	/* Found by the fuzzer: the echo of a bad escape keeps a multibyte character whole. */
	{
		struct policy q;
		char err[POLICY_ERR_MAX];

		CHECK(policy_parse_string("mem.policy", "[files]\nread = \"/a\\\xc3\xa9\"\n", &q,
					  err, sizeof(err)) < 0 &&
			      strstr(err, "bad escape '\\\xc3\xa9'"),
		      "multibyte escape echo: %s", err);
	}
	PARSE_BAD("[syscalls]\npermit = io_uring mount\n", "2:19: unknown syscall group 'mount'"
		  " (expected io_uring, ptrace, perf_event_open, userfaultfd, keyctl)");
	PARSE_BAD("[syscalls]\nallow = ptrace\n", "2:1: unknown key 'allow' in [syscalls]"
		  " (expected permit; allow belongs in [network])");
	PARSE_BAD("[syscalls]\npermit =\n", "2:1: missing value for 'permit' (expected"
		  " io_uring, ptrace, perf_event_open, userfaultfd, keyctl)");
	PARSE_BAD("[network]\nunix_allow = run/x\n", "2:14: relative path 'run/x' (expected an absolute"
		  " path or @NAME)");
	PARSE_BAD("[network]\nunix_allow = /a @\n", "2:17: empty abstract socket name"
		  " (expected @NAME)");
	PARSE_BAD("[files] read = /x\n", "1:9: unexpected text after section header"
		  " (expected a # comment or the end of the line)");
	PARSE_BAD("[files]x\n", "1:8: unexpected text after section header"
		  " (expected a # comment or the end of the line)");
	PARSE_BAD("[files]\n= /x\n", "2:1: unexpected '=' (expected 'key = value', '[section]'"
		  " or a # comment)");
	PARSE_BAD("[files]\n\"read\" = /x\n", "2:1: unexpected '\"read\"' (expected"
		  " 'key = value', '[section]' or a # comment)");
	PARSE_BAD("[files]\nread /x\n", "2:6: expected '=' after key 'read'");
	PARSE_BAD("[files]\nread\n", "2:5: expected '=' after key 'read'");
	PARSE_BAD("[files]\nread: /x\n", "2:5: expected '=' after key 'read'");
	PARSE_BAD("[network]\nconect = deny\n", "2:1: unknown key 'conect' in [network]"
		  " (expected connect, allow, deny, families, unix_allow)");
	PARSE_BAD("[policy]\nConnect = deny\n", "2:1: unknown key 'Connect' in [policy]"
		  " (expected name, mode)");
	PARSE_BAD("[policy]\nconnect = deny\n", "2:1: unknown key 'connect' in [policy]"
		  " (expected name, mode; connect belongs in [network])");
	PARSE_BAD("[broker]\nread = /x\n", "2:1: unknown key 'read' in [broker]"
		  " (expected unix, tcp; read belongs in [files])");
	PARSE_BAD("[files]\nunix = /x\n", "2:1: unknown key 'unix' in [files]"
		  " (expected read, write, exec, map, deny; unix belongs in [broker])");
	PARSE_BAD("[network]\nmode = audit\n", "2:1: unknown key 'mode' in [network]"
		  " (expected connect, allow, deny, families, unix_allow;"
		  " mode belongs in [policy])");

	/* Values and tokens. */
	PARSE_BAD("[files]\nread =\n", "2:1: missing value for 'read'"
		  " (expected one or more absolute paths)");
	PARSE_BAD("[files]\n read = \t # nothing\n", "2:2: missing value for 'read'"
		  " (expected one or more absolute paths)");
	PARSE_BAD("[policy]\nname =\n", "2:1: missing value for 'name'"
		  " (expected one name of 1-63 characters from A-Z a-z 0-9 _ . -)");
	PARSE_BAD("[network]\nfamilies =\n", "2:1: missing value for 'families'"
		  " (expected address family names such as unix inet inet6)");
	PARSE_BAD("[network]\nallow = #\n", "2:1: missing value for 'allow'"
		  " (expected CIDR|NAME [tcp|udp|any] [PORT|any])");
	PARSE_BAD("[broker]\ntcp =\n", "2:1: missing value for 'tcp'"
		  " (expected one ADDR:PORT or [IPV6]:PORT)");
	PARSE_BAD("[broker]\nunix =\n", "2:1: missing value for 'unix'"
		  " (expected one absolute path or @NAME)");
	PARSE_BAD("[policy]\nmode = enforce audit\n", "2:16: extra value 'audit' for 'mode'"
		  " (expected enforce or audit)");
	PARSE_BAD("[network]\nconnect = deny deny\n", "2:16: extra value 'deny' for"
		  " 'connect' (expected deny or allow)");
	PARSE_BAD("[broker]\nunix = /a b\n", "2:11: extra value 'b' for 'unix'"
		  " (expected one absolute path or @NAME)");
	PARSE_BAD("[network]\nallow = 10.0.0.0/8 tcp 80 90\n", "2:27: extra value '90' for"
		  " 'allow' (expected CIDR|NAME [tcp|udp|any] [PORT|any])");
	PARSE_BAD("[files]\nread = \"/a b\n", "2:8: unterminated quoted value"
		  " (expected a closing '\"')");
	PARSE_BAD("[files]\nread = \"/a b\\\"\n", "2:8: unterminated quoted value"
		  " (expected a closing '\"')");
	PARSE_BAD("[files]\nread = \"/a\\\n", "2:8: unterminated quoted value"
		  " (expected a closing '\"')");
	PARSE_BAD("[files]\nread = \"/a\\nb\"\n", "2:11: bad escape '\\n' in quoted value"
		  " (expected \\\" or \\\\)");
	PARSE_BAD("[files]\nread = \"/a\"b\n", "2:12: unexpected text after closing quote"
		  " (separate values with spaces)");
	PARSE_BAD("[files]\nread = \"/a\"\"/b\"\n", "2:12: unexpected text after closing quote"
		  " (separate values with spaces)");
	PARSE_BAD("[files]\nread = /a\"b\"\n", "2:10: unexpected '\"' inside a value"
		  " (quote the whole value, \"like this\")");

	/* Scalars. */
	PARSE_BAD("[policy]\nname = a\n[files]\n[policy]\nname = a\n", "5:1: duplicate key"
		  " 'name' (first set on line 2)");
	PARSE_BAD("[policy]\nmode = audit\nmode = audit\n", "3:1: duplicate key 'mode'"
		  " (first set on line 2)");
	PARSE_BAD("[network]\nconnect = deny\n  connect = allow\n", "3:3: duplicate key"
		  " 'connect' (first set on line 2)");
	PARSE_BAD("[policy]\nmode = enfroce\n", "2:8: bad mode 'enfroce'"
		  " (expected enforce or audit)");
	PARSE_BAD("[policy]\nmode = Enforce\n", "2:8: bad mode 'Enforce'"
		  " (expected enforce or audit)");
	PARSE_BAD("[network]\nconnect = block\n", "2:11: bad connect 'block'"
		  " (expected deny or allow)");
	PARSE_BAD("[policy]\nname = a/b\n", "2:8: bad policy name 'a/b' (expected 1-63"
		  " characters from A-Z a-z 0-9 _ . -, not . or ..)");
	PARSE_BAD("[policy]\nname = \"a b\"\n", "2:8: bad policy name 'a b' (expected 1-63"
		  " characters from A-Z a-z 0-9 _ . -, not . or ..)");
	PARSE_BAD("[policy]\nname = \"\"\n", "2:8: bad policy name '' (expected 1-63"
		  " characters from A-Z a-z 0-9 _ . -, not . or ..)");
	PARSE_BAD("[policy]\nname = .\n", "2:8: bad policy name '.' (expected 1-63"
		  " characters from A-Z a-z 0-9 _ . -, not . or ..)");
	PARSE_BAD("[policy]\nname = ..\n", "2:8: bad policy name '..' (expected 1-63"
		  " characters from A-Z a-z 0-9 _ . -, not . or ..)");
	PARSE_BAD("[policy]\nname = caf\xc3\xa9\n", "2:8: bad policy name 'caf\xc3\xa9'"
		  " (expected 1-63 characters from A-Z a-z 0-9 _ . -, not . or ..)");
	PARSE_BAD("[policy]\nname = "
		  "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-\n",
		  "2:8: bad policy name "
		  "'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-'"
		  " (expected 1-63 characters from A-Z a-z 0-9 _ . -, not . or ..)");

	/* Families. */
	PARSE_BAD("[network]\nfamilies = inet inet4\n", "2:17: unknown address family 'inet4'"
		  " (expected a name such as unix, inet, inet6, netlink or packet)");
	PARSE_BAD("[network]\nfamilies = INET\n", "2:12: unknown address family 'INET'"
		  " (expected a name such as unix, inet, inet6, netlink or packet)");
	PARSE_BAD("[network]\nfamilies = 2\n", "2:12: unknown address family '2'"
		  " (expected a name such as unix, inet, inet6, netlink or packet)");
	PARSE_BAD("[network]\nfamilies = unspec\n", "2:12: unknown address family 'unspec'"
		  " (expected a name such as unix, inet, inet6, netlink or packet)");

	/* Allow rules. */
	PARSE_BAD("[network]\nallow = 10.0.0.256/8\n", "2:9: bad address '10.0.0.256/8'"
		  " (expected an IPv4 or IPv6 address or CIDR such as 10.0.0.0/8 or"
		  " 2001:db8::/32)");
	/* Only digits and dots is an address, however wrong: never a name. */
	PARSE_BAD("[network]\nallow = 10.0.0.300 tcp 443\n", "2:9: bad address '10.0.0.300'"
		  " (expected an IPv4 or IPv6 address or CIDR such as 10.0.0.0/8 or"
		  " 2001:db8::/32)");
	PARSE_BAD("[network]\nallow = 010.0.0.0/8\n", "2:9: bad address '010.0.0.0/8'"
		  " (expected an IPv4 or IPv6 address or CIDR such as 10.0.0.0/8 or"
		  " 2001:db8::/32)");
	PARSE_BAD("[network]\nallow = 10/8\n", "2:9: bad address '10/8'"
		  " (expected an IPv4 or IPv6 address or CIDR such as 10.0.0.0/8 or"
		  " 2001:db8::/32)");
	PARSE_BAD("[network]\nallow = fe80::1%eth0\n", "2:9: bad address 'fe80::1%eth0'"
		  " (expected an IPv4 or IPv6 address or CIDR such as 10.0.0.0/8 or"
		  " 2001:db8::/32)");
	PARSE_BAD("[network]\nallow = 10.0.0.0/33\n", "2:17: bad prefix length in"
		  " '10.0.0.0/33' (expected /0 to /32)");
	PARSE_BAD("[network]\nallow = 10.0.0.0/\n", "2:17: bad prefix length in '10.0.0.0/'"
		  " (expected /0 to /32)");
	PARSE_BAD("[network]\nallow = 10.0.0.0/08\n", "2:17: bad prefix length in"
		  " '10.0.0.0/08' (expected /0 to /32)");
	PARSE_BAD("[network]\nallow = 10.0.0.0/+8\n", "2:17: bad prefix length in"
		  " '10.0.0.0/+8' (expected /0 to /32)");
	PARSE_BAD("[network]\nallow = 10.0.0.0/8/8\n", "2:17: bad prefix length in"
		  " '10.0.0.0/8/8' (expected /0 to /32)");
	PARSE_BAD("[network]\nallow = ::/129\n", "2:11: bad prefix length in '::/129'"
		  " (expected /0 to /128)");
	PARSE_BAD("[network]\nallow = ::/1280\n", "2:11: bad prefix length in '::/1280'"
		  " (expected /0 to /128)");
	PARSE_BAD("[network]\nallow = 10.1.2.3/16 tcp 443\n", "2:9: 10.1.2.3/16: host bits"
		  " set (expected 10.1.0.0/16)");
	PARSE_BAD("[network]\nallow = 10.0.0.1/0\n", "2:9: 10.0.0.1/0: host bits set"
		  " (expected 0.0.0.0/0)");
	PARSE_BAD("[network]\nallow = 2001:db8::1/64\n", "2:9: 2001:db8::1/64: host bits set"
		  " (expected 2001:db8::/64)");
	PARSE_BAD("[network]\nallow = 10.0.0.0/8 icmp\n", "2:20: bad protocol 'icmp'"
		  " (expected tcp, udp or any)");
	PARSE_BAD("[network]\nallow = 10.0.0.0/8 TCP\n", "2:20: bad protocol 'TCP'"
		  " (expected tcp, udp or any)");
	PARSE_BAD("[network]\nallow = 10.0.0.0/8 443\n", "2:20: bad protocol '443' (expected"
		  " tcp, udp or any; the port comes after the protocol)");
	PARSE_BAD("[network]\nallow = 10.0.0.0/8 tcp 0\n", "2:24: bad port '0'"
		  " (expected 1-65535 or any)");
	PARSE_BAD("[network]\nallow = 10.0.0.0/8 tcp 65536\n", "2:24: bad port '65536'"
		  " (expected 1-65535 or any)");
	PARSE_BAD("[network]\nallow = 10.0.0.0/8 tcp 0443\n", "2:24: bad port '0443'"
		  " (expected 1-65535 or any)");
	PARSE_BAD("[network]\nallow = 10.0.0.0/8 tcp https\n", "2:24: bad port 'https'"
		  " (expected 1-65535 or any)");
	PARSE_BAD("[network]\nallow = 10.0.0.0/8 tcp 80-90\n", "2:24: bad port '80-90'"
		  " (expected 1-65535 or any)");

	/* Paths and variables. */
	PARSE_BAD("[files]\nread = lib/x\n", "2:8: relative path 'lib/x' (expected an absolute"
		  " path, or one starting with ${source} or ${scratch})");
	PARSE_BAD("[files]\nread = /usr\tlib64\n", "2:13: relative path 'lib64' (expected an"
		  " absolute path, or one starting with ${source} or ${scratch})");
	PARSE_BAD("[files]\nread = ~/x\n", "2:8: relative path '~/x' (expected an absolute"
		  " path, or one starting with ${source} or ${scratch})");
	PARSE_BAD("[files]\nread = $source/x\n", "2:8: relative path '$source/x' (expected an"
		  " absolute path, or one starting with ${source} or ${scratch})");
	PARSE_BAD("[files]\nexec = \"\"\n", "2:8: empty path (expected an absolute path)");
	PARSE_BAD("[files]\nread = /usr/../etc/shadow\n", "2:13: '..' in path"
		  " '/usr/../etc/shadow' (expected a path without . or .. components)");
	PARSE_BAD("[files]\nread = /usr/..\n", "2:13: '..' in path '/usr/..'"
		  " (expected a path without . or .. components)");
	PARSE_BAD("[files]\nwrite = ${scratch}/./x\n", "2:20: '.' in path '${scratch}/./x'"
		  " (expected a path without . or .. components)");
	PARSE_BAD("[files]\nread = /.\n", "2:9: '.' in path '/.'"
		  " (expected a path without . or .. components)");
	PARSE_BAD("[files]\nread = \"/a b/../c\"\n", "2:14: '..' in path '/a b/../c'"
		  " (expected a path without . or .. components)");
	PARSE_BAD("[files]\nread = \"/\\\\\\\"/..\"\n", "2:15: '..' in path '/\\\"/..'"
		  " (expected a path without . or .. components)");
	PARSE_BAD("[files]\nread = ${sourc}/lib\n", "2:8: unknown variable '${sourc}'"
		  " (expected ${source} or ${scratch})");
	PARSE_BAD("[files]\nread = ${}\n", "2:8: unknown variable '${}'"
		  " (expected ${source} or ${scratch})");
	PARSE_BAD("[files]\nread = ${SOURCE}\n", "2:8: unknown variable '${SOURCE}'"
		  " (expected ${source} or ${scratch})");
	PARSE_BAD("[files]\nread = /a/${home}/b\n", "2:11: unknown variable '${home}'"
		  " (expected ${source} or ${scratch})");
	PARSE_BAD("[files]\nread = ${source/lib\n", "2:8: unterminated variable"
		  " '${source/lib' (expected ${source} or ${scratch})");
	PARSE_BAD("[files]\nread = /a/${source\n", "2:11: unterminated variable '${source'"
		  " (expected ${source} or ${scratch})");
	PARSE_BAD("[files]\nread = /srv/${source}\n", "2:13: ${source} must start the path"
		  " (it expands to an absolute directory)");
	PARSE_BAD("[files]\nread = ${source}${scratch}\n", "2:17: unexpected '${scratch}'"
		  " after ${source} (expected '/' or the end of the path)");
	PARSE_BAD("[files]\nread = ${source}lib\n", "2:17: unexpected 'lib' after ${source}"
		  " (expected '/' or the end of the path)");
	PARSE_BAD("[files]\nread = ${scratch}/${scratch}\n", "2:19: ${scratch} must start the"
		  " path (it expands to an absolute directory)");
	PARSE_BAD("[files]\nread = \"  ${scratch}\"\n", "2:8: relative path '  ${scratch}'"
		  " (expected an absolute path, or one starting with ${source} or ${scratch})");

	/* Broker. */
	PARSE_BAD("[broker]\nunix = run/b.sock\n", "2:8: relative path 'run/b.sock'"
		  " (expected an absolute path or @NAME)");
	PARSE_BAD("[broker]\nunix = ${scratch}/b.sock\n", "2:8: variables are not allowed here"
		  " (expected a literal path)");
	PARSE_BAD("[broker]\nunix = /run/${scratch}\n", "2:13: variables are not allowed here"
		  " (expected a literal path)");
	PARSE_BAD("[broker]\nunix = /run/../b.sock\n", "2:13: '..' in path '/run/../b.sock'"
		  " (expected a path without . or .. components)");
	PARSE_BAD("[broker]\nunix = @\n", "2:8: empty abstract socket name (expected @NAME)");
	PARSE_BAD("[broker]\nunix = @"
		  "0123456789012345678901234567890123456789012345678901234567890123456789"
		  "01234567890123456789012345678901234567\n",
		  "2:8: abstract socket name too long (108 bytes, max 107)");
	PARSE_BAD("[broker]\ntcp = 127.0.0.1\n", "2:7: missing port in '127.0.0.1'"
		  " (expected ADDR:PORT or [IPV6]:PORT)");
	PARSE_BAD("[broker]\ntcp = ::1:7700\n", "2:7: IPv6 address in '::1:7700' needs brackets"
		  " (expected [IPV6]:PORT, e.g. [::1]:7700)");
	PARSE_BAD("[broker]\ntcp = localhost:7700\n", "2:7: bad IPv4 address 'localhost'"
		  " (expected a numeric ADDR:PORT, e.g. 127.0.0.1:7700)");
	PARSE_BAD("[broker]\ntcp = 127.0.0.1:0\n", "2:17: bad port '0' (expected 1-65535)");
	PARSE_BAD("[broker]\ntcp = 127.0.0.1:\n", "2:17: bad port '' (expected 1-65535)");
	PARSE_BAD("[broker]\ntcp = 127.0.0.1:99999\n", "2:17: bad port '99999'"
		  " (expected 1-65535)");
	PARSE_BAD("[broker]\ntcp = [::1]:http\n", "2:13: bad port 'http' (expected 1-65535)");
	PARSE_BAD("[broker]\ntcp = [::1]7700\n", "2:7: bad broker address '[::1]7700'"
		  " (expected [IPV6]:PORT, e.g. [::1]:7700)");
	PARSE_BAD("[broker]\ntcp = [::1]\n", "2:7: bad broker address '[::1]'"
		  " (expected [IPV6]:PORT, e.g. [::1]:7700)");
	PARSE_BAD("[broker]\ntcp = [::1:7700\n", "2:7: bad broker address '[::1:7700'"
		  " (expected [IPV6]:PORT, e.g. [::1]:7700)");
	PARSE_BAD("[broker]\ntcp = [127.0.0.1]:7700\n", "2:8: bad IPv6 address '127.0.0.1'"
		  " (expected [IPV6]:PORT, e.g. [::1]:7700)");
	PARSE_BAD("[broker]\ntcp = 127.0.0.1/8:7700\n", "2:7: bad IPv4 address '127.0.0.1/8'"
		  " (expected a numeric ADDR:PORT, e.g. 127.0.0.1:7700)");

	/* Bytes. */
	PARSE_BAD("[files]\nread = /a\x01\n", "2:10: control character 0x01"
		  " (expected text; only spaces and tabs separate values)");
	PARSE_BAD("[files]\nread = \"/a\x1b[31m\"\n", "2:11: control character 0x1b"
		  " (expected text; only spaces and tabs separate values)");
	PARSE_BAD("[files]\nread = /a\rread = /b\n", "2:10: control character 0x0d"
		  " (expected text; only spaces and tabs separate values)");
	PARSE_BAD("# \x7f\n", "1:3: control character 0x7f"
		  " (expected text; only spaces and tabs separate values)");
	PARSE_BAD("[files]\r\r\n", "1:8: control character 0x0d"
		  " (expected text; only spaces and tabs separate values)");
}

/* Errors that need generated text: limits and sizes. */
static void test_limits(void)
{
	size_t cap = 2 * 1024 * 1024, len;
	char *buf = malloc(cap + 1), err[POLICY_ERR_MAX], want[POLICY_ERR_MAX];
	struct policy p;
	int ret;

	if (!buf)
		exit(2);

	/* 16384 paths fit; one more, on the next line, does not. */
	len = sprintf(buf, "[files]\n");
	for (int i = 0; i < 16384; i++)
		len += sprintf(buf + len, "%s/p%d", i % 8 ? " " : "\nread = ", i);
	len += sprintf(buf + len, "\n");
	if (PARSE_OK(buf, &p)) {
		CHECK(p.n_paths == 16384, "n_paths %zu", p.n_paths);
		CHECK_PATH(&p, 16383, "/p16383", R, 2050, 64);
		policy_free(&p);
	}
	sprintf(buf + len, "write = /a /b\n");
	PARSE_BAD(buf, "2051:9: too many paths (max 16384)");

	len = sprintf(buf, "[network]\n");
	for (int i = 0; i < 1024; i++)
		len += sprintf(buf + len, "allow = 10.%d.%d.0/24 tcp %d\n", i / 256, i % 256,
			       i + 1);
	if (PARSE_OK(buf, &p)) {
		CHECK(p.n_allow == 1024, "n_allow %zu", p.n_allow);
		CHECK_RULE(&p.allow[1023], "10.3.255.0", 120, IPPROTO_TCP, 1024, 1025, 9);
		policy_free(&p);
	}
	sprintf(buf + len, "allow = ::/0\n");
	PARSE_BAD(buf, "1026:9: too many allow rules (max 1024)");

	len = sprintf(buf, "[broker]\n");
	for (int i = 0; i < 16; i++)
		len += sprintf(buf + len, "unix = @b%d\ntcp = 127.0.0.1:%d\n", i, 7000 + i);
	if (PARSE_OK(buf, &p)) {
		CHECK(p.n_broker_unix == 16 && p.n_broker_tcp == 16, "broker counts %zu %zu",
		      p.n_broker_unix, p.n_broker_tcp);
		policy_free(&p);
	}
	sprintf(buf + len, "unix = /x\n");
	PARSE_BAD(buf, "34:8: too many broker unix sockets (max 16)");
	sprintf(buf + len, "tcp = [::1]:1\n");
	PARSE_BAD(buf, "34:7: too many broker tcp endpoints (max 16)");

	/* Lines: 4096 bytes (not counting the line end, LF or CRLF) fit, 4097 do not. */
	len = sprintf(buf, "[files]\nread = /");
	memset(buf + len, 'a', 4096 - 8);
	strcpy(buf + len + 4096 - 8, "\r\n");
	if (PARSE_OK(buf, &p)) {
		CHECK(strlen(p.paths[0].path) == 4096 - 7, "path length %zu",
		      strlen(p.paths[0].path));
		policy_free(&p);
	}
	strcpy(buf + len + 4096 - 8, "a\n");
	PARSE_BAD(buf, "2:4097: line too long (max 4096 bytes)");
	memset(buf, '#', 5000);
	buf[5000] = '\0';
	PARSE_BAD(buf, "1:4097: line too long (max 4096 bytes)");

	/* Whole text: 1 MiB fits, one byte more does not. */
	memset(buf, '\n', 1024 * 1024);
	memcpy(buf, "[policy]\nname = big", 19);
	buf[1024 * 1024] = '\0';
	if (PARSE_OK(buf, &p))
		policy_free(&p);
	buf[1024 * 1024] = '\n';
	buf[1024 * 1024 + 1] = '\0';
	ret = policy_parse_string(MEM, buf, &p, err, sizeof(err));
	CHECK(ret == -EFBIG, "too large: %d", ret);
	CHECK(!strcmp(err, MEM ": too large (max 1048576 bytes)"), "%s", err);
	CHECK(is_zero(&p, sizeof(p)), "policy not zeroed");

	/* The message is cut to errlen and stays terminated; a NULL buffer is allowed. */
	memset(want, 'x', sizeof(want));
	ret = policy_parse_string(MEM, "[x]", &p, want, 12);
	CHECK(ret == -EINVAL && !strcmp(want, MEM ":"), "truncated: %d %s", ret, want);
	CHECK(want[12] == 'x', "wrote past errlen");
	CHECK(policy_parse_string(MEM, "[x]", &p, NULL, 0) == -EINVAL, "NULL err");
	CHECK(policy_parse_string(MEM, "[x]", &p, want, 0) == -EINVAL && want[0] == 'm',
	      "errlen 0 wrote");

	/* Long tokens are echoed cut, on a character boundary. */
	len = sprintf(buf, "[policy]\nmode = ");
	for (int i = 0; i < 40; i++)
		len += sprintf(buf + len, "\xc3\xa9");
	PARSE_BAD(buf, "2:8: bad mode '\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
		  "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
		  "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
		  "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9...' (expected enforce"
		  " or audit)");
	len = sprintf(buf, "[policy]\nmode = x");
	for (int i = 0; i < 40; i++)
		len += sprintf(buf + len, "\xc3\xa9");
	PARSE_BAD(buf, "2:8: bad mode 'x\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
		  "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
		  "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
		  "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9...' (expected enforce"
		  " or audit)");
	free(buf);
}

static int write_file(const char *path, const char *data, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	bool ok;

	if (fd < 0)
		return -errno;
	ok = write(fd, data, len) == (ssize_t)len;
	close(fd);
	return ok ? 0 : -EIO;
}

static void test_files(void)
{
	char dir[] = "/tmp/test_policy.XXXXXX", path[64], want[POLICY_ERR_MAX];
	char err[POLICY_ERR_MAX];
	struct policy p;
	size_t big = 1024 * 1024 + 1;
	char *buf;
	int ret;

	if (!CHECK(mkdtemp(dir) != NULL, "mkdtemp: %s", strerror(errno)))
		return;

	snprintf(path, sizeof(path), "%s/missing.policy", dir);
	ret = policy_parse_file(path, &p, err, sizeof(err));
	snprintf(want, sizeof(want), "%s: cannot read: %s", path, strerror(ENOENT));
	CHECK(ret == -ENOENT && !strcmp(err, want), "%d %s", ret, err);
	CHECK(is_zero(&p, sizeof(p)), "not zeroed");

	ret = policy_parse_file(dir, &p, err, sizeof(err));
	snprintf(want, sizeof(want), "%s: not a regular file", dir);
	CHECK(ret == -EISDIR && !strcmp(err, want), "%d %s", ret, err);

	snprintf(path, sizeof(path), "%s/fifo.policy", dir);
	if (CHECK(!mkfifo(path, 0600), "mkfifo: %s", strerror(errno))) {
		ret = policy_parse_file(path, &p, err, sizeof(err));
		snprintf(want, sizeof(want), "%s: not a regular file", path);
		CHECK(ret == -EINVAL && !strcmp(err, want), "%d %s", ret, err);
		unlink(path);
	}

	ret = policy_parse_file("/dev/null", &p, err, sizeof(err));
	CHECK(ret == -EINVAL && !strcmp(err, "/dev/null: not a regular file"), "%d %s", ret,
	      err);

	snprintf(path, sizeof(path), "%s/nul.policy", dir);
	if (!write_file(path, "[files]\nread = /a\0/b\n", 21)) {
		ret = policy_parse_file(path, &p, err, sizeof(err));
		snprintf(want, sizeof(want), "%s:2:10: NUL byte (expected text)", path);
		CHECK(ret == -EINVAL && !strcmp(err, want), "%d %s", ret, err);
		CHECK(is_zero(&p, sizeof(p)), "not zeroed");
		unlink(path);
	}

	buf = malloc(big);
	if (!buf)
		exit(2);
	memset(buf, '\n', big);
	snprintf(path, sizeof(path), "%s/big.policy", dir);
	if (!write_file(path, buf, big)) {
		ret = policy_parse_file(path, &p, err, sizeof(err));
		snprintf(want, sizeof(want), "%s: too large (max 1048576 bytes)", path);
		CHECK(ret == -EFBIG && !strcmp(err, want), "%d %s", ret, err);
	}
	if (!write_file(path, buf, big - 1)) {
		ret = policy_parse_file(path, &p, err, sizeof(err));
		if (CHECK(ret == 0, "1 MiB file: %d %s", ret, err)) {
			CHECK(!strcmp(p.name, "big"), "name %s", p.name);
			policy_free(&p);
		}
	}
	unlink(path);
	free(buf);

	snprintf(path, sizeof(path), "%s/empty.policy", dir);
	if (!write_file(path, "", 0)) {
		ret = policy_parse_file(path, &p, err, sizeof(err));
		if (CHECK(ret == 0, "empty file: %d %s", ret, err)) {
			CHECK(!strcmp(p.name, "empty") && p.families == FAM(AF_UNIX), "defaults");
			policy_free(&p);
		}
		unlink(path);
	}

	/* Unreadable file: only meaningful when not root. */
	snprintf(path, sizeof(path), "%s/noperm.policy", dir);
	if (geteuid() != 0 && !write_file(path, "", 0) && !chmod(path, 0)) {
		ret = policy_parse_file(path, &p, err, sizeof(err));
		snprintf(want, sizeof(want), "%s: cannot read: %s", path, strerror(EACCES));
		CHECK(ret == -EACCES && !strcmp(err, want), "%d %s", ret, err);
	}
	unlink(path);
	rmdir(dir);

	/* policy_free is safe on an empty policy, and twice. */
	memset(&p, 0, sizeof(p));
	policy_free(&p);
	policy_free(&p);
	policy_free(NULL);
	CHECK(is_zero(&p, sizeof(p)), "policy_free on empty");
}

static void test_expand(void)
{
	static const struct policy_vars both = { .source = "/srv/src", .scratch = "/tmp/run.1/" };
	static const struct policy_vars none = { 0 };
	static const struct policy_vars root = { .source = "/", .scratch = "relative" };
	static const struct policy_vars empty = { .source = "", .scratch = "/s" };
	static const struct {
		const char *raw;
		const struct policy_vars *vars;
		int ret;
		const char *out, *unbound;
	} cases[] = {
		{ "/usr/lib", &none, 0, "/usr/lib", NULL },
		{ "/", &none, 0, "/", NULL },
		{ "${source}", &both, 0, "/srv/src", NULL },
		{ "${source}/lib", &both, 0, "/srv/src/lib", NULL },
		{ "${scratch}", &both, 0, "/tmp/run.1", NULL },
		{ "${scratch}/out", &both, 0, "/tmp/run.1/out", NULL },
		{ "${source}/a", &root, 0, "/a", NULL },
		{ "${source}", &root, 0, "/", NULL },
		{ "/a$b/$", &none, 0, "/a$b/$", NULL },
		{ "${source}/x", &none, -ENOENT, NULL, "source" },
		{ "${scratch}", &none, -ENOENT, NULL, "scratch" },
		{ "${scratch}", NULL, -ENOENT, NULL, "scratch" },
		{ "${scratch}/x", &root, -EINVAL, NULL, NULL },
		{ "${source}/lib", &empty, -EINVAL, NULL, NULL },
		{ "${home}/x", &both, -EINVAL, NULL, NULL },
		{ "${source", &both, -EINVAL, NULL, NULL },
	};
	char out[64];
	const char *unbound;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int ret;

		unbound = "junk";
		ret = policy_expand(cases[i].raw, cases[i].vars, out, sizeof(out), &unbound);
		CHECK(ret == cases[i].ret, "expand '%s': %d, want %d", cases[i].raw, ret,
		      cases[i].ret);
		if (!ret && cases[i].out)
			CHECK(!strcmp(out, cases[i].out), "expand '%s': '%s', want '%s'",
			      cases[i].raw, out, cases[i].out);
		CHECK(cases[i].unbound ? unbound && !strcmp(unbound, cases[i].unbound) : !unbound,
		      "expand '%s': unbound %s", cases[i].raw, unbound ? unbound : "(null)");
	}

	/* Output size: exactly fitting works, one byte less does not. */
	CHECK(policy_expand("${source}/lib", &both, out, 13, NULL) == 0 &&
	      !strcmp(out, "/srv/src/lib"), "exact fit: %s", out);
	CHECK(policy_expand("${source}/lib", &both, out, 12, NULL) == -ENAMETOOLONG, "too long");
	CHECK(policy_expand("/", &none, out, 1, NULL) == -ENAMETOOLONG, "too long for /");
	CHECK(policy_expand("/", &none, out, 0, NULL) == -ENAMETOOLONG, "outlen 0");

	/* Every path a parsed policy holds expands to an absolute path. */
	{
		struct policy p;

		if (PARSE_OK("[files]\nread = / /a ${source} ${source}/x ${scratch}//y/\n", &p)) {
			for (size_t i = 0; i < p.n_paths; i++) {
				int ret = policy_expand(p.paths[i].path, &both, out, sizeof(out),
							NULL);

				CHECK(ret == 0 && out[0] == '/' && !strstr(out, "//"),
				      "'%s' -> %d '%s'", p.paths[i].path, ret, out);
			}
			policy_free(&p);
		}
	}
}

static void test_families(void)
{
	static const struct {
		const char *name;
		int family;
	} cases[] = {
		{ "unix", AF_UNIX }, { "local", AF_UNIX }, { "inet", AF_INET },
		{ "inet6", AF_INET6 }, { "netlink", AF_NETLINK }, { "route", AF_NETLINK },
		{ "packet", AF_PACKET }, { "vsock", AF_VSOCK }, { "xdp", AF_XDP },
		{ "alg", AF_ALG }, { "can", AF_CAN }, { "bluetooth", AF_BLUETOOTH },
		{ "tipc", AF_TIPC }, { "rds", AF_RDS }, { "key", AF_KEY }, { "llc", AF_LLC },
		{ "ib", AF_IB }, { "mctp", AF_MCTP }, { "qipcrtr", AF_QIPCRTR },
		{ "smc", AF_SMC }, { "kcm", AF_KCM }, { "rxrpc", AF_RXRPC }, { "isdn", AF_ISDN },
		{ "phonet", AF_PHONET }, { "ieee802154", AF_IEEE802154 }, { "caif", AF_CAIF },
		{ "nfc", AF_NFC }, { "x25", AF_X25 }, { "ax25", AF_AX25 },
		{ "appletalk", AF_APPLETALK }, { "ipx", AF_IPX }, { "netrom", AF_NETROM },
		{ "rose", AF_ROSE }, { "atmpvc", AF_ATMPVC }, { "atmsvc", AF_ATMSVC },
		{ "bridge", AF_BRIDGE }, { "decnet", AF_DECnet }, { "econet", AF_ECONET },
		{ "irda", AF_IRDA }, { "wanpipe", AF_WANPIPE }, { "pppox", AF_PPPOX },
		{ "mpls", AF_MPLS }, { "iucv", AF_IUCV }, { "netbeui", AF_NETBEUI },
		{ "security", AF_SECURITY }, { "ash", AF_ASH }, { "sna", AF_SNA },
		{ "UNIX", -1 }, { "", -1 }, { "inet4", -1 }, { "unspec", -1 }, { "2", -1 },
		{ "unix ", -1 },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int f = policy_family_by_name(cases[i].name);

		CHECK(f == cases[i].family, "family '%s': %d, want %d", cases[i].name, f,
		      cases[i].family);
	}
	CHECK(policy_family_by_name(NULL) == -1, "NULL name");

	/* Every family but AF_UNSPEC has a name, and the name maps back to it. */
	for (int f = 1; f < AF_MAX; f++) {
		const char *name = policy_family_name(f);

		if (CHECK(name != NULL, "family %d has no name", f))
			CHECK(policy_family_by_name(name) == f, "family %d: '%s' maps to %d", f,
			      name, policy_family_by_name(name));
	}
	CHECK(!strcmp(policy_family_name(AF_UNIX), "unix"), "AF_UNIX is '%s'",
	      policy_family_name(AF_UNIX));
	CHECK(!strcmp(policy_family_name(AF_NETLINK), "netlink"), "AF_NETLINK is '%s'",
	      policy_family_name(AF_NETLINK));
	CHECK(policy_family_name(AF_UNSPEC) == NULL, "AF_UNSPEC has a name");
	CHECK(policy_family_name(-1) == NULL, "-1 has a name");
	CHECK(policy_family_name(AF_MAX) == NULL, "AF_MAX has a name");
	CHECK(policy_family_name(64) == NULL, "64 has a name");
}

/*
 * What no shipped policy may let a function read or write, whatever it grants: secrets, other
 * processes' and the host's network state, bpfence's own trees, others' homes. Decided as the
 * kernel decides, the nearest grant or deny on the walk up (loader/marks.c), so a grant of /etc
 * whose secrets are denied passes, and a grant of /proc/meminfo does not open /proc/1. Returns
 * the first such path p grants, or NULL.
 */
static const char *reaches_secret(const struct policy *p)
{
	static const char *const secrets[] = {
		"/etc/shadow", "/etc/gshadow", "/etc/ssl/private/host.key", "/etc/sudoers",
		"/etc/sudoers.d/admins", "/etc/ssh/ssh_host_ed25519_key", "/var/lib/dpkg/status",
		"/root/.bashrc", "/home/user/.ssh/id_ed25519", "/proc/1/environ", "/proc/net/tcp",
		"/proc/kallsyms", "/proc/sys/kernel/random/boot_id", "/sys/fs/cgroup/cgroup.procs",
		"/sys/fs/bpf/bpfence/tags", "/sys/class/net/lo/address", "/run/runner/broker.sock",
		"/", "/proc", "/sys",
	};
	const struct policy_mark *by;
	const char *hit = NULL;
	struct policy_marks m;

	if (!CHECK(!policy_marks_build(&m, p, NULL), "%s: policy_marks_build", p->file))
		return NULL;
	for (size_t k = 0; !hit && k < sizeof(secrets) / sizeof(secrets[0]); k++) {
		if (policy_marks_walk(&m, secrets[k], R, &by) == POLICY_GRANTED ||
		    policy_marks_walk(&m, secrets[k], W, &by) == POLICY_GRANTED)
			hit = secrets[k];
	}
	policy_marks_free(&m);
	return hit;
}

/* ---- [network] names ---------------------------------------------------------------------- */

#define NAME_STAR_HINT " (expected a wildcard as *.NAME, e.g. *.example.com: every name below" \
		       " example.com)"
#define NAME_LABEL_HINT " (expected labels of 1-63 characters separated by single dots)"
#define NAMES_NEED_DENY "names need connect = deny: with connect = allow every address is" \
			" reachable whatever a name resolves to"

/* "[network]\nallow = TOKEN\n" refused with "2:COL: message". */
static void name_bad(int line, const char *token, const char *expect)
{
	char *text = xprintf("[network]\nallow = %s\n", token);

	parse_bad(line, text, expect);
	free(text);
}

#define NAME_BAD(token, expect) name_bad(__LINE__, (token), (expect))

static void test_names(void)
{
	char long_label[64], name253[254], name254[255], *buf, *want;
	size_t cap = 64 * 1024, len;
	struct policy p;

	/* Names and addresses side by side; one-label names, _ and - inside labels. */
	if (PARSE_OK("[network]\nallow = localhost\nallow = _srv._tcp.example.com udp any\n"
		     "allow = a-b.c_d.e1 any 8443\nallow = 10.0.0.1\nallow = ::1 tcp 1\n"
		     "allow = \"quoted.example\" tcp\n", &p)) {
		CHECK(p.n_allow == 2 && p.n_allow_names == 4, "%zu allow, %zu names", p.n_allow,
		      p.n_allow_names);
		CHECK_ALLOW_NAME(&p, 0, "localhost", false, 0, 0, 2, 9);
		CHECK_ALLOW_NAME(&p, 1, "_srv._tcp.example.com", false, IPPROTO_UDP, 0, 3, 9);
		CHECK_ALLOW_NAME(&p, 2, "a-b.c_d.e1", false, 0, 8443, 4, 9);
		CHECK_ALLOW_NAME(&p, 3, "quoted.example", false, IPPROTO_TCP, 0, 7, 9);
		CHECK(!p.connect_allow, "connect");
		policy_free(&p);
	}
	/* Case folded, one trailing dot dropped, the wildcard kept apart from its name. */
	if (PARSE_OK("[network]\nallow = WWW.Example.COM. tcp 443\nallow = *.CDN.example.net.\n"
		     "deny = Evil.Example.com. *.Ads.EXAMPLE.com\n", &p)) {
		CHECK_ALLOW_NAME(&p, 0, "www.example.com", false, IPPROTO_TCP, 443, 2, 9);
		CHECK_ALLOW_NAME(&p, 1, "cdn.example.net", true, 0, 0, 3, 9);
		CHECK_DENY_NAME(&p, 0, "evil.example.com", false, 0, 0, 4, 8);
		CHECK_DENY_NAME(&p, 1, "ads.example.com", true, 0, 0, 4, 26);
		policy_free(&p);
	}
	/* deny on its own, with the same name twice: no allow needed, no dedup needed. */
	if (PARSE_OK("[network]\ndeny = a.example a.example\ndeny = a.example\n", &p)) {
		CHECK(p.n_deny_names == 3 && !p.n_allow_names, "%zu deny names", p.n_deny_names);
		policy_free(&p);
	}

	/* Label and name lengths: 63 and 253 fit (253 with a trailing dot too, and after "*."). */
	memset(long_label, 'a', 63);
	long_label[63] = '\0';
	memset(name253, 'b', 253);
	for (int i = 63; i < 253; i += 64)
		name253[i] = '.';
	name253[253] = '\0';
	memcpy(name254, name253, 253);
	memcpy(name254 + 253, "c", 2);
	buf = xprintf("[network]\nallow = %s.com\nallow = %s\nallow = %s.\nallow = *.%s\n",
		      long_label, name253, name253, name253);
	if (PARSE_OK(buf, &p)) {
		CHECK(strlen(p.allow_names[0].name) == 67, "63-character label");
		CHECK(!strcmp(p.allow_names[1].name, name253) &&
		      !strcmp(p.allow_names[2].name, name253) &&
		      !strcmp(p.allow_names[3].name, name253) && p.allow_names[3].wildcard,
		      "253-character names");
		policy_free(&p);
	}
	free(buf);
	buf = xprintf("a%s.com", long_label);
	want = xprintf("2:72: label longer than 63 characters in name 'a%s...'", long_label);
	NAME_BAD(buf, want);
	free(want);
	free(buf);
	want = xprintf("2:262: name '%.64s...' longer than 253 characters", name254);
	NAME_BAD(name254, want);
	free(want);
	buf = xprintf("%s.", name254);
	NAME_BAD(buf, want = xprintf("2:262: name '%.64s...' longer than 253 characters", buf));
	free(want);
	free(buf);

	/* Wildcards: exactly "*." and a name; the column is the '*'. */
	NAME_BAD("*", "2:9: '*' in name '*'" NAME_STAR_HINT);
	NAME_BAD("*foo.com", "2:9: '*' in name '*foo.com'" NAME_STAR_HINT);
	NAME_BAD("foo.*.com", "2:13: '*' in name 'foo.*.com'" NAME_STAR_HINT);
	NAME_BAD("**.com", "2:9: '*' in name '**.com'" NAME_STAR_HINT);
	NAME_BAD("*.*.com", "2:11: '*' in name '*.*.com'" NAME_STAR_HINT);
	NAME_BAD("a.com*", "2:14: '*' in name 'a.com*'" NAME_STAR_HINT);
	NAME_BAD("*.", "2:9: no name after '*.'" NAME_STAR_HINT);
	PARSE_BAD("[network]\ndeny = a.com *x.com\n", "2:14: '*' in name '*x.com'" NAME_STAR_HINT);

	/* Characters, labels, the last label. */
	NAME_BAD("b\xc3\xbc" "cher.example", "2:10: non-ASCII byte in name 'b\xc3\xbc"
		 "cher.example' (names are ASCII: write an internationalised name in its IDNA"
		 " \"xn--\" form)");
	NAME_BAD("api!.example.com", "2:12: bad character '!' in name 'api!.example.com'"
		 " (expected labels of a-z 0-9 _ - separated by dots)");
	NAME_BAD("a%b", "2:10: bad character '%' in name 'a%b' (expected labels of a-z 0-9 _ -"
		 " separated by dots)");
	/* In a quoted token the column is the character's place in the line, escapes counted. */
	NAME_BAD("\"a\\\\b.com\"", "2:11: bad character '\\' in name 'a\\b.com' (expected"
		 " labels of a-z 0-9 _ - separated by dots)");
	NAME_BAD(".example.com", "2:9: empty label in name '.example.com'" NAME_LABEL_HINT);
	NAME_BAD("a..example.com", "2:11: empty label in name 'a..example.com'" NAME_LABEL_HINT);
	NAME_BAD("example.com..", "2:21: empty label in name 'example.com..'" NAME_LABEL_HINT);
	NAME_BAD("*..com", "2:11: empty label in name '*..com'" NAME_LABEL_HINT);
	NAME_BAD("-api.example.com", "2:9: '-' at the start or end of a label in name"
		 " '-api.example.com' (expected a letter, digit or _ there)");
	NAME_BAD("api-.example.com", "2:12: '-' at the start or end of a label in name"
		 " 'api-.example.com' (expected a letter, digit or _ there)");
	NAME_BAD("api.example-", "2:20: '-' at the start or end of a label in name"
		 " 'api.example-' (expected a letter, digit or _ there)");
	NAME_BAD("host.123", "2:14: all-digit last label in name 'host.123' (expected a name"
		 " such as api.example.com, or an address of only digits and dots)");
	NAME_BAD("host.123.", "2:14: all-digit last label in name 'host.123.' (expected a name"
		 " such as api.example.com, or an address of only digits and dots)");
	/* Only digits and dots, '/' or ':': an address, with the address's messages. */
	NAME_BAD("1.2.3.4.5", "2:9: bad address '1.2.3.4.5' (expected an IPv4 or IPv6 address"
		 " or CIDR such as 10.0.0.0/8 or 2001:db8::/32)");
	NAME_BAD("example.com/24", "2:9: bad address 'example.com/24' (expected an IPv4 or IPv6"
		 " address or CIDR such as 10.0.0.0/8 or 2001:db8::/32)");
	NAME_BAD("example.com:443", "2:9: bad address 'example.com:443' (expected an IPv4 or IPv6"
		 " address or CIDR such as 10.0.0.0/8 or 2001:db8::/32)");
	/* Protocol and port as for addresses. */
	NAME_BAD("example.com 443", "2:21: bad protocol '443' (expected tcp, udp or any; the port"
		 " comes after the protocol)");
	NAME_BAD("example.com tcp 0", "2:25: bad port '0' (expected 1-65535 or any)");
	NAME_BAD("example.com tcp 1 2", "2:27: extra value '2' for 'allow' (expected"
		 " CIDR|NAME [tcp|udp|any] [PORT|any])");

	/* deny: names only, as many as a line holds. */
	PARSE_BAD("[network]\ndeny =\n", "2:1: missing value for 'deny' (expected one or more DNS"
		  " names or *.NAME wildcards)");
	PARSE_BAD("[network]\ndeny = a.com 10.0.0.1\n", "2:14: address '10.0.0.1' in deny (expected"
		  " DNS names such as evil.example.com or *.example.com; an address no allow line"
		  " covers is denied already)");
	PARSE_BAD("[network]\ndeny = 2001:db8::/32\n", "2:8: address '2001:db8::/32' in deny"
		  " (expected DNS names such as evil.example.com or *.example.com; an address no"
		  " allow line covers is denied already)");
	PARSE_BAD("[network]\ndeny = ${source}/x\n", "2:8: path '${source}/x' in [network] deny"
		  " (expected DNS names; paths are denied in [files])");
	PARSE_BAD("[network]\ndeny = a.com b..com\n", "2:16: empty label in name 'b..com'"
		  NAME_LABEL_HINT);

	/* connect = allow: refused after the whole file, at the first name, in either order. */
	PARSE_BAD("[network]\nconnect = allow\nallow = a.example.com tcp 443\n",
		  "3:9: " NAMES_NEED_DENY);
	PARSE_BAD("[network]\nallow = 10.0.0.0/8\nallow = a.example.com tcp 443\n"
		  "deny = b.example.com\nconnect = allow\n", "3:9: " NAMES_NEED_DENY);
	PARSE_BAD("[network]\nallow = 10.0.0.0/8\ndeny = b.example.com\nallow = a.example.com\n"
		  "[files]\nread = /x\n[network]\nconnect = allow\n", "3:8: " NAMES_NEED_DENY);
	PARSE_BAD("[network]\ndeny = b.example.com\nconnect = allow\n", "2:8: " NAMES_NEED_DENY);
	/* ...and an address with connect = allow stays as it was. */
	if (PARSE_OK("[network]\nconnect = allow\nallow = 10.0.0.0/8\n", &p))
		policy_free(&p);

	/* 256 names in a policy, allow and deny together; the 257th is refused where it is. */
	buf = malloc(cap);
	if (!buf)
		exit(2);
	len = sprintf(buf, "[network]\n");
	for (int i = 0; i < 200; i++)
		len += sprintf(buf + len, "allow = h%d.example.com tcp 443\n", i);
	len += sprintf(buf + len, "deny =");
	for (int i = 0; i < 56; i++)
		len += sprintf(buf + len, " d%02d.example.com", i);
	len += sprintf(buf + len, "\n");
	if (PARSE_OK(buf, &p)) {
		CHECK(p.n_allow_names == 200 && p.n_deny_names == 56, "%zu + %zu names",
		      p.n_allow_names, p.n_deny_names);
		CHECK_DENY_NAME(&p, 55, "d55.example.com", false, 0, 0, 202, 8 + 55 * 16);
		policy_free(&p);
	}
	/* Addresses do not count toward it. */
	sprintf(buf + len, "allow = 10.0.0.1 tcp 1\n");
	if (PARSE_OK(buf, &p))
		policy_free(&p);
	sprintf(buf + len, "allow = one.more tcp 1\n");
	PARSE_BAD(buf, "203:9: too many names (max 256, allow and deny lines together)");
	sprintf(buf + len - 1, " one.more\n");
	PARSE_BAD(buf, "202:904: too many names (max 256, allow and deny lines together)");

	/* 16 allow lines for one name or wildcard (the kernel's pairs per address); the 17th is
	 * refused, however it spells the name. Another pattern has 16 of its own. */
	len = sprintf(buf, "[network]\n");
	for (int i = 0; i < 16; i++)
		len += sprintf(buf + len, "allow = api.example.com tcp %d\n", 8000 + i);
	for (int i = 0; i < 16; i++)
		len += sprintf(buf + len, "allow = *.api.example.com tcp %d\n", 8000 + i);
	len += sprintf(buf + len, "allow = example.com tcp 1\n");
	if (PARSE_OK(buf, &p)) {
		CHECK(p.n_allow_names == 33, "%zu names", p.n_allow_names);
		policy_free(&p);
	}
	sprintf(buf + len, "allow = API.example.com. udp 53\n");
	PARSE_BAD(buf, "35:9: too many allow lines for 'API.example.com.' (max 16 for one name:"
		  " the protocol/port pairs the kernel keeps per address)");
	sprintf(buf + len, "allow = *.api.example.com\n");
	PARSE_BAD(buf, "35:9: too many allow lines for '*.api.example.com' (max 16 for one name:"
		  " the protocol/port pairs the kernel keeps per address)");
	free(buf);
}

static void test_name_matching(void)
{
	const struct policy_net_name *out[8];
	struct policy_net_name exact = { .name = "example.com" };
	struct policy_net_name wild = { .name = "example.com", .wildcard = true };
	char norm[POLICY_DNS_NAME_MAX + 1];
	struct policy p;

	CHECK(policy_name_matches(&exact, "example.com"), "exact");
	CHECK(!policy_name_matches(&exact, "a.example.com"), "exact matched below");
	CHECK(!policy_name_matches(&exact, "xexample.com"), "exact matched xexample.com");
	CHECK(!policy_name_matches(&exact, "example.co"), "exact matched a prefix");
	CHECK(!policy_name_matches(&exact, "example.com.evil"), "exact matched longer");
	CHECK(!policy_name_matches(&exact, ""), "exact matched the empty name");
	CHECK(policy_name_matches(&wild, "a.example.com"), "wildcard one below");
	CHECK(policy_name_matches(&wild, "a.b.example.com"), "wildcard two below");
	CHECK(!policy_name_matches(&wild, "example.com"), "wildcard matched its apex");
	CHECK(!policy_name_matches(&wild, "xexample.com"), "wildcard matched xexample.com");
	CHECK(!policy_name_matches(&wild, ".example.com"), "wildcard matched an empty label");
	CHECK(!policy_name_matches(&wild, "a.example.com.evil"), "wildcard matched longer");
	CHECK(!policy_name_matches(&wild, "com"), "wildcard matched a suffix of its name");
	/* DNS is case-blind and a name may be asked for with a trailing dot: the same name. */
	CHECK(policy_name_matches(&exact, "EXAMPLE.Com.") &&
		      policy_name_matches(&wild, "A.Example.COM"),
	      "case or trailing dot");

	/* Deny wins over every allow, exact or wildcard; a wildcard deny leaves its apex. */
	if (PARSE_OK("[network]\nallow = *.example.com tcp 443\nallow = evil.example.com tcp 80\n"
		     "allow = api.example.com tcp 443\nallow = api.example.com udp 53\n"
		     "allow = bad.example.com any\ndeny = evil.example.com *.bad.example.com\n",
		     &p)) {
		CHECK(policy_name_denied(&p, "evil.example.com"), "evil not denied");
		CHECK(policy_name_denied(&p, "EVIL.example.com."), "EVIL. not denied");
		CHECK(policy_name_ports(&p, "evil.example.com", out, 8) == 0, "evil granted");
		CHECK(policy_name_ports(&p, "Evil.Example.Com", out, 8) == 0, "Evil granted");
		CHECK(policy_name_ports(&p, "x.bad.example.com", out, 8) == 0, "x.bad granted");
		CHECK(!policy_name_denied(&p, "bad.example.com"), "wildcard deny took its apex");
		CHECK(policy_name_ports(&p, "bad.example.com", out, 8) == 2 && out[0]->proto ==
		      IPPROTO_TCP && out[0]->port == 443 && out[1]->proto == 0 && !out[1]->port,
		      "bad.example.com: its line and the wildcard's");
		CHECK(policy_name_ports(&p, "www.example.com", out, 8) == 1 &&
		      out[0]->wildcard && out[0]->port == 443, "wildcard grant");
		CHECK(policy_name_ports(&p, "example.com", out, 8) == 0, "apex granted");
		CHECK(policy_name_ports(&p, "xexample.com", out, 8) == 0, "xexample.com granted");
		CHECK(policy_name_ports(&p, "example.org", out, 8) == 0, "unlisted granted");
		/* tcp 443 from the wildcard and api's own line once; udp 53 besides. */
		CHECK(policy_name_ports(&p, "api.example.com", out, 8) == 2 &&
		      out[0]->proto == IPPROTO_TCP && out[0]->port == 443 &&
		      out[1]->proto == IPPROTO_UDP && out[1]->port == 53, "api.example.com pairs");
		CHECK(policy_name_ports(&p, "api.example.com", out, 1) == 1, "max not kept");
		CHECK(policy_name_ports(&p, "api.example.com", out, 0) == 0, "max 0 not kept");
		policy_free(&p);
	}

	CHECK(!policy_dns_name_normalize("API.Example.COM.", norm) &&
	      !strcmp(norm, "api.example.com"), "normalize: %s", norm);
	CHECK(!policy_dns_name_normalize("localhost", norm) && !strcmp(norm, "localhost"),
	      "normalize one label");
	CHECK(policy_dns_name_normalize("*.example.com", norm) == -EINVAL, "normalize wildcard");
	CHECK(policy_dns_name_normalize("b\xc3\xbc" "cher.de", norm) == -EINVAL, "non-ASCII");
	CHECK(policy_dns_name_normalize("", norm) == -EINVAL, "normalize empty");
	CHECK(policy_dns_name_normalize(".", norm) == -EINVAL, "normalize root");
	CHECK(policy_dns_name_normalize("1.2.3.4", norm) == -EINVAL, "normalize address");
	CHECK(policy_dns_name_normalize("a b.com", norm) == -EINVAL, "normalize space");
}

static void test_repo_policies(const char *root)
{
	char *path = join(root, "policies/function.policy");
	char *exdir = join(root, "policies/examples");
	char err[POLICY_ERR_MAX];
	struct policy p;
	uint8_t a[16];
	size_t n;
	char **names;

	if (CHECK(!policy_parse_file(path, &p, err, sizeof(err)), "%s: %s", path, err)) {
		bool source_r = false, scratch_w = false;

		CHECK(!strcmp(p.name, "function"), "name %s", p.name);
		CHECK(p.mode == POLICY_MODE_ENFORCE, "mode %d", p.mode);
		CHECK(!p.connect_allow && p.n_allow == 0, "function.policy allows connections");
		CHECK(p.families == (FAM(AF_UNIX) | FAM(AF_INET) | FAM(AF_INET6)),
		      "families %#llx", (unsigned long long)p.families);
		CHECK(p.n_broker_unix == 1 &&
		      !strcmp(p.broker_unix[0].path, "/run/runner/broker.sock"), "broker unix");
		addr_of("127.0.0.1", a);
		CHECK(p.n_broker_tcp == 1 && !memcmp(p.broker_tcp[0].addr, a, 16) &&
		      p.broker_tcp[0].port == 7700, "broker tcp");
		CHECK(!reaches_secret(&p), "%s grants %s", path, reaches_secret(&p));
		for (size_t i = 0; i < p.n_paths; i++) {
			const struct policy_path *pp = &p.paths[i];

			source_r |= !strcmp(pp->path, "${source}") && pp->perm == R;
			scratch_w |= !strcmp(pp->path, "${scratch}") && pp->perm == W;
			/* /dev/shm: inside `bpfence run` the invocation's own tmpfs (run.c). */
			if (pp->perm == W)
				CHECK(!strncmp(pp->path, "${scratch}", 10) ||
				      !strcmp(pp->path, "/dev/null") ||
				      !strcmp(pp->path, "/dev/zero") ||
				      !strcmp(pp->path, "/dev/full") ||
				      !strcmp(pp->path, "/dev/shm"),
				      "%s:%u: writes '%s'", path, pp->loc.line, pp->path);
		}
		CHECK(source_r, "${source} not readable");
		CHECK(scratch_w, "${scratch} not writable");
		CHECK(p.disk_max && p.disk_inodes, "function.policy sets no [limits]");
		policy_free(&p);
	}
	{
		char *text = read_text(path);

		if (text)
			mutate(path, text);
		free(text);
	}

	names = list_dir(exdir, ".policy", &n);
	CHECK(n >= 3, "%s: only %zu examples", exdir, n);
	for (size_t i = 0; i < n; i++) {
		char *ex = join(exdir, names[i]);
		int ret = policy_parse_file(ex, &p, err, sizeof(err));

		if (CHECK(ret == 0, "%s: %s", ex, err)) {
			check_invariants(ex, &p);
			CHECK(!reaches_secret(&p), "%s grants %s", ex, reaches_secret(&p));
			policy_free(&p);
		}
		free(ex);
	}
	free_list(names);
	free(exdir);
	free(path);
}

/* ---- audit records (loader/events.c) ------------------------------------------------------ */

static void test_event_json(void)
{
	static const char want[] =
		"{\"time\": \"2026-11-22T01:02:03.456789Z\", \"event\": \"denial\", "
		"\"invocation\": \"d7e098d34fc810d95af82994444e35c3\", \"cgroup_id\": 42, "
		"\"policy\": \"vmtest\", \"pid\": 7, \"tgid\": 6, \"uid\": 0, "
		"\"comm\": \"a\\\"b\\\\c\\u0001\\u00ff\", \"hook\": \"file_open\", "
		"\"class\": \"file\", \"action\": \"denied\", \"errno\": \"EACCES\", "
		"\"object\": \"file\", \"path\": \"/etc/shadow\", \"dev\": \"8:1\", "
		"\"ino\": 1234, \"access\": \"read\"}";
	static const unsigned int objects[] = { BPFENCE_OBJ_NONE, BPFENCE_OBJ_FILE, BPFENCE_OBJ_INET,
						BPFENCE_OBJ_UNIX, BPFENCE_OBJ_SOCKET,
						BPFENCE_OBJ_TASK, BPFENCE_OBJ_IPC };
	struct bpfence_event e;
	char buf[BPFENCE_EVENT_JSON_MAX + 64];
	int len;

	/* 2026-11-22T01:02:03.456789Z as boot time 1000 s plus the offset to realtime. */
	memset(&e, 0, sizeof(e));
	e.ts_ns = 1000000000000ULL;
	e.cgroup = 42;
	e.pid = 7;
	e.tgid = 6;
	e.hook = BPFENCE_HOOK_FILE_OPEN;
	e.class = BPFENCE_CLASS_FILE;
	e.action = BPFENCE_ACTION_DENIED;
	e.err = EACCES;
	e.object = BPFENCE_OBJ_FILE;
	memcpy(e.comm, "a\"b\\c\x01\xff", 7);
	strcpy(e.policy, "vmtest");
	strcpy(e.id, "d7e098d34fc810d95af82994444e35c3");
	strcpy(e.path, "/etc/shadow");
	e.dev = (8u << 20) | 1;
	e.ino = 1234;
	e.mask = BPFENCE_PERM_READ;
	len = bpfence_event_json(&e, 1795309323456789000LL - 1000000000000LL, buf, sizeof(buf));
	CHECK(!strcmp(buf, want) && len == (int)strlen(want), "record:\n got %s\nwant %s", buf,
	      want);

	/* A path the walk could not finish says so; the flag is not part of "access". */
	e.mask = BPFENCE_PERM_WRITE | BPFENCE_PATH_PARTIAL;
	len = bpfence_event_json(&e, 0, buf, sizeof(buf));
	CHECK(len > 0 && strstr(buf, "\"access\": \"write\", \"path_partial\": true}"),
	      "partial path: %s", buf);
	e.mask = BPFENCE_PERM_READ;
	{
		struct bpfence_event ipc = e;

		ipc.object = BPFENCE_OBJ_IPC;
		ipc.class = BPFENCE_CLASS_IPC;
		ipc.hook = BPFENCE_HOOK_MSG_QUEUE_ALLOC;
		strcpy(ipc.path, "msg");
		ipc.ino = 0x6161;
		ipc.dev = 3;
		len = bpfence_event_json(&ipc, 0, buf, sizeof(buf));
		CHECK(len > 0 && strstr(buf, "\"hook\": \"msg_queue_alloc_security\", \"class\": "
				       "\"ipc\"") &&
			      strstr(buf, "\"object\": \"ipc\", \"ipc\": \"msg\", \"key\": 24929, "
					  "\"id\": 3}"),
		      "ipc record: %s", buf);
	}

	/* Cut short: NUL-terminated within n, length n - 1, the prefix of the whole record. */
	for (size_t n = 1; n < 40; n += 13) {
		memset(buf, 'x', sizeof(buf));
		len = bpfence_event_json(&e, 1795309323456789000LL - 1000000000000LL, buf, n);
		CHECK(len == (int)n - 1 && buf[n - 1] == 0 && !strncmp(buf, want, n - 1),
		      "cut to %zu: len %d, '%s'", n, len, buf);
	}

	/* The longest record hostile input can make: every string field full and every byte
	 * escaped, for each kind of object. It must fit BPFENCE_EVENT_JSON_MAX whole. */
	memset(&e, 0xff, sizeof(e));
	for (size_t i = 0; i < sizeof(objects) / sizeof(objects[0]); i++) {
		e.object = objects[i];
		memset(buf, 'x', sizeof(buf));
		len = bpfence_event_json(&e, 0, buf, sizeof(buf));
		CHECK(len > 0 && len < BPFENCE_EVENT_JSON_MAX && buf[len - 1] == '}' && !buf[len],
		      "object %u: worst-case record is %d bytes (BPFENCE_EVENT_JSON_MAX %d)",
		      objects[i], len, BPFENCE_EVENT_JSON_MAX);
	}
}

/* ---- JSON and policy learn (loader/json.c, loader/learn.c) -------------------------------- */

static void test_json(void)
{
	static const struct {
		const char *text;
		size_t col;
	} bad[] = {
		{ "", 1 },	     { "[]", 1 },	     { "{\"a\": 1,}", 9 },
		{ "{\"a\" 1}", 6 },  { "{\"a\": tru}", 7 },  { "{\"a\": \"x}", 10 },
		{ "{\"a\": 01}", 8 }, { "{\"a\": 1} x", 10 }, { "{\"a\": \"\\u0000\"}", 13 },
		{ "{\"a\": [1, {\"b\": }]}", 17 },
	};
	struct json_object o;
	const char *why = "";
	char *buf = NULL;
	size_t col = 0, len;
	FILE *f;

	CHECK(!json_object_parse(" {\"s\": \"a\\\"b\\u00ff\\u00e9\\ud83d\\ude00\", \"n\": -1.5e3, "
				 "\"t\": true, \"z\": null, \"o\": {\"x\": [1, \"y\"]}, \"n\": 7} ",
				 &o, &col, &why), "valid object refused at %zu: %s", col, why);
	CHECK(o.n == 6, "%zu members", o.n);
	CHECK(!strcmp(json_get_str(&o, "s"), "a\"b\xff\xe9\xf0\x9f\x98\x80"),
	      "\\u00XX is the byte, other escapes UTF-8: '%s'", json_get_str(&o, "s"));
	CHECK(!strcmp(json_get(&o, "n")->value, "7"), "the last of a repeated key wins");
	CHECK(json_get(&o, "t")->type == JSON_TRUE && json_get(&o, "z")->type == JSON_NULL &&
	      json_get(&o, "o")->type == JSON_NESTED && !json_get_str(&o, "o") &&
	      !json_get(&o, "missing"), "types");
	json_object_free(&o);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		col = 0;
		CHECK(json_object_parse(bad[i].text, &o, &col, &why) == -EINVAL &&
		      col == bad[i].col, "'%s': column %zu, want %zu", bad[i].text, col,
		      bad[i].col);
	}

	/* The writer: commas, nesting and escaping are its business, and the reader reads it, one
	 * line or pretty (one member per line; empty nests stay "{}" and "[]"). */
	static const char *const want[2] = {
		"{\"p\": \"/a \\\"b\\\"\\\\\\u0001\\u00ff\", \"l\": [1, {}, false], \"z\": null}\n",
		"{\n    \"p\": \"/a \\\"b\\\"\\\\\\u0001\\u00ff\",\n    \"l\": [\n        1,\n"
		"        {},\n        false\n    ],\n    \"z\": null\n}\n",
	};
	for (int pretty = 0; pretty < 2; pretty++) {
		struct json_writer w;

		f = open_memstream(&buf, &len);
		if (!CHECK(f != NULL, "open_memstream"))
			return;
		jsonw_init(&w, f);
		jsonw_pretty(&w, pretty);
		jsonw_start_object(&w);
		jsonw_string_field(&w, "p", "/a \"b\"\\\x01\xff");
		jsonw_name(&w, "l");
		jsonw_start_array(&w);
		jsonw_uint(&w, 1);
		jsonw_start_object(&w);
		jsonw_end_object(&w);
		jsonw_bool(&w, false);
		jsonw_end_array(&w);
		jsonw_string_field(&w, "z", NULL);
		jsonw_end_object(&w);
		fclose(f);
		CHECK(!strcmp(buf, want[pretty]), "writer (pretty %d): %s", pretty, buf);
		CHECK(!json_object_parse(buf, &o, &col, &why) &&
		      !strcmp(json_get_str(&o, "p"), "/a \"b\"\\\x01\xff"),
		      "round trip (pretty %d)", pretty);
		json_object_free(&o);
		free(buf);
	}
}

/* The one writer's string rule (docs/audit.md), numbers and buffer sink; a parsed object written
 * back; and text escaping for terminals (loader/text.c). */
static void test_json_writer(void)
{
	static const struct {
		const char *in, *want;
	} strs[] = {
		{ "plain /a-b_c.d", "\"plain /a-b_c.d\"" },
		{ "q\"b\\", "\"q\\\"b\\\\\"" },
		{ "\x01\x1b[2J\n\t\x7f", "\"\\u0001\\u001b[2J\\u000a\\u0009\\u007f\"" },
		/* Invalid UTF-8 and valid UTF-8 alike: one \u00XX per byte, the output is ASCII. */
		{ "\xff\xc3", "\"\\u00ff\\u00c3\"" },
		{ "caf\xc3\xa9", "\"caf\\u00c3\\u00a9\"" },
	};
	static const struct {
		const char *in, *want;
	} texts[] = {
		{ "python3", "python3" },
		{ "evil\x1b[2Jx", "evil\\x1b[2Jx" },
		{ "a\\b", "a\\\\b" },
		{ "tab\there\x7f", "tab\\x09here\\x7f" },
		{ "caf\xc3\xa9 \xf0\x9f\x98\x80", "caf\xc3\xa9 \xf0\x9f\x98\x80" },
		{ "\xff\xc3z", "\\xff\\xc3z" },
		{ "\xc0\xaf", "\\xc0\\xaf" },             /* overlong "/" */
		{ "\xed\xa0\x80", "\\xed\\xa0\\x80" },     /* a UTF-16 surrogate */
		{ "\xc2\x9b" "2J", "\\xc2\\x9b2J" },       /* C1 CSI */
		{ "a\xe2\x80\xae" "b", "a\\xe2\\x80\\xaeb" }, /* right-to-left override */
		{ "end\xe2\x82", "end\\xe2\\x82" },        /* cut short */
	};
	char buf[256], text[BPFENCE_TEXT_MAX(32)];
	struct json_writer w;
	struct json_object o;
	const char *why = "";
	size_t col = 0;

	for (size_t i = 0; i < sizeof(strs) / sizeof(strs[0]); i++) {
		jsonw_init_buf(&w, buf, sizeof(buf));
		jsonw_string(&w, strs[i].in);
		CHECK(!strcmp(buf, strs[i].want) && jsonw_buf_len(&w) == strlen(strs[i].want),
		      "string %zu: got %s want %s", i, buf, strs[i].want);
	}

	/* Numbers, literals and a bounded kernel string, into a buffer: no newline at the end. */
	jsonw_init_buf(&w, buf, sizeof(buf));
	jsonw_start_object(&w);
	jsonw_int_field(&w, "i", -9223372036854775807LL - 1);
	jsonw_uint_field(&w, "u", 18446744073709551615ULL);
	jsonw_float_field(&w, "f", 1.5);
	jsonw_float_field(&w, "nan", 0.0 / 0.0);
	jsonw_bool_field(&w, "b", true);
	jsonw_null_field(&w, "z");
	jsonw_name(&w, "comm");
	jsonw_string_n(&w, "abcdef", 3);
	jsonw_end_object(&w);
	CHECK(!strcmp(buf, "{\"i\": -9223372036854775808, \"u\": 18446744073709551615, \"f\": 1.5, "
			   "\"nan\": null, \"b\": true, \"z\": null, \"comm\": \"abc\"}"),
	      "numbers: %s", buf);

	/* Cut short: a NUL-terminated prefix of n - 1 bytes; off counts what it needed. */
	jsonw_init_buf(&w, buf, 8);
	jsonw_start_object(&w);
	jsonw_string_field(&w, "key", "value");
	jsonw_end_object(&w);
	CHECK(!strcmp(buf, "{\"key\":") && jsonw_buf_len(&w) == 7 && w.off == 16,
	      "cut: '%s' len %zu off %zu", buf, jsonw_buf_len(&w), w.off);

	/* A parsed object written back: order kept, raw bytes re-escaped, nesting walked. */
	{
		int r = json_object_parse("{\"c\": \"e\\u001b\\u00ff\xc3\", \"n\": -1.5e3, "
					  "\"t\": false, \"o\": {\"a\": [1, \"\xff\", {}], "
					  "\"b\": null}, \"z\": null}", &o, &col, &why);

		CHECK(!r, "parse: %s at %zu", why, col);
	}
	jsonw_init_buf(&w, buf, sizeof(buf));
	CHECK(!jsonw_object(&w, &o), "jsonw_object");
	CHECK(!strcmp(buf, "{\"c\": \"e\\u001b\\u00ff\\u00c3\", \"n\": -1.5e3, \"t\": false, "
			   "\"o\": {\"a\": [1, \"\\u00ff\", {}], \"b\": null}, \"z\": null}"),
	      "written back: %s", buf);
	json_object_free(&o);

	for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		bpfence_text_escape(texts[i].in, (size_t)-1, text, sizeof(text));
		CHECK(!strcmp(text, texts[i].want), "text %zu: got '%s' want '%s'", i, text,
		      texts[i].want);
		CHECK(bpfence_text_printable(texts[i].in) ==
			      !strcmp(texts[i].in, texts[i].want) || strchr(texts[i].in, '\\'),
		      "printable %zu", i);
	}
	/* Cut to fit at a character boundary, never in an escape; max bounds a kernel array. */
	bpfence_text_escape("ab\x1b" "cd", (size_t)-1, text, 6);
	CHECK(!strcmp(text, "ab"), "cut before an escape: '%s'", text);
	bpfence_text_escape("x\xc3\xa9y", (size_t)-1, text, 3);
	CHECK(!strcmp(text, "x"), "cut before a character: '%s'", text);
	bpfence_text_escape("abcdef", 3, text, sizeof(text));
	CHECK(!strcmp(text, "abc"), "max: '%s'", text);
}

static void learn_file(struct learn *l, const char *hook, const char *cls, const char *path,
		       const char *access)
{
	struct learn_record r = { .hook = hook, .class = cls, .object = "file", .path = path,
				  .access = access, .type = -1, .tgid = -1,
				  .invocation = "0123456789abcdef" };

	CHECK(!learn_add(l, &r), "learn_add %s", path);
}

static const struct learn_item *find_item(const struct learn_item *it, size_t n, const char *key,
					  const char *value)
{
	for (size_t i = 0; i < n; i++) {
		if (!strcmp(it[i].key ? it[i].key : it[i].kind, key) && !strcmp(it[i].value, value))
			return &it[i];
	}
	return NULL;
}

static void test_learn(void)
{
	static const char *const never[] = { "/", "/etc", "/usr", "/proc", "/sys", "/dev", "/home",
					     "/root", "/var", "/run", "/tmp", "/var/lib", "/etc/ssl",
					     "/sys/fs", "/etc/ssh", "/proc/1", "/run/user", "/x" };
	static const char *const secret[] = { "/etc/shadow", "/etc/gshadow-", "/etc/sudoers.d/x",
					      "/etc/ssl/private/k", "/root/.bashrc",
					      "/home/a/notes", "/run/secrets/token",
					      "/srv/u/.ssh/id_ed25519", "/etc/nginx/tls.key",
					      "/etc/ssh/ssh_host_rsa_key", "/proc/1/environ" };
	const char *kind;
	struct learn l;
	const struct learn_item *it;

	for (size_t i = 0; i < sizeof(never) / sizeof(never[0]); i++)
		CHECK(!learn_dir_collapsible(never[i]), "'%s' proposed as a directory", never[i]);
	CHECK(learn_dir_collapsible("/usr/lib") && learn_dir_collapsible("/etc/ssl/certs") &&
	      learn_dir_collapsible("${source}"), "ordinary directories refused");
	for (size_t i = 0; i < sizeof(secret) / sizeof(secret[0]); i++)
		CHECK(learn_path_refused(secret[i], &kind) != NULL, "'%s' not a secret", secret[i]);
	CHECK(learn_path_refused("/sys/fs/cgroup/x", &kind) && !strcmp(kind, "cgroupfs") &&
	      learn_path_refused("/sys/fs/bpf", &kind) && !strcmp(kind, "bpffs") &&
	      !learn_path_refused("/etc/ssl/certs/a.pem", &kind) &&
	      !learn_path_refused("/etc/passwd", &kind) && !learn_path_refused("/proc/cpuinfo", &kind),
	      "refusals");

	learn_init(&l, "/srv/fn", NULL);
	learn_file(&l, "file_open", "file", "/usr/share/a/x", "read");
	learn_file(&l, "file_open", "file", "/usr/share/a/z", "read");
	learn_file(&l, "file_open", "file", "/usr/share/b/y", "read,write");
	learn_file(&l, "file_open", "file", "/usr/share/b/w", "read");
	learn_file(&l, "file_open", "file", "/usr/local/x/lone", "read");
	learn_file(&l, "file_open", "file", "/etc/a.conf", "read");
	learn_file(&l, "file_open", "file", "/etc/b.conf", "read");
	learn_file(&l, "file_open", "file", "/etc/ssl/certs/c", "read");
	learn_file(&l, "file_open", "file", "/etc/ssl/openssl.cnf", "read");
	learn_file(&l, "file_open", "file", "/etc/ssl/private/k", "read");
	learn_file(&l, "file_open", "file", "/etc", "read");
	learn_file(&l, "file_open", "file", "/opt/t/bin/a", "exec");
	learn_file(&l, "file_open", "file", "/opt/t/bin/b", "exec");
	learn_file(&l, "path_mkdir", "file", "fn", "write");
	learn_file(&l, "file_open", "file", "/srv/fn/out/r.txt", "write");
	learn_file(&l, "path_unlink", "file", "nowhere", "write");
	CHECK(!learn_finish(&l), "learn_finish");
	CHECK(l.records == 16, "%lu records", l.records);
	/* Siblings climb to their common parent, but /etc and /etc/ssl are never granted whole. */
	it = find_item(l.files, l.n_files, "read", "/usr/share");
	CHECK(it && it->count == 4 && !strcmp(it->example, "/usr/share/a/x"), "read /usr/share");
	CHECK(find_item(l.files, l.n_files, "read", "/usr/local/x/lone"), "a lone file stays one");
	CHECK(find_item(l.files, l.n_files, "read", "/etc/a.conf") &&
	      find_item(l.files, l.n_files, "read", "/etc/b.conf") &&
	      find_item(l.files, l.n_files, "read", "/etc/ssl/certs/c") &&
	      find_item(l.files, l.n_files, "read", "/etc/ssl/openssl.cnf"), "/etc files one by one");
	CHECK(find_item(l.files, l.n_files, "write", "/usr/share/b/y"), "write of one file");
	/* exec is never collapsed. */
	CHECK(find_item(l.files, l.n_files, "exec", "/opt/t/bin/a") &&
	      find_item(l.files, l.n_files, "exec", "/opt/t/bin/b"), "exec per file");
	/* The bare name of path_mkdir is placed by the full path beside it, then ${source}. */
	it = find_item(l.files, l.n_files, "write", "${source}");
	CHECK(it && it->count == 2, "write ${source}");
	CHECK(l.n_files == 10, "%zu file lines", l.n_files);
	CHECK(find_item(l.warnings, l.n_warnings, "secret", "/etc/ssl/private/k") &&
	      find_item(l.warnings, l.n_warnings, "broad", "/etc") &&
	      find_item(l.warnings, l.n_warnings, "unplaced", "nowhere") && l.n_warnings == 3,
	      "%zu warnings", l.n_warnings);
	learn_free(&l);
}

/* ---- deny and the lexical walk (loader/marks.c) ------------------------------------------- */

static void test_deny(void)
{
	struct policy p;
	char buf[64];

	/* deny takes paths as the grants do: several per line, variables, quoted, its own bit. */
	if (PARSE_OK("[files]\nread = /etc\ndeny = /etc/shadow  ${source}/.git\n"
		     "deny = \"/etc/a b\"\n", &p)) {
		CHECK(p.n_paths == 4, "n_paths %zu", p.n_paths);
		CHECK_PATH(&p, 1, "/etc/shadow", D, 3, 8);
		CHECK_PATH(&p, 2, "${source}/.git", D, 3, 21);
		CHECK_PATH(&p, 3, "/etc/a b", D, 4, 8);
		policy_free(&p);
	}
	PARSE_BAD("[files]\ndeny = etc/shadow\n", "2:8: relative path 'etc/shadow' (expected an"
		  " absolute path, or one starting with ${source} or ${scratch})");
	PARSE_BAD("[files]\ndeny = /etc/../root\n", "2:13: '..' in path '/etc/../root'"
		  " (expected a path without . or .. components)");
	PARSE_BAD("[files]\ndeny =\n", "2:1: missing value for 'deny' (expected one or more"
		  " absolute paths)");
	/* In [network], deny takes names (test_names); a path there is pointed to [files]. */
	PARSE_BAD("[network]\ndeny = /x\n", "2:8: path '/x' in [network] deny (expected DNS"
		  " names; paths are denied in [files])");
	PARSE_BAD("[policy]\ndeny = /x\n", "2:1: unknown key 'deny' in [policy] (expected"
		  " name, mode; deny belongs in [network] or [files])");
	PARSE_BAD("[broker]\nread = /x\n", "2:1: unknown key 'read' in [broker] (expected"
		  " unix, tcp; read belongs in [files])");
	/* A deny counts toward the paths a policy may have. */
	{
		size_t cap = 200000, len;
		char *big = malloc(cap);

		if (!big)
			exit(2);
		len = sprintf(big, "[files]\n");
		for (int i = 0; i < 16384; i++)
			len += sprintf(big + len, "%s/p%d", i % 8 ? " " : "\nread = ", i);
		sprintf(big + len, "\ndeny = /p0/x\n");
		snprintf(buf, sizeof(buf), "2051:8: too many paths (max 16384)");
		PARSE_BAD(big, buf);
		free(big);
	}
}

static const char *verdict_name(enum policy_verdict v)
{
	static const char *const names[] = { "granted", "no grant", "denied", "writable" };

	return names[v];
}

/* The walk's verdict on path for want, and the path of the mark that decided ("" for none). */
static void check_walk(int line, const struct policy_marks *m, const char *path,
		       unsigned int want, enum policy_verdict v, const char *by_path)
{
	const struct policy_mark *by;
	enum policy_verdict got = policy_marks_walk(m, path, want, &by);
	const char *bp = by ? by->path : "";

	check(got == v && !strcmp(bp, by_path), line, "walk", "%s want %u: %s by '%s', want %s"
	      " by '%s'", path, want, verdict_name(got), bp, verdict_name(v), by_path);
}

#define CHECK_WALK(m, ...) check_walk(__LINE__, (m), __VA_ARGS__)

static void test_marks(void)
{
	struct policy_vars vars = { .source = "/srv/fn", .scratch = NULL };
	struct policy_marks m;
	struct policy p;

	if (!PARSE_OK("[files]\nread = /etc /usr ${source}\nexec = /usr\n"
		      "deny = /etc/shadow /etc/ssl/private\nread = /etc/ssl/private/public.pem\n"
		      "read = /opt/both\ndeny = /opt/both\nwrite = ${scratch} /srv/fn/out\n"
		      "exec = /srv/fn/out/bin\nmap = /srv/fn/out/lib\nwrite = /usr/local/w\n"
		      "deny = ${source}/.git\nread = /usr\n", &p))
		return;
	if (!CHECK(!policy_marks_build(&m, &p, &vars), "policy_marks_build")) {
		policy_free(&p);
		return;
	}
	/* One mark per path: keys add up, the first line of each is kept for messages. */
	CHECK(m.n == 13, "%zu marks", m.n);
	CHECK(policy_marks_find(&m, "/usr") && policy_marks_find(&m, "/usr")->perm == (R | X) &&
	      policy_mark_line(policy_marks_find(&m, "/usr"), R)->loc.line == 2,
	      "/usr: read and exec, first read on line 2");
	/* ${source} is bound and expanded; ${scratch} is not and stays as written. */
	CHECK(policy_marks_find(&m, "/srv/fn/.git") && policy_marks_find(&m, "${scratch}") &&
	      !policy_marks_find(&m, "${source}"), "variables");

	CHECK_WALK(&m, "/etc/passwd", R, POLICY_GRANTED, "/etc");
	CHECK_WALK(&m, "/etc/shadow", R, POLICY_DENIED, "/etc/shadow");
	CHECK_WALK(&m, "/etc/ssl/private/k.pem", R, POLICY_DENIED, "/etc/ssl/private");
	/* The nearest mark decides: a grant below a deny counts... */
	CHECK_WALK(&m, "/etc/ssl/private/public.pem", R, POLICY_GRANTED,
		   "/etc/ssl/private/public.pem");
	/* ...for what it grants: write goes on up and meets the deny. */
	CHECK_WALK(&m, "/etc/ssl/private/public.pem", W, POLICY_DENIED, "/etc/ssl/private");
	/* A deny and a grant of one path: the deny wins. */
	CHECK_WALK(&m, "/opt/both/x", R, POLICY_DENIED, "/opt/both");
	CHECK_WALK(&m, "/opt/other", R, POLICY_NO_GRANT, "");
	CHECK_WALK(&m, "/", R, POLICY_NO_GRANT, "");
	/* exec implies map; grants accumulate on the way up. */
	CHECK_WALK(&m, "/usr/bin/python3", M, POLICY_GRANTED, "/usr");
	CHECK_WALK(&m, "/srv/fn/main.py", R, POLICY_GRANTED, "/srv/fn");
	CHECK_WALK(&m, "/srv/fn/.git/config", R, POLICY_DENIED, "/srv/fn/.git");
	/* Nothing the function wrote runs: a write grant met before an exec or map grant. */
	CHECK_WALK(&m, "/srv/fn/out/a.out", X, POLICY_WRITABLE, "/srv/fn/out");
	CHECK_WALK(&m, "/usr/local/w/tool", X, POLICY_WRITABLE, "/usr/local/w");
	CHECK_WALK(&m, "/usr/local/w/lib.so", M, POLICY_WRITABLE, "/usr/local/w");
	CHECK_WALK(&m, "/usr/local/w/data", R, POLICY_GRANTED, "/usr");
	/* ...unless the exec (map) grant is on that place or nearer to the file. */
	CHECK_WALK(&m, "/srv/fn/out/bin/tool", X, POLICY_GRANTED, "/srv/fn/out/bin");
	CHECK_WALK(&m, "/srv/fn/out/lib/x.so", M, POLICY_GRANTED, "/srv/fn/out/lib");
	CHECK_WALK(&m, "/srv/fn/out/lib/x", X, POLICY_WRITABLE, "/srv/fn/out");
	CHECK_WALK(&m, "${scratch}/a.out", X, POLICY_WRITABLE, "${scratch}");
	CHECK_WALK(&m, "${scratch}/x", R, POLICY_NO_GRANT, "");
	policy_marks_free(&m);
	policy_free(&p);

	/* An empty [files]: nothing is granted, nothing breaks. */
	if (PARSE_OK("[policy]\nname = x\n", &p)) {
		CHECK(!policy_marks_build(&m, &p, NULL) && m.n == 0, "empty marks");
		CHECK_WALK(&m, "/usr", R, POLICY_NO_GRANT, "");
		policy_marks_free(&m);
		policy_free(&p);
	}
}

/* The warnings of `policy check` for text, as "LINE:COL kind|" joined. */
static void check_lint(int line, const char *text, const struct policy_vars *vars,
		       const char *want)
{
	struct policy_warning *w;
	char got[1024] = "";
	size_t n, used = 0;
	struct policy p;

	if (!parse_ok(line, text, &p))
		return;
	if (check(!policy_lint(&p, vars, &w, &n), line, "policy_lint", "failed")) {
		for (size_t i = 0; i < n; i++) {
			used += snprintf(got + used, sizeof(got) - used, "%u:%u %s|", w[i].loc.line,
					 w[i].loc.col, w[i].kind);
			check(w[i].message && !strchr(w[i].message, '\n'), line, "message", "%s",
			      w[i].message);
		}
		check(!strcmp(got, want), line, "warnings", "\n  got:  %s\n  want: %s", got, want);
		policy_warnings_free(w, n);
	}
	policy_free(&p);
}

#define CHECK_LINT(text, vars, want) check_lint(__LINE__, (text), (vars), (want))

static void test_lint(void)
{
	struct policy_vars bound = { .source = "/srv/fn", .scratch = "/tmp/s" };
	struct policy_warning *w;
	struct policy p;
	size_t n;

	CHECK_LINT("[files]\nread = /etc\ndeny = /etc/shadow\nread = /etc/shadow/x\n", NULL, "");
	/* A deny inside no grant takes nothing away, even with a grant below it. */
	CHECK_LINT("[files]\nread = /etc\ndeny = /var/lib /usr/x\nread = /var/lib/a\n", NULL,
		   "3:8 deny_unused|3:17 deny_unused|");
	/* A grant and a deny of one path: the deny wins, once per key. */
	CHECK_LINT("[files]\nread = /opt/a\nwrite = /opt/a\nread = /opt/a\ndeny = /opt/a\n", NULL,
		   "2:8 deny_same_path|3:9 deny_same_path|");
	/* exec or map where the function writes: said, for the explicit exception too. */
	CHECK_LINT("[files]\nwrite = ${scratch} /srv/w\nexec = ${scratch} /srv/w/bin /usr\n"
		   "map = /srv/w/lib/x.so\nread = /usr\nwrite = /usr/local/tmp\n", NULL,
		   "3:8 exec_writable|3:19 exec_writable|4:7 exec_writable|");
	/* A deny between the write grant and the exec grant: nothing there is writable. */
	CHECK_LINT("[files]\nwrite = /srv\ndeny = /srv/ro\nexec = /srv/ro/bin\n", NULL, "");
	/* Variables compare as written, or expanded where bound. */
	CHECK_LINT("[files]\nread = /srv/fn\ndeny = ${source}/.git\n", NULL, "3:8 deny_unused|");
	CHECK_LINT("[files]\nread = /srv/fn\ndeny = ${source}/.git\n", &bound, "");
	CHECK_LINT("[files]\nwrite = /tmp/s\nexec = ${scratch}/bin\n", &bound,
		   "3:8 exec_writable|");
	if (PARSE_OK("[files]\nwrite = ${scratch}\nexec = ${scratch}\n", &p)) {
		if (CHECK(!policy_lint(&p, NULL, &w, &n) && n == 1, "%zu warnings", n))
			CHECK(!strcmp(w[0].message, "exec = ${scratch} lies inside write ="
				      " ${scratch} (line 2): files the function writes there"
				      " can run"),
			      "%s", w[0].message);
		policy_warnings_free(w, n);
		policy_free(&p);
	}
}

/* ---- learn against a policy, and --into (loader/learn.c, loader/merge.c) ------------------- */

static void learn_net(struct learn *l, const char *addr, const char *proto, unsigned long port)
{
	struct learn_record r = { .hook = "socket_connect", .class = "connect", .object = "inet",
				  .address = addr, .protocol = proto, .port = port, .type = -1,
				  .tgid = -1, .invocation = "0123456789abcdef" };

	CHECK(!learn_add(l, &r), "learn_add %s", addr);
}

static void test_learn_policy(void)
{
	static const char text[] =
		"[network]\nallow = 10.0.0.0/8 tcp 443\nfamilies = unix inet\n"
		"[files]\nread = /etc /usr\nexec = /usr\ndeny = /etc/ssl/private\n"
		"write = ${scratch} /srv/out\nmap = /srv/out/plugins\n";
	const struct learn_item *it;
	struct learn l;
	struct policy p;

	if (!PARSE_OK(text, &p))
		return;
	learn_init(&l, "/srv/fn", "/tmp/scr");
	CHECK(!learn_use_policy(&l, &p), "learn_use_policy");
	learn_file(&l, "file_open", "file", "/etc/passwd", "read");           /* granted */
	learn_file(&l, "file_open", "file", "/etc/ssl/private/k.pem", "read"); /* denied */
	learn_file(&l, "file_open", "file", "/etc/ssl/private/x", "read,write");
	learn_file(&l, "file_open", "file", "/usr/bin/jq", "exec");           /* granted */
	learn_file(&l, "bprm_check_security", "file", "/tmp/scr/a.out", "exec");
	learn_file(&l, "bprm_check_security", "file", "/tmp/scr/b/c.out", "exec");
	learn_file(&l, "mmap_file", "file", "/tmp/scr/lib.so", "map");
	learn_file(&l, "mmap_file", "file", "/srv/out/x/a.so", "map");
	learn_file(&l, "mmap_file", "file", "/srv/out/x/b.so", "map");
	learn_file(&l, "mmap_file", "file", "/srv/out/plugins/p.so", "map");  /* granted */
	learn_file(&l, "file_open", "file", "/opt/t/data", "read,write");
	learn_net(&l, "10.1.2.3", "tcp", 443);                                 /* granted */
	learn_net(&l, "10.1.2.3", "tcp", 80);
	learn_net(&l, "192.0.2.1", "tcp", 443);
	CHECK(!learn_finish(&l), "learn_finish");
	CHECK(l.granted == 4, "%lu granted", l.granted);
	/* A deny's refusal is a warning naming the deny line, one per record. */
	it = find_item(l.warnings, l.n_warnings, "deny", "/etc/ssl/private/k.pem");
	CHECK(it && it->cause && !strcmp(it->cause, "mem.policy:7: deny = /etc/ssl/private"),
	      "deny warning: %s", it ? it->cause : "none");
	CHECK(find_item(l.warnings, l.n_warnings, "deny", "/etc/ssl/private/x") &&
	      l.n_warnings == 2, "%zu warnings", l.n_warnings);
	/* exec and map where the function writes: the place itself, once, with a note; the map
	 * line folds into the exec line, which implies it. */
	it = find_item(l.files, l.n_files, "exec", "${scratch}");
	CHECK(it && it->count == 3 && it->note && it->cause &&
	      !strcmp(it->cause, "mem.policy:8: write = ${scratch}") &&
	      !strcmp(it->invocation, "0123456789ab"), "exec ${scratch}");
	CHECK(!find_item(l.files, l.n_files, "map", "${scratch}"), "map ${scratch} not folded");
	/* The writable place is never widened to its parent, or the write rule cancels it. */
	it = find_item(l.files, l.n_files, "map", "/srv/out");
	CHECK(it && it->count == 2 && it->note, "map /srv/out");
	CHECK(find_item(l.files, l.n_files, "read", "/opt/t/data") &&
	      find_item(l.files, l.n_files, "write", "/opt/t/data") && l.n_files == 4,
	      "%zu file lines", l.n_files);
	CHECK(find_item(l.network, l.n_network, "allow", "10.1.2.3/32 tcp 80") &&
	      find_item(l.network, l.n_network, "allow", "192.0.2.1/32 tcp 443") &&
	      l.n_network == 2, "%zu network lines", l.n_network);
	learn_free(&l);

	/* The rule a record names (docs/audit.md): without the target policy it is all there is,
	 * with it that policy's walk decides, and names the line. */
	for (int with = 0; with < 2; with++) {
		struct learn_record r = { .hook = "file_open", .class = "file", .object = "file",
					  .access = "read", .type = -1, .tgid = -1, .rule = "deny" };

		learn_init(&l, NULL, "/tmp/scr");
		CHECK(!with || !learn_use_policy(&l, &p), "learn_use_policy");
		r.path = "/opt/denied/x";
		CHECK(!learn_add(&l, &r), "learn_add");
		r.path = "/tmp/scr/a.out";
		r.access = "exec";
		r.rule = "written";
		CHECK(!learn_add(&l, &r), "learn_add");
		CHECK(!learn_finish(&l), "learn_finish");
		if (with)
			CHECK(find_item(l.files, l.n_files, "read", "/opt/denied/x") &&
			      find_item(l.files, l.n_files, "exec", "${scratch}") && !l.n_warnings,
			      "with the policy: %zu lines, %zu warnings", l.n_files, l.n_warnings);
		else
			CHECK(find_item(l.warnings, l.n_warnings, "deny", "/opt/denied/x") &&
			      find_item(l.warnings, l.n_warnings, "written", "/tmp/scr/a.out") &&
			      !l.n_files, "without: %zu lines, %zu warnings", l.n_files,
			      l.n_warnings);
		learn_free(&l);
	}
	policy_free(&p);
}

/* Merge l's lines into text; returns the merged text (malloc'd) after checking it parses. */
static char *merged(int line, const char *text, struct learn *l)
{
	char *out = NULL, err[POLICY_ERR_MAX];
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);
	struct policy q;

	if (!f)
		exit(2);
	check(!learn_merge(text, strlen(text), l, f), line, "learn_merge", "failed");
	fclose(f);
	if (check(!policy_parse_string(MEM, out, &q, err, sizeof(err)), line, "parses", "%s\n%s",
		  err, out))
		policy_free(&q);
	return out;
}

/* The text of line n (1-based) of s. */
static const char *line_of(const char *s, unsigned int n, char *buf, size_t size)
{
	while (--n && (s = strchr(s, '\n')))
		s++;
	if (!s)
		return "";
	snprintf(buf, size, "%.*s", (int)strcspn(s, "\n"), s);
	return buf;
}

static void test_merge(void)
{
	static const char text[] =
		"# head comment\n[policy]\nname = m\n\n[files]\n# reads\nread = /usr  # usr\n"
		"# trailing comment of [files]\n\n[limits]\ndisk_max = 64M\n[files]\nwrite = /w\n"
		"# the end, no newline";
	struct learn l;
	char *out, buf[256];
	const struct learn_item *it;

	learn_init(&l, NULL, NULL);
	learn_file(&l, "file_open", "file", "/opt/a/b c", "read");
	learn_file(&l, "file_open", "file", "/opt/x", "write");
	learn_net(&l, "192.0.2.1", "tcp", 443);
	CHECK(!learn_finish(&l), "learn_finish");
	out = merged(__LINE__, text, &l);
	/* Each section once: [files]'s lines end its last block, [network] is appended. */
	CHECK(!strcmp(out,
		      "# head comment\n[policy]\nname = m\n\n[files]\n# reads\nread = /usr  # usr\n"
		      "# trailing comment of [files]\n\n[limits]\ndisk_max = 64M\n[files]\n"
		      "write = /w\n\n"
		      "# learned from invocation 0123456789ab: 1 denial, e.g. /opt/a/b c "
		      "(file_open)\n"
		      "read = \"/opt/a/b c\"\n"
		      "# learned from invocation 0123456789ab: 1 denial, e.g. /opt/x (file_open)\n"
		      "write = /opt/x\n"
		      "# the end, no newline\n\n[network]\n"
		      "# learned from invocation 0123456789ab: 1 denial, e.g. tcp 192.0.2.1:443 "
		      "(socket_connect)\nallow = 192.0.2.1/32 tcp 443\n"), "merged:\n%s", out);
	it = find_item(l.files, l.n_files, "write", "/opt/x");
	CHECK(it && !strcmp(line_of(out, it->line, buf, sizeof(buf)), "write = /opt/x"),
	      "line %u", it ? it->line : 0);
	it = find_item(l.network, l.n_network, "allow", "192.0.2.1/32 tcp 443");
	CHECK(it && !strcmp(line_of(out, it->line, buf, sizeof(buf)),
			    "allow = 192.0.2.1/32 tcp 443"), "line %u", it ? it->line : 0);
	free(out);
	/* Nothing learned: the text as it was (completed with its last newline). */
	learn_free(&l);
	learn_init(&l, NULL, NULL);
	CHECK(!learn_finish(&l), "learn_finish");
	out = merged(__LINE__, text, &l);
	CHECK(!strncmp(out, text, strlen(text)) && !strcmp(out + strlen(text), "\n"), "%s", out);
	free(out);
	/* A section that only has its header gets the lines right below it. */
	learn_free(&l);
	learn_init(&l, NULL, NULL);
	learn_file(&l, "file_open", "file", "/opt/x", "write");
	CHECK(!learn_finish(&l), "learn_finish");
	out = merged(__LINE__, "[files]\n[limits]\n", &l);
	CHECK(!strncmp(out, "[files]\n# learned", 17), "%s", out);
	free(out);
	/* An empty policy gets its sections. */
	out = merged(__LINE__, "", &l);
	CHECK(!strncmp(out, "[files]\n# learned", 17), "%s", out);
	free(out);
	learn_free(&l);
}

/* A verifier refusal as libbpf prints it, recorded on the kernels that refused (DATA_DIR/
 * ../verifier/NAME.log): the program's name and the verifier's last line are what an operator
 * reports, so both must come out exactly. */
static void test_verifier_log(const char *data)
{
	static const struct {
		const char *file, *prog, *reason;
	} cases[] = {
		{ "socket_connect-6.12.log", "socket_connect",
		  "R2 invalid mem access 'trusted_ptr_or_null_'" },
		{ "retval-6.12.log", "socket_connect",
		  "At program exit the register R0 has unknown scalar value should have been in "
		  "[-4095, 0]" },
	};
	char path[4096], prog[64], reason[256], msg[65536];
	const char *log;
	size_t len, n;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		FILE *f;

		snprintf(path, sizeof(path), "%s/../verifier/%s", data, cases[i].file);
		f = fopen(path, "r");
		if (!CHECK(f != NULL, "%s: %s", path, strerror(errno)))
			continue;
		n = fread(msg, 1, sizeof(msg) - 1, f);
		fclose(f);
		msg[n] = 0;
		if (!CHECK(bpfence_verifier_refusal(msg, prog, sizeof(prog), &log, &len),
			   "%s: not recognised as a verifier log", path))
			continue;
		CHECK(!strcmp(prog, cases[i].prog), "%s: program '%s'", path, prog);
		CHECK(len > 0 && log[len - 1] == '\n' && !memmem(log, len, "END PROG LOAD", 13),
		      "%s: log not cut at its end marker", path);
		memmove(msg, log, len);
		msg[len] = 0;
		bpfence_verifier_reason(msg, reason, sizeof(reason));
		CHECK(!strcmp(reason, cases[i].reason), "%s: reason '%s'", path, reason);
	}
	CHECK(!bpfence_verifier_refusal("libbpf: prog 'x': failed to load: -13\n", prog,
					sizeof(prog), &log, &len),
	      "an ordinary libbpf warning taken for a verifier log");
	bpfence_verifier_reason("processed 9 insns (limit 1000000)\n", reason, sizeof(reason));
	CHECK(!strcmp(reason, "(the verifier gave no reason)"), "statistics only: '%s'", reason);
	bpfence_verifier_reason("a\nlast words\nprocessed 1 insns\nverification time 5 usec\n"
				"stack depth 8\n\n", reason, sizeof(reason));
	CHECK(!strcmp(reason, "last words"), "statistics after the reason: '%s'", reason);
	bpfence_verifier_reason("one very long line", reason, 9);
	CHECK(!strcmp(reason, "one very"), "truncation: '%s'", reason);
}

/* ---- loader/install.c against real maps ------------------------------------------------ */

/* Maps shaped like the pinned ones (the bpf/ domain headers declare them), created here: the
 * host can make maps even where it refuses LSM programs. file_max bounds file_rules, to make an install fail. */
static int make_maps(struct bpfence_maps *m, unsigned int file_max)
{
	LIBBPF_OPTS(bpf_map_create_opts, lpm, .map_flags = BPF_F_NO_PREALLOC);

	memset(m, -1, sizeof(*m));
	m->tags = bpf_map_create(BPF_MAP_TYPE_HASH, "t_tags", 8, sizeof(struct bpfence_tag), 64,
				 NULL);
	m->policies = bpf_map_create(BPF_MAP_TYPE_HASH, "t_policies", 8,
				     sizeof(struct bpfence_policy), 64, NULL);
	m->file_rules = bpf_map_create(BPF_MAP_TYPE_HASH, "t_file", sizeof(struct bpfence_file_key),
				       4, file_max, NULL);
	m->net_rules = bpf_map_create(BPF_MAP_TYPE_LPM_TRIE, "t_net", sizeof(struct bpfence_net_key),
				      sizeof(struct bpfence_net_ports), 64, &lpm);
	m->net_broker = bpf_map_create(BPF_MAP_TYPE_HASH, "t_broker",
				       sizeof(struct bpfence_broker_key), 4, 256, NULL);
	m->unix_rules = bpf_map_create(BPF_MAP_TYPE_HASH, "t_unix", sizeof(struct bpfence_unix_key),
				       4, 64, NULL);
	m->unix_abstract = bpf_map_create(BPF_MAP_TYPE_HASH, "t_abstract",
					  sizeof(struct bpfence_unix_abstract_key), 4, 64, NULL);
	m->counters = bpf_map_create(BPF_MAP_TYPE_HASH, "t_counters", 8,
				     sizeof(struct bpfence_counters), 64, NULL);
	return m->tags < 0 || m->policies < 0 || m->file_rules < 0 || m->net_rules < 0 ||
	       m->net_broker < 0 || m->unix_rules < 0 || m->unix_abstract < 0 || m->counters < 0 ?
		       -errno : 0;
}

static unsigned int map_entries(int fd, size_t key_size)
{
	unsigned char key[256], next[256];
	unsigned int n = 0;
	void *prev = NULL;

	while (!bpf_map_get_next_key(fd, prev, next)) {
		n++;
		memcpy(key, next, key_size);
		prev = key;
	}
	return n;
}

static unsigned int rule_entries(const struct bpfence_maps *m)
{
	return map_entries(m->file_rules, sizeof(struct bpfence_file_key)) +
	       map_entries(m->net_rules, sizeof(struct bpfence_net_key)) +
	       map_entries(m->net_broker, sizeof(struct bpfence_broker_key)) +
	       map_entries(m->unix_rules, sizeof(struct bpfence_unix_key)) +
	       map_entries(m->unix_abstract, sizeof(struct bpfence_unix_abstract_key));
}

static bool record_exists(__u64 id)
{
	char path[64];

	snprintf(path, sizeof(path), "/run/bpfence/rules/%016llx", (unsigned long long)id);
	return !access(path, F_OK);
}

static void test_install(void)
{
	char dir[] = "/tmp/test_install.XXXXXX", path[128], err[POLICY_ERR_MAX], why[512];
	struct bpfence_maps m, small;
	struct bpfence_policy bp;
	struct policy p, q;
	__u64 inv = 0x7e57000000000000ULL | (unsigned long long)getpid(), inv2 = inv + (1ULL << 32);
	__u32 perm = 0;
	FILE *f;
	int r;

	if (!CHECK(!make_maps(&m, 1024), "cannot create test maps (run as root): %s",
		   strerror(errno)))
		return;
	if (!CHECK(mkdtemp(dir) != NULL, "mkdtemp: %s", strerror(errno)))
		return;
	snprintf(path, sizeof(path), "%s/p.policy", dir);
	f = fopen(path, "w");
	/* /usr twice (read, then exec): one entry with both grants; /dev/null: the node and the
	 * device; a broker on loopback: one entry per host address. */
	fprintf(f, "[policy]\nname = t\n[network]\nconnect = deny\nallow = 10.0.0.0/8 tcp 443\n"
		   "allow = 10.1.0.0/16 tcp 80\n[broker]\ntcp = 127.0.0.1:7700\ntcp = 192.0.2.7:9\n"
		   "unix = @broker-t\n[files]\nread = /usr /etc/passwd /dev/null\nexec = /usr\n");
	fclose(f);
	r = policy_parse_file(path, &p, err, sizeof(err));
	if (!CHECK(!r, "parse: %s", err))
		return;

	r = policy_install(&m, inv, "t", &p, NULL, NULL, why, sizeof(why));
	CHECK(!r, "install: %s", why);
	struct stat st;
	struct bpfence_file_key k = { .invocation = inv };

	stat("/usr", &st);
	k.ino = st.st_ino;
	k.dev = (major(st.st_dev) << 20) | minor(st.st_dev);
	CHECK(!bpf_map_lookup_elem(m.file_rules, &k, &perm) &&
		      perm == (POLICY_PERM_READ | POLICY_PERM_EXEC | POLICY_PERM_MAP),
	      "/usr merged grant: %#x", perm);
	/* /usr, /etc/passwd, /dev/null and the null device. */
	CHECK(map_entries(m.file_rules, sizeof(k)) == 4, "file entries: %u",
	      map_entries(m.file_rules, sizeof(k)));
	CHECK(map_entries(m.net_rules, sizeof(struct bpfence_net_key)) == 2, "net entries");
	CHECK(map_entries(m.unix_abstract, sizeof(struct bpfence_unix_abstract_key)) == 1,
	      "abstract entries");
	CHECK(map_entries(m.net_broker, sizeof(struct bpfence_broker_key)) >= 2, "broker entries");
	CHECK(record_exists(inv), "no record for the rule set");
	CHECK(!bpf_map_lookup_elem(m.policies, &inv, &bp) && bp.rules == inv, "policy entry");
	/* A second install on the same invocation is refused and leaves the first intact. */
	r = policy_install(&m, inv, "t", &p, NULL, NULL, why, sizeof(why));
	CHECK(r == -EEXIST, "second install: %d %s", r, why);
	CHECK(!bpf_map_lookup_elem(m.file_rules, &k, &perm), "first install damaged");

	/* A second invocation beside it, then a swap of the first: the rule set changes, the old
	 * keys are gone, the other invocation's stay. */
	r = policy_install(&m, inv2, "t2", &p, NULL, NULL, why, sizeof(why));
	CHECK(!r, "install 2: %s", why);
	unsigned int both = rule_entries(&m);

	snprintf(path, sizeof(path), "%s/q.policy", dir);
	f = fopen(path, "w");
	fprintf(f, "[policy]\nname = q\n[files]\nread = /etc/passwd\n");
	fclose(f);
	CHECK(!policy_parse_file(path, &q, err, sizeof(err)), "parse q: %s", err);
	r = policy_swap(&m, inv, &q, NULL, NULL, why, sizeof(why));
	CHECK(!r, "swap: %s", why);
	CHECK(!bpf_map_lookup_elem(m.policies, &inv, &bp) && bp.rules != inv &&
		      (bp.rules >> 63) && !strcmp(bp.name, "q"), "swapped entry");
	CHECK(!record_exists(inv) && record_exists(bp.rules), "records after the swap");
	CHECK(rule_entries(&m) == both / 2 + 1, "entries after the swap: %u (before %u)",
	      rule_entries(&m), both);
	__u64 swapped = bp.rules;

	policy_uninstall(&m, inv);
	policy_uninstall(&m, inv2);
	CHECK(rule_entries(&m) == 0, "leaked rule entries: %u", rule_entries(&m));
	CHECK(map_entries(m.policies, 8) == 0 && map_entries(m.counters, 8) == 0,
	      "leaked policies/counters");
	CHECK(!record_exists(inv2) && !record_exists(swapped), "leaked records");

	/* A full map: the install fails, says which map, and leaves nothing behind. */
	if (CHECK(!make_maps(&small, 2), "small maps: %s", strerror(errno))) {
		r = policy_install(&small, inv, "t", &p, NULL, NULL, why, sizeof(why));
		CHECK(r < 0 && strstr(why, "file_rules") && strstr(why, "all removed"),
		      "full map: %d %s", r, why);
		CHECK(rule_entries(&small) == 0 && map_entries(small.policies, 8) == 0 &&
			      map_entries(small.counters, 8) == 0,
		      "a failed install left entries");
		CHECK(!record_exists(inv), "a failed install left its record");
		bpfence_maps_close(&small);
	}
	bpfence_maps_close(&m);
	policy_free(&p);
	policy_free(&q);
	snprintf(path, sizeof(path), "rm -rf %s", dir);
	if (system(path))
		CHECK(false, "cannot remove %s", dir);
}

/* bpf/hooks.h: every enum value has its name, each program its row, exit codes their table. */
static void test_lists(void)
{
	unsigned int hooks = 0, required = 0, rows = 0;

	CHECK(!strcmp(bpfence_hook_name(BPFENCE_HOOK_NONE), "unknown"), "hook 0 has a name");
	CHECK(!strcmp(bpfence_hook_name(BPFENCE_HOOK_MAX), "unknown"), "hook MAX has a name");
	for (unsigned int h = 1; h < BPFENCE_HOOK_MAX; h++)
		CHECK(strcmp(bpfence_hook_name(h), "unknown"), "hook %u has no name", h);
	CHECK(!strcmp(bpfence_hook_name(BPFENCE_HOOK_MSG_QUEUE_ALLOC), "msg_queue_alloc_security"),
	      "hook names are the kernel's");
	for (const struct bpfence_program *p = bpfence_programs; p->prog; p++) {
		rows++;
		hooks += p->hook != NULL;
		required += p->need == BPFENCE_REQUIRED;
		CHECK(!p->hook || !strncmp(p->section, "lsm/", 4), "%s: a hook off lsm/", p->prog);
	}
	CHECK(hooks == BPFENCE_HOOK_MAX - 1, "%u hook rows for %d enum values", hooks,
	      BPFENCE_HOOK_MAX - 1);
	for (const char *const *l = bpfence_link_names; *l; l++)
		required--;
	CHECK(!required, "required programs and link names differ by %u", required);
	CHECK(rows > hooks, "no PROG rows");
	for (const struct bpfence_exit_code *e = bpfence_exit_codes; e->label; e++)
		CHECK(e->value >= 0 && e->value <= 128 && e->meaning[0], "exit code %s", e->label);
	CHECK(bpfence_exit_codes[0].value == EXIT_OK, "the table starts at 0");
}

int main(int argc, char **argv)
{
	if (argc < 2 || argc > 3) {
		fprintf(stderr, "usage: %s DATA_DIR [REPO_ROOT]\n", argv[0]);
		return 2;
	}
	test_good_dir(argv[1]);
	test_good_values(argv[1]);
	test_bad_dir(argv[1]);
	test_mem_values();
	test_mem_errors();
	test_disk_limits();
	test_limits();
	test_files();
	test_expand();
	test_families();
	test_names();
	test_name_matching();
	test_event_json();
	test_json();
	test_json_writer();
	test_learn();
	test_deny();
	test_marks();
	test_lint();
	test_learn_policy();
	test_merge();
	test_verifier_log(argv[1]);
	test_install();
	test_lists();
	if (argc == 3)
		test_repo_policies(argv[2]);
	return check_summary();
}
