// SPDX-License-Identifier: GPL-2.0-only
/*
 * Containers under an OCI runtime hook (`bpfence oci-hook`, cli/oci.c): from the runtime's state
 * and the bundle's config.json to the container's cgroup, the policy's paths resolved under its
 * root, a record per container under RECORD_DIR, and the cgroup restricted with
 * invocation_adopt (loader/invocation.c) and the live canary. Poststop releases it; every hook
 * run collects the records of containers whose cgroup is gone (a runtime that crashed).
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "json.h"
#include "oci.h"
#include "resolver.h"

/* Read at most max bytes from fd into a NUL-terminated string; a NUL inside is refused. */
char *oci_read_text(int fd, size_t max, const char *what)
{
	size_t len = 0, cap = 4096;
	char *buf = malloc(cap + 1);

	if (!buf)
		return NULL;
	for (;;) {
		ssize_t got;

		if (len == cap) {
			char *nb;

			if (cap >= max) {
				bpfence_report("bad input", "%s is larger than %zu bytes", what, max);
				free(buf);
				return NULL;
			}
			cap = cap * 2 > max ? max : cap * 2;
			nb = realloc(buf, cap + 1);
			if (!nb) {
				free(buf);
				return NULL;
			}
			buf = nb;
		}
		got = read(fd, buf + len, cap - len);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			bpfence_report("bad input", "cannot read %s: %s", what, strerror(errno));
			free(buf);
			return NULL;
		}
		if (!got)
			break;
		len += (size_t)got;
	}
	buf[len] = 0;
	if (strlen(buf) != len) {
		bpfence_report("bad input", "%s contains a NUL byte", what);
		free(buf);
		return NULL;
	}
	return buf;
}

int oci_parse_doc(const char *text, struct json_object *o, const char *what)
{
	const char *why = "";
	size_t col = 0;
	int r = json_object_parse(text, o, &col, &why);

	if (r == -EINVAL)
		bpfence_report("bad input", "%s is not a JSON object (column %zu: %s)", what, col, why);
	else if (r)
		bpfence_report("bad input", "%s: %s", what, strerror(-r));
	return r;
}

/* Only A-Z a-z 0-9 . _ - (policy names, record file names, ids in audit records). */
static bool name_chars(const char *s)
{
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && *s != '.' && *s != '_' && *s != '-')
			return false;
	return true;
}

/* A policy name from the annotation: a plain file name, never a path. */
bool oci_plain_name(const char *s)
{
	size_t n = strlen(s);

	return n && n <= NAME_MAX_LEN && s[0] != '.' && s[0] != '-' && name_chars(s);
}

/* Container id -> record file name: the id itself when it is a safe name, else hex. */
static int record_path(const char *id, char *buf, size_t n)
{
	char name[2 * 128 + 1];
	size_t len = strlen(id);
	bool safe = len && len <= 128 && id[0] != '.' && name_chars(id);

	if (safe) {
		snprintf(name, sizeof(name), "%s", id);
	} else {
		if (!len || len > 128)
			return -ENAMETOOLONG;
		for (size_t i = 0; i < len; i++)
			snprintf(name + 2 * i, 3, "%02x", (unsigned char)id[i]);
	}
	if ((size_t)snprintf(buf, n, RECORD_DIR "/%s%s.json", safe ? "" : "x-", name) >= n)
		return -ENAMETOOLONG;
	return 0;
}

/* "a-b-c.slice" -> "/a.slice/a-b.slice/a-b-c.slice" (systemd's slice nesting); "-.slice" -> "". */
static int expand_slice(const char *slice, char *buf, size_t n)
{
	size_t len = strlen(slice), used = 0;

	buf[0] = 0;
	if (!strcmp(slice, "-.slice"))
		return 0;
	if (len < 6 || strcmp(slice + len - 6, ".slice") || slice[0] == '-')
		return -EINVAL;
	for (size_t i = 0; i + 6 <= len; i++) {
		if (slice[i] != '-' && i + 6 != len)
			continue;
		if (slice[i] == '-' && (i + 1 == len - 6 || slice[i + 1] == '-'))
			return -EINVAL;
		int w = snprintf(buf + used, n - used, "/%.*s.slice", (int)i, slice);

		if (w < 0 || (size_t)w >= n - used)
			return -ENAMETOOLONG;
		used += (size_t)w;
	}
	return 0;
}

