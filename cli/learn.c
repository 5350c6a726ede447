// SPDX-License-Identifier: GPL-2.0-only
/*
 * bpfence policy learn: read denial records (an audit-mode run's, or any invocation's) and print
 * the policy lines that would have allowed them, with warnings for what must stay denied.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "json.h"
#include "learn.h"

#define DEFAULT_LOG "/var/log/bpfence/audit.jsonl"

enum { OPT_JSON = 0x100, OPT_DEBUG, OPT_LOG, OPT_INVOCATION, OPT_SOURCE, OPT_SCRATCH };

const char policy_learn_help[] =
	"Usage: bpfence policy learn [--log FILE] [--invocation ID] [--source DIR] [--scratch DIR]\n"
	"                            [--json] [FILE|-]\n"
	"Print the policy lines that would have allowed what was denied: run the function once\n"
	"under an audit-mode policy (mode = audit), then learn from its records. Reads bpfenced's\n"
	"log (default " DEFAULT_LOG "), or FILE, or stdin for '-'.\n"
	"Lines are grouped by section, each under a comment with how many denials it covers and an\n"
	"example; denied paths that share a directory become that directory, never a top-level one\n"
	"or one that holds a secret. The broker, cgroupfs, bpffs, secrets and /proc/PID are never\n"
	"proposed: each is a WARNING (on stderr and in the output) saying why.\n"
	"\n  --invocation ID  only this invocation's records (a prefix of the id is enough)\n"
	"  --source DIR     write paths below DIR as ${source}/... (the run's --source)\n"
	"  --scratch DIR    write paths below DIR as ${scratch}/...\n"
	"  --json           {\"records\", \"files\", \"network\", \"warnings\"}; warnings only there\n"
	"\nA record that is not valid JSON stops it with FILE:LINE:COLUMN (a damaged log must not\n"
	"give a short answer); an incomplete last line, still being written, is skipped with a\n"
	"warning. Exit status 0, 1 when no denial was found or the input is unreadable, 2 usage.\n"
	"\nExample:\n"
	"  bpfence run --policy policies/examples/audit.policy --source ./fn -- python3 ./fn/main.py\n"
	"  bpfence policy learn --invocation 3f2a --source ./fn > fn-additions.policy\n";

/* Bytes a function chose, in text a person reads: control bytes and invalid UTF-8 escaped. */
static void put_text(FILE *f, const char *s)
{
	fputs(TEXT(s), f);
}

/* A value as a policy token: quoted when it holds what would end or break an unquoted one. */
static void put_token(FILE *f, const char *s)
{
	if (!strpbrk(s, " \t\"\\#")) {
		fputs(s, f);
		return;
	}
	fputc('"', f);
	for (const char *p = s; *p; p++) {
		if (*p == '"' || *p == '\\')
			fputc('\\', f);
		fputc(*p, f);
	}
	fputc('"', f);
}

static void put_warning(FILE *f, const struct learn_item *w, const char *prefix)
{
	fprintf(f, "%s%lu denial%s of ", prefix, w->count, w->count == 1 ? "" : "s");
	put_text(f, w->example);
	fprintf(f, " (%s): not proposed: %s\n", TEXT(w->hook), w->reason);
}

static void print_items(const struct learn_item *it, size_t n, bool network)
{
	for (size_t i = 0; i < n; i++) {
		bool rule = network && strcmp(it[i].key, "unix_allow");

		printf("# %lu denial%s, e.g. ", it[i].count, it[i].count == 1 ? "" : "s");
		put_text(stdout, it[i].example);
		printf(" (%s)\n", TEXT(it[i].hook));
		if (!strcmp(it[i].key, "families"))
			printf("# (unix is listed so that, as a policy's first families line, this "
			       "keeps unix sockets)\n");
		printf("%s = ", it[i].key);
		/* allow and families values are rule text, made of tokens already. */
		if (rule)
			fputs(it[i].value, stdout);
		else
			put_token(stdout, it[i].value);
		putchar('\n');
	}
}

