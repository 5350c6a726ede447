// SPDX-License-Identifier: GPL-2.0-only
/*
 * A sandbox's state: where it lives, its one writer and its one reader (meta), names and ids,
 * which state a sandbox is in, the locks and activity stamps, the keeper's pid. What the state
 * is for (create, exec, the keeper, terminate) is loader/sandbox.c's.
 *
 * State lives in two places under /run (gone at reboot, as are cgroups and maps):
 *   /run/bpfence/sandboxes/<id>/      root's (0700): meta (key=value, written last: a sandbox
 *                                     without it is still being created; `creating` says by
 *                                     which process, and a reap pass undoes a create whose
 *                                     process died), policy (the text
 *                                     installed, so every exec builds the same seccomp layer),
 *                                     lock, busy, activity, keeper.lock, keeper, ending, ended
 *   /run/bpfence/sandboxes/by-name/N  symlink -> <id>: names are taken atomically (symlink(2))
 *   /run/bpfence-storage/<id>/        0711, the tmpfs mount point (a shared mount: unmounting it
 *                                     at the end propagates to every namespace that copied it)
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "sandbox.h"

void sandbox_path(char *buf, size_t n, const char *id, const char *file)
{
	snprintf(buf, n, SB_DIR "/%s%s%s", id, file ? "/" : "", file ? file : "");
}

void sandbox_storage(char *buf, size_t n, const char *id, const char *sub)
{
	snprintf(buf, n, SB_STORAGE "/%s%s%s", id, sub ? "/" : "", sub ? sub : "");
}

bool sandbox_has(const char *id, const char *file)
{
	char p[PATH_MAX];

	sandbox_path(p, sizeof(p), id, file);
	return !access(p, F_OK);
}

/* --- meta: key=value lines --- */

static long long sb_caller = -1;

void sandbox_set_caller(long long caller)
{
	sb_caller = caller;
}

long long sandbox_caller(void)
{
	return sb_caller;
}

bool sandbox_visible(const struct sandbox *s)
{
	return sb_caller <= 0 || s->owner == sb_caller;
}

int sandbox_meta_write(const struct sandbox *s)
{
	char path[PATH_MAX], *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	int e;

	if (!f)
		return -ENOMEM;
	fprintf(f, "id=%s\nname=%s\npolicy_file=%s\npolicy_name=%s\ncgroup=%s\ncgid=%llu\n"
		   "source=%s\ncreated_ms=%lld\ntimeout_ms=%lld\nidle_ms=%lld\npids_max=%lld\n"
		   "memory_max=%lld\ndisk_max=%llu\ndisk_inodes=%llu\ndrop=%d\nuid=%u\ngid=%u\n"
		   "owner=%u\n",
		s->id, s->name, s->policy_file, s->policy_name, s->cgroup,
		(unsigned long long)s->cgid, s->source, s->created_ms, s->timeout_ms, s->idle_ms,
		s->pids_max, s->memory_max, s->disk_max, s->disk_inodes, s->drop, s->uid, s->gid,
		s->owner);
	if (fclose(f))
		return -ENOMEM;
	sandbox_path(path, sizeof(path), s->id, "meta");
	e = statefile_write(path, text, len);
	free(text);
	return e;
}

int sandbox_meta_read(const char *id, struct sandbox *s)
{
	char path[PATH_MAX], line[PATH_MAX + 64];
	FILE *f;

	memset(s, 0, sizeof(*s));
	sandbox_path(path, sizeof(path), id, "meta");
	f = fopen(path, "re");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		char *v = strchr(line, '=');

		if (!v)
			continue;
		*v++ = 0;
		v[strcspn(v, "\n")] = 0;
#define STR(k) else if (!strcmp(line, #k)) snprintf(s->k, sizeof(s->k), "%s", v)
#define NUM(k) else if (!strcmp(line, #k)) s->k = strtoll(v, NULL, 10)
#define UNUM(k) else if (!strcmp(line, #k)) s->k = strtoull(v, NULL, 10)
		if (0)
			;
		STR(id);
		STR(name);
		STR(policy_file);
		STR(policy_name);
		STR(cgroup);
		STR(source);
		UNUM(cgid);
		NUM(created_ms);
		NUM(timeout_ms);
		NUM(idle_ms);
		NUM(pids_max);
		NUM(memory_max);
		UNUM(disk_max);
		UNUM(disk_inodes);
		NUM(drop);
		UNUM(uid);
		UNUM(gid);
		UNUM(owner);
#undef STR
#undef NUM
#undef UNUM
	}
	fclose(f);
	return strcmp(s->id, id) ? -EINVAL : 0;
}

/* --- names and lookup --- */

bool sandbox_valid_name(const char *n)
{
	size_t len = strlen(n);

	if (!len || len > SB_NAME_MAX || !strncmp(n, SB_ID_PREFIX, strlen(SB_ID_PREFIX)))
		return false;
	for (size_t i = 0; i < len; i++) {
		char c = n[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      (i && (c == '-' || c == '_' || c == '.'))))
			return false;
	}
	return true;
}

