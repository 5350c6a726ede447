// SPDX-License-Identifier: GPL-2.0-only
/*
 * bpfence sandbox: a restricted session that lives across many commands (create, exec many
 * times, cp, ls, terminate): the stateful sibling of `bpfence run`.
 *
 * A sandbox is what an invocation of `run` is, kept: a tagged cgroup <cgroup2>/bpfence/<id>
 * with its policy installed under the cgroup's id, pids/memory bounds, one size- and
 * inode-bounded tmpfs (its scratch, HOME and TMPDIR, and its /dev/shm) and a private IPC
 * namespace. Every command is started as `run` starts its one (cli/launch.c): clone3 into the
 * tagged cgroup, privileges dropped, the seccomp layer, the live canary. Files in scratch and
 * processes left running persist between execs, because nothing tears the cgroup down until
 * `terminate` or a timeout.
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
 *
 * The keeper. Each sandbox has a small supervisor, a double-forked `bpfence` outside the
 * sandbox's cgroup that (1) holds the sandbox's mount and IPC namespaces (private IPC, /dev/shm
 * bound to the tmpfs) for execs to join with setns(pidfd), and (2) enforces the lifetime and
 * idle timeouts. It holds keeper.lock for as long as it lives. If it is killed, the sandbox
 * stays as it is: tagged, restricted, its processes running. Every `bpfence sandbox` command
 * first runs a reap pass (`bpfence sandbox reap` alone is that pass, for a timer): sandboxes past
 * a deadline are terminated there and then, and a live one without a keeper gets a new one,
 * which joins the namespaces of a process still in the sandbox (or makes fresh ones: files in
 * scratch and /dev/shm persist on the tmpfs either way).
 *
 * Idle: no exec running (each exec holds `busy` shared for its whole life) for --idle-timeout
 * seconds since the last exec started or ended (activity's mtime). Processes left running in
 * the background do not count as activity.
 *
 * Locks: `lock` is taken shared by an exec while it checks the sandbox is alive and starts its
 * command, exclusive by terminate; so no command starts in a sandbox being torn down.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <linux/filter.h>
#include <linux/openat2.h>
#include <math.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "json.h"

#ifndef P_PIDFD
#define P_PIDFD 3
#endif

#define SB_DIR "/run/bpfence/sandboxes"
#define SB_NAMES SB_DIR "/by-name"
#define SB_STORAGE "/run/bpfence-storage"
#define SB_ID_PREFIX "sb-"
#define SB_NAME_MAX 64
#define SB_DEFAULT_TIMEOUT_MS (300 * 1000L)
#define SB_KEEPER_TICK_MS 250
#define SB_KILL_WAIT_MS 10000
#define SB_TOMBSTONE_MS (24 * 3600 * 1000LL) /* how long `terminated` is remembered */
#define SB_CREATING_STALE_MS (120 * 1000LL)  /* a create without meta this old was killed */
#define SB_CP_MAX_DEFAULT (256ULL << 20)

/* Exit status of an exec whose sandbox went while its command ran. */
#define EXIT_TERMINATED 137

struct sandbox {
	char id[BPFENCE_ID_MAX];
	char name[SB_NAME_MAX + 1];
	char policy_file[PATH_MAX]; /* as given to create */
	char policy_name[128];
	char cgroup[PATH_MAX];
	char source[PATH_MAX]; /* "" if none */
	__u64 cgid;
	long long created_ms;            /* CLOCK_REALTIME */
	long long timeout_ms, idle_ms;   /* 0: none */
	long long pids_max, memory_max;  /* 0: none */
	unsigned long long disk_max, disk_inodes;
	bool drop;
	unsigned int uid, gid;
};

static long long real_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

static long long mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

static void sb_path(char *buf, size_t n, const char *id, const char *file)
{
	snprintf(buf, n, SB_DIR "/%s%s%s", id, file ? "/" : "", file ? file : "");
}

static void sb_storage(char *buf, size_t n, const char *id, const char *sub)
{
	snprintf(buf, n, SB_STORAGE "/%s%s%s", id, sub ? "/" : "", sub ? sub : "");
}

static bool sb_exists(const char *id, const char *file)
{
	char p[PATH_MAX];

	sb_path(p, sizeof(p), id, file);
	return !access(p, F_OK);
}

static int write_file(const char *path, const char *text, size_t len)
{
	char tmp[PATH_MAX + 8];
	int fd, e = 0;

	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return -errno;
	if (write(fd, text, len) != (ssize_t)len)
		e = errno ? -errno : -EIO;
	if (close(fd) && !e)
		e = -errno;
	if (!e && rename(tmp, path))
		e = -errno;
	if (e)
		unlink(tmp);
	return e;
}

/* A small file, NUL-terminated, trailing newline dropped. */
static int read_file(const char *path, char *buf, size_t n)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	ssize_t got;

	if (fd < 0)
		return -errno;
	got = read(fd, buf, n - 1);
	close(fd);
	if (got < 0)
		return -errno;
	buf[got] = 0;
	if (got && buf[got - 1] == '\n')
		buf[got - 1] = 0;
	return 0;
}

/* --- meta: key=value lines --- */

static int meta_write(const struct sandbox *s)
{
	char path[PATH_MAX], *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	int e;

	if (!f)
		return -ENOMEM;
	fprintf(f, "id=%s\nname=%s\npolicy_file=%s\npolicy_name=%s\ncgroup=%s\ncgid=%llu\n"
		   "source=%s\ncreated_ms=%lld\ntimeout_ms=%lld\nidle_ms=%lld\npids_max=%lld\n"
		   "memory_max=%lld\ndisk_max=%llu\ndisk_inodes=%llu\ndrop=%d\nuid=%u\ngid=%u\n",
		s->id, s->name, s->policy_file, s->policy_name, s->cgroup,
		(unsigned long long)s->cgid, s->source, s->created_ms, s->timeout_ms, s->idle_ms,
		s->pids_max, s->memory_max, s->disk_max, s->disk_inodes, s->drop, s->uid, s->gid);
	if (fclose(f))
		return -ENOMEM;
	sb_path(path, sizeof(path), s->id, "meta");
	e = write_file(path, text, len);
	free(text);
	return e;
}

static int meta_read(const char *id, struct sandbox *s)
{
	char path[PATH_MAX], line[PATH_MAX + 64];
	FILE *f;

	memset(s, 0, sizeof(*s));
	sb_path(path, sizeof(path), id, "meta");
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
#undef STR
#undef NUM
#undef UNUM
	}
	fclose(f);
	return strcmp(s->id, id) ? -EINVAL : 0;
}

/* --- names and lookup --- */

static bool valid_name(const char *n)
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

static bool valid_id(const char *id)
{
	size_t p = strlen(SB_ID_PREFIX), len = strlen(id);

	if (len != p + 24 || strncmp(id, SB_ID_PREFIX, p))
		return false;
	for (size_t i = p; i < len; i++)
		if (!((id[i] >= '0' && id[i] <= '9') || (id[i] >= 'a' && id[i] <= 'f')))
			return false;
	return true;
}

enum sb_state { SB_UNKNOWN, SB_CREATING, SB_LIVE, SB_ENDING, SB_ENDED };

static enum sb_state sb_state_of(const char *id)
{
	if (!valid_id(id) || !sb_exists(id, NULL))
		return SB_UNKNOWN;
	if (sb_exists(id, "ended"))
		return SB_ENDED;
	if (sb_exists(id, "ending"))
		return SB_ENDING;
	if (!sb_exists(id, "meta"))
		return SB_CREATING;
	return SB_LIVE;
}

/* The reason a sandbox ended ("terminated", "timeout", "idle") into buf. */
static void end_reason(const char *id, char *buf, size_t n)
{
	char path[PATH_MAX];

	sb_path(path, sizeof(path), id, "ended");
	if (read_file(path, buf, n)) {
		sb_path(path, sizeof(path), id, "ending");
		if (read_file(path, buf, n))
			snprintf(buf, n, "terminated");
	}
	buf[strcspn(buf, " \n")] = 0;
}

/*
 * ID or NAME to a sandbox. 0 with *s filled (live), or reports and returns -1: unknown, still
 * being created, or ended (then with the reason). quiet_ended: an ended sandbox returns 1,
 * silently (terminate is idempotent).
 */
static int sb_lookup(const char *arg, struct sandbox *s, bool quiet_ended)
{
	char id[BPFENCE_ID_MAX] = "", path[PATH_MAX], reason[64];
	ssize_t n;

	if (valid_id(arg)) {
		snprintf(id, sizeof(id), "%s", arg);
	} else if (valid_name(arg)) {
		snprintf(path, sizeof(path), SB_NAMES "/%s", arg);
		n = readlink(path, id, sizeof(id) - 1);
		id[n > 0 ? n : 0] = 0;
		if (n <= 0 || !valid_id(id)) {
			/* A name is released when its sandbox ends; say so if one did. */
			DIR *d = opendir(SB_DIR);
			struct dirent *de;
			struct sandbox t;

			while (d && (de = readdir(d))) {
				if (valid_id(de->d_name) && sb_state_of(de->d_name) == SB_ENDED &&
				    !meta_read(de->d_name, &t) && !strcmp(t.name, arg)) {
					snprintf(id, sizeof(id), "%s", de->d_name);
					break;
				}
			}
			if (d)
				closedir(d);
			if (!id[0]) {
				report_error("no such sandbox", "%s", arg);
				return -1;
			}
		}
	} else {
		report_error("no such sandbox", "'%s' is neither a sandbox id (sb-...) nor a name",
			     arg);
		return -1;
	}
	switch (sb_state_of(id)) {
	case SB_UNKNOWN:
		report_error("no such sandbox", "%s", arg);
		return -1;
	case SB_CREATING:
		report_error("sandbox not ready", "%s is still being created", arg);
		return -1;
	case SB_ENDING:
	case SB_ENDED:
		if (quiet_ended) {
			meta_read(id, s);
			snprintf(s->id, sizeof(s->id), "%s", id);
			return 1;
		}
		end_reason(id, reason, sizeof(reason));
		report_error("sandbox has ended", "%s (%s) ended: %s", arg, id, reason);
		return -1;
	case SB_LIVE:
		break;
	}
	if (meta_read(id, s)) {
		report_error("sandbox state is damaged", "%s/%s/meta", SB_DIR, id);
		return -1;
	}
	return 0;
}

