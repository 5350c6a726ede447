// SPDX-License-Identifier: GPL-2.0-only
/*
 * bpfence selftest: attack this host's enforcement the way hostile code would, and say for each
 * of the 31 rows of the escape checklist (docs/security.md) whether it was blocked.
 *
 *   1 a private temp dir: a self-test policy, a source dir with a granted file, a scratch dir, a
 *     secret that is not granted and a fake "other function's" dir
 *   2 helpers outside any invocation: the broker (unix, with a symlink and a hardlink; TCP on
 *     127.0.0.1), an abstract and a datagram socket, a victim process, a peer process without
 *     capabilities, an SCM_RIGHTS fd sender, and an overlay mount (merged dir granted)
 *   3 bpfence-attack through `bpfence run` itself (the same code path as every function):
 *     the escape attempts, then a fork bomb and a memory bomb (row 24) and a denial flood (29)
 *   4 a policy-swap race in a cgroup tagged here (row 30)
 *   5 the rows only visible from outside (22, 23, 24, 28, 29, 30, 31), merged with the
 *     attacker's lines in row order
 *
 * Everything made here is removed at the end, on failure too (unless --keep).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <ifaddrs.h>
#include <limits.h>
#include <net/if.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/mount.h>
#include <poll.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <linux/capability.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>

#include "cli.h"

#define ROWS 31
#define FLOOD_N 5000
#define ATTACK_TIMEOUT "60"

enum verdict { V_NONE, V_BLOCKED, V_REFUSED, V_NOT_BLOCKED };

static const char *const verdict_text[] = { "", "blocked", "refused", "NOT BLOCKED" };
static const char *const verdict_json[] = { "", "blocked", "refused", "not_blocked" };

struct selftest {
	bool json, keep;
	char tmp[PATH_MAX], src[PATH_MAX], scratch[PATH_MAX], secret[PATH_MAX], granted[PATH_MAX],
		other[PATH_MAX], broker[PATH_MAX], broker_sym[PATH_MAX], broker_hard[PATH_MAX],
		dgram[PATH_MAX], fdsend[PATH_MAX], policy[PATH_MAX], attack[PATH_MAX],
		cgroot[PATH_MAX], overlay[PATH_MAX], abstract[64], hostip[INET_ADDRSTRLEN],
		ovl_merged[PATH_MAX], ovl_upper[PATH_MAX];
	int broker_fd, tcp_fd, abstract_fd, dgram_fd, fdsend_fd, port;
	pid_t victim, sender, peer;

	enum verdict v[ROWS + 1];
	char *detail[ROWS + 1];
};

/* The result of one `bpfence run`. */
struct run_result {
	int status;        /* exit status, or 128 + signal */
	char id[BPFENCE_ID_MAX];
	bool summary;      /* the --json result line was there; then: */
	long long pids_max, memory_max; /* -1 when null */
	long long denied_file, denied_all; /* its "denied" counts: class file, all classes */
	char first_err[256]; /* the first stderr line, for failures */
};

static const char selftest_help[] =
	"Usage: bpfence selftest [--json] [--keep]\n"
	"\n"
	"Attack this host's enforcement the way untrusted code would: every row of the escape\n"
	"checklist (docs/security.md) is attempted from inside a real invocation (bpfence-attack run by\n"
	"'bpfence run') or checked from outside, and reported as blocked, refused (cannot be\n"
	"attempted on this host, with the reason) or NOT BLOCKED.\n"
	"\n"
	"  --json   a JSON array of {\"row\", \"result\", \"detail\"} instead of lines\n"
	"  --keep   keep the temp dir (policy, outputs) and print its path\n"
	"\n"
	"Exit status: 0 nothing NOT BLOCKED; 1 something got through; 125 bpfence failed\n"
	"(including: this kernel cannot enforce).\n";

