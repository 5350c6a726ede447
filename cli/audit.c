// SPDX-License-Identifier: GPL-2.0-only
/*
 * bpfence audit: read bpfenced's JSON lines log as a table (or raw JSON), filtered by
 * invocation, optionally following it like `tail -f` (across logrotate: a new file at the same
 * path is picked up from its start).
 */
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"

#define DEFAULT_LOG "/var/log/bpfence/audit.jsonl"
#define FIELD_MAX 512

enum { OPT_JSON = 0x100, OPT_FOLLOW, OPT_INVOCATION, OPT_LOG, OPT_DEBUG };

static const char audit_help[] =
	"Usage: bpfence audit [--follow] [--json] [--invocation ID] [--log FILE]\n"
	"Show what restricted functions were denied, from bpfenced's log (default\n" DEFAULT_LOG
	"):\n"
	"a table (time, invocation, pid/comm, action, what), or with --json the records as they\n"
	"are logged. --invocation filters by the id `bpfence run` printed (a prefix is enough);\n"
	"--follow keeps reading as records arrive.\n"
	"\nExample:\n  bpfence audit --follow --invocation 3f2a\n";

/*
 * Find "key": in one flat JSON object (the log's own records: no nesting) and copy its value:
 * strings unescaped, other values as written. Returns 0, or -ENOENT.
 */
static int field(const char *line, const char *key, char *out, size_t n)
{
	char pat[64];
	const char *p;
	size_t o = 0;

	snprintf(pat, sizeof(pat), "\"%s\": ", key);
	p = strstr(line, pat);
	if (!p || !n)
		return -ENOENT;
	p += strlen(pat);
	if (*p != '"') {
		while (*p && *p != ',' && *p != '}' && o + 1 < n)
			out[o++] = *p++;
		out[o] = 0;
		return 0;
	}
	for (p++; *p && *p != '"' && o + 1 < n; p++) {
		if (*p == '\\' && p[1]) {
			p++;
			if (*p == 'u' && p[1] && p[2] && p[3] && p[4]) {
				out[o++] = (char)strtol((char[]){ p[3], p[4], 0 }, NULL, 16);
				p += 4;
				continue;
			}
			out[o++] = *p == 'n' ? '\n' : *p;
			continue;
		}
		out[o++] = *p;
	}
	out[o] = 0;
	return 0;
}

static void print_row(const char *line)
{
	char ev[32] = "", t[64] = "", inv[64] = "", pid[16] = "", comm[64] = "", action[16] = "",
	     err[16] = "", hook[32] = "", cls[16] = "", obj[16] = "", what[FIELD_MAX] = "",
	     port[16] = "", extra[FIELD_MAX] = "";

	field(line, "event", ev, sizeof(ev));
	field(line, "time", t, sizeof(t));
	if (strcmp(ev, "denial")) {
		/* Daemon records, so gaps in the trail are visible in the table too. */
		char resumed[8] = "", drops[32] = "";

		field(line, "resumed", resumed, sizeof(resumed));
		field(line, "drops_total", drops, sizeof(drops));
		printf("%-12.12s -- bpfenced %s%s%s%s --\n", t[0] ? t + 11 : "", ev,
		       !strcmp(resumed, "true") ? " (resumed on pinned programs)" : "",
		       drops[0] ? ", drops_total " : "", drops);
		return;
	}
	field(line, "invocation", inv, sizeof(inv));
	field(line, "pid", pid, sizeof(pid));
	field(line, "comm", comm, sizeof(comm));
	field(line, "action", action, sizeof(action));
	field(line, "errno", err, sizeof(err));
	field(line, "hook", hook, sizeof(hook));
	field(line, "class", cls, sizeof(cls));
	field(line, "object", obj, sizeof(obj));
	if (!strcmp(obj, "file")) {
		field(line, "path", what, sizeof(what));
		field(line, "access", extra, sizeof(extra));
		snprintf(what + strlen(what), sizeof(what) - strlen(what), " (%s)", extra);
	} else if (!strcmp(obj, "inet")) {
		field(line, "address", extra, sizeof(extra));
		field(line, "port", port, sizeof(port));
		field(line, "protocol", what, sizeof(what));
		snprintf(what + strlen(what), sizeof(what) - strlen(what),
			 strchr(extra, ':') ? " [%s]:%s" : " %s:%s", extra, port);
	} else if (!strcmp(obj, "unix")) {
		field(line, "peer", extra, sizeof(extra));
		snprintf(what, sizeof(what), "unix %s", extra);
	} else if (!strcmp(obj, "socket")) {
		field(line, "family", extra, sizeof(extra));
		snprintf(what, sizeof(what), "socket family %s", extra);
	} else if (!strcmp(obj, "task")) {
		field(line, "target_pid", extra, sizeof(extra));
		snprintf(what, sizeof(what), "process %s", extra);
	} else {
		snprintf(what, sizeof(what), "%s", hook);
	}
	printf("%-12.12s %-12.12s %7s %-15.15s %-7s %-6s %-7s %s\n", t[0] ? t + 11 : "", inv, pid,
	       comm, action, strcmp(err, "null") ? err : "-", cls, what);
}