/* --- locks --- */

static int sb_lock(const char *id, const char *file, int op)
{
	char path[PATH_MAX];
	int fd;

	sb_path(path, sizeof(path), id, file);
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
static bool sb_busy(const char *id)
{
	int fd = sb_lock(id, "busy", LOCK_EX | LOCK_NB);

	if (fd >= 0) {
		close(fd);
		return false;
	}
	return fd == -EWOULDBLOCK;
}

static void sb_touch(const char *id)
{
	char path[PATH_MAX];
	int fd;

	sb_path(path, sizeof(path), id, "activity");
	fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd >= 0) {
		futimens(fd, NULL);
		close(fd);
	}
}

static long long sb_last_activity(const char *id, long long fallback)
{
	char path[PATH_MAX];
	struct stat st;

	sb_path(path, sizeof(path), id, "activity");
	if (stat(path, &st))
		return fallback;
	return st.st_mtim.tv_sec * 1000LL + st.st_mtim.tv_nsec / 1000000;
}

/* The keeper's pid if one holds keeper.lock, else 0. A pidfd is opened before the lock is
 * checked, so a pid that is reused after the keeper died is never taken for it. */
static pid_t keeper_pid(const char *id, int *pidfd)
{
	char path[PATH_MAX], buf[32];
	pid_t pid;
	int fd, lk;

	*pidfd = -1;
	sb_path(path, sizeof(path), id, "keeper");
	if (read_file(path, buf, sizeof(buf)))
		return 0;
	pid = atoi(buf);
	if (pid <= 1)
		return 0;
	fd = syscall(SYS_pidfd_open, pid, 0);
	if (fd < 0)
		return 0;
	lk = sb_lock(id, "keeper.lock", LOCK_EX | LOCK_NB);
	if (lk >= 0) { /* nobody holds it: no keeper */
		close(lk);
		close(fd);
		return 0;
	}
	if (read_file(path, buf, sizeof(buf)) || atoi(buf) != pid) {
		close(fd);
		return 0;
	}
	*pidfd = fd;
	return pid;
}

/* --- teardown --- */

static int open_maps(struct bpfence_maps *m)
{
	char why[WHY_MAX];

	if (bpfence_loaded() != 1 || bpfence_maps_open(m, why, sizeof(why)))
		return -1;
	return 0;
}

/*
 * End a sandbox: kill everything in it, wait until it is empty, remove the cgroup (its tag goes
 * with it), the rules, the storage and the name. Idempotent: 1 if it had ended already. On a
 * failure it stays tagged and restricted, marked ending (no exec starts in it), and -1 is
 * returned (reported): never an untagged leftover.
 */
static int sb_terminate(const struct sandbox *s, const char *reason, bool keeper)
{
	char path[PATH_MAX], link[PATH_MAX], target[BPFENCE_ID_MAX], text[96];
	struct bpfence_maps maps;
	int lock, e, status = 0, kfd;
	pid_t kpid;
	ssize_t n;

	lock = sb_lock(s->id, "lock", LOCK_EX);
	if (lock < 0) {
		report_error("cannot terminate", "%s: lock: %s", s->id, strerror(-lock));
		return -1;
	}
	if (sb_exists(s->id, "ended")) {
		close(lock);
		return 1;
	}
	sb_path(path, sizeof(path), s->id, "ending");
	if (!sb_exists(s->id, "ending")) {
		snprintf(text, sizeof(text), "%s\n", reason);
		write_file(path, text, strlen(text));
	} else {
		read_file(path, text, sizeof(text));
		reason = text;
	}
	if (s->cgroup[0] && !access(s->cgroup, F_OK)) {
		e = cgroup_kill_and_wait(s->cgroup, SB_KILL_WAIT_MS);
		if (e) {
			report_error("cannot terminate", "%s: the cgroup %s does not empty: %s; left "
				     "tagged", s->id, s->cgroup, strerror(-e));
			close(lock);
			return -1;
		}
		e = cgroup_remove(s->cgroup);
		if (e) {
			report_error("cannot terminate", "cannot remove cgroup %s: %s; left tagged",
				     s->cgroup, strerror(-e));
			close(lock);
			return -1;
		}
	}
	if (s->cgid && !open_maps(&maps)) {
		policy_uninstall(&maps, s->cgid);
		bpfence_maps_close(&maps);
	}
	if (!keeper) {
		kpid = keeper_pid(s->id, &kfd);
		if (kpid > 0) {
			syscall(SYS_pidfd_send_signal, kfd, SIGKILL, NULL, 0);
			close(kfd);
		}
	}
	sb_storage(path, sizeof(path), s->id, NULL);
	if (umount2(path, MNT_DETACH) && errno != EINVAL && errno != ENOENT) {
		report_error("cannot terminate", "unmount %s: %s", path, strerror(errno));
		status = -1;
	} else if (rmdir(path) && errno != ENOENT) {
		report_error("cannot terminate", "remove %s: %s", path, strerror(errno));
		status = -1;
	}
	if (s->name[0]) {
		snprintf(link, sizeof(link), SB_NAMES "/%s", s->name);
		n = readlink(link, target, sizeof(target) - 1);
		if (n > 0) {
			target[n] = 0;
			if (!strcmp(target, s->id))
				unlink(link);
		}
	}
	/* What stays is a tombstone (meta and ended), so that later commands can say the sandbox
	 * ended, and how, rather than that it never was. */
	for (const char *const *f = (const char *const[]){ "policy", "busy", "activity", "keeper",
							   "keeper.lock", NULL };
	     *f; f++) {
		sb_path(path, sizeof(path), s->id, *f);
		unlink(path);
	}
	snprintf(text, sizeof(text), "%s %lld\n", reason, real_ms());
	sb_path(path, sizeof(path), s->id, "ended");
	write_file(path, text, strlen(text));
	sb_path(path, sizeof(path), s->id, "ending");
	unlink(path);
	close(lock);
	return status;
}

