// SPDX-License-Identifier: GPL-2.0-only
/*
 * IPC outside the invocation's own IPC namespace: SysV message queues, semaphore sets and shared
 * memory segments, and unlinking POSIX message queues, for a tagged task that still shares the
 * host's IPC namespace (SECURITY.md row 32).
 *
 * Leaves to others: opening a message queue (files.bpf.h, open_decide, which asks the same
 * in_host_ipc_ns()) and the file records inode_unlink builds (fill_file_obj, fill_path, also
 * files.bpf.h), the verdict and the records (common.bpf.h).
 */
#ifndef BPFENCE_IPC_BPF_H
#define BPFENCE_IPC_BPF_H

#include "common.bpf.h"
#include "files.bpf.h"

/*
 * SysV IPC (SECURITY.md row 32). `bpfence run` gives every invocation its own IPC namespace, in
 * which all of this is the function's own and allowed. A tagged task that still shares the
 * host's IPC namespace (a runner's container started with the host IPC, a tagged systemd
 * service) would reach every host queue, semaphore set and segment by key or by id: there SysV
 * IPC is refused, EPERM, class ipc. ipc_permission guards every use of an existing object
 * (msgget/semget/shmget of a key, msgsnd, msgrcv, semop, shmat, *ctl IPC_STAT); the
 * *_alloc_security hooks guard creation; the *ctl hooks the commands that skip ipcperms
 * (IPC_RMID and IPC_SET by the owner, *_STAT_ANY, *_INFO). Untagged tasks pay one tag lookup.
 */
static __always_inline int ipc_deny(int hook, struct kern_ipc_perm *perm, const char kind[5],
				    int err)
{
	struct bpfence_event *e;
	struct verdict v;

	if (!load_verdict(&v))
		return 0;
	if (!in_host_ipc_ns())
		return 0;
	e = scratch_event();
	if (e) {
		e->object = BPFENCE_OBJ_IPC;
		__builtin_memcpy(e->path, kind, 5);
		if (perm) {
			e->ino = (__u32)BPF_CORE_READ(perm, key);
			e->dev = (__u32)BPF_CORE_READ(perm, id);
		}
	}
	return deny(&v, hook, BPFENCE_CLASS_IPC, err, false, e);
}

/* ipcperms() callers turn any refusal into EACCES: say EACCES, so the record names what the task
 * saw. The other hooks' errors reach the task as they are. */
BPFENCE_LSM("lsm/ipc_permission", ipc_permission, struct kern_ipc_perm *ipcp, short flag, int ret)
{
	if (ret)
		return ret;
	return ipc_deny(BPFENCE_HOOK_IPC_PERMISSION, ipcp, "sysv", EACCES);
}

BPFENCE_LSM("lsm/msg_queue_alloc_security", msg_queue_alloc, struct kern_ipc_perm *perm, int ret)
{
	if (ret)
		return ret;
	return ipc_deny(BPFENCE_HOOK_MSG_QUEUE_ALLOC, perm, "msg", EPERM);
}

BPFENCE_LSM("lsm/msg_queue_msgctl", msg_queue_msgctl, struct kern_ipc_perm *perm, int cmd, int ret)
{
	if (ret)
		return ret;
	return ipc_deny(BPFENCE_HOOK_MSG_QUEUE_MSGCTL, perm, "msg", EPERM);
}

BPFENCE_LSM("lsm/shm_alloc_security", shm_alloc, struct kern_ipc_perm *perm, int ret)
{
	if (ret)
		return ret;
	return ipc_deny(BPFENCE_HOOK_SHM_ALLOC, perm, "shm", EPERM);
}

BPFENCE_LSM("lsm/shm_shmctl", shm_shmctl, struct kern_ipc_perm *perm, int cmd, int ret)
{
	if (ret)
		return ret;
	return ipc_deny(BPFENCE_HOOK_SHM_SHMCTL, perm, "shm", EPERM);
}

BPFENCE_LSM("lsm/sem_alloc_security", sem_alloc, struct kern_ipc_perm *perm, int ret)
{
	if (ret)
		return ret;
	return ipc_deny(BPFENCE_HOOK_SEM_ALLOC, perm, "sem", EPERM);
}

BPFENCE_LSM("lsm/sem_semctl", sem_semctl, struct kern_ipc_perm *perm, int cmd, int ret)
{
	if (ret)
		return ret;
	return ipc_deny(BPFENCE_HOOK_SEM_SEMCTL, perm, "sem", EPERM);
}

/* mq_unlink() removes a queue with vfs_unlink() alone (no path hook): a tagged task in the host's
 * IPC namespace must not delete the host's queues by name. Every other unlink pays two loads.
 * EACCES: glibc's mq_unlink() turns EPERM into EACCES (POSIX), so the record says what the task
 * sees. */
BPFENCE_LSM("lsm/inode_unlink", inode_unlink, struct inode *dir, struct dentry *dentry, int ret)
{
	struct verdict v;

	if (ret)
		return ret;
	if (magic_of(dentry) != MQUEUE_MAGIC || !load_verdict(&v) || !in_host_ipc_ns())
		return 0;
	{
		struct bpfence_event *e = scratch_event();

		if (e) {
			fill_file_obj(e, dentry, BPFENCE_PERM_WRITE);
			fill_path(e, dentry, NULL, NULL);
		}
		return deny(&v, BPFENCE_HOOK_INODE_UNLINK, BPFENCE_CLASS_IPC, EACCES, false, e);
	}
}

#endif /* BPFENCE_IPC_BPF_H */
