/* SPDX-License-Identifier: GPL-2.0-only */
/* The bpfence command: shared pieces of the subcommands. */
#ifndef BPFENCE_CLI_H
#define BPFENCE_CLI_H

#include <stdbool.h>
#include <stdio.h>

#include "json.h"
#include "libbpfence.h"

/* Exit statuses: EXIT_* of loader/exitcodes.h, the one list (through libbpfence.h). */

struct cli {
	bool json;
	bool debug;
	const char *prog; /* "bpfence" */
};

extern struct cli cli;

/* The one error path: "bpfence: <what>: <why>" or {"error": ...} under --json, on stderr. */
void report_error(const char *what, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* s as text a person reads (STYLE.md 16): control bytes, invalid UTF-8 and backslashes
 * escaped (bpfence_text_escape), in a buffer that lives until the end of the enclosing block:
 * printf("%s", TEXT(name)). Longer names are cut. */
#define TEXT_BUF BPFENCE_TEXT_MAX(4096)
#define TEXT(s) bpfence_text_escape((s), (size_t)-1, (char[TEXT_BUF]){ 0 }, TEXT_BUF)
/* The same for a fixed-size array that may lack a NUL (a kernel name). */
#define TEXT_N(a) bpfence_text_escape((a), sizeof(a), (char[TEXT_BUF]){ 0 }, TEXT_BUF)

/* 0 as root; otherwise reports "permission denied" and returns -1. */
int require_root(void);

/* Make sure the programs are loaded and pinned (loading them if needed) and open the maps; on
 * failure reports the error and returns -1 (exit EXIT_BPFENCE). */
/* Check the programs are loaded (waiting for a load in progress) or load them, and open the
 * pinned maps. Leaves a shared lock held that keeps `unload` out until release_load_lock(). */
int ensure_enforcing(struct bpfence_maps *m);
/* The same; with may_load false, programs that are not loaded are an error (a runtime hook must
 * not be the one to load them, nor go on without them). */
int enforcing_maps(struct bpfence_maps *m, bool may_load);

/* Tag (or untag) a cgroup and every descendant that exists now (cli/commands.c). */
int walk_tag(const struct bpfence_maps *m, const char *path, __u64 inv, bool tag, __u32 flags);
void release_load_lock(void);

/* The seccomp layer for a policy (cli/seccomp.c); NULL with why set on failure. Loaded by the
 * child right before exec. */
void *seccomp_build(const struct policy *p, char *why, size_t n);
/* The same layer as a BPF program, compiled once per policy content and cached (cli/seccomp.c);
 * prog->filter is malloc'd. flags: what to pass to seccomp(SECCOMP_SET_MODE_FILTER). */
struct sock_fprog;
int seccomp_filter_get(const struct policy *p, struct sock_fprog *prog, unsigned int *flags,
		       char *why, size_t n);
/* The same layer as an OCI runtime-spec `linux.seccomp` object, written to out; log_flag adds
 * "flags": ["SECCOMP_FILTER_FLAG_LOG"] (crun, runc >= 1.2; runc 1.1 refuses any flags).
 * 0, or a negative errno with why set. */
int seccomp_oci_profile(const struct policy *p, bool log_flag, FILE *out, char *why, size_t n);

/* --- starting a restricted command (cli/launch.c) --- */

#include <signal.h>
#include <sys/types.h>

#define ENV_USER_MAX 64 /* --env options */
#define ENV_MAX (ENV_USER_MAX + 16) /* and bpfence's own */

/* A command's environment: NULL-terminated, each string malloc'd. */
struct env {
	char *v[ENV_MAX + 1];
	int n;
};
int env_add(struct env *e, const char *fmt, const char *val);
void env_free(struct env *e);

/* What the child of launch_start() becomes. */
struct launch {
	char **argv;
	char **env;
	const char *workdir; /* NULL: bpfence's own */
	bool drop;           /* set uid and gid (launch_user) */
	uid_t uid;
	gid_t gid;
	const struct sock_fprog *filter; /* the seccomp layer; NULL: none (--no-seccomp) */
	unsigned int filter_flags;
	int cap_last;     /* highest capability this kernel has (launch_cap_last) */
	sigset_t sigmask; /* the child's signal mask */
};

/* PATH, HOME and TMPDIR=home, LANG, USER and LOGNAME, PYTHONDONTWRITEBYTECODE. */
int env_defaults(struct env *e, const char *home, const struct launch *l);
/* USER[:GROUP], names or numbers: sets uid, gid and drop; -ENOENT if unknown. */
int launch_user(struct launch *l, const char *spec);
void launch_cap_last(struct launch *l);
/* clone3 the child into the cgroup open at cgfd; *pidfd its pidfd, *errfd the read end of its
 * error pipe (for launch_exec_result). The child's pid, or -1 (reported). */
pid_t launch_start(const struct launch *l, int cgfd, int *pidfd, int *errfd);
/* Wait for the child's exec: 0 if it ran; 1 if it did not (reported; *code is the exit status:
 * 125 bpfence or the canary, 126 not executable, 127 not found). */
int launch_exec_result(int errfd, const char *argv0, int *code);

/* pids, memory and cpu for the invocations under base (cli/run.c); best effort. */
void cgroup_enable_controllers(const char *root, const char *base);

int cmd_load(int argc, char **argv);
int cmd_unload(int argc, char **argv);
int cmd_status(int argc, char **argv);
int cmd_run(int argc, char **argv);
int cmd_tag(int argc, char **argv);
int cmd_untag(int argc, char **argv);
int cmd_policy(int argc, char **argv);
/* bpfence policy learn (cli/learn.c): argv[0] is "learn". */
int policy_learn(int argc, char **argv);
extern const char policy_learn_help[];
int cmd_audit(int argc, char **argv);
int cmd_selftest(int argc, char **argv);
int cmd_oci_hook(int argc, char **argv);
int cmd_sandbox(int argc, char **argv);

#endif