/* A create that failed (or was killed) half way: undo whatever exists. */
static void sb_discard(const char *id)
{
	struct sandbox s;
	char path[PATH_MAX];

	if (meta_read(id, &s)) {
		/* No meta (the create was killed): what it made is found by the id's fixed places,
		 * its name in `creating`. */
		char root[PATH_MAX], buf[SB_NAME_MAX + 32], *sp;

		memset(&s, 0, sizeof(s));
		snprintf(s.id, sizeof(s.id), "%s", id);
		if (!cgroup2_root(root, sizeof(root))) {
			snprintf(s.cgroup, sizeof(s.cgroup), "%s/bpfence/%s", root, id);
			if (cgroup_id(s.cgroup, &s.cgid))
				s.cgroup[0] = 0;
		}
		sb_path(path, sizeof(path), id, "creating");
		if (!read_file(path, buf, sizeof(buf)) && (sp = strchr(buf, ' ')) && valid_name(sp + 1))
			snprintf(s.name, sizeof(s.name), "%s", sp + 1);
	}
	sb_terminate(&s, "failed", false);
	sb_path(path, sizeof(path), id, NULL);
	{
		int fd = open(SB_DIR, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

		if (fd >= 0) {
			remove_tree_at(fd, id);
			close(fd);
		}
	}
}

/* --- the keeper --- */

static bool expired(const struct sandbox *s, char const **why)
{
	long long now = real_ms();

	if (s->timeout_ms && now >= s->created_ms + s->timeout_ms) {
		*why = "timeout";
		return true;
	}
	if (s->idle_ms && !sb_busy(s->id) &&
	    now >= sb_last_activity(s->id, s->created_ms) + s->idle_ms) {
		*why = "idle";
		return true;
	}
	return false;
}

static long long next_deadline(const struct sandbox *s)
{
	long long d = LLONG_MAX;

	if (s->timeout_ms)
		d = s->created_ms + s->timeout_ms;
	if (s->idle_ms) {
		long long i = sb_last_activity(s->id, s->created_ms) + s->idle_ms;

		if (i < d)
			d = i;
	}
	return d;
}

/* A process still in the sandbox's cgroup, whose namespaces a new keeper joins; 0 if none. */
static pid_t member_pid(const struct sandbox *s)
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

/* In the keeper: the sandbox's own mount and IPC namespaces, with /dev/shm on its tmpfs. */
static int keeper_namespaces(const struct sandbox *s, pid_t join)
{
	char shm[PATH_MAX];
	struct stat st;

	if (join > 0) {
		int fd = syscall(SYS_pidfd_open, join, 0);

		if (fd >= 0 && !setns(fd, CLONE_NEWNS | CLONE_NEWIPC)) {
			close(fd);
			return 0;
		}
		if (fd >= 0)
			close(fd);
	}
	if (unshare(CLONE_NEWNS | CLONE_NEWIPC) || mount(NULL, "/", NULL, MS_REC | MS_SLAVE, NULL))
		return -errno;
	if (stat("/dev/shm", &st) || !S_ISDIR(st.st_mode))
		return 0;
	sb_storage(shm, sizeof(shm), s->id, "shm");
	if (mount(shm, "/dev/shm", NULL, MS_BIND, NULL) ||
	    mount(NULL, "/dev/shm", NULL, MS_REMOUNT | MS_BIND | MS_NOSUID | MS_NODEV, NULL))
		return -errno;
	return 0;
}

static void __attribute__((noreturn)) keeper_main(struct sandbox s, int ready, pid_t join)
{
	char path[PATH_MAX], buf[32];
	int lock, host_mnt, devnull, e;
	const char *why;

	setsid();
	signal(SIGHUP, SIG_IGN);
	signal(SIGINT, SIG_IGN);
	signal(SIGPIPE, SIG_IGN);
	devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (devnull >= 0) {
		dup2(devnull, 0);
		dup2(devnull, 1);
		dup2(devnull, 2);
	}
	if (chdir("/"))
		_exit(1);
	/* Nothing of the command that made us: no maps, no lock on the programs. */
	if (ready > 3)
		syscall(SYS_close_range, 3, ready - 1, 0);
	syscall(SYS_close_range, ready + 1, ~0U, 0);

	/* A reap pass probing for a keeper holds keeper.lock for an instant: only a lock held
	 * for longer than that is another keeper's. */
	for (int tries = 0; tries < 40; tries++) {
		lock = sb_lock(s.id, "keeper.lock", LOCK_EX | LOCK_NB);
		if (lock != -EWOULDBLOCK)
			break;
		poll(NULL, 0, 5);
	}
	if (lock < 0) {
		/* Another keeper won the race: that one supervises. */
		e = lock == -EWOULDBLOCK ? 0 : -lock;
		if (write(ready, &e, sizeof(e)) < 0)
			_exit(1);
		_exit(0);
	}
	snprintf(buf, sizeof(buf), "%d\n", getpid());
	sb_path(path, sizeof(path), s.id, "keeper");
	host_mnt = open("/proc/self/ns/mnt", O_RDONLY | O_CLOEXEC);
	e = host_mnt < 0 ? errno : 0;
	if (!e)
		e = -keeper_namespaces(&s, join);
	if (!e)
		e = -write_file(path, buf, strlen(buf));
	if (write(ready, &e, sizeof(e)) < 0 || e)
		_exit(1);
	close(ready);

	for (;;) {
		long long left;

		if (sb_state_of(s.id) != SB_LIVE) {
			if (sb_state_of(s.id) == SB_UNKNOWN || sb_state_of(s.id) == SB_ENDED)
				_exit(0);
		} else if (expired(&s, &why)) {
			/* Teardown happens in the host's mount namespace: the storage is unmounted
			 * there (and so everywhere). */
			if (setns(host_mnt, CLONE_NEWNS))
				_exit(1);
			sb_terminate(&s, why, true);
			_exit(0);
		}
		left = next_deadline(&s) - real_ms();
		if (left > SB_KEEPER_TICK_MS || left < 1)
			left = SB_KEEPER_TICK_MS;
		poll(NULL, 0, (int)left);
	}
}

/* Start a keeper for s (joining the namespaces of `join` if > 0). 0, or -errno. */
static int keeper_spawn(const struct sandbox *s, pid_t join)
{
	int p[2], e = EIO, st;
	pid_t pid;

	if (pipe2(p, O_CLOEXEC))
		return -errno;
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		e = errno;
		close(p[0]);
		close(p[1]);
		return -e;
	}
	if (pid == 0) {
		close(p[0]);
		if (fork() == 0)
			keeper_main(*s, p[1], join);
		_exit(0);
	}
	close(p[1]);
	waitpid(pid, &st, 0);
	if (read(p[0], &e, sizeof(e)) != sizeof(e))
		e = EIO;
	close(p[0]);
	return -e;
}

/*
 * The supervisor's pass: sandboxes past a deadline end now; a live one without a keeper gets one;
 * creates that died half way and old tombstones go.
 */
static void sb_reap(void)
{
	DIR *d = opendir(SB_DIR);
	struct dirent *de;

	if (!d)
		return;
	while ((de = readdir(d))) {
		struct sandbox s;
		const char *why;
		char path[PATH_MAX];
		struct stat st;
		int kfd;

		if (!valid_id(de->d_name))
			continue;
		sb_path(path, sizeof(path), de->d_name, NULL);
		switch (sb_state_of(de->d_name)) {
		case SB_CREATING: {
			/* Its creator died (SIGKILL): nothing else will finish or undo it. */
			char buf[SB_NAME_MAX + 32];
			pid_t creator = 0;

			sb_path(path, sizeof(path), de->d_name, "creating");
			if (!read_file(path, buf, sizeof(buf)))
				creator = atoi(buf);
			sb_path(path, sizeof(path), de->d_name, NULL);
			if ((creator > 0 && kill(creator, 0) && errno == ESRCH) ||
			    (!stat(path, &st) &&
			     real_ms() - st.st_mtim.tv_sec * 1000LL > SB_CREATING_STALE_MS))
				sb_discard(de->d_name);
			break;
		}
		case SB_ENDED:
			sb_path(path, sizeof(path), de->d_name, "ended");
			if (!stat(path, &st) &&
			    real_ms() - st.st_mtim.tv_sec * 1000LL > SB_TOMBSTONE_MS) {
				int fd = dirfd(d);

				remove_tree_at(fd, de->d_name);
			}
			break;
		case SB_ENDING: /* a terminate that failed or died: try again */
			if (!meta_read(de->d_name, &s))
				sb_terminate(&s, "terminated", false);
			break;
		case SB_LIVE:
			if (meta_read(de->d_name, &s))
				break;
			if (expired(&s, &why)) {
				sb_terminate(&s, why, false);
			} else if (keeper_pid(s.id, &kfd) > 0) {
				close(kfd);
			} else {
				keeper_spawn(&s, member_pid(&s));
			}
			break;
		case SB_UNKNOWN:
			break;
		}
	}
	closedir(d);
}

/* --- shared pieces of the commands --- */

static int parse_seconds(const char *s, long long *ms, bool zero_ok)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || *end || !isfinite(v) || v < 0 || (!zero_ok && v == 0) ||
	    v > 31536000)
		return -EINVAL;
	*ms = (long long)ceil(v * 1000);
	return 0;
}

/* The state directories; the storage directory a shared mount, so that unmounting a sandbox's
 * tmpfs there reaches every mount namespace that copied it (runs, other sandboxes' keepers). */
static int sb_dirs(void)
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

/* --- create --- */

static const char create_help[] =
	"Usage: bpfence sandbox create --policy FILE [--timeout SECS] [--idle-timeout SECS]\n"
	"                              [--source DIR] [--name NAME] [--user USER[:GROUP]]\n"
	"                              [--memory-max SIZE] [--pids-max N] [--disk-max SIZE]\n"
	"                              [--disk-inodes N] [--json]\n"
	"\n"
	"Create a sandbox: a restricted session that outlives this command, for many execs. It is\n"
	"restricted as a function of `bpfence run` is (network, broker and files per the policy,\n"
	"seccomp layer, no capabilities), with its own scratch (HOME, TMPDIR, ${scratch}) on a\n"
	"bounded tmpfs, a private /dev/shm and private IPC. Prints the sandbox id (and name).\n"
	"\n"
	"  --policy FILE      policy file (see policies/README.md)\n"
	"  --timeout SECS     lifetime: terminated SECS after creation (default 300; 0: none)\n"
	"  --idle-timeout SECS terminated after SECS without a running exec (default: none)\n"
	"  --source DIR       the function's code, bound to ${source} in the policy\n"
	"  --name NAME        a name to use instead of the id ([A-Za-z0-9][A-Za-z0-9._-]*, at\n"
	"                     most 64, not starting with sb-); unique among live sandboxes\n"
	"  --user U[:G]       run every exec as this user (and group)\n"
	"  --memory-max SIZE  memory limit for everything in the sandbox (e.g. 512M); no swap\n"
	"  --pids-max N       at most N tasks at once (default 1024; 0: no limit)\n"
	"  --disk-max SIZE    bytes in scratch and /dev/shm together (default: the policy's\n"
	"                     [limits] disk_max, else 256M)\n"
	"  --disk-inodes N    files there (default: [limits] disk_inodes, else 16384)\n"
	"  --json             print {\"id\": ..., \"name\": ..., ...} on stdout\n"
	"\nExample:\n"
	"  id=$(bpfence sandbox create --policy policies/function.policy --idle-timeout 600)\n";

enum { O_POLICY = 0x100, O_TIMEOUT, O_IDLE, O_SOURCE, O_NAME, O_USER, O_MEMORY, O_PIDS,
       O_DISK, O_INODES, O_JSON, O_ENV, O_WORKDIR, O_MAXSIZE, O_ALL, O_DEBUG };

static int parse_size_opt(const char *opt, const char *v, bool size, unsigned long long min,
			  unsigned long long *out)
{
	if (policy_parse_size(v, size, out) || (*out && *out < min) ||
	    (size && *out > (1ULL << 50))) {
		report_error("usage", "bad %s '%s' (expected %s)", opt, v,
			     size ? "a size such as 256M" : "a count");
		return -1;
	}
	return 0;
}

