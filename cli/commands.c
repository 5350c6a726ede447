// SPDX-License-Identifier: GPL-2.0-only
/* bpfence load | unload | status | tag | untag | policy check | policy seccomp (policy learn:
 * learn.c). */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <dirent.h>

#include <bpf/bpf.h>
#include <seccomp.h>

#include "cli.h"

enum {
	OPT_JSON = 0x100,
	OPT_DEBUG,
	OPT_SOURCE,
	OPT_SCRATCH,
	OPT_FORCE,
	OPT_POLICY,
	OPT_REPLACE,
	OPT_OUTPUT,
	OPT_LOG_FLAG,
	OPT_PFC,
	OPT_FROM_EXEC,
	OPT_ROOT,
	OPT_STRICT,
	OPT_HOOKS,
};

#define COMMON_OPTS                                                                   \
	{ "help", no_argument, NULL, 'h' }, { "json", no_argument, NULL, OPT_JSON }, \
		{ "debug", no_argument, NULL, OPT_DEBUG }

/* Parse the options every command shares; returns 1 when help was printed, -1 on a bad option,
 * 0 otherwise. Unknown options are reported by name. */
static int common_opt(int c, const char *help)
{
	switch (c) {
	case 'h':
		fputs(help, stdout);
		return 1;
	case OPT_JSON:
		cli.json = true;
		return 0;
	case OPT_DEBUG:
		cli.debug = true;
		bpfence_set_debug(true);
		return 0;
	default:
		bpfence_report("usage", "unknown option (see --help)");
		return -1;
	}
}

static int bad_option(char **argv)
{
	bpfence_report("usage", "unknown or incomplete option '%s' (see --help)", argv[optind - 1]);
	return EXIT_USAGE;
}

static const char load_help[] =
	"Usage: bpfence load [--json] [--debug]\n"
	"Load the BPF-LSM programs, attach them and pin links and maps under " BPFENCE_PIN_DIR ".\n"
	"Loading again is harmless. Fails, naming what is missing, on a kernel that cannot "
	"enforce.\n\nExample:\n  bpfence load && bpfence status\n";

