// SPDX-License-Identifier: GPL-2.0-only
/*
 * The one way a restricted command starts, for `bpfence run` and `bpfence sandbox exec` alike:
 * clone3(CLONE_INTO_CGROUP) straight into the tagged cgroup, so not one instruction of the child
 * runs unrestricted; then, in the child, a new session, every fd but 0-2 closed, no capabilities
 * (bounding set, ambient, effective), the user drop, no_new_privs, the seccomp layer, the live
 * deny canary and exec. What the child could not do comes back through a close-on-exec pipe.
 * The canary alone, from a child that execs nothing, proves a cgroup someone else made is
 * restricted (launch_canary_in: oci-hook).
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/capability.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <pwd.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "launch.h"

#ifndef CLONE_PIDFD
#define CLONE_PIDFD 0x00001000
#endif
#ifndef CLONE_INTO_CGROUP
#define CLONE_INTO_CGROUP 0x200000000ULL
#endif

/* struct clone_args of <linux/sched.h>, which clashes with glibc's <sched.h>. */
struct clone3_args {
	__u64 flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls, set_tid,
		set_tid_size, cgroup;
};

int env_add(struct env *e, const char *fmt, const char *val)
{
	char *s;

	if (e->n >= ENV_MAX)
		return -E2BIG;
	if (asprintf(&s, fmt, val) < 0)
		return -ENOMEM;
	e->v[e->n++] = s;
	e->v[e->n] = NULL;
	return 0;
}

void env_free(struct env *e)
{
	for (int i = 0; i < e->n; i++)
		free(e->v[i]);
	e->n = 0;
	e->v[0] = NULL;
}

int env_defaults(struct env *e, const char *home, const struct launch *l)
{
	/* Who the command runs as, for getpass.getuser() and shells. Root needs no passwd lookup
	 * (a lookup is a noticeable part of a short run). */
	struct passwd *pw = l->drop || getuid() ? getpwuid(l->drop ? l->uid : getuid()) : NULL;
	const char *name = pw && pw->pw_name[0] ? pw->pw_name :
			   !l->drop && !getuid() ? "root" : NULL;
	int err = 0;

	err |= env_add(e, "PATH=%s", "/usr/local/bin:/usr/bin:/bin");
	err |= env_add(e, "HOME=%s", home);
	err |= env_add(e, "TMPDIR=%s", home);
	err |= env_add(e, "LANG=%s", "C.UTF-8");
	if (name) {
		err |= env_add(e, "USER=%s", name);
		err |= env_add(e, "LOGNAME=%s", name);
	}
	/* A bytecode cache written next to the function's source would never be read again (and
	 * ${source} is read-only: every import would log a denial). Not PYTHONPYCACHEPREFIX:
	 * it moves the standard library's cache too, so every start would recompile it. */
	err |= env_add(e, "PYTHONDONTWRITEBYTECODE=%s", "1");
	return err ? -E2BIG : 0;
}

int launch_user(struct launch *l, const char *spec)
{
	char buf[256], *group;
	struct passwd *pw;
	struct group *gr;
	unsigned long long id;

	if (strlen(spec) >= sizeof(buf))
		return -ENAMETOOLONG;
	snprintf(buf, sizeof(buf), "%s", spec);
	group = strchr(buf, ':');
	if (group)
		*group++ = 0;
	pw = getpwnam(buf);
	if (pw) {
		l->uid = pw->pw_uid;
		l->gid = pw->pw_gid;
	} else {
		/* A number: never negative, never past uid_t ((uid_t)-1 means "no change"). */
		if (policy_parse_number(buf, false, 0, (uid_t)-2, &id))
			return -ENOENT;
		l->uid = l->gid = (uid_t)id;
	}
	if (group) {
		gr = getgrnam(group);
		if (gr) {
			l->gid = gr->gr_gid;
		} else {
			if (policy_parse_number(group, false, 0, (gid_t)-2, &id))
				return -ENOENT;
			l->gid = (gid_t)id;
		}
	}
	l->drop = true;
	return 0;
}

