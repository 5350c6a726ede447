// SPDX-License-Identifier: GPL-2.0-only
/*
 * B5, `bench teardown [--runs N] [--leak-runs N]`: a --timeout 0.2 invocation's timeout firing ->
 * its cgroup removed, watched with inotify, N times (default 20); then the cgroups, map entries and
 * files left over after N invocations (default 10000), counted before and after.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <limits.h>
#include <math.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/wait.h>
#include <unistd.h>

#include <bpf/bpf.h>

#include "bench.h"
#include "libbpfence.h"

#define TIMEOUT_S 0.2

/* One invocation's cgroup as inotify sees it: created, populated (the clone3 into it, when
 * `run` starts its timeout clock), emptied (the kill), removed. Times from now(). */
struct cgroup_watch {
	char name[NAME_MAX + 1];
	int events_wd;
	double populated, emptied, removed;
	bool late; /* populated before the watch was in place: the anchor is late */
};

static bool events_populated(const char *base, const char *name)
{
	char path[PATH_MAX], text[256] = "";
	int fd;
	ssize_t n;

	snprintf(path, sizeof(path), "%s/%s/cgroup.events", base, name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	n = read(fd, text, sizeof(text) - 1);
	close(fd);
	text[n > 0 ? n : 0] = 0;
	return strstr(text, "populated 1") != NULL;
}

/* What one inotify event says about the invocation's cgroup. */
static void watch_event(int ifd, int base_wd, const char *base, const struct inotify_event *ev,
			struct cgroup_watch *c)
{
	char path[PATH_MAX];
	double t = now();

	if (ev->wd == base_wd && (ev->mask & IN_CREATE) && (ev->mask & IN_ISDIR) && !c->name[0]) {
		snprintf(c->name, sizeof(c->name), "%s", ev->name);
		snprintf(path, sizeof(path), "%s/%s/cgroup.events", base, ev->name);
		c->events_wd = inotify_add_watch(ifd, path, IN_MODIFY);
		if (events_populated(base, c->name)) {
			c->populated = t;
			c->late = true;
		}
	} else if (ev->wd == c->events_wd && c->events_wd >= 0 && (ev->mask & IN_MODIFY)) {
		bool pop = events_populated(base, c->name);

		if (pop && !c->populated)
			c->populated = t;
		else if (!pop && c->populated && !c->emptied)
			c->emptied = t;
	} else if (ev->wd == base_wd && (ev->mask & IN_DELETE) && c->name[0] &&
		   !strcmp(ev->name, c->name)) {
		c->removed = t;
	}
}

/*
 * One `run --timeout 0.2 -- sleep 10`: from the moment its timeout should fire (populated + 0.2
 * s; the start of spawn + 0.2 s when the populated event was missed) to the rmdir of its cgroup.
 * The kernel rate-limits cgroup.events notifications to one per 10 ms, which can only make the
 * anchor late, the latency shorter: teardown_ms (emptied -> removed) is the part it cannot touch.
 * Returns 0 with latency_ms/teardown_ms set, or the exit status.
 */
static int timeout_once(int ifd, int base_wd, const char *base, char *const argv[], int errfd,
			double *latency_ms, double *teardown_ms, bool *anchored)
{
	char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
	struct cgroup_watch c = { .events_wd = -1 };
	double t0 = now();
	pid_t pid = start(argv, -1, errfd);
	int st;

	if (pid < 0)
		return -1;
	while (!c.removed && now() - t0 < 20) {
		struct pollfd pf = { .fd = ifd, .events = POLLIN };
		ssize_t n;

		if (poll(&pf, 1, 100) <= 0) {
			if (waitpid(pid, &st, WNOHANG) == pid) {
				pid = -1;
				break;
			}
			continue;
		}
		n = read(ifd, buf, sizeof(buf));
		for (char *p = buf; n > 0 && p < buf + n;) {
			const struct inotify_event *ev = (const struct inotify_event *)p;

			watch_event(ifd, base_wd, base, ev, &c);
			p += sizeof(*ev) + ev->len;
		}
	}
	if (c.events_wd >= 0)
		inotify_rm_watch(ifd, c.events_wd);
	if (pid > 0)
		st = finish(pid);
	else
		st = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
	if (st != 124)
		return st ? st : -1;
	if (!c.removed)
		return -1;
	*anchored = c.populated && !c.late;
	*latency_ms = (c.removed - (*anchored ? c.populated : t0) - TIMEOUT_S) * 1e3;
	*teardown_ms = c.emptied ? (c.removed - c.emptied) * 1e3 : NAN;
	return 0;
}

struct timeout_result {
	double p50, p99, teardown_p50, teardown_p99;
	int samples, unanchored, failed;
};

/* Runs `runs` timeouts; returns 0, or -1 when bpfence cannot run them at all. */
static int bench_timeouts(const char *policy, int runs, struct timeout_result *res)
{
	char base[PATH_MAX], why[256], log[PATH_MAX];
	char *argv[] = { stage.bpfence, "--json", "run", "--timeout", "0.2", "--policy",
			 (char *)policy, "--", "/bin/sleep", "10", NULL };
	double *lat = calloc(runs, sizeof(double)), *td = calloc(runs, sizeof(double));
	int ifd = -1, wd, ntd = 0, errfd = -1, e = -1;

	res->p50 = res->p99 = res->teardown_p50 = res->teardown_p99 = NAN;
	if (!lat || !td || cgroup_base(base, sizeof(base)))
		goto out;
	/* The first invocation makes <cgroup2>/bpfence if it is not there yet. */
	if (run_logged(argv, -1, why, sizeof(why)) != 124) {
		fprintf(stderr, "bench: bpfence run --timeout cannot run here: %s\n", why);
		goto out;
	}
	ifd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	wd = ifd < 0 ? -1 : inotify_add_watch(ifd, base, IN_CREATE | IN_DELETE | IN_ONLYDIR);
	if (wd < 0) {
		fprintf(stderr, "bench: inotify on %s: %s\n", base, strerror(errno));
		goto out;
	}
	stage_path(log, sizeof(log), "stderr");
	errfd = open(log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	for (int i = 0; i < runs; i++) {
		bool anchored = false;
		double t = NAN;

		if (timeout_once(ifd, wd, base, argv, errfd, &lat[res->samples], &t, &anchored)) {
			res->failed++;
			continue;
		}
		res->samples++;
		res->unanchored += !anchored;
		if (isfinite(t))
			td[ntd++] = t;
	}
	res->p50 = percentile(lat, res->samples, 50);
	res->p99 = percentile(lat, res->samples, 99);
	res->teardown_p50 = percentile(td, ntd, 50);
	res->teardown_p99 = percentile(td, ntd, 99);
	e = 0;
out:
	if (errfd >= 0)
		close(errfd);
	if (ifd >= 0)
		close(ifd);
	free(lat);
	free(td);
	return e;
}

/* -- leaks -- */

/* Directories below dirfd/name (not counting it), or files that are not directories. */
static long long count_tree(int at, const char *name, bool dirs)
{
	int fd = openat(at, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	long long n = 0;
	struct dirent *d;
	DIR *dir;

	if (fd < 0)
		return errno == ENOENT ? 0 : -1;
	dir = fdopendir(fd);
	if (!dir) {
		close(fd);
		return -1;
	}
	while ((d = readdir(dir))) {
		if (!strcmp(d->d_name, ".") || !strcmp(d->d_name, ".."))
			continue;
		if (d->d_type == DT_DIR) {
			long long sub = count_tree(dirfd(dir), d->d_name, dirs);

			n += (dirs ? 1 : 0) + (sub > 0 ? sub : 0);
		} else if (!dirs) {
			n++;
		}
	}
	closedir(dir);
	return n;
}

/* Entries of a pinned map, walked by key; -1 where a map has no keys to walk (ring buffer,
 * task storage) or is not pinned. */
static long long map_entries(const char *name)
{
	char path[PATH_MAX];
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);
	long long n = 0;
	char *keys;
	int fd;

	snprintf(path, sizeof(path), "%s/maps/%s", BPFENCE_PIN_DIR, name);
	fd = bpf_obj_get(path);
	if (fd < 0)
		return -1;
	if (bpf_obj_get_info_by_fd(fd, &info, &len) || !info.key_size) {
		close(fd);
		return -1;
	}
	keys = calloc(2, info.key_size);
	if (!keys) {
		close(fd);
		return -1;
	}
	for (void *prev = NULL, *next = keys;
	     n <= (long long)info.max_entries && !bpf_map_get_next_key(fd, prev, next); n++) {
		prev = next;
		next = next == keys ? keys + info.key_size : keys;
	}
	if (errno != ENOENT && n == 0)
		n = -1;
	free(keys);
	close(fd);
	return n;
}

#define LEAK_ITEMS 32

struct leak_item {
	char name[64];
	long long before, after;
};

static int leak_count(struct leak_item *it, const char *base, bool after)
{
	glob_t g = {};
	int n = 0;

#define LEAK_SET(label, value)                                                                   \
	do {                                                                                     \
		snprintf(it[n].name, sizeof(it[n].name), "%s", label);                           \
		*(after ? &it[n].after : &it[n].before) = (value);                               \
		n++;                                                                             \
	} while (0)
	LEAK_SET("cgroups", count_tree(AT_FDCWD, base, true));
	for (const char *const *m = bpfence_map_names; *m && n < LEAK_ITEMS - 2; m++) {
		char label[64];

		snprintf(label, sizeof(label), "map %s", *m);
		LEAK_SET(label, map_entries(*m));
	}
	LEAK_SET("files under /run/bpfence", count_tree(AT_FDCWD, "/run/bpfence", false));
	LEAK_SET("/tmp/bpfence-*", glob("/tmp/bpfence-*", GLOB_ONLYDIR, NULL, &g) ? 0 :
				   (long long)g.gl_pathc);
#undef LEAK_SET
	globfree(&g);
	return n;
}

/* The mix of a day's invocations: most succeed, some time out, fail, or are denied a file. */
enum leak_op { OP_TRUE, OP_TIMEOUT, OP_EXIT3, OP_DENIED, NOPS };

static enum leak_op leak_op(int i)
{
	i %= 100;
	return i < 90 ? OP_TRUE : i < 95 ? OP_TIMEOUT : i < 98 ? OP_EXIT3 : OP_DENIED;
}

static int bench_leaks(const char *policy, int runs, struct leak_item *it, int *nitems,
		       int *unexpected)
{
	static const int expect[NOPS] = { 0, 124, 3, 1 };
	char base[PATH_MAX], *p = (char *)policy, *b = stage.bpfence;
	char *const argv[NOPS][12] = {
		{ b, "run", "--policy", p, "--", "/bin/true", NULL },
		{ b, "run", "--timeout", "0.05", "--policy", p, "--", "/bin/sleep", "10", NULL },
		{ b, "run", "--policy", p, "--", "/bin/sh", "-c", "exit 3", NULL },
		{ b, "run", "--policy", p, "--", "/bin/cat", "/etc/shadow", NULL },
	};

	if (cgroup_base(base, sizeof(base)))
		return -1;
	*nitems = leak_count(it, base, false);
	/* Two at a time: half the wall time, and teardowns overlapping as on a busy server. */
	for (int i = 0; i < runs; i += 2) {
		pid_t pid[2] = { -1, -1 };

		for (int j = 0; j < 2 && i + j < runs; j++)
			pid[j] = start(argv[leak_op(i + j)], -1, -1);
		for (int j = 0; j < 2 && i + j < runs; j++)
			if (pid[j] < 0 || finish(pid[j]) != expect[leak_op(i + j)])
				(*unexpected)++;
		if ((i + 2) % 500 == 0)
			fprintf(stderr, "bench: B5 leak runs %d/%d\n", i + 2, runs);
	}
	leak_count(it, base, true);
	return 0;
}

static void json_leaks(struct json_writer *w, const struct leak_item *it, int n, int runs,
		       int unexpected)
{
	char b[3][32];

	printf("\nB5: left over after %d invocations, 2 at a time (90%% /bin/true, 5%% time out, "
	       "3%% exit 3, 2%% denied an open)\n", runs);
	printf("%-28s %10s %10s %10s\n", "item", "before", "after", "leaked");
	jsonw_name(w, "leaks");
	jsonw_start_object(w);
	jsonw_uint_field(w, "runs", runs);
	jsonw_uint_field(w, "unexpected_exit_status", unexpected);
	jsonw_name(w, "items");
	jsonw_start_object(w);
	for (int i = 0; i < n; i++) {
		bool known = it[i].before >= 0 && it[i].after >= 0;

		printf("%-28s %s %s %s\n", it[i].name,
		       cell(b[0], 32, "%10.0f", it[i].before < 0 ? NAN : it[i].before),
		       cell(b[1], 32, "%10.0f", it[i].after < 0 ? NAN : it[i].after),
		       cell(b[2], 32, "%10.0f", known ? it[i].after - it[i].before : NAN));
		jsonw_name(w, it[i].name);
		if (!known) {
			jsonw_null(w);
			continue;
		}
		jsonw_start_object(w);
		jsonw_uint_field(w, "before", it[i].before);
		jsonw_uint_field(w, "after", it[i].after);
		/* Signed: an item can also shrink (an earlier run's leftovers collected). */
		jsonw_float_field(w, "leaked", (double)(it[i].after - it[i].before));
		jsonw_end_object(w);
	}
	jsonw_end_object(w);
	jsonw_end_object(w);
	printf("invocations with an unexpected exit status: %d of %d\n", unexpected, runs);
}

int bench_teardown(const struct opts *o, const char *json_path)
{
	int runs = o->runs > 0 ? o->runs : 20, leak_runs = o->leak_runs >= 0 ? o->leak_runs : 10000;
	struct timeout_result tr = {};
	struct leak_item items[LEAK_ITEMS] = {};
	int nitems = 0, unexpected = 0, status = 0;
	char policy[PATH_MAX], b[4][32];
	struct json_writer w;

	if (stage_make() || function_policy(policy, sizeof(policy)))
		return 1;
	fprintf(stderr, "bench: B5 %d timeouts\n", runs);
	if (bench_timeouts(policy, runs, &tr))
		status = 1;
	else if (leak_runs && bench_leaks(policy, leak_runs, items, &nitems, &unexpected))
		status = 1;

	if (!json_begin(&w, json_path, "B5"))
		return 1;
	printf("\nB5: timeout firing -> cgroup removed, %d runs of run --timeout 0.2 -- sleep 10 "
	       "(ms)\n", runs);
	printf("%-40s %10s %10s\n", "", "p50", "p99");
	printf("%-40s %s %s\n", "timeout due -> cgroup removed", cell(b[0], 32, "%10.2f", tr.p50),
	       cell(b[1], 32, "%10.2f", tr.p99));
	printf("%-40s %s %s\n", "cgroup emptied -> removed", cell(b[2], 32, "%10.2f",
								    tr.teardown_p50),
	       cell(b[3], 32, "%10.2f", tr.teardown_p99));
	printf("samples %d, failed %d, timed from the spawn (no populated event seen) %d\n",
	       tr.samples, tr.failed, tr.unanchored);
	jsonw_name(&w, "timeout");
	jsonw_start_object(&w);
	jsonw_uint_field(&w, "runs", runs);
	jsonw_uint_field(&w, "samples", tr.samples);
	jsonw_uint_field(&w, "failed", tr.failed);
	jsonw_uint_field(&w, "timed_from_spawn", tr.unanchored);
	jsonw_float_field(&w, "p50_ms", tr.samples ? tr.p50 : NAN);
	jsonw_float_field(&w, "p99_ms", tr.samples ? tr.p99 : NAN);
	jsonw_float_field(&w, "emptied_to_removed_p50_ms", tr.teardown_p50);
	jsonw_float_field(&w, "emptied_to_removed_p99_ms", tr.teardown_p99);
	jsonw_end_object(&w);
	if (nitems)
		json_leaks(&w, items, nitems, leak_runs, unexpected);
	else
		jsonw_string_field(&w, "leaks", NULL);
	jsonw_string_field(&w, "target", "<= 5 ms, zero leaked");
	return json_end(&w, json_path) || status;
}
