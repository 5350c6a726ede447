// SPDX-License-Identifier: GPL-2.0-only
/* Audit records: kernel events rendered as stable JSON lines (keys in docs/audit.md). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "dns.h"
#include "json.h"
#include "libbpfence.h"
#include "sandbox.h"

long long boot_to_realtime_offset(void)
{
	struct timespec rt, bt;

	clock_gettime(CLOCK_REALTIME, &rt);
	clock_gettime(CLOCK_BOOTTIME, &bt);
	return (rt.tv_sec - bt.tv_sec) * 1000000000LL + (rt.tv_nsec - bt.tv_nsec);
}

/* One gmtime_r + strftime per second, not per record: a storm renders thousands of records
 * within the same second. */
void format_time(long long ns, char *buf, size_t n)
{
	static __thread time_t cached_sec = -1;
	static __thread char base[32];
	time_t sec = ns / 1000000000LL;

	if (sec != cached_sec) {
		struct tm tm;

		gmtime_r(&sec, &tm);
		strftime(base, sizeof(base), "%Y-%m-%dT%H:%M:%S", &tm);
		cached_sec = sec;
	}
	snprintf(buf, n, "%s.%06lldZ", base, (ns % 1000000000LL) / 1000);
}

static const char *errno_name(int e)
{
	switch (e) {
	case 0:
		return NULL;
	case EPERM:
		return "EPERM";
	case EACCES:
		return "EACCES";
	default:
		return "E?";
	}
}

static const char *access_name(unsigned int mask)
{
	static const char *const names[8] = { "none", "read", "write", "read,write", "exec",
					      "read,exec", "write,exec", "read,write,exec" };

	if (mask == BPFENCE_PERM_MAP)
		return "map";
	return names[mask & 7];
}

/* A device as the log writes it: "major:minor" of the kernel's internal dev_t. */
static void dev_field(struct json_writer *w, __u32 dev)
{
	char s[24];

	snprintf(s, sizeof(s), "%u:%u", dev >> 20, dev & 0xfffff);
	jsonw_string_field(w, "dev", s);
}

/* The strings the untrusted code chose (comm, path, peer) come from fixed-size kernel buffers
 * that may lack a NUL: jsonw_string_n bounds them, and the writer's escaping keeps the line valid
 * JSON whatever bytes they hold. */
#define kstr_field(w, name, a) (jsonw_name((w), (name)), jsonw_string_n((w), (a), sizeof(a)))

/*
 * The name of sandbox `id` (bpfence sandbox create --name), from its state, kept there after
 * it ends so that records read late still name it; "" when it has none. The last answer is
 * kept: a storm of denials comes from one sandbox at a time.
 */
static void sandbox_name(const char *id, char *name, size_t n)
{
	static char last_id[BPFENCE_ID_MAX], last_name[80];
	struct sandbox s;
	int e;

	if (!strcmp(id, last_id)) {
		snprintf(name, n, "%s", last_name);
		return;
	}
	name[0] = 0;
	e = sandbox_meta_read(id, &s);
	if (e == -ENOENT)
		return; /* not cached: the state may appear (a record racing the create) */
	if (!e)
		snprintf(name, n, "%s", s.name);
	snprintf(last_id, sizeof(last_id), "%s", id);
	snprintf(last_name, sizeof(last_name), "%s", name);
}

