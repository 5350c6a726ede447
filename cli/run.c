// SPDX-License-Identifier: GPL-2.0-only
/*
 * bpfence run: one single-use restricted invocation.
 *
 *   1 mkdir <cgroup2>/bpfence/<id>; install the policy keyed by its cgroup id; tag it
 *   2 clone3(CLONE_INTO_CGROUP): the child is born inside the tagged cgroup, so not one
 *     instruction of it runs unrestricted
 *   3 child: new session, every fd but 0-2 closed, clean environment, no_new_privs, optional
 *     user drop, exec
 *   4 parent: wait for the child, the timeout or a signal; then kill whatever is left in the
 *     cgroup (double-forked daemons included) and wait until it is empty
 *   5 summary from the per-invocation counters; untag, rmdir, remove the scratch dir
 *
 * Private IPC and storage (SECURITY.md rows 32 and 34). Before the clone, `run` itself moves into
 * a new mount namespace (slave to the host's: host mounts still appear, nothing of ours leaks
 * out) and a new IPC namespace, and mounts there one size- and inode-limited tmpfs, the
 * invocation's storage: its `scratch/` is ${scratch}, HOME and TMPDIR, its `shm/` is bound on
 * /dev/shm. The child is born into both namespaces. So SysV queues, semaphores and shared memory
 * and POSIX message queues exist only inside the invocation (whatever keys or names either side
 * picks), POSIX semaphores and shared memory live in the private /dev/shm, and everything the
 * function can write is bounded in bytes and inodes (ENOSPC is the function's alone); its pages
 * are charged to the invocation's memory cgroup as well, since the writer pays for tmpfs. Done
 * here and not in the child: the child is tagged from its first instruction, and a tagged task
 * may not mount (sb_mount), which is the point. The function cannot undo any of it: it has no
 * capabilities, the seccomp layer refuses unshare, setns and mount, and sb_mount refuses mounts.
 * The BPF programs back this up for tagged tasks that share the host's IPC namespace (a runner's
 * container started with the host IPC): SysV IPC and POSIX message queues are refused there.
 */
#include <errno.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <fcntl.h>
#include <getopt.h>
#include <grp.h>
#include <limits.h>
#include <math.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sched.h>
#include <linux/capability.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>


#include "cli.h"

#define KILL_WAIT_MS 10000

enum {
	OPT_POLICY = 0x100,
	OPT_TIMEOUT,
	OPT_USER,
	OPT_SOURCE,
	OPT_SCRATCH,
	OPT_AUDIT,
	OPT_JSON,
	OPT_DEBUG,
	OPT_ENV,
	OPT_NO_SECCOMP,
	OPT_PIDS_MAX,
	OPT_MEMORY_MAX,
	OPT_DISK_MAX,
	OPT_DISK_INODES,
};

#define DEFAULT_PIDS_MAX 1024

/* The numeric options, from OPT_PIDS_MAX on in OPT_ order. All go through policy_parse_number:
 * none may wrap, shift past 64 bits or take a sign, a blank, hex or junk. */
static const struct number_opt {
	const char *name, *expected;
	bool size, zero; /* K/M/G/T suffixes; 0 (no limit) allowed below min */
	unsigned long long min, max;
} number_opts[] = {
	/* The kernel's pids.max takes at most PID_MAX_LIMIT, 4M tasks. */
	{ "--pids-max", "a count from 0 to 4194304", false, false, 0, 4194304 },
	{ "--memory-max", "0 or a size of at least 1M, e.g. 256M", true, true, 1 << 20, LLONG_MAX },
	{ "--disk-max", "a size of at least 1M, e.g. 256M", true, false, POLICY_DISK_MAX_MIN,
	  LLONG_MAX },
	{ "--disk-inodes", "a count from 64 to 4294967295", false, false, POLICY_DISK_INODES_MIN,
	  UINT_MAX },
};
#define DEFAULT_DISK_MAX (256ULL << 20)
#define DEFAULT_DISK_INODES 16384ULL

