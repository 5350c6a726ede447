/* SPDX-License-Identifier: GPL-2.0-only */
/* Before anything is restricted: this kernel enforces now (loader/enforce.c). */
#ifndef BPFENCE_ENFORCE_H
#define BPFENCE_ENFORCE_H

#include <limits.h>
#include <stdbool.h>
#include <sys/types.h>

#include "libbpfence.h"

/* 0 as root; otherwise reports "permission denied" and returns -1. */
int require_root(void);
/* Check the programs are loaded (waiting for a load in progress) or load them, and open the
 * pinned maps. Leaves a shared lock held that keeps `unload` out until release_load_lock(). On
 * failure reports the error and returns -1 (exit EXIT_BPFENCE). */
int ensure_enforcing(struct bpfence_maps *m);
/* The same; with may_load false, programs that are not loaded are an error (a runtime hook must
 * not be the one to load them, nor go on without them). */
int enforcing_maps(struct bpfence_maps *m, bool may_load);
void release_load_lock(void);
/* The pinned maps if the programs are loaded now, without loading, waiting or reporting (for
 * teardown and listings). 0 or -1. */
int maps_if_loaded(struct bpfence_maps *m);

/* The live deny canary from a cgroup tagged for the purpose (bpfenced's health check): 0 when
 * the kernel denied it, -1 with why set otherwise. */
int enforcement_canary(const struct bpfence_maps *m, char *why, size_t n);

/* The same in two halves, so that a daemon's loop never waits for the canary's child to be
 * scheduled (under a storm of denials that wait would let the ring buffer overflow). */
struct canary_check {
	char dir[PATH_MAX + 64];
	__u64 cgid; /* tagged, 0 when not */
	pid_t pid;  /* the child, -1 when none */
	int pidfd;  /* readable once the child has exited */
};
/* The cgroup made and tagged, the child started: 0 (watch c->pidfd), or -1 with why set and
 * nothing left behind. */
int canary_check_start(const struct bpfence_maps *m, struct canary_check *c, char *why,
		       size_t n);
/* The answer (0: denied), once c->pidfd is readable; with give_up, the child is killed and the
 * answer is no. The cgroup is untagged and removed either way. */
int canary_check_finish(const struct bpfence_maps *m, struct canary_check *c, bool give_up,
			char *why, size_t n);

#endif
