// SPDX-License-Identifier: GPL-2.0-only
/*
 * bpfence sandbox: a restricted session that lives across many commands (create, exec many
 * times, cp, ls, terminate): the stateful sibling of `bpfence run`. What a sandbox is, where its
 * state lives and how its keeper holds it are the library's (loader/sandbox.c); this file parses
 * each command's arguments and prints its result.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli.h"
#include "json.h"
#include "sandbox.h"

#define SB_CP_MAX_DEFAULT (256ULL << 20)

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
       O_DISK, O_INODES, O_JSON, O_ENV, O_WORKDIR, O_MAXSIZE, O_ALL, O_DEBUG, O_SOURCE_FD };

static int parse_size_opt(const char *opt, const char *v, bool size, unsigned long long min,
			  unsigned long long *out)
{
	if (policy_parse_size(v, size, out) || (*out && *out < min) ||
	    (size && *out > (1ULL << 50))) {
		bpfence_report("usage", "bad %s '%s' (expected %s)", opt, v,
			       size ? "a size such as 256M" : "a count");
		return -1;
	}
	return 0;
}

/* Which sandbox a JSON object is about: its id under key, its name (null without one) and, with
 * policy, its policy's name. */
static void json_identity(struct json_writer *w, const char *key, const struct sandbox *s,
			  bool policy)
{
	jsonw_string_field(w, key, s->id);
	jsonw_name(w, "name");
	if (s->name[0])
		jsonw_string(w, s->name);
	else
		jsonw_null(w);
	if (policy)
		jsonw_string_field(w, "policy", s->policy_name);
}

/* A new sandbox, as create --json prints it (and bpfenced's worker answers it). */
static void created_members(struct json_writer *w, const struct sandbox *s)
{
	char scratch[PATH_MAX];

	json_identity(w, "id", s, true);
	jsonw_string_field(w, "cgroup", s->cgroup);
	sandbox_storage(scratch, sizeof(scratch), s->id, "scratch");
	jsonw_string_field(w, "scratch", scratch);
	jsonw_name(w, "timeout_s");
	if (s->timeout_ms)
		jsonw_float(w, s->timeout_ms / 1000.0);
	else
		jsonw_null(w);
	jsonw_name(w, "idle_timeout_s");
	if (s->idle_ms)
		jsonw_float(w, s->idle_ms / 1000.0);
	else
		jsonw_null(w);
}

