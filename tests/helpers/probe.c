/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * probe: perform exactly one action and report its exact outcome on one line of stdout.
 *
 * The in-VM tests run the same probe inside a bpfence invocation and outside it (the negative
 * control), so the output has to pin down what happened rather than just "it failed":
 *
 *   ok [DETAIL]        the action succeeded                                    (exit 0)
 *   ERRNAME STEP       the first failing syscall, e.g. "EPERM connect"         (exit 1)
 *   usage on stderr    the command line was wrong                              (exit 2)
 *
 * Only the errno of the FIRST failing call is reported: later calls (cleanup) never overwrite it.
 * The probe also avoids syscalls the action does not need (no name resolution, no /dev/null, no
 * locale or config files), so a denial can only come from the step being probed. It needs libc
 * and nothing else; link it statically if the policy under test would deny the loader's reads.
 */
#define _GNU_SOURCE

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <mqueue.h>
#include <sys/ioctl.h>
#include <sys/ipc.h>
#include <sys/msg.h>
#include <sys/sem.h>
#include <sys/shm.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/xattr.h>
#include <sched.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/un.h>
#include <sys/wait.h>

#include <linux/bpf.h>
#include <linux/io_uring.h>

#ifndef IPPROTO_MPTCP
#define IPPROTO_MPTCP 262
#endif

/* Long enough for loopback and a VM's virtual NIC, short enough that a blackholed address does
 * not stall the suite for the kernel's ~2 minute SYN retry budget. */
#define CONNECT_TIMEOUT_MS 3000

/* Cap for "read": keeps an accidental /dev/zero from spinning forever. */
#define READ_CAP (64u << 20)

/* First-line detail printed by "read"; keeps the output a single, short line. */
#define LINE_MAX_CHARS 80

/* Concurrent connections the listen server keeps open (further ones are accepted and closed). */
#define LISTEN_MAX_CONNS 64

static const char payload[] = "probe";
#define PAYLOAD_LEN (sizeof(payload) - 1)

#include "errnames.h"

/* ---- reporting ---------------------------------------------------------------------------- */

static int fail_err(int err, const char *step)
{
	printf("%s %s\n", errno_name(err), step);
	return 1;
}

/* Report @step as failed with the current errno. Call it straight after the failing call, before
 * anything else can clobber errno. Returns the exit status so callers can "return fail(...)". */
static int fail(const char *step)
{
	return fail_err(errno, step);
}

/* A call "succeeded" but moved fewer bytes than asked, or read back the wrong data. There is no
 * errno for that, and hiding it as ok would be wrong, so it is reported as EIO on that step. */
static int fail_short(const char *step)
{
	return fail_err(EIO, step);
}

static int ok(void)
{
	puts("ok");
	return 0;
}

static int __attribute__((format(printf, 1, 2))) okf(const char *fmt, ...)
{
	va_list ap;

	fputs("ok ", stdout);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	return 0;
}

static void usage(FILE *f);

static void __attribute__((noreturn, format(printf, 1, 2))) usage_error(const char *fmt, ...)
{
	va_list ap;

	fputs("probe: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs("\n\n", stderr);
	usage(stderr);
	exit(2);
}

/* ---- argument parsing --------------------------------------------------------------------- */

static unsigned long long parse_ull(const char *s, int base, unsigned long long max,
				    const char *what)
{
	unsigned long long v;
	char *end;

	/* strtoull quietly accepts leading blanks and negates "-1"; a probe argument is exact. */
	if (s[0] < '0' || s[0] > '9')
		usage_error("bad %s '%s'", what, s);
	errno = 0;
	v = strtoull(s, &end, base);
	if (errno || *end || v > max)
		usage_error("bad %s '%s'", what, s);
	return v;
}

static struct timespec parse_seconds(const char *s)
{
	struct timespec ts;
	char *end;
	double v;

	if (s[0] < '0' || s[0] > '9')
		usage_error("bad seconds '%s'", s);
	errno = 0;
	v = strtod(s, &end);
	if (errno || *end || v > 1e8)
		usage_error("bad seconds '%s'", s);
	ts.tv_sec = (time_t)v;
	ts.tv_nsec = (long)((v - (double)ts.tv_sec) * 1e9);
	return ts;
}

struct addr {
	union {
		struct sockaddr sa;
		struct sockaddr_in in;
		struct sockaddr_in6 in6;
		struct sockaddr_un un;
		struct sockaddr_storage ss;
	};
	socklen_t len;
};

/* Numeric literals only: resolving names could open /etc files or sockets that the policy under
 * test denies, which would be a failure the probe did not mean to test. An IPv6 literal may carry
 * brackets and a numeric scope ("[fe80::1%2]"). */
static void parse_inet(const char *host, const char *port, struct addr *a)
{
	char buf[INET6_ADDRSTRLEN + 16];
	size_t n = strlen(host);
	uint16_t p = (uint16_t)parse_ull(port, 10, 65535, "port");
	char *pct;

	memset(a, 0, sizeof(*a));
	if (inet_pton(AF_INET, host, &a->in.sin_addr) == 1) {
		a->in.sin_family = AF_INET;
		a->in.sin_port = htons(p);
		a->len = sizeof(a->in);
		return;
	}
	if (n >= 2 && host[0] == '[' && host[n - 1] == ']') {
		host++;
		n -= 2;
	}
	if (n >= sizeof(buf))
		usage_error("bad address '%s'", host);
	memcpy(buf, host, n);
	buf[n] = '\0';
	pct = strchr(buf, '%');
	if (pct) {
		*pct = '\0';
		a->in6.sin6_scope_id = (uint32_t)parse_ull(pct + 1, 10, UINT32_MAX, "scope id");
	}
	if (inet_pton(AF_INET6, buf, &a->in6.sin6_addr) != 1)
		usage_error("bad address '%s' (numeric IPv4 or IPv6 only)", host);
	a->in6.sin6_family = AF_INET6;
	a->in6.sin6_port = htons(p);
	a->len = sizeof(a->in6);
}

/* "@name" is an abstract name: leading NUL, no terminator, and the address length is part of the
 * name, so it must be exactly offsetof(sun_path) + 1 + strlen(name) to hit the same socket as
 * other tools (and the policy's broker entry). */
static void parse_unix(const char *path, struct addr *a)
{
	size_t n = strlen(path);

	memset(a, 0, sizeof(*a));
	a->un.sun_family = AF_UNIX;
	if (path[0] == '@') {
		n--;
		if (n > sizeof(a->un.sun_path) - 1)
			usage_error("abstract name too long '%s'", path);
		memcpy(a->un.sun_path + 1, path + 1, n);
		a->len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + n);
	} else {
		if (n == 0 || n >= sizeof(a->un.sun_path))
			usage_error("bad unix socket path '%s'", path);
		memcpy(a->un.sun_path, path, n + 1);
		a->len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n + 1);
	}
}

struct name_val {
	const char *name;
	int val;
};

static int lookup(const struct name_val *t, const char *s, const char *what)
{
	for (; t->name; t++)
		if (!strcmp(t->name, s))
			return t->val;
	return (int)parse_ull(s, 0, INT_MAX, what);
}

static const struct name_val families[] = {
	{ "unspec", AF_UNSPEC },
	{ "unix", AF_UNIX },
	{ "local", AF_UNIX },
	{ "inet", AF_INET },
	{ "inet6", AF_INET6 },
	{ "netlink", AF_NETLINK },
	{ "packet", AF_PACKET },
	{ "vsock", AF_VSOCK },
	{ "xdp", AF_XDP },
	{ "alg", AF_ALG },
	{ "key", AF_KEY },
	{ "bluetooth", AF_BLUETOOTH },
	{ "can", AF_CAN },
	{ "tipc", AF_TIPC },
	{ "rds", AF_RDS },
	{ "smc", AF_SMC },
	{ "qipcrtr", AF_QIPCRTR },
#ifdef AF_MCTP
	{ "mctp", AF_MCTP },
#endif
	{ NULL, 0 },
};

static const struct name_val sock_types[] = {
	{ "stream", SOCK_STREAM },
	{ "dgram", SOCK_DGRAM },
	{ "raw", SOCK_RAW },
	{ "seqpacket", SOCK_SEQPACKET },
	{ "rdm", SOCK_RDM },
	{ NULL, 0 },
};

static const struct name_val protocols[] = {
	{ "tcp", IPPROTO_TCP },
	{ "udp", IPPROTO_UDP },
	{ "icmp", IPPROTO_ICMP },
	{ "icmpv6", IPPROTO_ICMPV6 },
	{ "mptcp", IPPROTO_MPTCP },
	{ "sctp", IPPROTO_SCTP },
	{ "udplite", IPPROTO_UDPLITE },
	{ "raw", IPPROTO_RAW },
	{ NULL, 0 },
};

