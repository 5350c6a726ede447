// SPDX-License-Identifier: GPL-2.0-only
/*
 * Kernel support probe, load/attach/pin, unload. Enforcement must outlive every bpfence process,
 * so each program is attached through a BPF link pinned in bpffs, and every map a later process
 * needs is pinned too. Loading twice reuses the pins.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "libbpfence.h"
#include "stats.h"
#include "bpfence.skel.h"

#define BPF_FS_MAGIC 0xcafe4a11
#define BPFFS_ROOT "/sys/fs/bpf"
#define SECURITYFS_ROOT "/sys/kernel/security"
#define LINK_DIR BPFENCE_PIN_DIR "/links"
#define MAP_DIR BPFENCE_PIN_DIR "/maps"

/* Every program in bpf/bpfence.bpf.c, by name (bpf/hooks.h); load() refuses an object with any
 * other. */
#define PIN_HOOK_(e, prog, name, need) BPFENCE_PIN_##need(prog)
#define PIN_PROG_(prog, sec, need) BPFENCE_PIN_##need(prog)
#define BPFENCE_PIN_REQUIRED(prog) #prog,
#define BPFENCE_PIN_OPTIONAL(prog)
const char *const bpfence_link_names[] = {
	BPFENCE_HOOK_LIST(PIN_HOOK_, PIN_PROG_)
	NULL,
};
#undef BPFENCE_PIN_REQUIRED
#undef BPFENCE_PIN_OPTIONAL

/* Programs for hooks some kernels lack (OPTIONAL in bpf/hooks.h): loaded and pinned where the
 * kernel has the hook (select_programs), never required by bpfence_loaded(). Each either backs
 * up a seccomp rule or only widens what works (a kernel without it fails closed). */
#define BPFENCE_PIN_REQUIRED(prog)
#define BPFENCE_PIN_OPTIONAL(prog) #prog,
static const char *const optional_link_names[] = {
	BPFENCE_HOOK_LIST(PIN_HOOK_, PIN_PROG_)
	NULL,
};
#undef BPFENCE_PIN_REQUIRED
#undef BPFENCE_PIN_OPTIONAL

/* The pinned maps: first those other processes open by pin (struct bpfence_maps, in its
 * order), then backing_files, which only the programs use but which must outlive a reload: a
 * program attached by a later `load` (re-attaching a lost link) must see the entries written by
 * the programs still attached from the first one. The per-CPU event scratch map holds nothing
 * across calls and is not pinned. */
const char *const bpfence_map_names[] = {
	"tags",		 "policies",	"file_rules",  "net_rules", "net_broker",  "unix_rules",
	"unix_abstract", "counters",	"events",      "drops",	    "name_grants", "dns_notes",
	"backing_files", "armed_creds", "arm_targets", NULL,
};

static bool debug;

/*
 * What libbpf said about the program the verifier refused during the last load: its name and
 * the verifier's log. libbpf prints that log as one warning ("prog 'NAME': -- BEGIN PROG LOAD
 * LOG --\n...-- END PROG LOAD LOG --"); everything else it says is only shown under --debug.
 */
static struct {
	char prog[64];
	char *log;
} refused;

static void refused_clear(void)
{
	free(refused.log);
	refused.log = NULL;
	refused.prog[0] = 0;
}

#define LOG_BEGIN "': -- BEGIN PROG LOAD LOG --\n"
#define LOG_END "-- END PROG LOAD LOG --"
#define LOAD_FAILED "': BPF program load failed: "

bool bpfence_verifier_refusal(const char *msg, char *prog, size_t pn, const char **log,
			      size_t *log_len)
{
	const char *begin = strstr(msg, LOG_BEGIN), *body, *end;
	size_t len;

	if (strncmp(msg, "libbpf: prog '", 14) || !begin)
		return false;
	len = (size_t)(begin - (msg + 14));
	if (pn) {
		if (len >= pn)
			len = pn - 1;
		memcpy(prog, msg + 14, len);
		prog[len] = 0;
	}
	body = begin + strlen(LOG_BEGIN);
	end = strstr(body, LOG_END);
	*log = body;
	*log_len = end ? (size_t)(end - body) : strlen(body);
	return true;
}

static int print_libbpf(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	const char *log;
	char *msg = NULL;
	size_t len;

	if (vasprintf(&msg, fmt, ap) < 0)
		return 0;
	if (bpfence_verifier_refusal(msg, refused.prog, sizeof(refused.prog), &log, &len)) {
		free(refused.log);
		refused.log = strndup(log, len);
	} else if (!strncmp(msg, "libbpf: prog '", 14) && strstr(msg, LOAD_FAILED)) {
		/* Comes before the log, if there is one: a refusal before any verification
		 * (no BPF LSM, lockdown) has none, but still names the program. */
		size_t l = (size_t)(strstr(msg, LOAD_FAILED) - (msg + 14));

		refused_clear();
		if (l >= sizeof(refused.prog))
			l = sizeof(refused.prog) - 1;
		memcpy(refused.prog, msg + 14, l);
		refused.prog[l] = 0;
		if (debug)
			fputs(msg, stderr);
	} else if (debug && level == LIBBPF_WARN) {
		fputs(msg, stderr);
	}
	free(msg);
	return 0;
}

