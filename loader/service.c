// SPDX-License-Identifier: GPL-2.0-only
/*
 * bpfenced's socket: accept, read one bounded request, hand it to a worker, forget it.
 *
 * Everything here runs in bpfenced's event loop, so nothing may block: the listener and every
 * connection are non-blocking, a turn of the loop accepts at most SERVICE_ACCEPT_BATCH
 * connections, a request must arrive whole (REQUEST_MAX bytes, one line) within
 * SERVICE_REQUEST_MS, and a caller has at most requests_per_uid connections and workers at
 * once. Whatever breaks a bound gets a one-line refusal (sent without waiting: it fits any
 * socket buffer, and a caller that does not read it loses it) and is closed. The ring buffer's
 * records are read by the same loop between these steps, so no caller can delay them.
 *
 * An accepted request becomes a worker: the bpfence CLI, as root, started with posix_spawn in a
 * new session, its 0-2 the caller's descriptors, 3 the connection (the answer goes there; its
 * hangup kills the function), 4 the caller's source directory, its working directory the
 * caller's. The worker is not the daemon: it outlives a restart of bpfenced and answers its
 * caller itself. The daemon only counts it, through its pidfd, until it exits.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "json.h"
#include "sandbox.h"
#include "service.h"

#ifndef SO_PEERGROUPS
#define SO_PEERGROUPS 59
#endif

static long long conn_base(const struct service *s)
{
	return (long long)s->src + 1;
}

static long long worker_base(const struct service *s)
{
	return conn_base(s) + s->cfg.connections;
}

bool service_owns(const struct service *s, uint64_t data)
{
	return s->fd >= 0 && data >= s->src && data < (uint64_t)worker_base(s) + SERVICE_WORKERS_MAX;
}

/* The socket systemd passed (bpfenced.socket), if any: fd 3. */
static int listen_fds(void)
{
	const char *pid = getenv("LISTEN_PID"), *fds = getenv("LISTEN_FDS");

	if (!pid || !fds || atol(pid) != (long)getpid() || atoi(fds) < 1)
		return -1;
	unsetenv("LISTEN_PID");
	unsetenv("LISTEN_FDS");
	unsetenv("LISTEN_FDNAMES");
	fcntl(3, F_SETFD, FD_CLOEXEC);
	fcntl(3, F_SETFL, fcntl(3, F_GETFL) | O_NONBLOCK);
	return 3;
}

/* The bpfence CLI beside this daemon (both in SBINDIR, or both in .output/). */
static int find_cli(struct service *s, char *why, size_t n)
{
	char self[PATH_MAX];
	ssize_t len = readlink("/proc/self/exe", self, sizeof(self) - 1);
	char *slash;

	if (len <= 0) {
		snprintf(why, n, "/proc/self/exe: %s", strerror(errno));
		return -1;
	}
	self[len] = 0;
	slash = strrchr(self, '/');
	*slash = 0;
	snprintf(s->bpfence, sizeof(s->bpfence), "%s/bpfence", self);
	if (access(s->bpfence, X_OK)) {
		snprintf(why, n, "%s: %s (the workers are the bpfence command)", s->bpfence,
			 strerror(errno));
		return -1;
	}
	return 0;
}

