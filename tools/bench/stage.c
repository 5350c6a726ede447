// SPDX-License-Identifier: GPL-2.0-only
/*
 * Where and how the benchmarks start bpfence and its peers: a private copy of bpfence and of this
 * program on /tmp, the policies written beside it, finding programs, starting and reaping
 * processes (timed or with their stderr kept), and the cgroup bpfence makes its invocations in.
 * The benchmarks decide what to start and what to time.
 *
 * Spawning benchmarks run bpfence (and the policies, and this program where it runs inside an
 * invocation) from a private copy on /tmp, as an installed binary would run on a server: in the
 * VM the repository is a 9p share without a page cache, where every exec of a binary in it reads
 * the file again, a cost no peer (all in /usr) pays.
 */
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/magic.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench.h"
#include "libbpfence.h"

const char *const bpfence_bin = ".output/bpfence";
const char *const bpfenced_bin = ".output/bpfenced";
const char *const probe_bin = ".output/tests/probe";

/* Where the spawning benchmarks run bpfence from (see the top of this file). */
struct stage stage;

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

void stage_path(char *buf, size_t n, const char *name)
{
	snprintf(buf, n, "%s/%s", stage.dir, name);
}

/* Copy bpfence and this program to a fresh private directory on /tmp. */
int stage_make(void)
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
FILE *policy_begin(const char *name, char *path, size_t n)
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

int policy_end(FILE *f, const char *path)
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
int function_policy(char *path, size_t n)
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
bool find_program(const char *name, char *out, size_t n)
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
pid_t start(char *const argv[], int outfd, int errfd)
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
int finish(pid_t pid)
{
	int st;

	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/* From the spawn to the reaping: what a caller of a sandbox waits for. */
int spawn_timed(char *const argv[], int errfd, double *ms)
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
int run_logged(char *const argv[], int outfd, char *why, size_t n)
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

/* A shell command's exit status, or -1 when it did not exit. */
int sh(const char *cmd)
{
	int r = system(cmd);

	return WIFEXITED(r) ? WEXITSTATUS(r) : -1;
}

/* <cgroup2>/bpfence, where bpfence run makes its invocations' cgroups. */
int cgroup_base(char *buf, size_t n)
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
