// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests for bpfenced's socket, without a socket: the configuration's parser
 * (loader/service_config.c: defaults, every key, each fault as "FILE:LINE:COL: why") and the
 * authorisation of a request (loader/request.c) against it, driven with hostile input. Every
 * accepted request is checked by the whole command line it gives the worker, every refused one
 * by the reason it gives.
 *
 *   test_request POLICIES_DIR
 *
 * POLICIES_DIR holds function.policy (the repository's policies/); it is copied into a
 * temporary directory which the configurations written here name as [policies] dir.
 * Prints one line per failed check and a final "N passed, N failed"; exits 1 on any failure.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "request.h"
#include "service_config.h"

#define BPFENCE "/usr/sbin/bpfence"

static char tmp[] = "/tmp/bpfence-test-request.XXXXXX";
static char conf[PATH_MAX], poldir[PATH_MAX], polfile[PATH_MAX], other[PATH_MAX];

/* The peer of most cases: an ordinary runner in the group function is allowed to. */
static const struct request_peer runner = { .pid = 4321, .uid = 1000, .gid = 4242 };
static const struct request_peer root = { .pid = 1, .uid = 0, .gid = 0 };

static bool write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "we");
	bool ok;

	if (!f)
		return false;
	ok = fputs(text, f) >= 0;
	return !fclose(f) && ok;
}

static bool copy_file(const char *from, const char *to)
{
	char buf[65536];
	FILE *in = fopen(from, "re");
	size_t len;
	bool ok;

	if (!in)
		return false;
	len = fread(buf, 1, sizeof(buf) - 1, in);
	ok = !ferror(in) && feof(in);
	fclose(in);
	buf[len] = 0;
	return ok && write_file(to, buf);
}

/* Write text as the configuration file and read it (must_exist): load's return. */
static int load(const char *text, struct service_config *c, char *why, size_t n)
{
	why[0] = 0;
	if (!write_file(conf, text)) {
		snprintf(why, n, "cannot write %s: %s", conf, strerror(errno));
		memset(c, 0, sizeof(*c));
		return -2;
	}
	return service_config_load(conf, true, c, why, n);
}

/* The configuration of most cases: function for group 4242, denied for 5555 only, missing
 * listed but without its file; other.policy exists but is not listed. */
static bool base_config(struct service_config *c, const char *extra)
{
	char text[PATH_MAX + 1024], why[512];

	snprintf(text, sizeof(text),
		 "[policies]\n"
		 "dir = %s\n"
		 "function = 4242\n"
		 "denied = 5555\n"
		 "missing = 4242\n"
		 "%s",
		 poldir, extra);
	return CHECK(load(text, c, why, sizeof(why)) == 0, "base configuration: %s", why);
}

/* ------------------------------------------------------------------------------------------ */
/* The configuration */

static void test_config_defaults(void)
{
	struct service_config c;
	char why[512] = "", missing[PATH_MAX + 32];

	snprintf(missing, sizeof(missing), "%s/no-such.conf", tmp);
	CHECK(service_config_load(missing, false, &c, why, sizeof(why)) == 0,
	      "a missing file is the defaults: %s", why);
	CHECK(!strcmp(c.file, ""), "file '%s'", c.file);
	CHECK(!strcmp(c.socket, SERVICE_SOCKET), "socket '%s'", c.socket);
	CHECK(!strcmp(c.group, "bpfence"), "group '%s'", c.group);
	CHECK(!strcmp(c.policy_dir, SERVICE_POLICY_DIR), "policy_dir '%s'", c.policy_dir);
	CHECK(c.npolicies == 0 && c.nusers == 0, "no policy, no user: %zu %zu", c.npolicies,
	      c.nusers);
	CHECK(c.timeout_ms == 300000, "timeout %lld", c.timeout_ms);
	CHECK(c.sandbox_timeout_ms == 3600000, "sandbox_timeout %lld", c.sandbox_timeout_ms);
	CHECK(c.memory_max == 1ULL << 30, "memory_max %llu", c.memory_max);
	CHECK(c.pids_max == 1024, "pids_max %llu", c.pids_max);
	CHECK(c.disk_max == 1ULL << 30, "disk_max %llu", c.disk_max);
	CHECK(c.disk_inodes == 65536, "disk_inodes %llu", c.disk_inodes);
	CHECK(c.requests_per_uid == 64 && c.sandboxes_per_uid == 4 && c.connections == 64,
	      "counts %u %u %u", c.requests_per_uid, c.sandboxes_per_uid, c.connections);
	service_config_free(&c);

	why[0] = 0;
	CHECK(service_config_load(missing, true, &c, why, sizeof(why)) == -1,
	      "a missing file that must exist is an error");
	CHECK(strstr(why, missing) && strstr(why, strerror(ENOENT)), "why: %s", why);

	/* An empty file: the defaults, and the file named. */
	CHECK(load("", &c, why, sizeof(why)) == 0, "empty file: %s", why);
	CHECK(!strcmp(c.file, conf) && c.timeout_ms == 300000 && !c.npolicies, "empty file: %s",
	      c.file);
	service_config_free(&c);
}

static void test_config_keys(void)
{
	struct service_config c;
	char why[512];
	const char *text =
		"# bpfenced.conf of the test\n"
		"\n"
		"[socket]\n"
		"path = /run/test/b.sock   # a comment after a blank\n"
		"group = wheel#1 # '#' starts a comment only at a line's start or after a blank\n"
		"[policies]\n"
		"dir = /srv/policies\n"
		"function = 4242 root\n"
		"\topen\t=\t*\n"
		"mixed = 77 * 78\n"
		"[users]\n"
		"1000 = 2000:3000\n"
		"root = root\n"
		"* = 65534\n"
		"[limits]\n"
		"timeout = 60\n"
		"sandbox_timeout = 120\n"
		"memory_max = 512M\n"
		"pids_max = 64\n"
		"disk_max = 2G\n"
		"disk_inodes = 1000\n"
		"requests_per_uid = 8\n"
		"sandboxes_per_uid = 0\n"
		"connections = 4096\n"
		"[policies]\n"
		"late = 5\n";

	if (!CHECK(load(text, &c, why, sizeof(why)) == 0, "every key: %s", why))
		return;
	CHECK(!strcmp(c.socket, "/run/test/b.sock"), "socket '%s'", c.socket);
	CHECK(!strcmp(c.group, "wheel#1"), "group '%s'", c.group);
	CHECK(!strcmp(c.policy_dir, "/srv/policies"), "dir '%s'", c.policy_dir);
	CHECK(c.npolicies == 4, "policies %zu", c.npolicies);
	if (c.npolicies == 4) {
		const struct service_policy *p = c.policies;

		/* groups by number and by name */
		CHECK(!strcmp(p[0].name, "function") && !p[0].anyone && p[0].ngids == 2 &&
			      p[0].gids[0] == 4242 && p[0].gids[1] == 0,
		      "function: %s %d %zu", p[0].name, p[0].anyone, p[0].ngids);
		CHECK(!strcmp(p[1].name, "open") && p[1].anyone && p[1].ngids == 0,
		      "open: %s %d %zu", p[1].name, p[1].anyone, p[1].ngids);
		CHECK(!strcmp(p[2].name, "mixed") && p[2].anyone && p[2].ngids == 2 &&
			      p[2].gids[0] == 77 && p[2].gids[1] == 78,
		      "mixed: %s %d %zu", p[2].name, p[2].anyone, p[2].ngids);
		/* a section that appears again continues */
		CHECK(!strcmp(p[3].name, "late") && p[3].ngids == 1 && p[3].gids[0] == 5,
		      "late: %s", p[3].name);
	}
	CHECK(c.nusers == 3, "users %zu", c.nusers);
	if (c.nusers == 3) {
		const struct service_user *u = c.users;

		CHECK(!u[0].any && u[0].caller == 1000 && u[0].uid == 2000 && u[0].gid == 3000,
		      "1000: %u %u:%u", u[0].caller, u[0].uid, u[0].gid);
		CHECK(!u[1].any && u[1].caller == 0 && u[1].uid == 0 && u[1].gid == 0,
		      "root for root: %u %u:%u", u[1].caller, u[1].uid, u[1].gid);
		/* a uid without a group: the same number */
		CHECK(u[2].any && u[2].uid == 65534 && u[2].gid == 65534, "*: %d %u:%u", u[2].any,
		      u[2].uid, u[2].gid);
	}
	CHECK(c.timeout_ms == 60000, "timeout %lld", c.timeout_ms);
	CHECK(c.sandbox_timeout_ms == 120000, "sandbox_timeout %lld", c.sandbox_timeout_ms);
	CHECK(c.memory_max == 512ULL << 20, "memory_max %llu", c.memory_max);
	CHECK(c.pids_max == 64, "pids_max %llu", c.pids_max);
	CHECK(c.disk_max == 2ULL << 30, "disk_max %llu", c.disk_max);
	CHECK(c.disk_inodes == 1000, "disk_inodes %llu", c.disk_inodes);
	CHECK(c.requests_per_uid == 8 && c.sandboxes_per_uid == 0 && c.connections == 4096,
	      "counts %u %u %u", c.requests_per_uid, c.sandboxes_per_uid, c.connections);
	service_config_free(&c);
	CHECK(!c.policies && !c.users && !c.npolicies && !c.nusers, "freed");

	/* memory_max = 0: no cap */
	CHECK(load("[limits]\nmemory_max = 0\n", &c, why, sizeof(why)) == 0 && c.memory_max == 0,
	      "memory_max 0: %s", why);
	service_config_free(&c);

	/* a socket path of 99 bytes: the longest */
	{
		char text[256], path[100];

		memset(path, 'x', sizeof(path) - 1);
		path[0] = '/';
		path[sizeof(path) - 1] = 0;
		snprintf(text, sizeof(text), "[socket]\npath = %s\n", path);
		CHECK(load(text, &c, why, sizeof(why)) == 0 && !strcmp(c.socket, path),
		      "a 99-byte socket path: %s", why);
		service_config_free(&c);
	}

	/* bpfenced.conf(5) names a policy or a caller listed twice as errors, not a [limits] key:
	 * a repeated one is the last. */
	CHECK(load("[limits]\ntimeout = 10\ntimeout = 20\n", &c, why, sizeof(why)) == 0 &&
		      c.timeout_ms == 20000,
	      "a repeated limit: %s %lld", why, c.timeout_ms);
	service_config_free(&c);
}