static const char run_help[] =
	"Usage: bpfence run --policy FILE [--timeout SECS] [--user USER[:GROUP]] [--source DIR]\n"
	"                   [--scratch DIR] [--env NAME=VALUE]... [--pids-max N] [--memory-max SIZE]\n"
	"                   [--disk-max SIZE] [--disk-inodes N] [--audit] [--no-seccomp] [--json]\n"
	"                   -- CMD [ARG...]\n"
	"\n"
	"Run CMD once as a restricted function: in a fresh cgroup tagged with the policy, so the\n"
	"kernel denies network, the broker and files outside the policy to it and everything it\n"
	"starts. CMD gets a clean environment (PATH, HOME and TMPDIR=scratch, LANG, USER, LOGNAME,\n"
	"PYTHONDONTWRITEBYTECODE=1, and --env, which wins),\n"
	"no capabilities (even as root), no_new_privs, and no file descriptors but 0-2. Its IPC\n"
	"(SysV, POSIX message queues, /dev/shm) is private, and what it can write (scratch, TMPDIR,\n"
	"/dev/shm) is one private tmpfs bounded by --disk-max and --disk-inodes.\n"
	"\n"
	"  --policy FILE     policy file (see policies/README.md)\n"
	"  --timeout SECS    kill the whole invocation after SECS (decimals allowed); exit 124\n"
	"  --user U[:G]      run as this user (and group), without supplementary groups\n"
	"  --source DIR      the function's code, bound to ${source} in the policy\n"
	"  --scratch DIR     use DIR as ${scratch} (kept, and bounded only by DIR's own file\n"
	"                    system); default: a fresh private tmpfs dir, removed afterwards\n"
	"  --env NAME=VALUE  add to CMD's environment (repeatable)\n"
	"  --pids-max N      at most N tasks in the invocation (default 1024; 0: no limit)\n"
	"  --memory-max SIZE memory limit, e.g. 256M or 2G (default: none); no swap\n"
	"  --disk-max SIZE   bytes the invocation may store in scratch and /dev/shm together\n"
	"                    (default: the policy's [limits] disk_max, else 256M)\n"
	"  --disk-inodes N   files it may create there (default: [limits] disk_inodes, else 16384)\n"
	"  --audit           report what would be denied, deny nothing (mode = audit)\n"
	"  --no-seccomp      skip bpfence's seccomp layer (for runners that apply their own;\n"
	"                    the BPF-LSM layer enforces either way)\n"
	"  --json            print a result object as the last line on stderr\n"
	"\n"
	"Exit status: CMD's own; 124 timeout; 125 bpfence failed (including: this kernel cannot\n"
	"enforce); 126 CMD not executable (or denied by the policy); 127 CMD not found.\n"
	"\nExample:\n"
	"  bpfence run --policy policies/function.policy --timeout 30 --source ./fn -- "
	"python3 ./fn/main.py\n";

struct run {
	/* options */
	const char *policy_file, *source_opt, *scratch_opt, *user;
	long timeout_ms; /* -1: none */
	bool audit, no_seccomp;
	long long pids_max, memory_max; /* 0: none */
	unsigned long long disk_max, disk_inodes; /* 0: the policy's, else the default */
	bool pids_limited, memory_limited; /* what the host's cgroup controllers allowed */
	struct env env; /* --env, then bpfence's own */
	char **argv;

	/* resolved */
	struct launch l; /* what the child becomes */
	char source[PATH_MAX], scratch[PATH_MAX], cgroup[PATH_MAX], id[BPFENCE_ID_MAX];
	char storage[PATH_MAX]; /* mount point of the private tmpfs (only in our mount namespace) */
	bool made_storage, mounted_storage, made_cgroup, installed, tagged;
	bool not_empty; /* the kill did not complete: stay tagged, restricted (fail closed) */
	__u64 cgid;
	struct policy policy;
	struct sock_fprog filter; /* the seccomp layer; filter.filter NULL with --no-seccomp */
	struct bpfence_maps maps;
	bool maps_open;
};

static int parse_timeout(const char *s, long *ms)
{
	size_t digits = strspn(s, "0123456789"), frac = 0;
	char *end;
	double v;

	/* Decimal seconds only (30, 0.5): strtod alone also takes blanks, signs, hex, exponents. */
	if (s[digits] == '.')
		frac = 1 + strspn(s + digits + 1, "0123456789");
	if (!digits || frac == 1 || s[digits + frac])
		return -EINVAL;
	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || *end || !isfinite(v) || v <= 0 || v > 31536000)
		return -EINVAL;
	*ms = (long)ceil(v * 1000);
	return 0;
}