int service_listen(struct service *s, int epfd, uint64_t src, char *why, size_t n)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct epoll_event ev = { .events = EPOLLIN, .data.u64 = src };
	gid_t gid = (gid_t)-1;
	struct stat st;
	mode_t old;

	s->epfd = epfd;
	s->src = src;
	s->fd = -1;
	for (size_t i = 0; i < SERVICE_WORKERS_MAX; i++)
		s->workers[i] = (struct service_worker){ .pidfd = -1 };
	s->conns = calloc(s->cfg.connections, sizeof(*s->conns));
	if (!s->conns) {
		snprintf(why, n, "out of memory");
		return -1;
	}
	for (size_t i = 0; i < s->cfg.connections; i++)
		s->conns[i].fd = -1;
	if (find_cli(s, why, n))
		return -1;
	s->fd = listen_fds();
	if (s->fd < 0) {
		if (strlen(s->cfg.socket) >= sizeof(sa.sun_path)) {
			snprintf(why, n, "%s: path too long", s->cfg.socket);
			return -1;
		}
		snprintf(s->path, sizeof(s->path), "%s", s->cfg.socket);
		snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", s->path);
		{
			char dir[PATH_MAX], *slash;

			snprintf(dir, sizeof(dir), "%s", s->path);
			slash = strrchr(dir, '/');
			if (slash && slash != dir) {
				*slash = 0;
				mkdir(dir, 0755);
				/* Other parts of bpfence make /run/bpfence root's 0700 (everything
				 * in it is 0600 or 0700): callers must be able to search it to reach
				 * the socket, as under systemd's socket unit (DirectoryMode 0755). A
				 * directory an admin chose for --socket is left as the admin made it. */
				if (!strcmp(dir, SERVICE_RUN_DIR)) {
					int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
								    O_CLOEXEC);

					if (dfd >= 0 && !fstat(dfd, &st) && st.st_uid == 0)
						fchmod(dfd, 0755);
					if (dfd >= 0)
						close(dfd);
				}
			}
		}
		/* A socket left by a daemon that is gone (or is being replaced): take the path. */
		if (!lstat(s->path, &st)) {
			if (!S_ISSOCK(st.st_mode)) {
				snprintf(why, n, "%s exists and is not a socket", s->path);
				return -1;
			}
			unlink(s->path);
		}
		s->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		if (s->fd < 0) {
			snprintf(why, n, "socket: %s", strerror(errno));
			return -1;
		}
		/* Born 0600: never reachable by anyone else before its group and mode are set. */
		old = umask(0177);
		if (bind(s->fd, (struct sockaddr *)&sa, sizeof(sa))) {
			umask(old);
			snprintf(why, n, "%s: %s", s->path, strerror(errno));
			return -1;
		}
		umask(old);
		if (service_group(s->cfg.group, &gid))
			gid = (gid_t)-1;
		if (gid != (gid_t)-1 && (chown(s->path, 0, gid) || chmod(s->path, 0660))) {
			snprintf(why, n, "%s: %s", s->path, strerror(errno));
			return -1;
		}
		if (!lstat(s->path, &st)) {
			s->dev = st.st_dev;
			s->ino = st.st_ino;
		}
		if (listen(s->fd, 128)) {
			snprintf(why, n, "listen %s: %s", s->path, strerror(errno));
			return -1;
		}
		if (gid == (gid_t)-1)
			snprintf(why, n, "group '%s' does not exist: %s is root's alone (0600)",
				 s->cfg.group, s->path);
	}
	if (epoll_ctl(epfd, EPOLL_CTL_ADD, s->fd, &ev)) {
		snprintf(why, n, "epoll: %s", strerror(errno));
		return -1;
	}
	return 0;
}

/* Requests of uid in progress: connections being read and workers. */
static unsigned int in_progress(const struct service *s, uid_t uid)
{
	unsigned int k = 0;

	for (size_t i = 0; i < s->cfg.connections; i++)
		k += s->conns[i].fd >= 0 && s->conns[i].peer.uid == uid;
	for (size_t i = 0; i < SERVICE_WORKERS_MAX; i++)
		k += s->workers[i].pid && s->workers[i].uid == uid;
	return k;
}

static void answer_refusal(int fd, const char *why)
{
	char buf[1024];
	struct json_writer w;
	size_t len;

	jsonw_init_buf(&w, buf, sizeof(buf) - 1);
	jsonw_start_object(&w);
	jsonw_bool_field(&w, "ok", false);
	jsonw_int_field(&w, "exit_code", EXIT_BPFENCE);
	jsonw_bool_field(&w, "refused", true);
	jsonw_string_field(&w, "error", why);
	jsonw_end_object(&w);
	len = jsonw_buf_len(&w);
	buf[len++] = '\n';
	/* Never waits: a caller that does not read its refusal loses it. */
	if (send(fd, buf, len, MSG_DONTWAIT | MSG_NOSIGNAL) < 0) {
		/* nothing to do: the connection goes anyway */
	}
}

static void outcome(struct service *s, const struct request_peer *p, const struct request *req,
		    const char *refused, pid_t worker)
{
	struct service_outcome o = {
		.peer = p,
		.op = req && req->op < REQ_OP_MAX ? request_op_names[req->op] : NULL,
		.policy = req ? req->policy : "",
		.sandbox = req ? req->sandbox : "",
		.refused = refused,
		.worker = worker,
	};

	if (refused)
		s->refused++;
	else
		s->accepted++;
	if (s->record)
		s->record(s->ctx, &o);
}

static void conn_close(struct service *s, struct service_conn *c)
{
	epoll_ctl(s->epfd, EPOLL_CTL_DEL, c->fd, NULL);
	close(c->fd);
	for (size_t i = 0; i < c->nfds; i++)
		close(c->fds[i]);
	free(c->buf);
	*c = (struct service_conn){ .fd = -1 };
}

static void conn_refuse(struct service *s, struct service_conn *c, const struct request *req,
			const char *why)
{
	answer_refusal(c->fd, why);
	outcome(s, &c->peer, req, why, 0);
	conn_close(s, c);
}