static void test_config_errors(void)
{
	/* Each file and its one message after "FILE:". */
	static const struct {
		int line;
		const char *text, *want;
	} cases[] = {
#define E(text, want) { __LINE__, text, want }
		E("[limits]\nbogus = 1\n", "2:1: unknown key 'bogus' in [limits]"),
		/* the column is the key's, wherever the line starts it */
		E("[limits]\n  bogus = 1\n", "2:3: unknown key 'bogus' in [limits]"),
		E("[socket]\nmode = 0600\n", "2:1: unknown key 'mode' in [socket]"),
		E("[nope]\n", "1:2: unknown section [nope] (socket, policies, users, limits)"),
		E("[limits]\n[Limits]\n",
		  "2:2: unknown section [Limits] (socket, policies, users, limits)"),
		E("[limits\n", "1:1: expected [section]"),
		E("[limits] x\n", "1:1: expected [section]"),
		E("timeout = 5\n", "1:1: 'timeout' outside a [section]"),
		E("[limits]\ntimeout\n", "2:1: expected key = value"),
		E("[limits]\n= 5\n", "2:1: expected a key before '='"),
		E("[limits]\ntimeout =\n", "2:10: 'timeout' needs a value"),
		E("[limits]\ntimeout = # none\n", "2:10: 'timeout' needs a value"),
		E("[limits]\ntime out = 5\n", "2:5: bad character in key 'time out'"),
		/* bad numbers */
		E("[limits]\ntimeout = ten\n",
		  "2:11: bad timeout 'ten' (a number from 1 to 31536000)"),
		E("[limits]\ntimeout = -5\n",
		  "2:11: bad timeout '-5' (a number from 1 to 31536000)"),
		E("[limits]\ntimeout = 1.5\n",
		  "2:11: bad timeout '1.5' (a number from 1 to 31536000)"),
		E("[limits]\ntimeout = 0x10\n",
		  "2:11: bad timeout '0x10' (a number from 1 to 31536000)"),
		E("[limits]\ntimeout = 5s\n",
		  "2:11: bad timeout '5s' (a number from 1 to 31536000)"),
		E("[limits]\ntimeout = 18446744073709551616\n",
		  "2:11: bad timeout '18446744073709551616' (a number from 1 to 31536000)"),
		E("[limits]\npids_max = 1K\n",
		  "2:12: bad pids_max '1K' (a number from 1 to 4194304)"),
		/* out of range */
		E("[limits]\ntimeout = 0\n", "2:11: bad timeout '0' (a number from 1 to 31536000)"),
		E("[limits]\ntimeout = 31536001\n",
		  "2:11: bad timeout '31536001' (a number from 1 to 31536000)"),
		E("[limits]\nsandbox_timeout = 0\n",
		  "2:19: bad sandbox_timeout '0' (a number from 1 to 31536000)"),
		E("[limits]\npids_max = 4194305\n",
		  "2:12: bad pids_max '4194305' (a number from 1 to 4194304)"),
		E("[limits]\nmemory_max = 1025T\n",
		  "2:14: bad memory_max '1025T' (a size from 0 to 1125899906842624)"),
		E("[limits]\ndisk_max = 1023K\n",
		  "2:12: bad disk_max '1023K' (a size from 1048576 to 1125899906842624)"),
		E("[limits]\ndisk_inodes = 63\n",
		  "2:15: bad disk_inodes '63' (a number from 64 to 4294967295)"),
		E("[limits]\nrequests_per_uid = 0\n",
		  "2:20: bad requests_per_uid '0' (a number from 1 to 4096)"),
		E("[limits]\nsandboxes_per_uid = 4097\n",
		  "2:21: bad sandboxes_per_uid '4097' (a number from 0 to 4096)"),
		E("[limits]\nconnections = 0\n",
		  "2:15: bad connections '0' (a number from 1 to 4096)"),
		/* [policies] */
		E("[policies]\nfunction = 4242\nfunction = 4243\n",
		  "3:1: policy 'function' listed twice"),
		E("[policies]\nfunction = 4242\n  function = 4243\n",
		  "3:3: policy 'function' listed twice"),
		E("[policies]\nfunction = no-such-group-xyz\n",
		  "2:12: no such group 'no-such-group-xyz'"),
		E("[policies]\nfunction = 4242 no-such-group-xyz\n",
		  "2:17: no such group 'no-such-group-xyz'"),
		/* (gid_t)-1 is "no change", never a group */
		E("[policies]\nfunction = 4294967295\n", "2:12: no such group '4294967295'"),
		E("[policies]\nfunction = -1\n", "2:12: no such group '-1'"),
		/* a policy naming no group: its value is empty once the comment is gone */
		E("[policies]\nfunction = # nobody\n", "2:11: 'function' needs a value"),
		E("[policies]\n.hidden = 4242\n", "2:1: bad policy name '.hidden'"),
		E("[policies]\nfunc/x = 4242\n", "2:5: bad character in key 'func/x'"),
		E("[policies]\n* = 4242\n", "2:1: bad character in key '*'"),
		E("[policies]\n"
		  "x123456789012345678901234567890123456789012345678901234567890123 = 1\n",
		  "2:1: bad policy name "
		  "'x123456789012345678901234567890123456789012345678901234567890123'"),
		E("[policies]\ndir = policies\n", "2:7: dir must be absolute"),
		E("[policies]\nf = 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22 23 24 "
		  "25 "
		  "26 27 28 29 30 31 32 33\n",
		  "2:92: more than 32 groups"),
		/* [users] */
		E("[users]\n1000 = 2000\n1000 = 2001\n", "3:1: caller '1000' listed twice"),
		E("[users]\n* = 2000\n* = 2001\n", "3:1: caller '*' listed twice"),
		E("[users]\n* = 2000\n\t* = 2001\n", "3:2: caller '*' listed twice"),
		E("[users]\n  no-such-user-xyz = 2000\n", "2:3: no such user 'no-such-user-xyz'"),
		E("[policies]\n .hidden = 4242\n", "2:2: bad policy name '.hidden'"),
		E("[users]\nno-such-user-xyz = 2000\n", "2:1: no such user 'no-such-user-xyz'"),
		E("[users]\n1000 = no-such-user-xyz\n",
		  "2:8: no such user or group 'no-such-user-xyz'"),
		E("[users]\n1000 = 2000:no-such-group-xyz\n",
		  "2:8: no such user or group '2000:no-such-group-xyz'"),
		E("[users]\n1000 = root\n",
		  "2:8: 'root' is root: functions run as root only for root"),
		E("[users]\n1000 = 0:4242\n",
		  "2:8: '0:4242' is root: functions run as root only for root"),
		E("[users]\n* = 0\n", "2:5: '0' is root: functions run as root only for root"),
		/* [socket] */
		E("[socket]\npath = run/b.sock\n",
		  "2:8: path must be absolute and shorter than 100"),
		/* 100 bytes */
		E("[socket]\npath = /run/"
		  "012345678901234567890123456789012345678901234567890123456789012345678901234567"
		  "890123456789.sock\n",
		  "2:8: path must be absolute and shorter than 100"),
		E("[socket]\ngroup = "
		  "g123456789012345678901234567890123456789012345678901234567890123\n",
		  "2:9: group name too long"),
#undef E
	};
	char why[512], want[PATH_MAX + 256];
	struct service_config c;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int r = load(cases[i].text, &c, why, sizeof(why));

		snprintf(want, sizeof(want), "%s:%s", conf, cases[i].want);
		check(r == -1 && !strcmp(why, want), cases[i].line, "refused",
		      "returned %d\n  got:  %s\n  want: %s", r, why, want);
		/* refused as a whole: nothing of it kept */
		check(!c.policies && !c.users, cases[i].line, "freed", "a refusal keeps nothing");
		service_config_free(&c);
	}

	/* A line past 4095 bytes. */
	{
		size_t len = 5000;
		char *text = malloc(len + 16);

		if (!CHECK(text, "malloc"))
			return;
		memcpy(text, "[limits]\n", 9);
		memset(text + 9, '#', len);
		strcpy(text + 9 + len, "\n");
		snprintf(want, sizeof(want), "%s:2:", conf);
		CHECK(load(text, &c, why, sizeof(why)) == -1 && !strncmp(why, want, strlen(want)) &&
			      strstr(why, "line too long"),
		      "a long line: %s", why);
		service_config_free(&c);
		free(text);
	}
}

