// SPDX-License-Identifier: GPL-2.0-only
/*
 * bpfenced's syslog output. The format is the one syslog(3) writes to the local socket,
 *
 *   <PRI>Mmm dd hh:mm:ss bpfenced[PID]: {"time": ..., "event": "denial", ...}
 *
 * with the record's JSON line, unchanged, as the message: every local syslog daemon (rsyslog,
 * syslog-ng, journald, busybox) parses this framing, and the message is the same text the log
 * file has, so one parser reads both. (RFC 5424 with structured data was the alternative; local
 * daemons differ in whether they parse it from /dev/log, and the structured data would repeat
 * what the JSON says.) Denials are LOG_WARNING, audit-mode events LOG_NOTICE, the daemon's own
 * records LOG_INFO, and drops or lost enforcement LOG_ERR.
 *
 * Why not syslog(3): it blocks when the syslog daemon falls behind (a full datagram queue), and
 * a stalled syslog daemon must not stall record delivery. Here the socket is non-blocking; what
 * it cannot take now waits in a bounded queue (SYSLOG_QUEUE_MAX) sent in order as the daemon's
 * loop sees the socket writable again. A full queue is a counted drop ("busy"), a storm beyond
 * the rate limit a counted drop ("rate"), a
 * socket that went away (the daemon restarted) is reconnected at the next record, and what was
 * lost meanwhile is counted ("error"). The counts are metrics and, once a second while there are
 * new ones, a "syslog_drops" record in the log and to syslog itself.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "syslog_out.h"

int syslog_facility(const char *name)
{
	static const struct {
		const char *name;
		int value;
	} facilities[] = {
		{ "auth", LOG_AUTH },	  { "authpriv", LOG_AUTHPRIV }, { "daemon", LOG_DAEMON },
		{ "user", LOG_USER },	  { "local0", LOG_LOCAL0 },	{ "local1", LOG_LOCAL1 },
		{ "local2", LOG_LOCAL2 }, { "local3", LOG_LOCAL3 },	{ "local4", LOG_LOCAL4 },
		{ "local5", LOG_LOCAL5 }, { "local6", LOG_LOCAL6 },	{ "local7", LOG_LOCAL7 },
	};

	for (size_t i = 0; i < sizeof(facilities) / sizeof(facilities[0]); i++)
		if (!strcmp(name, facilities[i].name))
			return facilities[i].value;
	return -EINVAL;
}

static void disconnect(struct syslog_out *s)
{
	if (s->fd >= 0)
		close(s->fd); /* which takes it out of the loop's epoll set too */
	s->fd = -1;
	s->watching = false;
}

static int connect_socket(struct syslog_out *s)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };

	disconnect(s);
	s->fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (s->fd < 0)
		return -errno;
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", s->path);
	if (connect(s->fd, (struct sockaddr *)&sun, sizeof(sun))) {
		int e = -errno;

		close(s->fd);
		s->fd = -1;
		return e;
	}
	return 0;
}

int syslog_open(struct syslog_out *s, const char *path, int facility, unsigned int rate,
		struct metrics *m, int epfd, unsigned long long tag, char *why, size_t n)
{
	int r;

	memset(s, 0, sizeof(*s));
	s->fd = -1;
	s->epfd = epfd;
	s->tag = tag;
	s->path = path;
	s->facility = facility;
	s->rate = rate;
	s->tokens = rate;
	s->refilled_ms = -1;
	s->sent = &m->syslog_sent;
	s->dropped = m->syslog_dropped;
	r = connect_socket(s);
	if (r)
		snprintf(why, n, "cannot connect to the syslog socket %s: %s (is a syslog daemon "
			 "such as rsyslog running?)", path, strerror(-r));
	return r;
}

static void drop(struct syslog_out *s, enum syslog_drop why)
{
	s->dropped[why]++;
	s->unreported[why]++;
}

/* The token bucket: rate per second, a burst of one second's worth. */
static bool admit(struct syslog_out *s, long long now_ms)
{
	if (s->refilled_ms < 0)
		s->refilled_ms = now_ms;
	s->tokens += (double)(now_ms - s->refilled_ms) * s->rate / 1000.0;
	if (s->tokens > s->rate)
		s->tokens = s->rate;
	s->refilled_ms = now_ms;
	if (s->tokens < 1)
		return false;
	s->tokens -= 1;
	return true;
}

