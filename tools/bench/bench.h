/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What the benchmark files share: the options of every benchmark, each benchmark's entry point
 * (the table in main.c), the figures and result files (stats.c), the private copy and the
 * processes started from it (stage.c), the open loop (open_loop.c) and the ways to spawn
 * /bin/true (ways.c). Each benchmark's own types stay in its file.
 */
#ifndef BENCH_H
#define BENCH_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/types.h>

#include "json.h"

/* Options of every benchmark; -1: the benchmark's own default. */
struct opts {
	int rounds, seconds, runs, leak_runs, iterations, scale;
	const char *levels, *rules, *landlock_rules;
	const char *resolve; /* connect-loop: a name to resolve first */
	char **args; /* positional arguments (open-loop's paths) */
	int nargs;
};

/*
 * The benchmarks, each in the file named as its command (B1 untagged.c, B2 tagged.c, B3 spawn.c,
 * B4 concurrent.c, B5 teardown.c, B6 audit_storm.c, B7 scale.c, B8 connect.c): run with the
 * options, write the
 * JSON to json_path; 0, or the exit status.
 */
int bench_untagged(const struct opts *o, const char *json_path);
int bench_tagged(const struct opts *o, const char *json_path);
int bench_spawn(const struct opts *o, const char *json_path);
int bench_concurrent(const struct opts *o, const char *json_path);
int bench_teardown(const struct opts *o, const char *json_path);
int bench_audit_storm(const struct opts *o, const char *json_path);
int bench_scale(const struct opts *o, const char *json_path);
int bench_connect(const struct opts *o, const char *json_path);
int cmd_connect_loop(const struct opts *o, const char *json_path);
int cmd_open_loop(const struct opts *o, const char *json_path);

/* --- figures and result files (stats.c) --- */

double now(void);
double median(double *v, int n);
double percentile(double *v, int n, double p);
int parse_list(const char *s, int *out, int max, int limit);
FILE *json_begin(struct json_writer *w, const char *path, const char *id);
int json_end(struct json_writer *w, const char *path);
double ratio(double a, double b);
const char *cell(char *buf, size_t n, const char *fmt, double v);

/* --- the private copy and processes (stage.c) --- */

extern const char *const bpfence_bin, *const bpfenced_bin, *const probe_bin;

extern struct stage {
	char dir[64];
	char bpfence[PATH_MAX], bench[PATH_MAX];
	bool tmpfs;
} stage;

int stage_make(void);
void stage_path(char *buf, size_t n, const char *name);
FILE *policy_begin(const char *name, char *path, size_t n);
int policy_end(FILE *f, const char *path);
int function_policy(char *path, size_t n);
bool find_program(const char *name, char *out, size_t n);
pid_t start(char *const argv[], int outfd, int errfd);
int finish(pid_t pid);
int spawn_timed(char *const argv[], int errfd, double *ms);
int run_logged(char *const argv[], int outfd, char *why, size_t n);
int sh(const char *cmd);
int cgroup_base(char *buf, size_t n);

/* --- the open loop (open_loop.c) --- */

long landlock_abi(void);
int loop_run(const char *policy, const char *rules, int iters, int rounds, char *const paths[],
	     int npaths, double *ns, char *why, size_t wn);

/* --- ways to spawn /bin/true (ways.c): B3 and B4 --- */

#define WAY_ARGS 24

struct way {
	const char *id;    /* JSON key */
	const char *label; /* table row */
	char prog[PATH_MAX];
	char *argv[WAY_ARGS];
	int cid_arg;       /* argv index of a container id, unique per spawn; 0: none */
	char cid[64];
	bool ok;           /* installed, and its first spawn succeeded */
	char note[256];    /* why not: "not installed", "failed: ..." */
	double *ms;
	int n, failed;
};

enum { WAY_BARE, WAY_UNSHARE, WAY_BWRAP, WAY_CRUN, WAY_RUNC, WAY_BPFENCE, WAY_HELP, NWAYS };

int spawn_setup(char *policy, size_t pn, char *bundle, size_t bn, bool *have_bundle);
void ways_init(struct way *ways, const char *policy, const char *bundle);
void way_check(struct way *w, int samples);
void way_cid(struct way *w);
void way_once(struct way *w);
void way_argv_str(const struct way *w, char *buf, size_t n);
int ways_status(const struct way *ways, const int *which, int n);
void json_notes(struct json_writer *w, const struct way *ways, const int *which, int n);

#endif