/* ---- small helpers ------------------------------------------------------------------------ */

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void sleep_ts(struct timespec ts)
{
	/* Restart with the remainder: a stray signal must not shorten a timed sleep. */
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* Returns 0 or the exit status of an already reported failure. A zero-length write is still
 * issued once, so the kernel's write path (and its hooks) always runs. */
static int write_all(int fd, const char *buf, size_t len, const char *step)
{
	do {
		ssize_t n = write(fd, buf, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return fail(step);
		}
		if (n == 0 && len)
			return fail_short(step);
		buf += n;
		len -= (size_t)n;
	} while (len);
	return 0;
}

/* Reads until @len bytes or EOF; returns the count, or -1 with errno set. */
static ssize_t read_full(int fd, char *buf, size_t len)
{
	size_t got = 0;

	while (got < len) {
		ssize_t n = read(fd, buf + got, len - got);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (n == 0)
			break;
		got += (size_t)n;
	}
	return (ssize_t)got;
}

/* Waits for a non-blocking connect (or MSG_FASTOPEN sendto) to finish and reports its result
 * under @step, since that is the call whose outcome it is. */
static int wait_connected(int fd, const char *step)
{
	struct pollfd pfd = { .fd = fd, .events = POLLOUT };
	int64_t deadline = now_ms() + CONNECT_TIMEOUT_MS;
	socklen_t len = sizeof(int);
	int err = 0;
	int r;

	for (;;) {
		int64_t left = deadline - now_ms();

		if (left <= 0)
			return fail_err(ETIMEDOUT, step);
		r = poll(&pfd, 1, (int)left);
		if (r > 0)
			break;
		if (r == 0)
			return fail_err(ETIMEDOUT, step);
		if (errno != EINTR)
			return fail("poll");
	}
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
		return fail("getsockopt");
	if (err)
		return fail_err(err, step);
	return 0;
}

static int sock_type(const char *s)
{
	if (!strcmp(s, "tcp"))
		return SOCK_STREAM;
	if (!strcmp(s, "udp"))
		return SOCK_DGRAM;
	usage_error("expected tcp or udp, got '%s'", s);
}

static int udp_only(const char *s)
{
	if (strcmp(s, "udp"))
		usage_error("only udp is supported here, got '%s'", s);
	return SOCK_DGRAM;
}

/* ---- network actions ---------------------------------------------------------------------- */

static int act_connect(int argc, char **argv)
{
	int type = sock_type(argv[1]);
	struct addr a;
	int fd;

	(void)argc;
	parse_inet(argv[2], argv[3], &a);
	/* TCP is non-blocking only to bound the wait; the verdict is still connect()'s. */
	fd = socket(a.sa.sa_family, type | SOCK_CLOEXEC | (type == SOCK_STREAM ? SOCK_NONBLOCK : 0),
		    0);
	if (fd < 0)
		return fail("socket");
	if (connect(fd, &a.sa, a.len) == 0)
		return ok();
	if (type != SOCK_STREAM || errno != EINPROGRESS)
		return fail("connect");
	if (wait_connected(fd, "connect"))
		return 1;
	return ok();
}

static int act_sendto(int argc, char **argv)
{
	struct addr a;
	ssize_t n;
	int fd;

	(void)argc;
	udp_only(argv[1]);
	parse_inet(argv[2], argv[3], &a);
	fd = socket(a.sa.sa_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return fail("socket");
	n = sendto(fd, payload, PAYLOAD_LEN, MSG_NOSIGNAL, &a.sa, a.len);
	if (n < 0)
		return fail("sendto");
	if ((size_t)n != PAYLOAD_LEN)
		return fail_short("sendto");
	return ok();
}

static int act_sendmsg(int argc, char **argv)
{
	struct iovec iov = { .iov_base = (void *)payload, .iov_len = PAYLOAD_LEN };
	struct msghdr msg = { 0 };
	struct addr a;
	ssize_t n;
	int fd;

	(void)argc;
	udp_only(argv[1]);
	parse_inet(argv[2], argv[3], &a);
	fd = socket(a.sa.sa_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return fail("socket");
	msg.msg_name = &a.ss;
	msg.msg_namelen = a.len;
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	n = sendmsg(fd, &msg, MSG_NOSIGNAL);
	if (n < 0)
		return fail("sendmsg");
	if ((size_t)n != PAYLOAD_LEN)
		return fail_short("sendmsg");
	return ok();
}

static int act_sendmmsg(int argc, char **argv)
{
	struct iovec iov = { .iov_base = (void *)payload, .iov_len = PAYLOAD_LEN };
	struct mmsghdr mm = { 0 };
	struct addr a;
	int fd, n;

	(void)argc;
	udp_only(argv[1]);
	parse_inet(argv[2], argv[3], &a);
	fd = socket(a.sa.sa_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return fail("socket");
	mm.msg_hdr.msg_name = &a.ss;
	mm.msg_hdr.msg_namelen = a.len;
	mm.msg_hdr.msg_iov = &iov;
	mm.msg_hdr.msg_iovlen = 1;
	/* sendmmsg() reports an error on the first message as -1/errno, but "0 sent" with no errno
	 * is also a failure to send, so errno is cleared to tell the two apart. */
	errno = 0;
	n = sendmmsg(fd, &mm, 1, MSG_NOSIGNAL);
	if (n < 0)
		return fail("sendmmsg");
	if (n == 0)
		return errno ? fail("sendmmsg") : fail_short("sendmmsg");
	if (mm.msg_len != PAYLOAD_LEN)
		return fail_short("sendmmsg");
	return ok();
}

/*
 * TCP Fast Open connects from inside sendto(), never passing through connect(2), so it is the
 * path a connect-only policy would miss. Non-blocking so an unanswered SYN is bounded like
 * "connect tcp"; without a cookie the kernel sends a plain SYN and returns EINPROGRESS.
 */
static int act_fastopen(int argc, char **argv)
{
	struct addr a;
	ssize_t n;
	int fd;

	(void)argc;
	parse_inet(argv[1], argv[2], &a);
	fd = socket(a.sa.sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return fail("socket");
	n = sendto(fd, payload, PAYLOAD_LEN, MSG_FASTOPEN | MSG_NOSIGNAL, &a.sa, a.len);
	if (n >= 0)
		return okf("sent %zd bytes with SYN", n);
	if (errno != EINPROGRESS)
		return fail("sendto");
	if (wait_connected(fd, "sendto"))
		return 1;
	return ok();
}

static int act_socket(int argc, char **argv)
{
	int family = lookup(families, argv[1], "family");
	int type = lookup(sock_types, argv[2], "type");
	int proto = argc > 3 ? lookup(protocols, argv[3], "protocol") : 0;

	if (socket(family, type | SOCK_CLOEXEC, proto) < 0)
		return fail("socket");
	return ok();
}

/* ---- unix socket actions ------------------------------------------------------------------ */

static int act_unix_connect(int argc, char **argv)
{
	struct addr a;
	int fd;

	(void)argc;
	parse_unix(argv[1], &a);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return fail("socket");
	if (connect(fd, &a.sa, a.len) < 0)
		return fail("connect");
	return ok();
}

static int act_unix_sendto(int argc, char **argv)
{
	struct addr a;
	ssize_t n;
	int fd;

	(void)argc;
	parse_unix(argv[1], &a);
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return fail("socket");
	n = sendto(fd, payload, PAYLOAD_LEN, MSG_NOSIGNAL, &a.sa, a.len);
	if (n < 0)
		return fail("sendto");
	if ((size_t)n != PAYLOAD_LEN)
		return fail_short("sendto");
	return ok();
}

static int act_unix_dgram_connect(int argc, char **argv)
{
	struct addr a;
	ssize_t n;
	int fd;

	(void)argc;
	parse_unix(argv[1], &a);
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return fail("socket");
	if (connect(fd, &a.sa, a.len) < 0)
		return fail("connect");
	n = send(fd, payload, PAYLOAD_LEN, MSG_NOSIGNAL);
	if (n < 0)
		return fail("send");
	if ((size_t)n != PAYLOAD_LEN)
		return fail_short("send");
	return ok();
}

/* Sends one byte from @a to @b and checks it arrives intact. */
static int send_recv_byte(int a, int b)
{
	char c = 'x', got = 0;
	ssize_t n;

	n = send(a, &c, 1, MSG_NOSIGNAL);
	if (n < 0)
		return fail("send");
	if (n != 1)
		return fail_short("send");
	n = recv(b, &got, 1, 0);
	if (n < 0)
		return fail("recv");
	if (n != 1 || got != c)
		return fail_short("recv");
	return 0;
}

/* Listener, client, accepted connection, one byte each way: the whole life of a private unix
 * socket, which a sandbox must allow even when it denies every other socket. A filesystem socket
 * is unlinked again whatever happened, but only if this run created it. */
static int unix_self_one(const struct addr *a, const char *fs_path)
{
	int srv, cli, acc;
	bool bound = false;
	int rc = 1;

	srv = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (srv < 0)
		return fail("socket");
	if (bind(srv, &a->sa, a->len) < 0) {
		fail("bind");
		goto out;
	}
	bound = true;
	if (listen(srv, 1) < 0) {
		fail("listen");
		goto out;
	}
	cli = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (cli < 0) {
		fail("socket");
		goto out;
	}
	/* Blocking is fine: the backlog has room, so connect completes before accept. */
	if (connect(cli, &a->sa, a->len) < 0) {
		fail("connect");
		goto out;
	}
	acc = accept4(srv, NULL, NULL, SOCK_CLOEXEC);
	if (acc < 0) {
		fail("accept");
		goto out;
	}
	if (send_recv_byte(cli, acc) || send_recv_byte(acc, cli))
		goto out;
	rc = 0;
out:
	if (bound && fs_path && unlink(fs_path) < 0 && rc == 0)
		rc = fail("unlink");
	return rc;
}

static int act_unix_self(int argc, char **argv)
{
	char path[sizeof(((struct sockaddr_un *)0)->sun_path) + 1];
	char name[64];
	struct addr a;
	int n;

	(void)argc;
	n = snprintf(path, sizeof(path), "%s/probe.sock", argv[1]);
	if (n < 0 || (size_t)n >= sizeof(path) - 1)
		usage_error("directory path too long '%s'", argv[1]);
	parse_unix(path, &a);
	if (unix_self_one(&a, path))
		return 1;
	snprintf(name, sizeof(name), "@probe-%d", (int)getpid());
	parse_unix(name, &a);
	if (unix_self_one(&a, NULL))
		return 1;
	return ok();
}

static int act_unix_pair(int argc, char **argv)
{
	static const int types[] = { SOCK_STREAM, SOCK_DGRAM };
	size_t i;
	int sv[2];

	(void)argc;
	(void)argv;
	for (i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		if (socketpair(AF_UNIX, types[i] | SOCK_CLOEXEC, 0, sv) < 0)
			return fail("socketpair");
		if (send_recv_byte(sv[0], sv[1]) || send_recv_byte(sv[1], sv[0]))
			return 1;
		close(sv[0]);
		close(sv[1]);
	}
	return ok();
}

/* ---- listen server (negative controls) ---------------------------------------------------- */

/* Accepts and drains connections (or datagrams) until the deadline. Connections stay open until
 * the peer closes, so a client that sends after connecting never gets EPIPE/ECONNRESET from us,
 * and a client that connects and closes at once just drops out of the poll set. */
static void serve(int lfd, bool stream, int64_t deadline)
{
	struct pollfd pfd[1 + LISTEN_MAX_CONNS];
	char buf[4096];
	nfds_t nfds = 1;

	pfd[0].fd = lfd;
	pfd[0].events = POLLIN;
	for (;;) {
		int64_t left = deadline - now_ms();
		nfds_t i;
		int r;

		if (left <= 0)
			return;
		r = poll(pfd, nfds, (int)(left > INT_MAX ? INT_MAX : left));
		if (r < 0 && errno != EINTR)
			return;
		if (r <= 0)
			continue;
		/* Walk backwards so removing an entry (swap with the last) skips nothing. */
		for (i = nfds - 1; i > 0; i--) {
			ssize_t n;

			if (!pfd[i].revents)
				continue;
			n = recv(pfd[i].fd, buf, sizeof(buf), MSG_DONTWAIT);
			if (n > 0 || (n < 0 && (errno == EAGAIN || errno == EINTR)))
				continue;
			close(pfd[i].fd);
			pfd[i] = pfd[--nfds];
		}
		if (!pfd[0].revents)
			continue;
		if (!stream) {
			(void)recv(lfd, buf, sizeof(buf), MSG_DONTWAIT);
			continue;
		}
		/* ECONNABORTED and the like (peer gone before accept) are the client's concern. */
		r = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (r < 0)
			continue;
		if (nfds < sizeof(pfd) / sizeof(pfd[0])) {
			pfd[nfds].fd = r;
			pfd[nfds].events = POLLIN;
			nfds++;
		} else {
			close(r);
		}
	}
}

static int act_listen(int argc, char **argv)
{
	const char *kind = argv[1];
	struct timespec ts = parse_seconds(argv[4]);
	int64_t deadline = now_ms() + (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
	const char *fs_path = NULL;
	bool stream;
	struct addr a;
	int one = 1;
	int fd;

	(void)argc;
	if (!strcmp(kind, "tcp") || !strcmp(kind, "udp")) {
		stream = !strcmp(kind, "tcp");
		parse_inet(argv[2], argv[3], &a);
	} else if (!strcmp(kind, "unix") || !strcmp(kind, "unix-dgram")) {
		stream = !strcmp(kind, "unix");
		if (strcmp(argv[3], "-"))
			usage_error("listen %s takes '-' as PORT, got '%s'", kind, argv[3]);
		parse_unix(argv[2], &a);
		if (argv[2][0] != '@')
			fs_path = argv[2];
	} else {
		usage_error("listen: expected tcp, udp, unix or unix-dgram, got '%s'", kind);
	}

	fd = socket(a.sa.sa_family, (stream ? SOCK_STREAM : SOCK_DGRAM) | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return fail("socket");
	if (a.sa.sa_family != AF_UNIX &&
	    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0)
		return fail("setsockopt");
	if (fs_path) {
		struct stat st;

		/* A listener killed by an earlier test leaves its socket file behind and bind would
		 * fail with EADDRINUSE. Only a socket is removed, never some other file. */
		if (lstat(fs_path, &st) == 0 && S_ISSOCK(st.st_mode))
			unlink(fs_path);
	}
	if (bind(fd, &a.sa, a.len) < 0)
		return fail("bind");
	if (stream && listen(fd, 128) < 0)
		return fail("listen");

	/* The test waits for this line before starting clients, so it must not sit in a buffer. */
	puts("ready");
	fflush(stdout);
	serve(fd, stream, deadline);
	if (fs_path)
		unlink(fs_path);
	return 0;
}

/* ---- file actions ------------------------------------------------------------------------- */

static const struct name_val open_modes[] = {
	{ "r", O_RDONLY },
	{ "w", O_WRONLY },
	{ "rw", O_RDWR },
	{ "creat", O_WRONLY | O_CREAT },
	{ "trunc", O_WRONLY | O_TRUNC },
	{ "append", O_WRONLY | O_APPEND },
	{ "path", O_PATH },
	{ "dir", O_DIRECTORY | O_RDONLY },
	{ NULL, 0 },
};

static int act_open(int argc, char **argv)
{
	const struct name_val *m;
	char buf[4096];
	ssize_t n;
	int fd;

	(void)argc;
	for (m = open_modes; m->name; m++)
		if (!strcmp(m->name, argv[2]))
			break;
	if (!m->name)
		usage_error("bad open mode '%s'", argv[2]);
	fd = open(argv[1], m->val | O_CLOEXEC, 0644);
	if (fd < 0)
		return fail("open");
	if (strcmp(m->name, "r"))
		return ok();
	n = read_full(fd, buf, sizeof(buf));
	if (n < 0)
		return fail("read");
	return okf("%zd", n);
}

/* Reads fd to its end (at most READ_CAP) and reports "ok FIRST-LINE". */
static int report_read(int fd)
{
	char line[LINE_MAX_CHARS + 1];
	size_t len = 0, total = 0;
	bool line_done = false;
	char buf[4096];

	while (total < READ_CAP) {
		ssize_t n = read(fd, buf, sizeof(buf));
		ssize_t i;

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return fail("read");
		}
		if (n == 0)
			break;
		total += (size_t)n;
		for (i = 0; i < n && !line_done; i++) {
			unsigned char c = (unsigned char)buf[i];

			if (c == '\n' || len == LINE_MAX_CHARS) {
				line_done = true;
				break;
			}
			/* Control bytes would break the one-line output contract. */
			line[len++] = (c < 0x20 || c == 0x7f) ? '?' : (char)c;
		}
	}
	line[len] = '\0';
	if (!len)
		return ok();
	return okf("%s", line);
}

static int act_read(int argc, char **argv)
{
	int fd;

	(void)argc;
	fd = open(argv[1], O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return fail("open");
	return report_read(fd);
}

/* An O_PATH fd (which no file_open hook sees) turned into a readable one through its magic link
 * in /proc/self/fd: the reopen is a new open of the same file, and must be decided as one. */
static int act_reopen(int argc, char **argv)
{
	char link[64];
	int fd, rfd;

	(void)argc;
	fd = open(argv[1], O_PATH | O_CLOEXEC);
	if (fd < 0)
		return fail("open");
	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	rfd = open(link, O_RDONLY | O_CLOEXEC);
	if (rfd < 0)
		return fail("reopen");
	return report_read(rfd);
}

static int write_file(const char *path, int flags, const char *data)
{
	int fd = open(path, flags | O_CLOEXEC, 0644);

	if (fd < 0)
		return fail("open");
	if (write_all(fd, data, strlen(data), "write"))
		return 1;
	/* Some filesystems only report write-back errors here. */
	if (close(fd) < 0)
		return fail("close");
	return 0;
}

static int act_write(int argc, char **argv)
{
	(void)argc;
	return write_file(argv[1], O_WRONLY, argv[2]) ?: ok();
}

static int act_create(int argc, char **argv)
{
	(void)argc;
	return write_file(argv[1], O_WRONLY | O_CREAT | O_TRUNC, argv[2]) ?: ok();
}

/* All of src's bytes into dst (the steps a dropper and the memfd action share). 0, or 1 after
 * reporting the failed step. */
static int copy_fd(int src, int dst)
{
	char buf[65536];
	ssize_t n;

	while ((n = read(src, buf, sizeof(buf))) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return fail("read");
		}
		if (write_all(dst, buf, (size_t)n, "write"))
			return 1;
	}
	return 0;
}

/* What a dropper does: SRC's bytes into a new executable file DST. */
static int act_copy(int argc, char **argv)
{
	int src, dst;

	(void)argc;
	src = open(argv[1], O_RDONLY | O_CLOEXEC);
	if (src < 0)
		return fail("open");
	dst = open(argv[2], O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0755);
	if (dst < 0)
		return fail("create");
	if (copy_fd(src, dst))
		return 1;
	if (close(dst) < 0)
		return fail("close");
	return ok();
}

static int act_getpid_into(int argc, char **argv)
{
	char buf[24];

	(void)argc;
	snprintf(buf, sizeof(buf), "%d", (int)getpid());
	return write_file(argv[1], O_WRONLY, buf) ?: okf("%s", buf);
}

static int act_mkdir(int argc, char **argv)
{
	mode_t mode = argc > 2 ? (mode_t)parse_ull(argv[2], 8, 07777, "mode") : 0755;

	return mkdir(argv[1], mode) < 0 ? fail("mkdir") : ok();
}

static int act_rmdir(int argc, char **argv)
{
	(void)argc;
	return rmdir(argv[1]) < 0 ? fail("rmdir") : ok();
}

static int act_unlink(int argc, char **argv)
{
	(void)argc;
	return unlink(argv[1]) < 0 ? fail("unlink") : ok();
}

static int act_symlink(int argc, char **argv)
{
	(void)argc;
	return symlink(argv[1], argv[2]) < 0 ? fail("symlink") : ok();
}

static int act_link(int argc, char **argv)
{
	(void)argc;
	return link(argv[1], argv[2]) < 0 ? fail("link") : ok();
}

static int act_rename(int argc, char **argv)
{
	(void)argc;
	return rename(argv[1], argv[2]) < 0 ? fail("rename") : ok();
}

static int act_chmod(int argc, char **argv)
{
	mode_t mode = (mode_t)parse_ull(argv[2], 8, 07777, "mode");

	(void)argc;
	return chmod(argv[1], mode) < 0 ? fail("chmod") : ok();
}

static int act_truncate(int argc, char **argv)
{
	const char *s = argv[2];
	off_t len;

	/* A negative length is passed through on purpose: EINVAL is the kernel's answer to give. */
	len = s[0] == '-' ? -(off_t)parse_ull(s + 1, 10, LLONG_MAX, "length")
			  : (off_t)parse_ull(s, 10, LLONG_MAX, "length");
	(void)argc;
	return truncate(argv[1], len) < 0 ? fail("truncate") : ok();
}

/* ---- process actions ---------------------------------------------------------------------- */

static int act_exec(int argc, char **argv)
{
	(void)argc;
	/* SIGPIPE is ignored for the probe's own sake; the exec'd program gets the default. */
	signal(SIGPIPE, SIG_DFL);
	fflush(stdout);
	execv(argv[1], argv + 1);
	return fail("exec");
}

/* An executable mapping of fd: mmap with PROT_EXEC at once, or mapped readable first and then
 * mprotect'ed to add PROT_EXEC (mmap_file and file_mprotect are different hooks). */
static int map_exec_fd(int fd, const char *how)
{
	void *m;

	if (!strcmp(how, "mmap")) {
		m = mmap(NULL, 4096, PROT_READ | PROT_EXEC, MAP_PRIVATE, fd, 0);
		if (m == MAP_FAILED)
			return fail("mmap");
	} else {
		m = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, fd, 0);
		if (m == MAP_FAILED)
			return fail("mmap");
		if (mprotect(m, 4096, PROT_READ | PROT_EXEC) < 0)
			return fail("mprotect");
	}
	munmap(m, 4096);
	return ok();
}

static const char *map_how(const char *s)
{
	if (strcmp(s, "mmap") && strcmp(s, "mprotect"))
		usage_error("bad mapping '%s' (mmap or mprotect)", s);
	return s;
}

static int act_map_exec(int argc, char **argv)
{
	const char *how = map_how(argv[2]);
	int fd;

	(void)argc;
	fd = open(argv[1], O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return fail("open");
	return map_exec_fd(fd, how);
}

#ifndef __NR_execveat
#define __NR_execveat 322
#endif

/* Code that never was a file anyone could grant: SRC's bytes copied into a memfd, then executed
 * (execveat(fd, "", AT_EMPTY_PATH), what fexecve does) or mapped executable. */
static int act_memfd(int argc, char **argv)
{
	const char *what = argv[2];
	int src, fd;

	(void)argc;
	if (strcmp(what, "exec")) {
		map_how(what);
		if (argc > 3)
			usage_error("memfd SRC %s takes no more arguments", what);
	} else if (argc < 4)
		usage_error("memfd SRC exec needs ARG0");
	src = open(argv[1], O_RDONLY | O_CLOEXEC);
	if (src < 0)
		return fail("open");
	fd = memfd_create("probe", MFD_CLOEXEC);
	if (fd < 0)
		return fail("memfd_create");
	if (copy_fd(src, fd))
		return 1;
	close(src);
	if (strcmp(what, "exec"))
		return map_exec_fd(fd, what);
	signal(SIGPIPE, SIG_DFL);
	fflush(stdout);
	syscall(__NR_execveat, fd, "", argv + 3, environ, AT_EMPTY_PATH);
	return fail("execveat");
}

/* What the grandchild of "daemonize" tells the original process through the pipe. */
struct daemon_report {
	int err; /* 0 or the errno of the failing step */
	pid_t pid;
	char step[16];
};

static void send_report(int wfd, int err, const char *step, pid_t pid)
{
	struct daemon_report rep = { .err = err, .pid = pid };

	snprintf(rep.step, sizeof(rep.step), "%s", step);
	/* Nothing to do if this fails: the parent then sees EOF and reports that instead. */
	(void)!write(wfd, &rep, sizeof(rep));
}

static void __attribute__((noreturn)) daemon_fail(int wfd, int err, const char *step)
{
	send_report(wfd, err, step, 0);
	_exit(1);
}

static void __attribute__((noreturn)) daemon_child(int wfd, const char *pidfile,
						   struct timespec ts)
{
	char buf[24];
	size_t len;
	pid_t pid;
	int fd;

	if (setsid() < 0)
		daemon_fail(wfd, errno, "setsid");
	pid = fork();
	if (pid < 0)
		daemon_fail(wfd, errno, "fork");
	if (pid > 0)
		_exit(0); /* orphan the grandchild, so it is reparented like a real daemon */

	pid = getpid();
	fd = open(pidfile, O_CREAT | O_WRONLY | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		daemon_fail(wfd, errno, "open");
	len = (size_t)snprintf(buf, sizeof(buf), "%d\n", (int)pid);
	errno = 0;
	if (write(fd, buf, len) != (ssize_t)len)
		daemon_fail(wfd, errno ?: EIO, "write");
	if (close(fd) < 0)
		daemon_fail(wfd, errno, "close");

	/* Only now may the original process print the pid: the test reads the pidfile next. */
	send_report(wfd, 0, "", pid);
	close(wfd);
	/* Detach from the caller's stdio: a test reading our output through a pipe ($(...)) must
	 * see EOF when the original process exits, not when the grandchild finally does. */
	close(STDIN_FILENO);
	close(STDOUT_FILENO);
	close(STDERR_FILENO);
	sleep_ts(ts);
	_exit(0);
}

static int act_daemonize(int argc, char **argv)
{
	struct timespec ts = parse_seconds(argv[2]);
	struct daemon_report rep;
	int pfd[2];
	ssize_t n;
	pid_t pid;

	(void)argc;
	if (pipe2(pfd, O_CLOEXEC) < 0)
		return fail("pipe");
	/* Nothing may sit in the stdio buffer when forking, or it would be printed twice. */
	fflush(stdout);
	pid = fork();
	if (pid < 0)
		return fail("fork");
	if (pid == 0) {
		close(pfd[0]);
		daemon_child(pfd[1], argv[1], ts);
	}
	close(pfd[1]);
	n = read_full(pfd[0], (char *)&rep, sizeof(rep));
	if (n < 0)
		return fail("read");
	waitpid(pid, NULL, 0);
	/* EOF without a report: a child died before it could say why. */
	if ((size_t)n != sizeof(rep))
		return fail_err(ECHILD, "daemonize");
	rep.step[sizeof(rep.step) - 1] = '\0';
	if (rep.err)
		return fail_err(rep.err, rep.step);
	return okf("%d", (int)rep.pid);
}

static int act_sleep(int argc, char **argv)
{
	(void)argc;
	sleep_ts(parse_seconds(argv[1]));
	return ok();
}

/* Exact for N <= 93; larger N wrap modulo 2^64, which keeps huge N usable as a CPU burner. */
static int act_fib(int argc, char **argv)
{
	unsigned long long n = parse_ull(argv[1], 10, ULLONG_MAX, "N");
	uint64_t a = 0, b = 1, t;

	(void)argc;
	while (n--) {
		t = a + b;
		a = b;
		b = t;
	}
	return okf("%llu", (unsigned long long)a);
}

/* Opens PATH read-only N times (for audit floods) and reports how many opens failed with which
 * errno: "ok denied=N errno=EACCES" when every one failed the same way, counts otherwise. */
static int act_flood_open(int argc, char **argv)
{
	unsigned long long n = parse_ull(argv[2], 10, ULLONG_MAX, "N"), failed = 0, i;
	int first_err = 0, fd;

	(void)argc;
	for (i = 0; i < n; i++) {
		fd = open(argv[1], O_RDONLY | O_CLOEXEC);
		if (fd >= 0) {
			close(fd);
			continue;
		}
		if (!first_err)
			first_err = errno;
		failed++;
	}
	return okf("denied=%llu errno=%s", failed, first_err ? errno_name(first_err) : "none");
}

/* Walks the BPF program IDs. The first call is the probe (denied, or EPERM without
 * CAP_SYS_ADMIN); ENOENT only means "no further program", so it ends the count rather than
 * failing it. */
static int act_bpf_prog_count(int argc, char **argv)
{
	union bpf_attr attr;
	unsigned long count = 0;

	(void)argc;
	(void)argv;
	memset(&attr, 0, sizeof(attr));
	for (;;) {
		if (syscall(__NR_bpf, BPF_PROG_GET_NEXT_ID, &attr, sizeof(attr)) < 0) {
			if (errno == ENOENT)
				break;
			return fail("bpf");
		}
		count++;
		attr.start_id = attr.next_id;
	}
	return okf("%lu", count);
}

static int act_cgroup(int argc, char **argv)
{
	char buf[65536];
	char *p, *nl;
	ssize_t n;
	int fd;

	(void)argc;
	(void)argv;
	fd = open("/proc/self/cgroup", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return fail("open");
	n = read_full(fd, buf, sizeof(buf) - 1);
	if (n < 0)
		return fail("read");
	buf[n] = '\0';
	for (p = buf; *p; p = nl + 1) {
		nl = strchr(p, '\n');
		if (nl)
			*nl = '\0';
		if (!strncmp(p, "0::", 3))
			return okf("%s", p + 3);
		if (!nl)
			break;
	}
	/* Only on a host without the unified (v2) hierarchy. */
	return fail_err(ENOENT, "cgroup");
}

/* ---- mounts, namespaces and other processes (SECURITY rows 5, 10, 18, 25, 27) ---------------- */

static int act_mount_tmpfs(int argc, char **argv)
{
	(void)argc;
	if (mount("none", argv[1], "tmpfs", 0, NULL) < 0)
		return fail("mount");
	umount2(argv[1], MNT_DETACH);
	return ok();
}

static int act_umount(int argc, char **argv)
{
	(void)argc;
	return umount2(argv[1], MNT_DETACH) < 0 ? fail("umount") : ok();
}

static int act_unshare_user(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	return unshare(CLONE_NEWUSER) < 0 ? fail("unshare") : ok();
}

/* clone(2) itself, as a runtime's seccomp filter sees it (unshare is another call): NAME is the
 * namespace flag, or none for a plain fork. */
static int act_clone_ns(int argc, char **argv)
{
	static const struct {
		const char *name;
		unsigned long flag;
	} ns[] = {
		{ "none", 0 },		    { "user", CLONE_NEWUSER }, { "mount", CLONE_NEWNS },
		{ "net", CLONE_NEWNET },    { "pid", CLONE_NEWPID },   { "ipc", CLONE_NEWIPC },
		{ "uts", CLONE_NEWUTS },    { "cgroup", CLONE_NEWCGROUP },
	};
	unsigned long flag = ~0ul;
	int st;
	long pid;

	(void)argc;
	for (size_t i = 0; i < sizeof(ns) / sizeof(ns[0]); i++) {
		if (!strcmp(ns[i].name, argv[1]))
			flag = ns[i].flag;
	}
	if (flag == ~0ul)
		usage_error("clone-ns: unknown namespace '%s'", argv[1]);
	fflush(stdout);
	/* x86_64 and arm64 order: flags, stack (0: the child runs on a copy of ours), tids, tls. */
	pid = syscall(SYS_clone, flag | SIGCHLD, 0, 0, 0, 0);
	if (pid < 0)
		return fail("clone");
	if (!pid)
		_exit(0);
	if (waitpid(pid, &st, 0) < 0)
		return fail("waitpid");
	return WIFEXITED(st) && !WEXITSTATUS(st) ? ok() : fail_err(ECHILD, "child");
}

#ifndef __NR_clone3
#define __NR_clone3 435
#endif

/* A plain fork through clone3 (no flags, the parent's stack copied). */
/* clone3 with these arguments, a child that exits at once, reaped: the step's verdict. */
static int clone3_reaped(void *args, size_t size)
{
	long pid;
	int st;

	fflush(stdout);
	pid = syscall(__NR_clone3, args, size);
	if (pid < 0)
		return fail("clone3");
	if (!pid)
		_exit(0);
	if (waitpid(pid, &st, 0) < 0)
		return fail("waitpid");
	return WIFEXITED(st) && !WEXITSTATUS(st) ? ok() : fail_err(ECHILD, "child");
}

static int act_clone3(int argc, char **argv)
{
	struct {
		uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls;
	} args = { .exit_signal = SIGCHLD };

	(void)argc;
	(void)argv;
	return clone3_reaped(&args, sizeof(args));
}

#ifndef CLONE_INTO_CGROUP
#define CLONE_INTO_CGROUP 0x200000000ULL
#endif

/* clone3(CLONE_INTO_CGROUP) into DIR, through an O_PATH fd of it: O_PATH opens reach no
 * file_open hook, and the kernel takes such an fd for the cgroup. */
static int act_clone_into_cgroup(int argc, char **argv)
{
	struct {
		uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls,
			set_tid, set_tid_size, cgroup;
	} args = { .flags = CLONE_INTO_CGROUP, .exit_signal = SIGCHLD };
	int dfd;

	(void)argc;
	dfd = open(argv[1], O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return fail("open");
	args.cgroup = (uint64_t)dfd;
	return clone3_reaped(&args, sizeof(args));
}

/* getpid through another ABI's entry: i386 (int 0x80, number 20) or x32 (the x32 bit on
 * x86_64's number 39). A seccomp filter that lists only the native ABI kills the caller (no
 * output, SIGSYS); a kernel without that ABI returns ENOSYS. */
static int act_abi(int argc, char **argv)
{
	(void)argc;
#if defined(__x86_64__)
	long ret;

	if (!strcmp(argv[1], "i386")) {
		/* The int 0x80 entry zeroes r8-r11 when called from 64-bit code. */
		__asm__ volatile("int $0x80"
				 : "=a"(ret)
				 : "a"(20L)
				 : "memory", "r8", "r9", "r10", "r11");
		if (ret < 0)
			return fail_err((int)-ret, "i386");
		return okf("%ld", ret);
	}
	if (!strcmp(argv[1], "x32")) {
		ret = syscall(0x40000000L | 39);
		return ret < 0 ? fail("x32") : okf("%ld", ret);
	}
#endif
	usage_error("abi: '%s' is not a foreign ABI of this build (x86_64: i386 or x32)", argv[1]);
}

static int act_perf_open(int argc, char **argv)
{
	/* struct perf_event_attr's first fields, by hand: type PERF_TYPE_SOFTWARE (1), size 64
	 * (PERF_ATTR_SIZE_VER0), config PERF_COUNT_SW_CPU_CLOCK (0), flags bit 0: disabled. */
	struct {
		uint32_t type, size;
		uint64_t config, sample, sample_type, read_format, flags;
	} attr = { .type = 1, .size = 64, .flags = 1 };
	unsigned char buf[128] = { 0 };
	long fd;

	(void)argc;
	memcpy(buf, &attr, sizeof(attr));
	fd = syscall(__NR_perf_event_open, buf, (int)parse_ull(argv[1], 10, INT_MAX, "pid"), -1, -1,
		     0);
	if (fd < 0)
		return fail("perf_event_open");
	close((int)fd);
	return ok();
}

/* TIOCSTI on fd 0: the hook answers before the tty layer (which says ENOTTY for a non-tty). */
static int act_tiocsti(int argc, char **argv)
{
	char c = ' ';

	(void)argc;
	(void)argv;
	return ioctl(0, TIOCSTI, &c) < 0 ? fail("ioctl") : ok();
}

static int act_setxattr(int argc, char **argv)
{
	(void)argc;
	return setxattr(argv[1], argv[2], "1", 1, 0) < 0 ? fail("setxattr") : ok();
}

static int act_removexattr(int argc, char **argv)
{
	(void)argc;
	return removexattr(argv[1], argv[2]) < 0 ? fail("removexattr") : ok();
}

static int act_setpriority(int argc, char **argv)
{
	int pid = (int)parse_ull(argv[1], 10, INT_MAX, "pid");
	int nice = (int)parse_ull(argv[2], 10, 19, "nice");

	(void)argc;
	return setpriority(PRIO_PROCESS, pid, nice) < 0 ? fail("setpriority") : ok();
}

#ifndef __NR_pidfd_open
#define __NR_pidfd_open 434
#endif
#ifndef __NR_pidfd_send_signal
#define __NR_pidfd_send_signal 424
#endif

/* pidfd_open PID (0: a child of our own, made here) and pidfd_send_signal through it (SIGKILL to
 * the own child, signal 0 to PID): pidfds are files of pidfs since 6.9, anonymous inodes before. */
static int act_pidfd(int argc, char **argv)
{
	int pid = (int)parse_ull(argv[1], 10, INT_MAX, "pid"), fd, sig = 0;
	pid_t child = 0;

	(void)argc;
	if (!pid) {
		child = fork();
		if (child < 0)
			return fail("fork");
		if (!child) {
			pause();
			_exit(0);
		}
		pid = child;
		sig = SIGKILL;
	}
	fd = (int)syscall(__NR_pidfd_open, pid, 0);
	if (fd < 0) {
		int e = errno;

		if (child) {
			kill(child, SIGKILL);
			waitpid(child, NULL, 0);
		}
		return fail_err(e, "pidfd_open");
	}
	if (syscall(__NR_pidfd_send_signal, fd, sig, NULL, 0) < 0) {
		int e = errno;

		if (child) {
			kill(child, SIGKILL);
			waitpid(child, NULL, 0);
		}
		return fail_err(e, "pidfd_send_signal");
	}
	close(fd);
	if (child && waitpid(child, NULL, 0) != child)
		return fail("waitpid");
	return ok();
}

static int act_ioprio(int argc, char **argv)
{
	/* ioprio_set(IOPRIO_WHO_PROCESS, pid, IOPRIO_PRIO_VALUE(IOPRIO_CLASS_IDLE, 0)) */
	int pid = (int)parse_ull(argv[1], 10, INT_MAX, "pid");

	(void)argc;
	return syscall(__NR_ioprio_set, 1, pid, 3 << 13) < 0 ? fail("ioprio_set") : ok();
}

static int act_affinity(int argc, char **argv)
{
	int pid = (int)parse_ull(argv[1], 10, INT_MAX, "pid");
	cpu_set_t set;

	(void)argc;
	CPU_ZERO(&set);
	CPU_SET(0, &set);
	return sched_setaffinity(pid, sizeof(set), &set) < 0 ? fail("sched_setaffinity") : ok();
}

static int act_prlimit(int argc, char **argv)
{
	int pid = (int)parse_ull(argv[1], 10, INT_MAX, "pid");
	struct rlimit old;

	(void)argc;
	if (prlimit(pid, RLIMIT_NOFILE, NULL, &old) < 0)
		return fail("prlimit");
	return okf("%llu", (unsigned long long)old.rlim_cur);
}

/* ---- io_uring (SECURITY row 12): the same hooks must fire in io-wq workers and SQPOLL ------- */

/* One io_uring operation, submitted and reaped by hand (no liburing): prints "ok" or the CQE's
 * errno as "ERRNO io_uring_OP". sqpoll: the SQ is consumed by the kernel's SQPOLL thread. */
static int act_uring(int argc, char **argv)
{
	struct io_uring_params p;
	struct io_uring_sqe *sqes;
	struct sockaddr_in sin = { .sin_family = AF_INET };
	struct iovec iov = { .iov_base = "x", .iov_len = 1 };
	struct msghdr mh = { .msg_name = &sin, .msg_namelen = sizeof(sin), .msg_iov = &iov,
			     .msg_iovlen = 1 };
	bool sqpoll = argc > 2 && !strcmp(argv[argc - 1], "sqpoll");
	const char *op = argv[1];
	unsigned char *sq, *cq;
	unsigned int *sq_tail, *sq_array, *cq_head, *cq_tail;
	struct io_uring_cqe *cqes;
	int ring, sock = -1;
	char step[48];
	long ret;

	memset(&p, 0, sizeof(p));
	if (sqpoll) {
		p.flags = IORING_SETUP_SQPOLL;
		p.sq_thread_idle = 2000;
	}
	ring = (int)syscall(__NR_io_uring_setup, 4, &p);
	if (ring < 0)
		return fail("io_uring_setup");
	sq = mmap(NULL, p.sq_off.array + p.sq_entries * sizeof(unsigned int), PROT_READ | PROT_WRITE,
		  MAP_SHARED | MAP_POPULATE, ring, IORING_OFF_SQ_RING);
	cq = mmap(NULL, p.cq_off.cqes + p.cq_entries * sizeof(struct io_uring_cqe),
		  PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, ring, IORING_OFF_CQ_RING);
	sqes = mmap(NULL, p.sq_entries * sizeof(struct io_uring_sqe), PROT_READ | PROT_WRITE,
		    MAP_SHARED | MAP_POPULATE, ring, IORING_OFF_SQES);
	if (sq == MAP_FAILED || cq == MAP_FAILED || sqes == MAP_FAILED)
		return fail("mmap");
	sq_tail = (unsigned int *)(sq + p.sq_off.tail);
	sq_array = (unsigned int *)(sq + p.sq_off.array);
	cq_head = (unsigned int *)(cq + p.cq_off.head);
	cq_tail = (unsigned int *)(cq + p.cq_off.tail);
	cqes = (struct io_uring_cqe *)(cq + p.cq_off.cqes);

	memset(&sqes[0], 0, sizeof(sqes[0]));
	if (!strcmp(op, "openat") && argc >= 3) {
		sqes[0].opcode = IORING_OP_OPENAT;
		sqes[0].fd = AT_FDCWD;
		sqes[0].addr = (unsigned long)argv[2];
		sqes[0].open_flags = O_RDONLY;
	} else if ((!strcmp(op, "connect") || !strcmp(op, "sendmsg")) && argc >= 4) {
		bool tcp = !strcmp(op, "connect");

		sin.sin_port = htons((uint16_t)parse_ull(argv[3], 10, 65535, "port"));
		if (inet_pton(AF_INET, argv[2], &sin.sin_addr) != 1)
			usage_error("bad IPv4 address");
		sock = socket(AF_INET, (tcp ? SOCK_STREAM : SOCK_DGRAM) | SOCK_CLOEXEC, 0);
		if (sock < 0)
			return fail("socket");
		sqes[0].opcode = tcp ? IORING_OP_CONNECT : IORING_OP_SENDMSG;
		sqes[0].fd = sock;
		if (tcp) {
			sqes[0].addr = (unsigned long)&sin;
			sqes[0].off = sizeof(sin);
		} else {
			sqes[0].addr = (unsigned long)&mh;
			sqes[0].len = 1;
		}
	} else if (!strcmp(op, "socket") && argc >= 3) {
		sqes[0].opcode = IORING_OP_SOCKET;
		sqes[0].fd = (int)parse_ull(argv[2], 10, 63, "family");
		sqes[0].off = SOCK_RAW;
		sqes[0].len = 0;
	} else {
		usage_error("uring: openat PATH | connect ADDR PORT | sendmsg ADDR PORT | "
			    "socket FAMILY-NUMBER, then optionally sqpoll");
	}
	/* Force the worker path for openat: IOSQE_ASYNC punts to io-wq instead of inline. */
	if (!sqpoll)
		sqes[0].flags = IOSQE_ASYNC;
	sq_array[0] = 0;
	__atomic_store_n(sq_tail, *sq_tail + 1, __ATOMIC_RELEASE);
	ret = syscall(__NR_io_uring_enter, ring, sqpoll ? 0 : 1, 1,
		      IORING_ENTER_GETEVENTS | (sqpoll ? IORING_ENTER_SQ_WAKEUP : 0), NULL, 0);
	if (ret < 0)
		return fail("io_uring_enter");
	for (int i = 0; i < 5000 && __atomic_load_n(cq_tail, __ATOMIC_ACQUIRE) == *cq_head; i++) {
		if (sqpoll)
			syscall(__NR_io_uring_enter, ring, 0, 1, IORING_ENTER_GETEVENTS, NULL, 0);
		else
			usleep(1000);
	}
	if (__atomic_load_n(cq_tail, __ATOMIC_ACQUIRE) == *cq_head)
		return fail_err(ETIMEDOUT, "io_uring_wait");
	ret = cqes[*cq_head & (p.cq_entries - 1)].res;
	snprintf(step, sizeof(step), "io_uring_%s", op);
	if (ret < 0)
		return fail_err((int)-ret, step);
	if (!strcmp(op, "openat") || !strcmp(op, "socket"))
		close((int)ret);
	if (sock >= 0)
		close(sock);
	close(ring);
	return ok();
}

/* ---- IPC ---------------------------------------------------------------------------------- */

/* KEY or ID: decimal, 0x hex; IPC_PRIVATE is 0. */
static long ipc_num(const char *s)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 0);
	if (errno || end == s || *end)
		usage_error("bad IPC key or id '%s'", s);
	return v;
}

/* sysv OP KIND KEY|ID: OP get (existing key), create (IPC_CREAT, 0600: ok ID), use (by id: msgsnd
 * of one message, shmat + a write, semop +1), rmid (IPC_RMID by id), stat (IPC_STAT by id). */
static int act_sysv(int argc, char **argv)
{
	const char *op = argv[1], *kind = argv[2];
	long n = ipc_num(argv[3]);
	bool create = !strcmp(op, "create");
	int id;

	(void)argc;
	if (!strcmp(op, "get") || create) {
		int flags = create ? IPC_CREAT | 0600 : 0;

		if (!strcmp(kind, "msg"))
			id = msgget((key_t)n, flags);
		else if (!strcmp(kind, "shm"))
			id = shmget((key_t)n, 4096, flags);
		else if (!strcmp(kind, "sem"))
			id = semget((key_t)n, 1, flags);
		else
			usage_error("bad IPC kind '%s' (msg, shm or sem)", kind);
		return id < 0 ? fail(create ? "create" : "get") : okf("%d", id);
	}
	id = (int)n;
	if (!strcmp(op, "use")) {
		if (!strcmp(kind, "msg")) {
			struct {
				long type;
				char text[8];
			} m = { 1, "probe" };

			return msgsnd(id, &m, 5, IPC_NOWAIT) < 0 ? fail("msgsnd") : ok();
		}
		if (!strcmp(kind, "shm")) {
			char *p = shmat(id, NULL, 0);

			if (p == (void *)-1)
				return fail("shmat");
			p[0] = 'x';
			shmdt(p);
			return ok();
		}
		if (!strcmp(kind, "sem")) {
			struct sembuf op1 = { 0, 1, IPC_NOWAIT };

			return semop(id, &op1, 1) < 0 ? fail("semop") : ok();
		}
		usage_error("bad IPC kind '%s' (msg, shm or sem)", kind);
	}
	if (!strcmp(op, "rmid") || !strcmp(op, "stat")) {
		int cmd = op[0] == 'r' ? IPC_RMID : IPC_STAT, r;
		struct msqid_ds mq;
		struct shmid_ds sh;
		struct semid_ds se;
		union {
			int val;
			struct semid_ds *buf;
		} arg = { .buf = &se };

		if (!strcmp(kind, "msg"))
			r = msgctl(id, cmd, &mq);
		else if (!strcmp(kind, "shm"))
			r = shmctl(id, cmd, &sh);
		else if (!strcmp(kind, "sem"))
			r = semctl(id, 0, cmd, arg);
		else
			usage_error("bad IPC kind '%s' (msg, shm or sem)", kind);
		return r < 0 ? fail(op) : ok();
	}
	usage_error("bad sysv operation '%s' (get, create, use, rmid, stat)", op);
}

/* mq open|create|unlink /NAME: POSIX message queues. */
static int act_mq(int argc, char **argv)
{
	const char *op = argv[1], *name = argv[2];
	struct mq_attr attr = { .mq_maxmsg = 4, .mq_msgsize = 64 };
	mqd_t q;

	(void)argc;
	if (!strcmp(op, "unlink"))
		return mq_unlink(name) < 0 ? fail("mq_unlink") : ok();
	if (strcmp(op, "open") && strcmp(op, "create"))
		usage_error("bad mq operation '%s' (open, create, unlink)", op);
	q = op[0] == 'c' ? mq_open(name, O_RDWR | O_CREAT | O_EXCL, 0600, &attr) :
			   mq_open(name, O_RDWR);
	if (q == (mqd_t)-1)
		return fail("mq_open");
	if (mq_send(q, payload, PAYLOAD_LEN, 0) < 0)
		return fail("mq_send");
	mq_close(q);
	return ok();
}

/* ipc-own: what multiprocessing needs, all private to this process: a SysV queue, segment and
 * semaphore set (IPC_PRIVATE), a POSIX queue, and POSIX shared memory in /dev/shm. */
static int act_ipc_own(int argc, char **argv)
{
	struct {
		long type;
		char text[8];
	} m = { 1, "probe" }, got = {};
	struct sembuf up = { 0, 1, 0 };
	struct mq_attr attr = { .mq_maxmsg = 4, .mq_msgsize = 64 };
	char name[64], buf[64], *p;
	int id, fd;
	mqd_t q;

	(void)argc;
	(void)argv;
	if ((id = msgget(IPC_PRIVATE, IPC_CREAT | 0600)) < 0)
		return fail("msgget");
	if (msgsnd(id, &m, 5, 0) < 0)
		return fail("msgsnd");
	if (msgrcv(id, &got, sizeof(got.text), 0, 0) != 5 || memcmp(got.text, "probe", 5))
		return fail_short("msgrcv");
	msgctl(id, IPC_RMID, NULL);
	if ((id = shmget(IPC_PRIVATE, 4096, IPC_CREAT | 0600)) < 0)
		return fail("shmget");
	if ((p = shmat(id, NULL, 0)) == (void *)-1)
		return fail("shmat");
	p[0] = 'x';
	shmdt(p);
	shmctl(id, IPC_RMID, NULL);
	if ((id = semget(IPC_PRIVATE, 1, IPC_CREAT | 0600)) < 0)
		return fail("semget");
	if (semop(id, &up, 1) < 0)
		return fail("semop");
	semctl(id, 0, IPC_RMID);
	snprintf(name, sizeof(name), "/probe-%d", (int)getpid());
	q = mq_open(name, O_RDWR | O_CREAT | O_EXCL, 0600, &attr);
	if (q == (mqd_t)-1)
		return fail("mq_open");
	if (mq_send(q, payload, PAYLOAD_LEN, 0) < 0)
		return fail("mq_send");
	if (mq_receive(q, buf, sizeof(buf), NULL) != (ssize_t)PAYLOAD_LEN)
		return fail_short("mq_receive");
	mq_close(q);
	if (mq_unlink(name) < 0)
		return fail("mq_unlink");
	snprintf(name, sizeof(name), "/dev/shm/probe-%d", (int)getpid());
	fd = open(name, O_RDWR | O_CREAT | O_EXCL, 0600);
	if (fd < 0)
		return fail("open /dev/shm");
	if (ftruncate(fd, 4096) < 0)
		return fail("ftruncate");
	p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED)
		return fail("mmap");
	p[0] = 'x';
	munmap(p, 4096);
	close(fd);
	if (unlink(name) < 0)
		return fail("unlink /dev/shm");
	return ok();
}

/* fill DIR BYTES|files N: write one file of BYTES (in 64 KiB writes), or create N empty files,
 * in DIR: ok, or the errno of the first write/creat that failed (ENOSPC at a bound). */
static int act_fill(int argc, char **argv)
{
	static char block[65536];
	char path[PATH_MAX];
	unsigned long long n;
	int fd;

	if (argc == 4 && !strcmp(argv[2], "files")) {
		n = parse_ull(argv[3], 10, 1ULL << 32, "count");
		for (unsigned long long i = 0; i < n; i++) {
			snprintf(path, sizeof(path), "%s/f%llu", argv[1], i);
			fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
			if (fd < 0)
				return fail("creat");
			close(fd);
		}
		return okf("%llu", n);
	}
	n = parse_ull(argv[2], 10, ~0ULL, "byte count");
	snprintf(path, sizeof(path), "%s/fill", argv[1]);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd < 0)
		return fail("creat");
	for (unsigned long long done = 0; done < n;) {
		size_t len = n - done < sizeof(block) ? n - done : sizeof(block);
		ssize_t w = write(fd, block, len);

		if (w < 0)
			return fail("write");
		done += (unsigned long long)w;
	}
	if (fsync(fd) < 0)
		return fail("fsync");
	close(fd);
	return ok();
}

/* ---- dispatch ----------------------------------------------------------------------------- */

struct action {
	const char *name;
	int min_args, max_args; /* after the action name; -1: no limit */
	int (*fn)(int argc, char **argv); /* argv[0] is the action name */
	const char *args;
	const char *help;
};

static const struct action actions[] = {
	{ "connect", 3, 3, act_connect, "tcp|udp ADDR PORT", "socket + connect (tcp: 3 s limit)" },
	{ "sendto", 3, 3, act_sendto, "udp ADDR PORT", "unconnected sendto of one datagram" },
	{ "sendmsg", 3, 3, act_sendmsg, "udp ADDR PORT", "same with sendmsg + msg_name" },
	{ "sendmmsg", 3, 3, act_sendmmsg, "udp ADDR PORT", "same with sendmmsg" },
	{ "fastopen", 2, 2, act_fastopen, "ADDR PORT", "TCP sendto with MSG_FASTOPEN" },
	{ "socket", 2, 3, act_socket, "FAMILY TYPE [PROTO]", "socket() only" },
	{ "unix-connect", 1, 1, act_unix_connect, "PATH|@NAME", "AF_UNIX stream connect" },
	{ "unix-sendto", 1, 1, act_unix_sendto, "PATH|@NAME", "AF_UNIX dgram sendto" },
	{ "unix-dgram-connect", 1, 1, act_unix_dgram_connect, "PATH|@NAME",
	  "AF_UNIX dgram connect + send" },
	{ "unix-self", 1, 1, act_unix_self, "DIR",
	  "private listener DIR/probe.sock and @probe-PID, round trip" },
	{ "unix-pair", 0, 0, act_unix_pair, "", "socketpair stream + dgram, round trip" },
	{ "listen", 4, 4, act_listen, "tcp|udp ADDR PORT SECS | unix|unix-dgram PATH - SECS",
	  "server: prints ready, serves for SECS" },
	{ "open", 2, 2, act_open, "PATH r|w|rw|creat|trunc|append|path|dir",
	  "open (r also reads <= 4096 bytes: ok N)" },
	{ "read", 1, 1, act_read, "PATH", "read whole file: ok FIRST-LINE" },
	{ "reopen", 1, 1, act_reopen, "PATH",
	  "O_PATH open, then read through /proc/self/fd/N: ok FIRST-LINE" },
	{ "write", 2, 2, act_write, "PATH STRING", "O_WRONLY (no create/trunc) + write" },
	{ "create", 2, 2, act_create, "PATH STRING", "O_WRONLY|O_CREAT|O_TRUNC 0644 + write" },
	{ "copy", 2, 2, act_copy, "SRC DST", "SRC's bytes into DST (O_CREAT|O_TRUNC, mode 0755)" },
	{ "mkdir", 1, 2, act_mkdir, "PATH [OCTAL]", "mkdir (default 0755)" },
	{ "rmdir", 1, 1, act_rmdir, "PATH", "rmdir" },
	{ "unlink", 1, 1, act_unlink, "PATH", "unlink" },
	{ "symlink", 2, 2, act_symlink, "TARGET LINKPATH", "symlink" },
	{ "link", 2, 2, act_link, "OLD NEW", "hard link" },
	{ "rename", 2, 2, act_rename, "OLD NEW", "rename" },
	{ "chmod", 2, 2, act_chmod, "PATH OCTAL", "chmod" },
	{ "truncate", 2, 2, act_truncate, "PATH LEN", "truncate" },
	{ "exec", 1, -1, act_exec, "PATH [ARG...]", "execv; its output replaces ours" },
	{ "map-exec", 2, 2, act_map_exec, "PATH mmap|mprotect",
	  "map PATH's first page PROT_EXEC (mmap), or readable then mprotect PROT_EXEC" },
	{ "memfd", 2, -1, act_memfd, "SRC exec ARG0 [ARG...] | SRC mmap|mprotect",
	  "SRC copied into a memfd, then execveat(AT_EMPTY_PATH) or mapped PROT_EXEC" },
	{ "getpid-into", 1, 1, act_getpid_into, "FILE", "write own pid into FILE: ok PID" },
	{ "daemonize", 2, 2, act_daemonize, "PIDFILE SECS",
	  "double-fork + setsid grandchild sleeping SECS: ok PID" },
	{ "sleep", 1, 1, act_sleep, "SECS", "sleep" },
	{ "fib", 1, 1, act_fib, "N", "iterative fibonacci: ok VALUE (mod 2^64)" },
	{ "flood-open", 2, 2, act_flood_open, "PATH N",
	  "open PATH N times: ok denied=COUNT errno=NAME" },
	{ "bpf-prog-count", 0, 0, act_bpf_prog_count, "", "bpf(BPF_PROG_GET_NEXT_ID): ok COUNT" },
	{ "cgroup", 0, 0, act_cgroup, "", "ok PATH from the 0:: line of /proc/self/cgroup" },
	{ "mount-tmpfs", 1, 1, act_mount_tmpfs, "DIR", "mount a tmpfs on DIR (then detach it)" },
	{ "umount", 1, 1, act_umount, "DIR", "umount2(DIR, MNT_DETACH)" },
	{ "unshare-user", 0, 0, act_unshare_user, "", "unshare(CLONE_NEWUSER)" },
	{ "clone-ns", 1, 1, act_clone_ns, "none|user|mount|net|pid|ipc|uts|cgroup",
	  "clone(2) with that namespace flag, the child exits 0" },
	{ "clone3", 0, 0, act_clone3, "", "clone3(2) without flags, the child exits 0" },
	{ "clone-into-cgroup", 1, 1, act_clone_into_cgroup, "DIR",
	  "clone3(CLONE_INTO_CGROUP) with an O_PATH fd of DIR, the child exits 0" },
	{ "abi", 1, 1, act_abi, "i386|x32", "getpid through another ABI: ok PID (or killed)" },
	{ "perf-open", 1, 1, act_perf_open, "PID", "perf_event_open of a software clock on PID" },
	{ "tiocsti", 0, 0, act_tiocsti, "", "ioctl(0, TIOCSTI)" },
	{ "setxattr", 2, 2, act_setxattr, "PATH NAME", "setxattr NAME=1" },
	{ "removexattr", 2, 2, act_removexattr, "PATH NAME", "removexattr NAME" },
	{ "setpriority", 2, 2, act_setpriority, "PID NICE", "setpriority(PRIO_PROCESS)" },
	{ "ioprio", 1, 1, act_ioprio, "PID", "ioprio_set idle class" },
	{ "pidfd", 1, 1, act_pidfd, "PID|0",
	  "pidfd_open + pidfd_send_signal (0: SIGKILL to an own child; PID: signal 0)" },
	{ "affinity", 1, 1, act_affinity, "PID", "sched_setaffinity to CPU 0" },
	{ "prlimit", 1, 1, act_prlimit, "PID", "prlimit(PID, RLIMIT_NOFILE) read: ok SOFT" },
	{ "sysv", 3, 3, act_sysv, "get|create|use|rmid|stat msg|shm|sem KEY|ID",
	  "SysV IPC: get/create by key (ok ID), use/rmid/stat by id" },
	{ "mq", 2, 2, act_mq, "open|create|unlink /NAME", "POSIX message queue (open/create send one)" },
	{ "ipc-own", 0, 0, act_ipc_own, "",
	  "private SysV msg/shm/sem, a POSIX queue and /dev/shm memory, round trips" },
	{ "fill", 2, 3, act_fill, "DIR BYTES | DIR files N", "write BYTES into DIR/fill, or N files" },
	{ "uring", 2, 4, act_uring, "openat PATH | connect|sendmsg ADDR PORT | socket FAMILY [sqpoll]",
	  "one io_uring operation (io-wq worker, or the SQPOLL thread): ok, or the CQE's errno" },
};

#define N_ACTIONS (sizeof(actions) / sizeof(actions[0]))

static void usage(FILE *f)
{
	size_t i;

	fputs("usage: probe ACTION ARG...\n"
	      "Performs one action and prints one line: 'ok [DETAIL]' (exit 0), or\n"
	      "'ERRNO STEP' for the first failing syscall (exit 1). Usage errors exit 2.\n"
	      "ADDR is a numeric IPv4 or IPv6 literal; PATH '@name' is an abstract unix name.\n"
	      "FAMILY: unix inet inet6 netlink packet vsock xdp alg unspec ... or a number;\n"
	      "TYPE: stream dgram raw seqpacket or a number;\n"
	      "PROTO: tcp udp icmp icmpv6 mptcp sctp or a number (default 0).\n\nactions:\n",
	      f);
	for (i = 0; i < N_ACTIONS; i++)
		fprintf(f, "  %s%s%s\n      %s\n", actions[i].name, *actions[i].args ? " " : "",
			actions[i].args, actions[i].help);
}

int main(int argc, char **argv)
{
	const struct action *act = NULL;
	int nargs;
	size_t i;

	if (argc < 2)
		usage_error("missing action");
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		usage(stdout);
		return 0;
	}
	for (i = 0; i < N_ACTIONS; i++)
		if (!strcmp(actions[i].name, argv[1]))
			act = &actions[i];
	if (!act)
		usage_error("unknown action '%s'", argv[1]);
	nargs = argc - 2;
	if (nargs < act->min_args || (act->max_args >= 0 && nargs > act->max_args))
		usage_error("%s takes: %s", act->name, *act->args ? act->args : "no arguments");

	/* A write to a closed socket or pipe must come back as EPIPE to be reported, not kill the
	 * probe before it prints anything. */
	signal(SIGPIPE, SIG_IGN);
	return act->fn(argc - 1, argv + 1);
}