void launch_cap_last(struct launch *l)
{
	/* The child drops the bounding set one capability per prctl(): only as many as the kernel
	 * knows (41 on 6.1), not 64. Unreadable: all 64 (the rest fail with EINVAL, ignored). */
	char buf[16] = "";
	int fd = open("/proc/sys/kernel/cap_last_cap", O_RDONLY | O_CLOEXEC);

	l->cap_last = 63;
	if (fd >= 0) {
		if (read(fd, buf, sizeof(buf) - 1) > 0 && atoi(buf) > 0 && atoi(buf) < 63)
			l->cap_last = atoi(buf);
		close(fd);
	}
}

/* What the child reports through the error pipe when it cannot get to exec. */
struct child_error {
	int step; /* index into child_steps */
	int err;
};

static const char *const child_steps[] = { "setsid", "close_range", "drop the bounding set",
					    "set groups", "set gid", "set uid", "change directory",
					    "drop capabilities", "no_new_privs",
					    "load the seccomp filter", "live deny canary", "exec" };
#define STEP_CANARY 10
#define STEP_EXEC 11

/* Everything between clone3 and exec. Only async-signal-safe calls: this is a fork child. */
static void __attribute__((noreturn)) child(const struct launch *l, int errfd)
{
	struct __user_cap_header_struct hdr = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct caps[2] = {};
	struct child_error ce = {};

	/* Back to the signal mask bpfence was started with. */
	if (sigprocmask(SIG_SETMASK, &l->sigmask, NULL))
		goto fail;
	/* A worker of bpfenced ignores SIGPIPE (its caller may go); the function must not
	 * inherit that (exec keeps ignored signals ignored). */
	signal(SIGPIPE, SIG_DFL);
	if (setsid() < 0)
		goto fail;
	/* Every inherited fd but stdio goes: leaked descriptors are ways out (pinned maps, the
	 * broker, the cgroup directory). errfd is close-on-exec. */
	ce.step++;
	if (errfd > 3 && syscall(SYS_close_range, 3, errfd - 1, 0) < 0)
		goto fail;
	if (syscall(SYS_close_range, errfd + 1, ~0U, 0) < 0)
		goto fail;
	/* No capabilities, even as root: no mounts, raw sockets, module loads, reboot, DAC
	 * override. The bounding set goes first, while CAP_SETPCAP is still ours. */
	ce.step++;
	for (int cap = 0; cap <= l->cap_last; cap++)
		if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) && errno != EINVAL)
			goto fail;
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) && errno != EINVAL)
		goto fail;
	ce.step++;
	if (l->drop && setgroups(0, NULL))
		goto fail;
	ce.step++;
	if (l->drop && setresgid(l->gid, l->gid, l->gid))
		goto fail;
	ce.step++;
	if (l->drop && setresuid(l->uid, l->uid, l->uid))
		goto fail;
	/* As the user the command runs as: its permissions decide, not root's. */
	ce.step++;
	if (l->workdir && chdir(l->workdir))
		goto fail;
	ce.step++;
	if (syscall(SYS_capset, &hdr, caps))
		goto fail;
	ce.step++;
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0))
		goto fail;
	/* Last before exec: from here on the deny-listed calls fail. */
	ce.step++;
	if (l->filter && syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, l->filter_flags, l->filter))
		goto fail;
	/* Proof, from inside, that this very task is restricted: only a tagged task with the
	 * programs attached gets ECANCELED here. Anything else and the command never runs. */
	ce.step++;
	if (socket(AF_UNSPEC, SOCK_DGRAM, BPFENCE_CANARY_PROTO) >= 0)
		errno = 0;
	if (errno != BPFENCE_CANARY_ERRNO)
		goto fail;
	ce.step++;
	execvpe(l->argv[0], l->argv, l->env);
fail:
	ce.err = errno;
	if (write(errfd, &ce, sizeof(ce)) < 0)
		_exit(EXIT_BPFENCE);
	_exit(EXIT_BPFENCE);
}

