// SPDX-License-Identifier: GPL-2.0-only
/*
 * The host-wide lifecycle counters (loader/stats.h): one page in /run/bpfence, mapped shared by
 * each process that adds to it, and added to with atomic instructions, so concurrent `run`s,
 * sandbox keepers and runtime hooks never lose a count and no lock is taken on their path.
 * Started and ended are counted where the policy entry is written and deleted
 * (loader/install.c): every front end passes there exactly once per invocation, and whoever
 * cleans up after a crashed one (reap, collect) deletes it once too.
 *
 * It lives beside the invocation state rather than in a BPF map because no program reads it:
 * user space is its only writer and reader, and a file costs a `run` one open and one mmap.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "stats.h"

#define BPFENCE_STATS_MAGIC 0x62666e6373746174ULL /* "bfncstat" */

/* The page, mapped; NULL if it could not be. Creation is atomic enough without a lock: every
 * creator truncates to the same size (which zeroes nothing already there) and the counters
 * start at the zeroes a new file reads as. */
static struct bpfence_stats *map_stats(bool create)
{
	struct bpfence_stats *s;
	struct stat st;
	int fd;

	if (create && mkdir("/run/bpfence", 0700) && errno != EEXIST)
		return NULL;
	fd = open(BPFENCE_STATS_FILE, O_RDWR | O_CLOEXEC | O_NOFOLLOW | (create ? O_CREAT : 0),
		  0600);
	if (fd < 0)
		return NULL;
	if (fstat(fd, &st) || !S_ISREG(st.st_mode) ||
	    ((size_t)st.st_size < sizeof(*s) && (!create || ftruncate(fd, sizeof(*s))))) {
		close(fd);
		return NULL;
	}
	s = mmap(NULL, sizeof(*s), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	close(fd);
	if (s == MAP_FAILED)
		return NULL;
	if (create && __atomic_load_n(&s->magic, __ATOMIC_RELAXED) != BPFENCE_STATS_MAGIC)
		__atomic_store_n(&s->magic, BPFENCE_STATS_MAGIC, __ATOMIC_RELAXED);
	return s;
}

void stats_add(enum bpfence_stat which)
{
	struct bpfence_stats *s;

	if (which < 0 || which >= STAT_MAX)
		return;
	s = map_stats(true);
	if (!s)
		return;
	__atomic_add_fetch(&s->v[which], 1, __ATOMIC_RELAXED);
	munmap(s, sizeof(*s));
}

int stats_read(struct bpfence_stats *out)
{
	struct bpfence_stats *s = map_stats(false);

	memset(out, 0, sizeof(*out));
	if (!s)
		return errno == ENOENT ? 0 : -errno;
	for (int i = 0; i < STAT_MAX; i++)
		out->v[i] = __atomic_load_n(&s->v[i], __ATOMIC_RELAXED);
	out->magic = s->magic;
	munmap(s, sizeof(*s));
	return 0;
}
