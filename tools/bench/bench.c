// SPDX-License-Identifier: GPL-2.0-only
/*
 * bpfence benchmarks (../BENCHMARKS.md ids). Every figure is a ratio of two things measured side
 * by side in this one run; nothing here is a pass/fail threshold. Needs a kernel that enforces
 * (run it in the VM: make bench).
 *
 *   bench untagged [--rounds N]   B1: cost to untagged processes, programs attached vs not
 *   bench audit-storm [--seconds S]  B6: denials from every core; bpfenced vs a raw consumer
 *
 * Prints a table and writes JSON to --json FILE (default .output/bench/<name>.json).
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <bpf/libbpf.h>

#include "libbpfence.h"

static const char *bpfence_bin = ".output/bpfence";
static const char *bpfenced_bin = ".output/bpfenced";
static const char *probe_bin = ".output/tests/probe";

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int sh(const char *cmd)
{
	int r = system(cmd);

	return WIFEXITED(r) ? WEXITSTATUS(r) : -1;
}

static void describe(FILE *f)
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
	fprintf(f, "\"kernel\": \"%s\", \"cpu\": \"%s\", \"cpus\": %ld, \"virtualised\": %s", u.release,
		model, sysconf(_SC_NPROCESSORS_ONLN), emulated ? "true" : "false");
	printf("kernel %s, cpu %s x%ld%s\n", u.release, model, sysconf(_SC_NPROCESSORS_ONLN),
	       emulated ? " (virtualised/emulated: absolute times mean little; ratios do)" : "");
}

/* ---- B1: untagged cost ------------------------------------------------------------------- */

static double loop_open(int n)
{
	double t = now();

	for (int i = 0; i < n; i++) {
		int fd = open("/etc/hostname", O_RDONLY | O_CLOEXEC);

		if (fd >= 0)
			close(fd);
	}
	return (now() - t) / n * 1e9;
}

static double loop_connect(int n, int port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port),
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	double t = now();

	for (int i = 0; i < n; i++) {
		int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

		if (s < 0)
			continue;
		connect(s, (struct sockaddr *)&a, sizeof(a));
		close(s);
	}
	return (now() - t) / n * 1e9;
}

static double loop_unix_send(int n)
{
	int sv[2];
	char b = 'x';
	double t;

	if (socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, sv))
		return -1;
	t = now();
	for (int i = 0; i < n; i++) {
		send(sv[0], &b, 1, 0);
		recv(sv[1], &b, 1, 0);
	}
	t = (now() - t) / n * 1e9;
	close(sv[0]);
	close(sv[1]);
	return t;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
	qsort(v, n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static int bench_untagged(int rounds, const char *json_path)
{
	enum { OPEN, CONNECT, UNIX, NLOOPS };
	static const char *const names[NLOOPS] = { "open+close", "loopback connect",
						   "unix sendmsg+recv" };
	static const int iters[NLOOPS] = { 20000, 2000, 20000 };
	double off[NLOOPS][64], on[NLOOPS][64];
	int lfd, port, one = 1;
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t al = sizeof(a);
	FILE *f;

	if (rounds > 64)
		rounds = 64;
	/* A listener with a deep backlog, accepting nothing: connects complete in the kernel. */
	lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(lfd, (struct sockaddr *)&a, sizeof(a)) || listen(lfd, 4096) ||
	    getsockname(lfd, (struct sockaddr *)&a, &al)) {
		perror("bench: listener");
		return 1;
	}
	port = ntohs(a.sin_port);
	pid_t acceptor = fork();

	if (acceptor == 0) {
		for (;;) {
			int c = accept(lfd, NULL, NULL);

			if (c >= 0)
				close(c);
		}
	}

	/* Alternate attached/detached rounds so drift (thermal, emulation) hits both sides. */
	for (int r = 0; r < rounds; r++) {
		for (int attached = 0; attached < 2; attached++) {
			char cmd[256];

			snprintf(cmd, sizeof(cmd), "%s %s >/dev/null", bpfence_bin,
				 attached ? "load" : "unload");
			if (sh(cmd)) {
				fprintf(stderr, "bench: '%s' failed\n", cmd);
				kill(acceptor, SIGKILL);
				return 1;
			}
			double (*m)[64] = attached ? on : off;

			m[OPEN][r] = loop_open(iters[OPEN]);
			m[CONNECT][r] = loop_connect(iters[CONNECT], port);
			m[UNIX][r] = loop_unix_send(iters[UNIX]);
		}
		fprintf(stderr, "bench: B1 round %d/%d\n", r + 1, rounds);
	}
	kill(acceptor, SIGKILL);
	waitpid(acceptor, NULL, 0);

	f = fopen(json_path, "w");
	if (!f) {
		perror(json_path);
		return 1;
	}
	fprintf(f, "{\"benchmark\": \"B1\", ");
	describe(f);
	fprintf(f, ", \"rounds\": %d, \"loops\": [", rounds);
	printf("\nB1: cost to untagged processes (median ns/op over %d alternating rounds)\n", rounds);
	printf("%-20s %14s %14s %8s\n", "loop", "no programs", "attached", "ratio");
	for (int l = 0; l < NLOOPS; l++) {
		double a0 = median(off[l], rounds), a1 = median(on[l], rounds);

		printf("%-20s %14.0f %14.0f %7.3fx\n", names[l], a0, a1, a1 / a0);
		fprintf(f, "%s{\"loop\": \"%s\", \"iterations\": %d, \"ns_no_programs\": %.1f, "
			   "\"ns_attached\": %.1f, \"ratio\": %.4f}",
			l ? ", " : "", names[l], iters[l], a0, a1, a1 / a0);
	}
	fprintf(f, "], \"target\": \"<= 1.03x\"}\n");
	fclose(f);
	printf("JSON: %s\n", json_path);
	return 0;
}

