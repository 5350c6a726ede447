/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * bpfence-attack: the hostile function of `bpfence selftest`. It tries every escape of the
 * checklist in SECURITY.md that can be attempted from inside an invocation and prints exactly one
 * line per row it owns, in order:
 *
 *   row N: blocked (<ERRNO> <what>; ...)      every attempt failed with the errno expected
 *   row N: NOT BLOCKED (<what happened>; ...) an attempt succeeded or failed some other way
 *   row N: refused (<reason>)                 the row cannot be attempted here
 *
 * Rows 22, 23, 24, 28, 29, 30 and 31 are checked from outside by selftest (cli/selftest.c);
 * this program only prepares what those checks need (the canary file, the orphan of row 23).
 *
 *   bpfence-attack attack          the escape attempts; everything it needs comes in ATK_* env
 *   bpfence-attack flood N         N denied opens of $ATK_SECRET (row 29 counts them)
 *   bpfence-attack bomb            a fork bomb (row 24)
 *   bpfence-attack membomb         a memory bomb (row 24)
 *   bpfence-attack noop            exit 0: the program the exec attempts try to start
 *   bpfence-attack --control ROW   outside bpfence: the same action must succeed (rows 8, 9,
 *                                  11, 12), printing "row N: control ok"
 *
 * Static like tests/helpers/probe.c: the only files it opens are the ones it attacks.
 */
#define _GNU_SOURCE

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <sys/xattr.h>

#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/netlink.h>
#include <linux/perf_event.h>

#ifndef IPPROTO_MPTCP
#define IPPROTO_MPTCP 262
#endif
#ifndef AF_XDP
#define AF_XDP 44
#endif
#ifndef AF_VSOCK
#define AF_VSOCK 40
#endif
#ifndef AF_ALG
#define AF_ALG 38
#endif
#ifndef OPEN_TREE_CLONE
#define OPEN_TREE_CLONE 1
#endif
#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif
#ifndef SYS_pidfd_getfd
#define SYS_pidfd_getfd 438
#endif
#ifndef SYS_open_tree
#define SYS_open_tree 428
#endif
#ifndef SYS_io_uring_setup
#define SYS_io_uring_setup 425
#endif

/* The live deny canary of bpf/bpfence.h (BPFENCE_CANARY_PROTO / _ERRNO): only a tagged task with
 * the programs attached gets ECANCELED for this socket(). */
#define CANARY_PROTO 0x62666e63
#define CANARY_ERRNO ECANCELED

#include "../helpers/errnames.h"

/* ---- one row: every attempt is noted, the row is blocked only if all of them were --------- */

struct row {
	int n;
	char ok[3072];  /* "EACCES open ../secret; ..." */
	char bad[3072]; /* what got through, or failed some other way */
	char refused[256];
};

static void __attribute__((format(printf, 3, 4))) append(char *buf, size_t n, const char *fmt, ...)
{
	size_t len = strlen(buf);
	va_list ap;

	if (len + 3 >= n)
		return;
	if (len) {
		strcpy(buf + len, "; ");
		len += 2;
	}
	va_start(ap, fmt);
	vsnprintf(buf + len, n - len, fmt, ap);
	va_end(ap);
}

/* Each row runs under its own name (comm "row05"): audit records name the row that caused them,
 * and children forked for an attempt inherit it. */
static void row_start(struct row *r, int n)
{
	char comm[16];

	memset(r, 0, sizeof(*r));
	r->n = n;
	snprintf(comm, sizeof(comm), "row%02d", n);
	prctl(PR_SET_NAME, comm, 0, 0, 0);
}

/*
 * The outcome of one attempt: err 0 means the call succeeded. Blocked means failing with one of
 * the expected errnos (want2 0: only one is expected); any other errno is reported as NOT
 * BLOCKED too, because the row then does not show that bpfence is what stopped it.
 */
static void note(struct row *r, const char *what, int err, int want1, int want2)
{
	if (!err)
		append(r->bad, sizeof(r->bad), "%s succeeded", what);
	else if (err == want1 || (want2 && err == want2))
		append(r->ok, sizeof(r->ok), "%s %s", errno_name(err), what);
	else
		append(r->bad, sizeof(r->bad), "%s %s (expected %s%s%s)", errno_name(err), what,
		       errno_name(want1), want2 ? " or " : "", want2 ? errno_name(want2) : "");
}

/* note() for a call returning -1/errno; closes a returned fd. */
static void note_ret(struct row *r, const char *what, long ret, int want1, int want2)
{
	int err = ret < 0 ? errno : 0;

	note(r, what, err, want1, want2);
}

static void note_fd(struct row *r, const char *what, int fd, int want1, int want2)
{
	int err = fd < 0 ? errno : 0;

	if (fd >= 0)
		close(fd);
	note(r, what, err, want1, want2);
}

static void row_end(struct row *r)
{
	if (r->refused[0])
		printf("row %d: refused (%s)\n", r->n, r->refused);
	else if (r->bad[0])
		printf("row %d: NOT BLOCKED (%s)\n", r->n, r->bad);
	else if (r->ok[0])
		printf("row %d: blocked (%s)\n", r->n, r->ok);
	else
		printf("row %d: NOT BLOCKED (nothing was attempted)\n", r->n);
	fflush(stdout);
}

/* ---- what selftest tells the attacker ------------------------------------------------------ */

static const char *scratch, *source, *secret, *granted, *other, *self_path, *broker,
	*broker_sym, *broker_hard, *abstract_name, *dgram, *fdsend, *cgroot, *overlay, *hostip,
	*pin_map, *overlay_merged, *overlay_upper;
static int broker_port, selftest_pid, bpfence_pid, victim, peer;

static const char *env(const char *name)
{
	const char *v = getenv(name);

	return v ? v : "";
}

static int env_int(const char *name)
{
	return atoi(env(name));
}

/* ---- small helpers ------------------------------------------------------------------------- */

static char *path_in(char *buf, size_t n, const char *dir, const char *name)
{
	snprintf(buf, n, "%s/%s", dir, name);
	return buf;
}

/* Copy src to dst (mode 0755); 0 or errno. */
static int copy_file(const char *src, const char *dst)
{
	char buf[65536];
	int in, out, err = 0;
	ssize_t got;

	in = open(src, O_RDONLY | O_CLOEXEC);
	if (in < 0)
		return errno;
	out = open(dst, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0755);
	if (out < 0) {
		err = errno;
		close(in);
		return err;
	}
	while ((got = read(in, buf, sizeof(buf))) > 0)
		if (write(out, buf, got) != got) {
			err = errno ? errno : EIO;
			break;
		}
	if (got < 0)
		err = errno;
	close(in);
	close(out);
	return err;
}

static int copy_fd(const char *src, int out)
{
	char buf[65536];
	ssize_t got;
	int in = open(src, O_RDONLY | O_CLOEXEC);

	if (in < 0)
		return errno;
	while ((got = read(in, buf, sizeof(buf))) > 0)
		if (write(out, buf, got) != got)
			break;
	close(in);
	return got < 0 ? errno : 0;
}

