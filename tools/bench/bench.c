// SPDX-License-Identifier: GPL-2.0-only
/*
 * bpfence benchmarks (../BENCHMARKS.md ids). Every figure is a ratio of two things measured side
 * by side in this one run; nothing here is a pass/fail threshold. Needs a kernel that enforces
 * (run it in the VM: make bench); on any other kernel each benchmark still measures what it can
 * without bpfence (the peers) and exits non-zero saying why bpfence could not run.
 *
 *   bench untagged [--rounds N]
 *	B1: open+close, loopback connect and unix send loops, programs attached vs not.
 *   bench tagged [--rules LIST] [--rounds R] [--iterations N]
 *	B2: allowed open of a file at depth 1/10/30 below a granted directory, with 1/100/10000 file
 *	rules (LIST, default 1,100,10000): untagged, inside `bpfence run`, and under a Landlock
 *	ruleset with the same rules where the kernel has Landlock.
 *   bench spawn [--runs N]
 *	B3: N spawns of /bin/true each way, interleaved (default 50): bare posix_spawn+wait,
 *	`unshare -fp --mount-proc`, bubblewrap, crun and runc on a bundle built here, and
 *	`bpfence run`; p50 and p90 and p50/bare. Also one `bpfence --help` (start-up only).
 *   bench concurrent [--levels LIST] [--rounds R]
 *	B4: K spawns released at once (LIST, default 1,16,64), R rounds (default 5): p50 and p99 per
 *	K for bare, `bpfence run` and crun, and p99(K)/p99(1).
 *   bench teardown [--runs N] [--leak-runs N]
 *	B5: a --timeout 0.2 invocation's timeout firing -> its cgroup removed, N times (default 20);
 *	then cgroups, map entries and files left over after N invocations (default 10000).
 *   bench audit-storm [--seconds S]
 *	B6: denials from every core; bpfenced vs a raw ring-buffer consumer.
 *   bench scale [--scale N] [--rounds R] [--iterations N]
 *	B7: an allowed open inside one invocation with 1, then N (default 10000) other tagged
 *	cgroups, each with its own policy; N/1.
 *   bench open-loop [--rounds R] [--iterations N] [--landlock-rules FILE] PATH...
 *	The loop B2 and B7 time inside an invocation: median ns per open+close of each PATH.
 *
 * Prints a table and writes JSON to --json FILE (default .output/bench/bN.json).
 *
 * Spawning benchmarks run bpfence (and the policies, and this program where it runs inside an
 * invocation) from a private copy on /tmp, as an installed binary would run on a server: in the
 * VM the repository is a 9p share without a page cache, where every exec of a binary in it reads
 * the file again, a cost no peer (all in /usr) pays.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <glob.h>
#include <limits.h>
#include <math.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/landlock.h>
#include <linux/magic.h>
#include <sys/inotify.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "json.h"
#include "libbpfence.h"

#ifndef __NR_landlock_create_ruleset
#define __NR_landlock_create_ruleset 444
#define __NR_landlock_add_rule 445
#define __NR_landlock_restrict_self 446
#endif

static const char *bpfence_bin = ".output/bpfence";
static const char *bpfenced_bin = ".output/bpfenced";
static const char *probe_bin = ".output/tests/probe";

/* Options of every benchmark; -1: the benchmark's own default. */
struct opts {
	int rounds, seconds, runs, leak_runs, iterations, scale;
	const char *levels, *rules, *landlock_rules;
	char **args; /* positional arguments (open-loop's paths) */
	int nargs;
};

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

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
	if (n <= 0)
		return NAN;
	qsort(v, n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* Nearest rank: with few samples p99 is the largest, never an interpolation between two. */
static double percentile(double *v, int n, double p)
{
	int i;

	if (n <= 0)
		return NAN;
	qsort(v, n, sizeof(*v), cmp_double);
	i = (int)ceil(p / 100 * n) - 1;
	return v[i < 0 ? 0 : i >= n ? n - 1 : i];
}

/* A list of positive numbers: "1,16,64". Returns how many, or -1. */
static int parse_list(const char *s, int *out, int max, int limit)
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
static FILE *json_begin(struct json_writer *w, const char *path, const char *id)
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

static int json_end(struct json_writer *w, const char *path)
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
static double ratio(double a, double b)
{
	return isfinite(a) && isfinite(b) && b > 0 ? a / b : NAN;
}

/* "%8.2f" (or "%7.3fx") of v, or as wide a "-" when v was not measured. */
static const char *cell(char *buf, size_t n, const char *fmt, double v)
{
	size_t len = strlen(fmt);

	if (isfinite(v))
		snprintf(buf, n, fmt, v);
	else /* "%7.3fx" is 8 wide */
		snprintf(buf, n, "%*s", atoi(fmt + 1) + (fmt[len - 1] == 'x'), "-");
	return buf;
}

/* ---- processes and the private copy ------------------------------------------------------ */

/* Where the spawning benchmarks run bpfence from (see the top of this file). */
static struct {
	char dir[64];
	char bpfence[PATH_MAX], bench[PATH_MAX];
	bool tmpfs;
} stage;

static void stage_remove(void)
{
	if (stage.dir[0])
		remove_tree_at(AT_FDCWD, stage.dir);
	stage.dir[0] = 0;
}

static int copy_file(const char *src, const char *dst, mode_t mode)
{
	char buf[65536];
	int in, out, e = 0;
	ssize_t r;

	in = open(src, O_RDONLY | O_CLOEXEC);
	if (in < 0)
		return -errno;
	out = open(dst, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	if (out < 0) {
		e = -errno;
		close(in);
		return e;
	}
	while ((r = read(in, buf, sizeof(buf))) > 0)
		if (write(out, buf, r) != r) {
			e = -EIO;
			break;
		}
	if (r < 0)
		e = -errno;
	close(in);
	if (close(out) && !e)
		e = -errno;
	return e;
}

static void stage_path(char *buf, size_t n, const char *name)
{
	snprintf(buf, n, "%s/%s", stage.dir, name);
}

/* Copy bpfence and this program to a fresh private directory on /tmp. */
static int stage_make(void)
{
	struct statfs sf;
	int e;

	snprintf(stage.dir, sizeof(stage.dir), "/tmp/bench-bpfence.XXXXXX");
	if (!mkdtemp(stage.dir)) {
		fprintf(stderr, "bench: cannot make a private directory: %s\n", strerror(errno));
		stage.dir[0] = 0;
		return -1;
	}
	atexit(stage_remove);
	stage_path(stage.bpfence, sizeof(stage.bpfence), "bpfence");
	stage_path(stage.bench, sizeof(stage.bench), "bpfence-bench");
	e = copy_file(bpfence_bin, stage.bpfence, 0755);
	if (!e)
		e = copy_file("/proc/self/exe", stage.bench, 0755);
	if (e) {
		fprintf(stderr, "bench: cannot copy %s and this program to %s: %s\n", bpfence_bin,
			stage.dir, strerror(-e));
		return -1;
	}
	stage.tmpfs = !statfs(stage.dir, &sf) && sf.f_type == TMPFS_MAGIC;
	printf("bench: running bpfence from a private copy in %s (%s), as installed on a server\n",
	       stage.dir, stage.tmpfs ? "tmpfs" : "not tmpfs: start-up costs may differ");
	return 0;
}

/* The grants any invocation needs to start this program from the private copy. */
static FILE *policy_begin(const char *name, char *path, size_t n)
{
	char file[96];
	FILE *f;

	snprintf(file, sizeof(file), "%s.policy", name);
	stage_path(path, n, file);
	f = fopen(path, "we");
	if (!f) {
		fprintf(stderr, "bench: cannot write %s: %s\n", path, strerror(errno));
		return NULL;
	}
	fprintf(f, "[policy]\nname = bench-%s\n[files]\n"
		   "read = /usr /lib /lib64 /etc/ld.so.cache\n"
		   "exec = %s /lib64/ld-linux-x86-64.so.2 /lib/ld-linux-aarch64.so.1\n"
		   "map = /usr/lib /lib /lib64\n",
		name, stage.bench);
	return f;
}

static int policy_end(FILE *f, const char *path)
{
	if (fclose(f)) {
		fprintf(stderr, "bench: cannot write %s: %s\n", path, strerror(errno));
		return -1;
	}
	return 0;
}

/*
 * policies/function.policy as shipped, plus exec of the programs the spawn benchmarks start: it
 * grants only python3, sh and uname, and /bin/true under it would be the denied exec (126) of a
 * function, not a spawn.
 */
static int function_policy(char *path, size_t n)
{
	char text[65536];
	ssize_t len;
	FILE *f;
	int fd;

	fd = open("policies/function.policy", O_RDONLY | O_CLOEXEC);
	len = fd < 0 ? -1 : read(fd, text, sizeof(text));
	if (fd >= 0)
		close(fd);
	if (len < 0 || len == sizeof(text)) {
		fprintf(stderr, "bench: cannot read policies/function.policy: %s\n",
			len < 0 ? strerror(errno) : "too long");
		return -1;
	}
	stage_path(path, n, "function.policy");
	f = fopen(path, "we");
	if (!f) {
		fprintf(stderr, "bench: cannot write %s: %s\n", path, strerror(errno));
		return -1;
	}
	fwrite(text, 1, len, f);
	fprintf(f, "\n[files]\n# bench: the commands the spawn and teardown benchmarks run\n"
		   "exec = /bin/true /bin/sleep /bin/cat\n");
	return policy_end(f, path);
}

/* A program's full path from $PATH and the sbin directories (runc is in /usr/sbin). */
static bool find_program(const char *name, char *out, size_t n)
{
	const char *env = getenv("PATH");
	char dirs[4096], *save, *d;

	snprintf(dirs, sizeof(dirs),
		 "%s:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", env ? env : "");
	for (d = strtok_r(dirs, ":", &save); d; d = strtok_r(NULL, ":", &save)) {
		snprintf(out, n, "%s/%s", d, name);
		if (d[0] == '/' && !access(out, X_OK))
			return true;
	}
	return false;
}

/* Start argv[0] (a full path): stdin on /dev/null, stdout on outfd and stderr on errfd (-1:
 * /dev/null). Every other descriptor of ours is close-on-exec. */
static pid_t start(char *const argv[], int outfd, int errfd)
{
	posix_spawn_file_actions_t fa;
	pid_t pid;
	int e;

	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	if (outfd >= 0)
		posix_spawn_file_actions_adddup2(&fa, outfd, 1);
	else
		posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	if (errfd >= 0)
		posix_spawn_file_actions_adddup2(&fa, errfd, 2);
	else
		posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
	e = posix_spawn(&pid, argv[0], &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	if (e) {
		errno = e;
		return -1;
	}
	return pid;
}

/* Its exit status, 128 + the signal that killed it, or -1. */
static int finish(pid_t pid)
{
	int st;

	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/* From the spawn to the reaping: what a caller of a sandbox waits for. */
static int spawn_timed(char *const argv[], int errfd, double *ms)
{
	double t = now();
	pid_t pid = start(argv, -1, errfd);
	int st;

	if (pid < 0)
		return -1;
	st = finish(pid);
	*ms = (now() - t) * 1e3;
	return st;
}

/* The first line of a file (a failed command's stderr), for the reason shown. */
static void first_line(const char *path, char *buf, size_t n)
{
	FILE *f = fopen(path, "re");

	buf[0] = 0;
	if (f && fgets(buf, n, f))
		buf[strcspn(buf, "\n")] = 0;
	if (f)
		fclose(f);
	if (!buf[0])
		snprintf(buf, n, "no message");
}

/* Run argv with stderr to the private directory; on failure why is its exit and first line. */
static int run_logged(char *const argv[], int outfd, char *why, size_t n)
{
	char log[PATH_MAX], line[256];
	int errfd, st;
	pid_t pid;

	stage_path(log, sizeof(log), "stderr");
	errfd = open(log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	pid = start(argv, outfd, errfd);
	if (errfd >= 0)
		close(errfd);
	if (pid < 0) {
		snprintf(why, n, "cannot start %s: %s", argv[0], strerror(errno));
		return -1;
	}
	st = finish(pid);
	if (st) {
		first_line(log, line, sizeof(line));
		snprintf(why, n, "exit %d: %s", st, line);
	}
	return st;
}

/* ---- B1: untagged cost ------------------------------------------------------------------- */

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

static int bench_untagged(const struct opts *o, const char *json_path)
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
		{
			double lo = off[l][0], hi = off[l][0];

			for (int r = 1; r < rounds; r++) {
				lo = off[l][r] < lo ? off[l][r] : lo;
				hi = off[l][r] > hi ? off[l][r] : hi;
			}
			/* Round-to-round spread with nothing attached: the noise floor. */
			jsonw_float_field(&w, "spread_no_programs", hi / lo);
		}
		jsonw_end_object(&w);
	}
	printf("spread between rounds (max/min of each state; above 1.03 the rounds cannot resolve "
	       "3%%):");
	for (int l = 0; l < NLOOPS; l++) {
		double lo = off[l][0], hi = off[l][0];

		for (int r = 1; r < rounds; r++) {
			lo = off[l][r] < lo ? off[l][r] : lo;
			hi = off[l][r] > hi ? off[l][r] : hi;
		}
		printf(" %s %.2fx%s", names[l], hi / lo, l + 1 < NLOOPS ? "," : "\n");
	}
	if (strcmp(open_target, "/etc/hostname"))
		unlink(open_target);
	printf("(open+close of %s; floor: the same hooks with programs that do nothing, %d of them; ratio - floor is "
	       "what bpfence's code adds for an untagged task)\n", open_target, floor_progs.hooks);
	jsonw_end_array(&w);
	jsonw_string_field(&w, "target", "<= 1.03x");
	return json_end(&w, json_path);
}

/* ---- the open loop (B2, B7) and Landlock ------------------------------------------------- */

static long landlock_abi(void)
{
	return syscall(__NR_landlock_create_ruleset, NULL, 0, LANDLOCK_CREATE_RULESET_VERSION);
}

/* One path-beneath rule: a directory grants reading files and listing below it, a file reading
 * it (Landlock refuses directory rights on a file). */
static int landlock_rule(int rfd, const char *path)
{
	struct landlock_path_beneath_attr pb = {};
	struct stat st;
	int fd, e = 0;

	fd = open(path, O_PATH | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st))
		e = -errno;
	if (!e) {
		pb.parent_fd = fd;
		pb.allowed_access = LANDLOCK_ACCESS_FS_READ_FILE;
		if (S_ISDIR(st.st_mode))
			pb.allowed_access |= LANDLOCK_ACCESS_FS_READ_DIR;
		if (syscall(__NR_landlock_add_rule, rfd, LANDLOCK_RULE_PATH_BENEATH, &pb, 0))
			e = -errno;
	}
	if (fd >= 0)
		close(fd);
	return e;
}

/* Restrict this process to reading what the rules file (one path a line) names: Landlock's
 * counterpart of a policy's read grants. */
static int landlock_restrict(const char *rules)
{
	struct landlock_ruleset_attr ra = {
		.handled_access_fs = LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_READ_DIR,
	};
	char line[PATH_MAX];
	int rfd, e = 0, n = 0;
	FILE *f;

	rfd = syscall(__NR_landlock_create_ruleset, &ra, sizeof(ra), 0);
	if (rfd < 0) {
		fprintf(stderr, "bench: landlock_create_ruleset: %s\n", strerror(errno));
		return -1;
	}
	f = fopen(rules, "re");
	while (f && !e && fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = 0;
		e = landlock_rule(rfd, line);
		n++;
	}
	if (!f || e) {
		fprintf(stderr, "bench: landlock rule %d of %s: %s\n", n, rules,
			strerror(f ? -e : errno));
		return -1;
	}
	fclose(f);
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) ||
	    syscall(__NR_landlock_restrict_self, rfd, 0)) {
		fprintf(stderr, "bench: landlock_restrict_self: %s\n", strerror(errno));
		return -1;
	}
	close(rfd);
	return 0;
}