int bpfence_event_json(const struct bpfence_event *e, long long offset, char *buf, size_t n)
{
	struct json_writer w;
	char when[48], addr[64];
	const char *en = errno_name(e->err);

	jsonw_init_buf(&w, buf, n);
	format_time((long long)e->ts_ns + offset, when, sizeof(when));
	jsonw_start_object(&w);
	jsonw_string_field(&w, "time", when);
	jsonw_string_field(&w, "event", "denial");
	kstr_field(&w, "invocation", e->id);
	/* A sandbox's invocation id is the sandbox id (sb-...): named as such, with its name. */
	if (!strncmp(e->id, "sb-", 3) && memchr(e->id, 0, sizeof(e->id))) {
		char name[80];

		sandbox_name(e->id, name, sizeof(name));
		kstr_field(&w, "sandbox", e->id);
		jsonw_name(&w, "sandbox_name");
		if (name[0])
			jsonw_string(&w, name);
		else
			jsonw_null(&w);
	}
	jsonw_uint_field(&w, "cgroup_id", e->cgroup);
	kstr_field(&w, "policy", e->policy);
	jsonw_uint_field(&w, "pid", e->pid);
	jsonw_uint_field(&w, "tgid", e->tgid);
	jsonw_uint_field(&w, "uid", e->uid);
	kstr_field(&w, "comm", e->comm);
	jsonw_string_field(&w, "hook", bpfence_hook_name(e->hook));
	jsonw_string_field(&w, "class", bpfence_class_name(e->class));
	jsonw_string_field(&w, "action",
			   e->action == BPFENCE_ACTION_AUDITED ? "audited" : "denied");
	jsonw_string_field(&w, "errno", en);

	switch (e->object) {
	case BPFENCE_OBJ_FILE:
		jsonw_string_field(&w, "object", "file");
		kstr_field(&w, "path", e->path);
		dev_field(&w, e->dev);
		jsonw_uint_field(&w, "ino", e->ino);
		jsonw_string_field(&w, "access",
				   access_name(e->mask & ~(BPFENCE_PATH_PARTIAL | BPFENCE_RULE_DENY |
							   BPFENCE_RULE_WRITTEN)));
		if (e->mask & BPFENCE_PATH_PARTIAL)
			jsonw_bool_field(&w, "path_partial", true);
		/* Which rule refused, when it was not a missing grant (docs/audit.md). */
		if (e->mask & BPFENCE_RULE_DENY)
			jsonw_string_field(&w, "rule", "deny");
		else if (e->mask & BPFENCE_RULE_WRITTEN)
			jsonw_string_field(&w, "rule", "written");
		break;
	case BPFENCE_OBJ_INET:
		bpfence_addr_str(e->addr, addr, sizeof(addr));
		jsonw_string_field(&w, "object", "inet");
		jsonw_string_field(&w, "family", e->family == 10 ? "inet6" : "inet");
		jsonw_string_field(&w, "protocol", e->proto == 6 ? "tcp" : "udp");
		jsonw_string_field(&w, "address", addr);
		jsonw_uint_field(&w, "port", e->port);
		/* The name the invocation's resolver answered this address for. */
		if (e->path[0])
			kstr_field(&w, "name", e->path);
		break;
	case BPFENCE_OBJ_DNS: {
		static const char *const reasons[] = {
			[BPFENCE_DNS_UNLISTED] = "unlisted", [BPFENCE_DNS_DENIED] = "denied",
			[BPFENCE_DNS_CNAME] = "cname",	     [BPFENCE_DNS_ADDRESS] = "address",
			[BPFENCE_DNS_FULL] = "full",
		};
		const char *t = dns_type_name(e->port);

		jsonw_string_field(&w, "object", "dns");
		kstr_field(&w, "name", e->path);
		if (t)
			jsonw_string_field(&w, "qtype", t);
		else
			jsonw_uint_field(&w, "qtype", e->port);
		jsonw_string_field(&w, "reason",
				   e->mask < sizeof(reasons) / sizeof(reasons[0]) &&
						   reasons[e->mask]
					   ? reasons[e->mask]
					   : "unknown");
		if (e->mask == BPFENCE_DNS_ADDRESS) {
			bpfence_addr_str(e->addr, addr, sizeof(addr));
			jsonw_string_field(&w, "address", addr);
		}
		break;
	}
	case BPFENCE_OBJ_UNIX:
		jsonw_string_field(&w, "object", "unix");
		kstr_field(&w, "peer", e->path);
		if (e->ino) {
			dev_field(&w, e->dev);
			jsonw_uint_field(&w, "ino", e->ino);
		}
		break;
	case BPFENCE_OBJ_SOCKET: {
		const char *fam = policy_family_name((int)e->family);

		jsonw_string_field(&w, "object", "socket");
		if (fam)
			jsonw_string_field(&w, "family", fam);
		else
			jsonw_uint_field(&w, "family", e->family);
		jsonw_uint_field(&w, "type", e->port);
		jsonw_uint_field(&w, "protocol", e->proto);
		break;
	}
	case BPFENCE_OBJ_TASK:
		jsonw_string_field(&w, "object", "task");
		jsonw_uint_field(&w, "target_pid", e->ino);
		jsonw_uint_field(&w, "signal", e->mask);
		break;
	case BPFENCE_OBJ_IPC:
		jsonw_string_field(&w, "object", "ipc");
		kstr_field(&w, "ipc", e->path);
		jsonw_int_field(&w, "key", (__s32)e->ino);
		jsonw_int_field(&w, "id", (int)e->dev);
		break;
	default:
		jsonw_null_field(&w, "object");
	}
	jsonw_end_object(&w);
	return (int)jsonw_buf_len(&w);
}

void bpfence_first_str(const struct bpfence_first *f, char *buf, size_t n)
{
	char addr[64];
	const char *fam;

	switch (f->object) {
	case BPFENCE_OBJ_FILE:
	case BPFENCE_OBJ_UNIX:
		snprintf(buf, n, "%.*s", (int)sizeof(f->name), f->name);
		break;
	case BPFENCE_OBJ_INET:
		bpfence_addr_str(f->addr, addr, sizeof(addr));
		snprintf(buf, n, strchr(addr, ':') ? "[%s]:%u" : "%s:%u", addr, f->port);
		break;
	case BPFENCE_OBJ_SOCKET:
		fam = policy_family_name((int)f->family);
		if (fam)
			snprintf(buf, n, "socket %s", fam);
		else
			snprintf(buf, n, "socket family %u", f->family);
		break;
	case BPFENCE_OBJ_TASK:
		snprintf(buf, n, "pid %llu", (unsigned long long)f->ino);
		break;
	case BPFENCE_OBJ_IPC:
		snprintf(buf, n, "host %.8s key %d", f->name, (int)(__s32)f->ino);
		break;
	case BPFENCE_OBJ_DNS:
		snprintf(buf, n, "name %.*s", (int)sizeof(f->name), f->name);
		break;
	default:
		snprintf(buf, n, "%s", "");
	}
}

int drops_read(const struct bpfence_maps *m, unsigned long long *total)
{
	int ncpu = libbpf_num_possible_cpus();
	__u64 *vals;
	__u32 zero = 0;

	if (ncpu <= 0)
		return -EINVAL;
	vals = calloc(ncpu, sizeof(*vals));
	if (!vals)
		return -ENOMEM;
	if (bpf_map_lookup_elem(m->drops, &zero, vals)) {
		int err = -errno;

		free(vals);
		return err;
	}
	*total = 0;
	for (int i = 0; i < ncpu; i++)
		*total += vals[i];
	free(vals);
	return 0;
}
