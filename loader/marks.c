// SPDX-License-Identifier: GPL-2.0-only
/*
 * A policy's [files] lines read lexically: which grant or deny decides for a path, by the rule
 * the kernel applies to inodes (bpf/files.bpf.h, file_granted), applied to the paths as they
 * are written. For what needs no file system: the warnings of `policy check` and the proposals
 * of `policy learn`, which must never propose a line that a deny or the write rule cancels
 * without saying so. Enforcement is install.c's: it resolves paths to inodes, where a symlink
 * or a second hard link is the same object; here they are different paths, which is fine for
 * warnings and proposals and is why nothing here decides what a function may do.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "libbpfence.h"

#define GRANTS (POLICY_PERM_READ | POLICY_PERM_WRITE | POLICY_PERM_EXEC | POLICY_PERM_MAP)

/* Marks are compared as text, so a path must have one spelling: ${source}/x expanded where the
 * variable is bound, as written where it is not. */
static char *canonical(const char *raw, const struct policy_vars *vars)
{
	char buf[4096];

	if (!policy_expand(raw, vars, buf, sizeof(buf), NULL))
		return strdup(buf);
	return strdup(raw);
}

static unsigned int bit_index(unsigned int perm)
{
	return (unsigned int)__builtin_ctz(perm);
}

struct named {
	char *path;
	const struct policy_path *line;
	size_t order;
};

static int cmp_named(const void *a, const void *b)
{
	const struct named *x = a, *y = b;
	int c = strcmp(x->path, y->path);

	return c ? c : (x->order > y->order) - (x->order < y->order);
}

int policy_marks_build(struct policy_marks *m, const struct policy *p,
		       const struct policy_vars *vars)
{
	struct named *all = calloc(p->n_paths ? p->n_paths : 1, sizeof(*all));
	int ret = 0;

	memset(m, 0, sizeof(*m));
	m->mark = calloc(p->n_paths ? p->n_paths : 1, sizeof(*m->mark));
	if (!all || !m->mark) {
		ret = -ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < p->n_paths; i++) {
		all[i] = (struct named){ canonical(p->paths[i].path, vars), &p->paths[i], i };
		if (!all[i].path) {
			ret = -ENOMEM;
			goto out;
		}
	}
	if (p->n_paths)
		qsort(all, p->n_paths, sizeof(*all), cmp_named);
	/* One mark per path, as the kernel has one entry per inode: the keys naming it add up,
	 * and the first line of each key is the one messages cite. */
	for (size_t i = 0; i < p->n_paths; i++) {
		struct policy_mark *mk = &m->mark[m->n ? m->n - 1 : 0];
		unsigned int perm = all[i].line->perm;

		if (!m->n || strcmp(mk->path, all[i].path)) {
			mk = &m->mark[m->n++];
			mk->path = all[i].path;
			all[i].path = NULL;
		}
		if (!(mk->perm & perm))
			mk->first[bit_index(perm)] = all[i].line;
		mk->perm |= perm;
	}
out:
	for (size_t i = 0; all && i < p->n_paths; i++)
		free(all[i].path);
	free(all);
	if (ret)
		policy_marks_free(m);
	return ret;
}

void policy_marks_free(struct policy_marks *m)
{
	for (size_t i = 0; i < m->n; i++)
		free(m->mark[i].path);
	free(m->mark);
	memset(m, 0, sizeof(*m));
}

static int cmp_key(const void *key, const void *elem)
{
	return strcmp(key, ((const struct policy_mark *)elem)->path);
}

const struct policy_mark *policy_marks_find(const struct policy_marks *m, const char *path)
{
	return m->n ? bsearch(path, m->mark, m->n, sizeof(*m->mark), cmp_key) : NULL;
}

const struct policy_path *policy_mark_line(const struct policy_mark *mk, unsigned int perm)
{
	return perm && (mk->perm & perm) ? mk->first[bit_index(perm)] : NULL;
}

/* The parent of path in place: "/a/b" -> "/a" -> "/", "${scratch}/x" -> "${scratch}". False at
 * the top ("/", or a variable as written: its place in the tree is unknown). */
static bool up(char *path)
{
	char *slash = strrchr(path, '/');

	if (!slash || !strcmp(path, "/"))
		return false;
	if (slash == path)
		slash++;
	*slash = '\0';
	return true;
}

enum policy_verdict policy_marks_walk(const struct policy_marks *m, const char *path,
				      unsigned int want, const struct policy_mark **by)
{
	unsigned int got = 0;
	char at[4096];

	*by = NULL;
	if (snprintf(at, sizeof(at), "%s", path) >= (int)sizeof(at))
		return POLICY_NO_GRANT;
	do {
		const struct policy_mark *mk = policy_marks_find(m, at);
		unsigned int perm;

		if (!mk)
			continue;
		*by = mk;
		perm = mk->perm & POLICY_PERM_EXEC ? mk->perm | POLICY_PERM_MAP : mk->perm;
		if (perm & POLICY_PERM_DENY)
			return POLICY_DENIED;
		got |= perm;
		if ((got & want) == want)
			return POLICY_GRANTED;
		if ((want & (POLICY_PERM_EXEC | POLICY_PERM_MAP)) && (perm & POLICY_PERM_WRITE))
			return POLICY_WRITABLE;
	} while (up(at));
	*by = NULL;
	return POLICY_NO_GRANT;
}

