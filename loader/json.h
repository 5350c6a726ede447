/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * JSON in and out (STYLE.md 13): a writer that owns escaping, nesting and commas, as bpftool's
 * json_writer does, and a reader for the audit log's records (one flat object per line).
 *
 * Strings follow the audit log's convention (docs/audit.md): `"` and `\` are escaped with a
 * backslash, every other byte outside printable ASCII (control bytes, DEL, and each byte of a
 * multi-byte UTF-8 sequence, valid or not) is written as \u00XX, one escape per byte; and the
 * reader turns \u0080-\u00ff back into that one byte, so a path the kernel named round-trips
 * byte for byte. What the writer produces is therefore plain ASCII: valid UTF-8 and valid JSON
 * whatever bytes a restricted function chose.
 */
#ifndef BPFENCE_JSON_H
#define BPFENCE_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#define JSON_DEPTH_MAX 16

struct json_writer {
	FILE *f;  /* the sink, or NULL for the buffer below */
	char *buf; /* buffer sink (jsonw_init_buf): NUL-terminated, never written past n - 1 */
	size_t n;
	size_t off; /* buffer sink: the length the document needs; >= n means it was cut */
	unsigned int depth;
	bool need_comma[JSON_DEPTH_MAX]; /* a value was written at this depth already */
	bool after_name;                 /* a name was written: the value follows it, no comma */
	bool pretty;                     /* one member or element per line, indented by depth */
};

void jsonw_init(struct json_writer *w, FILE *f);
/* Write into buf (n bytes) instead: for a record that must reach its file in one piece (the
 * audit log). The document does not end with a newline there; jsonw_buf_len() is its length. */
void jsonw_init_buf(struct json_writer *w, char *buf, size_t n);
/* The length written into the buffer sink (at most n - 1: a document that did not fit is cut). */
size_t jsonw_buf_len(const struct json_writer *w);
/* Pretty output, as bpftool's -p: for documents a person reads and keeps (a seccomp profile).
 * Off by default: the audit log and --json answers are one line each. */
void jsonw_pretty(struct json_writer *w, bool on);
void jsonw_start_object(struct json_writer *w);
void jsonw_end_object(struct json_writer *w);
void jsonw_start_array(struct json_writer *w);
void jsonw_end_array(struct json_writer *w);
/* The name of the next value inside an object. */
void jsonw_name(struct json_writer *w, const char *name);
void jsonw_string(struct json_writer *w, const char *s);
/* A string of at most max bytes, ended early by a NUL: a fixed-size kernel buffer (comm, path)
 * that may lack one. */
void jsonw_string_n(struct json_writer *w, const char *s, size_t max);
void jsonw_uint(struct json_writer *w, unsigned long long v);
void jsonw_int(struct json_writer *w, long long v);
/* A finite double; NaN and infinity are written as null. */
void jsonw_float(struct json_writer *w, double v);
void jsonw_bool(struct json_writer *w, bool v);
void jsonw_null(struct json_writer *w);
/* name + value in one call. */
void jsonw_string_field(struct json_writer *w, const char *name, const char *s);
void jsonw_uint_field(struct json_writer *w, const char *name, unsigned long long v);
void jsonw_int_field(struct json_writer *w, const char *name, long long v);
void jsonw_float_field(struct json_writer *w, const char *name, double v);
void jsonw_bool_field(struct json_writer *w, const char *name, bool v);
void jsonw_null_field(struct json_writer *w, const char *name);

enum json_type {
	JSON_STRING,
	JSON_NUMBER,
	JSON_TRUE,
	JSON_FALSE,
	JSON_NULL,
	JSON_NESTED, /* an object or array: validated and skipped, its text is not kept */
};

struct json_field {
	char *key;
	enum json_type type;
	char *value; /* strings decoded; numbers as written; NULL for the others */
	size_t raw, raw_len; /* where the value's text is in the parsed text */
};

/* One parsed JSON object: its top-level members. */
struct json_object {
	struct json_field *fields;
	size_t n;
	char *mem; /* all keys and values */
	const char *text; /* the text parsed (the caller's: valid while it is) */
	char *own;        /* text owned by this object (json_get_object), or NULL */
};

/*
 * Parse text (one whole JSON object, whitespace around it allowed) into o. Returns 0, or
 * -EINVAL with *col set to the 1-based byte column of the fault and *why to a short reason
 * (static text), or -ENOMEM. A string that decodes to a NUL byte is refused (C strings).
 */
int json_object_parse(const char *text, struct json_object *o, size_t *col, const char **why);
void json_object_free(struct json_object *o);
/* The member `key` if present (the last one if repeated), else NULL. */
const struct json_field *json_get(const struct json_object *o, const char *key);
/* A string member's value; NULL if absent or not a string. */
const char *json_get_str(const struct json_object *o, const char *key);
/* Parse the member `key`, an object, into sub (for nested documents such as an OCI state or
 * config.json: one level at a time). -ENOENT if absent, -EINVAL if not an object. sub keeps
 * its own copy of the text. */
int json_get_object(const struct json_object *o, const char *key, struct json_object *sub);
/* The member `key`, an array of at most max strings, decoded: *out a NULL-terminated array in
 * one allocation (free it), *n its length. -ENOENT if absent, -EINVAL if not an array of
 * strings or longer than max, -ENOMEM. */
int json_get_strings(const struct json_object *o, const char *key, size_t max, char ***out,
		     size_t *n);
/* Write a parsed object again with the writer (bpfence audit --json): members in their order,
 * strings re-escaped, numbers as written, nested values walked. What comes out is valid JSON
 * whatever bytes the text held. 0, or -ENOMEM. */
int jsonw_object(struct json_writer *w, const struct json_object *o);

#endif
