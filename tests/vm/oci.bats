#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-only
# Pairing with real runtimes (SECURITY.md row 36): runc and crun from Debian's packages run
# containers from a root file system directory built here (busybox-static and the static probe;
# no registry is reachable), with `bpfence oci-hook` as their createRuntime/poststop hooks, or
# below a cgroup that `bpfence tag` tagged beforehand. Every container shares the VM's network
# namespace and has the broker's directory bind-mounted, so the unannotated twin (the negative
# control) can reach everything the annotated one is denied. A restricted container reads its
# own cgroup's interface files, as its runtime would to size itself, and nothing else of
# cgroupfs (row 39).

load helpers

OCI=$FENCE_TMP/oci
ROOTFS=$OCI/rootfs
PDIR=$OCI/policies
CGPARENT=bpfence-oci-test
LOG=$FENCE_TMP/oci-audit.log

setup_file() {
	fence_setup_file
	command -v runc >/dev/null && command -v crun >/dev/null ||
		fail "runc and crun are needed (make test installs them from Debian)"
	rm -rf "$OCI"
	mkdir -p "$ROOTFS"/{bin,etc,dev,proc,sys,tmp,run/runner} "$PDIR"
	cp /bin/busybox "$ROOTFS/bin/busybox"
	local c
	for c in sh cat echo sleep true; do ln -s busybox "$ROOTFS/bin/$c"; done
	cp "$PROBE_SRC" "$ROOTFS/bin/probe"
	# The image's own /dev/null node: a grant on a device node grants the device (1:3) through
	# any node of it, such as the one in the /dev tmpfs a runtime makes for each container;
	# with a pre-tagged parent, resolved under --root, that is the only /dev/null to name.
	mknod -m 666 "$ROOTFS/dev/null" c 1 3
	echo granted >"$ROOTFS/etc/granted"
	echo secret >"$ROOTFS/etc/secret"
	# Paths name the container's own files: /bin, /etc/granted and /dev/null resolve under its
	# root, in its mount namespace (its /dev is the runtime's tmpfs, not the VM's).
	cat >"$PDIR/ctr.policy" <<EOF
[policy]
name = ctr

[network]
families = unix inet inet6

[broker]
unix = $BROKER_SOCK

[files]
read = /bin /etc/granted /dev/null
write = /dev/null /tmp
exec = /bin
map = /bin
EOF
	mkdir -p /sys/fs/cgroup/$CGPARENT
}

teardown_file() {
	rmdir /sys/fs/cgroup/$CGPARENT 2>/dev/null || true
}

setup() {
	daemon_setup
	mkdir -p "$BROKER_DIR"
	start_listener unix "$BROKER_SOCK" - 60
	start_listener tcp "$REMOTE" 9431 60
	BEFORE_TAGS=$(tag_count)
}

teardown() {
	local id
	if [[ -n ${DNSMASQ_PID-} ]]; then
		kill "$DNSMASQ_PID" 2>/dev/null
		umount /etc/resolv.conf
		DNSMASQ_PID=
	fi
	for id in "${CONTAINERS[@]}"; do
		runc --root "$OCI/runc" delete -f "$id" >/dev/null 2>&1
		crun --root "$OCI/crun" delete -f "$id" >/dev/null 2>&1
	done
	CONTAINERS=()
	stop_daemon
	fence_teardown
	[[ $(tag_count) == "$BEFORE_TAGS" ]] || fail "tags left behind: $(tag_count) (was $BEFORE_TAGS)"
	[[ -z $(ls /run/bpfence/oci 2>/dev/null) ]] || fail "records left behind: $(ls /run/bpfence/oci)"
}

CONTAINERS=()

tag_count() {
	"$BPFENCE" status --json | python3 -c 'import json,sys; print(json.load(sys.stdin).get("tagged_cgroups", "?"))'
}