pid_t launch_start(const struct launch *l, int cgfd, int *pidfd, int *errfd)
{
	int p[2];
	pid_t pid;
	struct clone3_args ca = {
		.flags = CLONE_INTO_CGROUP | CLONE_PIDFD,
		.pidfd = (__u64)(unsigned long)pidfd,
		.exit_signal = SIGCHLD,
		.cgroup = (__u64)cgfd,
	};

	if (pipe2(p, O_CLOEXEC)) {
		bpfence_report("cannot start", "pipe: %s", strerror(errno));
		return -1;
	}
	fflush(NULL);
	pid = syscall(SYS_clone3, &ca, sizeof(ca));
	if (pid == 0)
		child(l, p[1]);
	close(p[1]);
	if (pid < 0) {
		/* No fallback: a fork followed by a cgroup move would run code untagged. */
		bpfence_report("cannot start the command",
			       "clone3(CLONE_INTO_CGROUP): %s (needs Linux >= 5.7)",
			       strerror(errno));
		close(p[0]);
		return -1;
	}
	*errfd = p[0];
	return pid;
}

int launch_exec_result(int errfd, const char *argv0, int *code)
{
	struct child_error ce;
	ssize_t got;

	/* EOF means exec succeeded (the pipe is close-on-exec). */
	do
		got = read(errfd, &ce, sizeof(ce));
	while (got < 0 && errno == EINTR);
	if (got != sizeof(ce))
		return 0;
	if (ce.step == STEP_CANARY) {
		*code = EXIT_BPFENCE;
		bpfence_report("enforcement is not active for this command",
			       "the live deny canary was not denied (%s); refusing to run %s",
			       ce.err ? strerror(ce.err) : "it succeeded", argv0);
	} else if (ce.step != STEP_EXEC) { /* bpfence could not set the child up */
		*code = EXIT_BPFENCE;
		bpfence_report("cannot start the command", "%s: %s",
			       child_steps[ce.step >= 0 && ce.step < STEP_EXEC ? ce.step : 0],
			       strerror(ce.err));
	} else {
		*code = ce.err == ENOENT ? EXIT_NOTFOUND : EXIT_NOEXEC;
		bpfence_report(ce.err == ENOENT ? "command not found" : "cannot execute", "%s: %s",
			       argv0, strerror(ce.err));
	}
	return 1;
}

pid_t launch_canary_start(const char *cgroup_dir, int *pidfd, char *why, size_t n)
{
	struct clone3_args ca = { .flags = CLONE_INTO_CGROUP | CLONE_PIDFD,
				  .exit_signal = SIGCHLD };
	int dfd = open(cgroup_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	pid_t pid;

	*pidfd = -1;
	if (dfd < 0) {
		snprintf(why, n, "cannot open %s: %s", cgroup_dir, strerror(errno));
		return -1;
	}
	ca.cgroup = (__u64)dfd;
	ca.pidfd = (__u64)(uintptr_t)pidfd;
	pid = (pid_t)syscall(SYS_clone3, &ca, sizeof(ca));
	if (pid == 0) {
		int fd = socket(AF_UNSPEC, SOCK_DGRAM, BPFENCE_CANARY_PROTO);

		_exit(fd < 0 && errno == BPFENCE_CANARY_ERRNO ? 0 : 1);
	}
	close(dfd);
	if (pid < 0)
		snprintf(why, n, "cannot start the canary in %s: %s", cgroup_dir, strerror(errno));
	return pid;
}

int launch_canary_result(pid_t pid, const char *cgroup_dir, char *why, size_t n)
{
	int status;

	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR) {
			snprintf(why, n, "waiting for the canary: %s", strerror(errno));
			return -1;
		}
	if (!WIFEXITED(status) || WEXITSTATUS(status)) {
		snprintf(why, n, "the live deny canary was not denied in %s: the programs do not "
			 "enforce there", cgroup_dir);
		return -1;
	}
	return 0;
}

int launch_canary_in(const char *cgroup_dir, char *why, size_t n)
{
	int pidfd;
	pid_t pid = launch_canary_start(cgroup_dir, &pidfd, why, n);

	if (pid < 0)
		return -1;
	if (pidfd >= 0)
		close(pidfd);
	return launch_canary_result(pid, cgroup_dir, why, n);
}
