/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * One invocation's life, in the order it happens (STYLE.md 17): every front end (`bpfence run`,
 * `sandbox create|exec|terminate`, `oci-hook`, `tag`) is a sequence of these calls and differs
 * from the others by parameters, never by a copy of a step.
 *
 *   invocation_begin      parse the policy, check the programs enforce, build the seccomp layer
 *   invocation_cgroup     <cgroup2>/bpfence/<name>, its limits, its id
 *   invocation_storage    the bounded tmpfs: scratch (HOME, TMPDIR) and shm (/dev/shm)
 *   invocation_namespaces private mount and IPC namespaces (invocation_bind_shm: /dev/shm)
 *   invocation_resolver   a policy with DNS names: its resolver (loader/resolver.h), and
 *                         /etc/resolv.conf pointing at it
 *   invocation_restrict   the policy into the maps under the cgroup's id, then the tag
 *   invocation_start      clone3 into the tagged cgroup (loader/launch.c), signals as an fd
 *   invocation_wait       the command's end, a timeout or a signal, as the front end asks
 *   invocation_end        kill what is left, wait until empty, remove the cgroup, untag,
 *                         uninstall, unmount: never an untagged leftover (fail closed)
 *
 * A cgroup someone else made (a container's, a unit's) is restricted with invocation_adopt and
 * released with invocation_release. A sandbox (loader/sandbox.c) is an invocation kept across
 * many invocation_start/invocation_wait pairs, its namespaces held by a keeper process.
 *
 * Every step reports its own failure through bpfence_report() (loader/report.c) and returns -1;
 * what the front end adds is the exit status.
 */
#ifndef BPFENCE_INVOCATION_H
#define BPFENCE_INVOCATION_H

#include <limits.h>
#include <linux/filter.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <sys/types.h>

#include "enforce.h"
#include "launch.h"
#include "libbpfence.h"
#include "resolver.h"
#include "seccomp_layer.h"

/* --- the invocation (loader/invocation.c) --- */

#define INVOCATION_PIDS_MAX 1024 /* the default pids limit: best effort where unavailable */
#define INVOCATION_DISK_MAX (256ULL << 20)
#define INVOCATION_DISK_INODES 16384ULL
#define INVOCATION_KILL_WAIT_MS 10000

struct invocation_limits {
	long long pids_max, memory_max;           /* 0: none */
	unsigned long long disk_max, disk_inodes; /* 0: the policy's, else the defaults above */
	bool pids_limited, memory_limited;        /* what the host's controllers allowed */
};

struct invocation {
	/* what the front end sets */
	char id[BPFENCE_ID_MAX];       /* the invocation id records carry; the cgroup's name */
	struct invocation_limits lim;
	struct launch l;               /* what each command becomes */
	struct env env;                /* --env first (getenv takes the first: it wins) */
	char source[PATH_MAX];         /* ${source}, "" if none */
	char source_shown[PATH_MAX];   /* the path BPFENCE_SOURCE shows, if not source itself
					* (a source passed as a descriptor: source is its
					* /proc/self/fd link) */
	char scratch[PATH_MAX];        /* ${scratch}, HOME and TMPDIR */
	char storage[PATH_MAX];        /* the tmpfs mount point */

	/* what the steps made */
	struct policy policy;
	struct sock_fprog filter; /* the seccomp layer; filter.filter NULL without one */
	struct bpfence_maps maps;
	char cgroup[PATH_MAX];
	__u64 cgid;
	bool maps_open, made_cgroup, installed, tagged, made_storage, mounted_storage;
	bool not_empty; /* the kill did not complete: stays tagged, restricted (fail closed) */
	struct resolver *resolver; /* a policy with DNS names: its resolver (run) */
	pid_t resolver_pid;	   /* ... serving in this child, 0 if none */
	uint32_t resolver4;	   /* its address, which the policy entry names; 0: none */

	/* the running command (invocation_start .. invocation_wait) */
	int cgfd, pidfd, errfd, sigfd;
	int hangup_fd; /* a connection whose hangup ends the wait (bpfenced's caller), or -1 */
	pid_t pid;
	double started_ms;
};

/* An invocation with nothing made yet (fds -1). */
void invocation_init(struct invocation *inv);

/* --user USER[:GROUP], --source DIR and --scratch DIR (each NULL if not given) into inv: the
 * user resolved to ids, the directories to absolute paths. -1 if one is bad (reported). */
int invocation_options(struct invocation *inv, const char *user, const char *source,
		       const char *scratch);

/* --source as a directory the caller opened (bpfenced's socket): fd must be a directory opened
 * for reading (not O_PATH: the caller proves it could read it), kept open until the policy is
 * installed. ${source} is then that very directory, reached through /proc/self/fd, never by a
 * path this process resolves again with its own privileges. -1 if unfit (reported). */
int invocation_source_fd(struct invocation *inv, int fd);

enum invocation_begin_flags {
	INVOCATION_AUDIT = 1 << 0,      /* mode = audit whatever the policy says */
	INVOCATION_NO_SECCOMP = 1 << 1, /* no seccomp layer (the runner applies its own) */
};
/* Parse policy_file into inv->policy, check this kernel enforces (loading the programs if
 * needed) and build the seccomp layer. -EINVAL for a policy that does not parse (a refusal of
 * the request), -1 for anything else (bpfence's failure); both reported. */
