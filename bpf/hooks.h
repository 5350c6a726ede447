/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Every program of bpf/bpfence.bpf.c (written in the domain headers it includes) and every hook
 * a decision is recorded under: the one list.
 * Adding a hook is one row here plus its program. From the list come enum bpfence_hook
 * (bpf/bpfence.h), the names audit records use (loader/names.c), the pins `load` makes and
 * `status` and `unload` check (loader/load.c) and the table of docs/audit.md (tools/docs-tables,
 * from `bpfence status --hooks`). tests/host/cli.bats fails when the programs in the built
 * object, or the docs, disagree with the list.
 *
 * HOOK(ENUM, program, "hook", need): a decision point. Denials made there carry
 *	BPFENCE_HOOK_ENUM in event.hook, named "hook" (the LSM hook, as the kernel names it) in
 *	audit records; `program` is the program attached to lsm/hook, pinned under its name.
 * PROG(program, "section", need): another program: a second one on a hook (its decisions
 *	carry the first one's enum value), a tracepoint, an iterator, the bookkeeping hooks of
 *	armed credentials and backing files.
 * need: REQUIRED (load refuses a kernel without it; `run` needs its pin) or OPTIONAL (for a
 *	hook some kernels lack: loaded and pinned where the kernel has it).
 *
 * Programs named NAME__VARIANT (one per kernel signature of a hook, bpf/tasks.bpf.h) are
 * rows of NAME: exactly one of them loads, pinned as NAME.
 *
 * The HOOK rows are in enum order, starting at 1: event.hook values of this build. New hooks
 * go at the end, so a value never changes meaning between builds.
 */
#ifndef BPFENCE_HOOKS_H
#define BPFENCE_HOOKS_H

#define BPFENCE_HOOK_LIST(HOOK, PROG)                                                            \
	HOOK(FILE_OPEN, file_open, "file_open", REQUIRED)                                         \
	HOOK(SOCKET_CREATE, socket_create, "socket_create", REQUIRED)                             \
	HOOK(SOCKET_CONNECT, socket_connect, "socket_connect", REQUIRED)                          \
	HOOK(SOCKET_SENDMSG, socket_sendmsg, "socket_sendmsg", REQUIRED)                          \
	HOOK(UNIX_STREAM_CONNECT, unix_stream_connect, "unix_stream_connect", REQUIRED)           \
	HOOK(UNIX_MAY_SEND, unix_may_send, "unix_may_send", REQUIRED)                             \
	HOOK(PATH_MKNOD, path_mknod, "path_mknod", REQUIRED)                                      \
	HOOK(PATH_MKDIR, path_mkdir, "path_mkdir", REQUIRED)                                      \
	HOOK(PATH_RMDIR, path_rmdir, "path_rmdir", REQUIRED)                                      \
	HOOK(PATH_UNLINK, path_unlink, "path_unlink", REQUIRED)                                   \
	HOOK(PATH_SYMLINK, path_symlink, "path_symlink", REQUIRED)                                \
	HOOK(PATH_LINK, path_link, "path_link", REQUIRED)                                         \
	PROG(path_link_old, "lsm/path_link", REQUIRED)                                            \
	HOOK(PATH_RENAME, path_rename, "path_rename", REQUIRED)                                   \
	PROG(path_rename_new, "lsm/path_rename", REQUIRED)                                        \
	HOOK(PATH_TRUNCATE, path_truncate, "path_truncate", REQUIRED)                             \
	HOOK(PATH_CHMOD, path_chmod, "path_chmod", REQUIRED)                                      \
	HOOK(PATH_CHOWN, path_chown, "path_chown", REQUIRED)                                      \
	HOOK(BPF, bpf_syscall, "bpf", REQUIRED)                                                   \
	HOOK(TASK_ALLOC, task_alloc, "task_alloc", REQUIRED)                                      \
	HOOK(TASK_KILL, task_kill, "task_kill", REQUIRED)                                         \
	HOOK(PTRACE, ptrace_access_check, "ptrace_access_check", REQUIRED)                        \
	HOOK(SOCKET_LISTEN, socket_listen, "socket_listen", REQUIRED)                             \
	HOOK(MMAP_FILE, mmap_file, "mmap_file", REQUIRED)                                         \
	HOOK(FILE_MPROTECT, file_mprotect, "file_mprotect", REQUIRED)                             \
	HOOK(FILE_RECEIVE, file_receive, "file_receive", REQUIRED)                                \
	HOOK(SB_MOUNT, sb_mount, "sb_mount", REQUIRED)                                            \
	HOOK(SB_UMOUNT, sb_umount, "sb_umount", REQUIRED)                                         \
	HOOK(MOVE_MOUNT, move_mount, "move_mount", REQUIRED)                                      \
	HOOK(SB_PIVOTROOT, sb_pivotroot, "sb_pivotroot", REQUIRED)                                \
	HOOK(USERNS_CREATE, userns_create, "userns_create", REQUIRED)                             \
	HOOK(PERF_EVENT_OPEN, perf_event_open, "perf_event_open", REQUIRED)                       \
	HOOK(FILE_IOCTL, file_ioctl, "file_ioctl", REQUIRED)                                      \
	/* 6.8, backported to 6.1.y; seccomp kills 32-bit calls anyway */                        \
	PROG(file_ioctl_compat, "lsm/file_ioctl_compat", OPTIONAL)                                \
	HOOK(INODE_SETXATTR, inode_setxattr, "inode_setxattr", REQUIRED)                          \
	HOOK(INODE_REMOVEXATTR, inode_removexattr, "inode_removexattr", REQUIRED)                 \
	HOOK(TASK_SETNICE, task_setnice, "task_setnice", REQUIRED)                                \
	HOOK(TASK_SETIOPRIO, task_setioprio, "task_setioprio", REQUIRED)                          \
	HOOK(TASK_SETSCHEDULER, task_setscheduler, "task_setscheduler", REQUIRED)                 \
	HOOK(TASK_MOVEMEMORY, task_movememory, "task_movememory", REQUIRED)                       \
	HOOK(TASK_PRLIMIT, task_prlimit, "task_prlimit", REQUIRED)                                \
	HOOK(IPC_PERMISSION, ipc_permission, "ipc_permission", REQUIRED)                          \
	HOOK(MSG_QUEUE_ALLOC, msg_queue_alloc, "msg_queue_alloc_security", REQUIRED)              \
	HOOK(MSG_QUEUE_MSGCTL, msg_queue_msgctl, "msg_queue_msgctl", REQUIRED)                    \
	HOOK(SHM_ALLOC, shm_alloc, "shm_alloc_security", REQUIRED)                                \
	HOOK(SHM_SHMCTL, shm_shmctl, "shm_shmctl", REQUIRED)                                      \
	HOOK(SEM_ALLOC, sem_alloc, "sem_alloc_security", REQUIRED)                                \
	HOOK(SEM_SEMCTL, sem_semctl, "sem_semctl", REQUIRED)                                      \
	HOOK(INODE_UNLINK, inode_unlink, "inode_unlink", REQUIRED)                                \
	HOOK(BPRM_CREDS_FOR_EXEC, bprm_creds_for_exec, "bprm_creds_for_exec", REQUIRED)           \
	HOOK(CRED_PREPARE, cred_prepare, "cred_prepare", REQUIRED)                                \
	PROG(cred_transfer, "lsm/cred_transfer", REQUIRED)                                        \
	PROG(cred_free, "lsm/cred_free", REQUIRED)                                                \
	/* tags follow new cgroups into the invocation, and go with them */                      \
	PROG(cgroup_mkdir, "tp_btf/cgroup_mkdir", REQUIRED)                                       \
	PROG(cgroup_rmdir, "tp_btf/cgroup_rmdir", REQUIRED)                                       \
	/* arms the tasks already in a cgroup `bpfence tag` tags */                              \
	PROG(arm_present, "iter/task", REQUIRED)                                                  \
	/* without them, overlay files are denied on kernels with backing files (6.6+) */        \
	PROG(backing_file_alloc, "lsm/backing_file_alloc", OPTIONAL)                              \
	PROG(backing_file_free, "lsm/backing_file_free", OPTIONAL)

#endif
