/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Unit tests for bpfenced's fleet outputs, without a kernel that enforces: the metrics' counting
 * and exposition (loader/metrics.c: format, label bounds, every name documented), the endpoint's
 * HTTP (loader/http.c: answers, addresses, and a live server driven here against idle,
 * oversized and surplus clients) and the syslog output (loader/syslog_out.c: framing, rate
 * limit, a receiver that does not read; every record sent or counted).
 *
 *   test_metrics DOCS_METRICS_MD
 *
 * Prints one line per failed check and a final "N passed, N failed"; exits 1 on any failure.
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <syslog.h>
#include <unistd.h>

#include "check.h"
#include "http.h"
#include "metrics.h"
#include "syslog_out.h"

static struct metrics met;

static void event(struct bpfence_event *e, const char *policy, int class, int hook, bool audit)
{
	memset(e, 0, sizeof(*e));
	snprintf(e->policy, sizeof(e->policy), "%s", policy);
	e->class = class;
	e->hook = hook;
	e->action = audit ? BPFENCE_ACTION_AUDITED : BPFENCE_ACTION_DENIED;
}

static char *render(void)
{
	struct metrics_state st = { .ringbuf_dropped = 7, .invocations_running = 3,
				    .tagged_cgroups = 5, .sandboxes_running = -1 };
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	st.stats.v[STAT_INVOCATIONS_STARTED] = 11;
	st.stats.v[STAT_INVOCATIONS_ENDED] = 8;
	CHECK(metrics_render(&met, &st, f) == 0, "render");
	fclose(f);
	return text;
}

