// SPDX-License-Identifier: GPL-2.0-only
/* JSON writer and flat-object reader (see json.h for the string convention). */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"

/* ---- writer ---------------------------------------------------------------------------- */

void jsonw_init(struct json_writer *w, FILE *f)
{
	memset(w, 0, sizeof(*w));
	w->f = f;
}

void jsonw_init_buf(struct json_writer *w, char *buf, size_t n)
{
	memset(w, 0, sizeof(*w));
	w->buf = buf;
	w->n = n;
	if (n)
		buf[0] = 0;
}

size_t jsonw_buf_len(const struct json_writer *w)
{
	if (!w->n)
		return 0;
	return w->off < w->n ? w->off : w->n - 1;
}

void jsonw_pretty(struct json_writer *w, bool on)
{
	w->pretty = on;
}

/* Every byte goes out here: to the FILE, or into the buffer (cut at n - 1, NUL-terminated). */
static void out(struct json_writer *w, const char *s, size_t len)
{
	if (w->f) {
		fwrite(s, 1, len, w->f);
		return;
	}
	if (w->off + 1 < w->n) {
		size_t room = w->n - 1 - w->off, k = len < room ? len : room;

		memcpy(w->buf + w->off, s, k);
		w->buf[w->off + k] = 0;
	}
	w->off += len;
}

static void outs(struct json_writer *w, const char *s)
{
	out(w, s, strlen(s));
}

static void outc(struct json_writer *w, char c)
{
	out(w, &c, 1);
}

static void indent(struct json_writer *w, unsigned int depth)
{
	outc(w, '\n');
	for (unsigned int i = 0; i < depth; i++)
		outs(w, "    ");
}

/* Before any value or name: the comma that separates it from the previous one (and, pretty, the
 * line break and indentation that put it on a line of its own). */
static void sep(struct json_writer *w)
{
	if (w->after_name) {
		w->after_name = false;
		return;
	}
	if (w->need_comma[w->depth])
		outs(w, w->pretty ? "," : ", ");
	if (w->pretty && w->depth)
		indent(w, w->depth);
	w->need_comma[w->depth] = true;
}

/* The one escaping rule (json.h): a run of safe bytes is written as it is, anything else as a
 * backslash escape, so the output is ASCII whatever the input. */
static void put_string(struct json_writer *w, const char *s, size_t max)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, run = 0;

	outc(w, '"');
	for (; i < max && p[i]; i++) {
		unsigned char c = p[i];
		char esc[6] = { '\\', 'u', '0', '0', hex[c >> 4], hex[c & 15] };

		if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\')
			continue;
		out(w, s + run, i - run);
		run = i + 1;
		if (c == '"' || c == '\\') {
			esc[1] = (char)c;
			out(w, esc, 2);
		} else {
			out(w, esc, sizeof(esc));
		}
	}
	out(w, s + run, i - run);
	outc(w, '"');
}

static void open_nest(struct json_writer *w, char c)
{
	sep(w);
	outc(w, c);
	if (w->depth + 1 < JSON_DEPTH_MAX)
		w->depth++;
	w->need_comma[w->depth] = false;
}

static void close_nest(struct json_writer *w, char c)
{
	/* Pretty: the closing bracket of a non-empty object or array on a line of its own. */
	bool had_members = w->need_comma[w->depth];

	if (w->depth)
		w->depth--;
	if (w->pretty && had_members)
		indent(w, w->depth);
	outc(w, c);
	/* The document is complete: end it as a line (a buffer's caller places its own). */
	if (!w->depth && w->f)
		outc(w, '\n');
}

void jsonw_start_object(struct json_writer *w)
{
	open_nest(w, '{');
}

void jsonw_end_object(struct json_writer *w)
{
	close_nest(w, '}');
}

void jsonw_start_array(struct json_writer *w)
{
	open_nest(w, '[');
}

void jsonw_end_array(struct json_writer *w)
{
	close_nest(w, ']');
}

void jsonw_name(struct json_writer *w, const char *name)
{
	sep(w);
	put_string(w, name, (size_t)-1);
	outs(w, ": ");
	w->after_name = true;
}

void jsonw_string(struct json_writer *w, const char *s)
{
	sep(w);
	put_string(w, s, (size_t)-1);
}