static void print_text(const struct learn *l, const char *input, unsigned long drops)
{
	printf("# bpfence policy learn: %lu denial record%s from ", l->records,
	       l->records == 1 ? "" : "s");
	put_text(stdout, input);
	printf("\n# Merge these lines into the policy's sections; read each one first: every line "
	       "widens\n# what the function may do.\n");
	if (drops)
		printf("# WARNING: the kernel could not queue %lu audit event(s) meanwhile: this "
		       "list may be incomplete\n", drops);
	for (size_t i = 0; i < l->n_warnings; i++)
		put_warning(stdout, &l->warnings[i], "# WARNING: ");
	if (l->n_files) {
		printf("\n[files]\n");
		print_items(l->files, l->n_files, false);
	}
	if (l->n_network) {
		printf("\n[network]\n");
		print_items(l->network, l->n_network, true);
	}
	if (!l->n_files && !l->n_network)
		printf("\n# Nothing to propose: no policy line lifts these denials.\n");
}

static void json_items(struct json_writer *w, const char *name, const struct learn_item *it,
		       size_t n)
{
	jsonw_name(w, name);
	jsonw_start_array(w);
	for (size_t i = 0; i < n; i++) {
		jsonw_start_object(w);
		if (it[i].key) {
			jsonw_string_field(w, "key", it[i].key);
			jsonw_string_field(w, "value", it[i].value);
		} else {
			jsonw_string_field(w, "kind", it[i].kind);
			jsonw_string_field(w, "reason", it[i].reason);
		}
		jsonw_uint_field(w, "count", it[i].count);
		jsonw_string_field(w, "example", it[i].example);
		jsonw_string_field(w, "hook", it[i].hook);
		jsonw_end_object(w);
	}
	jsonw_end_array(w);
}

static void print_json(const struct learn *l, unsigned long drops)
{
	struct json_writer w;

	jsonw_init(&w, stdout);
	jsonw_start_object(&w);
	jsonw_uint_field(&w, "records", l->records);
	jsonw_uint_field(&w, "drops", drops);
	json_items(&w, "files", l->files, l->n_files);
	json_items(&w, "network", l->network, l->n_network);
	json_items(&w, "warnings", l->warnings, l->n_warnings);
	jsonw_end_object(&w);
}

static long num(const struct json_object *o, const char *key, long dflt)
{
	const struct json_field *f = json_get(o, key);

	if (!f || f->type != JSON_NUMBER)
		return dflt;
	return strtol(f->value, NULL, 10);
}

/* One record into l (if it is a denial of the wanted invocation). */
static int take(struct learn *l, const struct json_object *o, const char *invocation,
		unsigned long *drops)
{
	const char *event = json_get_str(o, "event"), *inv = json_get_str(o, "invocation");
	struct learn_record r;
	long port;

	if (event && !strcmp(event, "drops")) {
		*drops += (unsigned long)num(o, "drops_new", 0);
		return 0;
	}
	if (!event || strcmp(event, "denial"))
		return 0;
	if (invocation && (!inv || strncmp(inv, invocation, strlen(invocation))))
		return 0;
	port = num(o, "port", 0);
	r = (struct learn_record){
		.hook = json_get_str(o, "hook"),
		.class = json_get_str(o, "class"),
		.object = json_get_str(o, "object"),
		.path = json_get_str(o, "path"),
		.access = json_get_str(o, "access"),
		.address = json_get_str(o, "address"),
		.protocol = json_get_str(o, "protocol"),
		.port = port > 0 && port < 65536 ? (unsigned long)port : 0,
		.family = json_get_str(o, "family"),
		.type = num(o, "type", -1),
		.peer = json_get_str(o, "peer"),
		.tgid = num(o, "tgid", -1),
	};
	{
		const struct json_field *pp = json_get(o, "path_partial");

		r.path_partial = pp && pp->type == JSON_TRUE;
	}
	return learn_add(l, &r);
}