/*
 * The container's cgroup from its process's (pid_path) and the bundle's linux.cgroupsPath:
 * absolute (cgroupfs: relative to the cgroup2 root), relative (to somewhere the runtime chose),
 * or systemd's "slice:prefix:name". The process must be in that cgroup or below it (crun may use
 * a sub-cgroup); the cgroup tagged is the one config.json names. Without cgroupsPath, the
 * process's own.
 */
static int container_cgroup(const char *pid_path, const char *cgroups_path, char *out, size_t n,
			    char *why, size_t wn)
{
	char want[PATH_MAX];
	bool absolute = false;

	if (!cgroups_path || !cgroups_path[0]) {
		snprintf(out, n, "%s", pid_path);
		return 0;
	}
	if (cgroups_path[0] == '/') {
		absolute = true;
		snprintf(want, sizeof(want), "%s", cgroups_path);
	} else if (strchr(cgroups_path, ':')) {
		char slice[256], prefix[256], name[256], sl[PATH_MAX];
		const char *a = cgroups_path, *b = strchr(a, ':'), *c = b ? strchr(b + 1, ':') : NULL;

		if (!c || strchr(c + 1, ':') || (size_t)(b - a) >= sizeof(slice) ||
		    (size_t)(c - b - 1) >= sizeof(prefix) || strlen(c + 1) >= sizeof(name) ||
		    !c[1]) {
			snprintf(why, wn, "linux.cgroupsPath '%s' is not slice:prefix:name",
				 cgroups_path);
			return -EINVAL;
		}
		snprintf(slice, sizeof(slice), "%.*s", (int)(b - a), a);
		snprintf(prefix, sizeof(prefix), "%.*s", (int)(c - b - 1), b + 1);
		snprintf(name, sizeof(name), "%s", c + 1);
		if (expand_slice(slice[0] ? slice : "system.slice", sl, sizeof(sl))) {
			snprintf(why, wn, "linux.cgroupsPath '%s': bad slice name", cgroups_path);
			return -EINVAL;
		}
		size_t nl = strlen(name);

		if (nl > 6 && !strcmp(name + nl - 6, ".slice"))
			snprintf(want, sizeof(want), "%s/%s", sl + 1, name);
		else if (prefix[0])
			snprintf(want, sizeof(want), "%s/%s-%s.scope", sl + 1, prefix, name);
		else
			snprintf(want, sizeof(want), "%s/%s.scope", sl + 1, name);
		absolute = true;
		memmove(want + 1, want, strlen(want) + 1);
		want[0] = '/';
	} else {
		snprintf(want, sizeof(want), "/%s", cgroups_path);
	}
	/* Strip trailing slashes. */
	for (size_t l = strlen(want); l > 1 && want[l - 1] == '/'; l--)
		want[l - 1] = 0;
	const char *at = NULL;
	size_t wl = strlen(want);

	if (absolute) {
		if (!strncmp(pid_path, want, wl) && (pid_path[wl] == 0 || pid_path[wl] == '/'))
			at = pid_path;
	} else {
		for (const char *p = strstr(pid_path, want); p; p = strstr(p + 1, want))
			if (p[wl] == 0 || p[wl] == '/') {
				at = p;
				break;
			}
	}
	if (!at) {
		snprintf(why, wn, "the container's process is in cgroup %s, which is not the "
			 "cgroup its config.json names (linux.cgroupsPath '%s')", pid_path,
			 cgroups_path);
		return -EXDEV;
	}
	if ((size_t)(at - pid_path) + wl >= n)
		return -ENAMETOOLONG;
	snprintf(out, n, "%.*s", (int)((at - pid_path) + wl), pid_path);
	return 0;
}

