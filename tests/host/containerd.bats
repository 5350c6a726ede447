#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-only
# tools/containerd: the bpfence runtime handler for containerd 1.6's CRI plugin and its base OCI
# spec, checked by Debian's containerd, ctr and runc themselves: containerd decodes the config
# and starts its CRI plugin with the spec, runc runs the spec and calls its hooks with the
# container's state. bpfence's oci-hook itself is replaced by a stand-in that records its input.

load helpers

PYTHON=/usr/bin/python3
CTD="$REPO/tools/containerd"

setup() {
	T="$BATS_TEST_TMPDIR"
}

teardown() {
	if [ -n "${CTD_PID:-}" ]; then
		kill "$CTD_PID" 2>/dev/null || true
		wait "$CTD_PID" 2>/dev/null || true
	fi
	if [ -n "${RUNC_ID:-}" ]; then
		runc --root "$T/runc" delete -f "$RUNC_ID" 2>/dev/null || true
	fi
}

# containerd's default config with the snippet appended, as tools/containerd/README.md says.
merged_config() {
	{ containerd config default; cat "${1:-$CTD/config.toml}"; } > "$T/config.toml"
}

# Every key of the snippet's runtime table is in containerd's decoded config with the same value
# (a misspelt key is dropped by the decoder, so it is missing there), every runc option is one
# that containerd's runc handler has, and the runc handler of the main file is still there.
snippet_survives() {
	containerd --config "$T/config.toml" config dump > "$T/dump.toml" || return 1
	"$PYTHON" - "$1" "$T/dump.toml" <<-'EOF'
		import sys, tomllib
		snippet = tomllib.load(open(sys.argv[1], "rb"))
		dump = tomllib.load(open(sys.argv[2], "rb"))
		cri = lambda c: c["plugins"]["io.containerd.grpc.v1.cri"]["containerd"]
		ours = cri(snippet)["runtimes"]["bpfence"]
		got = cri(dump)["runtimes"]["bpfence"]
		runc = cri(dump)["runtimes"]["runc"]
		for key, value in ours.items():
		    if key == "options":
		        continue
		    assert got.get(key) == value, f"{key}: containerd has {got.get(key)!r}, not {value!r}"
		for key, value in ours["options"].items():
		    assert key in runc["options"], f"options.{key}: not an option of runc.v2"
		    assert got["options"][key] == value, f"options.{key}"
		assert cri(dump)["default_runtime_name"] == "runc"
		assert runc["runtime_type"] == "io.containerd.runc.v2"
	EOF
}

@test "containerd decodes the handler appended to its default config, every key as written" {
	merged_config
	snippet_survives "$CTD/config.toml"
}

@test "the handler check fails on a misspelt key, a misspelt option, broken TOML" {
	for typo in 's/^  runtime_type =/  runtime_typ =/' 's/^  pod_annotations =/  pod_annotation =/' \
		's/SystemdCgroup = true/SystemdCgroups = true/' '0,/^\[plugins/s/\]$//'; do
		sed "$typo" "$CTD/config.toml" > "$T/typo.toml"
		! cmp -s "$CTD/config.toml" "$T/typo.toml" || fail_loudly "$typo changed nothing"
		merged_config "$T/typo.toml"
		run snippet_survives "$T/typo.toml"
		[ "$status" -ne 0 ] || fail_loudly "not caught: $typo"
	done
}

@test "imports would lose the main file's CRI settings (why the README says append)" {
	cat > "$T/main.toml" <<-EOF
		version = 2
		imports = ["$CTD/config.toml"]
		[plugins."io.containerd.grpc.v1.cri"]
		  sandbox_image = "example.org/pause:9"
	EOF
	run --separate-stderr containerd --config "$T/main.toml" config dump
	[ "$status" -eq 0 ]
	echo "$output" | "$PYTHON" -c '
import sys, tomllib
cri = tomllib.loads(sys.stdin.read())["plugins"]["io.containerd.grpc.v1.cri"]
assert "bpfence" in cri["containerd"]["runtimes"]
assert "runc" not in cri["containerd"]["runtimes"]
assert cri["sandbox_image"] != "example.org/pause:9"'
}

@test "bpfence-base-spec.json is this containerd's default spec plus the bpfence hooks" {
	run --separate-stderr "$CTD/base-spec" /usr/local/sbin
	[ "$status" -eq 0 ]
	[ "$output" = "$(cat "$CTD/bpfence-base-spec.json")" ]
	ctr oci spec > "$T/default.json"
	"$PYTHON" - "$CTD/bpfence-base-spec.json" "$T/default.json" "$CTD/config.toml" <<-'EOF'
		import json, sys, tomllib
		spec = json.load(open(sys.argv[1]))
		hooks = spec.pop("hooks")
		assert spec == json.load(open(sys.argv[2])), "not ctr oci spec's default"
		assert sorted(hooks) == ["createRuntime", "poststop"]
		for stage, entries in hooks.items():
		    [hook] = entries
		    assert hook["path"] == "/usr/local/sbin/bpfence"
		    extra = ["--default-policy", "function"] if stage == "createRuntime" else []
		    assert hook["args"] == ["bpfence", "oci-hook"] + extra + [stage], hook["args"]
		    assert isinstance(hook["timeout"], int) and hook["timeout"] > 0
		config = tomllib.load(open(sys.argv[3], "rb"))
		handler = config["plugins"]["io.containerd.grpc.v1.cri"]["containerd"]["runtimes"]["bpfence"]
		assert handler["base_runtime_spec"] == "/etc/containerd/bpfence-base-spec.json"
	EOF
}

