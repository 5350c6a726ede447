// SPDX-License-Identifier: GPL-2.0-only
/*
 * bpfenced: loads and pins bpfence if needed (the same code as `bpfence load`), then drains the
 * denial ring buffer into JSON lines. Enforcement never depends on this daemon: the pins keep the
 * programs attached while it is down, and the per-invocation counters stay exact; what it could
 * not deliver is counted in the drops map and reported as a "drops" record.
 *
 * For fleets it also exports what it sees: Prometheus metrics over HTTP (--metrics:
 * loader/metrics.c, loader/http.c), each record to the local syslog (--syslog:
 * loader/syslog_out.c), and a health check every few seconds (pins present, the live deny
 * canary denied: bpfence_enforcing). Everything runs in one non-blocking event loop; record
 * delivery never waits for a scraper or for syslog.
 *
 *   SIGHUP          reopen the log (logrotate)
 *   SIGTERM/SIGINT  drain what is queued, write a "stop" record, exit 0
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/stat.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "enforce.h"
#include "http.h"
#include "json.h"
#include "libbpfence.h"
#include "metrics.h"
#include "sandbox.h"
#include "service.h"
#include "stats.h"
#include "syslog_out.h"

#ifndef BPFENCE_VERSION
#error "BPFENCE_VERSION comes from the Makefile (VERSION)"
#endif

#define DEFAULT_LOG "/var/log/bpfence/audit.jsonl"
#define LOG_BUFFER (1 << 16)
#define HEALTH_INTERVAL_S 10
#define SCRAPE_STATE_MS 1000 /* host state read for a scrape is reused this long */
#define DAEMON_RECORD_MAX 1024
#define CANARY_WAIT_MS 5000 /* a canary child that has not answered by then: not proven */

/* epoll data of the loop's sources; the metrics listener and its connections come last */
enum { SRC_RINGBUF = 1, SRC_SYSLOG = 2, SRC_CANARY = 3, SRC_HTTP = 16, SRC_SERVICE = 1 << 20 };

static volatile sig_atomic_t reopen, stop;

struct daemon {
	const char *log_path; /* NULL: stdout */
	int log_fd;
	char buf[LOG_BUFFER]; /* records not yet written */
	size_t len;
	bool write_failing; /* reported once per run of failures */
	long long offset;
	unsigned long long drops_seen, delivered;

	struct bpfence_maps m;
	struct ring_buffer *rb;
	int epfd;
	__u32 events_id; /* the kernel's id of the ring buffer read: a reload makes a new one */

	struct metrics met;
	struct metrics_state state;
	long long state_ms;
	struct http_server http;
	bool serve_metrics;
	struct syslog_out sys;
	bool to_syslog;
	struct service svc; /* the socket (loader/service.c); svc.fd -1 without one */
	int health_interval_s;
	struct canary_check canary; /* the check in flight, if checking */
	bool checking;
	int check_lock; /* the shared load lock, held while the canary's cgroup is tagged */
	long long check_deadline;
};

static void on_signal(int sig)
{
	if (sig == SIGHUP)
		reopen = 1;
	else
		stop = 1;
}

static long long mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

