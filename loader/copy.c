// SPDX-License-Identifier: GPL-2.0-only
/*
 * Files into and out of a sandbox's scratch (`bpfence sandbox cp`). Scratch is the function's:
 * anything in it may be a symlink, a FIFO or a device it planted. So every path there is resolved
 * with openat2(RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_XDEV)
 * from the storage's own directory, only regular files are copied out (opened non-blocking, so
 * a FIFO cannot hang the copy), and a copy in lands atomically (written beside, renamed over
 * whatever was planted at the name) and owned by the sandbox's user. Where the storage is and
 * who owns it is loader/sandbox.c's.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "sandbox.h"

#define RESOLVE_SAFE (RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_XDEV)

static int open_beneath(int dirfd, const char *path, int flags, mode_t mode)
{
	struct open_how how = { .flags = (unsigned long long)(flags | O_CLOEXEC), .mode = mode,
				.resolve = RESOLVE_SAFE };

	return (int)syscall(SYS_openat2, dirfd, path, &how, sizeof(how));
}

/* The sandbox's scratch, opened through its storage without following anything planted. */
static int open_scratch(const struct sandbox *s, const char *path, const char **rel)
{
	char storage[PATH_MAX], scratch[PATH_MAX];
	int sfd, fd;
	size_t sl;

	sandbox_storage(storage, sizeof(storage), s->id, NULL);
	sandbox_storage(scratch, sizeof(scratch), s->id, "scratch");
	sl = strlen(scratch);
	if (path[0] == '/') {
		if (strncmp(path, scratch, sl) || (path[sl] && path[sl] != '/')) {
			bpfence_report("bad path", "%s is not under the sandbox's scratch %s", path,
				       scratch);
			return -1;
		}
		path += sl;
	}
	while (*path == '/')
		path++;
	*rel = path[0] ? path : ".";
	sfd = open(storage, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (sfd < 0) {
		bpfence_report("cannot open the sandbox's storage", "%s: %s", storage,
			       strerror(errno));
		return -1;
	}
	fd = open_beneath(sfd, "scratch", O_PATH | O_DIRECTORY, 0);
	close(sfd);
	if (fd < 0)
		bpfence_report("cannot open the sandbox's scratch", "%s: %s", scratch,
			       strerror(errno));
	return fd;
}

static int copy_fd(int in, int out, unsigned long long max, const char *what)
{
	char buf[65536];
	unsigned long long total = 0;
	ssize_t got;

	while ((got = read(in, buf, sizeof(buf))) != 0) {
		if (got < 0) {
			if (errno == EINTR)
				continue;
			bpfence_report("cannot copy", "reading %s: %s", what, strerror(errno));
			return -1;
		}
		total += (unsigned long long)got;
		if (total > max) {
			bpfence_report("file too large",
				       "%s is larger than --max-size (%llu bytes)", what, max);
			return -1;
		}
		for (ssize_t off = 0; off < got;) {
			ssize_t w = write(out, buf + off, (size_t)(got - off));

			if (w < 0 && errno == EINTR)
				continue;
			if (w <= 0) {
				bpfence_report("cannot copy", "writing %s: %s", what,
					       strerror(w < 0 ? errno : EIO));
				return -1;
			}
			off += w;
		}
	}
	return 0;
}

int sandbox_copy_in(const struct sandbox *s, const char *src, const char *dst,
		 unsigned long long max)
{
	char parent[PATH_MAX], base[NAME_MAX + 1], tmp[64];
	const char *rel, *slash;
	int scratch, in = -1, dir = -1, out = -1, status = -1, probe;
	struct stat st;
	mode_t mode = 0644;

	scratch = open_scratch(s, dst, &rel);
	if (scratch < 0)
		return -1;
	if (strcmp(src, "-")) {
		in = open(src, O_RDONLY | O_CLOEXEC | O_NOCTTY);
		if (in < 0 || fstat(in, &st)) {
			bpfence_report("cannot copy", "%s: %s", src, strerror(errno));
			goto out;
		}
		if (!S_ISREG(st.st_mode)) {
			bpfence_report("cannot copy", "%s: not a regular file", src);
			goto out;
		}
		if ((unsigned long long)st.st_size > max) {
			bpfence_report("file too large",
				       "%s is larger than --max-size (%llu bytes)", src, max);
			goto out;
		}
		mode = st.st_mode & 0777;
	} else {
		in = 0;
	}
	/* An existing directory (or a trailing /): the file goes in it under its own name. */
	probe = open_beneath(scratch, rel, O_PATH | O_DIRECTORY, 0);
	if (probe >= 0 || rel[strlen(rel) - 1] == '/') {
		const char *b = strrchr(src, '/');

		if (probe >= 0)
			close(probe);
		if (!strcmp(src, "-")) {
			bpfence_report("bad destination", "%s is a directory (stdin has no name)", dst);
			goto out;
		}
		snprintf(parent, sizeof(parent), "%s", rel);
		snprintf(base, sizeof(base), "%s", b ? b + 1 : src);
	} else {
		slash = strrchr(rel, '/');
		if (slash) {
			snprintf(parent, sizeof(parent), "%.*s", (int)(slash - rel), rel);
			snprintf(base, sizeof(base), "%s", slash + 1);
		} else {
			snprintf(parent, sizeof(parent), ".");
			snprintf(base, sizeof(base), "%s", rel);
		}
	}
	if (!base[0] || !strcmp(base, ".") || !strcmp(base, "..")) {
		bpfence_report("bad destination", "%s", dst);
		goto out;
	}
	dir = open_beneath(scratch, parent[0] ? parent : ".", O_PATH | O_DIRECTORY, 0);
	if (dir < 0) {
		bpfence_report("cannot copy", "%s: %s%s", dst, strerror(errno),
			       errno == ELOOP || errno == EXDEV
				       ? " (a symlink or a path leaving the sandbox's scratch)"
				       : "");
		goto out;
	}
	snprintf(tmp, sizeof(tmp), ".bpfence-cp-%d", getpid());
	out = openat(dir, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (out < 0) {
		bpfence_report("cannot copy", "%s: %s", dst, strerror(errno));
		goto out;
	}
	if (copy_fd(in, out, max, src)) {
		unlinkat(dir, tmp, 0);
		goto out;
	}
	if ((s->drop && fchown(out, s->uid, s->gid)) || fchmod(out, mode)) {
		bpfence_report("cannot copy", "%s: %s", dst, strerror(errno));
		unlinkat(dir, tmp, 0);
		goto out;
	}
	/* renameat replaces whatever is at base (a planted symlink included) without following
	 * it. */
	if (renameat(dir, tmp, dir, base)) {
		bpfence_report("cannot copy", "%s: %s", dst, strerror(errno));
		unlinkat(dir, tmp, 0);
		goto out;
	}
	status = 0;
out:
	if (in > 0)
		close(in);
	if (out >= 0)
		close(out);
	if (dir >= 0)
		close(dir);
	close(scratch);
	return status;
}

int sandbox_copy_out(const struct sandbox *s, const char *src, const char *dst,
		  unsigned long long max)
{
	char target[PATH_MAX];
	const char *rel, *b;
	int scratch, in = -1, out = -1, status = -1;
	struct stat st;

	scratch = open_scratch(s, src, &rel);
	if (scratch < 0)
		return -1;
	/* O_NONBLOCK: a FIFO planted there must not hang the copy (it is refused below). */
	in = open_beneath(scratch, rel, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_NOFOLLOW, 0);
	if (in < 0) {
		bpfence_report("cannot copy", "%s: %s%s", src, strerror(errno),
			       errno == ELOOP || errno == EXDEV
				       ? " (a symlink or a path leaving the sandbox's scratch)"
				       : "");
		goto out;
	}
	if (fstat(in, &st) || !S_ISREG(st.st_mode)) {
		bpfence_report("cannot copy", "%s: not a regular file", src);
		goto out;
	}
	if ((unsigned long long)st.st_size > max) {
		bpfence_report("file too large", "%s is larger than --max-size (%llu bytes)", src, max);
		goto out;
	}
	fcntl(in, F_SETFL, fcntl(in, F_GETFL) & ~O_NONBLOCK);
	if (!strcmp(dst, "-")) {
		out = 1;
	} else {
		b = strrchr(rel, '/');
		if (!stat(dst, &st) && S_ISDIR(st.st_mode))
			snprintf(target, sizeof(target), "%s/%s", dst, b ? b + 1 : rel);
		else
			snprintf(target, sizeof(target), "%s", dst);
		out = open(target, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOCTTY, 0644);
		if (out < 0) {
			bpfence_report("cannot copy", "%s: %s", target, strerror(errno));
			goto out;
		}
	}
	if (copy_fd(in, out, max, src))
		goto out;
	status = 0;
out:
	if (in >= 0)
		close(in);
	if (out > 1 && close(out) && !status) {
		bpfence_report("cannot copy", "%s: %s", dst, strerror(errno));
		status = -1;
	}
	close(scratch);
	return status;
}
