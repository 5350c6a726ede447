/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The one header shared by the BPF programs (bpf/bpfence.bpf.c and the domain headers it
 * includes) and user space (loader/, cli/).
 * Plain types only: every map key/value and the event record are defined here once.
 *
 * Identity model:
 *   - An invocation is a cgroup v2 directory that bpfence tagged (bpfence run makes one per call;
 *     bpfence tag marks one made by another runner). Its cgroup id is the invocation id used as the
 *     key of everything else (policy, rules, counters).
 *   - tags maps every cgroup inside an invocation (the root and all descendants) to the invocation.
 *     The kernel copies a parent's tag to each new child cgroup (tp_btf/cgroup_mkdir), so a task
 *     can never reach an untagged cgroup by descending; the hot path stays one hash lookup.
 */
#ifndef BPFENCE_H
#define BPFENCE_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

#define BPFENCE_PIN_DIR "/sys/fs/bpf/bpfence"

/* Map sizes. Entries are per tagged cgroup, per invocation, per rule. */
#define BPFENCE_MAX_TAGS 65536
#define BPFENCE_MAX_INVOCATIONS 16384
#define BPFENCE_MAX_FILE_RULES 262144
#define BPFENCE_MAX_NET_RULES 65536
#define BPFENCE_MAX_UNIX_RULES 16384
#define BPFENCE_RINGBUF_BYTES (4 << 20)

/* Ancestor walk bound for file decisions: a file nested deeper than this below the closest
 * granted directory is denied (fail closed), never allowed. Counts dentries plus mount crossings. */
#define BPFENCE_WALK_MAX 64

#define BPFENCE_NET_PORTS_MAX 16
#define BPFENCE_BROKER_LOCAL_MAX 16
#define BPFENCE_NAME_MAX 64
#define BPFENCE_PATH_MAX 256
#define BPFENCE_UNIX_NAME_MAX 108 /* sizeof(sun_path) */
#define BPFENCE_ID_MAX 65 /* invocation id and NUL: 32 hex digits (run, tag) or a container id
                           * of up to 64 characters (oci-hook: records name the container) */

/* The live deny canary: socket(AF_UNSPEC, SOCK_DGRAM, BPFENCE_CANARY_PROTO) fails with
 * ECANCELED in a tagged task while the programs enforce (and is neither counted nor logged);
 * anywhere else the kernel answers EAFNOSUPPORT. bpfence run checks it in the child right
 * before exec and refuses to run the command otherwise. */
#define BPFENCE_CANARY_PROTO 0x62666e63
#define BPFENCE_CANARY_ERRNO 125 /* ECANCELED */

/* File permission bits (same values as POLICY_PERM_* in loader/policy.h). MAP: may be mapped
 * executable (shared libraries); EXEC implies MAP (user space stores both). */
#define BPFENCE_PERM_READ 1
#define BPFENCE_PERM_WRITE 2
#define BPFENCE_PERM_EXEC 4
#define BPFENCE_PERM_MAP 8
/* file_rules value bit ([files] deny): an exception inside a grant. The walk up from an object
 * stops at the first object carrying a mark: grants found below it count, a deny there refuses
 * whatever is left (bpf/files.bpf.h, file_granted). A deny at the same object as a grant wins. */
#define BPFENCE_PERM_DENY 16
/* event.mask flag (file objects): event.path is not the whole path from the root. Either the
 * walk that built it stopped below the root (too deep, or a hook without the mount, where it
 * ends at the file system's root): path is the part found, ending in the object; or it was too
 * long for path[]: path is its beginning. */
#define BPFENCE_PATH_PARTIAL (1u << 31)
/* event.mask flags (file objects): the rule that refused, when it was not a missing grant.
 * RULE_DENY: a [files] deny line on the walk up from the object. RULE_WRITTEN: exec or map of
 * an object in a place the invocation may write, with no exec/map grant on that place or
 * nearer (nothing the function wrote runs). */
#define BPFENCE_RULE_DENY (1u << 30)
#define BPFENCE_RULE_WRITTEN (1u << 29)
/* Components a record's path is built from at most (mount crossings count too). */
#define BPFENCE_PATH_DEPTH 32

/* tags: key __u64 cgroup id -> value struct bpfence_tag. */
struct bpfence_tag {
	__u64 invocation; /* cgroup id of the tagged root; key of policies/counters/rules */
	__u32 flags;      /* BPFENCE_TAG_* */
	__u32 pad;
};

