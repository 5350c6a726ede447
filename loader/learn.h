/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Learning a policy from denials (bpfence policy learn): the smallest set of policy lines that
 * would have allowed what an audit-mode run was denied, and loud warnings for what no line
 * should grant (the broker, cgroupfs, bpffs, secrets). Pure data in, data out: the CLI reads
 * the audit log and prints.
 */
#ifndef BPFENCE_LEARN_H
#define BPFENCE_LEARN_H

#include <stdbool.h>
#include <stddef.h>

/* One denial record, as the audit log names it (docs/audit.md); absent keys are NULL. */
struct learn_record {
	const char *hook, *class, *object;
	const char *path, *access;                  /* object file */
	const char *address, *protocol;             /* object inet */
	unsigned long port;
	const char *family;                         /* object inet, socket */
	long type;                                  /* object socket; -1 when absent */
	const char *peer;                           /* object unix */
	long tgid;                                  /* -1 when absent */
	bool path_partial;                          /* the record's path is not whole */
};

/* A proposed policy line, or a warning about denials that are not proposed. */
struct learn_item {
	const char *section; /* "files" or "network"; NULL for warnings */
	const char *key;     /* read, write, exec, map, allow, families, unix_allow */
	char *value;         /* a path (unquoted) or the rule text */
	unsigned long count; /* denial records behind it */
	char *example;       /* the first record's object: a full path, "tcp ADDR:PORT", ... */
	char *hook;          /* the first record's hook */
	const char *kind;    /* warnings: broker, system, cgroupfs, bpffs, securityfs, secret,
			      * proc, broad, unplaced, unprintable, listen, socket, task,
			      * nopolicy, ipc, partial, unsupported */
	const char *reason;  /* warnings: why nothing is proposed (static text) */
};

struct learn_entry;

struct learn {
	const char *source, *scratch; /* rewritten as ${source}, ${scratch}; may be NULL */
	unsigned long records;        /* denial records added */
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

#endif
