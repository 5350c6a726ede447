// SPDX-License-Identifier: GPL-2.0-only
/*
 * The second layer: a seccomp filter loaded right before exec. The LSM programs decide on
 * objects; this filter removes kernel interfaces a restricted function never needs, so a hole in
 * one of them (or a hook a kernel lacks) is not an escape by itself.
 *
 * Default allow, deny-listed calls fail with EPERM. Only the native ABI is accepted: a 32-bit
 * (int 0x80) or x32 call kills the process, so no deny rule can be dodged through another
 * syscall table. clone3 returns ENOSYS (its flags are behind a pointer seccomp cannot read) and
 * libc falls back to clone, whose namespace flags are checked.
 *
 * Groups a policy may permit ([syscalls] permit = ...): io_uring, ptrace, perf_event_open,
 * userfaultfd, keyctl. Everything else here is denied whatever the policy says. Under
 * mode = audit the permit-able groups are only logged (kernel audit log), like the LSM side.
 *
 * The layer is one table, `layer` below. Two things are made from it: the libseccomp filter that
 * `bpfence run` loads (seccomp_build), and the same rules as an OCI runtime-spec `linux.seccomp`
 * object (seccomp_oci_profile) for runners that start functions with runc, crun or podman and
 * tag their cgroup with `bpfence tag`.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <seccomp.h>

#include "seccomp_layer.h"
#include "json.h"

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

/* clone's flags argument: the first on x86_64 and arm64; s390 passes the stack first
 * (CONFIG_CLONE_BACKWARDS2). */
#if defined(__s390__)
#define CLONE_FLAGS_ARG 1
#else
#define CLONE_FLAGS_ARG 0
#endif

/* Everything not in the table is allowed. */
#define LAYER_DEFAULT SCMP_ACT_ALLOW
/* A call through another ABI (i386's int 0x80, x32's syscall numbers) is not in the filter:
 * the kernel kills the process, so no rule below can be dodged through another syscall table. */
#define LAYER_BADARCH SCMP_ACT_KILL_PROCESS

/*
 * One rule: `call` fails with `err`, or, when `mask` is set, only if (argument `arg` & mask) ==
 * value. A rule with a `group` is one a policy may permit ([syscalls] permit), and one that
 * mode = audit only logs; a rule without is denied whatever the policy says.
 */
struct seccomp_rule {
	const char *call;   /* as libseccomp and the runtime-spec name it */
	unsigned int group; /* POLICY_SYSCALLS_*, or 0 */
	int err;
	unsigned int arg;
	unsigned long long mask, value;
};

#define DENY(c) { .call = c, .err = EPERM }
#define GROUP(g, c) { .call = c, .group = POLICY_SYSCALLS_##g, .err = EPERM }
#define DENY_IF(c, a, m, v) { .call = c, .err = EPERM, .arg = a, .mask = m, .value = v }
/* clone with this namespace flag: a new user namespace would hand out capabilities, the others
 * would take the function out of the namespaces `run` made for it. */
#define DENY_CLONE_NS(f) DENY_IF("clone", CLONE_FLAGS_ARG, f, f)
/* The comparison is on the low 32 bits: the kernel reads cmd as unsigned int. */
#define DENY_IOCTL(cmd) DENY_IF("ioctl", 1, 0xffffffffu, cmd)

