// SPDX-License-Identifier: GPL-2.0-only
/*
 * bpfence benchmarks (../BENCHMARKS.md ids). Every figure is a ratio of two things measured side
 * by side in this one run; nothing here is a pass/fail threshold. Needs a kernel that enforces
 * (run it in the VM: make bench); on any other kernel each benchmark still measures what it can
 * without bpfence (the peers) and exits non-zero saying why bpfence could not run.
 *
 * This file is the command line: the table of benchmarks, their options and usage, and where the
 * results go (a table on stdout, JSON to --json FILE, default .output/bench/bN.json). Each
 * benchmark is a file named as its command: untagged.c (B1), tagged.c (B2), spawn.c (B3),
 * concurrent.c (B4), teardown.c (B5), audit_storm.c (B6), scale.c (B7), connect.c (B8) and
 * open_loop.c; what they
 * share is in stats.c (figures, result files), stage.c (the private copy, processes) and ways.c
 * (ways to spawn), declared in bench.h.
 */
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "bench.h"
#include "libbpfence.h"

static const struct command {
	const char *name, *json; /* json: default result file, NULL: none */
	int (*run)(const struct opts *o, const char *json_path);
	const char *usage, *example;
} commands[] = {
	{ "untagged", "b1.json", bench_untagged, "untagged [--rounds N]", "untagged --rounds 7" },
	{ "tagged", "b2.json", bench_tagged,
	  "tagged [--rules 1,100,10000] [--rounds R] [--iterations N]", "tagged --rules 1,100" },
	{ "spawn", "b3.json", bench_spawn, "spawn [--runs N]", "spawn --runs 20" },
	{ "concurrent", "b4.json", bench_concurrent, "concurrent [--levels 1,16,64] [--rounds R]",
	  "concurrent --levels 1,16 --rounds 3" },
	{ "teardown", "b5.json", bench_teardown, "teardown [--runs N] [--leak-runs N]",
	  "teardown --runs 20 --leak-runs 1000" },
	{ "audit-storm", "b6.json", bench_audit_storm, "audit-storm [--seconds S]",
	  "audit-storm --seconds 10" },
	{ "scale", "b7.json", bench_scale, "scale [--scale N] [--rounds R] [--iterations N]",
	  "scale --scale 1000" },
	{ "connect", "b8.json", bench_connect, "connect [--rounds R] [--iterations N]",
	  "connect --rounds 5" },
	{ "connect-loop", NULL, cmd_connect_loop,
	  "connect-loop [--iterations N] [--rounds R] [--resolve NAME] ADDR PORT",
	  "connect-loop --iterations 1000 127.0.0.1 80" },
	{ "open-loop", NULL, cmd_open_loop,
	  "open-loop [--rounds R] [--iterations N] [--landlock-rules FILE] PATH...",
	  "open-loop --iterations 1000 /etc/hostname" },
};

static void usage(FILE *f, const struct command *only)
{
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!only || only == &commands[i])
			fprintf(f, "%s bench %s%s\n", i && !only ? "      " : "Usage:",
				commands[i].usage, commands[i].json ? " [--json FILE]" : "");
	fprintf(f,
		"Run from the repository root on a kernel that enforces (make bench); the table\n"
		"goes to stdout, the JSON to --json FILE (default .output/bench/bN.json).\n"
		"\nExample:\n  .output/bpfence-bench %s\n",
		only ? only->example : "spawn --runs 20");
}

static int parse_int(const char *opt, const char *s, int *out)
{
	char *end;
	long v = strtol(s, &end, 10);

	if (end == s || *end || v < 0 || v > INT_MAX) {
		fprintf(stderr, "bench: bad --%s '%s' (expected a count)\n", opt, s);
		return -1;
	}
	*out = v;
	return 0;
}

static int parse_opts(int argc, char **argv, struct opts *o, const char **json, bool *help)
{
	static const struct option lo[] = {
		{ "rounds", required_argument, NULL, 'r' },
		{ "seconds", required_argument, NULL, 's' },
		{ "runs", required_argument, NULL, 'n' },
		{ "leak-runs", required_argument, NULL, 'L' },
		{ "iterations", required_argument, NULL, 'i' },
		{ "scale", required_argument, NULL, 'S' },
		{ "levels", required_argument, NULL, 'l' },
		{ "rules", required_argument, NULL, 'R' },
		{ "landlock-rules", required_argument, NULL, 'F' },
		{ "resolve", required_argument, NULL, 'D' },
		{ "json", required_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	int c, idx = 0;

	optind = 2;
	while ((c = getopt_long(argc, argv, "", lo, &idx)) != -1) {
		int *num = c == 'r' ? &o->rounds : c == 's' ? &o->seconds : c == 'n' ? &o->runs :
			   c == 'L' ? &o->leak_runs : c == 'i' ? &o->iterations :
			   c == 'S' ? &o->scale : NULL;

		if (num) {
			if (parse_int(lo[idx].name, optarg, num))
				return -1;
		} else if (c == 'l') {
			o->levels = optarg;
		} else if (c == 'R') {
			o->rules = optarg;
		} else if (c == 'F') {
			o->landlock_rules = optarg;
		} else if (c == 'D') {
			o->resolve = optarg;
		} else if (c == 'j') {
			*json = optarg;
		} else if (c == 'h') {
			*help = true;
		} else {
			return -1;
		}
	}
	o->args = argv + optind;
	o->nargs = argc - optind;
	return 0;
}

int main(int argc, char **argv)
{
	struct opts o = { -1, -1, -1, -1, -1, -1 };
	const struct command *cmd = NULL;
	const char *json = NULL;
	char path[256] = "";
	bool help = false;

	if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		usage(argc < 2 ? stderr : stdout, NULL);
		return argc < 2 ? 2 : 0;
	}
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(argv[1], commands[i].name))
			cmd = &commands[i];
	if (!cmd) {
		fprintf(stderr, "bench: unknown benchmark '%s'\n", argv[1]);
		usage(stderr, NULL);
		return 2;
	}
	if (parse_opts(argc, argv, &o, &json, &help)) {
		fprintf(stderr, "Try '%s %s --help'.\n", argv[0], cmd->name);
		return 2;
	}
	if (help) {
		usage(stdout, cmd);
		return 0;
	}
	if (o.nargs && cmd->run != cmd_open_loop && cmd->run != cmd_connect_loop) {
		fprintf(stderr, "bench: %s takes no argument '%s'\n", cmd->name, o.args[0]);
		return 2;
	}
	/* Output line by line even into a pipe or file: the tables interleave with stderr. */
	setvbuf(stdout, NULL, _IOLBF, 0);
	bpfence_set_debug(false);
	if (cmd->json) {
		mkdir(".output", 0755);
		mkdir(".output/bench", 0755);
		snprintf(path, sizeof(path), ".output/bench/%s", cmd->json);
	}
	return cmd->run(&o, json ? json : path);
}