/*
 * Run an exec attempt in a child so a successful exec does not replace the attacker. The child
 * reports the exec's errno through a close-on-exec pipe: EOF means the exec went through.
 * Returns 0 (exec succeeded) or the errno.
 */
static int try_exec(void (*fn)(void *), void *arg)
{
	int p[2], err = 0, status;
	pid_t pid;

	if (pipe2(p, O_CLOEXEC))
		return errno;
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		err = errno;
		close(p[0]);
		close(p[1]);
		return err;
	}
	if (pid == 0) {
		close(p[0]);
		fn(arg);
		err = errno;
		if (write(p[1], &err, sizeof(err)) < 0)
			_exit(127);
		_exit(127);
	}
	close(p[1]);
	if (read(p[0], &err, sizeof(err)) != sizeof(err))
		err = 0;
	close(p[0]);
	waitpid(pid, &status, 0);
	return err;
}

static char *const noop_argv[] = { "bpfence-attack", "noop", NULL };

struct exec_arg {
	int fd;
	const char *path;
	const char *arg1;
};

static void do_execveat(void *a)
{
	struct exec_arg *x = a;

	syscall(SYS_execveat, x->fd, "", noop_argv, environ, AT_EMPTY_PATH);
}

static void do_fexecve(void *a)
{
	struct exec_arg *x = a;

	fexecve(x->fd, noop_argv, environ);
}

static void do_execve(void *a)
{
	struct exec_arg *x = a;
	char *argv[] = { (char *)x->path, (char *)x->arg1, x->arg1 ? "noop" : NULL, NULL };

	if (!x->arg1)
		argv[1] = "noop";
	execve(x->path, argv, environ);
}

static struct sockaddr_in sin4(const char *addr, int port)
{
	struct sockaddr_in s = { .sin_family = AF_INET, .sin_port = htons(port) };

	inet_pton(AF_INET, addr, &s.sin_addr);
	return s;
}

static struct sockaddr_in6 sin6(const char *addr, int port)
{
	struct sockaddr_in6 s = { .sin6_family = AF_INET6, .sin6_port = htons(port) };

	inet_pton(AF_INET6, addr, &s.sin6_addr);
	return s;
}

static void set_timeouts(int fd)
{
	struct timeval tv = { .tv_sec = 3 };

	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
}

/* connect() of a fresh socket; returns 0 or errno (a socket() failure counts as its errno). */
static int try_connect(int family, int type, const void *sa, socklen_t len)
{
	int fd = socket(family, type | SOCK_CLOEXEC, 0), err = 0;

	if (fd < 0)
		return errno;
	set_timeouts(fd);
	if (connect(fd, sa, len))
		err = errno;
	close(fd);
	return err;
}

static socklen_t unix_addr(struct sockaddr_un *sun, const char *path, bool abstract)
{
	size_t len = strlen(path);

	memset(sun, 0, sizeof(*sun));
	sun->sun_family = AF_UNIX;
	if (len > sizeof(sun->sun_path) - 2)
		len = sizeof(sun->sun_path) - 2;
	if (abstract) {
		memcpy(sun->sun_path + 1, path, len);
		return offsetof(struct sockaddr_un, sun_path) + 1 + len;
	}
	memcpy(sun->sun_path, path, len);
	return offsetof(struct sockaddr_un, sun_path) + len + 1;
}

/* ---- the rows ------------------------------------------------------------------------------ */

/* 1: .., symlinks, /proc/self/root, chroot to reach a denied file. */
static void row1(void)
{
	char rel[PATH_MAX] = "", p[PATH_MAX];
	struct row r;

	row_start(&r, 1);
	/* From scratch, enough ../ to reach / and back down to the secret. */
	for (const char *c = scratch; *c; c++)
		if (*c == '/')
			strcat(rel, "../");
	strcat(rel, secret + 1);
	if (chdir(scratch))
		append(r.bad, sizeof(r.bad), "setup: chdir scratch: %s", errno_name(errno));
	note_fd(&r, "open ../ traversal from scratch", open(rel, O_RDONLY), EACCES, 0);
	path_in(p, sizeof(p), scratch, "to-secret");
	if (symlink(secret, p))
		append(r.bad, sizeof(r.bad), "setup: symlink in scratch: %s", errno_name(errno));
	note_fd(&r, "open scratch symlink to the secret", open(p, O_RDONLY), EACCES, 0);
	snprintf(p, sizeof(p), "/proc/self/root%s", secret);
	note_fd(&r, "open /proc/self/root/<secret>", open(p, O_RDONLY), EACCES, 0);
	note_ret(&r, "chroot scratch", chroot(scratch), EPERM, 0);
	row_end(&r);
}

/* 2: hardlink the secret into scratch; bind mount its dir under scratch. */
static void row2(void)
{
	char p[PATH_MAX], d[PATH_MAX];
	struct row r;

	row_start(&r, 2);
	note_ret(&r, "link secret into scratch", link(secret, path_in(p, sizeof(p), scratch, "hl")),
		 EACCES, EXDEV);
	path_in(p, sizeof(p), scratch, "mnt");
	mkdir(p, 0700);
	snprintf(d, sizeof(d), "%s", secret);
	*strrchr(d, '/') = 0;
	note_ret(&r, "mount --bind secret's dir under scratch", mount(d, p, NULL, MS_BIND, NULL),
		 EPERM, 0);
	row_end(&r);
}

/* 3: rename the secret into scratch; rename a granted dir out of its tree; exchange. */
static void row3(void)
{
	char p[PATH_MAX], q[PATH_MAX], sub[PATH_MAX];
	struct row r;

	row_start(&r, 3);
	note_ret(&r, "rename secret into scratch",
		 rename(secret, path_in(p, sizeof(p), scratch, "moved")), EACCES, EXDEV);
	path_in(sub, sizeof(sub), scratch, "sub");
	mkdir(sub, 0700);
	snprintf(q, sizeof(q), "%s", secret);
	*strrchr(q, '/') = 0;
	strcat(q, "/escaped-dir");
	note_ret(&r, "rename scratch/sub out of scratch", rename(sub, q), EACCES, EXDEV);
	path_in(p, sizeof(p), scratch, "swap");
	close(open(p, O_WRONLY | O_CREAT | O_CLOEXEC, 0600));
	note_ret(&r, "renameat2 RENAME_EXCHANGE secret <-> scratch file",
		 renameat2(AT_FDCWD, secret, AT_FDCWD, p, RENAME_EXCHANGE), EACCES, EXDEV);
	row_end(&r);
}

