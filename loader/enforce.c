// SPDX-License-Identifier: GPL-2.0-only
/*
 * Before anything is restricted: this kernel can enforce, the programs are loaded (loaded here
 * if not, or a load in progress waited for) and the pinned maps are open. A shared lock on the
 * bpffs root is held from that check until the caller has tagged what it tags
 * (release_load_lock), so `unload` cannot slip in between. Every front end that restricts
 * anything starts here; what a load is lives in loader/load.c.
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "enforce.h"
#include "launch.h"

int require_root(void)
{
	if (geteuid() == 0)
		return 0;
	bpfence_report("permission denied",
		       "bpfence must run as root (it loads BPF-LSM programs and manages cgroups)");
	return -1;
}

/* How long a run waits for a load in progress. Verifying bpfence's programs takes seconds on real
 * hardware and 80 s on 6.12 under QEMU's emulation (where a 60 s bound ran out): 5 minutes. */
#define LOAD_WAIT_MS 300000

static int load_lock = -1;

void release_load_lock(void)
{
	if (load_lock >= 0)
		close(load_lock);
	load_lock = -1;
}

static void tell_waiting(void)
{
	fprintf(stderr, "%s: waiting for a load of the BPF programs in progress (at most %d s)\n",
		"bpfence", LOAD_WAIT_MS / 1000);
}

int ensure_enforcing(struct bpfence_maps *m)
{
	return enforcing_maps(m, true);
}

int enforcing_maps(struct bpfence_maps *m, bool may_load)
{
	char why[WHY_MAX];
	int r, lock;

	if (require_root())
		return -1;
	r = bpfence_probe(why, sizeof(why));

	if (r) {
		bpfence_report("this kernel cannot enforce", "%s", why);
		return -1;
	}
	/* A load in progress (bpfenced at boot, a concurrent `bpfence load`) is waited for: mid-load
	 * the pins are partial, and that is not the broken state refused below (SECURITY.md row
	 * 35). Under the shared lock no load runs, so what we see is whole. */
	lock = bpfence_wait_for_load(LOAD_WAIT_MS, tell_waiting);
	if (lock == -ETIMEDOUT) {
		bpfence_report("this kernel cannot enforce yet",
			       "a load of the BPF programs has held " BPFENCE_PIN_DIR
			       "'s file system for "
			       "%d s; is a 'bpfence load' or bpfenced stuck?",
			       LOAD_WAIT_MS / 1000);
		return -1;
	}
	r = bpfence_loaded();
	/* A partial set of pins (someone removed a link or a map) is refused, not papered over:
	 * `bpfence load` repairs it from the programs still attached. */
	if (r == -ENOENT) {
		if (lock >= 0)
			close(lock);
		bpfence_report("programs or maps are missing", "some pins under " BPFENCE_PIN_DIR
							       " are gone; run 'bpfence load' to "
							       "repair (see 'bpfence status')");
		return -1;
	}
	if (r != 1 && !may_load) {
		if (lock >= 0)
			close(lock);
		bpfence_report("this kernel does not enforce yet",
			       "the BPF programs are not loaded (no pins under " BPFENCE_PIN_DIR
			       "): "
			       "start bpfenced or run 'bpfence load' first");
		return -1;
	}
	if (r != 1) {
		/* Not loaded: load (under the exclusive lock, which our shared one would block),
		 * then hold the shared lock again. */
		if (lock >= 0)
			close(lock);
		r = bpfence_load(why, sizeof(why));
		if (r < 0) {
			bpfence_report("this kernel cannot enforce", "%s", why);
			return -1;
		}
		lock = bpfence_wait_for_load(LOAD_WAIT_MS, tell_waiting);
		if (lock == -ETIMEDOUT) {
			bpfence_report("this kernel cannot enforce yet",
				       "a load or unload of the BPF "
				       "programs holds " BPFENCE_PIN_DIR "'s file system");
			return -1;
		}
	}
	/* Held until the caller has tagged what it tags (release_load_lock): an unload takes the
	 * exclusive lock, so it cannot count zero tagged cgroups between our check and our tag. */
	load_lock = lock;
	r = bpfence_maps_open(m, why, sizeof(why));
	if (r) {
		bpfence_report("programs or maps are missing", "%s", why);
		return -1;
	}
	return 0;
}


