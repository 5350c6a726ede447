// SPDX-License-Identifier: GPL-2.0-only
/*
 * bpfence audit: read bpfenced's JSON lines log as a table (or the records as they are),
 * filtered by invocation, sandbox, class, policy or action, optionally following it like
 * `tail -F` across logrotate's two ways of rotating (create and copytruncate).
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
#include "sandbox.h"

#define DEFAULT_LOG "/var/log/bpfence/audit.jsonl"
/* Room for a member escaped for the terminal: names up to 64 bytes (comm is 16), paths up to
 * the kernel's BPFENCE_PATH_MAX; longer values (a log someone edited) are cut. */
#define TEXT_FIELD BPFENCE_TEXT_MAX(64)
#define TEXT_PATH BPFENCE_TEXT_MAX(BPFENCE_PATH_MAX)

enum { OPT_JSON = 0x100, OPT_FOLLOW, OPT_INVOCATION, OPT_LOG, OPT_DEBUG, OPT_SANDBOX, OPT_CLASS,
       OPT_POLICY, OPT_ACTION };

static const char audit_help[] =
	"Usage: bpfence audit [--follow] [--json] [--log FILE] [--invocation ID]\n"
	"                     [--sandbox NAME|ID] [--class CLASS] [--policy NAME]\n"
	"                     [--action denied|audited]\n"
	"Show what restricted functions were denied, from bpfenced's log (default\n" DEFAULT_LOG
	"):\n"
	"a table (time, invocation, pid/comm, action, what), or with --json the records, one JSON\n"
	"object per line, as the log has them.\n"
	"\n"
	"  --follow, -f       keep printing records as they arrive, across log rotation (a new\n"
	"                     file at the path, logrotate's create, or the same file truncated,\n"
	"                     its copytruncate); a log that does not exist yet is waited for\n"
	"  --json             the records themselves, one per line\n"
	"  --log FILE         the log to read\n"
	"  --invocation ID    only this invocation (the id `bpfence run` printed; a prefix is\n"
	"                     enough)\n"
	"  --sandbox NAME|ID  only this sandbox (a live one's name, or its sb-... id)\n"
	"  --class CLASS      only this class (file, connect, broker, unix, socket, system, task,\n"
	"                     nopolicy, ipc, dns)\n"
	"  --policy NAME      only invocations under this policy\n"
	"  --action ACTION    denied (enforced) or audited (mode = audit)\n"
	"Filters combine; with any, the daemon's own records are not shown. Names a function chose\n"
	"are shown with control bytes and invalid UTF-8 escaped (\\xNN). A line that is not a JSON\n"
	"object is reported on stderr with its line number and skipped; the exit status is then 1.\n"
	"\nExample:\n  bpfence audit --follow --invocation 3f2a\n"
	"  bpfence audit -f --json --sandbox build-42 --class connect\n";

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

/* What the records shown must match (every filter given; none: every record). A record of
 * the daemon's (start, drops, enforcement...) belongs to no invocation: any filter hides it. */
struct filters {
	const char *invocation; /* a prefix of the invocation id */
	const char *sandbox_id; /* --sandbox, resolved to its id */
	const char *class, *policy, *action;
};

static bool any_filter(const struct filters *f)
{
	return f->invocation || f->sandbox_id || f->class || f->policy || f->action;
}

static bool equals(const struct json_object *o, const char *key, const char *want)
{
	const char *v = json_get_str(o, key);

	return !want || (v && !strcmp(v, want));
}

static bool wanted(const struct json_object *o, const struct filters *f)
{
	const char *inv;

	if (!any_filter(f))
		return true;
	inv = json_get_str(o, "invocation");
	if (!inv)
		return false;
	if (f->invocation && strncmp(inv, f->invocation, strlen(f->invocation)))
		return false;
	return equals(o, "invocation", f->sandbox_id) && equals(o, "class", f->class) &&
	       equals(o, "policy", f->policy) && equals(o, "action", f->action);
}

struct reading {
	const char *log;
	struct filters filters;
	unsigned long line; /* of the current file: rotation starts again at 1 */
	unsigned long bad;  /* lines that were not a JSON object */
};

/* A line bpfenced wrote is plain printable ASCII (loader/json.h): --json passes it on byte for
 * byte. Anything else (a log someone edited) is written again by the writer, so what reaches
 * stdout is valid JSON and safe on a terminal whatever the line held. */
static bool plain_ascii(const char *line, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)line[i] < 0x20 || (unsigned char)line[i] > 0x7e)
			return false;
	return true;
}

/* One line of the log (without its newline). */
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
	if (wanted(&o, &rd->filters)) {
		if (cli.json && plain_ascii(line, len)) {
			fwrite(line, 1, len, stdout);
			fputc('\n', stdout);
		} else if (cli.json) {
			struct json_writer w;

			jsonw_init(&w, stdout);
			jsonw_object(&w, &o);
		} else {
			print_row(&o);
		}
	}
	json_object_free(&o);
}

