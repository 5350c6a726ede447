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
 * The steps are the library's (loader/invocation.h), in that order; this file is the options
 * and the summary. Private IPC and storage (SECURITY.md rows 32 and 34) are explained there:
 * `run` itself moves into the invocation's namespaces before the clone, so the child is born
 * in them.
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
	OPT_SOURCE_FD,
};


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
	"Not root: the same request goes to bpfenced's socket (BPFENCE_SOCKET, default\n"
	"/run/bpfence/bpfenced.sock), --policy names one of the administrator's policies\n"
	"(bpfenced.conf(5)), and --audit, --no-seccomp and --scratch are refused.\n"
	"\n"
	"Exit status: CMD's own; 124 timeout; 125 bpfence failed (including: this kernel cannot\n"
	"enforce; not root and bpfenced unreachable or refusing); 126 CMD not executable (or\n"
	"denied by the policy); 127 CMD not found.\n"
	"\nExample:\n"
	"  bpfence run --policy policies/function.policy --timeout 30 --source ./fn -- "
	"python3 ./fn/main.py\n";

struct run {
	/* options */
	const char *policy_file, *source_opt, *scratch_opt, *user;
	long timeout_ms; /* -1: none */
	bool audit, no_seccomp;
	bool limit_set[4]; /* --pids-max .. --disk-inodes given (number_opts' order) */
	int source_fd;     /* --source-fd (bpfenced's worker), -1 if none */
	char **argv;

	struct invocation inv; /* limits and --env go straight in */
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

/* The result (run --json, and the answer of bpfenced's worker): its members. */
static void result_members(struct json_writer *w, struct run *r, const struct bpfence_counters *cp,
			   int code, int sig, bool timed_out, long ms)
{
	const struct bpfence_counters c = *cp;

	jsonw_string_field(w, "invocation", r->inv.id);
	jsonw_string_field(w, "policy", r->inv.policy.name);
	jsonw_string_field(w, "mode",
			   r->inv.policy.mode == POLICY_MODE_AUDIT ? "audit" : "enforce");
	/* The answer's exit_code is cli/main.c's: the status bpfence exits with. */
	if (w != &cli.answer)
		jsonw_int_field(w, "exit_code", code);
	if (sig)
		jsonw_int_field(w, "signal", sig);
	else
		jsonw_null_field(w, "signal");
	jsonw_bool_field(w, "timed_out", timed_out);
	jsonw_int_field(w, "duration_ms", ms);
	if (r->inv.lim.pids_limited)
		jsonw_int_field(w, "pids_max", r->inv.lim.pids_max);
	else
		jsonw_null_field(w, "pids_max");
	if (r->inv.lim.memory_limited)
		jsonw_int_field(w, "memory_max", r->inv.lim.memory_max);
	else
		jsonw_null_field(w, "memory_max");
	/* With --scratch DIR, the bound covers /dev/shm only. */
	jsonw_uint_field(w, "disk_max", r->inv.lim.disk_max);
	jsonw_uint_field(w, "disk_inodes", r->inv.lim.disk_inodes);
	jsonw_name(w, "denied");
	jsonw_start_object(w);
	for (int i = 0; i < BPFENCE_CLASS_MAX; i++)
		jsonw_uint_field(w, bpfence_class_name(i), c.denied[i]);
	jsonw_end_object(w);
	jsonw_name(w, "audited");
	jsonw_start_object(w);
	for (int i = 0; i < BPFENCE_CLASS_MAX; i++)
		jsonw_uint_field(w, bpfence_class_name(i), c.audited[i]);
	jsonw_end_object(w);
	/* The first object of each class that had a denial (or an audit record). */
	jsonw_name(w, "first");
	jsonw_start_object(w);
	for (int i = 0; i < BPFENCE_CLASS_MAX; i++) {
		char first[128];

		if (!c.first[i].object)
			continue;
		bpfence_first_str(&c.first[i], first, sizeof(first));
		jsonw_string_field(w, bpfence_class_name(i), first);
	}
	jsonw_end_object(w);
}

static void print_summary(struct run *r, int code, int sig, bool timed_out, long ms)
{
	struct bpfence_counters c = {};
	char line[1024];
	size_t off = 0;
	__u64 denied = 0, audited = 0;

	counters_read(&r->inv.maps, r->inv.cgid, &c);
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
			fprintf(stderr, "%s: invocation %s: %s %s\n", cli.prog, r->inv.id,
				denied ? "denied" : "would have denied (audit)", line);
	}
	if (cli.json) {
		struct json_writer w;

		jsonw_init(&w, stderr);
		jsonw_start_object(&w);
		result_members(&w, r, &c, code, sig, timed_out, ms);
		jsonw_end_object(&w);
	}
	if (cli.answer_fd >= 0)
		result_members(&cli.answer, r, &c, code, sig, timed_out, ms);
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
		{ "source-fd", required_argument, NULL, OPT_SOURCE_FD },
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
				bpfence_report("usage", "bad --timeout '%s' (expected seconds > 0)",
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
				bpfence_report("usage", "bad --env '%s' (expected NAME=VALUE)",
					       optarg);
				return -1;
			}
			if (r->inv.env.n >= ENV_USER_MAX || env_add(&r->inv.env, "%s", optarg)) {
				bpfence_report("usage", "too many --env options");
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

			r->limit_set[c - OPT_PIDS_MAX] = true;
			e = policy_parse_number(optarg, o->size, o->zero ? 0 : o->min, o->max, &v);
			if (e || (v && v < o->min)) {
				bpfence_report("usage", "bad %s '%s' (expected %s)", o->name,
					       optarg, o->expected);
				return -1;
			}
			if (c == OPT_PIDS_MAX)
				r->inv.lim.pids_max = (long long)v;
			else if (c == OPT_MEMORY_MAX)
				r->inv.lim.memory_max = (long long)v;
			else if (c == OPT_DISK_MAX)
				r->inv.lim.disk_max = v;
			else
				r->inv.lim.disk_inodes = v;
			break;
		}
		case OPT_JSON:
			cli.json = true;
			break;
		case OPT_DEBUG:
			cli.debug = true;
			bpfence_set_debug(true);
			break;
		case OPT_SOURCE_FD:
			/* bpfenced's worker: --source as the caller's descriptor. */
			if (cli.answer_fd < 0 || (r->source_fd = atoi(optarg)) < 3) {
				bpfence_report("usage", "--source-fd is bpfenced's, for its workers");
				return -1;
			}
			break;
		default:
			bpfence_report("usage",
				       "unknown or incomplete option '%s' (see bpfence run --help)",
				       argv[optind - 1]);
			return -1;
		}
	}
	if (!r->policy_file) {
		bpfence_report("usage", "run needs --policy FILE (see bpfence run --help)");
		return -1;
	}
	if (optind >= argc) {
		bpfence_report("usage", "run needs a command after -- (see bpfence run --help)");
		return -1;
	}
	r->argv = argv + optind;
	return 0;
}