/* 4: flip a symlink between a granted file and the secret while opening it. */
static void row4(void)
{
	char link_path[PATH_MAX], t1[PATH_MAX], t2[PATH_MAX], want[256] = "", got[256];
	int denied = 0, granted_reads = 0, secret_reads = 0, other_err = 0, last_err = 0;
	struct row r;
	pid_t flipper;
	ssize_t n;
	int fd;

	row_start(&r, 4);
	fd = open(granted, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || (n = read(fd, want, sizeof(want) - 1)) < 0) {
		snprintf(r.refused, sizeof(r.refused), "cannot read the granted file: %s",
			 errno_name(errno));
		if (fd >= 0)
			close(fd);
		row_end(&r);
		return;
	}
	close(fd);
	want[n] = 0;
	path_in(link_path, sizeof(link_path), scratch, "race");
	path_in(t1, sizeof(t1), scratch, "race.a");
	path_in(t2, sizeof(t2), scratch, "race.b");
	symlink(granted, link_path);
	fflush(NULL);
	flipper = fork();
	if (flipper == 0) {
		for (;;) {
			unlink(t1);
			symlink(granted, t1);
			rename(t1, link_path);
			unlink(t2);
			symlink(secret, t2);
			rename(t2, link_path);
		}
	}
	for (int i = 0; i < 2000; i++) {
		fd = open(link_path, O_RDONLY | O_CLOEXEC);
		if (fd < 0) {
			if (errno == EACCES)
				denied++;
			else if (errno != ENOENT)
				other_err++, last_err = errno;
			continue;
		}
		n = read(fd, got, sizeof(got) - 1);
		close(fd);
		got[n > 0 ? n : 0] = 0;
		if (!strcmp(got, want))
			granted_reads++;
		else
			secret_reads++;
	}
	kill(flipper, SIGKILL);
	waitpid(flipper, NULL, 0);
	if (secret_reads)
		append(r.bad, sizeof(r.bad), "read the secret %d times in 2000 opens", secret_reads);
	else if (!denied)
		append(r.bad, sizeof(r.bad), "the race never reached the secret (%d granted reads)",
		       granted_reads);
	else
		append(r.ok, sizeof(r.ok), "EACCES on %d of 2000 opens of a flipping symlink, the "
		       "secret never read, %d reads of the granted file", denied, granted_reads);
	if (other_err)
		append(r.bad, sizeof(r.bad), "%d opens failed with %s", other_err,
		       errno_name(last_err));
	row_end(&r);
}

/* 5: namespaces, mounts, pivot_root, open_tree, FUSE. */
static void row5(void)
{
	char p[PATH_MAX];
	struct stat st;
	struct row r;
	long ret;

	row_start(&r, 5);
	note_ret(&r, "unshare(CLONE_NEWUSER|CLONE_NEWNS)", unshare(CLONE_NEWUSER | CLONE_NEWNS),
		 EPERM, 0);
	fflush(NULL);
	ret = syscall(SYS_clone, CLONE_NEWUSER | SIGCHLD, 0, 0, 0, 0);
	if (ret == 0)
		_exit(0);
	if (ret > 0)
		waitpid(ret, NULL, 0);
	note_ret(&r, "clone(CLONE_NEWUSER)", ret, EPERM, 0);
	path_in(p, sizeof(p), scratch, "mnt");
	mkdir(p, 0700);
	note_ret(&r, "mount tmpfs", mount("none", p, "tmpfs", 0, NULL), EPERM, 0);
	note_ret(&r, "pivot_root", syscall(SYS_pivot_root, scratch, p), EPERM, 0);
	ret = syscall(SYS_open_tree, AT_FDCWD, "/", OPEN_TREE_CLONE);
	if (ret >= 0)
		close(ret);
	note_ret(&r, "open_tree(OPEN_TREE_CLONE)", ret, EPERM, ENOSYS);
	if (stat("/dev/fuse", &st) && errno == ENOENT)
		append(r.ok, sizeof(r.ok), "no /dev/fuse on this host (FUSE not attempted)");
	else
		note_fd(&r, "open /dev/fuse", open("/dev/fuse", O_RDWR), EACCES, 0);
	row_end(&r);
}