/* The verifier's own verdict: the last line of its log that is not a statistic. */
void bpfence_verifier_reason(const char *log, char *out, size_t n)
{
	const char *p = log, *best = NULL;
	size_t best_len = 0;

	while (p && *p) {
		size_t len = strcspn(p, "\n");

		if (len && strncmp(p, "processed ", 10) && strncmp(p, "verification time", 17) &&
		    strncmp(p, "stack depth", 11)) {
			best = p;
			best_len = len;
		}
		p += len;
		if (*p)
			p++;
	}
	if (!best) {
		snprintf(out, n, "(the verifier gave no reason)");
		return;
	}
	if (best_len >= n)
		best_len = n - 1;
	memcpy(out, best, best_len);
	out[best_len] = 0;
}

void bpfence_set_debug(bool on)
{
	debug = on;
	libbpf_set_print(print_libbpf);
}

bool bpfence_debug(void)
{
	return debug;
}

static int fail(char *why, size_t n, int err, const char *fmt, ...)
{
	va_list ap;

	if (why && n) {
		va_start(ap, fmt);
		vsnprintf(why, n, fmt, ap);
		va_end(ap);
	}
	return err < 0 ? err : -err;
}

static int read_small(const char *path, char *buf, size_t n)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t len;

	if (fd < 0)
		return -errno;
	len = read(fd, buf, n - 1);
	if (len < 0) {
		int err = -errno;

		close(fd);
		return err;
	}
	close(fd);
	buf[len] = 0;
	while (len > 0 && (buf[len - 1] == '\n' || buf[len - 1] == ' '))
		buf[--len] = 0;
	return (int)len;
}

static bool list_has(const char *list, const char *word)
{
	size_t wl = strlen(word);

	for (const char *p = list; *p;) {
		size_t l = strcspn(p, ",");

		if (l == wl && !strncmp(p, word, wl))
			return true;
		p += l;
		if (*p)
			p++;
	}
	return false;
}

int bpfence_probe(char *why, size_t n)
{
	char lsm[512], cg[4096];
	int r;

	if (access("/sys/kernel/btf/vmlinux", R_OK))
		return fail(why, n, ENOTSUP,
			    "kernel BTF is missing (/sys/kernel/btf/vmlinux: %s; needs CONFIG_DEBUG_INFO_BTF=y)",
			    strerror(errno));
	r = read_small(SECURITYFS_ROOT "/lsm", lsm, sizeof(lsm));
	if (r == -ENOENT) {
		/* securityfs is not always mounted on hosts; mounting it is harmless. */
		mount("securityfs", SECURITYFS_ROOT, "securityfs", MS_NOSUID | MS_NODEV | MS_NOEXEC,
		      NULL);
		r = read_small(SECURITYFS_ROOT "/lsm", lsm, sizeof(lsm));
	}
	if (r < 0)
		return fail(why, n, ENOTSUP,
			    "cannot read the active LSM list (" SECURITYFS_ROOT "/lsm: %s)",
			    strerror(-r));
	if (!list_has(lsm, "bpf"))
		return fail(why, n, ENOTSUP,
			    "BPF LSM is not active: the active LSMs are '%s' (needs CONFIG_BPF_LSM=y and "
			    "'bpf' in the lsm= boot parameter)",
			    lsm);
	r = cgroup2_root(cg, sizeof(cg));
	if (r < 0)
		return fail(why, n, ENOTSUP, "no cgroup v2 hierarchy is mounted (/proc/self/mountinfo)");
	return 0;
}

static int ensure_bpffs(char *why, size_t n)
{
	struct statfs st;

	if (!statfs(BPFFS_ROOT, &st) && (unsigned long)st.f_type == BPF_FS_MAGIC)
		return 0;
	if (mount("bpf", BPFFS_ROOT, "bpf", MS_NOSUID | MS_NODEV | MS_NOEXEC, "mode=0700"))
		return fail(why, n, errno, "cannot mount bpffs on " BPFFS_ROOT ": %s",
			    strerror(errno));
	return 0;
}

static void pin_path(char *buf, size_t n, const char *dir, const char *name)
{
	snprintf(buf, n, "%s/%s", dir, name);
}

/* How many of names[] are entries of dir (one directory read, not a lookup per name: `run`
 * checks this on every invocation). */
static int count_present(const char *dir, const char *const *names, int *total)
{
	struct dirent *de;
	int present = 0;
	DIR *d;

	for (const char *const *l = names; *l; l++)
		(*total)++;
	d = opendir(dir);
	if (!d)
		return 0;
	/* A directory lists each name once and names[] has no duplicates: no entry counts twice. */
	while ((de = readdir(d)))
		for (const char *const *l = names; *l; l++)
			if (!strcmp(de->d_name, *l)) {
				present++;
				break;
			}
	closedir(d);
	return present;
}