/* The value of the sample whose line starts with `series` followed by a space; -1 if none. */
static long long sample(const char *text, const char *series)
{
	size_t n = strlen(series);

	for (const char *p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
		if (!strncmp(p, series, n) && p[n] == ' ')
			return atoll(p + n + 1);
	return -1;
}

/* The exposition's own rules, line by line: every sample's name was declared by HELP and TYPE
 * just before its family; counters end in _total; names are bpfence_*; no label value holds a
 * quote, backslash or newline. */
static void check_format(const char *text)
{
	char family[128] = "";
	const char *p = text;
	int samples = 0;

	while (*p) {
		const char *eol = strchr(p, '\n');
		char line[1024], name[128];
		size_t len;

		if (!CHECK(eol, "the text ends with a newline"))
			return;
		len = (size_t)(eol - p);
		snprintf(line, sizeof(line), "%.*s", (int)len, p);
		p = eol + 1;
		if (!strncmp(line, "# HELP ", 7)) {
			sscanf(line + 7, "%127s", family);
			CHECK(!strncmp(family, "bpfence_", 8), "%s: not bpfence_", family);
			CHECK(strlen(line) > 8 + strlen(family), "%s: empty HELP", family);
			continue;
		}
		if (!strncmp(line, "# TYPE ", 7)) {
			char type[32];

			CHECK(sscanf(line + 7, "%127s %31s", name, type) == 2 && !strcmp(name, family),
			      "TYPE %s after HELP %s", name, family);
			CHECK(strcmp(type, "counter") ||
				      !strcmp(family + strlen(family) - 6, "_total"),
			      "counter %s without _total", family);
			continue;
		}
		samples++;
		sscanf(line, "%127[^{ ]", name);
		CHECK(!strcmp(name, family), "sample %s outside its family %s", name, family);
		CHECK(strchr(line, ' ') && strlen(strrchr(line, ' ')) > 1, "no value: %s", line);
	}
	CHECK(samples > 20, "%d samples", samples);
}

static void test_counts(void)
{
	struct bpfence_event e;
	char *text;

	metrics_init(&met, 1700000000.5);
	event(&e, "function", BPFENCE_CLASS_FILE, 0, false);
	for (int i = 0; i < 3; i++)
		metrics_count(&met, &e);
	event(&e, "function", BPFENCE_CLASS_CONNECT, 1, false);
	metrics_count(&met, &e);
	event(&e, "function", BPFENCE_CLASS_CONNECT, 1, true);
	metrics_count(&met, &e);
	event(&e, "", BPFENCE_CLASS_NOPOLICY, 0, false);
	metrics_count(&met, &e);
	event(&e, "evil\"}\n", BPFENCE_CLASS_FILE, 0, false); /* never a label */
	metrics_count(&met, &e);
	met.written = 7;
	text = render();
	check_format(text);
	{
		char s[256];

		snprintf(s, sizeof(s),
			 "bpfence_denials_total{policy=\"function\",class=\"file\",hook=\"%s\"}",
			 bpfence_hook_name(0));
		CHECK(sample(text, s) == 3, "%s", s);
		snprintf(s, sizeof(s),
			 "bpfence_audit_events_total{policy=\"function\",class=\"connect\","
			 "hook=\"%s\"}", bpfence_hook_name(1));
		CHECK(sample(text, s) == 1, "%s", s);
		snprintf(s, sizeof(s),
			 "bpfence_denials_total{policy=\"_other\",class=\"file\",hook=\"%s\"}",
			 bpfence_hook_name(0));
		CHECK(sample(text, s) == 1, "a policy name with a quote is counted as _other");
		snprintf(s, sizeof(s),
			 "bpfence_denials_total{policy=\"\",class=\"nopolicy\",hook=\"%s\"}",
			 bpfence_hook_name(0));
		CHECK(sample(text, s) == 1, "%s", s);
	}
	CHECK(!strstr(text, "evil"), "the raw name reached the text");
	CHECK(sample(text, "bpfence_records_dropped_total{stage=\"ringbuf\"}") == 7, "ringbuf");
	CHECK(sample(text, "bpfence_invocations_started_total") == 11, "started");
	CHECK(sample(text, "bpfence_invocations_running") == 3, "running");
	CHECK(sample(text, "bpfence_sandboxes_running") == -1, "an unreadable gauge has no sample");
	CHECK(sample(text, "bpfence_records_written_total") == 7, "written");
	CHECK(strstr(text, "bpfence_build_info{version=\"" BPFENCE_VERSION "\"} 1\n"), "version");
	free(text);
}

/* Hostile cardinality: a thousand policy names, every class and many hooks. */
static void test_bounds(void)
{
	struct bpfence_event e;
	unsigned long long total = 0, in_series = 0;
	char *text, name[32];

	metrics_init(&met, 0);
	for (int i = 0; i < 1000; i++) {
		snprintf(name, sizeof(name), "p%d", i);
		for (int c = 0; c < BPFENCE_CLASS_MAX; c++) {
			event(&e, name, c, (unsigned)(i % 40), i & 1);
			metrics_count(&met, &e);
			total++;
		}
	}
	{
		/* The same record again and again (a storm) takes the shortcut, which must count
		 * an overflowing policy's records as overflow every time too. */
		unsigned long long before = met.overflow;

		event(&e, "p999", BPFENCE_CLASS_FILE, 0, false);
		for (int i = 0; i < 5; i++)
			metrics_count(&met, &e);
		total += 5;
		CHECK(met.overflow == before + 5, "overflow %llu, want %llu", met.overflow,
		      before + 5);
	}
	CHECK(met.n_policies == METRICS_POLICIES_MAX, "%u policies", met.n_policies);
	CHECK(met.n_series <= METRICS_SERIES_MAX, "%u series", met.n_series);
	CHECK(met.overflow > 0, "overflow counted");
	for (unsigned int i = 0; i < 2 * METRICS_SERIES_MAX; i++)
		in_series += met.series[i].n;
	CHECK(in_series + met.lost == total, "%llu + %llu lost != %llu", in_series, met.lost,
	      total);
	text = render();
	check_format(text);
	CHECK(!strstr(text, "policy=\"p64\""), "the 65th policy has no series of its own");
	CHECK(strstr(text, "policy=\"p63\""), "the 64th has");
	free(text);
}

/* Every metric family the exposition has is in docs/metrics.md, and nothing more. */
static void test_documented(const char *doc_path)
{
	char *text = render(), *doc = NULL, line[256];
	size_t cap = 0;
	FILE *f = fopen(doc_path, "r");
	int n = 0;

	if (!CHECK(f, "cannot open %s", doc_path)) {
		free(text);
		return;
	}
	getdelim(&doc, &cap, 0, f);
	fclose(f);
	for (const char *p = text; (p = strstr(p, "# HELP ")); p++) {
		char needle[160];

		sscanf(p + 7, "%127s", line);
		snprintf(needle, sizeof(needle), "`%s`", line);
		CHECK(doc && strstr(doc, needle), "%s is not in %s", line, doc_path);
		n++;
	}
	for (const char *p = doc; p && (p = strstr(p, "`bpfence_")); p++) {
		char name[128], needle[160];

		sscanf(p + 1, "%127[a-z_]", name);
		snprintf(needle, sizeof(needle), "# HELP %s ", name);
		CHECK(strstr(text, needle), "%s documents %s, which does not exist", doc_path, name);
	}
	CHECK(n > 20, "%d families", n);
	free(doc);
	free(text);
}

static int body_calls;
static int body(void *ctx, FILE *out)
{
	body_calls++;
	fputs((const char *)ctx, out);
	return 0;
}

static void test_answers(void)
{
	static const struct {
		const char *req;
		enum http_answer a;
		bool has_body;
	} cases[] = {
		{ "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n", HTTP_OK, true },
		{ "GET /metrics?name[]=x HTTP/1.0\r\n\r\n", HTTP_OK, true },
		{ "HEAD /metrics HTTP/1.1\r\n\r\n", HTTP_OK, false },
		{ "GET / HTTP/1.1\r\n\r\n", HTTP_NOT_FOUND, true },
		{ "GET /metricsx HTTP/1.1\r\n\r\n", HTTP_NOT_FOUND, true },
		{ "POST /metrics HTTP/1.1\r\n\r\n", HTTP_BAD_METHOD, true },
		{ "GET /metrics HTTP/2.0\r\n\r\n", HTTP_BAD_REQUEST, true },
		{ "GET /metrics\r\n\r\n", HTTP_BAD_REQUEST, true },
		{ "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\n\n", HTTP_BAD_REQUEST, true },
		{ "", HTTP_BAD_REQUEST, true },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *out;
		size_t len;
		enum http_answer a = http_answer_for(cases[i].req, strlen(cases[i].req), body,
						     "x 1\n", &out, &len);
		const char *cl, *end;

		CHECK(a == cases[i].a, "case %zu: answer %d, want %d", i, a, cases[i].a);
		if (!CHECK(out, "case %zu: no answer", i))
			continue;
		cl = strstr(out, "Content-Length: ");
		end = strstr(out, "\r\n\r\n");
		CHECK(cl && end, "case %zu: headers", i);
		if (cl && end && cases[i].has_body)
			CHECK((size_t)atol(cl + 16) == len - (size_t)(end + 4 - out),
			      "case %zu: Content-Length %ld, body %zu", i, atol(cl + 16),
			      len - (size_t)(end + 4 - out));
		if (end && !cases[i].has_body)
			CHECK(end + 4 == out + len, "case %zu: HEAD with a body", i);
		free(out);
	}
}

static void test_addresses(void)
{
	static const struct {
		const char *spec;
		bool ok;
		int family, port;
	} cases[] = {
		{ "9477", true, AF_INET, 9477 },   { "0.0.0.0:1", true, AF_INET, 1 },
		{ "[::1]:65535", true, AF_INET6, 65535 },
		{ "0", false, 0, 0 },		   { "65536", false, 0, 0 },
		{ "-1", false, 0, 0 },		   { "+80", false, 0, 0 },
		{ ":80", false, 0, 0 },		   { "127.0.0.1:", false, 0, 0 },
		{ "localhost:80", true, AF_INET, 80 }, { "example.com:80", false, 0, 0 },
		{ "[::1:80", false, 0, 0 },
		{ "::1:80", false, 0, 0 },	   { "", false, 0, 0 },
		{ "80x", false, 0, 0 },
	};
	char why[256];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct sockaddr_storage ss;
		socklen_t len;
		int r = http_parse_addr(cases[i].spec, &ss, &len, why, sizeof(why));

		CHECK(!r == cases[i].ok, "'%s': %d", cases[i].spec, r);
		if (r) {
			CHECK(strstr(why, cases[i].spec), "'%s': the error names it: %s",
			      cases[i].spec, why);
			continue;
		}
		CHECK(ss.ss_family == cases[i].family, "'%s': family", cases[i].spec);
		CHECK(ntohs(ss.ss_family == AF_INET ? ((struct sockaddr_in *)&ss)->sin_port :
						      ((struct sockaddr_in6 *)&ss)->sin6_port) ==
			      cases[i].port,
		      "'%s': port", cases[i].spec);
	}
	{
		struct sockaddr_storage ss;
		socklen_t len;

		http_parse_addr("9477", &ss, &len, why, sizeof(why));
		CHECK(((struct sockaddr_in *)&ss)->sin_addr.s_addr == htonl(INADDR_LOOPBACK),
		      "a port alone is loopback");
		http_parse_addr("localhost:9477", &ss, &len, why, sizeof(why));
		CHECK(((struct sockaddr_in *)&ss)->sin_addr.s_addr == htonl(INADDR_LOOPBACK),
		      "localhost is loopback");
	}
}

