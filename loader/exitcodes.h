/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The exit statuses of bpfence (every command) and bpfenced: the one list. The constants, the
 * table `bpfence --help` prints and README.md's table all come from it; tests/host/cli.bats
 * fails when the README and the binary disagree, and checks each command's status on a kernel
 * that cannot enforce. A status means the same thing from every command: scripts and runners
 * (systemd, a runtime calling the OCI hook) can tell "bpfence cannot protect anything here"
 * (125) from "this request was refused" (1) without knowing which command they ran.
 *
 * X(NAME, value, label, commands, meaning). label is how the table shows the value; commands
 * says which commands can exit with it.
 */
#ifndef BPFENCE_EXITCODES_H
#define BPFENCE_EXITCODES_H

#define BPFENCE_EXIT_CODES(X)                                                                    \
	X(EXIT_OK, 0, "0", "all",                                                                 \
	  "success; for run, the command's own status, whatever it is")                          \
	X(EXIT_REFUSED, 1, "1", "all but run and sandbox exec",                                   \
	  "refused, or the answer is no: an invalid policy, a cgroup that may not be tagged "    \
	  "(the root, bpfence's own), a cgroup already tagged or not tagged, a file that cannot " \
	  "be read or written; sandbox: no such sandbox, a name already taken, a copy refused; " \
	  "selftest: something NOT BLOCKED")                                                      \
	X(EXIT_USAGE, 2, "2", "all but run",                                                      \
	  "bad arguments: an unknown option, a malformed or out-of-range number or size")        \
	X(EXIT_TIMEOUT, 124, "124", "run, sandbox exec",                                          \
	  "the timeout killed the invocation (the whole cgroup); sandbox exec: its --timeout "   \
	  "killed the command, or the sandbox's lifetime ran out while it ran")                  \
	X(EXIT_BPFENCE, 125, "125", "all",                                                        \
	  "this kernel cannot enforce (no BPF LSM, programs not loaded, not root) or bpfence "    \
	  "itself failed; run and sandbox exec: also bad arguments (2 could be the command's "   \
	  "own), no such sandbox or one that has ended, and nothing ran")                        \
	X(EXIT_NOEXEC, 126, "126", "run, sandbox exec",                                           \
	  "the command is not executable, or the policy denies its exec")                        \
	X(EXIT_NOTFOUND, 127, "127", "run, sandbox exec", "the command was not found")            \
	X(EXIT_SIGNAL, 128, "128+N", "run, sandbox exec, selftest",                               \
	  "signal N ended it: the command was killed by it, or bpfence got it and killed the "    \
	  "command; sandbox exec: 137 also when the sandbox was terminated while it ran; "        \
	  "selftest: interrupted")

enum bpfence_exit {
#define BPFENCE_EXIT_ENUM(name, value, label, commands, meaning) name = value,
	BPFENCE_EXIT_CODES(BPFENCE_EXIT_ENUM)
#undef BPFENCE_EXIT_ENUM
};

struct bpfence_exit_code {
	int value;
	const char *label, *commands, *meaning;
};

/* The list as a table, in its order, ending with a NULL label (loader/names.c). */
extern const struct bpfence_exit_code bpfence_exit_codes[];

#endif