static FILE *open_log(const char *log, bool quiet_missing)
{
	struct stat st;
	FILE *f = fopen(log, "re");

	if (!f) {
		if (!(quiet_missing && errno == ENOENT))
			bpfence_report("cannot read the audit log", "%s: %s (is bpfenced running?)",
				       log, strerror(errno));
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

/* Every whole line from f's position on. Under follow, a last line without its newline is a
 * record still being written: left for the next read. Without, it is read as it is: a record
 * cut short is reported, not passed over in silence. */
static int read_lines(struct reading *rd, FILE *f, bool follow, char **line, size_t *cap)
{
	ssize_t len;

	while ((len = getline(line, cap, f)) > 0) {
		if ((*line)[len - 1] != '\n' && follow) {
			fseek(f, -len, SEEK_CUR);
			break;
		}
		if ((*line)[len - 1] == '\n')
			(*line)[--len] = 0;
		emit(rd, *line, (size_t)len);
	}
	if (ferror(f)) {
		bpfence_report("cannot read the audit log", "%s: %s", rd->log, strerror(errno));
		rd->bad++;
		return -1;
	}
	clearerr(f);
	return 0;
}

/*
 * After the end of the file was read, has the log been rotated? Two ways logrotate does it:
 *   - create (rename, and bpfenced reopens on SIGHUP): a different file is at the path now.
 *     What is left of the old one is read to its end first, then the new one from its start.
 *   - copytruncate: the same file, cut to nothing and written again from the start: its size
 *     is now below where we were. It is read again from its start. (Lines written between
 *     logrotate's copy and its truncation are in neither: copytruncate's own loss.)
 * Returns the file to go on with (f itself, or a new one with f closed).
 */
static FILE *follow_rotation(struct reading *rd, FILE *f, char **line, size_t *cap)
{
	struct stat path_st, cur;
	FILE *nf;

	if (fstat(fileno(f), &cur))
		return f;
	if (stat(rd->log, &path_st)) /* moved away, not yet replaced: keep reading the old */
		return f;
	if (path_st.st_ino == cur.st_ino && path_st.st_dev == cur.st_dev) {
		if (cur.st_size < ftell(f)) {
			fseek(f, 0, SEEK_SET);
			rd->line = 0;
		}
		return f;
	}
	nf = open_log(rd->log, true);
	if (!nf)
		return f;
	read_lines(rd, f, false, line, cap);
	fclose(f);
	rd->line = 0;
	return nf;
}

/* --sandbox: a live or recently ended sandbox's name or id, as the records name it. */
static int sandbox_filter(const char *arg, char *id, size_t n)
{
	struct sandbox s;

	if (sandbox_valid_id(arg)) { /* long gone sandboxes too: the log outlives them */
		snprintf(id, n, "%s", arg);
		return 0;
	}
	if (sandbox_lookup(arg, &s, true) < 0)
		return -1;
	snprintf(id, n, "%s", s.id);
	return 0;
}

static int bad_value(const char *opt, const char *v, const char *expected)
{
	bpfence_report("usage", "bad %s '%s' (expected %s)", opt, v, expected);
	return EXIT_USAGE;
}

static bool known_class(const char *c)
{
	for (unsigned int i = 0; i < BPFENCE_CLASS_MAX; i++)
		if (!strcmp(c, bpfence_class_name(i)))
			return true;
	return false;
}

int cmd_audit(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "json", no_argument, NULL, OPT_JSON },
		{ "follow", no_argument, NULL, OPT_FOLLOW },
		{ "invocation", required_argument, NULL, OPT_INVOCATION },
		{ "sandbox", required_argument, NULL, OPT_SANDBOX },
		{ "class", required_argument, NULL, OPT_CLASS },
		{ "policy", required_argument, NULL, OPT_POLICY },
		{ "action", required_argument, NULL, OPT_ACTION },
		{ "log", required_argument, NULL, OPT_LOG },
		{ "debug", no_argument, NULL, OPT_DEBUG },
		{},
	};
	struct reading rd = {};
	const char *log = DEFAULT_LOG, *sandbox = NULL;
	char sandbox_id[BPFENCE_ID_MAX];
	bool follow = false, waiting = false;
	char *line = NULL;
	size_t cap = 0;
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
			rd.filters.invocation = optarg;
			break;
		case OPT_SANDBOX:
			sandbox = optarg;
			break;
		case OPT_CLASS:
			if (!known_class(optarg))
				return bad_value("--class", optarg,
						 "file, connect, broker, unix, socket, system, task, "
						 "nopolicy, ipc or dns");
			rd.filters.class = optarg;
			break;
		case OPT_POLICY:
			rd.filters.policy = optarg;
			break;
		case OPT_ACTION:
			if (strcmp(optarg, "denied") && strcmp(optarg, "audited"))
				return bad_value("--action", optarg, "denied or audited");
			rd.filters.action = optarg;
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
	if (sandbox) {
		if (sandbox_filter(sandbox, sandbox_id, sizeof(sandbox_id)))
			return 1;
		rd.filters.sandbox_id = sandbox_id;
	}
	rd.log = log;
	f = open_log(log, follow);
	/* Following a log that is not there yet (bpfenced about to start): wait for it. */
	while (!f && follow && errno == ENOENT) {
		if (!waiting)
			fprintf(stderr, "bpfence: audit: waiting for %s to appear\n", log);
		waiting = true;
		poll(NULL, 0, 200);
		f = open_log(log, true);
	}
	if (!f)
		return 1;
	if (!cli.json)
		printf("%-12s %-12s %7s %-15s %-7s %-6s %-7s %s\n", "TIME", "INVOCATION", "PID",
		       "COMM", "ACTION", "ERRNO", "CLASS", "WHAT");
	for (;;) {
		if (read_lines(&rd, f, follow, &line, &cap) || !follow)
			break;
		/* A reader that went away (a closed pipe) ends the follow. */
		if (fflush(stdout) || ferror(stdout))
			break;
		poll(NULL, 0, 200);
		f = follow_rotation(&rd, f, &line, &cap);
	}
	free(line);
	fclose(f);
	/* Every good record was shown; the bad lines were named on stderr as they came. */
	return rd.bad ? 1 : 0;
}