/* Everything up to a tagged, empty cgroup ready for the child. Returns 0 or -1 (reported). */
static int prepare(struct run *r)
{
	struct invocation *inv = &r->inv;
	const char *tmp = getenv("TMPDIR");
	int e;

	if (invocation_options(inv, r->user, r->source_opt, r->scratch_opt))
		return -1;
	if (r->source_fd >= 0 && invocation_source_fd(inv, r->source_fd))
		return -1;
	if (invocation_begin(inv, r->policy_file,
			     (r->audit ? INVOCATION_AUDIT : 0) |
				     (r->no_seccomp ? INVOCATION_NO_SECCOMP : 0)))
		return -1;
	e = invocation_id_new(inv->id);
	if (e) {
		bpfence_report("cannot make an invocation id", "%s", strerror(-e));
		return -1;
	}
	if (invocation_cgroup(inv))
		return -1;
	/* The storage is mounted in run's own namespaces, before the policy is installed: its
	 * paths are resolved here, so ${scratch} and a /dev/shm grant name the private tmpfs. */
	e = invocation_namespaces(0);
	if (e < 0) {
		bpfence_report("cannot give the invocation private IPC and storage",
			       "unshare(CLONE_NEWNS | CLONE_NEWIPC): %s", strerror(-e));
		return -1;
	}
	snprintf(inv->storage, sizeof(inv->storage), "%s/bpfence-%s",
		 tmp && tmp[0] == '/' ? tmp : "/tmp", inv->id);
	if (invocation_storage(inv))
		return -1;
	e = invocation_bind_shm(inv->storage);
	if (e) {
		bpfence_report("cannot give the invocation a private /dev/shm", "%s/shm: %s",
			       inv->storage, strerror(-e));
		return -1;
	}
	if (invocation_resolver(inv) || invocation_restrict(inv))
		return -1;
	return invocation_command(inv, r->argv,
				  (const char *const[][2]){
					  { "BPFENCE_INVOCATION=%s", inv->id },
					  { "BPFENCE_SOURCE=%s",
					    inv->source_shown[0] ? inv->source_shown :
					    r->source_opt	  ? inv->source :
								    NULL },
					  { NULL, NULL } });
}