/*
 * bpfence_tag.flags. Without FROM_EXEC (bpfence run) every task in the cgroup is restricted, from
 * the moment the tag exists. With FROM_EXEC (bpfence tag, bpfence oci-hook), the tag restricts a
 * task once its credentials are *armed*, and they are armed by its first execve() inside the
 * tagged cgroup (a process that arrives from outside, a runtime's init that still has to
 * pivot_root and mount, keeps working until it executes the user's program), by inheritance from
 * an armed parent (fork shares the credentials, every later credential change copies the mark),
 * or, for the tasks already in the cgroup when `bpfence tag` runs, by the tagging itself (the
 * arm_present iterator). SECURITY.md row 36.
 */
#define BPFENCE_TAG_FROM_EXEC (1u << 0)
#define BPFENCE_MAX_ARMED 65536 /* distinct armed credentials alive at once */

/* bpfence_policy.flags */
#define BPFENCE_POLICY_AUDIT (1u << 0)         /* mode = audit: report, allow */
#define BPFENCE_POLICY_CONNECT_ALLOW (1u << 1) /* connect = allow */
#define BPFENCE_POLICY_NAMES	     (1u << 2) /* names: DNS only to resolver4, name_grants */

/* policies: key __u64 invocation -> value struct bpfence_policy. A tagged cgroup whose
 * invocation has no policy entry is denied everything. */
struct bpfence_policy {
	__u64 families; /* bit N set: sockets of address family N may be created */
	/* The rule set: the `invocation` field of this policy's keys in file_rules, net_rules,
	 * net_broker, unix_rules and unix_abstract. The invocation id itself for the first policy;
	 * a fresh id with bit 63 set (never a cgroup id) for each replacement. Swapping a live
	 * policy writes the new rule set beside the old, replaces this entry in one map update,
	 * then deletes the old set: every decision sees one whole policy, old or new. */
	__u64 rules;
	__u32 flags;    /* BPFENCE_POLICY_* */
	__u32 n_broker_local;
	/* Broker TCP ports on the local host: denied on every loopback (127/8, ::1), unspecified
	 * (0.0.0.0, ::) and v4-mapped form, whatever the network rules say. Host addresses are
	 * added to net_broker by user space. */
	__u16 broker_local_ports[BPFENCE_BROKER_LOCAL_MAX];
	__u32 resolver4; /* BPFENCE_POLICY_NAMES: the invocation's resolver, 127.x.y.z (net order)
			  */
	char name[BPFENCE_NAME_MAX];   /* policy name, for audit records */
	char id[BPFENCE_ID_MAX];       /* the invocation id users see (bpfence run prints it) */
};

/* Rule maps below: their `invocation` key field holds the policy's rule set (bpfence_policy.rules).
 *
 * net_rules: LPM trie. Key: prefixlen counts bits of data[]; data = rule set (8 bytes, host
 * order, always fully inside the prefix) then the IPv6 address (v4 as ::ffff:a.b.c.d). */
struct bpfence_net_key {
	__u32 prefixlen;
	__u8 data[8 + 16];
};

struct bpfence_net_port {
	__u16 port; /* host order; 0 = any */
	__u8 proto; /* IPPROTO_TCP / IPPROTO_UDP; 0 = any */
	__u8 pad;
};

/* Value: the ports allowed for that prefix. User space folds the ports of every shorter prefix
 * into longer ones, so the single longest match carries the complete answer. */
struct bpfence_net_ports {
	__u32 n;
	struct bpfence_net_port p[BPFENCE_NET_PORTS_MAX];
};

/*
 * Egress by name (loader/resolver.c). Each invocation whose policy names DNS names has its own
 * resolver on 127.x.y.z:53 (bpfence_policy.resolver4); its /etc/resolv.conf points there, and
 * DNS to anything else (port 53 or 853, any address) is refused. The resolver grants every
 * address an allowed name answers in name_grants, under the invocation's rule set, until the
 * record's TTL (capped) plus a grace has passed; bpf/network.bpf.h consults that map after
 * net_rules, only for policies with BPFENCE_POLICY_NAMES. An expired entry grants nothing but
 * still names the name in a denied connect's record.
 */
#define BPFENCE_MAX_NAME_GRANTS 65536 /* addresses granted through names, all invocations */
#define BPFENCE_NAME_GRANTS_MAX 256   /* ... and per invocation (the resolver's bound) */
#define BPFENCE_DNS_PORT	53
#define BPFENCE_DOT_PORT	853
struct bpfence_name_key {
	__u64 invocation; /* rule set */
	__u8 addr[16];	  /* v4-mapped or v6 */
};
struct bpfence_name_grant {
	__u64 expires_ns; /* CLOCK_BOOTTIME (bpf_ktime_get_boot_ns) */
	__u32 n;
	struct bpfence_net_port p[BPFENCE_NET_PORTS_MAX];
	char name[BPFENCE_PATH_MAX]; /* the name asked for, for records */
};