static double unix_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static int open_log(struct daemon *d)
{
	char dir[PATH_MAX], *slash;
	int fd;

	if (!d->log_path) {
		d->log_fd = STDOUT_FILENO;
		return 0;
	}
	snprintf(dir, sizeof(dir), "%s", d->log_path);
	slash = strrchr(dir, '/');
	if (slash && slash != dir) {
		*slash = 0;
		/* An existing directory is used as it is; any other failure the open names. */
		if (mkdir(dir, 0700) && errno != EEXIST)
			return -errno;
	}
	/* The audit trail names what untrusted code tried: readable by root only. */
	fd = open(d->log_path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	d->log_fd = fd;
	return 0;
}

static unsigned long long count_lines(const char *p, size_t n)
{
	unsigned long long lines = 0;

	for (const char *q = p; (q = memchr(q, '\n', n - (size_t)(q - p))); q++)
		lines++;
	return lines;
}

/*
 * Write what is buffered: one write() per batch the ring buffer hands over, not one per record
 * (a storm is thousands per second). Records are counted when whole on disk; what the log
 * refused (a full disk, an I/O error) is counted as dropped by the writer, record by record,
 * never retried into a loop that would stop delivery.
 */
static void log_flush(struct daemon *d, unsigned long long *written)
{
	size_t off = 0;

	while (off < d->len) {
		ssize_t w = write(d->log_fd, d->buf + off, d->len - off);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			d->met.writer_dropped += count_lines(d->buf + off, d->len - off);
			if (!d->write_failing)
				fprintf(stderr, "bpfenced: cannot write log %s: %s (records are "
					"counted as dropped until it can)\n",
					d->log_path ? d->log_path : "(stdout)",
					w < 0 ? strerror(errno) : "nothing written");
			d->write_failing = true;
			break;
		}
		*written += count_lines(d->buf + off, (size_t)w);
		off += (size_t)w;
	}
	if (off == d->len)
		d->write_failing = false;
	d->len = 0;
}

static void log_append(struct daemon *d, const char *line, size_t len)
{
	if (d->len + len + 1 > sizeof(d->buf))
		log_flush(d, &d->met.written);
	if (len + 1 > sizeof(d->buf))
		return; /* cannot happen: records are at most BPFENCE_EVENT_JSON_MAX */
	memcpy(d->buf + d->len, line, len);
	d->buf[d->len + len] = '\n';
	d->len += len + 1;
}

/* A daemon record: time, event and pid, then what the caller adds before record_end(). */
static void record_begin(struct json_writer *w, char *buf, size_t n, const char *event)
{
	struct timespec ts;
	char when[48];

	clock_gettime(CLOCK_REALTIME, &ts);
	format_time(ts.tv_sec * 1000000000LL + ts.tv_nsec, when, sizeof(when));
	jsonw_init_buf(w, buf, n);
	jsonw_start_object(w);
	jsonw_string_field(w, "time", when);
	jsonw_string_field(w, "event", event);
	jsonw_int_field(w, "pid", getpid());
}

/* The daemon's records are rare: written at once, after what the kernel's records before them
 * (so the log stays in order), and sent to syslog outside the rate limit. */
static void record_end(struct daemon *d, struct json_writer *w, int severity)
{
	jsonw_end_object(w);
	log_flush(d, &d->met.written);
	log_append(d, w->buf, jsonw_buf_len(w));
	log_flush(d, &d->met.daemon_records);
	if (d->to_syslog)
		syslog_send(&d->sys, severity, w->buf, jsonw_buf_len(w), mono_ms(), false);
}

static int handle_event(void *ctx, void *data, size_t size)
{
	const struct bpfence_event *e = data;
	struct daemon *d = ctx;
	char line[BPFENCE_EVENT_JSON_MAX];
	size_t len;

	if (size < sizeof(struct bpfence_event))
		return 0;
	bpfence_event_json(e, d->offset, line, sizeof(line));
	len = strlen(line);
	log_append(d, line, len);
	metrics_count(&d->met, e);
	if (d->to_syslog)
		syslog_send(&d->sys, e->action == BPFENCE_ACTION_AUDITED ? LOG_NOTICE : LOG_WARNING,
			    line, len, mono_ms(), true);
	d->delivered++;
	return 0;
}

static void check_drops(struct daemon *d)
{
	unsigned long long total;
	struct json_writer w;
	char buf[DAEMON_RECORD_MAX];

	if (drops_read(&d->m, &total) || total <= d->drops_seen)
		return;
	record_begin(&w, buf, sizeof(buf), "drops");
	jsonw_uint_field(&w, "drops_total", total);
	jsonw_uint_field(&w, "drops_new", total - d->drops_seen);
	record_end(d, &w, LOG_ERR);
	d->drops_seen = total;
}

