// SPDX-License-Identifier: GPL-2.0-only
/*
 * B3, `bench spawn [--runs N]`: N spawns of /bin/true each way, interleaved (default 50): bare
 * posix_spawn+wait, `unshare -fp --mount-proc`, bubblewrap, crun and runc on a bundle built here,
 * and `bpfence run`; p50 and p90 and p50/bare. Also `bpfence --help` (start-up only) and what one
 * map-in-map slot update costs. The ways are ways.c's.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "bench.h"

/*
 * What one update of a map-in-map slot costs: the kernel waits for an RCU grace period before
 * the syscall returns (maybe_wait_bpf_programs()). A rule store with one inner map per rule set
 * would pay one per rule map at install and again at teardown; loader/install.c explains why
 * bpfence keys flat maps by rule set instead. Median of n updates, in ms.
 */
static double grace_ms(int n)
{
	int inner = bpf_map_create(BPF_MAP_TYPE_ARRAY, "bench_grace", 4, 4, 1, NULL), outer;
	double v[64], t;
	__u32 zero = 0;

	if (inner < 0)
		return NAN;
	LIBBPF_OPTS(bpf_map_create_opts, mo, .inner_map_fd = inner);
	outer = bpf_map_create(BPF_MAP_TYPE_ARRAY_OF_MAPS, "bench_grace", 4, 4, 1, &mo);
	if (outer < 0) {
		close(inner);
		return NAN;
	}
	if (n > 64)
		n = 64;
	for (int i = 0; i < n; i++) {
		t = now();
		if (bpf_map_update_elem(outer, &zero, &inner, BPF_ANY)) {
			n = i;
			break;
		}
		v[i] = (now() - t) * 1e3;
	}
	close(outer);
	close(inner);
	return n ? median(v, n) : NAN;
}

int bench_spawn(const struct opts *o, const char *json_path)
{
	static const int all[] = { WAY_BARE, WAY_UNSHARE, WAY_BWRAP, WAY_CRUN, WAY_RUNC,
				   WAY_BPFENCE, WAY_HELP };
	int runs = o->runs > 0 ? o->runs : 50, status;
	char policy[PATH_MAX], bundle[PATH_MAX], buf[3][32], argv[1024];
	struct way ways[NWAYS];
	struct json_writer w;
	bool have_bundle;
	double bare;

	if (spawn_setup(policy, sizeof(policy), bundle, sizeof(bundle), &have_bundle))
		return 1;
	ways_init(ways, policy, have_bundle ? bundle : NULL);
	for (int i = 0; i < NWAYS; i++)
		way_check(&ways[i], runs);
	/* Interleaved, one spawn of each way in turn: drift (emulation, other tenants) hits all. */
	for (int r = 0; r < runs; r++) {
		for (int i = 0; i < NWAYS; i++)
			if (ways[i].ok)
				way_once(&ways[i]);
		if ((r + 1) % 10 == 0)
			fprintf(stderr, "bench: B3 run %d/%d\n", r + 1, runs);
	}

	if (!json_begin(&w, json_path, "B3"))
		return 1;
	jsonw_uint_field(&w, "runs", runs);
	jsonw_string_field(&w, "private_dir", stage.dir);
	jsonw_name(&w, "private_dir_tmpfs");
	jsonw_bool(&w, stage.tmpfs);
	printf("\nB3: spawn of /bin/true, %d runs each way, interleaved (ms from spawn to "
	       "reaped)\n",
	       runs);
	printf("%-28s %10s %10s %10s\n", "way", "p50 ms", "p90 ms", "p50/bare");
	bare = ways[WAY_BARE].ok ? percentile(ways[WAY_BARE].ms, ways[WAY_BARE].n, 50) : NAN;
	jsonw_name(&w, "ways");
	jsonw_start_object(&w);
	for (int i = 0; i < NWAYS; i++) {
		struct way *x = &ways[i];
		double p50 = x->ok ? percentile(x->ms, x->n, 50) : NAN;
		double p90 = x->ok ? percentile(x->ms, x->n, 90) : NAN;

		jsonw_name(&w, x->id);
		if (!x->ok) {
			printf("%-28s %s\n", x->label, x->note);
			jsonw_null(&w);
			continue;
		}
		printf("%-28s %s %s %s%s\n", x->label, cell(buf[0], 32, "%10.2f", p50),
		       cell(buf[1], 32, "%10.2f", p90),
		       cell(buf[2], 32, "%9.2fx", ratio(p50, bare)),
		       x->failed ? " (some runs failed)" : "");
		way_argv_str(x, argv, sizeof(argv));
		jsonw_start_object(&w);
		jsonw_string_field(&w, "argv", argv);
		jsonw_float_field(&w, "p50_ms", p50);
		jsonw_float_field(&w, "p90_ms", p90);
		jsonw_float_field(&w, "ratio_p50_to_bare", ratio(p50, bare));
		jsonw_uint_field(&w, "failed_runs", x->failed);
		jsonw_end_object(&w);
	}
	jsonw_end_object(&w);
	json_notes(&w, ways, all, NWAYS);
	{
		double g = grace_ms(20);

		printf("one map-in-map slot update (waits for an RCU grace period): %s ms median\n",
		       cell(buf[0], 32, "%.2f", g));
		jsonw_float_field(&w, "map_in_map_update_ms", g);
	}
	jsonw_string_field(&w, "target", "bpfence p50 <= 2x bare; below bwrap and crun");
	status = ways_status(ways, all, NWAYS);
	return json_end(&w, json_path) || status;
}