static void set_row(struct selftest *s, int row, enum verdict v, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void set_row(struct selftest *s, int row, enum verdict v, const char *fmt, ...)
{
	va_list ap;

	free(s->detail[row]);
	s->v[row] = v;
	va_start(ap, fmt);
	if (vasprintf(&s->detail[row], fmt, ap) < 0)
		s->detail[row] = NULL;
	va_end(ap);
}

static int write_file(const char *path, const char *text, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	ssize_t n = (ssize_t)strlen(text);

	if (fd < 0)
		return -errno;
	if (write(fd, text, n) != n) {
		close(fd);
		return -EIO;
	}
	return close(fd) ? -errno : 0;
}

static int copy_file(const char *from, const char *to, mode_t mode)
{
	char buf[65536];
	int in, out, e = 0;
	ssize_t n;

	in = open(from, O_RDONLY | O_CLOEXEC);
	if (in < 0)
		return -errno;
	out = open(to, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	if (out < 0) {
		close(in);
		return -errno;
	}
	while ((n = read(in, buf, sizeof(buf))) > 0)
		if (write(out, buf, n) != n) {
			e = -EIO;
			break;
		}
	if (n < 0)
		e = -errno;
	close(in);
	close(out);
	return e;
}

/* bpfence-attack: $BPFENCE_ATTACK, next to this binary (the build tree), or the installed one. */
static int find_attack(struct selftest *s)
{
	char self[PATH_MAX], cand[PATH_MAX + 64], *slash;
	const char *env = getenv("BPFENCE_ATTACK");
	ssize_t n;

	if (env && env[0] == '/' && !access(env, X_OK))
		return realpath(env, s->attack) ? 0 : -errno;
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n < 0)
		return -errno;
	self[n] = 0;
	slash = strrchr(self, '/');
	*slash = 0;
	snprintf(cand, sizeof(cand), "%s/bpfence-attack", self);
	if (!access(cand, X_OK))
		return realpath(cand, s->attack) ? 0 : -errno;
	snprintf(cand, sizeof(cand), "%s/../libexec/bpfence/bpfence-attack", self);
	if (!access(cand, X_OK))
		return realpath(cand, s->attack) ? 0 : -errno;
	return -ENOENT;
}

static socklen_t unix_addr(struct sockaddr_un *sun, const char *path, bool abstract)
{
	size_t len = strlen(path);

	memset(sun, 0, sizeof(*sun));
	sun->sun_family = AF_UNIX;
	if (len > sizeof(sun->sun_path) - 2)
		len = sizeof(sun->sun_path) - 2;
	memcpy(sun->sun_path + abstract, path, len);
	return offsetof(struct sockaddr_un, sun_path) + abstract + len + !abstract;
}

static int unix_listener(const char *path, bool abstract, int type)
{
	struct sockaddr_un sun;
	socklen_t len = unix_addr(&sun, path, abstract);
	int fd = socket(AF_UNIX, type | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -errno;
	if (bind(fd, (struct sockaddr *)&sun, len) || (type == SOCK_STREAM && listen(fd, 16))) {
		int e = -errno;

		close(fd);
		return e;
	}
	return fd;
}

/* The first non-loopback IPv4 address of this host: the broker must be unreachable there too. */
static void find_host_ip(struct selftest *s)
{
	struct ifaddrs *ifa, *i;

	if (getifaddrs(&ifa))
		return;
	for (i = ifa; i; i = i->ifa_next) {
		if (!i->ifa_addr || i->ifa_addr->sa_family != AF_INET || (i->ifa_flags & IFF_LOOPBACK) ||
		    !(i->ifa_flags & IFF_UP))
			continue;
		inet_ntop(AF_INET, &((struct sockaddr_in *)i->ifa_addr)->sin_addr, s->hostip,
			  sizeof(s->hostip));
		break;
	}
	freeifaddrs(ifa);
}

/*
 * Row 6's overlay: selftest mounts its own (lower with layer.txt, upper, work, merged) and the
 * policy grants only the merged dir, so the attacker has a granted merged path and layer dirs
 * to reach around it. Without overlayfs (no module, no permission) a host overlay's lower dir
 * is used if there is one; else the row is refused.
 */
static void make_overlay(struct selftest *s)
{
	char lower[PATH_MAX + 16], upper[PATH_MAX + 16], work[PATH_MAX + 16], merged[PATH_MAX + 16],
		opts[3 * PATH_MAX + 64], base[PATH_MAX + 16], f[PATH_MAX + 32];

	snprintf(base, sizeof(base), "%s/ovl", s->tmp);
	snprintf(lower, sizeof(lower), "%s/lower", base);
	snprintf(upper, sizeof(upper), "%s/upper", base);
	snprintf(work, sizeof(work), "%s/work", base);
	snprintf(merged, sizeof(merged), "%s/merged", base);
	snprintf(f, sizeof(f), "%s/layer.txt", lower);
	snprintf(opts, sizeof(opts), "lowerdir=%s,upperdir=%s,workdir=%s", lower, upper, work);
	if (mkdir(base, 0755) || mkdir(lower, 0755) || mkdir(upper, 0755) || mkdir(work, 0755) ||
	    mkdir(merged, 0755) || write_file(f, "a file of the overlay's lower layer\n", 0644) ||
	    mount("overlay", merged, "overlay", 0, opts))
		return;
	snprintf(s->overlay, sizeof(s->overlay), "%s", lower);
	snprintf(s->ovl_upper, sizeof(s->ovl_upper), "%s", upper);
	snprintf(s->ovl_merged, sizeof(s->ovl_merged), "%s", merged);
}

/* A lower layer of the first overlayfs mount, for row 6 ("" when there is none). */
static void find_overlay(struct selftest *s)
{
	char line[4096], *p, *end;
	FILE *f = fopen("/proc/self/mountinfo", "re");

	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		p = strstr(line, " - overlay ");
		if (!p)
			continue;
		p = strstr(p, "lowerdir=");
		if (!p)
			continue;
		p += strlen("lowerdir=");
		end = p + strcspn(p, ":,\n ");
		*end = 0;
		snprintf(s->overlay, sizeof(s->overlay), "%s", p);
		break;
	}
	fclose(f);
}

static void __attribute__((noreturn)) fd_sender(int lfd, const char *secret)
{
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	for (;;) {
		char cbuf[CMSG_SPACE(sizeof(int))] = {};
		struct iovec iov = { .iov_base = "f", .iov_len = 1 };
		struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf,
				     .msg_controllen = sizeof(cbuf) };
		struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);
		int c = accept(lfd, NULL, NULL), fd;

		if (c < 0)
			continue;
		fd = open(secret, O_RDONLY | O_CLOEXEC);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(cm), &fd, sizeof(int));
		sendmsg(c, &mh, MSG_NOSIGNAL);
		close(fd);
		close(c);
	}
}

