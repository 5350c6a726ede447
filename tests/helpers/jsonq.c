// SPDX-License-Identifier: GPL-2.0-only
/*
 * jsonq: the test suites' JSON reader, on the library's parser (loader/json.c), so that tests
 * read JSON with a real parser (STYLE.md 13) without starting an interpreter per query: in the
 * emulated VM a python3 start costs most of a second, and the suite asks thousands of times.
 *
 *   jsonq get KEY              the member KEY of the object on stdin, as JSON text ("string"
 *                              with its quotes as written, 1, true, null; nested values as
 *                              written); exit 1 if stdin is not one object or lacks KEY
 *   jsonq pairs KEY            the member KEY, an object, as "k=v k=v ..." in its order
 *   jsonq records FILE... -- KEY=VALUE...
 *                              the complete lines of FILEs (missing files skipped) whose record
 *                              has every KEY equal to VALUE (JSON text: same type and value);
 *                              a complete line that is not a JSON object fails (exit 2)
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"

static char *slurp(FILE *f)
{
	size_t n = 0, cap = 4096;
	char *buf = malloc(cap);
	size_t got;

	if (!buf)
		exit(2);
	while ((got = fread(buf + n, 1, cap - n - 1, f)) > 0) {
		n += got;
		if (cap - n < 2) {
			cap *= 2;
			buf = realloc(buf, cap);
			if (!buf)
				exit(2);
		}
	}
	buf[n] = 0;
	return buf;
}

static int parse(const char *text, struct json_object *o)
{
	const char *why;
	size_t col;

	return json_object_parse(text, o, &col, &why);
}

/* The field's value as written. */
static void print_raw(const struct json_object *o, const struct json_field *f)
{
	fwrite(o->text + f->raw, 1, f->raw_len, stdout);
}

/* Does field f of o equal the JSON text want? */
static bool matches(const struct json_object *o, const struct json_field *f, const char *want)
{
	struct json_object w;
	const struct json_field *wf;
	char *doc;
	bool eq = false;

	if (asprintf(&doc, "{\"v\": %s}", want) < 0)
		exit(2);
	if (parse(doc, &w)) {
		fprintf(stderr, "jsonq: not a JSON value: %s\n", want);
		exit(2);
	}
	wf = json_get(&w, "v");
	if (wf && wf->type == f->type) {
		if (f->type == JSON_STRING)
			eq = !strcmp(f->value, wf->value);
		else if (f->type == JSON_NUMBER)
			eq = strtod(f->value, NULL) == strtod(wf->value, NULL);
		else if (f->type == JSON_NESTED)
			eq = f->raw_len == wf->raw_len &&
			     !memcmp(o->text + f->raw, w.text + wf->raw, f->raw_len);
		else
			eq = true;
	}
	json_object_free(&w);
	free(doc);
	return eq;
}

static int records(int argc, char **argv)
{
	int sep = 0;

	for (int i = 0; i < argc; i++)
		if (!strcmp(argv[i], "--"))
			sep = i;
	if (!sep && (argc == 0 || strcmp(argv[0], "--")))
		sep = argc;
	for (int i = 0; i < sep; i++) {
		FILE *f = fopen(argv[i], "r");
		char *line = NULL;
		size_t cap = 0;
		ssize_t len;
		long n = 0;

		if (!f)
			continue;
		while ((len = getline(&line, &cap, f)) > 0) {
			struct json_object o;
			bool all = true;

			n++;
			if (line[len - 1] != '\n')
				continue; /* still being written */
			if (parse(line, &o)) {
				fprintf(stderr, "jsonq: %s:%ld: not a JSON object: %s", argv[i], n, line);
				exit(2);
			}
			for (int k = sep + 1; k < argc && all; k++) {
				char *eq = strchr(argv[k], '='), key[256];
				const struct json_field *fld;

				if (!eq || (size_t)(eq - argv[k]) >= sizeof(key))
					exit(2);
				snprintf(key, sizeof(key), "%.*s", (int)(eq - argv[k]), argv[k]);
				fld = json_get(&o, key);
				all = fld && matches(&o, fld, eq + 1);
			}
			if (all)
				fputs(line, stdout);
			json_object_free(&o);
		}
		free(line);
		fclose(f);
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct json_object o, sub;
	const struct json_field *f;
	char *text;

	if (argc >= 2 && !strcmp(argv[1], "records"))
		return records(argc - 2, argv + 2);
	if (argc != 3 || (strcmp(argv[1], "get") && strcmp(argv[1], "pairs"))) {
		fprintf(stderr, "usage: jsonq get|pairs KEY < JSON | jsonq records FILE... -- K=V...\n");
		return 2;
	}
	text = slurp(stdin);
	if (parse(text, &o))
		return 1;
	f = json_get(&o, argv[2]);
	if (!f)
		return 1;
	if (!strcmp(argv[1], "get")) {
		print_raw(&o, f);
		putchar('\n');
		return 0;
	}
	if (json_get_object(&o, argv[2], &sub))
		return 1;
	for (size_t i = 0; i < sub.n; i++) {
		printf("%s%s=", i ? " " : "", sub.fields[i].key);
		print_raw(&sub, &sub.fields[i]);
	}
	putchar('\n');
	return 0;
}