/* --debug: where a run's time goes, one line per step (milliseconds since bpfence started). */
static double t_start;

static double mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static void step(const char *what)
{
	if (!cli.debug)
		return;
	if (!t_start)
		t_start = mono_ms();
	fprintf(stderr, "%s: +%.2f ms %s\n", cli.prog, mono_ms() - t_start, what);
}

/*
 * The invocation's cgroup, as soon as it is empty (before the summary: B5 times a timeout to the
 * cgroup's removal). It goes while still tagged, and its tag goes with it (tp_btf/cgroup_rmdir);
 * should it not go, it stays tagged, with its policy, rather than be left as an untagged cgroup
 * into which a task could later be moved unrestricted.
 */
static int remove_cgroup(struct run *r)
{
	int e;

	if (!r->made_cgroup)
		return 0;
	e = cgroup_remove(r->cgroup);
	if (e) {
		report_error("teardown", "cannot remove cgroup %s: %s; left tagged", r->cgroup,
			     strerror(-e));
		r->made_cgroup = r->tagged = false;
		return -1;
	}
	r->made_cgroup = false;
	step("cgroup removed");
	return 0;
}

static int teardown(struct run *r)
{
	int status = 0;

	if (r->not_empty) {
		report_error("teardown", "%s still has tasks; left tagged and in place", r->cgroup);
		r->tagged = r->made_cgroup = r->installed = false;
		status = -1;
	}
	if (remove_cgroup(r)) {
		/* Still tagged, its policy still installed: never an untagged leftover. */
		r->installed = false;
		status = -1;
	}
	if (r->tagged)
		untag_cgroup(&r->maps, r->cgid);
	if (r->installed)
		policy_uninstall(&r->maps, r->cgid);
	step("policy uninstalled");
	/* The tmpfs exists only in our mount namespace; the host sees an empty directory. */
	if (r->mounted_storage && umount2(r->storage, MNT_DETACH)) {
		report_error("teardown", "cannot unmount %s: %s", r->storage, strerror(errno));
		status = -1;
		r->made_storage = false; /* still a mount point here: rmdir would fail */
	}
	if (r->made_storage && rmdir(r->storage)) {
		report_error("teardown", "cannot remove %s: %s", r->storage, strerror(errno));
		status = -1;
	}
	if (r->maps_open)
		bpfence_maps_close(&r->maps);
	free(r->filter.filter);
	policy_free(&r->policy);
	env_free(&r->env);
	return status;
}

static long now_ms(void)
{
	return (long)mono_ms();
}