int invocation_begin(struct invocation *inv, const char *policy_file, unsigned int flags);

/* <cgroup2>/bpfence/<inv->id> with the limits of inv->lim (a limit asked for that cannot be set
 * fails; the default pids limit is best effort), and its id. Resolves inv->lim's disk defaults
 * from the policy. */
int invocation_cgroup(struct invocation *inv);

/* Mount the bounded tmpfs on inv->storage (made here, 0700) and make its scratch/ (unless
 * inv->scratch is set already: --scratch) and shm/, owned by the invocation's user. */
int invocation_storage(struct invocation *inv);

/* This process into new mount (slave to the host's) and IPC namespaces: 0; or, with join > 0,
 * into those of process join: 1 (falling back to fresh ones). -errno (not reported: the keeper
 * has nobody to report to). */
int invocation_namespaces(pid_t join);
/* /dev/shm, in this mount namespace, bound to storage's shm/. 0 or -errno. */
int invocation_bind_shm(const char *storage);

/* For a policy that names DNS names (nothing to do otherwise): the resolver bound to its
 * address, the invocation's resolv.conf on the storage bound over /etc/resolv.conf in this mount
 * namespace (and granted to the function), and a child serving it until invocation_end. */
int invocation_resolver(struct invocation *inv);
/* The invocation's names go to the resolver at addr4 (one a sandbox's keeper serves): its
 * resolv.conf on the storage is granted, and invocation_restrict names the address. */
int invocation_resolver_use(struct invocation *inv, uint32_t addr4);

/* Install the policy under the cgroup's id and tag the cgroup. */
int invocation_restrict(struct invocation *inv);

/* The command's environment (bpfence's own entries after --env): defaults with HOME=scratch,
 * then `extra` NAME=VALUE pairs whose value is not NULL. l.argv, l.env, l.filter set. */
int invocation_command(struct invocation *inv, char **argv, const char *const extra[][2]);

/* Start inv->l in the cgroup: signals INT, TERM, HUP and QUIT held for invocation_wait, no core
 * dumps, clone3. After it, exec_failed and *code tell launch_exec_result's answer. */
int invocation_start(struct invocation *inv, bool *exec_failed, int *code);

/* What to do when the deadline passes or bpfence is signalled. */
enum invocation_wait_mode {
	INVOCATION_WAIT_RUN,  /* stop waiting at either (the caller ends the whole invocation) */
	INVOCATION_WAIT_EXEC, /* a timeout kills the command's session, a signal is passed on to
			       * it; waiting goes on until the command ends (sandbox exec) */
};
struct invocation_result {
	bool timed_out;
	bool hangup;    /* inv->hangup_fd's peer went: the caller is gone */
	int signal;     /* the signal that stopped bpfence (INVOCATION_WAIT_RUN) */
	int forwarded;  /* the last signal passed on (INVOCATION_WAIT_EXEC) */
	long duration_ms;
};
/* Wait for the started command (timeout_ms < 0: none). Under INVOCATION_WAIT_EXEC the child is
 * reaped into *info; under INVOCATION_WAIT_RUN after invocation_end. */
void invocation_wait(struct invocation *inv, long timeout_ms, enum invocation_wait_mode mode,
		     struct invocation_result *res, siginfo_t *info);

/* Single use: kill whatever is left in the cgroup, wait until it is empty, reap the child into
 * *info (may be NULL) and remove the cgroup (its tag goes with it). -1 if it did not empty or
 * go: then it stays tagged, with its policy (reported). */
int invocation_kill(struct invocation *inv, siginfo_t *info);

/* Everything invocation_* made that is still there: untag, uninstall, unmount and remove the
 * storage, close fds and maps, free. -1 if something could not go (reported). */
int invocation_end(struct invocation *inv);

/* The command's exit status as a shell gives it: the exec's failure code (126, 127, 125), its
 * own status, or 128 + the signal that killed it. */
int invocation_exit_status(bool exec_failed, int code, const siginfo_t *info);

/* Sum of the counters in c per class (denied + audited). */
void counters_total(const struct bpfence_counters *c, __u64 total[BPFENCE_CLASS_MAX]);

/* --- restricting cgroups made by others (loader/invocation.c) --- */

/* Tag (or untag) a cgroup and every descendant that exists now; children made later inherit the
 * tag in the kernel (tp_btf/cgroup_mkdir). 0 or -errno. */
int walk_tag(const struct bpfence_maps *m, const char *path, __u64 inv, bool tag, __u32 flags);

enum invocation_adopt_flags {
	ADOPT_ARM_PRESENT = 1 << 0, /* the processes there now are restricted at once */
	ADOPT_CANARY = 1 << 1,      /* prove a task born there is denied the canary */
};
/* Restrict the existing cgroup dir (id cgid) and its descendants with p under invocation id
 * inv_id: policy installed, every cgroup tagged with tag_flags, then ADOPT_* steps. On any
 * failure nothing is left (untagged, uninstalled) and the error is reported. */
int invocation_adopt(const struct bpfence_maps *m, const char *dir, __u64 cgid, const char *inv_id,
		     const struct policy *p, const struct policy_vars *vars, __u32 tag_flags,
		     unsigned int flags);
/* Lift invocation_adopt: untag dir's tree if it is still the tagged root cgid, uninstall. */
void invocation_release(const struct bpfence_maps *m, const char *dir, __u64 cgid);

#endif