static const struct seccomp_rule layer[] = {
	/* Denied for every restricted function: mounts, modules, kexec, BPF, namespaces, handles
	 * that bypass path checks, host-wide knobs. */
	DENY("bpf"), DENY("mount"), DENY("umount2"), DENY("pivot_root"), DENY("move_mount"),
	DENY("open_tree"), DENY("fsopen"), DENY("fsconfig"), DENY("fsmount"), DENY("fspick"),
	DENY("mount_setattr"), DENY("open_by_handle_at"), DENY("name_to_handle_at"),
	DENY("kexec_load"), DENY("kexec_file_load"), DENY("init_module"), DENY("finit_module"),
	DENY("delete_module"), DENY("reboot"), DENY("swapon"), DENY("swapoff"), DENY("syslog"),
	DENY("acct"), DENY("quotactl"), DENY("quotactl_fd"), DENY("unshare"), DENY("setns"),
	DENY("chroot"), DENY("iopl"), DENY("ioperm"), DENY("lookup_dcookie"), DENY("vhangup"),
	DENY("settimeofday"), DENY("clock_settime"), DENY("clock_adjtime"), DENY("adjtimex"),
	DENY("sethostname"), DENY("setdomainname"), DENY("nfsservctl"), DENY("uselib"),
	DENY("fanotify_init"), DENY("landlock_create_ruleset"),
	/* Extended attributes can carry security labels and capabilities: a function may not set
	 * or remove any (the inode_*xattr hooks also hold them to the write set). */
	DENY("setxattr"), DENY("lsetxattr"), DENY("fsetxattr"), DENY("removexattr"),
	DENY("lremovexattr"), DENY("fremovexattr"),

	/* What a policy may permit. */
	GROUP(IO_URING, "io_uring_setup"), GROUP(IO_URING, "io_uring_enter"),
	GROUP(IO_URING, "io_uring_register"),
	GROUP(PTRACE, "ptrace"), GROUP(PTRACE, "process_vm_readv"),
	GROUP(PTRACE, "process_vm_writev"), GROUP(PTRACE, "kcmp"), GROUP(PTRACE, "pidfd_getfd"),
	GROUP(PERF, "perf_event_open"),
	GROUP(USERFAULTFD, "userfaultfd"),
	GROUP(KEYCTL, "keyctl"), GROUP(KEYCTL, "add_key"), GROUP(KEYCTL, "request_key"),

	DENY_CLONE_NS(CLONE_NEWNS), DENY_CLONE_NS(CLONE_NEWCGROUP), DENY_CLONE_NS(CLONE_NEWUTS),
	DENY_CLONE_NS(CLONE_NEWIPC), DENY_CLONE_NS(CLONE_NEWUSER), DENY_CLONE_NS(CLONE_NEWPID),
	DENY_CLONE_NS(CLONE_NEWNET), DENY_CLONE_NS(CLONE_NEWTIME),
	/* clone3's flags are behind a pointer seccomp cannot read: ENOSYS, and libc falls back to
	 * clone, whose flags the rules above check. */
	{ .call = "clone3", .err = ENOSYS },
	/* TIOCSTI/TIOCLINUX push input into the terminal bpfence was started from. */
	DENY_IOCTL(TIOCSTI), DENY_IOCTL(TIOCLINUX),
};

#define LAYER_RULES (sizeof(layer) / sizeof(layer[0]))

/* The action of rule r under policy p; false when p permits the call. */
static bool rule_action(const struct seccomp_rule *r, const struct policy *p, uint32_t *act)
{
	if (r->group && (p->syscalls_permit & r->group))
		return false;
	*act = r->group && p->mode == POLICY_MODE_AUDIT ? SCMP_ACT_LOG : SCMP_ACT_ERRNO(r->err);
	return true;
}

/* The call's number on this architecture, or __NR_SCMP_ERROR for a call it does not have (or
 * that this libseccomp does not know): such a rule is left out of both forms. */
static int rule_nr(const struct seccomp_rule *r)
{
	return seccomp_syscall_resolve_name(r->call);
}

