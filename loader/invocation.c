// SPDX-License-Identifier: GPL-2.0-only
/*
 * One invocation's life (loader/invocation.h has the steps in order): the cgroup and its limits,
 * the bounded storage, the private namespaces, the policy and the tag, the command's start and
 * wait, and the teardown that never leaves an untagged cgroup behind. Also restricting a cgroup
 * another runner made (adopt, release). What the policy means is loader/install.c's; how the
 * child becomes restricted is loader/launch.c's; how a sandbox keeps an invocation across
 * commands is loader/sandbox.c's.
 *
 * Private IPC and storage (SECURITY.md rows 32 and 34). The process that starts commands moves
 * into a new mount namespace (slave to the host's: host mounts still appear, nothing of ours
 * leaks out) and a new IPC namespace, where /dev/shm is the storage's shm/; the child is born
 * into both. So SysV queues, semaphores and shared memory and POSIX message queues exist only
 * inside the invocation, POSIX semaphores and shared memory live in the private /dev/shm, and
 * everything the function can write is one size- and inode-bounded tmpfs (ENOSPC is the
 * function's alone; its pages are charged to the invocation's memory cgroup, since the writer
 * pays for tmpfs). Done by bpfence and not in the child: the child is tagged from its first
 * instruction, and a tagged task may not mount (sb_mount), which is the point.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "invocation.h"

#ifndef P_PIDFD
#define P_PIDFD 3
#endif

void invocation_init(struct invocation *inv)
{
	memset(inv, 0, sizeof(*inv));
	inv->lim.pids_max = INVOCATION_PIDS_MAX;
	inv->cgfd = inv->pidfd = inv->errfd = inv->sigfd = inv->hangup_fd = -1;
}

/* A directory option as an absolute path with no symlink left: what the policy's variable names. */
static int directory_option(const char *opt, const char *arg, char *out)
{
	struct stat st;

	if (!arg)
		return 0;
	if (!realpath(arg, out) || stat(out, &st)) {
		bpfence_report(opt, "%s: %s", arg, strerror(errno));
		return -1;
	}
	if (!S_ISDIR(st.st_mode)) {
		bpfence_report(opt, "%s: not a directory", arg);
		return -1;
	}
	return 0;
}

int invocation_options(struct invocation *inv, const char *user, const char *source,
		       const char *scratch)
{
	/* Resolved here: inside the invocation /etc/passwd is not readable. */
	if (user && launch_user(&inv->l, user)) {
		bpfence_report("bad --user", "%s: no such user or group", user);
		return -1;
	}
	if (directory_option("bad --source", source, inv->source) ||
	    directory_option("bad --scratch", scratch, inv->scratch))
		return -1;
	return 0;
}

int invocation_source_fd(struct invocation *inv, int fd)
{
	struct stat st;
	char link[64];
	ssize_t len;
	int fl = fcntl(fd, F_GETFL);

	if (fl < 0 || fstat(fd, &st)) {
		bpfence_report("bad --source", "descriptor %d: %s", fd, strerror(errno));
		return -1;
	}
	if (!S_ISDIR(st.st_mode)) {
		bpfence_report("bad --source", "descriptor %d: not a directory", fd);
		return -1;
	}
	/* O_PATH needs no read permission on the directory itself: not proof enough. */
	if ((fl & O_PATH) || (fl & O_ACCMODE) == O_WRONLY) {
		bpfence_report("bad --source",
			       "descriptor %d was not opened for reading (open it O_RDONLY | "
			       "O_DIRECTORY, not O_PATH)",
			       fd);
		return -1;
	}
	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	len = readlink(link, inv->source_shown, sizeof(inv->source_shown) - 1);
	inv->source_shown[len > 0 ? len : 0] = 0;
	snprintf(inv->source, sizeof(inv->source), "%s", link);
	return 0;
}

int invocation_begin(struct invocation *inv, const char *policy_file, unsigned int flags)
{
	char err[POLICY_ERR_MAX], why[WHY_MAX];

	if (policy_parse_file(policy_file, &inv->policy, err, sizeof(err))) {
		bpfence_report("invalid policy", "%s", err);
		return -EINVAL;
	}
	if (flags & INVOCATION_AUDIT)
		inv->policy.mode = POLICY_MODE_AUDIT;
	bpfence_step("policy parsed");
	if (ensure_enforcing(&inv->maps))
		return -1;
	inv->maps_open = true;
	bpfence_step("programs checked, maps open");
	/* After the root check: the compiled filter is cached under /run/bpfence. Built before
	 * anything is made, so a policy the layer cannot express fails here. */
	if (!(flags & INVOCATION_NO_SECCOMP) &&
	    seccomp_filter_get(&inv->policy, &inv->filter, &inv->l.filter_flags, why,
			       sizeof(why))) {
		bpfence_report("cannot build the seccomp filter", "%s", why);
		return -1;
	}
	bpfence_step("seccomp filter ready");
	return 0;
}