static void print_created(const struct sandbox *s)
{
	if (cli.json) {
		struct json_writer w;

		jsonw_init(&w, stdout);
		jsonw_start_object(&w);
		jsonw_string_field(&w, "id", s->id);
		jsonw_name(&w, "name");
		if (s->name[0])
			jsonw_string(&w, s->name);
		else
			jsonw_null(&w);
		jsonw_string_field(&w, "policy", s->policy_name);
		jsonw_string_field(&w, "cgroup", s->cgroup);
		{
			char scratch[PATH_MAX];

			sb_storage(scratch, sizeof(scratch), s->id, "scratch");
			jsonw_string_field(&w, "scratch", scratch);
		}
		jsonw_name(&w, "timeout_s");
		if (s->timeout_ms)
			jsonw_float(&w, s->timeout_ms / 1000.0);
		else
			jsonw_null(&w);
		jsonw_name(&w, "idle_timeout_s");
		if (s->idle_ms)
			jsonw_float(&w, s->idle_ms / 1000.0);
		else
			jsonw_null(&w);
		jsonw_end_object(&w);
		putchar('\n');
	} else if (s->name[0]) {
		printf("%s %s\n", s->id, s->name);
	} else {
		printf("%s\n", s->id);
	}
}

static int sb_create(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "policy", required_argument, NULL, O_POLICY },
		{ "timeout", required_argument, NULL, O_TIMEOUT },
		{ "idle-timeout", required_argument, NULL, O_IDLE },
		{ "source", required_argument, NULL, O_SOURCE },
		{ "name", required_argument, NULL, O_NAME },
		{ "user", required_argument, NULL, O_USER },
		{ "memory-max", required_argument, NULL, O_MEMORY },
		{ "pids-max", required_argument, NULL, O_PIDS },
		{ "disk-max", required_argument, NULL, O_DISK },
		{ "disk-inodes", required_argument, NULL, O_INODES },
		{ "json", no_argument, NULL, O_JSON },
		{ "debug", no_argument, NULL, O_DEBUG },
		{},
	};
	struct sandbox s = { .timeout_ms = SB_DEFAULT_TIMEOUT_MS, .pids_max = 1024 };
	const char *user = NULL, *source = NULL;
	char err[POLICY_ERR_MAX], why[WHY_MAX], path[PATH_MAX], root[PATH_MAX], base[PATH_MAX];
	char rnd[BPFENCE_ID_MAX], opt[160], scratch[PATH_MAX], shm[PATH_MAX];
	struct policy pol = {};
	struct launch l = {};
	struct bpfence_maps maps;
	struct sock_fprog filter = {};
	struct install_report rep;
	char *ptext = NULL;
	size_t ptext_len = 0;
	unsigned long long v;
	bool maps_open = false, named = false, made = false, in_sandbox_ns = false;
	int c, e, status = EXIT_BPFENCE, kfd = -1, host_mnt = -1;
	struct stat st;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
		switch (c) {
		case 'h':
			fputs(create_help, stdout);
			return 0;
		case O_POLICY:
			if (strlen(optarg) >= sizeof(s.policy_file)) {
				report_error("usage", "--policy path too long");
				return EXIT_USAGE;
			}
			snprintf(s.policy_file, sizeof(s.policy_file), "%s", optarg);
			break;
		case O_TIMEOUT:
		case O_IDLE:
			if (parse_seconds(optarg, c == O_TIMEOUT ? &s.timeout_ms : &s.idle_ms, true)) {
				report_error("usage", "bad %s '%s' (expected seconds >= 0)",
					     c == O_TIMEOUT ? "--timeout" : "--idle-timeout", optarg);
				return EXIT_USAGE;
			}
			break;
		case O_SOURCE:
			source = optarg;
			break;
		case O_NAME:
			if (!valid_name(optarg)) {
				report_error("usage", "bad --name '%s' (letters, digits, '.', '_', '-'; "
					     "at most %d; not starting with '-' or '" SB_ID_PREFIX "')",
					     optarg, SB_NAME_MAX);
				return EXIT_USAGE;
			}
			snprintf(s.name, sizeof(s.name), "%s", optarg);
			break;
		case O_USER:
			user = optarg;
			break;
		case O_MEMORY:
			if (parse_size_opt("--memory-max", optarg, true, 1 << 20, &v))
				return EXIT_USAGE;
			s.memory_max = (long long)v;
			break;
		case O_PIDS:
			if (parse_size_opt("--pids-max", optarg, false, 0, &v) || v > INT_MAX) {
				report_error("usage", "bad --pids-max '%s'", optarg);
				return EXIT_USAGE;
			}
			s.pids_max = (long long)v;
			break;
		case O_DISK:
			if (parse_size_opt("--disk-max", optarg, true, POLICY_DISK_MAX_MIN, &v) || !v)
				return EXIT_USAGE;
			s.disk_max = v;
			break;
		case O_INODES:
			if (parse_size_opt("--disk-inodes", optarg, false, POLICY_DISK_INODES_MIN,
					   &v) || !v)
				return EXIT_USAGE;
			s.disk_inodes = v;
			break;
		case O_JSON:
			cli.json = true;
			break;
		case O_DEBUG:
			cli.debug = true;
			bpfence_set_debug(true);
			break;
		default:
			report_error("usage", "unknown or incomplete option '%s' (see bpfence sandbox "
				     "create --help)", argv[optind - 1]);
			return EXIT_USAGE;
		}
	}
	if (!s.policy_file[0]) {
		report_error("usage", "sandbox create needs --policy FILE");
		return EXIT_USAGE;
	}
	if (optind < argc) {
		report_error("usage", "unexpected argument '%s'", argv[optind]);
		return EXIT_USAGE;
	}
	if (require_root())
		return EXIT_BPFENCE;
	if (user && launch_user(&l, user)) {
		report_error("bad --user", "%s: no such user or group", user);
		return EXIT_REFUSED;
	}
	s.drop = l.drop;
	s.uid = l.uid;
	s.gid = l.gid;
	if (source) {
		if (!realpath(source, s.source) || stat(s.source, &st)) {
			report_error("bad --source", "%s: %s", source, strerror(errno));
			return EXIT_REFUSED;
		}
		if (!S_ISDIR(st.st_mode)) {
			report_error("bad --source", "%s: not a directory", source);
			return EXIT_REFUSED;
		}
	}
	if (policy_parse_file(s.policy_file, &pol, err, sizeof(err))) {
		report_error("invalid policy", "%s", err);
		return EXIT_REFUSED;
	}
	snprintf(s.policy_name, sizeof(s.policy_name), "%s", pol.name);
	/* The text parsed, kept beside the sandbox (read here: the later steps run elsewhere). */
	{
		FILE *in = fopen(s.policy_file, "re");
		FILE *mem = open_memstream(&ptext, &ptext_len);
		char chunk[4096];
		size_t got;

		while (in && mem && (got = fread(chunk, 1, sizeof(chunk), in)) > 0)
			fwrite(chunk, 1, got, mem);
		e = !in || !mem || ferror(in);
		if (in)
			fclose(in);
		if (mem)
			fclose(mem);
		if (e) {
			report_error("invalid policy", "%s: cannot read: %s", s.policy_file,
				     strerror(errno));
			status = EXIT_REFUSED;
			goto out;
		}
	}
	if (!s.disk_max)
		s.disk_max = pol.disk_max ? pol.disk_max : 256ULL << 20;
	if (!s.disk_inodes)
		s.disk_inodes = pol.disk_inodes ? pol.disk_inodes : 16384;
	if (ensure_enforcing(&maps))
		goto out;
	maps_open = true;
	/* Built now so a policy the seccomp layer cannot express fails here, not at every exec. */
	if (seccomp_filter_get(&pol, &filter, &l.filter_flags, why, sizeof(why))) {
		report_error("cannot build the seccomp filter", "%s", why);
		goto out;
	}
	e = sb_dirs();
	if (e) {
		report_error("cannot create sandbox state", "%s: %s", SB_DIR, strerror(-e));
		goto out;
	}
	sb_reap();

	e = invocation_id_new(rnd);
	if (e) {
		report_error("cannot make a sandbox id", "%s", strerror(-e));
		goto out;
	}
	snprintf(s.id, sizeof(s.id), SB_ID_PREFIX "%.24s", rnd);
	sb_path(path, sizeof(path), s.id, NULL);
	if (mkdir(path, 0700)) {
		report_error("cannot create sandbox state", "%s: %s", path, strerror(errno));
		goto out;
	}
	made = true;
	{
		char text[SB_NAME_MAX + 32];

		snprintf(text, sizeof(text), "%d %s\n", getpid(), s.name);
		sb_path(path, sizeof(path), s.id, "creating");
		e = write_file(path, text, strlen(text));
		if (e) {
			report_error("cannot create sandbox state", "%s: %s", path, strerror(-e));
			goto out;
		}
	}
	if (s.name[0]) {
		char link[PATH_MAX], old[BPFENCE_ID_MAX];
		ssize_t n;

		snprintf(link, sizeof(link), SB_NAMES "/%s", s.name);
		e = symlink(s.id, link) ? errno : 0;
		if (e == EEXIST) {
			/* Taken, unless by a sandbox that is gone (a terminate that was killed). */
			n = readlink(link, old, sizeof(old) - 1);
			old[n > 0 ? n : 0] = 0;
			if (n > 0 && sb_state_of(old) != SB_UNKNOWN && sb_state_of(old) != SB_ENDED) {
				report_error("name already taken", "'%s' is sandbox %s", s.name, old);
				status = EXIT_REFUSED;
				goto out;
			}
			unlink(link);
			if (symlink(s.id, link)) {
				report_error("name already taken", "'%s': %s", s.name,
					     strerror(errno));
				goto out;
			}
		} else if (e) {
			report_error("cannot name the sandbox", "%s: %s", link, strerror(e));
			goto out;
		}
		named = true;
	}

	/* The cgroup, bounded before anything can run in it. */
	e = cgroup2_root(root, sizeof(root));
	if (e) {
		report_error("no cgroup v2 hierarchy", "%s", strerror(-e));
		goto out;
	}
	snprintf(base, sizeof(base), "%s/bpfence", root);
	if (mkdir(base, 0755) && errno != EEXIST) {
		report_error("cannot create cgroup", "%s: %s", base, strerror(errno));
		goto out;
	}
	cgroup_enable_controllers(root, base);
	snprintf(s.cgroup, sizeof(s.cgroup), "%s/%s", base, s.id);
	if (mkdir(s.cgroup, 0755)) {
		report_error("cannot create cgroup", "%s: %s", s.cgroup, strerror(errno));
		s.cgroup[0] = 0;
		goto out;
	}
	if (s.pids_max) {
		snprintf(opt, sizeof(opt), "%lld", s.pids_max);
		if (cgroup_write(s.cgroup, "pids.max", opt) && s.pids_max != 1024) {
			report_error("cannot set --pids-max", "%s/pids.max: the cgroup v2 pids "
				     "controller is not available here", s.cgroup);
			goto out;
		}
	}
	if (s.memory_max) {
		snprintf(opt, sizeof(opt), "%lld", s.memory_max);
		e = cgroup_write(s.cgroup, "memory.max", opt);
		if (e) {
			report_error("cannot set --memory-max", "%s/memory.max: %s (the cgroup v2 "
				     "memory controller is not available here)", s.cgroup,
				     strerror(-e));
			goto out;
		}
		cgroup_write(s.cgroup, "memory.swap.max", "0");
	}
	e = cgroup_id(s.cgroup, &s.cgid);
	if (e) {
		report_error("cannot read cgroup id", "%s: %s", s.cgroup, strerror(-e));
		goto out;
	}

	/* The storage: one tmpfs, on the host side so `cp` reaches it. */
	sb_storage(path, sizeof(path), s.id, NULL);
	if (mkdir(path, 0700)) {
		report_error("cannot create scratch dir", "%s: %s", path, strerror(errno));
		goto out;
	}
	snprintf(opt, sizeof(opt), "size=%llu,nr_inodes=%llu,mode=0700,uid=%u,gid=%u", s.disk_max,
		 s.disk_inodes, s.drop ? s.uid : 0, s.drop ? s.gid : 0);
	if (mount("bpfence", path, "tmpfs", MS_NOSUID | MS_NODEV, opt)) {
		report_error("cannot give the sandbox storage", "tmpfs on %s (%s): %s", path, opt,
			     strerror(errno));
		rmdir(path);
		goto out;
	}
	sb_storage(scratch, sizeof(scratch), s.id, "scratch");
	sb_storage(shm, sizeof(shm), s.id, "shm");
	if (mkdir(scratch, 0700) || mkdir(shm, 01777) || chmod(shm, 01777) ||
	    (s.drop && (chown(scratch, s.uid, s.gid) || chown(shm, s.uid, s.gid)))) {
		report_error("cannot create scratch dir", "%s: %s", scratch, strerror(errno));
		goto out;
	}

	/* The keeper first: its mount namespace is the sandbox's, and the policy's paths are
	 * resolved in it, so a /dev/shm grant names the sandbox's own, never the host's. */
	s.created_ms = real_ms();
	sb_touch(s.id);
	e = keeper_spawn(&s, 0);
	if (!e && keeper_pid(s.id, &kfd) <= 0)
		e = -ESRCH;
	if (e) {
		report_error("cannot start the sandbox's keeper", "%s", strerror(-e));
		goto out;
	}
	host_mnt = open("/proc/self/ns/mnt", O_RDONLY | O_CLOEXEC);
	if (host_mnt < 0 || setns(kfd, CLONE_NEWNS)) {
		report_error("cannot enter the sandbox's namespaces", "%s", strerror(errno));
		goto out;
	}
	in_sandbox_ns = true;

	/* The policy text, as installed: every exec builds its seccomp layer from the same. */
	sb_path(path, sizeof(path), s.id, "policy");
	if (write_file(path, ptext, ptext_len)) {
		report_error("cannot keep the policy", "%s: %s", path, strerror(errno));
		goto out;
	}

	struct policy_vars vars = { s.source[0] ? s.source : NULL, scratch };

	if (policy_install(&maps, s.cgid, s.id, &pol, &vars, &rep, why, sizeof(why))) {
		report_error("cannot install policy", "%s", why);
		goto out;
	}
	e = tag_cgroup(&maps, s.cgid, s.cgid, 0);
	if (e) {
		report_error("cannot tag cgroup", "%s: %s", s.cgroup, strerror(-e));
		goto out;
	}
	release_load_lock();
	if (setns(host_mnt, CLONE_NEWNS)) {
		report_error("cannot leave the sandbox's namespaces", "%s", strerror(errno));
		goto out;
	}
	in_sandbox_ns = false;
	e = meta_write(&s);
	if (e) {
		report_error("cannot create sandbox state", "meta: %s", strerror(-e));
		goto out;
	}
	sb_path(path, sizeof(path), s.id, "creating");
	unlink(path);
	print_created(&s);
	status = 0;
