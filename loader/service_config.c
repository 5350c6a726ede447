// SPDX-License-Identifier: GPL-2.0-only
/*
 * bpfenced.conf: a small INI file in the policy files' style (`[section]`, `key = value`, `#`
 * comments), read once when bpfenced starts. Every fault names file, line and column; an unknown
 * section or key is an error, never ignored, since a misspelt cap would otherwise silently be the
 * default. What the keys mean is in bpfenced.conf(5); how a request is held to them, in
 * loader/request.c.
 */
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "launch.h"
#include "service_config.h"

enum section { SEC_NONE, SEC_SOCKET, SEC_POLICIES, SEC_USERS, SEC_LIMITS };
static const char *const section_names[] = { "", "socket", "policies", "users", "limits" };

struct cfg_parser {
	struct service_config *c;
	const char *file;
	unsigned int line;
	char *why;
	size_t n;
};

static int __attribute__((format(printf, 3, 4)))
cfg_fail(struct cfg_parser *ps, size_t col, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	snprintf(ps->why, ps->n, "%s:%u:%zu: %s", ps->file, ps->line, col, msg);
	return -1;
}

static void defaults(struct service_config *c)
{
	memset(c, 0, sizeof(*c));
	snprintf(c->socket, sizeof(c->socket), "%s", SERVICE_SOCKET);
	snprintf(c->group, sizeof(c->group), "bpfence");
	snprintf(c->policy_dir, sizeof(c->policy_dir), "%s", SERVICE_POLICY_DIR);
	c->timeout_ms = 300 * 1000LL;
	c->sandbox_timeout_ms = 3600 * 1000LL;
	c->memory_max = 1ULL << 30;
	c->pids_max = 1024;
	c->disk_max = 1ULL << 30;
	c->disk_inodes = 65536;
	c->requests_per_uid = 64;
	c->sandboxes_per_uid = 4;
	c->connections = 64;
}

static bool name_char(char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
	       ch == '_' || ch == '-' || ch == '.';
}


int service_group(const char *name, gid_t *gid)
{
	struct group *gr = getgrnam(name);
	unsigned long long id;

	if (gr) {
		*gid = gr->gr_gid;
		return 0;
	}
	if (policy_parse_number(name, false, 0, (gid_t)-2, &id))
		return -1;
	*gid = (gid_t)id;
	return 0;
}

/* [policies] NAME = GROUP...: names or numbers, or "*". kcol, vcol: the key's and the value's
 * columns. */
static int add_policy(struct cfg_parser *ps, const char *key, size_t kcol, char *val, size_t vcol)
{
	struct service_config *c = ps->c;
	struct service_policy *p, *grown;
	char *save = NULL;

	if (strlen(key) >= SERVICE_NAME_MAX || key[0] == '.')
		return cfg_fail(ps, kcol, "bad policy name '%s'", key);
	for (size_t i = 0; i < c->npolicies; i++)
		if (!strcmp(c->policies[i].name, key))
			return cfg_fail(ps, kcol, "policy '%s' listed twice", key);
	grown = realloc(c->policies, (c->npolicies + 1) * sizeof(*p));
	if (!grown)
		return cfg_fail(ps, 1, "out of memory");
	c->policies = grown;
	p = &c->policies[c->npolicies];
	memset(p, 0, sizeof(*p));
	snprintf(p->name, sizeof(p->name), "%s", key);
	for (char *g = strtok_r(val, " \t", &save); g; g = strtok_r(NULL, " \t", &save)) {
		if (!strcmp(g, "*")) {
			p->anyone = true;
			continue;
		}
		if (p->ngids >= SERVICE_GROUPS_MAX)
			return cfg_fail(ps, vcol + (size_t)(g - val), "more than %d groups",
					SERVICE_GROUPS_MAX);
		if (service_group(g, &p->gids[p->ngids]))
			return cfg_fail(ps, vcol + (size_t)(g - val), "no such group '%s'", g);
		p->ngids++;
	}
	if (!p->anyone && !p->ngids)
		return cfg_fail(ps, vcol, "policy '%s' names no group (a group, or *)", key);
	c->npolicies++;
	return 0;
}

