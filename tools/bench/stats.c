// SPDX-License-Identifier: GPL-2.0-only
/*
 * Figures and result files: the clock, medians and percentiles, ratios and table cells, and the
 * frame of every result file (the benchmark's id and the machine it ran on). What is measured,
 * and the tables' rows, belong to each benchmark's file.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"

double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

double median(double *v, int n)
{
	if (n <= 0)
		return NAN;
	qsort(v, n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* Nearest rank: with few samples p99 is the largest, never an interpolation between two. */
double percentile(double *v, int n, double p)
{
	int i;

	if (n <= 0)
		return NAN;
	qsort(v, n, sizeof(*v), cmp_double);
	i = (int)ceil(p / 100 * n) - 1;
	return v[i < 0 ? 0 : i >= n ? n - 1 : i];
}

/* A list of positive numbers: "1,16,64". Returns how many, or -1. */
int parse_list(const char *s, int *out, int max, int limit)
{
	char *end;
	int n = 0;

	while (*s) {
		long v = strtol(s, &end, 10);

		if (end == s || v < 1 || v > limit || n == max || (*end && *end != ','))
			return -1;
		out[n++] = v;
		s = *end ? end + 1 : end;
	}
	return n ? n : -1;
}

static void describe(struct json_writer *w)
{
	struct utsname u;
	char model[256] = "unknown";
	FILE *c = fopen("/proc/cpuinfo", "re");
	char line[512];
	bool emulated = false;

	uname(&u);
	while (c && fgets(line, sizeof(line), c)) {
		if (!strncmp(line, "model name", 10)) {
			char *p = strchr(line, ':');

			snprintf(model, sizeof(model), "%s", p ? p + 2 : line);
			model[strcspn(model, "\n")] = 0;
		}
		/* QEMU TCG reports this; KVM/hardware does not list it as a model. */
		if (strstr(line, "QEMU") || strstr(line, "hypervisor"))
			emulated = true;
	}
	if (c)
		fclose(c);
	jsonw_string_field(w, "kernel", u.release);
	jsonw_string_field(w, "cpu", model);
	jsonw_uint_field(w, "cpus", sysconf(_SC_NPROCESSORS_ONLN));
	jsonw_name(w, "virtualised");
	jsonw_bool(w, emulated);
	printf("kernel %s, cpu %s x%ld%s\n", u.release, model, sysconf(_SC_NPROCESSORS_ONLN),
	       emulated ? " (virtualised/emulated: absolute times mean little; ratios do)" : "");
}

/* Every result file: {"benchmark": ID, the machine, ...}; the caller adds its members. */
FILE *json_begin(struct json_writer *w, const char *path, const char *id)
{
	FILE *f = fopen(path, "w");

	if (!f) {
		fprintf(stderr, "bench: cannot write %s: %s\n", path, strerror(errno));
		return NULL;
	}
	jsonw_init(w, f);
	jsonw_pretty(w, true);
	jsonw_start_object(w);
	jsonw_string_field(w, "benchmark", id);
	describe(w);
	return f;
}

int json_end(struct json_writer *w, const char *path)
{
	jsonw_end_object(w);
	if (fclose(w->f)) {
		fprintf(stderr, "bench: cannot write %s: %s\n", path, strerror(errno));
		return 1;
	}
	printf("JSON: %s\n", path);
	return 0;
}

/* A ratio that is "not measured" when either side is. */
double ratio(double a, double b)
{
	return isfinite(a) && isfinite(b) && b > 0 ? a / b : NAN;
}

/* "%8.2f" (or "%7.3fx") of v, or as wide a "-" when v was not measured. */
const char *cell(char *buf, size_t n, const char *fmt, double v)
{
	size_t len = strlen(fmt);

	if (isfinite(v))
		snprintf(buf, n, fmt, v);
	else /* "%7.3fx" is 8 wide */
		snprintf(buf, n, "%*s", atoi(fmt + 1) + (fmt[len - 1] == 'x'), "-");
	return buf;
}