# bundle ID POLICY|- [ARG...]: a bundle for container ID in $OCI/bundles/ID whose process runs
# ARGs, with the annotation naming POLICY (or none for -), the hooks, and cgroupsPath
# /CGPARENT/ID (BUNDLE_CGROUP overrides it). HOOK_TIMEOUT sets the hooks' timeout.
bundle() {
	local id=$1 policy=$2
	shift 2
	local b=$OCI/bundles/$id
	rm -rf "$b"
	mkdir -p "$b"
	(cd "$b" && runc spec) || return 1
	python3 - "$b/config.json" "$id" "$policy" "$ROOTFS" "$BPFENCE" "$PDIR" \
		"${BUNDLE_CGROUP:-/$CGPARENT/$id}" "${HOOK_TIMEOUT:-60}" "$BROKER_DIR" "$@" <<'EOF'
import json, sys
path, cid, policy, rootfs, bpfence, pdir, cgroup, timeout, broker = sys.argv[1:10]
args = sys.argv[10:]
c = json.load(open(path))
c["process"]["terminal"] = False
c["process"]["args"] = args
c["root"] = {"path": rootfs, "readonly": True}
c["hostname"] = cid[:60]
c["linux"]["namespaces"] = [n for n in c["linux"]["namespaces"] if n["type"] != "network"]
c["linux"]["cgroupsPath"] = cgroup
c["mounts"].append({"destination": broker, "type": "bind", "source": broker,
                    "options": ["rbind", "rw"]})
if policy != "-":
    c["annotations"] = {"org.bpfence.policy": policy}
hook = lambda stage: {"path": bpfence, "args": ["bpfence", "oci-hook", "--policy-dir", pdir, stage],
                      "timeout": int(timeout)}
c["hooks"] = {"createRuntime": [hook("createRuntime")], "poststop": [hook("poststop")]}
json.dump(c, open(path, "w"), indent=1)
EOF
}

# oci RUNTIME ARGS...: the runtime with its state under $OCI.
oci() {
	local rt=$1
	shift
	"$rt" --root "$OCI/$rt" "$@"
}

# run_container RUNTIME ID: `RUNTIME run` of bundle ID in the foreground (bats' run).
run_container() {
	CONTAINERS+=("$2")
	run --separate-stderr timeout 120 "$1" --root "$OCI/$1" run --bundle "$OCI/bundles/$2" "$2" </dev/null
}

# The probe run by the container, three times: the network, the broker, a file outside the
# policy, then what the policy grants (a file and /dev/null in the container's own /dev).
PROBES='probe connect tcp 192.0.2.1 9431; probe unix-connect '"$BROKER_SOCK"'; probe read /etc/secret; probe read /etc/granted; probe write /dev/null x'

restricted_output() {
	printf '%s\n' "EPERM connect" "EACCES connect" "EACCES open" "ok granted" "ok"
}

free_output() {
	printf '%s\n' "ok" "ok" "ok secret" "ok granted" "ok"
}

# records_for ID: the denial records naming container ID, as "hook class errno" lines.
records_for() {
	stop_daemon
	python3 - "$LOG" "$1" <<'EOF'
import json, sys
for line in open(sys.argv[1]):
    r = json.loads(line)
    if r.get("event") == "denial" and r.get("invocation") == sys.argv[2]:
        print(r["hook"], r["class"], r["errno"], r["policy"])
EOF
}

# The container reads its own cgroup's memory.max, as a runtime sizing its heap does (allowed:
# SECURITY.md row 39), and its cgroup.procs (never). Without a cgroup namespace (runc's default
# spec has none) runc and crun bind-mount the container's own cgroup on /sys/fs/cgroup.
CGROUP_PROBES='probe read /sys/fs/cgroup/memory.max; probe read /sys/fs/cgroup/cgroup.procs; '

restricted_by_hook() {
	local rt=$1 id=oci-$1-$RANDOM
	bundle "$id" ctr /bin/sh -c "$CGROUP_PROBES$PROBES"
	run_container "$rt" "$id"
	if [[ $status != 0 || $output != "$(printf '%s\n' "ok max" "EPERM open" \
		"$(restricted_output)")" ]]; then
		show_run
		fail "$rt: the annotated container was not restricted as expected"
	fi
	run records_for "$id"
	[[ $output == "$(printf '%s\n' "file_open system EPERM ctr" "socket_connect connect EPERM ctr" \
		"unix_stream_connect broker EACCES ctr" "file_open file EACCES ctr")" ]] ||
		fail "records naming $id:" "$output"
	# poststop removed the tag's policy and the record (teardown checks both).
	[[ ! -e /sys/fs/cgroup/$CGPARENT/$id ]]
}

free_without_annotation() {
	local rt=$1 id=oci-free-$1-$RANDOM
	bundle "$id" - /bin/sh -c "$CGROUP_PROBES$PROBES"
	run_container "$rt" "$id"
	# cgroup.procs: the container's shell, pid 1 in its own pid namespace, comes first.
	if [[ $status != 0 || $output != "$(printf '%s\n' "ok max" "ok 1" "$(free_output)")" ]]; then
		show_run
		fail "$rt: the container without the annotation was restricted"
	fi
	run records_for "$id"
	[[ -z $output ]]
}

@test "runc: an annotated container is denied network, broker and files (exact errno, records name the container); row 39: it reads its own cgroup's memory.max, never its cgroup.procs (EPERM)" {
	restricted_by_hook runc
}

@test "runc: the same container without the annotation is not restricted (negative control)" {
	free_without_annotation runc
}