/* A connection refused before it had a slot: nothing of it to free but the socket. */
static void refuse_unread(struct service *s, int fd, const struct request_peer *p,
			  const char *why)
{
	answer_refusal(fd, why);
	outcome(s, p, NULL, why, 0);
	close(fd);
}

static int cmp_uid(const void *a, const void *b)
{
	uid_t x = *(const uid_t *)a, y = *(const uid_t *)b;

	return x < y ? -1 : x > y;
}

/*
 * Every slot is taken: one uid holding open connections it never completes (a flood) must not
 * lock the others out. If some uid holds more slots than uid (the newcomer) by two or more, its
 * oldest connection is dropped, with the reason, and the slot is the newcomer's; otherwise NULL
 * (the newcomer is refused: it is among the heaviest holders itself). Connections being read
 * are a few milliseconds' work for an honest caller, so only a caller that holds them is hurt.
 */
static struct service_conn *make_room(struct service *s, uid_t uid)
{
	struct service_conn *victim = NULL;
	unsigned int mine = 0, most = 0, k = 0;
	size_t n = s->cfg.connections;
	uid_t heavy = uid, *uids = malloc(n * sizeof(*uids));
	char why[160];

	if (!uids)
		return NULL;
	/* Sorted, each uid's slots are a run: n log n, not n squared, under a flood. */
	for (size_t i = 0; i < n; i++)
		uids[i] = s->conns[i].peer.uid;
	qsort(uids, n, sizeof(*uids), cmp_uid);
	for (size_t i = 0; i < n; i++) {
		k = i && uids[i] == uids[i - 1] ? k + 1 : 1;
		if (uids[i] == uid)
			mine = k;
		if (k > most) {
			most = k;
			heavy = uids[i];
		}
	}
	free(uids);
	if (mine + 2 > most)
		return NULL;
	for (size_t i = 0; i < s->cfg.connections; i++)
		if (s->conns[i].peer.uid == heavy &&
		    (!victim || s->conns[i].deadline < victim->deadline))
			victim = &s->conns[i];
	snprintf(why, sizeof(why),
		 "busy: dropped, uid %u holds %u of the %u connections being read (connections)",
		 (unsigned int)heavy, most, s->cfg.connections);
	conn_refuse(s, victim, NULL, why);
	return victim;
}

static void accept_one(struct service *s, int fd, long long now)
{
	struct request_peer p = {};
	struct ucred cred;
	socklen_t len = sizeof(cred);
	struct service_conn *c = NULL;
	struct epoll_event ev = { .events = EPOLLIN | EPOLLRDHUP };
	char why[160];

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len)) {
		close(fd);
		return;
	}
	p.pid = cred.pid;
	p.uid = cred.uid;
	p.gid = cred.gid;
	len = sizeof(p.groups);
	if (!getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, p.groups, &len))
		p.ngroups = len / sizeof(gid_t);
	if (in_progress(s, p.uid) >= s->cfg.requests_per_uid) {
		snprintf(why, sizeof(why),
			 "uid %u has %u requests in progress (requests_per_uid in bpfenced.conf)",
			 (unsigned int)p.uid, s->cfg.requests_per_uid);
		refuse_unread(s, fd, &p, why);
		return;
	}
	for (size_t i = 0; i < s->cfg.connections && !c; i++)
		if (s->conns[i].fd < 0)
			c = &s->conns[i];
	if (!c)
		c = make_room(s, p.uid);
	if (!c) {
		snprintf(why, sizeof(why), "busy: %u connections are being read (connections)",
			 s->cfg.connections);
		refuse_unread(s, fd, &p, why);
		return;
	}
	c->buf = malloc(REQUEST_MAX);
	if (!c->buf) {
		close(fd);
		return;
	}
	c->fd = fd;
	c->peer = p;
	c->deadline = now + SERVICE_REQUEST_MS;
	ev.data.u64 = (uint64_t)(conn_base(s) + (c - s->conns));
	if (epoll_ctl(s->epfd, EPOLL_CTL_ADD, fd, &ev)) {
		free(c->buf);
		*c = (struct service_conn){ .fd = -1 };
		close(fd);
	}
}

static void worker_done(struct service *s, struct service_worker *w)
{
	siginfo_t info;

	epoll_ctl(s->epfd, EPOLL_CTL_DEL, w->pidfd, NULL);
	waitid(P_PIDFD, (id_t)w->pidfd, &info, WEXITED | WNOHANG);
	close(w->pidfd);
	*w = (struct service_worker){ .pidfd = -1 };
}