static void report_syslog_drops(struct daemon *d)
{
	static const char *const reasons[SYSLOG_DROP_MAX] = { "rate", "busy", "error" };
	unsigned long long n[SYSLOG_DROP_MAX];
	struct json_writer w;
	char buf[DAEMON_RECORD_MAX];

	if (!d->to_syslog || !syslog_take_unreported(&d->sys, n))
		return;
	record_begin(&w, buf, sizeof(buf), "syslog_drops");
	for (int i = 0; i < SYSLOG_DROP_MAX; i++)
		jsonw_uint_field(&w, reasons[i], n[i]);
	record_end(d, &w, LOG_ERR);
}

/* The ring buffer of the maps now open, in the loop's epoll set. */
static int attach_ringbuf(struct daemon *d)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.u64 = SRC_RINGBUF };
	struct bpf_map_info mi = {};
	__u32 len = sizeof(mi);

	d->rb = ring_buffer__new(d->m.events, handle_event, d, NULL);
	if (!d->rb)
		return -errno;
	if (epoll_ctl(d->epfd, EPOLL_CTL_ADD, ring_buffer__epoll_fd(d->rb), &ev))
		return -errno;
	if (!bpf_obj_get_info_by_fd(d->m.events, &mi, &len))
		d->events_id = mi.id;
	return 0;
}

/* The id of the ring buffer pinned now (0 if none): not ours after an unload and a new load. */
static __u32 pinned_events_id(void)
{
	struct bpf_map_info mi = {};
	__u32 len = sizeof(mi), id = 0;
	int fd = bpf_obj_get(BPFENCE_PIN_DIR "/maps/events");

	if (fd < 0)
		return 0;
	if (!bpf_obj_get_info_by_fd(fd, &mi, &len))
		id = mi.id;
	close(fd);
	return id;
}

/*
 * The programs were unloaded and loaded again under us (`bpfence unload --force; bpfence load`,
 * an upgrade): our maps are the old ones, whose ring buffer no program writes any more. Drain
 * it, then follow the pins to the new maps.
 */
static void follow_reload(struct daemon *d)
{
	struct bpfence_maps nm;
	struct json_writer w;
	char buf[DAEMON_RECORD_MAX], why[WHY_MAX];
	int r;

	if (bpfence_maps_open(&nm, why, sizeof(why)))
		return;
	ring_buffer__consume(d->rb);
	ring_buffer__free(d->rb);
	d->rb = NULL;
	bpfence_maps_close(&d->m);
	d->m = nm;
	drops_read(&d->m, &d->drops_seen);
	r = attach_ringbuf(d);
	record_begin(&w, buf, sizeof(buf), "reattach");
	jsonw_string_field(&w, "reason", "the programs were loaded again: reading their maps");
	if (r)
		jsonw_string_field(&w, "error", strerror(-r));
	jsonw_uint_field(&w, "drops_total", d->drops_seen);
	record_end(d, &w, r ? LOG_ERR : LOG_INFO);
}

/*
 * The health check: pins present, ours, and the live deny canary denied. It never waits in the
 * loop: health_begin() starts the canary's child and returns; the child's pidfd wakes the loop
 * when it has answered (health_finish()). Under a storm of denials the child may wait a while
 * for a CPU, and a loop waiting with it would let the ring buffer overflow.
 */
static void health_end(struct daemon *d, const char *why)
{
	bool was = d->met.enforcing, first = d->met.canary_checks == 0;
	struct json_writer w;
	char buf[DAEMON_RECORD_MAX];

	d->met.canary_checks++;
	d->met.enforcing = !why[0];
	if (d->met.enforcing)
		d->met.canary_last_ok = unix_now();
	else
		d->met.canary_failures++;
	/* A change is a record ("enforcement"), and so is a first check that proves nothing. */
	if (first ? d->met.enforcing : d->met.enforcing == was)
		return;
	record_begin(&w, buf, sizeof(buf), "enforcement");
	jsonw_bool_field(&w, "enforcing", d->met.enforcing);
	jsonw_bool_field(&w, "loaded", d->met.loaded);
	if (!d->met.enforcing)
		jsonw_string_field(&w, "reason", why);
	record_end(d, &w, d->met.enforcing ? LOG_INFO : LOG_ERR);
	if (!d->met.enforcing)
		fprintf(stderr, "bpfenced: enforcement not proven: %s\n", why);
}

