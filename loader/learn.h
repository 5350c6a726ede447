/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Learning a policy from denials (bpfence policy learn): the smallest set of policy lines that
 * would have allowed what an audit-mode run was denied, and loud warnings for what no line
 * should grant (the broker, cgroupfs, bpffs, secrets). Given the policy the lines are for, it
 * leaves out what that policy grants already, and never proposes silently what its deny lines
 * or its write grants would cancel. Pure data in, data out: the CLI reads the audit log and
 * prints; learn_print_item() and learn_merge() (loader/merge.c) write lines as policy text.
 */
#ifndef BPFENCE_LEARN_H
#define BPFENCE_LEARN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

struct policy;
struct policy_marks;

/* The start of an invocation id, enough to tell a run in a comment. */
#define LEARN_INVOCATION_MAX 13

/* One denial record, as the audit log names it (docs/audit.md); absent keys are NULL. */
struct learn_record {
	const char *invocation;
	const char *hook, *class, *object;
	const char *path, *access;                  /* object file */
	const char *address, *protocol;             /* object inet */
	unsigned long port;
	const char *name;			    /* object inet: the DNS name the invocation's
						     * resolver answered the address for */
	const char *family;                         /* object inet, socket */
	long type;                                  /* object socket; -1 when absent */
	const char *peer;                           /* object unix */
	long tgid;                                  /* -1 when absent */
	bool path_partial;                          /* the record's path is not whole */
	const char *rule;                           /* object file: deny, written, or NULL */
};

/* A proposed policy line, or a warning about denials that are not proposed. */
struct learn_item {
	const char *section; /* "files" or "network"; NULL for warnings */
	const char *key;     /* read, write, exec, map, allow, families, unix_allow */
	char *value;	     /* a path (unquoted) or the rule text (allow: CIDR or NAME first) */
	unsigned long count; /* denial records behind it */
	char *example;       /* the first record's object: a full path, "tcp ADDR:PORT", ... */
	char *hook;          /* the first record's hook */
	const char *kind;    /* warnings: broker, system, cgroupfs, bpffs, securityfs, secret,
			      * proc, broad, unplaced, unprintable, listen, socket, task,
			      * nopolicy, ipc, partial, unsupported, unwritable, deny,
			      * written */
	const char *reason;  /* warnings: why nothing is proposed (static text) */
	const char *note;    /* lines: what a person must know before taking it, or NULL */
	char *cause;         /* the policy line behind a warning or note ("FILE:LINE: deny =
			      * /etc/ssh"), or NULL */
	char invocation[LEARN_INVOCATION_MAX]; /* the first record's, cut; "" when absent */
	unsigned int line;   /* learn_merge(): the line it was placed at; 0 if not placed */
};

struct learn_entry;

struct learn {
	const char *source, *scratch; /* rewritten as ${source}, ${scratch}; may be NULL */
	unsigned long records;        /* denial records added */
	unsigned long granted;        /* accesses the policy (learn_use_policy) grants already */
	const struct policy *policy;  /* the policy the lines are for, or NULL */
	struct policy_marks *marks;   /* its [files] lines (loader/marks.c) */
	const char *invocation;       /* of the record being added */
	/* results of learn_finish() */
	struct learn_item *files, *network, *warnings;
	size_t n_files, n_network, n_warnings;
	/* what learn_add() collected */
	struct learn_entry *entries;
	size_t n_entries, cap_entries;
	char **full_paths; /* every absolute path seen, for placing bare names */
	size_t n_full, cap_full;
};

void learn_init(struct learn *l, const char *source, const char *scratch);
/* Propose lines for policy p (before any learn_add()): what it grants is not proposed again, an
 * access a deny of it refuses is a warning naming that deny, and exec or map in a place it lets
 * the function write is proposed for that place (the only grant the write rule lets through),
 * with a note. p must outlive l. 0 or -ENOMEM. */
int learn_use_policy(struct learn *l, const struct policy *p);
/* Take one denial record. Returns 0 or -ENOMEM. */
int learn_add(struct learn *l, const struct learn_record *r);
/* Collapse what was added into lines and warnings. Returns 0 or -ENOMEM. */
int learn_finish(struct learn *l);
void learn_free(struct learn *l);

/* Why a denied path is never proposed (a secret, the system's own trees), or NULL. */
const char *learn_path_refused(const char *path, const char **kind);
/* May a directory be proposed as a grant that several denied paths share? Never the root, a
 * top-level directory, or one that holds a secret (that grant would cover the secret). */
bool learn_dir_collapsible(const char *dir);

/* --- as policy text (loader/merge.c) --- */

/* One proposed line under its comments: "# N denials, e.g. EXAMPLE (HOOK)", then with from set
 * "# learned from invocation ID: ..." instead, a "# NOTE:" line for a note, and "KEY = VALUE".
 * Names a function chose are escaped (STYLE.md 16). Returns the number of lines written. */
unsigned int learn_print_item(FILE *f, const struct learn_item *it, bool from);
/* Policy text (len bytes, which parsed) with l's lines placed into their sections, to out:
 * each section's new lines after the last line setting a key in its last block, a section the
 * policy lacks appended, everything else as it was. Sets each placed item's line. Text that is
 * not a whole policy (a missing last newline) is completed. 0 or -ENOMEM. */
int learn_merge(const char *text, size_t len, struct learn *l, FILE *out);

#endif