int bpfence_loaded(void)
{
	int total = 0, present = count_present(LINK_DIR, bpfence_link_names, &total);

	present += count_present(MAP_DIR, bpfence_map_names, &total);
	if (present == total)
		return 1;
	return present ? -ENOENT : 0;
}

/* The pin name of a program: variants of one hook for different kernel signatures are named
 * NAME__VARIANT and share the pin NAME (exactly one of them loads). */
#define LINK_NAME_MAX 64
static const char *link_name(const struct bpf_program *prog, char buf[LINK_NAME_MAX])
{
	const char *name = bpf_program__name(prog), *sep = strstr(name, "__");

	if (!sep || (size_t)(sep - name) >= LINK_NAME_MAX)
		return name;
	memcpy(buf, name, (size_t)(sep - name));
	buf[sep - name] = 0;
	return buf;
}

/* The hook an LSM program attaches to ("lsm/HOOK" or "?lsm/HOOK"), or NULL for other programs. */
static const char *lsm_hook(const struct bpf_program *prog)
{
	const char *sec = bpf_program__section_name(prog);

	if (sec[0] == '?')
		sec++;
	return strncmp(sec, "lsm/", 4) ? NULL : sec + 4;
}

/* How many parameters LSM hook HOOK takes in the running kernel (its bpf_lsm_HOOK function in
 * the kernel's BTF), or -1 when the kernel has no such hook. */
static int hook_arity(const struct btf *vmlinux, const char *hook)
{
	const struct btf_type *t;
	char fn[96];
	int id;

	snprintf(fn, sizeof(fn), "bpf_lsm_%s", hook);
	id = btf__find_by_name_kind(vmlinux, fn, BTF_KIND_FUNC);
	if (id < 0)
		return -1;
	t = btf__type_by_id(vmlinux, id);
	t = t ? btf__type_by_id(vmlinux, t->type) : NULL;
	if (!t || !btf_is_func_proto(t))
		return -1;
	return btf_vlen(t);
}

/* How many hook parameters a program was written for: bpfence_arity_NAME in the object's
 * .rodata (BPFENCE_LSM in bpf/common.bpf.h), or -1 if the object has no such record. */
static int prog_arity(struct bpf_object *obj, const char *prog)
{
	const struct btf_var_secinfo *vs;
	const struct btf_type *sec;
	struct btf *btf = bpf_object__btf(obj);
	const char *data = NULL;
	struct bpf_map *map;
	char want[96];
	size_t size = 0;
	int id;

	bpf_object__for_each_map(map, obj) {
		const char *name = bpf_map__name(map);
		size_t l = strlen(name);

		if (bpf_map__is_internal(map) && l >= 7 && !strcmp(name + l - 7, ".rodata"))
			data = bpf_map__initial_value(map, &size);
	}
	id = btf ? btf__find_by_name_kind(btf, ".rodata", BTF_KIND_DATASEC) : -1;
	if (!data || id < 0)
		return -1;
	sec = btf__type_by_id(btf, id);
	snprintf(want, sizeof(want), "bpfence_arity_%s", prog);
	vs = btf_var_secinfos(sec);
	for (int i = 0; i < btf_vlen(sec); i++, vs++) {
		const struct btf_type *var = btf__type_by_id(btf, vs->type);
		int v;

		if (!var || strcmp(btf__name_by_offset(btf, var->name_off), want))
			continue;
		if (vs->offset + sizeof(v) > size)
			return -1;
		memcpy(&v, data + vs->offset, sizeof(v));
		return v;
	}
	return -1;
}

static bool name_listed(const char *const *list, const char *name);

/*
 * Choose, from the running kernel's BTF, which programs to load: an LSM program loads when its
 * hook exists with exactly the parameters it was written for. Where a hook's signature changed,
 * the object has one program per signature and exactly one of them matches. A required hook
 * that is missing, or whose signature no program matches, is named before anything is loaded
 * (instead of a bare BPF_PROG_LOAD error, or worse, a program reading `ret` from the wrong
 * argument slot); an optional hook (optional_link_names) is skipped. Returns 0 or -errno with
 * why set.
 */
