// SPDX-License-Identifier: GPL-2.0-only
/*
 * B1, `bench untagged [--rounds N]`: what bpfence's programs cost the processes it does not
 * restrict. Open+close, loopback connect and unix send loops, round after round alternating no
 * programs, empty programs on the same hooks (the floor, attached here) and bpfence's programs
 * (`bpfence load`); medians and the ratios to no programs.
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <linux/magic.h>
#include <sys/socket.h>
#include <sys/statfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "bench.h"

/* A file on tmpfs where there is one (/dev/shm, /tmp in the VM): in the test VM /etc is the
 * host's root over 9p, where every open is a round trip to QEMU that buries the hooks' cost. */
static char open_target[64] = "/etc/hostname";

static void open_target_make(void)
{
	static const char *const dirs[] = { "/dev/shm", "/tmp" };

	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		struct statfs sf;
		int fd;

		if (statfs(dirs[i], &sf) || sf.f_type != TMPFS_MAGIC)
			continue;
		snprintf(open_target, sizeof(open_target), "%s/bench-b1-%d", dirs[i], (int)getpid());
		fd = open(open_target, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
		if (fd >= 0) {
			close(fd);
			return;
		}
	}
	snprintf(open_target, sizeof(open_target), "/etc/hostname");
}

static double loop_open(int n)
{
	double t = now();

	for (int i = 0; i < n; i++) {
		int fd = open(open_target, O_RDONLY | O_CLOEXEC);

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

/*
 * The floor under B1: what the same LSM hooks cost with a program that does nothing (r0 = 0;
 * exit) on each, in place of bpfence's. Any BPF-LSM that hooks these pays it (the trampoline,
 * RCU and migration bookkeeping around every program); the difference to "attached" is what
 * bpfence's own code adds for an untagged task. The hooks are read from bpfence's object file.
 */
#define FLOOR_MAX 96
static struct {
	int prog[FLOOR_MAX], link[FLOOR_MAX], n, hooks;
} floor_progs;

static void floor_detach(void)
{
	for (int i = 0; i < floor_progs.n; i++) {
		close(floor_progs.link[i]);
		close(floor_progs.prog[i]);
	}
	floor_progs.n = 0;
}

static int floor_attach(void)
{
	static const struct bpf_insn ret0[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 0 },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	struct bpf_object *obj = bpf_object__open_file(".output/bpfence.bpf.o", NULL);
	struct bpf_program *prog;
	char seen[FLOOR_MAX][64];
	int r = 0;

	if (!obj)
		return -errno;
	bpf_object__for_each_program(prog, obj) {
		const char *sec = bpf_program__section_name(prog);
		int id, fd, link, i;

		if (sec[0] == '?')
			sec++;
		if (strncmp(sec, "lsm/", 4))
			continue;
		sec += 4;
		for (i = 0; i < floor_progs.n && strcmp(seen[i], sec); i++)
			;
		if (i < floor_progs.n || floor_progs.n == FLOOR_MAX)
			continue;
		id = libbpf_find_vmlinux_btf_id(sec, BPF_LSM_MAC);
		if (id < 0)
			continue; /* a hook this kernel does not have: bpfence skips it too */
		LIBBPF_OPTS(bpf_prog_load_opts, lo, .expected_attach_type = BPF_LSM_MAC,
			    .attach_btf_id = id);
		fd = bpf_prog_load(BPF_PROG_TYPE_LSM, "floor", "GPL", ret0, 2, &lo);
		if (fd < 0) {
			r = -errno;
			break;
		}
		link = bpf_link_create(fd, 0, BPF_LSM_MAC, NULL);
		if (link < 0) {
			r = -errno;
			close(fd);
			break;
		}
		snprintf(seen[floor_progs.n], sizeof(seen[0]), "%s", sec);
		floor_progs.prog[floor_progs.n] = fd;
		floor_progs.link[floor_progs.n++] = link;
	}
	bpf_object__close(obj);
	floor_progs.hooks = floor_progs.n;
	if (r)
		floor_detach();
	return r;
}

/* Max/min of the rounds of one loop in one state. */
static double spread(const double *v, int rounds)
{
	double lo = v[0], hi = v[0];

	for (int r = 1; r < rounds; r++) {
		lo = v[r] < lo ? v[r] : lo;
		hi = v[r] > hi ? v[r] : hi;
	}
	return hi / lo;
}

int bench_untagged(const struct opts *o, const char *json_path)
{
	enum { OPEN, CONNECT, UNIX, NLOOPS };
	static const char *const names[NLOOPS] = { "open+close", "loopback connect",
						   "unix sendmsg+recv" };
	static const int iters[NLOOPS] = { 20000, 2000, 20000 };
	double off[NLOOPS][64], on[NLOOPS][64], fl[NLOOPS][64];
	int lfd, port, one = 1, rounds = o->rounds > 0 ? o->rounds : 7, e;
	bool have_floor = true;
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t al = sizeof(a);
	struct json_writer w;

	if (rounds > 64)
		rounds = 64;
	open_target_make();
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

	/* Alternate the three states round by round so drift (thermal, emulation) hits all:
	 * no programs, empty programs on the same hooks (the floor), bpfence's programs. */
	for (int r = 0; r < rounds; r++) {
		for (int state = 0; state < 3; state++) {
			char cmd[256];

			snprintf(cmd, sizeof(cmd), "%s %s >/dev/null", bpfence_bin,
				 state == 2 ? "load" : "unload");
			if (sh(cmd)) {
				fprintf(stderr, "bench: '%s' failed\n", cmd);
				kill(acceptor, SIGKILL);
				return 1;
			}
			if (state == 1) {
				if (!have_floor)
					continue;
				e = floor_attach();
				if (e) {
					fprintf(stderr, "bench: no floor (empty LSM programs): %s\n",
						strerror(-e));
					have_floor = false;
					continue;
				}
			}
			double (*m)[64] = state == 0 ? off : state == 1 ? fl : on;

			m[OPEN][r] = loop_open(iters[OPEN]);
			m[CONNECT][r] = loop_connect(iters[CONNECT], port);
			m[UNIX][r] = loop_unix_send(iters[UNIX]);
			if (state == 1)
				floor_detach();
		}
		fprintf(stderr, "bench: B1 round %d/%d\n", r + 1, rounds);
	}
	kill(acceptor, SIGKILL);
	waitpid(acceptor, NULL, 0);

	if (!json_begin(&w, json_path, "B1"))
		return 1;
	jsonw_uint_field(&w, "rounds", rounds);
	jsonw_name(&w, "loops");
	jsonw_start_array(&w);
	printf("\nB1: cost to untagged processes (median ns/op over %d alternating rounds)\n",
	       rounds);
	printf("%-20s %12s %12s %12s %8s %8s\n", "loop", "no programs", "empty progs", "attached",
	       "ratio", "floor");
	for (int l = 0; l < NLOOPS; l++) {
		double a0 = median(off[l], rounds), a1 = median(on[l], rounds);
		double f = have_floor ? median(fl[l], rounds) : NAN;

		printf("%-20s %12.0f %12.0f %12.0f %7.3fx %7.3fx\n", names[l], a0, f, a1, a1 / a0,
		       f / a0);
		jsonw_start_object(&w);
		jsonw_string_field(&w, "loop", names[l]);
		jsonw_uint_field(&w, "iterations", iters[l]);
		jsonw_float_field(&w, "ns_no_programs", a0);
		jsonw_float_field(&w, "ns_attached", a1);
		jsonw_float_field(&w, "ratio", a1 / a0);
		/* Empty programs on the same hooks: the share no BPF-LSM can avoid. */
		jsonw_float_field(&w, "ns_empty_programs", f);
		jsonw_float_field(&w, "floor_ratio", f / a0);
		/* Round-to-round spread with nothing attached: the noise floor. */
		jsonw_float_field(&w, "spread_no_programs", spread(off[l], rounds));
		jsonw_end_object(&w);
	}
	printf("spread between rounds (max/min of each state; above 1.03 the rounds cannot resolve "
	       "3%%):");
	for (int l = 0; l < NLOOPS; l++)
		printf(" %s %.2fx%s", names[l], spread(off[l], rounds),
		       l + 1 < NLOOPS ? "," : "\n");
	if (strcmp(open_target, "/etc/hostname"))
		unlink(open_target);
	printf("(open+close of %s; floor: the same hooks with programs that do nothing, %d of them; ratio - floor is "
	       "what bpfence's code adds for an untagged task)\n", open_target, floor_progs.hooks);
	jsonw_end_array(&w);
	jsonw_string_field(&w, "target", "<= 1.03x");
	return json_end(&w, json_path);
}
