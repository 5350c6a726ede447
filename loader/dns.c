// SPDX-License-Identifier: GPL-2.0-only
/*
 * DNS wire format for the per-invocation resolver (loader/dns.h): the checks a query, a reply and
 * an upstream's answer go through. The resolver (loader/resolver.c) owns the sockets, the allow
 * list and the grants; this file owns only the bytes.
 *
 * Termination and bounds. A name is read label by label; a compression pointer must point before
 * the start of the run of labels it ends (the name itself, or the previous pointer's target), so
 * successive targets strictly decrease and no pointer can lead back into a name already being
 * read. A well-formed message never needs more (RFC 1035 4.1.4: a pointer names a prior
 * occurrence), and the jump count is capped on top, so a run of pointers to pointers costs
 * little. Record walks are bounded by the message (every record takes at least 11 bytes), and
 * the CNAME passes of an answer by DNS_CHAIN_MAX, since each pass but the last grows the chain.
 */
#include <errno.h>
#include <string.h>

#include "dns.h"

/* Header flags: byte 2 ... */
#define DNS_QR	   0x80
#define DNS_OPCODE 0x78
#define DNS_TC	   0x02
#define DNS_RD	   0x01
/* ... and byte 3. */
#define DNS_RA	  0x80
#define DNS_RCODE 0x0f

/* A name has at most 127 labels and each run of labels ends in at most one pointer. */
#define DNS_JUMPS_MAX 128

/* The fixed part of a resource record after its owner: type, class, TTL, rdlength. */
#define DNS_RR_FIXED 10

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = v >> 8;
	p[1] = v & 0xff;
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, v >> 16);
	put16(p + 2, v & 0xffff);
}

uint16_t dns_id(const uint8_t *msg)
{
	return get16(msg);
}

void dns_set_id(uint8_t *msg, uint16_t id)
{
	put16(msg, id);
}

static bool label_byte_ok(uint8_t c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '-' || c == '_';
}

static void lower(char *s)
{
	for (; *s; s++) {
		if (*s >= 'A' && *s <= 'Z')
			*s += 'a' - 'A';
	}
}

/*
 * Reads the name at off into text (dotted, letter case as written) and sets *end to the offset
 * past it where it is written (past its first pointer). Returns 1 if every label byte is one of
 * [A-Za-z0-9_-], 0 if not (text then holds the raw bytes, possibly a NUL, and must not be
 * compared), -EINVAL if the name is malformed: out of bounds, a pointer that does not point
 * back, too many jumps, a label type other than 0 and 3 (RFC 6891 retired the others), longer
 * than DNS_NAME_MAX.
 */
static int name_read(const uint8_t *msg, size_t len, size_t off, char text[DNS_NAME_MAX + 1],
		     size_t *end)
{
	size_t pos = off, run = off, n = 0;
	unsigned int jumps = 0;
	bool clean = true, jumped = false;

	for (;;) {
		uint8_t b;

		if (pos >= len)
			return -EINVAL;
		b = msg[pos];
		if ((b & 0xc0) == 0xc0) {
			size_t target;

			if (len - pos < 2)
				return -EINVAL;
			target = (size_t)(b & 0x3f) << 8 | msg[pos + 1];
			if (target >= run || ++jumps > DNS_JUMPS_MAX)
				return -EINVAL;
			if (!jumped)
				*end = pos + 2;
			jumped = true;
			pos = run = target;
			continue;
		}
		if (b & 0xc0)
			return -EINVAL;
		if (!b)
			break;
		if (len - pos - 1 < b || n + !!n + b > DNS_NAME_MAX)
			return -EINVAL;
		if (n)
			text[n++] = '.';
		for (size_t i = 0; i < b; i++) {
			uint8_t c = msg[pos + 1 + i];

			clean = clean && label_byte_ok(c);
			text[n++] = (char)c;
		}
		pos += 1 + b;
	}
	if (!jumped)
		*end = pos + 1;
	text[n] = '\0';
	return clean;
}

/* A resource record's fixed fields and where its parts are. */
struct rr {
	uint16_t type, class;
	uint32_t ttl;
	size_t ttl_off; /* of the TTL field */
	size_t rdata, rdlength;
	size_t end; /* past the rdata */
};

/* Reads the record at off; its owner as name_read gives it. */
static int rr_read(const uint8_t *msg, size_t len, size_t off, char owner[DNS_NAME_MAX + 1],
		   struct rr *rr)
{
	size_t pos;
	int clean;

	clean = name_read(msg, len, off, owner, &pos);
	if (clean < 0 || len - pos < DNS_RR_FIXED)
		return -EINVAL;
	rr->type = get16(msg + pos);
	rr->class = get16(msg + pos + 2);
	rr->ttl_off = pos + 4;
	rr->ttl = get32(msg + pos + 4);
	rr->rdlength = get16(msg + pos + 8);
	rr->rdata = pos + DNS_RR_FIXED;
	if (len - rr->rdata < rr->rdlength)
		return -EINVAL;
	rr->end = rr->rdata + rr->rdlength;
	return clean;
}