/* ------------------------------------------------------------------------------------------ */
/* Requests */

static size_t argc_of(const struct request *req)
{
	size_t n = 0;

	while (req->argv && req->argv[n])
		n++;
	return n;
}

static void print_argv(const struct request *req)
{
	printf("  got: ");
	for (size_t i = 0; req->argv && req->argv[i]; i++)
		printf(" '%s'", req->argv[i]);
	putchar('\n');
}

/* The worker's command line is exactly want (NULL-terminated). */
static bool argv_is(int line, const struct request *req, const char *const *want)
{
	size_t i;

	for (i = 0; want[i]; i++)
		if (!req->argv || !req->argv[i] || strcmp(req->argv[i], want[i]))
			break;
	if (!check(!want[i] && req->argv && !req->argv[i], line, "argv_is",
		   "argument %zu: got '%s', want '%s'", i,
		   req->argv && i < argc_of(req) ? req->argv[i] : "(end)",
		   want[i] ? want[i] : "(end)")) {
		print_argv(req);
		return false;
	}
	return true;
}

/* Accepted, with exactly want as its command line. */
static bool accepts(int line, const struct service_config *c, const struct request_peer *p,
		    const char *text, size_t nfds, struct request *req, const char *const *want)
{
	char why[512] = "";
	int r = request_authorize(c, p, text, nfds, BPFENCE, req, why, sizeof(why));

	if (!check(r == 0, line, "accepted", "refused: %s\n  request: %s", why, text))
		return false;
	return argv_is(line, req, want);
}

#define ACCEPTS(c, p, text, nfds, req, ...)                                                        \
	accepts(__LINE__, c, p, text, nfds, req, (const char *const[]){ __VA_ARGS__, NULL })

/* Refused, with want in the reason (one line). */
static void refuses(int line, const struct service_config *c, const struct request_peer *p,
		    const char *text, size_t nfds, const char *want)
{
	struct request req;
	char why[512] = "";
	int r = request_authorize(c, p, text, nfds, BPFENCE, &req, why, sizeof(why));

	if (check(r == -1, line, "refused", "accepted: %s", text))
		check(strstr(why, want) && !strchr(why, '\n'), line, "why",
		      "reason '%s', want '%s'\n  request: %s", why, want, text);
	else
		print_argv(&req);
	request_free(&req);
}

#define REFUSES(c, p, text, nfds, want) refuses(__LINE__, c, p, text, nfds, want)

#define REQ(op) "{\"version\": 1, \"op\": \"" op "\""
#define RUN REQ("run") ", \"policy\": \"function\", \"argv\": [\"true\"]"
#define PREFIX BPFENCE, "--caller", "1000", "--answer-fd", "3"
#define CAPS "--pids-max", "1024", "--memory-max", "1073741824"

