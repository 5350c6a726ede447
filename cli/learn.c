// SPDX-License-Identifier: GPL-2.0-only
/*
 * bpfence policy learn: read denial records (an audit-mode run's, or any invocation's) and print
 * the policy lines that would have allowed them, with warnings for what must stay denied; with
 * --into, the whole policy with those lines merged in (loader/merge.c).
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

enum { OPT_JSON = 0x100, OPT_DEBUG, OPT_LOG, OPT_INVOCATION, OPT_SOURCE, OPT_SCRATCH, OPT_INTO };

const char policy_learn_help[] =
	"Usage: bpfence policy learn [--log FILE] [--invocation ID] [--source DIR] [--scratch DIR]\n"
	"                            [--into POLICY] [--json] [FILE|-]\n"
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
	"  --into POLICY    print the whole of POLICY with the lines merged into their sections\n"
	"                   (each under a \"# learned\" comment; comments and order kept; POLICY\n"
	"                   itself is not written). Nothing POLICY grants is proposed again; an\n"
	"                   access one of its deny lines refuses is a WARNING naming that line;\n"
	"                   exec or map in a place it lets the function write is proposed for\n"
	"                   that place, with a NOTE: nothing the function wrote runs otherwise\n"
	"  --json           {\"records\", \"files\", \"network\", \"warnings\", \"policy\", ...};\n"
	"                   warnings only there\n"
	"\nA record that is not valid JSON stops it with FILE:LINE:COLUMN (a damaged log must not\n"
	"give a short answer); an incomplete last line, still being written, is skipped with a\n"
	"warning. Exit status 0; 1 when no denial was found (--into: POLICY is printed as it is),\n"
	"the input is unreadable or POLICY is invalid (FILE:LINE:COLUMN); 2 usage.\n"
	"\nExample:\n"
	"  bpfence run --policy policies/examples/audit.policy --source ./fn -- python3 ./fn/main.py\n"
	"  bpfence policy learn --invocation 3f2a --source ./fn > fn-additions.policy\n"
	"  bpfence policy learn --invocation 3f2a --source ./fn \\\n"
	"      --into policies/function.policy > fn.policy\n";

/* Bytes a function chose, in text a person reads: control bytes and invalid UTF-8 escaped. */
static void put_text(FILE *f, const char *s)
{
	fputs(TEXT(s), f);
}

static void put_warning(FILE *f, const struct learn_item *w, const char *prefix)
{
	fprintf(f, "%s%lu denial%s of ", prefix, w->count, w->count == 1 ? "" : "s");
	put_text(f, w->example);
	fprintf(f, " (%s): not proposed: %s", TEXT(w->hook), w->reason);
	if (w->cause)
		fprintf(f, " (%s)", TEXT(w->cause));
	fputc('\n', f);
}

/* A proposed line that opens what a person must know about (exec where the function writes). */
static void put_note(FILE *f, const struct learn_item *it)
{
	fprintf(f, "%s: warning: %s = %s for %lu denial%s of ", cli.prog, it->key, TEXT(it->value),
		it->count, it->count == 1 ? "" : "s");
	put_text(f, it->example);
	fprintf(f, " (%s): %s (%s)\n", TEXT(it->hook), it->note, TEXT(it->cause));
}

static void print_items(const struct learn_item *it, size_t n)
{
	for (size_t i = 0; i < n; i++)
		learn_print_item(stdout, &it[i], false);
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
		print_items(l->files, l->n_files);
	}
	if (l->n_network) {
		printf("\n[network]\n");
		print_items(l->network, l->n_network);
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
		jsonw_string_field(w, "invocation", it[i].invocation[0] ? it[i].invocation : NULL);
		jsonw_string_field(w, "note", it[i].note);
		jsonw_string_field(w, "cause", it[i].cause);
		if (it[i].line)
			jsonw_uint_field(w, "line", it[i].line);
		else
			jsonw_null_field(w, "line");
		jsonw_end_object(w);
	}
	jsonw_end_array(w);
}