/* The server in a loop driven here, as bpfenced drives it, against its own clients. */
struct live {
	struct http_server h;
	unsigned long long answers[HTTP_ANSWER_MAX];
	int epfd, port;
	long long now;
};

static void pump(struct live *l, int rounds)
{
	for (int r = 0; r < rounds; r++) {
		struct epoll_event ev[32];
		int n = epoll_wait(l->epfd, ev, 32, 5);

		for (int i = 0; i < n; i++)
			http_ready(&l->h, ev[i].data.u64, ev[i].events, l->now);
		http_expire(&l->h, l->now);
	}
}

static int client(const struct live *l)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons((unsigned short)l->port),
				   .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd >= 0 && connect(fd, (struct sockaddr *)&sin, sizeof(sin))) {
		close(fd);
		return -1;
	}
	return fd;
}

/* What the server sent on fd until it closed (non-blocking reads between pumps). */
static size_t drain(struct live *l, int fd, char *buf, size_t n)
{
	size_t got = 0;

	fcntl(fd, F_SETFL, O_NONBLOCK);
	for (int i = 0; i < 200; i++) {
		ssize_t r = read(fd, buf + got, n - 1 - got);

		if (r == 0)
			break;
		if (r > 0)
			got += (size_t)r;
		else
			pump(l, 1);
	}
	buf[got] = 0;
	return got;
}

