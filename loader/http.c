// SPDX-License-Identifier: GPL-2.0-only
/*
 * The metrics endpoint's HTTP/1.x (loader/http.h). One request per connection: read the request
 * line and headers (bounded), answer, close. GET and HEAD of /metrics are answered with the
 * exposition; anything else with its status. It owns sockets and bounds; what the body says is
 * the caller's (loader/metrics.c through bpfenced).
 *
 * Why it cannot stall record delivery: it runs in the daemon's loop, but never blocks there.
 * Every socket is non-blocking; a client gets HTTP_REQUEST_MS to send its headers and
 * HTTP_ANSWER_MS to take the answer, then it is closed; at most HTTP_CONNS_MAX are served at
 * once and the rest are refused at accept; a request is at most HTTP_REQUEST_MAX bytes. The
 * body is made once, when the request is whole, into memory: a client that reads slowly holds
 * a buffer, never the loop.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "http.h"

int http_parse_addr(const char *spec, struct sockaddr_storage *ss, socklen_t *len, char *why,
		    size_t n)
{
	char host[INET6_ADDRSTRLEN + 2];
	const char *port_s = spec, *colon = strrchr(spec, ':');
	struct sockaddr_in *s4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;
	unsigned long port;
	char *end;

	memset(ss, 0, sizeof(*ss));
	snprintf(host, sizeof(host), "%s", HTTP_DEFAULT_HOST);
	if (colon) {
		size_t hl = (size_t)(colon - spec);

		if (hl >= sizeof(host) || hl == 0)
			goto bad;
		memcpy(host, spec, hl);
		host[hl] = 0;
		port_s = colon + 1;
	}
	errno = 0;
	port = strtoul(port_s, &end, 10);
	if (!*port_s || *end || errno || port == 0 || port > 65535 || *port_s == '-' ||
	    *port_s == '+')
		goto bad;
	if (host[0] == '[') {
		size_t hl = strlen(host);

		if (hl < 3 || host[hl - 1] != ']')
			goto bad;
		host[hl - 1] = 0;
		if (inet_pton(AF_INET6, host + 1, &s6->sin6_addr) != 1)
			goto bad;
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons((unsigned short)port);
		*len = sizeof(*s6);
		return 0;
	}
	/* The one name taken: what "only on this host" is usually written as. No resolver runs
	 * here (a daemon's address must not depend on DNS at boot). */
	if (!strcmp(host, "localhost"))
		snprintf(host, sizeof(host), "%s", HTTP_DEFAULT_HOST);
	if (inet_pton(AF_INET, host, &s4->sin_addr) != 1)
		goto bad;
	s4->sin_family = AF_INET;
	s4->sin_port = htons((unsigned short)port);
	*len = sizeof(*s4);
	return 0;
bad:
	snprintf(why, n, "bad address '%s' (expected PORT, ADDR:PORT or [ADDR6]:PORT, with a "
		 "numeric address or localhost and a port of 1-65535)", spec);
	return -EINVAL;
}

int http_listen(struct http_server *h, const char *spec, int epfd, unsigned long long tag,
		char *why, size_t n)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.u64 = tag };
	struct sockaddr_storage ss;
	socklen_t len;
	int one = 1, r;

	for (int i = 0; i < HTTP_CONNS_MAX; i++)
		h->conns[i].fd = -1;
	h->fd = -1;
	h->epfd = epfd;
	h->tag = tag;
	r = http_parse_addr(spec, &ss, &len, why, n);
	if (r)
		return r;
	h->fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (h->fd < 0 || setsockopt(h->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    bind(h->fd, (struct sockaddr *)&ss, len) || listen(h->fd, 64) ||
	    epoll_ctl(epfd, EPOLL_CTL_ADD, h->fd, &ev)) {
		r = -errno;
		snprintf(why, n, "cannot listen on %s: %s", spec, strerror(errno));
		if (h->fd >= 0)
			close(h->fd);
		h->fd = -1;
		return r;
	}
	return 0;
}

static const char *const status_line[HTTP_ANSWER_MAX] = {
	[HTTP_OK] = "200 OK",
	[HTTP_BAD_REQUEST] = "400 Bad Request",
	[HTTP_NOT_FOUND] = "404 Not Found",
	[HTTP_BAD_METHOD] = "405 Method Not Allowed",
	[HTTP_TIMEOUT] = "408 Request Timeout",
	[HTTP_BUSY] = "503 Service Unavailable",
};