void jsonw_string_n(struct json_writer *w, const char *s, size_t max)
{
	sep(w);
	put_string(w, s, max);
}

void jsonw_uint(struct json_writer *w, unsigned long long v)
{
	char num[24];

	sep(w);
	out(w, num, (size_t)snprintf(num, sizeof(num), "%llu", v));
}

void jsonw_int(struct json_writer *w, long long v)
{
	char num[24];

	sep(w);
	out(w, num, (size_t)snprintf(num, sizeof(num), "%lld", v));
}

/* Measurements (the benchmarks). JSON has no NaN or infinity: a value that is not a number is
 * null, as "not measured". */
void jsonw_float(struct json_writer *w, double v)
{
	char num[32];

	sep(w);
	if (isfinite(v))
		out(w, num, (size_t)snprintf(num, sizeof(num), "%.6g", v));
	else
		outs(w, "null");
}

void jsonw_bool(struct json_writer *w, bool v)
{
	sep(w);
	outs(w, v ? "true" : "false");
}

void jsonw_null(struct json_writer *w)
{
	sep(w);
	outs(w, "null");
}

void jsonw_string_field(struct json_writer *w, const char *name, const char *s)
{
	jsonw_name(w, name);
	if (s)
		jsonw_string(w, s);
	else
		jsonw_null(w);
}

void jsonw_uint_field(struct json_writer *w, const char *name, unsigned long long v)
{
	jsonw_name(w, name);
	jsonw_uint(w, v);
}

void jsonw_int_field(struct json_writer *w, const char *name, long long v)
{
	jsonw_name(w, name);
	jsonw_int(w, v);
}

void jsonw_float_field(struct json_writer *w, const char *name, double v)
{
	jsonw_name(w, name);
	jsonw_float(w, v);
}

void jsonw_bool_field(struct json_writer *w, const char *name, bool v)
{
	jsonw_name(w, name);
	jsonw_bool(w, v);
}

void jsonw_null_field(struct json_writer *w, const char *name)
{
	jsonw_name(w, name);
	jsonw_null(w);
}

/* ---- reader ---------------------------------------------------------------------------- */

struct reader {
	const char *start, *p;
	char *out; /* where the next decoded string or number goes */
	const char *why;
};

static void skip_ws(struct reader *r)
{
	while (*r->p == ' ' || *r->p == '\t' || *r->p == '\n' || *r->p == '\r')
		r->p++;
}

static int fail(struct reader *r, const char *why)
{
	r->why = why;
	return -EINVAL;
}

static int hex4(const char *s, unsigned int *v)
{
	*v = 0;
	for (int i = 0; i < 4; i++) {
		char c = s[i];

		*v <<= 4;
		if (c >= '0' && c <= '9')
			*v |= (unsigned int)(c - '0');
		else if (c >= 'a' && c <= 'f')
			*v |= (unsigned int)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			*v |= (unsigned int)(c - 'A' + 10);
		else
			return -1;
	}
	return 0;
}

static void put_utf8(char **o, unsigned int cp)
{
	char *q = *o;

	if (cp < 0x100) {
		/* The audit log's convention: \u00XX is the byte XX. */
		*q++ = (char)cp;
	} else if (cp < 0x800) {
		*q++ = (char)(0xc0 | cp >> 6);
		*q++ = (char)(0x80 | (cp & 0x3f));
	} else if (cp < 0x10000) {
		*q++ = (char)(0xe0 | cp >> 12);
		*q++ = (char)(0x80 | ((cp >> 6) & 0x3f));
		*q++ = (char)(0x80 | (cp & 0x3f));
	} else {
		*q++ = (char)(0xf0 | cp >> 18);
		*q++ = (char)(0x80 | ((cp >> 12) & 0x3f));
		*q++ = (char)(0x80 | ((cp >> 6) & 0x3f));
		*q++ = (char)(0x80 | (cp & 0x3f));
	}
	*o = q;
}

