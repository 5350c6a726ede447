// SPDX-License-Identifier: GPL-2.0-only
/*
 * bpfenced's metrics: counting records by (policy, class, hook, mode) as the daemon writes them,
 * and the Prometheus text exposition (format 0.0.4) of everything the daemon exports. Which
 * names exist and what they mean is written once, in the HELP lines below; docs/metrics.md
 * lists them for people, and the unit test (tests/unit/test_metrics.c) checks that it lists
 * every one.
 *
 * The denial counters count the records this daemon wrote to the log since it started
 * (bpfence_daemon_start_time_seconds; the log's "start" record marks the same moment), so they
 * equal the log's records after that record. What never became a record is counted where it
 * was lost: bpfence_records_dropped_total{stage="ringbuf"} (the kernel's drops map, the same
 * count the log's "drops" records carry) and {stage="writer"} (the log refused the write).
 */
#include <errno.h>
#include <string.h>

#include "metrics.h"

#define SLOTS (2 * METRICS_SERIES_MAX)

void metrics_init(struct metrics *m, double start_time)
{
	memset(m, 0, sizeof(*m));
	m->start_time = start_time;
}

static unsigned int series_hash(const char *policy, unsigned int class, unsigned int hook,
				bool audited)
{
	unsigned int h = 2166136261u; /* FNV-1a */

	for (const char *p = policy; *p; p++)
		h = (h ^ (unsigned char)*p) * 16777619u;
	h = (h ^ class) * 16777619u;
	h = (h ^ hook) * 16777619u;
	return (h ^ audited) * 16777619u;
}

/* The slot of the series, found or made; NULL when the table is at its bound. A slot in use
 * always has n >= 1: it is made by the count that needs it. */
static struct metrics_series *series_slot(struct metrics *m, const char *policy,
					  unsigned int class, unsigned int hook, bool audited)
{
	unsigned int i = series_hash(policy, class, hook, audited) % SLOTS;

	for (unsigned int probe = 0; probe < SLOTS; probe++, i = (i + 1) % SLOTS) {
		struct metrics_series *s = &m->series[i];

		if (!s->n) {
			if (m->n_series >= METRICS_SERIES_MAX)
				return NULL;
			snprintf(s->policy, sizeof(s->policy), "%s", policy);
			s->class = class;
			s->hook = hook;
			s->audited = audited;
			m->n_series++;
			return s;
		}
		if (s->class == class && s->hook == hook && s->audited == audited &&
		    !strcmp(s->policy, policy))
			return s;
	}
	return NULL;
}

/* May records of this policy be counted under its own name? Yes for the first
 * METRICS_POLICIES_MAX names seen, which are remembered. */
static bool policy_admitted(struct metrics *m, const char *policy)
{
	for (unsigned int i = 0; i < m->n_policies; i++)
		if (!strcmp(m->policies[i], policy))
			return true;
	if (m->n_policies >= METRICS_POLICIES_MAX)
		return false;
	snprintf(m->policies[m->n_policies++], BPFENCE_NAME_MAX, "%s", policy);
	return true;
}