@test "crun: an annotated container is denied network, broker and files (exact errno, records name the container); row 39: it reads its own cgroup's memory.max, never its cgroup.procs (EPERM)" {
	restricted_by_hook crun
}

@test "crun: the same container without the annotation is not restricted (negative control)" {
	free_without_annotation crun
}

# exec_into RUNTIME: a detached restricted container, then `RUNTIME exec` of the probes.
exec_into() {
	local rt=$1 id=oci-exec-$1-$RANDOM pid
	bundle "$id" ctr /bin/sleep 60
	CONTAINERS+=("$id")
	oci "$rt" run -d --bundle "$OCI/bundles/$id" "$id" </dev/null >/dev/null 2>"$BATS_TEST_TMPDIR/run.err" ||
		fail "$rt run -d: $(cat "$BATS_TEST_TMPDIR/run.err")"
	run --separate-stderr oci "$rt" exec "$id" /bin/sh -c "$PROBES"
	if [[ $status != 0 || $output != "$(restricted_output)" ]]; then
		show_run
		fail "$rt exec: not restricted as expected"
	fi
	oci "$rt" kill "$id" KILL
	for _ in $(seq 50); do
		[[ $(oci "$rt" state "$id" 2>/dev/null | json_get status) == '"stopped"' ]] && break
		sleep 0.1
	done
	oci "$rt" delete "$id"
}

@test "runc exec: a process that joins a restricted container later is restricted too" {
	exec_into runc
}

@test "crun exec: a process that joins a restricted container later is restricted too" {
	exec_into crun
}

@test "fail closed: an unknown policy, a path as policy name, or no programs: the container does not start" {
	local id=oci-unknown-$RANDOM
	bundle "$id" nosuch /bin/echo started
	run_container runc "$id"
	[[ $status != 0 && $output != *started* ]] || { show_run; fail "started with an unknown policy"; }
	[[ $stderr == *"nosuch.policy"* ]] || { show_run; fail "the error does not name the policy"; }

	id=oci-path-$RANDOM
	bundle "$id" ../policies/ctr /bin/echo started
	run_container crun "$id"
	[[ $status != 0 && $output != *started* ]] || { show_run; fail "started with a path as policy"; }

	# No programs, as the hook sees it: a bpffs without bpfence's pins.
	id=oci-unloaded-$RANDOM
	bundle "$id" ctr /bin/echo started
	CONTAINERS+=("$id")
	run unshare -m sh -c "mount -t bpf bpf /sys/fs/bpf && exec runc --root $OCI/runc run --bundle $OCI/bundles/$id $id </dev/null"
	[[ $status != 0 && $output != *started* ]] || { show_run; fail "started without programs"; }
	[[ $output == *"not loaded"* ]] || { show_run; fail "the error does not say the programs are not loaded"; }
}

@test "fail closed: a hook that times out stops the container" {
	local id=oci-timeout-$RANDOM
	HOOK_TIMEOUT=2 bundle "$id" ctr /bin/echo started
	# A load in progress holds bpffs exclusively: the hook waits for it, past its timeout.
	flock -x /sys/fs/bpf sleep 20 &
	local holder=$!
	sleep 0.5
	run_container runc "$id"
	kill "$holder" 2>/dev/null
	wait "$holder" 2>/dev/null || true
	[[ $status != 0 && $output != *started* ]] || { show_run; fail "started although the hook timed out"; }
}

# crun: the starts take half as long as with runc under emulation (runc re-executes a copy
# of its 10 MB self for every start); runc's own starts are the tests above and below. 50 starts
# under `make test-matrix` (BPFENCE_TEST_LONG=1), 10 under `make test`, which has to fit CI's time.
@test "back-to-back starts (crun; 50 in the matrix run): no user instruction ever ran unrestricted, nothing left behind" {
	local i id bad=0 n=10
	[[ ${BPFENCE_TEST_LONG-} == 1 ]] && n=50
	for i in $(seq "$n"); do
		id=oci-b2b-$i
		bundle "$id" ctr /bin/probe connect tcp 192.0.2.1 9431
		run_container crun "$id"
		if [[ $status != 1 || $output != "EPERM connect" ]]; then
			show_run
			bad=$((bad + 1))
		fi
	done
	((bad == 0)) || fail "$bad of $n starts ran their first instruction unrestricted or failed"
}

