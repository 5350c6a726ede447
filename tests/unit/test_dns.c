/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Unit tests for loader/dns.c: queries, error replies, upstream answers and TTL capping, from
 * messages built byte by byte here, then every prefix of them and a deterministic run of random
 * mutations. Each message is handed over in a heap buffer of exactly its length, so a read past
 * the end is caught when this runs under ASan.
 *
 *   test_dns
 *
 * Prints one line per failed check and a final "N passed, N failed"; exits 1 on any failure.
 */
#include "dns.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"

/* A message being built. Builders never overflow it: the tests' messages are far smaller. */
struct msg {
	uint8_t b[8192];
	size_t len;
};

static void put8(struct msg *m, uint8_t v)
{
	if (m->len >= sizeof(m->b))
		abort();
	m->b[m->len++] = v;
}

static void put16(struct msg *m, uint16_t v)
{
	put8(m, v >> 8);
	put8(m, v & 0xff);
}

static void put32(struct msg *m, uint32_t v)
{
	put16(m, v >> 16);
	put16(m, v & 0xffff);
}

static void put_bytes(struct msg *m, const void *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		put8(m, ((const uint8_t *)p)[i]);
}

/* Dotted text to labels, uncompressed; "" is the root. */
static void put_name(struct msg *m, const char *name)
{
	while (*name) {
		size_t l = strcspn(name, ".");

		put8(m, (uint8_t)l);
		put_bytes(m, name, l);
		name += l;
		if (*name == '.')
			name++;
	}
	put8(m, 0);
}

static void put_ptr(struct msg *m, uint16_t off)
{
	put16(m, 0xc000 | off);
}

static void set16(struct msg *m, size_t off, uint16_t v)
{
	m->b[off] = v >> 8;
	m->b[off + 1] = v & 0xff;
}

static void header(struct msg *m, uint16_t id, uint16_t flags, uint16_t qd, uint16_t an,
		   uint16_t ns, uint16_t ar)
{
	m->len = 0;
	put16(m, id);
	put16(m, flags);
	put16(m, qd);
	put16(m, an);
	put16(m, ns);
	put16(m, ar);
}

/* A record's fields after its owner, which the caller wrote. */
static void rr(struct msg *m, uint16_t type, uint16_t class, uint32_t ttl, const void *rdata,
	       uint16_t rdlength)
{
	put16(m, type);
	put16(m, class);
	put32(m, ttl);
	put16(m, rdlength);
	put_bytes(m, rdata, rdlength);
}

static void put_opt(struct msg *m)
{
	put8(m, 0);
	rr(m, DNS_TYPE_OPT, 1232, 0x00008000, NULL, 0); /* payload size, DO */
}

#define QFLAGS_RD 0x0100
#define AFLAGS	  0x8180 /* QR, RD, RA */

static void query(struct msg *m, uint16_t id, const char *name, uint16_t type, bool edns)
{
	header(m, id, QFLAGS_RD, 1, 0, 0, edns);
	put_name(m, name);
	put16(m, type);
	put16(m, DNS_CLASS_IN);
	if (edns)
		put_opt(m);
}

/* The start of an answer to (id, name, type): header and question; counts set by the caller. */
static void answer(struct msg *m, uint16_t id, uint16_t flags, const char *name, uint16_t type)
{
	header(m, id, flags, 1, 0, 0, 0);
	put_name(m, name);
	put16(m, type);
	put16(m, DNS_CLASS_IN);
}

/* Where answer() puts the question's name: the target of the usual 0xc00c. */
#define QNAME 12

static uint8_t *exact(const uint8_t *b, size_t len)
{
	uint8_t *p = malloc(len ? len : 1);

	if (!p)
		abort();
	memcpy(p, b, len);
	return p;
}

static int parse_query(const struct msg *m, size_t len, struct dns_query *q)
{
	uint8_t *p = exact(m->b, len);
	int ret = dns_parse_query(p, len, q);

	free(p);
	return ret;
}

static int parse_answer(const struct msg *m, size_t len, const struct dns_query *q,
			struct dns_answer *a)
{
	uint8_t *p = exact(m->b, len);
	int ret = dns_parse_answer(p, len, q, a);

	free(p);
	return ret;
}

static int cap_ttls(struct msg *m, size_t len, uint32_t max)
{
	uint8_t *p = exact(m->b, len);
	int ret = dns_cap_ttls(p, len, max);

	memcpy(m->b, p, len);
	free(p);
	return ret;
}

/* The question of a query for name, as dns_parse_query would give it. */
static struct dns_query question(uint16_t id, const char *name, uint16_t type)
{
	struct dns_query q;
	struct msg m;

	query(&m, id, name, type, false);
	if (dns_parse_query(m.b, m.len, &q))
		abort();
	return q;
}

static void test_query(void)
{
	struct dns_query q;
	struct msg m;
	int ret;

	query(&m, 0x1234, "www.example.com", DNS_TYPE_A, false);
	ret = parse_query(&m, m.len, &q);
	CHECK(!ret, "A query: %d", ret);
	CHECK(q.id == 0x1234 && q.qtype == DNS_TYPE_A && q.qclass == DNS_CLASS_IN && q.rd,
	      "A query fields: id %#x type %u class %u rd %d", q.id, q.qtype, q.qclass, q.rd);
	CHECK(!strcmp(q.name, "www.example.com"), "A query name: %s", q.name);
	CHECK(q.end == m.len, "A query end: %zu of %zu", q.end, m.len);

	query(&m, 7, "ipv6.example", DNS_TYPE_AAAA, false);
	m.b[2] = 0; /* RD clear */
	ret = parse_query(&m, m.len, &q);
	CHECK(!ret && q.qtype == DNS_TYPE_AAAA && !q.rd && !strcmp(q.name, "ipv6.example"),
	      "AAAA query: %d type %u rd %d %s", ret, q.qtype, q.rd, q.name);

	query(&m, 7, "", DNS_TYPE_NS, false);
	ret = parse_query(&m, m.len, &q);
	CHECK(!ret && !q.name[0] && q.end == 17, "root query: %d '%s' end %zu", ret, q.name, q.end);

	query(&m, 7, "_443._tcp.Svc-1.example", DNS_TYPE_SRV, false);
	ret = parse_query(&m, m.len, &q);
	CHECK(!ret && !strcmp(q.name, "_443._tcp.svc-1.example"), "'_' and '-': %d %s", ret,
	      q.name);

	query(&m, 7, "WwW.ExAmPlE.COM", DNS_TYPE_A, false);
	ret = parse_query(&m, m.len, &q);
	CHECK(!ret && !strcmp(q.name, "www.example.com"), "upper case folded: %d %s", ret, q.name);
}

