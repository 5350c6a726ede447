// SPDX-License-Identifier: GPL-2.0-only
/*
 * Requests on bpfenced's socket, held to bpfenced.conf (docs/socket.md, SECURITY.md rows 42 and
 * 43). The caller is who SO_PEERCRED says; the request says only what it wants, and everything
 * it wants is checked here before the worker's command line is written:
 *
 *   policy   a name in the administrator's directory, allowed to one of the caller's groups
 *            (never a file: a '/' is refused, so is a name the configuration does not list)
 *   user     the caller's own uid, or the one [users] maps it to; uid 0 only for root
 *   limits   each within its cap; a request without one gets the cap (timeout, memory, pids)
 *   source   a descriptor the caller opened (--source-fd): no path ever reaches the worker
 *   sandbox  by id or name; the worker checks the caller owns it (--caller)
 *
 * Audit mode, --no-seccomp and --scratch are not in the schema: a caller cannot ask for them.
 */
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "json.h"
#include "launch.h"
#include "request.h"
#include "sandbox.h"

const char *const request_op_names[REQ_OP_MAX] = {
#define REQUEST_OP_NAME(e, s) s,
	REQUEST_OPS(REQUEST_OP_NAME)
#undef REQUEST_OP_NAME
};

static const char *const fd_names[RFD_MAX] = { "stdin", "stdout", "stderr", "cwd", "source" };

/* Each member and the ops it applies to. */
#define B(op) (1u << (op))
static const struct member {
	const char *name;
	unsigned int ops;
} members[] = {
	{ "version", ~0u },
	{ "op", ~0u },
	{ "fds", ~0u },
	{ "json", ~0u },
	{ "policy", B(REQ_RUN) | B(REQ_CREATE) },
	{ "user", B(REQ_RUN) | B(REQ_CREATE) },
	{ "argv", B(REQ_RUN) | B(REQ_EXEC) },
	{ "env", B(REQ_RUN) | B(REQ_EXEC) },
	{ "timeout_ms", B(REQ_RUN) | B(REQ_CREATE) | B(REQ_EXEC) },
	{ "idle_timeout_ms", B(REQ_CREATE) },
	{ "pids_max", B(REQ_RUN) | B(REQ_CREATE) },
	{ "memory_max", B(REQ_RUN) | B(REQ_CREATE) },
	{ "disk_max", B(REQ_RUN) | B(REQ_CREATE) },
	{ "disk_inodes", B(REQ_RUN) | B(REQ_CREATE) },
	{ "name", B(REQ_CREATE) },
	{ "sandbox", B(REQ_EXEC) | B(REQ_CP_IN) | B(REQ_CP_OUT) | B(REQ_TERMINATE) },
	{ "workdir", B(REQ_EXEC) },
	{ "path", B(REQ_CP_IN) | B(REQ_CP_OUT) },
	{ "max", B(REQ_CP_IN) | B(REQ_CP_OUT) },
};

struct builder {
	char **v;
	size_t n;
	bool failed;
};

static void __attribute__((format(printf, 2, 3))) arg(struct builder *b, const char *fmt, ...)
{
	va_list ap;
	char *s;

	if (b->failed || b->n >= REQUEST_WORKER_ARGS) {
		b->failed = true;
		return;
	}
	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0) {
		b->failed = true;
		s = NULL;
	}
	va_end(ap);
	b->v[b->n++] = s;
}

static int __attribute__((format(printf, 3, 4))) refuse(char *why, size_t n, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, n, fmt, ap);
	va_end(ap);
	/* One line whatever a quoted member held: control characters become '?'. */
	for (char *c = why; *c; c++)
		if ((unsigned char)*c < 0x20 || *c == 0x7f)
			*c = '?';
	return -1;
}

/* A number member within [min, max]: 1 if present (*v set), 0 if absent, -1 refused. */
static int number(const struct json_object *o, const char *key, unsigned long long min,
		  unsigned long long max, unsigned long long *v, char *why, size_t n)
{
	const struct json_field *f = json_get(o, key);

	if (!f)
		return 0;
	if (f->type != JSON_NUMBER || policy_parse_number(f->value, false, 0, ~0ULL, v))
		return refuse(why, n, "'%s' must be a whole number", key);
	if (*v < min || *v > max)
		return refuse(why, n, "'%s' %llu is outside %llu..%llu", key, *v, min, max);
	return 1;
}