@test "the container's own setup is exempt only until its exec: a process joining from outside is restricted from its execve on" {
	local cg=/sys/fs/cgroup/$CGPARENT/join-$RANDOM
	mkdir "$cg"
	CLEANUP_CGROUPS+=("$cg")
	"$BPFENCE" tag --from-exec --root "$ROOTFS" --policy "$PDIR/ctr.policy" "$cg" >/dev/null
	# A shell that moves itself in reads the secret (not armed yet), then executes the probe,
	# which is restricted from its first instruction, and so is the probe's exec of another.
	run sh -c "echo \$\$ > $cg/cgroup.procs && read -r x < $ROOTFS/etc/secret && echo read:\$x && exec $ROOTFS/bin/probe read $ROOTFS/etc/secret"
	[[ $output == "$(printf '%s\n' "read:secret" "EACCES open")" ]] || { show_run; fail "not armed at exec"; }
	"$BPFENCE" untag "$cg" >/dev/null
}

@test "bpfence tag without --from-exec restricts the processes already in the cgroup at once" {
	local cg=/sys/fs/cgroup/$CGPARENT/present-$RANDOM
	mkdir "$cg"
	CLEANUP_CGROUPS+=("$cg")
	# Already inside, before the tag: a shell that waits, then opens by itself (no exec).
	# Its output file is opened before the tag (opening it later would be denied too).
	sh -c "exec 3>$BATS_TEST_TMPDIR/out; echo \$\$ > $cg/cgroup.procs; sleep 3; if read -r x < $ROOTFS/etc/secret; then echo open >&3; else echo denied >&3; fi" 2>/dev/null &
	local sh=$!
	sleep 1
	"$BPFENCE" tag --root "$ROOTFS" --policy "$PDIR/ctr.policy" "$cg" >/dev/null
	wait "$sh"
	"$BPFENCE" untag "$cg" >/dev/null
	[[ $(cat "$BATS_TEST_TMPDIR/out") == denied ]] || fail "a process present at tag time was not restricted: $(cat "$BATS_TEST_TMPDIR/out")"
}

