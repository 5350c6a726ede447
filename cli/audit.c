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
/* Room for a member escaped for the terminal: names up to 64 bytes (comm is 16), paths up to
 * the kernel's BPFENCE_PATH_MAX; longer values (a log someone edited) are cut. */
#define TEXT_FIELD BPFENCE_TEXT_MAX(64)
#define TEXT_PATH BPFENCE_TEXT_MAX(BPFENCE_PATH_MAX)

enum { OPT_JSON = 0x100, OPT_FOLLOW, OPT_INVOCATION, OPT_LOG, OPT_DEBUG };

static const char audit_help[] =
	"Usage: bpfence audit [--follow] [--json] [--invocation ID] [--log FILE]\n"
	"Show what restricted functions were denied, from bpfenced's log (default\n" DEFAULT_LOG
	"):\n"
	"a table (time, invocation, pid/comm, action, what), or with --json the records, one JSON\n"
	"object per line. --invocation filters by the id `bpfence run` printed (a prefix is\n"
	"enough); --follow keeps reading as records arrive. Names a function chose are shown with\n"
	"control bytes and invalid UTF-8 escaped (\\xNN). A line that is not a JSON object is\n"
	"reported on stderr with its line number and skipped; the exit status is then 1.\n"
	"\nExample:\n  bpfence audit --follow --invocation 3f2a\n";

/* A member as text for the table: a string's value, a number or literal as written, "" when
 * absent (or nested). Escaped for the terminal into out (STYLE.md 16): every string in the log
 * may be a name a function chose, or anything at all in a log someone edited. */
static const char *field(const struct json_object *o, const char *key, char *out, size_t n)
{
	const struct json_field *f = json_get(o, key);
	const char *v = "";

	if (f && (f->type == JSON_STRING || f->type == JSON_NUMBER))
		v = f->value;
	else if (f && f->type != JSON_NESTED)
		v = f->type == JSON_TRUE ? "true" : f->type == JSON_FALSE ? "false" : "null";
	return bpfence_text_escape(v, (size_t)-1, out, n);
}

#define FIELD(o, key, buf) field((o), (key), (buf), sizeof(buf))

static void print_row(const struct json_object *o)
{
	char ev[TEXT_FIELD], t[TEXT_FIELD], inv[TEXT_FIELD], pid[TEXT_FIELD], comm[TEXT_FIELD],
		action[TEXT_FIELD], err[TEXT_FIELD], hook[TEXT_FIELD], cls[TEXT_FIELD],
		obj[TEXT_FIELD], a[TEXT_PATH], b[TEXT_FIELD], what[TEXT_PATH + 2 * TEXT_FIELD];
	const char *clock;

	FIELD(o, "event", ev);
	FIELD(o, "time", t);
	/* The time of day of an RFC 3339 stamp ("2026-11-22T02:13:24.965906Z"). */
	clock = strlen(t) > 11 ? t + 11 : t;
	if (strcmp(ev, "denial")) {
		/* Daemon records, so gaps in the trail are visible in the table too. */
		FIELD(o, "resumed", a);
		FIELD(o, "drops_total", b);
		printf("%-12.12s -- bpfenced %s%s%s%s --\n", clock, ev,
		       !strcmp(a, "true") ? " (resumed on pinned programs)" : "",
		       b[0] ? ", drops_total " : "", b);
		return;
	}
	FIELD(o, "invocation", inv);
	FIELD(o, "pid", pid);
	FIELD(o, "comm", comm);
	FIELD(o, "action", action);
	FIELD(o, "errno", err);
	FIELD(o, "hook", hook);
	FIELD(o, "class", cls);
	FIELD(o, "object", obj);
	if (!strcmp(obj, "file")) {
		snprintf(what, sizeof(what), "%s (%s)", FIELD(o, "path", a), FIELD(o, "access", b));
	} else if (!strcmp(obj, "inet")) {
		char proto[TEXT_FIELD];

		FIELD(o, "address", a);
		FIELD(o, "port", b);
		snprintf(what, sizeof(what), strchr(a, ':') ? "%s [%s]:%s" : "%s %s:%s",
			 FIELD(o, "protocol", proto), a, b);
	} else if (!strcmp(obj, "unix")) {
		snprintf(what, sizeof(what), "unix %s", FIELD(o, "peer", a));
	} else if (!strcmp(obj, "socket")) {
		snprintf(what, sizeof(what), "socket family %s", FIELD(o, "family", a));
	} else if (!strcmp(obj, "task")) {
		snprintf(what, sizeof(what), "process %s", FIELD(o, "target_pid", a));
	} else {
		snprintf(what, sizeof(what), "%s", hook);
	}
	printf("%-12.12s %-12.12s %7s %-15.15s %-7s %-6s %-7s %s\n", clock, inv, pid, comm, action,
	       strcmp(err, "null") ? err : "-", cls, what);
}