/* pids and memory for the invocations' limits, and cpu so that all of bpfence/ competes for
 * the CPU as one group: a fork bomb held at pids.max still spins, and without the cpu
 * controller each of its tasks would weigh as much as any host process. Best effort, where
 * this host's cgroup v2 offers them (on hybrid hosts they are often bound to v1: then the limit
 * files do not appear; cpu cannot be enabled while a realtime task sits in a child cgroup). */
static void enable_controllers(const char *root, const char *base)
{
	static const char *const ctl[] = { "+pids", "+memory", "+cpu" };
	char path[PATH_MAX], have[256] = "";
	int fd, got = 0, n;

	/* Already on (every run after the first): one read instead of six writes. */
	snprintf(path, sizeof(path), "%s/cgroup.subtree_control", base);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		n = (int)read(fd, have, sizeof(have) - 1);
		have[n > 0 ? n : 0] = 0;
		close(fd);
	}
	for (char *t = strtok(have, " \n"); t; t = strtok(NULL, " \n"))
		got += !strcmp(t, "pids") || !strcmp(t, "memory") || !strcmp(t, "cpu");
	if (got == 3)
		return;
	for (size_t i = 0; i < sizeof(ctl) / sizeof(ctl[0]); i++) {
		cgroup_write(root, "cgroup.subtree_control", ctl[i]);
		cgroup_write(base, "cgroup.subtree_control", ctl[i]);
	}
}

/* Limits on the fresh cgroup. A limit asked for that cannot be set fails the invocation; the
 * default pids limit is best effort and reported in the result. */
static int apply_limits(struct invocation *inv)
{
	struct invocation_limits *lim = &inv->lim;
	char v[32];
	int e;

	if (lim->pids_max) {
		snprintf(v, sizeof(v), "%lld", lim->pids_max);
		e = cgroup_write(inv->cgroup, "pids.max", v);
		lim->pids_limited = !e;
		if (e && lim->pids_max != INVOCATION_PIDS_MAX) {
			bpfence_report("cannot set --pids-max",
				       "%s/pids.max: %s (the cgroup v2 pids controller is not "
				       "available here)", inv->cgroup, strerror(-e));
			return -1;
		}
	}
	if (lim->memory_max) {
		snprintf(v, sizeof(v), "%lld", lim->memory_max);
		e = cgroup_write(inv->cgroup, "memory.max", v);
		if (e) {
			bpfence_report("cannot set --memory-max",
				       "%s/memory.max: %s (the cgroup v2 memory controller is not "
				       "available here)", inv->cgroup, strerror(-e));
			return -1;
		}
		/* No swap: else the limit only moves memory to disk. A kernel without swap
		 * accounting has no such file, and nothing to bound. */
		e = cgroup_write(inv->cgroup, "memory.swap.max", "0");
		if (e && e != -ENOENT) {
			bpfence_report("cannot set --memory-max", "%s/memory.swap.max: %s",
				       inv->cgroup, strerror(-e));
			return -1;
		}
		lim->memory_limited = true;
	}
	return 0;
}

int invocation_cgroup(struct invocation *inv)
{
	char root[PATH_MAX], base[PATH_MAX];
	int e;

	if (!inv->lim.disk_max)
		inv->lim.disk_max = inv->policy.disk_max ? inv->policy.disk_max :
							   INVOCATION_DISK_MAX;
	if (!inv->lim.disk_inodes)
		inv->lim.disk_inodes = inv->policy.disk_inodes ? inv->policy.disk_inodes :
								 INVOCATION_DISK_INODES;
	e = cgroup2_root(root, sizeof(root));
	if (e) {
		bpfence_report("no cgroup v2 hierarchy", "%s", strerror(-e));
		return -1;
	}
	snprintf(base, sizeof(base), "%s/bpfence", root);
	if (mkdir(base, 0755) && errno != EEXIST) {
		bpfence_report("cannot create cgroup", "%s: %s", base, strerror(errno));
		return -1;
	}
	enable_controllers(root, base);
	snprintf(inv->cgroup, sizeof(inv->cgroup), "%s/%s", base, inv->id);
	if (mkdir(inv->cgroup, 0755)) {
		bpfence_report("cannot create cgroup", "%s: %s", inv->cgroup, strerror(errno));
		return -1;
	}
	inv->made_cgroup = true;
	bpfence_step("cgroup made");
	if (apply_limits(inv))
		return -1;
	e = cgroup_id(inv->cgroup, &inv->cgid);
	if (e) {
		bpfence_report("cannot read cgroup id", "%s: %s", inv->cgroup, strerror(-e));
		return -1;
	}
	return 0;
}