static void print_summary(struct run *r, int code, int sig, bool timed_out, long ms)
{
	struct bpfence_counters c = {};
	char line[1024];
	size_t off = 0;
	__u64 denied = 0, audited = 0;

	counters_read(&r->maps, r->cgid, &c);
	for (int i = 0; i < BPFENCE_CLASS_MAX; i++) {
		denied += c.denied[i];
		audited += c.audited[i];
	}
	if (denied || audited) {
		for (int i = 0; i < BPFENCE_CLASS_MAX && off < sizeof(line); i++) {
			__u64 n = c.denied[i] + c.audited[i];
			char first[128], safe[BPFENCE_TEXT_MAX(128)];

			if (!n)
				continue;
			/* The first object is a name the function chose: escaped. */
			bpfence_first_str(&c.first[i], first, sizeof(first));
			bpfence_text_escape(first, sizeof(first), safe, sizeof(safe));
			off += snprintf(line + off, sizeof(line) - off, "%s%llu %s%s%s%s%s",
					off ? ", " : "", (unsigned long long)n,
					bpfence_class_name(i), first[0] ? " (" : "", safe,
					first[0] && n > 1 ? " …" : "", first[0] ? ")" : "");
		}
		if (!cli.json)
			fprintf(stderr, "%s: invocation %s: %s %s\n", cli.prog, r->id,
				denied ? "denied" : "would have denied (audit)", line);
	}
	if (cli.json) {
		struct json_writer w;

		jsonw_init(&w, stderr);
		jsonw_start_object(&w);
		jsonw_string_field(&w, "invocation", r->id);
		jsonw_string_field(&w, "policy", r->policy.name);
		jsonw_string_field(&w, "mode",
				   r->policy.mode == POLICY_MODE_AUDIT ? "audit" : "enforce");
		jsonw_int_field(&w, "exit_code", code);
		if (sig)
			jsonw_int_field(&w, "signal", sig);
		else
			jsonw_null_field(&w, "signal");
		jsonw_bool_field(&w, "timed_out", timed_out);
		jsonw_int_field(&w, "duration_ms", ms);
		if (r->pids_limited)
			jsonw_int_field(&w, "pids_max", r->pids_max);
		else
			jsonw_null_field(&w, "pids_max");
		if (r->memory_limited)
			jsonw_int_field(&w, "memory_max", r->memory_max);
		else
			jsonw_null_field(&w, "memory_max");
		/* With --scratch DIR, the bound covers /dev/shm only. */
		jsonw_uint_field(&w, "disk_max", r->disk_max);
		jsonw_uint_field(&w, "disk_inodes", r->disk_inodes);
		jsonw_name(&w, "denied");
		jsonw_start_object(&w);
		for (int i = 0; i < BPFENCE_CLASS_MAX; i++)
			jsonw_uint_field(&w, bpfence_class_name(i), c.denied[i]);
		jsonw_end_object(&w);
		jsonw_name(&w, "audited");
		jsonw_start_object(&w);
		for (int i = 0; i < BPFENCE_CLASS_MAX; i++)
			jsonw_uint_field(&w, bpfence_class_name(i), c.audited[i]);
		jsonw_end_object(&w);
		/* The first object of each class that had a denial (or an audit record). */
		jsonw_name(&w, "first");
		jsonw_start_object(&w);
		for (int i = 0; i < BPFENCE_CLASS_MAX; i++) {
			char first[128];

			if (!c.first[i].object)
				continue;
			bpfence_first_str(&c.first[i], first, sizeof(first));
			jsonw_string_field(&w, bpfence_class_name(i), first);
		}
		jsonw_end_object(&w);
		jsonw_end_object(&w);
	}
}