/* Everything the attack needs, outside any invocation. Returns 0 or -1 (reported). */
static int prepare(struct selftest *s)
{
	const char *t = getenv("TMPDIR");
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t slen = sizeof(sin);
	char policy[8192], path[PATH_MAX + 16];
	int e;

	e = find_attack(s);
	if (e) {
		bpfence_report(
			"cannot find bpfence-attack",
			"not next to this binary, in ../libexec/bpfence, or $BPFENCE_ATTACK: %s",
			strerror(-e));
		return -1;
	}
	e = cgroup2_root(s->cgroot, sizeof(s->cgroot));
	if (e) {
		bpfence_report("no cgroup v2 hierarchy", "%s", strerror(-e));
		return -1;
	}
	snprintf(s->tmp, sizeof(s->tmp), "%s/bpfence-selftest.XXXXXX", t && t[0] == '/' ? t : "/tmp");
	if (!mkdtemp(s->tmp)) {
		bpfence_report("cannot create a temp dir", "%s: %s", s->tmp, strerror(errno));
		s->tmp[0] = 0;
		return -1;
	}
#define IN_TMP(field, name) snprintf(s->field, sizeof(s->field), "%s/%s", s->tmp, name)
	IN_TMP(src, "src");
	IN_TMP(scratch, "scratch");
	IN_TMP(secret, "secret");
	IN_TMP(other, "other");
	IN_TMP(broker, "broker.sock");
	IN_TMP(dgram, "dgram.sock");
	IN_TMP(fdsend, "fdsend.sock");
	IN_TMP(policy, "selftest.policy");
	snprintf(s->granted, sizeof(s->granted), "%s/granted.txt", s->src);
	snprintf(s->broker_sym, sizeof(s->broker_sym), "%s/broker-symlink", s->src);
	snprintf(s->broker_hard, sizeof(s->broker_hard), "%s/broker-hardlink", s->src);
	snprintf(s->abstract, sizeof(s->abstract), "bpfence-selftest-%d", getpid());
#undef IN_TMP
	if (mkdir(s->src, 0755) || mkdir(s->scratch, 0700) || mkdir(s->other, 0755) ||
	    write_file(s->granted, "granted file of the bpfence self-test\n", 0644) ||
	    write_file(s->secret, "bpfence-selftest-SECRET\n", 0600)) {
		bpfence_report("cannot prepare the self-test", "%s: %s", s->tmp, strerror(errno));
		return -1;
	}
	snprintf(path, sizeof(path), "%s/data", s->other);
	e = write_file(path, "another function's data\n", 0644);
	snprintf(path, sizeof(path), "%s/tool", s->other);
	if (!e)
		e = copy_file(s->attack, path, 0755);
	if (e) {
		bpfence_report("cannot prepare the self-test", "%s: %s", path, strerror(-e));
		return -1;
	}

	s->broker_fd = unix_listener(s->broker, false, SOCK_STREAM);
	s->abstract_fd = unix_listener(s->abstract, true, SOCK_STREAM);
	s->dgram_fd = unix_listener(s->dgram, false, SOCK_DGRAM);
	s->fdsend_fd = unix_listener(s->fdsend, false, SOCK_STREAM);
	s->tcp_fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (s->broker_fd < 0 || s->abstract_fd < 0 || s->dgram_fd < 0 || s->fdsend_fd < 0 ||
	    s->tcp_fd < 0 || bind(s->tcp_fd, (struct sockaddr *)&sin, sizeof(sin)) ||
	    listen(s->tcp_fd, 16) || getsockname(s->tcp_fd, (struct sockaddr *)&sin, &slen)) {
		bpfence_report("cannot start the self-test listeners", "%s", strerror(errno));
		return -1;
	}
	s->port = ntohs(sin.sin_port);
	if (symlink(s->broker, s->broker_sym) || link(s->broker, s->broker_hard)) {
		bpfence_report("cannot alias the broker socket", "%s", strerror(errno));
		return -1;
	}

	fflush(NULL);
	s->victim = fork();
	if (s->victim == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		for (;;)
			pause();
	}
	s->sender = s->victim > 0 ? fork() : -1;
	if (s->sender == 0)
		fd_sender(s->fdsend_fd, s->secret);
	/* The peer: same uid as the attacker and no capabilities, outside every invocation (what
	 * another function looks like to it), so the capability module lets calls against it
	 * through to the BPF task hooks. */
	s->peer = s->sender > 0 ? fork() : -1;
	if (s->peer == 0) {
		struct __user_cap_header_struct hdr = { _LINUX_CAPABILITY_VERSION_3, 0 };
		struct __user_cap_data_struct caps[2] = {};

		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (syscall(SYS_capset, &hdr, caps))
			_exit(1);
		for (;;)
			pause();
	}
	if (s->victim < 0 || s->sender < 0 || s->peer < 0) {
		bpfence_report("cannot start the self-test helpers", "fork: %s", strerror(errno));
		return -1;
	}
	find_host_ip(s);
	make_overlay(s);
	if (!s->overlay[0])
		find_overlay(s);

	snprintf(policy, sizeof(policy),
		 "# SPDX-License-Identifier: GPL-2.0-only\n"
		 "# Written by 'bpfence selftest': what a restricted function gets, plus the attacker.\n"
		 "[policy]\nname = selftest\nmode = enforce\n\n"
		 "[network]\nconnect = deny\nfamilies = unix inet inet6\n\n"
		 "[broker]\nunix = %s\ntcp = 127.0.0.1:%d\n\n"
		 "[files]\nread = /usr /lib /lib64 /etc/ld.so.cache\nread = ${source} ${scratch}\n"
		 "read = %s\nwrite = ${scratch}\nexec = %s\nmap = /usr/lib /lib /lib64\n%s%s\n",
		 s->broker, s->port, s->attack, s->attack, s->ovl_merged[0] ? "read = " : "",
		 s->ovl_merged);
	e = write_file(s->policy, policy, 0600);
	if (e) {
		bpfence_report("cannot write the self-test policy", "%s: %s", s->policy,
			       strerror(-e));
		return -1;
	}
	return 0;
}