/* A string member: its value, NULL if absent; *bad set if present but not a string. */
static const char *string(const struct json_object *o, const char *key, bool *bad)
{
	const struct json_field *f = json_get(o, key);

	if (f && f->type != JSON_STRING)
		*bad = true;
	return f && f->type == JSON_STRING ? f->value : NULL;
}

static bool in_groups(const struct request_peer *p, const struct service_policy *pol)
{
	if (pol->anyone)
		return true;
	for (size_t i = 0; i < pol->ngids; i++) {
		if (pol->gids[i] == p->gid)
			return true;
		for (size_t j = 0; j < p->ngroups; j++)
			if (pol->gids[i] == p->groups[j])
				return true;
	}
	return false;
}

/* The policy: a name, allowed to the caller, present in the directory. */
static int check_policy(const struct service_config *c, const struct request_peer *p,
			const char *name, char *file, size_t fn, char *why, size_t n)
{
	const struct service_policy *pol = NULL;
	struct stat st;

	if (strchr(name, '/'))
		return refuse(why, n,
			      "policy '%s': policies are named, not files (one of the names in "
			      "bpfenced.conf [policies])",
			      name);
	if (!name[0] || name[0] == '.' || strlen(name) >= SERVICE_NAME_MAX)
		return refuse(why, n, "policy '%s': not a policy name", name);
	for (const char *s = name; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || *s == '.' || *s == '_' || *s == '-'))
			return refuse(why, n, "policy '%s': not a policy name", name);
	for (size_t i = 0; i < c->npolicies; i++)
		if (!strcmp(c->policies[i].name, name))
			pol = &c->policies[i];
	if (p->uid != 0 && (!pol || !in_groups(p, pol)))
		return refuse(why, n, "policy '%s': not allowed for uid %u (bpfenced.conf [policies])",
			      name, (unsigned int)p->uid);
	snprintf(file, fn, "%s/%s.policy", c->policy_dir, name);
	if (stat(file, &st) || !S_ISREG(st.st_mode))
		return refuse(why, n, "policy '%s': no such policy (%s)", name, file);
	return 0;
}

/* Whom the caller's functions run as; user (a request's "user") must name the same. */
static int check_user(const struct service_config *c, const struct request_peer *p,
		      const char *user, uid_t *uid, gid_t *gid, bool *drop, char *why, size_t n)
{
	const struct service_user *any = NULL, *mine = NULL;
	struct launch l = {};

	for (size_t i = 0; i < c->nusers; i++) {
		if (c->users[i].any)
			any = &c->users[i];
		else if (c->users[i].caller == p->uid)
			mine = &c->users[i];
	}
	if (!mine)
		mine = any;
	*uid = mine ? mine->uid : p->uid;
	*gid = mine ? mine->gid : p->gid;
	*drop = *uid != 0 || mine;
	if (!user)
		return 0;
	if (launch_user(&l, user))
		return refuse(why, n, "user '%s': no such user or group", user);
	if (l.uid == 0 && p->uid != 0)
		return refuse(why, n, "user '%s': uid 0 is never granted through the socket", user);
	if (l.uid != *uid || (strchr(user, ':') && l.gid != *gid))
		return refuse(why, n,
			      "user '%s': functions of uid %u run as %u:%u (bpfenced.conf [users])",
			      user, (unsigned int)p->uid, (unsigned int)*uid, (unsigned int)*gid);
	*drop = true;
	return 0;
}

/* A limit: within its cap (cap 0: none), the cap when absent (if fill). */
static int limit(struct builder *b, const struct json_object *o, const char *key,
		 const char *opt, unsigned long long min, unsigned long long cap, bool fill,
		 char *why, size_t n)
{
	unsigned long long v;
	int r = number(o, key, min, ~0ULL >> 1, &v, why, n);

	if (r < 0)
		return -1;
	if (r && cap && v > cap)
		return refuse(why, n, "%s %llu is above the cap %llu (bpfenced.conf [limits])", key,
			      v, cap);
	if (!r && !(fill && cap))
		return 0;
	arg(b, "%s", opt);
	arg(b, "%llu", r ? v : cap);
	return 0;
}