/* The whole answer: status line, headers, and body unless it is for HEAD. */
static int compose(enum http_answer a, const char *body, size_t body_len, bool head, char **out,
		   size_t *out_len)
{
	FILE *f = open_memstream(out, out_len);

	if (!f)
		return -errno;
	fprintf(f,
		"HTTP/1.1 %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\nConnection: close\r\n"
		"Cache-Control: no-store\r\n%s\r\n",
		status_line[a],
		a == HTTP_OK ? "text/plain; version=0.0.4; charset=utf-8" : "text/plain; charset=utf-8",
		body_len, a == HTTP_BAD_METHOD ? "Allow: GET, HEAD\r\n" : "");
	if (!head)
		fwrite(body, 1, body_len, f);
	if (fclose(f)) {
		free(*out);
		*out = NULL;
		return -EIO;
	}
	return 0;
}

enum http_answer http_answer_for(const char *req, size_t len, http_body_fn body, void *ctx,
				 char **out, size_t *out_len)
{
	static const char *const msg[HTTP_ANSWER_MAX] = {
		[HTTP_BAD_REQUEST] = "bad request\n",
		[HTTP_NOT_FOUND] = "not found: the metrics are at /metrics\n",
		[HTTP_BAD_METHOD] = "only GET and HEAD\n",
		[HTTP_TIMEOUT] = "request timeout\n",
		[HTTP_BUSY] = "too many connections\n",
	};
	const char *eol = memchr(req, '\n', len), *sp1, *sp2;
	enum http_answer a = HTTP_BAD_REQUEST;
	char *body_text = NULL;
	size_t body_len = 0, line;
	bool head = false;

	*out = NULL;
	*out_len = 0;
	if (!eol)
		goto answer;
	line = (size_t)(eol - req);
	if (line && req[line - 1] == '\r')
		line--;
	sp1 = memchr(req, ' ', line);
	sp2 = sp1 ? memchr(sp1 + 1, ' ', line - (size_t)(sp1 + 1 - req)) : NULL;
	if (!sp1 || !sp2 || (size_t)(req + line - (sp2 + 1)) != 8 || memcmp(sp2 + 1, "HTTP/1.", 7))
		goto answer;
	if ((sp1 - req == 3 && !memcmp(req, "GET", 3)) ||
	    (sp1 - req == 4 && !memcmp(req, "HEAD", 4))) {
		size_t tl = (size_t)(sp2 - (sp1 + 1));
		const char *t = sp1 + 1;

		head = req[0] == 'H';
		a = (tl == 8 || (tl > 8 && t[8] == '?')) && !memcmp(t, "/metrics", 8) ?
			    HTTP_OK : HTTP_NOT_FOUND;
	} else {
		a = HTTP_BAD_METHOD;
	}
answer:
	if (a == HTTP_OK) {
		FILE *f = open_memstream(&body_text, &body_len);
		int e = f ? body(ctx, f) : -ENOMEM;

		if (f && fclose(f))
			e = -EIO;
		if (e) {
			free(body_text);
			body_text = NULL;
			a = HTTP_BUSY; /* could not make the body: say "try later" */
		}
	}
	if (a != HTTP_OK) {
		body_text = strdup(msg[a]);
		body_len = body_text ? strlen(body_text) : 0;
	}
	if (compose(a, body_text ? body_text : "", body_len, head, out, out_len)) {
		*out = NULL;
		*out_len = 0;
	}
	free(body_text);
	return a;
}

static void conn_close(struct http_server *h, struct http_conn *c)
{
	if (c->fd >= 0) {
		epoll_ctl(h->epfd, EPOLL_CTL_DEL, c->fd, NULL);
		close(c->fd);
	}
	c->fd = -1;
	free(c->answer);
	c->answer = NULL;
	c->req_len = c->answer_len = c->answer_off = 0;
}

/* Send what the socket takes now; close when all is sent. */
static void conn_send(struct http_server *h, struct http_conn *c)
{
	while (c->answer_off < c->answer_len) {
		ssize_t w = send(c->fd, c->answer + c->answer_off, c->answer_len - c->answer_off,
				 MSG_NOSIGNAL | MSG_DONTWAIT);

		if (w < 0) {
			if (errno == EAGAIN || errno == EINTR)
				return;
			conn_close(h, c);
			return;
		}
		c->answer_off += (size_t)w;
	}
	conn_close(h, c);
}