static void cleanup(struct selftest *s)
{
	int fds[] = { s->broker_fd, s->tcp_fd, s->abstract_fd, s->dgram_fd, s->fdsend_fd };

	for (int i = 0; i < 3; i++) {
		pid_t p = i == 0 ? s->victim : i == 1 ? s->sender : s->peer;

		if (p > 0) {
			kill(p, SIGKILL);
			waitpid(p, NULL, 0);
		}
	}
	for (size_t i = 0; i < sizeof(fds) / sizeof(fds[0]); i++)
		if (fds[i] >= 0)
			close(fds[i]);
	if (s->ovl_merged[0])
		umount2(s->ovl_merged, MNT_DETACH);
	if (s->tmp[0]) {
		if (s->keep)
			fprintf(stderr, "%s: selftest: kept %s\n", cli.prog, s->tmp);
		else
			remove_tree_at(AT_FDCWD, s->tmp);
	}
	for (int i = 0; i <= ROWS; i++)
		free(s->detail[i]);
}

/* A number member of a parsed JSON object; -1 if absent or not a number. */
static long long json_num(const struct json_object *o, const char *key)
{
	const struct json_field *f = json_get(o, key);

	if (!f || f->type != JSON_NUMBER)
		return -1;
	return strtoll(f->value, NULL, 10);
}

/* The --json result line of `bpfence run` (cli/run.c print_summary), read with the reader. */
static bool parse_summary(const char *line, struct run_result *res)
{
	struct json_object o, denied;
	const char *id;

	if (json_object_parse(line, &o, NULL, NULL))
		return false;
	id = json_get_str(&o, "invocation");
	if (!id) {
		json_object_free(&o);
		return false;
	}
	res->summary = true;
	snprintf(res->id, sizeof(res->id), "%s", id);
	res->pids_max = json_num(&o, "pids_max");
	res->memory_max = json_num(&o, "memory_max");
	res->denied_file = res->denied_all = -1;
	if (!json_get_object(&o, "denied", &denied)) {
		res->denied_file = json_num(&denied, "file");
		/* Sum every class: nothing but the N file denials may be counted. */
		res->denied_all = 0;
		for (size_t i = 0; i < denied.n; i++) {
			if (denied.fields[i].type == JSON_NUMBER)
				res->denied_all += strtoll(denied.fields[i].value, NULL, 10);
		}
		json_object_free(&denied);
	}
	json_object_free(&o);
	return true;
}

/* One `bpfence run` of the attacker, exactly as any function runs. stdout goes to OUT (a file in
 * the temp dir); the --json result line is parsed from its stderr. */
static int run_attack(struct selftest *s, const char *timeout, const char *const *extra,
		      const char *const *args, const char *out, struct run_result *res)
{
	char err_path[PATH_MAX + 16], line[4096];
	const char *argv[96];
	char *envs[32];
	int n = 0, ne = 0, status;
	FILE *f;
	pid_t pid;

	memset(res, 0, sizeof(*res));
	res->pids_max = res->memory_max = res->denied_file = res->denied_all = -1;
	snprintf(err_path, sizeof(err_path), "%s.err", out);
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		bpfence_report("cannot start bpfence run", "fork: %s", strerror(errno));
		return -1;
	}
	if (pid == 0) {
		sigset_t none;
		int in = open("/dev/null", O_RDONLY), o = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0600),
		    e = open(err_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);

		if (in < 0 || o < 0 || e < 0 || dup2(in, 0) < 0 || dup2(o, 1) < 0 || dup2(e, 2) < 0)
			_exit(EXIT_BPFENCE);
		sigemptyset(&none);
		if (sigprocmask(SIG_SETMASK, &none, NULL))
			_exit(EXIT_BPFENCE);
#define ENV(fmt, ...) \
	if (asprintf(&envs[ne++], fmt, __VA_ARGS__) < 0) \
		_exit(EXIT_BPFENCE)
		ENV("ATK_SCRATCH=%s", s->scratch);
		ENV("ATK_SOURCE=%s", s->src);
		ENV("ATK_SECRET=%s", s->secret);
		ENV("ATK_GRANTED=%s", s->granted);
		ENV("ATK_OTHER=%s", s->other);
		ENV("ATK_SELF=%s", s->attack);
		ENV("ATK_BROKER=%s", s->broker);
		ENV("ATK_BROKER_SYMLINK=%s", s->broker_sym);
		ENV("ATK_BROKER_HARDLINK=%s", s->broker_hard);
		ENV("ATK_ABSTRACT=%s", s->abstract);
		ENV("ATK_DGRAM=%s", s->dgram);
		ENV("ATK_FDSEND=%s", s->fdsend);
		ENV("ATK_CGROOT=%s", s->cgroot);
		ENV("ATK_OVERLAY=%s", s->overlay);
		ENV("ATK_OVERLAY_MERGED=%s", s->ovl_merged);
		ENV("ATK_OVERLAY_UPPER=%s", s->ovl_upper);
		ENV("ATK_PEER=%d", (int)s->peer);
		ENV("ATK_HOSTIP=%s", s->hostip);
		ENV("ATK_PIN=%s", BPFENCE_PIN_DIR "/maps/policies");
		ENV("ATK_PORT=%d", s->port);
		ENV("ATK_SELFTEST_PID=%d", (int)getppid());
		/* This process becomes `bpfence run`: the one the attacker must not kill. */
		ENV("ATK_BPFENCE_PID=%d", (int)getpid());
		ENV("ATK_VICTIM=%d", (int)s->victim);
