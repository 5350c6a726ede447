// SPDX-License-Identifier: GPL-2.0-only
/*
 * bpfence kernel side: BPF-LSM programs that restrict tasks inside tagged cgroups.
 *
 * Cost model: every hook starts with tag_of_current(), one hash lookup keyed by the current cgroup
 * id. Untagged tasks return there. Everything else (policy, rules, events) is paid only by tagged
 * tasks.
 *
 * Decisions are made on kernel objects (dentries and their mounts, sockets, inodes), never on the
 * strings a task passed to a syscall: strings would let symlinks, /proc/self/root, bind mounts and
 * hardlinks choose the answer.
 *
 * Chaining: each LSM program receives the verdict of the BPF programs before it in `ret`, and
 * returns it unchanged when it is already a denial.
 *
 * One object, one skeleton: this file is the one compilation unit. It holds the license and
 * includes the domain headers, each of which owns its maps, its helpers and its programs:
 *   common.bpf.h   what all share: tags, policies, armed credentials, the verdict of a decision,
 *                  deny() and the records (counters, events)
 *   files.bpf.h    files: the rules walk, records' paths, open, map, receive, the path and xattr
 *                  hooks, backing files
 *   network.bpf.h  socket creation, inet connect/sendmsg destinations, listen, brokers
 *   unix.bpf.h     unix sockets, decided on the peer
 *   tasks.bpf.h    other tasks (signals, ptrace, scheduling, prlimit) and the system (bpf(),
 *                  CLONE_INTO_CGROUP, mounts, user namespaces, perf, TIOCSTI)
 *   ipc.bpf.h      SysV IPC and message queue unlinks in the host's IPC namespace
 *   arming.bpf.h   tag inheritance (cgroup_mkdir/rmdir) and arming at exec (credentials, the
 *                  arm_present iterator)
 * Each includes what it builds on; they are included here in that order. The programs, hook by
 * hook, are listed in bpf/hooks.h.
 */
#include "common.bpf.h"
#include "files.bpf.h"
#include "network.bpf.h"
#include "unix.bpf.h"
#include "tasks.bpf.h"
#include "ipc.bpf.h"
#include "arming.bpf.h"

char LICENSE[] SEC("license") = "GPL";