/* A string at r->p (on its opening quote); decoded into r->out when keep, else skipped. */
static int parse_string(struct reader *r, char **value, bool keep)
{
	char *o = r->out;

	r->p++;
	for (;;) {
		unsigned char c = (unsigned char)*r->p;
		unsigned int cp, lo;

		if (!c)
			return fail(r, "unterminated string");
		if (c == '"')
			break;
		if (c < 0x20)
			return fail(r, "control character in string");
		if (c != '\\') {
			if (keep)
				*o++ = (char)c;
			r->p++;
			continue;
		}
		r->p++;
		switch (*r->p) {
		case '"':
		case '\\':
		case '/':
			cp = (unsigned char)*r->p;
			break;
		case 'b':
			cp = '\b';
			break;
		case 'f':
			cp = '\f';
			break;
		case 'n':
			cp = '\n';
			break;
		case 'r':
			cp = '\r';
			break;
		case 't':
			cp = '\t';
			break;
		case 'u':
			if (hex4(r->p + 1, &cp))
				return fail(r, "bad \\u escape");
			r->p += 4;
			if (cp >= 0xd800 && cp < 0xdc00) {
				if (r->p[1] != '\\' || r->p[2] != 'u' || hex4(r->p + 3, &lo) ||
				    lo < 0xdc00 || lo >= 0xe000)
					return fail(r, "unpaired surrogate in \\u escape");
				cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
				r->p += 6;
			} else if (cp >= 0xdc00 && cp < 0xe000) {
				return fail(r, "unpaired surrogate in \\u escape");
			}
			if (!cp)
				return fail(r, "NUL byte in string");
			break;
		default:
			return fail(r, "bad escape in string");
		}
		r->p++;
		if (keep)
			put_utf8(&o, cp);
	}
	r->p++;
	if (keep) {
		*o++ = 0;
		*value = r->out;
		r->out = o;
	}
	return 0;
}

static int parse_number(struct reader *r, char **value)
{
	const char *s = r->p;

	if (*r->p == '-')
		r->p++;
	if (*r->p == '0')
		r->p++;
	else if (*r->p >= '1' && *r->p <= '9')
		while (*r->p >= '0' && *r->p <= '9')
			r->p++;
	else
		return fail(r, "bad number");
	if (*r->p == '.') {
		r->p++;
		if (*r->p < '0' || *r->p > '9')
			return fail(r, "bad number");
		while (*r->p >= '0' && *r->p <= '9')
			r->p++;
	}
	if (*r->p == 'e' || *r->p == 'E') {
		r->p++;
		if (*r->p == '+' || *r->p == '-')
			r->p++;
		if (*r->p < '0' || *r->p > '9')
			return fail(r, "bad number");
		while (*r->p >= '0' && *r->p <= '9')
			r->p++;
	}
	if (value) {
		memcpy(r->out, s, (size_t)(r->p - s));
		r->out[r->p - s] = 0;
		*value = r->out;
		r->out += r->p - s + 1;
	}
	return 0;
}

static int parse_value(struct reader *r, enum json_type *type, char **value, unsigned int depth);

/* An object or array nested inside the top-level object: checked, not kept. */
static int skip_nested(struct reader *r, unsigned int depth)
{
	char close = *r->p == '{' ? '}' : ']';
	bool object = close == '}';
	enum json_type t;
	int ret;

	if (depth >= JSON_DEPTH_MAX)
		return fail(r, "nested too deeply");
	r->p++;
	skip_ws(r);
	if (*r->p == close) {
		r->p++;
		return 0;
	}
	for (;;) {
		skip_ws(r);
		if (object) {
			if (*r->p != '"')
				return fail(r, "expected a member name");
			ret = parse_string(r, NULL, false);
			if (ret)
				return ret;
			skip_ws(r);
			if (*r->p != ':')
				return fail(r, "expected ':'");
			r->p++;
		}
		ret = parse_value(r, &t, NULL, depth + 1);
		if (ret)
			return ret;
		skip_ws(r);
		if (*r->p == close) {
			r->p++;
			return 0;
		}
		if (*r->p != ',')
			return fail(r, object ? "expected ',' or '}'" : "expected ',' or ']'");
		r->p++;
	}
}

/* value NULL: check and skip the value without keeping it. */
static int parse_value(struct reader *r, enum json_type *type, char **value, unsigned int depth)
{
	skip_ws(r);
	if (value)
		*value = NULL;
	switch (*r->p) {
	case '"':
		*type = JSON_STRING;
		return parse_string(r, value, value != NULL);
	case '{':
	case '[':
		*type = JSON_NESTED;
		return skip_nested(r, depth);
	case 't':
		*type = JSON_TRUE;
		if (strncmp(r->p, "true", 4))
			return fail(r, "bad literal");
		r->p += 4;
		return 0;
	case 'f':
		*type = JSON_FALSE;
		if (strncmp(r->p, "false", 5))
			return fail(r, "bad literal");
		r->p += 5;
		return 0;
	case 'n':
		*type = JSON_NULL;
		if (strncmp(r->p, "null", 4))
			return fail(r, "bad literal");
		r->p += 4;
		return 0;
	default:
		*type = JSON_NUMBER;
		return parse_number(r, value);
	}
}