static void test_query_edns(void)
{
	struct dns_query q;
	struct msg m;
	size_t question_end;
	int ret;

	query(&m, 9, "example.org", DNS_TYPE_A, true);
	question_end = m.len - 11;
	ret = parse_query(&m, m.len, &q);
	CHECK(!ret && q.end == question_end, "EDNS query: %d end %zu, question ends at %zu", ret,
	      q.end, question_end);

	/* OPT with options (a cookie): read for its bounds. */
	query(&m, 9, "example.org", DNS_TYPE_A, false);
	set16(&m, 10, 1);
	put8(&m, 0);
	rr(&m, DNS_TYPE_OPT, 1232, 0,
	   "\x00\x0a\x00\x08"
	   "abcdefgh",
	   12);
	ret = parse_query(&m, m.len, &q);
	CHECK(!ret, "EDNS query with a cookie: %d", ret);
	m.b[m.len - 13] = 13; /* rdlength past the end */
	ret = parse_query(&m, m.len, &q);
	CHECK(ret == -EINVAL, "OPT rdlength past the end: %d", ret);

	query(&m, 9, "example.org", DNS_TYPE_A, false);
	set16(&m, 10, 1);
	put_ptr(&m, QNAME);
	rr(&m, DNS_TYPE_A, DNS_CLASS_IN, 0, "\1\2\3\4", 4);
	ret = parse_query(&m, m.len, &q);
	CHECK(ret == -EINVAL, "an additional record other than OPT: %d", ret);

	query(&m, 9, "example.org", DNS_TYPE_A, false);
	set16(&m, 10, 1);
	put_name(&m, "x");
	rr(&m, DNS_TYPE_OPT, 1232, 0, NULL, 0);
	ret = parse_query(&m, m.len, &q);
	CHECK(ret == -EINVAL, "OPT with an owner other than the root: %d", ret);

	query(&m, 9, "example.org", DNS_TYPE_A, true);
	put_opt(&m);
	set16(&m, 10, 2);
	ret = parse_query(&m, m.len, &q);
	CHECK(ret == -EINVAL, "ARCOUNT 2: %d", ret);

	query(&m, 9, "example.org", DNS_TYPE_A, true);
	put8(&m, 0);
	ret = parse_query(&m, m.len, &q);
	CHECK(ret == -EINVAL, "a byte after the OPT record: %d", ret);
	query(&m, 9, "example.org", DNS_TYPE_A, false);
	put8(&m, 0);
	ret = parse_query(&m, m.len, &q);
	CHECK(ret == -EINVAL, "a byte after the question: %d", ret);
}

static void test_query_header(void)
{
	struct dns_query q;
	struct msg m;
	int ret;

	query(&m, 1, "example.com", DNS_TYPE_A, false);
	m.b[2] |= 0x80;
	ret = parse_query(&m, m.len, &q);
	CHECK(ret == -EINVAL, "QR set in a query: %d", ret);

	query(&m, 1, "example.com", DNS_TYPE_A, false);
	m.b[2] |= 2 << 3; /* STATUS */
	ret = parse_query(&m, m.len, &q);
	CHECK(ret == -EINVAL, "opcode STATUS: %d", ret);

	query(&m, 1, "example.com", DNS_TYPE_A, false);
	set16(&m, 4, 2);
	put_name(&m, "example.net");
	put16(&m, DNS_TYPE_A);
	put16(&m, DNS_CLASS_IN);
	ret = parse_query(&m, m.len, &q);
	CHECK(ret == -EINVAL, "QDCOUNT 2: %d", ret);

	query(&m, 1, "example.com", DNS_TYPE_A, false);
	set16(&m, 4, 0);
	ret = parse_query(&m, m.len, &q);
	CHECK(ret == -EINVAL, "QDCOUNT 0: %d", ret);

	query(&m, 1, "example.com", DNS_TYPE_A, false);
	set16(&m, 6, 1);
	put_ptr(&m, QNAME);
	rr(&m, DNS_TYPE_A, DNS_CLASS_IN, 0, "\1\2\3\4", 4);
	ret = parse_query(&m, m.len, &q);
	CHECK(ret == -EINVAL, "ANCOUNT 1: %d", ret);

	query(&m, 1, "example.com", DNS_TYPE_A, false);
	set16(&m, 8, 1);
	ret = parse_query(&m, m.len, &q);
	CHECK(ret == -EINVAL, "NSCOUNT 1: %d", ret);

	for (size_t len = 0; len < 12; len++) {
		ret = parse_query(&m, len, &q);
		CHECK(ret == -EINVAL, "header cut at %zu: %d", len, ret);
	}
}