/*
 * A refused query becomes a record and a count through the kernel, like every other denial:
 * the resolver (untagged, root) writes a note keyed by its thread id into dns_notes, then calls
 * socket(AF_UNSPEC, SOCK_DGRAM, BPFENCE_DNS_PROTO). socket_create takes the note, counts and
 * records it under the note's invocation (class dns), deletes it and answers EPERM. Without a
 * note the call is an ordinary EAFNOSUPPORT. Only root can write the map (it is pinned in bpffs,
 * which tagged tasks never reach).
 */
#define BPFENCE_DNS_PROTO     0x62666e64
#define BPFENCE_MAX_DNS_NOTES 1024
/* Why a query was refused (event.mask of BPFENCE_OBJ_DNS records). */
#define BPFENCE_DNS_UNLISTED 1 /* no allow name matches */
#define BPFENCE_DNS_DENIED   2 /* a deny name matches the name asked for */
#define BPFENCE_DNS_CNAME    3 /* the answer's CNAME chain reaches a denied or unlisted name */
#define BPFENCE_DNS_ADDRESS  4 /* the answer holds an address never granted by name */
#define BPFENCE_DNS_FULL     5 /* the invocation's set of granted addresses is full */
struct bpfence_dns_note {
	__u64 invocation; /* the tag's invocation (counters, records) */
	__u16 qtype;
	__u16 reason;		     /* BPFENCE_DNS_* */
	__u8 addr[16];		     /* BPFENCE_DNS_ADDRESS: the address refused */
	char name[BPFENCE_PATH_MAX]; /* the name asked for (or the chain's offending name) */
};

/* net_broker: key -> __u32 (unused, 1). Exact broker endpoints: denied even when allowed. */
struct bpfence_broker_key {
	__u64 invocation;
	__u8 addr[16];
	__u16 port; /* host order */
	__u8 pad[6];
};

/* file_rules: key -> __u32 BPFENCE_PERM_* mask granted on that object and everything below it.
 * A grant on a device node also grants the device itself, through any node of it: key ino =
 * BPFENCE_DEVICE_CHR/BLK, dev = the device number (a container's /dev is a tmpfs of its own whose
 * /dev/null is another inode for the same device). */
#define BPFENCE_DEVICE_CHR (1ULL << 63)
#define BPFENCE_DEVICE_BLK ((1ULL << 63) | 1)
struct bpfence_file_key {
	__u64 invocation;
	__u64 ino;
	__u32 dev; /* kernel encoding: major << 20 | minor (sb->s_dev) */
	__u32 pad;
};

/* unix_rules: key -> __u32 BPFENCE_UNIX_*: verdict for a peer socket bound at that inode.
 * unix_abstract: struct bpfence_unix_abstract_key -> __u32 BPFENCE_UNIX_*. */
#define BPFENCE_UNIX_BROKER 1 /* never reachable */
#define BPFENCE_UNIX_ALLOW 2  /* named by the policy */

struct bpfence_unix_key {
	__u64 invocation;
	__u64 ino;
	__u32 dev;
	__u32 pad;
};

struct bpfence_unix_abstract_key {
	__u64 invocation;
	__u32 len; /* bytes of name used */
	char name[BPFENCE_UNIX_NAME_MAX]; /* without the leading NUL, zero padded */
};

#include "hooks.h"

/* Where a decision was made; event.hook: one value per HOOK row of bpf/hooks.h, from 1 (0 is
 * no hook). */
#define BPFENCE_HOOK_ENUM_(e, prog, name, need) BPFENCE_HOOK_##e,
#define BPFENCE_HOOK_SKIP_(prog, sec, need)
enum bpfence_hook {
	BPFENCE_HOOK_NONE = 0,
	BPFENCE_HOOK_LIST(BPFENCE_HOOK_ENUM_, BPFENCE_HOOK_SKIP_)
	BPFENCE_HOOK_MAX,
};
/* Not a kernel hook: records of queries bpfence's resolver refused (class dns). */
#define BPFENCE_HOOK_RESOLVER 0xff00
#undef BPFENCE_HOOK_ENUM_
#undef BPFENCE_HOOK_SKIP_