/* 6: a file through an overlay layer dir instead of the merged path. */
static void row6(void)
{
	struct row r;

	row_start(&r, 6);
	if (!overlay[0]) {
		snprintf(r.refused, sizeof(r.refused),
			 "no overlayfs is mounted on this host: there is no layer dir to reach");
	} else if (overlay_merged[0]) {
		/* selftest's own overlay: the merged dir is granted, its layers are not. */
		char p[PATH_MAX];
		int fd;

		path_in(p, sizeof(p), overlay_merged, "layer.txt");
		fd = open(p, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			append(r.bad, sizeof(r.bad), "setup: the granted merged path %s: %s", p,
			       errno_name(errno));
		else
			close(fd);
		note_fd(&r, "open layer.txt through the lower layer dir",
			open(path_in(p, sizeof(p), overlay, "layer.txt"), O_RDONLY), EACCES, 0);
		note_fd(&r, "open the upper layer dir", open(overlay_upper, O_RDONLY | O_DIRECTORY),
			EACCES, 0);
		note_fd(&r, "create a file in the upper layer dir",
			open(path_in(p, sizeof(p), overlay_upper, "planted"),
			     O_WRONLY | O_CREAT | O_EXCL, 0600), EACCES, 0);
	} else {
		char what[PATH_MAX + 32];

		snprintf(what, sizeof(what), "open overlay layer %s", overlay);
		note_fd(&r, what, open(overlay, O_RDONLY | O_DIRECTORY), EACCES, 0);
	}
	row_end(&r);
}

/* 7: reopen through /proc/<pid>/fd, cwd, root with a wider mode. */
static void row7(void)
{
	char p[PATH_MAX];
	struct row r;
	int fd;

	row_start(&r, 7);
	fd = open(granted, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		append(r.bad, sizeof(r.bad), "setup: open the granted file: %s", errno_name(errno));
	} else {
		snprintf(p, sizeof(p), "/proc/self/fd/%d", fd);
		note_fd(&r, "open /proc/self/fd/N O_RDWR of a read-only grant", open(p, O_RDWR),
			EACCES, 0);
		close(fd);
	}
	snprintf(p, sizeof(p), "/proc/self/cwd/../%s", strrchr(secret, '/') + 1);
	note_fd(&r, "open /proc/self/cwd/../secret", open(p, O_RDONLY), EACCES, 0);
	snprintf(p, sizeof(p), "/proc/%d/root%s", victim, secret);
	note_fd(&r, "open /proc/<victim>/root/<secret>", open(p, O_RDONLY), EACCES, 0);
	row_end(&r);
}

/* 8: file handles. */
static void row8(void)
{
	struct {
		struct file_handle fh;
		unsigned char buf[128];
	} h = { .fh.handle_bytes = 128 };
	struct row r;
	int mnt_id, mfd;

	row_start(&r, 8);
	note_ret(&r, "name_to_handle_at", name_to_handle_at(AT_FDCWD, granted, &h.fh, &mnt_id, 0),
		 EPERM, 0);
	mfd = open(source, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	h.fh.handle_bytes = 8;
	h.fh.handle_type = 1;
	note_fd(&r, "open_by_handle_at", open_by_handle_at(mfd < 0 ? AT_FDCWD : mfd, &h.fh, O_RDONLY),
		EPERM, 0);
	if (mfd >= 0)
		close(mfd);
	row_end(&r);
}

/* 9: an O_PATH fd, then a real use of it. */
static void row9(void)
{
	char p[PATH_MAX], q[PATH_MAX], tool[PATH_MAX];
	struct exec_arg x;
	struct row r;
	int fd, dfd;

	row_start(&r, 9);
	fd = open(secret, O_PATH | O_CLOEXEC);
	if (fd < 0) {
		note(&r, "open O_PATH of the secret", errno, EACCES, 0);
	} else {
		snprintf(p, sizeof(p), "/proc/self/fd/%d", fd);
		note_fd(&r, "open /proc/self/fd/<O_PATH secret>", open(p, O_RDONLY), EACCES, 0);
		note_ret(&r, "linkat /proc/self/fd/<O_PATH secret> into scratch",
			 linkat(AT_FDCWD, p, AT_FDCWD, path_in(q, sizeof(q), scratch, "pl"),
				AT_SYMLINK_FOLLOW),
			 EACCES, EXDEV);
		close(fd);
	}
	path_in(tool, sizeof(tool), other, "tool");
	x.fd = open(tool, O_PATH | O_CLOEXEC);
	if (x.fd < 0) {
		note(&r, "open O_PATH of the other function's tool", errno, EACCES, 0);
	} else {
		note(&r, "execveat(O_PATH fd of an executable outside the exec set, AT_EMPTY_PATH)",
		     try_exec(do_execveat, &x), EACCES, 0);
		close(x.fd);
	}
	dfd = open(other, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0 && !fchdir(dfd)) {
		note_fd(&r, "fchdir(O_PATH dir) then open data", open("data", O_RDONLY), EACCES, 0);
		if (chdir(scratch))
			append(r.bad, sizeof(r.bad), "setup: chdir back: %s", errno_name(errno));
	} else {
		note(&r, "fchdir(O_PATH other function's dir)", errno, EACCES, 0);
	}
	if (dfd >= 0)
		close(dfd);
	row_end(&r);
}

/* 10: change a granted read-only file or dir. */
static void row10(void)
{
	char p[PATH_MAX];
	struct row r;

	row_start(&r, 10);
	note_ret(&r, "truncate", truncate(granted, 0), EACCES, 0);
	note_fd(&r, "open O_WRONLY", open(granted, O_WRONLY), EACCES, 0);
	note_ret(&r, "unlink", unlink(granted), EACCES, 0);
	note_ret(&r, "chmod", chmod(granted, 0777), EACCES, 0);
	note_ret(&r, "mknod fifo in source", mknod(path_in(p, sizeof(p), source, "fifo"),
						    S_IFIFO | 0600, 0), EACCES, 0);
	note_ret(&r, "mkdir in source", mkdir(path_in(p, sizeof(p), source, "d"), 0700), EACCES, 0);
	note_ret(&r, "setxattr user.x", setxattr(granted, "user.x", "1", 1, 0), EPERM, 0);
	row_end(&r);
}

/* 11: code outside the exec set: memfd + fexecve, a copy in scratch, ld.so, mmap/mprotect. */
static void row11(void)
{
	char copy[PATH_MAX], lib[PATH_MAX];
	const char *libs[] = { "/lib/x86_64-linux-gnu/libc.so.6", "/usr/lib/x86_64-linux-gnu/libc.so.6",
			       "/lib64/libc.so.6", "/usr/lib64/libc.so.6", self_path };
	struct exec_arg x = {};
	struct row r;
	void *m;
	int fd, err;

	row_start(&r, 11);
	fd = memfd_create("attack", 0);
	if (fd < 0) {
		note(&r, "memfd_create", errno, EACCES, 0);
	} else {
		err = copy_fd(self_path, fd);
		if (err)
			append(r.bad, sizeof(r.bad), "setup: copy self into memfd: %s",
			       errno_name(err));
		x.fd = fd;
		note(&r, "fexecve(memfd)", try_exec(do_fexecve, &x), EACCES, 0);
		close(fd);
	}
	path_in(copy, sizeof(copy), scratch, "copy");
	err = copy_file(self_path, copy);
	if (err)
		append(r.bad, sizeof(r.bad), "setup: copy self into scratch: %s", errno_name(err));
	x.path = copy;
	note(&r, "execve(scratch copy)", try_exec(do_execve, &x), EACCES, 0);
	if (!access("/lib64/ld-linux-x86-64.so.2", F_OK)) {
		x.path = "/lib64/ld-linux-x86-64.so.2";
		x.arg1 = copy;
		note(&r, "execve(ld.so scratch copy)", try_exec(do_execve, &x), EACCES, 0);
	}
	path_in(lib, sizeof(lib), scratch, "lib.so");
	err = ENOENT;
	for (size_t i = 0; i < sizeof(libs) / sizeof(libs[0]) && err; i++)
		err = copy_file(libs[i], lib);
	if (err)
		append(r.bad, sizeof(r.bad), "setup: copy a library into scratch: %s",
		       errno_name(err));
	fd = open(lib, O_RDONLY | O_CLOEXEC);
	m = mmap(NULL, 4096, PROT_READ | PROT_EXEC, MAP_PRIVATE, fd, 0);
	note(&r, "mmap(PROT_EXEC) of a library copy in scratch", m == MAP_FAILED ? errno : 0,
	     EACCES, 0);
	if (m != MAP_FAILED)
		munmap(m, 4096);
	m = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, fd, 0);
	if (m == MAP_FAILED) {
		append(r.bad, sizeof(r.bad), "setup: mmap(PROT_READ): %s", errno_name(errno));
	} else {
		note_ret(&r, "mprotect(PROT_EXEC) of it", mprotect(m, 4096, PROT_READ | PROT_EXEC),
			 EACCES, 0);
		munmap(m, 4096);
	}
	if (fd >= 0)
		close(fd);
	row_end(&r);
}

/* 12: io_uring (not permitted by the self-test policy). */
static void row12(void)
{
	unsigned char params[120] = {}; /* struct io_uring_params */
	struct row r;
	long fd;

	row_start(&r, 12);
	fd = syscall(SYS_io_uring_setup, 8, params);
	note_fd(&r, "io_uring_setup", fd, EPERM, 0);
	row_end(&r);
}

/* 13: datagrams without connect; TCP fast open. */
static void row13(void)
{
	struct sockaddr_in remote = sin4("192.0.2.1", 9), lo = sin4("127.0.0.1", 9);
	struct sockaddr_in6 mapped = sin6("::ffff:192.0.2.1", 9);
	struct iovec iov = { .iov_base = "x", .iov_len = 1 };
	struct msghdr mh = { .msg_name = &remote, .msg_namelen = sizeof(remote), .msg_iov = &iov,
			     .msg_iovlen = 1 };
	struct mmsghdr mm = { .msg_hdr = mh };
	struct row r;
	int u, u6, t;

	row_start(&r, 13);
	u = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	note_ret(&r, "UDP sendto 192.0.2.1", sendto(u, "x", 1, 0, (void *)&remote, sizeof(remote)),
		 EPERM, 0);
	note_ret(&r, "UDP sendto 127.0.0.1", sendto(u, "x", 1, 0, (void *)&lo, sizeof(lo)), EPERM, 0);
	note_ret(&r, "UDP sendmsg 192.0.2.1", sendmsg(u, &mh, 0), EPERM, 0);
	note_ret(&r, "UDP sendmmsg 192.0.2.1", sendmmsg(u, &mm, 1, 0), EPERM, 0);
	close(u);
	u6 = socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	note_ret(&r, "UDP6 sendto ::ffff:192.0.2.1",
		 sendto(u6, "x", 1, 0, (void *)&mapped, sizeof(mapped)), EPERM, 0);
	close(u6);
	t = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	set_timeouts(t);
	note_ret(&r, "TCP sendto MSG_FASTOPEN 192.0.2.1",
		 sendto(t, "x", 1, MSG_FASTOPEN, (void *)&remote, sizeof(remote)), EPERM, 0);
	close(t);
	row_end(&r);
}

/* 14: MPTCP, SCTP, UDP-Lite, short addrlen, AF_UNSPEC destinations. */
static void row14(void)
{
	struct sockaddr_in remote = sin4("192.0.2.1", 9), unspec = sin4("127.0.0.1", 9);
	struct row r;
	int fd, err;

	row_start(&r, 14);
	note_fd(&r, "socket MPTCP", socket(AF_INET, SOCK_STREAM, IPPROTO_MPTCP), EACCES, 0);
	note_fd(&r, "socket SCTP stream", socket(AF_INET, SOCK_STREAM, IPPROTO_SCTP), EACCES, 0);
	note_fd(&r, "socket SCTP seqpacket", socket(AF_INET, SOCK_SEQPACKET, IPPROTO_SCTP), EACCES,
		0);
	note_fd(&r, "socket UDP-Lite", socket(AF_INET, SOCK_DGRAM, IPPROTO_UDPLITE), EACCES, 0);
	err = try_connect(AF_INET, SOCK_STREAM, &remote, 8);
	/* Both are refusals; say which layer refused. */
	note(&r, err == EINVAL ? "connect short addrlen (kernel's own check)" :
				 "connect short addrlen", err, EPERM, EINVAL);
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	unspec.sin_family = AF_UNSPEC;
	note_ret(&r, "UDP sendto AF_UNSPEC 127.0.0.1",
		 sendto(fd, "x", 1, 0, (void *)&unspec, sizeof(unspec)), EPERM, 0);
	close(fd);
	row_end(&r);
}

/* 15: the broker's TCP port by every other address. */
static void row15(void)
{
	struct sockaddr_in a;
	struct sockaddr_in6 b;
	struct row r;
	char what[96];

	row_start(&r, 15);
	a = sin4("127.0.0.1", broker_port);
	note(&r, "connect 127.0.0.1:broker", try_connect(AF_INET, SOCK_STREAM, &a, sizeof(a)),
	     EPERM, 0);
	b = sin6("::ffff:127.0.0.1", broker_port);
	note(&r, "connect [::ffff:127.0.0.1]:broker",
	     try_connect(AF_INET6, SOCK_STREAM, &b, sizeof(b)), EPERM, 0);
	a = sin4("127.0.0.2", broker_port);
	note(&r, "connect 127.0.0.2:broker", try_connect(AF_INET, SOCK_STREAM, &a, sizeof(a)),
	     EPERM, 0);
	a = sin4("0.0.0.0", broker_port);
	note(&r, "connect 0.0.0.0:broker", try_connect(AF_INET, SOCK_STREAM, &a, sizeof(a)), EPERM,
	     0);
	b = sin6("::1", broker_port);
	note(&r, "connect [::1]:broker", try_connect(AF_INET6, SOCK_STREAM, &b, sizeof(b)), EPERM,
	     0);
	if (hostip[0]) {
		a = sin4(hostip, broker_port);
		snprintf(what, sizeof(what), "connect host address %s:broker", hostip);
		note(&r, what, try_connect(AF_INET, SOCK_STREAM, &a, sizeof(a)), EPERM, 0);
	}
	row_end(&r);
}

/* 16: families and types the policy does not grant. */
static void row16(void)
{
	struct row r;

	row_start(&r, 16);
	note_fd(&r, "socket AF_PACKET", socket(AF_PACKET, SOCK_RAW, htons(ETH_P_ALL)), EACCES, 0);
	note_fd(&r, "socket SOCK_RAW", socket(AF_INET, SOCK_RAW, IPPROTO_RAW), EACCES, 0);
	note_fd(&r, "socket ICMP ping", socket(AF_INET, SOCK_DGRAM, IPPROTO_ICMP), EACCES, 0);
	note_fd(&r, "socket ICMPv6 ping", socket(AF_INET6, SOCK_DGRAM, IPPROTO_ICMPV6), EACCES, 0);
	note_fd(&r, "socket AF_NETLINK", socket(AF_NETLINK, SOCK_RAW, NETLINK_ROUTE), EACCES, 0);
	note_fd(&r, "socket AF_VSOCK", socket(AF_VSOCK, SOCK_STREAM, 0), EACCES, 0);
	note_fd(&r, "socket AF_XDP", socket(AF_XDP, SOCK_RAW, 0), EACCES, 0);
	note_fd(&r, "socket AF_ALG", socket(AF_ALG, SOCK_SEQPACKET, 0), EACCES, 0);
	row_end(&r);
}

/* 17: the broker (and other host sockets) by every alias. */
static void row17(void)
{
	struct sockaddr_un sun;
	char p[PATH_MAX];
	struct row r;
	socklen_t len;
	int fd;

	row_start(&r, 17);
	len = unix_addr(&sun, broker, false);
	note(&r, "connect broker path", try_connect(AF_UNIX, SOCK_STREAM, &sun, len), EACCES, 0);
	len = unix_addr(&sun, broker_sym, false);
	note(&r, "connect broker symlink", try_connect(AF_UNIX, SOCK_STREAM, &sun, len), EACCES, 0);
	len = unix_addr(&sun, broker_hard, false);
	note(&r, "connect broker hardlink", try_connect(AF_UNIX, SOCK_STREAM, &sun, len), EACCES,
	     0);
	snprintf(p, sizeof(p), "/proc/%d/root%s", selftest_pid, broker);
	if (strlen(p) < sizeof(sun.sun_path)) {
		len = unix_addr(&sun, p, false);
		note(&r, "connect /proc/<pid>/root/<broker>",
		     try_connect(AF_UNIX, SOCK_STREAM, &sun, len), EACCES, 0);
	}
	len = unix_addr(&sun, abstract_name, true);
	note(&r, "connect abstract socket", try_connect(AF_UNIX, SOCK_STREAM, &sun, len), EACCES, 0);
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	len = unix_addr(&sun, dgram, false);
	note_ret(&r, "datagram sendto a host socket", sendto(fd, "x", 1, 0, (void *)&sun, len),
		 EACCES, 0);
	close(fd);
	row_end(&r);
}

/* 18: inherited fds (checked before anything was opened), session, TIOCSTI. */
static char fds_open[256];

static void row18(void)
{
	struct row r;
	char c = 'x';
	int tty;

	row_start(&r, 18);
	if (fds_open[0])
		append(r.bad, sizeof(r.bad), "inherited fds open: %s", fds_open);
	else
		append(r.ok, sizeof(r.ok), "EBADF fcntl(F_GETFD) on fds 3..255");
	if (getsid(0) == getpid())
		append(r.ok, sizeof(r.ok), "own session (getsid == getpid)");
	else
		append(r.bad, sizeof(r.bad), "still in the launcher's session");
	if (!ioctl(0, TIOCSTI, &c) || errno == EPERM) {
		note(&r, "ioctl(0, TIOCSTI)", errno == EPERM ? EPERM : 0, EPERM, 0);
	} else if (errno == ENOTTY) {
		tty = open("/dev/tty", O_RDWR | O_CLOEXEC);
		if (tty < 0) {
			snprintf(r.refused, sizeof(r.refused), "no terminal: TIOCSTI on stdin gave "
				 "ENOTTY and /dev/tty gave %s", errno_name(errno));
		} else {
			note_ret(&r, "ioctl(/dev/tty, TIOCSTI)", ioctl(tty, TIOCSTI, &c), EPERM, 0);
			close(tty);
		}
	} else {
		note(&r, "ioctl(0, TIOCSTI)", errno, EPERM, 0);
	}
	row_end(&r);
}

/* Receive one fd over s within 3 s: the fd, -1 with *ctrunc set if the kernel dropped it. */
static int recv_fd(int s, bool *ctrunc)
{
	char c, cbuf[CMSG_SPACE(sizeof(int))];
	struct iovec iov = { .iov_base = &c, .iov_len = 1 };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf,
			     .msg_controllen = sizeof(cbuf) };
	struct cmsghdr *cm;
	int fd = -1;

	*ctrunc = false;
	set_timeouts(s);
	if (recvmsg(s, &mh, MSG_CMSG_CLOEXEC) < 0)
		return -1;
	*ctrunc = mh.msg_flags & MSG_CTRUNC;
	cm = CMSG_FIRSTHDR(&mh);
	if (cm && cm->cmsg_type == SCM_RIGHTS)
		memcpy(&fd, CMSG_DATA(cm), sizeof(int));
	return fd;
}