static void print_created(const struct sandbox *s)
{
	if (cli.answer_fd >= 0)
		created_members(&cli.answer, s);
	if (cli.json) {
		struct json_writer w;

		jsonw_init(&w, stdout);
		jsonw_start_object(&w);
		created_members(&w, s);
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
		{ "source-fd", required_argument, NULL, O_SOURCE_FD },
		{},
	};
	struct sandbox s = { .timeout_ms = SB_DEFAULT_TIMEOUT_MS };
	struct invocation inv;
	const char *user = NULL, *source = NULL;
	unsigned long long v;
	bool set[O_INODES - O_MEMORY + 1] = {}, timeout_set = false, idle_set = false;
	int c, e, status, source_fd = -1;

	invocation_init(&inv);
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
		switch (c) {
		case 'h':
			fputs(create_help, stdout);
			return 0;
		case O_POLICY:
			if (strlen(optarg) >= sizeof(s.policy_file)) {
				bpfence_report("usage", "--policy path too long");
				return EXIT_USAGE;
			}
			snprintf(s.policy_file, sizeof(s.policy_file), "%s", optarg);
			break;
		case O_TIMEOUT:
		case O_IDLE:
			*(c == O_TIMEOUT ? &timeout_set : &idle_set) = true;
			if (parse_seconds(optarg, c == O_TIMEOUT ? &s.timeout_ms : &s.idle_ms, true)) {
				bpfence_report("usage", "bad %s '%s' (expected seconds >= 0)",
					       c == O_TIMEOUT ? "--timeout" : "--idle-timeout",
					       optarg);
				return EXIT_USAGE;
			}
			break;
		case O_SOURCE:
			source = optarg;
			break;
		case O_NAME:
			if (!sandbox_valid_name(optarg)) {
				bpfence_report("usage",
					       "bad --name '%s' (letters, digits, '.', '_', '-'; "
					       "at most %d; not starting with '-' or '" SB_ID_PREFIX
					       "')",
					       optarg, SB_NAME_MAX);
				return EXIT_USAGE;
			}
			snprintf(s.name, sizeof(s.name), "%s", optarg);
			break;
		case O_USER:
			user = optarg;
			break;
		case O_SOURCE_FD:
			/* bpfenced's worker: --source as the caller's descriptor. */
			if (cli.answer_fd < 0 || (source_fd = atoi(optarg)) < 3) {
				bpfence_report("usage", "--source-fd is bpfenced's, for its workers");
				return EXIT_USAGE;
			}
			break;
		case O_MEMORY:
			set[c - O_MEMORY] = true;
			if (parse_size_opt("--memory-max", optarg, true, 1 << 20, &v))
				return EXIT_USAGE;
			inv.lim.memory_max = (long long)v;
			break;
		case O_PIDS:
			set[c - O_MEMORY] = true;
			if (parse_size_opt("--pids-max", optarg, false, 0, &v) || v > INT_MAX) {
				bpfence_report("usage", "bad --pids-max '%s'", optarg);
				return EXIT_USAGE;
			}
			inv.lim.pids_max = (long long)v;
			break;
		case O_DISK:
			set[c - O_MEMORY] = true;
			if (parse_size_opt("--disk-max", optarg, true, POLICY_DISK_MAX_MIN, &v) || !v)
				return EXIT_USAGE;
			inv.lim.disk_max = v;
			break;
		case O_INODES:
			set[c - O_MEMORY] = true;
			if (parse_size_opt("--disk-inodes", optarg, false, POLICY_DISK_INODES_MIN,
					   &v) || !v)
				return EXIT_USAGE;
			inv.lim.disk_inodes = v;
			break;
		case O_JSON:
			cli.json = true;
			break;
		case O_DEBUG:
			cli.debug = true;
			bpfence_set_debug(true);
			break;
		default:
			bpfence_report("usage",
				       "unknown or incomplete option '%s' (see bpfence sandbox "
				       "create --help)",
				       argv[optind - 1]);
			return EXIT_USAGE;
		}
	}
	if (!s.policy_file[0]) {
		bpfence_report("usage", "sandbox create needs --policy FILE");
		return EXIT_USAGE;
	}
	if (optind < argc) {
		bpfence_report("usage", "unexpected argument '%s'", argv[optind]);
		return EXIT_USAGE;
	}
	if (remote_wanted() && cli.answer_fd < 0) {
		struct remote q;

		remote_begin(&q, "create");
		jsonw_string_field(&q.w, "policy", s.policy_file);
		if (timeout_set)
			jsonw_int_field(&q.w, "timeout_ms", s.timeout_ms);
		if (idle_set)
			jsonw_int_field(&q.w, "idle_timeout_ms", s.idle_ms);
		if (s.name[0])
			jsonw_string_field(&q.w, "name", s.name);
		if (user)
			jsonw_string_field(&q.w, "user", user);
		if (set[O_MEMORY - O_MEMORY])
			jsonw_int_field(&q.w, "memory_max", inv.lim.memory_max);
		if (set[O_PIDS - O_MEMORY])
			jsonw_int_field(&q.w, "pids_max", inv.lim.pids_max);
		if (set[O_DISK - O_MEMORY])
			jsonw_uint_field(&q.w, "disk_max", inv.lim.disk_max);
		if (set[O_INODES - O_MEMORY])
			jsonw_uint_field(&q.w, "disk_inodes", inv.lim.disk_inodes);
		if (source && remote_source(&q, source))
			return EXIT_BPFENCE;
		return remote_call(&q);
	}
	if (require_root())
		return EXIT_BPFENCE;
	if (invocation_options(&inv, user, source, NULL))
		return EXIT_REFUSED;
	if (source_fd >= 0 && invocation_source_fd(&inv, source_fd))
		return EXIT_REFUSED;
	e = sandbox_create(&s, &inv);
	status = !e ? 0 : e == -EINVAL || e == -EEXIST ? EXIT_REFUSED : EXIT_BPFENCE;
	if (!e)
		print_created(&s);
	invocation_end(&inv);
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

