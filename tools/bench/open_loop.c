// SPDX-License-Identifier: GPL-2.0-only
/*
 * The open loop that B2 and B7 time, and `bench open-loop [--rounds R] [--iterations N]
 * [--landlock-rules FILE] PATH...` that runs it: the median ns per open+close of each PATH, after
 * restricting itself with Landlock when given the rules (one path a line). loop_run() starts it in
 * a fresh process: untagged, inside `bpfence run`, or under Landlock. Which paths, policies and
 * rules is the benchmarks' choice.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/landlock.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "bench.h"

#ifndef __NR_landlock_create_ruleset
#define __NR_landlock_create_ruleset 444
#define __NR_landlock_add_rule 445
#define __NR_landlock_restrict_self 446
#endif

/* Landlock's ABI version here; < 1: no Landlock (errno says why). */
long landlock_abi(void)
{
	return syscall(__NR_landlock_create_ruleset, NULL, 0, LANDLOCK_CREATE_RULESET_VERSION);
}

/* One path-beneath rule: a directory grants reading files and listing below it, a file reading
 * it (Landlock refuses directory rights on a file). */
static int landlock_rule(int rfd, const char *path)
{
	struct landlock_path_beneath_attr pb = {};
	struct stat st;
	int fd, e = 0;

	fd = open(path, O_PATH | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st))
		e = -errno;
	if (!e) {
		pb.parent_fd = fd;
		pb.allowed_access = LANDLOCK_ACCESS_FS_READ_FILE;
		if (S_ISDIR(st.st_mode))
			pb.allowed_access |= LANDLOCK_ACCESS_FS_READ_DIR;
		if (syscall(__NR_landlock_add_rule, rfd, LANDLOCK_RULE_PATH_BENEATH, &pb, 0))
			e = -errno;
	}
	if (fd >= 0)
		close(fd);
	return e;
}

/* Restrict this process to reading what the rules file (one path a line) names: Landlock's
 * counterpart of a policy's read grants. */
static int landlock_restrict(const char *rules)
{
	struct landlock_ruleset_attr ra = {
		.handled_access_fs = LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_READ_DIR,
	};
	char line[PATH_MAX];
	int rfd, e = 0, n = 0;
	FILE *f;

	rfd = syscall(__NR_landlock_create_ruleset, &ra, sizeof(ra), 0);
	if (rfd < 0) {
		fprintf(stderr, "bench: landlock_create_ruleset: %s\n", strerror(errno));
		return -1;
	}
	f = fopen(rules, "re");
	while (f && !e && fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = 0;
		e = landlock_rule(rfd, line);
		n++;
	}
	if (!f || e) {
		fprintf(stderr, "bench: landlock rule %d of %s: %s\n", n, rules,
			strerror(f ? -e : errno));
		return -1;
	}
	fclose(f);
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) ||
	    syscall(__NR_landlock_restrict_self, rfd, 0)) {
		fprintf(stderr, "bench: landlock_restrict_self: %s\n", strerror(errno));
		return -1;
	}
	close(rfd);
	return 0;
}

/* ns per open+close of path; -errno when the first open fails (a denial is not a measurement). */
static double loop_open_path(const char *path, int n)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	double t;

	if (fd < 0)
		return -errno;
	close(fd);
	t = now();
	for (int i = 0; i < n; i++) {
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd >= 0)
			close(fd);
	}
	return (now() - t) / n * 1e9;
}

/* open-loop: one median a line, in the order of the paths. Rounds go over all paths in turn, so
 * drift spreads over every path alike. */
int cmd_open_loop(const struct opts *o, const char *json_path)
{
	int rounds = o->rounds > 0 ? o->rounds : 5,
	    iters = o->iterations > 0 ? o->iterations : 10000;
	double (*v)[64];

	if (!o->nargs) {
		fprintf(stderr, "bench: open-loop needs at least one PATH\n");
		return 2;
	}
	if (rounds > 64)
		rounds = 64;
	if (o->landlock_rules && landlock_restrict(o->landlock_rules))
		return 1;
	v = calloc(o->nargs, sizeof(*v));
	if (!v)
		return 1;
	for (int r = 0; r < rounds; r++)
		for (int p = 0; p < o->nargs; p++) {
			v[p][r] = loop_open_path(o->args[p], iters);
			if (v[p][r] < 0) {
				fprintf(stderr, "bench: open %s: %s\n", o->args[p],
					strerror(-(int)v[p][r]));
				return 1;
			}
		}
	for (int p = 0; p < o->nargs; p++)
		printf("%.1f\n", median(v[p], rounds));
	free(v);
	return 0;
}

/*
 * Time open-loop over paths in a fresh process: untagged (policy and rules NULL), inside `bpfence
 * run --policy policy`, or under Landlock with the rules file. The same staged binary each way,
 * so the three differ only in what restricts them. Returns 0, or the exit status with why set.
 */
int loop_run(const char *policy, const char *rules, int iters, int rounds,
		    char *const paths[], int npaths, double *ns, char *why, size_t wn)
{
	char it[16], ro[16], out[4096];
	char *argv[64 + 16];
	int n = 0, p[2], st, got = 0;
	ssize_t len = 0, r;

	if (policy) {
		argv[n++] = stage.bpfence;
		argv[n++] = "run";
		argv[n++] = "--policy";
		argv[n++] = (char *)policy;
		argv[n++] = "--";
	}
	argv[n++] = stage.bench;
	argv[n++] = "open-loop";
	snprintf(it, sizeof(it), "%d", iters);
	snprintf(ro, sizeof(ro), "%d", rounds);
	argv[n++] = "--iterations";
	argv[n++] = it;
	argv[n++] = "--rounds";
	argv[n++] = ro;
	if (rules) {
		argv[n++] = "--landlock-rules";
		argv[n++] = (char *)rules;
	}
	for (int i = 0; i < npaths && i < 64; i++)
		argv[n++] = paths[i];
	argv[n] = NULL;
	if (pipe2(p, O_CLOEXEC))
		return -1;
	/* The loop's output is a few lines: the pipe holds it until run_logged has reaped it. */
	st = run_logged(argv, p[1], why, wn);
	close(p[1]);
	while (len < (ssize_t)sizeof(out) - 1 &&
	       (r = read(p[0], out + len, sizeof(out) - 1 - len)) > 0)
		len += r;
	close(p[0]);
	out[len > 0 ? len : 0] = 0;
	for (char *s = out, *e; !st && got < npaths; s = e) {
		ns[got] = strtod(s, &e);
		if (e == s)
			break;
		got++;
	}
	if (!st && got != npaths) {
		snprintf(why, wn, "open-loop printed %d of %d results", got, npaths);
		return -1;
	}
	return st;
}