static int parse_args(struct run *r, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "policy", required_argument, NULL, OPT_POLICY },
		{ "timeout", required_argument, NULL, OPT_TIMEOUT },
		{ "user", required_argument, NULL, OPT_USER },
		{ "source", required_argument, NULL, OPT_SOURCE },
		{ "scratch", required_argument, NULL, OPT_SCRATCH },
		{ "env", required_argument, NULL, OPT_ENV },
		{ "audit", no_argument, NULL, OPT_AUDIT },
		{ "no-seccomp", no_argument, NULL, OPT_NO_SECCOMP },
		{ "pids-max", required_argument, NULL, OPT_PIDS_MAX },
		{ "memory-max", required_argument, NULL, OPT_MEMORY_MAX },
		{ "disk-max", required_argument, NULL, OPT_DISK_MAX },
		{ "disk-inodes", required_argument, NULL, OPT_DISK_INODES },
		{ "json", no_argument, NULL, OPT_JSON },
		{ "debug", no_argument, NULL, OPT_DEBUG },
		{},
	};
	int c, e;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
		switch (c) {
		case 'h':
			fputs(run_help, stdout);
			return 1;
		case OPT_POLICY:
			r->policy_file = optarg;
			break;
		case OPT_TIMEOUT:
			if (parse_timeout(optarg, &r->timeout_ms)) {
				report_error("usage", "bad --timeout '%s' (expected seconds > 0)",
					     optarg);
				return -1;
			}
			break;
		case OPT_USER:
			r->user = optarg;
			break;
		case OPT_SOURCE:
			r->source_opt = optarg;
			break;
		case OPT_SCRATCH:
			r->scratch_opt = optarg;
			break;
		case OPT_ENV:
			if (!strchr(optarg, '=') || optarg[0] == '=') {
				report_error("usage", "bad --env '%s' (expected NAME=VALUE)", optarg);
				return -1;
			}
			if (r->env.n >= ENV_USER_MAX || env_add(&r->env, "%s", optarg)) {
				report_error("usage", "too many --env options");
				return -1;
			}
			break;
		case OPT_AUDIT:
			r->audit = true;
			break;
		case OPT_NO_SECCOMP:
			r->no_seccomp = true;
			break;
		case OPT_PIDS_MAX:
		case OPT_MEMORY_MAX:
		case OPT_DISK_MAX:
		case OPT_DISK_INODES: {
			const struct number_opt *o = &number_opts[c - OPT_PIDS_MAX];
			unsigned long long v;

			e = policy_parse_number(optarg, o->size, o->zero ? 0 : o->min, o->max, &v);
			if (e || (v && v < o->min)) {
				report_error("usage", "bad %s '%s' (expected %s)", o->name, optarg,
					     o->expected);
				return -1;
			}
			if (c == OPT_PIDS_MAX)
				r->pids_max = (long long)v;
			else if (c == OPT_MEMORY_MAX)
				r->memory_max = (long long)v;
			else if (c == OPT_DISK_MAX)
				r->disk_max = v;
			else
				r->disk_inodes = v;
			break;
		}
		case OPT_JSON:
			cli.json = true;
			break;
		case OPT_DEBUG:
			cli.debug = true;
			bpfence_set_debug(true);
			break;
		default:
			report_error("usage", "unknown or incomplete option '%s' (see bpfence run --help)",
				     argv[optind - 1]);
			return -1;
		}
	}
	if (!r->policy_file) {
		report_error("usage", "run needs --policy FILE (see bpfence run --help)");
		return -1;
	}
	if (optind >= argc) {
		report_error("usage", "run needs a command after -- (see bpfence run --help)");
		return -1;
	}
	r->argv = argv + optind;
	return 0;
}

/* pids and memory for the invocations' limits, and cpu so that all of bpfence/ competes for
 * the CPU as one group: a fork bomb held at pids.max still spins, and without the cpu
 * controller each of its tasks would weigh as much as any host process. Best effort, where
 * this host's cgroup v2 offers them (on hybrid hosts they are often bound to v1: then the limit
 * files do not appear; cpu cannot be enabled while a realtime task sits in a child cgroup). */
void cgroup_enable_controllers(const char *root, const char *base)
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

/* Limits on the fresh cgroup. A limit the user asked for that cannot be set fails the run;
 * the default pids limit is best effort and reported in the result. */
static int apply_limits(struct run *r)
{
	char v[32];
	int e;

	if (r->pids_max) {
		snprintf(v, sizeof(v), "%lld", r->pids_max);
		e = cgroup_write(r->cgroup, "pids.max", v);
		r->pids_limited = !e;
		if (e && r->pids_max != DEFAULT_PIDS_MAX) {
			report_error("cannot set --pids-max",
				     "%s/pids.max: %s (the cgroup v2 pids controller is not "
				     "available here)", r->cgroup, strerror(-e));
			return -1;
		}
	}
	if (r->memory_max) {
		snprintf(v, sizeof(v), "%lld", r->memory_max);
		e = cgroup_write(r->cgroup, "memory.max", v);
		if (e) {
			report_error("cannot set --memory-max",
				     "%s/memory.max: %s (the cgroup v2 memory controller is not "
				     "available here)", r->cgroup, strerror(-e));
			return -1;
		}
		/* No swap: else the limit only moves memory to disk. A kernel without swap
		 * accounting has no such file, and nothing to bound. */
		e = cgroup_write(r->cgroup, "memory.swap.max", "0");
		if (e && e != -ENOENT) {
			report_error("cannot set --memory-max", "%s/memory.swap.max: %s", r->cgroup,
				     strerror(-e));
			return -1;
		}
		r->memory_limited = true;
	}
	return 0;
}

/* Make directory PATH in the private tmpfs, owned by the invocation's user. */
static int storage_dir(struct run *r, const char *path, mode_t mode)
{
	if (mkdir(path, mode) || chmod(path, mode))
		return -1;
	if (r->l.drop && chown(path, r->l.uid, r->l.gid))
		return -1;
	return 0;
}

