/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The administrator's word on bpfenced's socket (/etc/bpfence/bpfenced.conf, bpfenced.conf(5)):
 * who may use which policy, as whom functions run, and the caps on what a caller may ask.
 * Read here (loader/service_config.c); applied to each request by loader/request.c.
 */
#ifndef BPFENCE_SERVICE_CONFIG_H
#define BPFENCE_SERVICE_CONFIG_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#define SERVICE_CONFIG "/etc/bpfence/bpfenced.conf"
#define SERVICE_RUN_DIR "/run/bpfence"
#define SERVICE_SOCKET SERVICE_RUN_DIR "/bpfenced.sock"
#define SERVICE_POLICY_DIR "/etc/bpfence/policies"
#define SERVICE_NAME_MAX 64
#define SERVICE_GROUPS_MAX 32 /* groups one [policies] line names */

/* NAME = GROUP...: members of these groups may use NAME.policy. */
struct service_policy {
	char name[SERVICE_NAME_MAX];
	bool anyone; /* "*" */
	gid_t gids[SERVICE_GROUPS_MAX];
	size_t ngids;
};

/* CALLER = USER[:GROUP]: CALLER's functions run as uid:gid. */
struct service_user {
	bool any; /* "*": every caller without a line of its own */
	uid_t caller;
	uid_t uid;
	gid_t gid;
};

struct service_config {
	char file[PATH_MAX]; /* what was read; "" for the built-in defaults */
	char socket[PATH_MAX];
	char group[SERVICE_NAME_MAX];
	char policy_dir[PATH_MAX];
	struct service_policy *policies;
	size_t npolicies;
	struct service_user *users;
	size_t nusers;
	/* [limits]: caps, and the defaults of a request that names none */
	long long timeout_ms, sandbox_timeout_ms;
	unsigned long long memory_max, pids_max, disk_max, disk_inodes; /* memory_max 0: no cap */
	unsigned int requests_per_uid, sandboxes_per_uid, connections;
};

/* Read file into c (the built-in defaults first). A missing file is the defaults (and no policy
 * allowed) unless must_exist. -1 with "FILE:LINE:COL: why" in why, else 0. */
int service_config_load(const char *file, bool must_exist, struct service_config *c, char *why,
			size_t n);
void service_config_free(struct service_config *c);
/* A group by name, else by number (0 to 4294967294): 0 with *gid, or -1. The socket's group
 * and [policies] lines take groups the same way. */
int service_group(const char *name, gid_t *gid);

#endif