@test "pre-tagged parent: runc and crun containers below a tagged cgroup start and are restricted" {
	local parent=/sys/fs/cgroup/$CGPARENT/parent-$RANDOM rt id
	mkdir "$parent"
	CLEANUP_CGROUPS+=("$parent")
	"$BPFENCE" tag --root "$ROOTFS" --policy "$PDIR/ctr.policy" "$parent" >/dev/null
	for rt in runc crun; do
		id=oci-parent-$rt-$RANDOM
		BUNDLE_CGROUP=${parent#/sys/fs/cgroup}/$id bundle "$id" - /bin/sh -c "$PROBES"
		run_container "$rt" "$id"
		if [[ $status != 0 || $output != "$(restricted_output)" ]]; then
			show_run
			fail "$rt below a tagged parent: not restricted as expected"
		fi
	done
	"$BPFENCE" untag "$parent" >/dev/null
}

@test "a pending process (the runtime's setup) cannot be ptraced by the container's restricted code" {
	local cg=/sys/fs/cgroup/$CGPARENT/ptrace-$RANDOM
	mkdir "$cg"
	CLEANUP_CGROUPS+=("$cg")
	"$BPFENCE" tag --from-exec --root "$ROOTFS" --policy "$PDIR/ctr.policy" "$cg" >/dev/null
	# The pending one: joins, never executes.
	sh -c "echo \$\$ > $cg/cgroup.procs; exec 0<&-; while :; do sleep 1; done" &
	local pending=$!
	sleep 0.5
	# The armed one: joins, executes the probe, which tries to read the pending one's memory.
	run sh -c "echo \$\$ > $cg/cgroup.procs && exec $ROOTFS/bin/probe read /proc/$pending/environ"
	kill "$pending"
	"$BPFENCE" untag "$cg" >/dev/null
	[[ $output == "EPERM open" || $output == "EACCES open" ]] || { show_run; fail "the pending process's memory was readable"; }
}

@test "poststop that never ran: the next hook collects the record of a container whose cgroup is gone" {
	local id=oci-crash-$RANDOM
	bundle "$id" ctr /bin/sleep 60
	CONTAINERS+=("$id")
	oci runc run -d --bundle "$OCI/bundles/$id" "$id" </dev/null >/dev/null 2>&1
	[[ -e /run/bpfence/oci/$id.json ]] || fail "no record for $id"
	# The runtime "crashes": the container is killed and its cgroup removed, no poststop.
	echo 1 >"/sys/fs/cgroup/$CGPARENT/$id/cgroup.kill"
	for _ in $(seq 50); do rmdir "/sys/fs/cgroup/$CGPARENT/$id" 2>/dev/null && break; sleep 0.1; done
	rm -rf "$OCI/runc/$id"
	[[ -e /run/bpfence/oci/$id.json ]]
	# Any later hook run collects it.
	echo '{"id": "someone-else"}' | "$BPFENCE" oci-hook poststop
	[[ ! -e /run/bpfence/oci/$id.json ]] || fail "the stale record was not collected"
}

# ------------------------------------------------------------------------------ podman

# podman keeps everything under $OCI (the VM's / is read-only) and takes its hooks from a
# hooks.d directory: --hooks-dir here; without it, podman 4.3 reads
# /usr/share/containers/oci/hooks.d and /etc/containers/oci/hooks.d (tools/podman/).
hooks_d() {
	mkdir -p "$OCI/hooks.d"
	local stage
	for stage in createRuntime poststop; do
		cat >"$OCI/hooks.d/bpfence-$stage.json" <<EOF
{
  "version": "1.0.0",
  "hook": {"path": "$BPFENCE", "args": ["bpfence", "oci-hook", "--policy-dir", "$PDIR", "$stage"], "timeout": 60},
  "when": {"annotations": {"^org\\\\.bpfence\\\\.policy\$": ".+"}},
  "stages": ["$stage"]
}
EOF
	done
}

podman_run() {
	local rt=$1
	shift
	run --separate-stderr timeout 300 podman --root "$OCI/podman/root" --runroot "$OCI/podman/run" \
		--storage-driver vfs --cgroup-manager cgroupfs --events-backend file \
		--hooks-dir "$OCI/hooks.d" run --rm --rootfs --runtime "$rt" --network host \
		-v "$BROKER_DIR:$BROKER_DIR" "$@"
}

@test "podman (runc and crun, hooks.d): an annotated container is restricted; without the annotation it is not" {
	command -v podman >/dev/null || fail "podman is needed (make test installs it from Debian)"
	hooks_d
	local rt
	for rt in runc crun; do
		podman_run "$rt" --cidfile "$BATS_TEST_TMPDIR/cid-$rt" --annotation org.bpfence.policy=ctr \
			"$ROOTFS" /bin/sh -c "$PROBES"
		if [[ $status != 0 || $output != "$(restricted_output)" ]]; then
			show_run
			fail "podman --runtime $rt: the annotated container was not restricted"
		fi
	done
	# The records name each container by podman's id.
	local want recs
	want=$(printf '%s\n' "socket_connect connect EPERM ctr" "unix_stream_connect broker EACCES ctr" \
		"file_open file EACCES ctr")
	for rt in runc crun; do
		recs=$(records_for "$(cat "$BATS_TEST_TMPDIR/cid-$rt")")
		start_daemon
		[[ $recs == "$want" ]] || fail "podman --runtime $rt: records naming the container:" "$recs"
	done
	podman_run runc "$ROOTFS" /bin/sh -c "$PROBES"
	if [[ $status != 0 || $output != "$(free_output)" ]]; then
		show_run
		fail "podman: the container without the annotation was restricted"
	fi
}

@test "podman --cgroup-parent below a tagged cgroup (--cgroups=no-conmon): restricted" {
	local parent=/sys/fs/cgroup/$CGPARENT/podparent-$RANDOM
	mkdir "$parent"
	CLEANUP_CGROUPS+=("$parent")
	"$BPFENCE" tag --root "$ROOTFS" --policy "$PDIR/ctr.policy" "$parent" >/dev/null
	podman_run crun --cgroups=no-conmon --cgroup-parent "${parent#/sys/fs/cgroup}" "$ROOTFS" /bin/sh -c "$PROBES"
	"$BPFENCE" untag "$parent" >/dev/null
	if [[ $status != 0 || $output != "$(restricted_output)" ]]; then
		show_run
		fail "podman below a tagged parent: not restricted as expected"
	fi
}

# ------------------------------------------------------------------------------ containerd

# containerd with the bpfence runtime handler of tools/containerd/ appended to its default
# configuration (as tools/containerd/README.md says to do), on private paths, CRI plugin on.
ctrd_start() {
	local d=$OCI/ctrd
	mkdir -p "$d"
	containerd config default | sed -e "s|^root = .*|root = \"$d/root\"|" \
		-e "s|^state = .*|state = \"$d/state\"|" \
		-e "s|\"/run/containerd/containerd.sock\"|\"$d/containerd.sock\"|" >"$d/config.toml"
	sed -e "s|/etc/containerd/bpfence-base-spec.json|$d/base-spec.json|" \
		-e "s|SystemdCgroup = true|SystemdCgroup = false|" \
		"$REPO/tools/containerd/config.toml" >>"$d/config.toml"
	# The handler's base spec, its hooks pointed at this build and the test's policies.
	python3 - "$REPO/tools/containerd/bpfence-base-spec.json" "$BPFENCE" "$PDIR" "$d/base-spec.json" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
for stage in s["hooks"].values():
    for h in stage:
        h["path"] = sys.argv[2]
        h["args"] = h["args"][:2] + ["--policy-dir", sys.argv[3]] + h["args"][2:]
json.dump(s, open(sys.argv[4], "w"))
PY
	containerd --config "$d/config.toml" >"$d/log" 2>&1 &
	CTRD=$!
	for _ in $(seq 300); do
		ctr -a "$d/containerd.sock" version >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	fail "containerd did not start: $(tail -5 "$d/log")"
}

ctrd_stop() {
	[[ -n ${CTRD:-} ]] && kill "$CTRD" && wait "$CTRD" 2>/dev/null
	CTRD=
}

# ctr_spec ID CGROUP ANNOTATION|- ARG...: the handler's base spec for one container, as CRI would
# fill it in: the process, the root, the pod's annotation, a kubelet-shaped cgroup (cgroupfs).
ctr_spec() {
	local id=$1 cgroup=$2 ann=$3
	shift 3
	python3 - "$OCI/ctrd/base-spec.json" "$OCI/ctrd/$id.json" "$ROOTFS" "$cgroup" "$ann" \
		"$BROKER_DIR" "$@" <<'PY'
import json, sys
src, dst, rootfs, cgroup, ann, broker = sys.argv[1:7]
s = json.load(open(src))
s["process"]["args"] = sys.argv[7:]
s["process"]["terminal"] = False
s["root"] = {"path": rootfs, "readonly": True}
s["linux"]["cgroupsPath"] = cgroup
s["linux"]["namespaces"] = [n for n in s["linux"]["namespaces"] if n["type"] != "network"]
s["mounts"].append({"destination": broker, "type": "bind", "source": broker, "options": ["rbind", "rw"]})
if ann != "-":
    s["annotations"] = {"org.bpfence.policy": ann}
json.dump(s, open(dst, "w"))
PY
}

@test "containerd 1.6 with the bpfence handler: a container from its base spec, in a kubelet-shaped cgroup, is restricted; the default policy covers a pod without the annotation" {
	command -v containerd >/dev/null || fail "containerd is needed (make test installs it from Debian)"
	ctrd_start
	local pod=pod$RANDOM id=ctr-$RANDOM id2=ctr-noann-$RANDOM st out err recs
	ctr_spec "$id" "/kubepods/besteffort/$pod/$id" ctr /bin/sh -c "$PROBES"
	run --separate-stderr timeout 300 ctr -a "$OCI/ctrd/containerd.sock" run --rm \
		--config "$OCI/ctrd/$id.json" "$id"
	st=$status out=$output err=$stderr
	# No annotation: the handler's --default-policy (function, from this test's policy dir).
	cp "$PDIR/ctr.policy" "$PDIR/function.policy"
	ctr_spec "$id2" "/kubepods/besteffort/$pod/$id2" - /bin/probe read /etc/secret
	run --separate-stderr timeout 300 ctr -a "$OCI/ctrd/containerd.sock" run --rm \
		--config "$OCI/ctrd/$id2.json" "$id2"
	local st2=$status out2=$output
	rm -f "$PDIR/function.policy"
	run records_for "$id"
	recs=$output
	ctrd_stop
	rmdir "/sys/fs/cgroup/kubepods/besteffort/$pod" /sys/fs/cgroup/kubepods/besteffort \
		/sys/fs/cgroup/kubepods 2>/dev/null || true
	status=$st output=$out stderr=$err
	if [[ $status != 0 || $output != "$(restricted_output)" ]]; then
		show_run
		fail "ctr run: not restricted as expected"
	fi
	[[ $recs == *"socket_connect connect EPERM ctr"* ]] || fail "no record naming $id: $recs"
	[[ $st2 == 1 && $out2 == "EACCES open" ]] || fail "without the annotation: status $st2, output $out2"
}

# podman without --hooks-dir, in a private mount namespace whose DIR/oci/hooks.d holds the hook
# files of tools/podman/ (their path pointed at this build and the test's policy directory).
podman_default_hooks() {
	local dir=$1 rt=$2
	shift 2
	local priv=$OCI/hooksdir-$RANDOM
	mkdir -p "$priv/oci/hooks.d"
	[[ -d $dir ]] && cp -a "$dir/." "$priv/"
	local f
	for f in "$REPO"/tools/podman/*.json; do
		python3 - "$f" "$BPFENCE" "$PDIR" >"$priv/oci/hooks.d/${f##*/}" <<'PY'
import json, sys
h = json.load(open(sys.argv[1]))
h["hook"]["path"] = sys.argv[2]
h["hook"]["args"] = h["hook"]["args"][:2] + ["--policy-dir", sys.argv[3]] + h["hook"]["args"][2:]
json.dump(h, sys.stdout)
PY
	done
	run --separate-stderr timeout 300 unshare -m sh -c 'mkdir -p "$1" 2>/dev/null; mount --bind "$2" "$1" && shift 2 && exec "$@"' \
		sh "$dir" "$priv" podman --root "$OCI/podman/root" --runroot "$OCI/podman/run" \
		--storage-driver vfs --cgroup-manager cgroupfs --events-backend file \
		run --rm --rootfs --runtime "$rt" --network host -v "$BROKER_DIR:$BROKER_DIR" "$@"
}