static void print_json(const struct learn *l, unsigned long drops, const char *into,
		       const char *merged)
{
	struct json_writer w;

	jsonw_init(&w, stdout);
	jsonw_start_object(&w);
	jsonw_uint_field(&w, "records", l->records);
	jsonw_uint_field(&w, "drops", drops);
	jsonw_uint_field(&w, "granted", l->granted);
	jsonw_string_field(&w, "into", into);
	jsonw_string_field(&w, "policy", merged);
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
		.invocation = inv,
		.hook = json_get_str(o, "hook"),
		.class = json_get_str(o, "class"),
		.object = json_get_str(o, "object"),
		.path = json_get_str(o, "path"),
		.access = json_get_str(o, "access"),
		.address = json_get_str(o, "address"),
		.protocol = json_get_str(o, "protocol"),
		.port = port > 0 && port < 65536 ? (unsigned long)port : 0,
		.name = json_get_str(o, "name"),
		.family = json_get_str(o, "family"),
		.type = num(o, "type", -1),
		.peer = json_get_str(o, "peer"),
		.tgid = num(o, "tgid", -1),
		.rule = json_get_str(o, "rule"),
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
			bpfence_report("bad audit record", "%s:%lu: NUL byte in the line", name,
				       lineno);
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
			bpfence_report("bad audit record",
				       "%s:%lu:%zu: %s (each line is one JSON "
				       "object, as bpfenced writes them)",
				       name, lineno, col, why);
			break;
		}
		if (ret) {
			bpfence_report("cannot read the audit log", "%s: %s", name, strerror(-ret));
			break;
		}
		ret = take(l, &o, invocation, drops);
		json_object_free(&o);
		if (ret)
			bpfence_report("cannot learn", "%s", strerror(-ret));
	}
	if (!ret && ferror(f)) {
		bpfence_report("cannot read the audit log", "%s: %s", name, strerror(errno));
		ret = -EIO;
	}
	free(line);
	return ret;
}

/* The policy --into names: parsed (an invalid one is reported with FILE:LINE:COLUMN) and its
 * text, which the parser has just found to hold no NUL byte, so one getdelim() reads it whole. */
static int read_into(const char *file, struct policy *p, char **text, size_t *len)
{
	char err[POLICY_ERR_MAX];
	size_t cap = 0;
	ssize_t n;
	FILE *f;

	if (policy_parse_file(file, p, err, sizeof(err))) {
		bpfence_report("invalid policy", "%s", err);
		return -1;
	}
	f = fopen(file, "re");
	n = f ? getdelim(text, &cap, '\0', f) : -1;
	if (n < 0 && f && !ferror(f))
		n = 0; /* an empty file */
	if (n < 0 || (f && ferror(f))) {
		bpfence_report("cannot read the policy", "%s: %s", file, strerror(errno));
		if (f)
			fclose(f);
		free(*text);
		*text = NULL;
		policy_free(p);
		return -1;
	}
	fclose(f);
	*len = n;
	return 0;
}