#undef ENV
		argv[n++] = "bpfence";
		argv[n++] = "run";
		argv[n++] = "--json";
		argv[n++] = "--policy";
		argv[n++] = s->policy;
		argv[n++] = "--timeout";
		argv[n++] = timeout;
		argv[n++] = "--source";
		argv[n++] = s->src;
		argv[n++] = "--scratch";
		argv[n++] = s->scratch;
		for (int i = 0; extra && extra[i]; i++)
			argv[n++] = extra[i];
		for (int i = 0; i < ne; i++) {
			argv[n++] = "--env";
			argv[n++] = envs[i];
		}
		argv[n++] = "--";
		argv[n++] = s->attack;
		for (int i = 0; args[i]; i++)
			argv[n++] = args[i];
		argv[n] = NULL;
		execv("/proc/self/exe", (char *const *)argv);
		_exit(EXIT_BPFENCE);
	}
	if (waitpid(pid, &status, 0) < 0) {
		bpfence_report("cannot wait for bpfence run", "%s", strerror(errno));
		return -1;
	}
	res->status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
	f = fopen(err_path, "re");
	while (f && fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = 0;
		if (!res->summary && parse_summary(line, res))
			continue;
		if (!res->first_err[0]) {
			snprintf(res->first_err, sizeof(res->first_err), "%s", line);
		}
	}
	if (f)
		fclose(f);
	return 0;
}

/* Does the invocation's cgroup still exist? */
static bool cgroup_left(struct selftest *s, const char *id)
{
	char p[PATH_MAX + 64];

	if (!id[0])
		return false;
	snprintf(p, sizeof(p), "%s/bpfence/%s", s->cgroot, id);
	return !access(p, F_OK);
}

/* Take the attacker's "row N: ..." lines. */
static void parse_attack(struct selftest *s, const char *out)
{
	char line[8192];
	FILE *f = fopen(out, "re");
	int row;

	while (f && fgets(line, sizeof(line), f)) {
		char *p, *d;
		size_t len;
		enum verdict v;

		line[strcspn(line, "\n")] = 0;
		if (sscanf(line, "row %d: ", &row) != 1 || row < 1 || row > ROWS || s->v[row])
			continue;
		p = strchr(line, ':') + 2;
		if (!strncmp(p, "blocked (", 9))
			v = V_BLOCKED, d = p + 9;
		else if (!strncmp(p, "refused (", 9))
			v = V_REFUSED, d = p + 9;
		else if (!strncmp(p, "NOT BLOCKED (", 13))
			v = V_NOT_BLOCKED, d = p + 13;
		else
			continue;
		len = strlen(d);
		if (len && d[len - 1] == ')')
			d[len - 1] = 0;
		set_row(s, row, v, "%s", d);
	}
	if (f)
		fclose(f);
}

static void attack_rows(struct selftest *s)
{
	static const char *const args[] = { "attack", NULL };
	char out[PATH_MAX + 16], p[PATH_MAX + 16], buf[64] = "";
	struct run_result r;
	pid_t orphan = 0;
	FILE *f;

	snprintf(out, sizeof(out), "%s/attack.out", s->tmp);
	if (run_attack(s, ATTACK_TIMEOUT, NULL, args, out, &r))
		return;
	parse_attack(s, out);
	for (int row = 1; row <= ROWS; row++)
		if (!s->v[row] && row != 22 && row != 23 && row != 24 && row != 28 && row != 29 &&
		    row != 30 && row != 31)
			set_row(s, row, V_NOT_BLOCKED, "the attacker printed no result (bpfence run "
				"exited %d%s%s)", r.status, r.first_err[0] ? ": " : "", r.first_err);

	/* 22: run refuses with 125 unless the canary was denied in the child; the attacker asked
	 * the canary again from its own main(). */
	snprintf(p, sizeof(p), "%s/canary", s->scratch);
	f = fopen(p, "re");
	if (f) {
		if (!fgets(buf, sizeof(buf), f))
			buf[0] = 0;
		buf[strcspn(buf, "\n")] = 0;
		fclose(f);
	}
	if (r.status != EXIT_BPFENCE && !strcmp(buf, "ECANCELED"))
		set_row(s, 22, V_BLOCKED, "born in the tagged cgroup: clone3 CLONE_INTO_CGROUP; live "
			"canary passed; the canary socket() from the attacker's main() got ECANCELED");
	else
		set_row(s, 22, V_NOT_BLOCKED, "bpfence run exited %d, the attacker's canary got '%s'",
			r.status, buf[0] ? buf : "nothing");

	/* 23: the setsid'd double-forked orphan must be gone, and the cgroup with it. */
	snprintf(p, sizeof(p), "%s/orphan.pid", s->scratch);
	f = fopen(p, "re");
	if (f) {
		if (fscanf(f, "%d", &orphan) != 1)
			orphan = 0;
		fclose(f);
	}
	if (orphan <= 0)
		set_row(s, 23, V_NOT_BLOCKED, "the attacker left no orphan to check (bpfence run "
			"exited %d)", r.status);
	else if (!kill(orphan, 0))
		set_row(s, 23, V_NOT_BLOCKED, "the setsid'd double-forked orphan (pid %d) outlived "
			"the invocation", orphan);
	else if (cgroup_left(s, r.id))
		set_row(s, 23, V_NOT_BLOCKED, "the invocation cgroup bpfence/%s is still there", r.id);
	else
		set_row(s, 23, V_BLOCKED, "ESRCH kill(orphan, 0): the setsid'd double-forked orphan "
			"(pid %d) died with the invocation; cgroup bpfence/%s removed", orphan, r.id);

	/* 25 and 27, from outside: the victim lives and bpfence run was not killed. */
	if (s->v[25] == V_BLOCKED && (kill(s->victim, 0) || waitpid(s->victim, NULL, WNOHANG)))
		set_row(s, 25, V_NOT_BLOCKED, "the victim process (pid %d) is gone", s->victim);
	if (s->v[25] == V_BLOCKED && (kill(s->peer, 0) || waitpid(s->peer, NULL, WNOHANG)))
		set_row(s, 25, V_NOT_BLOCKED, "the peer process (pid %d) is gone", s->peer);
	if (s->v[27] == V_BLOCKED && r.status == 128 + SIGKILL)
		set_row(s, 27, V_NOT_BLOCKED, "bpfence run died of SIGKILL");
}

