// SPDX-License-Identifier: GPL-2.0-only
/* Audit records: kernel events rendered as stable JSON lines (keys in docs/audit.md). */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "libbpfence.h"

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

/*
 * The record being rendered. Appends never write past n - 1 and keep buf NUL-terminated; off
 * counts what the record needs, so off >= n means it was cut (callers size buffers with
 * BPFENCE_EVENT_JSON_MAX, which no record reaches).
 */
struct out {
	char *buf;
	size_t n, off;
};

static void put_mem(struct out *o, const char *s, size_t len)
{
	if (o->off + 1 < o->n) {
		size_t room = o->n - 1 - o->off;

		memcpy(o->buf + o->off, s, len < room ? len : room);
		o->buf[o->off + (len < room ? len : room)] = 0;
	}
	o->off += len;
}

#define put_lit(o, lit) put_mem((o), (lit), sizeof(lit) - 1)

static void put(struct out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(struct out *o, const char *fmt, ...)
{
	char tmp[256];
	va_list ap;
	int w;

	va_start(ap, fmt);
	w = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	if (w > 0)
		put_mem(o, tmp, (size_t)w < sizeof(tmp) ? (size_t)w : sizeof(tmp) - 1);
}

/* A JSON string from a fixed-size kernel buffer that may lack a NUL. Bytes outside printable
 * ASCII become \u00XX: the line stays valid JSON whatever the untrusted code named a file. */
static void put_str(struct out *o, const char *s, size_t max)
{
	static const char hex[] = "0123456789abcdef";
	char tmp[BPFENCE_PATH_MAX * 6 + 2];
	size_t t = 0;

	tmp[t++] = '"';
	for (size_t i = 0; i < max && i < BPFENCE_PATH_MAX && s[i]; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '"' || c == '\\') {
			tmp[t++] = '\\';
			tmp[t++] = (char)c;
		} else if (c < 0x20 || c >= 0x7f) {
			memcpy(tmp + t, "\\u00", 4);
			tmp[t + 4] = hex[c >> 4];
			tmp[t + 5] = hex[c & 15];
			t += 6;
		} else {
			tmp[t++] = (char)c;
		}
	}
	tmp[t++] = '"';
	put_mem(o, tmp, t);
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

int bpfence_event_json(const struct bpfence_event *e, long long offset, char *buf, size_t n)
{
	struct out o = { buf, n, 0 };
	char when[48], addr[64];
	const char *en = errno_name(e->err);

	if (n)
		buf[0] = 0;

	format_time((long long)e->ts_ns + offset, when, sizeof(when));
	put(&o, "{\"time\": \"%s\", \"event\": \"denial\", \"invocation\": ", when);
	put_str(&o, e->id, sizeof(e->id));
	put(&o, ", \"cgroup_id\": %llu, \"policy\": ", (unsigned long long)e->cgroup);
	put_str(&o, e->policy, sizeof(e->policy));
	put(&o, ", \"pid\": %u, \"tgid\": %u, \"uid\": %u, \"comm\": ", e->pid, e->tgid, e->uid);
	put_str(&o, e->comm, sizeof(e->comm));
	put(&o, ", \"hook\": \"%s\", \"class\": \"%s\", \"action\": \"%s\", \"errno\": ",
	    bpfence_hook_name(e->hook), bpfence_class_name(e->class),
	    e->action == BPFENCE_ACTION_AUDITED ? "audited" : "denied");
	if (en)
		put(&o, "\"%s\"", en);
	else
		put_lit(&o, "null");

	switch (e->object) {
	case BPFENCE_OBJ_FILE:
		put_lit(&o, ", \"object\": \"file\", \"path\": ");
		put_str(&o, e->path, sizeof(e->path));
		put(&o, ", \"dev\": \"%u:%u\", \"ino\": %llu, \"access\": \"%s\"", e->dev >> 20,
		    e->dev & 0xfffff, (unsigned long long)e->ino,
		    access_name(e->mask & ~BPFENCE_PATH_PARTIAL));
		if (e->mask & BPFENCE_PATH_PARTIAL)
			put_lit(&o, ", \"path_partial\": true");
		break;
	case BPFENCE_OBJ_INET:
		bpfence_addr_str(e->addr, addr, sizeof(addr));
		put(&o, ", \"object\": \"inet\", \"family\": \"%s\", \"protocol\": \"%s\", "
			"\"address\": \"%s\", \"port\": %u",
		    e->family == 10 ? "inet6" : "inet", e->proto == 6 ? "tcp" : "udp", addr, e->port);
		break;
	case BPFENCE_OBJ_UNIX:
		put_lit(&o, ", \"object\": \"unix\", \"peer\": ");
		put_str(&o, e->path, sizeof(e->path));
		if (e->ino)
			put(&o, ", \"dev\": \"%u:%u\", \"ino\": %llu", e->dev >> 20, e->dev & 0xfffff,
			    (unsigned long long)e->ino);
		break;
	case BPFENCE_OBJ_SOCKET: {
		const char *fam = policy_family_name((int)e->family);

		put_lit(&o, ", \"object\": \"socket\", \"family\": ");
		if (fam)
			put(&o, "\"%s\"", fam);
		else
			put(&o, "%u", e->family);
		put(&o, ", \"type\": %u, \"protocol\": %u", e->port, e->proto);
		break;
	}
	case BPFENCE_OBJ_TASK:
		put(&o, ", \"object\": \"task\", \"target_pid\": %llu, \"signal\": %u",
		    (unsigned long long)e->ino, e->mask);
		break;
	case BPFENCE_OBJ_IPC:
		put_lit(&o, ", \"object\": \"ipc\", \"ipc\": ");
		put_str(&o, e->path, sizeof(e->path));
		put(&o, ", \"key\": %d, \"id\": %d", (int)(__s32)e->ino, (int)e->dev);
		break;
	default:
		put_lit(&o, ", \"object\": null");
	}
	put_lit(&o, "}");
	return (int)(o.off < n ? o.off : n - 1);
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
