// SPDX-License-Identifier: GPL-2.0-only
/*
 * Sandboxes: a restricted session that lives across many commands (create, exec many times, cp,
 * ls, terminate): the stateful sibling of `bpfence run`, built from the same invocation steps
 * (loader/invocation.h). `bpfence sandbox` (cli/sandbox.c) is its arguments and output.
 *
 * A sandbox is what an invocation of `run` is, kept: a tagged cgroup <cgroup2>/bpfence/<id>
 * with its policy installed under the cgroup's id, pids/memory bounds, one size- and
 * inode-bounded tmpfs (its scratch, HOME and TMPDIR, and its /dev/shm) and a private IPC
 * namespace. Every command is started as `run` starts its one (loader/launch.c): clone3 into the
 * tagged cgroup, privileges dropped, the seccomp layer, the live canary. Files in scratch and
 * processes left running persist between execs, because nothing tears the cgroup down until
 * `terminate` or a timeout.
 *
 * Its state under /run, read and written only through loader/sandbox_state.c.
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
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sandbox.h"


/* --- teardown --- */


/*
 * End a sandbox: kill everything in it, wait until it is empty, remove the cgroup (its tag goes
 * with it), the rules, the storage and the name. Idempotent: 1 if it had ended already. On a
 * failure it stays tagged and restricted, marked ending (no exec starts in it), and -1 is
 * returned (reported): never an untagged leftover.
 */
int sandbox_terminate(const struct sandbox *s, const char *reason, bool keeper)
{
	char path[PATH_MAX], link[PATH_MAX], target[BPFENCE_ID_MAX], text[96];
	struct invocation inv;
	int lock, status = 0, kfd;
	pid_t kpid;
	ssize_t n;

	lock = sandbox_lock(s->id, "lock", LOCK_EX);
	if (lock < 0) {
		bpfence_report("cannot terminate", "%s: lock: %s", s->id, strerror(-lock));
		return -1;
	}
	if (sandbox_has(s->id, "ended")) {
		close(lock);
		return 1;
	}
	sandbox_path(path, sizeof(path), s->id, "ending");
	if (!sandbox_has(s->id, "ending")) {
		snprintf(text, sizeof(text), "%s\n", reason);
		statefile_write(path, text, strlen(text));
	} else {
		statefile_read(path, text, sizeof(text));
		reason = text;
	}
	/* The invocation's end, as `run` ends its one: in the host's mount namespace, where the
	 * storage's unmount propagates to every copy. */
	invocation_init(&inv);
	snprintf(inv.cgroup, sizeof(inv.cgroup), "%s", s->cgroup);
	inv.cgid = s->cgid;
	inv.made_cgroup = s->cgroup[0] && !access(s->cgroup, F_OK);
	inv.maps_open = s->cgid && !maps_if_loaded(&inv.maps);
	inv.installed = inv.maps_open;
	sandbox_storage(inv.storage, sizeof(inv.storage), s->id, NULL);
	inv.made_storage = inv.mounted_storage = true;
	if (invocation_kill(&inv, NULL)) {
		bpfence_report("cannot terminate", "%s: left tagged", s->id);
		invocation_end(&inv);
		close(lock);
		return -1;
	}
	if (!keeper) {
		kpid = sandbox_keeper_pid(s->id, &kfd);
		if (kpid > 0) {
			struct pollfd pfd = {.fd = kfd, .events = POLLIN};

			/* Gone before the rules go: its resolver grants nothing after them. */
			syscall(SYS_pidfd_send_signal, kfd, SIGKILL, NULL, 0);
			poll(&pfd, 1, INVOCATION_KILL_WAIT_MS);
			close(kfd);
		}
	}
	if (invocation_end(&inv))
		status = -1;
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
	for (const char *const *f = (const char *const[]){"policy", "busy", "activity", "keeper",
							  "keeper.lock", "resolver", NULL};
	     *f; f++) {
		sandbox_path(path, sizeof(path), s->id, *f);
		unlink(path);
	}
	snprintf(text, sizeof(text), "%s %lld\n", reason, bpfence_real_ms());
	sandbox_path(path, sizeof(path), s->id, "ended");
	statefile_write(path, text, strlen(text));
	sandbox_path(path, sizeof(path), s->id, "ending");
	unlink(path);
	close(lock);
	return status;
}