static void test_run(void)
{
	struct service_config c;
	struct request req;
	char why[512] = "";

	if (!base_config(&c, ""))
		return;

	/* The plain run: the mapping (the caller's own uid and primary gid), every cap. */
	ACCEPTS(&c, &runner, RUN "}", 0, &req, PREFIX, "run", "--policy", polfile, "--user",
		"1000:4242", CAPS, "--timeout", "300.000", "--", "true");
	CHECK(req.op == REQ_RUN && !strcmp(req.policy, "function") && req.run_uid == 1000 &&
		      !req.creates_sandbox && req.sandbox[0] == 0,
	      "run: op %d policy '%s' uid %u", req.op, req.policy, req.run_uid);
	for (int i = 0; i < RFD_MAX; i++)
		CHECK(req.fd[i] == -1, "fd %d: %d", i, req.fd[i]);
	request_free(&req);
	CHECK(!req.argv, "request_free clears argv");

	/* Everything a run may say; what looks like options in its argv stays after "--". */
	ACCEPTS(&c, &runner,
		"{\"version\":1,\"op\":\"run\",\"policy\":\"function\",\"user\":\"1000:4242\","
		"\"json\":true,\"fds\":[\"stdin\",\"stdout\",\"stderr\",\"cwd\",\"source\"],"
		"\"env\":[\"A=1\",\"B=x=y\",\"C=\"],\"timeout_ms\":1500,\"pids_max\":10,"
		"\"memory_max\":2097152,\"disk_max\":1048576,\"disk_inodes\":64,"
		"\"argv\":[\"python3\",\"--policy\",\"/etc/shadow\",\"--user\",\"0\",\"--\",\"\"]}",
		5, &req, PREFIX, "--json", "run", "--policy", polfile, "--user", "1000:4242",
		"--source-fd", "4", "--pids-max", "10", "--memory-max", "2097152", "--disk-max",
		"1048576", "--disk-inodes", "64", "--timeout", "1.500", "--env", "A=1", "--env",
		"B=x=y", "--env", "C=", "--", "python3", "--policy", "/etc/shadow", "--user", "0",
		"--", "");
	CHECK(req.fd[RFD_STDIN] == 0 && req.fd[RFD_STDOUT] == 1 && req.fd[RFD_STDERR] == 2 &&
		      req.fd[RFD_CWD] == 3 && req.fd[RFD_SOURCE] == 4,
	      "fds %d %d %d %d %d", req.fd[0], req.fd[1], req.fd[2], req.fd[3], req.fd[4]);
	request_free(&req);

	/* fds in any order; json false; the limits at their caps; the user by uid alone (its
	 * group is the mapping's); the policy's name written with escapes. */
	ACCEPTS(&c, &runner,
		"{\"fds\":[\"stderr\",\"stdin\"],\"json\":false,\"user\":\"1000\","
		"\"pol\\u0069cy\":\"fun\\u0063tion\",\"timeout_ms\":300000,\"pids_max\":1024,"
		"\"memory_max\":1073741824,\"disk_max\":1073741824,\"disk_inodes\":65536,"
		"\"argv\":[\"caf\\u00e9\"],\"version\":1,\"op\":\"run\"}",
		2, &req, PREFIX, "run", "--policy", polfile, "--user", "1000:4242", CAPS,
		"--disk-max", "1073741824", "--disk-inodes", "65536", "--timeout", "300.000", "--",
		"caf\xe9");
	CHECK(req.fd[RFD_STDERR] == 0 && req.fd[RFD_STDIN] == 1 && req.fd[RFD_STDOUT] == -1,
	      "fds %d %d %d", req.fd[0], req.fd[1], req.fd[2]);
	request_free(&req);

	/* Whitespace around the object and between tokens; the smallest limits. */
	ACCEPTS(&c, &runner,
		" \t{ \"version\" : 1 ,\n\"op\":\"run\", \"policy\":\"function\",\n"
		"\"timeout_ms\": 1,"
		"\"pids_max\":1,\"memory_max\":1048576,\"argv\":[ \"a\" , \"b\" ] }\r\n",
		0, &req, PREFIX, "run", "--policy", polfile, "--user", "1000:4242", "--pids-max",
		"1", "--memory-max", "1048576", "--timeout", "0.001", "--", "a", "b");
	request_free(&req);

	/* A supplementary group grants the policy; --user keeps the primary gid. */
	{
		struct request_peer p = { .pid = 7, .uid = 1000, .gid = 5555, .ngroups = 2,
					  .groups = { 7, 4242 } };

		ACCEPTS(&c, &p, RUN "}", 0, &req, PREFIX, "run", "--policy", polfile, "--user",
			"1000:5555", CAPS, "--timeout", "300.000", "--", "true");
		request_free(&req);
		p.ngroups = 1; /* 4242 is there, past ngroups */
		REFUSES(&c, &p, RUN "}", 0, "policy 'function': not allowed for uid 1000");
	}

	/* Root: any policy of the directory, listed or not; as root, or as the user it names
	 * when that is root. */
	ACCEPTS(&c, &root, RUN "}", 0, &req, BPFENCE, "--caller", "0", "--answer-fd", "3", "run",
		"--policy", polfile, CAPS, "--timeout", "300.000", "--", "true");
	CHECK(req.run_uid == 0, "root runs as root: %u", req.run_uid);
	request_free(&req);
	ACCEPTS(&c, &root, RUN ",\"user\":\"root\"}", 0, &req, BPFENCE, "--caller", "0",
		"--answer-fd", "3", "run", "--policy", polfile, "--user", "0:0", CAPS, "--timeout",
		"300.000", "--", "true");
	request_free(&req);
	ACCEPTS(&c, &root, RUN ",\"user\":\"0:0\"}", 0, &req, BPFENCE, "--caller", "0",
		"--answer-fd", "3", "run", "--policy", polfile, "--user", "0:0", CAPS, "--timeout",
		"300.000", "--", "true");
	request_free(&req);
	ACCEPTS(&c, &root,
		REQ("run") ",\"policy\":\"other\",\"argv\":[\"true\"]}", 0, &req, BPFENCE,
		"--caller", "0", "--answer-fd", "3", "run", "--policy", other, CAPS, "--timeout",
		"300.000", "--", "true");
	request_free(&req);
	REFUSES(&c, &root, REQ("run") ",\"policy\":\"missing\",\"argv\":[\"true\"]}", 0,
		"policy 'missing': no such policy");
	REFUSES(&c, &root, REQ("run") ",\"policy\":\"../function\",\"argv\":[\"true\"]}", 0,
		"policies are named, not files");
	REFUSES(&c, &root, RUN ",\"user\":\"1000\"}", 0, "functions of uid 0 run as 0:0");
	REFUSES(&c, &root, RUN ",\"user\":\"0:5\"}", 0, "functions of uid 0 run as 0:0");

	/* Exactly REQUEST_ARGV_MAX arguments and REQUEST_ENV_MAX entries, with every option:
	 * the worker's command line still fits. */
	{
		size_t len = 64 * 1024, off;
		char *text = malloc(len);

		if (!CHECK(text, "malloc"))
			goto out;
		off = (size_t)snprintf(text, len,
				       "{\"version\":1,\"op\":\"run\",\"policy\":\"function\","
				       "\"user\":\"1000\",\"json\":true,\"fds\":[\"source\"],"
				       "\"timeout_ms\":5,\"pids_max\":5,\"memory_max\":2097152,"
				       "\"disk_max\":2097152,\"disk_inodes\":100,\"env\":[");
		for (int i = 0; i < REQUEST_ENV_MAX; i++)
			off += (size_t)snprintf(text + off, len - off, "%s\"E%d=%d\"", i ? "," : "",
						i, i);
		off += (size_t)snprintf(text + off, len - off, "],\"argv\":[");
		for (int i = 0; i < REQUEST_ARGV_MAX; i++)
			off += (size_t)snprintf(text + off, len - off, "%s\"%d\"", i ? "," : "", i);
		snprintf(text + off, len - off, "]}");
		if (CHECK(request_authorize(&c, &runner, text, 1, BPFENCE, &req, why,
					    sizeof(why)) == 0,
			  "the largest run: %s", why)) {
			size_t n = argc_of(&req), first = 23 + 2 * REQUEST_ENV_MAX + 1;

			CHECK(n == first + REQUEST_ARGV_MAX, "%zu arguments", n);
			CHECK(n == first + REQUEST_ARGV_MAX && !strcmp(req.argv[first - 1], "--") &&
				      !strcmp(req.argv[first], "0") &&
				      !strcmp(req.argv[n - 1], "4095") &&
				      !strcmp(req.argv[first - 2], "E63=63"),
			      "the largest run's command line");
		}
		request_free(&req);
		free(text);
	}
out:
	service_config_free(&c);
}

