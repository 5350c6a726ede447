// SPDX-License-Identifier: GPL-2.0-only
/*
 * The ways to spawn /bin/true that B3 (spawn.c) and B4 (concurrent.c) compare: bare posix_spawn,
 * unshare, bubblewrap, crun and runc on an OCI bundle built here, and `bpfence run` and `bpfence
 * --help` from the private copy (stage.c). Each way's argv, its first (untimed) spawn and a timed
 * one; the order of the spawns and what is reported from them are the benchmarks'.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bench.h"

static void way_args(struct way *w, ...)
{
	va_list ap;
	int n = 0;
	char *a;

	va_start(ap, w);
	while ((a = va_arg(ap, char *)) && n < WAY_ARGS - 1)
		w->argv[n++] = a;
	va_end(ap);
	w->argv[n] = NULL;
}

/* Container ids must be unique among live containers: concurrent spawns come from different
 * processes, so the pid is part of it. */
void way_cid(struct way *w)
{
	static unsigned int seq;

	if (!w->cid_arg)
		return;
	snprintf(w->cid, sizeof(w->cid), "bench-%d-%u", getpid(), seq++);
	w->argv[w->cid_arg] = w->cid;
}

void way_argv_str(const struct way *w, char *buf, size_t n)
{
	size_t len = 0;

	buf[0] = 0;
	for (int i = 0; w->argv[i] && len < n; i++)
		len += snprintf(buf + len, n - len, "%s%s", i ? " " : "",
				i && i == w->cid_arg ? "ID" : w->argv[i]);
}

static bool way_program(struct way *w, const char *name)
{
	if (find_program(name, w->prog, sizeof(w->prog)))
		return true;
	snprintf(w->note, sizeof(w->note), "not installed (no %s)", name);
	return false;
}

/*
 * The OCI bundle crun and runc both run: a root file system built here, not pulled from a
 * registry. /usr (and /bin, /lib... where they are real directories, not merged-/usr symlinks,
 * which are copied as symlinks) is bound read-only from the host, so the container runs the very
 * /bin/true the other ways run. Namespaces as `unshare -fp --mount-proc` plus ipc and uts, no
 * network namespace (setting up its loopback is a cost bpfence does not pay either) and no user
 * namespace: the bench runs as root, as the runner starting bpfence does.
 */