/*
 * The invocation's private IPC and storage (see the top of this file). Runs before the policy
 * is installed: the policy's paths are resolved in this mount namespace, so ${scratch} and a
 * /dev/shm grant name the private tmpfs, never the host's. Returns 0 or -1 (reported).
 */
static int private_storage(struct run *r)
{
	const char *tmp = getenv("TMPDIR");
	char opts[128], shm[PATH_MAX + 8];
	struct stat st;

	if (unshare(CLONE_NEWNS | CLONE_NEWIPC)) {
		report_error("cannot give the invocation private IPC and storage",
			     "unshare(CLONE_NEWNS | CLONE_NEWIPC): %s", strerror(errno));
		return -1;
	}
	if (mount(NULL, "/", NULL, MS_REC | MS_SLAVE, NULL)) {
		report_error("cannot give the invocation private storage",
			     "making / a slave mount: %s", strerror(errno));
		return -1;
	}
	snprintf(r->storage, sizeof(r->storage), "%s/bpfence-%s",
		 tmp && tmp[0] == '/' ? tmp : "/tmp", r->id);
	if (mkdir(r->storage, 0700)) {
		report_error("cannot create scratch dir", "%s: %s", r->storage, strerror(errno));
		return -1;
	}
	r->made_storage = true;
	snprintf(opts, sizeof(opts), "size=%llu,nr_inodes=%llu,mode=0700,uid=%u,gid=%u",
		 r->disk_max, r->disk_inodes, r->l.drop ? r->l.uid : 0, r->l.drop ? r->l.gid : 0);
	if (mount("bpfence", r->storage, "tmpfs", MS_NOSUID | MS_NODEV, opts)) {
		report_error("cannot give the invocation private storage",
			     "tmpfs on %s (%s): %s", r->storage, opts, strerror(errno));
		return -1;
	}
	r->mounted_storage = true;
	if (!r->scratch_opt) {
		snprintf(r->scratch, sizeof(r->scratch), "%s/scratch", r->storage);
		if (storage_dir(r, r->scratch, 0700)) {
			report_error("cannot create scratch dir", "%s: %s", r->scratch,
				     strerror(errno));
			return -1;
		}
	}
	/* No /dev/shm on this host: nothing to hide, and nothing for the function to use. */
	if (stat("/dev/shm", &st) || !S_ISDIR(st.st_mode))
		return 0;
	snprintf(shm, sizeof(shm), "%s/shm", r->storage);
	if (storage_dir(r, shm, 01777) ||
	    mount(shm, "/dev/shm", NULL, MS_BIND, NULL) ||
	    mount(NULL, "/dev/shm", NULL, MS_REMOUNT | MS_BIND | MS_NOSUID | MS_NODEV, NULL)) {
		report_error("cannot give the invocation a private /dev/shm", "%s: %s", shm,
			     strerror(errno));
		return -1;
	}
	return 0;
}