/* Refused for the runner under the base configuration, each with its reason. */
static void test_refusals(void)
{
	static const struct {
		int line;
		const char *text;
		size_t nfds;
		const char *want;
	} cases[] = {
#define R(text, nfds, want) { __LINE__, text, nfds, want }
		/* not JSON, or not one object */
		R("", 0, "malformed request: column 1: expected a JSON object"),
		R("hello", 0, "malformed request: column 1: expected a JSON object"),
		R("[1]", 0, "expected a JSON object"),
		R("\"run\"", 0, "expected a JSON object"),
		R("null", 0, "expected a JSON object"),
		R("{", 0, "malformed request: column 2: expected a member name"),
		R("{\"version\":1,}", 0, "expected a member name"),
		R("{'version':1}", 0, "expected a member name"),
		R("{\"version\" 1}", 0, "expected ':'"),
		R("{\"version\":1 \"op\":\"run\"}", 0, "expected ',' or '}'"),
		R(RUN "} x", 0, "text after the object"),
		R(RUN "}{}", 0, "text after the object"),
		R(RUN "}\n" RUN "}", 0, "text after the object"),
		R(RUN, 0, "malformed request"),
		R("{\"version\":01,\"op\":\"ls\"}", 0, "malformed request"),
		R("{\"version\":1,\"op\":\"ls\",\"json\":tru}", 0, "bad literal"),
		R("{\"version\":1,\"op\":\"ls\",\"json\":[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]}",
		  0, "nested too deeply"),
		R(REQ("run") ",\"policy\":\"function\",\"argv\":[\"a\nb\"]}", 0,
		  "control character in string"),
		R(REQ("run") ",\"policy\":\"function\",\"argv\":[\"\\u12\"]}", 0, "bad \\u escape"),
		R(REQ("run") ",\"policy\":\"function\",\"argv\":[\"\\ud800\"]}", 0,
		  "unpaired surrogate"),
		R(REQ("run") ",\"policy\":\"function\",\"argv\":[\"\\x41\"]}", 0,
		  "bad escape in string"),
		/* A NUL byte would cut a C string short ("function\0/../x" is "function"): never
		 * decoded, in a value, an array, a key or a nested value. */
		R(REQ("run") ",\"policy\":\"function\",\"argv\":[\"a\\u0000b\"]}", 0,
		  "NUL byte in string"),
		R(REQ("run") ",\"policy\":\"function\\u0000/../../etc/x\",\"argv\":[\"true\"]}", 0,
		  "NUL byte in string"),
		R(REQ("run") ",\"policy\":\"function\",\"user\":\"0\\u0000\",\"argv\":[\"true\"]}",
		  0,
		  "NUL byte in string"),
		R(RUN ",\"env\":[\"A=\\u0000\"]}", 0, "NUL byte in string"),
		R(RUN ",\"pol\\u0000icy\":\"x\"}", 0, "NUL byte in string"),
		R(REQ("run\\u0000") "}", 0, "NUL byte in string"),
		R(REQ("ls") ",\"json\":{\"a\":\"\\u0000\"}}", 0, "NUL byte in string"),
		/* members: unknown, twice (whatever the values, whichever the escapes), the wrong
		 * type, not for this op */
		R(RUN ",\"foo\":1}", 0, "unknown member 'foo'"),
		R(RUN ",\"Policy\":\"function\"}", 0, "unknown member 'Policy'"),
		R(RUN ",\"audit\":true}", 0, "unknown member 'audit'"),
		R(RUN ",\"scratch\":\"/tmp\"}", 0, "unknown member 'scratch'"),
		R(RUN ",\"no_seccomp\":true}", 0, "unknown member 'no_seccomp'"),
		R(RUN ",\"policy\":\"function\"}", 0, "'policy' given twice"),
		R(RUN ",\"pol\\u0069cy\":\"../x\"}", 0, "'policy' given twice"),
		R(RUN ",\"op\":\"run\"}", 0, "'op' given twice"),
		R(RUN ",\"version\":1}", 0, "'version' given twice"),
		R(RUN ",\"argv\":[\"true\"]}", 0, "'argv' given twice"),
		R(RUN ",\"fds\":[],\"fds\":[]}", 0, "'fds' given twice"),
		R(RUN ",\"timeout_ms\":\"10\"}", 0, "'timeout_ms' must be a whole number"),
		R(RUN ",\"timeout_ms\":null}", 0, "'timeout_ms' must be a whole number"),
		R(RUN ",\"timeout_ms\":true}", 0, "'timeout_ms' must be a whole number"),
		R(RUN ",\"timeout_ms\":[1]}", 0, "'timeout_ms' must be a whole number"),
		R(RUN ",\"user\":1000}", 0, "a member has the wrong type"),
		R(RUN ",\"user\":null}", 0, "a member has the wrong type"),
		R(RUN ",\"json\":\"yes\"}", 0, "a member has the wrong type"),
		R(RUN ",\"json\":1}", 0, "a member has the wrong type"),
		R(RUN ",\"json\":null}", 0, "a member has the wrong type"),
		R(REQ("run") ",\"policy\":7,\"argv\":[\"true\"]}", 0, "'policy' is missing"),
		R(REQ("run") ",\"policy\":[\"function\"],\"argv\":[\"true\"]}", 0,
		  "'policy' is missing"),
		R(REQ("run") ",\"policy\":\"function\",\"argv\":\"true\"}", 0,
		  "'argv' must be an array of at most 4096 strings"),
		R(REQ("run") ",\"policy\":\"function\",\"argv\":[1]}", 0,
		  "'argv' must be an array of at most 4096 strings"),
		R(REQ("run") ",\"policy\":\"function\",\"argv\":[[\"x\"]]}", 0,
		  "'argv' must be an array of at most 4096 strings"),
		R(REQ("run") ",\"policy\":\"function\",\"argv\":{\"0\":\"x\"}}", 0,
		  "'argv' must be an array of at most 4096 strings"),
		R(REQ("run") ",\"policy\":\"function\",\"argv\":[\"a\",null]}", 0,
		  "'argv' must be an array of at most 4096 strings"),
		R(RUN ",\"env\":\"A=1\"}", 0, "'env' must be an array of at most 64 strings"),
		R(RUN ",\"fds\":\"stdin\"}", 1, "'fds' must be an array of at most 5 names"),
		R(RUN ",\"fds\":[0]}", 1, "'fds' must be an array of at most 5 names"),
		R(RUN ",\"name\":\"x\"}", 0, "'name' does not apply to run"),
		R(RUN ",\"sandbox\":\"x\"}", 0, "'sandbox' does not apply to run"),
		R(RUN ",\"path\":\"x\"}", 0, "'path' does not apply to run"),
		R(RUN ",\"max\":1}", 0, "'max' does not apply to run"),
		R(RUN ",\"workdir\":\"/\"}", 0, "'workdir' does not apply to run"),
		R(RUN ",\"idle_timeout_ms\":5}", 0, "'idle_timeout_ms' does not apply to run"),
		R(REQ("ls") ",\"policy\":\"function\"}", 0, "'policy' does not apply to ls"),
		R(REQ("ls") ",\"sandbox\":\"box1\"}", 0, "'sandbox' does not apply to ls"),
		R(REQ("exec") ",\"sandbox\":\"box1\",\"argv\":[\"x\"],\"policy\":\"function\"}", 0,
		  "'policy' does not apply to exec"),
		R(REQ("exec") ",\"sandbox\":\"box1\",\"argv\":[\"x\"],\"user\":\"1000\"}", 0,
		  "'user' does not apply to exec"),
		R(REQ("exec") ",\"sandbox\":\"box1\",\"argv\":[\"x\"],\"pids_max\":1}", 0,
		  "'pids_max' does not apply to exec"),
		R(REQ("terminate") ",\"sandbox\":\"box1\",\"argv\":[\"x\"]}", 0,
		  "'argv' does not apply to terminate"),
		R(REQ("create") ",\"policy\":\"function\",\"argv\":[\"x\"]}", 0,
		  "'argv' does not apply to create"),
		R(REQ("cp-in") ",\"sandbox\":\"box1\",\"path\":\"f\",\"env\":[]}", 0,
		  "'env' does not apply to cp-in"),
		/* op and version */
		R("{\"version\":1,\"op\":\"shell\"}", 0, "'op' must be one of run, create, exec"),
		R("{\"version\":1,\"op\":\"RUN\"}", 0, "'op' must be one of"),
		R("{\"version\":1,\"op\":\"\"}", 0, "'op' must be one of"),
		R("{\"version\":1,\"op\":\"tag\"}", 0, "'op' must be one of"),
		R("{\"version\":1,\"op\":\"load\"}", 0, "'op' must be one of"),
		R("{\"version\":1,\"op\":1}", 0, "'op' must be one of"),
		R("{\"version\":1,\"op\":[\"run\"]}", 0, "'op' must be one of"),
		R("{\"version\":1}", 0, "'op' must be one of"),
		R("{}", 0, "'version' is missing (1)"),
		R("{\"op\":\"ls\"}", 0, "'version' is missing (1)"),
		R("{\"version\":2,\"op\":\"ls\"}", 0, "'version' 2 is outside 1..1"),
		R("{\"version\":0,\"op\":\"ls\"}", 0, "'version' 0 is outside 1..1"),
		R("{\"version\":\"1\",\"op\":\"ls\"}", 0, "'version' must be a whole number"),
		R("{\"version\":1.0,\"op\":\"ls\"}", 0, "'version' must be a whole number"),
		R("{\"version\":1e0,\"op\":\"ls\"}", 0, "'version' must be a whole number"),
		R("{\"version\":-1,\"op\":\"ls\"}", 0, "'version' must be a whole number"),
		R("{\"version\":null,\"op\":\"ls\"}", 0, "'version' must be a whole number"),
		/* the policy: a name the configuration allows, whose file is there */
#define POLICY(name) REQ("run") ",\"policy\":\"" name "\",\"argv\":[\"true\"]}"
		R(POLICY("a/b"), 0, "policy 'a/b': policies are named, not files"),
		R(POLICY("/etc/bpfence/policies/function"), 0, "policies are named, not files"),
		R(POLICY("../function"), 0, "policies are named, not files"),
		R(POLICY("..\\/function"), 0, "policies are named, not files"),
		R(POLICY("..\\u002ffunction"), 0, "policies are named, not files"),
		R(POLICY("function/"), 0, "policies are named, not files"),
		R(POLICY(".."), 0, "policy '..': not a policy name"),
		R(POLICY("."), 0, "policy '.': not a policy name"),
		R(POLICY(""), 0, "policy '': not a policy name"),
		R(POLICY(".function"), 0, "not a policy name"),
		R(POLICY("func tion"), 0, "not a policy name"),
		R(POLICY("func\\ttion"), 0, "not a policy name"),
		R(POLICY("fun\\u00e7tion"), 0, "not a policy name"),
		R(POLICY("function*"), 0, "not a policy name"),
		R(POLICY("x123456789012345678901234567890123456789012345678901234567890123"), 0,
		  "not a policy name"),
		R(POLICY("FUNCTION"), 0,
		  "policy 'FUNCTION': not allowed for uid 1000 (bpfenced.conf [policies])"),
		R(POLICY("other"), 0, "policy 'other': not allowed for uid 1000"),
		R(POLICY("denied"), 0, "policy 'denied': not allowed for uid 1000"),
		R(POLICY("missing"), 0, "policy 'missing': no such policy"),
		/* the user: the mapped one; root never */
		R(RUN ",\"user\":\"1001\"}", 0,
		  "user '1001': functions of uid 1000 run as 1000:4242 (bpfenced.conf [users])"),
		R(RUN ",\"user\":\"1000:1000\"}", 0, "functions of uid 1000 run as 1000:4242"),
		R(RUN ",\"user\":\"1000:0\"}", 0, "functions of uid 1000 run as 1000:4242"),
		R(RUN ",\"user\":\"root\"}", 0,
		  "user 'root': uid 0 is never granted through the socket"),
		R(RUN ",\"user\":\"0\"}", 0, "user '0': uid 0 is never granted"),
		R(RUN ",\"user\":\"0:4242\"}", 0, "uid 0 is never granted"),
		R(RUN ",\"user\":\"root:4242\"}", 0, "uid 0 is never granted"),
		R(RUN ",\"user\":\"\"}", 0, "user '': no such user or group"),
		R(RUN ",\"user\":\"no-such-user-xyz\"}", 0, "no such user or group"),
		R(RUN ",\"user\":\"1000:no-such-group-xyz\"}", 0, "no such user or group"),
		R(RUN ",\"user\":\"-1\"}", 0, "no such user or group"),
		R(RUN ",\"user\":\"4294967295\"}", 0, "no such user or group"),
		R(RUN ",\"user\":\"4294968296\"}", 0, "no such user or group"),
		R(RUN ",\"user\":\" 1000\"}", 0, "no such user or group"),
		/* limits: within their bounds and caps, whole numbers */
		R(RUN ",\"timeout_ms\":300001}", 0,
		  "timeout_ms 300001 is above the cap 300000 (bpfenced.conf [limits])"),
		R(RUN ",\"timeout_ms\":31536000000}", 0, "timeout_ms 31536000000 is above the cap"),
		R(RUN ",\"timeout_ms\":31536000001}", 0,
		  "'timeout_ms' 31536000001 is outside 1..31536000000"),
		R(RUN ",\"timeout_ms\":0}", 0, "'timeout_ms' 0 is outside 1..31536000000"),
		R(RUN ",\"timeout_ms\":-1}", 0, "'timeout_ms' must be a whole number"),
		R(RUN ",\"timeout_ms\":-0}", 0, "'timeout_ms' must be a whole number"),
		R(RUN ",\"timeout_ms\":1.5}", 0, "'timeout_ms' must be a whole number"),
		R(RUN ",\"timeout_ms\":1e3}", 0, "'timeout_ms' must be a whole number"),
		R(RUN ",\"timeout_ms\":1e30}", 0, "'timeout_ms' must be a whole number"),
		R(RUN ",\"timeout_ms\":18446744073709551616}", 0,
		  "'timeout_ms' must be a whole number"),
		R(RUN ",\"timeout_ms\":18446744073709551615}", 0,
		  "'timeout_ms' 18446744073709551615"
								     " is outside 1..31536000000"),
		R(RUN ",\"memory_max\":1073741825}", 0,
		  "memory_max 1073741825 is above the cap 1073741824"),
		R(RUN ",\"memory_max\":1048575}", 0, "'memory_max' 1048575 is outside"),
		R(RUN ",\"memory_max\":0}", 0, "'memory_max' 0 is outside"),
		R(RUN ",\"memory_max\":-1048576}", 0, "'memory_max' must be a whole number"),
		R(RUN ",\"memory_max\":1e30}", 0, "'memory_max' must be a whole number"),
		R(RUN ",\"memory_max\":9223372036854775808}", 0,
		  "'memory_max' 9223372036854775808 is outside 1048576..9223372036854775807"),
		R(RUN ",\"memory_max\":18446744073709551616}", 0,
		  "'memory_max' must be a whole number"),
		R(RUN ",\"memory_max\":\"1G\"}", 0, "'memory_max' must be a whole number"),
		R(RUN ",\"pids_max\":1025}", 0, "pids_max 1025 is above the cap 1024"),
		R(RUN ",\"pids_max\":0}", 0, "'pids_max' 0 is outside"),
		R(RUN ",\"pids_max\":-5}", 0, "'pids_max' must be a whole number"),
		R(RUN ",\"pids_max\":18446744073709551616}", 0,
		  "'pids_max' must be a whole number"),
		R(RUN ",\"disk_max\":1073741825}", 0, "disk_max 1073741825 is above the cap"),
		R(RUN ",\"disk_max\":1048575}", 0, "'disk_max' 1048575 is outside"),
		R(RUN ",\"disk_inodes\":65537}", 0, "disk_inodes 65537 is above the cap 65536"),
		R(RUN ",\"disk_inodes\":63}", 0, "'disk_inodes' 63 is outside"),
		/* descriptors: known names, each once, as many as were passed, where they apply */
		R(RUN ",\"fds\":[\"stdin\",\"tty\"]}", 2, "'fds': unknown descriptor name 'tty'"),
		R(RUN ",\"fds\":[\"STDIN\"]}", 1, "unknown descriptor name 'STDIN'"),
		R(RUN ",\"fds\":[\"\"]}", 1, "unknown descriptor name ''"),
		R(RUN ",\"fds\":[\"stdout\",\"stdout\"]}", 2, "'fds': 'stdout' twice"),
		R(RUN ",\"fds\":[\"stdin\"]}", 0, "'fds' names 1 descriptors, 0 were passed"),
		R(RUN "}", 1, "'fds' names 0 descriptors, 1 were passed"),
		R(RUN ",\"fds\":[]}", 2, "'fds' names 0 descriptors, 2 were passed"),
		R(RUN ",\"fds\":[\"stdin\",\"stdout\"]}", 3,
		  "'fds' names 2 descriptors, 3 were passed"),
		R(RUN ",\"fds\":[\"stdin\",\"stdout\",\"stderr\",\"cwd\",\"source\",\"stdin\"]}", 6,
		  "'fds' must be an array of at most 5 names"),
		R(REQ("exec") ",\"sandbox\":\"box1\",\"argv\":[\"x\"],\"fds\":[\"cwd\"]}", 1,
		  "'fds': cwd does not apply to exec"),
		R(REQ("create") ",\"policy\":\"function\",\"fds\":[\"cwd\"]}", 1,
		  "'fds': cwd does not apply to create"),
		R(REQ("exec") ",\"sandbox\":\"box1\",\"argv\":[\"x\"],\"fds\":[\"source\"]}", 1,
		  "'fds': source does not apply to exec"),
		R(REQ("cp-in") ",\"sandbox\":\"box1\",\"path\":\"f\",\"fds\":[\"source\"]}", 1,
		  "'fds': source does not apply to cp-in"),
		R(REQ("ls") ",\"fds\":[\"cwd\"]}", 1, "'fds': cwd does not apply to ls"),
		/* argv and env */
		R(REQ("run") ",\"policy\":\"function\"}", 0, "'argv' is missing"),
		R(REQ("run") ",\"policy\":\"function\",\"argv\":[]}", 0, "'argv' is empty"),
		R(RUN ",\"env\":[\"FOO\"]}", 0, "'env' entry 'FOO' is not NAME=VALUE"),
		R(RUN ",\"env\":[\"=x\"]}", 0, "'env' entry '=x' is not NAME=VALUE"),
		R(RUN ",\"env\":[\"A=1\",\"\"]}", 0, "'env' entry '' is not NAME=VALUE"),
		/* sandboxes: an id or a valid name */
#define EXEC(sb) REQ("exec") ",\"sandbox\":\"" sb "\",\"argv\":[\"x\"]}"
		R(EXEC("-rf"), 0, "sandbox '-rf': not a sandbox id or name"),
		R(EXEC("--policy=/etc/shadow"), 0, "not a sandbox id or name"),
		R(EXEC("a/b"), 0, "not a sandbox id or name"),
		R(EXEC("../box1"), 0, "not a sandbox id or name"),
		R(EXEC(""), 0, "sandbox '': not a sandbox id or name"),
		R(EXEC("box:1"), 0, "not a sandbox id or name"),
		R(EXEC(".box"), 0, "not a sandbox id or name"),
		R(EXEC("sb-xyz"), 0, "not a sandbox id or name"),
		R(EXEC("sb-0123456789abcdef0123456"), 0, "not a sandbox id or name"),
		R(EXEC("sb-0123456789ABCDEF01234567"), 0, "not a sandbox id or name"),
		R(EXEC("b12345678901234567890123456789012345678901234567890123456789012345"), 0,
		  "not a sandbox id or name"),
		R(REQ("exec") ",\"argv\":[\"x\"]}", 0, "'sandbox' is missing"),
		R(REQ("exec") ",\"sandbox\":5,\"argv\":[\"x\"]}", 0, "'sandbox' is missing"),
		R(REQ("exec") ",\"sandbox\":\"box1\"}", 0, "'argv' is missing"),
		R(REQ("exec") ",\"sandbox\":\"box1\",\"argv\":[]}", 0, "'argv' is empty"),
		R(REQ("exec") ",\"sandbox\":\"box1\",\"argv\":[\"x\"],\"workdir\":5}", 0,
		  "a member has the wrong type"),
		R(REQ("exec") ",\"sandbox\":\"box1\",\"argv\":[\"x\"],\"timeout_ms\":300001}", 0,
		  "timeout_ms 300001 is above the cap 300000"),
		R(REQ("exec") ",\"sandbox\":\"box1\",\"argv\":[\"x\"],\"env\":[\"X\"]}", 0,
		  "'env' entry 'X' is not NAME=VALUE"),
		R(REQ("terminate") "}", 0, "'sandbox' is missing"),
		R(REQ("terminate") ",\"sandbox\":\"-x\"}", 0, "not a sandbox id or name"),
		R(REQ("cp-in") ",\"sandbox\":\"box1\"}", 0, "'path' is missing"),
		R(REQ("cp-out") ",\"sandbox\":\"box1\",\"path\":\"\"}", 0, "'path' is missing"),
		R(REQ("cp-out") ",\"sandbox\":\"box1\",\"path\":1}", 0, "'path' is missing"),
		R(REQ("cp-out") ",\"path\":\"f\"}", 0, "'sandbox' is missing"),
		R(REQ("cp-out") ",\"sandbox\":\"a/b\",\"path\":\"f\"}", 0,
		  "not a sandbox id or name"),
		R(REQ("cp-in") ",\"sandbox\":\"box1\",\"path\":\"f\",\"max\":0}", 0,
		  "'max' 0 is outside"),
		R(REQ("cp-in") ",\"sandbox\":\"box1\",\"path\":\"f\",\"max\":\"1M\"}", 0,
		  "'max' must be a whole number"),
		R(REQ("cp-in") ",\"sandbox\":\"box1\",\"path\":\"f\",\"max\":-1}", 0,
		  "'max' must be a whole number"),
		/* create */
		R(REQ("create") "}", 0, "'policy' is missing"),
		R(REQ("create") ",\"policy\":\"other\"}", 0, "not allowed for uid 1000"),
		R(REQ("create") ",\"policy\":\"function\",\"user\":\"root\"}", 0,
		  "uid 0 is never granted"),
		R(REQ("create") ",\"policy\":\"function\",\"timeout_ms\":3600001}", 0,
		  "timeout_ms 3600001 is above the cap 3600000"),
		R(REQ("create") ",\"policy\":\"function\",\"timeout_ms\":0}", 0,
		  "'timeout_ms' 0 is outside"),
		R(REQ("create") ",\"policy\":\"function\",\"idle_timeout_ms\":3600001}", 0,
		  "'idle_timeout_ms' 3600001 is outside 1..3600000"),
		R(REQ("create") ",\"policy\":\"function\",\"idle_timeout_ms\":0}", 0,
		  "'idle_timeout_ms' 0 is outside"),
		R(REQ("create") ",\"policy\":\"function\",\"idle_timeout_ms\":1e3}", 0,
		  "'idle_timeout_ms' must be a whole number"),
		R(REQ("create") ",\"policy\":\"function\",\"pids_max\":1025}", 0,
		  "pids_max 1025 is above the cap"),
		R(REQ("create") ",\"policy\":\"function\",\"name\":\"-x\"}", 0,
		  "name '-x': not a sandbox name"),
		R(REQ("create") ",\"policy\":\"function\",\"name\":\"\"}", 0,
		  "name '': not a sandbox name"),
		R(REQ("create") ",\"policy\":\"function\",\"name\":\"a/b\"}", 0,
		  "not a sandbox name"),
		R(REQ("create") ",\"policy\":\"function\","
				"\"name\":\"sb-0123456789abcdef01234567\"}",
		  0, "not a sandbox name"),
		R(REQ("create") ",\"policy\":\"function\",\"name\":7}", 0,
		  "a member has the wrong type"),
		R(REQ("create") ",\"policy\":\"function\",\"sandbox\":\"box1\"}", 0,
		  "'sandbox' does not apply to create"),
#undef EXEC
#undef POLICY
#undef R
	};
	struct service_config c;

	if (!base_config(&c, ""))
		return;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		refuses(cases[i].line, &c, &runner, cases[i].text, cases[i].nfds, cases[i].want);

	/* A member's name is quoted in the reason with its control bytes as '?': the reason stays
	 * one line (request.h), wherever it is printed. */
	{
		struct request req;
		char why[512] = "";

		CHECK(request_authorize(&c, &runner, RUN ",\"a\\nb\":1}", 0, BPFENCE, &req, why,
					sizeof(why)) == -1 &&
			      !strcmp(why, "unknown member 'a?b'"),
		      "a name with a newline: %s", why);
		request_free(&req);
	}

	/* More than REQUEST_ARGV_MAX arguments, more than REQUEST_ENV_MAX entries. */
	{
		size_t len = 64 * 1024, off;
		char *text = malloc(len);

		if (!CHECK(text, "malloc"))
			goto out;
		off = (size_t)snprintf(text, len, "%s", RUN ",\"env\":[");
		for (int i = 0; i <= REQUEST_ENV_MAX; i++)
			off += (size_t)snprintf(text + off, len - off, "%s\"E=%d\"", i ? "," : "",
						i);
		snprintf(text + off, len - off, "]}");
		REFUSES(&c, &runner, text, 0, "'env' must be an array of at most 64 strings");

		off = (size_t)snprintf(text, len, "%s",
				       REQ("run") ",\"policy\":\"function\",\"argv\":[");
		for (int i = 0; i <= REQUEST_ARGV_MAX; i++)
			off += (size_t)snprintf(text + off, len - off, "%s\"%d\"", i ? "," : "", i);
		snprintf(text + off, len - off, "]}");
		REFUSES(&c, &runner, text, 0, "'argv' must be an array of at most 4096 strings");
		free(text);
	}
out:
	service_config_free(&c);
}