/* A create that failed (or was killed) half way: undo whatever exists. */
static void discard(const char *id)
{
	struct sandbox s;
	char path[PATH_MAX];

	if (sandbox_meta_read(id, &s)) {
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
		sandbox_path(path, sizeof(path), id, "creating");
		if (!statefile_read(path, buf, sizeof(buf)) && (sp = strchr(buf, ' ')) && sandbox_valid_name(sp + 1))
			snprintf(s.name, sizeof(s.name), "%s", sp + 1);
	}
	sandbox_terminate(&s, "failed", false);
	sandbox_path(path, sizeof(path), id, NULL);
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
	long long now = bpfence_real_ms();

	if (s->timeout_ms && now >= s->created_ms + s->timeout_ms) {
		*why = "timeout";
		return true;
	}
	if (s->idle_ms && !sandbox_busy(s->id) &&
	    now >= sandbox_last_activity(s->id, s->created_ms) + s->idle_ms) {
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
		long long i = sandbox_last_activity(s->id, s->created_ms) + s->idle_ms;

		if (i < d)
			d = i;
	}
	return d;
}

/* In the keeper: the sandbox's own mount and IPC namespaces (those of `join`, a process still in
 * it, when there is one: 1), fresh ones with /dev/shm on its tmpfs (0), or -errno. */
static int keeper_namespaces(const struct sandbox *s, pid_t join)
{
	char storage[PATH_MAX];
	int e = invocation_namespaces(join);

	if (e)
		return e;
	sandbox_storage(storage, sizeof(storage), s->id, NULL);
	return invocation_bind_shm(storage);
}

/*
 * In the keeper: the sandbox's resolver, when its policy names DNS names (loader/resolver.h),
 * served in the keeper's own loop for as long as the sandbox lives. The first keeper picks the
 * address and keeps it in SB_DIR/ID/resolver (the policy entry names it); a keeper that comes
 * back binds the same one. In fresh namespaces the sandbox's /etc/resolv.conf is bound to it.
 * 0 with *out NULL when there are no names, 0 with *out set, or -errno.
 */
static int keeper_resolver(const struct sandbox *s, bool fresh, struct resolver **out)
{
	static struct policy policy;
	static struct resolver r;
	static struct bpfence_maps maps;
	char path[PATH_MAX], conf[PATH_MAX], text[32], err[POLICY_ERR_MAX];
	int e;

	*out = NULL;
	sandbox_path(path, sizeof(path), s->id, "policy");
	e = policy_parse_file(path, &policy, err, sizeof(err));
	if (e)
		return e;
	if (!resolver_needed(&policy))
		return 0;
	e = maps_if_loaded(&maps);
	if (e)
		return e < 0 ? e : -ENOENT;
	resolver_for(&r, &policy, s->cgid, &maps);
	sandbox_path(path, sizeof(path), s->id, "resolver");
	if (!statefile_read(path, text, sizeof(text))) {
		struct in_addr a;

		text[strcspn(text, "\n")] = 0;
		if (inet_pton(AF_INET, text, &a) != 1)
			return -EINVAL;
		r.addr4 = a.s_addr;
	}
	if (resolver_upstreams(&r, RESOLVER_HOST_CONF) || resolver_open(&r))
		return -EADDRNOTAVAIL;
	if (fresh) {
		sandbox_storage(conf, sizeof(conf), s->id, "resolv.conf");
		if (resolver_mount(&r, conf))
			return -EIO;
	}
	inet_ntop(AF_INET, &r.addr4, text, sizeof(text));
	strcat(text, "\n");
	e = statefile_write(path, text, strlen(text));
	if (e)
		return e;
	*out = &r;
	return 0;
}

static void __attribute__((noreturn)) keeper_main(struct sandbox s, int ready, pid_t join)
{
	char path[PATH_MAX], buf[32];
	int lock, host_mnt, devnull, e;
	struct resolver *resolver = NULL;
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
		lock = sandbox_lock(s.id, "keeper.lock", LOCK_EX | LOCK_NB);
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
	sandbox_path(path, sizeof(path), s.id, "keeper");
	host_mnt = open("/proc/self/ns/mnt", O_RDONLY | O_CLOEXEC);
	e = host_mnt < 0 ? errno : 0;
	if (!e) {
		e = keeper_namespaces(&s, join);
		e = e < 0 ? -e : -keeper_resolver(&s, e == 0, &resolver);
	}
	if (!e)
		e = -statefile_write(path, buf, strlen(buf));
	if (write(ready, &e, sizeof(e)) < 0 || e)
		_exit(1);
	close(ready);

	for (;;) {
		long long left;

		if (sandbox_state(s.id) != SB_LIVE) {
			if (sandbox_state(s.id) == SB_UNKNOWN || sandbox_state(s.id) == SB_ENDED)
				_exit(0);
		} else if (expired(&s, &why)) {
			/* Teardown happens in the host's mount namespace: the storage is unmounted
			 * there (and so everywhere). */
			if (setns(host_mnt, CLONE_NEWNS))
				_exit(1);
			sandbox_terminate(&s, why, true);
			_exit(0);
		}
		left = next_deadline(&s) - bpfence_real_ms();
		if (left > SB_KEEPER_TICK_MS || left < 1)
			left = SB_KEEPER_TICK_MS;
		if (resolver)
			resolver_step(resolver, (int)left);
		else
			poll(NULL, 0, (int)left);
	}
}