/* Skips the qdcount questions after the header; *end is past the last. */
static int questions_skip(const uint8_t *msg, size_t len, unsigned int qdcount, size_t *end)
{
	char scratch[DNS_NAME_MAX + 1];
	size_t pos = DNS_HEADER_LEN;

	for (unsigned int i = 0; i < qdcount; i++) {
		if (name_read(msg, len, pos, scratch, &pos) < 0 || len - pos < 4)
			return -EINVAL;
		pos += 4;
	}
	*end = pos;
	return 0;
}

int dns_parse_query(const uint8_t *msg, size_t len, struct dns_query *q)
{
	char owner[DNS_NAME_MAX + 1];
	struct rr opt;
	size_t pos;

	memset(q, 0, sizeof(*q));
	if (len < DNS_HEADER_LEN || msg[2] & (DNS_QR | DNS_OPCODE))
		return -EINVAL;
	if (get16(msg + 4) != 1 || get16(msg + 6) || get16(msg + 8) || get16(msg + 10) > 1)
		return -EINVAL;
	if (name_read(msg, len, DNS_HEADER_LEN, q->name, &pos) != 1 || len - pos < 4)
		return -EINVAL;
	lower(q->name);
	q->id = get16(msg);
	q->rd = msg[2] & DNS_RD;
	q->qtype = get16(msg + pos);
	q->qclass = get16(msg + pos + 2);
	q->end = pos + 4;
	pos = q->end;
	if (get16(msg + 10)) {
		if (rr_read(msg, len, pos, owner, &opt) < 0 || owner[0] || opt.type != DNS_TYPE_OPT)
			return -EINVAL;
		pos = opt.end;
	}
	/* Trailing bytes would be read by no one; a query that carries them is not a client's. */
	return pos == len ? 0 : -EINVAL;
}

int dns_reply_error(const uint8_t *query, size_t len, const struct dns_query *q, int rcode,
		    uint8_t *out, size_t outlen)
{
	char name[DNS_NAME_MAX + 1];
	size_t pos, need, n;

	if (rcode < 0 || rcode > DNS_RCODE)
		return -EINVAL;
	if (!q) {
		if (len < 2)
			return -EINVAL;
		if (outlen < DNS_HEADER_LEN)
			return -ENOSPC;
		memset(out, 0, DNS_HEADER_LEN);
		put16(out, get16(query));
		out[2] = DNS_QR | (len > 2 ? query[2] & DNS_RD : 0);
		out[3] = DNS_RA | rcode;
		return DNS_HEADER_LEN;
	}
	/*
	 * The question is written again from its labels rather than copied: a compression pointer
	 * in it may point into the query's header, which the reply's header does not repeat.
	 */
	if (name_read(query, len, DNS_HEADER_LEN, name, &pos) != 1 || pos + 4 != q->end ||
	    q->end > len)
		return -EINVAL;
	n = strlen(name);
	need = DNS_HEADER_LEN + (n ? n + 2 : 1) + 4;
	if (outlen < need)
		return -ENOSPC;
	memset(out, 0, DNS_HEADER_LEN);
	put16(out, q->id);
	out[2] = DNS_QR | (q->rd ? DNS_RD : 0);
	out[3] = DNS_RA | rcode;
	put16(out + 4, 1);
	pos = DNS_HEADER_LEN;
	for (const char *label = name; *label;) {
		size_t l = strcspn(label, ".");

		out[pos++] = (uint8_t)l;
		memcpy(out + pos, label, l);
		pos += l;
		label += l;
		if (*label == '.')
			label++;
	}
	out[pos++] = 0;
	put16(out + pos, q->qtype);
	put16(out + pos + 2, q->qclass);
	return (int)(pos + 4);
}

static bool in_chain(const struct dns_answer *a, const char *name)
{
	for (size_t i = 0; i < a->n_chain; i++) {
		if (!strcmp(a->chain[i], name))
			return true;
	}
	return false;
}

static void addr_add(struct dns_answer *a, uint16_t type, const uint8_t *rdata, uint32_t ttl)
{
	struct dns_addr addr = {.type = type, .ttl = ttl & 0x80000000 ? 0 : ttl};

	if (type == DNS_TYPE_A) {
		addr.addr[10] = addr.addr[11] = 0xff;
		memcpy(addr.addr + 12, rdata, 4);
	} else {
		memcpy(addr.addr, rdata, 16);
	}
	/*
	 * A repeated address is one grant, so repeats cannot fill the table. It lasts the largest
	 * TTL: the client may cache the address that long, and a shorter grant would fail it.
	 */
	for (size_t i = 0; i < a->n_addrs; i++) {
		if (!memcmp(a->addrs[i].addr, addr.addr, sizeof(addr.addr))) {
			if (a->addrs[i].ttl < addr.ttl)
				a->addrs[i].ttl = addr.ttl;
			return;
		}
	}
	if (a->n_addrs == DNS_ADDRS_MAX) {
		a->overflow = true;
		return;
	}
	a->addrs[a->n_addrs++] = addr;
}