@test "podman 4.3 reads tools/podman's hook files from /usr/share/containers/oci/hooks.d (no --hooks-dir)" {
	podman_default_hooks /usr/share/containers crun --annotation org.bpfence.policy=ctr \
		"$ROOTFS" /bin/sh -c "$PROBES"
	if [[ $status != 0 || $output != "$(restricted_output)" ]]; then
		show_run
		fail "podman did not run the hooks from /usr/share/containers/oci/hooks.d"
	fi
}

@test "bpfence tag --strict: a process moved in while it runs is restricted at once, without an exec" {
	local cg=/sys/fs/cgroup/$CGPARENT/strict-$RANDOM
	mkdir "$cg"
	CLEANUP_CGROUPS+=("$cg")
	"$BPFENCE" tag --strict --root "$ROOTFS" --policy "$PDIR/ctr.policy" "$cg" >/dev/null
	run --separate-stderr sh -c "exec 3>&1; echo \$\$ > $cg/cgroup.procs; if read -r x < $ROOTFS/etc/secret; then echo open >&3; else echo denied >&3; fi"
	"$BPFENCE" untag "$cg" >/dev/null
	[[ $output == denied ]] || { show_run; fail "a process moved into a --strict cgroup was not restricted"; }
}

@test "the seccomp layer as an OCI profile (bpfence policy seccomp): runc, crun and podman accept it; unshare is EPERM, and without it ok" {
	"$BPFENCE" policy seccomp --output "$OCI/seccomp.json" "$PDIR/ctr.policy"
	local rt id
	for rt in runc crun; do
		id=oci-scmp-$rt-$RANDOM
		bundle "$id" - /bin/probe unshare-user
		python3 - "$OCI/bundles/$id/config.json" "$OCI/seccomp.json" <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))