/* Make directory PATH in the storage, owned by the invocation's user. */
static int storage_dir(const struct invocation *inv, const char *path, mode_t mode)
{
	if (mkdir(path, mode) || chmod(path, mode))
		return -1;
	if (inv->l.drop && chown(path, inv->l.uid, inv->l.gid))
		return -1;
	return 0;
}

int invocation_storage(struct invocation *inv)
{
	char opts[128], shm[PATH_MAX + 8];

	if (mkdir(inv->storage, 0700)) {
		bpfence_report("cannot create scratch dir", "%s: %s", inv->storage, strerror(errno));
		return -1;
	}
	inv->made_storage = true;
	snprintf(opts, sizeof(opts), "size=%llu,nr_inodes=%llu,mode=0700,uid=%u,gid=%u",
		 inv->lim.disk_max, inv->lim.disk_inodes, inv->l.drop ? inv->l.uid : 0,
		 inv->l.drop ? inv->l.gid : 0);
	if (mount("bpfence", inv->storage, "tmpfs", MS_NOSUID | MS_NODEV, opts)) {
		bpfence_report("cannot give the invocation private storage", "tmpfs on %s (%s): %s",
			       inv->storage, opts, strerror(errno));
		return -1;
	}
	inv->mounted_storage = true;
	if (!inv->scratch[0]) {
		snprintf(inv->scratch, sizeof(inv->scratch), "%s/scratch", inv->storage);
		if (storage_dir(inv, inv->scratch, 0700)) {
			bpfence_report("cannot create scratch dir", "%s: %s", inv->scratch,
				       strerror(errno));
			return -1;
		}
	}
	snprintf(shm, sizeof(shm), "%s/shm", inv->storage);
	if (storage_dir(inv, shm, 01777)) {
		bpfence_report("cannot give the invocation a private /dev/shm", "%s: %s", shm,
			       strerror(errno));
		return -1;
	}
	bpfence_step("private storage mounted");
	return 0;
}

int invocation_namespaces(pid_t join)
{
	if (join > 0) {
		int fd = (int)syscall(SYS_pidfd_open, join, 0);

		if (fd >= 0 && !setns(fd, CLONE_NEWNS | CLONE_NEWIPC)) {
			close(fd);
			return 1;
		}
		if (fd >= 0)
			close(fd);
	}
	if (unshare(CLONE_NEWNS | CLONE_NEWIPC) || mount(NULL, "/", NULL, MS_REC | MS_SLAVE, NULL))
		return -errno;
	return 0;
}

int invocation_bind_shm(const char *storage)
{
	char shm[PATH_MAX + 8];
	struct stat st;

	/* No /dev/shm on this host: nothing to hide, and nothing for the function to use. */
	if (stat("/dev/shm", &st) || !S_ISDIR(st.st_mode))
		return 0;
	snprintf(shm, sizeof(shm), "%s/shm", storage);
	if (mount(shm, "/dev/shm", NULL, MS_BIND, NULL) ||
	    mount(NULL, "/dev/shm", NULL, MS_REMOUNT | MS_BIND | MS_NOSUID | MS_NODEV, NULL))
		return -errno;
	return 0;
}

int invocation_resolver(struct invocation *inv)
{
	char conf[PATH_MAX];
	struct resolver *r;

	if (!resolver_needed(&inv->policy))
		return 0;
	r = inv->resolver = malloc(sizeof(*r));
	if (!r) {
		bpfence_report("cannot start the invocation's resolver", "%s", strerror(ENOMEM));
		return -1;
	}
	resolver_for(r, &inv->policy, inv->cgid, &inv->maps);
	snprintf(conf, sizeof(conf), "%s/resolv.conf", inv->storage);
	if (resolver_upstreams(r, RESOLVER_HOST_CONF) || resolver_open(r) ||
	    resolver_mount(r, conf) || invocation_resolver_use(inv, r->addr4))
		return -1;
	inv->resolver_pid = resolver_spawn(r);
	if (inv->resolver_pid < 0) {
		inv->resolver_pid = 0;
		return -1;
	}
	resolver_close(r); /* the child's now */
	bpfence_step("resolver");
	return 0;
}