/* ns per open+close of path; -errno when the first open fails (a denial is not a measurement). */
static double loop_open_path(const char *path, int n)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	double t;

	if (fd < 0)
		return -errno;
	close(fd);
	t = now();
	for (int i = 0; i < n; i++) {
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd >= 0)
			close(fd);
	}
	return (now() - t) / n * 1e9;
}

/* open-loop: one median a line, in the order of the paths. Rounds go over all paths in turn, so
 * drift spreads over every path alike. */
static int cmd_open_loop(const struct opts *o, const char *json_path)
{
	int rounds = o->rounds > 0 ? o->rounds : 5,
	    iters = o->iterations > 0 ? o->iterations : 10000;
	double (*v)[64];

	if (!o->nargs) {
		fprintf(stderr, "bench: open-loop needs at least one PATH\n");
		return 2;
	}
	if (rounds > 64)
		rounds = 64;
	if (o->landlock_rules && landlock_restrict(o->landlock_rules))
		return 1;
	v = calloc(o->nargs, sizeof(*v));
	if (!v)
		return 1;
	for (int r = 0; r < rounds; r++)
		for (int p = 0; p < o->nargs; p++) {
			v[p][r] = loop_open_path(o->args[p], iters);
			if (v[p][r] < 0) {
				fprintf(stderr, "bench: open %s: %s\n", o->args[p],
					strerror(-(int)v[p][r]));
				return 1;
			}
		}
	for (int p = 0; p < o->nargs; p++)
		printf("%.1f\n", median(v[p], rounds));
	free(v);
	return 0;
}

/*
 * Time open-loop over paths in a fresh process: untagged (policy and rules NULL), inside `bpfence
 * run --policy policy`, or under Landlock with the rules file. The same staged binary each way,
 * so the three differ only in what restricts them. Returns 0, or the exit status with why set.
 */
static int loop_run(const char *policy, const char *rules, int iters, int rounds,
		    char *const paths[], int npaths, double *ns, char *why, size_t wn)
{
	char it[16], ro[16], out[4096];
	char *argv[64 + 16];
	int n = 0, p[2], st, got = 0;
	ssize_t len = 0, r;

	if (policy) {
		argv[n++] = stage.bpfence;
		argv[n++] = "run";
		argv[n++] = "--policy";
		argv[n++] = (char *)policy;
		argv[n++] = "--";
	}
	argv[n++] = stage.bench;
	argv[n++] = "open-loop";
	snprintf(it, sizeof(it), "%d", iters);
	snprintf(ro, sizeof(ro), "%d", rounds);
	argv[n++] = "--iterations";
	argv[n++] = it;
	argv[n++] = "--rounds";
	argv[n++] = ro;
	if (rules) {
		argv[n++] = "--landlock-rules";
		argv[n++] = (char *)rules;
	}
	for (int i = 0; i < npaths && i < 64; i++)
		argv[n++] = paths[i];
	argv[n] = NULL;
	if (pipe2(p, O_CLOEXEC))
		return -1;
	/* The loop's output is a few lines: the pipe holds it until run_logged has reaped it. */
	st = run_logged(argv, p[1], why, wn);
	close(p[1]);
	while (len < (ssize_t)sizeof(out) - 1 &&
	       (r = read(p[0], out + len, sizeof(out) - 1 - len)) > 0)
		len += r;
	close(p[0]);
	out[len > 0 ? len : 0] = 0;
	for (char *s = out, *e; !st && got < npaths; s = e) {
		ns[got] = strtod(s, &e);
		if (e == s)
			break;
		got++;
	}
	if (!st && got != npaths) {
		snprintf(why, wn, "open-loop printed %d of %d results", got, npaths);
		return -1;
	}
	return st;
}

/* ---- B3, B4: ways to spawn /bin/true ----------------------------------------------------- */

#define WAY_ARGS 24

struct way {
	const char *id;    /* JSON key */
	const char *label; /* table row */
	char prog[PATH_MAX];
	char *argv[WAY_ARGS];
	int cid_arg;       /* argv index of a container id, unique per spawn; 0: none */
	char cid[64];
	bool ok;           /* installed, and its first spawn succeeded */
	char note[256];    /* why not: "not installed", "failed: ..." */
	double *ms;
	int n, failed;
};

enum { WAY_BARE, WAY_UNSHARE, WAY_BWRAP, WAY_CRUN, WAY_RUNC, WAY_BPFENCE, WAY_HELP, NWAYS };