/* 24: a fork bomb under --pids-max 32 and a 3 s timeout, then a memory bomb under --memory-max
 * 64M and a 10 s timeout. Each must end (OOM kill or timeout) with the cgroup emptied and
 * removed. */
static void bomb_row(struct selftest *s)
{
	static const char *const fork_extra[] = { "--pids-max", "32", NULL };
	static const char *const mem_extra[] = { "--memory-max", "64M", NULL };
	static const char *const fork_args[] = { "bomb", NULL };
	static const char *const mem_args[] = { "membomb", NULL };
	char out[PATH_MAX + 16], fork_text[512];
	struct run_result r;

	snprintf(out, sizeof(out), "%s/bomb.out", s->tmp);
	if (run_attack(s, "3", fork_extra, fork_args, out, &r))
		return;
	if (r.status == EXIT_BPFENCE && strstr(r.first_err, "pids")) {
		set_row(s, 24, V_REFUSED, "the cgroup v2 pids controller is not available: %s",
			r.first_err);
		return;
	}
	if (r.status != EXIT_TIMEOUT || r.pids_max != 32) {
		set_row(s, 24, V_NOT_BLOCKED, "fork bomb: bpfence run exited %d (expected 124), "
			"pids_max %lld%s%s", r.status, r.pids_max,
			r.first_err[0] ? ": " : "", r.first_err);
		return;
	}
	if (cgroup_left(s, r.id)) {
		set_row(s, 24, V_NOT_BLOCKED, "fork bomb: cgroup bpfence/%s left behind", r.id);
		return;
	}
	snprintf(fork_text, sizeof(fork_text), "fork bomb under pids.max 32 killed at the 3 s "
		 "timeout: exit 124, cgroup bpfence/%s emptied and removed", r.id);

	snprintf(out, sizeof(out), "%s/membomb.out", s->tmp);
	if (run_attack(s, "10", mem_extra, mem_args, out, &r))
		return;
	if (r.status == EXIT_BPFENCE && strstr(r.first_err, "memory"))
		set_row(s, 24, V_REFUSED, "%s; the memory bomb was not tried: the cgroup v2 memory "
			"controller is not available: %s", fork_text, r.first_err);
	else if ((r.status != 128 + SIGKILL && r.status != EXIT_TIMEOUT) ||
		 r.memory_max != 64LL << 20)
		set_row(s, 24, V_NOT_BLOCKED, "%s; memory bomb: bpfence run exited %d (expected 137 "
			"or 124), memory_max %lld%s%s", fork_text, r.status,
			r.memory_max, r.first_err[0] ? ": " : "", r.first_err);
	else if (cgroup_left(s, r.id))
		set_row(s, 24, V_NOT_BLOCKED, "%s; memory bomb: cgroup bpfence/%s left behind",
			fork_text, r.id);
	else
		set_row(s, 24, V_BLOCKED, "%s; memory bomb under memory.max 64M %s: exit %d, cgroup "
			"bpfence/%s removed", fork_text, r.status == EXIT_TIMEOUT ?
			"killed at the 10 s timeout" : "OOM-killed", r.status, r.id);
}

/* 29: FLOOD_N denials; the per-invocation counters must say exactly that. */
static void flood_row(struct selftest *s)
{
	static const char *const args[] = { "flood", "5000", NULL };
	char out[PATH_MAX + 16];
	struct run_result r;
	long long file, total;

	snprintf(out, sizeof(out), "%s/flood.out", s->tmp);
	if (run_attack(s, ATTACK_TIMEOUT, NULL, args, out, &r))
		return;
	file = r.summary ? r.denied_file : -1;
	total = r.summary ? r.denied_all : -1;
	if (r.status == 0 && file == FLOOD_N && total == FLOOD_N)
		set_row(s, 29, V_BLOCKED, "%d denied opens: the invocation's counters say file %lld "
			"and nothing else; decisions never wait on events", FLOOD_N, file);
	else
		set_row(s, 29, V_NOT_BLOCKED, "%d denied opens: bpfence run exited %d, counters file "
			"%lld, all classes %lld", FLOOD_N, r.status, file, total);
}