int invocation_resolver_use(struct invocation *inv, uint32_t addr4)
{
	char conf[PATH_MAX];

	snprintf(conf, sizeof(conf), "%s/resolv.conf", inv->storage);
	if (policy_add_read(&inv->policy, conf)) {
		bpfence_report("cannot start the invocation's resolver", "%s", strerror(ENOMEM));
		return -1;
	}
	inv->resolver4 = addr4;
	return 0;
}

/* The resolver of invocation_resolver, if any, stopped and gone. */
static void resolver_end(struct invocation *inv)
{
	if (inv->resolver_pid > 0) {
		kill(inv->resolver_pid, SIGKILL);
		waitpid(inv->resolver_pid, NULL, 0);
	}
	inv->resolver_pid = 0;
	if (inv->resolver)
		resolver_close(inv->resolver);
	free(inv->resolver);
	inv->resolver = NULL;
}

int invocation_restrict(struct invocation *inv)
{
	struct policy_vars vars = { inv->source[0] ? inv->source : NULL, inv->scratch };
	struct install_report rep;
	char why[WHY_MAX];
	int e;

	vars.resolver4 = inv->resolver4;
	if (policy_install(&inv->maps, inv->cgid, inv->id, &inv->policy, &vars, &rep, why,
			   sizeof(why))) {
		bpfence_report("cannot install policy", "%s", why);
		return -1;
	}
	inv->installed = true;
	bpfence_step("policy installed");
	if (bpfence_debug())
		fprintf(stderr, "bpfence: invocation %s: cgroup %s (id %llu), %u file rule(s), %u "
				"missing path(s)%s%s\n",
			inv->id, inv->cgroup, (unsigned long long)inv->cgid, rep.files, rep.skipped,
			rep.skipped ? ", first " : "", rep.first_skipped);
	e = tag_cgroup(&inv->maps, inv->cgid, inv->cgid, 0);
	if (e) {
		bpfence_report("cannot tag cgroup", "%s: %s", inv->cgroup, strerror(-e));
		return -1;
	}
	inv->tagged = true;
	release_load_lock();
	bpfence_step("tagged");
	return 0;
}

int invocation_command(struct invocation *inv, char **argv, const char *const extra[][2])
{
	launch_cap_last(&inv->l);
	if (env_defaults(&inv->env, inv->scratch, &inv->l))
		goto full;
	for (int i = 0; extra && extra[i][0]; i++)
		if (extra[i][1] && env_add(&inv->env, extra[i][0], extra[i][1]))
			goto full;
	inv->l.argv = argv;
	inv->l.env = inv->env.v;
	inv->l.filter = inv->filter.filter ? &inv->filter : NULL;
	return 0;
full:
	bpfence_report("usage", "too many --env options");
	return -1;
}

int invocation_start(struct invocation *inv, bool *exec_failed, int *code)
{
	sigset_t mask;

	inv->cgfd = open(inv->cgroup, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (inv->cgfd < 0) {
		bpfence_report("cannot start", "%s: %s", inv->cgroup, strerror(errno));
		return -1;
	}
	/* Signals to bpfence become an orderly kill and teardown (or are passed on to the
	 * command), never an orphaned invocation. */
	sigemptyset(&mask);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGHUP);
	sigaddset(&mask, SIGQUIT);
	if (sigprocmask(SIG_BLOCK, &mask, &inv->l.sigmask)) {
		bpfence_report("cannot start", "sigprocmask: %s", strerror(errno));
		return -1;
	}
	inv->sigfd = signalfd(-1, &mask, SFD_CLOEXEC);
	if (inv->sigfd < 0) {
		bpfence_report("cannot start", "signalfd: %s", strerror(errno));
		return -1;
	}
	/* No core dumps: a crashing function would write one the size of its memory, outside
	 * every bound (or into the host's core handler). The hard limit too, so it stays 0. */
	if (setrlimit(RLIMIT_CORE, &(struct rlimit){ 0, 0 })) {
		bpfence_report("cannot start", "setrlimit(RLIMIT_CORE): %s", strerror(errno));
		return -1;
	}
	inv->started_ms = bpfence_mono_ms();
	inv->pid = launch_start(&inv->l, inv->cgfd, &inv->pidfd, &inv->errfd);
	if (inv->pid < 0)
		return -1;
	bpfence_step("cloned");
	*exec_failed = launch_exec_result(inv->errfd, inv->l.argv[0], code);
	bpfence_step("exec done");
	return 0;
}

