/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * DNS messages (RFC 1035 wire format): reading a client's query, answering it with an error,
 * reading an upstream's answer to it, capping its TTLs. This is what the per-invocation resolver
 * needs to forward a query for an allowed name and to learn which addresses the answer grants;
 * sockets, the allow list, the upstream servers and the grants in the BPF map are
 * loader/resolver.c's, not this file's.
 *
 * Both sides are hostile input: the query comes from the restricted function, the answer from
 * an upstream that may be spoofed or poisoned. Every length and compression pointer is checked
 * against the message, a pointer must point before the name (or label run) it was read in, so
 * no walk can loop, and all work is bounded by the message's length. Nothing allocates.
 *
 * Names are dotted text without the trailing dot ("" is the root), in ASCII lower case. Only
 * label bytes of host names and service labels ([A-Za-z0-9_-]) make a name that can match:
 * with '.' or NUL inside a label, two different names would have the same text.
 */
#ifndef BPFENCE_DNS_H
#define BPFENCE_DNS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DNS_HEADER_LEN 12
#define DNS_NAME_MAX   253 /* dotted text, without the trailing dot (255 bytes on the wire) */
#define DNS_CHAIN_MAX  8   /* the question's name plus up to 7 CNAME targets */
#define DNS_ADDRS_MAX  64  /* A/AAAA records kept from one answer */

/* X(NAME, value): the record types this file and the resolver's messages know by name. */
#define DNS_TYPES(X)                                                                               \
	X(A, 1)                                                                                    \
	X(NS, 2)                                                                                   \
	X(CNAME, 5)                                                                                \
	X(SOA, 6)                                                                                  \
	X(PTR, 12)                                                                                 \
	X(HINFO, 13)                                                                               \
	X(MX, 15)                                                                                  \
	X(TXT, 16)                                                                                 \
	X(AAAA, 28)                                                                                \
	X(SRV, 33)                                                                                 \
	X(NAPTR, 35)                                                                               \
	X(DNAME, 39)                                                                               \
	X(OPT, 41)                                                                                 \
	X(DS, 43)                                                                                  \
	X(SSHFP, 44)                                                                               \
	X(RRSIG, 46)                                                                               \
	X(NSEC, 47)                                                                                \
	X(DNSKEY, 48)                                                                              \
	X(NSEC3, 50)                                                                               \
	X(TLSA, 52)                                                                                \
	X(SVCB, 64)                                                                                \
	X(HTTPS, 65)                                                                               \
	X(AXFR, 252)                                                                               \
	X(ANY, 255)                                                                                \
	X(CAA, 257)

enum dns_type {
#define DNS_TYPE_ENUM(name, value) DNS_TYPE_##name = value,
	DNS_TYPES(DNS_TYPE_ENUM)
#undef DNS_TYPE_ENUM
};

enum { DNS_CLASS_IN = 1 };

enum dns_rcode {
	DNS_RCODE_NOERROR = 0,
	DNS_RCODE_FORMERR = 1,
	DNS_RCODE_SERVFAIL = 2,
	DNS_RCODE_NXDOMAIN = 3,
	DNS_RCODE_NOTIMP = 4,
	DNS_RCODE_REFUSED = 5,
};

/* A client's question. */
struct dns_query {
	uint16_t id;
	uint16_t qtype;
	uint16_t qclass;
	bool rd;		     /* recursion desired, echoed in replies */
	char name[DNS_NAME_MAX + 1]; /* lower case, no trailing dot; "" is the root */
	size_t end;		     /* offset just past the question */
};

/*
 * A client's query: QR=0, opcode QUERY, QDCOUNT=1, ANCOUNT=NSCOUNT=0, and ARCOUNT 0 or 1 where
 * the one additional record must be an EDNS OPT record (root owner, type 41; read for its
 * bounds, otherwise ignored). The question's name may be compressed; every label byte must be in
 * [A-Za-z0-9_-]. The message must end where the question (or the OPT record) ends. Returns 0, or
 * -EINVAL for anything else, which is answered FORMERR.
 */