/*
 * 30: race a policy update. A cgroup tagged with the self-test policy (A) holds a process that
 * opens the granted file and the secret in a loop while this process swaps the policy between A
 * and B (B grants the granted file by its own rule instead of its directory) with
 * policy_swap(), as `bpfence tag --replace` does. The granted file must never be denied and the
 * secret never opened.
 */
#define SWAP_ROUNDS 20

static void swap_row(struct selftest *s)
{
	char cg[PATH_MAX + 64], pb[PATH_MAX + 16], text[PATH_MAX + 64], why[WHY_MAX],
		err[POLICY_ERR_MAX], id_str[BPFENCE_ID_MAX];
	struct policy_vars vars = { s->src, s->scratch };
	struct policy a = {}, b = {};
	struct bpfence_maps m;
	int done[2], sync[2], swaps = 0, status = 0, e;
	unsigned int bad[2] = { 0, 0 }, loops = 0;
	bool installed = false, tagged = false;
	pid_t child = -1;
	__u64 id;

	snprintf(pb, sizeof(pb), "%s/swap-b.policy", s->tmp);
	snprintf(text, sizeof(text), "[policy]\nname = selftest-b\n\n[files]\nread = %s\n"
		 "exec = %s\n", s->granted, s->attack);
	if (write_file(pb, text, 0600) || policy_parse_file(s->policy, &a, err, sizeof(err)) ||
	    policy_parse_file(pb, &b, err, sizeof(err))) {
		set_row(s, 30, V_NOT_BLOCKED, "setup: the two policies: %s", err);
		goto out_policies;
	}
	if (bpfence_maps_open(&m, why, sizeof(why))) {
		set_row(s, 30, V_NOT_BLOCKED, "setup: %s", why);
		goto out_policies;
	}
	snprintf(cg, sizeof(cg), "%s/bpfence-selftest-swap-%d", s->cgroot, (int)getpid());
	if (mkdir(cg, 0755) || cgroup_id(cg, &id) || invocation_id_new(id_str)) {
		set_row(s, 30, V_NOT_BLOCKED, "setup: cgroup %s: %s", cg, strerror(errno));
		goto out_maps;
	}
	e = policy_install(&m, id, id_str, &a, &vars, NULL, why, sizeof(why));
	installed = !e;
	if (!e)
		e = tag_cgroup(&m, id, id, 0);
	tagged = !e;
	if (e || pipe2(done, O_CLOEXEC) || pipe2(sync, O_CLOEXEC)) {
		set_row(s, 30, V_NOT_BLOCKED, "setup: tagging %s: %s", cg, e ? why : strerror(errno));
		goto out_cgroup;
	}
	fflush(NULL);
	child = fork();
	if (child == 0) {
		unsigned int res[3] = { 0, 0, 0 };
		char pid[16];
		int fd;

		close(done[1]);
		close(sync[0]);
		prctl(PR_SET_NAME, "row30", 0, 0, 0); /* its denials name the row, like the attacker's */
		snprintf(pid, sizeof(pid), "%d", (int)getpid());
		if (cgroup_write(cg, "cgroup.procs", pid))
			_exit(2);
		if (write(sync[1], "r", 1) != 1)
			_exit(2);
		/* Until the parent closes `done`: probe both files. */
		for (;;) {
			struct pollfd pf = { .fd = done[0], .events = POLLIN };

			fd = open(s->granted, O_RDONLY | O_CLOEXEC);
			if (fd < 0)
				res[0]++;
			else
				close(fd);
			fd = open(s->secret, O_RDONLY | O_CLOEXEC);
			if (fd >= 0 || errno != EACCES)
				res[1]++;
			if (fd >= 0)
				close(fd);
			res[2]++;
			if (poll(&pf, 1, 0) > 0)
				break;
		}
		if (write(sync[1], res, sizeof(res)) != sizeof(res))
			_exit(2);
		_exit(0);
	}
	close(done[0]);
	close(sync[1]);
	{
		char c;

		if (child < 0 || read(sync[0], &c, 1) != 1) {
			set_row(s, 30, V_NOT_BLOCKED, "setup: the probing process did not start");
			close(done[1]);
			close(sync[0]);
			goto out_child;
		}
	}
	for (swaps = 0; swaps < SWAP_ROUNDS; swaps++)
		if (policy_swap(&m, id, swaps % 2 ? &a : &b, &vars, NULL, why, sizeof(why)))
			break;
	close(done[1]);
	{
		unsigned int res[3];

		if (read(sync[0], res, sizeof(res)) == sizeof(res)) {
			bad[0] = res[0];
			bad[1] = res[1];
			loops = res[2];
		} else {
			status = -1;
		}
	}
	close(sync[0]);
	if (swaps < SWAP_ROUNDS)
		set_row(s, 30, V_NOT_BLOCKED, "swap %d failed: %s", swaps + 1, why);
	else if (status || !loops)
		set_row(s, 30, V_NOT_BLOCKED, "the probing process reported nothing");
	else if (bad[0] || bad[1])
		set_row(s, 30, V_NOT_BLOCKED, "during %d policy swaps: the granted file was denied "
			"%u times, the secret opened or failed otherwise %u times", swaps, bad[0],
			bad[1]);
	else
		set_row(s, 30, V_BLOCKED, "%d atomic policy swaps (bpfence tag --replace) raced %u "
			"open pairs inside the tagged cgroup: the file both policies grant was never "
			"denied, the secret neither grants was never opened (EACCES every time)",
			swaps, loops);
out_child:
	if (child > 0) {
		kill(child, SIGKILL);
		waitpid(child, NULL, 0);
	}
out_cgroup:
	if (tagged)
		untag_cgroup(&m, id);
	if (installed)
		policy_uninstall(&m, id);
	cgroup_remove(cg);
out_maps:
	bpfence_maps_close(&m);
out_policies:
	policy_free(&a);
	policy_free(&b);
}

