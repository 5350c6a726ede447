/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Host-wide counters of the invocation lifecycle and of loads, kept in one small file every
 * bpfence process on the host adds to (loader/stats.c), and that bpfenced exports as metrics.
 * What the kernel already counts (denials, drops) is not here.
 */
#ifndef BPFENCE_STATS_H
#define BPFENCE_STATS_H

#include <linux/types.h>

/* /run is a tmpfs: the counters start at 0 at boot, whoever restarts. */
#define BPFENCE_STATS_FILE "/run/bpfence/stats"

enum bpfence_stat {
	STAT_INVOCATIONS_STARTED, /* a policy installed under a new invocation (any front end) */
	STAT_INVOCATIONS_ENDED,	  /* ... and removed again (whoever removed it: end, release, reap) */
	STAT_LOADS,		  /* loads that attached and pinned the programs */
	STAT_LOAD_FAILURES,	  /* loads that failed (verifier, attach, pin) */
	STAT_MAX,
};

struct bpfence_stats {
	__u64 magic; /* BPFENCE_STATS_MAGIC once initialised */
	__u64 v[STAT_MAX];
};

/* Add 1 to counter s. Best effort: a counter that cannot be written (no /run/bpfence, not root)
 * is skipped, never an error of the operation it counts. */
void stats_add(enum bpfence_stat s);
/* A snapshot of every counter: 0, or -errno (zeros in *out). */
int stats_read(struct bpfence_stats *out);

#endif
