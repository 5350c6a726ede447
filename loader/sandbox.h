/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Sandboxes: an invocation (loader/invocation.h) kept across many commands. Its state under
 * /run (meta, locks, the keeper, how it ended) has one writer and one reader, here; `bpfence
 * sandbox` (cli/sandbox.c) parses arguments and prints, and bpfenced's records read a sandbox's
 * name through sandbox_meta_read(). The layout of the state is described in
 * loader/sandbox_state.c.
 */
#ifndef BPFENCE_SANDBOX_H
#define BPFENCE_SANDBOX_H

#include <limits.h>
#include <stdbool.h>
#include <sys/types.h>

#include "invocation.h"

#define SB_DIR "/run/bpfence/sandboxes"
#define SB_NEW_PREFIX ".new-" /* SB_DIR/.new-ID: a state directory before it is complete */
#define SB_NAMES SB_DIR "/by-name"
#define SB_STORAGE "/run/bpfence-storage"
#define SB_ID_PREFIX "sb-"
#define SB_NAME_MAX 64
#define SB_DEFAULT_TIMEOUT_MS (300 * 1000L)
#define SB_KEEPER_TICK_MS 250
#define SB_TOMBSTONE_MS (24 * 3600 * 1000LL) /* how long `terminated` is remembered */
#define SB_CREATING_STALE_MS (120 * 1000LL)  /* a create without meta this old was killed */

/* Exit status of an exec whose sandbox went while its command ran. */
#define EXIT_TERMINATED 137

/* A sandbox as its meta file holds it. */
struct sandbox {
	char id[BPFENCE_ID_MAX];
	char name[SB_NAME_MAX + 1];
	char policy_file[PATH_MAX]; /* as given to create */
	char policy_name[128];
	char cgroup[PATH_MAX];
	char source[PATH_MAX]; /* "" if none */
	__u64 cgid;
	long long created_ms;            /* CLOCK_REALTIME */
	long long timeout_ms, idle_ms;   /* 0: none */
	long long pids_max, memory_max;  /* 0: none */
	unsigned long long disk_max, disk_inodes;
	bool drop;
	unsigned int uid, gid;
	unsigned int owner; /* the uid that created it (through bpfenced's socket); root: 0 */
};

enum sandbox_state { SB_UNKNOWN, SB_CREATING, SB_LIVE, SB_ENDING, SB_ENDED };

/* --- state (loader/sandbox_state.c) --- */

/* This process acts for uid caller (bpfenced's worker; -1: for root, as always): lookups find
 * only its sandboxes, creates record it as their owner, sandbox_visible hides the others. */
void sandbox_set_caller(long long caller);
long long sandbox_caller(void);
bool sandbox_visible(const struct sandbox *s);

/* SB_DIR/ID[/file] and SB_STORAGE/ID[/sub]. */
void sandbox_path(char *buf, size_t n, const char *id, const char *file);
void sandbox_storage(char *buf, size_t n, const char *id, const char *sub);
bool sandbox_has(const char *id, const char *file);
int sandbox_meta_write(const struct sandbox *s);
/* 0, or -errno (-EINVAL: the meta is not sandbox id's). */
int sandbox_meta_read(const char *id, struct sandbox *s);
bool sandbox_valid_name(const char *n);
bool sandbox_valid_id(const char *id);
enum sandbox_state sandbox_state(const char *id);
/* Sandboxes live now (created, not ending or ended), of every owner (owner < 0) or of one (being
 * created included): a count, or -errno. */
long long sandbox_count_live(long long owner);
/* The reason a sandbox ended ("terminated", "timeout", "idle") into buf. */
void sandbox_end_reason(const char *id, char *buf, size_t n);
/* ID or NAME to a sandbox. 0 with *s filled (live), or reports and returns -1: unknown, still
 * being created, or ended (then with the reason). quiet_ended: an ended sandbox returns 1,
 * silently (terminate is idempotent). */
int sandbox_lookup(const char *arg, struct sandbox *s, bool quiet_ended);
/* flock(op) on SB_DIR/ID/file: the fd, or -errno. */
int sandbox_lock(const char *id, const char *file, int op);
/* Whether an exec is running now. */
bool sandbox_busy(const char *id);
void sandbox_touch(const char *id);
long long sandbox_last_activity(const char *id, long long fallback);
/* The keeper's pid if one holds keeper.lock (*pidfd its pidfd), else 0. */
pid_t sandbox_keeper_pid(const char *id, int *pidfd);
/* A process still in the sandbox's cgroup; 0 if none. */
pid_t sandbox_member_pid(const struct sandbox *s);
/* Start a keeper for s (joining the namespaces of `join` if > 0). 0, or -errno. */
int sandbox_keeper_spawn(const struct sandbox *s, pid_t join);
/* Processes in the sandbox now, -1 if unknown. */
long sandbox_procs(const struct sandbox *s);
/* The state directories (and the storage directory as a shared mount). 0 or -errno. */
int sandbox_dirs(void);

/* --- the life of a sandbox (loader/sandbox.c) --- */

/* Create a sandbox: s holds name, policy_file, timeouts; inv holds the user (l), source and
 * limits. On success s is complete (meta written) and inv owns nothing that ends with it. 0;
 * -EINVAL for a policy that does not parse or cannot be read, -EEXIST for a name in use (a
 * refusal of the request); -1 for bpfence's failure. Reported; nothing of a failed create
 * stays. */
int sandbox_create(struct sandbox *s, struct invocation *inv);

/* One command in a sandbox (sandbox exec). */
struct sandbox_exec {
	struct sandbox sb;
	struct invocation inv; /* --env first in inv.env */
	int lock, busy, keeper;
	struct bpfence_counters before;
	char workdir[PATH_MAX * 2];
};
void sandbox_exec_init(struct sandbox_exec *x);
/* Find the sandbox `which`, check it is live and still restricted, join its namespaces and
 * start argv in its cgroup (workdir: NULL for scratch, relative to scratch, or absolute).
 * *exec_failed and *code as invocation_start. 0, or -1 (reported). */
int sandbox_exec_start(struct sandbox_exec *x, const char *which, char **argv,
		       const char *workdir, bool *exec_failed, int *code);
/* After invocation_wait: the exit status, changed if the sandbox ended meanwhile (reported:
 * EXIT_TIMEOUT for its timeout, EXIT_TERMINATED otherwise); *after its counters now. */
int sandbox_exec_status(struct sandbox_exec *x, int status, struct bpfence_counters *after);
void sandbox_exec_end(struct sandbox_exec *x);

/* End a sandbox: kill everything in it, wait until it is empty, remove the cgroup (its tag goes
 * with it), the rules, the storage and the name. Idempotent: 1 if it had ended already. On a
 * failure it stays tagged and restricted, marked ending (no exec starts in it), and -1 is
 * returned (reported): never an untagged leftover. keeper: called by the keeper itself. */
int sandbox_terminate(const struct sandbox *s, const char *reason, bool keeper);
/* The supervisor's pass: sandboxes past a deadline end now; a live one without a keeper gets
 * one; creates that died half way and old tombstones go. */
void sandbox_reap(void);

/* --- files in and out of a sandbox's scratch (loader/copy.c) --- */

/* src (a host path, "-" for stdin) to dst under the sandbox's scratch, atomically, owned by its
 * user; and the way out (dst "-" for stdout). Nothing planted in scratch is followed. 0 or -1
 * (reported). */
int sandbox_copy_in(const struct sandbox *s, const char *src, const char *dst,
		    unsigned long long max);
int sandbox_copy_out(const struct sandbox *s, const char *src, const char *dst,
		     unsigned long long max);

#endif