/* posix_spawn the worker: the caller's descriptors first moved out of the way (they may sit
 * on 0-4 in this process), then dup2'ed into place in the child. */
static int spawn_worker(struct service *s, struct service_conn *c, struct request *req,
			char *why, size_t n)
{
	static const char *const envp[] = { "PATH=/usr/sbin:/usr/bin:/sbin:/bin", "LANG=C.UTF-8",
					    NULL };
	int high[5] = { -1, -1, -1, -1, -1 }, cwd = -1, null = -1, pidfd = -1, r = -1;
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	sigset_t all, none;
	struct service_worker *w = NULL;
	struct epoll_event ev = { .events = EPOLLIN };
	struct stat st;
	pid_t pid;

	for (size_t i = 0; i < SERVICE_WORKERS_MAX && !w; i++)
		if (!s->workers[i].pid)
			w = &s->workers[i];
	if (!w) {
		snprintf(why, n, "busy: %d requests are running", SERVICE_WORKERS_MAX);
		return -1;
	}
	if (req->fd[RFD_CWD] >= 0) {
		cwd = c->fds[req->fd[RFD_CWD]];
		if (fstat(cwd, &st) || !S_ISDIR(st.st_mode)) {
			snprintf(why, n, "'cwd' is not a directory");
			return -1;
		}
	}
	null = open("/dev/null", O_RDWR | O_CLOEXEC);
	for (int i = 0; i < 3; i++)
		high[i] = fcntl(req->fd[i] >= 0 ? c->fds[req->fd[i]] : null, F_DUPFD_CLOEXEC, 64);
	high[3] = fcntl(c->fd, F_DUPFD_CLOEXEC, 64);
	if (req->fd[RFD_SOURCE] >= 0)
		high[4] = fcntl(c->fds[req->fd[RFD_SOURCE]], F_DUPFD_CLOEXEC, 64);
	posix_spawn_file_actions_init(&fa);
	posix_spawnattr_init(&attr);
	sigfillset(&all);
	sigemptyset(&none);
	posix_spawnattr_setsigdefault(&attr, &all);
	posix_spawnattr_setsigmask(&attr, &none);
	posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSID | POSIX_SPAWN_SETSIGDEF |
						POSIX_SPAWN_SETSIGMASK);
	if (cwd >= 0)
		posix_spawn_file_actions_addfchdir_np(&fa, cwd);
	else
		posix_spawn_file_actions_addchdir_np(&fa, "/");
	for (int i = 0; i < 5; i++)
		if (high[i] >= 0)
			posix_spawn_file_actions_adddup2(&fa, high[i], i);
	posix_spawn_file_actions_addclosefrom_np(&fa, high[4] >= 0 ? 5 : 4);
	if (high[0] < 0 || high[1] < 0 || high[2] < 0 || high[3] < 0 ||
	    (req->fd[RFD_SOURCE] >= 0 && high[4] < 0)) {
		snprintf(why, n, "cannot pass the descriptors on: %s", strerror(errno));
	} else if ((errno = posix_spawn(&pid, s->bpfence, &fa, &attr, req->argv,
					(char *const *)envp))) {
		snprintf(why, n, "cannot start %s: %s", s->bpfence, strerror(errno));
	} else {
		r = 0;
		pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
		*w = (struct service_worker){ .pid = pid, .pidfd = pidfd, .uid = c->peer.uid };
		ev.data.u64 = (uint64_t)(worker_base(s) + (w - s->workers));
		/* Without its pidfd the slot stays taken until the next restart: bounded, and
		 * only on an fd shortage. */
		if (pidfd >= 0)
			epoll_ctl(s->epfd, EPOLL_CTL_ADD, pidfd, &ev);
		outcome(s, &c->peer, req, NULL, pid);
	}
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&attr);
	for (int i = 0; i < 5; i++)
		if (high[i] >= 0)
			close(high[i]);
	if (null >= 0)
		close(null);
	return r;
}

/* A whole request (the buffer up to its newline): held to the configuration, then a worker. */
static void handle_request(struct service *s, struct service_conn *c)
{
	struct request req;
	char why[512];
	long long owned;

	if (request_authorize(&s->cfg, &c->peer, c->buf, c->nfds, s->bpfence, &req, why,
			      sizeof(why)))
		goto refuse;
	if (req.creates_sandbox && c->peer.uid != 0) {
		owned = sandbox_count_live((long long)c->peer.uid);
		if (owned >= (long long)s->cfg.sandboxes_per_uid) {
			snprintf(why, sizeof(why),
				 "uid %u has %lld live sandboxes (sandboxes_per_uid in bpfenced.conf)",
				 (unsigned int)c->peer.uid, owned);
			goto refuse;
		}
	}
	if (spawn_worker(s, c, &req, why, sizeof(why)))
		goto refuse;
	request_free(&req);
	conn_close(s, c);
	return;
refuse:
	conn_refuse(s, c, &req, why);
	request_free(&req);
}