static bool wanted(const struct json_object *o, const char *invocation)
{
	const char *inv;

	if (!invocation)
		return true;
	inv = json_get_str(o, "invocation");
	if (!inv)
		return false; /* daemon records have no invocation */
	return !strncmp(inv, invocation, strlen(invocation));
}

struct reading {
	const char *log, *invocation;
	unsigned long line; /* of the current file: rotation starts again at 1 */
	unsigned long bad;  /* lines that were not a JSON object */
};

/* One line of the log (without its newline). --json writes the record again with the writer, so
 * what reaches stdout is valid JSON whatever the line held. */
static void emit(struct reading *rd, const char *line, size_t len)
{
	struct json_object o;
	const char *why = "";
	size_t col = 0;
	int r;

	rd->line++;
	if (strlen(line) != len) {
		/* The parser would stop at the NUL and take what is before it for the line. */
		r = -EINVAL;
		why = "a NUL byte in the line";
		col = strlen(line) + 1;
	} else {
		r = json_object_parse(line, &o, &col, &why);
	}
	if (r == -EINVAL) {
		rd->bad++;
		bpfence_report("audit", "%s:%lu: not a JSON record: %s (column %zu)", rd->log,
			       rd->line, why, col);
		return;
	}
	if (r) {
		bpfence_report("audit", "%s:%lu: %s", rd->log, rd->line, strerror(-r));
		rd->bad++;
		return;
	}
	if (wanted(&o, rd->invocation)) {
		if (cli.json) {
			struct json_writer w;

			jsonw_init(&w, stdout);
			jsonw_object(&w, &o);
		} else {
			print_row(&o);
		}
	}
	json_object_free(&o);
}

static FILE *open_log(const char *log)
{
	struct stat st;
	FILE *f = fopen(log, "re");

	if (!f) {
		bpfence_report("cannot read the audit log", "%s: %s (is bpfenced running?)", log,
			       strerror(errno));
		return NULL;
	}
	/* A directory opens, and then every read fails: say what is wrong instead. */
	if (!fstat(fileno(f), &st) && S_ISDIR(st.st_mode)) {
		bpfence_report("cannot read the audit log", "%s: %s (--log names the log file)",
			       log, strerror(EISDIR));
		fclose(f);
		return NULL;
	}
	return f;
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
	struct reading rd = {};
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
			bpfence_report(
				"usage",
				"unknown or incomplete option '%s' (see bpfence audit --help)",
				argv[optind - 1]);
			return EXIT_USAGE;
		}
	}
	if (optind != argc) {
		bpfence_report("usage", "audit takes no arguments (see --help)");
		return EXIT_USAGE;
	}
	rd.log = log;
	rd.invocation = invocation;
	f = open_log(log);
	if (!f)
		return 1;
	if (!cli.json)
		printf("%-12s %-12s %7s %-15s %-7s %-6s %-7s %s\n", "TIME", "INVOCATION", "PID",
		       "COMM", "ACTION", "ERRNO", "CLASS", "WHAT");
	for (;;) {
		ssize_t len;

		while ((len = getline(&line, &cap, f)) > 0) {
			if (line[len - 1] != '\n' && follow) {
				/* A record still being written: read it whole next time. */
				fseek(f, -len, SEEK_CUR);
				break;
			}
			/* Without --follow, a last line without its newline is read as it is: a
			 * record cut short is reported, not passed over in silence. */
			if (line[len - 1] == '\n')
				line[--len] = 0;
			emit(&rd, line, (size_t)len);
		}
		if (ferror(f)) {
			bpfence_report("cannot read the audit log", "%s: %s", log, strerror(errno));
			rd.bad++;
			break;
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
							line[--len] = 0;
						emit(&rd, line, (size_t)len);
					}
					fclose(f);
					f = nf;
					rd.line = 0;
				}
			}
		}
	}
	free(line);
	fclose(f);
	/* Every good record was shown; the bad lines were named on stderr as they came. */
	return rd.bad ? 1 : 0;
}
