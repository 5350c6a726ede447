// SPDX-License-Identifier: GPL-2.0-only
/* bpfence: run untrusted code as restricted single-use functions, enforced by BPF-LSM. */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

#ifndef BPFENCE_VERSION
#error "BPFENCE_VERSION comes from the Makefile (VERSION)"
#endif

struct cli cli = { .prog = "bpfence" };

struct command {
	const char *name;
	int (*handler)(int argc, char **argv);
	const char *help;
};

static const struct command commands[] = {
	{ "run", cmd_run, "run a command as a restricted single-use function" },
	{ "load", cmd_load, "load, attach and pin the BPF-LSM programs" },
	{ "unload", cmd_unload, "detach and unpin everything" },
	{ "status", cmd_status, "show whether this kernel enforces and what is loaded" },
	{ "tag", cmd_tag, "restrict an existing cgroup (made by another runner) with a policy" },
	{ "untag", cmd_untag, "lift the restriction from a cgroup tagged with 'tag'" },
	{ "policy", cmd_policy,
	  "check a policy, learn one from denials, or print its seccomp layer as an OCI profile "
	  "('policy check|learn|seccomp')" },
	{ "audit", cmd_audit, "show what was denied, from bpfenced's log" },
	{ "sandbox", cmd_sandbox,
	  "restricted sessions across many commands ('sandbox create|exec|cp|ls|terminate|reap')" },
	{ "oci-hook", cmd_oci_hook, "OCI runtime hook: restrict a container by its annotation" },
	{ "selftest", cmd_selftest, "attack this host's enforcement, row by row of SECURITY.md" },
};

/* The sink of bpfence_report() (loader/report.c): every error of a command and of the library
 * steps it runs reads the same. */
static void render_error(const char *what, const char *why)
{
	if (cli.json) {
		struct json_writer w;
		char line[1200];

		snprintf(line, sizeof(line), "%s: %s", what, why);
		jsonw_init(&w, stderr);
		jsonw_start_object(&w);
		jsonw_string_field(&w, "error", line);
		jsonw_end_object(&w);
	} else {
		/* why can quote a name a function chose (a path, a log line): escaped. */
		fprintf(stderr, "%s: %s: %s\n", cli.prog, what, TEXT(why));
	}
}

/* Words of s, wrapped to lines of at most `width` columns, each indented by `indent`. */
static void print_wrapped(FILE *f, const char *s, int indent, int width)
{
	int col = indent;

	while (*s) {
		int len = (int)strcspn(s, " ");

		if (col > indent && col + 1 + len > width) {
			fprintf(f, "\n%*s", indent, "");
			col = indent;
		} else if (col > indent) {
			fputc(' ', f);
			col++;
		}
		fprintf(f, "%.*s", len, s);
		col += len;
		s += len;
		s += strspn(s, " ");
	}
	fputc('\n', f);
}

/* The table of loader/exitcodes.h; README.md has the same rows (tests/host/cli.bats). */
static void print_exit_codes(FILE *f)
{
	fprintf(f, "\nExit status, the same from every command (COMMANDS: MEANING):\n");
	for (const struct bpfence_exit_code *e = bpfence_exit_codes; e->label; e++) {
		char line[512];

		snprintf(line, sizeof(line), "%s: %s", e->commands, e->meaning);
		fprintf(f, "  %-6s ", e->label);
		print_wrapped(f, line, 9, 100);
	}
}

static void usage(FILE *f)
{
	fprintf(f, "Usage: bpfence [--json] [--debug] COMMAND [ARGS...]\n"
		   "       bpfence --version\n\nCommands:\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(f, "  %-8s %s\n", commands[i].name, commands[i].help);
	fprintf(f, "\nEvery command takes --help. Example:\n"
		   "  bpfence run --policy policies/function.policy --timeout 30 --source ./fn -- "
		   "python3 ./fn/main.py\n");
	print_exit_codes(f);
}

int main(int argc, char **argv)
{
	int i = 1;

	bpfence_set_report(render_error);
	/* Global options before the command; the commands accept them too. */
	for (; i < argc && argv[i][0] == '-'; i++) {
		if (!strcmp(argv[i], "--json"))
			cli.json = true;
		else if (!strcmp(argv[i], "--debug"))
			cli.debug = true;
		else if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			usage(stdout);
			return 0;
		} else if (!strcmp(argv[i], "--version")) {
			printf("bpfence %s\n", BPFENCE_VERSION);
			return 0;
		} else {
			bpfence_report("usage", "unknown option '%s' (see bpfence --help)",
				       argv[i]);
			return EXIT_USAGE;
		}
	}
	if (i >= argc) {
		usage(stderr);
		return EXIT_USAGE;
	}
	/* Commands report a bad option themselves, once, as a usage error (exit 2). */
	opterr = 0;
	for (size_t c = 0; c < sizeof(commands) / sizeof(commands[0]); c++) {
		if (!strcmp(argv[i], commands[c].name)) {
			bpfence_set_debug(cli.debug);
			return commands[c].handler(argc - i, argv + i);
		}
	}
	bpfence_report("usage", "unknown command '%s' (see bpfence --help)", argv[i]);
	return EXIT_USAGE;
}