/* Is `inner` (a cgroup path relative to the mount) equal to or below `outer`? */
static bool cgroup_within(const char *inner, const char *outer)
{
	size_t l = strlen(outer);

	if (!strcmp(outer, "/"))
		return true;
	return !strncmp(inner, outer, l) && (inner[l] == 0 || inner[l] == '/');
}

static int write_record(const char *path, const char *id, const char *cgroup, __u64 cgid,
			const char *inv_id, const char *policy, const char *bundle)
{
	char tmp[PATH_MAX];
	struct json_writer w;
	FILE *f;
	int fd;

	if (mkdir("/run/bpfence", 0700) && errno != EEXIST)
		return -errno;
	if (mkdir(RECORD_DIR, 0700) && errno != EEXIST)
		return -errno;
	snprintf(tmp, sizeof(tmp), "%s.tmp%ld", path, (long)getpid());
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return -errno;
	f = fdopen(fd, "w");
	if (!f) {
		close(fd);
		unlink(tmp);
		return -ENOMEM;
	}
	jsonw_init(&w, f);
	jsonw_start_object(&w);
	jsonw_string_field(&w, "id", id);
	jsonw_string_field(&w, "cgroup", cgroup);
	jsonw_uint_field(&w, "cgroup_id", cgid);
	jsonw_string_field(&w, "invocation", inv_id);
	jsonw_string_field(&w, "policy", policy);
	jsonw_string_field(&w, "bundle", bundle);
	jsonw_end_object(&w);
	fputc('\n', f);
	if (fflush(f) || fsync(fileno(f)) || fclose(f)) {
		unlink(tmp);
		return -EIO;
	}
	if (rename(tmp, path)) {
		int e = -errno;

		unlink(tmp);
		return e;
	}
	return 0;
}

struct record {
	struct json_object o;
	char *text;
	const char *cgroup;
	__u64 cgid;
};

static int read_record(const char *path, struct record *rec)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	const char *n;

	memset(rec, 0, sizeof(*rec));
	if (fd < 0)
		return -errno;
	rec->text = oci_read_text(fd, 65536, path);
	close(fd);
	if (!rec->text || json_object_parse(rec->text, &rec->o, NULL, NULL)) {
		free(rec->text);
		rec->text = NULL;
		return -EINVAL;
	}
	rec->cgroup = json_get_str(&rec->o, "cgroup");
	n = json_get(&rec->o, "cgroup_id") ? json_get(&rec->o, "cgroup_id")->value : NULL;
	if (!n || policy_parse_number(n, false, 1, ~0ULL, &rec->cgid))
		rec->cgid = 0; /* refused below, as a record without an id */
	if (!rec->cgroup || !rec->cgid) {
		json_object_free(&rec->o);
		free(rec->text);
		rec->text = NULL;
		return -EINVAL;
	}
	return 0;
}

static void free_record(struct record *rec)
{
	json_object_free(&rec->o);
	free(rec->text);
}

/* The container's resolv.conf beside its record: RECORD_DIR/ID.resolv.conf for ID.json. */
static void resolv_path(const char *rec_path, char *buf, size_t n)
{
	size_t l = strlen(rec_path);

	snprintf(buf, n, "%.*s.resolv.conf", (int)(l > 5 ? l - 5 : l), rec_path);
}

/* A record and what lies beside it gone. */
static void remove_record(const char *rec_path)
{
	char conf[PATH_MAX];

	resolv_path(rec_path, conf, sizeof(conf));
	unlink(conf);
	unlink(rec_path);
}

/*
 * For a policy with names: the container's resolver, listening in its network namespace (the
 * host's when it has none), and its /etc/resolv.conf bound, in its mount namespace, to a file
 * naming only that resolver (RECORD_DIR/ID.resolv.conf); p reads that file. The daemon starts
 * later (resolver_daemon), once the policy is in. 0, 1 for a container that cannot have one (no
 * /etc/resolv.conf in its image), EXIT_BPFENCE (reported).
 */