int cmd_load(int argc, char **argv)
{
	static const struct option opts[] = { COMMON_OPTS, {} };
	char why[WHY_MAX];
	int c, r;

	optind = 1;
	while ((c = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
		if (c == '?')
			return bad_option(argv);
		r = common_opt(c, load_help);
		if (r)
			return r > 0 ? 0 : EXIT_USAGE;
	}
	if (optind != argc) {
		bpfence_report("usage", "load takes no arguments");
		return EXIT_USAGE;
	}
	if (require_root())
		return EXIT_BPFENCE;
	r = bpfence_probe(why, sizeof(why));
	if (!r)
		r = bpfence_load(why, sizeof(why));
	if (r < 0) {
		bpfence_report("this kernel cannot enforce", "%s", why);
		return EXIT_BPFENCE;
	}
	if (cli.json) {
		struct json_writer w;

		jsonw_init(&w, stdout);
		jsonw_start_object(&w);
		jsonw_bool_field(&w, "loaded", true);
		jsonw_bool_field(&w, "already", r == 1);
		jsonw_string_field(&w, "pin_dir", BPFENCE_PIN_DIR);
		jsonw_end_object(&w);
	} else {
		printf("bpfence: %s (%s)\n", r == 1 ? "already loaded" : "loaded", BPFENCE_PIN_DIR);
	}
	return 0;
}

static const char unload_help[] =
	"Usage: bpfence unload [--force] [--json] [--debug]\n"
	"Detach the programs and remove every pin under " BPFENCE_PIN_DIR ".\n"
	"Refuses while cgroups are tagged (that would lift their restriction) unless --force.\n"
	"\nExample:\n  bpfence unload\n";

int cmd_unload(int argc, char **argv)
{
	static const struct option opts[] = { COMMON_OPTS, { "force", no_argument, NULL, OPT_FORCE },
					      {} };
	bool force = false;
	char why[WHY_MAX];
	int c, r;

	optind = 1;
	while ((c = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
		if (c == '?')
			return bad_option(argv);
		if (c == OPT_FORCE) {
			force = true;
			continue;
		}
		r = common_opt(c, unload_help);
		if (r)
			return r > 0 ? 0 : EXIT_USAGE;
	}
	if (optind != argc) {
		bpfence_report("usage", "unload takes no arguments");
		return EXIT_USAGE;
	}
	if (require_root())
		return EXIT_BPFENCE;
	r = bpfence_unload(force, why, sizeof(why));
	if (r) {
		/* Tagged cgroups are a refusal (untag, or --force); else bpfence failed. */
		bpfence_report("cannot unload", "%s", why);
		return r == -EBUSY ? EXIT_REFUSED : EXIT_BPFENCE;
	}
	if (cli.json) {
		struct json_writer w;

		jsonw_init(&w, stdout);
		jsonw_start_object(&w);
		jsonw_bool_field(&w, "loaded", false);
		jsonw_end_object(&w);
	} else {
		printf("bpfence: unloaded\n");
	}
	return 0;
}

static const char status_help[] =
	"Usage: bpfence status [--json] [--hooks]\n"
	"Show whether this kernel can enforce (and if not, why), what is pinned, and how many\n"
	"cgroups are tagged. Exit status 0 when the kernel can enforce, 125 when it cannot.\n"
	"--hooks: list this build's programs instead, one a line: program, section, the hook\n"
	"its audit records name ('-': none of its own), required or optional.\n"
	"\nExample:\n  bpfence status --json\n";

/* status --hooks: bpf/hooks.h, tab-separated (tools/docs-tables makes docs/audit.md's table). */
static int print_hooks(void)
{
	printf("program\tsection\thook\tneed\n");
	for (const struct bpfence_program *p = bpfence_programs; p->prog; p++)
		printf("%s\t%s\t%s\t%s\n", p->prog, p->section, p->hook ? p->hook : "-",
		       p->need == BPFENCE_OPTIONAL ? "optional" : "required");
	return fflush(stdout) ? EXIT_BPFENCE : EXIT_OK;
}

int cmd_status(int argc, char **argv)
{
	static const struct option opts[] = { COMMON_OPTS,
					      { "hooks", no_argument, NULL, OPT_HOOKS }, {} };
	char why[WHY_MAX] = "", cg[PATH_MAX] = "";
	struct bpfence_maps m;
	int c, r, loaded, tagged = -1;
	unsigned long long drops = 0;
	bool can = false, have_drops = false;

	optind = 1;
	while ((c = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
		if (c == '?')
			return bad_option(argv);
		if (c == OPT_HOOKS)
			return print_hooks();
		r = common_opt(c, status_help);
		if (r)
			return r > 0 ? 0 : EXIT_USAGE;
	}
	if (optind != argc) {
		bpfence_report("usage", "status takes no arguments");
		return EXIT_USAGE;
	}
	if (geteuid() != 0)
		snprintf(why, sizeof(why), "unknown: the live test load needs root");
	else
		can = !bpfence_probe_live(why, sizeof(why));
	cgroup2_root(cg, sizeof(cg));
	loaded = bpfence_loaded();
	if (loaded == 1 && !bpfence_maps_open(&m, NULL, 0)) {
		tagged = tag_count(&m);
		have_drops = !drops_read(&m, &drops);
		bpfence_maps_close(&m);
	}
	if (cli.json) {
		struct json_writer w;

		jsonw_init(&w, stdout);
		jsonw_start_object(&w);
		jsonw_bool_field(&w, "can_enforce", can);
		jsonw_string_field(&w, "reason", can ? NULL : why);
		jsonw_string_field(&w, "cgroup2", cg[0] ? cg : NULL);
		jsonw_bool_field(&w, "loaded", loaded == 1);
		jsonw_bool_field(&w, "partial", loaded < 0);
		jsonw_string_field(&w, "pin_dir", BPFENCE_PIN_DIR);
		if (tagged >= 0)
			jsonw_int_field(&w, "tagged_cgroups", tagged);
		else
			jsonw_null_field(&w, "tagged_cgroups");
		/* Audit events the kernel could not queue since load (counted, never silent). */
		if (have_drops)
			jsonw_uint_field(&w, "drops_total", drops);
		else
			jsonw_null_field(&w, "drops_total");
		/* How full each map is: what a leak or a capacity problem shows up in. */
		jsonw_name(&w, "maps");
		jsonw_start_object(&w);
		for (const char *const *n = bpfence_map_names; loaded == 1 && *n; n++) {
			unsigned int e, max;

			if (bpfence_map_usage(*n, &e, &max))
				continue;
			jsonw_name(&w, *n);
			jsonw_start_object(&w);
			jsonw_uint_field(&w, "entries", e);
			jsonw_uint_field(&w, "max_entries", max);
			jsonw_end_object(&w);
		}
		jsonw_end_object(&w);
		jsonw_name(&w, "programs");
		jsonw_start_array(&w);
		for (const char *const *l = bpfence_link_names; *l; l++)
			jsonw_string(&w, *l);
		jsonw_end_array(&w);
		jsonw_end_object(&w);
	} else {
		printf("kernel:   %s\n", can ? "can enforce (BTF, BPF LSM active)" : "CANNOT enforce");
		if (!can)
			printf("reason:   %s\n", TEXT(why));
		printf("cgroup2:  %s\n", cg[0] ? TEXT(cg) : "(not mounted)");
		printf("loaded:   %s\n", loaded == 1   ? "yes (" BPFENCE_PIN_DIR ")" :
					 loaded == 0 ? "no" :
						       "PARTIAL: some pins are missing; run 'bpfence load'");
		if (tagged >= 0)
			printf("tagged:   %d cgroup(s)\n", tagged);
		if (have_drops)
			printf("drops:    %llu audit event(s) could not be queued\n", drops);
		if (loaded == 1) {
			const char *sep = "maps:     ";

			for (const char *const *n = bpfence_map_names; *n; n++) {
				unsigned int e, max;

				if (bpfence_map_usage(*n, &e, &max))
					continue;
				printf("%s%s %u/%u", sep, *n, e, max);
				sep = ", ";
			}
			printf("\n");
		}
	}
	return can ? EXIT_OK : EXIT_BPFENCE;
}

/* tag --replace: swap the policy of the tagged root `path` (cgroup id `id`). */
static int replace_policy(const struct bpfence_maps *m, const char *path, __u64 id,
			  const struct policy *p, const struct policy_vars *vars)
{
	struct bpfence_policy cur;
	char why[WHY_MAX];
	__u64 inv;

	if (tag_lookup(m, id, &inv)) {
		bpfence_report("cannot replace", "%s is not tagged; tag it without --replace",
			       path);
		return 1;
	}
	if (inv != id) {
		bpfence_report("cannot replace",
			       "%s is inside a larger tagged cgroup; replace the "
			       "policy of its root",
			       path);
		return 1;
	}
	if (policy_swap(m, id, p, vars, NULL, why, sizeof(why))) {
		bpfence_report("cannot replace the policy", "%s (the old policy still holds)", why);
		return 1;
	}
	if (bpf_map_lookup_elem(m->policies, &id, &cur))
		cur.id[0] = 0;
	if (cli.json) {
		struct json_writer w;

		jsonw_init(&w, stdout);
		jsonw_start_object(&w);
		jsonw_string_field(&w, "replaced", path);
		jsonw_name(&w, "invocation");
		jsonw_string_n(&w, cur.id, sizeof(cur.id));
		jsonw_string_field(&w, "policy", p->name);
		jsonw_end_object(&w);
	} else {
		printf("bpfence: replaced the policy of %s with %s (invocation %s)\n", TEXT(path),
		       TEXT(p->name), TEXT_N(cur.id));
	}
	return 0;
}

/* Never the cgroup root (that would be the whole host), nor a cgroup holding bpfence itself. */
static int refuse_cgroup(const char *path)
{
	char root[PATH_MAX], self[PATH_MAX], full[PATH_MAX];
	size_t l;

	if (cgroup2_root(root, sizeof(root)))
		return 0;
	if (!strcmp(path, root) || (strlen(path) == strlen(root) + 1 && path[strlen(root)] == '/')) {
		bpfence_report("refused",
			       "%s is the cgroup root: tagging it would restrict the whole "
			       "host",
			       path);
		return 1;
	}
	if (cgroup_of_pid(0, self, sizeof(self)))
		return 0;
	snprintf(full, sizeof(full), "%s%s", root, strcmp(self, "/") ? self : "");
	l = strlen(path);
	if (!strncmp(full, path, l) && (full[l] == 0 || full[l] == '/')) {
		bpfence_report("refused",
			       "%s holds bpfence itself (%s): tag a cgroup of the workload", path,
			       full);
		return 1;
	}
	return 0;
}

static const char tag_help[] =
	"Usage: bpfence tag [--replace] [--from-exec|--strict] [--root DIR] --policy FILE\n"
	"                   [--source DIR] [--scratch DIR] CGROUP_PATH\n"
	"Restrict a cgroup made by another runner (runc/crun, systemd, Kubernetes) and all its\n"
	"descendants with a policy. CGROUP_PATH is absolute, or relative to the cgroup2 mount.\n"
	"Processes already in the cgroup are restricted at once. A process that enters it later\n"
	"(a runtime's init, `runc exec`, a unit's process started by systemd) is restricted from\n"
	"its first execve() in it: the runner's own setup before that keeps working, the program\n"
	"it executes is restricted from its first instruction, and so is everything it starts.\n"
	"Tag a parent (a slice) before the runner makes containers or units below it.\n"
	"\n  --root DIR   the policy's [files] paths name files under DIR, as a process whose root\n"
	"              directory DIR is sees them (a container's root file system)\n"
	"  --from-exec  treat the processes already in the cgroup like later arrivals: restricted\n"
	"              from their next execve() (what a runtime hook wants: the container's init\n"
	"              is there, still setting up).\n"
	"  --strict     restrict every process from the moment it is in the cgroup, whatever it\n"
	"              is doing, also one moved in while it runs (as `bpfence run` does); a\n"
	"              runtime's or systemd's setup in the cgroup then fails.\n"
	"\n  --replace   the cgroup is a tagged root (bpfence tag, or bpfence/ID of a run): swap its\n"
	"              policy for FILE atomically while it runs. Every decision sees the old\n"
	"              policy or the new one, never a mix; the invocation id and counters stay.\n"
	"\nExample:\n  bpfence tag --policy policies/function.policy system.slice/fn-42.scope\n"
	"  bpfence tag --replace --policy tighter.policy system.slice/fn-42.scope\n";

int cmd_tag(int argc, char **argv)
{
	static const struct option opts[] = { COMMON_OPTS,
					      { "policy", required_argument, NULL, OPT_POLICY },
					      { "source", required_argument, NULL, OPT_SOURCE },
					      { "scratch", required_argument, NULL, OPT_SCRATCH },
					      { "replace", no_argument, NULL, OPT_REPLACE },
					      { "from-exec", no_argument, NULL, OPT_FROM_EXEC },
					      { "strict", no_argument, NULL, OPT_STRICT },
					      { "root", required_argument, NULL, OPT_ROOT },
					      {} };
	const char *policy_file = NULL, *source = NULL, *scratch = NULL;
	bool replace = false, from_exec = false, strict = false;
	const char *root_dir = NULL;
	char rootp[PATH_MAX];
	char path[PATH_MAX], src[PATH_MAX], scr[PATH_MAX];
	struct invocation inv;
	const struct policy *p = &inv.policy;
	const struct bpfence_maps *m = &inv.maps;
	__u64 id, existing;
	int c, r, status = 1;

	invocation_init(&inv);
	optind = 1;
	while ((c = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
		if (c == '?')
			return bad_option(argv);
		if (c == OPT_POLICY)
			policy_file = optarg;
		else if (c == OPT_SOURCE)
			source = optarg;
		else if (c == OPT_SCRATCH)
			scratch = optarg;
		else if (c == OPT_REPLACE)
			replace = true;
		else if (c == OPT_FROM_EXEC)
			from_exec = true;
		else if (c == OPT_STRICT)
			strict = true;
		else if (c == OPT_ROOT)
			root_dir = optarg;
		else if ((r = common_opt(c, tag_help)))
			return r > 0 ? 0 : EXIT_USAGE;
	}
	if (!policy_file || optind != argc - 1) {
		bpfence_report("usage", "tag needs --policy FILE and one CGROUP_PATH (see --help)");
		return EXIT_USAGE;
	}
	if (from_exec && strict) {
		bpfence_report("usage", "--from-exec and --strict exclude each other");
		return EXIT_USAGE;
	}
	if ((source && !realpath(source, src)) || (scratch && !realpath(scratch, scr))) {
		bpfence_report("bad directory", "%s: %s",
			       source && !realpath(source, src) ? source : scratch,
			       strerror(errno));
		return EXIT_USAGE;
	}
	r = cgroup2_resolve(argv[optind], path, sizeof(path));
	if (r) {
		bpfence_report("bad cgroup", "%s: %s", argv[optind],
			       r == -EXDEV ? "not inside the cgroup2 hierarchy" : strerror(-r));
		return 1;
	}
	if (refuse_cgroup(path))
		return 1;
	r = invocation_begin(&inv, policy_file, INVOCATION_NO_SECCOMP);
	/* A policy that does not parse is a refusal of this request; the rest is bpfence's (125). */
	status = r == -EINVAL ? 1 : EXIT_BPFENCE;
	if (r)
		goto out;
	r = cgroup_id(path, &id);
	if (r) {
		bpfence_report("bad cgroup", "%s: %s", path, strerror(-r));
		goto out;
	}
	struct policy_vars vars = { source ? src : NULL, scratch ? scr : NULL, NULL };

	if (root_dir) {
		struct stat st;

		errno = 0;
		if (!realpath(root_dir, rootp) || stat(rootp, &st) || !S_ISDIR(st.st_mode)) {
			bpfence_report("bad directory", "--root %s: %s", root_dir,
				       errno ? strerror(errno) : "not a directory");
			status = EXIT_USAGE;
			goto out;
		}
		vars.root = rootp;
	}
	char inv_id[BPFENCE_ID_MAX];

	if (replace) {
		status = replace_policy(m, path, id, p, &vars);
		goto out;
	}
	if (!tag_lookup(m, id, &existing)) {
		bpfence_report("cannot tag",
			       "%s is already tagged (invocation %llu); untag it first, "
			       "or swap its policy with --replace",
			       path, (unsigned long long)existing);
		status = EXIT_REFUSED;
		goto out;
	}

	r = invocation_id_new(inv_id);
	if (r) {
		bpfence_report("cannot tag", "no random id: %s", strerror(-r));
		goto out;
	}
	if (invocation_adopt(m, path, id, inv_id, p, &vars, strict ? 0 : BPFENCE_TAG_FROM_EXEC,
			     from_exec || strict ? 0 : ADOPT_ARM_PRESENT))
		goto out;
	if (cli.json) {
		struct json_writer w;

		jsonw_init(&w, stdout);
		jsonw_start_object(&w);
		jsonw_string_field(&w, "tagged", path);
		jsonw_string_field(&w, "invocation", inv_id);
		jsonw_string_field(&w, "policy", p->name);
		jsonw_end_object(&w);
	} else {
		printf("bpfence: tagged %s with policy %s (invocation %s)\n", TEXT(path),
		       TEXT(p->name), inv_id);
	}
	status = 0;
out:
	invocation_end(&inv);
	return status;
}

static const char untag_help[] = "Usage: bpfence untag CGROUP_PATH\n"
				 "Lift the restriction that 'bpfence tag' put on a cgroup.\n"
				 "\nExample:\n  bpfence untag system.slice/fn-42.scope\n";

int cmd_untag(int argc, char **argv)
{
	static const struct option opts[] = { COMMON_OPTS, {} };
	char path[PATH_MAX], why[WHY_MAX];
	struct bpfence_maps m;
	__u64 id, inv;
	int c, r;

	optind = 1;
	while ((c = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
		if (c == '?')
			return bad_option(argv);
		if ((r = common_opt(c, untag_help)))
			return r > 0 ? 0 : EXIT_USAGE;
	}
	if (optind != argc - 1) {
		bpfence_report("usage", "untag needs one CGROUP_PATH (see --help)");
		return EXIT_USAGE;
	}
	r = cgroup2_resolve(argv[optind], path, sizeof(path));
	if (r) {
		bpfence_report("bad cgroup", "%s: %s", argv[optind],
			       r == -EXDEV ? "not inside the cgroup2 hierarchy" : strerror(-r));
		return 1;
	}
	if (bpfence_maps_open(&m, why, sizeof(why))) {
		bpfence_report("not loaded", "%s", why);
		return EXIT_BPFENCE;
	}
	r = cgroup_id(path, &id);
	if (!r && tag_lookup(&m, id, &inv))
		r = -ENOENT;
	if (r || inv != id) {
		bpfence_report("cannot untag", "%s: %s", path,
			       r ? "not tagged" : "part of a larger tagged cgroup; untag its root");
		bpfence_maps_close(&m);
		return 1;
	}
	invocation_release(&m, path, id);
	bpfence_maps_close(&m);
	if (cli.json) {
		struct json_writer w;

		jsonw_init(&w, stdout);
		jsonw_start_object(&w);
		jsonw_string_field(&w, "untagged", path);
		jsonw_end_object(&w);
	} else {
		printf("bpfence: untagged %s\n", TEXT(path));
	}
	return 0;
}

static const char policy_help[] =
	"Usage: bpfence policy check [--source DIR] [--scratch DIR] FILE\n"
	"       bpfence policy learn [--log FILE] [--invocation ID] [--into POLICY] [--json]\n"
	"                            [FILE|-]\n"
	"       bpfence policy seccomp [--output FILE] [--log-flag] [--pfc] FILE\n"
	"check: parse a policy and resolve its paths. Errors name FILE:LINE:COLUMN. Paths that do\n"
	"not exist grant or deny nothing; they are listed so a typo does not go unnoticed. Warnings, as\n"
	"FILE:LINE:COLUMN: warning: ..., for a deny inside no grant (it does nothing), a grant\n"
	"and a deny of one path (the deny wins), an exec or map grant inside a write grant\n"
	"(what the function writes there can run); paths compared as written.\n"
	"learn: from an audit-mode run's denials, print the policy lines that would have allowed\n"
	"them, with warnings for what must stay denied (bpfence policy learn --help).\n"
	"seccomp: print the seccomp layer 'run' loads for the policy as an OCI seccomp profile,\n"
	"for runc, crun or podman (bpfence policy seccomp --help).\n"
	"\nExample:\n  bpfence policy check policies/function.policy\n"
	"  bpfence policy learn --invocation 3f2a\n"
	"  bpfence policy seccomp policies/function.policy > seccomp.json\n";

static const char policy_seccomp_help[] =
	"Usage: bpfence policy seccomp [--output FILE] [--log-flag] [--pfc] FILE\n"
	"Print the seccomp layer that 'bpfence run' loads for the policy FILE as an OCI\n"
	"runtime-spec linux.seccomp object (JSON), for a runner that starts functions with runc,\n"
	"crun or podman and restricts their cgroup with 'bpfence tag'. The same rules and errnos,\n"
	"made from the same table: default allow, the native ABI only; the always-denied calls and\n"
	"the groups the policy does not permit fail with EPERM (under mode = audit the groups are\n"
	"only logged), clone with a namespace flag and TIOCSTI/TIOCLINUX with EPERM, clone3 with\n"
	"ENOSYS. Calls this system's libseccomp does not know are left out, as 'run' leaves them.\n"
	"A profile cannot carry run's bad-ABI action: runtimes kill the thread that makes a\n"
	"32-bit or x32 call (libseccomp's default) where run kills the process.\n"
	"\n  --output FILE  write the profile to FILE rather than stdout\n"
	"  --log-flag     add \"flags\": [\"SECCOMP_FILTER_FLAG_LOG\"], so that every refusal is a\n"
	"                 kernel audit record, as under run (crun, runc >= 1.2; runc 1.1 refuses\n"
	"                 any flags)\n"
	"  --pfc          print run's filter as libseccomp pseudo filter code instead (text)\n"
	"\nExample:\n  bpfence policy seccomp --output seccomp.json policies/function.policy\n"
	"  podman run --security-opt seccomp=seccomp.json ...\n";

/* bpfence policy seccomp: argv[0] is "seccomp". */
static int policy_seccomp(int argc, char **argv)
{
	static const struct option opts[] = { COMMON_OPTS,
					      { "output", required_argument, NULL, OPT_OUTPUT },
					      { "log-flag", no_argument, NULL, OPT_LOG_FLAG },
					      { "pfc", no_argument, NULL, OPT_PFC },
					      {} };
	const char *output = NULL;
	bool log_flag = false, pfc = false;
	char err[POLICY_ERR_MAX], why[WHY_MAX];
	struct policy p = {};
	FILE *out = stdout;
	void *ctx = NULL;
	int c, r, status = 1;

	optind = 1;
	while ((c = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
		if (c == '?')
			return bad_option(argv);
		if (c == OPT_OUTPUT)
			output = optarg;
		else if (c == OPT_LOG_FLAG)
			log_flag = true;
		else if (c == OPT_PFC)
			pfc = true;
		else if ((r = common_opt(c, policy_seccomp_help)))
			return r > 0 ? 0 : EXIT_USAGE;
	}
	if (optind != argc - 1) {
		bpfence_report("usage", "policy seccomp needs one FILE (see --help)");
		return EXIT_USAGE;
	}
	if (pfc && (log_flag || (cli.json && !output))) {
		bpfence_report("usage",
			       "--pfc prints text: not with --log-flag, nor --json on stdout");
		return EXIT_USAGE;
	}
	if (policy_parse_file(argv[optind], &p, err, sizeof(err))) {
		bpfence_report("invalid policy", "%s", err);
		return 1;
	}
	if (output && !(out = fopen(output, "w"))) {
		bpfence_report("cannot write the profile", "%s: %s", output, strerror(errno));
		goto out_policy;
	}
	if (pfc) {
		ctx = seccomp_build(&p, why, sizeof(why));
		if (!ctx) {
			bpfence_report("cannot build the seccomp filter", "%s", why);
			goto out_file;
		}
		fflush(out);
		r = seccomp_export_pfc(ctx, fileno(out));
		seccomp_release(ctx);
		if (r) {
			bpfence_report("cannot write the filter", "%s", strerror(-r));
			goto out_file;
		}
	} else {
		r = seccomp_oci_profile(&p, log_flag, out, why, sizeof(why));
		if (r) {
			bpfence_report("cannot write the profile", "%s", why);
			goto out_file;
		}
	}
	status = 0;
out_file:
	if (output) {
		if (fclose(out) && !status) {
			bpfence_report("cannot write the profile", "%s: %s", output,
				       strerror(errno));
			status = 1;
		}
		/* No half-written profile is left for a runner to pick up. */
		if (status)
			unlink(output);
	}
	if (!status && output) {
		if (cli.json) {
			struct json_writer w;

			jsonw_init(&w, stdout);
			jsonw_start_object(&w);
			jsonw_string_field(&w, "output", output);
			jsonw_string_field(&w, "policy", p.name);
			jsonw_end_object(&w);
		} else {
			printf("bpfence: wrote the seccomp %s of policy %s to %s\n",
			       pfc ? "filter" : "profile", TEXT(p.name), TEXT(output));
		}
	}
out_policy:
	policy_free(&p);
	return status;
}

int cmd_policy(int argc, char **argv)
{
	static const struct option opts[] = { COMMON_OPTS,
					      { "source", required_argument, NULL, OPT_SOURCE },
					      { "scratch", required_argument, NULL, OPT_SCRATCH },
					      {} };
	struct policy_vars vars = {};
	struct install_report rep;
	char err[POLICY_ERR_MAX], src[PATH_MAX], scr[PATH_MAX];
	struct policy_warning *warn = NULL;
	struct policy p = {};
	size_t n_warn = 0, denies = 0;
	int c, r;

	if (argc >= 2 && !strcmp(argv[1], "learn"))
		return policy_learn(argc - 1, argv + 1);
	if (argc >= 2 && !strcmp(argv[1], "seccomp"))
		return policy_seccomp(argc - 1, argv + 1);
	if (argc < 2 || strcmp(argv[1], "check")) {
		if (argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
			fputs(policy_help, stdout);
			return 0;
		}
		bpfence_report("usage",
			       "policy needs a subcommand: check, learn or seccomp (see --help)");
		return EXIT_USAGE;
	}
	argc--;
	argv++;
	optind = 1;
	while ((c = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
		if (c == '?')
			return bad_option(argv);
		if (c == OPT_SOURCE || c == OPT_SCRATCH) {
			/* Bindings are absolute, as `run` makes them. */
			char *dst = c == OPT_SOURCE ? src : scr;

			if (!realpath(optarg, dst)) {
				bpfence_report("bad directory", "%s: %s", optarg, strerror(errno));
				return EXIT_USAGE;
			}
			if (c == OPT_SOURCE)
				vars.source = src;
			else
				vars.scratch = scr;
		} else if ((r = common_opt(c, policy_help)))
			return r > 0 ? 0 : EXIT_USAGE;
	}
	if (optind != argc - 1) {
		bpfence_report("usage", "policy check needs one FILE (see --help)");
		return EXIT_USAGE;
	}
	if (policy_parse_file(argv[optind], &p, err, sizeof(err))) {
		bpfence_report("invalid policy", "%s", err);
		return 1;
	}
	r = policy_resolve_report(&p, &vars, &rep);
	if (!r)
		r = policy_lint(&p, &vars, &warn, &n_warn);
	if (r) {
		bpfence_report("invalid policy", "%s: %s", argv[optind], strerror(-r));
		policy_free(&p);
		return 1;
	}
	for (size_t i = 0; i < p.n_paths; i++)
		denies += p.paths[i].perm == POLICY_PERM_DENY;
	if (cli.json) {
		struct json_writer w;

		jsonw_init(&w, stdout);
		jsonw_start_object(&w);
		jsonw_string_field(&w, "file", argv[optind]);
		jsonw_bool_field(&w, "valid", true);
		jsonw_string_field(&w, "name", p.name);
		jsonw_string_field(&w, "mode", p.mode == POLICY_MODE_AUDIT ? "audit" : "enforce");
		jsonw_string_field(&w, "connect", p.connect_allow ? "allow" : "deny");
		jsonw_uint_field(&w, "allow_rules", p.n_allow);
		jsonw_uint_field(&w, "allow_names", p.n_allow_names);
		jsonw_uint_field(&w, "deny_names", p.n_deny_names);
		jsonw_uint_field(&w, "broker_unix", p.n_broker_unix);
		jsonw_uint_field(&w, "broker_tcp", p.n_broker_tcp);
		jsonw_uint_field(&w, "paths", p.n_paths);
		jsonw_uint_field(&w, "denies", denies);
		jsonw_uint_field(&w, "paths_resolved", rep.files);
		jsonw_uint_field(&w, "paths_missing", rep.skipped);
		jsonw_uint_field(&w, "paths_unbound", rep.unbound);
		jsonw_string_field(&w, "first_missing",
				   rep.first_skipped[0] ? rep.first_skipped : NULL);
		jsonw_name(&w, "families");
		jsonw_start_array(&w);
		for (int f = 0; f < 64; f++) {
			const char *fam = policy_family_name(f);

			if (p.families & (1ULL << f))
				jsonw_string(&w, fam ? fam : "?");
		}
		jsonw_end_array(&w);
		jsonw_name(&w, "warnings");
		jsonw_start_array(&w);
		for (size_t i = 0; i < n_warn; i++) {
			jsonw_start_object(&w);
			jsonw_uint_field(&w, "line", warn[i].loc.line);
			jsonw_uint_field(&w, "col", warn[i].loc.col);
			jsonw_string_field(&w, "kind", warn[i].kind);
			jsonw_string_field(&w, "message", warn[i].message);
			jsonw_end_object(&w);
		}
		jsonw_end_array(&w);
		jsonw_end_object(&w);
	} else {
		char names[64] = "";

		/* Only a policy with names says so: every other policy's line stays as it was. */
		if (p.n_allow_names || p.n_deny_names)
			snprintf(names, sizeof(names), ", %zu allow name(s), %zu deny name(s)",
				 p.n_allow_names, p.n_deny_names);
		printf("%s: ok: policy '%s', mode %s, connect %s, %zu allow rule(s)%s, %zu path(s) "
		       "of which %zu deny (%u resolved, %u missing, %u need --source/--scratch)\n",
		       TEXT(argv[optind]), TEXT(p.name),
		       p.mode == POLICY_MODE_AUDIT ? "audit" : "enforce",
		       p.connect_allow ? "allow" : "deny", p.n_allow, names, p.n_paths, denies,
		       rep.files, rep.skipped, rep.unbound);
		if (rep.skipped)
			printf("%s: note: missing paths grant or deny nothing (first: %s)\n",
			       TEXT(argv[optind]), TEXT(rep.first_skipped));
		for (size_t i = 0; i < n_warn; i++)
			printf("%s:%u:%u: warning: %s\n", TEXT(argv[optind]), warn[i].loc.line,
			       warn[i].loc.col, TEXT(warn[i].message));
	}
	policy_warnings_free(warn, n_warn);
	policy_free(&p);
	return 0;
}