static bool wanted(const char *line, const char *invocation)
{
	char inv[64];

	if (!invocation)
		return true;
	if (field(line, "invocation", inv, sizeof(inv)))
		return false; /* daemon records have no invocation */
	return !strncmp(inv, invocation, strlen(invocation));
}

static void emit(const char *line, const char *invocation)
{
	if (!wanted(line, invocation))
		return;
	if (cli.json)
		puts(line);
	else
		print_row(line);
}

int cmd_audit(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "json", no_argument, NULL, OPT_JSON },
		{ "follow", no_argument, NULL, OPT_FOLLOW },
		{ "invocation", required_argument, NULL, OPT_INVOCATION },
		{ "log", required_argument, NULL, OPT_LOG },
		{ "debug", no_argument, NULL, OPT_DEBUG },
		{},
	};
	const char *log = DEFAULT_LOG, *invocation = NULL;
	bool follow = false;
	char *line = NULL;
	size_t cap = 0;
	struct stat st;
	FILE *f;
	int c;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+hf", opts, NULL)) != -1) {
		switch (c) {
		case 'h':
			fputs(audit_help, stdout);
			return 0;
		case OPT_JSON:
			cli.json = true;
			break;
		case 'f':
		case OPT_FOLLOW:
			follow = true;
			break;
		case OPT_INVOCATION:
			invocation = optarg;
			break;
		case OPT_LOG:
			log = optarg;
			break;
		case OPT_DEBUG:
			break;
		default:
			report_error("usage", "unknown or incomplete option '%s' (see bpfence audit --help)",
				     argv[optind - 1]);
			return EXIT_USAGE;
		}
	}
	if (optind != argc) {
		report_error("usage", "audit takes no arguments (see --help)");
		return EXIT_USAGE;
	}
	f = fopen(log, "re");
	if (!f) {
		report_error("cannot read the audit log", "%s: %s (is bpfenced running?)", log,
			     strerror(errno));
		return 1;
	}
	if (!cli.json)
		printf("%-12s %-12s %7s %-15s %-7s %-6s %-7s %s\n", "TIME", "INVOCATION", "PID",
		       "COMM", "ACTION", "ERRNO", "CLASS", "WHAT");
	for (;;) {
		ssize_t len;

		while ((len = getline(&line, &cap, f)) > 0) {
			if (line[len - 1] != '\n') {
				/* A record still being written: read it whole next time. */
				fseek(f, -len, SEEK_CUR);
				break;
			}
			line[len - 1] = 0;
			emit(line, invocation);
		}
		if (!follow)
			break;
		fflush(stdout);
		clearerr(f);
		poll(NULL, 0, 200);
		/* Rotated (a new file at the path): continue with it from its start. */
		if (!stat(log, &st)) {
			struct stat cur;

			if (!fstat(fileno(f), &cur) && (cur.st_ino != st.st_ino || cur.st_dev != st.st_dev)) {
				FILE *nf = fopen(log, "re");

				if (nf) {
					while ((len = getline(&line, &cap, f)) > 0) {
						if (line[len - 1] == '\n')
							line[len - 1] = 0;
						emit(line, invocation);
					}
					fclose(f);
					f = nf;
				}
			}
		}
	}
	free(line);
	fclose(f);
	return 0;
}