static void test_query_compression(void)
{
	struct dns_query q;
	struct msg m;
	int ret;

	/* "foo" then a pointer to offset 10, ARCOUNT's high byte: 0, the root. */
	header(&m, 5, QFLAGS_RD, 1, 0, 0, 0);
	put_bytes(&m, "\3foo", 4);
	put_ptr(&m, 10);
	put16(&m, DNS_TYPE_A);
	put16(&m, DNS_CLASS_IN);
	ret = parse_query(&m, m.len, &q);
	CHECK(!ret && !strcmp(q.name, "foo") && q.end == m.len, "pointer back: %d '%s' end %zu",
	      ret, q.name, q.end);

	header(&m, 5, QFLAGS_RD, 1, 0, 0, 0);
	put_ptr(&m, 14);
	put8(&m, 0);
	put16(&m, DNS_TYPE_A);
	put16(&m, DNS_CLASS_IN);
	ret = parse_query(&m, m.len, &q);
	CHECK(ret == -EINVAL, "forward pointer: %d", ret);

	header(&m, 5, QFLAGS_RD, 1, 0, 0, 0);
	put_ptr(&m, QNAME);
	put16(&m, DNS_TYPE_A);
	put16(&m, DNS_CLASS_IN);
	ret = parse_query(&m, m.len, &q);
	CHECK(ret == -EINVAL, "pointer to itself: %d", ret);

	/* Back, but into the name being read: "www.www.www..." if followed. */
	header(&m, 5, QFLAGS_RD, 1, 0, 0, 0);
	put_bytes(&m, "\3www", 4);
	put_ptr(&m, QNAME);
	put16(&m, DNS_TYPE_A);
	put16(&m, DNS_CLASS_IN);
	ret = parse_query(&m, m.len, &q);
	CHECK(ret == -EINVAL, "pointer loop: %d", ret);

	/* Offset 2 holds the flags (0x01 0x00): a label of one byte, 0x00, which is not allowed. */
	header(&m, 5, QFLAGS_RD, 1, 0, 0, 0);
	put_ptr(&m, 2);
	put16(&m, DNS_TYPE_A);
	put16(&m, DNS_CLASS_IN);
	ret = parse_query(&m, m.len, &q);
	CHECK(ret == -EINVAL, "pointer to a NUL label in the header: %d", ret);

	header(&m, 5, QFLAGS_RD, 1, 0, 0, 0);
	put_bytes(&m, "\3foo", 4);
	put8(&m, 0xc0); /* the pointer's second byte missing */
	ret = parse_query(&m, m.len, &q);
	CHECK(ret == -EINVAL, "half a pointer: %d", ret);

	/* Label types 01 and 10 (RFC 6891: extended labels, none in use). */
	for (unsigned int b = 0x40; b <= 0x80; b += 0x40) {
		header(&m, 5, QFLAGS_RD, 1, 0, 0, 0);
		put8(&m, b);
		put8(&m, 0);
		put16(&m, DNS_TYPE_A);
		put16(&m, DNS_CLASS_IN);
		ret = parse_query(&m, m.len, &q);
		CHECK(ret == -EINVAL, "label type %#x: %d", b, ret);
	}
}

static void test_query_limits(void)
{
	char label[70], name[300];
	struct dns_query q;
	struct msg m;
	int ret;

	memset(label, 'a', 63);
	label[63] = '\0';
	snprintf(name, sizeof(name), "%s.com", label);
	query(&m, 1, name, DNS_TYPE_A, false);
	ret = parse_query(&m, m.len, &q);
	CHECK(!ret && !strcmp(q.name, name), "label of 63 bytes: %d", ret);
	label[63] = 'a';
	label[64] = '\0';
	snprintf(name, sizeof(name), "%s.com", label);
	query(&m, 1, name, DNS_TYPE_A, false);
	ret = parse_query(&m, m.len, &q);
	CHECK(ret == -EINVAL, "label of 64 bytes: %d", ret);

	/* 63 + 1 + 63 + 1 + 63 + 1 + 61 = 253 */
	label[63] = '\0';
	snprintf(name, sizeof(name), "%s.%s.%s.%.61s", label, label, label, label);
	CHECK(strlen(name) == 253, "%zu", strlen(name));
	query(&m, 1, name, DNS_TYPE_A, false);
	ret = parse_query(&m, m.len, &q);
	CHECK(!ret && !strcmp(q.name, name), "name of 253 bytes: %d", ret);
	snprintf(name, sizeof(name), "%s.%s.%s.%.62s", label, label, label, label);
	query(&m, 1, name, DNS_TYPE_A, false);
	ret = parse_query(&m, m.len, &q);
	CHECK(ret == -EINVAL, "name of 254 bytes: %d", ret);
	/* 127 one-byte labels: 253 bytes of text; 128 are too many. */
	name[0] = '\0';
	for (int i = 0; i < 127; i++)
		strcat(name, i ? ".a" : "a");
	query(&m, 1, name, DNS_TYPE_A, false);
	ret = parse_query(&m, m.len, &q);
	CHECK(!ret, "127 labels: %d", ret);
	strcat(name, ".a");
	query(&m, 1, name, DNS_TYPE_A, false);
	ret = parse_query(&m, m.len, &q);
	CHECK(ret == -EINVAL, "128 labels: %d", ret);
}

static void test_query_bytes(void)
{
	static const uint8_t bad[] = {'.', '*', 0x80, 0xff, 0, ' ', '/', '\\', '@', 0x7f, '\n'};
	struct dns_query q;
	struct msg m;
	int ret;

	for (size_t i = 0; i < sizeof(bad); i++) {
		header(&m, 1, QFLAGS_RD, 1, 0, 0, 0);
		put_bytes(&m, "\3a", 2);
		put8(&m, bad[i]);
		put_bytes(&m, "b\3com\0", 6);
		put16(&m, DNS_TYPE_A);
		put16(&m, DNS_CLASS_IN);
		ret = parse_query(&m, m.len, &q);
		CHECK(ret == -EINVAL, "byte %#x in a label: %d", bad[i], ret);
	}
}

/* Every prefix of a valid query is refused; none is read past. */
static void test_query_prefixes(void)
{
	static const char *names[] = {"www.example.com", "", "a"};
	struct dns_query q;
	struct msg m;
	int ret;

	for (size_t n = 0; n < sizeof(names) / sizeof(names[0]); n++) {
		for (int edns = 0; edns <= 1; edns++) {
			query(&m, 3, names[n], DNS_TYPE_AAAA, edns);
			for (size_t len = 0; len < m.len; len++) {
				ret = parse_query(&m, len, &q);
				CHECK(ret == -EINVAL, "'%s' edns %d cut at %zu: %d", names[n], edns,
				      len, ret);
			}
			CHECK(!parse_query(&m, m.len, &q), "'%s' edns %d whole", names[n], edns);
		}
	}
}