int dns_parse_query(const uint8_t *msg, size_t len, struct dns_query *q);

/*
 * A reply to query (of len bytes) that q was parsed from, with rcode (0..15) and no records: the
 * query's id, QR=1, RD echoed, RA=1, QDCOUNT=1 and the question as the client wrote it (its
 * letter case kept, which clients using 0x20 randomisation check), written uncompressed.
 * With q NULL (the query did not parse), the 12-byte header alone with rcode, normally
 * FORMERR, and the query's id and RD bit as far as the query has them; -EINVAL if len < 2.
 * Returns the length written to out, -ENOSPC if outlen is too small, -EINVAL if the query is
 * not the one q was parsed from or rcode is out of range.
 */
int dns_reply_error(const uint8_t *query, size_t len, const struct dns_query *q, int rcode,
		    uint8_t *out, size_t outlen);

/* An address an answer grants. */
struct dns_addr {
	uint8_t addr[16]; /* A as v4-mapped ::ffff:a.b.c.d, AAAA as is (network byte order) */
	uint32_t ttl;	  /* seconds; a TTL with the top bit set counts as 0 (RFC 2181 8) */
	uint16_t type;	  /* DNS_TYPE_A or DNS_TYPE_AAAA */
};

/* What an upstream's answer says about the question's name. */
struct dns_answer {
	int rcode;
	bool truncated;				     /* TC set */
	char chain[DNS_CHAIN_MAX][DNS_NAME_MAX + 1]; /* [0]: the question; then CNAME targets */
	size_t n_chain;
	struct dns_addr addrs[DNS_ADDRS_MAX]; /* one per distinct address, the largest TTL kept */
	size_t n_addrs;
	bool overflow; /* a longer chain or more addresses than fit: the caller refuses the answer
			*/
};

/*
 * An upstream's response to q: the same id, QR=1, opcode QUERY, QDCOUNT=1 and q's question (the
 * name compared case-insensitively, type and class). Only the ANSWER section is read: a CNAME
 * record (class IN) whose owner is in the chain adds its target, in whatever order the records
 * come (passes repeat until the chain stops growing; a target already in it is not added again,
 * so CNAME loops end); A (rdlength 4) and AAAA (rdlength 16) records of class IN whose owner is
 * in the chain are collected. Records with another owner are read and ignored: an attempt at
 * poisoning grants nothing. A name with a label byte outside [A-Za-z0-9_-] is read but matches
 * nothing. With TC set the records present are read like any others. Returns 0, or -EINVAL if
 * the message is malformed (a name, a record or its rdata out of bounds, an A or AAAA record of
 * the wrong length, a CNAME whose rdata is not exactly one name) or is not the answer to q.
 */
int dns_parse_answer(const uint8_t *msg, size_t len, const struct dns_query *q,
		     struct dns_answer *a);

/*
 * Lowers every TTL above max in the answer, authority and additional sections of msg to max, in
 * place, so the client forgets an address no later than its grant ends. A TTL with the top bit
 * set (0 by RFC 2181, a huge number to a careless client) becomes 0. The OPT pseudo-record's TTL
 * field holds flags and is left alone. Nothing is written unless the whole message is well
 * formed: 0, or -EINVAL.
 */
int dns_cap_ttls(uint8_t *msg, size_t len, uint32_t max);

/* The mnemonic of a record type of DNS_TYPES ("A", "AAAA", "HTTPS", ...), NULL for others. */
const char *dns_type_name(uint16_t type);

/*
 * The message id, read and replaced by a forwarder: it sends upstream with an id of its own,
 * unpredictable, and puts the client's back into the answer. msg has at least 2 bytes.
 */
uint16_t dns_id(const uint8_t *msg);
void dns_set_id(uint8_t *msg, uint16_t id);

#endif
