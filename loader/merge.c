// SPDX-License-Identifier: GPL-2.0-only
/*
 * Learned lines as policy text (bpfence policy learn): one proposed line under the comment that
 * says where it came from, and the merge of all of them into a policy's own text (--into), which
 * keeps every byte of that text and its order, and adds each section's lines at the end of that
 * section rather than in a second block of it. What to propose is learn.c's; whether the result
 * parses is checked by the caller with the parser itself.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "learn.h"
#include "libbpfence.h"

/* Bytes a function chose, in text a person reads (STYLE.md 16). */
static void put_text(FILE *f, const char *s)
{
	char buf[BPFENCE_TEXT_MAX(1024)];

	fputs(bpfence_text_escape(s, (size_t)-1, buf, sizeof(buf)), f);
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

unsigned int learn_print_item(FILE *f, const struct learn_item *it, bool from)
{
	unsigned int lines = 2;

	if (from && it->invocation[0])
		fprintf(f, "# learned from invocation %s: ", it->invocation);
	else
		fputs(from ? "# learned: " : "# ", f);
	fprintf(f, "%lu denial%s, e.g. ", it->count, it->count == 1 ? "" : "s");
	put_text(f, it->example);
	fputs(" (", f);
	put_text(f, it->hook);
	fputs(")\n", f);
	if (!strcmp(it->key, "families")) {
		fputs("# (unix is listed so that, as a policy's first families line, this keeps "
		      "unix sockets)\n", f);
		lines++;
	}
	if (it->note) {
		fprintf(f, "# NOTE: %s (", it->note);
		put_text(f, it->cause ? it->cause : "");
		fputs(")\n", f);
		lines++;
	}
	fprintf(f, "%s = ", it->key);
	/* allow and families values are rule text, made of tokens already. */
	if (!strcmp(it->section, "network") && strcmp(it->key, "unix_allow"))
		fputs(it->value, f);
	else
		put_token(f, it->value);
	fputc('\n', f);
	return lines;
}

/* Where a section's new lines go: after the last line that sets a key in its last block, or
 * after its header when that block sets none (*header). 0: the policy lacks the section. */
static unsigned int insertion_line(const char *text, size_t len, const char *section,
				   bool *header)
{
	size_t slen = strlen(section);
	unsigned int line = 0, at = 0;
	bool in = false;

	for (size_t pos = 0; pos < len; line++) {
		const char *nl = memchr(text + pos, '\n', len - pos);
		size_t end = nl ? (size_t)(nl - text) : len, i = pos;

		while (i < end && (text[i] == ' ' || text[i] == '\t'))
			i++;
		/* The text parsed: a '[' starts a well-formed header, a key starts any other
		 * line that is not blank or a comment. */
		if (i < end && text[i] == '[') {
			in = end - i > slen + 1 && !memcmp(text + i + 1, section, slen) &&
			     text[i + 1 + slen] == ']';
			if (in) {
				at = line + 1;
				*header = true;
			}
		} else if (in && i < end && text[i] != '#' && text[i] != '\r') {
			at = line + 1;
			*header = false;
		}
		pos = end + 1;
	}
	return at;
}

struct section_items {
	const char *name;
	struct learn_item *items;
	size_t n;
	unsigned int at; /* insertion_line() */
	bool header;     /* at is the section's header: no blank line before the new ones */
};

static void put_items(FILE *out, struct section_items *s, bool gap, unsigned int *line)
{
	if (gap) {
		fputc('\n', out);
		(*line)++;
	}
	for (size_t i = 0; i < s->n; i++) {
		*line += learn_print_item(out, &s->items[i], true);
		s->items[i].line = *line;
	}
}

int learn_merge(const char *text, size_t len, struct learn *l, FILE *out)
{
	struct section_items sec[] = {
		{ "files", l->files, l->n_files, 0 },
		{ "network", l->network, l->n_network, 0 },
	};
	unsigned int in = 0, line = 0; /* lines read, lines written */
	size_t pos = 0;

	for (size_t k = 0; k < sizeof(sec) / sizeof(sec[0]); k++)
		sec[k].at = sec[k].n ? insertion_line(text, len, sec[k].name, &sec[k].header) : 0;
	while (pos < len) {
		const char *nl = memchr(text + pos, '\n', len - pos);
		size_t end = nl ? (size_t)(nl - text) + 1 : len;

		fwrite(text + pos, 1, end - pos, out);
		if (!nl)
			fputc('\n', out);
		pos = end;
		in++;
		line++;
		for (size_t k = 0; k < sizeof(sec) / sizeof(sec[0]); k++) {
			if (sec[k].n && sec[k].at == in)
				put_items(out, &sec[k], !sec[k].header, &line);
		}
	}
	for (size_t k = 0; k < sizeof(sec) / sizeof(sec[0]); k++) {
		if (!sec[k].n || sec[k].at)
			continue;
		fprintf(out, "%s[%s]\n", line ? "\n" : "", sec[k].name);
		line += line ? 2 : 1;
		put_items(out, &sec[k], false, &line);
	}
	return ferror(out) ? -EIO : 0;
}