c["linux"]["seccomp"] = json.load(open(sys.argv[2]))
c["process"]["capabilities"] = {k: ["CAP_SYS_ADMIN"] for k in ("bounding", "effective", "permitted")}
json.dump(c, open(sys.argv[1], "w"))
PY
		run_container "$rt" "$id"
		[[ $status == 1 && $output == "EPERM unshare" ]] || { show_run; fail "$rt with the profile"; }
	done
	podman_run crun --cap-add SYS_ADMIN --security-opt seccomp="$OCI/seccomp.json" "$ROOTFS" /bin/probe unshare-user
	[[ $status == 1 && $output == "EPERM unshare" ]] || { show_run; fail "podman with the profile"; }
	# The control: the same container without the profile may unshare.
	podman_run crun --cap-add SYS_ADMIN --security-opt seccomp=unconfined "$ROOTFS" /bin/probe unshare-user
	[[ $status == 0 && $output == ok ]] || { show_run; fail "podman without the profile"; }
}

@test "podman exec into a restricted container is restricted too" {
	hooks_d
	local id=oci-podexec-$RANDOM
	run --separate-stderr timeout 300 podman --root "$OCI/podman/root" --runroot "$OCI/podman/run" \
		--storage-driver vfs --cgroup-manager cgroupfs --events-backend file \
		--hooks-dir "$OCI/hooks.d" run -d --name "$id" --rootfs --runtime crun --network host \
		-v "$BROKER_DIR:$BROKER_DIR" --annotation org.bpfence.policy=ctr "$ROOTFS" /bin/sleep 60
	[[ $status == 0 ]] || { show_run; fail "podman run -d"; }
	run --separate-stderr timeout 120 podman --root "$OCI/podman/root" --runroot "$OCI/podman/run" \
		--storage-driver vfs --cgroup-manager cgroupfs --events-backend file exec "$id" /bin/sh -c "$PROBES"
	local st=$status out=$output err=$stderr
	timeout 120 podman --root "$OCI/podman/root" --runroot "$OCI/podman/run" --storage-driver vfs \
		--cgroup-manager cgroupfs --events-backend file --hooks-dir "$OCI/hooks.d" rm -f -t 0 "$id" >/dev/null 2>&1
	status=$st output=$out stderr=$err
	if [[ $status != 0 || $output != "$(restricted_output)" ]]; then
		show_run
		fail "podman exec: not restricted as expected"
	fi
}