static void health_begin(struct daemon *d)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.u64 = SRC_CANARY };
	char why[WHY_MAX] = "";
	int lock;
	__u32 id;

	if (d->checking)
		return;
	/* Under the shared load lock, as a run is: an unload (exclusive) never counts the canary's
	 * cgroup as a tagged one. A load or unload in progress: check next time. */
	lock = bpfence_wait_for_load(0, NULL);
	if (lock == -ETIMEDOUT)
		return;
	d->met.loaded = bpfence_loaded() == 1;
	if (!d->met.loaded) {
		snprintf(why, sizeof(why), "programs or maps are missing under " BPFENCE_PIN_DIR);
	} else {
		id = pinned_events_id();
		if (id && id != d->events_id)
			follow_reload(d);
		if (!canary_check_start(&d->m, &d->canary, why, sizeof(why))) {
			if (d->canary.pidfd < 0 ||
			    epoll_ctl(d->epfd, EPOLL_CTL_ADD, d->canary.pidfd, &ev)) {
				/* No pidfd to watch (a kernel without CLONE_PIDFD is older than
				 * bpfence's floor): wait here, bounded by the child's one call. */
				if (canary_check_finish(&d->m, &d->canary, false, why, sizeof(why)) &&
				    !why[0])
					snprintf(why, sizeof(why), "the live deny canary was not denied");
			} else {
				d->checking = true;
				d->check_lock = lock;
				d->check_deadline = mono_ms() + CANARY_WAIT_MS;
				return;
			}
		} else if (!why[0]) {
			snprintf(why, sizeof(why), "the live deny canary could not run");
		}
	}
	if (lock >= 0)
		close(lock);
	health_end(d, why);
}

/* The canary answered (or, give_up, took too long). */
static void health_finish(struct daemon *d, bool give_up)
{
	char why[WHY_MAX] = "";

	if (!d->checking)
		return;
	if (canary_check_finish(&d->m, &d->canary, give_up, why, sizeof(why)) && !why[0])
		snprintf(why, sizeof(why), "the live deny canary was not denied");
	if (d->check_lock >= 0)
		close(d->check_lock);
	d->check_lock = -1;
	d->checking = false;
	health_end(d, why);
}

/* At start, before anything depends on the daemon: the first answer, waited for. */
static void health_first(struct daemon *d)
{
	health_begin(d);
	if (d->checking) {
		struct pollfd p = { .fd = d->canary.pidfd, .events = POLLIN };

		health_finish(d, poll(&p, 1, CANARY_WAIT_MS) <= 0);
	}
}

/* The host's state for a scrape, read at most once per SCRAPE_STATE_MS: a flood of scrapes
 * costs map walks once a second, not once a request. */
/* Every request on the socket, accepted or refused: who asked (as the kernel says), what, and
 * the refusal's reason. The uid and pid are SO_PEERCRED's; nothing the caller wrote is a key. */
static void record_request(void *ctx, const struct service_outcome *o)
{
	struct daemon *d = ctx;
	struct json_writer w;
	char buf[DAEMON_RECORD_MAX];

	record_begin(&w, buf, sizeof(buf), "request");
	jsonw_uint_field(&w, "uid", o->peer->uid);
	jsonw_uint_field(&w, "gid", o->peer->gid);
	jsonw_int_field(&w, "caller_pid", o->peer->pid);
	jsonw_name(&w, "op");
	if (o->op)
		jsonw_string(&w, o->op);
	else
		jsonw_null(&w);
	if (o->policy && o->policy[0])
		jsonw_string_field(&w, "policy", o->policy);
	if (o->sandbox && o->sandbox[0])
		jsonw_string_field(&w, "sandbox", o->sandbox);
	jsonw_bool_field(&w, "accepted", !o->refused);
	if (o->refused)
		jsonw_string_field(&w, "reason", o->refused);
	else
		jsonw_int_field(&w, "worker", o->worker);
	record_end(d, &w, o->refused ? LOG_NOTICE : LOG_INFO);
}