/* ---- B6: audit storm --------------------------------------------------------------------- */

static int count_event(void *ctx, void *data, size_t size)
{
	(*(unsigned long long *)ctx)++;
	return 0;
}

static unsigned long long drops_now(void)
{
	struct bpfence_maps m;
	unsigned long long d = 0;

	if (!bpfence_maps_open(&m, NULL, 0)) {
		drops_read(&m, &d);
		bpfence_maps_close(&m);
	}
	return d;
}

/* One invocation per CPU, each flooding denials until the timeout kills it; returns the sum of
 * the invocations' exact kernel counters (their --json results). */
static unsigned long long storm(int seconds, const char *policy)
{
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	unsigned long long generated = 0;
	FILE *outs[64];

	if (ncpu > 64)
		ncpu = 64;
	for (long i = 0; i < ncpu; i++) {
		char cmd[512];

		snprintf(cmd, sizeof(cmd),
			 "%s run --json --timeout %d --policy %s -- %s flood-open /etc/shadow "
			 "100000000000 2>&1 >/dev/null | tail -n 1",
			 bpfence_bin, seconds, policy, probe_bin);
		outs[i] = popen(cmd, "r");
	}
	for (long i = 0; i < ncpu; i++) {
		char line[2048] = "", *p;

		if (!outs[i])
			continue;
		if (!fgets(line, sizeof(line), outs[i]))
			line[0] = 0;
		pclose(outs[i]);
		p = strstr(line, "\"denied\": {\"file\": ");
		if (p)
			generated += strtoull(p + strlen("\"denied\": {\"file\": "), NULL, 10);
		else
			fprintf(stderr, "bench: a storm invocation gave no result: %s", line);
	}
	return generated;
}

struct storm_result {
	unsigned long long generated, delivered, drops;
	double seconds;
};

/* Start the storm in a child; its generated count comes back through the pipe. */
static pid_t storm_start(int seconds, const char *policy, int *rfd)
{
	int p[2];
	pid_t pid;

	if (pipe2(p, O_CLOEXEC))
		return -1;
	pid = fork();
	if (pid == 0) {
		unsigned long long g = storm(seconds, policy);

		if (write(p[1], &g, sizeof(g)) < 0)
			_exit(1);
		_exit(0);
	}
	close(p[1]);
	*rfd = p[0];
	return pid;
}

