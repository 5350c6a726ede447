/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * orders_report: the corpus's compiled function, as a user would build and install one under
 * /usr (make builds it into .output/tests/corpus/, tests/vm/corpus.bats installs it in the VM).
 * Dynamically linked on purpose: the ELF interpreter, libc and what libc reads behind the
 * program's back (NSS for the user name, time zone files, gconv modules for iconv, the locale)
 * are part of what the shipped policy must let an everyday program do. It reads the shipped
 * orders.csv from its working directory (the function's source), aggregates it with qsort and
 * threads, writes and reads back a report in TMPDIR, and starts sort through popen() and echo
 * through posix_spawnp().
 */
#define _GNU_SOURCE

#include <dlfcn.h>
#include <errno.h>
#include <iconv.h>
#include <locale.h>
#include <pthread.h>
#include <pwd.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/sysinfo.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_ORDERS 64
#define NTHREADS   4

extern char **environ;

struct order {
	int id;
	char customer[32];
	char region[16];
	char item[32];
	int quantity;
	double unit_price;
};

struct region_total {
	char region[16];
	int orders;
	double revenue;
};

struct sum_job {
	long from, to, sum;
};

static void __attribute__((noreturn)) die(const char *what)
{
	fprintf(stderr, "orders_report: %s: %s\n", what, strerror(errno));
	exit(1);
}

static int read_orders(const char *path, struct order *orders)
{
	char line[256];
	int n = 0;
	FILE *f = fopen(path, "re");

	if (!f)
		die(path);
	if (!fgets(line, sizeof(line), f))
		die("empty orders file");
	while (n < MAX_ORDERS && fgets(line, sizeof(line), f)) {
		struct order *o = &orders[n];

		if (sscanf(line, "%d,%31[^,],%15[^,],%31[^,],%d,%lf", &o->id, o->customer,
			   o->region, o->item, &o->quantity, &o->unit_price) == 6)
			n++;
	}
	fclose(f);
	return n;
}

static int by_revenue(const void *a, const void *b)
{
	const struct region_total *x = a, *y = b;

	return (y->revenue > x->revenue) - (y->revenue < x->revenue);
}

static void *sum_range(void *arg)
{
	struct sum_job *job = arg;

	for (long i = job->from; i <= job->to; i++)
		job->sum += i;
	return NULL;
}

static void report_totals(const struct order *orders, int n)
{
	struct region_total totals[MAX_ORDERS] = {0};
	int ntotals = 0, units = 0;

	for (int i = 0; i < n; i++) {
		int j;

		for (j = 0; j < ntotals && strcmp(totals[j].region, orders[i].region); j++)
			;
		if (j == ntotals)
			snprintf(totals[ntotals++].region, sizeof(totals[0].region), "%s",
				 orders[i].region);
		totals[j].orders++;
		totals[j].revenue += orders[i].quantity * orders[i].unit_price;
		units += orders[i].quantity;
	}
	qsort(totals, ntotals, sizeof(totals[0]), by_revenue);
	printf("orders: %d, units: %d\n", n, units);
	for (int j = 0; j < ntotals; j++)
		printf("  %-5s %d orders %8.2f\n", totals[j].region, totals[j].orders,
		       totals[j].revenue);
}

static void report_file(const struct order *orders, int n)
{
	const char *tmpdir = getenv("TMPDIR");
	char tmp[4096], final[4096], line[128];
	struct stat st;
	int fd, lines = 0;
	FILE *f;

	snprintf(tmp, sizeof(tmp), "%s/report.XXXXXX", tmpdir ? tmpdir : "/tmp");
	snprintf(final, sizeof(final), "%s/report.txt", tmpdir ? tmpdir : "/tmp");
	fd = mkstemp(tmp);
	if (fd < 0)
		die("mkstemp");
	f = fdopen(fd, "w");
	if (!f)
		die("fdopen");
	for (int i = 0; i < n; i++)
		fprintf(f, "%d %s %.2f\n", orders[i].id, orders[i].customer,
			orders[i].quantity * orders[i].unit_price);
	if (fclose(f) || rename(tmp, final) || stat(final, &st))
		die("report");
	f = fopen(final, "re");
	if (!f)
		die(final);
	while (fgets(line, sizeof(line), f))
		lines++;
	fclose(f);
	printf("report: %d lines, %lld bytes, mode %o\n", lines, (long long)st.st_size,
	       st.st_mode & 0777);
	if (unlink(final))
		die("unlink");
}

static void run_programs(const struct order *orders, int n)
{
	char *argv[] = {"echo", "posix_spawnp", "found", "echo", NULL};
	int status;
	pid_t pid;
	FILE *p;

	fflush(stdout);
	p = popen("sort -t' ' -k2,2 -k1,1n", "w");
	if (!p)
		die("popen");
	for (int i = 0; i < n; i++)
		fprintf(p, "%d %s\n", orders[i].id, orders[i].customer);
	status = pclose(p);
	printf("sort exit: %d\n", WEXITSTATUS(status));
	fflush(stdout);
	errno = posix_spawnp(&pid, "echo", NULL, NULL, argv, environ);
	if (errno)
		die("posix_spawnp");
	if (waitpid(pid, &status, 0) < 0)
		die("waitpid");
	printf("echo exit: %d\n", WEXITSTATUS(status));
	status = system("exit 4");
	printf("system exit: %d\n", WEXITSTATUS(status));
}

static void report_system(void)
{
	char buf[64], in[] = "caf\xc3\xa9", out[16] = {0}, *ip = in, *op = out;
	size_t il = strlen(in), ol = sizeof(out) - 1;
	struct passwd *pw = getpwuid(getuid());
	time_t t = 1700000000;
	unsigned char rnd[16];
	struct sysinfo si;
	double (*cbrt_fn)(double);
	void *libm;
	iconv_t cd;

	printf("user: %s\n", pw ? pw->pw_name : "(unknown)");
	strftime(buf, sizeof(buf), "%Y-%m-%d %H:%M:%S %Z", gmtime(&t));
	printf("utc: %s\n", buf);
	setenv("TZ", "Europe/Paris", 1);
	tzset();
	strftime(buf, sizeof(buf), "%H:%M %Z", localtime(&t));
	printf("paris: %s\n", buf);
	printf("cpus online: %s\n", sysconf(_SC_NPROCESSORS_ONLN) >= 1 ? "yes" : "no");
	printf("sysinfo: %s\n", sysinfo(&si) == 0 && si.totalram > 0 ? "ok" : "failed");
	printf("getrandom: %zd\n", getrandom(rnd, sizeof(rnd), 0));
	cd = iconv_open("ISO-8859-1", "UTF-8");
	if (cd == (iconv_t)-1)
		die("iconv_open");
	if (iconv(cd, &ip, &il, &op, &ol) == (size_t)-1)
		die("iconv");
	iconv_close(cd);
	printf("iconv latin-1 bytes: %zu, last 0x%02x\n", strlen(out),
	       (unsigned char)out[strlen(out) - 1]);
	libm = dlopen("libm.so.6", RTLD_NOW);
	if (!libm) {
		fprintf(stderr, "orders_report: dlopen: %s\n", dlerror());
		exit(1);
	}
	*(void **)&cbrt_fn = dlsym(libm, "cbrt");
	printf("dlopen libm: cbrt(27) = %.1f\n", cbrt_fn(27.0));
	dlclose(libm);
}

int main(void)
{
	struct order orders[MAX_ORDERS];
	struct sum_job jobs[NTHREADS];
	pthread_t threads[NTHREADS];
	long total = 0;
	int n;

	if (!setlocale(LC_ALL, ""))
		fprintf(stderr, "orders_report: the locale is not installed\n");
	n = read_orders("orders.csv", orders);
	report_totals(orders, n);
	for (int i = 0; i < NTHREADS; i++) {
		jobs[i] = (struct sum_job){i * 250000L + 1, (i + 1) * 250000L, 0};
		errno = pthread_create(&threads[i], NULL, sum_range, &jobs[i]);
		if (errno)
			die("pthread_create");
	}
	for (int i = 0; i < NTHREADS; i++) {
		pthread_join(threads[i], NULL);
		total += jobs[i].sum;
	}
	printf("threads: sum 1..1000000 = %ld\n", total);
	report_file(orders, n);
	run_programs(orders, n);
	report_system();
	return 0;
}