static int render_metrics(void *ctx, FILE *out)
{
	struct daemon *d = ctx;
	long long now = mono_ms();
	unsigned long long drops;

	if (!d->state_ms || now - d->state_ms >= SCRAPE_STATE_MS) {
		struct metrics_state *s = &d->state;

		s->ringbuf_dropped = drops_read(&d->m, &drops) ? -1 : (long long)drops;
		s->invocations_running = map_count(d->m.policies);
		s->tagged_cgroups = map_count(d->m.tags);
		s->sandboxes_running = sandbox_count_live(-1);
		s->have_stats = !stats_read(&s->stats);
		d->state_ms = now;
	}
	return metrics_render(&d->met, &d->state, out);
}

static const char help[] =
	"Usage: bpfenced [--log FILE|-] [--metrics [ADDR:]PORT] [--syslog]\n"
	"                [--syslog-facility NAME] [--syslog-rate N] [--health-interval SECS]\n"
	"                [--config FILE] [--socket PATH | --no-socket] [--debug]\n"
	"       bpfenced --version\n"
	"Load and pin bpfence if needed, then write every denial as one JSON line to FILE\n"
	"(default " DEFAULT_LOG ", '-' for stdout). SIGHUP reopens the log, SIGTERM drains\n"
	"and exits. Keys are documented in docs/audit.md, metrics in docs/metrics.md.\n"
	"\n"
	"  --metrics [ADDR:]PORT  serve Prometheus metrics at http://ADDR:PORT/metrics (ADDR\n"
	"                         127.0.0.1 when only a port is given; a numeric address or\n"
	"                         localhost; [ADDR6]:PORT for IPv6)\n"
	"  --syslog               also send each record to the local syslog (" SYSLOG_SOCKET "):\n"
	"                         the JSON line as the message, tag bpfenced\n"
	"  --syslog-facility NAME authpriv (default), auth, daemon, user or local0..local7\n"
	"  --syslog-rate N        at most N records per second to syslog (default " 
	"1000);\n"
	"                         the rest are counted (metrics, \"syslog_drops\" records)\n"
	"  --health-interval SECS pins and live canary checked every SECS (default 10)\n"
	"  --config FILE          who may ask what through the socket (default\n"
	"                         " SERVICE_CONFIG ", bpfenced.conf(5))\n"
	"  --socket PATH          listen there instead of the configuration's [socket] path\n"
	"                         (default " SERVICE_SOCKET ", root:bpfence 0660)\n"
	"  --no-socket            do not listen: only root can start restricted functions\n"
	"\n"
	"Exit status: 0 after SIGTERM, 2 on bad arguments, 125 when this kernel cannot enforce,\n"
	"the log cannot be written, or the metrics address or syslog socket cannot be used\n"
	"(bpfence --help lists every status).\n"
	"\nExamples:\n  bpfenced --log - | grep '\"class\": \"broker\"'\n"
	"  bpfenced --metrics 9477 --syslog\n";

enum { OPT_LOG = 0x100, OPT_METRICS, OPT_SYSLOG, OPT_FACILITY, OPT_RATE, OPT_HEALTH, OPT_DEBUG,
       OPT_VERSION, OPT_CONFIG, OPT_SOCKET, OPT_NO_SOCKET };