void invocation_wait(struct invocation *inv, long timeout_ms, enum invocation_wait_mode mode,
		     struct invocation_result *res, siginfo_t *info)
{
	double deadline = timeout_ms < 0 ? -1 : inv->started_ms + timeout_ms;

	memset(res, 0, sizeof(*res));
	for (;;) {
		struct pollfd pf[3] = { { .fd = inv->pidfd, .events = POLLIN },
					{ .fd = inv->sigfd, .events = POLLIN },
					{ .fd = res->hangup ? -1 : inv->hangup_fd,
					  .events = POLLRDHUP } };
		double left = deadline < 0 ? -1 : deadline - bpfence_mono_ms();

		if (deadline >= 0 && left <= 0) {
			res->timed_out = true;
			if (mode == INVOCATION_WAIT_RUN)
				break;
			/* This command and its session; a sandbox's other processes stay. */
			kill(-inv->pid, SIGKILL);
			kill(inv->pid, SIGKILL);
			deadline = -1;
			continue;
		}
		if (poll(pf, 3, left < 0 ? -1 : left > INT_MAX ? INT_MAX : (int)left) < 0 &&
		    errno != EINTR)
			break;
		if (pf[0].revents)
			break;
		if (pf[2].revents & (POLLRDHUP | POLLHUP | POLLERR)) {
			/* The caller died or closed its connection: its function goes with it. */
			res->hangup = true;
			if (mode == INVOCATION_WAIT_RUN)
				break;
			kill(-inv->pid, SIGKILL);
			kill(inv->pid, SIGKILL);
			continue;
		}
		if (pf[1].revents) {
			struct signalfd_siginfo si;

			if (read(inv->sigfd, &si, sizeof(si)) != sizeof(si))
				continue;
			if (mode == INVOCATION_WAIT_RUN) {
				res->signal = (int)si.ssi_signo;
				break;
			}
			/* Passed on to the command's session, as a terminal would. */
			res->forwarded = (int)si.ssi_signo;
			kill(-inv->pid, res->forwarded);
		}
	}
	bpfence_step("command ended");
	if (mode == INVOCATION_WAIT_EXEC) {
		memset(info, 0, sizeof(*info));
		waitid(P_PIDFD, inv->pidfd, info, WEXITED);
	}
	res->duration_ms = (long)(bpfence_mono_ms() - inv->started_ms);
}

/*
 * The cgroup goes as soon as it is empty (before the summary: B5 times a timeout to the
 * cgroup's removal). It goes while still tagged, and its tag goes with it (tp_btf/cgroup_rmdir);
 * should it not go, it stays tagged, with its policy, rather than be left as an untagged cgroup
 * into which a task could later be moved unrestricted.
 */
static int remove_cgroup(struct invocation *inv)
{
	int e;

	if (!inv->made_cgroup)
		return 0;
	e = cgroup_remove(inv->cgroup);
	if (e) {
		bpfence_report("teardown", "cannot remove cgroup %s: %s; left tagged", inv->cgroup,
			       strerror(-e));
		inv->made_cgroup = inv->tagged = inv->installed = false;
		return -1;
	}
	inv->made_cgroup = false;
	bpfence_step("cgroup removed");
	return 0;
}

int invocation_kill(struct invocation *inv, siginfo_t *info)
{
	int e = 0;

	if (inv->made_cgroup && !access(inv->cgroup, F_OK)) {
		e = cgroup_kill_and_wait(inv->cgroup, INVOCATION_KILL_WAIT_MS);
		if (e) {
			bpfence_report("cannot empty the invocation", "%s: %s", inv->cgroup,
				       strerror(-e));
			inv->not_empty = true;
		}
	}
	if (info) {
		memset(info, 0, sizeof(*info));
		if (inv->pidfd >= 0)
			waitid(P_PIDFD, inv->pidfd, info, WEXITED);
	}
	bpfence_step("cgroup empty, child reaped");
	if (inv->not_empty) {
		bpfence_report("teardown", "%s still has tasks; left tagged and in place",
			       inv->cgroup);
		inv->tagged = inv->made_cgroup = inv->installed = false;
		return -1;
	}
	return remove_cgroup(inv);
}

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