/* The address the keeper's resolver listens on, for the policy entry (inv). 0 or -1 (reported). */
static int keeper_resolver_addr(const struct sandbox *s, struct invocation *inv)
{
	char path[PATH_MAX], text[32];
	struct in_addr a;
	int e;

	sandbox_path(path, sizeof(path), s->id, "resolver");
	e = statefile_read(path, text, sizeof(text));
	text[e ? 0 : strcspn(text, "\n")] = 0;
	if (e || inet_pton(AF_INET, text, &a) != 1) {
		bpfence_report("cannot start the sandbox's resolver", "%s: %s", path,
			       e ? strerror(-e) : "not an address");
		return -1;
	}
	return invocation_resolver_use(inv, a.s_addr);
}

/* Start a keeper for s (joining the namespaces of `join` if > 0). 0, or -errno. */
int sandbox_keeper_spawn(const struct sandbox *s, pid_t join)
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
/* Has the create of state directory dir (its `creating` file names the creator's pid) died: its
 * creator is gone, or it has been at it for longer than SB_CREATING_STALE_MS? */
static bool creator_gone(const char *dir)
{
	char path[PATH_MAX], buf[SB_NAME_MAX + 32];
	pid_t creator = 0;
	struct stat st;

	snprintf(path, sizeof(path), "%s/creating", dir);
	if (!statefile_read(path, buf, sizeof(buf)))
		creator = atoi(buf);
	return (creator > 0 && kill(creator, 0) && errno == ESRCH) ||
	       (!stat(dir, &st) &&
		bpfence_real_ms() - st.st_mtim.tv_sec * 1000LL > SB_CREATING_STALE_MS);
}

void sandbox_reap(void)
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

		if (!strncmp(de->d_name, SB_NEW_PREFIX, strlen(SB_NEW_PREFIX)) &&
		    sandbox_valid_id(de->d_name + strlen(SB_NEW_PREFIX))) {
			/* A create killed before its state directory got its name: nothing
			 * else of it exists yet. */
			snprintf(path, sizeof(path), SB_DIR "/%s", de->d_name);
			if (creator_gone(path))
				remove_tree_at(dirfd(d), de->d_name);
			continue;
		}
		if (!sandbox_valid_id(de->d_name))
			continue;
		sandbox_path(path, sizeof(path), de->d_name, NULL);
		switch (sandbox_state(de->d_name)) {
		case SB_CREATING: {
			/* Its creator died (SIGKILL): nothing else will finish or undo it. */
			if (creator_gone(path))
				discard(de->d_name);
			break;
		}
		case SB_ENDED:
			sandbox_path(path, sizeof(path), de->d_name, "ended");
			if (!stat(path, &st) &&
			    bpfence_real_ms() - st.st_mtim.tv_sec * 1000LL > SB_TOMBSTONE_MS) {
				int fd = dirfd(d);

				remove_tree_at(fd, de->d_name);
			}
			break;
		case SB_ENDING: /* a terminate that failed or died: try again */
			if (!sandbox_meta_read(de->d_name, &s))
				sandbox_terminate(&s, "terminated", false);
			break;
		case SB_LIVE:
			if (sandbox_meta_read(de->d_name, &s))
				break;
			if (expired(&s, &why)) {
				sandbox_terminate(&s, why, false);
			} else if (sandbox_keeper_pid(s.id, &kfd) > 0) {
				close(kfd);
			} else {
				sandbox_keeper_spawn(&s, sandbox_member_pid(&s));
			}
			break;
		case SB_UNKNOWN:
			break;
		}
	}
	closedir(d);
}

/* --- create --- */