/* What this exec added to the sandbox's counters: a line on stderr, or the JSON result. */
static void print_exec_result(const struct sandbox_exec *x, int status,
			      const struct bpfence_counters *after, bool exec_failed,
			      const siginfo_t *info, bool timed_out)
{
	const struct sandbox *s = &x->sb;
	__u64 b[BPFENCE_CLASS_MAX], a[BPFENCE_CLASS_MAX], total = 0;
	char line[1024];
	size_t off = 0;

	counters_total(&x->before, b);
	counters_total(after, a);
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
		fprintf(stderr, "%s: sandbox %s: %s %s\n", cli.prog, s->id,
			x->inv.policy.mode == POLICY_MODE_AUDIT ? "would have denied (audit)" : "denied",
			line);
	for (int k = 0; k < 2; k++) {
		struct json_writer ws, *wp = k ? &cli.answer : &ws;
#define w (*wp)

		if (k == 0 && !cli.json)
			continue;
		if (k == 1 && cli.answer_fd < 0)
			break;
		if (k == 0) {
			jsonw_init(&w, stderr);
			jsonw_start_object(&w);
		}
		json_identity(&w, "sandbox", s, true);
		if (k == 0)
			jsonw_uint_field(&w, "exit_code", (unsigned)status);
		jsonw_name(&w, "signal");
		if (!exec_failed && info->si_code != CLD_EXITED)
			jsonw_uint(&w, (unsigned)info->si_status);
		else
			jsonw_null(&w);
		jsonw_name(&w, "timed_out");
		jsonw_bool(&w, timed_out);
		jsonw_uint_field(&w, "duration_ms",
				 (unsigned long long)(bpfence_mono_ms() - x->inv.started_ms));
		jsonw_name(&w, "denied");
		jsonw_start_object(&w);
		for (int i = 0; i < BPFENCE_CLASS_MAX; i++)
			jsonw_uint_field(&w, bpfence_class_name(i),
					 after->denied[i] - x->before.denied[i]);
		jsonw_end_object(&w);
		jsonw_name(&w, "audited");
		jsonw_start_object(&w);
		for (int i = 0; i < BPFENCE_CLASS_MAX; i++)
			jsonw_uint_field(&w, bpfence_class_name(i),
					 after->audited[i] - x->before.audited[i]);
		jsonw_end_object(&w);
		if (k == 0) {
			jsonw_end_object(&w);
			fputc('\n', stderr);
		}
#undef w
	}
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
	struct sandbox_exec x;
	struct invocation_result res;
	struct bpfence_counters after = {};
	const char *workdir = NULL, *which;
	long long timeout_ms = 0;
	int c, status = EXIT_BPFENCE, code = 0;
	bool exec_failed = false;
	siginfo_t info = {};

	sandbox_exec_init(&x);
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
		switch (c) {
		case 'h':
			fputs(exec_help, stdout);
			sandbox_exec_end(&x);
			return 0;
		case O_ENV:
			if (!strchr(optarg, '=') || optarg[0] == '=') {
				bpfence_report("usage", "bad --env '%s' (expected NAME=VALUE)",
					       optarg);
				goto out;
			}
			if (x.inv.env.n >= ENV_USER_MAX || env_add(&x.inv.env, "%s", optarg)) {
				bpfence_report("usage", "too many --env options");
				goto out;
			}
			break;
		case O_WORKDIR:
			workdir = optarg;
			break;
		case O_TIMEOUT:
			if (parse_seconds(optarg, &timeout_ms, false)) {
				bpfence_report("usage", "bad --timeout '%s' (expected seconds > 0)",
					       optarg);
				goto out;
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
			bpfence_report("usage",
				       "unknown or incomplete option '%s' (see bpfence sandbox "
				       "exec --help)",
				       argv[optind - 1]);
			goto out;
		}
	}
	if (optind >= argc) {
		bpfence_report("usage", "sandbox exec needs ID|NAME -- CMD (see --help)");
		goto out;
	}
	which = argv[optind++];
	if (optind < argc && !strcmp(argv[optind], "--"))
		optind++;
	if (optind >= argc) {
		bpfence_report("usage", "sandbox exec needs a command after -- (see --help)");
		goto out;
	}
	if (remote_wanted() && cli.answer_fd < 0) {
		struct remote q;

		remote_begin(&q, "exec");
		jsonw_string_field(&q.w, "sandbox", which);
		if (timeout_ms)
			jsonw_int_field(&q.w, "timeout_ms", timeout_ms);
		if (workdir)
			jsonw_string_field(&q.w, "workdir", workdir);
		remote_env(&q, &x.inv.env);
		jsonw_name(&q.w, "argv");
		jsonw_start_array(&q.w);
		for (int i = optind; i < argc; i++)
			jsonw_string(&q.w, argv[i]);
		jsonw_end_array(&q.w);
		status = remote_call(&q);
		goto out;
	}
	x.inv.hangup_fd = cli.answer_fd;
	if (require_root() ||
	    sandbox_exec_start(&x, which, argv + optind, workdir, &exec_failed, &code))
		goto out;
	invocation_wait(&x.inv, timeout_ms ? timeout_ms : -1, INVOCATION_WAIT_EXEC, &res, &info);
	status = invocation_exit_status(exec_failed, code, &info);
	if (res.timed_out) {
		status = EXIT_TIMEOUT;
		if (!cli.json)
			fprintf(stderr, "%s: sandbox %s: command timed out after %.3g s; killed\n",
				cli.prog, x.sb.id, timeout_ms / 1000.0);
	}
	status = sandbox_exec_status(&x, status, &after);
	print_exec_result(&x, status, &after, exec_failed, &info, res.timed_out);
out:
	sandbox_exec_end(&x);
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

/* "X:PATH" with X a sandbox id or name: the sandbox side of a cp. */
static bool sandbox_side(const char *arg, char *which, size_t n, const char **path)
{
	const char *colon = strchr(arg, ':');

	if (!colon || colon == arg || (size_t)(colon - arg) >= n || memchr(arg, '/', colon - arg))
		return false;
	snprintf(which, n, "%.*s", (int)(colon - arg), arg);
	if (!sandbox_valid_id(which) && !sandbox_valid_name(which))
		return false;
	*path = colon + 1;
	return true;
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
			bpfence_report("usage",
				       "unknown or incomplete option '%s' (see bpfence sandbox "
				       "cp --help)",
				       argv[optind - 1]);
			return EXIT_USAGE;
		}
	}
	if (argc - optind != 2) {
		bpfence_report("usage", "sandbox cp needs SRC and DST (see --help)");
		return EXIT_USAGE;
	}
	in_src = sandbox_side(argv[optind], which_src, sizeof(which_src), &psrc);
	in_dst = sandbox_side(argv[optind + 1], which_dst, sizeof(which_dst), &pdst);
	if (in_src == in_dst) {
		bpfence_report("usage", "exactly one of SRC and DST must be ID|NAME:PATH");
		return EXIT_USAGE;
	}
	if (remote_wanted() && cli.answer_fd < 0) {
		/* The host side is opened here, as the caller: the daemon never names a host path. */
		const char *host = in_dst ? argv[optind] : argv[optind + 1];
		struct remote q;
		int fd = -1;

		if (strcmp(host, "-")) {
			fd = in_dst ? open(host, O_RDONLY | O_CLOEXEC) :
				      open(host, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
			if (fd < 0) {
				bpfence_report("cannot copy", "%s: %s", host, strerror(errno));
				return EXIT_REFUSED;
			}
		}
		remote_begin(&q, in_dst ? "cp-in" : "cp-out");
		if (fd >= 0)
			remote_fd(&q, in_dst ? "stdin" : "stdout", fd);
		jsonw_string_field(&q.w, "sandbox", in_dst ? which_dst : which_src);
		jsonw_string_field(&q.w, "path", in_dst ? pdst : psrc);
		jsonw_uint_field(&q.w, "max", max);
		c = remote_call(&q);
		if (c && fd >= 0 && !in_dst)
			unlink(host);
		return c;
	}
	if (require_root())
		return EXIT_BPFENCE;
	sandbox_reap();
	if (sandbox_lookup(in_src ? which_src : which_dst, &s, false))
		return EXIT_REFUSED;
	if (in_dst ? sandbox_copy_in(&s, argv[optind], pdst, max) : sandbox_copy_out(&s, psrc, argv[optind + 1], max))
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
			bpfence_report("usage",
				       "unknown argument '%s' (see bpfence sandbox ls --help)",
				       argv[i]);
			return EXIT_USAGE;
		}
	}
	if (remote_wanted() && cli.answer_fd < 0) {
		struct remote q;

		remote_begin(&q, "ls");
		return remote_call(&q);
	}
	if (require_root())
		return EXIT_BPFENCE;
	sandbox_reap();
	maps_open = !maps_if_loaded(&maps);
	if (cli.answer_fd >= 0) {
		jsonw_name(&cli.answer, "sandboxes");
		jsonw_start_array(&cli.answer);
	}
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
		long long now = bpfence_real_ms(), age, idle;
		unsigned long long denied = 0;
		bool busy;
		long procs;

		if (!sandbox_valid_id(list[i]->d_name) || sandbox_state(list[i]->d_name) != SB_LIVE ||
		    sandbox_meta_read(list[i]->d_name, &s) || !sandbox_visible(&s))
			continue;
		if (cli.answer_fd >= 0) {
			jsonw_start_object(&cli.answer);
			json_identity(&cli.answer, "id", &s, true);
			jsonw_end_object(&cli.answer);
		}
		busy = sandbox_busy(s.id);
		age = now - s.created_ms;
		idle = busy ? -1 : now - sandbox_last_activity(s.id, s.created_ms);
		procs = sandbox_procs(&s);
		if (maps_open)
			counters_read(&maps, s.cgid, &cn);
		for (int k = 0; k < BPFENCE_CLASS_MAX; k++)
			denied += cn.denied[k];
		shown++;
		if (cli.json) {
			jsonw_start_object(&w);
			json_identity(&w, "id", &s, true);
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
	if (cli.answer_fd >= 0)
		jsonw_end_array(&cli.answer);
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
			bpfence_report("usage", "unknown option '%s'", argv[i]);
			return EXIT_USAGE;
		}
	}
	if (argc <= first) {
		bpfence_report("usage", "sandbox terminate needs ID|NAME (see --help)");
		return EXIT_USAGE;
	}
	if (remote_wanted() && cli.answer_fd < 0) {
		/* One request a sandbox; the worst status wins. */
		for (int i = 1; i < argc; i++) {
			struct remote q;
			int r;

			if (!strcmp(argv[i], "--json"))
				continue;
			remote_begin(&q, "terminate");
			jsonw_string_field(&q.w, "sandbox", argv[i]);
			r = remote_call(&q);
			if (r > status)
				status = r;
		}
		return status;
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
		r = sandbox_lookup(argv[i], &s, true);
		if (r < 0) {
			if (!status)
				status = EXIT_REFUSED;
			continue;
		}
		if (r == 0)
			r = sandbox_terminate(&s, "terminated", false);
		if (r < 0) {
			status = EXIT_BPFENCE;
			continue;
		}
		sandbox_end_reason(s.id, reason, sizeof(reason));
		if (cli.json) {
			jsonw_start_object(&w);
			json_identity(&w, "id", &s, false);
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
	sandbox_reap();
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
		bpfence_report("usage", "sandbox reap takes no arguments");
		return EXIT_USAGE;
	}
	if (require_root())
		return EXIT_BPFENCE;
	sandbox_reap();
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
	fprintf(f, "\nNot root: create, exec, cp, ls and terminate go to bpfenced's socket\n"
		   "(BPFENCE_SOCKET, default /run/bpfence/bpfenced.sock); --policy is then one of\n"
		   "the administrator's policy names (bpfenced.conf(5)), and a sandbox is its\n"
		   "creator's alone.\n");
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
	bpfence_report("usage", "unknown sandbox command '%s' (see bpfence sandbox --help)",
		       argv[1]);
	return EXIT_USAGE;
}