static int bundle_make(const char *dir)
{
	static const char *const tops[] = { "usr", "bin", "sbin", "lib", "lib64" };
	static const char *const ns[] = { "pid", "ipc", "uts", "mount" };
	char path[PATH_MAX], host[64], target[PATH_MAX];
	const char *binds[5];
	int nb = 0;
	struct json_writer w;
	struct stat st;
	FILE *f;

	snprintf(path, sizeof(path), "%s/rootfs", dir);
	if (mkdir(dir, 0755) || mkdir(path, 0755))
		return -errno;
	for (size_t i = 0; i < sizeof(tops) / sizeof(tops[0]); i++) {
		ssize_t l;

		snprintf(host, sizeof(host), "/%s", tops[i]);
		snprintf(path, sizeof(path), "%s/rootfs/%s", dir, tops[i]);
		if (lstat(host, &st))
			continue;
		if (S_ISLNK(st.st_mode)) {
			l = readlink(host, target, sizeof(target) - 1);
			if (l < 0)
				return -errno;
			target[l] = 0;
			if (symlink(target, path))
				return -errno;
		} else if (S_ISDIR(st.st_mode)) {
			if (mkdir(path, 0755))
				return -errno;
			binds[nb++] = tops[i];
		}
	}
	for (size_t i = 0; i < 2; i++) {
		snprintf(path, sizeof(path), "%s/rootfs/%s", dir, i ? "dev" : "proc");
		if (mkdir(path, 0755))
			return -errno;
	}
	snprintf(path, sizeof(path), "%s/config.json", dir);
	f = fopen(path, "we");
	if (!f)
		return -errno;
	jsonw_init(&w, f);
	jsonw_pretty(&w, true);
	jsonw_start_object(&w);
	jsonw_string_field(&w, "ociVersion", "1.0.2");
	jsonw_name(&w, "process");
	jsonw_start_object(&w);
	jsonw_name(&w, "terminal");
	jsonw_bool(&w, false);
	jsonw_name(&w, "user");
	jsonw_start_object(&w);
	jsonw_uint_field(&w, "uid", 0);
	jsonw_uint_field(&w, "gid", 0);
	jsonw_end_object(&w);
	jsonw_name(&w, "args");
	jsonw_start_array(&w);
	jsonw_string(&w, "/bin/true");
	jsonw_end_array(&w);
	jsonw_name(&w, "env");
	jsonw_start_array(&w);
	jsonw_string(&w, "PATH=/usr/bin:/bin");
	jsonw_end_array(&w);
	jsonw_string_field(&w, "cwd", "/");
	jsonw_name(&w, "noNewPrivileges");
	jsonw_bool(&w, true);
	jsonw_end_object(&w);
	jsonw_name(&w, "root");
	jsonw_start_object(&w);
	jsonw_string_field(&w, "path", "rootfs");
	jsonw_name(&w, "readonly");
	jsonw_bool(&w, true);
	jsonw_end_object(&w);
	jsonw_string_field(&w, "hostname", "bench");
	jsonw_name(&w, "mounts");
	jsonw_start_array(&w);
	jsonw_start_object(&w);
	jsonw_string_field(&w, "destination", "/proc");
	jsonw_string_field(&w, "type", "proc");
	jsonw_string_field(&w, "source", "proc");
	jsonw_end_object(&w);
	jsonw_start_object(&w);
	jsonw_string_field(&w, "destination", "/dev");
	jsonw_string_field(&w, "type", "tmpfs");
	jsonw_string_field(&w, "source", "tmpfs");
	jsonw_name(&w, "options");
	jsonw_start_array(&w);
	jsonw_string(&w, "nosuid");
	jsonw_string(&w, "mode=755");
	jsonw_string(&w, "size=65536k");
	jsonw_end_array(&w);
	jsonw_end_object(&w);
	for (int i = 0; i < nb; i++) {
		snprintf(host, sizeof(host), "/%s", binds[i]);
		jsonw_start_object(&w);
		jsonw_string_field(&w, "destination", host);
		jsonw_string_field(&w, "type", "bind");
		jsonw_string_field(&w, "source", host);
		jsonw_name(&w, "options");
		jsonw_start_array(&w);
		jsonw_string(&w, "rbind");
		jsonw_string(&w, "ro");
		jsonw_end_array(&w);
		jsonw_end_object(&w);
	}
	jsonw_end_array(&w);
	jsonw_name(&w, "linux");
	jsonw_start_object(&w);
	jsonw_name(&w, "namespaces");
	jsonw_start_array(&w);
	for (size_t i = 0; i < sizeof(ns) / sizeof(ns[0]); i++) {
		jsonw_start_object(&w);
		jsonw_string_field(&w, "type", ns[i]);
		jsonw_end_object(&w);
	}
	jsonw_end_array(&w);
	jsonw_end_object(&w);
	jsonw_end_object(&w);
	return fclose(f) ? -errno : 0;
}