/* ---- policy check's warnings --------------------------------------------------------------- */

static const char *key_name(unsigned int perm)
{
	switch (perm) {
	case POLICY_PERM_READ: return "read";
	case POLICY_PERM_WRITE: return "write";
	case POLICY_PERM_EXEC: return "exec";
	case POLICY_PERM_MAP: return "map";
	default: return "deny";
	}
}

static int __attribute__((format(printf, 5, 6)))
add_warning(struct policy_warning **w, size_t *n, const struct policy_path *at, const char *kind,
	    const char *fmt, ...)
{
	struct policy_warning *nw = reallocarray(*w, *n + 1, sizeof(**w));
	va_list ap;
	int r;

	if (!nw)
		return -ENOMEM;
	*w = nw;
	nw = &nw[*n];
	nw->loc = at->loc;
	nw->kind = kind;
	va_start(ap, fmt);
	r = vasprintf(&nw->message, fmt, ap);
	va_end(ap);
	if (r < 0)
		return -ENOMEM;
	(*n)++;
	return 0;
}

/* Is there a grant at path or above it? */
static bool inside_grant(const struct policy_marks *m, const char *path)
{
	char at[4096];

	snprintf(at, sizeof(at), "%s", path);
	do {
		const struct policy_mark *mk = policy_marks_find(m, at);

		if (mk && (mk->perm & GRANTS))
			return true;
	} while (up(at));
	return false;
}

static int lint_mark(const struct policy_marks *m, const struct policy_mark *mk,
		     struct policy_warning **w, size_t *n)
{
	const struct policy_path *deny = policy_mark_line(mk, POLICY_PERM_DENY), *write;
	const struct policy_mark *by;
	int r = 0;

	if (deny && !inside_grant(m, mk->path))
		r = add_warning(w, n, deny, "deny_unused",
				"deny = %s is inside no grant: it takes nothing away (a deny is an "
				"exception inside a read, write, exec or map grant)", deny->path);
	for (unsigned int perm = POLICY_PERM_READ; deny && !r && perm <= POLICY_PERM_MAP;
	     perm <<= 1) {
		const struct policy_path *g = policy_mark_line(mk, perm);

		if (g)
			r = add_warning(w, n, g, "deny_same_path",
					"%s = %s names the path of deny = %s (line %u): the deny "
					"wins, this %s grants nothing",
					key_name(perm), g->path, deny->path, deny->loc.line,
					key_name(perm));
	}
	for (unsigned int perm = POLICY_PERM_EXEC; !r && perm <= POLICY_PERM_MAP; perm <<= 1) {
		const struct policy_path *x = policy_mark_line(mk, perm);

		/* Where the walk grants write, the function can put files: an exec or map
		 * grant there is the explicit exception to "nothing the function wrote runs". */
		if (!x || policy_marks_walk(m, mk->path, POLICY_PERM_WRITE, &by) != POLICY_GRANTED)
			continue;
		write = policy_mark_line(by, POLICY_PERM_WRITE);
		r = add_warning(w, n, x, "exec_writable",
				"%s = %s lies inside write = %s (line %u): files the function "
				"writes there can %s", key_name(perm), x->path, write->path,
				write->loc.line,
				perm == POLICY_PERM_EXEC ? "run" : "be mapped executable");
		break;
	}
	return r;
}

static int cmp_warning(const void *a, const void *b)
{
	const struct policy_warning *x = a, *y = b;

	if (x->loc.line != y->loc.line)
		return x->loc.line < y->loc.line ? -1 : 1;
	return (x->loc.col > y->loc.col) - (x->loc.col < y->loc.col);
}

int policy_lint(const struct policy *p, const struct policy_vars *vars,
		struct policy_warning **out, size_t *n)
{
	struct policy_marks m;
	int r;

	*out = NULL;
	*n = 0;
	r = policy_marks_build(&m, p, vars);
	for (size_t i = 0; !r && i < m.n; i++)
		r = lint_mark(&m, &m.mark[i], out, n);
	policy_marks_free(&m);
	if (r) {
		policy_warnings_free(*out, *n);
		*out = NULL;
		*n = 0;
		return r;
	}
	if (*n)
		qsort(*out, *n, sizeof(**out), cmp_warning);
	return 0;
}

void policy_warnings_free(struct policy_warning *w, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(w[i].message);
	free(w);
}