static int send_fd(int s, int fd)
{
	char cbuf[CMSG_SPACE(sizeof(int))] = {};
	struct iovec iov = { .iov_base = "f", .iov_len = 1 };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf,
			     .msg_controllen = sizeof(cbuf) };
	struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);

	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &fd, sizeof(int));
	return sendmsg(s, &mh, 0) < 0 ? -1 : 0;
}

/* 19: fds passed in; pidfd_getfd. */
static void row19(void)
{
	struct sockaddr_un sun;
	struct row r;
	bool ctrunc;
	int s, sp[2], fd, pfd;
	long ret;

	row_start(&r, 19);
	s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (!connect(s, (void *)&sun, unix_addr(&sun, fdsend, false))) {
		fd = recv_fd(s, &ctrunc);
		if (fd >= 0) {
			char buf[64] = "";

			if (read(fd, buf, sizeof(buf) - 1) < 0)
				buf[0] = 0;
			append(r.bad, sizeof(r.bad), "connected to the outside fd sender and received "
			       "the secret's fd (read: %.20s)", buf);
			close(fd);
		} else {
			note(&r, "connect to the outside fd sender", 0, EACCES, 0);
		}
	} else {
		note(&r, "connect to the outside fd sender", errno, EACCES, 0);
	}
	close(s);
	/* Inside: fd 0 (selftest gives /dev/null, which the policy does not grant) through a
	 * socketpair. file_receive drops it; the kernel only says so with MSG_CTRUNC. */
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp)) {
		append(r.bad, sizeof(r.bad), "setup: socketpair: %s", errno_name(errno));
	} else {
		if (send_fd(sp[0], 0))
			append(r.bad, sizeof(r.bad), "setup: send fd 0: %s", errno_name(errno));
		fd = recv_fd(sp[1], &ctrunc);
		if (fd >= 0) {
			append(r.bad, sizeof(r.bad), "received fd 0 (not granted) over a socketpair");
			close(fd);
		} else if (ctrunc) {
			append(r.ok, sizeof(r.ok), "MSG_CTRUNC socketpair SCM_RIGHTS of fd 0 (/dev/null, "
			       "not granted): file_receive refused it");
		} else {
			append(r.bad, sizeof(r.bad), "socketpair recvmsg: %s", errno_name(errno));
		}
		close(sp[0]);
		close(sp[1]);
	}
	pfd = syscall(SYS_pidfd_open, victim, 0);
	if (pfd < 0) {
		note(&r, "pidfd_open(victim)", errno, EPERM, ENOSYS);
	} else {
		ret = syscall(SYS_pidfd_getfd, pfd, 0, 0);
		note_fd(&r, "pidfd_getfd(victim, 0)", ret, EPERM, 0);
		close(pfd);
	}
	row_end(&r);
}

