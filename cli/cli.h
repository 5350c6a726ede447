/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The bpfence command: argument parsing and printing around the library's calls
 * (loader/invocation.h for an invocation's life, loader/sandbox.h for sandboxes). What a command
 * does belongs there; what it says belongs here.
 */
#ifndef BPFENCE_CLI_H
#define BPFENCE_CLI_H

#include <stdbool.h>
#include <stdio.h>

#include "json.h"
#include "invocation.h"
#include "libbpfence.h"
#include "request.h"

/* Exit statuses: EXIT_* of loader/exitcodes.h, the one list (through libbpfence.h). */

struct cli {
	bool json;
	bool debug;
	const char *prog; /* "bpfence" */

	/* A worker of bpfenced (cli/main.c: --caller UID --answer-fd N, root only): the uid that
	 * asked through the socket (-1: none), and the connection the answer goes to. */
	long long caller;
	int answer_fd;
	struct json_writer answer; /* an open object: commands add their result's members */
	char error[1200];          /* the last error reported, for the answer */
};

extern struct cli cli;

/* The one error path is the library's bpfence_report(): "bpfence: <what>: <why>", or
 * {"error": ...} under --json, on stderr (cli/main.c renders it). */
/* s as text a person reads (STYLE.md 16): control bytes, invalid UTF-8 and backslashes
 * escaped (bpfence_text_escape), in a buffer that lives until the end of the enclosing block:
 * printf("%s", TEXT(name)). Longer names are cut. */
#define TEXT_BUF BPFENCE_TEXT_MAX(4096)
#define TEXT(s) bpfence_text_escape((s), (size_t)-1, (char[TEXT_BUF]){ 0 }, TEXT_BUF)
/* The same for a fixed-size array that may lack a NUL (a kernel name). */
#define TEXT_N(a) bpfence_text_escape((a), sizeof(a), (char[TEXT_BUF]){ 0 }, TEXT_BUF)

int cmd_load(int argc, char **argv);
int cmd_unload(int argc, char **argv);
int cmd_status(int argc, char **argv);
int cmd_run(int argc, char **argv);
int cmd_tag(int argc, char **argv);
int cmd_untag(int argc, char **argv);
int cmd_policy(int argc, char **argv);
/* bpfence policy learn (cli/learn.c): argv[0] is "learn". */
int policy_learn(int argc, char **argv);
extern const char policy_learn_help[];
int cmd_audit(int argc, char **argv);
int cmd_selftest(int argc, char **argv);
int cmd_oci_hook(int argc, char **argv);
int cmd_sandbox(int argc, char **argv);

/* --- through bpfenced's socket (cli/remote.c): what a user who is not root runs --- */

/* Whether this command goes through the socket: not root, and not bpfenced's worker. */
bool remote_wanted(void);
struct remote {
	struct json_writer w; /* the request, an open object */
	char buf[REQUEST_MAX];
	int fds[RFD_MAX];
	const char *names[RFD_MAX];
	int nfds;
};
/* {"version": 1, "op": op, ...: the caller's stdin, stdout and stderr named and passed. */
void remote_begin(struct remote *r, const char *op);
/* Pass fd (the caller's own, opened with the caller's rights) as `name`. */
void remote_fd(struct remote *r, const char *name, int fd);
/* --source DIR: opened here, as the caller, for reading. -1 if it cannot be (reported). */
int remote_source(struct remote *r, const char *dir);
/* "env": the NAME=VALUE entries of e. */
void remote_env(struct remote *r, const struct env *e);
/* Send the request, wait for the answer: the exit status. A refusal or an unreachable daemon
 * is reported (125); what the worker printed went straight to the caller's descriptors. */
int remote_call(struct remote *r);

#endif