/* The policy's text, kept beside the sandbox: every exec builds the same seccomp layer. */
static int read_policy_text(const char *file, char **text, size_t *len)
{
	FILE *in = fopen(file, "re"), *mem = open_memstream(text, len);
	char chunk[4096];
	size_t got;
	int e;

	while (in && mem && (got = fread(chunk, 1, sizeof(chunk), in)) > 0)
		fwrite(chunk, 1, got, mem);
	e = !in || !mem || ferror(in);
	if (in)
		fclose(in);
	if (mem)
		fclose(mem);
	if (e)
		bpfence_report("invalid policy", "%s: cannot read: %s", file, strerror(errno));
	return e ? -EINVAL : 0;
}

/* SB_NAMES/NAME -> id, taken atomically (symlink(2)). */
static int take_name(const struct sandbox *s)
{
	char link[PATH_MAX], old[BPFENCE_ID_MAX];
	ssize_t n;
	int e;

	snprintf(link, sizeof(link), SB_NAMES "/%s", s->name);
	e = symlink(s->id, link) ? errno : 0;
	if (e == EEXIST) {
		/* Taken, unless by a sandbox that is gone (a terminate that was killed). */
		n = readlink(link, old, sizeof(old) - 1);
		old[n > 0 ? n : 0] = 0;
		if (n > 0 && sandbox_state(old) != SB_UNKNOWN && sandbox_state(old) != SB_ENDED) {
			bpfence_report("name already taken", "'%s' is sandbox %s", s->name, old);
			return -EEXIST;
		}
		unlink(link);
		if (symlink(s->id, link)) {
			bpfence_report("name already taken", "'%s': %s", s->name, strerror(errno));
			return -1;
		}
	} else if (e) {
		bpfence_report("cannot name the sandbox", "%s: %s", link, strerror(e));
		return -1;
	}
	return 0;
}