out:
	/* Teardown unmounts in the host's namespace (and so everywhere). */
	if (in_sandbox_ns && setns(host_mnt, CLONE_NEWNS))
		report_error("cannot leave the sandbox's namespaces", "%s", strerror(errno));
	if (host_mnt >= 0)
		close(host_mnt);
	if (kfd >= 0)
		close(kfd);
	if (status && made) {
		/* Nothing of a failed create stays: cgroup, rules, storage, name, state. */
		if (!sb_exists(s.id, "meta"))
			meta_write(&s);
		sb_discard(s.id);
	} else if (status && named) {
		char link[PATH_MAX];

		snprintf(link, sizeof(link), SB_NAMES "/%s", s.name);
		unlink(link);
	}
	if (maps_open)
		bpfence_maps_close(&maps);
	free(filter.filter);
	free(ptext);
	policy_free(&pol);
	return status;
}

/* --- exec --- */

static const char exec_help[] =
	"Usage: bpfence sandbox exec [--env NAME=VALUE]... [--workdir DIR] [--timeout SECS]\n"
	"                            [--json] ID|NAME -- CMD [ARG...]\n"
	"\n"
	"Run CMD inside the sandbox, restricted as every command in it is, with stdin, stdout and\n"
	"stderr passed through. Files in scratch and processes left running stay for the next\n"
	"exec; several execs may run at once. CMD's environment is clean (PATH, HOME and TMPDIR\n"
	"= scratch, LANG, USER, LOGNAME, PYTHONDONTWRITEBYTECODE=1, BPFENCE_SANDBOX) plus --env.\n"
	"\n"
	"  --env NAME=VALUE  add to CMD's environment (repeatable)\n"
	"  --workdir DIR     CMD's working directory (default: scratch; relative: in scratch)\n"
	"  --timeout SECS    kill CMD and what it started in its session after SECS; exit 124\n"
	"  --json            print a result object as the last line on stderr\n"
	"\n"
	"Exit status: CMD's own (128+N if killed by signal N); 124 --timeout or the sandbox's\n"
	"lifetime ran out; 137 the sandbox was terminated meanwhile; 125 bpfence failed (no such\n"
	"sandbox, it has ended, this kernel cannot enforce); 126 not executable (or denied); 127\n"
	"not found.\n"
	"\nExample:\n"
	"  bpfence sandbox exec agent-1 -- python3 main.py\n";

static void counters_total(const struct bpfence_counters *c, __u64 *d)
{
	for (int i = 0; i < BPFENCE_CLASS_MAX; i++)
		d[i] = c->denied[i] + c->audited[i];
}