void *seccomp_build(const struct policy *p, char *why, size_t n)
{
	scmp_filter_ctx ctx = seccomp_init(LAYER_DEFAULT);
	int r = 0;

	why[0] = 0;
	if (!ctx) {
		snprintf(why, n, "seccomp_init failed");
		return NULL;
	}
	r = seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, LAYER_BADARCH);
	if (r)
		goto fail;
	/* Every refusal of this layer is a kernel audit record (type=1326 SECCOMP, with comm, pid
	 * and syscall number) where kernel auditing is on (auditd, or audit=1): the denials the
	 * BPF programs never see are on the record too. Kernels without the flag still enforce. */
	if (seccomp_attr_set(ctx, SCMP_FLTATR_CTL_LOG, 1) && bpfence_debug())
		fprintf(stderr, "bpfence: debug: seccomp: no SECCOMP_FILTER_FLAG_LOG here\n");
	for (size_t i = 0; i < LAYER_RULES && !r; i++) {
		const struct seccomp_rule *rule = &layer[i];
		int nr = rule_nr(rule);
		uint32_t act;

		if (nr == __NR_SCMP_ERROR || !rule_action(rule, p, &act))
			continue;
		if (rule->mask)
			r = seccomp_rule_add(ctx, act, nr, 1,
					     SCMP_CMP(rule->arg, SCMP_CMP_MASKED_EQ, rule->mask,
						      rule->value));
		else
			r = seccomp_rule_add(ctx, act, nr, 0);
		if (r == -EEXIST) {
			r = 0;
		} else if (r) {
			snprintf(why, n, "seccomp rule for %s: %s", rule->call, strerror(-r));
			goto fail;
		}
	}
	if (!r)
		return ctx;
fail:
	if (!why[0])
		snprintf(why, n, "seccomp: %s", strerror(-r));
	seccomp_release(ctx);
	return NULL;
}

/* ---- the compiled filter, cached per policy content ---------------------------------------- */

/*
 * libseccomp turns the table into BPF in ~1 ms on hardware and ~15 ms under emulation, and
 * resolving ~80 names is most of it. The program depends only on the table, the policy's permits
 * and mode, this libseccomp and the machine, so `run` compiles it once per combination and
 * keeps the result in /run/bpfence/seccomp (root's, 0700): the next run with the same inputs
 * reads ~1-2 KiB and loads it with seccomp(2) directly. A cache file that is not root's, is
 * writable by others or is not a whole number of instructions is ignored and rewritten.
 */
#define FILTER_DIR "/run/bpfence/seccomp"
#define FILTER_FORMAT 1

static void fnv(uint64_t *h, const void *data, size_t n)
{
	const unsigned char *b = data;

	for (size_t i = 0; i < n; i++)
		*h = (*h ^ b[i]) * 0x100000001b3ULL;
}

static uint64_t filter_key(const struct policy *p)
{
	const struct scmp_version *v = seccomp_version();
	uint64_t h = 0xcbf29ce484222325ULL;
	struct utsname u;
	int fmt = FILTER_FORMAT;

	fnv(&h, &fmt, sizeof(fmt));
	for (size_t i = 0; i < LAYER_RULES; i++) {
		const struct seccomp_rule *r = &layer[i];

		fnv(&h, r->call, strlen(r->call) + 1);
		fnv(&h, &r->group, sizeof(r->group));
		fnv(&h, &r->err, sizeof(r->err));
		fnv(&h, &r->arg, sizeof(r->arg));
		fnv(&h, &r->mask, sizeof(r->mask));
		fnv(&h, &r->value, sizeof(r->value));
	}
	fnv(&h, &p->syscalls_permit, sizeof(p->syscalls_permit));
	fnv(&h, &p->mode, sizeof(p->mode));
	if (v)
		fnv(&h, v, sizeof(*v));
	if (!uname(&u))
		fnv(&h, u.machine, strlen(u.machine));
	return h;
}

/* The whole file, if it is a plausible filter only root could have written. */
static int read_filter(int fd, struct sock_fprog *prog)
{
	struct stat st;
	void *buf;

	if (fstat(fd, &st) || !S_ISREG(st.st_mode) || st.st_uid != 0 || (st.st_mode & 022) ||
	    st.st_size <= 0 || st.st_size % sizeof(struct sock_filter) ||
	    st.st_size > BPF_MAXINSNS * (off_t)sizeof(struct sock_filter))
		return -EINVAL;
	buf = malloc(st.st_size);
	if (!buf)
		return -ENOMEM;
	if (pread(fd, buf, st.st_size, 0) != st.st_size) {
		free(buf);
		return -EIO;
	}
	prog->filter = buf;
	prog->len = (unsigned short)(st.st_size / sizeof(struct sock_filter));
	return 0;
}