static void seconds(struct builder *b, const char *opt, unsigned long long ms)
{
	arg(b, "%s", opt);
	arg(b, "%llu.%03llu", ms / 1000, ms % 1000);
}

/* A timeout in ms: within cap; when absent, dflt (0: the cap) but never above the cap. */
static int timeout(struct builder *b, const struct json_object *o, const char *key,
		   const char *opt, long long cap, long long dflt, char *why, size_t n)
{
	unsigned long long v;
	int r = number(o, key, 1, 31536000000ULL, &v, why, n);

	if (r < 0)
		return -1;
	if (r && v > (unsigned long long)cap)
		return refuse(why, n, "%s %llu is above the cap %lld (bpfenced.conf [limits])", key,
			      v, cap);
	if (!dflt || dflt > cap)
		dflt = cap;
	seconds(b, opt, r ? v : (unsigned long long)dflt);
	return 0;
}

static int strings(struct builder *b, const struct json_object *o, const char *key, size_t max,
		   const char *opt, bool need, char *why, size_t n)
{
	char **v;
	size_t count;
	int r = json_get_strings(o, key, max, &v, &count);

	if (r == -ENOENT && !need)
		return 0;
	if (r == -ENOENT)
		return refuse(why, n, "'%s' is missing", key);
	if (r)
		return refuse(why, n, "'%s' must be an array of at most %zu strings", key, max);
	if (need && !count) {
		free(v);
		return refuse(why, n, "'%s' is empty", key);
	}
	for (size_t i = 0; i < count; i++) {
		if (opt && (!strchr(v[i], '=') || v[i][0] == '=')) {
			r = refuse(why, n, "'%s' entry '%s' is not NAME=VALUE", key, v[i]);
			break;
		}
		if (opt)
			arg(b, "%s", opt);
		arg(b, "%s", v[i]);
	}
	free(v);
	return r;
}

static int sandbox_arg(const struct json_object *o, struct request *req, bool *bad, char *why,
		       size_t n)
{
	const char *s = string(o, "sandbox", bad);

	if (!s)
		return refuse(why, n, "'sandbox' is missing");
	if (!sandbox_valid_id(s) && !sandbox_valid_name(s))
		return refuse(why, n, "sandbox '%s': not a sandbox id or name", s);
	snprintf(req->sandbox, sizeof(req->sandbox), "%s", s);
	return 0;
}

static int parse_fds(const struct json_object *o, size_t nfds, struct request *req, char *why,
		     size_t n)
{
	char **v;
	size_t count;
	int r = json_get_strings(o, "fds", RFD_MAX, &v, &count);

	if (r == -ENOENT)
		count = 0, v = NULL, r = 0; /* none passed: a request without fds */
	else if (r)
		return refuse(why, n, "'fds' must be an array of at most %d names", RFD_MAX);
	for (size_t i = 0; i < count && !r; i++) {
		int k = -1;

		for (int j = 0; j < RFD_MAX; j++)
			if (!strcmp(v[i], fd_names[j]))
				k = j;
		if (k < 0)
			r = refuse(why, n, "'fds': unknown descriptor name '%s'", v[i]);
		else if (req->fd[k] >= 0)
			r = refuse(why, n, "'fds': '%s' twice", v[i]);
		else
			req->fd[k] = (int)i;
	}
	free(v);
	if (!r && count != nfds)
		r = refuse(why, n, "'fds' names %zu descriptors, %zu were passed", count, nfds);
	return r;
}

