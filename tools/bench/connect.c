// SPDX-License-Identifier: GPL-2.0-only
/*
 * B8, `bench connect [--rounds R] [--iterations N]`: the tagged connect path, and what egress by
 * name adds to it. A loopback TCP connect loop (socket, connect, close; the listener accepts),
 * round after round alternating:
 *   untagged      no invocation
 *   cidr          inside `bpfence run`, the destination allowed by a CIDR line (no names)
 *   cidr+names    the same, in a policy that also has an allow NAME line: its resolver runs and
 *                 every connect passes the DNS-port check, but the address is the CIDR line's
 *   name          the destination granted through a name: the loop resolves bench.test first
 *                 (bpfence's resolver forwards it to a dnsmasq on 127.0.0.2 that this benchmark
 *                 starts, the host's /etc/resolv.conf pointing there in a mount namespace of the
 *                 benchmark's own), then connects to the answer: the LPM miss and the grant hit
 * Medians per state and the ratios to untagged and to cidr. Without dnsmasq the last state is
 * left out, saying so. `bench connect-loop [--iterations N] [--rounds R] [--resolve NAME] ADDR
 * PORT` is the loop itself.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench.h"

#define DNS_ADDR "127.0.0.2"
#define BENCH_NAME "bench.test"

enum { UNTAGGED, CIDR, CIDR_NAMES, NAME, NSTATES };
static const char *const state_names[NSTATES] = { "untagged", "cidr", "cidr+names", "name" };
/* The policies' names (a policy name has no '+'). */
static const char *const policy_names[NSTATES] = { "", "cidr", "cidr-names", "name" };

/* The loop: rounds of n connects to addr:port; prints each round's ns per connect. */
int cmd_connect_loop(const struct opts *o, const char *json_path)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	int n = o->iterations > 0 ? o->iterations : 2000, rounds = o->rounds > 0 ? o->rounds : 1;

	(void)json_path;
	if (o->resolve) {
		struct addrinfo hints = { .ai_family = AF_INET, .ai_socktype = SOCK_STREAM }, *ai;
		int e = getaddrinfo(o->resolve, NULL, &hints, &ai);

		if (e) {
			fprintf(stderr, "bench: connect-loop: %s: %s\n", o->resolve, gai_strerror(e));
			return 1;
		}
		freeaddrinfo(ai);
	}
	if (o->nargs != 2 || inet_pton(AF_INET, o->args[0], &a.sin_addr) != 1) {
		fprintf(stderr, "bench: connect-loop takes ADDR PORT\n");
		return 2;
	}
	a.sin_port = htons((uint16_t)atoi(o->args[1]));
	for (int r = 0; r < rounds; r++) {
		double t = now();
		int failed = 0;

		for (int i = 0; i < n; i++) {
			int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

			failed += s < 0 || connect(s, (struct sockaddr *)&a, sizeof(a));
			if (s >= 0)
				close(s);
		}
		if (failed) {
			fprintf(stderr, "bench: connect-loop: %d of %d connects failed\n", failed, n);
			return 1;
		}
		printf("%.1f\n", (now() - t) / n * 1e9);
	}
	return 0;
}

/* The policy of a state: what starting the loop takes, families inet, and its lines. */
static int connect_policy(int state, int port, char *path, size_t n)
{
	FILE *f = policy_begin(policy_names[state], path, n);

	if (!f)
		return -1;
	fprintf(f, "read = /etc/nsswitch.conf /etc/hosts /etc/host.conf /etc/gai.conf\n"
		   "[network]\nfamilies = unix inet inet6\n");
	if (state == CIDR || state == CIDR_NAMES)
		fprintf(f, "allow = 127.0.0.1/32 tcp %d\n", port);
	if (state == CIDR_NAMES || state == NAME)
		fprintf(f, "allow = %s tcp %d\n", BENCH_NAME, port);
	return policy_end(f, path);
}

/* dnsmasq on DNS_ADDR answering BENCH_NAME with 127.0.0.1, and this process's /etc/resolv.conf
 * naming it (a mount namespace of our own: the host's stays as it is). Its pid, or -1. */
static pid_t dns_start(char *why, size_t wn)
{
	char prog[PATH_MAX], conf[PATH_MAX];
	FILE *f;
	pid_t pid;

	if (!find_program("dnsmasq", prog, sizeof(prog))) {
		snprintf(why, wn, "dnsmasq is not installed (Debian's dnsmasq-base)");
		return -1;
	}
	stage_path(conf, sizeof(conf), "resolv.conf");
	f = fopen(conf, "we");
	if (!f || fprintf(f, "nameserver %s\n", DNS_ADDR) < 0 || fclose(f)) {
		snprintf(why, wn, "cannot write %s", conf);
		return -1;
	}
	if (unshare(CLONE_NEWNS) || mount(NULL, "/", NULL, MS_REC | MS_SLAVE, NULL) ||
	    mount(conf, "/etc/resolv.conf", NULL, MS_BIND, NULL)) {
		snprintf(why, wn, "cannot point /etc/resolv.conf at dnsmasq: %s", strerror(errno));
		return -1;
	}
	char *argv[] = { prog, "--keep-in-foreground", "--conf-file=/dev/null",
			 "--listen-address=" DNS_ADDR, "--bind-interfaces", "--no-resolv",
			 "--no-hosts", "--host-record=" BENCH_NAME ",127.0.0.1", NULL };
	pid = start(argv, -1, -1);
	if (pid < 0)
		snprintf(why, wn, "cannot start dnsmasq: %s", strerror(errno));
	/* Ready once it answers: the first resolving loop waits for it otherwise. */
	usleep(500000);
	return pid;
}