int seccomp_filter_get(const struct policy *p, struct sock_fprog *prog, unsigned int *flags,
		       char *why, size_t n)
{
	char path[64], tmp[80];
	void *ctx;
	int fd, r;

	*flags = 0;
	/* The filter flag libseccomp would set (SCMP_FLTATR_CTL_LOG in seccomp_build): a probe
	 * with no program says EFAULT where the kernel knows the flag. */
	if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_LOG, NULL) < 0 &&
	    errno == EFAULT)
		*flags = SECCOMP_FILTER_FLAG_LOG;
	snprintf(path, sizeof(path), FILTER_DIR "/%016llx.bpf",
		 (unsigned long long)filter_key(p));
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd >= 0) {
		r = read_filter(fd, prog);
		close(fd);
		if (!r)
			return 0;
	}
	ctx = seccomp_build(p, why, n);
	if (!ctx)
		return -EINVAL;
	if ((mkdir("/run/bpfence", 0700) && errno != EEXIST) ||
	    (mkdir(FILTER_DIR, 0700) && errno != EEXIST)) {
		r = -errno;
		snprintf(why, n, "cannot create " FILTER_DIR ": %s", strerror(-r));
		seccomp_release(ctx);
		return r;
	}
	snprintf(tmp, sizeof(tmp), "%s.%d", path, (int)getpid());
	fd = open(tmp, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0) {
		r = -errno;
	} else {
		r = seccomp_export_bpf(ctx, fd);
		if (!r)
			r = read_filter(fd, prog);
		close(fd);
		/* Published whole or not at all: a concurrent run reads the old file or this. */
		if (!r && rename(tmp, path))
			r = -errno;
		if (r)
			unlink(tmp);
	}
	seccomp_release(ctx);
	if (r)
		snprintf(why, n, "cannot compile the seccomp filter into " FILTER_DIR ": %s",
			 strerror(-r));
	return r;
}

/* ---- the OCI profile -------------------------------------------------------------------- */

/* The runtime-spec's names for libseccomp's architectures (config-linux.md). */
static const struct {
	uint32_t token;
	const char *name;
} oci_arches[] = {
	{ SCMP_ARCH_X86_64, "SCMP_ARCH_X86_64" },   { SCMP_ARCH_AARCH64, "SCMP_ARCH_AARCH64" },
	{ SCMP_ARCH_PPC64LE, "SCMP_ARCH_PPC64LE" }, { SCMP_ARCH_S390X, "SCMP_ARCH_S390X" },
#ifdef SCMP_ARCH_RISCV64
	{ SCMP_ARCH_RISCV64, "SCMP_ARCH_RISCV64" },
#endif
};

/* The runtime-spec's name of a libseccomp action; *err is the errno of an ERRNO action, -1 for
 * the others (which take no errnoRet: crun refuses one on them). */
static const char *oci_action(uint32_t act, int *err)
{
	*err = -1;
	if (act == SCMP_ACT_ALLOW)
		return "SCMP_ACT_ALLOW";
	if (act == SCMP_ACT_LOG)
		return "SCMP_ACT_LOG";
	*err = (int)(act & 0xffff);
	return "SCMP_ACT_ERRNO";
}

/*
 * Rules [i, end) that share an action and a group and have no argument condition become one
 * syscalls entry with several names; a rule with a condition is an entry of its own. An entry
 * never holds two conditions on one argument: runc and crun would read those as alternatives
 * (one libseccomp rule each), the runtime-spec as a conjunction, and crun 1.8 reads at most 6.
 */
static size_t entry_end(const struct policy *p, size_t i)
{
	uint32_t act = 0, next;
	size_t end = i + 1;

	rule_action(&layer[i], p, &act);
	if (layer[i].mask)
		return end;
	while (end < LAYER_RULES && !layer[end].mask && layer[end].group == layer[i].group &&
	       rule_action(&layer[end], p, &next) && next == act)
		end++;
	return end;
}