int invocation_end(struct invocation *inv)
{
	int status = 0;

	close_fd(&inv->cgfd);
	close_fd(&inv->sigfd);
	close_fd(&inv->pidfd);
	close_fd(&inv->errfd);
	if (remove_cgroup(inv))
		status = -1;
	resolver_end(inv);
	if (inv->tagged)
		untag_cgroup(&inv->maps, inv->cgid);
	if (inv->installed)
		policy_uninstall(&inv->maps, inv->cgid);
	inv->tagged = inv->installed = false;
	bpfence_step("policy uninstalled");
	/* Unmounted in the namespace the storage was mounted in: for a run, only ours (the host
	 * sees an empty directory); for a sandbox, the host's, which propagates everywhere. */
	if (inv->mounted_storage && umount2(inv->storage, MNT_DETACH) && errno != EINVAL &&
	    errno != ENOENT) {
		bpfence_report("teardown", "cannot unmount %s: %s", inv->storage, strerror(errno));
		status = -1;
		inv->made_storage = false; /* still a mount point here: rmdir would fail */
	}
	inv->mounted_storage = false;
	if (inv->made_storage && rmdir(inv->storage) && errno != ENOENT) {
		bpfence_report("teardown", "cannot remove %s: %s", inv->storage, strerror(errno));
		status = -1;
	}
	inv->made_storage = false;
	if (inv->maps_open)
		bpfence_maps_close(&inv->maps);
	inv->maps_open = false;
	free(inv->filter.filter);
	inv->filter.filter = NULL;
	policy_free(&inv->policy);
	env_free(&inv->env);
	return status;
}

int invocation_exit_status(bool exec_failed, int code, const siginfo_t *info)
{
	if (exec_failed)
		return code;
	if (info->si_code == CLD_EXITED)
		return info->si_status;
	return 128 + info->si_status;
}

void counters_total(const struct bpfence_counters *c, __u64 total[BPFENCE_CLASS_MAX])
{
	for (int i = 0; i < BPFENCE_CLASS_MAX; i++)
		total[i] = c->denied[i] + c->audited[i];
}

/* --- cgroups made by others --- */

int walk_tag(const struct bpfence_maps *m, const char *path, __u64 inv, bool tag, __u32 flags)
{
	struct dirent *de;
	__u64 id;
	DIR *d;
	int r = cgroup_id(path, &id);

	if (r)
		return r;
	r = tag ? tag_cgroup(m, id, inv, flags) : untag_cgroup(m, id);
	if (r)
		return r;
	d = opendir(path);
	if (!d)
		return -errno;
	while ((de = readdir(d)) && !r) {
		char sub[PATH_MAX];

		if (de->d_type != DT_DIR || !strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		snprintf(sub, sizeof(sub), "%s/%s", path, de->d_name);
		r = walk_tag(m, sub, inv, tag, flags);
	}
	closedir(d);
	return r;
}

int invocation_adopt(const struct bpfence_maps *m, const char *dir, __u64 cgid, const char *inv_id,
		     const struct policy *p, const struct policy_vars *vars, __u32 tag_flags,
		     unsigned int flags)
{
	char why[WHY_MAX] = "";
	int r;

	r = policy_install(m, cgid, inv_id, p, vars, NULL, why, sizeof(why));
	if (r) {
		bpfence_report("cannot install policy", "%s", why);
		return -1;
	}
	r = walk_tag(m, dir, cgid, true, tag_flags);
	if (!r && (flags & ADOPT_ARM_PRESENT) && (r = bpfence_arm_present(cgid, why, sizeof(why))) > 0)
		r = 0;
	if (!r && (flags & ADOPT_CANARY) && launch_canary_in(dir, why, sizeof(why)))
		r = -EPERM;
	if (r) {
		walk_tag(m, dir, cgid, false, 0);
		policy_uninstall(m, cgid);
		bpfence_report((flags & ADOPT_CANARY) ? "cannot restrict the container" :
							"cannot tag",
			       "%s%s%s", (flags & ADOPT_CANARY) ? "" : dir,
			       (flags & ADOPT_CANARY) ? "" : ": ", why[0] ? why : strerror(-r));
		return -1;
	}
	return 0;
}

void invocation_release(const struct bpfence_maps *m, const char *dir, __u64 cgid)
{
	__u64 id, inv;

	if (!cgroup_id(dir, &id) && id == cgid && !tag_lookup(m, id, &inv) && inv == id)
		walk_tag(m, dir, id, false, 0);
	policy_uninstall(m, cgid);
}
