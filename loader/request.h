/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A request on bpfenced's socket (docs/socket.md): parsed, held to the administrator's
 * configuration and turned into the command line of the worker that carries it out, the
 * `bpfence` CLI itself running as root on the caller's descriptors (loader/service.c starts it).
 * Nothing of the request reaches that command line but values checked here: a policy becomes
 * the administrator's file, the user the one the caller is mapped to, each limit one within its
 * cap. Pure: no socket, no process; tests/unit/test_request.c drives it with hostile input.
 */
#ifndef BPFENCE_REQUEST_H
#define BPFENCE_REQUEST_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "service_config.h"

#define REQUEST_MAX (64 * 1024) /* bytes, the newline included */
#define REQUEST_ARGV_MAX 4096
#define REQUEST_ENV_MAX 64
#define REQUEST_PEER_GROUPS 64
#define REQUEST_WORKER_ARGS (REQUEST_ARGV_MAX + 2 * REQUEST_ENV_MAX + 48)

/* The worker's descriptors: the caller's, then the connection and the source. */
enum request_fd { RFD_STDIN, RFD_STDOUT, RFD_STDERR, RFD_CWD, RFD_SOURCE, RFD_MAX };
#define REQUEST_FD_ANSWER 3 /* the connection, in the worker: its answer goes there */
#define REQUEST_FD_SOURCE 4 /* --source-fd */

#define REQUEST_OPS(X)                                                                            \
	X(REQ_RUN, "run") X(REQ_CREATE, "create") X(REQ_EXEC, "exec") X(REQ_CP_IN, "cp-in")       \
	X(REQ_CP_OUT, "cp-out") X(REQ_LS, "ls") X(REQ_TERMINATE, "terminate")
enum request_op {
#define REQUEST_OP_ENUM(e, s) e,
	REQUEST_OPS(REQUEST_OP_ENUM)
#undef REQUEST_OP_ENUM
	REQ_OP_MAX
};
extern const char *const request_op_names[REQ_OP_MAX];

/* Who is asking, as the kernel says (SO_PEERCRED, SO_PEERGROUPS). */
struct request_peer {
	pid_t pid;
	uid_t uid;
	gid_t gid;
	gid_t groups[REQUEST_PEER_GROUPS];
	size_t ngroups;
};

struct request {
	enum request_op op;
	int fd[RFD_MAX];  /* index among the descriptors passed, -1 if none */
	char **argv;      /* the worker's command line (bpfence's), NULL-terminated */
	char policy[SERVICE_NAME_MAX]; /* for the record; "" if none */
	char sandbox[SERVICE_NAME_MAX + 8];
	uid_t run_uid; /* whom the function runs as */
	bool creates_sandbox;
};

/* Parse text (the request, without its newline), check it against c for peer p, who passed
 * nfds descriptors, and build req->argv with bpfence (the CLI's path) as argv[0]. 0; or -1
 * with the refusal in why (one line). req is freed by request_free either way. */
int request_authorize(const struct service_config *c, const struct request_peer *p,
		      const char *text, size_t nfds, const char *bpfence, struct request *req,
		      char *why, size_t n);
void request_free(struct request *req);

#endif