/* [users] and [limits] as the administrator set them. */
static void test_mapping(void)
{
	struct service_config c;
	struct request req;
	struct request_peer other_runner = { .pid = 9, .uid = 1001, .gid = 4242 };

	if (!base_config(&c, "[users]\n"
			     "1000 = 2000:3000\n"
			     "* = 65534\n"
			     "[limits]\n"
			     "timeout = 10\n"
			     "memory_max = 0\n"
			     "pids_max = 7\n"
			     "disk_max = 4M\n"
			     "disk_inodes = 100\n"
			     "sandbox_timeout = 60\n"))
		return;
	/* the caller's line; a request may name its user, by uid or in full */
	ACCEPTS(&c, &runner, RUN "}", 0, &req, PREFIX, "run", "--policy", polfile, "--user",
		"2000:3000", "--pids-max", "7", "--timeout", "10.000", "--", "true");
	CHECK(req.run_uid == 2000, "run_uid %u", req.run_uid);
	request_free(&req);
	ACCEPTS(&c, &runner, RUN ",\"user\":\"2000:3000\"}", 0, &req, PREFIX, "run", "--policy",
		polfile, "--user", "2000:3000", "--pids-max", "7", "--timeout", "10.000", "--",
		"true");
	request_free(&req);
	ACCEPTS(&c, &runner, RUN ",\"user\":\"2000\"}", 0, &req, PREFIX, "run", "--policy",
		polfile, "--user", "2000:3000", "--pids-max", "7", "--timeout", "10.000", "--",
		"true");
	request_free(&req);
	REFUSES(&c, &runner, RUN ",\"user\":\"1000\"}", 0,
		"user '1000': functions of uid 1000 run as 2000:3000");
	REFUSES(&c, &runner, RUN ",\"user\":\"2000:2000\"}", 0, "run as 2000:3000");
	REFUSES(&c, &runner, RUN ",\"user\":\"65534\"}", 0, "run as 2000:3000");
	/* memory_max 0: no cap, and no default; the disk caps hold */
	ACCEPTS(&c, &runner, RUN ",\"memory_max\":1099511627776,\"disk_max\":4194304}", 0, &req,
		PREFIX, "run", "--policy", polfile, "--user", "2000:3000", "--pids-max", "7",
		"--memory-max", "1099511627776", "--disk-max", "4194304", "--timeout", "10.000",
		"--", "true");
	request_free(&req);
	REFUSES(&c, &runner, RUN ",\"disk_max\":4194305}", 0, "disk_max 4194305 is above the cap");
	REFUSES(&c, &runner, RUN ",\"disk_inodes\":101}", 0, "disk_inodes 101 is above the cap");
	REFUSES(&c, &runner, RUN ",\"timeout_ms\":10001}", 0,
		"timeout_ms 10001 is above the cap 10000");
	REFUSES(&c, &runner, RUN ",\"pids_max\":8}", 0, "pids_max 8 is above the cap 7");

	/* a caller without a line of its own: the "*" line */
	ACCEPTS(&c, &other_runner, RUN "}", 0, &req, BPFENCE, "--caller", "1001", "--answer-fd",
		"3", "run", "--policy", polfile, "--user", "65534:65534", "--pids-max", "7",
		"--timeout", "10.000", "--", "true");
	request_free(&req);
	/* root too: "*" is every caller without a line of its own */
	ACCEPTS(&c, &root, RUN "}", 0, &req, BPFENCE, "--caller", "0", "--answer-fd", "3", "run",
		"--policy", polfile, "--user", "65534:65534", "--pids-max", "7", "--timeout",
		"10.000", "--", "true");
	request_free(&req);
	REFUSES(&c, &root, RUN ",\"user\":\"root\"}", 0, "functions of uid 0 run as 65534:65534");

	/* create: the sandbox cap (60 s) below create's own default (300 s) */
	ACCEPTS(&c, &runner, REQ("create") ",\"policy\":\"function\"}", 0, &req, PREFIX, "sandbox",
		"create", "--policy", polfile, "--user", "2000:3000", "--pids-max", "7",
		"--timeout", "60.000");
	CHECK(req.creates_sandbox && req.run_uid == 2000, "create: %d %u", req.creates_sandbox,
	      req.run_uid);
	request_free(&req);
	REFUSES(&c, &runner, REQ("create") ",\"policy\":\"function\",\"timeout_ms\":60001}", 0,
		"timeout_ms 60001 is above the cap 60000");
	REFUSES(&c, &runner, REQ("create") ",\"policy\":\"function\",\"idle_timeout_ms\":60001}",
		0, "'idle_timeout_ms' 60001 is outside 1..60000");
	/* exec: the run cap */
	ACCEPTS(&c, &runner, REQ("exec") ",\"sandbox\":\"box1\",\"argv\":[\"ls\"]}", 0, &req,
		PREFIX, "sandbox", "exec", "--timeout", "10.000",
		"box1", "--", "ls");
	request_free(&req);
	service_config_free(&c);
}