/* Ask the loop to wake when the socket can take more, only while something waits. */
static void watch(struct syslog_out *s)
{
	struct epoll_event ev = { .events = EPOLLOUT, .data.u64 = s->tag };
	bool want = s->count && s->fd >= 0;

	if (s->epfd < 0 || want == s->watching)
		return;
	if (!epoll_ctl(s->epfd, want ? EPOLL_CTL_ADD : EPOLL_CTL_DEL, s->fd, want ? &ev : NULL))
		s->watching = want;
}

/* One message out: 0 sent, -EAGAIN the queue is full now, -1 it cannot be sent (counted). */
static int send_one(struct syslog_out *s, const char *data, size_t len)
{
	/* Two attempts: the second after reconnecting, for a syslog daemon that restarted. */
	for (int attempt = 0; attempt < 2; attempt++) {
		if (s->fd < 0 && connect_socket(s))
			break;
		if (send(s->fd, data, len, MSG_NOSIGNAL | MSG_DONTWAIT) >= 0) {
			(*s->sent)++;
			return 0;
		}
		if (errno == EAGAIN || errno == ENOBUFS)
			return -EAGAIN;
		disconnect(s);
	}
	drop(s, SYSLOG_DROP_ERROR);
	return -1;
}

void syslog_flush(struct syslog_out *s)
{
	while (s->count) {
		struct syslog_msg *m = &s->q[s->head];

		if (send_one(s, m->data, m->len) == -EAGAIN)
			break;
		free(m->data);
		m->data = NULL;
		s->head = (s->head + 1) % SYSLOG_QUEUE_MAX;
		s->count--;
	}
	watch(s);
}

void syslog_drain(struct syslog_out *s, int ms)
{
	for (int waited = 0; waited < ms; waited += 20) {
		struct pollfd p = { .fd = s->fd, .events = POLLOUT };

		syslog_flush(s);
		if (!s->count || s->fd < 0)
			return;
		poll(&p, 1, 20);
	}
}

void syslog_send(struct syslog_out *s, int severity, const char *line, size_t len,
		 long long now_ms, bool limited)
{
	char stamp[32], *msg;
	time_t t = time(NULL);
	struct tm tm;
	int head;

	if (limited && !admit(s, now_ms)) {
		drop(s, SYSLOG_DROP_RATE);
		return;
	}
	localtime_r(&t, &tm);
	strftime(stamp, sizeof(stamp), "%b %e %H:%M:%S", &tm);
	head = asprintf(&msg, "<%d>%s bpfenced[%d]: %.*s", s->facility | severity, stamp,
			(int)getpid(), (int)len, line);
	if (head < 0) {
		drop(s, SYSLOG_DROP_ERROR);
		return;
	}
	/* In order: nothing overtakes what waits in the queue. */
	if (!s->count && send_one(s, msg, (size_t)head) != -EAGAIN) {
		free(msg);
		return;
	}
	if (s->count == SYSLOG_QUEUE_MAX) {
		free(msg);
		drop(s, SYSLOG_DROP_BUSY);
		return;
	}
	s->q[(s->head + s->count) % SYSLOG_QUEUE_MAX] = (struct syslog_msg){ msg, (size_t)head };
	s->count++;
	watch(s);
}

bool syslog_take_unreported(struct syslog_out *s, unsigned long long out[SYSLOG_DROP_MAX])
{
	bool any = false;

	for (int i = 0; i < SYSLOG_DROP_MAX; i++) {
		out[i] = s->unreported[i];
		any |= out[i] != 0;
		s->unreported[i] = 0;
	}
	return any;
}

void syslog_close(struct syslog_out *s)
{
	/* What still waits gets a last chance; the rest is counted, not lost silently. */
	syslog_flush(s);
	while (s->count) {
		free(s->q[s->head].data);
		s->head = (s->head + 1) % SYSLOG_QUEUE_MAX;
		s->count--;
		drop(s, SYSLOG_DROP_BUSY);
	}
	disconnect(s);
}
