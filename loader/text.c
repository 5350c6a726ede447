// SPDX-License-Identifier: GPL-2.0-only
/*
 * Text a person reads (STYLE.md 16, SECURITY.md row 33): names a restricted function chose
 * (comm, paths, unix peer and IPC names) reach terminals through `bpfence audit`, the run
 * summary and error messages. A raw ESC can clear the screen or rewrite what was shown, invalid
 * UTF-8 can swallow the bytes after it, a C1 control acts as an escape on some terminals, and a
 * bidirectional override reorders what follows. All of those are written as \xNN, one escape
 * per byte, and a backslash as \\, so what is shown is unambiguous and inert.
 */
#include <string.h>

#include "libbpfence.h"

size_t bpfence_text_char(const char *str, size_t left)
{
	const unsigned char *s = (const unsigned char *)str;
	unsigned int cp, min;
	size_t len;

	if (!left)
		return 0;
	if (s[0] < 0x80)
		return s[0] >= 0x20 && s[0] != 0x7f;
	if ((s[0] & 0xe0) == 0xc0) {
		len = 2;
		cp = s[0] & 0x1f;
		min = 0x80;
	} else if ((s[0] & 0xf0) == 0xe0) {
		len = 3;
		cp = s[0] & 0x0f;
		min = 0x800;
	} else if ((s[0] & 0xf8) == 0xf0) {
		len = 4;
		cp = s[0] & 0x07;
		min = 0x10000;
	} else {
		return 0;
	}
	if (len > left)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	/* Overlong forms, UTF-16 surrogates and beyond Unicode are not UTF-8 (RFC 3629). */
	if (cp < min || (cp >= 0xd800 && cp < 0xe000) || cp > 0x10ffff)
		return 0;
	/* C1 controls; bidirectional embeddings, overrides and isolates, and the marks. */
	if (cp < 0xa0 || cp == 0x061c || cp == 0x200e || cp == 0x200f ||
	    (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069))
		return 0;
	return len;
}

bool bpfence_text_printable(const char *s)
{
	size_t left = strlen(s), k;

	while (left) {
		k = bpfence_text_char(s, left);
		if (!k)
			return false;
		s += k;
		left -= k;
	}
	return true;
}

char *bpfence_text_escape(const char *s, size_t max, char *buf, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	size_t left = strnlen(s, max), o = 0, k;

	if (!n)
		return buf;
	while (left) {
		k = bpfence_text_char(s, left);
		if (k == 1 && *s == '\\') {
			if (o + 2 >= n)
				break;
			buf[o++] = '\\';
			buf[o++] = '\\';
		} else if (k) {
			if (o + k >= n)
				break;
			memcpy(buf + o, s, k);
			o += k;
		} else {
			/* One byte escaped: the next one may start a character again. */
			if (o + 4 >= n)
				break;
			buf[o++] = '\\';
			buf[o++] = 'x';
			buf[o++] = hex[(unsigned char)*s >> 4];
			buf[o++] = hex[*s & 15];
			k = 1;
		}
		s += k;
		left -= k;
	}
	buf[o] = 0;
	return buf;
}