static void test_live(void)
{
	static struct live l;
	static char big[HTTP_REQUEST_MAX + 100];
	char why[256], spec[32], buf[65536];
	int idle[HTTP_CONNS_MAX], fd;

	l.epfd = epoll_create1(EPOLL_CLOEXEC);
	l.h.answers = l.answers;
	l.h.body = body;
	l.h.ctx = "bpfence_x 1\n";
	for (int tries = 0; tries < 50; tries++) {
		l.port = 20000 + (getpid() * 7 + tries * 131) % 40000;
		snprintf(spec, sizeof(spec), "%d", l.port);
		if (!http_listen(&l.h, spec, l.epfd, 16, why, sizeof(why)))
			break;
		l.port = 0;
	}
	if (!CHECK(l.port, "listen: %s", why))
		return;

	/* A plain scrape. */
	fd = client(&l);
	CHECK(write(fd, "GET /metrics HTTP/1.1\r\n\r\n", 25) == 25, "write");
	pump(&l, 3);
	drain(&l, fd, buf, sizeof(buf));
	close(fd);
	CHECK(strstr(buf, "HTTP/1.1 200 OK\r\n") && strstr(buf, "\r\n\r\nbpfence_x 1\n"),
	      "scrape: %s", buf);

	/* Every slot held by clients that send nothing: one more is refused at once, not queued. */
	for (int i = 0; i < HTTP_CONNS_MAX; i++) {
		idle[i] = client(&l);
		pump(&l, 1);
	}
	fd = client(&l);
	pump(&l, 2);
	drain(&l, fd, buf, sizeof(buf));
	close(fd);
	CHECK(strstr(buf, "503"), "over the bound: %s", buf);
	CHECK(l.answers[HTTP_BUSY] == 1, "busy %llu", l.answers[HTTP_BUSY]);
	/* Their time runs out; the slots come back and a scrape is answered again. */
	l.now += HTTP_REQUEST_MS + 1;
	pump(&l, 2);
	CHECK(l.answers[HTTP_TIMEOUT] == HTTP_CONNS_MAX, "timeouts %llu",
	      l.answers[HTTP_TIMEOUT]);
	for (int i = 0; i < HTTP_CONNS_MAX; i++) {
		CHECK(read(idle[i], buf, sizeof(buf)) == 0, "idle client %d closed", i);
		close(idle[i]);
	}
	fd = client(&l);
	CHECK(write(fd, "GET /metrics HTTP/1.1\r\n\r\n", 25) == 25, "write");
	pump(&l, 3);
	drain(&l, fd, buf, sizeof(buf));
	close(fd);
	CHECK(strstr(buf, "200 OK"), "after the timeouts: %s", buf);

	/* Headers past the bound. */
	memset(big, 'A', sizeof(big));
	memcpy(big, "GET /metrics HTTP/1.1\r\nX: ", 26);
	fd = client(&l);
	CHECK(write(fd, big, sizeof(big)) == (ssize_t)sizeof(big), "write big");
	pump(&l, 5);
	drain(&l, fd, buf, sizeof(buf));
	close(fd);
	CHECK(strstr(buf, "400 Bad Request"), "oversized: %.40s", buf);
	CHECK(l.answers[HTTP_OK] == 2, "ok %llu", l.answers[HTTP_OK]);
	http_close(&l.h);
	close(l.epfd);
}