static int oci_resolver(const struct oci_container *c, const char *root_path, const char *rootfs,
			const char *rec_path, struct policy *p, const struct bpfence_maps *m,
			__u64 cgid, struct resolver *r)
{
	char target[PATH_MAX], conf[PATH_MAX], seen[PATH_MAX];
	struct stat st;

	snprintf(seen, sizeof(seen), "%s/etc/resolv.conf", rootfs);
	if (stat(seen, &st) || !S_ISREG(st.st_mode)) {
		bpfence_report("refused", "policy '%s' names DNS names, and the container has no "
			       "/etc/resolv.conf file to point at bpfence's resolver: add one (any "
			       "content) to its image", p->name);
		return 1;
	}
	if (root_path[0] == '/')
		snprintf(target, sizeof(target), "%s/etc/resolv.conf", root_path);
	else
		snprintf(target, sizeof(target), "%s/%s/etc/resolv.conf", c->bundle, root_path);
	resolv_path(rec_path, conf, sizeof(conf));
	resolver_for(r, p, cgid, m);
	if (resolver_upstreams(r, RESOLVER_HOST_CONF) || resolver_open_in(r, (pid_t)c->pid) ||
	    resolver_mount_in(r, conf, (pid_t)c->pid, target) ||
	    policy_add_read(p, "/etc/resolv.conf")) {
		resolver_close(r);
		unlink(conf);
		return EXIT_BPFENCE;
	}
	return 0;
}

/* Remove what the record stands for: the policy, rules and counters of its invocation, and the
 * tags of its cgroups if they still exist (the kernel drops a removed cgroup's tag itself). */
static void release(const struct bpfence_maps *m, const struct record *rec, const char *root)
{
	char dir[PATH_MAX];

	snprintf(dir, sizeof(dir), "%s%s", root, rec->cgroup);
	invocation_release(m, dir, rec->cgid);
}

/* Collect the records of containers whose cgroup is gone (poststop never ran for them). */
void oci_collect(const struct bpfence_maps *m, const char *root, const char *skip)
{
	DIR *d = opendir(RECORD_DIR);
	struct dirent *de;

	if (!d)
		return;
	while ((de = readdir(d))) {
		char path[PATH_MAX], dir[PATH_MAX];
		struct record rec;
		__u64 id;
		size_t l = strlen(de->d_name);

		if (l < 6 || strcmp(de->d_name + l - 5, ".json"))
			continue;
		snprintf(path, sizeof(path), RECORD_DIR "/%s", de->d_name);
		if (skip && !strcmp(path, skip))
			continue;
		if (read_record(path, &rec))
			continue;
		snprintf(dir, sizeof(dir), "%s%s", root, rec.cgroup);
		if (cgroup_id(dir, &id) || id != rec.cgid) {
			release(m, &rec, root);
			remove_record(path);
			if (bpfence_debug()) {
				char a[BPFENCE_TEXT_MAX(PATH_MAX)], b[BPFENCE_TEXT_MAX(PATH_MAX)];

				/* The cgroup's path is the runtime's, the id the container's: escaped. */
				fprintf(stderr, "bpfence: debug: collected %s (cgroup %s is gone)\n",
					bpfence_text_escape(path, (size_t)-1, a, sizeof(a)),
					bpfence_text_escape(rec.cgroup, (size_t)-1, b, sizeof(b)));
			}
		}
		free_record(&rec);
	}
	closedir(d);
}

int oci_poststop(const char *id, const char *root, struct bpfence_maps *m, bool have_maps)
{
	char path[PATH_MAX];
	struct record rec;

	if (record_path(id, path, sizeof(path)) || read_record(path, &rec)) {
		/* Not restricted by this hook (or long gone): only collect. */
		if (have_maps)
			oci_collect(m, root, NULL);
		return 0;
	}
	if (have_maps) {
		release(m, &rec, root);
		oci_collect(m, root, path);
	}
	free_record(&rec);
	remove_record(path);
	return 0;
}

