/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * libbpfence: what the bpfence CLI and the bpfenced daemon share. Loading and pinning the
 * programs, the kernel support probe, cgroup v2 plumbing, policy installation into the maps,
 * tagging, audit records. An invocation's life is in invocation.h, sandboxes in sandbox.h;
 * docs/layout.md maps every file onto the flow policy -> rules -> kernel -> events -> audit.
 * Functions return 0 (or a count) on success and a negative errno on failure; where a `why`
 * buffer is passed, a failure also leaves one human-readable line in it.
 */
#ifndef LIBBPFENCE_H
#define LIBBPFENCE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/types.h>

#include "bpfence.h"
#include "exitcodes.h"
#include "policy.h"

#define WHY_MAX 512

/* --- errors and the --debug timeline (loader/report.c) --- */

/* Where bpfence_report() goes: what failed, and why (one line, not yet escaped). */
typedef void (*bpfence_report_fn)(const char *what, const char *why);
/* NULL: "bpfence: WHAT: WHY" on stderr (the default). */
void bpfence_set_report(bpfence_report_fn fn);
/* The one error path of the library's lifecycle steps (STYLE.md 5). */
void bpfence_report(const char *what, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* --debug (bpfence_set_debug): bpfence_step() prints where an invocation's time goes, one line
 * per step (milliseconds since the first step). */
void bpfence_step(const char *what);
double bpfence_mono_ms(void);  /* CLOCK_MONOTONIC */
long long bpfence_real_ms(void); /* CLOCK_REALTIME */

/* --- small state files under /run (loader/statefile.c) --- */

/* Write text to path atomically (path.tmp, then rename), 0600, never through a symlink. */
int statefile_write(const char *path, const char *text, size_t len);
/* A small file, NUL-terminated, trailing newline dropped. 0 or -errno. */
int statefile_read(const char *path, char *buf, size_t n);

/* --- kernel support probe and loading (loader/load.c) --- */

/* Static checks: BTF present, "bpf" in the active LSM list, cgroup v2 mounted, bpffs mountable.
 * Does not load anything; bpfence_load() is the live test. */
int bpfence_probe(char *why, size_t n);

/* bpfence_probe() plus a live test: unless loaded (wholly or in part), load (verify) every
 * program once without attaching anything. */
int bpfence_probe_live(char *why, size_t n);

/* Load, attach and pin everything under BPFENCE_PIN_DIR. Returns 1 when everything was already
 * pinned (nothing done), 0 when it loaded, negative errno on failure (then nothing new is left
 * pinned). */
int bpfence_load(char *why, size_t n);

/* Wait until no bpfence_load() (bpfenced at boot, a concurrent `bpfence load`) is in progress:
 * loads hold an exclusive lock on the bpffs root from their first pin to their last, so under
 * the shared lock this returns, the pins are either all there or not there at all. Calls
 * waiting() once if it has to wait more than a second. Returns the lock's fd (close it to
 * release), -ENOENT without bpffs, -ETIMEDOUT after timeout_ms. */
int bpfence_wait_for_load(int timeout_ms, void (*waiting)(void));

/* Are all links and maps pinned? Returns 1 yes, 0 none, -ENOENT partially (broken state). */
int bpfence_loaded(void);

/* Remove every pin. Refuses (-EBUSY) while cgroups are tagged unless force. */
int bpfence_unload(bool force, char *why, size_t n);

/* Is msg (one libbpf message) the verifier log of a program the kernel refused? Then the
 * program's name goes to prog, and *log and *log_len point at the log inside msg. */
bool bpfence_verifier_refusal(const char *msg, char *prog, size_t pn, const char **log,
			      size_t *log_len);

/* The verifier's verdict in a log: its last line that is not a statistic. */
void bpfence_verifier_reason(const char *log, char *out, size_t n);

/* Route libbpf's messages: shown only when debug is set (STYLE.md 6). */
void bpfence_set_debug(bool debug);
bool bpfence_debug(void);

/* Names of the pinned programs/links and maps, for status output. NULL-terminated. */
extern const char *const bpfence_link_names[];
extern const char *const bpfence_map_names[];

/* Descriptors of the pinned maps. */
struct bpfence_maps {
	int tags, policies, file_rules, net_rules, net_broker, unix_rules, unix_abstract, counters,
		events, drops, name_grants, dns_notes;
};

int bpfence_maps_open(struct bpfence_maps *m, char *why, size_t n);
void bpfence_maps_close(struct bpfence_maps *m);
/* Entries now in pinned map `name` (one of bpfence_map_names) and its capacity: for status and
 * leak counts. -EOPNOTSUPP for maps without keys to count (arrays, the ring buffer). */
int bpfence_map_usage(const char *name, unsigned int *entries, unsigned int *max);

/* --- cgroup v2 (loader/cgroup.c) --- */

/* The cgroup2 mount point, from /proc/self/mountinfo. */
int cgroup2_root(char *buf, size_t n);
/* Resolve CGROUP_PATH given by a user: absolute inside the cgroup2 mount, or relative to it. */
int cgroup2_resolve(const char *user_path, char *buf, size_t n);
/* The cgroup v2 path of process pid (0: this one), relative to the cgroup2 mount ("/a/b"), from
 * /proc/PID/cgroup. */
int cgroup_of_pid(long pid, char *buf, size_t n);
/* The cgroup id of a cgroup directory (what bpf_get_current_cgroup_id() returns inside it). */
int cgroup_id(const char *path, __u64 *id);
/* Kill every task in the cgroup and its descendants (cgroup.kill, else freeze + SIGKILL), and
 * wait until it is empty. timeout_ms < 0: wait forever. */
int cgroup_kill_and_wait(const char *path, int timeout_ms);
/* Write val to the control file dir/name (cgroup.kill, pids.max, ...). 0 or -errno. */
int cgroup_write(const char *dir, const char *name, const char *val);
/* Remove a cgroup and its (empty) descendants. */
int cgroup_remove(const char *path);

/* Remove dirfd/name and everything below it, never following symlinks (loader/tree.c). */
void remove_tree_at(int dirfd, const char *name);

/* --- policies in the maps (loader/install.c) --- */

/* What installing a policy left out, for `policy check` and --debug. */
struct install_report {
	unsigned int files;     /* file rules installed */
	unsigned int skipped;   /* paths that did not exist (nothing granted) */
	unsigned int unbound;   /* paths using an unbound ${variable} (nothing granted) */
	char first_skipped[256];
};

/* Compile p with vars into the maps under invocation inv: rules, counters, then the policy entry.
 * On failure everything written for inv is removed again. */
int policy_install(const struct bpfence_maps *m, __u64 inv, const char *id, const struct policy *p,
		   const struct policy_vars *vars, struct install_report *r, char *why, size_t n);
/* A fresh random invocation id: 32 hex digits. */
int invocation_id_new(char id[BPFENCE_ID_MAX]);
/* Remove everything keyed by inv: policy first (so a still-tagged task is denied all), rules,
 * counters. */
/* Replace the policy of a live invocation atomically (bpfence tag --replace): the new rules go
 * in under a fresh rule set, the policy entry is swapped in one map update, the old rules go.
 * On error nothing changed. Keeps the invocation id and its counters. */
int policy_swap(const struct bpfence_maps *m, __u64 inv, const struct policy *p,
		const struct policy_vars *vars, struct install_report *rep, char *why, size_t n);
int policy_uninstall(const struct bpfence_maps *m, __u64 inv);
/* Resolve a policy's paths without touching maps (for `policy check`). */
int policy_resolve_report(const struct policy *p, const struct policy_vars *vars,
			  struct install_report *r);

/* --- [files] read lexically (loader/marks.c) --- */

/* One path that [files] names, with every key naming it: what the kernel keeps per inode. */
struct policy_mark {
	char *path;        /* expanded where its ${variable} is bound, else as written */
	unsigned int perm; /* POLICY_PERM_* of the lines naming it */
	const struct policy_path *first[5]; /* per key (bit index of its POLICY_PERM_*): the first
					     * line, for messages */
};
struct policy_marks {
	struct policy_mark *mark; /* sorted by path */
	size_t n;
};
int policy_marks_build(struct policy_marks *m, const struct policy *p,
		       const struct policy_vars *vars);
void policy_marks_free(struct policy_marks *m);
const struct policy_mark *policy_marks_find(const struct policy_marks *m, const char *path);
/* The first line of key perm (one POLICY_PERM_* bit) naming mk's path, or NULL. */
const struct policy_path *policy_mark_line(const struct policy_mark *mk, unsigned int perm);

/* The kernel's walk (bpf/files.bpf.h, file_granted) over the paths: from path up, the marks
 * met add up until they grant want; a deny refuses, and for exec or map a write grant met first
 * refuses (nothing the function wrote runs). *by: the mark that decided, NULL for no grant. */
enum policy_verdict {
	POLICY_GRANTED,
	POLICY_NO_GRANT,
	POLICY_DENIED,   /* by a deny */
	POLICY_WRITABLE, /* exec or map in a place the function may write */
};
enum policy_verdict policy_marks_walk(const struct policy_marks *m, const char *path,
				      unsigned int want, const struct policy_mark **by);

/* What `policy check` warns about, none of which makes a policy invalid: a deny inside no grant
 * (deny_unused), a grant cancelled by a deny of the same path (deny_same_path), an exec or map
 * grant inside a write grant (exec_writable). Sorted by line. 0 or -ENOMEM. */
struct policy_warning {
	struct policy_loc loc; /* the line at fault */
	const char *kind;
	char *message; /* one line, with the paths as written */
};
int policy_lint(const struct policy *p, const struct policy_vars *vars,
		struct policy_warning **out, size_t *n);
void policy_warnings_free(struct policy_warning *w, size_t n);

/* Tag cgroup `id` as part of invocation inv; flags: BPFENCE_TAG_* (bpf/bpfence.h). */
int tag_cgroup(const struct bpfence_maps *m, __u64 id, __u64 inv, __u32 flags);
/* The flags of cgroup `id`'s tag. */
int tag_flags(const struct bpfence_maps *m, __u64 id, __u32 *flags);
/* Arm the credentials of every task now in a cgroup of invocation inv (a BPFENCE_TAG_FROM_EXEC
 * tag then applies to them at once; see bpf/bpfence.h). Returns the number of tasks armed, or a
 * negative errno with why set (then some may be armed: the caller untags). */
int bpfence_arm_present(__u64 inv, char *why, size_t n);
int untag_cgroup(const struct bpfence_maps *m, __u64 id);
/* The invocation cgroup `id` belongs to; -ENOENT if untagged. */
int tag_lookup(const struct bpfence_maps *m, __u64 id, __u64 *inv);
/* Number of tagged cgroups (for status, unload). */
int tag_count(const struct bpfence_maps *m);
/* Entries in the hash map fd now, or -errno. */
long long map_count(int fd);

int counters_read(const struct bpfence_maps *m, __u64 inv, struct bpfence_counters *c);

/* --- names (loader/names.c) --- */
const char *bpfence_hook_name(unsigned int hook);
/* The rows of bpf/hooks.h: each program, its section ("lsm/file_open"), the hook name its
 * records carry (NULL: a PROG row) and whether load needs it. Ends with a NULL prog. */
enum { BPFENCE_REQUIRED, BPFENCE_OPTIONAL };
struct bpfence_program {
	const char *prog, *section, *hook;
	int need;
};
extern const struct bpfence_program bpfence_programs[];
const char *bpfence_class_name(unsigned int class);
/* "10.0.0.1" / "::1" for a 16-byte v4-mapped/v6 address. */
void bpfence_addr_str(const __u8 addr[16], char *buf, size_t n);

/* --- text a person reads (loader/text.c) --- */

/* Room for bpfence_text_escape() of len bytes: each may become a four-byte \xNN. */
#define BPFENCE_TEXT_MAX(len) ((len) * 4 + 1)
/* How many bytes of s (left of them readable) make one character a terminal shows as text:
 * 1-4, or 0 when the byte at s must be escaped (a control byte, DEL, invalid or overlong UTF-8,
 * a C1 control, a bidirectional formatting character). */
size_t bpfence_text_char(const char *s, size_t left);
/* True when no character of s needs escaping (a backslash does not). */
bool bpfence_text_printable(const char *s);
/* s (at most max bytes, or up to a NUL) for a terminal: every byte bpfence_text_char() refuses
 * as \xNN and a backslash as \\, valid UTF-8 kept. Cut at a character boundary to fit n; buf,
 * always NUL-terminated, is returned (for printf). */
char *bpfence_text_escape(const char *s, size_t max, char *buf, size_t n);

/* --- audit records (loader/events.c) --- */

/* Nanoseconds to add to a bpf_ktime_get_boot_ns() stamp to get CLOCK_REALTIME. */
long long boot_to_realtime_offset(void);
/* Room for any record bpfence_event_json() renders: every string field of the event at its
 * longest with every byte escaped as \u00XX (tests/unit checks that bound). */
#define BPFENCE_EVENT_JSON_MAX 3072
/* One event as one JSON object (no newline); keys documented in docs/audit.md. Returns length,
 * at most n - 1; a record that did not fit is cut (size buf with BPFENCE_EVENT_JSON_MAX). */
int bpfence_event_json(const struct bpfence_event *e, long long offset, char *buf, size_t n);
/* The first denied object of a class, for summaries: "/etc/shadow", "10.0.0.1:443", "@name". */
void bpfence_first_str(const struct bpfence_first *f, char *buf, size_t n);
/* Sum of the per-CPU drop counter. */
int drops_read(const struct bpfence_maps *m, unsigned long long *total);
/* "2026-11-22T01:02:03.123456Z" */
void format_time(long long realtime_ns, char *buf, size_t n);

#endif