static void oci_entry(struct json_writer *w, const struct policy *p, size_t i, size_t end)
{
	const struct seccomp_rule *r = &layer[i];
	const char *action;
	uint32_t act = 0;
	int err;

	rule_action(r, p, &act);
	action = oci_action(act, &err);
	jsonw_start_object(w);
	jsonw_name(w, "names");
	jsonw_start_array(w);
	for (size_t k = i; k < end; k++) {
		if (rule_nr(&layer[k]) != __NR_SCMP_ERROR)
			jsonw_string(w, layer[k].call);
	}
	jsonw_end_array(w);
	jsonw_string_field(w, "action", action);
	if (err >= 0)
		jsonw_uint_field(w, "errnoRet", (unsigned int)err);
	if (r->mask) {
		/* For SCMP_CMP_MASKED_EQ, runc and crun pass value as libseccomp's datum_a (the
		 * mask) and valueTwo as datum_b (what the masked argument must equal). */
		jsonw_name(w, "args");
		jsonw_start_array(w);
		jsonw_start_object(w);
		jsonw_uint_field(w, "index", r->arg);
		jsonw_uint_field(w, "value", r->mask);
		jsonw_uint_field(w, "valueTwo", r->value);
		jsonw_string_field(w, "op", "SCMP_CMP_MASKED_EQ");
		jsonw_end_object(w);
		jsonw_end_array(w);
	}
	jsonw_end_object(w);
}

/*
 * What the profile cannot say, and what runtimes do instead:
 *
 * - The bad-arch action. runtime-spec has no field for it; runc (1.1) and crun (1.8) leave
 *   libseccomp's default, SCMP_ACT_KILL (kill the thread: a single-threaded process dies, the
 *   call never runs), where `run` kills the whole process. `architectures` lists the native ABI
 *   alone, so an i386 (int 0x80) call, or an x32 one (libseccomp's x86_64 filter sends numbers
 *   with the x32 bit to the bad-arch action when x32 is not listed), is never executed.
 * - SECCOMP_FILTER_FLAG_LOG. runtime-spec has `flags`, but runc 1.1 refuses any non-empty
 *   `flags` ("seccomp flags are not yet supported by runc"); runc 1.2 and crun accept it. Only
 *   with log_flag, then: without it, SCMP_ACT_LOG rules (audit mode) are still logged, the
 *   ERRNO refusals are not.
 */
int seccomp_oci_profile(const struct policy *p, bool log_flag, FILE *out, char *why, size_t n)
{
	uint32_t native = seccomp_arch_native();
	const char *arch = NULL, *action;
	struct json_writer w;
	int err;

	for (size_t i = 0; i < sizeof(oci_arches) / sizeof(oci_arches[0]); i++) {
		if (oci_arches[i].token == native)
			arch = oci_arches[i].name;
	}
	if (!arch) {
		snprintf(why, n, "no runtime-spec name for this architecture (libseccomp %#x)", native);
		return -ENOTSUP;
	}
	jsonw_init(&w, out);
	jsonw_pretty(&w, true);
	jsonw_start_object(&w);
	action = oci_action(LAYER_DEFAULT, &err);
	jsonw_string_field(&w, "defaultAction", action);
	jsonw_name(&w, "architectures");
	jsonw_start_array(&w);
	jsonw_string(&w, arch);
	jsonw_end_array(&w);
	if (log_flag) {
		jsonw_name(&w, "flags");
		jsonw_start_array(&w);
		jsonw_string(&w, "SECCOMP_FILTER_FLAG_LOG");
		jsonw_end_array(&w);
	}
	jsonw_name(&w, "syscalls");
	jsonw_start_array(&w);
	for (size_t i = 0, end; i < LAYER_RULES; i = end) {
		uint32_t act;
		bool any = false;

		if (!rule_action(&layer[i], p, &act)) {
			end = i + 1;
			continue;
		}
		end = entry_end(p, i);
		/* An entry needs at least one name this architecture has. */
		for (size_t k = i; k < end; k++)
			any = any || rule_nr(&layer[k]) != __NR_SCMP_ERROR;
		if (any)
			oci_entry(&w, p, i, end);
	}
	jsonw_end_array(&w);
	jsonw_end_object(&w);
	if (fflush(out) || ferror(out)) {
		snprintf(why, n, "writing the profile: %s", errno ? strerror(errno) : "I/O error");
		return -EIO;
	}
	return 0;
}
