// SPDX-License-Identifier: GPL-2.0-only
/*
 * B4, `bench concurrent [--levels LIST] [--rounds R]`: K spawns released at once (LIST, default
 * 1,16,64), R rounds (default 5): p50 and p99 per K for bare, `bpfence run` and crun, and
 * p99(K)/p99(1). The ways are ways.c's; this file releases them together and collects the samples.
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench.h"

struct sample {
	double ms;
	int status;
};

/*
 * k children, each spawning w once, released together: each blocks reading a pipe whose write
 * end the parent closes once all are forked. Each times its own spawn; the samples come back
 * through a second pipe (one write of a few bytes each: atomic). Returns the number of samples.
 */
static int batch(struct way *w, int k, double *ms, int *failed)
{
	int go[2], res[2], got = 0;
	struct sample s;

	if (pipe2(go, O_CLOEXEC))
		return 0;
	if (pipe2(res, O_CLOEXEC)) {
		close(go[0]);
		close(go[1]);
		return 0;
	}
	for (int i = 0; i < k; i++) {
		pid_t pid = fork();
		char c;

		if (pid == 0) {
			close(go[1]);
			close(res[0]);
			if (read(go[0], &c, 1) < 0)
				_exit(1);
			way_cid(w);
			s.status = spawn_timed(w->argv, -1, &s.ms);
			_exit(write(res[1], &s, sizeof(s)) == sizeof(s) ? 0 : 1);
		}
		if (pid < 0)
			(*failed)++;
	}
	close(go[0]);
	close(res[1]);
	close(go[1]);
	while (read(res[0], &s, sizeof(s)) == sizeof(s)) {
		if (s.status)
			(*failed)++;
		else
			ms[got++] = s.ms;
	}
	close(res[0]);
	while (waitpid(-1, NULL, 0) > 0 || errno == EINTR)
		;
	return got;
}

int bench_concurrent(const struct opts *o, const char *json_path)
{
	static const int which[] = { WAY_BARE, WAY_BPFENCE, WAY_CRUN };
	enum { NW = sizeof(which) / sizeof(which[0]) };
	int rounds = o->rounds > 0 ? o->rounds : 5, levels[8], nl, status;
	char policy[PATH_MAX], bundle[PATH_MAX], buf[4][32];
	double *ms[NW][8], p99_1[NW];
	int n[NW][8] = {}, failed[NW][8] = {};
	struct way ways[NWAYS];
	struct json_writer w;
	bool have_bundle;

	nl = parse_list(o->levels ? o->levels : "1,16,64", levels, 8, 1024);
	if (nl < 0) {
		fprintf(stderr, "bench: bad --levels '%s' (e.g. 1,16,64; each 1-1024)\n",
			o->levels);
		return 2;
	}
	if (spawn_setup(policy, sizeof(policy), bundle, sizeof(bundle), &have_bundle))
		return 1;
	ways_init(ways, policy, have_bundle ? bundle : NULL);
	for (int i = 0; i < NW; i++) {
		way_check(&ways[which[i]], 1);
		for (int l = 0; l < nl; l++)
			ms[i][l] = calloc((size_t)levels[l] * rounds, sizeof(double));
	}
	/* Rounds outermost, ways and levels inside: drift spreads over every cell alike. */
	for (int r = 0; r < rounds; r++) {
		for (int l = 0; l < nl; l++)
			for (int i = 0; i < NW; i++)
				if (ways[which[i]].ok && ms[i][l])
					n[i][l] += batch(&ways[which[i]], levels[l],
							 ms[i][l] + n[i][l], &failed[i][l]);
		fprintf(stderr, "bench: B4 round %d/%d\n", r + 1, rounds);
	}

	if (!json_begin(&w, json_path, "B4"))
		return 1;
	jsonw_uint_field(&w, "rounds", rounds);
	jsonw_name(&w, "levels");
	jsonw_start_array(&w);
	for (int l = 0; l < nl; l++)
		jsonw_uint(&w, levels[l]);
	jsonw_end_array(&w);
	printf("\nB4: K spawns of /bin/true released at once, %d rounds (ms per spawn, each from "
	       "its "
	       "own start)\n",
	       rounds);
	printf("%-28s %5s %10s %10s %12s %7s\n", "way", "K", "p50 ms", "p99 ms", "p99/p99(1)",
	       "failed");
	jsonw_name(&w, "ways");
	jsonw_start_object(&w);
	for (int i = 0; i < NW; i++) {
		struct way *x = &ways[which[i]];

		jsonw_name(&w, x->id);
		if (!x->ok) {
			printf("%-28s %s\n", x->label, x->note);
			jsonw_null(&w);
			continue;
		}
		jsonw_start_array(&w);
		p99_1[i] = NAN;
		for (int l = 0; l < nl; l++) {
			double p50 = percentile(ms[i][l], n[i][l], 50);
			double p99 = percentile(ms[i][l], n[i][l], 99);

			if (levels[l] == 1)
				p99_1[i] = p99;
			printf("%-28s %5d %s %s %s %7d\n", l ? "" : x->label, levels[l],
			       cell(buf[0], 32, "%10.2f", p50), cell(buf[1], 32, "%10.2f", p99),
			       cell(buf[2], 32, "%11.2fx", ratio(p99, p99_1[i])), failed[i][l]);
			jsonw_start_object(&w);
			jsonw_uint_field(&w, "k", levels[l]);
			jsonw_uint_field(&w, "samples", n[i][l]);
			jsonw_uint_field(&w, "failed", failed[i][l]);
			jsonw_float_field(&w, "p50_ms", p50);
			jsonw_float_field(&w, "p99_ms", p99);
			jsonw_float_field(&w, "ratio_p99_to_k1", ratio(p99, p99_1[i]));
			jsonw_end_object(&w);
		}
		jsonw_end_array(&w);
	}
	jsonw_end_object(&w);
	json_notes(&w, ways, which, NW);
	jsonw_string_field(&w, "target", "bpfence p99 flat in K");
	status = ways_status(ways, which, NW);
	return json_end(&w, json_path) || status;
}
