/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Egress by name: the resolver of one invocation whose policy names DNS names.
 *
 * It listens on 127.x.y.z:53 (UDP and TCP; x, y, z random, the address the kernel lets this
 * invocation alone reach on port 53: bpfence_policy.resolver4), and the invocation's
 * /etc/resolv.conf, a file on its storage bound over the host's in its mount namespace, points
 * there. A query for a name the policy allows (and does not deny) is forwarded to the host's
 * nameservers (read from the host's /etc/resolv.conf when the invocation begins); every A and
 * AAAA the answer's CNAME chain from that name reaches is granted in name_grants, under the
 * invocation's rule set, with the ports of the allow lines that matched, until the record's TTL
 * (at most RESOLVER_TTL_MAX) plus RESOLVER_GRACE_S; the TTLs the function sees are capped the
 * same. Every other query is answered REFUSED and becomes a record of class dns, through the
 * kernel (bpf/bpfence.h, dns_notes), with its reason:
 *   unlisted  no allow name matches          denied   a deny name matches
 *   cname     the chain reaches a denied name
 *   address   the answer holds an address never granted by name: 0.0.0.0/8, 169.254.0.0/16,
 *             multicast, broadcast, ::, fe80::/10, ff00::/8, fd00:ec2::254, 64:ff9b::/96 forms
 *             of those (metadata and link-local services are reachable only by a CIDR line)
 *   full      the invocation has RESOLVER_GRANTS_MAX addresses granted and none expired
 * Under audit mode nothing is refused: the records say "audited" and every answer is granted, so
 * a later connect's record names its name (policy learn proposes names from them).
 *
 * Who runs it: `bpfence run` forks it beside the function (resolver_spawn: it dies with run);
 * a sandbox's keeper serves it in its own loop (resolver_step) for as long as the sandbox lives;
 * `bpfence oci-hook` leaves a daemon (resolver_daemon) listening in the container's network
 * namespace, which ends when the container's processes have.
 * bpfenced is not needed. It serves one invocation, so a function that floods or stalls it
 * slows only its own lookups.
 */
#ifndef BPFENCE_RESOLVER_H
#define BPFENCE_RESOLVER_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>

#include "libbpfence.h"
#include "policy.h"

#define RESOLVER_TTL_MAX      3600 /* seconds an answer may be granted (and cached) for */
#define RESOLVER_GRACE_S      3	   /* a connect started right at expiry still works */
#define RESOLVER_GRANTS_MAX   BPFENCE_NAME_GRANTS_MAX
#define RESOLVER_UPSTREAM_MAX 3	   /* nameservers used, as glibc (MAXNS) */
#define RESOLVER_TIMEOUT_MS   2000 /* per nameserver, and per TCP client */
#define RESOLVER_HOST_CONF    "/etc/resolv.conf"

struct resolver {
	/* what the caller sets */
	const struct policy *policy;
	bool audit;		 /* mode = audit (the policy's, or --audit) */
	__u64 invocation;	 /* the tag's invocation: records and counters */
	__u64 rules;		 /* the rule set the grants are keyed by */
	int grants_fd, notes_fd; /* name_grants, dns_notes */

	/* what resolver_upstreams and resolver_open make */
	struct sockaddr_storage up[RESOLVER_UPSTREAM_MAX];
	socklen_t up_len[RESOLVER_UPSTREAM_MAX];
	int n_up;
	uint32_t addr4; /* 127.x.y.z, network order */
	int udp, tcp;	/* listening sockets, -1 when closed */

	/* what it granted: the per-invocation bound */
	struct {
		uint8_t addr[16];
		uint64_t expires_ns;
	} granted[RESOLVER_GRANTS_MAX];
	size_t n_granted;
};

/* Does the policy name DNS names (and so need a resolver)? */
bool resolver_needed(const struct policy *p);

/* r with nothing open. */
void resolver_init(struct resolver *r);
/* r with nothing open, for invocation cgid (the tag's invocation, and its first rule set) under
 * policy p: grants and notes go to m's maps. Every front end's resolver starts here. */
void resolver_for(struct resolver *r, const struct policy *p, __u64 cgid,
		  const struct bpfence_maps *m);

/* The nameservers of `conf` (the host's /etc/resolv.conf), at most RESOLVER_UPSTREAM_MAX. -1
 * when there is none or the file cannot be read (reported). */
int resolver_upstreams(struct resolver *r, const char *conf);

/* Listen on r->addr4 if set, else on a fresh random 127.x.y.z: UDP and TCP port 53. -1
 * (reported) when no address could be bound. */
int resolver_open(struct resolver *r);
void resolver_close(struct resolver *r);

/* The invocation's resolv.conf at `path` (0644), naming only r->addr4; then, in this mount
 * namespace, bound read-only over /etc/resolv.conf. -1 (reported). */
int resolver_mount(const struct resolver *r, const char *path);

/* resolver_open in the network namespace of process pid (a container's own, when it has one):
 * the function's queries arrive there; the forwarded ones leave from this process's. */
int resolver_open_in(struct resolver *r, pid_t pid);

/* The resolv.conf at `path` (as resolver_mount), bound read-only over `target` in the mount
 * namespace of process pid (a container's <root>/etc/resolv.conf, before its pivot_root). */
int resolver_mount_in(const struct resolver *r, const char *path, pid_t pid, const char *target);

/* Answer what has arrived, waiting at most timeout_ms for it (< 0: forever). */
void resolver_step(struct resolver *r, int timeout_ms);

/* A child process that serves r until it is killed or this process dies. Its pid, or -1
 * (reported). The caller keeps r's sockets open or closes them; the child has its own. */
pid_t resolver_spawn(struct resolver *r);

/* A daemon (its own session) that serves r until the cgroup directory cgfd holds no process or
 * is gone (a container's: it has ended). Its pid, or -1 (reported). */
pid_t resolver_daemon(struct resolver *r, int cgfd);

#endif
