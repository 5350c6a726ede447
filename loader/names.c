// SPDX-License-Identifier: GPL-2.0-only
/* Stable names for the enums in bpf/bpfence.h, used in audit records and summaries; the exit
 * status table (loader/exitcodes.h). */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "libbpfence.h"

const char *bpfence_hook_name(unsigned int hook)
{
	static const char *const names[BPFENCE_HOOK_MAX] = {
		[BPFENCE_HOOK_FILE_OPEN] = "file_open",
		[BPFENCE_HOOK_SOCKET_CREATE] = "socket_create",
		[BPFENCE_HOOK_SOCKET_CONNECT] = "socket_connect",
		[BPFENCE_HOOK_SOCKET_SENDMSG] = "socket_sendmsg",
		[BPFENCE_HOOK_UNIX_STREAM_CONNECT] = "unix_stream_connect",
		[BPFENCE_HOOK_UNIX_MAY_SEND] = "unix_may_send",
		[BPFENCE_HOOK_PATH_MKNOD] = "path_mknod",
		[BPFENCE_HOOK_PATH_MKDIR] = "path_mkdir",
		[BPFENCE_HOOK_PATH_RMDIR] = "path_rmdir",
		[BPFENCE_HOOK_PATH_UNLINK] = "path_unlink",
		[BPFENCE_HOOK_PATH_SYMLINK] = "path_symlink",
		[BPFENCE_HOOK_PATH_LINK] = "path_link",
		[BPFENCE_HOOK_PATH_RENAME] = "path_rename",
		[BPFENCE_HOOK_PATH_TRUNCATE] = "path_truncate",
		[BPFENCE_HOOK_PATH_CHMOD] = "path_chmod",
		[BPFENCE_HOOK_PATH_CHOWN] = "path_chown",
		[BPFENCE_HOOK_BPF] = "bpf",
		[BPFENCE_HOOK_TASK_ALLOC] = "task_alloc",
		[BPFENCE_HOOK_TASK_KILL] = "task_kill",
		[BPFENCE_HOOK_PTRACE] = "ptrace_access_check",
		[BPFENCE_HOOK_SOCKET_LISTEN] = "socket_listen",
		[BPFENCE_HOOK_MMAP_FILE] = "mmap_file",
		[BPFENCE_HOOK_FILE_MPROTECT] = "file_mprotect",
		[BPFENCE_HOOK_FILE_RECEIVE] = "file_receive",
		[BPFENCE_HOOK_SB_MOUNT] = "sb_mount",
		[BPFENCE_HOOK_SB_UMOUNT] = "sb_umount",
		[BPFENCE_HOOK_MOVE_MOUNT] = "move_mount",
		[BPFENCE_HOOK_SB_PIVOTROOT] = "sb_pivotroot",
		[BPFENCE_HOOK_USERNS_CREATE] = "userns_create",
		[BPFENCE_HOOK_PERF_EVENT_OPEN] = "perf_event_open",
		[BPFENCE_HOOK_FILE_IOCTL] = "file_ioctl",
		[BPFENCE_HOOK_INODE_SETXATTR] = "inode_setxattr",
		[BPFENCE_HOOK_INODE_REMOVEXATTR] = "inode_removexattr",
		[BPFENCE_HOOK_TASK_SETNICE] = "task_setnice",
		[BPFENCE_HOOK_TASK_SETIOPRIO] = "task_setioprio",
		[BPFENCE_HOOK_TASK_SETSCHEDULER] = "task_setscheduler",
		[BPFENCE_HOOK_TASK_MOVEMEMORY] = "task_movememory",
		[BPFENCE_HOOK_TASK_PRLIMIT] = "task_prlimit",
		[BPFENCE_HOOK_IPC_PERMISSION] = "ipc_permission",
		[BPFENCE_HOOK_MSG_QUEUE_ALLOC] = "msg_queue_alloc_security",
		[BPFENCE_HOOK_MSG_QUEUE_MSGCTL] = "msg_queue_msgctl",
		[BPFENCE_HOOK_SHM_ALLOC] = "shm_alloc_security",
		[BPFENCE_HOOK_SHM_SHMCTL] = "shm_shmctl",
		[BPFENCE_HOOK_SEM_ALLOC] = "sem_alloc_security",
		[BPFENCE_HOOK_SEM_SEMCTL] = "sem_semctl",
		[BPFENCE_HOOK_INODE_UNLINK] = "inode_unlink",
		[BPFENCE_HOOK_BPRM_CREDS_FOR_EXEC] = "bprm_creds_for_exec",
		[BPFENCE_HOOK_CRED_PREPARE] = "cred_prepare",
	};

	return hook < BPFENCE_HOOK_MAX && names[hook] ? names[hook] : "unknown";
}

const char *bpfence_class_name(unsigned int class)
{
	static const char *const names[BPFENCE_CLASS_MAX] = {
		[BPFENCE_CLASS_FILE] = "file",
		[BPFENCE_CLASS_CONNECT] = "connect",
		[BPFENCE_CLASS_BROKER] = "broker",
		[BPFENCE_CLASS_UNIX] = "unix",
		[BPFENCE_CLASS_SOCKET] = "socket",
		[BPFENCE_CLASS_SYSTEM] = "system",
		[BPFENCE_CLASS_TASK] = "task",
		[BPFENCE_CLASS_NOPOLICY] = "nopolicy",
		[BPFENCE_CLASS_IPC] = "ipc",
	};

	return class < BPFENCE_CLASS_MAX && names[class] ? names[class] : "unknown";
}

const struct bpfence_exit_code bpfence_exit_codes[] = {
#define BPFENCE_EXIT_ROW(name, value, label, commands, meaning) { value, label, commands, meaning },
	BPFENCE_EXIT_CODES(BPFENCE_EXIT_ROW)
#undef BPFENCE_EXIT_ROW
	{ 0, NULL, NULL, NULL },
};

void bpfence_addr_str(const __u8 addr[16], char *buf, size_t n)
{
	static const __u8 mapped[12] = { [10] = 0xff, [11] = 0xff };

	if (!memcmp(addr, mapped, 12))
		inet_ntop(AF_INET, addr + 12, buf, n);
	else
		inet_ntop(AF_INET6, addr, buf, n);
}