void metrics_count(struct metrics *m, const struct bpfence_event *e)
{
	char policy[BPFENCE_NAME_MAX];
	bool audited = e->action == BPFENCE_ACTION_AUDITED;
	struct metrics_series *s = NULL;

	/* A storm is one invocation denied the same thing over and over: the series of the
	 * record before, if this one is of the same policy, class, hook and mode, is counted
	 * without the checks and the lookup below (they cost the daemon's delivery rate). */
	if (m->last && m->last_class == e->class && m->last_hook == e->hook &&
	    m->last_audited == audited && !memcmp(m->last_policy, e->policy, sizeof(e->policy))) {
		m->last->n++;
		return;
	}

	snprintf(policy, sizeof(policy), "%.*s", (int)strnlen(e->policy, sizeof(e->policy)),
		 e->policy);
	/* The parser allows only [A-Za-z0-9_.-]; a record that says otherwise (a kernel of another
	 * build?) is not trusted with a label. */
	if (strspn(policy, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-") !=
	    strlen(policy))
		snprintf(policy, sizeof(policy), "%s", METRICS_OTHER_POLICY);
	if (policy_admitted(m, policy))
		s = series_slot(m, policy, e->class, e->hook, audited);
	if (!s) {
		m->overflow++;
		s = series_slot(m, METRICS_OTHER_POLICY, e->class, e->hook, audited);
	}
	m->last = NULL;
	if (!s) {
		m->lost++; /* not even an _other series left: still visible as a count */
		return;
	}
	s->n++;
	/* Only a series of the record's own policy is a shortcut for the next one: an overflow
	 * must go on being counted as one. */
	if (!strcmp(s->policy, policy) && strcmp(policy, METRICS_OTHER_POLICY)) {
		m->last = s;
		memcpy(m->last_policy, e->policy, sizeof(m->last_policy));
		m->last_class = e->class;
		m->last_hook = e->hook;
		m->last_audited = audited;
	}
}

enum metric_type { COUNTER, GAUGE };

static void head(FILE *out, const char *name, enum metric_type type, const char *help)
{
	fprintf(out, "# HELP %s %s\n# TYPE %s %s\n", name, help, name,
		type == COUNTER ? "counter" : "gauge");
}

static void one(FILE *out, const char *name, enum metric_type type, const char *help,
		unsigned long long v)
{
	head(out, name, type, help);
	fprintf(out, "%s %llu\n", name, v);
}

static void seconds(FILE *out, const char *name, const char *help, double v)
{
	head(out, name, GAUGE, help);
	fprintf(out, "%s %.3f\n", name, v);
}

/* A gauge read from the host: no sample when it could not be read (not a false 0). */
static void state_gauge(FILE *out, const char *name, const char *help, long long v)
{
	head(out, name, GAUGE, help);
	if (v >= 0)
		fprintf(out, "%s %lld\n", name, v);
}

static void series_family(FILE *out, const struct metrics *m, bool audited, const char *name,
			  const char *help)
{
	head(out, name, COUNTER, help);
	for (unsigned int i = 0; i < SLOTS; i++) {
		const struct metrics_series *s = &m->series[i];

		if (!s->n || s->audited != audited)
			continue;
		/* Label values need no escaping: policy names are [A-Za-z0-9_.-] (checked when
		 * counted), class and hook names are bpfence's own identifiers. */
		fprintf(out, "%s{policy=\"%s\",class=\"%s\",hook=\"%s\"} %llu\n", name, s->policy,
			bpfence_class_name(s->class), bpfence_hook_name(s->hook), s->n);
	}
}

static const char *const syslog_reasons[SYSLOG_DROP_MAX] = { "rate", "busy", "error" };
static const char *const http_codes[HTTP_ANSWER_MAX] = { "200", "400", "404", "405", "408",
							 "503" };

int metrics_render(const struct metrics *m, const struct metrics_state *st, FILE *out)
{
	const __u64 *v = st->stats.v;

	head(out, "bpfence_build_info", GAUGE, "The running bpfenced's version (always 1).");
	fprintf(out, "bpfence_build_info{version=\"%s\"} 1\n", BPFENCE_VERSION);
	seconds(out, "bpfence_daemon_start_time_seconds",
		"When this bpfenced started, in unix seconds: the per-daemon counters start at 0 "
		"then.",
		m->start_time);

	one(out, "bpfence_programs_loaded", GAUGE,
	    "1 when every program and map of bpfence is pinned under /sys/fs/bpf/bpfence.",
	    m->loaded);
	one(out, "bpfence_enforcing", GAUGE,
	    "1 when the last live deny canary was denied in a tagged cgroup: the kernel enforces.",
	    m->enforcing);
	one(out, "bpfence_canary_checks_total", COUNTER,
	    "Health checks this bpfenced ran (pins present, and the live deny canary denied in a "
	    "tagged cgroup).",
	    m->canary_checks);
	one(out, "bpfence_canary_failures_total", COUNTER,
	    "Canaries that were not denied, or could not run: enforcement was not proven.",
	    m->canary_failures);
	seconds(out, "bpfence_canary_last_success_timestamp_seconds",
		"When a canary was last denied, in unix seconds (0: not yet).", m->canary_last_ok);
	one(out, "bpfence_loads_total", COUNTER,
	    "Loads of the programs on this host since boot, by any bpfence command or bpfenced.",
	    v[STAT_LOADS]);
	one(out, "bpfence_load_failures_total", COUNTER,
	    "Loads of the programs on this host since boot that failed (verifier, attach, pin).",
	    v[STAT_LOAD_FAILURES]);

	series_family(out, m, false, "bpfence_denials_total",
		      "Denials this bpfenced logged, by policy, class and hook.");
	series_family(out, m, true, "bpfence_audit_events_total",
		      "Audit-mode events (allowed, recorded) this bpfenced logged, by policy, class "
		      "and hook.");
	one(out, "bpfence_metrics_series_overflow_total", COUNTER,
	    "Records counted under policy=\"_other\" because the policies or series bound was "
	    "reached.",
	    m->overflow);
	one(out, "bpfence_metrics_series_lost_total", COUNTER,
	    "Records counted in no series at all: even the _other series had no room left.",
	    m->lost);
	one(out, "bpfence_records_written_total", COUNTER,
	    "Denial and audit records this bpfenced wrote to its log.", m->written);
	head(out, "bpfence_records_dropped_total", COUNTER,
	     "Records lost: stage ringbuf, the kernel's ring buffer was full (since the programs "
	     "were loaded); stage writer, the log refused the write (this bpfenced).");
	if (st->ringbuf_dropped >= 0)
		fprintf(out, "bpfence_records_dropped_total{stage=\"ringbuf\"} %lld\n",
			st->ringbuf_dropped);
	fprintf(out, "bpfence_records_dropped_total{stage=\"writer\"} %llu\n", m->writer_dropped);
	one(out, "bpfence_syslog_messages_total", COUNTER,
	    "Records this bpfenced sent to the local syslog socket (--syslog).", m->syslog_sent);
	head(out, "bpfence_syslog_dropped_total", COUNTER,
	     "Records not sent to syslog: over the rate limit, the socket's queue full, or an "
	     "error.");
	for (int i = 0; i < SYSLOG_DROP_MAX; i++)
		fprintf(out, "bpfence_syslog_dropped_total{reason=\"%s\"} %llu\n", syslog_reasons[i],
			m->syslog_dropped[i]);

	one(out, "bpfence_invocations_started_total", COUNTER,
	    "Invocations restricted on this host since boot (run, sandbox, oci-hook, tag).",
	    v[STAT_INVOCATIONS_STARTED]);
	one(out, "bpfence_invocations_ended_total", COUNTER,
	    "Invocations whose policy was removed again on this host since boot.",
	    v[STAT_INVOCATIONS_ENDED]);
	state_gauge(out, "bpfence_invocations_running",
		    "Invocations with a policy installed now.", st->invocations_running);
	state_gauge(out, "bpfence_tagged_cgroups",
		    "Tagged cgroups now (invocations and every cgroup below them).",
		    st->tagged_cgroups);
	state_gauge(out, "bpfence_sandboxes_running", "Sandboxes alive now (bpfence sandbox).",
		    st->sandboxes_running);

	head(out, "bpfence_metrics_requests_total", COUNTER,
	     "Requests to this endpoint by answer (408: timed out, 503: over the connection "
	     "bound; both closed).");
	for (int i = 0; i < HTTP_ANSWER_MAX; i++)
		fprintf(out, "bpfence_metrics_requests_total{code=\"%s\"} %llu\n", http_codes[i],
			m->http[i]);
	return ferror(out) ? -EIO : 0;
}