static void test_syslog(void)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	struct syslog_out s;
	unsigned long long unrep[SYSLOG_DROP_MAX];
	char why[256], buf[4096], path[64];
	int rx, n;
	ssize_t r;

	snprintf(path, sizeof(path), "/tmp/bpfence-test-syslog-%d", (int)getpid());
	unlink(path);
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", path);
	rx = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (!CHECK(rx >= 0 && !bind(rx, (struct sockaddr *)&sun, sizeof(sun)), "bind %s", path))
		return;
	metrics_init(&met, 0);
	CHECK(syslog_open(&s, "/nonexistent/log", LOG_AUTHPRIV, 10, &met, -1, 0, why, sizeof(why)) < 0 &&
		      strstr(why, "/nonexistent/log"),
	      "no socket is an error naming it: %s", why);
	CHECK(syslog_open(&s, path, LOG_AUTHPRIV, 10, &met, -1, 0, why, sizeof(why)) == 0, "%s", why);

	/* Framing: <PRI>, the stamp, the tag, the line unchanged. */
	syslog_send(&s, LOG_WARNING, "{\"event\": \"denial\"}", 19, 0, true);
	r = recv(rx, buf, sizeof(buf) - 1, MSG_DONTWAIT);
	buf[r > 0 ? r : 0] = 0;
	snprintf(why, sizeof(why), "<%d>", LOG_AUTHPRIV | LOG_WARNING);
	CHECK(!strncmp(buf, why, strlen(why)), "priority: %s", buf);
	snprintf(why, sizeof(why), " bpfenced[%d]: {\"event\": \"denial\"}", (int)getpid());
	CHECK(r > 0 && strlen(buf) > strlen(why) && !strcmp(buf + strlen(buf) - strlen(why), why),
	      "message: %s", buf);

	/* The rate: 10 a second with a burst of 10; 9 tokens are left, then drops. */
	for (int i = 0; i < 30; i++)
		syslog_send(&s, LOG_WARNING, "x", 1, 0, true);
	CHECK(met.syslog_sent == 10 && met.syslog_dropped[SYSLOG_DROP_RATE] == 21,
	      "sent %llu, rate-dropped %llu", met.syslog_sent, met.syslog_dropped[SYSLOG_DROP_RATE]);
	syslog_send(&s, LOG_INFO, "daemon", 6, 0, false); /* not limited */
	CHECK(met.syslog_sent == 11, "the daemon's own records pass the limit");
	syslog_send(&s, LOG_WARNING, "x", 1, 1000, true); /* a second later: refilled */
	CHECK(met.syslog_sent == 12, "refilled after a second");
	CHECK(syslog_take_unreported(&s, unrep) && unrep[SYSLOG_DROP_RATE] == 21, "unreported");
	CHECK(!syslog_take_unreported(&s, unrep), "taken once");

	/* A receiver that never reads: its queue fills, then ours (SYSLOG_QUEUE_MAX); sends never
	 * block, and every message is sent, queued or counted. */
	syslog_close(&s);
	while (recv(rx, why, sizeof(why), MSG_DONTWAIT) > 0)
		; /* what the checks above left unread */
	syslog_open(&s, path, LOG_AUTHPRIV, 1000000, &met, -1, 0, why, sizeof(why));
	metrics_init(&met, 0);
	s.sent = &met.syslog_sent;
	s.dropped = met.syslog_dropped;
	for (n = 0; n < SYSLOG_QUEUE_MAX + 1000; n++)
		syslog_send(&s, LOG_WARNING, buf, 1000, n, true);
	CHECK(s.count == SYSLOG_QUEUE_MAX, "queued %u", s.count);
	CHECK(met.syslog_dropped[SYSLOG_DROP_BUSY] > 0, "busy drops counted");
	CHECK(met.syslog_sent + s.count + met.syslog_dropped[SYSLOG_DROP_BUSY] ==
		      SYSLOG_QUEUE_MAX + 1000,
	      "sent %llu + queued %u + dropped %llu", met.syslog_sent, s.count,
	      met.syslog_dropped[SYSLOG_DROP_BUSY]);
	/* The receiver reads: the queue drains in order as the socket takes it. */
	{
		unsigned long long got = 0, sent_before = met.syslog_sent;

		for (int i = 0; i < 100000 && s.count; i++) {
			while (recv(rx, why, sizeof(why), MSG_DONTWAIT) > 0)
				got++;
			syslog_flush(&s);
		}
		while (recv(rx, why, sizeof(why), MSG_DONTWAIT) > 0)
			got++;
		CHECK(s.count == 0 && met.syslog_sent == sent_before + SYSLOG_QUEUE_MAX,
		      "drained: %u left, %llu sent", s.count, met.syslog_sent - sent_before);
		CHECK(got == met.syslog_sent, "received %llu of %llu sent", got, met.syslog_sent);
	}
	/* The receiver goes away: errors, counted; it comes back: reconnected. */
	close(rx);
	unlink(path);
	syslog_send(&s, LOG_WARNING, "x", 1, 10000, true);
	CHECK(met.syslog_dropped[SYSLOG_DROP_ERROR] == 1, "error %llu",
	      met.syslog_dropped[SYSLOG_DROP_ERROR]);
	rx = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	CHECK(!bind(rx, (struct sockaddr *)&sun, sizeof(sun)), "rebind");
	{
		unsigned long long before = met.syslog_sent;

		syslog_send(&s, LOG_WARNING, "back", 4, 20000, true);
		CHECK(met.syslog_sent == before + 1, "reconnected");
	}
	syslog_close(&s);
	close(rx);
	unlink(path);
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: test_metrics DOCS_METRICS_MD\n");
		return 2;
	}
	test_counts();
	test_bounds();
	test_documented(argv[1]);
	test_answers();
	test_addresses();
	test_live();
	test_syslog();
	return check_summary();
}