/* l's lines merged into the policy text, checked by the parser: what is printed must parse. */
static char *merge(struct learn *l, const char *into, const char *text, size_t len)
{
	char err[POLICY_ERR_MAX], *merged = NULL;
	struct policy q;
	size_t mlen = 0;
	FILE *m = open_memstream(&merged, &mlen);
	int r = m ? learn_merge(text, len, l, m) : -ENOMEM;

	if (m && fclose(m) && !r)
		r = -ENOMEM;
	if (r) {
		bpfence_report("cannot merge", "%s: %s", into, strerror(-r));
		free(merged);
		return NULL;
	}
	if (policy_parse_string(into, merged, &q, err, sizeof(err))) {
		bpfence_report("cannot merge", "the merged policy does not parse: %s", err);
		free(merged);
		return NULL;
	}
	policy_free(&q);
	return merged;
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
		{ "into", required_argument, NULL, OPT_INTO },
		{},
	};
	const char *input = NULL, *invocation = NULL, *into = NULL;
	char src[PATH_MAX], scr[PATH_MAX], *text = NULL, *merged = NULL;
	const char *source = NULL, *scratch = NULL;
	unsigned long drops = 0;
	struct policy p = {};
	size_t tlen = 0;
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
		case OPT_INTO:
			into = optarg;
			break;
		case OPT_SOURCE:
		case OPT_SCRATCH:
			/* As `run` binds them: absolute, symlinks resolved (so are logged paths). */
			if (!realpath(optarg, c == OPT_SOURCE ? src : scr)) {
				bpfence_report("bad directory", "%s: %s", optarg, strerror(errno));
				return EXIT_USAGE;
			}
			if (c == OPT_SOURCE)
				source = src;
			else
				scratch = scr;
			break;
		default:
			bpfence_report("usage",
				       "unknown or incomplete option '%s' (see bpfence policy "
				       "learn --help)",
				       argv[optind - 1]);
			return EXIT_USAGE;
		}
	}
	if (optind < argc && input) {
		bpfence_report("usage", "policy learn takes --log FILE or FILE, not both");
		return EXIT_USAGE;
	}
	if (argc - optind > 1) {
		bpfence_report("usage", "policy learn takes at most one FILE (see --help)");
		return EXIT_USAGE;
	}
	if (optind < argc)
		input = argv[optind];
	if (!input)
		input = DEFAULT_LOG;
	if (into && read_into(into, &p, &text, &tlen))
		return 1;
	learn_init(&l, source, scratch);
	if (into && (ret = learn_use_policy(&l, &p))) {
		bpfence_report("cannot learn", "%s", strerror(-ret));
		goto out;
	}
	if (!strcmp(input, "-")) {
		f = stdin;
		input = "(stdin)";
	} else {
		f = fopen(input, "re");
		if (!f) {
			bpfence_report("cannot read the audit log", "%s: %s", input,
				       strerror(errno));
			goto out;
		}
	}
	ret = read_records(f, input, &l, invocation, &drops);
	if (f != stdin)
		fclose(f);
	if (ret)
		goto out;
	ret = learn_finish(&l);
	if (ret) {
		bpfence_report("cannot learn", "%s", strerror(-ret));
		goto out;
	}
	if (into && !(merged = merge(&l, into, text, tlen))) {
		status = EXIT_BPFENCE;
		goto out;
	}
	if (cli.json) {
		print_json(&l, drops, into, merged);
	} else if (into) {
		fputs(merged, stdout);
	} else if (l.records) {
		print_text(&l, input, drops);
	}
	if (!cli.json && l.records) {
		/* Loud: what was not proposed, or opens something, is repeated where a person
		 * running it sees it (with --into, only there). */
		if (drops)
			fprintf(stderr, "%s: warning: the kernel could not queue %lu audit event(s): "
				"this list may be incomplete\n", cli.prog, drops);
		for (size_t i = 0; i < l.n_warnings; i++)
			put_warning(stderr, &l.warnings[i], "bpfence: warning: ");
		for (size_t i = 0; i < l.n_files; i++) {
			if (l.files[i].note)
				put_note(stderr, &l.files[i]);
		}
		/* stdout is the whole policy: say what changed in it. */
		if (into)
			fprintf(stderr, "%s: %zu line(s) learned into %s; %lu access(es) it grants "
				"already\n", cli.prog, l.n_files + l.n_network, TEXT(into),
				l.granted);
	}
	if (!l.records) {
		bpfence_report("no denials found", "%s%s%s", input,
			       invocation ? " for invocation " : "", invocation ? invocation : "");
		goto out;
	}
	status = 0;
out:
	learn_free(&l);
	policy_free(&p);
	free(text);
	free(merged);
	return status;
}