bool sandbox_valid_id(const char *id)
{
	size_t p = strlen(SB_ID_PREFIX), len = strlen(id);

	if (len != p + 24 || strncmp(id, SB_ID_PREFIX, p))
		return false;
	for (size_t i = p; i < len; i++)
		if (!((id[i] >= '0' && id[i] <= '9') || (id[i] >= 'a' && id[i] <= 'f')))
			return false;
	return true;
}

enum sandbox_state sandbox_state(const char *id)
{
	if (!sandbox_valid_id(id) || !sandbox_has(id, NULL))
		return SB_UNKNOWN;
	if (sandbox_has(id, "ended"))
		return SB_ENDED;
	if (sandbox_has(id, "ending"))
		return SB_ENDING;
	if (!sandbox_has(id, "meta"))
		return SB_CREATING;
	return SB_LIVE;
}

/* The reason a sandbox ended ("terminated", "timeout", "idle") into buf. */
void sandbox_end_reason(const char *id, char *buf, size_t n)
{
	char path[PATH_MAX];

	sandbox_path(path, sizeof(path), id, "ended");
	if (statefile_read(path, buf, n)) {
		sandbox_path(path, sizeof(path), id, "ending");
		if (statefile_read(path, buf, n))
			snprintf(buf, n, "terminated");
	}
	buf[strcspn(buf, " \n")] = 0;
}

/*
 * ID or NAME to a sandbox. 0 with *s filled (live), or reports and returns -1: unknown, still
 * being created, or ended (then with the reason). quiet_ended: an ended sandbox returns 1,
 * silently (terminate is idempotent).
 */
int sandbox_lookup(const char *arg, struct sandbox *s, bool quiet_ended)
{
	char id[BPFENCE_ID_MAX] = "", path[PATH_MAX], reason[64];
	ssize_t n;

	if (sandbox_valid_id(arg)) {
		snprintf(id, sizeof(id), "%s", arg);
	} else if (sandbox_valid_name(arg)) {
		snprintf(path, sizeof(path), SB_NAMES "/%s", arg);
		n = readlink(path, id, sizeof(id) - 1);
		id[n > 0 ? n : 0] = 0;
		if (n <= 0 || !sandbox_valid_id(id)) {
			/* A name is released when its sandbox ends; say so if one did. */
			DIR *d = opendir(SB_DIR);
			struct dirent *de;
			struct sandbox t;

			while (d && (de = readdir(d))) {
				if (sandbox_valid_id(de->d_name) && sandbox_state(de->d_name) == SB_ENDED &&
				    !sandbox_meta_read(de->d_name, &t) && !strcmp(t.name, arg)) {
					snprintf(id, sizeof(id), "%s", de->d_name);
					break;
				}
			}
			if (d)
				closedir(d);
			if (!id[0]) {
				bpfence_report("no such sandbox", "%s", arg);
				return -1;
			}
		}
	} else {
		bpfence_report("no such sandbox",
			       "'%s' is neither a sandbox id (sb-...) nor a name", arg);
		return -1;
	}
	switch (sandbox_state(id)) {
	case SB_UNKNOWN:
		bpfence_report("no such sandbox", "%s", arg);
		return -1;
	case SB_CREATING:
		bpfence_report("sandbox not ready", "%s is still being created", arg);
		return -1;
	case SB_ENDING:
	case SB_ENDED:
		if (quiet_ended) {
			sandbox_meta_read(id, s);
			snprintf(s->id, sizeof(s->id), "%s", id);
			if (!sandbox_visible(s)) {
				bpfence_report("not your sandbox", "%s belongs to another user", arg);
				return -1;
			}
			return 1;
		}
		sandbox_end_reason(id, reason, sizeof(reason));
		bpfence_report("sandbox has ended", "%s (%s) ended: %s", arg, id, reason);
		return -1;
	case SB_LIVE:
		break;
	}
	if (sandbox_meta_read(id, s)) {
		bpfence_report("sandbox state is damaged", "%s/%s/meta", SB_DIR, id);
		return -1;
	}
	if (!sandbox_visible(s)) {
		bpfence_report("not your sandbox", "%s belongs to another user", arg);
		return -1;
	}
	return 0;
}

/* --- locks --- */

int sandbox_lock(const char *id, const char *file, int op)
{
	char path[PATH_MAX];
	int fd;

	sandbox_path(path, sizeof(path), id, file);
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return -errno;
	while (flock(fd, op)) {
		int e = errno;

		if (e == EINTR)
			continue;
		close(fd);
		return -e;
	}
	return fd;
}

/* Whether an exec is running now. */
bool sandbox_busy(const char *id)
{
	int fd = sandbox_lock(id, "busy", LOCK_EX | LOCK_NB);

	if (fd >= 0) {
		close(fd);
		return false;
	}
	return fd == -EWOULDBLOCK;
}

void sandbox_touch(const char *id)
{
	char path[PATH_MAX];
	int fd;

	sandbox_path(path, sizeof(path), id, "activity");
	fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd >= 0) {
		futimens(fd, NULL);
		close(fd);
	}
}