/* 20: move itself into another cgroup. */
static void row20(void)
{
	char p[PATH_MAX], pid[16];
	struct row r;
	int fd, n;

	row_start(&r, 20);
	snprintf(p, sizeof(p), "%s/cgroup.procs", cgroot);
	fd = open(p, O_WRONLY | O_CLOEXEC);
	if (fd >= 0) {
		n = snprintf(pid, sizeof(pid), "%d", getpid());
		append(r.bad, sizeof(r.bad), "opened <cgroup2>/cgroup.procs for writing%s",
		       write(fd, pid, n) == n ? " and moved itself to the root cgroup" : "");
		close(fd);
	} else {
		note(&r, "open <cgroup2>/cgroup.procs O_WRONLY", errno, EPERM, 0);
	}
	snprintf(p, sizeof(p), "%s/bpfence/cgroup.procs", cgroot);
	note_fd(&r, "open <cgroup2>/bpfence/cgroup.procs O_WRONLY", open(p, O_WRONLY), EPERM, 0);
	row_end(&r);
}

/* 21: a child cgroup. */
static void row21(void)
{
	char p[PATH_MAX];
	struct row r;
	int ret;

	row_start(&r, 21);
	snprintf(p, sizeof(p), "%s/bpfence/selftest-escape-%d", cgroot, getpid());
	ret = mkdir(p, 0755);
	note(&r, "mkdir <cgroup2>/bpfence/<child>", ret ? errno : 0, EPERM, 0);
	if (!ret)
		rmdir(p);
	snprintf(p, sizeof(p), "%s/selftest-escape-%d", cgroot, getpid());
	ret = mkdir(p, 0755);
	note(&r, "mkdir <cgroup2>/<child>", ret ? errno : 0, EPERM, 0);
	if (!ret)
		rmdir(p);
	row_end(&r);
}