int json_object_parse(const char *text, struct json_object *o, size_t *col, const char **why)
{
	struct reader r = { .start = text, .p = text };
	size_t cap = 0;
	int ret = -EINVAL;

	memset(o, 0, sizeof(*o));
	o->text = text;
	/* Decoding never lengthens a string; numbers gain a NUL but lose their separator. */
	o->mem = malloc(strlen(text) + 2);
	if (!o->mem)
		return -ENOMEM;
	r.out = o->mem;
	skip_ws(&r);
	if (*r.p != '{') {
		fail(&r, "expected a JSON object");
		goto out;
	}
	r.p++;
	skip_ws(&r);
	if (*r.p == '}') {
		r.p++;
		goto end;
	}
	for (;;) {
		struct json_field f;

		skip_ws(&r);
		if (*r.p != '"') {
			fail(&r, "expected a member name");
			goto out;
		}
		ret = parse_string(&r, &f.key, true);
		if (ret)
			goto out;
		ret = -EINVAL;
		skip_ws(&r);
		if (*r.p != ':') {
			fail(&r, "expected ':'");
			goto out;
		}
		r.p++;
		skip_ws(&r);
		f.raw = (size_t)(r.p - text);
		ret = parse_value(&r, &f.type, &f.value, 1);
		if (ret)
			goto out;
		f.raw_len = (size_t)(r.p - text) - f.raw;
		ret = -EINVAL;
		if (o->n == cap) {
			struct json_field *nf;

			cap = cap ? cap * 2 : 16;
			nf = realloc(o->fields, cap * sizeof(*nf));
			if (!nf) {
				ret = -ENOMEM;
				goto out;
			}
			o->fields = nf;
		}
		o->fields[o->n++] = f;
		skip_ws(&r);
		if (*r.p == '}') {
			r.p++;
			break;
		}
		if (*r.p != ',') {
			fail(&r, "expected ',' or '}'");
			goto out;
		}
		r.p++;
	}
end:
	skip_ws(&r);
	if (*r.p) {
		fail(&r, "text after the object");
		goto out;
	}
	return 0;
out:
	if (ret == -EINVAL) {
		if (col)
			*col = (size_t)(r.p - r.start) + 1;
		if (why)
			*why = r.why;
	}
	json_object_free(o);
	return ret;
}

void json_object_free(struct json_object *o)
{
	free(o->own);
	free(o->fields);
	free(o->mem);
	memset(o, 0, sizeof(*o));
}

const struct json_field *json_get(const struct json_object *o, const char *key)
{
	for (size_t i = o->n; i-- > 0;) {
		if (!strcmp(o->fields[i].key, key))
			return &o->fields[i];
	}
	return NULL;
}

const char *json_get_str(const struct json_object *o, const char *key)
{
	const struct json_field *f = json_get(o, key);

	return f && f->type == JSON_STRING ? f->value : NULL;
}

int json_get_object(const struct json_object *o, const char *key, struct json_object *sub)
{
	const struct json_field *f = json_get(o, key);
	char *copy;
	int r;

	memset(sub, 0, sizeof(*sub));
	if (!f)
		return -ENOENT;
	if (f->type != JSON_NESTED || o->text[f->raw] != '{')
		return -EINVAL;
	copy = strndup(o->text + f->raw, f->raw_len);
	if (!copy)
		return -ENOMEM;
	r = json_object_parse(copy, sub, NULL, NULL);
	if (r) {
		free(copy);
		return r;
	}
	/* sub->mem holds every decoded string; the copy is only needed for deeper lookups. */
	sub->own = copy;
	return 0;
}

/* ---- parsed object back out through the writer ---------------------------------------------- */

/* A value of text the reader has already accepted, walked again and written with w. Strings and
 * numbers are decoded into scratch (as long as the text: decoding never lengthens). */
