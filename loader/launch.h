/* SPDX-License-Identifier: GPL-2.0-only */
/* The one way a restricted command starts (loader/launch.c). */
#ifndef BPFENCE_LAUNCH_H
#define BPFENCE_LAUNCH_H

#include <linux/filter.h>
#include <signal.h>
#include <stdbool.h>
#include <sys/types.h>

#include "libbpfence.h"

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
/* The live deny canary, asked from a short-lived child born in cgroup_dir: it proves the programs
 * are attached and the cgroup is tagged right now. The child never executes anything (it is not
 * armed; the canary answers for the cgroup). 0, or -1 with why set. */
int launch_canary_in(const char *cgroup_dir, char *why, size_t n);
/* The same in two halves, for a caller that must not wait (bpfenced's loop): the child started
 * (its pid, and a pidfd that becomes readable when it has exited), then its answer. */
pid_t launch_canary_start(const char *cgroup_dir, int *pidfd, char *why, size_t n);
int launch_canary_result(pid_t pid, const char *cgroup_dir, char *why, size_t n);

#endif