int oci_restrict(const struct oci_container *c, const char *root, struct bpfence_maps *m,
		 struct oci_restricted *out)
{
	char policy_file[PATH_MAX], conf_path[PATH_MAX], pid_path[PATH_MAX], self_path[PATH_MAX];
	char cg[PATH_MAX], dir[PATH_MAX], rootfs[PATH_MAX], rec_path[PATH_MAX], why[WHY_MAX];
	char err[POLICY_ERR_MAX], inv_id[BPFENCE_ID_MAX];
	struct json_object conf = {}, linux_o = {}, root_o = {};
	const char *cgroups_path = NULL, *root_path;
	struct policy p = {};
	char *conf_text = NULL;
	struct resolver res;
	__u64 cgid, existing;
	int fd, r, status = 1;

	resolver_init(&res);

	snprintf(policy_file, sizeof(policy_file), "%s/%s.policy", c->policy_dir, c->policy_name);
	if (policy_parse_file(policy_file, &p, err, sizeof(err))) {
		bpfence_report("invalid policy", "%s", err);
		return 1;
	}
	if (record_path(c->id, rec_path, sizeof(rec_path))) {
		bpfence_report("bad state", "container id is too long to keep a record of");
		goto out;
	}
	/* The bundle's config.json: where its root is, which cgroup it asked for. */
	snprintf(conf_path, sizeof(conf_path), "%s/config.json", c->bundle);
	fd = open(conf_path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		bpfence_report("bad bundle", "cannot open %s: %s", conf_path, strerror(errno));
		goto out;
	}
	conf_text = oci_read_text(fd, CONFIG_MAX, conf_path);
	close(fd);
	if (!conf_text || oci_parse_doc(conf_text, &conf, conf_path))
		goto out;
	r = json_get_object(&conf, "root", &root_o);
	root_path = r ? NULL : json_get_str(&root_o, "path");
	if (!root_path || !root_path[0]) {
		bpfence_report("bad bundle", "%s has no root.path", conf_path);
		goto out;
	}
	if (!json_get_object(&conf, "linux", &linux_o))
		cgroups_path = json_get_str(&linux_o, "cgroupsPath");
	/* Resolve the policy's paths in the container's own mount namespace, under its root: the
	 * init has mounted /dev, /proc and the volumes below the root path by now (createRuntime
	 * runs after those mounts, before pivot_root), and /proc/PID/root leads into that
	 * namespace. */
	if (root_path[0] == '/')
		snprintf(rootfs, sizeof(rootfs), "/proc/%ld/root%s", c->pid, root_path);
	else
		snprintf(rootfs, sizeof(rootfs), "/proc/%ld/root%s/%s", c->pid, c->bundle,
			 root_path);
	struct stat st;

	if (stat(rootfs, &st) || !S_ISDIR(st.st_mode)) {
		bpfence_report("bad bundle",
			       "the container's root %s is not a directory in its "
			       "process's mount namespace (%s)",
			       root_path, rootfs);
		goto out;
	}