/* A user who is not root: the same request, through bpfenced's socket (cli/remote.c). What
 * only root may ask is refused here, before anything is sent. */
static int run_remote(struct run *r)
{
	static const char *const limit_members[] = { "pids_max", "memory_max", "disk_max",
						     "disk_inodes" };
	struct remote q;
	int cwd;

	if (r->audit || r->no_seccomp || r->scratch_opt) {
		bpfence_report("not allowed through bpfenced's socket",
			       "%s needs root (a function started by another user is always "
			       "enforced, with its own private scratch)",
			       r->audit ? "--audit" : r->no_seccomp ? "--no-seccomp" : "--scratch");
		return EXIT_BPFENCE;
	}
	remote_begin(&q, "run");
	jsonw_string_field(&q.w, "policy", r->policy_file);
	if (r->timeout_ms > 0)
		jsonw_int_field(&q.w, "timeout_ms", r->timeout_ms);
	if (r->user)
		jsonw_string_field(&q.w, "user", r->user);
	for (int i = 0; i < 4; i++) {
		const struct invocation_limits *l = &r->inv.lim;

		if (r->limit_set[i])
			jsonw_uint_field(&q.w, limit_members[i],
					 i == 0 ? (unsigned long long)l->pids_max :
					 i == 1 ? (unsigned long long)l->memory_max :
					 i == 2 ? l->disk_max :
						  l->disk_inodes);
	}
	remote_env(&q, &r->inv.env);
	jsonw_name(&q.w, "argv");
	jsonw_start_array(&q.w);
	for (char **a = r->argv; *a; a++)
		jsonw_string(&q.w, *a);
	jsonw_end_array(&q.w);
	/* The command starts where the caller is, as a local run does. */
	cwd = open(".", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (cwd >= 0)
		remote_fd(&q, "cwd", cwd);
	if (r->source_opt && remote_source(&q, r->source_opt)) {
		if (cwd >= 0)
			close(cwd);
		return EXIT_BPFENCE;
	}
	return remote_call(&q);
}

int cmd_run(int argc, char **argv)
{
	struct run r = { .timeout_ms = -1, .source_fd = -1 };
	struct invocation *inv = &r.inv;
	int status = EXIT_BPFENCE, code = 0, e;
	bool exec_failed = false;
	struct invocation_result res = {};
	siginfo_t info = {};

	invocation_init(inv);
	e = parse_args(&r, argc, argv);
	bpfence_step("start");
	if (e)
		return e > 0 ? 0 : EXIT_BPFENCE;
	if (remote_wanted() && cli.answer_fd < 0) {
		invocation_end(inv);
		return run_remote(&r);
	}
	inv->hangup_fd = cli.answer_fd;
	if (prepare(&r) || invocation_start(inv, &exec_failed, &code))
		goto out;
	invocation_wait(inv, r.timeout_ms, INVOCATION_WAIT_RUN, &res, &info);
	/* Single use: whatever the function left behind dies with it. */
	e = invocation_kill(inv, &info);

	if (res.hangup) {
		/* Nobody to tell: the caller went, and its function with it. */
		status = 128 + SIGHUP;
	} else if (res.timed_out) {
		status = EXIT_TIMEOUT;
		if (!cli.json)
			fprintf(stderr, "%s: invocation %s: timed out after %.3g s; killed\n",
				cli.prog, inv->id, r.timeout_ms / 1000.0);
	} else if (res.signal) {
		status = 128 + res.signal;
	} else {
		status = invocation_exit_status(exec_failed, code, &info);
	}
	print_summary(&r, status, info.si_code == CLD_EXITED ? 0 : info.si_status, res.timed_out,
		      (long)(bpfence_mono_ms() - inv->started_ms));
	if (e)
		status = EXIT_BPFENCE;
out:
	if (invocation_end(inv) && status != EXIT_TIMEOUT)
		status = EXIT_BPFENCE;
	bpfence_step("torn down");
	return status;
}
