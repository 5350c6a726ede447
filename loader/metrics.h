/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * bpfenced's metrics (loader/metrics.c): what the daemon counts as records pass through it, and
 * the Prometheus text exposition of those counts together with what the host's state says at
 * the moment of a scrape. Serving the text is loader/http.c's; the daemon's loop is
 * loader/bpfenced.c's.
 *
 * Labels are only names bpfence itself defines (class, hook, the drop stage) and policy names,
 * which the policy parser limits to 1-63 of [A-Za-z0-9_.-]. Nothing a function chooses (comm,
 * path, address, invocation id) is ever a label: it would be unbounded and the attacker's.
 * Even policy names are bounded: past METRICS_POLICIES_MAX distinct names, or
 * METRICS_SERIES_MAX series, counts go to the series with policy="_other" and
 * bpfence_metrics_series_overflow_total says how many did.
 */
#ifndef BPFENCE_METRICS_H
#define BPFENCE_METRICS_H

#include <stdbool.h>
#include <stdio.h>

#include "libbpfence.h"
#include "stats.h"

#define METRICS_SERIES_MAX 1024
#define METRICS_POLICIES_MAX 64
#define METRICS_OTHER_POLICY "_other"

/* Why a record did not reach syslog (loader/syslog_out.c). */
enum syslog_drop {
	SYSLOG_DROP_RATE,  /* over the rate limit */
	SYSLOG_DROP_BUSY,  /* the syslog socket's queue was full (the daemon is slow or stuck) */
	SYSLOG_DROP_ERROR, /* no syslog socket, or it refused the message */
	SYSLOG_DROP_MAX,
};

/* Answers of the metrics endpoint (loader/http.c), by status. */
enum http_answer {
	HTTP_OK,
	HTTP_BAD_REQUEST, /* malformed, or larger than the request bound */
	HTTP_NOT_FOUND,
	HTTP_BAD_METHOD,
	HTTP_TIMEOUT, /* the request or the reading of the answer took too long: closed */
	HTTP_BUSY,    /* more connections than the bound: closed at once */
	HTTP_ANSWER_MAX,
};

struct metrics_series {
	char policy[BPFENCE_NAME_MAX]; /* "" when the invocation had no policy */
	unsigned short hook;
	unsigned char class;
	bool audited;
	unsigned long long n;
};

struct metrics {
	/* open addressing over series[], a key hashed from (policy, class, hook, audited) */
	struct metrics_series series[2 * METRICS_SERIES_MAX];
	unsigned int n_series, n_policies;
	char policies[METRICS_POLICIES_MAX][BPFENCE_NAME_MAX]; /* the names counted by name */
	unsigned long long overflow; /* records counted under policy="_other" */
	unsigned long long lost;     /* ... and those no series had room for at all */
	/* the series the last record went to, and its key as the record had it (the raw
	 * policy bytes): the storm's shortcut in metrics_count */
	struct metrics_series *last;
	char last_policy[BPFENCE_NAME_MAX];
	unsigned int last_class, last_hook;
	bool last_audited;

	unsigned long long written;	   /* records written to the log (denials, audit events) */
	unsigned long long daemon_records; /* the daemon's own records (start, drops, ...) */
	unsigned long long writer_dropped; /* records the log could not take (write failed) */
	unsigned long long syslog_sent, syslog_dropped[SYSLOG_DROP_MAX];
	unsigned long long http[HTTP_ANSWER_MAX];

	/* the health check (bpfenced: pins present, the live canary) */
	bool loaded, enforcing;
	unsigned long long canary_checks, canary_failures;
	double canary_last_ok; /* unix seconds, 0: never */
	double start_time;     /* unix seconds */
};

/* What a scrape reads from the host at that moment. Each is -1 when it could not be read. */
struct metrics_state {
	long long ringbuf_dropped; /* the kernel's drops map: events the ring buffer had no room for */
	long long invocations_running, tagged_cgroups, sandboxes_running;
	struct bpfence_stats stats; /* loader/stats.h: started, ended, loads */
	bool have_stats;
};

void metrics_init(struct metrics *m, double start_time);
/* One record of the kernel's, as it is written to the log. */
void metrics_count(struct metrics *m, const struct bpfence_event *e);
/* The text exposition format 0.0.4 of m and s into out; -errno if out fails. */
int metrics_render(const struct metrics *m, const struct metrics_state *s, FILE *out);

#endif
