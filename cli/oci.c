// SPDX-License-Identifier: GPL-2.0-only
/*
 * bpfence oci-hook: an OCI runtime hook (runc, crun, podman's hooks.d, containerd's base spec)
 * that restricts a container carrying the annotation org.bpfence.policy=NAME.
 *
 *   createRuntime (or prestart): the runtime has made the container's cgroup and put the
 *     container's init in it; the init is still setting up (mounts, pivot_root) and will then
 *     execute the user's program. The cgroup is tagged with BPFENCE_TAG_FROM_EXEC and the init
 *     is left to finish: the tag applies to it from that execve() on (bpf/bpfence.h), and to
 *     every process the runtime brings in later (`runc exec`) from its own execve().
 *   poststop: the tag's policy, rules and record go (the cgroup is gone by then, and its tag
 *     entries with it).
 *
 * Fails closed: whatever goes wrong (no annotation is the only way to be left alone) exits
 * non-zero, and runtimes do not start a container whose createRuntime hook failed. Each run
 * also collects what poststop never got to (a runtime that crashed): records whose cgroup is
 * gone. Records live in RECORD_DIR, one file per container id. All of that is the library's
 * (loader/oci.c); this file is the hook's arguments and output.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "json.h"
#include "oci.h"

enum { OPT_POLICY_DIR = 0x100, OPT_DEFAULT_POLICY, OPT_JSON, OPT_DEBUG };

static const char oci_help[] =
	"Usage: bpfence oci-hook [--policy-dir DIR] [--default-policy NAME] STAGE < STATE\n"
	"An OCI runtime hook. STATE is the container's state (JSON, from the runtime on stdin).\n"
	"STAGE createRuntime (or prestart): if the container has the annotation\n"
	"  " ANNOTATION "=NAME, restrict it with the policy DIR/NAME.policy: its cgroup is\n"
	"  tagged, and every process in it is restricted from its first execve() (the runtime's\n"
	"  own setup before that keeps working), checked with the live deny canary. Paths in the\n"
	"  policy name the container's own files (resolved under its root). Any error exits\n"
	"  non-zero, so the runtime does not start the container. Without the annotation: nothing.\n"
	"STAGE poststop: remove the container's policy and record. Both stages also collect the\n"
	"  records of containers whose cgroup is gone (a runtime that crashed skips poststop).\n"
	"\n  --policy-dir DIR       where policies are (default " DEFAULT_POLICY_DIR ")\n"
	"  --default-policy NAME  restrict a container without the annotation with NAME: for a\n"
	"                         runtime handler every container of which must be restricted\n"
	"                         (a pod whose annotation is missing or misspelt fails closed)\n"
	"\nExample (config.json):\n"
	"  \"hooks\": {\"createRuntime\": [{\"path\": \"/usr/local/sbin/bpfence\",\n"
	"             \"args\": [\"bpfence\", \"oci-hook\", \"createRuntime\"]}],\n"
	"           \"poststop\": [{\"path\": \"/usr/local/sbin/bpfence\",\n"
	"             \"args\": [\"bpfence\", \"oci-hook\", \"poststop\"]}]}\n";

static void print_restricted(const char *id, const struct oci_restricted *r)
{
	if (cli.json) {
		struct json_writer w;

		jsonw_init(&w, stdout);
		jsonw_start_object(&w);
		jsonw_string_field(&w, "restricted", id);
		jsonw_string_field(&w, "cgroup", r->cgroup);
		jsonw_string_field(&w, "policy", r->policy);
		jsonw_string_field(&w, "invocation", r->invocation);
		jsonw_end_object(&w);
	} else {
		printf("bpfence: restricted container %s (cgroup %s) with policy %s\n", TEXT(id),
		       TEXT(r->cgroup), TEXT(r->policy));
	}
}

int cmd_oci_hook(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "policy-dir", required_argument, NULL, OPT_POLICY_DIR },
		{ "default-policy", required_argument, NULL, OPT_DEFAULT_POLICY },
		{ "json", no_argument, NULL, OPT_JSON },
		{ "debug", no_argument, NULL, OPT_DEBUG },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	const char *policy_dir = DEFAULT_POLICY_DIR, *stage, *id, *bundle, *name = NULL;
	const char *default_policy = NULL;
	struct json_object state = {}, ann = {};
	struct bpfence_maps m;
	bool create, have_maps = false;
	char root[PATH_MAX], *text = NULL;
	long pid = 0;
	unsigned long long num;
	int c, r, status = 1;

	optind = 1;
	while ((c = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
		switch (c) {
		case OPT_POLICY_DIR:
			policy_dir = optarg;
			break;
		case OPT_DEFAULT_POLICY:
			default_policy = optarg;
			break;
		case OPT_JSON:
			cli.json = true;
			break;
		case OPT_DEBUG:
			cli.debug = true;
			bpfence_set_debug(true);
			break;
		case 'h':
			fputs(oci_help, stdout);
			return 0;
		default:
			bpfence_report("usage", "unknown option (see 'bpfence oci-hook --help')");
			return EXIT_USAGE;
		}
	}
	if (optind != argc - 1) {
		bpfence_report("usage", "oci-hook needs one STAGE (see --help)");
		return EXIT_USAGE;
	}
	stage = argv[optind];
	if (!strcmp(stage, "createRuntime") || !strcmp(stage, "prestart")) {
		create = true;
	} else if (!strcmp(stage, "poststop")) {
		create = false;
	} else {
		bpfence_report("usage", "unknown stage '%s': createRuntime, prestart or poststop",
			       stage);
		return EXIT_USAGE;
	}

	text = oci_read_text(STDIN_FILENO, STATE_MAX, "the container state on stdin");
	if (!text || oci_parse_doc(text, &state, "the container state on stdin"))
		goto out;
	id = json_get_str(&state, "id");
	bundle = json_get_str(&state, "bundle");
	/* A whole positive number: strtol would read 1.5 or 1e3 as pid 1 (the host's init, whose
	 * root the policy's paths would then be resolved under). */
	if (json_get(&state, "pid") && json_get(&state, "pid")->type == JSON_NUMBER &&
	    !policy_parse_number(json_get(&state, "pid")->value, false, 1, INT_MAX, &num))
		pid = (long)num;
	if (!id || !id[0]) {
		bpfence_report("bad state", "the container state has no id");
		goto out;
	}
	r = json_get_object(&state, "annotations", &ann);
	if (r == -EINVAL) {
		bpfence_report("bad state", "annotations is not an object");
		goto out;
	}
	if (!r) {
		const struct json_field *f = json_get(&ann, ANNOTATION);

		if (f && f->type != JSON_STRING) {
			bpfence_report("bad annotation", ANNOTATION " must be a string");
			goto out;
		}
		name = f ? f->value : NULL;
	}
	if (create && !name)
		name = default_policy;
	if (create && !name) {
		status = 0; /* not ours to restrict */
		goto out;
	}
	if (create && !oci_plain_name(name)) {
		bpfence_report("bad annotation",
			       ANNOTATION "='%s' is not a plain policy name "
					  "(letters, digits, '.', '_', '-'; at most %d)",
			       name, NAME_MAX_LEN);
		goto out;
	}
	if (create && (!bundle || !bundle[0] || pid <= 0)) {
		bpfence_report("bad state", "the container state needs bundle and pid at %s",
			       stage);
		goto out;
	}
	r = cgroup2_root(root, sizeof(root));
	if (r) {
		bpfence_report("no cgroup v2", "cannot find the cgroup2 mount: %s", strerror(-r));
		goto out;
	}
	if (create) {
		struct oci_container ctr = { id, bundle, name, policy_dir, pid };
		struct oci_restricted done;

		if (enforcing_maps(&m, false)) {
			status = EXIT_BPFENCE;
			goto out;
		}
		have_maps = true;
		oci_collect(&m, root, NULL);
		status = oci_restrict(&ctr, root, &m, &done);
		if (!status)
			print_restricted(id, &done);
	} else {
		char why[WHY_MAX];

		/* Without the programs there is nothing left to remove but the record. */
		have_maps = bpfence_loaded() == 1 && !bpfence_maps_open(&m, why, sizeof(why));
		status = oci_poststop(id, root, &m, have_maps);
	}
out:
	if (have_maps)
		bpfence_maps_close(&m);
	release_load_lock();
	json_object_free(&ann);
	json_object_free(&state);
	free(text);
	return status;
}
