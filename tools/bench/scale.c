// SPDX-License-Identifier: GPL-2.0-only
/*
 * B7, `bench scale [--scale N] [--rounds R] [--iterations N]`: an allowed open inside one
 * invocation with 1, then N (default 10000) other tagged cgroups, each with its own policy; N/1.
 * The other cgroups are made, tagged and given their policies here through libbpfence, and removed
 * on every way out; the timed loop is open_loop.c's.
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bench.h"
#include "libbpfence.h"

/* What B7 made, for the cleanup on every way out (exit, error, signal). */
static struct {
	struct bpfence_maps m;
	bool maps_open;
	char parent[PATH_MAX];
	__u64 *cgid; /* cgroup i is parent/c<i>; tagged and with a policy once its cgid is set */
	int n;
} scale;

static volatile sig_atomic_t stopping;

static void on_signal(int sig)
{
	stopping = sig;
}

static void scale_cleanup(void)
{
	char path[PATH_MAX + 16];

	for (int i = scale.n - 1; i >= 0; i--) {
		if (scale.cgid[i]) {
			untag_cgroup(&scale.m, scale.cgid[i]);
			policy_uninstall(&scale.m, scale.cgid[i]);
		}
		snprintf(path, sizeof(path), "%s/c%d", scale.parent, i);
		rmdir(path);
	}
	scale.n = 0;
	if (scale.parent[0])
		rmdir(scale.parent);
	scale.parent[0] = 0;
	if (scale.maps_open)
		bpfence_maps_close(&scale.m);
	scale.maps_open = false;
}

/* Grow to `to` extra tagged cgroups, each its own invocation with its own copy of p. */
static int scale_grow(int to, const struct policy *p)
{
	struct policy_vars vars = {};
	struct install_report rep;
	char path[PATH_MAX + 16], id[BPFENCE_ID_MAX], why[WHY_MAX];
	__u64 cgid;
	int e;

	while (scale.n < to && !stopping) {
		snprintf(path, sizeof(path), "%s/c%d", scale.parent, scale.n);
		if (mkdir(path, 0755)) {
			fprintf(stderr, "bench: mkdir %s: %s\n", path, strerror(errno));
			return -1;
		}
		scale.cgid[scale.n++] = 0;
		e = cgroup_id(path, &cgid);
		if (!e)
			e = invocation_id_new(id);
		if (!e &&
		    (e = policy_install(&scale.m, cgid, id, p, &vars, &rep, why, sizeof(why)))) {
			fprintf(stderr, "bench: policy %d of %d: %s\n", scale.n, to, why);
			return -1;
		}
		if (!e)
			scale.cgid[scale.n - 1] = cgid;
		if (!e)
			e = tag_cgroup(&scale.m, cgid, cgid, 0);
		if (e) {
			fprintf(stderr, "bench: tagging %s: %s\n", path, strerror(-e));
			return -1;
		}
		if (scale.n % 1000 == 0)
			fprintf(stderr, "bench: B7 %d/%d tagged cgroups\n", scale.n, to);
	}
	return stopping ? -1 : 0;
}

/* The file B7 opens: in the private directory (tmpfs in the VM; /etc there is 9p, a round trip
 * per open that would bury the hooks' cost). */
static char scale_target[PATH_MAX];

/* The untagged loop and the loop inside one invocation, for scale_target. */
static int scale_measure(const char *policy, int iters, int rounds, double *tagged,
			 double *untagged)
{
	char *paths[] = { scale_target };
	char why[256];

	if (loop_run(NULL, NULL, iters, rounds, paths, 1, untagged, why, sizeof(why))) {
		fprintf(stderr, "bench: the untagged loop failed: %s\n", why);
		return -1;
	}
	if (loop_run(policy, NULL, iters, rounds, paths, 1, tagged, why, sizeof(why))) {
		fprintf(stderr, "bench: the loop inside bpfence run failed: %s\n", why);
		return -1;
	}
	return 0;
}