static int copy_value(struct reader *r, struct json_writer *w, char *scratch, unsigned int depth)
{
	bool object;
	char close, *v;
	int ret;

	skip_ws(r);
	switch (*r->p) {
	case '"':
		r->out = scratch;
		ret = parse_string(r, &v, true);
		if (!ret)
			jsonw_string(w, v);
		return ret;
	case 't':
	case 'f':
	case 'n': {
		const char *lit = *r->p == 't' ? "true" : *r->p == 'f' ? "false" : "null";

		if (strncmp(r->p, lit, strlen(lit)))
			return fail(r, "bad literal");
		r->p += strlen(lit);
		sep(w);
		outs(w, lit);
		return 0;
	}
	case '{':
	case '[':
		break;
	default:
		r->out = scratch;
		ret = parse_number(r, &v);
		if (!ret) {
			sep(w);
			outs(w, v);
		}
		return ret;
	}
	if (depth >= JSON_DEPTH_MAX)
		return fail(r, "nested too deeply");
	object = *r->p == '{';
	close = object ? '}' : ']';
	if (object)
		jsonw_start_object(w);
	else
		jsonw_start_array(w);
	r->p++;
	skip_ws(r);
	if (*r->p == close)
		goto end;
	for (;;) {
		skip_ws(r);
		if (object) {
			if (*r->p != '"')
				return fail(r, "expected a member name");
			r->out = scratch;
			ret = parse_string(r, &v, true);
			if (ret)
				return ret;
			jsonw_name(w, v);
			skip_ws(r);
			if (*r->p != ':')
				return fail(r, "expected ':'");
			r->p++;
		}
		ret = copy_value(r, w, scratch, depth + 1);
		if (ret)
			return ret;
		skip_ws(r);
		if (*r->p == close)
			break;
		if (*r->p != ',')
			return fail(r, "expected ','");
		r->p++;
	}
end:
	r->p++;
	if (object)
		jsonw_end_object(w);
	else
		jsonw_end_array(w);
	return 0;
}

int jsonw_object(struct json_writer *w, const struct json_object *o)
{
	int ret = 0;

	jsonw_start_object(w);
	for (size_t i = 0; i < o->n && !ret; i++) {
		const struct json_field *f = &o->fields[i];

		jsonw_name(w, f->key);
		switch (f->type) {
		case JSON_STRING:
			jsonw_string(w, f->value);
			break;
		case JSON_NUMBER:
			sep(w);
			outs(w, f->value);
			break;
		case JSON_TRUE:
		case JSON_FALSE:
			jsonw_bool(w, f->type == JSON_TRUE);
			break;
		case JSON_NULL:
			jsonw_null(w);
			break;
		case JSON_NESTED: {
			struct reader r = { .start = o->text, .p = o->text + f->raw };
			char *scratch = malloc(f->raw_len + 2);

			if (!scratch)
				return -ENOMEM;
			ret = copy_value(&r, w, scratch, 1);
			free(scratch);
			break;
		}
		}
	}
	jsonw_end_object(w);
	return ret;
}

int json_get_strings(const struct json_object *o, const char *key, size_t max, char ***out,
		     size_t *n)
{
	const struct json_field *f = json_get(o, key);
	struct reader r;
	char **v = NULL, *mem;
	size_t count = 0;

	*out = NULL;
	*n = 0;
	if (!f)
		return -ENOENT;
	if (f->type != JSON_NESTED || o->text[f->raw] != '[')
		return -EINVAL;
	/* One block: max + 1 pointers, then the decoded strings (never longer than their text). */
	v = calloc(1, (max + 1) * sizeof(char *) + f->raw_len + 1);
	if (!v)
		return -ENOMEM;
	mem = (char *)(v + max + 1);
	r = (struct reader){ .start = o->text, .p = o->text + f->raw + 1, .out = mem };
	skip_ws(&r);
	if (*r.p == ']')
		goto done;
	for (;;) {
		skip_ws(&r);
		if (*r.p != '"' || count >= max || parse_string(&r, &v[count], true)) {
			free(v);
			return -EINVAL;
		}
		count++;
		skip_ws(&r);
		if (*r.p == ']')
			break;
		if (*r.p != ',') {
			free(v);
			return -EINVAL;
		}
		r.p++;
	}
done:
	*out = v;
	*n = count;
	return 0;
}