/* [users] CALLER = USER[:GROUP]. */
static int add_user(struct cfg_parser *ps, const char *key, size_t kcol, const char *val,
		    size_t vcol)
{
	struct service_config *c = ps->c;
	struct service_user u = {}, *grown;
	struct launch l = {};
	struct passwd *pw;
	unsigned long long id;

	if (!strcmp(key, "*")) {
		u.any = true;
	} else if ((pw = getpwnam(key))) {
		u.caller = pw->pw_uid;
	} else if (!policy_parse_number(key, false, 0, (uid_t)-2, &id)) {
		u.caller = (uid_t)id;
	} else {
		return cfg_fail(ps, kcol, "no such user '%s'", key);
	}
	if (launch_user(&l, val))
		return cfg_fail(ps, vcol, "no such user or group '%s'", val);
	/* Root only for root: a line giving another caller uid 0 is refused here, not at use. */
	if (l.uid == 0 && (u.any || u.caller != 0))
		return cfg_fail(ps, vcol, "'%s' is root: functions run as root only for root", val);
	u.uid = l.uid;
	u.gid = l.gid;
	for (size_t i = 0; i < c->nusers; i++)
		if (c->users[i].any == u.any && (u.any || c->users[i].caller == u.caller))
			return cfg_fail(ps, kcol, "caller '%s' listed twice", key);
	grown = realloc(c->users, (c->nusers + 1) * sizeof(u));
	if (!grown)
		return cfg_fail(ps, 1, "out of memory");
	c->users = grown;
	c->users[c->nusers++] = u;
	return 0;
}

static const struct limit_key {
	const char *key;
	bool size;
	unsigned long long min, max;
	size_t off;
	enum { LL_MS, ULL, UINT } kind;
} limit_keys[] = {
	{ "timeout", false, 1, 31536000, offsetof(struct service_config, timeout_ms), LL_MS },
	{ "sandbox_timeout", false, 1, 31536000,
	  offsetof(struct service_config, sandbox_timeout_ms), LL_MS },
	{ "memory_max", true, 0, 1ULL << 50, offsetof(struct service_config, memory_max), ULL },
	{ "pids_max", false, 1, 4194304, offsetof(struct service_config, pids_max), ULL },
	{ "disk_max", true, POLICY_DISK_MAX_MIN, 1ULL << 50,
	  offsetof(struct service_config, disk_max), ULL },
	{ "disk_inodes", false, POLICY_DISK_INODES_MIN, UINT_MAX,
	  offsetof(struct service_config, disk_inodes), ULL },
	{ "requests_per_uid", false, 1, 4096, offsetof(struct service_config, requests_per_uid),
	  UINT },
	{ "sandboxes_per_uid", false, 0, 4096,
	  offsetof(struct service_config, sandboxes_per_uid), UINT },
	{ "connections", false, 1, 4096, offsetof(struct service_config, connections), UINT },
};

static int set_limit(struct cfg_parser *ps, const char *key, size_t kcol, const char *val,
		     size_t vcol)
{
	for (size_t i = 0; i < sizeof(limit_keys) / sizeof(limit_keys[0]); i++) {
		const struct limit_key *k = &limit_keys[i];
		unsigned long long v;
		char *at = (char *)ps->c + k->off;

		if (strcmp(key, k->key))
			continue;
		if (policy_parse_number(val, k->size, k->min, k->max, &v))
			return cfg_fail(ps, vcol, "bad %s '%s' (a %s from %llu to %llu)", key, val,
					k->size ? "size" : "number", k->min, k->max);
		if (k->kind == LL_MS)
			*(long long *)at = (long long)v * 1000;
		else if (k->kind == ULL)
			*(unsigned long long *)at = v;
		else
			*(unsigned int *)at = (unsigned int)v;
		return 0;
	}
	return cfg_fail(ps, kcol, "unknown key '%s' in [limits]", key);
}