int sandbox_create(struct sandbox *s, struct invocation *inv)
{
	char path[PATH_MAX], tmp[PATH_MAX], rnd[BPFENCE_ID_MAX], text[SB_NAME_MAX + 32];
	char *ptext = NULL;
	size_t ptext_len = 0;
	bool made = false;
	int e, status = -1, kfd = -1, host_mnt = -1;

	e = invocation_begin(inv, s->policy_file, 0);
	if (e)
		return e;
	snprintf(s->policy_name, sizeof(s->policy_name), "%s", inv->policy.name);
	e = read_policy_text(s->policy_file, &ptext, &ptext_len);
	if (e)
		return e;
	e = sandbox_dirs();
	if (e) {
		bpfence_report("cannot create sandbox state", "%s: %s", SB_DIR, strerror(-e));
		goto out;
	}
	sandbox_reap();

	e = invocation_id_new(rnd);
	if (e) {
		bpfence_report("cannot make a sandbox id", "%s", strerror(-e));
		goto out;
	}
	snprintf(s->id, sizeof(s->id), SB_ID_PREFIX "%.24s", rnd);
	snprintf(inv->id, sizeof(inv->id), "%s", s->id);
	/* The state directory appears with its `creating` file (who is creating it) already in
	 * it: one made under a temporary name, then renamed. A create killed in between leaves a
	 * SB_NEW_PREFIX directory that holds nothing else, which reap removes. */
	snprintf(tmp, sizeof(tmp), SB_DIR "/" SB_NEW_PREFIX "%s", s->id);
	snprintf(text, sizeof(text), "%d %s\n", getpid(), s->name);
	snprintf(path, sizeof(path), "%s/creating", tmp);
	if (mkdir(tmp, 0700) || (e = statefile_write(path, text, strlen(text))) ||
	    rename(tmp, (sandbox_path(path, sizeof(path), s->id, NULL), path))) {
		bpfence_report("cannot create sandbox state", "%s: %s", path,
			       strerror(e ? -e : errno));
		snprintf(path, sizeof(path), "%s/creating", tmp);
		unlink(path);
		rmdir(tmp);
		goto out;
	}
	made = true;
	if (s->name[0]) {
		e = take_name(s);
		if (e) {
			status = e;
			goto out;
		}
	}

	/* The cgroup, bounded before anything can run in it; the storage on the host's side,
	 * so `cp` reaches it. */
	if (invocation_cgroup(inv))
		goto out;
	snprintf(s->cgroup, sizeof(s->cgroup), "%s", inv->cgroup);
	s->cgid = inv->cgid;
	s->pids_max = inv->lim.pids_max;
	s->memory_max = inv->lim.memory_max;
	s->disk_max = inv->lim.disk_max;
	s->disk_inodes = inv->lim.disk_inodes;
	s->drop = inv->l.drop;
	s->uid = inv->l.uid;
	s->gid = inv->l.gid;
	s->owner = sandbox_caller() > 0 ? (unsigned int)sandbox_caller() : 0;
	snprintf(s->source, sizeof(s->source), "%s",
		 inv->source_shown[0] ? inv->source_shown : inv->source);
	sandbox_storage(inv->storage, sizeof(inv->storage), s->id, NULL);
	if (invocation_storage(inv))
		goto out;

	/* The keeper first: its mount namespace is the sandbox's, and the policy's paths are
	 * resolved in it, so a /dev/shm grant names the sandbox's own, never the host's. */
	s->created_ms = bpfence_real_ms();
	sandbox_touch(s->id);
	/* The policy first: a keeper reads its names there. */
	sandbox_path(path, sizeof(path), s->id, "policy");
	e = statefile_write(path, ptext, ptext_len);
	if (e) {
		bpfence_report("cannot keep the policy", "%s: %s", path, strerror(-e));
		goto out;
	}
	if (resolver_needed(&inv->policy)) {
		/* What the keeper would fail on, said here where it can be. */
		struct resolver probe;

		resolver_init(&probe);
		if (resolver_upstreams(&probe, RESOLVER_HOST_CONF))
			goto out;
	}
	e = sandbox_keeper_spawn(s, 0);
	if (!e && sandbox_keeper_pid(s->id, &kfd) <= 0)
		e = -ESRCH;
	if (e) {
		bpfence_report("cannot start the sandbox's keeper", "%s", strerror(-e));
		goto out;
	}
	host_mnt = open("/proc/self/ns/mnt", O_RDONLY | O_CLOEXEC);
	if (host_mnt < 0 || setns(kfd, CLONE_NEWNS)) {
		bpfence_report("cannot enter the sandbox's namespaces", "%s", strerror(errno));
		goto out;
	}
	e = resolver_needed(&inv->policy) ? keeper_resolver_addr(s, inv) : 0;
	if (!e)
		e = invocation_restrict(inv) ? -1 : 0;
	/* Back in the host's namespace (teardown unmounts there, and so everywhere). */
	if (setns(host_mnt, CLONE_NEWNS)) {
		bpfence_report("cannot leave the sandbox's namespaces", "%s", strerror(errno));
		goto out;
	}
	if (e)
		goto out;
	e = sandbox_meta_write(s);
	if (e) {
		bpfence_report("cannot create sandbox state", "meta: %s", strerror(-e));
		goto out;
	}
	sandbox_path(path, sizeof(path), s->id, "creating");
	unlink(path);
	status = 0;
out:
	if (host_mnt >= 0)
		close(host_mnt);
	if (kfd >= 0)
		close(kfd);
	/* What the invocation made is the sandbox's now: it ends with `terminate`, or here
	 * (discard) if the create failed. */
	inv->made_cgroup = inv->installed = inv->tagged = false;
	inv->made_storage = inv->mounted_storage = false;
	if (status && made) {
		/* Nothing of a failed create stays: cgroup, rules, storage, name, state. */
		if (!sandbox_has(s->id, "meta"))
			sandbox_meta_write(s);
		discard(s->id);
	}
	free(ptext);
	return status;
}

/* --- exec --- */

void sandbox_exec_init(struct sandbox_exec *x)
{
	memset(x, 0, sizeof(*x));
	invocation_init(&x->inv);
	x->lock = x->busy = x->keeper = -1;
}