static int read_records(FILE *f, const char *name, struct learn *l, const char *invocation,
			unsigned long *drops)
{
	unsigned long lineno = 0;
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	int ret = 0;

	while (!ret && (len = getline(&line, &cap, f)) > 0) {
		bool complete = line[len - 1] == '\n';
		struct json_object o;
		const char *why = "";
		size_t col = 0;

		lineno++;
		if (complete)
			line[--len] = 0;
		if (len && line[len - 1] == '\r')
			line[--len] = 0;
		if (!line[strspn(line, " \t")])
			continue;
		if (strlen(line) != (size_t)len) {
			report_error("bad audit record", "%s:%lu: NUL byte in the line", name, lineno);
			ret = -EINVAL;
			break;
		}
		ret = json_object_parse(line, &o, &col, &why);
		if (ret == -EINVAL && !complete) {
			if (!cli.json)
				fprintf(stderr, "%s: warning: %s:%lu: skipped an incomplete last record "
					"(still being written?)\n", cli.prog, name, lineno);
			ret = 0;
			break;
		}
		if (ret == -EINVAL) {
			report_error("bad audit record", "%s:%lu:%zu: %s (each line is one JSON "
				     "object, as bpfenced writes them)", name, lineno, col, why);
			break;
		}
		if (ret) {
			report_error("cannot read the audit log", "%s: %s", name, strerror(-ret));
			break;
		}
		ret = take(l, &o, invocation, drops);
		json_object_free(&o);
		if (ret)
			report_error("cannot learn", "%s", strerror(-ret));
	}
	if (!ret && ferror(f)) {
		report_error("cannot read the audit log", "%s: %s", name, strerror(errno));
		ret = -EIO;
	}
	free(line);
	return ret;
}

int policy_learn(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "json", no_argument, NULL, OPT_JSON },
		{ "debug", no_argument, NULL, OPT_DEBUG },
		{ "log", required_argument, NULL, OPT_LOG },
		{ "invocation", required_argument, NULL, OPT_INVOCATION },
		{ "source", required_argument, NULL, OPT_SOURCE },
		{ "scratch", required_argument, NULL, OPT_SCRATCH },
		{},
	};
	const char *input = NULL, *invocation = NULL;
	char src[PATH_MAX], scr[PATH_MAX];
	const char *source = NULL, *scratch = NULL;
	unsigned long drops = 0;
	struct learn l;
	FILE *f;
	int c, ret, status = 1;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
		switch (c) {
		case 'h':
			fputs(policy_learn_help, stdout);
			return 0;
		case OPT_JSON:
			cli.json = true;
			break;
		case OPT_DEBUG:
			break;
		case OPT_LOG:
			input = optarg;
			break;
		case OPT_INVOCATION:
			invocation = optarg;
			break;
		case OPT_SOURCE:
		case OPT_SCRATCH:
			/* As `run` binds them: absolute, symlinks resolved (so are logged paths). */
			if (!realpath(optarg, c == OPT_SOURCE ? src : scr)) {
				report_error("bad directory", "%s: %s", optarg, strerror(errno));
				return EXIT_USAGE;
			}
			if (c == OPT_SOURCE)
				source = src;
			else
				scratch = scr;
			break;
		default:
			report_error("usage", "unknown or incomplete option '%s' (see bpfence policy "
				     "learn --help)", argv[optind - 1]);
			return EXIT_USAGE;
		}
	}
	if (optind < argc && input) {
		report_error("usage", "policy learn takes --log FILE or FILE, not both");
		return EXIT_USAGE;
	}
	if (argc - optind > 1) {
		report_error("usage", "policy learn takes at most one FILE (see --help)");
		return EXIT_USAGE;
	}
	if (optind < argc)
		input = argv[optind];
	if (!input)
		input = DEFAULT_LOG;
	if (!strcmp(input, "-")) {
		f = stdin;
		input = "(stdin)";
	} else {
		f = fopen(input, "re");
		if (!f) {
			report_error("cannot read the audit log", "%s: %s", input, strerror(errno));
			return 1;
		}
	}
	learn_init(&l, source, scratch);
	ret = read_records(f, input, &l, invocation, &drops);
	if (f != stdin)
		fclose(f);
	if (ret)
		goto out;
	ret = learn_finish(&l);
	if (ret) {
		report_error("cannot learn", "%s", strerror(-ret));
		goto out;
	}
	if (cli.json) {
		print_json(&l, drops);
	} else if (l.records) {
		print_text(&l, input, drops);
		/* Loud: what was not proposed is repeated where a person running it sees it. */
		if (drops)
			fprintf(stderr, "%s: warning: the kernel could not queue %lu audit event(s): "
				"this list may be incomplete\n", cli.prog, drops);
		for (size_t i = 0; i < l.n_warnings; i++)
			put_warning(stderr, &l.warnings[i], "bpfence: warning: ");
	}
	if (!l.records) {
		report_error("no denials found", "%s%s%s", input,
			     invocation ? " for invocation " : "", invocation ? invocation : "");
		goto out;
	}
	status = 0;
out:
	learn_free(&l);
	return status;
}