static void conn_read(struct service *s, struct service_conn *c)
{
	union {
		char buf[CMSG_SPACE(sizeof(int) * (RFD_MAX + 2))];
		struct cmsghdr align;
	} ctl;
	struct iovec iov = { c->buf + c->len, REQUEST_MAX - 1 - c->len };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl.buf,
			      .msg_controllen = sizeof(ctl.buf) };
	const char *refusal = NULL;
	char *nl;
	ssize_t got = recvmsg(c->fd, &msg, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);

	if (got < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	/* Descriptors are taken in whatever message they come: every one is closed with the
	 * connection if the request is refused. */
	for (struct cmsghdr *cm = CMSG_FIRSTHDR(&msg); cm; cm = CMSG_NXTHDR(&msg, cm)) {
		size_t k;

		if (cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS)
			continue;
		k = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (size_t i = 0; i < k; i++) {
			int fd;

			memcpy(&fd, CMSG_DATA(cm) + i * sizeof(int), sizeof(int));
			if (c->nfds < RFD_MAX)
				c->fds[c->nfds++] = fd;
			else {
				close(fd);
				refusal = "more than 5 descriptors passed";
			}
		}
	}
	if (msg.msg_flags & MSG_CTRUNC)
		refusal = "more than 5 descriptors passed";
	if (got <= 0) {
		/* The caller went before its request was whole: nobody to answer. */
		outcome(s, &c->peer, NULL, got < 0 ? strerror(errno) : "closed before the request",
			0);
		conn_close(s, c);
		return;
	}
	c->len += (size_t)got;
	c->buf[c->len] = 0;
	if (refusal) {
		conn_refuse(s, c, NULL, refusal);
		return;
	}
	if (memchr(c->buf, 0, c->len)) {
		conn_refuse(s, c, NULL, "malformed request: a NUL byte");
		return;
	}
	nl = memchr(c->buf, '\n', c->len);
	if (!nl) {
		if (c->len >= REQUEST_MAX - 1)
			conn_refuse(s, c, NULL, "request larger than 64 KiB");
		return;
	}
	if (nl + 1 != c->buf + c->len) {
		conn_refuse(s, c, NULL, "one request per connection: bytes after its newline");
		return;
	}
	*nl = 0;
	handle_request(s, c);
}

void service_ready(struct service *s, uint64_t data, uint32_t events, long long now)
{
	long long i;

	(void)events;
	if (data == s->src) {
		for (int k = 0; k < SERVICE_ACCEPT_BATCH; k++) {
			int fd = accept4(s->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

			if (fd < 0)
				break;
			accept_one(s, fd, now);
		}
		return;
	}
	i = (long long)data - conn_base(s);
	if (i >= 0 && i < (long long)s->cfg.connections) {
		if (s->conns[i].fd >= 0)
			conn_read(s, &s->conns[i]);
		return;
	}
	i = (long long)data - worker_base(s);
	if (i >= 0 && i < SERVICE_WORKERS_MAX && s->workers[i].pid)
		worker_done(s, &s->workers[i]);
}

void service_expire(struct service *s, long long now)
{
	if (s->fd < 0 || !s->conns)
		return;
	for (size_t i = 0; i < s->cfg.connections; i++)
		if (s->conns[i].fd >= 0 && now >= s->conns[i].deadline)
			conn_refuse(s, &s->conns[i], NULL,
				    "request not complete within 5 s (one JSON line)");
}

void service_close(struct service *s)
{
	struct stat st;

	if (s->fd < 0)
		return;
	for (size_t i = 0; s->conns && i < s->cfg.connections; i++)
		if (s->conns[i].fd >= 0)
			conn_close(s, &s->conns[i]);
	epoll_ctl(s->epfd, EPOLL_CTL_DEL, s->fd, NULL);
	close(s->fd);
	s->fd = -1;
	/* Only our own socket: a daemon started meanwhile may have bound the path again. */
	if (s->path[0] && !lstat(s->path, &st) && st.st_dev == s->dev && st.st_ino == s->ino)
		unlink(s->path);
	free(s->conns);
	s->conns = NULL;
	for (size_t i = 0; i < SERVICE_WORKERS_MAX; i++)
		if (s->workers[i].pid && s->workers[i].pidfd >= 0)
			close(s->workers[i].pidfd);
	service_config_free(&s->cfg);
}