int sandbox_exec_start(struct sandbox_exec *x, const char *which, char **argv,
		       const char *workdir, bool *exec_failed, int *code)
{
	struct sandbox *s = &x->sb;
	struct invocation *inv = &x->inv;
	char path[PATH_MAX];
	pid_t kpid;
	__u64 id;
	int e;

	sandbox_reap();
	if (sandbox_lookup(which, s, false))
		return -1;
	inv->l.drop = s->drop;
	inv->l.uid = s->uid;
	inv->l.gid = s->gid;
	snprintf(inv->id, sizeof(inv->id), "%s", s->id);
	snprintf(inv->cgroup, sizeof(inv->cgroup), "%s", s->cgroup);
	snprintf(inv->source, sizeof(inv->source), "%s", s->source);
	sandbox_storage(inv->scratch, sizeof(inv->scratch), s->id, "scratch");
	sandbox_path(path, sizeof(path), s->id, "policy");
	if (invocation_begin(inv, path, 0))
		return -1;
	/* The sandbox's own entries after --env: getenv() takes the first of equal names, so
	 * --env wins, as in `run`. */
	if (invocation_command(inv, argv,
			       (const char *const[][2]){
				       { "BPFENCE_SANDBOX=%s", s->id },
				       { "BPFENCE_SANDBOX_NAME=%s", s->name[0] ? s->name : NULL },
				       { "BPFENCE_SOURCE=%s", s->source[0] ? s->source : NULL },
				       { NULL, NULL } }))
		return -1;
	/* Relative to scratch: joining the sandbox's mount namespace leaves us at its root. */
	if (workdir && workdir[0] != '/') {
		snprintf(x->workdir, sizeof(x->workdir), "%s/%s", inv->scratch, workdir);
		workdir = x->workdir;
	}
	inv->l.workdir = workdir ? workdir : inv->scratch;

	/* Setup under the shared lock: terminate (exclusive) cannot start tearing down while a
	 * command is being placed in the cgroup. */
	x->lock = sandbox_lock(s->id, "lock", LOCK_SH);
	x->busy = sandbox_lock(s->id, "busy", LOCK_SH);
	if (x->lock < 0 || x->busy < 0) {
		bpfence_report("cannot exec", "%s: lock: %s", s->id,
			       strerror(-(x->lock < 0 ? x->lock : x->busy)));
		return -1;
	}
	if (sandbox_state(s->id) != SB_LIVE) {
		char reason[64];

		sandbox_end_reason(s->id, reason, sizeof(reason));
		bpfence_report("sandbox has ended", "%s ended: %s", which, reason);
		return -1;
	}
	sandbox_touch(s->id);
	/* Still tagged, as the sandbox it was made as: else nothing starts (fail closed). */
	e = cgroup_id(s->cgroup, &id);
	if (e || id != s->cgid || tag_lookup(&inv->maps, s->cgid, &id) || id != s->cgid) {
		bpfence_report("sandbox is not restricted", "%s: its cgroup %s is gone or no longer "
			       "tagged; refusing to run anything in it", s->id, s->cgroup);
		return -1;
	}
	kpid = sandbox_keeper_pid(s->id, &x->keeper);
	if (kpid <= 0) {
		e = sandbox_keeper_spawn(s, sandbox_member_pid(s));
		if (!e)
			kpid = sandbox_keeper_pid(s->id, &x->keeper);
		if (kpid <= 0) {
			bpfence_report("cannot exec", "the sandbox's keeper is gone and cannot be "
				       "restarted: %s", strerror(e ? -e : ESRCH));
			return -1;
		}
	}
	counters_read(&inv->maps, s->cgid, &x->before);
	/* The sandbox's private IPC and /dev/shm: the keeper's namespaces, joined by this
	 * process so that the child is born in them. */
	if (setns(x->keeper, CLONE_NEWNS | CLONE_NEWIPC)) {
		bpfence_report("cannot enter the sandbox's namespaces", "%s", strerror(errno));
		return -1;
	}
	e = invocation_start(inv, exec_failed, code);
	close(x->lock);
	x->lock = -1;
	release_load_lock();
	return e;
}

int sandbox_exec_status(struct sandbox_exec *x, int status, struct bpfence_counters *after)
{
	enum sandbox_state st = sandbox_state(x->sb.id);

	sandbox_touch(x->sb.id);
	if (st == SB_ENDING || st == SB_ENDED) {
		char reason[64];

		sandbox_end_reason(x->sb.id, reason, sizeof(reason));
		status = !strcmp(reason, "timeout") ? EXIT_TIMEOUT : EXIT_TERMINATED;
		bpfence_report("sandbox ended while the command ran", "%s: %s", x->sb.id, reason);
	}
	counters_read(&x->inv.maps, x->sb.cgid, after);
	return status;
}

void sandbox_exec_end(struct sandbox_exec *x)
{
	if (x->lock >= 0)
		close(x->lock);
	if (x->busy >= 0)
		close(x->busy);
	if (x->keeper >= 0)
		close(x->keeper);
	x->lock = x->busy = x->keeper = -1;
	/* Nothing of the sandbox is the exec's to remove: only its fds, maps and memory. */
	invocation_end(&x->inv);
}