/* 25: processes outside: ptrace, process_vm_writev, kill, perf_event_open, /proc/<pid>/mem. */
static void row25(void)
{
	struct perf_event_attr pa = { .type = PERF_TYPE_SOFTWARE, .size = sizeof(pa),
				      .config = PERF_COUNT_SW_CPU_CLOCK, .disabled = 1 };
	char buf[8] = "", p[64];
	struct iovec local = { .iov_base = buf, .iov_len = 1 };
	struct iovec remote = { .iov_base = (void *)0x10000, .iov_len = 1 };
	struct row r;

	row_start(&r, 25);
	note_ret(&r, "ptrace(PTRACE_ATTACH, victim)", ptrace(PTRACE_ATTACH, victim, 0, 0), EPERM, 0);
	note_ret(&r, "process_vm_writev(victim)", process_vm_writev(victim, &local, 1, &remote, 1, 0),
		 EPERM, 0);
	note_ret(&r, "kill(victim, SIGKILL)", kill(victim, SIGKILL), EPERM, 0);
	note_ret(&r, "kill(peer, SIGKILL)", kill(peer, SIGKILL), EPERM, 0);
	note_fd(&r, "perf_event_open(victim)",
		syscall(SYS_perf_event_open, &pa, victim, -1, -1, 0), EPERM, 0);
	snprintf(p, sizeof(p), "/proc/%d/mem", victim);
	note_fd(&r, "open /proc/<victim>/mem", open(p, O_RDWR), EACCES, 0);
	row_end(&r);
}

/* 26: bpf() and the pins. */
static void row26(void)
{
	union bpf_attr a = {};
	struct row r;

	row_start(&r, 26);
	note_ret(&r, "bpf(BPF_MAP_GET_NEXT_ID)", syscall(SYS_bpf, BPF_MAP_GET_NEXT_ID, &a, sizeof(a)),
		 EPERM, 0);
	memset(&a, 0, sizeof(a));
	a.pathname = (uint64_t)(uintptr_t)pin_map;
	note_fd(&r, "bpf(BPF_OBJ_GET) of a pinned map",
		syscall(SYS_bpf, BPF_OBJ_GET, &a, sizeof(a)), EPERM, 0);
	note_fd(&r, "open a pinned map O_RDWR", open(pin_map, O_RDWR), EACCES, EPERM);
	note_ret(&r, "unlink a pinned map", unlink(pin_map), EPERM, EACCES);
	row_end(&r);
}

/* 27: the bpfence process that enforces this invocation's timeout and teardown. */
static void row27(void)
{
	struct row r;
	int err;

	row_start(&r, 27);
	/* Signal 0 first: it passes the same task_kill check without harm; SIGKILL is only sent
	 * when that was refused, so a hole shows up as NOT BLOCKED, not as a dead selftest. */
	err = kill(bpfence_pid, 0) ? errno : 0;
	note(&r, "kill(bpfence, 0)", err, EPERM, 0);
	if (err == EPERM)
		note_ret(&r, "kill(bpfence, SIGKILL)", kill(bpfence_pid, SIGKILL), EPERM, 0);
	note_ret(&r, "ptrace(PTRACE_SEIZE, bpfence)", ptrace(PTRACE_SEIZE, bpfence_pid, 0, 0), EPERM,
		 0);
	/* Starving it: a lower priority needs no capability for the same uid. */
	note_ret(&r, "setpriority(bpfence, 19)", setpriority(PRIO_PROCESS, bpfence_pid, 19), EPERM,
		 EACCES);
	/* bpfence holds capabilities this task lacks, so the capability module already refuses the
	 * calls above. The peer (same uid, no capabilities, outside: what another function looks
	 * like) gets past that check: the BPF task hooks are what refuse these. */
	{
		cpu_set_t set;
		struct rlimit rl;

		CPU_ZERO(&set);
		CPU_SET(0, &set);
		note_ret(&r, "setpriority(peer, 19)", setpriority(PRIO_PROCESS, peer, 19), EPERM, 0);
		note_ret(&r, "ioprio_set(peer, idle)", syscall(SYS_ioprio_set, 1, peer, 3 << 13), EPERM,
			 0);
		note_ret(&r, "sched_setaffinity(peer)", sched_setaffinity(peer, sizeof(set), &set),
			 EPERM, 0);
		note_ret(&r, "prlimit(peer, RLIMIT_NOFILE)", prlimit(peer, RLIMIT_NOFILE, NULL, &rl),
			 EPERM, 0);
	}
	row_end(&r);
}