static void test_reply_error(void)
{
	uint8_t out[600], small[8];
	struct dns_query q;
	struct msg m, want;
	int ret;

	query(&m, 0xbeef, "Mixed.Example", DNS_TYPE_AAAA, true);
	CHECK(!parse_query(&m, m.len, &q), "query");
	ret = dns_reply_error(m.b, m.len, &q, DNS_RCODE_REFUSED, out, sizeof(out));
	header(&want, 0xbeef, 0x8185, 1, 0, 0, 0);
	put_name(&want, "Mixed.Example"); /* the client's letter case */
	put16(&want, DNS_TYPE_AAAA);
	put16(&want, DNS_CLASS_IN);
	CHECK(ret == (int)want.len && !memcmp(out, want.b, want.len), "REFUSED reply: %d", ret);

	m.b[2] &= ~1; /* RD clear */
	CHECK(!parse_query(&m, m.len, &q), "query without RD");
	ret = dns_reply_error(m.b, m.len, &q, DNS_RCODE_NXDOMAIN, out, sizeof(out));
	want.b[2] = 0x80;
	want.b[3] = 0x83;
	CHECK(ret == (int)want.len && !memcmp(out, want.b, want.len), "NXDOMAIN reply: %d", ret);

	ret = dns_reply_error(m.b, m.len, &q, DNS_RCODE_NXDOMAIN, out, want.len - 1);
	CHECK(ret == -ENOSPC, "reply one byte short: %d", ret);
	ret = dns_reply_error(m.b, m.len, &q, DNS_RCODE_NXDOMAIN, out, want.len);
	CHECK(ret == (int)want.len, "reply exactly fitting: %d", ret);
	ret = dns_reply_error(m.b, m.len, &q, 16, out, sizeof(out));
	CHECK(ret == -EINVAL, "rcode 16: %d", ret);
	ret = dns_reply_error(m.b, q.end - 1, &q, DNS_RCODE_REFUSED, out, sizeof(out));
	CHECK(ret == -EINVAL, "query shorter than its question: %d", ret);

	/* A compressed question is written out whole. */
	header(&m, 5, QFLAGS_RD, 1, 0, 0, 0);
	put_bytes(&m, "\3foo", 4);
	put_ptr(&m, 10);
	put16(&m, DNS_TYPE_A);
	put16(&m, DNS_CLASS_IN);
	CHECK(!parse_query(&m, m.len, &q), "compressed query");
	ret = dns_reply_error(m.b, m.len, &q, DNS_RCODE_SERVFAIL, out, sizeof(out));
	header(&want, 5, 0x8182, 1, 0, 0, 0);
	put_name(&want, "foo");
	put16(&want, DNS_TYPE_A);
	put16(&want, DNS_CLASS_IN);
	CHECK(ret == (int)want.len && !memcmp(out, want.b, want.len),
	      "reply to a compressed question: %d", ret);

	/* The root. */
	query(&m, 5, "", DNS_TYPE_NS, false);
	CHECK(!parse_query(&m, m.len, &q), "root query");
	ret = dns_reply_error(m.b, m.len, &q, DNS_RCODE_REFUSED, out, sizeof(out));
	CHECK(ret == (int)m.len && !memcmp(out + 12, m.b + 12, m.len - 12), "root reply: %d", ret);

	/* Unparsable: the header alone. */
	memcpy(m.b, "\xab\xcd\x01\xff\xff", 5);
	ret = dns_reply_error(m.b, 5, NULL, DNS_RCODE_FORMERR, out, sizeof(out));
	header(&want, 0xabcd, 0x8181, 0, 0, 0, 0);
	CHECK(ret == 12 && !memcmp(out, want.b, 12), "FORMERR header: %d", ret);
	ret = dns_reply_error(m.b, 2, NULL, DNS_RCODE_FORMERR, out, sizeof(out));
	want.b[2] = 0x80;
	CHECK(ret == 12 && !memcmp(out, want.b, 12), "FORMERR header from 2 bytes: %d", ret);
	ret = dns_reply_error(m.b, 1, NULL, DNS_RCODE_FORMERR, out, sizeof(out));
	CHECK(ret == -EINVAL, "FORMERR from 1 byte: %d", ret);
	ret = dns_reply_error(m.b, 5, NULL, DNS_RCODE_FORMERR, small, sizeof(small));
	CHECK(ret == -ENOSPC, "FORMERR into 8 bytes: %d", ret);
}

static const uint8_t v4[4] = {192, 0, 2, 1};
static const uint8_t v6[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 1};

static bool has_addr(const struct dns_answer *a, uint16_t type, const uint8_t *raw)
{
	uint8_t want[16] = {0};

	if (type == DNS_TYPE_A) {
		want[10] = want[11] = 0xff;
		memcpy(want + 12, raw, 4);
	} else {
		memcpy(want, raw, 16);
	}
	for (size_t i = 0; i < a->n_addrs; i++) {
		if (a->addrs[i].type == type && !memcmp(a->addrs[i].addr, want, 16))
			return true;
	}
	return false;
}

static void test_answer_basic(void)
{
	struct dns_query q = question(0x4242, "www.example.com", DNS_TYPE_A);
	struct dns_answer a;
	struct msg m;
	int ret;

	answer(&m, 0x4242, AFLAGS, "www.example.com", DNS_TYPE_A);
	set16(&m, 6, 1);
	put_ptr(&m, QNAME);
	rr(&m, DNS_TYPE_A, DNS_CLASS_IN, 300, v4, 4);
	ret = parse_answer(&m, m.len, &q, &a);
	CHECK(!ret && a.rcode == 0 && !a.truncated && !a.overflow, "A answer: %d", ret);
	CHECK(a.n_chain == 1 && !strcmp(a.chain[0], "www.example.com"), "A chain: %zu", a.n_chain);
	CHECK(a.n_addrs == 1 && has_addr(&a, DNS_TYPE_A, v4) && a.addrs[0].ttl == 300,
	      "A address: %zu ttl %u", a.n_addrs, a.addrs[0].ttl);
	CHECK(a.addrs[0].addr[10] == 0xff && a.addrs[0].addr[12] == 192, "v4-mapped");

	q = question(0x4242, "www.example.com", DNS_TYPE_AAAA);
	answer(&m, 0x4242, AFLAGS, "WWW.example.COM", DNS_TYPE_AAAA);
	set16(&m, 6, 2);
	put_name(&m, "www.EXAMPLE.com");
	rr(&m, DNS_TYPE_AAAA, DNS_CLASS_IN, 0x80000000, v6, 16);
	put_ptr(&m, QNAME);
	rr(&m, DNS_TYPE_AAAA, 3, 60, v6, 16); /* class CH: not collected */
	ret = parse_answer(&m, m.len, &q, &a);
	CHECK(!ret && a.n_addrs == 1 && has_addr(&a, DNS_TYPE_AAAA, v6) && a.addrs[0].ttl == 0,
	      "AAAA answer, case-insensitive: %d %zu ttl %u", ret, a.n_addrs, a.addrs[0].ttl);

	/* The rcode and TC are reported; records present are read. */
	answer(&m, 0x4242, AFLAGS | 3, "www.example.com", DNS_TYPE_AAAA);
	ret = parse_answer(&m, m.len, &q, &a);
	CHECK(!ret && a.rcode == DNS_RCODE_NXDOMAIN && !a.n_addrs, "NXDOMAIN: %d rcode %d", ret,
	      a.rcode);
	answer(&m, 0x4242, AFLAGS | 0x0200, "www.example.com", DNS_TYPE_AAAA);
	set16(&m, 6, 1);
	put_ptr(&m, QNAME);
	rr(&m, DNS_TYPE_AAAA, DNS_CLASS_IN, 5, v6, 16);
	ret = parse_answer(&m, m.len, &q, &a);
	CHECK(!ret && a.truncated && a.n_addrs == 1, "TC: %d truncated %d", ret, a.truncated);
}