int bench_connect(const struct opts *o, const char *json_path)
{
	int rounds = o->rounds > 0 ? o->rounds : 7, iters = o->iterations > 0 ? o->iterations : 2000;
	double ns[NSTATES][64];
	char policy[NSTATES][PATH_MAX], why[512] = "", it[16], po[16], no_name[512] = "";
	int lfd, one = 1, port, nstates = NSTATES;
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t al = sizeof(a);
	struct json_writer w;
	pid_t acceptor, dns;

	if (rounds > 64)
		rounds = 64;
	if (stage_make())
		return 1;
	lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(lfd, (struct sockaddr *)&a, sizeof(a)) || listen(lfd, 4096) ||
	    getsockname(lfd, (struct sockaddr *)&a, &al)) {
		perror("bench: listener");
		return 1;
	}
	port = ntohs(a.sin_port);
	for (int s = CIDR; s < NSTATES; s++)
		if (connect_policy(s, port, policy[s], sizeof(policy[s])))
			return 1;
	dns = dns_start(no_name, sizeof(no_name));
	if (dns < 0)
		nstates = NAME;
	acceptor = fork();
	if (acceptor == 0) {
		for (;;) {
			int c = accept(lfd, NULL, NULL);

			if (c >= 0)
				close(c);
		}
	}
	close(lfd);
	snprintf(it, sizeof(it), "%d", iters);
	snprintf(po, sizeof(po), "%d", port);
	for (int r = 0; r < rounds; r++) {
		for (int s = 0; s < nstates; s++) {
			char *argv[16], out[64] = "";
			int n = 0, p[2], st;
			ssize_t len;

			if (s != UNTAGGED) {
				argv[n++] = stage.bpfence;
				argv[n++] = "run";
				argv[n++] = "--policy";
				argv[n++] = policy[s];
				argv[n++] = "--";
			}
			argv[n++] = stage.bench;
			argv[n++] = "connect-loop";
			argv[n++] = "--iterations";
			argv[n++] = it;
			if (s == NAME) {
				argv[n++] = "--resolve";
				argv[n++] = BENCH_NAME;
			}
			argv[n++] = "127.0.0.1";
			argv[n++] = po;
			argv[n] = NULL;
			if (pipe2(p, O_CLOEXEC))
				return 1;
			st = run_logged(argv, p[1], why, sizeof(why));
			close(p[1]);
			len = read(p[0], out, sizeof(out) - 1);
			close(p[0]);
			out[len > 0 ? len : 0] = 0;
			ns[s][r] = strtod(out, NULL);
			if (st || ns[s][r] <= 0) {
				fprintf(stderr, "bench: B8 %s: %s\n", state_names[s],
					why[0] ? why : "no figure");
				kill(acceptor, SIGKILL);
				if (dns > 0)
					kill(dns, SIGTERM);
				return 1;
			}
		}
		fprintf(stderr, "bench: B8 round %d/%d\n", r + 1, rounds);
	}
	kill(acceptor, SIGKILL);
	waitpid(acceptor, NULL, 0);
	if (dns > 0) {
		kill(dns, SIGTERM);
		waitpid(dns, NULL, 0);
	}

	if (!json_begin(&w, json_path, "B8"))
		return 1;
	jsonw_uint_field(&w, "rounds", rounds);
	jsonw_uint_field(&w, "iterations", iters);
	printf("\nB8: tagged loopback connect (median ns per socket+connect+close over %d "
	       "alternating rounds of %d)\n",
	       rounds, iters);
	printf("%-12s %12s %12s %12s\n", "state", "ns", "/untagged", "/cidr");
	jsonw_name(&w, "states");
	jsonw_start_array(&w);
	for (int s = 0; s < nstates; s++) {
		double m = median(ns[s], rounds), u = median(ns[UNTAGGED], rounds);
		double c = median(ns[CIDR], rounds);

		printf("%-12s %12.0f %11.3fx %11.3fx\n", state_names[s], m, m / u, m / c);
		jsonw_start_object(&w);
		jsonw_string_field(&w, "state", state_names[s]);
		jsonw_float_field(&w, "ns", m);
		jsonw_float_field(&w, "ratio_untagged", m / u);
		jsonw_float_field(&w, "ratio_cidr", m / c);
		jsonw_end_object(&w);
	}
	jsonw_end_array(&w);
	if (no_name[0]) {
		printf("(name: not measured: %s)\n", no_name);
		jsonw_string_field(&w, "name_not_measured", no_name);
	}
	printf("(cidr+names / cidr: what names cost a connect that needs none; name / cidr: a "
	       "connect granted through a name)\n");
	return json_end(&w, json_path);
}
