// SPDX-License-Identifier: GPL-2.0-only
/*
 * B6, `bench audit-storm [--seconds S]`: denials from every core (one flooding invocation per CPU,
 * the test probe's flood-open), delivered once to a raw ring-buffer consumer here and once to
 * bpfenced; generated == delivered + drops for each, and bpfenced/raw.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <bpf/libbpf.h>

#include "bench.h"
#include "libbpfence.h"

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

int bench_audit_storm(const struct opts *o, const char *json_path)
{
	static const char *policy = ".output/bench/storm.policy";
	static const char *log = "/var/log/bpfence/bench-storm.jsonl";
	int seconds = o->seconds > 0 ? o->seconds : 10;
	struct storm_result raw = {}, dmn = {};
	struct bpfence_maps m;
	struct json_writer w;
	char why[WHY_MAX];
	double raw_rate, dmn_rate, share;
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
	share = ((double)dmn.delivered / dmn.generated) / ((double)raw.delivered / raw.generated);
	if (!json_begin(&w, json_path, "B6"))
		return 1;
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
	printf("ratio bpfenced/raw: delivered per second %.3f, delivered share %.3f (target >= "
	       "0.8)\n",
	       dmn_rate / raw_rate, share);
	jsonw_uint_field(&w, "seconds", seconds);
	for (int i = 0; i < 2; i++) {
		struct storm_result *r = i ? &dmn : &raw;

		jsonw_name(&w, i ? "bpfenced" : "raw");
		jsonw_start_object(&w);
		jsonw_uint_field(&w, "generated", r->generated);
		jsonw_uint_field(&w, "delivered", r->delivered);
		jsonw_uint_field(&w, "drops", r->drops);
		jsonw_name(&w, "exact");
		jsonw_bool(&w, i ? dmn_exact : raw_exact);
		jsonw_float_field(&w, "seconds", r->seconds);
		jsonw_end_object(&w);
	}
	jsonw_float_field(&w, "ratio_delivered_per_second", dmn_rate / raw_rate);
	jsonw_float_field(&w, "ratio_delivered_share", share);
	if (json_end(&w, json_path))
		return 1;
	return raw_exact && dmn_exact ? 0 : 1;
}