static void test_answer_mismatch(void)
{
	struct dns_query q = question(0x4242, "www.example.com", DNS_TYPE_A);
	struct dns_answer a;
	struct msg m;
	int ret;

	answer(&m, 0x4243, AFLAGS, "www.example.com", DNS_TYPE_A);
	ret = parse_answer(&m, m.len, &q, &a);
	CHECK(ret == -EINVAL, "another id: %d", ret);
	answer(&m, 0x4242, AFLAGS, "www.example.net", DNS_TYPE_A);
	ret = parse_answer(&m, m.len, &q, &a);
	CHECK(ret == -EINVAL, "another name: %d", ret);
	answer(&m, 0x4242, AFLAGS, "www.example.com", DNS_TYPE_AAAA);
	ret = parse_answer(&m, m.len, &q, &a);
	CHECK(ret == -EINVAL, "another type: %d", ret);
	answer(&m, 0x4242, AFLAGS, "www.example.com", DNS_TYPE_A);
	set16(&m, m.len - 2, 3);
	ret = parse_answer(&m, m.len, &q, &a);
	CHECK(ret == -EINVAL, "another class: %d", ret);
	answer(&m, 0x4242, AFLAGS & ~0x8000, "www.example.com", DNS_TYPE_A);
	ret = parse_answer(&m, m.len, &q, &a);
	CHECK(ret == -EINVAL, "QR clear: %d", ret);
	answer(&m, 0x4242, AFLAGS, "www.example.com", DNS_TYPE_A);
	set16(&m, 4, 0);
	m.len = 12;
	ret = parse_answer(&m, m.len, &q, &a);
	CHECK(ret == -EINVAL, "QDCOUNT 0: %d", ret);
	answer(&m, 0x4242, AFLAGS, "www.example.com", DNS_TYPE_A);
	set16(&m, 4, 2);
	ret = parse_answer(&m, m.len, &q, &a);
	CHECK(ret == -EINVAL, "QDCOUNT 2: %d", ret);
	/* The question's name with a '.' inside a label: the same text, another name. */
	answer(&m, 0x4242, AFLAGS, "", DNS_TYPE_A);
	m.len = 12;
	put_bytes(&m, "\x0bwww.example\3com\0", 17);
	put16(&m, DNS_TYPE_A);
	put16(&m, DNS_CLASS_IN);
	ret = parse_answer(&m, m.len, &q, &a);
	CHECK(ret == -EINVAL, "question with '.' in a label: %d", ret);
}

static void test_answer_rdata(void)
{
	struct dns_query q = question(1, "example.com", DNS_TYPE_A);
	struct dns_answer a;
	struct msg m;
	int ret;

	answer(&m, 1, AFLAGS, "example.com", DNS_TYPE_A);
	set16(&m, 6, 1);
	put_ptr(&m, QNAME);
	rr(&m, DNS_TYPE_A, DNS_CLASS_IN, 300, "\1\2\3\4\5", 5);
	ret = parse_answer(&m, m.len, &q, &a);
	CHECK(ret == -EINVAL, "A rdlength 5: %d", ret);

	answer(&m, 1, AFLAGS, "example.com", DNS_TYPE_A);
	set16(&m, 6, 1);
	put_name(&m, "elsewhere.example");
	rr(&m, DNS_TYPE_AAAA, DNS_CLASS_IN, 300, v4, 4);
	ret = parse_answer(&m, m.len, &q, &a);
	CHECK(ret == -EINVAL, "AAAA rdlength 4, another owner: %d", ret);

	answer(&m, 1, AFLAGS, "example.com", DNS_TYPE_A);
	set16(&m, 6, 1);
	put_ptr(&m, QNAME);
	rr(&m, DNS_TYPE_A, DNS_CLASS_IN, 300, v4, 4);
	m.len -= 1; /* rdlength 4, three bytes left */
	ret = parse_answer(&m, m.len, &q, &a);
	CHECK(ret == -EINVAL, "rdata past the end: %d", ret);

	answer(&m, 1, AFLAGS, "example.com", DNS_TYPE_A);
	set16(&m, 6, 1);
	put_ptr(&m, QNAME);
	rr(&m, DNS_TYPE_CNAME, DNS_CLASS_IN, 300, "\1x\0\0", 4);
	ret = parse_answer(&m, m.len, &q, &a);
	CHECK(ret == -EINVAL, "CNAME rdata longer than its name: %d", ret);

	answer(&m, 1, AFLAGS, "example.com", DNS_TYPE_A);
	set16(&m, 6, 1);
	put_ptr(&m, QNAME);
	rr(&m, DNS_TYPE_CNAME, DNS_CLASS_IN, 300, "\1x\1y\0", 3);
	put_bytes(&m, "\1y\0", 3); /* the rest of the name lies after the rdata */
	ret = parse_answer(&m, m.len, &q, &a);
	CHECK(ret == -EINVAL, "CNAME rdata shorter than its name: %d", ret);

	/* Records of other types are skipped by their length. */
	answer(&m, 1, AFLAGS, "example.com", DNS_TYPE_A);
	set16(&m, 6, 3);
	put_ptr(&m, QNAME);
	rr(&m, DNS_TYPE_RRSIG, DNS_CLASS_IN, 300, "\0\1\2\3\4\5\6\7", 8);
	put_ptr(&m, QNAME);
	rr(&m, DNS_TYPE_A, 3, 300, "\1\2\3", 3); /* class CH: A means something else */
	put_ptr(&m, QNAME);
	rr(&m, DNS_TYPE_A, DNS_CLASS_IN, 300, v4, 4);
	ret = parse_answer(&m, m.len, &q, &a);
	CHECK(!ret && a.n_addrs == 1, "other types and classes skipped: %d %zu", ret, a.n_addrs);

	/* ANCOUNT larger than the records present. */
	set16(&m, 6, 4);
	ret = parse_answer(&m, m.len, &q, &a);
	CHECK(ret == -EINVAL, "ANCOUNT past the end: %d", ret);
}