static int sb_exec(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "env", required_argument, NULL, O_ENV },
		{ "workdir", required_argument, NULL, O_WORKDIR },
		{ "timeout", required_argument, NULL, O_TIMEOUT },
		{ "json", no_argument, NULL, O_JSON },
		{ "debug", no_argument, NULL, O_DEBUG },
		{},
	};
	struct sandbox s;
	struct env env = {};
	struct launch l = {};
	struct policy pol = {};
	struct sock_fprog filter = {};
	struct bpfence_maps maps;
	struct bpfence_counters before = {}, after = {};
	char err[POLICY_ERR_MAX], why[WHY_MAX], path[PATH_MAX], scratch[PATH_MAX], wd[PATH_MAX * 2];
	const char *workdir = NULL;
	long long timeout_ms = 0, start, deadline;
	int c, e, status = EXIT_BPFENCE, code = 0, lock = -1, busy = -1, kfd = -1, cgfd = -1;
	int pidfd = -1, errfd = -1, sfd = -1, kill_sig = 0;
	bool maps_open = false, exec_failed = false, timed_out = false;
	sigset_t mask;
	siginfo_t info = {};
	__u64 inv;
	pid_t pid, kpid;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
		switch (c) {
		case 'h':
			fputs(exec_help, stdout);
			return 0;
		case O_ENV:
			if (!strchr(optarg, '=') || optarg[0] == '=') {
				report_error("usage", "bad --env '%s' (expected NAME=VALUE)", optarg);
				return EXIT_BPFENCE;
			}
			if (env.n >= ENV_USER_MAX || env_add(&env, "%s", optarg)) {
				report_error("usage", "too many --env options");
				return EXIT_BPFENCE;
			}
			break;
		case O_WORKDIR:
			workdir = optarg;
			break;
		case O_TIMEOUT:
			if (parse_seconds(optarg, &timeout_ms, false)) {
				report_error("usage", "bad --timeout '%s' (expected seconds > 0)",
					     optarg);
				return EXIT_BPFENCE;
			}
			break;
		case O_JSON:
			cli.json = true;
			break;
		case O_DEBUG:
			cli.debug = true;
			bpfence_set_debug(true);
			break;
		default:
			report_error("usage", "unknown or incomplete option '%s' (see bpfence sandbox "
				     "exec --help)", argv[optind - 1]);
			return EXIT_BPFENCE;
		}
	}
	if (optind >= argc) {
		report_error("usage", "sandbox exec needs ID|NAME -- CMD (see --help)");
		return EXIT_BPFENCE;
	}
	const char *which = argv[optind++];

	if (optind < argc && !strcmp(argv[optind], "--"))
		optind++;
	if (optind >= argc) {
		report_error("usage", "sandbox exec needs a command after -- (see --help)");
		goto out;
	}
	if (require_root())
		goto out;
	sb_reap();
	if (sb_lookup(which, &s, false))
		goto out;
	l.drop = s.drop;
	l.uid = s.uid;
	l.gid = s.gid;
	sb_path(path, sizeof(path), s.id, "policy");
	if (policy_parse_file(path, &pol, err, sizeof(err))) {
		report_error("sandbox state is damaged", "%s", err);
		goto out;
	}
	if (ensure_enforcing(&maps))
		goto out;
	maps_open = true;
	if (seccomp_filter_get(&pol, &filter, &l.filter_flags, why, sizeof(why))) {
		report_error("cannot build the seccomp filter", "%s", why);
		goto out;
	}
	l.filter = &filter;
	launch_cap_last(&l);
	sb_storage(scratch, sizeof(scratch), s.id, "scratch");
	if (env_defaults(&env, scratch, &l) || env_add(&env, "BPFENCE_SANDBOX=%s", s.id) ||
	    (s.name[0] && env_add(&env, "BPFENCE_SANDBOX_NAME=%s", s.name)) ||
	    (s.source[0] && env_add(&env, "BPFENCE_SOURCE=%s", s.source))) {
		report_error("usage", "too many --env options");
		goto out;
	}
	/* --env entries come first, and getenv() takes the first of equal names: --env wins, as
	 * in `run`. */
	l.argv = argv + optind;
	l.env = env.v;
	/* Relative to scratch: joining the sandbox's mount namespace leaves us at its root. */
	if (workdir && workdir[0] != '/') {
		snprintf(wd, sizeof(wd), "%s/%s", scratch, workdir);
		workdir = wd;
	}
	l.workdir = workdir ? workdir : scratch;

	/* Setup under the shared lock: terminate (exclusive) cannot start tearing down while a
	 * command is being placed in the cgroup. */
	lock = sb_lock(s.id, "lock", LOCK_SH);
	busy = sb_lock(s.id, "busy", LOCK_SH);
	if (lock < 0 || busy < 0) {
		report_error("cannot exec", "%s: lock: %s", s.id, strerror(-(lock < 0 ? lock : busy)));
		goto out;
	}
	if (sb_state_of(s.id) != SB_LIVE) {
		char reason[64];

		end_reason(s.id, reason, sizeof(reason));
		report_error("sandbox has ended", "%s ended: %s", which, reason);
		goto out;
	}
	sb_touch(s.id);
	/* Still tagged, as the sandbox it was made as: else nothing starts (fail closed). */
	e = cgroup_id(s.cgroup, &inv);
	if (e || inv != s.cgid || tag_lookup(&maps, s.cgid, &inv) || inv != s.cgid) {
		report_error("sandbox is not restricted", "%s: its cgroup %s is gone or no longer "
			     "tagged; refusing to run anything in it", s.id, s.cgroup);
		goto out;
	}
	kpid = keeper_pid(s.id, &kfd);
	if (kpid <= 0) {
		e = keeper_spawn(&s, member_pid(&s));
		if (!e)
			kpid = keeper_pid(s.id, &kfd);
		if (kpid <= 0) {
			report_error("cannot exec", "the sandbox's keeper is gone and cannot be "
				     "restarted: %s", strerror(e ? -e : ESRCH));
			goto out;
		}
	}
	counters_read(&maps, s.cgid, &before);
	cgfd = open(s.cgroup, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (cgfd < 0) {
		report_error("cannot exec", "%s: %s", s.cgroup, strerror(errno));
		goto out;
	}
	/* The sandbox's private IPC and /dev/shm: the keeper's namespaces, joined by this
	 * process so that the child is born in them. */
	if (setns(kfd, CLONE_NEWNS | CLONE_NEWIPC)) {
		report_error("cannot enter the sandbox's namespaces", "%s", strerror(errno));
		goto out;
	}
	sigemptyset(&mask);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGHUP);
	sigaddset(&mask, SIGQUIT);
	if (sigprocmask(SIG_BLOCK, &mask, &l.sigmask)) {
		report_error("cannot exec", "sigprocmask: %s", strerror(errno));
		goto out;
	}
	sfd = signalfd(-1, &mask, SFD_CLOEXEC);
	if (sfd < 0) {
		report_error("cannot exec", "signalfd: %s", strerror(errno));
		goto out;
	}
	if (setrlimit(RLIMIT_CORE, &(struct rlimit){ 0, 0 })) {
		report_error("cannot exec", "setrlimit(RLIMIT_CORE): %s", strerror(errno));
		goto out;
	}
	start = mono_ms();
	pid = launch_start(&l, cgfd, &pidfd, &errfd);
	close(lock);
	lock = -1;
	release_load_lock();
	if (pid < 0)
		goto out;
	exec_failed = launch_exec_result(errfd, l.argv[0], &code);

	deadline = timeout_ms ? start + timeout_ms : -1;
	for (;;) {
		struct pollfd pf[2] = { { .fd = pidfd, .events = POLLIN },
					{ .fd = sfd, .events = POLLIN } };
		long long left = deadline < 0 ? -1 : deadline - mono_ms();

		if (deadline >= 0 && left <= 0 && !timed_out) {
			/* This command and its session; the sandbox's other processes stay. */
			timed_out = true;
			kill(-pid, SIGKILL);
			kill(pid, SIGKILL);
			deadline = -1;
			continue;
		}
		if (poll(pf, 2, left < 0 || left > INT_MAX ? -1 : (int)left) < 0 && errno != EINTR)
			break;
		if (pf[0].revents)
			break;
		if (pf[1].revents) {
			struct signalfd_siginfo si;

			/* Passed on to the command's session, as a terminal would. */
			if (read(sfd, &si, sizeof(si)) == sizeof(si)) {
				kill_sig = (int)si.ssi_signo;
				kill(-pid, kill_sig);
			}
		}
	}
	waitid(P_PIDFD, pidfd, &info, WEXITED);
	sb_touch(s.id);

	if (exec_failed)
		status = code;
	else if (info.si_code == CLD_EXITED)
		status = info.si_status;
	else
		status = 128 + info.si_status;
	if (timed_out) {
		status = EXIT_TIMEOUT;
		if (!cli.json)
			fprintf(stderr, "%s: sandbox %s: command timed out after %.3g s; killed\n",
				cli.prog, s.id, timeout_ms / 1000.0);
	}
	{
		enum sb_state st = sb_state_of(s.id);

		if (st == SB_ENDING || st == SB_ENDED) {
			char reason[64];

			end_reason(s.id, reason, sizeof(reason));
			status = !strcmp(reason, "timeout") ? EXIT_TIMEOUT : EXIT_TERMINATED;
			report_error("sandbox ended while the command ran", "%s: %s", s.id, reason);
		}
	}
	counters_read(&maps, s.cgid, &after);
	{
		__u64 b[BPFENCE_CLASS_MAX], a[BPFENCE_CLASS_MAX], total = 0;
		char line[1024];
		size_t off = 0;

		counters_total(&before, b);
		counters_total(&after, a);
		for (int i = 0; i < BPFENCE_CLASS_MAX; i++) {
			if (a[i] <= b[i])
				continue;
			total += a[i] - b[i];
			if (off < sizeof(line))
				off += snprintf(line + off, sizeof(line) - off, "%s%llu %s",
						off ? ", " : "", (unsigned long long)(a[i] - b[i]),
						bpfence_class_name(i));
		}
		if (total && !cli.json)
			fprintf(stderr, "%s: sandbox %s: %s %s\n", cli.prog, s.id,
				pol.mode == POLICY_MODE_AUDIT ? "would have denied (audit)" :
								"denied",
				line);
		if (cli.json) {
			struct json_writer w;

			jsonw_init(&w, stderr);
			jsonw_start_object(&w);
			jsonw_string_field(&w, "sandbox", s.id);
			jsonw_name(&w, "name");
			if (s.name[0])
				jsonw_string(&w, s.name);
			else
				jsonw_null(&w);
			jsonw_string_field(&w, "policy", s.policy_name);
			jsonw_uint_field(&w, "exit_code", (unsigned)status);
			jsonw_name(&w, "signal");
			if (!exec_failed && info.si_code != CLD_EXITED)
				jsonw_uint(&w, (unsigned)info.si_status);
			else
				jsonw_null(&w);
			jsonw_name(&w, "timed_out");
			jsonw_bool(&w, timed_out);
			jsonw_uint_field(&w, "duration_ms", (unsigned long long)(mono_ms() - start));
			jsonw_name(&w, "denied");
			jsonw_start_object(&w);
			for (int i = 0; i < BPFENCE_CLASS_MAX; i++)
				jsonw_uint_field(&w, bpfence_class_name(i),
						 after.denied[i] - before.denied[i]);
			jsonw_end_object(&w);
			jsonw_name(&w, "audited");
			jsonw_start_object(&w);
			for (int i = 0; i < BPFENCE_CLASS_MAX; i++)
				jsonw_uint_field(&w, bpfence_class_name(i),
						 after.audited[i] - before.audited[i]);
			jsonw_end_object(&w);
			jsonw_end_object(&w);
			fputc('\n', stderr);
		}
	}
