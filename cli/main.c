// SPDX-License-Identifier: GPL-2.0-only
/* bpfence: run untrusted code as restricted single-use functions, enforced by BPF-LSM. */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "sandbox.h"

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
		snprintf(cli.error, sizeof(cli.error), "%s", line);
		jsonw_init(&w, stderr);
		jsonw_start_object(&w);
		jsonw_string_field(&w, "error", line);
		jsonw_end_object(&w);
	} else {
		snprintf(cli.error, sizeof(cli.error), "%s: %s", what, why);
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

/*
 * bpfenced's worker: the daemon starts this command as root, on a request it has checked
 * (loader/request.c), with --caller (the uid that asked: sandboxes are its own) and
 * --answer-fd (the connection: one JSON line goes there at the end, and its hangup means the
 * caller is gone). Root only: for anyone else they would mean nothing.
 */
static char answer_buf[REQUEST_MAX];

static int worker_option(const char *opt, const char *val)
{
	unsigned long long v;

	if (!val || policy_parse_number(val, false, 0, !strcmp(opt, "--caller") ? (uid_t)-2 : 1 << 20,
				       &v)) {
		bpfence_report("usage", "%s needs a number", opt);
		return -1;
	}
	if (geteuid()) {
		bpfence_report("usage", "%s is bpfenced's, for its workers (root only)", opt);
		return -1;
	}
	if (!strcmp(opt, "--caller")) {
		cli.caller = (long long)v;
		sandbox_set_caller(cli.caller);
	} else {
		cli.answer_fd = (int)v;
	}
	return 0;
}

static void answer_send(int status)
{
	struct json_writer *w = &cli.answer;
	size_t len, off = 0;

	/* ok: the request was carried out (for run and exec: the command ran, whatever its
	 * status; its own status is exit_code). */
	jsonw_bool_field(w, "ok", status == EXIT_OK || !cli.error[0]);
	jsonw_int_field(w, "exit_code", status);
	if (cli.error[0])
		jsonw_string_field(w, "error", cli.error);
	jsonw_end_object(w);
	len = jsonw_buf_len(w);
	answer_buf[len++] = '\n';
	while (off < len) {
		ssize_t k = write(cli.answer_fd, answer_buf + off, len - off);

		if (k <= 0)
			break; /* the caller is gone: nobody to answer */
		off += (size_t)k;
	}
}

int main(int argc, char **argv)
{
	int i = 1, status;

	cli.caller = -1;
	cli.answer_fd = -1;

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
		} else if (!strcmp(argv[i], "--caller") || !strcmp(argv[i], "--answer-fd")) {
			if (worker_option(argv[i], i + 1 < argc ? argv[i + 1] : NULL))
				return EXIT_USAGE;
			i++;
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
			if (cli.answer_fd < 0)
				return commands[c].handler(argc - i, argv + i);
			/* The caller may go at any time: a write to it must fail, not kill the
			 * worker half way through a teardown. */
			signal(SIGPIPE, SIG_IGN);
			jsonw_init_buf(&cli.answer, answer_buf, sizeof(answer_buf) - 1);
			jsonw_start_object(&cli.answer);
			status = commands[c].handler(argc - i, argv + i);
			answer_send(status);
			return status;
		}
	}
	bpfence_report("usage", "unknown command '%s' (see bpfence --help)", argv[i]);
	return EXIT_USAGE;
}
