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

/* Exit statuses: EXIT_* of loader/exitcodes.h, the one list (through libbpfence.h). */

struct cli {
	bool json;
	bool debug;
	const char *prog; /* "bpfence" */
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

#endif