static int parse_line(struct cfg_parser *ps, char *s, enum section *sec)
{
	char *eq, *key, *val, *end;
	size_t len;

	/* A comment starts at '#' at the line's start or after a blank. */
	for (char *h = strchr(s, '#'); h; h = strchr(h + 1, '#'))
		if (h == s || h[-1] == ' ' || h[-1] == '\t') {
			*h = 0;
			break;
		}
	len = strlen(s);
	while (len && (s[len - 1] == ' ' || s[len - 1] == '\t' || s[len - 1] == '\r'))
		s[--len] = 0;
	key = s + strspn(s, " \t");
	if (!*key)
		return 0;
	if (*key == '[') {
		end = strchr(key, ']');
		if (!end || end[1])
			return cfg_fail(ps, (size_t)(key - s) + 1, "expected [section]");
		*end = 0;
		for (int i = 1; i < (int)(sizeof(section_names) / sizeof(section_names[0])); i++)
			if (!strcmp(key + 1, section_names[i])) {
				*sec = (enum section)i;
				return 0;
			}
		return cfg_fail(ps, (size_t)(key - s) + 2,
				"unknown section [%s] (socket, policies, users, limits)", key + 1);
	}
	eq = strchr(key, '=');
	if (!eq)
		return cfg_fail(ps, (size_t)(key - s) + 1, "expected key = value");
	for (end = eq; end > key && (end[-1] == ' ' || end[-1] == '\t'); end--)
		;
	*end = 0;
	val = eq + 1 + strspn(eq + 1, " \t");
	if (!*key)
		return cfg_fail(ps, (size_t)(key - s) + 1, "expected a key before '='");
	for (char *k = key; *k; k++)
		if (!name_char(*k) && !(*sec == SEC_USERS && !strcmp(key, "*")))
			return cfg_fail(ps, (size_t)(k - s) + 1, "bad character in key '%s'", key);
	if (!*val)
		return cfg_fail(ps, (size_t)(val - s) + 1, "'%s' needs a value", key);
	switch (*sec) {
	case SEC_NONE:
		return cfg_fail(ps, (size_t)(key - s) + 1, "'%s' outside a [section]", key);
	case SEC_SOCKET:
		if (!strcmp(key, "path")) {
			if (val[0] != '/' || strlen(val) >= 100)
				return cfg_fail(ps, (size_t)(val - s) + 1,
						"path must be absolute and shorter than 100");
			snprintf(ps->c->socket, sizeof(ps->c->socket), "%s", val);
			return 0;
		}
		if (!strcmp(key, "group")) {
			if (strlen(val) >= SERVICE_NAME_MAX)
				return cfg_fail(ps, (size_t)(val - s) + 1, "group name too long");
			snprintf(ps->c->group, sizeof(ps->c->group), "%s", val);
			return 0;
		}
		return cfg_fail(ps, (size_t)(key - s) + 1, "unknown key '%s' in [socket]", key);
	case SEC_POLICIES:
		if (!strcmp(key, "dir")) {
			if (val[0] != '/')
				return cfg_fail(ps, (size_t)(val - s) + 1, "dir must be absolute");
			snprintf(ps->c->policy_dir, sizeof(ps->c->policy_dir), "%s", val);
			return 0;
		}
		return add_policy(ps, key, (size_t)(key - s) + 1, val, (size_t)(val - s) + 1);
	case SEC_USERS:
		return add_user(ps, key, (size_t)(key - s) + 1, val, (size_t)(val - s) + 1);
	case SEC_LIMITS:
		return set_limit(ps, key, (size_t)(key - s) + 1, val, (size_t)(val - s) + 1);
	}
	return 0;
}

int service_config_load(const char *file, bool must_exist, struct service_config *c, char *why,
			size_t n)
{
	struct cfg_parser ps = { .c = c, .file = file, .why = why, .n = n };
	enum section sec = SEC_NONE;
	char line[4096];
	FILE *f;
	int r = 0;

	defaults(c);
	f = fopen(file, "re");
	if (!f) {
		if (errno == ENOENT && !must_exist)
			return 0;
		snprintf(why, n, "%s: %s", file, strerror(errno));
		return -1;
	}
	snprintf(c->file, sizeof(c->file), "%s", file);
	while (!r && fgets(line, sizeof(line), f)) {
		ps.line++;
		if (!strchr(line, '\n') && !feof(f)) {
			r = cfg_fail(&ps, sizeof(line) - 1, "line too long");
			break;
		}
		line[strcspn(line, "\n")] = 0;
		r = parse_line(&ps, line, &sec);
	}
	if (!r && ferror(f)) {
		snprintf(why, n, "%s: %s", file, strerror(errno));
		r = -1;
	}
	fclose(f);
	if (r)
		service_config_free(c);
	return r;
}

void service_config_free(struct service_config *c)
{
	free(c->policies);
	free(c->users);
	c->policies = NULL;
	c->users = NULL;
	c->npolicies = c->nusers = 0;
}
