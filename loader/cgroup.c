// SPDX-License-Identifier: GPL-2.0-only
/*
 * cgroup v2 plumbing. The hierarchy is found in /proc/self/mountinfo, never assumed: hybrid hosts
 * mount it at /sys/fs/cgroup/unified, modern ones at /sys/fs/cgroup.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "libbpfence.h"

/* mountinfo escapes space, tab, newline and backslash as \ooo. */
static void unescape(char *s)
{
	char *d = s;

	while (*s) {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] >= '0' && s[2] <= '7' &&
		    s[3] >= '0' && s[3] <= '7') {
			*d++ = (char)((s[1] - '0') << 6 | (s[2] - '0') << 3 | (s[3] - '0'));
			s += 4;
		} else {
			*d++ = *s++;
		}
	}
	*d = 0;
}

int cgroup2_root(char *buf, size_t n)
{
	/* Asked several times per `run` (the probe, then the invocation's cgroup): read once. */
	static char found[PATH_MAX];
	FILE *f;
	char *line = NULL;
	size_t cap = 0;
	int r = -ENOENT;

	if (found[0]) {
		if (strlen(found) >= n)
			return -ENAMETOOLONG;
		strcpy(buf, found);
		return 0;
	}
	f = fopen("/proc/self/mountinfo", "re");
	if (!f)
		return -errno;
	while (getline(&line, &cap, f) > 0) {
		/* id parent maj:min root mountpoint options [optional...] - fstype source superopts */
		char *sep = strstr(line, " - ");
		char *fields[6] = {}, *save = NULL, *tok;
		int i = 0;

		if (!sep || strncmp(sep + 3, "cgroup2 ", 8))
			continue;
		*sep = 0;
		for (tok = strtok_r(line, " ", &save); tok && i < 6; tok = strtok_r(NULL, " ", &save))
			fields[i++] = tok;
		if (i < 5)
			continue;
		unescape(fields[4]);
		if (strlen(fields[4]) >= n) {
			r = -ENAMETOOLONG;
			break;
		}
		strcpy(buf, fields[4]);
		if (strlen(fields[4]) < sizeof(found))
			strcpy(found, fields[4]);
		r = 0;
		break;
	}
	free(line);
	fclose(f);
	return r;
}

int cgroup2_resolve(const char *user_path, char *buf, size_t n)
{
	char root[PATH_MAX], real[PATH_MAX];
	size_t rl;
	int r = cgroup2_root(root, sizeof(root));

	if (r)
		return r;
	if (user_path[0] == '/') {
		if (!realpath(user_path, real))
			return -errno;
	} else {
		char joined[PATH_MAX * 2];

		snprintf(joined, sizeof(joined), "%s/%s", root, user_path);
		if (!realpath(joined, real))
			return -errno;
	}
	rl = strlen(root);
	/* Must be the root itself or strictly below it. */
	if (strncmp(real, root, rl) || (real[rl] != 0 && real[rl] != '/'))
		return -EXDEV;
	if (strlen(real) >= n)
		return -ENAMETOOLONG;
	strcpy(buf, real);
	return 0;
}

int cgroup_id(const char *path, __u64 *id)
{
	struct {
		struct file_handle fh;
		__u64 id;
	} h = { .fh.handle_bytes = sizeof(__u64) };
	struct stat st;
	int mnt;

	/* The kernfs file handle of a cgroup directory is its id (as systemd reads it). */
	if (!name_to_handle_at(AT_FDCWD, path, &h.fh, &mnt, 0) && h.fh.handle_bytes == 8) {
		memcpy(id, h.fh.f_handle, sizeof(*id));
		return 0;
	}
	/* On 64-bit kernels the inode number of a cgroup directory is its id. */
	if (stat(path, &st))
		return -errno;
	*id = st.st_ino;
	return 0;
}

int cgroup_write(const char *dir, const char *name, const char *val)
{
	char path[PATH_MAX];
	int fd, r = 0;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (write(fd, val, strlen(val)) < 0)
		r = -errno;
	close(fd);
	return r;
}