static int scale_setup(int n, struct policy *small, char *loop_policy, size_t lpn)
{
	char base[PATH_MAX], path[PATH_MAX], err[POLICY_ERR_MAX] = "", why[WHY_MAX] = "";
	char *load[] = { stage.bpfence, "load", NULL };
	FILE *f;

	if (stage_make() || cgroup_base(base, sizeof(base)))
		return -1;
	f = policy_begin("scale-loop", loop_policy, lpn);
	if (!f)
		return -1;
	stage_path(scale_target, sizeof(scale_target), "scale-target");
	{
		int fd = open(scale_target, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);

		if (fd < 0) {
			fprintf(stderr, "bench: %s: %s\n", scale_target, strerror(errno));
			fclose(f);
			return -1;
		}
		close(fd);
	}
	fprintf(f, "read = %s\n", scale_target);
	if (policy_end(f, loop_policy))
		return -1;
	/* The small policy of each extra cgroup: a few directories, as a typical function's. */
	stage_path(path, sizeof(path), "scale-small.policy");
	f = fopen(path, "we");
	if (!f ||
	    fprintf(f, "[policy]\nname = bench-scale\n[files]\nread = /usr /lib /etc\n") < 0 ||
	    fclose(f) || policy_parse_file(path, small, err, sizeof(err))) {
		fprintf(stderr, "bench: the small policy %s: %s\n", path,
			f ? err : strerror(errno));
		return -1;
	}
	if (run_logged(load, -1, why, sizeof(why)) ||
	    bpfence_maps_open(&scale.m, why, sizeof(why))) {
		fprintf(stderr, "bench: cannot load bpfence (needs a kernel that enforces): %s\n",
			why);
		return -1;
	}
	scale.maps_open = true;
	scale.cgid = calloc(n, sizeof(*scale.cgid));
	if (!scale.cgid)
		return -1;
	atexit(scale_cleanup);
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	signal(SIGHUP, on_signal);
	if (mkdir(base, 0755) && errno != EEXIST)
		return -1;
	snprintf(scale.parent, sizeof(scale.parent), "%s/bench-scale-%d", base, getpid());
	if (mkdir(scale.parent, 0755)) {
		fprintf(stderr, "bench: mkdir %s: %s\n", scale.parent, strerror(errno));
		scale.parent[0] = 0;
		return -1;
	}
	return 0;
}

int bench_scale(const struct opts *o, const char *json_path)
{
	int n = o->scale > 1 ? o->scale : 10000, rounds = o->rounds > 0 ? o->rounds : 5;
	int iters = o->iterations > 0 ? o->iterations : 20000, levels[2] = { 1, n }, status = 0;
	double tagged[2] = { NAN, NAN }, untagged[2] = { NAN, NAN };
	char loop_policy[PATH_MAX], b[2][32];
	struct policy small = {};
	struct json_writer w;

	if (scale_setup(n, &small, loop_policy, sizeof(loop_policy)))
		status = 1;
	for (int i = 0; i < 2 && !status && !stopping; i++) {
		fprintf(stderr, "bench: B7 at %d tagged cgroups\n", levels[i]);
		if (scale_grow(levels[i], &small) ||
		    scale_measure(loop_policy, iters, rounds, &tagged[i], &untagged[i]))
			status = 1;
	}
	scale_cleanup();
	policy_free(&small);
	if (stopping)
		return 128 + stopping;

	if (!json_begin(&w, json_path, "B7"))
		return 1;
	printf("\nB7: allowed open+close of a tmpfs file inside one invocation, with K other "
	       "tagged cgroups, each with its own policy (ns, median of %d rounds of %d)\n", rounds,
	       iters);
	printf("%-16s %14s %14s\n", "K", "invocation", "untagged");
	jsonw_uint_field(&w, "rounds", rounds);
	jsonw_uint_field(&w, "iterations", iters);
	jsonw_name(&w, "points");
	jsonw_start_array(&w);
	for (int i = 0; i < 2; i++) {
		printf("%-16d %s %s\n", levels[i], cell(b[0], 32, "%14.0f", tagged[i]),
		       cell(b[1], 32, "%14.0f", untagged[i]));
		jsonw_start_object(&w);
		jsonw_uint_field(&w, "tagged_cgroups", levels[i]);
		jsonw_float_field(&w, "ns_invocation", tagged[i]);
		jsonw_float_field(&w, "ns_untagged", untagged[i]);
		jsonw_end_object(&w);
	}
	jsonw_end_array(&w);
	printf("ratio K=%d/K=1: invocation %s, untagged (drift) %s\n", n,
	       cell(b[0], 32, "%.3fx", ratio(tagged[1], tagged[0])),
	       cell(b[1], 32, "%.3fx", ratio(untagged[1], untagged[0])));
	jsonw_float_field(&w, "ratio", ratio(tagged[1], tagged[0]));
	jsonw_float_field(&w, "ratio_untagged", ratio(untagged[1], untagged[0]));
	jsonw_string_field(&w, "target", "<= 1.1x");
	return json_end(&w, json_path) || status;
}