/* The sandbox operations' command lines. */
static void test_sandbox_ops(void)
{
	struct service_config c;
	struct request req;
	const char *id = "sb-0123456789abcdef01234567";

	if (!base_config(&c, ""))
		return;
	/* create without a timeout: sandbox create's default, 300 s, under the 3600 s cap */
	ACCEPTS(&c, &runner, REQ("create") ",\"policy\":\"function\"}", 0, &req, PREFIX, "sandbox",
		"create", "--policy", polfile, "--user", "1000:4242", CAPS, "--timeout", "300.000");
	CHECK(req.op == REQ_CREATE && req.creates_sandbox && !strcmp(req.policy, "function") &&
		      req.sandbox[0] == 0,
	      "create: op %d creates %d sandbox '%s'", req.op, req.creates_sandbox, req.sandbox);
	request_free(&req);
	ACCEPTS(&c, &runner,
		REQ("create") ",\"policy\":\"function\",\"name\":\"box1\",\"timeout_ms\":3600000,"
			      "\"idle_timeout_ms\":30500,\"json\":true,"
			      "\"fds\":[\"source\",\"stderr\"],"
			      "\"disk_max\":2097152}",
		2, &req, PREFIX, "--json", "sandbox", "create", "--policy", polfile, "--user",
		"1000:4242", "--source-fd", "4", CAPS, "--disk-max", "2097152", "--timeout",
		"3600.000", "--idle-timeout", "30.500", "--name", "box1");
	CHECK(req.creates_sandbox && !strcmp(req.sandbox, "box1") && req.fd[RFD_SOURCE] == 0 &&
		      req.fd[RFD_STDERR] == 1,
	      "create box1: sandbox '%s' fds %d %d", req.sandbox, req.fd[RFD_SOURCE],
	      req.fd[RFD_STDERR]);
	request_free(&req);

	/* exec, by name and by id */
	ACCEPTS(&c, &runner,
		REQ("exec") ",\"sandbox\":\"box1\",\"argv\":[\"ls\",\"-l\",\"--\"],"
			    "\"env\":[\"A=1\"],\"workdir\":\"sub/dir\",\"timeout_ms\":2000,"
			    "\"fds\":[\"stdout\",\"stdin\"]}",
		2, &req, PREFIX, "sandbox", "exec", "--timeout", "2.000", "--env", "A=1",
		"--workdir", "sub/dir", "box1", "--", "ls", "-l", "--");
	CHECK(req.op == REQ_EXEC && !req.creates_sandbox && !strcmp(req.sandbox, "box1") &&
		      req.policy[0] == 0 && req.fd[RFD_STDOUT] == 0 && req.fd[RFD_STDIN] == 1,
	      "exec: op %d sandbox '%s'", req.op, req.sandbox);
	request_free(&req);
	ACCEPTS(&c, &runner, REQ("exec") ",\"sandbox\":\"sb-0123456789abcdef01234567\","
					 "\"argv\":[\"true\"]}",
		0, &req, PREFIX, "sandbox", "exec", "--timeout", "300.000", id, "--", "true");
	CHECK(!strcmp(req.sandbox, id), "exec by id: '%s'", req.sandbox);
	request_free(&req);

	/* cp-in reads stdin, cp-out writes stdout */
	ACCEPTS(&c, &runner,
		REQ("cp-in") ",\"sandbox\":\"box1\",\"path\":\"in/f.txt\",\"max\":1024,"
			     "\"fds\":[\"stdin\"]}",
		1, &req, PREFIX, "sandbox", "cp", "--max-size", "1024", "-", "box1:in/f.txt");
	CHECK(req.op == REQ_CP_IN && !strcmp(req.sandbox, "box1"), "cp-in: %d '%s'", req.op,
	      req.sandbox);
	request_free(&req);
	ACCEPTS(&c, &runner, REQ("cp-out") ",\"sandbox\":\"box1\",\"path\":\"out.txt\"}", 0, &req,
		PREFIX, "sandbox", "cp", "box1:out.txt", "-");
	CHECK(req.op == REQ_CP_OUT, "cp-out: %d", req.op);
	request_free(&req);
	/* a path that leaves the scratch is sandbox cp's to refuse (openat2 RESOLVE_BENEATH): it
	 * stays one argument behind the sandbox's name */
	ACCEPTS(&c, &runner,
		REQ("cp-out") ",\"sandbox\":\"box1\",\"path\":\"../../etc/shadow\",\"json\":true}",
		0, &req, PREFIX, "--json", "sandbox", "cp", "box1:../../etc/shadow", "-");
	request_free(&req);

	ACCEPTS(&c, &runner, REQ("ls") ",\"fds\":[\"stdout\"]}", 1, &req, PREFIX, "sandbox", "ls");
	CHECK(req.op == REQ_LS && req.policy[0] == 0 && req.sandbox[0] == 0, "ls: %d", req.op);
	request_free(&req);
	ACCEPTS(&c, &runner, REQ("terminate") ",\"sandbox\":\"box1\"}", 0, &req, PREFIX, "sandbox",
		"terminate", "box1");
	CHECK(req.op == REQ_TERMINATE && !strcmp(req.sandbox, "box1"), "terminate: %d '%s'",
	      req.op, req.sandbox);
	request_free(&req);
	ACCEPTS(&c, &root, REQ("terminate") ",\"sandbox\":\"sb-0123456789abcdef01234567\"}", 0,
		&req, BPFENCE, "--caller", "0", "--answer-fd", "3", "sandbox", "terminate", id);
	request_free(&req);
	service_config_free(&c);
}