static int parse_count(const char *s, long min, long max, long *out)
{
	char *end;

	errno = 0;
	*out = strtol(s, &end, 10);
	return !*s || *end || errno || *out < min || *out > max ? -EINVAL : 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = { { "log", required_argument, NULL, OPT_LOG },
					      { "metrics", required_argument, NULL, OPT_METRICS },
					      { "syslog", no_argument, NULL, OPT_SYSLOG },
					      { "syslog-facility", required_argument, NULL,
						OPT_FACILITY },
					      { "syslog-rate", required_argument, NULL, OPT_RATE },
					      { "health-interval", required_argument, NULL,
						OPT_HEALTH },
					      { "debug", no_argument, NULL, OPT_DEBUG },
					      { "config", required_argument, NULL, OPT_CONFIG },
					      { "socket", required_argument, NULL, OPT_SOCKET },
					      { "no-socket", no_argument, NULL, OPT_NO_SOCKET },
					      { "help", no_argument, NULL, 'h' },
					      { "version", no_argument, NULL, OPT_VERSION },
					      {} };
	static struct daemon d = { .log_path = DEFAULT_LOG, .health_interval_s = HEALTH_INTERVAL_S,
				   .check_lock = -1 };
	const char *metrics_addr = NULL, *config = NULL, *socket_path = NULL;
	bool serve_socket = true;
	int facility = LOG_AUTHPRIV;
	long rate = SYSLOG_RATE_DEFAULT, v;
	struct sigaction sa = { .sa_handler = on_signal };
	struct json_writer w;
	char why[WHY_MAX], buf[DAEMON_RECORD_MAX];
	long long next_tick = 0, next_health = 0;
	int c, r, loaded, status = EXIT_OK;

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case OPT_LOG:
			d.log_path = strcmp(optarg, "-") ? optarg : NULL;
			break;
		case OPT_METRICS: {
			struct sockaddr_storage ss;
			socklen_t len;

			if (http_parse_addr(optarg, &ss, &len, why, sizeof(why))) {
				fprintf(stderr, "bpfenced: usage: --metrics: %s\n", why);
				return EXIT_USAGE;
			}
			metrics_addr = optarg;
			break;
		}
		case OPT_SYSLOG:
			d.to_syslog = true;
			break;
		case OPT_FACILITY:
			facility = syslog_facility(optarg);
			if (facility < 0) {
				fprintf(stderr, "bpfenced: usage: --syslog-facility: unknown facility "
						"'%s' (authpriv, auth, daemon, user, local0..local7)\n",
					optarg);
				return EXIT_USAGE;
			}
			break;
		case OPT_RATE:
			if (parse_count(optarg, 1, 1000000, &rate)) {
				fprintf(stderr, "bpfenced: usage: --syslog-rate: expected 1-1000000 "
						"records per second, not '%s'\n", optarg);
				return EXIT_USAGE;
			}
			break;
		case OPT_HEALTH:
			if (parse_count(optarg, 1, 3600, &v)) {
				fprintf(stderr, "bpfenced: usage: --health-interval: expected 1-3600 "
						"seconds, not '%s'\n", optarg);
				return EXIT_USAGE;
			}
			d.health_interval_s = (int)v;
			break;
		case OPT_DEBUG:
			bpfence_set_debug(true);
			break;
		case OPT_CONFIG:
			config = optarg;
			break;
		case OPT_SOCKET:
			if (optarg[0] != '/' || strlen(optarg) >= 100) {
				fprintf(stderr, "bpfenced: usage: --socket: an absolute path shorter "
						"than 100, not '%s'\n", optarg);
				return EXIT_USAGE;
			}
			socket_path = optarg;
			break;
		case OPT_NO_SOCKET:
			serve_socket = false;
			break;
		case 'h':
			fputs(help, stdout);
			return 0;
		case OPT_VERSION:
			printf("bpfenced %s\n", BPFENCE_VERSION);
			return 0;
		default:
			fprintf(stderr, "bpfenced: usage: unknown option (see --help)\n");
			return EXIT_USAGE;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "bpfenced: usage: no arguments expected (see --help)\n");
		return EXIT_USAGE;
	}
	bpfence_set_debug(false);
	d.svc.fd = -1;
	if (serve_socket && service_config_load(config ? config : SERVICE_CONFIG, config != NULL,
						&d.svc.cfg, why, sizeof(why))) {
		fprintf(stderr, "bpfenced: --config: %s\n", why);
		return EXIT_USAGE;
	}
	if (socket_path)
		snprintf(d.svc.cfg.socket, sizeof(d.svc.cfg.socket), "%s", socket_path);

	r = bpfence_probe(why, sizeof(why));
	if (!r)
		r = bpfence_load(why, sizeof(why));
	if (r < 0) {
		fprintf(stderr, "bpfenced: this kernel cannot enforce: %s\n", why);
		return EXIT_BPFENCE;
	}
	loaded = r; /* 1: the pins were there: a restart resumes on them */
	if (bpfence_maps_open(&d.m, why, sizeof(why))) {
		fprintf(stderr, "bpfenced: programs or maps are missing: %s\n", why);
		return EXIT_BPFENCE;
	}
	r = open_log(&d);
	if (r) {
		fprintf(stderr, "bpfenced: cannot open log %s: %s\n", d.log_path, strerror(-r));
		return EXIT_BPFENCE;
	}
	/* Without the handlers SIGTERM would end the daemon without draining, SIGHUP kill it. No
	 * SA_RESTART: a signal ends epoll_wait, and the loop sees the flag at once. */
	if (sigaction(SIGHUP, &sa, NULL) || sigaction(SIGTERM, &sa, NULL) ||
	    sigaction(SIGINT, &sa, NULL) || signal(SIGPIPE, SIG_IGN) == SIG_ERR) {
		fprintf(stderr, "bpfenced: cannot set signal handlers: %s\n", strerror(errno));
		return EXIT_BPFENCE;
	}
	metrics_init(&d.met, unix_now());
	d.epfd = epoll_create1(EPOLL_CLOEXEC);
	if (d.epfd < 0) {
		fprintf(stderr, "bpfenced: epoll: %s\n", strerror(errno));
		return EXIT_BPFENCE;
	}
	if (d.to_syslog && syslog_open(&d.sys, SYSLOG_SOCKET, facility, (unsigned int)rate, &d.met,
				       d.epfd, SRC_SYSLOG, why, sizeof(why))) {
		fprintf(stderr, "bpfenced: --syslog: %s\n", why);
		return EXIT_BPFENCE;
	}
	if (metrics_addr) {
		d.http.answers = d.met.http;
		d.http.body = render_metrics;
		d.http.ctx = &d;
		if (http_listen(&d.http, metrics_addr, d.epfd, SRC_HTTP, why, sizeof(why))) {
			fprintf(stderr, "bpfenced: --metrics: %s\n", why);
			return EXIT_BPFENCE;
		}
		d.serve_metrics = true;
	}
	if (serve_socket) {
		why[0] = 0;
		d.svc.record = record_request;
		d.svc.ctx = &d;
		if (service_listen(&d.svc, d.epfd, SRC_SERVICE, why, sizeof(why))) {
			fprintf(stderr, "bpfenced: socket: %s\n", why);
			return EXIT_BPFENCE;
		}
		if (why[0])
			fprintf(stderr, "bpfenced: socket: %s\n", why);
		if (socket_path && !d.svc.path[0])
			fprintf(stderr, "bpfenced: socket: serving the socket systemd passed; "
					"--socket %s is not used\n", socket_path);
	} else if (getenv("LISTEN_FDS") && getenv("LISTEN_PID") &&
		   atol(getenv("LISTEN_PID")) == (long)getpid()) {
		fprintf(stderr, "bpfenced: socket: --no-socket: the socket systemd passed is "
				"closed; callers get ECONNREFUSED\n");
		close(3);
	}

	d.offset = boot_to_realtime_offset();
	r = attach_ringbuf(&d);
	if (r) {
		fprintf(stderr, "bpfenced: cannot read the event ring buffer: %s\n", strerror(-r));
		return EXIT_BPFENCE;
	}
	drops_read(&d.m, &d.drops_seen);
	/* The first health check before the start record: whatever waits for the daemon (a
	 * scrape, a storm someone starts once it has started) meets a finished check. */
	health_first(&d);
	next_health = mono_ms() + d.health_interval_s * 1000LL;
	record_begin(&w, buf, sizeof(buf), "start");
	jsonw_bool_field(&w, "resumed", loaded == 1);
	jsonw_int_field(&w, "tagged_cgroups", tag_count(&d.m));
	jsonw_uint_field(&w, "drops_total", d.drops_seen);
	jsonw_string_field(&w, "version", BPFENCE_VERSION);
	if (metrics_addr)
		jsonw_string_field(&w, "metrics", metrics_addr);
	jsonw_name(&w, "socket");
	if (d.svc.fd >= 0)
		jsonw_string(&w, d.svc.path[0] ? d.svc.path : "(systemd)");
	else
		jsonw_null(&w);
	record_end(&d, &w, LOG_INFO);

	while (!stop) {
		struct epoll_event evs[32];
		long long now;
		int n = epoll_wait(d.epfd, evs, 32, 250);

		if (n < 0 && errno != EINTR) {
			fprintf(stderr, "bpfenced: epoll: %s\n", strerror(errno));
			status = EXIT_BPFENCE;
			break;
		}
		now = mono_ms();
		for (int i = 0; i < n; i++) {
			if (evs[i].data.u64 == SRC_RINGBUF) {
				r = ring_buffer__consume(d.rb);
				if (r < 0 && r != -EINTR) {
					fprintf(stderr, "bpfenced: ring buffer: %s\n", strerror(-r));
					status = EXIT_BPFENCE;
					stop = 1;
				}
			} else if (evs[i].data.u64 == SRC_SYSLOG) {
				syslog_flush(&d.sys);
			} else if (evs[i].data.u64 == SRC_CANARY) {
				health_finish(&d, false);
			} else if (service_owns(&d.svc, evs[i].data.u64)) {
				service_ready(&d.svc, evs[i].data.u64, evs[i].events, now);
			} else if (d.serve_metrics) {
				http_ready(&d.http, evs[i].data.u64, evs[i].events, now);
			}
		}
		log_flush(&d, &d.met.written);
		check_drops(&d);
		if (now >= next_tick) {
			if (d.serve_metrics)
				http_expire(&d.http, now);
			service_expire(&d.svc, now);
			report_syslog_drops(&d);
			next_tick = now + 1000;
		}
		if (d.checking && now >= d.check_deadline)
			health_finish(&d, true);
		if (now >= next_health) {
			health_begin(&d);
			next_health = mono_ms() + d.health_interval_s * 1000LL;
		}
		if (reopen) {
			reopen = 0;
			if (d.log_path) {
				close(d.log_fd);
				r = open_log(&d);
				if (r) {
					fprintf(stderr, "bpfenced: cannot reopen log %s: %s\n",
						d.log_path, strerror(-r));
					return EXIT_BPFENCE; /* no log to write a stop record to */
				}
				record_begin(&w, buf, sizeof(buf), "reopen");
				record_end(&d, &w, LOG_INFO);
			}
		}
	}
	if (d.checking)
		health_finish(&d, false);
	ring_buffer__consume(d.rb);
	log_flush(&d, &d.met.written);
	check_drops(&d);
	if (d.to_syslog)
		syslog_drain(&d.sys, 2000);
	report_syslog_drops(&d);
	record_begin(&w, buf, sizeof(buf), "stop");
	jsonw_uint_field(&w, "delivered", d.delivered);
	jsonw_uint_field(&w, "drops_total", d.drops_seen);
	record_end(&d, &w, LOG_INFO);
	service_close(&d.svc);
	ring_buffer__free(d.rb);
	bpfence_maps_close(&d.m);
	if (d.serve_metrics)
		http_close(&d.http);
	if (d.to_syslog) {
		syslog_drain(&d.sys, 1000);
		syslog_close(&d.sys);
	}
	/* The last records are only on disk once written and the file closed. */
	if (d.write_failing || (d.log_path && close(d.log_fd))) {
		if (status == EXIT_OK)
			fprintf(stderr, "bpfenced: cannot write log %s: %s\n",
				d.log_path ? d.log_path : "(stdout)",
				d.write_failing ? "records were dropped" : strerror(errno));
		status = EXIT_BPFENCE;
	}
	return status;
}