static void way_args(struct way *w, ...)
{
	va_list ap;
	int n = 0;
	char *a;

	va_start(ap, w);
	while ((a = va_arg(ap, char *)) && n < WAY_ARGS - 1)
		w->argv[n++] = a;
	va_end(ap);
	w->argv[n] = NULL;
}

/* Container ids must be unique among live containers: concurrent spawns come from different
 * processes, so the pid is part of it. */
static void way_cid(struct way *w)
{
	static unsigned int seq;

	if (!w->cid_arg)
		return;
	snprintf(w->cid, sizeof(w->cid), "bench-%d-%u", getpid(), seq++);
	w->argv[w->cid_arg] = w->cid;
}

static void way_argv_str(const struct way *w, char *buf, size_t n)
{
	size_t len = 0;

	buf[0] = 0;
	for (int i = 0; w->argv[i] && len < n; i++)
		len += snprintf(buf + len, n - len, "%s%s", i ? " " : "",
				i && i == w->cid_arg ? "ID" : w->argv[i]);
}

static bool way_program(struct way *w, const char *name)
{
	if (find_program(name, w->prog, sizeof(w->prog)))
		return true;
	snprintf(w->note, sizeof(w->note), "not installed (no %s)", name);
	return false;
}

/*
 * The OCI bundle crun and runc both run: a root file system built here, not pulled from a
 * registry. /usr (and /bin, /lib... where they are real directories, not merged-/usr symlinks,
 * which are copied as symlinks) is bound read-only from the host, so the container runs the very
 * /bin/true the other ways run. Namespaces as `unshare -fp --mount-proc` plus ipc and uts, no
 * network namespace (setting up its loopback is a cost bpfence does not pay either) and no user
 * namespace: the bench runs as root, as the runner starting bpfence does.
 */
static int bundle_make(const char *dir)
{
	static const char *const tops[] = { "usr", "bin", "sbin", "lib", "lib64" };
	static const char *const ns[] = { "pid", "ipc", "uts", "mount" };
	char path[PATH_MAX], host[64], target[PATH_MAX];
	const char *binds[5];
	int nb = 0;
	struct json_writer w;
	struct stat st;
	FILE *f;

	snprintf(path, sizeof(path), "%s/rootfs", dir);
	if (mkdir(dir, 0755) || mkdir(path, 0755))
		return -errno;
	for (size_t i = 0; i < sizeof(tops) / sizeof(tops[0]); i++) {
		ssize_t l;

		snprintf(host, sizeof(host), "/%s", tops[i]);
		snprintf(path, sizeof(path), "%s/rootfs/%s", dir, tops[i]);
		if (lstat(host, &st))
			continue;
		if (S_ISLNK(st.st_mode)) {
			l = readlink(host, target, sizeof(target) - 1);
			if (l < 0)
				return -errno;
			target[l] = 0;
			if (symlink(target, path))
				return -errno;
		} else if (S_ISDIR(st.st_mode)) {
			if (mkdir(path, 0755))
				return -errno;
			binds[nb++] = tops[i];
		}
	}
	for (size_t i = 0; i < 2; i++) {
		snprintf(path, sizeof(path), "%s/rootfs/%s", dir, i ? "dev" : "proc");
		if (mkdir(path, 0755))
			return -errno;
	}
	snprintf(path, sizeof(path), "%s/config.json", dir);
	f = fopen(path, "we");
	if (!f)
		return -errno;
	jsonw_init(&w, f);
	jsonw_pretty(&w, true);
	jsonw_start_object(&w);
	jsonw_string_field(&w, "ociVersion", "1.0.2");
	jsonw_name(&w, "process");
	jsonw_start_object(&w);
	jsonw_name(&w, "terminal");
	jsonw_bool(&w, false);
	jsonw_name(&w, "user");
	jsonw_start_object(&w);
	jsonw_uint_field(&w, "uid", 0);
	jsonw_uint_field(&w, "gid", 0);
	jsonw_end_object(&w);
	jsonw_name(&w, "args");
	jsonw_start_array(&w);
	jsonw_string(&w, "/bin/true");
	jsonw_end_array(&w);
	jsonw_name(&w, "env");
	jsonw_start_array(&w);
	jsonw_string(&w, "PATH=/usr/bin:/bin");
	jsonw_end_array(&w);
	jsonw_string_field(&w, "cwd", "/");
	jsonw_name(&w, "noNewPrivileges");
	jsonw_bool(&w, true);
	jsonw_end_object(&w);
	jsonw_name(&w, "root");
	jsonw_start_object(&w);
	jsonw_string_field(&w, "path", "rootfs");
	jsonw_name(&w, "readonly");
	jsonw_bool(&w, true);
	jsonw_end_object(&w);
	jsonw_string_field(&w, "hostname", "bench");
	jsonw_name(&w, "mounts");
	jsonw_start_array(&w);
	jsonw_start_object(&w);
	jsonw_string_field(&w, "destination", "/proc");
	jsonw_string_field(&w, "type", "proc");
	jsonw_string_field(&w, "source", "proc");
	jsonw_end_object(&w);
	jsonw_start_object(&w);
	jsonw_string_field(&w, "destination", "/dev");
	jsonw_string_field(&w, "type", "tmpfs");
	jsonw_string_field(&w, "source", "tmpfs");
	jsonw_name(&w, "options");
	jsonw_start_array(&w);
	jsonw_string(&w, "nosuid");
	jsonw_string(&w, "mode=755");
	jsonw_string(&w, "size=65536k");
	jsonw_end_array(&w);
	jsonw_end_object(&w);
	for (int i = 0; i < nb; i++) {
		snprintf(host, sizeof(host), "/%s", binds[i]);
		jsonw_start_object(&w);
		jsonw_string_field(&w, "destination", host);
		jsonw_string_field(&w, "type", "bind");
		jsonw_string_field(&w, "source", host);
		jsonw_name(&w, "options");
		jsonw_start_array(&w);
		jsonw_string(&w, "rbind");
		jsonw_string(&w, "ro");
		jsonw_end_array(&w);
		jsonw_end_object(&w);
	}
	jsonw_end_array(&w);
	jsonw_name(&w, "linux");
	jsonw_start_object(&w);
	jsonw_name(&w, "namespaces");
	jsonw_start_array(&w);
	for (size_t i = 0; i < sizeof(ns) / sizeof(ns[0]); i++) {
		jsonw_start_object(&w);
		jsonw_string_field(&w, "type", ns[i]);
		jsonw_end_object(&w);
	}
	jsonw_end_array(&w);
	jsonw_end_object(&w);
	jsonw_end_object(&w);
	return fclose(f) ? -errno : 0;
}

/* The ways of B3 (B4 uses bare, bpfence and crun); a missing peer is noted, never fatal. */
static void ways_init(struct way *ways, const char *policy, const char *bundle)
{
	struct way *w;

	memset(ways, 0, NWAYS * sizeof(*ways));
	w = &ways[WAY_BARE];
	*w = (struct way){ .id = "bare", .label = "bare posix_spawn+wait" };
	way_args(w, "/bin/true", NULL);
	w->ok = true;
	w = &ways[WAY_UNSHARE];
	*w = (struct way){ .id = "unshare", .label = "unshare -fp --mount-proc" };
	if ((w->ok = way_program(w, "unshare")))
		way_args(w, w->prog, "-fp", "--mount-proc", "/bin/true", NULL);
	w = &ways[WAY_BWRAP];
	*w = (struct way){ .id = "bwrap", .label = "bwrap --unshare-all" };
	if ((w->ok = way_program(w, "bwrap")))
		way_args(w, w->prog, "--unshare-all", "--ro-bind", "/", "/", "--dev", "/dev",
			 "--proc", "/proc", "/bin/true", NULL);
	w = &ways[WAY_CRUN];
	*w = (struct way){ .id = "crun", .label = "crun run", .cid_arg = 4 };
	if ((w->ok = way_program(w, "crun") && bundle))
		way_args(w, w->prog, "run", "--bundle", bundle, "ID", NULL);
	w = &ways[WAY_RUNC];
	*w = (struct way){ .id = "runc", .label = "runc run", .cid_arg = 4 };
	if ((w->ok = way_program(w, "runc") && bundle))
		way_args(w, w->prog, "run", "--bundle", bundle, "ID", NULL);
	for (int i = WAY_CRUN; i <= WAY_RUNC; i++)
		if (!bundle && !ways[i].note[0])
			snprintf(ways[i].note, sizeof(ways[i].note), "no bundle");
	w = &ways[WAY_BPFENCE];
	*w = (struct way){ .id = "bpfence", .label = "bpfence run" };
	way_args(w, stage.bpfence, "run", "--policy", policy, "--", "/bin/true", NULL);
	w->ok = true;
	w = &ways[WAY_HELP];
	*w = (struct way){ .id = "bpfence_help", .label = "bpfence --help (start-up)" };
	way_args(w, stage.bpfence, "--help", NULL);
	w->ok = true;
}

/* The first spawn of each way, untimed: shows that it works here (and warms caches). */
static void way_check(struct way *w, int samples)
{
	char why[200];

	if (!w->ok)
		return;
	way_cid(w);
	if (run_logged(w->argv, -1, why, sizeof(why))) {
		w->ok = false;
		snprintf(w->note, sizeof(w->note), "failed: %s", why);
		return;
	}
	w->ms = calloc(samples, sizeof(*w->ms));
	w->ok = w->ms != NULL;
}

static void way_once(struct way *w)
{
	double ms;

	way_cid(w);
	if (spawn_timed(w->argv, -1, &ms))
		w->failed++;
	else
		w->ms[w->n++] = ms;
}

/* bpfence itself failing makes the benchmark fail; a peer failing is only reported. */
static int ways_status(const struct way *ways, const int *which, int n)
{
	int status = 0;

	for (int i = 0; i < n; i++) {
		const struct way *w = &ways[which[i]];

		if (w->ok || (which[i] != WAY_BPFENCE && which[i] != WAY_BARE))
			continue;
		fprintf(stderr, "bench: %s cannot run here: %s\n", w->label, w->note);
		status = 1;
	}
	return status;
}

