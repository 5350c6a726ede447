/* SPDX-License-Identifier: GPL-2.0-only */
/* The second layer, from one table (loader/seccomp_layer.c). */
#ifndef BPFENCE_SECCOMP_LAYER_H
#define BPFENCE_SECCOMP_LAYER_H

#include <linux/filter.h>
#include <stdbool.h>
#include <stdio.h>

#include "libbpfence.h"

/* The seccomp layer for a policy; NULL with why set on failure. */
void *seccomp_build(const struct policy *p, char *why, size_t n);
/* The same layer as a BPF program, compiled once per policy content and cached; prog->filter is
 * malloc'd. flags: what to pass to seccomp(SECCOMP_SET_MODE_FILTER). */
int seccomp_filter_get(const struct policy *p, struct sock_fprog *prog, unsigned int *flags,
		       char *why, size_t n);
/* The same layer as an OCI runtime-spec `linux.seccomp` object, written to out; log_flag adds
 * "flags": ["SECCOMP_FILTER_FLAG_LOG"] (crun, runc >= 1.2; runc 1.1 refuses any flags).
 * 0, or a negative errno with why set. */
int seccomp_oci_profile(const struct policy *p, bool log_flag, FILE *out, char *why, size_t n);

#endif