/* What kind of denial; indexes bpfence_counters. Keep bpfence_class_name() in step. */
enum bpfence_class {
	BPFENCE_CLASS_FILE = 0, /* file open / path operation outside the policy */
	BPFENCE_CLASS_CONNECT, /* inet connect/sendmsg to a destination the policy does not allow */
	BPFENCE_CLASS_BROKER,  /* the broker, by any alias */
	BPFENCE_CLASS_UNIX,    /* another unix socket outside the invocation */
	BPFENCE_CLASS_SOCKET,  /* socket family/type/protocol not granted */
	BPFENCE_CLASS_SYSTEM,  /* cgroupfs, bpffs, securityfs, bpf(), clone into another cgroup */
	BPFENCE_CLASS_TASK,    /* signal or ptrace aimed at a process outside the invocation */
	BPFENCE_CLASS_NOPOLICY, /* tagged, but the invocation has no policy: everything denied */
	BPFENCE_CLASS_IPC,	/* SysV IPC or a POSIX message queue of the host's IPC namespace */
	BPFENCE_CLASS_DNS,	/* a query bpfence's resolver refused (loader/resolver.c) */
	BPFENCE_CLASS_MAX,
};

/* The first object denied in a class, kept beside the counters so `bpfence run` can name it
 * without the audit daemon. */
struct bpfence_first {
	__u32 object; /* BPFENCE_OBJ_*; 0: none recorded */
	__u32 family; /* socket family (OBJ_SOCKET) */
	__u64 ino;    /* target process (OBJ_TASK) */
	__u16 port;
	__u8 addr[16];
	__u8 pad[6];
	char name[BPFENCE_NAME_MAX]; /* path (possibly truncated) or unix peer name */
};

/* counters: key __u64 invocation -> struct bpfence_counters. Updated atomically by the programs
 * whether or not the event below could be delivered: the source of truth for summaries. */
struct bpfence_counters {
	__u64 denied[BPFENCE_CLASS_MAX];
	__u64 audited[BPFENCE_CLASS_MAX];
	struct bpfence_first first[BPFENCE_CLASS_MAX];
};

/* event.action */
#define BPFENCE_ACTION_DENIED 1
#define BPFENCE_ACTION_AUDITED 2

/* event.object */
#define BPFENCE_OBJ_NONE 0
#define BPFENCE_OBJ_FILE 1   /* dev, ino, mask; path */
#define BPFENCE_OBJ_INET 2   /* family, proto, port, addr */
#define BPFENCE_OBJ_UNIX 3   /* dev, ino of the peer's bound inode (0 if none); path = peer name */
#define BPFENCE_OBJ_SOCKET 4 /* family, proto (socket type in port) */
#define BPFENCE_OBJ_TASK 5   /* ino = target process id, mask = signal (0 for ptrace) */
#define BPFENCE_OBJ_IPC 6    /* path = "msg", "sem", "shm" or "sysv" (kind not known at the hook);
			      * ino = the object's key (0 with none), dev = its id */
#define BPFENCE_OBJ_DNS 7    /* path = name, port = query type, mask = BPFENCE_DNS_*, addr */
/* An inet object's path, when set: the name the invocation's resolver answered this address for. */

/* One record per denial (or would-be denial under audit) on the events ring buffer. A record that
 * cannot be reserved increments drops[0] instead; the counters above never depend on delivery. */
struct bpfence_event {
	__u64 ts_ns;      /* bpf_ktime_get_boot_ns() */
	__u64 cgroup;     /* cgroup id of the task */
	__u64 invocation; /* cgroup id of the tagged root */
	__u32 pid;        /* thread id */
	__u32 tgid;       /* process id */
	__u32 uid;
	__u16 hook;       /* enum bpfence_hook */
	__u8 action;      /* BPFENCE_ACTION_* */
	__u8 class;       /* enum bpfence_class */
	__s32 err;        /* errno returned to the task (positive), 0 under audit */
	__u32 object;     /* BPFENCE_OBJ_* */
	char comm[16];
	char policy[BPFENCE_NAME_MAX]; /* empty when the invocation has no policy */
	char id[BPFENCE_ID_MAX];       /* invocation id as users see it */
	/* object, meaning by event.object */
	__u32 family;
	__u16 proto;
	__u16 port;   /* host order */
	__u8 addr[16];
	__u64 ino;
	__u32 dev;
	__u32 mask;   /* BPFENCE_PERM_* requested */
	char path[BPFENCE_PATH_MAX];
};

#endif
