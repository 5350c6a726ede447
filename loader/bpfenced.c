// SPDX-License-Identifier: GPL-2.0-only
/*
 * bpfenced: loads and pins bpfence if needed (the same code as `bpfence load`), then drains the
 * denial ring buffer into JSON lines. Enforcement never depends on this daemon: the pins keep the
 * programs attached while it is down, and the per-invocation counters stay exact; what it could
 * not deliver is counted in the drops map and reported as a "drops" record.
 *
 *   SIGHUP          reopen the log (logrotate)
 *   SIGTERM/SIGINT  drain what is queued, write a "stop" record, exit 0
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <bpf/libbpf.h>

#include "json.h"
#include "libbpfence.h"

#ifndef BPFENCE_VERSION
#error "BPFENCE_VERSION comes from the Makefile (VERSION)"
#endif

#define DEFAULT_LOG "/var/log/bpfence/audit.jsonl"

static volatile sig_atomic_t reopen, stop;

struct daemon {
	const char *log_path; /* NULL: stdout */
	FILE *log;
	long long offset;
	unsigned long long drops_seen, delivered;
};

static void on_signal(int sig)
{
	if (sig == SIGHUP)
		reopen = 1;
	else
		stop = 1;
}

static int open_log(struct daemon *d)
{
	char dir[PATH_MAX], *slash;
	int fd;

	if (!d->log_path) {
		d->log = stdout;
		setvbuf(stdout, NULL, _IOFBF, 1 << 16);
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
	d->log = fdopen(fd, "a");
	if (!d->log) {
		close(fd);
		return -errno;
	}
	/* Fully buffered: the loop flushes after each batch the ring buffer hands over, one
	 * write() per batch instead of one per record (a storm is thousands per second). */
	setvbuf(d->log, NULL, _IOFBF, 1 << 16);
	return 0;
}

/* A daemon record: time, event and pid, then what the caller adds before record_end(). */
static void record_begin(struct daemon *d, struct json_writer *w, const char *event)
{
	struct timespec ts;
	char when[48];

	clock_gettime(CLOCK_REALTIME, &ts);
	format_time(ts.tv_sec * 1000000000LL + ts.tv_nsec, when, sizeof(when));
	jsonw_init(w, d->log);
	jsonw_start_object(w);
	jsonw_string_field(w, "time", when);
	jsonw_string_field(w, "event", event);
	jsonw_int_field(w, "pid", getpid());
}

static void record_end(struct daemon *d, struct json_writer *w)
{
	jsonw_end_object(w);
	fflush(d->log);
}

static int handle_event(void *ctx, void *data, size_t size)
{
	struct daemon *d = ctx;
	char line[BPFENCE_EVENT_JSON_MAX];

	if (size < sizeof(struct bpfence_event))
		return 0;
	bpfence_event_json(data, d->offset, line, sizeof(line));
	fputs(line, d->log);
	fputc('\n', d->log);
	d->delivered++;
	return 0;
}

static void check_drops(struct daemon *d, const struct bpfence_maps *m)
{
	unsigned long long total;
	struct json_writer w;

	if (drops_read(m, &total) || total <= d->drops_seen)
		return;
	record_begin(d, &w, "drops");
	jsonw_uint_field(&w, "drops_total", total);
	jsonw_uint_field(&w, "drops_new", total - d->drops_seen);
	record_end(d, &w);
	d->drops_seen = total;
}

static const char help[] =
	"Usage: bpfenced [--log FILE|-] [--debug]\n"
	"       bpfenced --version\n"
	"Load and pin bpfence if needed, then write every denial as one JSON line to FILE\n"
	"(default " DEFAULT_LOG ", '-' for stdout). SIGHUP reopens the log, SIGTERM drains\n"
	"and exits. Keys are documented in docs/audit.md. Exit status: 0 after SIGTERM, 2 on bad\n"
	"arguments, 125 when this kernel cannot enforce or the log cannot be written\n"
	"(bpfence --help lists every status).\n"
	"\nExample:\n  bpfenced --log - | grep '\"class\": \"broker\"'\n";

int main(int argc, char **argv)
{
	static const struct option opts[] = { { "log", required_argument, NULL, 'l' },
					      { "debug", no_argument, NULL, 'd' },
					      { "help", no_argument, NULL, 'h' },
					      { "version", no_argument, NULL, 'V' },
					      {} };
	struct daemon d = { .log_path = DEFAULT_LOG };
	struct ring_buffer *rb = NULL;
	struct bpfence_maps m;
	struct json_writer w;
	char why[WHY_MAX];
	struct sigaction sa = { .sa_handler = on_signal };
	int c, r, loaded, status = EXIT_OK;

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'l':
			d.log_path = strcmp(optarg, "-") ? optarg : NULL;
			break;
		case 'd':
			bpfence_set_debug(true);
			break;
		case 'h':
			fputs(help, stdout);
			return 0;
		case 'V':
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

	r = bpfence_probe(why, sizeof(why));
	if (!r)
		r = bpfence_load(why, sizeof(why));
	if (r < 0) {
		fprintf(stderr, "bpfenced: this kernel cannot enforce: %s\n", why);
		return EXIT_BPFENCE;
	}
	loaded = r; /* 1: the pins were there: a restart resumes on them */
	if (bpfence_maps_open(&m, why, sizeof(why))) {
		fprintf(stderr, "bpfenced: programs or maps are missing: %s\n", why);
		return EXIT_BPFENCE;
	}
	r = open_log(&d);
	if (r) {
		fprintf(stderr, "bpfenced: cannot open log %s: %s\n", d.log_path, strerror(-r));
		return EXIT_BPFENCE;
	}
	/* Without the handlers SIGTERM would end the daemon without draining, SIGHUP kill it. */
	if (sigaction(SIGHUP, &sa, NULL) || sigaction(SIGTERM, &sa, NULL) ||
	    sigaction(SIGINT, &sa, NULL) || signal(SIGPIPE, SIG_IGN) == SIG_ERR) {
		fprintf(stderr, "bpfenced: cannot set signal handlers: %s\n", strerror(errno));
		return EXIT_BPFENCE;
	}

	d.offset = boot_to_realtime_offset();
	rb = ring_buffer__new(m.events, handle_event, &d, NULL);
	if (!rb) {
		fprintf(stderr, "bpfenced: cannot read the event ring buffer: %s\n", strerror(errno));
		return EXIT_BPFENCE;
	}
	drops_read(&m, &d.drops_seen);
	record_begin(&d, &w, "start");
	jsonw_bool_field(&w, "resumed", loaded == 1);
	jsonw_int_field(&w, "tagged_cgroups", tag_count(&m));
	jsonw_uint_field(&w, "drops_total", d.drops_seen);
	record_end(&d, &w);

	while (!stop) {
		r = ring_buffer__poll(rb, 250);
		if (r < 0 && r != -EINTR) {
			fprintf(stderr, "bpfenced: ring buffer: %s\n", strerror(-r));
			status = EXIT_BPFENCE;
			break;
		}
		fflush(d.log);
		check_drops(&d, &m);
		if (reopen) {
			reopen = 0;
			if (d.log != stdout) {
				fclose(d.log);
				r = open_log(&d);
				if (r) {
					fprintf(stderr, "bpfenced: cannot reopen log %s: %s\n",
						d.log_path, strerror(-r));
					return EXIT_BPFENCE; /* no log to write a stop record to */
				}
				record_begin(&d, &w, "reopen");
				record_end(&d, &w);
			}
		}
	}
	ring_buffer__consume(rb);
	check_drops(&d, &m);
	record_begin(&d, &w, "stop");
	jsonw_uint_field(&w, "delivered", d.delivered);
	jsonw_uint_field(&w, "drops_total", d.drops_seen);
	record_end(&d, &w);
	ring_buffer__free(rb);
	bpfence_maps_close(&m);
	/* The last records are only on disk once the stream is flushed and closed. */
	if ((d.log != stdout ? fclose(d.log) : fflush(d.log)) && status == EXIT_OK) {
		fprintf(stderr, "bpfenced: cannot write log %s: %s\n",
			d.log_path ? d.log_path : "(stdout)", strerror(errno));
		status = EXIT_BPFENCE;
	}
	return status;
}
