/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * bpfenced --syslog (loader/syslog_out.c): each record, as the JSON line the log has, sent to
 * the local syslog socket, rate-limited, never blocking, every loss counted.
 */
#ifndef BPFENCE_SYSLOG_OUT_H
#define BPFENCE_SYSLOG_OUT_H

#include <stdbool.h>
#include <stddef.h>

#include "metrics.h"

#define SYSLOG_SOCKET "/dev/log"
#define SYSLOG_RATE_DEFAULT 1000 /* records per second; the burst is the same number */
/* Messages kept while the syslog daemon's queue is full (a datagram socket's queue is short:
 * net.unix.max_dgram_qlen, 10 by default), sent as it drains; past this, counted as busy. */
#define SYSLOG_QUEUE_MAX 4096

struct syslog_msg {
	char *data;
	size_t len;
};

struct syslog_out {
	int fd; /* connected AF_UNIX datagram socket, -1 until (re)connected */
	int epfd;               /* the daemon's loop: told to wake when the queue can drain */
	unsigned long long tag; /* ... with this epoll data */
	bool watching;          /* fd is in epfd for EPOLLOUT */
	struct syslog_msg q[SYSLOG_QUEUE_MAX];
	unsigned int head, count;
	const char *path;
	int facility; /* LOG_* facility value (already shifted, as <syslog.h> has it) */
	double rate, tokens;
	long long refilled_ms;
	unsigned long long *sent, *dropped; /* struct metrics' syslog_sent, syslog_dropped[] */
	unsigned long long unreported[SYSLOG_DROP_MAX]; /* drops not yet told in a record */
};

/* The facility named (auth, authpriv, daemon, local0..local7, user): its value, or -EINVAL. */
int syslog_facility(const char *name);
/* Connect to path (SYSLOG_SOCKET). 0, or -errno with why set: a daemon asked for --syslog
 * without a syslog socket refuses to start, instead of dropping everything. epfd (or -1) and
 * tag: the loop that calls syslog_flush() when the socket can take more. */
int syslog_open(struct syslog_out *s, const char *path, int facility, unsigned int rate,
		struct metrics *m, int epfd, unsigned long long tag, char *why, size_t n);
/* Send what the queue holds, as far as the socket takes it now. */
void syslog_flush(struct syslog_out *s);
/* At the daemon's end: wait up to ms for the queue to be taken. */
void syslog_drain(struct syslog_out *s, int ms);
/* Send one record (line, without newline) at severity (LOG_WARNING...), now_ms on a monotonic
 * clock. limited: subject to the rate limit (records of the kernel's; the daemon's own are
 * not). Counts what it sent or why it did not. */
void syslog_send(struct syslog_out *s, int severity, const char *line, size_t len,
		 long long now_ms, bool limited);
/* Drops not yet reported, taken (zeroed): the daemon writes them as a "syslog_drops" record. */
bool syslog_take_unreported(struct syslog_out *s, unsigned long long out[SYSLOG_DROP_MAX]);
void syslog_close(struct syslog_out *s);

#endif