static int select_programs(struct bpf_object *obj, char *why, size_t n)
{
	struct btf *vmlinux = btf__load_vmlinux_btf();
	struct bpf_program *prog, *other;
	int r = 0;

	if (!vmlinux)
		return fail(why, n, ENOTSUP, "cannot read the kernel's BTF (/sys/kernel/btf/vmlinux)");
	bpf_object__for_each_program(prog, obj) {
		const char *hook = lsm_hook(prog);
		int want;

		if (!hook)
			continue; /* tp_btf: always loaded */
		want = prog_arity(obj, bpf_program__name(prog));
		if (want < 0) {
			r = fail(why, n, EINVAL, "BPF object: program %s has no arity record",
				 bpf_program__name(prog));
			goto out;
		}
		bpf_program__set_autoload(prog, hook_arity(vmlinux, hook) == want);
	}
	bpf_object__for_each_program(prog, obj) {
		const char *hook = lsm_hook(prog);
		bool covered = false;
		char mine[LINK_NAME_MAX], theirs[LINK_NAME_MAX];
		int have;

		if (!hook || bpf_program__autoload(prog))
			continue;
		snprintf(mine, sizeof(mine), "%s", link_name(prog, theirs));
		bpf_object__for_each_program(other, obj) {
			if (bpf_program__autoload(other) && !strcmp(link_name(other, theirs), mine))
				covered = true;
		}
		if (covered || name_listed(optional_link_names, mine))
			continue;
		have = hook_arity(vmlinux, hook);
		if (have < 0)
			r = fail(why, n, ENOENT, "this kernel lacks the LSM hook %s (its BTF has no "
				 "bpf_lsm_%s; bpfence needs CONFIG_BPF_LSM and that hook)", hook, hook);
		else
			r = fail(why, n, ENOTSUP, "this kernel's LSM hook %s takes %d parameters, and "
				 "no bpfence program is written for that signature (program %s expects "
				 "%d)", hook, have, bpf_program__name(prog),
				 prog_arity(obj, bpf_program__name(prog)));
		break;
	}
out:
	btf__free(vmlinux);
	return r;
}

/* Open the object and select its programs for this kernel. */
static struct bpfence_bpf *open_selected(char *why, size_t n, int *err)
{
	struct bpfence_bpf *skel = bpfence_bpf__open();

	if (!skel) {
		*err = fail(why, n, errno, "cannot open the BPF object: %s", strerror(errno));
		return NULL;
	}
	*err = select_programs(skel->obj, why, n);
	if (*err) {
		bpfence_bpf__destroy(skel);
		return NULL;
	}
	return skel;
}

/*
 * The load stops at the first program the verifier refuses. Load the object again (verify only:
 * nothing attached or pinned) without the programs already refused, to name every other one
 * this kernel refuses too: "prog: last line" for each, separated by "; ", in more[]. Bounded:
 * each round verifies the whole object, and only a refusal gets here. Returns how many it found.
 */
static int find_more_refusals(const char *first, char *more, size_t n)
{
	char skip[16][64];
	size_t used = 0;
	int nskip = 0, e;

	snprintf(skip[nskip++], sizeof(skip[0]), "%s", first);
	while (nskip < 16) {
		struct bpfence_bpf *skel = open_selected(NULL, 0, &e);
		struct bpf_program *prog;
		char line[160];

		if (!skel)
			break;
		bpf_object__for_each_program(prog, skel->obj) {
			for (int i = 0; i < nskip; i++)
				if (!strcmp(skip[i], bpf_program__name(prog)))
					bpf_program__set_autoload(prog, false);
		}
		refused_clear();
		e = bpfence_bpf__load(skel);
		bpfence_bpf__destroy(skel);
		if (!e || !refused.log || !refused.prog[0])
			break;
		bpfence_verifier_reason(refused.log, line, sizeof(line));
		if (debug)
			fprintf(stderr, "bpfence: the verifier's log for program %s:\n%s", refused.prog,
				refused.log);
		if (used < n)
			used += (size_t)snprintf(more + used, n - used, "%s%s: %s", used ? "; " : "",
						 refused.prog, line);
		snprintf(skip[nskip++], sizeof(skip[0]), "%s", refused.prog);
	}
	refused_clear();
	return nskip - 1;
}

/*
 * Describe a failed bpfence_bpf__load(): the program the kernel refused and the verifier's last
 * line ("socket_connect: R2 invalid mem access 'trusted_ptr_or_null_'"), so that an operator on
 * a kernel nobody tested can report it in one line, then every other refused program. --debug
 * prints each refused program's whole verifier log (and not libbpf's whole trace).
 */
static int describe_refusal(int r, char *why, size_t n)
{
	char first[64], line[256], more[320] = "";
	int nmore;

	if (!refused.log && refused.prog[0])
		return fail(why, n, r, "the kernel refused to load the BPF LSM programs, the first "
			    "being %s, before any verification (BPF_PROG_LOAD: %s, no verifier log)",
			    refused.prog, strerror(-r == 524 ? EOPNOTSUPP : -r));
	if (!refused.log)
		return fail(why, n, r, "the kernel refused to load the BPF LSM programs "
			    "(BPF_PROG_LOAD: %s; rerun with --debug for details)",
			    strerror(-r == 524 ? EOPNOTSUPP : -r));
	snprintf(first, sizeof(first), "%s", refused.prog);
	bpfence_verifier_reason(refused.log, line, sizeof(line));
	if (debug)
		fprintf(stderr, "bpfence: the verifier's log for program %s:\n%s", first,
			refused.log);
	nmore = find_more_refusals(first, more, sizeof(more));
	return fail(why, n, r, "the kernel's verifier refused BPF program %s: %s%s%s (BPF_PROG_LOAD: "
		    "%s; %s)", first, line, nmore ? "; also refused: " : "", more,
		    strerror(-r == 524 ? EOPNOTSUPP : -r),
		    debug ? "the verifier's logs are above" : "rerun with --debug for the verifier's log");
}