	r = cgroup_of_pid(c->pid, pid_path, sizeof(pid_path));
	if (r) {
		bpfence_report("bad state",
			       "cannot find the cgroup of the container's process %ld: "
			       "%s",
			       c->pid, strerror(-r));
		goto out;
	}
	r = container_cgroup(pid_path, cgroups_path, cg, sizeof(cg), why, sizeof(why));
	if (r) {
		bpfence_report("cannot find the container's cgroup", "%s",
			       why[0] ? why : strerror(-r));
		goto out;
	}
	if (!strcmp(cg, "/") || !cg[0]) {
		bpfence_report("refused",
			       "the container's cgroup is the cgroup root; restricting it "
			       "would restrict the whole host");
		goto out;
	}
	if (!cgroup_of_pid(getpid(), self_path, sizeof(self_path)) && cgroup_within(self_path, cg)) {
		bpfence_report(
			"refused",
			"the container's cgroup %s holds this hook (%s): is the "
			"runtime using cgroup v1? bpfence needs the container in its own cgroup "
			"v2 cgroup",
			cg, self_path);
		goto out;
	}
	snprintf(dir, sizeof(dir), "%s%s", root, cg);
	r = cgroup_id(dir, &cgid);
	if (r) {
		bpfence_report("bad cgroup", "%s: %s", dir, strerror(-r));
		goto out;
	}
	if (!tag_lookup(m, cgid, &existing)) {
		bpfence_report("refused",
			       "cgroup %s is already tagged (invocation %llu, %s): its "
			       "policy applies; remove the annotation or the other tag",
			       cg, (unsigned long long)existing,
			       existing == cgid ? "by another tag of this cgroup"
						: "inside a tagged parent");
		goto out;
	}

	/* The invocation id users see in audit records: the container id when it fits. */
	if (strlen(c->id) < BPFENCE_ID_MAX && name_chars(c->id))
		snprintf(inv_id, sizeof(inv_id), "%s", c->id);
	else if (invocation_id_new(inv_id)) {
		bpfence_report("cannot tag", "no random id");
		goto out;
	}
	struct policy_vars vars = { .root = rootfs };

	/* A record under this id: a container of another runtime (its own state root) with the
	 * same id still running is refused; one whose cgroup is gone is collected. */
	struct record old;

	if (!read_record(rec_path, &old)) {
		char odir[PATH_MAX];
		__u64 oid;

		snprintf(odir, sizeof(odir), "%s%s", root, old.cgroup);
		if (!cgroup_id(odir, &oid) && oid == old.cgid) {
			bpfence_report("refused",
				       "a container with id %s is already restricted (cgroup "
				       "%s)",
				       c->id, old.cgroup);
			free_record(&old);
			goto out;
		}
		release(m, &old, root);
		free_record(&old);
		remove_record(rec_path);
	}
	/* The record first: a hook killed past this point (its timeout) leaves entries that the
	 * next hook run collects once the runtime has removed the cgroup. */
	r = write_record(rec_path, c->id, cg, cgid, inv_id, p.name, c->bundle);
	if (r) {
		bpfence_report("cannot record the container", "%s: %s", rec_path, strerror(-r));
		goto out;
	}
	if (resolver_needed(&p)) {
		r = oci_resolver(c, root_path, rootfs, rec_path, &p, m, cgid, &res);
		if (r) {
			remove_record(rec_path);
			status = r;
			goto out;
		}
		vars.resolver4 = res.addr4;
	}
	if (invocation_adopt(m, dir, cgid, inv_id, &p, &vars, BPFENCE_TAG_FROM_EXEC, ADOPT_CANARY)) {
		remove_record(rec_path);
		status = EXIT_BPFENCE; /* the canary was not denied: enforcement is not active */
		goto out;
	}
	/* The resolver serves from before the container's program starts until its last process is
	 * gone; without it the policy's names could not work, so the container does not start. */
	if (resolver_needed(&p)) {
		int cgfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

		if (cgfd < 0 || resolver_daemon(&res, cgfd) < 0) {
			if (cgfd < 0)
				bpfence_report("cannot start the container's resolver", "%s: %s", dir,
					       strerror(errno));
			else
				close(cgfd);
			invocation_release(m, dir, cgid);
			remove_record(rec_path);
			status = EXIT_BPFENCE;
			goto out;
		}
		close(cgfd);
	}
	snprintf(out->cgroup, sizeof(out->cgroup), "%s", cg);
	snprintf(out->policy, sizeof(out->policy), "%s", p.name);
	snprintf(out->invocation, sizeof(out->invocation), "%s", inv_id);
	status = 0;
out:
	resolver_close(&res);
	json_object_free(&root_o);
	json_object_free(&linux_o);
	json_object_free(&conf);
	free(conf_text);
	policy_free(&p);
	return status;
}