static void test_answer_chain(void)
{
	struct dns_query q = question(1, "www.example.com", DNS_TYPE_A);
	struct dns_answer a;
	struct msg m;
	size_t cdn;
	int ret;

	/* www.example.com -> edge.cdn.net -> e1.cdn.net: A, in order, compressed. */
	answer(&m, 1, AFLAGS, "www.example.com", DNS_TYPE_A);
	set16(&m, 6, 3);
	put_ptr(&m, QNAME);
	put16(&m, DNS_TYPE_CNAME);
	put16(&m, DNS_CLASS_IN);
	put32(&m, 60);
	put16(&m, 14);
	cdn = m.len;
	put_name(&m, "edge.cdn.net");
	put_ptr(&m, cdn);
	put16(&m, DNS_TYPE_CNAME);
	put16(&m, DNS_CLASS_IN);
	put32(&m, 60);
	put16(&m, 5);
	put_bytes(&m, "\2e1", 3);
	put_ptr(&m, cdn + 5); /* cdn.net */
	put_ptr(&m, m.len - 5);
	rr(&m, DNS_TYPE_A, DNS_CLASS_IN, 20, v4, 4);
	ret = parse_answer(&m, m.len, &q, &a);
	CHECK(!ret && a.n_chain == 3 && !a.overflow, "chain in order: %d %zu", ret, a.n_chain);
	CHECK(!strcmp(a.chain[1], "edge.cdn.net") && !strcmp(a.chain[2], "e1.cdn.net"),
	      "chain: %s %s", a.chain[1], a.chain[2]);
	CHECK(a.n_addrs == 1 && has_addr(&a, DNS_TYPE_A, v4), "chain's address: %zu", a.n_addrs);

	/* The same, backwards and uncompressed, with an upper-case owner. */
	answer(&m, 1, AFLAGS, "www.example.com", DNS_TYPE_A);
	set16(&m, 6, 3);
	put_name(&m, "E1.cdn.net");
	rr(&m, DNS_TYPE_A, DNS_CLASS_IN, 20, v4, 4);
	put_name(&m, "edge.cdn.net");
	rr(&m, DNS_TYPE_CNAME, DNS_CLASS_IN, 60, "\2E1\3cdn\3net", 12);
	put_name(&m, "www.example.com");
	rr(&m, DNS_TYPE_CNAME, DNS_CLASS_IN, 60, "\4edge\3cdn\3net", 14);
	ret = parse_answer(&m, m.len, &q, &a);
	CHECK(!ret && a.n_chain == 3 && a.n_addrs == 1 && !a.overflow,
	      "chain out of order: %d %zu %zu", ret, a.n_chain, a.n_addrs);
	CHECK(!strcmp(a.chain[1], "edge.cdn.net") && !strcmp(a.chain[2], "e1.cdn.net"),
	      "chain: %s %s", a.chain[1], a.chain[2]);

	/* A loop: www -> a -> www, and a -> a. */
	answer(&m, 1, AFLAGS, "www.example.com", DNS_TYPE_A);
	set16(&m, 6, 4);
	put_ptr(&m, QNAME);
	rr(&m, DNS_TYPE_CNAME, DNS_CLASS_IN, 60, "\1a\0", 3);
	put_name(&m, "a");
	rr(&m, DNS_TYPE_CNAME, DNS_CLASS_IN, 60, "\3www\7example\3com\0", 17);
	put_name(&m, "a");
	rr(&m, DNS_TYPE_CNAME, DNS_CLASS_IN, 60, "\1a\0", 3);
	put_name(&m, "a");
	rr(&m, DNS_TYPE_A, DNS_CLASS_IN, 60, v4, 4);
	ret = parse_answer(&m, m.len, &q, &a);
	CHECK(!ret && a.n_chain == 2 && a.n_addrs == 1 && !a.overflow, "CNAME loop: %d %zu %zu",
	      ret, a.n_chain, a.n_addrs);
}

/* A chain of `links` CNAMEs from the question, reversed, then an A record for its end. */
static void chain_answer(struct msg *m, unsigned int links)
{
	char owner[16], target[16];

	answer(m, 1, AFLAGS, "q", DNS_TYPE_A);
	set16(m, 6, links + 1);
	for (unsigned int i = links; i > 0; i--) {
		struct msg rdata = {.len = 0};

		snprintf(owner, sizeof(owner), "n%u", i - 1);
		snprintf(target, sizeof(target), "n%u", i);
		put_name(m, i == 1 ? "q" : owner);
		put_name(&rdata, target);
		rr(m, DNS_TYPE_CNAME, DNS_CLASS_IN, 60, rdata.b, rdata.len);
	}
	snprintf(target, sizeof(target), "n%u", links);
	put_name(m, links ? target : "q");
	rr(m, DNS_TYPE_A, DNS_CLASS_IN, 60, v4, 4);
}

static void test_answer_limits(void)
{
	struct dns_query q = question(1, "q", DNS_TYPE_A);
	struct dns_answer a;
	struct msg m;
	uint8_t addr[4];
	int ret;

	chain_answer(&m, DNS_CHAIN_MAX - 1);
	ret = parse_answer(&m, m.len, &q, &a);
	CHECK(!ret && a.n_chain == DNS_CHAIN_MAX && !a.overflow && a.n_addrs == 1,
	      "longest chain, backwards: %d %zu %d %zu", ret, a.n_chain, a.overflow, a.n_addrs);
	chain_answer(&m, DNS_CHAIN_MAX);
	ret = parse_answer(&m, m.len, &q, &a);
	CHECK(!ret && a.n_chain == DNS_CHAIN_MAX && a.overflow,
	      "chain one too long: %d %zu overflow %d", ret, a.n_chain, a.overflow);

	for (unsigned int n = DNS_ADDRS_MAX; n <= DNS_ADDRS_MAX + 1; n++) {
		answer(&m, 1, AFLAGS, "q", DNS_TYPE_A);
		set16(&m, 6, n + 1);
		for (unsigned int i = 0; i < n; i++) {
			memcpy(addr, "\x0a\0\0", 3);
			addr[3] = (uint8_t)i;
			put_ptr(&m, QNAME);
			rr(&m, DNS_TYPE_A, DNS_CLASS_IN, 60, addr, 4);
		}
		put_ptr(&m, QNAME); /* a repeat takes no room */
		rr(&m, DNS_TYPE_A, DNS_CLASS_IN, 90, addr, 4);
		ret = parse_answer(&m, m.len, &q, &a);
		CHECK(!ret && a.n_addrs == DNS_ADDRS_MAX && a.overflow == (n > DNS_ADDRS_MAX),
		      "%u addresses: %d %zu overflow %d", n, ret, a.n_addrs, a.overflow);
		if (n == DNS_ADDRS_MAX)
			CHECK(a.addrs[n - 1].ttl == 90, "the repeat's larger TTL: %u",
			      a.addrs[n - 1].ttl);
	}
}