/* 23 (checked by selftest): a setsid'd, double-forked orphan that writes its pid to scratch. */
static void leave_orphan(void)
{
	char p[PATH_MAX], pid[16];
	int sync[2], fd, n;
	pid_t c;

	if (pipe(sync))
		return;
	fflush(NULL);
	c = fork();
	if (c == 0) {
		setsid();
		if (fork() == 0) {
			close(sync[0]);
			signal(SIGHUP, SIG_IGN);
			fd = open(path_in(p, sizeof(p), scratch, "orphan.pid"),
				  O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
			n = snprintf(pid, sizeof(pid), "%d\n", getpid());
			if (fd >= 0 && write(fd, pid, n) == n)
				close(fd);
			close(sync[1]);
			for (;;)
				pause();
		}
		_exit(0);
	}
	close(sync[1]);
	if (read(sync[0], &n, 1) < 0)
		n = 0;
	close(sync[0]);
	waitpid(c, NULL, 0);
}

/* 22 (checked by selftest): the canary's answer to this task, first thing in main(). */
static int canary_err;

static void write_canary(void)
{
	char p[PATH_MAX];
	FILE *f = fopen(path_in(p, sizeof(p), scratch, "canary"), "we");

	if (f) {
		fprintf(f, "%s\n", canary_err ? errno_name(canary_err) : "allowed");
		fclose(f);
	}
}

static int attack(void)
{
	scratch = env("ATK_SCRATCH");
	source = env("ATK_SOURCE");
	secret = env("ATK_SECRET");
	granted = env("ATK_GRANTED");
	other = env("ATK_OTHER");
	self_path = env("ATK_SELF");
	broker = env("ATK_BROKER");
	broker_sym = env("ATK_BROKER_SYMLINK");
	broker_hard = env("ATK_BROKER_HARDLINK");
	abstract_name = env("ATK_ABSTRACT");
	dgram = env("ATK_DGRAM");
	fdsend = env("ATK_FDSEND");
	cgroot = env("ATK_CGROOT");
	overlay = env("ATK_OVERLAY");
	overlay_merged = env("ATK_OVERLAY_MERGED");
	overlay_upper = env("ATK_OVERLAY_UPPER");
	hostip = env("ATK_HOSTIP");
	pin_map = env("ATK_PIN");
	broker_port = env_int("ATK_PORT");
	selftest_pid = env_int("ATK_SELFTEST_PID");
	bpfence_pid = env_int("ATK_BPFENCE_PID");
	victim = env_int("ATK_VICTIM");
	peer = env_int("ATK_PEER");
	if (!scratch[0] || !secret[0] || !granted[0] || !victim || !peer || !bpfence_pid) {
		fprintf(stderr, "bpfence-attack: run me through 'bpfence selftest' (ATK_* missing)\n");
		return 2;
	}
	write_canary();
	row1();
	row2();
	row3();
	row4();
	row5();
	row6();
	row7();
	row8();
	row9();
	row10();
	row11();
	row12();
	row13();
	row14();
	row15();
	row16();
	row17();
	row18();
	row19();
	row20();
	row21();
	row25();
	row26();
	row27();
	leave_orphan();
	return 0;
}

/* ---- row 29 and 24 --------------------------------------------------------------------------- */

static int flood(int n)
{
	const char *s = env("ATK_SECRET");
	int denied = 0, fd;

	for (int i = 0; i < n; i++) {
		fd = open(s, O_RDONLY | O_CLOEXEC);
		if (fd >= 0)
			close(fd);
		else if (errno == EACCES)
			denied++;
	}
	printf("flood: %d EACCES of %d\n", denied, n);
	return denied == n ? 0 : 1;
}

static int __attribute__((noreturn)) bomb(void)
{
	for (;;)
		fork();
}

/* Row 24's memory bomb: touch memory 1 MiB at a time, forever (the OOM killer or the timeout
 * ends it). */
static int __attribute__((noreturn)) membomb(void)
{
	for (;;) {
		char *p = malloc(1 << 20);

		if (p)
			memset(p, 0xa5, 1 << 20);
	}
}

/* ---- negative controls: outside bpfence the same actions work --------------------------- */

static int control(int row)
{
	struct {
		struct file_handle fh;
		unsigned char buf[128];
	} h = { .fh.handle_bytes = 128 };
	char self[PATH_MAX], tmp[PATH_MAX];
	const char *t = getenv("TMPDIR");
	struct exec_arg x = {};
	int err = 0, fd, mnt_id;
	const char *what = "";
	ssize_t n;
	void *m;

	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n < 0) {
		printf("row %d: control FAILED (%s readlink /proc/self/exe)\n", row, errno_name(errno));
		return 1;
	}
	self[n] = 0;
	switch (row) {
	case 8: {
		/* A file in $TMPDIR: the selftest's files live on the same kind of filesystem, and
		 * not every filesystem (9p) supports handles at all. */
		int dfd;

		what = "create a file in $TMPDIR";
		snprintf(tmp, sizeof(tmp), "%s/bpfence-attack-control.%d", t && *t ? t : "/tmp",
			 getpid());
		fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
		if (fd < 0) {
			err = errno;
			break;
		}
		close(fd);
		what = "name_to_handle_at";
		if (name_to_handle_at(AT_FDCWD, tmp, &h.fh, &mnt_id, 0)) {
			err = errno;
			unlink(tmp);
			break;
		}
		what = "open_by_handle_at";
		*strrchr(tmp, '/') = 0;
		dfd = open(tmp, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		fd = open_by_handle_at(dfd, &h.fh, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			err = errno;
		else
			close(fd);
		if (dfd >= 0)
			close(dfd);
		snprintf(tmp + strlen(tmp), sizeof(tmp) - strlen(tmp), "/bpfence-attack-control.%d",
			 getpid());
		unlink(tmp);
		break;
	}
	case 9:
		what = "execveat(O_PATH fd, AT_EMPTY_PATH)";
		x.fd = open(self, O_PATH | O_CLOEXEC);
		err = x.fd < 0 ? errno : try_exec(do_execveat, &x);
		break;
	case 11:
		what = "memfd_create";
		fd = memfd_create("attack", 0);
		if (fd < 0) {
			err = errno;
			break;
		}
		what = "fexecve(memfd)";
		err = copy_fd(self, fd);
		x.fd = fd;
		if (!err)
			err = try_exec(do_fexecve, &x);
		close(fd);
		if (err)
			break;
		what = "mmap(PROT_EXEC) of a file copy";
		snprintf(tmp, sizeof(tmp), "%s/bpfence-attack-control.%d", t && *t ? t : "/tmp",
			 getpid());
		err = copy_file(self, tmp);
		fd = open(tmp, O_RDONLY | O_CLOEXEC);
		unlink(tmp);
		if (err || fd < 0) {
			err = err ? err : errno;
			break;
		}
		m = mmap(NULL, 4096, PROT_READ | PROT_EXEC, MAP_PRIVATE, fd, 0);
		if (m == MAP_FAILED)
			err = errno;
		else
			munmap(m, 4096);
		close(fd);
		break;
	case 12: {
		unsigned char params[120] = {};

		what = "io_uring_setup";
		fd = syscall(SYS_io_uring_setup, 8, params);
		if (fd < 0)
			err = errno;
		else
			close(fd);
		break;
	}
	default:
		fprintf(stderr, "bpfence-attack: no control for row %d (rows: 8 9 11 12)\n", row);
		return 2;
	}
	if (err) {
		printf("row %d: control FAILED (%s %s)\n", row, errno_name(err), what);
		return 1;
	}
	printf("row %d: control ok\n", row);
	return 0;
}

int main(int argc, char **argv)
{
	/* Row 22's evidence, before anything else can run: is this task already restricted? */
	if (socket(AF_UNSPEC, SOCK_DGRAM, CANARY_PROTO) >= 0)
		canary_err = 0;
	else
		canary_err = errno;
	/* Row 18's evidence, before this program opens anything of its own. */
	for (int fd = 3; fd < 256; fd++)
		if (fcntl(fd, F_GETFD) >= 0 || errno != EBADF)
			snprintf(fds_open + strlen(fds_open), sizeof(fds_open) - strlen(fds_open),
				 "%s%d", fds_open[0] ? "," : "", fd);
	/* One line per row, never duplicated into a forked child's buffer. */
	setvbuf(stdout, NULL, _IOLBF, 0);
	signal(SIGPIPE, SIG_IGN);

	if (argc == 2 && !strcmp(argv[1], "noop"))
		return 0;
	if (argc == 2 && !strcmp(argv[1], "attack"))
		return attack();
	if (argc == 2 && !strcmp(argv[1], "bomb"))
		return bomb();
	if (argc == 2 && !strcmp(argv[1], "membomb"))
		return membomb();
	if (argc == 3 && !strcmp(argv[1], "flood"))
		return flood(atoi(argv[2]));
	if (argc == 3 && !strcmp(argv[1], "--control"))
		return control(atoi(argv[2]));
	fprintf(stderr, "Usage: bpfence-attack attack | flood N | bomb | membomb | noop | "
			"--control ROW\n"
			"The hostile function of 'bpfence selftest' (see SECURITY.md).\n");
	return 2;
}
