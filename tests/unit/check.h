/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The unit tests' one harness: CHECK(cond, fmt, ...) counts a pass, or prints
 * "FILE:LINE: FAIL (cond): message" and counts a failure (check() takes the line, for checks
 * driven by a table of cases); check_summary() prints
 * "N passed, N failed" and gives the exit status. Each test program is one process with one
 * counter pair; the library under test has no globals.
 */
#ifndef BPFENCE_TEST_CHECK_H
#define BPFENCE_TEST_CHECK_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>

struct check_results {
	unsigned int passed, failed;
};

static struct check_results res;

static bool __attribute__((format(printf, 4, 5), unused))
check(bool ok, int line, const char *cond, const char *fmt, ...)
{
	va_list ap;

	if (ok) {
		res.passed++;
		return true;
	}
	res.failed++;
	/* __BASE_FILE__: the test program's own file, the line being one of it */
	printf("%s:%d: FAIL (%s): ", __BASE_FILE__, line, cond);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	return false;
}

#define CHECK(cond, ...) check((cond), __LINE__, #cond, __VA_ARGS__)

static int __attribute__((unused)) check_summary(void)
{
	printf("%u passed, %u failed\n", res.passed, res.failed);
	return res.failed ? 1 : 0;
}

#endif