/* Everything up to a tagged, empty cgroup ready for the child. Returns 0 or -1 (reported). */
static int prepare(struct run *r)
{
	char why[WHY_MAX], err[POLICY_ERR_MAX], base[PATH_MAX], root[PATH_MAX];
	struct install_report rep;
	struct stat st;
	int e;

	/* Resolved here: inside the invocation /etc/passwd is not readable. */
	if (r->user && launch_user(&r->l, r->user)) {
		report_error("bad --user", "%s: no such user or group", r->user);
		return -1;
	}
	if (r->source_opt) {
		if (!realpath(r->source_opt, r->source) || stat(r->source, &st)) {
			report_error("bad --source", "%s: %s", r->source_opt, strerror(errno));
			return -1;
		}
		if (!S_ISDIR(st.st_mode)) {
			report_error("bad --source", "%s: not a directory", r->source_opt);
			return -1;
		}
	}
	if (r->scratch_opt) {
		if (!realpath(r->scratch_opt, r->scratch) || stat(r->scratch, &st)) {
			report_error("bad --scratch", "%s: %s", r->scratch_opt, strerror(errno));
			return -1;
		}
		if (!S_ISDIR(st.st_mode)) {
			report_error("bad --scratch", "%s: not a directory", r->scratch_opt);
			return -1;
		}
	}
	if (policy_parse_file(r->policy_file, &r->policy, err, sizeof(err))) {
		report_error("invalid policy", "%s", err);
		return -1;
	}
	if (r->audit)
		r->policy.mode = POLICY_MODE_AUDIT;
	step("policy parsed");
	if (ensure_enforcing(&r->maps))
		return -1;
	r->maps_open = true;
	step("programs checked, maps open");
	/* After the root check: the compiled filter is cached under /run/bpfence. */
	if (!r->no_seccomp &&
	    seccomp_filter_get(&r->policy, &r->filter, &r->l.filter_flags, why, sizeof(why))) {
		report_error("cannot build the seccomp filter", "%s", why);
		return -1;
	}
	step("seccomp filter ready");

	e = invocation_id_new(r->id);
	if (e) {
		report_error("cannot make an invocation id", "%s", strerror(-e));
		return -1;
	}

	e = cgroup2_root(root, sizeof(root));
	if (e) {
		report_error("no cgroup v2 hierarchy", "%s", strerror(-e));
		return -1;
	}
	snprintf(base, sizeof(base), "%s/bpfence", root);
	if (mkdir(base, 0755) && errno != EEXIST) {
		report_error("cannot create cgroup", "%s: %s", base, strerror(errno));
		return -1;
	}
	cgroup_enable_controllers(root, base);
	snprintf(r->cgroup, sizeof(r->cgroup), "%s/%s", base, r->id);
	if (mkdir(r->cgroup, 0755)) {
		report_error("cannot create cgroup", "%s: %s", r->cgroup, strerror(errno));
		return -1;
	}
	r->made_cgroup = true;
	step("cgroup made");
	if (apply_limits(r))
		return -1;
	e = cgroup_id(r->cgroup, &r->cgid);
	if (e) {
		report_error("cannot read cgroup id", "%s: %s", r->cgroup, strerror(-e));
		return -1;
	}

	if (!r->disk_max)
		r->disk_max = r->policy.disk_max ? r->policy.disk_max : DEFAULT_DISK_MAX;
	if (!r->disk_inodes)
		r->disk_inodes = r->policy.disk_inodes ? r->policy.disk_inodes :
							 DEFAULT_DISK_INODES;
	if (private_storage(r))
		return -1;
	step("private storage mounted");

	struct policy_vars vars = { r->source_opt ? r->source : NULL, r->scratch };

	if (policy_install(&r->maps, r->cgid, r->id, &r->policy, &vars, &rep, why, sizeof(why))) {
		report_error("cannot install policy", "%s", why);
		return -1;
	}
	r->installed = true;
	step("policy installed");
	if (cli.debug)
		fprintf(stderr, "%s: invocation %s: cgroup %s (id %llu), %u file rule(s), %u "
				"missing path(s)%s%s\n",
			cli.prog, r->id, r->cgroup, (unsigned long long)r->cgid, rep.files,
			rep.skipped, rep.skipped ? ", first " : "", rep.first_skipped);
	e = tag_cgroup(&r->maps, r->cgid, r->cgid, 0);
	if (e) {
		report_error("cannot tag cgroup", "%s: %s", r->cgroup, strerror(-e));
		return -1;
	}
	r->tagged = true;
	release_load_lock();
	step("tagged");
	launch_cap_last(&r->l);
	if (env_defaults(&r->env, r->scratch, &r->l) ||
	    env_add(&r->env, "BPFENCE_INVOCATION=%s", r->id) ||
	    (r->source_opt && env_add(&r->env, "BPFENCE_SOURCE=%s", r->source))) {
		report_error("usage", "too many --env options");
		return -1;
	}
	r->l.argv = r->argv;
	r->l.env = r->env.v;
	r->l.filter = r->filter.filter ? &r->filter : NULL;
	return 0;
}
int cmd_run(int argc, char **argv)
{
	struct run r = { .timeout_ms = -1, .pids_max = DEFAULT_PIDS_MAX };
	int cgfd = -1, sfd = -1, pidfd = -1, errfd = -1;
	int status = EXIT_BPFENCE, code = 0, sig = 0, e;
	bool timed_out = false, exec_failed = false;
	sigset_t mask;
	long start, deadline;
	siginfo_t info;
	pid_t pid;

	e = parse_args(&r, argc, argv);
	step("start");
	if (e)
		return e > 0 ? 0 : EXIT_BPFENCE;
	if (prepare(&r))
		goto out;

	cgfd = open(r.cgroup, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (cgfd < 0) {
		report_error("cannot start", "%s: %s", r.cgroup, strerror(errno));
		goto out;
	}
	/* Signals to bpfence become an orderly kill + teardown, never an orphaned invocation. */
	sigemptyset(&mask);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGHUP);
	sigaddset(&mask, SIGQUIT);
	if (sigprocmask(SIG_BLOCK, &mask, &r.l.sigmask)) {
		report_error("cannot start", "sigprocmask: %s", strerror(errno));
		goto out;
	}
	sfd = signalfd(-1, &mask, SFD_CLOEXEC);
	if (sfd < 0) {
		report_error("cannot start", "signalfd: %s", strerror(errno));
		goto out;
	}

	/* No core dumps: a crashing function would write one the size of its memory, outside
	 * every bound (or into the host's core handler). The hard limit too, so it stays 0. */
	if (setrlimit(RLIMIT_CORE, &(struct rlimit){ 0, 0 })) {
		report_error("cannot start", "setrlimit(RLIMIT_CORE): %s", strerror(errno));
		goto out;
	}
	start = now_ms();
	pid = launch_start(&r.l, cgfd, &pidfd, &errfd);
	if (pid < 0)
		goto out;
	step("cloned");
	exec_failed = launch_exec_result(errfd, r.argv[0], &code);
	step("exec done");

	deadline = r.timeout_ms < 0 ? -1 : start + r.timeout_ms;
	for (;;) {
		struct pollfd pf[2] = { { .fd = pidfd, .events = POLLIN },
					{ .fd = sfd, .events = POLLIN } };
		long left = deadline < 0 ? -1 : deadline - now_ms();

		if (deadline >= 0 && left <= 0) {
			timed_out = true;
			break;
		}
		if (poll(pf, 2, left > INT_MAX ? INT_MAX : (int)left) < 0 && errno != EINTR)
			break;
		if (pf[0].revents)
			break;
		if (pf[1].revents) {
			struct signalfd_siginfo si;

			if (read(sfd, &si, sizeof(si)) == sizeof(si)) {
				sig = si.ssi_signo;
				break;
			}
		}
	}
	/* Single use: whatever the function left behind dies with it. */
	step("command ended");
	e = cgroup_kill_and_wait(r.cgroup, KILL_WAIT_MS);
	if (e) {
		report_error("cannot empty the invocation", "%s: %s", r.cgroup, strerror(-e));
		r.not_empty = true;
	}
	memset(&info, 0, sizeof(info));
	waitid(P_PIDFD, pidfd, &info, WEXITED);
	step("cgroup empty, child reaped");
	if (!r.not_empty && remove_cgroup(&r))
		e = -EBUSY;

	if (timed_out) {
		status = EXIT_TIMEOUT;
		if (!cli.json)
			fprintf(stderr, "%s: invocation %s: timed out after %.3g s; killed\n",
				cli.prog, r.id, r.timeout_ms / 1000.0);
	} else if (sig) {
		status = 128 + sig;
	} else if (exec_failed) {
		status = code;
	} else if (info.si_code == CLD_EXITED) {
		status = info.si_status;
	} else {
		status = 128 + info.si_status;
	}
	print_summary(&r, status, info.si_code == CLD_EXITED ? 0 : info.si_status, timed_out,
		      now_ms() - start);
	if (e)
		status = EXIT_BPFENCE;
out:
	if (cgfd >= 0)
		close(cgfd);
	if (sfd >= 0)
		close(sfd);
	if (pidfd >= 0)
		close(pidfd);
	if (errfd >= 0)
		close(errfd);
	if (teardown(&r) && status != EXIT_TIMEOUT)
		status = EXIT_BPFENCE;
	step("torn down");
	return status;
}