static unsigned long long storm_finish(pid_t pid, int rfd)
{
	unsigned long long g = 0;

	if (read(rfd, &g, sizeof(g)) != sizeof(g))
		g = 0;
	close(rfd);
	waitpid(pid, NULL, 0);
	return g;
}

static int run_raw(int seconds, const char *policy, const struct bpfence_maps *m,
		   struct storm_result *res)
{
	struct ring_buffer *rb = ring_buffer__new(m->events, count_event, &res->delivered, NULL);
	unsigned long long d0;
	int rfd, status;
	double t0;
	pid_t pid;

	if (!rb)
		return -errno;
	ring_buffer__consume(rb); /* whatever an earlier run left */
	res->delivered = 0;
	d0 = drops_now();
	t0 = now();
	pid = storm_start(seconds, policy, &rfd);
	while (waitpid(pid, &status, WNOHANG) == 0)
		ring_buffer__poll(rb, 100);
	ring_buffer__consume(rb);
	res->seconds = now() - t0;
	res->drops = drops_now() - d0;
	res->generated = 0;
	if (read(rfd, &res->generated, sizeof(res->generated)) != sizeof(res->generated))
		res->generated = 0;
	close(rfd);
	ring_buffer__free(rb);
	return 0;
}

static int run_daemon(int seconds, const char *policy, const char *log, struct storm_result *res)
{
	unsigned long long d0;
	char line[4096];
	int rfd, i;
	double t0;
	pid_t daemon, pid;
	FILE *f;

	unlink(log);
	daemon = fork();
	if (daemon == 0) {
		execl(bpfenced_bin, bpfenced_bin, "--log", log, (char *)NULL);
		_exit(127);
	}
	for (i = 0; i < 200 && access(log, F_OK); i++)
		usleep(50000);
	d0 = drops_now();
	t0 = now();
	pid = storm_start(seconds, policy, &rfd);
	res->generated = storm_finish(pid, rfd);
	/* SIGTERM: bpfenced drains what is queued before it exits. */
	kill(daemon, SIGTERM);
	waitpid(daemon, NULL, 0);
	res->seconds = now() - t0;
	res->drops = drops_now() - d0;
	f = fopen(log, "re");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f))
		res->delivered += strstr(line, "\"event\": \"denial\"") != NULL;
	fclose(f);
	return 0;
}