/* The ways of B3 (B4 uses bare, bpfence and crun); a missing peer is noted, never fatal. */
void ways_init(struct way *ways, const char *policy, const char *bundle)
{
	struct way *w;

	memset(ways, 0, NWAYS * sizeof(*ways));
	w = &ways[WAY_BARE];
	*w = (struct way){ .id = "bare", .label = "bare posix_spawn+wait" };
	way_args(w, "/bin/true", NULL);
	w->ok = true;
	w = &ways[WAY_UNSHARE];
	*w = (struct way){ .id = "unshare", .label = "unshare -fp --mount-proc" };
	if ((w->ok = way_program(w, "unshare")))
		way_args(w, w->prog, "-fp", "--mount-proc", "/bin/true", NULL);
	w = &ways[WAY_BWRAP];
	*w = (struct way){ .id = "bwrap", .label = "bwrap --unshare-all" };
	if ((w->ok = way_program(w, "bwrap")))
		way_args(w, w->prog, "--unshare-all", "--ro-bind", "/", "/", "--dev", "/dev",
			 "--proc", "/proc", "/bin/true", NULL);
	w = &ways[WAY_CRUN];
	*w = (struct way){ .id = "crun", .label = "crun run", .cid_arg = 4 };
	if ((w->ok = way_program(w, "crun") && bundle))
		way_args(w, w->prog, "run", "--bundle", bundle, "ID", NULL);
	w = &ways[WAY_RUNC];
	*w = (struct way){ .id = "runc", .label = "runc run", .cid_arg = 4 };
	if ((w->ok = way_program(w, "runc") && bundle))
		way_args(w, w->prog, "run", "--bundle", bundle, "ID", NULL);
	for (int i = WAY_CRUN; i <= WAY_RUNC; i++)
		if (!bundle && !ways[i].note[0])
			snprintf(ways[i].note, sizeof(ways[i].note), "no bundle");
	w = &ways[WAY_BPFENCE];
	*w = (struct way){ .id = "bpfence", .label = "bpfence run" };
	way_args(w, stage.bpfence, "run", "--policy", policy, "--", "/bin/true", NULL);
	w->ok = true;
	w = &ways[WAY_HELP];
	*w = (struct way){ .id = "bpfence_help", .label = "bpfence --help (start-up)" };
	way_args(w, stage.bpfence, "--help", NULL);
	w->ok = true;
}

/* The first spawn of each way, untimed: shows that it works here (and warms caches). */
void way_check(struct way *w, int samples)
{
	char why[200];

	if (!w->ok)
		return;
	way_cid(w);
	if (run_logged(w->argv, -1, why, sizeof(why))) {
		w->ok = false;
		snprintf(w->note, sizeof(w->note), "failed: %s", why);
		return;
	}
	w->ms = calloc(samples, sizeof(*w->ms));
	w->ok = w->ms != NULL;
}

void way_once(struct way *w)
{
	double ms;

	way_cid(w);
	if (spawn_timed(w->argv, -1, &ms))
		w->failed++;
	else
		w->ms[w->n++] = ms;
}

/* bpfence itself failing makes the benchmark fail; a peer failing is only reported. */
int ways_status(const struct way *ways, const int *which, int n)
{
	int status = 0;

	for (int i = 0; i < n; i++) {
		const struct way *w = &ways[which[i]];

		if (w->ok || (which[i] != WAY_BPFENCE && which[i] != WAY_BARE))
			continue;
		fprintf(stderr, "bench: %s cannot run here: %s\n", w->label, w->note);
		status = 1;
	}
	return status;
}

void json_notes(struct json_writer *w, const struct way *ways, const int *which, int n)
{
	jsonw_name(w, "notes");
	jsonw_start_object(w);
	for (int i = 0; i < n; i++)
		if (ways[which[i]].note[0])
			jsonw_string_field(w, ways[which[i]].id, ways[which[i]].note);
	jsonw_end_object(w);
}

/* The private copy, its policy and the bundle: what B3 and B4 spawn from. */
int spawn_setup(char *policy, size_t pn, char *bundle, size_t bn, bool *have_bundle)
{
	int e;

	if (stage_make() || function_policy(policy, pn))
		return -1;
	stage_path(bundle, bn, "bundle");
	e = bundle_make(bundle);
	*have_bundle = !e;
	if (e)
		fprintf(stderr, "bench: cannot build the OCI bundle %s: %s\n", bundle,
			strerror(-e));
	else
		printf("bench: crun and runc run the bundle %s (rootfs: host /usr bound "
		       "read-only)\n",
		       bundle);
	return 0;
}