static bool name_listed(const char *const *list, const char *name)
{
	for (; *list; list++)
		if (!strcmp(*list, name))
			return true;
	return false;
}

static int mkdir_private(const char *path)
{
	if (mkdir(path, 0700) && errno != EEXIST)
		return -errno;
	return 0;
}

static int load_locked(char *why, size_t n);

int bpfence_wait_for_load(int timeout_ms, void (*waiting)(void))
{
	int fd = open(BPFFS_ROOT, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	bool told = false;

	if (fd < 0)
		return -ENOENT; /* no bpffs yet: nobody is loading */
	for (int waited = 0;; waited += 50) {
		if (!flock(fd, LOCK_SH | LOCK_NB))
			return fd;
		if (errno != EWOULDBLOCK) {
			int err = -errno;

			close(fd);
			return err;
		}
		if (waited >= timeout_ms) {
			close(fd);
			return -ETIMEDOUT;
		}
		if (!told && waited >= 1000 && waiting) {
			waiting();
			told = true;
		}
		usleep(50 * 1000);
	}
}

/* Concurrent first runs would race to attach and pin: one loads, the others wait and then find
 * everything pinned. The lock is on the bpffs root, which exists once bpffs is mounted. */
int bpfence_load(char *why, size_t n)
{
	int fd, r;

	if (geteuid() != 0)
		return fail(why, n, EPERM, "bpfence must run as root (it loads BPF-LSM programs and "
					   "manages cgroups)");
	r = ensure_bpffs(why, n);
	if (r)
		return r;
	fd = open(BPFFS_ROOT, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return fail(why, n, errno, "cannot open " BPFFS_ROOT ": %s", strerror(errno));
	if (flock(fd, LOCK_EX)) {
		r = fail(why, n, errno, "cannot lock " BPFFS_ROOT ": %s", strerror(errno));
		close(fd);
		return r;
	}
	r = load_locked(why, n);
	close(fd);
	/* 1 is "already loaded": not a load. */
	if (r == 0 || r < 0)
		stats_add(r ? STAT_LOAD_FAILURES : STAT_LOADS);
	return r;
}

/*
 * A map pin that disappeared while links are still attached must come back as the SAME map: a
 * fresh one would be empty, and runs writing tags into it would restrict nothing (the live
 * canary would catch that, but better not to create the state). The programs behind any pinned
 * link hold the real maps: find them by name and pin them again.
 */
static void repin_maps_from_links(void)
{
	char path[256];

	for (const char *const *l = bpfence_link_names; *l; l++) {
		struct bpf_link_info li = {};
		struct bpf_prog_info pi = {};
		__u32 len = sizeof(li), ids[64], nmaps;
		int lfd, pfd;

		pin_path(path, sizeof(path), LINK_DIR, *l);
		lfd = bpf_obj_get(path);
		if (lfd < 0)
			continue;
		if (bpf_obj_get_info_by_fd(lfd, &li, &len) || !li.prog_id) {
			close(lfd);
			continue;
		}
		close(lfd);
		pfd = bpf_prog_get_fd_by_id(li.prog_id);
		if (pfd < 0)
			continue;
		len = sizeof(pi);
		pi.nr_map_ids = 64;
		pi.map_ids = (__u64)(unsigned long)ids;
		if (bpf_obj_get_info_by_fd(pfd, &pi, &len)) {
			close(pfd);
			continue;
		}
		close(pfd);
		nmaps = pi.nr_map_ids < 64 ? pi.nr_map_ids : 64;
		for (__u32 i = 0; i < nmaps; i++) {
			struct bpf_map_info mi = {};
			__u32 mlen = sizeof(mi);
			int mfd = bpf_map_get_fd_by_id(ids[i]);

			if (mfd < 0)
				continue;
			if (!bpf_obj_get_info_by_fd(mfd, &mi, &mlen) &&
			    name_listed(bpfence_map_names, mi.name)) {
				pin_path(path, sizeof(path), MAP_DIR, mi.name);
				if (access(path, F_OK))
					bpf_obj_pin(mfd, path);
			}
			close(mfd);
		}
		return; /* every program of the object shares the same maps */
	}
}

static int load_locked(char *why, size_t n)
{
	struct bpfence_bpf *skel = NULL;
	struct bpf_program *prog;
	struct bpf_map *map;
	char path[256], pinned[64][64];
	int npinned = 0, r, state;

	state = bpfence_loaded();
	if (state == 1)
		return 1;
	if (state < 0) {
		repin_maps_from_links();
		state = bpfence_loaded();
		if (state == 1)
			return 0;
	}
	if (mkdir_private(BPFENCE_PIN_DIR) || mkdir_private(LINK_DIR) || mkdir_private(MAP_DIR))
		return fail(why, n, errno, "cannot create " BPFENCE_PIN_DIR ": %s", strerror(errno));

	skel = bpfence_bpf__open();
	if (!skel)
		return fail(why, n, errno, "cannot open the BPF object: %s", strerror(errno));
	bpf_object__for_each_map(map, skel->obj) {
		if (!name_listed(bpfence_map_names, bpf_map__name(map)))
			continue;
		pin_path(path, sizeof(path), MAP_DIR, bpf_map__name(map));
		/* libbpf reuses a compatible pinned map, so a reload keeps tags and policies. */
		r = bpf_map__set_pin_path(map, path);
		if (r) {
			r = fail(why, n, r, "cannot set pin path %s: %s", path, strerror(-r));
			goto out;
		}
	}
	r = select_programs(skel->obj, why, n);
	if (r)
		goto out;
	/* A repair (state < 0: links still pinned beside lost ones) loads only the programs whose
	 * link is gone. The attached ones are not touched either way (their pinned link keeps
	 * them, and the attach loop below skips them), so verifying them again would only cost
	 * the verifier's time, most of a load. */
	if (state < 0) {
		bpf_object__for_each_program(prog, skel->obj) {
			char lname[LINK_NAME_MAX];

			pin_path(path, sizeof(path), LINK_DIR, link_name(prog, lname));
			if (bpf_program__autoload(prog) && !access(path, F_OK))
				bpf_program__set_autoload(prog, false);
		}
	}
	bpf_object__for_each_program(prog, skel->obj) {
		char lname[LINK_NAME_MAX];

		if (!name_listed(bpfence_link_names, link_name(prog, lname)) &&
		    !name_listed(optional_link_names, link_name(prog, lname))) {
			r = fail(why, n, EINVAL, "BPF object has unknown program %s",
				 bpf_program__name(prog));
			goto out;
		}
	}

	refused_clear();
	r = bpfence_bpf__load(skel);
	if (r) {
		if (refused.log || r == -EPERM || r == -EACCES || r == -EINVAL ||
		    r == -524 /* ENOTSUPP */) {
			bpfence_bpf__destroy(skel);
			skel = NULL;
			r = describe_refusal(r, why, n);
		} else if (r == -EEXIST || r == -EBUSY)
			r = fail(why, n, r,
				 "pinned maps under " MAP_DIR " do not match this bpfence build (%s); "
				 "run 'bpfence unload' first",
				 strerror(-r));
		else
			r = fail(why, n, r, "cannot load the BPF programs: %s", strerror(-r));
		goto out;
	}

	bpf_object__for_each_program(prog, skel->obj) {
		char lname[LINK_NAME_MAX];
		struct bpf_link *link;

		if (!bpf_program__autoload(prog))
			continue;
		pin_path(path, sizeof(path), LINK_DIR, link_name(prog, lname));
		if (!access(path, F_OK))
			continue; /* a previous load attached it; its link is still pinned */
		link = bpf_program__attach(prog);
		if (!link) {
			r = fail(why, n, errno, "cannot attach %s: %s", bpf_program__name(prog),
				 strerror(errno));
			goto undo;
		}
		r = bpf_link__pin(link, path);
		if (r) {
			bpf_link__destroy(link);
			r = fail(why, n, r, "cannot pin %s: %s", path, strerror(-r));
			goto undo;
		}
		/* The pin holds the link; closing our fd leaves it attached. */
		bpf_link__disconnect(link);
		bpf_link__destroy(link);
		if (npinned < 64)
			snprintf(pinned[npinned++], sizeof(pinned[0]), "%s", lname);
	}
	r = 0;
	goto out;
undo:
	/* Nothing half applied: links attached by this call go away again. Maps stay pinned only if
	 * they were pinned before (a previous complete load). */
	for (int i = 0; i < npinned; i++) {
		pin_path(path, sizeof(path), LINK_DIR, pinned[i]);
		unlink(path);
	}
	if (state == 0) {
		for (const char *const *m = bpfence_map_names; *m; m++) {
			pin_path(path, sizeof(path), MAP_DIR, *m);
			unlink(path);
		}
	}
out:
	bpfence_bpf__destroy(skel);
	if (r < 0 && state == 0) {
		/* Nothing was pinned before this call: leave nothing behind. */
		rmdir(LINK_DIR);
		rmdir(MAP_DIR);
		rmdir(BPFENCE_PIN_DIR);
	}
	return r;
}

int bpfence_probe_live(char *why, size_t n)
{
	struct bpfence_bpf *skel;
	int r = bpfence_probe(why, n);

	if (r)
		return r;
	/* Pinned, wholly or in part (a lost pin, which `load` repairs): this kernel verified and
	 * attached these programs already; the links still pinned hold them. Verifying all of them
	 * again would answer nothing new, at the cost of a whole load (a minute under emulation). */
	if (bpfence_loaded() != 0)
		return 0;
	/* Nothing pinned yet: load (and verify) every program without attaching or pinning. */
	skel = open_selected(why, n, &r);
	if (!skel)
		return r;
	refused_clear();
	r = bpfence_bpf__load(skel);
	bpfence_bpf__destroy(skel);
	if (r)
		return describe_refusal(r, why, n);
	return 0;
}

static int unload_locked(bool force, char *why, size_t n);

/* Under the exclusive lock: no load runs meanwhile, and no `run` or `tag` sits between its
 * check that the programs are loaded and its tag (they hold the shared lock until tagged), so
 * the count of tagged cgroups below cannot go stale. */
int bpfence_unload(bool force, char *why, size_t n)
{
	int fd = open(BPFFS_ROOT, O_RDONLY | O_DIRECTORY | O_CLOEXEC), r;

	if (fd >= 0 && flock(fd, LOCK_EX)) {
		r = fail(why, n, errno, "cannot lock " BPFFS_ROOT ": %s", strerror(errno));
		close(fd);
		return r;
	}
	r = unload_locked(force, why, n);
	if (fd >= 0)
		close(fd);
	return r;
}

static int unload_locked(bool force, char *why, size_t n)
{
	struct bpfence_maps m;
	char path[256];
	int tagged = 0;

	if (!bpfence_maps_open(&m, NULL, 0)) {
		tagged = tag_count(&m);
		bpfence_maps_close(&m);
	}
	if (tagged > 0 && !force)
		return fail(why, n, EBUSY,
			    "%d cgroup(s) are tagged; unloading would stop their enforcement "
			    "(untag them, or use --force)",
			    tagged);
	for (const char *const *l = bpfence_link_names; *l; l++) {
		pin_path(path, sizeof(path), LINK_DIR, *l);
		if (unlink(path) && errno != ENOENT)
			return fail(why, n, errno, "cannot remove %s: %s", path, strerror(errno));
	}
	for (const char *const *l = optional_link_names; *l; l++) {
		pin_path(path, sizeof(path), LINK_DIR, *l);
		if (unlink(path) && errno != ENOENT)
			return fail(why, n, errno, "cannot remove %s: %s", path, strerror(errno));
	}
	for (const char *const *m2 = bpfence_map_names; *m2; m2++) {
		pin_path(path, sizeof(path), MAP_DIR, *m2);
		if (unlink(path) && errno != ENOENT)
			return fail(why, n, errno, "cannot remove %s: %s", path, strerror(errno));
	}
	rmdir(LINK_DIR);
	rmdir(MAP_DIR);
	rmdir(BPFENCE_PIN_DIR);
	return 0;
}

/* The key and value sizes this build's programs use for each map of struct bpfence_maps (in
 * bpfence_map_names order; 0: not checked, the ring buffer has none). A pinned map of another
 * build with a different layout must be refused, never written: the kernel copies value_size
 * bytes whatever the caller's struct is. */
static const struct {
	__u32 key, value;
} map_sizes[] = {
	{sizeof(__u64), sizeof(struct bpfence_tag)},
	{sizeof(__u64), sizeof(struct bpfence_policy)},
	{sizeof(struct bpfence_file_key), sizeof(__u32)},
	{sizeof(struct bpfence_net_key), sizeof(struct bpfence_net_ports)},
	{sizeof(struct bpfence_broker_key), sizeof(__u32)},
	{sizeof(struct bpfence_unix_key), sizeof(__u32)},
	{sizeof(struct bpfence_unix_abstract_key), sizeof(__u32)},
	{sizeof(__u64), sizeof(struct bpfence_counters)},
	{0, 0},
	{sizeof(__u32), sizeof(__u64)},
	{sizeof(struct bpfence_name_key), sizeof(struct bpfence_name_grant)},
	{sizeof(__u32), sizeof(struct bpfence_dns_note)},
};

/* The fds of m, in bpfence_map_names' order. */
#define MAP_FDS(m)                                                                                 \
	{                                                                                          \
		&(m)->tags, &(m)->policies, &(m)->file_rules, &(m)->net_rules, &(m)->net_broker,   \
			&(m)->unix_rules, &(m)->unix_abstract, &(m)->counters, &(m)->events,       \
			&(m)->drops, &(m)->name_grants, &(m)->dns_notes                            \
	}

int bpfence_maps_open(struct bpfence_maps *m, char *why, size_t n)
{
	int *fds[] = MAP_FDS(m);
	char path[256];
	size_t i;

	for (i = 0; i < sizeof(fds) / sizeof(fds[0]); i++)
		*fds[i] = -1;
	for (i = 0; i < sizeof(fds) / sizeof(fds[0]); i++) {
		pin_path(path, sizeof(path), MAP_DIR, bpfence_map_names[i]);
		*fds[i] = bpf_obj_get(path);
		if (*fds[i] < 0) {
			int err = -errno;

			bpfence_maps_close(m);
			return fail(why, n, err, "cannot open pinned map %s: %s", path,
				    strerror(-err));
		}
		if (map_sizes[i].key) {
			struct bpf_map_info mi = {};
			__u32 len = sizeof(mi);

			if (bpf_obj_get_info_by_fd(*fds[i], &mi, &len) ||
			    mi.key_size != map_sizes[i].key || mi.value_size != map_sizes[i].value) {
				bpfence_maps_close(m);
				return fail(why, n, EPROTO, "pinned map %s is from another bpfence "
					    "build (key %u, value %u bytes; this build: %u, %u): "
					    "finish the upgrade with 'bpfence unload' and 'bpfence load' "
					    "once no invocation runs", path, mi.key_size,
					    mi.value_size, map_sizes[i].key, map_sizes[i].value);
			}
		}
	}
	return 0;
}

int bpfence_map_usage(const char *name, unsigned int *entries, unsigned int *max)
{
	unsigned char key[512], next[512];
	struct bpf_map_info mi = {};
	__u32 len = sizeof(mi);
	char path[256];
	void *prev = NULL;
	int fd, r = 0;

	pin_path(path, sizeof(path), MAP_DIR, name);
	fd = bpf_obj_get(path);
	if (fd < 0)
		return -errno;
	if (bpf_obj_get_info_by_fd(fd, &mi, &len) || mi.key_size > sizeof(key)) {
		r = -EINVAL;
		goto out;
	}
	*max = mi.max_entries;
	*entries = 0;
	if (mi.type == BPF_MAP_TYPE_ARRAY || mi.type == BPF_MAP_TYPE_PERCPU_ARRAY ||
	    mi.type == BPF_MAP_TYPE_RINGBUF) {
		r = -EOPNOTSUPP; /* always full, or no keys */
		goto out;
	}
	while (!bpf_map_get_next_key(fd, prev, next)) {
		(*entries)++;
		memcpy(key, next, mi.key_size);
		prev = key;
	}
out:
	close(fd);
	return r;
}

void bpfence_maps_close(struct bpfence_maps *m)
{
	int *fds[] = MAP_FDS(m);

	for (size_t i = 0; i < sizeof(fds) / sizeof(fds[0]); i++) {
		if (*fds[i] >= 0)
			close(*fds[i]);
		*fds[i] = -1;
	}
}

/* Run the pinned arm_present iterator for invocation inv: every task in one of its cgroups gets
 * its credentials armed. The iterator runs to its end on read(); the count comes back in
 * arm_targets, with bit 63 set if armed_creds had no room for one of them. */
int bpfence_arm_present(__u64 inv, char *why, size_t n)
{
	char path[256], buf[256];
	int mfd, lfd = -1, ifd = -1, r = 0;
	__u64 count = 0;
	ssize_t got;

	pin_path(path, sizeof(path), MAP_DIR, "arm_targets");
	mfd = bpf_obj_get(path);
	if (mfd < 0)
		return fail(why, n, errno, "cannot open pinned map %s: %s", path, strerror(errno));
	if (bpf_map_update_elem(mfd, &inv, &count, BPF_NOEXIST)) {
		r = fail(why, n, errno, "cannot mark invocation for arming: %s", strerror(errno));
		goto out;
	}
	pin_path(path, sizeof(path), LINK_DIR, "arm_present");
	lfd = bpf_obj_get(path);
	if (lfd >= 0)
		ifd = bpf_iter_create(lfd);
	if (ifd < 0) {
		r = fail(why, n, errno, "cannot run the arm_present iterator %s: %s", path,
			 strerror(errno));
		goto out_entry;
	}
	while ((got = read(ifd, buf, sizeof(buf))) > 0 || (got < 0 && errno == EINTR))
		;
	if (got < 0) {
		r = fail(why, n, errno, "the arm_present iterator failed: %s", strerror(errno));
		goto out_entry;
	}
	if (bpf_map_lookup_elem(mfd, &inv, &count)) {
		r = fail(why, n, errno, "cannot read the arming count: %s", strerror(errno));
		goto out_entry;
	}
	if (count >> 63)
		r = fail(why, n, ENOSPC, "cannot arm every task already in the cgroup: the map of "
			 "armed credentials is full (%d entries)", BPFENCE_MAX_ARMED);
	else
		r = (int)(count > INT32_MAX ? INT32_MAX : count);
out_entry:
	bpf_map_delete_elem(mfd, &inv);
out:
	if (ifd >= 0)
		close(ifd);
	if (lfd >= 0)
		close(lfd);
	close(mfd);
	return r;
}