static int bench_audit_storm(int seconds, const char *json_path)
{
	static const char *policy = ".output/bench/storm.policy";
	static const char *log = "/var/log/bpfence/bench-storm.jsonl";
	struct storm_result raw = {}, dmn = {};
	struct bpfence_maps m;
	char why[WHY_MAX];
	double raw_rate, dmn_rate;
	bool raw_exact, dmn_exact;
	FILE *f;

	f = fopen(policy, "w");
	if (!f) {
		perror(policy);
		return 1;
	}
	/* Exec of the static probe only; every open it makes is denied. */
	fprintf(f, "[policy]\nname = storm\n[files]\nexec = %s/%s\n", getcwd(why, sizeof(why)),
		probe_bin);
	fclose(f);
	if (sh(".output/bpfence load >/dev/null") || bpfence_maps_open(&m, why, sizeof(why))) {
		fprintf(stderr, "bench: cannot load bpfence (needs a kernel that enforces)\n");
		return 1;
	}
	fprintf(stderr, "bench: B6 storm %d s with a raw ring-buffer consumer\n", seconds);
	if (run_raw(seconds, policy, &m, &raw)) {
		fprintf(stderr, "bench: ring buffer: %s\n", strerror(errno));
		return 1;
	}
	bpfence_maps_close(&m);
	fprintf(stderr, "bench: B6 storm %d s with bpfenced\n", seconds);
	if (run_daemon(seconds, policy, log, &dmn)) {
		fprintf(stderr, "bench: bpfenced log: %s\n", strerror(errno));
		return 1;
	}
	unlink(log);

	raw_exact = raw.generated == raw.delivered + raw.drops;
	dmn_exact = dmn.generated == dmn.delivered + dmn.drops;
	raw_rate = raw.delivered / raw.seconds;
	dmn_rate = dmn.delivered / dmn.seconds;
	printf("\nB6: audit storm, %ld invocations (one per CPU) flooding denials for %d s\n",
	       sysconf(_SC_NPROCESSORS_ONLN), seconds);
	printf("%-10s %12s %12s %12s %8s %14s %10s\n", "consumer", "generated", "delivered",
	       "drops", "exact", "delivered/s", "delivered");
	printf("%-10s %12llu %12llu %12llu %8s %14.0f %9.1f%%\n", "raw", raw.generated,
	       raw.delivered, raw.drops, raw_exact ? "yes" : "NO", raw_rate,
	       100.0 * raw.delivered / (raw.generated ? raw.generated : 1));
	printf("%-10s %12llu %12llu %12llu %8s %14.0f %9.1f%%\n", "bpfenced", dmn.generated,
	       dmn.delivered, dmn.drops, dmn_exact ? "yes" : "NO", dmn_rate,
	       100.0 * dmn.delivered / (dmn.generated ? dmn.generated : 1));
	printf("ratio bpfenced/raw: delivered per second %.3f, delivered share %.3f (target >= 0.8)\n",
	       dmn_rate / raw_rate,
	       ((double)dmn.delivered / dmn.generated) / ((double)raw.delivered / raw.generated));

	f = fopen(json_path, "w");
	if (!f) {
		perror(json_path);
		return 1;
	}
	fprintf(f, "{\"benchmark\": \"B6\", ");
	describe(f);
	fprintf(f, ", \"seconds\": %d", seconds);
	for (int i = 0; i < 2; i++) {
		struct storm_result *r = i ? &dmn : &raw;

		fprintf(f, ", \"%s\": {\"generated\": %llu, \"delivered\": %llu, \"drops\": %llu, "
			   "\"exact\": %s, \"seconds\": %.3f}",
			i ? "bpfenced" : "raw", r->generated, r->delivered, r->drops,
			(i ? dmn_exact : raw_exact) ? "true" : "false", r->seconds);
	}
	fprintf(f, ", \"ratio_delivered_per_second\": %.4f, \"ratio_delivered_share\": %.4f}\n",
		dmn_rate / raw_rate,
		((double)dmn.delivered / dmn.generated) / ((double)raw.delivered / raw.generated));
	fclose(f);
	printf("JSON: %s\n", json_path);
	return raw_exact && dmn_exact ? 0 : 1;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = { { "rounds", required_argument, NULL, 'r' },
					      { "seconds", required_argument, NULL, 's' },
					      { "json", required_argument, NULL, 'j' },
					      { "help", no_argument, NULL, 'h' },
					      {} };
	int rounds = 7, seconds = 10, c;
	const char *json = NULL;
	char path[256];

	if (argc < 2 || !strcmp(argv[1], "--help")) {
		printf("Usage: bench untagged [--rounds N] [--json FILE]\n"
		       "       bench audit-storm [--seconds S] [--json FILE]\n"
		       "Run from the repository root on a kernel that enforces (make bench).\n");
		return argc < 2;
	}
	optind = 2;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c == 'r')
			rounds = atoi(optarg);
		else if (c == 's')
			seconds = atoi(optarg);
		else if (c == 'j')
			json = optarg;
		else
			return 2;
	}
	mkdir(".output/bench", 0755);
	bpfence_set_debug(false);
	if (!strcmp(argv[1], "untagged")) {
		snprintf(path, sizeof(path), ".output/bench/b1.json");
		return bench_untagged(rounds > 0 ? rounds : 7, json ? json : path);
	}
	if (!strcmp(argv[1], "audit-storm")) {
		snprintf(path, sizeof(path), ".output/bench/b6.json");
		return bench_audit_storm(seconds > 0 ? seconds : 10, json ? json : path);
	}
	fprintf(stderr, "bench: unknown benchmark '%s'\n", argv[1]);
	return 2;
}