out:
	if (lock >= 0)
		close(lock);
	if (busy >= 0)
		close(busy);
	if (kfd >= 0)
		close(kfd);
	if (cgfd >= 0)
		close(cgfd);
	if (pidfd >= 0)
		close(pidfd);
	if (errfd >= 0)
		close(errfd);
	if (sfd >= 0)
		close(sfd);
	if (maps_open)
		bpfence_maps_close(&maps);
	free(filter.filter);
	policy_free(&pol);
	env_free(&env);
	return status;
}

/* --- cp --- */

static const char cp_help[] =
	"Usage: bpfence sandbox cp [--max-size SIZE] SRC DST\n"
	"\n"
	"Copy one file into or out of a sandbox's scratch. One of SRC and DST is ID|NAME:PATH,\n"
	"the other a path on this host (- for stdin or stdout). PATH is relative to the\n"
	"sandbox's scratch (its HOME), or absolute under it. Inside the sandbox no symlink is\n"
	"followed and nothing outside scratch is reached (openat2 RESOLVE_BENEATH |\n"
	"RESOLVE_NO_SYMLINKS): a link the sandbox planted fails the copy. Only regular files are\n"
	"copied out (a FIFO or device planted there is refused, never opened for blocking I/O).\n"
	"Copies in land atomically (written beside, then renamed) and owned by the sandbox's\n"
	"user.\n"
	"\n"
	"  --max-size SIZE   refuse files larger than SIZE (default 256M)\n"
	"\nExamples:\n"
	"  bpfence sandbox cp ./main.py agent-1:main.py\n"
	"  bpfence sandbox cp agent-1:out/result.json ./result.json\n";

#define RESOLVE_SAFE (RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_XDEV)

static int open_beneath(int dirfd, const char *path, int flags, mode_t mode)
{
	struct open_how how = { .flags = (unsigned long long)(flags | O_CLOEXEC), .mode = mode,
				.resolve = RESOLVE_SAFE };

	return (int)syscall(SYS_openat2, dirfd, path, &how, sizeof(how));
}

/* "X:PATH" with X a sandbox id or name: the sandbox side of a cp. */
static bool sandbox_side(const char *arg, char *which, size_t n, const char **path)
{
	const char *colon = strchr(arg, ':');

	if (!colon || colon == arg || (size_t)(colon - arg) >= n || memchr(arg, '/', colon - arg))
		return false;
	snprintf(which, n, "%.*s", (int)(colon - arg), arg);
	if (!valid_id(which) && !valid_name(which))
		return false;
	*path = colon + 1;
	return true;
}

/* The sandbox's scratch, opened through its storage without following anything planted. */
static int open_scratch(const struct sandbox *s, const char *path, const char **rel)
{
	char storage[PATH_MAX], scratch[PATH_MAX];
	int sfd, fd;
	size_t sl;

	sb_storage(storage, sizeof(storage), s->id, NULL);
	sb_storage(scratch, sizeof(scratch), s->id, "scratch");
	sl = strlen(scratch);
	if (path[0] == '/') {
		if (strncmp(path, scratch, sl) || (path[sl] && path[sl] != '/')) {
			report_error("bad path", "%s is not under the sandbox's scratch %s", path,
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
		report_error("cannot open the sandbox's storage", "%s: %s", storage,
			     strerror(errno));
		return -1;
	}
	fd = open_beneath(sfd, "scratch", O_PATH | O_DIRECTORY, 0);
	close(sfd);
	if (fd < 0)
		report_error("cannot open the sandbox's scratch", "%s: %s", scratch,
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
			report_error("cannot copy", "reading %s: %s", what, strerror(errno));
			return -1;
		}
		total += (unsigned long long)got;
		if (total > max) {
			report_error("file too large", "%s is larger than --max-size (%llu bytes)",
				     what, max);
			return -1;
		}
		for (ssize_t off = 0; off < got;) {
			ssize_t w = write(out, buf + off, (size_t)(got - off));

			if (w < 0 && errno == EINTR)
				continue;
			if (w <= 0) {
				report_error("cannot copy", "writing %s: %s", what,
					     strerror(w < 0 ? errno : EIO));
				return -1;
			}
			off += w;
		}
	}
	return 0;
}

static int cp_in(const struct sandbox *s, const char *src, const char *dst,
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
			report_error("cannot copy", "%s: %s", src, strerror(errno));
			goto out;
		}
		if (!S_ISREG(st.st_mode)) {
			report_error("cannot copy", "%s: not a regular file", src);
			goto out;
		}
		if ((unsigned long long)st.st_size > max) {
			report_error("file too large", "%s is larger than --max-size (%llu bytes)",
				     src, max);
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
			report_error("bad destination", "%s is a directory (stdin has no name)", dst);
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
		report_error("bad destination", "%s", dst);
		goto out;
	}
	dir = open_beneath(scratch, parent[0] ? parent : ".", O_PATH | O_DIRECTORY, 0);
	if (dir < 0) {
		report_error("cannot copy", "%s: %s%s", dst, strerror(errno),
			     errno == ELOOP || errno == EXDEV ?
				     " (a symlink or a path leaving the sandbox's scratch)" : "");
		goto out;
	}
	snprintf(tmp, sizeof(tmp), ".bpfence-cp-%d", getpid());
	out = openat(dir, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (out < 0) {
		report_error("cannot copy", "%s: %s", dst, strerror(errno));
		goto out;
	}
	if (copy_fd(in, out, max, src)) {
		unlinkat(dir, tmp, 0);
		goto out;
	}
	if ((s->drop && fchown(out, s->uid, s->gid)) || fchmod(out, mode)) {
		report_error("cannot copy", "%s: %s", dst, strerror(errno));
		unlinkat(dir, tmp, 0);
		goto out;
	}
	/* renameat replaces whatever is at base (a planted symlink included) without following
	 * it. */
	if (renameat(dir, tmp, dir, base)) {
		report_error("cannot copy", "%s: %s", dst, strerror(errno));
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

static int cp_out(const struct sandbox *s, const char *src, const char *dst,
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
		report_error("cannot copy", "%s: %s%s", src, strerror(errno),
			     errno == ELOOP || errno == EXDEV ?
				     " (a symlink or a path leaving the sandbox's scratch)" : "");
		goto out;
	}
	if (fstat(in, &st) || !S_ISREG(st.st_mode)) {
		report_error("cannot copy", "%s: not a regular file", src);
		goto out;
	}
	if ((unsigned long long)st.st_size > max) {
		report_error("file too large", "%s is larger than --max-size (%llu bytes)", src, max);
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
			report_error("cannot copy", "%s: %s", target, strerror(errno));
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
		report_error("cannot copy", "%s: %s", dst, strerror(errno));
		status = -1;
	}
	close(scratch);
	return status;
}

static int sb_cp(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "max-size", required_argument, NULL, O_MAXSIZE },
		{ "json", no_argument, NULL, O_JSON },
		{},
	};
	unsigned long long max = SB_CP_MAX_DEFAULT;
	char which_src[SB_NAME_MAX + 1] = "", which_dst[SB_NAME_MAX + 1] = "";
	const char *psrc, *pdst;
	bool in_src, in_dst;
	struct sandbox s;
	int c;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
		switch (c) {
		case 'h':
			fputs(cp_help, stdout);
			return 0;
		case O_MAXSIZE:
			if (parse_size_opt("--max-size", optarg, true, 1, &max) || !max)
				return EXIT_USAGE;
			break;
		case O_JSON:
			cli.json = true;
			break;
		default:
			report_error("usage", "unknown or incomplete option '%s' (see bpfence sandbox "
				     "cp --help)", argv[optind - 1]);
			return EXIT_USAGE;
		}
	}
	if (argc - optind != 2) {
		report_error("usage", "sandbox cp needs SRC and DST (see --help)");
		return EXIT_USAGE;
	}
	in_src = sandbox_side(argv[optind], which_src, sizeof(which_src), &psrc);
	in_dst = sandbox_side(argv[optind + 1], which_dst, sizeof(which_dst), &pdst);
	if (in_src == in_dst) {
		report_error("usage", "exactly one of SRC and DST must be ID|NAME:PATH");
		return EXIT_USAGE;
	}
	if (require_root())
		return EXIT_BPFENCE;
	sb_reap();
	if (sb_lookup(in_src ? which_src : which_dst, &s, false))
		return EXIT_REFUSED;
	if (in_dst ? cp_in(&s, argv[optind], pdst, max) : cp_out(&s, psrc, argv[optind + 1], max))
		return EXIT_REFUSED;
	/* An action answers null under --json (STYLE.md 7); not when the copy went to stdout. */
	if (cli.json && (in_dst || strcmp(argv[optind + 1], "-")))
		puts("null");
	return 0;
}

/* --- ls --- */

static const char ls_help[] =
	"Usage: bpfence sandbox ls [--json]\n"
	"\n"
	"List the live sandboxes: id, name, policy, age, idle time (- while an exec runs),\n"
	"processes and denials so far. With --json, an array of objects (age_s, idle_s or null,\n"
	"processes, timeout_s and idle_timeout_s or null, denied and audited per class).\n";