static void test_answer_poison(void)
{
	struct dns_query q = question(1, "www.example.com", DNS_TYPE_A);
	static const uint8_t evil[4] = {6, 6, 6, 6};
	struct dns_answer a;
	struct msg m;
	int ret;

	answer(&m, 1, AFLAGS, "www.example.com", DNS_TYPE_A);
	set16(&m, 6, 6);
	put_name(&m, "bank.example");
	rr(&m, DNS_TYPE_A, DNS_CLASS_IN, 60, evil, 4);
	put_name(&m, "other.example"); /* a CNAME of another owner adds nothing */
	rr(&m, DNS_TYPE_CNAME, DNS_CLASS_IN, 60, "\4bank\7example\0", 14);
	/* "www.example" "com" and "www" "example.com": the same text, other names. */
	put_bytes(&m, "\x0bwww.example\3com\0", 17);
	rr(&m, DNS_TYPE_A, DNS_CLASS_IN, 60, evil, 4);
	put_bytes(&m,
		  "\3www\x0b"
		  "example.com\0",
		  17);
	rr(&m, DNS_TYPE_A, DNS_CLASS_IN, 60, evil, 4);
	/* A CNAME target that cannot match: not added. */
	put_ptr(&m, QNAME);
	rr(&m, DNS_TYPE_CNAME, DNS_CLASS_IN, 60, "\3a*b\0", 5);
	put_ptr(&m, QNAME);
	rr(&m, DNS_TYPE_A, DNS_CLASS_IN, 60, v4, 4);
	ret = parse_answer(&m, m.len, &q, &a);
	CHECK(!ret && a.n_chain == 1 && a.n_addrs == 1 && has_addr(&a, DNS_TYPE_A, v4),
	      "other owners ignored: %d chain %zu addrs %zu", ret, a.n_chain, a.n_addrs);
}

/* Every prefix of a valid answer: -EINVAL or 0, never a read past it. */
static void test_answer_prefixes(void)
{
	struct dns_query q = question(1, "www.example.com", DNS_TYPE_A);
	struct dns_answer a;
	struct msg m;
	size_t answers_end;
	int ret;

	answer(&m, 1, AFLAGS, "www.example.com", DNS_TYPE_A);
	set16(&m, 6, 2);
	set16(&m, 8, 1);
	set16(&m, 10, 1);
	put_ptr(&m, QNAME);
	rr(&m, DNS_TYPE_CNAME, DNS_CLASS_IN, 60, "\1b\xc0\x10", 4);
	put_ptr(&m, m.len - 4);
	rr(&m, DNS_TYPE_A, DNS_CLASS_IN, 60, v4, 4);
	answers_end = m.len;
	put_ptr(&m, 16);
	rr(&m, DNS_TYPE_SOA, DNS_CLASS_IN, 60,
	   "\0\0"
	   "01234567890123456789",
	   22);
	put_opt(&m);
	for (size_t len = 0; len <= m.len; len++) {
		ret = parse_answer(&m, len, &q, &a);
		if (len < answers_end)
			CHECK(ret == -EINVAL, "cut at %zu: %d", len, ret);
		else
			CHECK(!ret && a.n_chain == 2 && a.n_addrs == 1, "cut at %zu: %d", len, ret);
	}
}

static uint32_t ttl_at(const struct msg *m, size_t off)
{
	return (uint32_t)m->b[off] << 24 | m->b[off + 1] << 16 | m->b[off + 2] << 8 | m->b[off + 3];
}

static void test_cap_ttls(void)
{
	struct msg m, orig;
	size_t ttl[5];
	int ret;

	answer(&m, 1, AFLAGS, "www.example.com", DNS_TYPE_A);
	set16(&m, 6, 3);
	set16(&m, 8, 1);
	set16(&m, 10, 1);
	put_ptr(&m, QNAME);
	ttl[0] = m.len + 4;
	rr(&m, DNS_TYPE_A, DNS_CLASS_IN, 86400, v4, 4);
	put_ptr(&m, QNAME);
	ttl[1] = m.len + 4;
	rr(&m, DNS_TYPE_A, DNS_CLASS_IN, 10, v4, 4);
	put_ptr(&m, QNAME);
	ttl[2] = m.len + 4;
	rr(&m, DNS_TYPE_A, DNS_CLASS_IN, 0xfffffff0, v4, 4);
	put_ptr(&m, 16);
	ttl[3] = m.len + 4;
	rr(&m, DNS_TYPE_SOA, DNS_CLASS_IN, 3600,
	   "\0\0"
	   "01234567890123456789",
	   22);
	ttl[4] = m.len + 1 + 4;
	put_opt(&m);
	orig = m;

	ret = cap_ttls(&m, m.len, 300);
	CHECK(!ret, "cap: %d", ret);
	CHECK(ttl_at(&m, ttl[0]) == 300 && ttl_at(&m, ttl[1]) == 10 && ttl_at(&m, ttl[2]) == 0 &&
		      ttl_at(&m, ttl[3]) == 300,
	      "capped TTLs: %u %u %u %u", ttl_at(&m, ttl[0]), ttl_at(&m, ttl[1]),
	      ttl_at(&m, ttl[2]), ttl_at(&m, ttl[3]));
	CHECK(ttl_at(&m, ttl[4]) == 0x8000, "OPT flags kept: %#x", ttl_at(&m, ttl[4]));
	CHECK(!memcmp(m.b, orig.b, ttl[0]), "nothing else written");

	/* Every prefix is refused as a whole (the counts promise more) and left as it came. */
	for (size_t len = 0; len < orig.len; len++) {
		m = orig;
		ret = cap_ttls(&m, len, 300);
		CHECK(ret == -EINVAL && !memcmp(m.b, orig.b, orig.len), "cut at %zu: %d", len, ret);
	}
}