long long sandbox_last_activity(const char *id, long long fallback)
{
	char path[PATH_MAX];
	struct stat st;

	sandbox_path(path, sizeof(path), id, "activity");
	if (stat(path, &st))
		return fallback;
	return st.st_mtim.tv_sec * 1000LL + st.st_mtim.tv_nsec / 1000000;
}

/* The keeper's pid if one holds keeper.lock, else 0. A pidfd is opened before the lock is
 * checked, so a pid that is reused after the keeper died is never taken for it. */
pid_t sandbox_keeper_pid(const char *id, int *pidfd)
{
	char path[PATH_MAX], buf[32];
	pid_t pid;
	int fd, lk;

	*pidfd = -1;
	sandbox_path(path, sizeof(path), id, "keeper");
	if (statefile_read(path, buf, sizeof(buf)))
		return 0;
	pid = atoi(buf);
	if (pid <= 1)
		return 0;
	fd = syscall(SYS_pidfd_open, pid, 0);
	if (fd < 0)
		return 0;
	lk = sandbox_lock(id, "keeper.lock", LOCK_EX | LOCK_NB);
	if (lk >= 0) { /* nobody holds it: no keeper */
		close(lk);
		close(fd);
		return 0;
	}
	if (statefile_read(path, buf, sizeof(buf)) || atoi(buf) != pid) {
		close(fd);
		return 0;
	}
	*pidfd = fd;
	return pid;
}

/* A process still in the sandbox's cgroup, whose namespaces a new keeper joins; 0 if none. */
pid_t sandbox_member_pid(const struct sandbox *s)
{
	char path[PATH_MAX], buf[32];
	FILE *f;
	pid_t pid = 0;

	snprintf(path, sizeof(path), "%s/cgroup.procs", s->cgroup);
	f = fopen(path, "re");
	if (f && fgets(buf, sizeof(buf), f))
		pid = atoi(buf);
	if (f)
		fclose(f);
	return pid;
}

/* The state directories; the storage directory a shared mount, so that unmounting a sandbox's
 * tmpfs there reaches every mount namespace that copied it (runs, other sandboxes' keepers). */
int sandbox_dirs(void)
{
	char line[PATH_MAX * 2];
	bool mounted = false;
	FILE *f;
	int lock;

	if ((mkdir("/run/bpfence", 0700) && errno != EEXIST) ||
	    (mkdir(SB_DIR, 0700) && errno != EEXIST) || (mkdir(SB_NAMES, 0700) && errno != EEXIST))
		return -errno;
	/* Others need to pass through to a sandbox's tmpfs (its root is the sandbox user's). */
	if (mkdir(SB_STORAGE, 0711) && errno != EEXIST)
		return -errno;
	lock = open(SB_DIR, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (lock < 0 || flock(lock, LOCK_EX)) {
		if (lock >= 0)
			close(lock);
		return -errno;
	}
	f = fopen("/proc/self/mountinfo", "re");
	while (f && fgets(line, sizeof(line), f)) {
		char *mp = line;

		/* "ID PARENT MAJ:MIN ROOT MOUNTPOINT ...": the fifth field */
		for (int i = 0; i < 4 && mp; i++) {
			mp = strchr(mp, ' ');
			if (mp)
				mp++;
		}
		if (mp && !strncmp(mp, SB_STORAGE " ", strlen(SB_STORAGE) + 1))
			mounted = true;
	}
	if (f)
		fclose(f);
	if (!mounted && (mount(SB_STORAGE, SB_STORAGE, NULL, MS_BIND, NULL) ||
			 mount(NULL, SB_STORAGE, NULL, MS_SHARED, NULL))) {
		int e = errno;

		close(lock);
		return -e;
	}
	close(lock);
	return 0;
}

long sandbox_procs(const struct sandbox *s)
{
	char buf[32];
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/pids.current", s->cgroup);
	if (!statefile_read(path, buf, sizeof(buf)))
		return atol(buf);
	{
		FILE *f;
		long n = 0;
		int ch;

		snprintf(path, sizeof(path), "%s/cgroup.procs", s->cgroup);
		f = fopen(path, "re");
		if (!f)
			return -1;
		while ((ch = fgetc(f)) != EOF)
			n += ch == '\n';
		fclose(f);
		return n;
	}
}

long long sandbox_count_live(long long owner)
{
	DIR *d = opendir(SB_DIR);
	struct dirent *de;
	struct sandbox s;
	long long n = 0;

	if (!d)
		return errno == ENOENT ? 0 : -errno;
	/* A create in progress counts for its owner too: two at once must not pass a bound. */
	while ((de = readdir(d)))
		if (owner < 0 ? sandbox_state(de->d_name) == SB_LIVE :
				(sandbox_state(de->d_name) == SB_LIVE ||
				 sandbox_state(de->d_name) == SB_CREATING) &&
					!sandbox_meta_read(de->d_name, &s) && s.owner == owner)
			n++;
	closedir(d);
	return n;
}