static void conn_answer(struct http_server *h, struct http_conn *c, enum http_answer a_in)
{
	struct epoll_event ev = { .events = EPOLLOUT, .data.u64 = h->tag + 1 + (c - h->conns) };
	enum http_answer a = a_in;

	if (a_in == HTTP_OK)
		a = http_answer_for(c->req, c->req_len, h->body, h->ctx, &c->answer,
				    &c->answer_len);
	else
		http_answer_for("", 0, h->body, h->ctx, &c->answer, &c->answer_len);
	h->answers[a]++;
	if (!c->answer) {
		conn_close(h, c);
		return;
	}
	/* The request is whole: only writability matters now. */
	epoll_ctl(h->epfd, EPOLL_CTL_MOD, c->fd, &ev);
	conn_send(h, c);
}

static bool request_whole(const struct http_conn *c)
{
	return memmem(c->req, c->req_len, "\r\n\r\n", 4) || memmem(c->req, c->req_len, "\n\n", 2);
}

static void conn_read(struct http_server *h, struct http_conn *c)
{
	for (;;) {
		ssize_t r;

		if (c->req_len == sizeof(c->req)) {
			conn_answer(h, c, HTTP_BAD_REQUEST); /* headers past the bound */
			return;
		}
		r = recv(c->fd, c->req + c->req_len, sizeof(c->req) - c->req_len, MSG_DONTWAIT);
		if (r < 0 && (errno == EAGAIN || errno == EINTR))
			return;
		if (r <= 0) {
			conn_close(h, c); /* gone before a whole request: nothing to answer */
			return;
		}
		c->req_len += (size_t)r;
		if (request_whole(c)) {
			conn_answer(h, c, HTTP_OK);
			return;
		}
	}
}

static void accept_all(struct http_server *h, long long now_ms)
{
	for (;;) {
		int fd = accept4(h->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC), i;
		struct epoll_event ev = { .events = EPOLLIN | EPOLLRDHUP };

		if (fd < 0)
			return; /* EAGAIN, or an error of one connection: the next readiness retries */
		for (i = 0; i < HTTP_CONNS_MAX && h->conns[i].fd >= 0; i++)
			;
		if (i == HTTP_CONNS_MAX) {
			static const char busy[] = "HTTP/1.1 503 Service Unavailable\r\n"
						   "Content-Length: 0\r\nConnection: close\r\n\r\n";

			/* One attempt, never waited for. */
			if (send(fd, busy, sizeof(busy) - 1, MSG_NOSIGNAL | MSG_DONTWAIT) < 0)
				(void)0;
			close(fd);
			h->answers[HTTP_BUSY]++;
			continue;
		}
		ev.data.u64 = h->tag + 1 + (unsigned long long)i;
		if (epoll_ctl(h->epfd, EPOLL_CTL_ADD, fd, &ev)) {
			close(fd);
			continue;
		}
		h->conns[i].fd = fd;
		h->conns[i].accepted_ms = now_ms;
		h->conns[i].req_len = 0;
	}
}

void http_ready(struct http_server *h, unsigned long long data, unsigned int events,
		long long now_ms)
{
	struct http_conn *c;

	if (data == h->tag) {
		accept_all(h, now_ms);
		return;
	}
	if (data <= h->tag || data - h->tag - 1 >= HTTP_CONNS_MAX)
		return;
	c = &h->conns[data - h->tag - 1];
	if (c->fd < 0)
		return;
	if (c->answer)
		conn_send(h, c);
	else if (events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR))
		conn_read(h, c);
}

void http_expire(struct http_server *h, long long now_ms)
{
	for (int i = 0; i < HTTP_CONNS_MAX; i++) {
		struct http_conn *c = &h->conns[i];

		if (c->fd < 0)
			continue;
		if (!c->answer && now_ms - c->accepted_ms > HTTP_REQUEST_MS) {
			h->answers[HTTP_TIMEOUT]++;
			conn_close(h, c);
		} else if (c->answer && now_ms - c->accepted_ms > HTTP_ANSWER_MS) {
			h->answers[HTTP_TIMEOUT]++;
			conn_close(h, c);
		}
	}
}

void http_close(struct http_server *h)
{
	for (int i = 0; i < HTTP_CONNS_MAX; i++)
		conn_close(h, &h->conns[i]);
	if (h->fd >= 0)
		close(h->fd);
	h->fd = -1;
}