static void json_notes(struct json_writer *w, const struct way *ways, const int *which, int n)
{
	jsonw_name(w, "notes");
	jsonw_start_object(w);
	for (int i = 0; i < n; i++)
		if (ways[which[i]].note[0])
			jsonw_string_field(w, ways[which[i]].id, ways[which[i]].note);
	jsonw_end_object(w);
}

/* The private copy, its policy and the bundle: what B3 and B4 spawn from. */
static int spawn_setup(char *policy, size_t pn, char *bundle, size_t bn, bool *have_bundle)
{
	int e;

	if (stage_make() || function_policy(policy, pn))
		return -1;
	stage_path(bundle, bn, "bundle");
	e = bundle_make(bundle);
	*have_bundle = !e;
	if (e)
		fprintf(stderr, "bench: cannot build the OCI bundle %s: %s\n", bundle,
			strerror(-e));
	else
		printf("bench: crun and runc run the bundle %s (rootfs: host /usr bound "
		       "read-only)\n",
		       bundle);
	return 0;
}

/*
 * What one update of a map-in-map slot costs: the kernel waits for an RCU grace period before
 * the syscall returns (maybe_wait_bpf_programs()). A rule store with one inner map per rule set
 * would pay one per rule map at install and again at teardown; loader/install.c explains why
 * bpfence keys flat maps by rule set instead. Median of n updates, in ms.
 */
static double grace_ms(int n)
{
	int inner = bpf_map_create(BPF_MAP_TYPE_ARRAY, "bench_grace", 4, 4, 1, NULL), outer;
	double v[64], t;
	__u32 zero = 0;

	if (inner < 0)
		return NAN;
	LIBBPF_OPTS(bpf_map_create_opts, mo, .inner_map_fd = inner);
	outer = bpf_map_create(BPF_MAP_TYPE_ARRAY_OF_MAPS, "bench_grace", 4, 4, 1, &mo);
	if (outer < 0) {
		close(inner);
		return NAN;
	}
	if (n > 64)
		n = 64;
	for (int i = 0; i < n; i++) {
		t = now();
		if (bpf_map_update_elem(outer, &zero, &inner, BPF_ANY)) {
			n = i;
			break;
		}
		v[i] = (now() - t) * 1e3;
	}
	close(outer);
	close(inner);
	return n ? median(v, n) : NAN;
}

static int bench_spawn(const struct opts *o, const char *json_path)
{
	static const int all[] = { WAY_BARE, WAY_UNSHARE, WAY_BWRAP, WAY_CRUN, WAY_RUNC,
				   WAY_BPFENCE, WAY_HELP };
	int runs = o->runs > 0 ? o->runs : 50, status;
	char policy[PATH_MAX], bundle[PATH_MAX], buf[3][32], argv[1024];
	struct way ways[NWAYS];
	struct json_writer w;
	bool have_bundle;
	double bare;

	if (spawn_setup(policy, sizeof(policy), bundle, sizeof(bundle), &have_bundle))
		return 1;
	ways_init(ways, policy, have_bundle ? bundle : NULL);
	for (int i = 0; i < NWAYS; i++)
		way_check(&ways[i], runs);
	/* Interleaved, one spawn of each way in turn: drift (emulation, other tenants) hits all. */
	for (int r = 0; r < runs; r++) {
		for (int i = 0; i < NWAYS; i++)
			if (ways[i].ok)
				way_once(&ways[i]);
		if ((r + 1) % 10 == 0)
			fprintf(stderr, "bench: B3 run %d/%d\n", r + 1, runs);
	}

	if (!json_begin(&w, json_path, "B3"))
		return 1;
	jsonw_uint_field(&w, "runs", runs);
	jsonw_string_field(&w, "private_dir", stage.dir);
	jsonw_name(&w, "private_dir_tmpfs");
	jsonw_bool(&w, stage.tmpfs);
	printf("\nB3: spawn of /bin/true, %d runs each way, interleaved (ms from spawn to "
	       "reaped)\n",
	       runs);
	printf("%-28s %10s %10s %10s\n", "way", "p50 ms", "p90 ms", "p50/bare");
	bare = ways[WAY_BARE].ok ? percentile(ways[WAY_BARE].ms, ways[WAY_BARE].n, 50) : NAN;
	jsonw_name(&w, "ways");
	jsonw_start_object(&w);
	for (int i = 0; i < NWAYS; i++) {
		struct way *x = &ways[i];
		double p50 = x->ok ? percentile(x->ms, x->n, 50) : NAN;
		double p90 = x->ok ? percentile(x->ms, x->n, 90) : NAN;

		jsonw_name(&w, x->id);
		if (!x->ok) {
			printf("%-28s %s\n", x->label, x->note);
			jsonw_null(&w);
			continue;
		}
		printf("%-28s %s %s %s%s\n", x->label, cell(buf[0], 32, "%10.2f", p50),
		       cell(buf[1], 32, "%10.2f", p90),
		       cell(buf[2], 32, "%9.2fx", ratio(p50, bare)),
		       x->failed ? " (some runs failed)" : "");
		way_argv_str(x, argv, sizeof(argv));
		jsonw_start_object(&w);
		jsonw_string_field(&w, "argv", argv);
		jsonw_float_field(&w, "p50_ms", p50);
		jsonw_float_field(&w, "p90_ms", p90);
		jsonw_float_field(&w, "ratio_p50_to_bare", ratio(p50, bare));
		jsonw_uint_field(&w, "failed_runs", x->failed);
		jsonw_end_object(&w);
	}
	jsonw_end_object(&w);
	json_notes(&w, ways, all, NWAYS);
	{
		double g = grace_ms(20);

		printf("one map-in-map slot update (waits for an RCU grace period): %s ms median\n",
		       cell(buf[0], 32, "%.2f", g));
		jsonw_float_field(&w, "map_in_map_update_ms", g);
	}
	jsonw_string_field(&w, "target", "bpfence p50 <= 2x bare; below bwrap and crun");
	status = ways_status(ways, all, NWAYS);
	return json_end(&w, json_path) || status;
}

/* ---- B4: concurrent spawns ---------------------------------------------------------------- */

struct sample {
	double ms;
	int status;
};

/*
 * k children, each spawning w once, released together: each blocks reading a pipe whose write
 * end the parent closes once all are forked. Each times its own spawn; the samples come back
 * through a second pipe (one write of a few bytes each: atomic). Returns the number of samples.
 */
static int batch(struct way *w, int k, double *ms, int *failed)
{
	int go[2], res[2], got = 0;
	struct sample s;

	if (pipe2(go, O_CLOEXEC))
		return 0;
	if (pipe2(res, O_CLOEXEC)) {
		close(go[0]);
		close(go[1]);
		return 0;
	}
	for (int i = 0; i < k; i++) {
		pid_t pid = fork();
		char c;

		if (pid == 0) {
			close(go[1]);
			close(res[0]);
			if (read(go[0], &c, 1) < 0)
				_exit(1);
			way_cid(w);
			s.status = spawn_timed(w->argv, -1, &s.ms);
			_exit(write(res[1], &s, sizeof(s)) == sizeof(s) ? 0 : 1);
		}
		if (pid < 0)
			(*failed)++;
	}
	close(go[0]);
	close(res[1]);
	close(go[1]);
	while (read(res[0], &s, sizeof(s)) == sizeof(s)) {
		if (s.status)
			(*failed)++;
		else
			ms[got++] = s.ms;
	}
	close(res[0]);
	while (waitpid(-1, NULL, 0) > 0 || errno == EINTR)
		;
	return got;
}

static int bench_concurrent(const struct opts *o, const char *json_path)
{
	static const int which[] = { WAY_BARE, WAY_BPFENCE, WAY_CRUN };
	enum { NW = sizeof(which) / sizeof(which[0]) };
	int rounds = o->rounds > 0 ? o->rounds : 5, levels[8], nl, status;
	char policy[PATH_MAX], bundle[PATH_MAX], buf[4][32];
	double *ms[NW][8], p99_1[NW];
	int n[NW][8] = {}, failed[NW][8] = {};
	struct way ways[NWAYS];
	struct json_writer w;
	bool have_bundle;

	nl = parse_list(o->levels ? o->levels : "1,16,64", levels, 8, 1024);
	if (nl < 0) {
		fprintf(stderr, "bench: bad --levels '%s' (e.g. 1,16,64; each 1-1024)\n",
			o->levels);
		return 2;
	}
	if (spawn_setup(policy, sizeof(policy), bundle, sizeof(bundle), &have_bundle))
		return 1;
	ways_init(ways, policy, have_bundle ? bundle : NULL);
	for (int i = 0; i < NW; i++) {
		way_check(&ways[which[i]], 1);
		for (int l = 0; l < nl; l++)
			ms[i][l] = calloc((size_t)levels[l] * rounds, sizeof(double));
	}
	/* Rounds outermost, ways and levels inside: drift spreads over every cell alike. */
	for (int r = 0; r < rounds; r++) {
		for (int l = 0; l < nl; l++)
			for (int i = 0; i < NW; i++)
				if (ways[which[i]].ok && ms[i][l])
					n[i][l] += batch(&ways[which[i]], levels[l],
							 ms[i][l] + n[i][l], &failed[i][l]);
		fprintf(stderr, "bench: B4 round %d/%d\n", r + 1, rounds);
	}

	if (!json_begin(&w, json_path, "B4"))
		return 1;
	jsonw_uint_field(&w, "rounds", rounds);
	jsonw_name(&w, "levels");
	jsonw_start_array(&w);
	for (int l = 0; l < nl; l++)
		jsonw_uint(&w, levels[l]);
	jsonw_end_array(&w);
	printf("\nB4: K spawns of /bin/true released at once, %d rounds (ms per spawn, each from "
	       "its "
	       "own start)\n",
	       rounds);
	printf("%-28s %5s %10s %10s %12s %7s\n", "way", "K", "p50 ms", "p99 ms", "p99/p99(1)",
	       "failed");
	jsonw_name(&w, "ways");
	jsonw_start_object(&w);
	for (int i = 0; i < NW; i++) {
		struct way *x = &ways[which[i]];

		jsonw_name(&w, x->id);
		if (!x->ok) {
			printf("%-28s %s\n", x->label, x->note);
			jsonw_null(&w);
			continue;
		}
		jsonw_start_array(&w);
		p99_1[i] = NAN;
		for (int l = 0; l < nl; l++) {
			double p50 = percentile(ms[i][l], n[i][l], 50);
			double p99 = percentile(ms[i][l], n[i][l], 99);

			if (levels[l] == 1)
				p99_1[i] = p99;
			printf("%-28s %5d %s %s %s %7d\n", l ? "" : x->label, levels[l],
			       cell(buf[0], 32, "%10.2f", p50), cell(buf[1], 32, "%10.2f", p99),
			       cell(buf[2], 32, "%11.2fx", ratio(p99, p99_1[i])), failed[i][l]);
			jsonw_start_object(&w);
			jsonw_uint_field(&w, "k", levels[l]);
			jsonw_uint_field(&w, "samples", n[i][l]);
			jsonw_uint_field(&w, "failed", failed[i][l]);
			jsonw_float_field(&w, "p50_ms", p50);
			jsonw_float_field(&w, "p99_ms", p99);
			jsonw_float_field(&w, "ratio_p99_to_k1", ratio(p99, p99_1[i]));
			jsonw_end_object(&w);
		}
		jsonw_end_array(&w);
	}
	jsonw_end_object(&w);
	json_notes(&w, ways, which, NW);
	jsonw_string_field(&w, "target", "bpfence p99 flat in K");
	status = ways_status(ways, which, NW);
	return json_end(&w, json_path) || status;
}

