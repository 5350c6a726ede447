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

void report_error(const char *what, const char *fmt, ...)
{
	char why[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
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

int require_root(void)
{
	if (geteuid() == 0)
		return 0;
	report_error("permission denied",
		     "bpfence must run as root (it loads BPF-LSM programs and manages cgroups)");
	return -1;
}

/* How long a run waits for a load in progress. Verifying bpfence's programs takes seconds on real
 * hardware and 80 s on 6.12 under QEMU's emulation (where a 60 s bound ran out): 5 minutes. */
#define LOAD_WAIT_MS 300000

static int load_lock = -1;

void release_load_lock(void)
{
	if (load_lock >= 0)
		close(load_lock);
	load_lock = -1;
}

static void tell_waiting(void)
{
	fprintf(stderr, "%s: waiting for a load of the BPF programs in progress (at most %d s)\n",
		cli.prog, LOAD_WAIT_MS / 1000);
}

int ensure_enforcing(struct bpfence_maps *m)
{
	return enforcing_maps(m, true);
}

int enforcing_maps(struct bpfence_maps *m, bool may_load)
{
	char why[WHY_MAX];
	int r, lock;

	if (require_root())
		return -1;
	r = bpfence_probe(why, sizeof(why));

	if (r) {
		report_error("this kernel cannot enforce", "%s", why);
		return -1;
	}
	/* A load in progress (bpfenced at boot, a concurrent `bpfence load`) is waited for: mid-load
	 * the pins are partial, and that is not the broken state refused below (SECURITY.md row
	 * 35). Under the shared lock no load runs, so what we see is whole. */
	lock = bpfence_wait_for_load(LOAD_WAIT_MS, tell_waiting);
	if (lock == -ETIMEDOUT) {
		report_error("this kernel cannot enforce yet",
			     "a load of the BPF programs has held " BPFENCE_PIN_DIR "'s file system for "
			     "%d s; is a 'bpfence load' or bpfenced stuck?", LOAD_WAIT_MS / 1000);
		return -1;
	}
	r = bpfence_loaded();
	/* A partial set of pins (someone removed a link or a map) is refused, not papered over:
	 * `bpfence load` repairs it from the programs still attached. */
	if (r == -ENOENT) {
		if (lock >= 0)
			close(lock);
		report_error("programs or maps are missing",
			     "some pins under " BPFENCE_PIN_DIR " are gone; run 'bpfence load' to "
			     "repair (see 'bpfence status')");
		return -1;
	}
	if (r != 1 && !may_load) {
		if (lock >= 0)
			close(lock);
		report_error("this kernel does not enforce yet",
			     "the BPF programs are not loaded (no pins under " BPFENCE_PIN_DIR "): "
			     "start bpfenced or run 'bpfence load' first");
		return -1;
	}
	if (r != 1) {
		/* Not loaded: load (under the exclusive lock, which our shared one would block),
		 * then hold the shared lock again. */
		if (lock >= 0)
			close(lock);
		r = bpfence_load(why, sizeof(why));
		if (r < 0) {
			report_error("this kernel cannot enforce", "%s", why);
			return -1;
		}
		lock = bpfence_wait_for_load(LOAD_WAIT_MS, tell_waiting);
		if (lock == -ETIMEDOUT) {
			report_error("this kernel cannot enforce yet", "a load or unload of the BPF "
				     "programs holds " BPFENCE_PIN_DIR "'s file system");
			return -1;
		}
	}
	/* Held until the caller has tagged what it tags (release_load_lock): an unload takes the
	 * exclusive lock, so it cannot count zero tagged cgroups between our check and our tag. */
	load_lock = lock;
	r = bpfence_maps_open(m, why, sizeof(why));
	if (r) {
		report_error("programs or maps are missing", "%s", why);
		return -1;
	}
	return 0;
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
			report_error("usage", "unknown option '%s' (see bpfence --help)", argv[i]);
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
	report_error("usage", "unknown command '%s' (see bpfence --help)", argv[i]);
	return EXIT_USAGE;
}