static void test_names_and_ids(void)
{
	uint8_t b[2] = {0};

	CHECK(!strcmp(dns_type_name(DNS_TYPE_A), "A"), "A");
	CHECK(!strcmp(dns_type_name(DNS_TYPE_AAAA), "AAAA"), "AAAA");
	CHECK(!strcmp(dns_type_name(DNS_TYPE_CNAME), "CNAME"), "CNAME");
	CHECK(!strcmp(dns_type_name(65), "HTTPS"), "HTTPS");
	CHECK(!strcmp(dns_type_name(255), "ANY"), "ANY");
	CHECK(!dns_type_name(0) && !dns_type_name(65535), "unknown types");
	dns_set_id(b, 0xa55a);
	CHECK(b[0] == 0xa5 && b[1] == 0x5a && dns_id(b) == 0xa55a, "id: %#x", dns_id(b));
}

static uint64_t xorshift(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* Properties of whatever parses, hostile or not. */
static void check_query(const struct dns_query *q, size_t len)
{
	size_t n = strlen(q->name);
	bool ok = n <= DNS_NAME_MAX && q->end <= len;

	for (size_t i = 0; i < n; i++)
		ok = ok && (q->name[i] == '.' || q->name[i] == '-' || q->name[i] == '_' ||
			    (q->name[i] >= 'a' && q->name[i] <= 'z') ||
			    (q->name[i] >= '0' && q->name[i] <= '9'));
	CHECK(ok, "parsed query: '%s' end %zu of %zu", q->name, q->end, len);
}

static void check_answer(const struct dns_answer *a)
{
	bool ok = a->n_chain >= 1 && a->n_chain <= DNS_CHAIN_MAX && a->n_addrs <= DNS_ADDRS_MAX;

	for (size_t i = 0; ok && i < a->n_chain; i++)
		ok = strlen(a->chain[i]) <= DNS_NAME_MAX;
	CHECK(ok, "parsed answer: chain %zu addrs %zu", a->n_chain, a->n_addrs);
}

/*
 * Random mutations of valid messages (fixed seed: a failure is reproducible): bytes replaced,
 * bits flipped, pointers planted, counts raised, the end cut. Each mutant goes through every
 * reader; only what parses is checked, against the invariants above.
 */
static void test_mutations(void)
{
	struct dns_query qs[4];
	struct msg base[4], m;
	uint64_t seed = 0x9e3779b97f4a7c15;
	unsigned int parsed = 0, failed_before = res.failed;
	uint8_t out[600];

	query(&base[0], 0x4242, "www.example.com", DNS_TYPE_A, true);
	answer(&base[1], 0x4242, AFLAGS, "www.example.com", DNS_TYPE_A);
	set16(&base[1], 6, 3);
	put_ptr(&base[1], QNAME);
	rr(&base[1], DNS_TYPE_CNAME, DNS_CLASS_IN, 60, "\1b\xc0\x10", 4);
	put_ptr(&base[1], base[1].len - 4);
	rr(&base[1], DNS_TYPE_A, DNS_CLASS_IN, 60, v4, 4);
	put_ptr(&base[1], base[1].len - 20); /* to the CNAME's target */
	rr(&base[1], DNS_TYPE_AAAA, DNS_CLASS_IN, 60, v6, 16);
	chain_answer(&base[2], 5);
	base[3] = base[1];
	set16(&base[3], 8, 1);
	put_ptr(&base[3], 16);
	rr(&base[3], DNS_TYPE_SOA, DNS_CLASS_IN, 60,
	   "\0\0"
	   "01234567890123456789",
	   22);

	qs[0] = qs[1] = qs[3] = question(0x4242, "www.example.com", DNS_TYPE_A);
	qs[2] = question(1, "q", DNS_TYPE_A);
	for (unsigned int i = 0; i < 200000; i++) {
		struct dns_query mq;
		struct dns_answer a;
		unsigned int edits;
		uint8_t *p;

		m = base[i % 4];
		edits = 1 + xorshift(&seed) % 4;
		for (unsigned int e = 0; e < edits && m.len; e++) {
			uint64_t r = xorshift(&seed);
			size_t at = (r >> 8) % m.len;

			switch (r % 6) {
			case 0:
				m.b[at] = (uint8_t)(r >> 32);
				break;
			case 1:
				m.b[at] ^= 1 << ((r >> 32) % 8);
				break;
			case 2: /* a pointer, often backward */
				if (at + 1 < m.len) {
					m.b[at] = 0xc0 | ((r >> 40) & 1);
					m.b[at + 1] = (uint8_t)(r >> 32);
				}
				break;
			case 3: /* a count */
				m.b[4 + ((r >> 32) % 8)] = (uint8_t)(r >> 40) % 4;
				break;
			case 4:
				m.len = (r >> 32) % (m.len + 1);
				break;
			case 5: /* a label length */
				m.b[at] = (uint8_t)((r >> 32) % 66);
				break;
			}
		}
		if (!parse_query(&m, m.len, &mq)) {
			parsed++;
			check_query(&mq, m.len);
			p = exact(m.b, m.len);
			int ret =
				dns_reply_error(p, m.len, &mq, DNS_RCODE_REFUSED, out, sizeof(out));
			if (ret < 0 || ret > (int)sizeof(out))
				CHECK(false, "reply to a parsed query: %d", ret);
			free(p);
		} else if (m.len >= 2) {
			p = exact(m.b, m.len);
			if (dns_reply_error(p, m.len, NULL, DNS_RCODE_FORMERR, out, sizeof(out)) !=
			    DNS_HEADER_LEN)
				CHECK(false, "FORMERR reply");
			free(p);
		}
		if (!parse_answer(&m, m.len, &qs[i % 4], &a)) {
			parsed++;
			check_answer(&a);
		}
		cap_ttls(&m, m.len, 30);
	}
	CHECK(res.failed == failed_before, "mutations");
	CHECK(parsed > 1000, "mutants that parse: %u", parsed);
}

int main(void)
{
	test_query();
	test_query_edns();
	test_query_header();
	test_query_compression();
	test_query_limits();
	test_query_bytes();
	test_query_prefixes();
	test_reply_error();
	test_answer_basic();
	test_answer_mismatch();
	test_answer_rdata();
	test_answer_chain();
	test_answer_limits();
	test_answer_poison();
	test_answer_prefixes();
	test_cap_ttls();
	test_names_and_ids();
	test_mutations();
	return check_summary();
}