/* populated 1/0 from cgroup.events; negative errno on failure. */
static int populated(int fd)
{
	char buf[256];
	ssize_t len = pread(fd, buf, sizeof(buf) - 1, 0);
	char *p;

	if (len < 0)
		return -errno;
	buf[len] = 0;
	p = strstr(buf, "populated ");
	if (!p)
		return -EINVAL;
	return p[10] == '1';
}

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Without cgroup.kill (before 5.14): freeze so nothing can fork, SIGKILL every task in the
 * subtree, thaw so the kills are delivered. */
static int freeze_and_kill(const char *path)
{
	char sub[PATH_MAX];
	struct dirent *de;
	FILE *procs;
	DIR *d;
	int pid;

	cgroup_write(path, "cgroup.freeze", "1");
	snprintf(sub, sizeof(sub), "%s/cgroup.procs", path);
	procs = fopen(sub, "re");
	if (procs) {
		while (fscanf(procs, "%d", &pid) == 1)
			kill(pid, SIGKILL);
		fclose(procs);
	}
	d = opendir(path);
	if (d) {
		while ((de = readdir(d))) {
			if (de->d_type != DT_DIR || de->d_name[0] == '.')
				continue;
			snprintf(sub, sizeof(sub), "%s/%s", path, de->d_name);
			freeze_and_kill(sub);
		}
		closedir(d);
	}
	cgroup_write(path, "cgroup.freeze", "0");
	return 0;
}

int cgroup_kill_and_wait(const char *path, int timeout_ms)
{
	char events[PATH_MAX];
	long deadline = timeout_ms < 0 ? -1 : now_ms() + timeout_ms;
	int fd, r;

	snprintf(events, sizeof(events), "%s/cgroup.events", path);
	fd = open(events, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	r = populated(fd);
	if (r == 1) {
		if (cgroup_write(path, "cgroup.kill", "1") == -ENOENT)
			freeze_and_kill(path);
	}
	while ((r = populated(fd)) == 1) {
		struct pollfd p = { .fd = fd, .events = POLLPRI };
		long left = deadline < 0 ? 1000 : deadline - now_ms();

		if (deadline >= 0 && left <= 0) {
			r = -ETIMEDOUT;
			break;
		}
		/* cgroup.events signals POLLPRI on change; the bounded wait re-kills stragglers
		 * that a freeze fallback may have missed. */
		poll(&p, 1, left > 100 ? 100 : (int)left);
		if (populated(fd) == 1 && cgroup_write(path, "cgroup.kill", "1") == -ENOENT)
			freeze_and_kill(path);
	}
	close(fd);
	return r < 0 ? r : 0;
}

int cgroup_remove(const char *path)
{
	char sub[PATH_MAX];
	struct dirent *de;
	DIR *d;

	/* Most invocations make no child cgroups: one rmdir, no directory walk. */
	if (!rmdir(path) || errno == ENOENT)
		return 0;
	d = opendir(path);

	if (!d)
		return errno == ENOENT ? 0 : -errno;
	while ((de = readdir(d))) {
		if (de->d_type != DT_DIR || !strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		snprintf(sub, sizeof(sub), "%s/%s", path, de->d_name);
		cgroup_remove(sub);
	}
	closedir(d);
	/* A cgroup whose last task just exited can report EBUSY for a moment. */
	for (int i = 0; i < 200; i++) {
		if (!rmdir(path) || errno == ENOENT)
			return 0;
		if (errno != EBUSY)
			return -errno;
		usleep(5000);
	}
	return -EBUSY;
}

/* The cgroup v2 path (relative to the cgroup2 mount, starting with '/') of process pid. */
int cgroup_of_pid(long pid, char *buf, size_t n)
{
	char path[64], line[PATH_MAX + 8];
	FILE *f;
	int r = -ENOENT;

	if (pid)
		snprintf(path, sizeof(path), "/proc/%ld/cgroup", pid);
	else
		snprintf(path, sizeof(path), "/proc/self/cgroup");
	f = fopen(path, "re");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		size_t l = strcspn(line, "\n");

		line[l] = 0;
		if (strncmp(line, "0::", 3))
			continue;
		if ((size_t)snprintf(buf, n, "%s", line + 3) >= n)
			r = -ENAMETOOLONG;
		else
			r = 0;
		break;
	}
	fclose(f);
	return r;
}