/*
 * One pass over the ANSWER section (ancount records from off): follows CNAMEs whose owner is in
 * the chain, collects the chain's addresses. *grew tells whether the chain grew, in which case
 * the caller passes again: a CNAME read before the record that made its owner part of the chain
 * was skipped, and so were addresses.
 */
static int answer_pass(const uint8_t *msg, size_t len, size_t off, unsigned int ancount,
		       struct dns_answer *a, bool *grew)
{
	char owner[DNS_NAME_MAX + 1], target[DNS_NAME_MAX + 1];
	size_t pos = off, end;
	struct rr rr;
	int clean;
	bool match;

	*grew = false;
	for (unsigned int i = 0; i < ancount; i++, pos = rr.end) {
		clean = rr_read(msg, len, pos, owner, &rr);
		if (clean < 0)
			return -EINVAL;
		if (rr.class != DNS_CLASS_IN)
			continue;
		lower(owner);
		match = clean && in_chain(a, owner);
		switch (rr.type) {
		case DNS_TYPE_CNAME:
			/* Its target may be compressed, but written inside the rdata, and alone. */
			clean = name_read(msg, len, rr.rdata, target, &end);
			if (clean < 0 || end != rr.end)
				return -EINVAL;
			lower(target);
			if (!match || !clean || in_chain(a, target))
				break;
			if (a->n_chain == DNS_CHAIN_MAX) {
				a->overflow = true;
				break;
			}
			strcpy(a->chain[a->n_chain++], target);
			*grew = true;
			break;
		case DNS_TYPE_A:
		case DNS_TYPE_AAAA:
			if (rr.rdlength != (rr.type == DNS_TYPE_A ? 4u : 16u))
				return -EINVAL;
			if (match)
				addr_add(a, rr.type, msg + rr.rdata, rr.ttl);
			break;
		}
	}
	return 0;
}

int dns_parse_answer(const uint8_t *msg, size_t len, const struct dns_query *q,
		     struct dns_answer *a)
{
	char name[DNS_NAME_MAX + 1];
	size_t pos;
	bool grew;
	int err;

	memset(a, 0, sizeof(*a));
	if (len < DNS_HEADER_LEN || get16(msg) != q->id || !(msg[2] & DNS_QR) ||
	    msg[2] & DNS_OPCODE || get16(msg + 4) != 1)
		return -EINVAL;
	a->rcode = msg[3] & DNS_RCODE;
	a->truncated = msg[2] & DNS_TC;
	if (name_read(msg, len, DNS_HEADER_LEN, name, &pos) != 1 || len - pos < 4)
		return -EINVAL;
	lower(name);
	if (strcmp(name, q->name) || get16(msg + pos) != q->qtype ||
	    get16(msg + pos + 2) != q->qclass)
		return -EINVAL;
	pos += 4;
	strcpy(a->chain[0], q->name);
	a->n_chain = 1;
	/*
	 * Every pass but the last adds to the chain, so there are at most DNS_CHAIN_MAX. Each pass
	 * starts the addresses and the overflow over: the last one sees the whole chain.
	 */
	for (unsigned int pass = 0; pass < DNS_CHAIN_MAX; pass++) {
		a->n_addrs = 0;
		a->overflow = false;
		err = answer_pass(msg, len, pos, get16(msg + 6), a, &grew);
		if (err)
			return err;
		if (!grew)
			break;
	}
	return 0;
}

int dns_cap_ttls(uint8_t *msg, size_t len, uint32_t max)
{
	char scratch[DNS_NAME_MAX + 1];
	unsigned int count;
	size_t start, pos;
	struct rr rr;

	if (len < DNS_HEADER_LEN || questions_skip(msg, len, get16(msg + 4), &start) < 0)
		return -EINVAL;
	count = get16(msg + 6) + get16(msg + 8) + get16(msg + 10);
	/* Checked whole first, written second: a malformed message is left as it came. */
	for (int write = 0; write <= 1; write++) {
		pos = start;
		for (unsigned int i = 0; i < count; i++, pos = rr.end) {
			if (rr_read(msg, len, pos, scratch, &rr) < 0)
				return -EINVAL;
			if (!write || rr.type == DNS_TYPE_OPT)
				continue;
			if (rr.ttl & 0x80000000)
				put32(msg + rr.ttl_off, 0);
			else if (rr.ttl > max)
				put32(msg + rr.ttl_off, max);
		}
	}
	return 0;
}

const char *dns_type_name(uint16_t type)
{
	switch (type) {
#define DNS_TYPE_CASE(name, value)                                                                 \
	case value:                                                                                \
		return #name;
		DNS_TYPES(DNS_TYPE_CASE)
#undef DNS_TYPE_CASE
	}
	return NULL;
}