int maps_if_loaded(struct bpfence_maps *m)
{
	char why[WHY_MAX];

	if (bpfence_loaded() != 1 || bpfence_maps_open(m, why, sizeof(why)))
		return -1;
	return 0;
}

/*
 * The daemon's proof that the kernel enforces now: a cgroup of its own, tagged with no policy
 * (everything denied), and a child born in it asking the live deny canary. The canary is neither
 * counted nor recorded, so a check every few seconds leaves no trace in the audit trail. The
 * cgroup is untagged and removed before returning, whatever the answer. It sits beside
 * bpfence/, not in it: bpfence/ holds invocations only, which tools and tests list.
 */
/* A canary cgroup that a killed daemon left behind (bpfence.canary-PID of a PID no longer
 * alive): untagged and removed, so a crash in the middle of a check leaks nothing. */
static void sweep_stale_canaries(const struct bpfence_maps *m, const char *root)
{
	char dir[PATH_MAX + 64];
	struct dirent *de;
	DIR *d = opendir(root);
	__u64 id;

	while (d && (de = readdir(d))) {
		long pid;
		char *end;

		if (strncmp(de->d_name, "bpfence.canary-", 15))
			continue;
		pid = strtol(de->d_name + 15, &end, 10);
		if (*end || pid <= 0 || pid == getpid() || !kill((pid_t)pid, 0) || errno != ESRCH)
			continue;
		snprintf(dir, sizeof(dir), "%s/%s", root, de->d_name);
		if (!cgroup_id(dir, &id))
			untag_cgroup(m, id);
		rmdir(dir);
	}
	if (d)
		closedir(d);
}

int canary_check_start(const struct bpfence_maps *m, struct canary_check *c, char *why,
		       size_t n)
{
	char root[PATH_MAX];
	int r;

	c->pid = -1;
	c->pidfd = -1;
	c->cgid = 0;
	r = cgroup2_root(root, sizeof(root));
	if (r) {
		snprintf(why, n, "no cgroup v2 hierarchy: %s", strerror(-r));
		return -1;
	}
	sweep_stale_canaries(m, root);
	snprintf(c->dir, sizeof(c->dir), "%s/bpfence.canary-%d", root, (int)getpid());
	if (mkdir(c->dir, 0700) && errno != EEXIST) {
		snprintf(why, n, "cannot create %s: %s", c->dir, strerror(errno));
		return -1;
	}
	r = cgroup_id(c->dir, &c->cgid);
	if (!r)
		r = tag_cgroup(m, c->cgid, c->cgid, 0);
	if (r) {
		snprintf(why, n, "cannot tag %s: %s", c->dir, strerror(-r));
		c->cgid = 0;
		rmdir(c->dir);
		return -1;
	}
	c->pid = launch_canary_start(c->dir, &c->pidfd, why, n);
	if (c->pid < 0) {
		canary_check_finish(m, c, false, why, n);
		return -1;
	}
	return 0;
}

int canary_check_finish(const struct bpfence_maps *m, struct canary_check *c, bool give_up,
			char *why, size_t n)
{
	int r = -1;

	if (c->pid > 0) {
		if (give_up) {
			kill(c->pid, SIGKILL);
			waitpid(c->pid, NULL, 0);
			snprintf(why, n, "the live deny canary did not answer in time in %s", c->dir);
		} else {
			r = launch_canary_result(c->pid, c->dir, why, n);
		}
	}
	if (c->pidfd >= 0)
		close(c->pidfd);
	if (c->cgid)
		untag_cgroup(m, c->cgid);
	if (rmdir(c->dir) && errno != ENOENT && !r) {
		snprintf(why, n, "cannot remove %s: %s", c->dir, strerror(errno));
		r = -1;
	}
	c->pid = -1;
	c->pidfd = -1;
	c->cgid = 0;
	return r;
}

int enforcement_canary(const struct bpfence_maps *m, char *why, size_t n)
{
	struct canary_check c;

	if (canary_check_start(m, &c, why, n))
		return -1;
	return canary_check_finish(m, &c, false, why, n);
}
