// SPDX-License-Identifier: GPL-2.0-only
/*
 * B2, `bench tagged [--rules LIST] [--rounds R] [--iterations N]`: allowed open of a file at depth
 * 1/10/30 below a granted directory, with 1/100/10000 file rules (LIST, default 1,100,10000):
 * untagged, inside `bpfence run`, and under a Landlock ruleset with the same rules where the kernel
 * has Landlock. The files, policies and rules files are made here; the timed loop and Landlock are
 * open_loop.c's.
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bench.h"
#include "libbpfence.h"

static const int depths[] = { 1, 10, 30 };
enum { NDEPTHS = sizeof(depths) / sizeof(depths[0]) };

/* chain/f, chain/d/.../f: a file `depth` components below the granted directory chain/ (the
 * kernel side walks up from the file to the grant, so depth is what it pays for). */
static int tagged_tree(char *chain, size_t cn, char paths[NDEPTHS][PATH_MAX], int others)
{
	char dir[PATH_MAX], path[PATH_MAX + 16];
	int fd, d = 1;

	stage_path(chain, cn, "chain");
	snprintf(dir, sizeof(dir), "%s", chain);
	if (mkdir(dir, 0755))
		return -errno;
	for (int i = 0; i < NDEPTHS; i++) {
		for (; d < depths[i]; d++) {
			strncat(dir, "/d", sizeof(dir) - strlen(dir) - 1);
			if (mkdir(dir, 0755))
				return -errno;
		}
		snprintf(paths[i], PATH_MAX, "%s/f", dir);
		fd = open(paths[i], O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
		if (fd < 0)
			return -errno;
		close(fd);
	}
	/* The other rules' objects: files that exist (a missing path grants nothing, and would
	 * not be a rule). */
	stage_path(dir, sizeof(dir), "other");
	if (mkdir(dir, 0755))
		return -errno;
	for (int i = 0; i < others; i++) {
		snprintf(path, sizeof(path), "%s/o%d", dir, i);
		fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
		if (fd < 0)
			return -errno;
		close(fd);
	}
	return 0;
}

/* The policy and the Landlock rules file for `rules` rules: chain/ plus rules - 1 others. The
 * policy also grants what starting this program takes (policy_begin); Landlock needs no such
 * grants, its process restricts itself once started. */
static int tagged_rules(const char *chain, int rules, char *policy, size_t pn, char *ll, size_t ln)
{
	char name[32], other[PATH_MAX];
	FILE *f, *l;

	snprintf(name, sizeof(name), "tagged-%d", rules);
	f = policy_begin(name, policy, pn);
	snprintf(name, sizeof(name), "tagged-%d.rules", rules);
	stage_path(ll, ln, name);
	l = fopen(ll, "we");
	if (!f || !l) {
		if (f)
			fclose(f);
		return -1;
	}
	fprintf(f, "read = %s\n", chain);
	fprintf(l, "%s\n", chain);
	stage_path(other, sizeof(other), "other");
	for (int i = 0; i < rules - 1; i++) {
		fprintf(f, "read = %s/o%d\n", other, i);
		fprintf(l, "%s/o%d\n", other, i);
	}
	if (fclose(l))
		return -1;
	return policy_end(f, policy);
}

struct tagged_point {
	double untagged[NDEPTHS], bpfence[NDEPTHS], landlock[NDEPTHS];
	char note[256]; /* why bpfence was not measured */
};

static void tagged_measure(int rules, const char *chain, char paths[NDEPTHS][PATH_MAX], bool ll,
			   int iters, int rounds, bool *bpfence_broken, struct tagged_point *pt)
{
	char policy[PATH_MAX], llrules[PATH_MAX], err[POLICY_ERR_MAX] = "", why[256];
	char *pv[NDEPTHS];
	struct policy p = {};
	int st;

	for (int i = 0; i < NDEPTHS; i++) {
		pv[i] = paths[i];
		pt->untagged[i] = pt->bpfence[i] = pt->landlock[i] = NAN;
	}
	if (tagged_rules(chain, rules, policy, sizeof(policy), llrules, sizeof(llrules))) {
		snprintf(pt->note, sizeof(pt->note), "cannot write the rules");
		return;
	}
	if (loop_run(NULL, NULL, iters, rounds, pv, NDEPTHS, pt->untagged, why, sizeof(why)))
		fprintf(stderr, "bench: the untagged loop failed: %s\n", why);
	/* What bpfence run would refuse, said as the parser says it. */
	if (policy_parse_file(policy, &p, err, sizeof(err)))
		snprintf(pt->note, sizeof(pt->note), "policy refused: %s", err);
	else if (*bpfence_broken)
		snprintf(pt->note, sizeof(pt->note), "bpfence cannot run here");
	else if ((st = loop_run(policy, NULL, iters, rounds, pv, NDEPTHS, pt->bpfence, why,
				sizeof(why)))) {
		snprintf(pt->note, sizeof(pt->note), "bpfence run: %s", why);
		fprintf(stderr, "bench: %d rules: %s\n", rules, pt->note);
		/* 125: bpfence itself failed (this kernel cannot enforce): the same every time. */
		*bpfence_broken = st == 125;
	}
	policy_free(&p);
	if (ll &&
	    loop_run(NULL, llrules, iters, rounds, pv, NDEPTHS, pt->landlock, why, sizeof(why)))
		fprintf(stderr, "bench: the Landlock loop failed: %s\n", why);
}

static void tagged_json(struct json_writer *w, int rules, const struct tagged_point *pt)
{
	for (int d = 0; d < NDEPTHS; d++) {
		jsonw_start_object(w);
		jsonw_uint_field(w, "depth", depths[d]);
		jsonw_uint_field(w, "rules", rules);
		jsonw_float_field(w, "ns_untagged", pt->untagged[d]);
		jsonw_float_field(w, "ns_bpfence", pt->bpfence[d]);
		jsonw_float_field(w, "ratio_bpfence", ratio(pt->bpfence[d], pt->untagged[d]));
		jsonw_float_field(w, "ns_landlock", pt->landlock[d]);
		jsonw_float_field(w, "ratio_landlock", ratio(pt->landlock[d], pt->untagged[d]));
		jsonw_string_field(w, "note", pt->note[0] ? pt->note : NULL);
		jsonw_end_object(w);
	}
}

static void tagged_print(int rules, const struct tagged_point *pt)
{
	char b[5][32];

	for (int d = 0; d < NDEPTHS; d++)
		printf("%6d %6d %s %s %s %s %s\n", depths[d], rules,
		       cell(b[0], 32, "%10.0f", pt->untagged[d]),
		       cell(b[1], 32, "%10.0f", pt->bpfence[d]),
		       cell(b[2], 32, "%7.3fx", ratio(pt->bpfence[d], pt->untagged[d])),
		       cell(b[3], 32, "%10.0f", pt->landlock[d]),
		       cell(b[4], 32, "%7.3fx", ratio(pt->landlock[d], pt->untagged[d])));
	if (pt->note[0])
		printf("%13s (bpfence: %s)\n", "", pt->note);
}

int bench_tagged(const struct opts *o, const char *json_path)
{
	int rounds = o->rounds > 0 ? o->rounds : 5,
	    iters = o->iterations > 0 ? o->iterations : 10000;
	char chain[PATH_MAX], paths[NDEPTHS][PATH_MAX];
	struct tagged_point pt[8];
	bool broken = false, measured = false;
	int rules[8], nr, most = 1, e;
	struct json_writer w;
	long abi;

	nr = parse_list(o->rules ? o->rules : "1,100,10000", rules, 8, 100000);
	if (nr < 0) {
		fprintf(stderr, "bench: bad --rules '%s' (e.g. 1,100,10000)\n", o->rules);
		return 2;
	}
	for (int i = 0; i < nr; i++)
		most = rules[i] > most ? rules[i] : most;
	if (stage_make())
		return 1;
	e = tagged_tree(chain, sizeof(chain), paths, most - 1);
	if (e) {
		fprintf(stderr, "bench: cannot make the files under %s: %s\n", stage.dir,
			strerror(-e));
		return 1;
	}
	abi = landlock_abi();
	if (abi < 1)
		printf("bench: no Landlock here (%s): its column stays empty\n", strerror(errno));
	for (int i = 0; i < nr; i++) {
		fprintf(stderr, "bench: B2 with %d rules\n", rules[i]);
		tagged_measure(rules[i], chain, paths, abi >= 1, iters, rounds, &broken, &pt[i]);
		for (int d = 0; d < NDEPTHS; d++)
			measured |= isfinite(pt[i].bpfence[d]);
	}

	if (!json_begin(&w, json_path, "B2"))
		return 1;
	printf("\nB2: allowed open+close of a file DEPTH components below a granted directory, "
	       "with "
	       "RULES file rules\n(ns, median of %d rounds of %d; the policy also grants what "
	       "starting the loop takes)\n",
	       rounds, iters);
	printf("%6s %6s %10s %10s %8s %10s %8s\n", "depth", "rules", "untagged", "bpfence", "ratio",
	       "landlock", "ratio");
	jsonw_uint_field(&w, "rounds", rounds);
	jsonw_uint_field(&w, "iterations", iters);
	jsonw_name(&w, "landlock_abi");
	if (abi >= 1)
		jsonw_uint(&w, abi);
	else
		jsonw_null(&w);
	jsonw_name(&w, "points");
	jsonw_start_array(&w);
	for (int i = 0; i < nr; i++) {
		tagged_print(rules[i], &pt[i]);
		tagged_json(&w, rules[i], &pt[i]);
	}
	jsonw_end_array(&w);
	jsonw_string_field(&w, "target", "bpfence adds less than Landlock at every point");
	if (!measured)
		fprintf(stderr, "bench: bpfence could not be measured at any point\n");
	return json_end(&w, json_path) || !measured;
}