# A runc bundle of the base spec: busybox as the root file system, the hooks pointed at a
# stand-in that logs its arguments and stdin (the container state) and exits with $1.
runc_bundle() {
	mkdir -p "$T/bundle/rootfs/bin"
	cp /bin/busybox "$T/bundle/rootfs/bin/"
	cat > "$T/hook" <<-EOF
		#!/bin/sh
		{ echo "\$*"; cat; echo; } >> "$T/hook.log"
		for a; do last=\$a; done
		[ "\$last" != createRuntime ] || [ $1 -eq 0 ] || { echo "stand-in: refused" >&2; exit $1; }
	EOF
	chmod +x "$T/hook"
	"$PYTHON" - "$CTD/bpfence-base-spec.json" "$T/bundle/config.json" "$T/hook" <<-'EOF'
		import json, sys
		spec = json.load(open(sys.argv[1]))
		for entries in spec["hooks"].values():
		    for hook in entries:
		        hook["path"] = sys.argv[3]
		spec["process"]["args"] = ["/bin/busybox", "touch", "/ran"]
		spec["annotations"] = {"org.bpfence.policy": "function"}
		json.dump(spec, open(sys.argv[2], "w"))
	EOF
	RUNC_ID=bpfencetest-$$-$BATS_TEST_NUMBER
}

@test "runc runs the base spec and calls both hooks with the container's id and annotation" {
	[ "$(id -u)" -eq 0 ] || skip "runc needs root"
	runc_bundle 0
	run runc --root "$T/runc" run --bundle "$T/bundle" "$RUNC_ID"
	[ "$status" -eq 0 ]
	[ -e "$T/bundle/rootfs/ran" ]
	"$PYTHON" - "$T/hook.log" "$RUNC_ID" <<-'EOF'
		import json, sys
		lines = open(sys.argv[1]).read().splitlines()
		assert [lines[0], lines[2]] == ["oci-hook --default-policy function createRuntime",
		                                "oci-hook poststop"], lines
		for state, status in ((json.loads(lines[1]), "creating"), (json.loads(lines[3]), "stopped")):
		    assert state["id"] == sys.argv[2] and state["status"] == status
		    assert state["annotations"]["org.bpfence.policy"] == "function"
	EOF
}

@test "a createRuntime hook that fails keeps the container's process from running" {
	[ "$(id -u)" -eq 0 ] || skip "runc needs root"
	runc_bundle 1
	run runc --root "$T/runc" run --bundle "$T/bundle" "$RUNC_ID"
	[ "$status" -ne 0 ]
	[[ "$output" == *"error running hook"*"stand-in: refused"* ]]
	[ ! -e "$T/bundle/rootfs/ran" ]
}

# containerd itself, on a private root, state and socket, with the appended handler.
start_containerd() {
	sed -e "s|^root = \"/var/lib/containerd\"|root = \"$T/root\"|" \
		-e "s|^state = \"/run/containerd\"|state = \"$T/state\"|" \
		-e "s|\"/run/containerd/containerd.sock\"|\"$T/containerd.sock\"|" \
		-e "s|\"/opt/containerd\"|\"$T/opt\"|" \
		-e "s|\"/etc/containerd/bpfence-base-spec.json\"|\"$T/bpfence-base-spec.json\"|" \
		"$T/config.toml" > "$T/private.toml"
	# Nothing of the host's containerd may be named any more.
	if sed '/^[[:space:]]*#/d' "$T/private.toml" |
		grep -n -e /var/lib/containerd -e '"/run/containerd' -e /opt/containerd -e /etc/containerd/bpfence; then
		fail_loudly "private.toml still names the host's containerd"
	fi
	nice containerd --config "$T/private.toml" > "$T/containerd.log" 2>&1 &
	CTD_PID=$!
	for _ in $(seq 100); do
		[ -S "$T/containerd.sock" ] && ctr --address "$T/containerd.sock" version >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	fail_loudly "containerd did not start: $(tail -n 5 "$T/containerd.log")"
}

cri_status() {
	ctr --address "$T/containerd.sock" plugins ls | awk '$1 == "io.containerd.grpc.v1" && $2 == "cri" {print $NF}'
}

@test "containerd starts its CRI plugin with the handler and its base spec; without the spec, CRI is down" {
	[ "$(id -u)" -eq 0 ] || skip "containerd needs root"
	merged_config
	cp "$CTD/bpfence-base-spec.json" "$T/bpfence-base-spec.json"
	start_containerd
	[ "$(cri_status)" = ok ]
	grep -q 'BaseRuntimeSpec:'"$T"'/bpfence-base-spec.json' "$T/containerd.log"
	kill "$CTD_PID"
	wait "$CTD_PID" || true
	rm -f "$T/bpfence-base-spec.json" "$T/containerd.sock"
	start_containerd
	[ "$(cri_status)" = error ]
	grep -q "failed to load base OCI spec" "$T/containerd.log"
}