int request_authorize(const struct service_config *c, const struct request_peer *p,
		      const char *text, size_t nfds, const char *bpfence, struct request *req,
		      char *why, size_t n)
{
	struct json_object o;
	struct builder b = {};
	const char *op, *policy, *user, *name, *s, *jerr = NULL;
	char file[PATH_MAX + SERVICE_NAME_MAX + 16];
	unsigned long long v;
	bool bad = false, drop = false;
	uid_t uid;
	gid_t gid;
	size_t col = 0;
	int r = -1;

	memset(req, 0, sizeof(*req));
	req->op = REQ_OP_MAX;
	for (int i = 0; i < RFD_MAX; i++)
		req->fd[i] = -1;
	if (json_object_parse(text, &o, &col, &jerr))
		return refuse(why, n, "malformed request: column %zu: %s", col,
			      jerr ? jerr : "out of memory");
	b.v = calloc(REQUEST_WORKER_ARGS + 1, sizeof(char *));
	if (!b.v) {
		refuse(why, n, "out of memory");
		goto out;
	}
	req->argv = b.v;

	if (number(&o, "version", 1, 1, &v, why, n) != 1) {
		if (!json_get(&o, "version"))
			refuse(why, n, "'version' is missing (1)");
		goto out;
	}
	op = string(&o, "op", &bad);
	for (int i = 0; op && i < REQ_OP_MAX; i++)
		if (!strcmp(op, request_op_names[i]))
			req->op = (enum request_op)i;
	if (req->op == REQ_OP_MAX) {
		refuse(why, n, "'op' must be one of run, create, exec, cp-in, cp-out, ls, terminate");
		goto out;
	}
	for (size_t i = 0; i < o.n; i++) {
		const struct member *m = NULL;

		for (size_t j = 0; j < sizeof(members) / sizeof(members[0]); j++)
			if (!strcmp(o.fields[i].key, members[j].name))
				m = &members[j];
		if (!m) {
			refuse(why, n, "unknown member '%s'", o.fields[i].key);
			goto out;
		}
		if (!(m->ops & B(req->op))) {
			refuse(why, n, "'%s' does not apply to %s", m->name, op);
			goto out;
		}
		for (size_t j = 0; j < i; j++)
			if (!strcmp(o.fields[i].key, o.fields[j].key)) {
				refuse(why, n, "'%s' given twice", m->name);
				goto out;
			}
	}
	if (parse_fds(&o, nfds, req, why, n))
		goto out;
	if ((req->fd[RFD_SOURCE] >= 0 && req->op != REQ_RUN && req->op != REQ_CREATE) ||
	    (req->fd[RFD_CWD] >= 0 && req->op != REQ_RUN)) {
		refuse(why, n, "'fds': %s does not apply to %s",
		       req->fd[RFD_CWD] >= 0 && req->op != REQ_RUN ? "cwd" : "source", op);
		goto out;
	}

	arg(&b, "%s", bpfence);
	arg(&b, "--caller");
	arg(&b, "%u", (unsigned int)p->uid);
	arg(&b, "--answer-fd");
	arg(&b, "%d", REQUEST_FD_ANSWER);
	if (json_get(&o, "json") && json_get(&o, "json")->type == JSON_TRUE)
		arg(&b, "--json");
	else if (json_get(&o, "json") && json_get(&o, "json")->type != JSON_FALSE)
		bad = true;
	if (req->op != REQ_RUN)
		arg(&b, "sandbox");
	arg(&b, "%s", req->op == REQ_CP_IN || req->op == REQ_CP_OUT ? "cp" : op);

	switch (req->op) {
	case REQ_RUN:
	case REQ_CREATE:
		policy = string(&o, "policy", &bad);
		if (!policy) {
			refuse(why, n, "'policy' is missing");
			goto out;
		}
		if (check_policy(c, p, policy, file, sizeof(file), why, n))
			goto out;
		snprintf(req->policy, sizeof(req->policy), "%s", policy);
		user = string(&o, "user", &bad);
		if (check_user(c, p, user, &uid, &gid, &drop, why, n))
			goto out;
		req->run_uid = uid;
		arg(&b, "--policy");
		arg(&b, "%s", file);
		if (drop) {
			arg(&b, "--user");
			arg(&b, "%u:%u", (unsigned int)uid, (unsigned int)gid);
		}
		if (req->fd[RFD_SOURCE] >= 0) {
			arg(&b, "--source-fd");
			arg(&b, "%d", REQUEST_FD_SOURCE);
		}
		if (limit(&b, &o, "pids_max", "--pids-max", 1, c->pids_max, true, why, n) ||
		    limit(&b, &o, "memory_max", "--memory-max", 1 << 20, c->memory_max, true, why,
			  n) ||
		    limit(&b, &o, "disk_max", "--disk-max", POLICY_DISK_MAX_MIN, c->disk_max, false,
			  why, n) ||
		    limit(&b, &o, "disk_inodes", "--disk-inodes", POLICY_DISK_INODES_MIN,
			  c->disk_inodes, false, why, n))
			goto out;
		if (req->op == REQ_CREATE) {
			req->creates_sandbox = true;
			if (timeout(&b, &o, "timeout_ms", "--timeout", c->sandbox_timeout_ms,
				    SB_DEFAULT_TIMEOUT_MS, why, n))
				goto out;
			if (number(&o, "idle_timeout_ms", 1, (unsigned long long)c->sandbox_timeout_ms,
				   &v, why, n) < 0)
				goto out;
			if (json_get(&o, "idle_timeout_ms"))
				seconds(&b, "--idle-timeout", v);
			name = string(&o, "name", &bad);
			if (name && !sandbox_valid_name(name)) {
				refuse(why, n, "name '%s': not a sandbox name", name);
				goto out;
			}
			if (name) {
				arg(&b, "--name");
				arg(&b, "%s", name);
				snprintf(req->sandbox, sizeof(req->sandbox), "%s", name);
			}
			break;
		}
		if (timeout(&b, &o, "timeout_ms", "--timeout", c->timeout_ms, 0, why, n) ||
		    strings(&b, &o, "env", REQUEST_ENV_MAX, "--env", false, why, n))
			goto out;
		arg(&b, "--");
		if (strings(&b, &o, "argv", REQUEST_ARGV_MAX, NULL, true, why, n))
			goto out;
		break;
	case REQ_EXEC:
		if (sandbox_arg(&o, req, &bad, why, n) ||
		    timeout(&b, &o, "timeout_ms", "--timeout", c->timeout_ms, 0, why, n) ||
		    strings(&b, &o, "env", REQUEST_ENV_MAX, "--env", false, why, n))
			goto out;
		s = string(&o, "workdir", &bad);
		if (s) {
			arg(&b, "--workdir");
			arg(&b, "%s", s);
		}
		arg(&b, "%s", req->sandbox);
		arg(&b, "--");
		if (strings(&b, &o, "argv", REQUEST_ARGV_MAX, NULL, true, why, n))
			goto out;
		break;
	case REQ_CP_IN:
	case REQ_CP_OUT:
		if (sandbox_arg(&o, req, &bad, why, n))
			goto out;
		s = string(&o, "path", &bad);
		if (!s || !s[0] || strlen(s) >= PATH_MAX) {
			refuse(why, n, "'path' is missing");
			goto out;
		}
		if (number(&o, "max", 1, ~0ULL >> 1, &v, why, n) < 0)
			goto out;
		if (json_get(&o, "max")) {
			arg(&b, "--max-size");
			arg(&b, "%llu", v);
		}
		/* cp-in reads the caller's stdin, cp-out writes its stdout. */
		if (req->op == REQ_CP_IN)
			arg(&b, "-");
		arg(&b, "%s:%s", req->sandbox, s);
		if (req->op == REQ_CP_OUT)
			arg(&b, "-");
		break;
	case REQ_LS:
		break;
	case REQ_TERMINATE:
		if (sandbox_arg(&o, req, &bad, why, n))
			goto out;
		arg(&b, "%s", req->sandbox);
		break;
	case REQ_OP_MAX:
		break;
	}
	if (bad) {
		refuse(why, n, "a member has the wrong type (see docs/socket.md)");
		goto out;
	}
	if (b.failed) {
		refuse(why, n, "request too large");
		goto out;
	}
	r = 0;
out:
	json_object_free(&o);
	return r;
}

void request_free(struct request *req)
{
	if (req->argv)
		for (size_t i = 0; req->argv[i]; i++)
			free(req->argv[i]);
	free(req->argv);
	req->argv = NULL;
}