/* ---- B5: teardown ------------------------------------------------------------------------ */

#define TIMEOUT_S 0.2

static int cgroup_base(char *buf, size_t n)
{
	char root[PATH_MAX];
	int e = cgroup2_root(root, sizeof(root));

	if (e) {
		fprintf(stderr, "bench: no cgroup v2 hierarchy: %s\n", strerror(-e));
		return e;
	}
	snprintf(buf, n, "%s/bpfence", root);
	return 0;
}

/* One invocation's cgroup as inotify sees it: created, populated (the clone3 into it, when
 * `run` starts its timeout clock), emptied (the kill), removed. Times from now(). */
struct cgroup_watch {
	char name[NAME_MAX + 1];
	int events_wd;
	double populated, emptied, removed;
	bool late; /* populated before the watch was in place: the anchor is late */
};

static bool events_populated(const char *base, const char *name)
{
	char path[PATH_MAX], text[256] = "";
	int fd;
	ssize_t n;

	snprintf(path, sizeof(path), "%s/%s/cgroup.events", base, name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	n = read(fd, text, sizeof(text) - 1);
	close(fd);
	text[n > 0 ? n : 0] = 0;
	return strstr(text, "populated 1") != NULL;
}

/* What one inotify event says about the invocation's cgroup. */
static void watch_event(int ifd, int base_wd, const char *base, const struct inotify_event *ev,
			struct cgroup_watch *c)
{
	char path[PATH_MAX];
	double t = now();

	if (ev->wd == base_wd && (ev->mask & IN_CREATE) && (ev->mask & IN_ISDIR) && !c->name[0]) {
		snprintf(c->name, sizeof(c->name), "%s", ev->name);
		snprintf(path, sizeof(path), "%s/%s/cgroup.events", base, ev->name);
		c->events_wd = inotify_add_watch(ifd, path, IN_MODIFY);
		if (events_populated(base, c->name)) {
			c->populated = t;
			c->late = true;
		}
	} else if (ev->wd == c->events_wd && c->events_wd >= 0 && (ev->mask & IN_MODIFY)) {
		bool pop = events_populated(base, c->name);

		if (pop && !c->populated)
			c->populated = t;
		else if (!pop && c->populated && !c->emptied)
			c->emptied = t;
	} else if (ev->wd == base_wd && (ev->mask & IN_DELETE) && c->name[0] &&
		   !strcmp(ev->name, c->name)) {
		c->removed = t;
	}
}

/*
 * One `run --timeout 0.2 -- sleep 10`: from the moment its timeout should fire (populated + 0.2
 * s; the start of spawn + 0.2 s when the populated event was missed) to the rmdir of its cgroup.
 * The kernel rate-limits cgroup.events notifications to one per 10 ms, which can only make the
 * anchor late, the latency shorter: teardown_ms (emptied -> removed) is the part it cannot touch.
 * Returns 0 with latency_ms/teardown_ms set, or the exit status.
 */
static int timeout_once(int ifd, int base_wd, const char *base, char *const argv[], int errfd,
			double *latency_ms, double *teardown_ms, bool *anchored)
{
	char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
	struct cgroup_watch c = { .events_wd = -1 };
	double t0 = now();
	pid_t pid = start(argv, -1, errfd);
	int st;

	if (pid < 0)
		return -1;
	while (!c.removed && now() - t0 < 20) {
		struct pollfd pf = { .fd = ifd, .events = POLLIN };
		ssize_t n;

		if (poll(&pf, 1, 100) <= 0) {
			if (waitpid(pid, &st, WNOHANG) == pid) {
				pid = -1;
				break;
			}
			continue;
		}
		n = read(ifd, buf, sizeof(buf));
		for (char *p = buf; n > 0 && p < buf + n;) {
			const struct inotify_event *ev = (const struct inotify_event *)p;

			watch_event(ifd, base_wd, base, ev, &c);
			p += sizeof(*ev) + ev->len;
		}
	}
	if (c.events_wd >= 0)
		inotify_rm_watch(ifd, c.events_wd);
	if (pid > 0)
		st = finish(pid);
	else
		st = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
	if (st != 124)
		return st ? st : -1;
	if (!c.removed)
		return -1;
	*anchored = c.populated && !c.late;
	*latency_ms = (c.removed - (*anchored ? c.populated : t0) - TIMEOUT_S) * 1e3;
	*teardown_ms = c.emptied ? (c.removed - c.emptied) * 1e3 : NAN;
	return 0;
}

struct timeout_result {
	double p50, p99, teardown_p50, teardown_p99;
	int samples, unanchored, failed;
};

/* Runs `runs` timeouts; returns 0, or -1 when bpfence cannot run them at all. */
static int bench_timeouts(const char *policy, int runs, struct timeout_result *res)
{
	char base[PATH_MAX], why[256], log[PATH_MAX];
	char *argv[] = { stage.bpfence, "--json", "run", "--timeout", "0.2", "--policy",
			 (char *)policy, "--", "/bin/sleep", "10", NULL };
	double *lat = calloc(runs, sizeof(double)), *td = calloc(runs, sizeof(double));
	int ifd = -1, wd, ntd = 0, errfd = -1, e = -1;

	res->p50 = res->p99 = res->teardown_p50 = res->teardown_p99 = NAN;
	if (!lat || !td || cgroup_base(base, sizeof(base)))
		goto out;
	/* The first invocation makes <cgroup2>/bpfence if it is not there yet. */
	if (run_logged(argv, -1, why, sizeof(why)) != 124) {
		fprintf(stderr, "bench: bpfence run --timeout cannot run here: %s\n", why);
		goto out;
	}
	ifd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	wd = ifd < 0 ? -1 : inotify_add_watch(ifd, base, IN_CREATE | IN_DELETE | IN_ONLYDIR);
	if (wd < 0) {
		fprintf(stderr, "bench: inotify on %s: %s\n", base, strerror(errno));
		goto out;
	}
	stage_path(log, sizeof(log), "stderr");
	errfd = open(log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	for (int i = 0; i < runs; i++) {
		bool anchored = false;
		double t = NAN;

		if (timeout_once(ifd, wd, base, argv, errfd, &lat[res->samples], &t, &anchored)) {
			res->failed++;
			continue;
		}
		res->samples++;
		res->unanchored += !anchored;
		if (isfinite(t))
			td[ntd++] = t;
	}
	res->p50 = percentile(lat, res->samples, 50);
	res->p99 = percentile(lat, res->samples, 99);
	res->teardown_p50 = percentile(td, ntd, 50);
	res->teardown_p99 = percentile(td, ntd, 99);
	e = 0;
out:
	if (errfd >= 0)
		close(errfd);
	if (ifd >= 0)
		close(ifd);
	free(lat);
	free(td);
	return e;
}

/* -- leaks -- */

/* Directories below dirfd/name (not counting it), or files that are not directories. */
static long long count_tree(int at, const char *name, bool dirs)
{
	int fd = openat(at, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	long long n = 0;
	struct dirent *d;
	DIR *dir;

	if (fd < 0)
		return errno == ENOENT ? 0 : -1;
	dir = fdopendir(fd);
	if (!dir) {
		close(fd);
		return -1;
	}
	while ((d = readdir(dir))) {
		if (!strcmp(d->d_name, ".") || !strcmp(d->d_name, ".."))
			continue;
		if (d->d_type == DT_DIR) {
			long long sub = count_tree(dirfd(dir), d->d_name, dirs);

			n += (dirs ? 1 : 0) + (sub > 0 ? sub : 0);
		} else if (!dirs) {
			n++;
		}
	}
	closedir(dir);
	return n;
}

/* Entries of a pinned map, walked by key; -1 where a map has no keys to walk (ring buffer,
 * task storage) or is not pinned. */
static long long map_entries(const char *name)
{
	char path[PATH_MAX];
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);
	long long n = 0;
	char *keys;
	int fd;

	snprintf(path, sizeof(path), "%s/maps/%s", BPFENCE_PIN_DIR, name);
	fd = bpf_obj_get(path);
	if (fd < 0)
		return -1;
	if (bpf_obj_get_info_by_fd(fd, &info, &len) || !info.key_size) {
		close(fd);
		return -1;
	}
	keys = calloc(2, info.key_size);
	if (!keys) {
		close(fd);
		return -1;
	}
	for (void *prev = NULL, *next = keys;
	     n <= (long long)info.max_entries && !bpf_map_get_next_key(fd, prev, next); n++) {
		prev = next;
		next = next == keys ? keys + info.key_size : keys;
	}
	if (errno != ENOENT && n == 0)
		n = -1;
	free(keys);
	close(fd);
	return n;
}

#define LEAK_ITEMS 32

struct leak_item {
	char name[64];
	long long before, after;
};

static int leak_count(struct leak_item *it, const char *base, bool after)
{
	glob_t g = {};
	int n = 0;

#define LEAK_SET(label, value)                                                                   \
	do {                                                                                     \
		snprintf(it[n].name, sizeof(it[n].name), "%s", label);                           \
		*(after ? &it[n].after : &it[n].before) = (value);                               \
		n++;                                                                             \
	} while (0)
	LEAK_SET("cgroups", count_tree(AT_FDCWD, base, true));
	for (const char *const *m = bpfence_map_names; *m && n < LEAK_ITEMS - 2; m++) {
		char label[64];

		snprintf(label, sizeof(label), "map %s", *m);
		LEAK_SET(label, map_entries(*m));
	}
	LEAK_SET("files under /run/bpfence", count_tree(AT_FDCWD, "/run/bpfence", false));
	LEAK_SET("/tmp/bpfence-*", glob("/tmp/bpfence-*", GLOB_ONLYDIR, NULL, &g) ? 0 :
				   (long long)g.gl_pathc);
#undef LEAK_SET
	globfree(&g);
	return n;
}

/* The mix of a day's invocations: most succeed, some time out, fail, or are denied a file. */
enum leak_op { OP_TRUE, OP_TIMEOUT, OP_EXIT3, OP_DENIED, NOPS };

static enum leak_op leak_op(int i)
{
	i %= 100;
	return i < 90 ? OP_TRUE : i < 95 ? OP_TIMEOUT : i < 98 ? OP_EXIT3 : OP_DENIED;
}

static int bench_leaks(const char *policy, int runs, struct leak_item *it, int *nitems,
		       int *unexpected)
{
	static const int expect[NOPS] = { 0, 124, 3, 1 };
	char base[PATH_MAX], *p = (char *)policy, *b = stage.bpfence;
	char *const argv[NOPS][12] = {
		{ b, "run", "--policy", p, "--", "/bin/true", NULL },
		{ b, "run", "--timeout", "0.05", "--policy", p, "--", "/bin/sleep", "10", NULL },
		{ b, "run", "--policy", p, "--", "/bin/sh", "-c", "exit 3", NULL },
		{ b, "run", "--policy", p, "--", "/bin/cat", "/etc/shadow", NULL },
	};

	if (cgroup_base(base, sizeof(base)))
		return -1;
	*nitems = leak_count(it, base, false);
	/* Two at a time: half the wall time, and teardowns overlapping as on a busy server. */
	for (int i = 0; i < runs; i += 2) {
		pid_t pid[2] = { -1, -1 };

		for (int j = 0; j < 2 && i + j < runs; j++)
			pid[j] = start(argv[leak_op(i + j)], -1, -1);
		for (int j = 0; j < 2 && i + j < runs; j++)
			if (pid[j] < 0 || finish(pid[j]) != expect[leak_op(i + j)])
				(*unexpected)++;
		if ((i + 2) % 500 == 0)
			fprintf(stderr, "bench: B5 leak runs %d/%d\n", i + 2, runs);
	}
	leak_count(it, base, true);
	return 0;
}

static void json_leaks(struct json_writer *w, const struct leak_item *it, int n, int runs,
		       int unexpected)
{
	char b[3][32];

	printf("\nB5: left over after %d invocations, 2 at a time (90%% /bin/true, 5%% time out, "
	       "3%% exit 3, 2%% denied an open)\n", runs);
	printf("%-28s %10s %10s %10s\n", "item", "before", "after", "leaked");
	jsonw_name(w, "leaks");
	jsonw_start_object(w);
	jsonw_uint_field(w, "runs", runs);
	jsonw_uint_field(w, "unexpected_exit_status", unexpected);
	jsonw_name(w, "items");
	jsonw_start_object(w);
	for (int i = 0; i < n; i++) {
		bool known = it[i].before >= 0 && it[i].after >= 0;

		printf("%-28s %s %s %s\n", it[i].name,
		       cell(b[0], 32, "%10.0f", it[i].before < 0 ? NAN : it[i].before),
		       cell(b[1], 32, "%10.0f", it[i].after < 0 ? NAN : it[i].after),
		       cell(b[2], 32, "%10.0f", known ? it[i].after - it[i].before : NAN));
		jsonw_name(w, it[i].name);
		if (!known) {
			jsonw_null(w);
			continue;
		}
		jsonw_start_object(w);
		jsonw_uint_field(w, "before", it[i].before);
		jsonw_uint_field(w, "after", it[i].after);
		/* Signed: an item can also shrink (an earlier run's leftovers collected). */
		jsonw_float_field(w, "leaked", (double)(it[i].after - it[i].before));
		jsonw_end_object(w);
	}
	jsonw_end_object(w);
	jsonw_end_object(w);
	printf("invocations with an unexpected exit status: %d of %d\n", unexpected, runs);
}

static int bench_teardown(const struct opts *o, const char *json_path)
{
	int runs = o->runs > 0 ? o->runs : 20, leak_runs = o->leak_runs >= 0 ? o->leak_runs : 10000;
	struct timeout_result tr = {};
	struct leak_item items[LEAK_ITEMS] = {};
	int nitems = 0, unexpected = 0, status = 0;
	char policy[PATH_MAX], b[4][32];
	struct json_writer w;

	if (stage_make() || function_policy(policy, sizeof(policy)))
		return 1;
	fprintf(stderr, "bench: B5 %d timeouts\n", runs);
	if (bench_timeouts(policy, runs, &tr))
		status = 1;
	else if (leak_runs && bench_leaks(policy, leak_runs, items, &nitems, &unexpected))
		status = 1;

	if (!json_begin(&w, json_path, "B5"))
		return 1;
	printf("\nB5: timeout firing -> cgroup removed, %d runs of run --timeout 0.2 -- sleep 10 "
	       "(ms)\n", runs);
	printf("%-40s %10s %10s\n", "", "p50", "p99");
	printf("%-40s %s %s\n", "timeout due -> cgroup removed", cell(b[0], 32, "%10.2f", tr.p50),
	       cell(b[1], 32, "%10.2f", tr.p99));
	printf("%-40s %s %s\n", "cgroup emptied -> removed", cell(b[2], 32, "%10.2f",
								    tr.teardown_p50),
	       cell(b[3], 32, "%10.2f", tr.teardown_p99));
	printf("samples %d, failed %d, timed from the spawn (no populated event seen) %d\n",
	       tr.samples, tr.failed, tr.unanchored);
	jsonw_name(&w, "timeout");
	jsonw_start_object(&w);
	jsonw_uint_field(&w, "runs", runs);
	jsonw_uint_field(&w, "samples", tr.samples);
	jsonw_uint_field(&w, "failed", tr.failed);
	jsonw_uint_field(&w, "timed_from_spawn", tr.unanchored);
	jsonw_float_field(&w, "p50_ms", tr.samples ? tr.p50 : NAN);
	jsonw_float_field(&w, "p99_ms", tr.samples ? tr.p99 : NAN);
	jsonw_float_field(&w, "emptied_to_removed_p50_ms", tr.teardown_p50);
	jsonw_float_field(&w, "emptied_to_removed_p99_ms", tr.teardown_p99);
	jsonw_end_object(&w);
	if (nitems)
		json_leaks(&w, items, nitems, leak_runs, unexpected);
	else
		jsonw_string_field(&w, "leaks", NULL);
	jsonw_string_field(&w, "target", "<= 5 ms, zero leaked");
	return json_end(&w, json_path) || status;
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

static int bench_audit_storm(const struct opts *o, const char *json_path)
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

/* ---- B7: scale --------------------------------------------------------------------------- */

/* What B7 made, for the cleanup on every way out (exit, error, signal). */
static struct {
	struct bpfence_maps m;
	bool maps_open;
	char parent[PATH_MAX];
	__u64 *cgid; /* cgroup i is parent/c<i>; tagged and with a policy once its cgid is set */
	int n;
} scale;

static volatile sig_atomic_t stopping;

static void on_signal(int sig)
{
	stopping = sig;
}

static void scale_cleanup(void)
{
	char path[PATH_MAX + 16];

	for (int i = scale.n - 1; i >= 0; i--) {
		if (scale.cgid[i]) {
			untag_cgroup(&scale.m, scale.cgid[i]);
			policy_uninstall(&scale.m, scale.cgid[i]);
		}
		snprintf(path, sizeof(path), "%s/c%d", scale.parent, i);
		rmdir(path);
	}
	scale.n = 0;
	if (scale.parent[0])
		rmdir(scale.parent);
	scale.parent[0] = 0;
	if (scale.maps_open)
		bpfence_maps_close(&scale.m);
	scale.maps_open = false;
}

/* Grow to `to` extra tagged cgroups, each its own invocation with its own copy of p. */
static int scale_grow(int to, const struct policy *p)
{
	struct policy_vars vars = {};
	struct install_report rep;
	char path[PATH_MAX + 16], id[BPFENCE_ID_MAX], why[WHY_MAX];
	__u64 cgid;
	int e;

	while (scale.n < to && !stopping) {
		snprintf(path, sizeof(path), "%s/c%d", scale.parent, scale.n);
		if (mkdir(path, 0755)) {
			fprintf(stderr, "bench: mkdir %s: %s\n", path, strerror(errno));
			return -1;
		}
		scale.cgid[scale.n++] = 0;
		e = cgroup_id(path, &cgid);
		if (!e)
			e = invocation_id_new(id);
		if (!e &&
		    (e = policy_install(&scale.m, cgid, id, p, &vars, &rep, why, sizeof(why)))) {
			fprintf(stderr, "bench: policy %d of %d: %s\n", scale.n, to, why);
			return -1;
		}
		if (!e)
			scale.cgid[scale.n - 1] = cgid;
		if (!e)
			e = tag_cgroup(&scale.m, cgid, cgid, 0);
		if (e) {
			fprintf(stderr, "bench: tagging %s: %s\n", path, strerror(-e));
			return -1;
		}
		if (scale.n % 1000 == 0)
			fprintf(stderr, "bench: B7 %d/%d tagged cgroups\n", scale.n, to);
	}
	return stopping ? -1 : 0;
}

/* The file B7 opens: in the private directory (tmpfs in the VM; /etc there is 9p, a round trip
 * per open that would bury the hooks' cost). */
static char scale_target[PATH_MAX];

/* The untagged loop and the loop inside one invocation, for scale_target. */
static int scale_measure(const char *policy, int iters, int rounds, double *tagged,
			 double *untagged)
{
	char *paths[] = { scale_target };
	char why[256];

	if (loop_run(NULL, NULL, iters, rounds, paths, 1, untagged, why, sizeof(why))) {
		fprintf(stderr, "bench: the untagged loop failed: %s\n", why);
		return -1;
	}
	if (loop_run(policy, NULL, iters, rounds, paths, 1, tagged, why, sizeof(why))) {
		fprintf(stderr, "bench: the loop inside bpfence run failed: %s\n", why);
		return -1;
	}
	return 0;
}

static int scale_setup(int n, struct policy *small, char *loop_policy, size_t lpn)
{
	char base[PATH_MAX], path[PATH_MAX], err[POLICY_ERR_MAX] = "", why[WHY_MAX] = "";
	char *load[] = { stage.bpfence, "load", NULL };
	FILE *f;

	if (stage_make() || cgroup_base(base, sizeof(base)))
		return -1;
	f = policy_begin("scale-loop", loop_policy, lpn);
	if (!f)
		return -1;
	stage_path(scale_target, sizeof(scale_target), "scale-target");
	{
		int fd = open(scale_target, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);

		if (fd < 0) {
			fprintf(stderr, "bench: %s: %s\n", scale_target, strerror(errno));
			fclose(f);
			return -1;
		}
		close(fd);
	}
	fprintf(f, "read = %s\n", scale_target);
	if (policy_end(f, loop_policy))
		return -1;
	/* The small policy of each extra cgroup: a few directories, as a typical function's. */
	stage_path(path, sizeof(path), "scale-small.policy");
	f = fopen(path, "we");
	if (!f ||
	    fprintf(f, "[policy]\nname = bench-scale\n[files]\nread = /usr /lib /etc\n") < 0 ||
	    fclose(f) || policy_parse_file(path, small, err, sizeof(err))) {
		fprintf(stderr, "bench: the small policy %s: %s\n", path,
			f ? err : strerror(errno));
		return -1;
	}
	if (run_logged(load, -1, why, sizeof(why)) ||
	    bpfence_maps_open(&scale.m, why, sizeof(why))) {
		fprintf(stderr, "bench: cannot load bpfence (needs a kernel that enforces): %s\n",
			why);
		return -1;
	}
	scale.maps_open = true;
	scale.cgid = calloc(n, sizeof(*scale.cgid));
	if (!scale.cgid)
		return -1;
	atexit(scale_cleanup);
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	signal(SIGHUP, on_signal);
	if (mkdir(base, 0755) && errno != EEXIST)
		return -1;
	snprintf(scale.parent, sizeof(scale.parent), "%s/bench-scale-%d", base, getpid());
	if (mkdir(scale.parent, 0755)) {
		fprintf(stderr, "bench: mkdir %s: %s\n", scale.parent, strerror(errno));
		scale.parent[0] = 0;
		return -1;
	}
	return 0;
}

static int bench_scale(const struct opts *o, const char *json_path)
{
	int n = o->scale > 1 ? o->scale : 10000, rounds = o->rounds > 0 ? o->rounds : 5;
	int iters = o->iterations > 0 ? o->iterations : 20000, levels[2] = { 1, n }, status = 0;
	double tagged[2] = { NAN, NAN }, untagged[2] = { NAN, NAN };
	char loop_policy[PATH_MAX], b[2][32];
	struct policy small = {};
	struct json_writer w;

	if (scale_setup(n, &small, loop_policy, sizeof(loop_policy)))
		status = 1;
	for (int i = 0; i < 2 && !status && !stopping; i++) {
		fprintf(stderr, "bench: B7 at %d tagged cgroups\n", levels[i]);
		if (scale_grow(levels[i], &small) ||
		    scale_measure(loop_policy, iters, rounds, &tagged[i], &untagged[i]))
			status = 1;
	}
	scale_cleanup();
	policy_free(&small);
	if (stopping)
		return 128 + stopping;

	if (!json_begin(&w, json_path, "B7"))
		return 1;
	printf("\nB7: allowed open+close of a tmpfs file inside one invocation, with K other "
	       "tagged cgroups, each with its own policy (ns, median of %d rounds of %d)\n", rounds,
	       iters);
	printf("%-16s %14s %14s\n", "K", "invocation", "untagged");
	jsonw_uint_field(&w, "rounds", rounds);
	jsonw_uint_field(&w, "iterations", iters);
	jsonw_name(&w, "points");
	jsonw_start_array(&w);
	for (int i = 0; i < 2; i++) {
		printf("%-16d %s %s\n", levels[i], cell(b[0], 32, "%14.0f", tagged[i]),
		       cell(b[1], 32, "%14.0f", untagged[i]));
		jsonw_start_object(&w);
		jsonw_uint_field(&w, "tagged_cgroups", levels[i]);
		jsonw_float_field(&w, "ns_invocation", tagged[i]);
		jsonw_float_field(&w, "ns_untagged", untagged[i]);
		jsonw_end_object(&w);
	}
	jsonw_end_array(&w);
	printf("ratio K=%d/K=1: invocation %s, untagged (drift) %s\n", n,
	       cell(b[0], 32, "%.3fx", ratio(tagged[1], tagged[0])),
	       cell(b[1], 32, "%.3fx", ratio(untagged[1], untagged[0])));
	jsonw_float_field(&w, "ratio", ratio(tagged[1], tagged[0]));
	jsonw_float_field(&w, "ratio_untagged", ratio(untagged[1], untagged[0]));
	jsonw_string_field(&w, "target", "<= 1.1x");
	return json_end(&w, json_path) || status;
}

/* ---- B2: tagged cost --------------------------------------------------------------------- */

static const int depths[] = { 1, 10, 30 };
enum { NDEPTHS = sizeof(depths) / sizeof(depths[0]) };

/* chain/f, chain/d/.../f: a file `depth` components below the granted directory chain/ (the
 * kernel side walks up from the file to the grant, so depth is what it pays for). */
static int tagged_tree(char *chain, size_t cn, char paths[NDEPTHS][PATH_MAX], int others)
{
	char dir[PATH_MAX], path[PATH_MAX + 16];
	int fd, d = 1;

	stage_path(chain, cn, "chain");
	snprintf(dir, sizeof(dir), "%s", chain);
	if (mkdir(dir, 0755))
		return -errno;
	for (int i = 0; i < NDEPTHS; i++) {
		for (; d < depths[i]; d++) {
			strncat(dir, "/d", sizeof(dir) - strlen(dir) - 1);
			if (mkdir(dir, 0755))
				return -errno;
		}
		snprintf(paths[i], PATH_MAX, "%s/f", dir);
		fd = open(paths[i], O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
		if (fd < 0)
			return -errno;
		close(fd);
	}
	/* The other rules' objects: files that exist (a missing path grants nothing, and would
	 * not be a rule). */
	stage_path(dir, sizeof(dir), "other");
	if (mkdir(dir, 0755))
		return -errno;
	for (int i = 0; i < others; i++) {
		snprintf(path, sizeof(path), "%s/o%d", dir, i);
		fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
		if (fd < 0)
			return -errno;
		close(fd);
	}
	return 0;
}

/* The policy and the Landlock rules file for `rules` rules: chain/ plus rules - 1 others. The
 * policy also grants what starting this program takes (policy_begin); Landlock needs no such
 * grants, its process restricts itself once started. */
static int tagged_rules(const char *chain, int rules, char *policy, size_t pn, char *ll, size_t ln)
{
	char name[32], other[PATH_MAX];
	FILE *f, *l;

	snprintf(name, sizeof(name), "tagged-%d", rules);
	f = policy_begin(name, policy, pn);
	snprintf(name, sizeof(name), "tagged-%d.rules", rules);
	stage_path(ll, ln, name);
	l = fopen(ll, "we");
	if (!f || !l) {
		if (f)
			fclose(f);
		return -1;
	}
	fprintf(f, "read = %s\n", chain);
	fprintf(l, "%s\n", chain);
	stage_path(other, sizeof(other), "other");
	for (int i = 0; i < rules - 1; i++) {
		fprintf(f, "read = %s/o%d\n", other, i);
		fprintf(l, "%s/o%d\n", other, i);
	}
	if (fclose(l))
		return -1;
	return policy_end(f, policy);
}

struct tagged_point {
	double untagged[NDEPTHS], bpfence[NDEPTHS], landlock[NDEPTHS];
	char note[256]; /* why bpfence was not measured */
};

static void tagged_measure(int rules, const char *chain, char paths[NDEPTHS][PATH_MAX], bool ll,
			   int iters, int rounds, bool *bpfence_broken, struct tagged_point *pt)
{
	char policy[PATH_MAX], llrules[PATH_MAX], err[POLICY_ERR_MAX] = "", why[256];
	char *pv[NDEPTHS];
	struct policy p = {};
	int st;

	for (int i = 0; i < NDEPTHS; i++) {
		pv[i] = paths[i];
		pt->untagged[i] = pt->bpfence[i] = pt->landlock[i] = NAN;
	}
	if (tagged_rules(chain, rules, policy, sizeof(policy), llrules, sizeof(llrules))) {
		snprintf(pt->note, sizeof(pt->note), "cannot write the rules");
		return;
	}
	if (loop_run(NULL, NULL, iters, rounds, pv, NDEPTHS, pt->untagged, why, sizeof(why)))
		fprintf(stderr, "bench: the untagged loop failed: %s\n", why);
	/* What bpfence run would refuse, said as the parser says it. */
	if (policy_parse_file(policy, &p, err, sizeof(err)))
		snprintf(pt->note, sizeof(pt->note), "policy refused: %s", err);
	else if (*bpfence_broken)
		snprintf(pt->note, sizeof(pt->note), "bpfence cannot run here");
	else if ((st = loop_run(policy, NULL, iters, rounds, pv, NDEPTHS, pt->bpfence, why,
				sizeof(why)))) {
		snprintf(pt->note, sizeof(pt->note), "bpfence run: %s", why);
		fprintf(stderr, "bench: %d rules: %s\n", rules, pt->note);
		/* 125: bpfence itself failed (this kernel cannot enforce): the same every time. */
		*bpfence_broken = st == 125;
	}
	policy_free(&p);
	if (ll &&
	    loop_run(NULL, llrules, iters, rounds, pv, NDEPTHS, pt->landlock, why, sizeof(why)))
		fprintf(stderr, "bench: the Landlock loop failed: %s\n", why);
}

static void tagged_json(struct json_writer *w, int rules, const struct tagged_point *pt)
{
	for (int d = 0; d < NDEPTHS; d++) {
		jsonw_start_object(w);
		jsonw_uint_field(w, "depth", depths[d]);
		jsonw_uint_field(w, "rules", rules);
		jsonw_float_field(w, "ns_untagged", pt->untagged[d]);
		jsonw_float_field(w, "ns_bpfence", pt->bpfence[d]);
		jsonw_float_field(w, "ratio_bpfence", ratio(pt->bpfence[d], pt->untagged[d]));
		jsonw_float_field(w, "ns_landlock", pt->landlock[d]);
		jsonw_float_field(w, "ratio_landlock", ratio(pt->landlock[d], pt->untagged[d]));
		jsonw_string_field(w, "note", pt->note[0] ? pt->note : NULL);
		jsonw_end_object(w);
	}
}

static void tagged_print(int rules, const struct tagged_point *pt)
{
	char b[5][32];

	for (int d = 0; d < NDEPTHS; d++)
		printf("%6d %6d %s %s %s %s %s\n", depths[d], rules,
		       cell(b[0], 32, "%10.0f", pt->untagged[d]),
		       cell(b[1], 32, "%10.0f", pt->bpfence[d]),
		       cell(b[2], 32, "%7.3fx", ratio(pt->bpfence[d], pt->untagged[d])),
		       cell(b[3], 32, "%10.0f", pt->landlock[d]),
		       cell(b[4], 32, "%7.3fx", ratio(pt->landlock[d], pt->untagged[d])));
	if (pt->note[0])
		printf("%13s (bpfence: %s)\n", "", pt->note);
}

static int bench_tagged(const struct opts *o, const char *json_path)
{
	int rounds = o->rounds > 0 ? o->rounds : 5,
	    iters = o->iterations > 0 ? o->iterations : 10000;
	char chain[PATH_MAX], paths[NDEPTHS][PATH_MAX];
	struct tagged_point pt[8];
	bool broken = false, measured = false;
	int rules[8], nr, most = 1, e;
	struct json_writer w;
	long abi;

	nr = parse_list(o->rules ? o->rules : "1,100,10000", rules, 8, 100000);
	if (nr < 0) {
		fprintf(stderr, "bench: bad --rules '%s' (e.g. 1,100,10000)\n", o->rules);
		return 2;
	}
	for (int i = 0; i < nr; i++)
		most = rules[i] > most ? rules[i] : most;
	if (stage_make())
		return 1;
	e = tagged_tree(chain, sizeof(chain), paths, most - 1);
	if (e) {
		fprintf(stderr, "bench: cannot make the files under %s: %s\n", stage.dir,
			strerror(-e));
		return 1;
	}
	abi = landlock_abi();
	if (abi < 1)
		printf("bench: no Landlock here (%s): its column stays empty\n", strerror(errno));
	for (int i = 0; i < nr; i++) {
		fprintf(stderr, "bench: B2 with %d rules\n", rules[i]);
		tagged_measure(rules[i], chain, paths, abi >= 1, iters, rounds, &broken, &pt[i]);
		for (int d = 0; d < NDEPTHS; d++)
			measured |= isfinite(pt[i].bpfence[d]);
	}

	if (!json_begin(&w, json_path, "B2"))
		return 1;
	printf("\nB2: allowed open+close of a file DEPTH components below a granted directory, "
	       "with "
	       "RULES file rules\n(ns, median of %d rounds of %d; the policy also grants what "
	       "starting the loop takes)\n",
	       rounds, iters);
	printf("%6s %6s %10s %10s %8s %10s %8s\n", "depth", "rules", "untagged", "bpfence", "ratio",
	       "landlock", "ratio");
	jsonw_uint_field(&w, "rounds", rounds);
	jsonw_uint_field(&w, "iterations", iters);
	jsonw_name(&w, "landlock_abi");
	if (abi >= 1)
		jsonw_uint(&w, abi);
	else
		jsonw_null(&w);
	jsonw_name(&w, "points");
	jsonw_start_array(&w);
	for (int i = 0; i < nr; i++) {
		tagged_print(rules[i], &pt[i]);
		tagged_json(&w, rules[i], &pt[i]);
	}
	jsonw_end_array(&w);
	jsonw_string_field(&w, "target", "bpfence adds less than Landlock at every point");
	if (!measured)
		fprintf(stderr, "bench: bpfence could not be measured at any point\n");
	return json_end(&w, json_path) || !measured;
}

/* ---- commands ---------------------------------------------------------------------------- */

static const struct command {
	const char *name, *json; /* json: default result file, NULL: none */
	int (*run)(const struct opts *o, const char *json_path);
	const char *usage, *example;
} commands[] = {
	{ "untagged", "b1.json", bench_untagged, "untagged [--rounds N]", "untagged --rounds 7" },
	{ "tagged", "b2.json", bench_tagged,
	  "tagged [--rules 1,100,10000] [--rounds R] [--iterations N]", "tagged --rules 1,100" },
	{ "spawn", "b3.json", bench_spawn, "spawn [--runs N]", "spawn --runs 20" },
	{ "concurrent", "b4.json", bench_concurrent, "concurrent [--levels 1,16,64] [--rounds R]",
	  "concurrent --levels 1,16 --rounds 3" },
	{ "teardown", "b5.json", bench_teardown, "teardown [--runs N] [--leak-runs N]",
	  "teardown --runs 20 --leak-runs 1000" },
	{ "audit-storm", "b6.json", bench_audit_storm, "audit-storm [--seconds S]",
	  "audit-storm --seconds 10" },
	{ "scale", "b7.json", bench_scale, "scale [--scale N] [--rounds R] [--iterations N]",
	  "scale --scale 1000" },
	{ "open-loop", NULL, cmd_open_loop,
	  "open-loop [--rounds R] [--iterations N] [--landlock-rules FILE] PATH...",
	  "open-loop --iterations 1000 /etc/hostname" },
};

static void usage(FILE *f, const struct command *only)
{
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!only || only == &commands[i])
			fprintf(f, "%s bench %s%s\n", i && !only ? "      " : "Usage:",
				commands[i].usage, commands[i].json ? " [--json FILE]" : "");
	fprintf(f,
		"Run from the repository root on a kernel that enforces (make bench); the table\n"
		"goes to stdout, the JSON to --json FILE (default .output/bench/bN.json).\n"
		"\nExample:\n  .output/bpfence-bench %s\n",
		only ? only->example : "spawn --runs 20");
}

static int parse_int(const char *opt, const char *s, int *out)
{
	char *end;
	long v = strtol(s, &end, 10);

	if (end == s || *end || v < 0 || v > INT_MAX) {
		fprintf(stderr, "bench: bad --%s '%s' (expected a count)\n", opt, s);
		return -1;
	}
	*out = v;
	return 0;
}

static int parse_opts(int argc, char **argv, struct opts *o, const char **json, bool *help)
{
	static const struct option lo[] = {
		{ "rounds", required_argument, NULL, 'r' },
		{ "seconds", required_argument, NULL, 's' },
		{ "runs", required_argument, NULL, 'n' },
		{ "leak-runs", required_argument, NULL, 'L' },
		{ "iterations", required_argument, NULL, 'i' },
		{ "scale", required_argument, NULL, 'S' },
		{ "levels", required_argument, NULL, 'l' },
		{ "rules", required_argument, NULL, 'R' },
		{ "landlock-rules", required_argument, NULL, 'F' },
		{ "json", required_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	int c, idx = 0;

	optind = 2;
	while ((c = getopt_long(argc, argv, "", lo, &idx)) != -1) {
		int *num = c == 'r' ? &o->rounds : c == 's' ? &o->seconds : c == 'n' ? &o->runs :
			   c == 'L' ? &o->leak_runs : c == 'i' ? &o->iterations :
			   c == 'S' ? &o->scale : NULL;

		if (num) {
			if (parse_int(lo[idx].name, optarg, num))
				return -1;
		} else if (c == 'l') {
			o->levels = optarg;
		} else if (c == 'R') {
			o->rules = optarg;
		} else if (c == 'F') {
			o->landlock_rules = optarg;
		} else if (c == 'j') {
			*json = optarg;
		} else if (c == 'h') {
			*help = true;
		} else {
			return -1;
		}
	}
	o->args = argv + optind;
	o->nargs = argc - optind;
	return 0;
}

int main(int argc, char **argv)
{
	struct opts o = { -1, -1, -1, -1, -1, -1 };
	const struct command *cmd = NULL;
	const char *json = NULL;
	char path[256] = "";
	bool help = false;

	if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		usage(argc < 2 ? stderr : stdout, NULL);
		return argc < 2 ? 2 : 0;
	}
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(argv[1], commands[i].name))
			cmd = &commands[i];
	if (!cmd) {
		fprintf(stderr, "bench: unknown benchmark '%s'\n", argv[1]);
		usage(stderr, NULL);
		return 2;
	}
	if (parse_opts(argc, argv, &o, &json, &help)) {
		fprintf(stderr, "Try '%s %s --help'.\n", argv[0], cmd->name);
		return 2;
	}
	if (help) {
		usage(stdout, cmd);
		return 0;
	}
	if (o.nargs && cmd->run != cmd_open_loop) {
		fprintf(stderr, "bench: %s takes no argument '%s'\n", cmd->name, o.args[0]);
		return 2;
	}
	/* Output line by line even into a pipe or file: the tables interleave with stderr. */
	setvbuf(stdout, NULL, _IOLBF, 0);
	bpfence_set_debug(false);
	if (cmd->json) {
		mkdir(".output", 0755);
		mkdir(".output/bench", 0755);
		snprintf(path, sizeof(path), ".output/bench/%s", cmd->json);
	}
	return cmd->run(&o, json ? json : path);
}