int main(int argc, char **argv)
{
	char from[PATH_MAX + 32], path[PATH_MAX + 32];

	if (argc != 2) {
		fprintf(stderr, "usage: test_request POLICIES_DIR\n");
		return 2;
	}
	if (!CHECK(mkdtemp(tmp) != NULL, "mkdtemp: %s", strerror(errno)))
		return check_summary();
	snprintf(conf, sizeof(conf), "%s/bpfenced.conf", tmp);
	snprintf(poldir, sizeof(poldir), "%s/policies", tmp);
	snprintf(polfile, sizeof(polfile), "%s/function.policy", poldir);
	snprintf(other, sizeof(other), "%s/other.policy", poldir);
	snprintf(path, sizeof(path), "%s/denied.policy", poldir);
	snprintf(from, sizeof(from), "%s/function.policy", argv[1]);
	if (CHECK(!mkdir(poldir, 0755), "mkdir %s: %s", poldir, strerror(errno)) &&
	    CHECK(copy_file(from, polfile) && copy_file(from, other) && copy_file(from, path),
		  "copy %s: %s", from, strerror(errno))) {
		test_config_defaults();
		test_config_keys();
		test_config_errors();
		test_run();
		test_refusals();
		test_mapping();
		test_sandbox_ops();
	}
	unlink(path);
	unlink(other);
	unlink(polfile);
	rmdir(poldir);
	unlink(conf);
	rmdir(tmp);
	return check_summary();
}
