/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * bpfenced's socket (docs/socket.md): the listener, the connections being read and the workers
 * that carry accepted requests out, all driven by bpfenced's one event loop and never blocking
 * it. What a request may ask is decided in loader/request.c; the worker is the bpfence CLI
 * itself, as root, on the caller's descriptors, so a function started through the socket goes
 * through the very lifecycle `bpfence run` goes through (loader/invocation.h).
 */
#ifndef BPFENCE_SERVICE_H
#define BPFENCE_SERVICE_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "request.h"
#include "service_config.h"

#define SERVICE_REQUEST_MS 5000 /* the whole request must be in by then */
#define SERVICE_WORKERS_MAX 1024
#define SERVICE_ACCEPT_BATCH 64 /* connections accepted per turn of the loop */

struct service_conn {
	int fd; /* -1: a free slot */
	long long deadline;
	struct request_peer peer;
	size_t len, nfds;
	int fds[RFD_MAX];
	char *buf; /* REQUEST_MAX bytes */
};

struct service_worker {
	pid_t pid; /* 0: a free slot */
	int pidfd;
	uid_t uid;
};

/* What a request came to, for bpfenced's "request" record. */
struct service_outcome {
	const struct request_peer *peer;
	const char *op;        /* NULL if the request never said */
	const char *policy;    /* "" if none */
	const char *sandbox;   /* "" if none */
	const char *refused;   /* the reason, NULL if accepted */
	pid_t worker;
};

struct service {
	struct service_config cfg;
	char path[PATH_MAX];     /* the socket's path ("" when systemd owns it) */
	dev_t dev;               /* the path's identity once bound: removed at close only if */
	ino_t ino;               /* it is still this socket */
	char bpfence[PATH_MAX];  /* the CLI the workers are */
	int fd, epfd;
	uint64_t src;            /* epoll data: src the listener, src+1+i connection i, */
	struct service_conn *conns; /* src+1+connections+j worker j */
	struct service_worker workers[SERVICE_WORKERS_MAX];
	void (*record)(void *ctx, const struct service_outcome *o);
	void *ctx;
	unsigned long long accepted, refused;
};

/* Listen on s->cfg.socket (or the socket systemd passed: LISTEN_FDS), owned root:group, 0660
 * (0600 and a warning in why if the group does not exist), and register with epfd. 0, or -1
 * with why. */
int service_listen(struct service *s, int epfd, uint64_t src, char *why, size_t n);
/* Whether data belongs to s; then handle it. */
bool service_owns(const struct service *s, uint64_t data);
void service_ready(struct service *s, uint64_t data, uint32_t events, long long now_ms);
/* Drop connections past their deadline. */
void service_expire(struct service *s, long long now_ms);
/* Stop listening (workers carry on: their callers get their answers). */
void service_close(struct service *s);

#endif
