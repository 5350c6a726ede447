// SPDX-License-Identifier: GPL-2.0-only
/*
 * `bpfence run` and `bpfence sandbox ...` for a user who is not root: the same options, sent to
 * bpfenced's socket (docs/socket.md) as one JSON request with the caller's stdin, stdout,
 * stderr (and cwd, --source) passed as descriptors. The daemon's worker is this very command
 * running as root on those descriptors, so what it prints reaches the caller's terminal or
 * pipes directly and reads exactly as a local run's; this side prints only a refusal (the
 * daemon's, before any worker) and exits with the answer's status. An unreachable or refusing
 * daemon is exit 125, never a fallback.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "cli.h"

bool remote_wanted(void)
{
	return geteuid() != 0;
}

void remote_begin(struct remote *r, const char *op)
{
	memset(r, 0, sizeof(*r));
	jsonw_init_buf(&r->w, r->buf, sizeof(r->buf) - 1);
	jsonw_start_object(&r->w);
	jsonw_int_field(&r->w, "version", 1);
	jsonw_string_field(&r->w, "op", op);
	if (cli.json)
		jsonw_bool_field(&r->w, "json", true);
	/* The caller's own stdio, as far as it has any. */
	for (int fd = 0; fd < 3; fd++)
		if (fcntl(fd, F_GETFD) >= 0)
			remote_fd(r, fd == 0 ? "stdin" : fd == 1 ? "stdout" : "stderr", fd);
}

void remote_fd(struct remote *r, const char *name, int fd)
{
	/* A name given again replaces the descriptor (cp: a file instead of stdin). */
	for (int i = 0; i < r->nfds; i++)
		if (!strcmp(r->names[i], name)) {
			r->fds[i] = fd;
			return;
		}
	if (r->nfds < RFD_MAX) {
		r->fds[r->nfds] = fd;
		r->names[r->nfds++] = name;
	}
}

int remote_source(struct remote *r, const char *dir)
{
	/* Opened here with the caller's rights, for reading: the daemon never opens the path. */
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0) {
		bpfence_report("bad --source", "%s: %s", dir, strerror(errno));
		return -1;
	}
	remote_fd(r, "source", fd);
	return 0;
}

void remote_env(struct remote *r, const struct env *e)
{
	if (!e->n)
		return;
	jsonw_name(&r->w, "env");
	jsonw_start_array(&r->w);
	for (int i = 0; i < e->n; i++)
		jsonw_string(&r->w, e->v[i]);
	jsonw_end_array(&r->w);
}

static const char *socket_path(void)
{
	const char *p = getenv("BPFENCE_SOCKET");

	return p && p[0] == '/' ? p : SERVICE_SOCKET;
}

/* Send all of buf, the descriptors with the first part. */
static int send_request(int sock, const char *buf, size_t len, const int *fds, int nfds)
{
	union {
		char b[CMSG_SPACE(sizeof(int) * RFD_MAX)];
		struct cmsghdr align;
	} ctl;
	size_t off = 0;

	while (off < len) {
		struct iovec iov = { (char *)buf + off, len - off };
		struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
		ssize_t k;

		if (!off && nfds) {
			struct cmsghdr *cm;

			memset(&ctl, 0, sizeof(ctl));
			msg.msg_control = ctl.b;
			msg.msg_controllen = CMSG_SPACE(sizeof(int) * (size_t)nfds);
			cm = CMSG_FIRSTHDR(&msg);
			cm->cmsg_level = SOL_SOCKET;
			cm->cmsg_type = SCM_RIGHTS;
			cm->cmsg_len = CMSG_LEN(sizeof(int) * (size_t)nfds);
			memcpy(CMSG_DATA(cm), fds, sizeof(int) * (size_t)nfds);
		}
		k = sendmsg(sock, &msg, MSG_NOSIGNAL);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return -errno;
		off += (size_t)k;
	}
	return 0;
}

int remote_call(struct remote *r)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	const char *path = socket_path();
	char answer[64 * 1024], *nl;
	size_t len = 0, col = 0;
	struct json_object o;
	const struct json_field *code;
	const char *jerr = NULL, *err;
	int sock, e, status = EXIT_BPFENCE;

	jsonw_name(&r->w, "fds");
	jsonw_start_array(&r->w);
	for (int i = 0; i < r->nfds; i++)
		jsonw_string(&r->w, r->names[i]);
	jsonw_end_array(&r->w);
	jsonw_end_object(&r->w);
	len = jsonw_buf_len(&r->w);
	if (len >= sizeof(r->buf) - 1) {
		bpfence_report("request too large", "more than %d bytes (argv and --env)",
			       REQUEST_MAX);
		return EXIT_BPFENCE;
	}
	r->buf[len++] = '\n';

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	sock = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (sock < 0 || connect(sock, (struct sockaddr *)&sa, sizeof(sa))) {
		e = errno;
		bpfence_report("cannot reach bpfenced", "%s: %s%s", path, strerror(e),
			       e == EACCES ? " (not root, and not in the socket's group)" :
			       e == ENOENT || e == ECONNREFUSED ?
					     " (not root, and bpfenced is not running)" :
					     "");
		goto out;
	}
	e = send_request(sock, r->buf, len, r->fds, r->nfds);
	if (e) {
		bpfence_report("cannot send the request to bpfenced", "%s", strerror(-e));
		goto out;
	}
	/* No shutdown(SHUT_WR): the connection's end is what tells the worker we are gone. The
	 * answer comes when the function has ended. */
	len = 0;
	for (;;) {
		ssize_t k = read(sock, answer + len, sizeof(answer) - 1 - len);

		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			break;
		len += (size_t)k;
		if (memchr(answer, '\n', len) || len >= sizeof(answer) - 1)
			break;
	}
	answer[len] = 0;
	nl = strchr(answer, '\n');
	if (!nl) {
		bpfence_report("bpfenced did not answer",
			       "the connection closed without a result (was bpfenced stopped?)");
		goto out;
	}
	*nl = 0;
	if (json_object_parse(answer, &o, &col, &jerr)) {
		bpfence_report("bpfenced's answer is not JSON", "column %zu: %s", col,
			       jerr ? jerr : "?");
		goto out;
	}
	code = json_get(&o, "exit_code");
	if (code && code->type == JSON_NUMBER)
		status = atoi(code->value);
	err = json_get_str(&o, "error");
	/* A worker's errors are on our stderr already; the daemon's refusals are not. */
	if (json_get(&o, "refused") && json_get(&o, "refused")->type == JSON_TRUE)
		bpfence_report("bpfenced refused the request", "%s", err ? err : "(no reason)");
	json_object_free(&o);
out:
	if (sock >= 0)
		close(sock);
	for (int i = 0; i < r->nfds; i++)
		if (r->fds[i] > 2)
			close(r->fds[i]);
	return status;
}
