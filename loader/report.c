// SPDX-License-Identifier: GPL-2.0-only
/*
 * The library's one error path (STYLE.md 5) and its --debug timeline. Lifecycle steps
 * (loader/invocation.c, loader/sandbox.c, loader/launch.c) say what failed and why through
 * bpfence_report(); the front end decides how that reads: the CLI as text or JSON on stderr
 * (cli/main.c sets the sink), anything else as "bpfence: WHAT: WHY" on stderr. So a step's
 * message is written once, in the step, whichever command ran it.
 */
#include <stdarg.h>
#include <stdio.h>
#include <time.h>

#include "libbpfence.h"

static void report_stderr(const char *what, const char *why)
{
	fprintf(stderr, "bpfence: %s: %s\n", what, why);
}

static bpfence_report_fn sink = report_stderr;

void bpfence_set_report(bpfence_report_fn fn)
{
	sink = fn ? fn : report_stderr;
}

void bpfence_report(const char *what, const char *fmt, ...)
{
	char why[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	sink(what, why);
}

double bpfence_mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

long long bpfence_real_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

void bpfence_step(const char *what)
{
	static double t_start;

	if (!bpfence_debug())
		return;
	if (!t_start)
		t_start = bpfence_mono_ms();
	fprintf(stderr, "bpfence: +%.2f ms %s\n", bpfence_mono_ms() - t_start, what);
}
