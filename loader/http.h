/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The metrics endpoint's HTTP (loader/http.c): just enough HTTP/1.x to answer GET /metrics, in
 * the daemon's own event loop, with every socket non-blocking and every client bounded in time,
 * size and number, so that no scraper (slow, hostile, or thousands of them) can hold up the
 * delivery of records.
 */
#ifndef BPFENCE_HTTP_H
#define BPFENCE_HTTP_H

#include <stdbool.h>
#include <stdio.h>
#include <sys/socket.h>

#include "metrics.h"

#define HTTP_CONNS_MAX 16      /* connections at once; more are answered 503 and closed */
#define HTTP_REQUEST_MAX 8192  /* bytes of request line and headers */
#define HTTP_REQUEST_MS 5000   /* from accept to the end of the headers */
#define HTTP_ANSWER_MS 10000   /* from accept to the last byte of the answer taken */
#define HTTP_DEFAULT_HOST "127.0.0.1"

/* Writes the body of a 200 answer to GET /metrics into out; -errno on failure. */
typedef int (*http_body_fn)(void *ctx, FILE *out);

struct http_conn {
	int fd; /* -1: free */
	long long accepted_ms;
	char req[HTTP_REQUEST_MAX];
	size_t req_len;
	char *answer; /* once the request is whole: what is sent, from answer_off */
	size_t answer_len, answer_off;
};

struct http_server {
	int fd;
	int epfd;
	unsigned long long tag; /* epoll data of the listener; a connection's is tag + 1 + index */
	struct http_conn conns[HTTP_CONNS_MAX];
	unsigned long long *answers; /* counts by enum http_answer (struct metrics' http[]) */
	http_body_fn body;
	void *ctx;
};

/* "PORT" (on HTTP_DEFAULT_HOST), "ADDR:PORT" or "[ADDR6]:PORT" into a socket address. 0, or
 * -EINVAL with why set. */
int http_parse_addr(const char *spec, struct sockaddr_storage *ss, socklen_t *len, char *why,
		    size_t n);
/* Listen on spec and register with epfd (data tag, and tag + 1 + i for connection i). 0 or
 * -errno with why set. */
int http_listen(struct http_server *h, const char *spec, int epfd, unsigned long long tag,
		char *why, size_t n);
/* Handle readiness of the epoll entry with data `data` (the listener or a connection). */
void http_ready(struct http_server *h, unsigned long long data, unsigned int events,
		long long now_ms);
/* Close connections past their deadlines. The loop calls it at least every second. */
void http_expire(struct http_server *h, long long now_ms);
void http_close(struct http_server *h);

/* The answer to one whole request (exposed for the unit test): the status it counts as, and
 * the bytes to send in *out (malloc'd). */
enum http_answer http_answer_for(const char *req, size_t len, http_body_fn body, void *ctx,
				 char **out, size_t *out_len);

#endif