@test "containerd: ctr task exec into a container below a pre-tagged parent (no hooks) is restricted, and so is the container" {
	ctrd_start
	local parent=/sys/fs/cgroup/$CGPARENT/ctrparent-$RANDOM id=ctr-exec-$RANDOM
	mkdir "$parent"
	CLEANUP_CGROUPS+=("$parent")
	"$BPFENCE" tag --root "$ROOTFS" --policy "$PDIR/ctr.policy" "$parent" >/dev/null
	ctr_spec "$id" "${parent#/sys/fs/cgroup}/$id" - /bin/sleep 60
	python3 -c 'import json,sys; s=json.load(open(sys.argv[1])); s.pop("hooks"); json.dump(s, open(sys.argv[1], "w"))' "$OCI/ctrd/$id.json"
	local c="ctr -a $OCI/ctrd/containerd.sock"
	$c run -d --config "$OCI/ctrd/$id.json" "$id" >/dev/null 2>"$BATS_TEST_TMPDIR/ctr.err" ||
		fail "ctr run -d: $(cat "$BATS_TEST_TMPDIR/ctr.err")"
	run --separate-stderr timeout 120 $c task exec --exec-id e1 "$id" /bin/sh -c "$PROBES"
	local st=$status out=$output err=$stderr
	$c task kill -s KILL "$id" >/dev/null 2>&1
	for _ in $(seq 50); do $c task rm "$id" >/dev/null 2>&1 && break; sleep 0.2; done
	$c container rm "$id" >/dev/null 2>&1
	ctrd_stop
	"$BPFENCE" untag "$parent" >/dev/null
	status=$st output=$out stderr=$err
	if [[ $status != 0 || $output != "$(restricted_output)" ]]; then
		show_run
		fail "ctr task exec below a tagged parent: not restricted as expected"
	fi
}

# names_container RUNTIME: a container whose policy names DNS names (SECURITY.md row 40), in the
# host's network namespace as every bundle here: dnsmasq plays the host's nameserver.
names_container() {
	local rt=$1 id=oci-names-$1-$RANDOM
	dnsmasq --keep-in-foreground --conf-file=/dev/null --listen-address=127.0.0.2 --bind-interfaces \
		--no-resolv --no-hosts --host-record=api.test,127.0.0.10 \
		--host-record=other.test,127.0.0.11 3>&- &
	DNSMASQ_PID=$!
	echo "nameserver 127.0.0.2" >"$BATS_TEST_TMPDIR/resolv.conf"
	mount --bind "$BATS_TEST_TMPDIR/resolv.conf" /etc/resolv.conf
	# The image's own resolv.conf, which the hook binds over.
	echo "nameserver 192.0.2.53" >"$ROOTFS/etc/resolv.conf"
	{ cat "$PDIR/ctr.policy"; printf '[network]\nallow = api.test tcp 18201\n'; } |
		sed 's/^name = ctr$/name = ctrnames/' >"$PDIR/ctrnames.policy"
	start_listener tcp 127.0.0.10 18201 60
	start_listener tcp 127.0.0.11 18201 60
	local steps='grep -c "^nameserver 127\." /etc/resolv.conf; nslookup -type=a api.test >/dev/null && echo resolved || echo refused; probe connect tcp 127.0.0.10 18201; nslookup -type=a other.test >/dev/null && echo resolved || echo refused; probe connect tcp 127.0.0.11 18201; probe connect udp 127.0.0.2 53'
	bundle "$id" ctrnames /bin/sh -c "$steps"
	run_container "$rt" "$id"
	# The last step's EPERM is the container's exit status.
	[[ $status == 1 && $output == "$(printf '%s\n' 1 resolved ok refused "EPERM connect" "EPERM connect")" ]] ||
		{ show_run; fail "$rt: the container's names were not resolved as its policy says"; }
	run records_for "$id"
	[[ $output == *"resolver dns EPERM ctrnames"* && $output == *"socket_connect connect EPERM ctrnames"* ]] ||
		fail "records naming $id:" "$output"
	# Without the annotation: the image's resolv.conf, and every name resolves through the host.
	bundle "$id-free" - /bin/sh -c "cat /etc/resolv.conf; probe connect tcp 127.0.0.11 18201"
	run_container "$rt" "$id-free"
	[[ $status == 0 && $output == "$(printf '%s\n' "nameserver 192.0.2.53" ok)" ]] ||
		{ show_run; fail "$rt: the free container"; }
	rm -f "$ROOTFS/etc/resolv.conf"
}

@test "runc: a policy with names gets a resolver in the container; allowed names connect, others are REFUSED and recorded (untagged: the image's resolv.conf)" {
	names_container runc
}

@test "crun: a policy with names gets a resolver in the container; allowed names connect, others are REFUSED and recorded (untagged: the image's resolv.conf)" {
	names_container crun
}