static long count_procs(const struct sandbox *s)
{
	char buf[32];
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/pids.current", s->cgroup);
	if (!read_file(path, buf, sizeof(buf)))
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

static int sb_ls(int argc, char **argv)
{
	struct json_writer w;
	struct bpfence_maps maps;
	bool maps_open = false;
	struct dirent **list = NULL;
	int n, shown = 0;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--json")) {
			cli.json = true;
		} else if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			fputs(ls_help, stdout);
			return 0;
		} else {
			report_error("usage", "unknown argument '%s' (see bpfence sandbox ls --help)",
				     argv[i]);
			return EXIT_USAGE;
		}
	}
	if (require_root())
		return EXIT_BPFENCE;
	sb_reap();
	maps_open = !open_maps(&maps);
	n = scandir(SB_DIR, &list, NULL, alphasort);
	if (cli.json) {
		jsonw_init(&w, stdout);
		jsonw_start_array(&w);
	} else {
		printf("%-27s %-16s %-12s %8s %8s %6s %s\n", "ID", "NAME", "POLICY", "AGE", "IDLE",
		       "PROCS", "DENIED");
	}
	for (int i = 0; i < n; i++) {
		struct bpfence_counters cn = {};
		struct sandbox s;
		long long now = real_ms(), age, idle;
		unsigned long long denied = 0;
		bool busy;
		long procs;

		if (!valid_id(list[i]->d_name) || sb_state_of(list[i]->d_name) != SB_LIVE ||
		    meta_read(list[i]->d_name, &s))
			continue;
		busy = sb_busy(s.id);
		age = now - s.created_ms;
		idle = busy ? -1 : now - sb_last_activity(s.id, s.created_ms);
		procs = count_procs(&s);
		if (maps_open)
			counters_read(&maps, s.cgid, &cn);
		for (int k = 0; k < BPFENCE_CLASS_MAX; k++)
			denied += cn.denied[k];
		shown++;
		if (cli.json) {
			jsonw_start_object(&w);
			jsonw_string_field(&w, "id", s.id);
			jsonw_name(&w, "name");
			if (s.name[0])
				jsonw_string(&w, s.name);
			else
				jsonw_null(&w);
			jsonw_string_field(&w, "policy", s.policy_name);
			jsonw_string_field(&w, "policy_file", s.policy_file);
			jsonw_float_field(&w, "age_s", age / 1000.0);
			jsonw_name(&w, "idle_s");
			if (idle >= 0)
				jsonw_float(&w, idle / 1000.0);
			else
				jsonw_null(&w);
			jsonw_name(&w, "timeout_s");
			if (s.timeout_ms)
				jsonw_float(&w, s.timeout_ms / 1000.0);
			else
				jsonw_null(&w);
			jsonw_name(&w, "idle_timeout_s");
			if (s.idle_ms)
				jsonw_float(&w, s.idle_ms / 1000.0);
			else
				jsonw_null(&w);
			jsonw_uint_field(&w, "processes", procs > 0 ? (unsigned long long)procs : 0);
			jsonw_string_field(&w, "cgroup", s.cgroup);
			jsonw_uint_field(&w, "denied_total", denied);
			jsonw_name(&w, "denied");
			jsonw_start_object(&w);
			for (int k = 0; k < BPFENCE_CLASS_MAX; k++)
				jsonw_uint_field(&w, bpfence_class_name(k), cn.denied[k]);
			jsonw_end_object(&w);
			jsonw_name(&w, "audited");
			jsonw_start_object(&w);
			for (int k = 0; k < BPFENCE_CLASS_MAX; k++)
				jsonw_uint_field(&w, bpfence_class_name(k), cn.audited[k]);
			jsonw_end_object(&w);
			jsonw_end_object(&w);
		} else {
			char idles[32];

			if (idle >= 0)
				snprintf(idles, sizeof(idles), "%.0fs", idle / 1000.0);
			else
				snprintf(idles, sizeof(idles), "-");
			printf("%-27s %-16s %-12s %7.0fs %8s %6ld %llu\n", s.id,
			       s.name[0] ? s.name : "-", s.policy_name, age / 1000.0, idles, procs,
			       denied);
		}
	}
	if (cli.json) {
		jsonw_end_array(&w);
		putchar('\n');
	} else if (!shown) {
		printf("(no sandboxes)\n");
	}
	for (int i = 0; i < n; i++)
		free(list[i]);
	free(list);
	if (maps_open)
		bpfence_maps_close(&maps);
	return 0;
}

/* --- terminate, reap --- */

static const char terminate_help[] =
	"Usage: bpfence sandbox terminate [--json] ID|NAME...\n"
	"\n"
	"Kill everything in the sandbox, wait until it is empty, and remove its cgroup (and tag),\n"
	"rules, storage and name. Idempotent: a sandbox that has already ended is reported as\n"
	"such, with exit 0. A running `sandbox exec` in it exits 137.\n";

static int sb_terminate_cmd(int argc, char **argv)
{
	struct json_writer w;
	int status = 0, first = 1;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			fputs(terminate_help, stdout);
			return 0;
		}
		if (!strcmp(argv[i], "--json")) {
			cli.json = true;
			first++;
		} else if (argv[i][0] == '-') {
			report_error("usage", "unknown option '%s'", argv[i]);
			return EXIT_USAGE;
		}
	}
	if (argc <= first) {
		report_error("usage", "sandbox terminate needs ID|NAME (see --help)");
		return EXIT_USAGE;
	}
	if (require_root())
		return EXIT_BPFENCE;
	if (cli.json) {
		jsonw_init(&w, stdout);
		jsonw_start_array(&w);
	}
	for (int i = 1; i < argc; i++) {
		struct sandbox s;
		char reason[64] = "";
		int r;

		if (!strcmp(argv[i], "--json"))
			continue;
		r = sb_lookup(argv[i], &s, true);
		if (r < 0) {
			if (!status)
				status = EXIT_REFUSED;
			continue;
		}
		if (r == 0)
			r = sb_terminate(&s, "terminated", false);
		if (r < 0) {
			status = EXIT_BPFENCE;
			continue;
		}
		end_reason(s.id, reason, sizeof(reason));
		if (cli.json) {
			jsonw_start_object(&w);
			jsonw_string_field(&w, "id", s.id);
			jsonw_name(&w, "name");
			if (s.name[0])
				jsonw_string(&w, s.name);
			else
				jsonw_null(&w);
			jsonw_name(&w, "already_ended");
			jsonw_bool(&w, r == 1);
			jsonw_string_field(&w, "reason", reason);
			jsonw_end_object(&w);
		} else if (r == 1) {
			printf("%s: already ended (%s)\n", s.id, reason);
		} else {
			printf("%s: terminated\n", s.id);
		}
	}
	if (cli.json) {
		jsonw_end_array(&w);
		putchar('\n');
	}
	sb_reap();
	return status;
}

static int sb_reap_cmd(int argc, char **argv)
{
	if (argc > 1 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		printf("Usage: bpfence sandbox reap\n\nThe supervisor's pass, once: terminate "
		       "sandboxes past their timeout or idle timeout, restart missing keepers, "
		       "clear what failed creates left. Every sandbox command runs it first; run "
		       "it from a timer if sandboxes may outlive their keepers unattended.\n");
		return 0;
	}
	if (argc > 1) {
		report_error("usage", "sandbox reap takes no arguments");
		return EXIT_USAGE;
	}
	if (require_root())
		return EXIT_BPFENCE;
	sb_reap();
	if (cli.json)
		puts("null");
	return 0;
}

static const struct {
	const char *name;
	int (*handler)(int argc, char **argv);
	const char *help;
} sandbox_commands[] = {
	{ "create", sb_create, "create a sandbox; prints its id" },
	{ "exec", sb_exec, "run a command in a sandbox" },
	{ "cp", sb_cp, "copy a file into or out of a sandbox's scratch" },
	{ "ls", sb_ls, "list live sandboxes" },
	{ "terminate", sb_terminate_cmd, "end a sandbox and remove everything of it" },
	{ "reap", sb_reap_cmd, "terminate expired sandboxes, restart missing keepers" },
};

static void sandbox_usage(FILE *f)
{
	fprintf(f, "Usage: bpfence sandbox COMMAND [ARGS...]\n\n"
		   "Sandboxes: restricted sessions that live across many commands (create, exec\n"
		   "many times, terminate), for multi-step work such as an agent that writes code,\n"
		   "runs it and tries again.\n\nCommands:\n");
	for (size_t i = 0; i < sizeof(sandbox_commands) / sizeof(sandbox_commands[0]); i++)
		fprintf(f, "  %-10s %s\n", sandbox_commands[i].name, sandbox_commands[i].help);
	fprintf(f, "\nEvery command takes --help. Example:\n"
		   "  id=$(bpfence sandbox create --policy policies/function.policy)\n"
		   "  bpfence sandbox exec \"$id\" -- sh -c 'echo hi > f; cat f'\n"
		   "  bpfence sandbox terminate \"$id\"\n");
}

int cmd_sandbox(int argc, char **argv)
{
	if (argc < 2) {
		sandbox_usage(stderr);
		return EXIT_USAGE;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		sandbox_usage(stdout);
		return 0;
	}
	for (size_t i = 0; i < sizeof(sandbox_commands) / sizeof(sandbox_commands[0]); i++)
		if (!strcmp(argv[1], sandbox_commands[i].name))
			return sandbox_commands[i].handler(argc - 1, argv + 1);
	report_error("usage", "unknown sandbox command '%s' (see bpfence sandbox --help)", argv[1]);
	return EXIT_USAGE;
}