static void outside_rows(struct selftest *s)
{
	int l = bpfence_loaded();

	if (l == 1)
		set_row(s, 28, V_BLOCKED, "every link and map is still pinned under "
			BPFENCE_PIN_DIR "/links and /maps after the bpfence run processes exited: "
			"enforcement outlives the loader");
	else
		set_row(s, 28, V_NOT_BLOCKED, "pins under " BPFENCE_PIN_DIR " are %s",
			l ? "incomplete" : "gone");
	set_row(s, 31, V_BLOCKED, "bpfence refuses with 125 when the kernel cannot enforce; the live "
		"canary runs in every invocation (this kernel passed the probe and every run here "
		"passed the canary)");
}

static int report(struct selftest *s)
{
	struct json_writer w;
	int n[4] = {};

	if (s->json) {
		jsonw_init(&w, stdout);
		jsonw_pretty(&w, true);
		jsonw_start_array(&w);
	}
	for (int row = 1; row <= ROWS; row++) {
		enum verdict v = s->v[row] ? s->v[row] : V_NOT_BLOCKED;
		const char *d = s->detail[row] ? s->detail[row] : "not checked";

		n[v]++;
		if (s->json) {
			jsonw_start_object(&w);
			jsonw_int_field(&w, "row", row);
			jsonw_string_field(&w, "result", verdict_json[v]);
			jsonw_string_field(&w, "detail", d);
			jsonw_end_object(&w);
		} else {
			printf("row %d: %s (%s)\n", row, verdict_text[v], TEXT(d));
		}
	}
	if (s->json)
		jsonw_end_array(&w);
	else
		printf("selftest: %d rows: %d blocked, %d refused, %d NOT BLOCKED\n", ROWS,
		       n[V_BLOCKED], n[V_REFUSED], n[V_NOT_BLOCKED]);
	return n[V_NOT_BLOCKED] ? 1 : 0;
}

int cmd_selftest(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "json", no_argument, NULL, 'j' },
		{ "keep", no_argument, NULL, 'k' },
		{ "debug", no_argument, NULL, 'd' },
		{},
	};
	struct selftest s = { .broker_fd = -1, .tcp_fd = -1, .abstract_fd = -1, .dgram_fd = -1,
			      .fdsend_fd = -1 };
	struct bpfence_maps maps;
	sigset_t mask, old, pending;
	int c, status = EXIT_BPFENCE;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
		switch (c) {
		case 'h':
			fputs(selftest_help, stdout);
			return 0;
		case 'j':
			cli.json = s.json = true;
			break;
		case 'k':
			s.keep = true;
			break;
		case 'd':
			cli.debug = true;
			break;
		default:
			bpfence_report("usage", "unknown option '%s' (see bpfence selftest --help)",
				       argv[optind - 1]);
			return EXIT_USAGE;
		}
	}
	if (optind < argc) {
		bpfence_report("usage",
			       "selftest takes no arguments (see bpfence selftest --help)");
		return EXIT_USAGE;
	}
	s.json = cli.json;
	if (ensure_enforcing(&maps))
		return EXIT_BPFENCE;
	release_load_lock(); /* the runs below take it themselves */
	bpfence_maps_close(&maps);

	/* Interrupts reach the runs (which tear down on their own); this process finishes its
	 * cleanup first and then reports the interrupt. */
	sigemptyset(&mask);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGHUP);
	if (sigprocmask(SIG_BLOCK, &mask, &old)) {
		bpfence_report("selftest", "cannot block signals: %s", strerror(errno));
		return EXIT_BPFENCE;
	}

	if (prepare(&s))
		goto out;
	attack_rows(&s);
	sigpending(&pending);
	if (!sigismember(&pending, SIGINT) && !sigismember(&pending, SIGTERM))
		bomb_row(&s);
	sigpending(&pending);
	if (!sigismember(&pending, SIGINT) && !sigismember(&pending, SIGTERM))
		flood_row(&s);
	sigpending(&pending);
	if (!sigismember(&pending, SIGINT) && !sigismember(&pending, SIGTERM))
		swap_row(&s);
	outside_rows(&s);
	sigpending(&pending);
	if (sigismember(&pending, SIGINT) || sigismember(&pending, SIGTERM) ||
	    sigismember(&pending, SIGHUP)) {
		bpfence_report("selftest", "interrupted");
		status = EXIT_SIGNAL + (sigismember(&pending, SIGINT) ? SIGINT :
					sigismember(&pending, SIGTERM) ? SIGTERM : SIGHUP);
		goto out;
	}
	status = report(&s);
out:
	cleanup(&s);
	fflush(NULL);
	sigprocmask(SIG_SETMASK, &old, NULL);
	return status;
}
