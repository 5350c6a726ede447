/* SPDX-License-Identifier: GPL-2.0-only */
/* Containers under an OCI runtime hook (loader/oci.c); `bpfence oci-hook` (cli/oci.c) is its
 * arguments and output. */
#ifndef BPFENCE_OCI_H
#define BPFENCE_OCI_H

#include <stdbool.h>
#include <stddef.h>

#include "invocation.h"
#include "json.h"

#define ANNOTATION "org.bpfence.policy"
#define DEFAULT_POLICY_DIR "/etc/bpfence/policies"
#define RECORD_DIR "/run/bpfence/oci"
#define STATE_MAX (1 << 20)  /* the state a runtime writes on stdin */
#define CONFIG_MAX (8 << 20) /* a bundle's config.json */
#define NAME_MAX_LEN 64

/* At most max bytes from fd as a NUL-terminated string (a NUL inside is refused); what names it
 * in errors. NULL (reported) on failure. */
char *oci_read_text(int fd, size_t max, const char *what);
/* text as one JSON object into o. 0, or -1 (reported). */
int oci_parse_doc(const char *text, struct json_object *o, const char *what);
/* A policy name an annotation may carry: letters, digits, '.', '_', '-'; at most NAME_MAX_LEN. */
bool oci_plain_name(const char *s);

/* The container a createRuntime (or prestart) hook restricts. */
struct oci_container {
	const char *id, *bundle, *policy_name, *policy_dir;
	long pid; /* its init's */
};
/* What oci_restrict did, for the hook's output. */
struct oci_restricted {
	char cgroup[PATH_MAX];
	char policy[128];
	char invocation[BPFENCE_ID_MAX];
};
/* Restrict container c (root: the cgroup2 mount): its record first, then invocation_adopt with
 * the canary. 0; 1 for a refusal of the request; EXIT_BPFENCE when bpfence failed. Reported;
 * nothing of a failed restrict stays. */
int oci_restrict(const struct oci_container *c, const char *root, struct bpfence_maps *m,
		 struct oci_restricted *out);
/* Poststop: release container id's policy (with have_maps) and remove its record; collect. */
int oci_poststop(const char *id, const char *root, struct bpfence_maps *m, bool have_maps);
/* Release the records of containers whose cgroup is gone, but skip (a record path). */
void oci_collect(const struct bpfence_maps *m, const char *root, const char *skip);

#endif
