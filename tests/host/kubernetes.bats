#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-only
# tools/kubernetes: the manifests checked offline (no API server here): yamllint for the YAML,
# tests/helpers/kube-check for the objects (python3-kubernetes' models: unknown fields, types,
# required fields, and what an API server would refuse of these kinds), and their agreement
# with tools/containerd and the shipped policies.

load helpers

PYTHON=/usr/bin/python3
K8S="$REPO/tools/kubernetes"
KUBE_CHECK="$REPO/tests/helpers/kube-check"

manifests() { ls "$K8S"/*.yaml; }

@test "yamllint -s passes every manifest" {
	run yamllint -s -c "$K8S/.yamllint" $(manifests)
	[ "$status" -eq 0 ] || fail_loudly "$output"
	[ -z "$output" ]
}

@test "kube-check passes every manifest: Namespace, DaemonSet, RuntimeClass, Pod" {
	run --separate-stderr "$KUBE_CHECK" $(manifests)
	[ "$status" -eq 0 ] || fail_loudly "$stderr"
	[ -z "$stderr" ]
	kinds=$("$PYTHON" -c '
import sys, yaml
print(" ".join(sorted(d["kind"] for f in sys.argv[1:] for d in yaml.safe_load_all(open(f)) if d)))' $(manifests))
	[ "$kinds" = "DaemonSet Namespace Pod RuntimeClass" ]
}

# kube-check on FILE edited by a sed script must fail with a line ending in WHAT.
refused() {
	local file=$1 edit=$2 what=$3
	sed "$edit" "$K8S/$file" > "$BATS_TEST_TMPDIR/bad.yaml"
	! cmp -s "$K8S/$file" "$BATS_TEST_TMPDIR/bad.yaml" || fail_loudly "'$edit' changed nothing"
	run --separate-stderr "$KUBE_CHECK" "$BATS_TEST_TMPDIR/bad.yaml"
	[ "$status" -eq 1 ] || fail_loudly "not refused: $edit"
	[[ "$stderr" == *"$what"* ]] || fail_loudly "'$edit': expected '$what', got: $stderr"
}

@test "kube-check refuses misspelt fields, wrong types, missing required fields, unknown kinds" {
	refused daemonset.yaml 's/hostPID:/hostPid:/' "spec.template.spec.hostPid: unknown field"
	refused daemonset.yaml 's/mountPropagation:/mountPropogation:/' \
		"volumeMounts[0].mountPropogation: unknown field"
	refused daemonset.yaml 's/privileged: true/priviledged: true/' "securityContext.priviledged: unknown field"
	refused daemonset.yaml 's/privileged: true/privileged: "yes"/' "securityContext.privileged: bad value 'yes'"
	refused daemonset.yaml 's/^kind: DaemonSet/kind: DaemonSett/' "apps/v1 DaemonSett: no such type in the API"
	refused daemonset.yaml 's/^apiVersion: apps\/v1/apiVersion: v1/' "v1 DaemonSet: no such type in the API"
	refused runtimeclass.yaml 's/^handler:/handlr:/' "Invalid value for \`handler\`, must not be \`None\`"
	refused example-pod.yaml 's/runtimeClassName:/runtimeClass:/' "spec.runtimeClass: unknown field"
	refused example-pod.yaml 's/org.bpfence.policy: function/org.bpfence.policy: true/' \
		"metadata.annotations.org.bpfence.policy: bad value True"
	refused example-pod.yaml 's/    - name: function/    - nme: function/' \
		"Invalid value for \`name\`, must not be \`None\`"
}

@test "kube-check refuses what an API server would: selector, volumes, propagation, quantities, scope" {
	refused daemonset.yaml '/matchLabels:/{n;s/bpfenced/bpfence/}' \
		"spec.selector.matchLabels.app.kubernetes.io/name: not a label of the template"
	refused daemonset.yaml '/volumeMounts:/,/volumes:/s/name: host-sbin/name: host-sbim/' \
		"volumeMounts[0]: no volume named 'host-sbim'"
	refused daemonset.yaml 's/privileged: true/privileged: false/' \
		"Bidirectional propagation needs privileged"
	refused daemonset.yaml 's/memory: 64Mi/memory: 64 MB/' "not a quantity: '64 MB'"
	refused runtimeclass.yaml 's/^  name: bpfence$/&\n  namespace: default/' \
		"metadata.namespace: the kind is cluster-scoped"
}

@test "yamllint refuses a duplicate key, which the YAML loader alone would let through" {
	sed 's/^      hostPID: true/&\n      hostPID: false/' "$K8S/daemonset.yaml" > "$BATS_TEST_TMPDIR/dup.yaml"
	run yamllint -s -c "$K8S/.yamllint" "$BATS_TEST_TMPDIR/dup.yaml"
	[ "$status" -ne 0 ]
	[[ "$output" == *'duplication of key "hostPID"'* ]]
	run "$KUBE_CHECK" "$BATS_TEST_TMPDIR/dup.yaml"
	[ "$status" -eq 0 ]
}

@test "the manifests agree with tools/containerd and the shipped policies" {
	"$PYTHON" - "$K8S" "$REPO/tools/containerd" "$REPO/policies" <<-'EOF'
		import json, os, sys, tomllib, yaml
		k8s, ctd, policies = sys.argv[1:]
		objs = {}
		for f in os.listdir(k8s):
		    if f.endswith(".yaml"):
		        for d in yaml.safe_load_all(open(os.path.join(k8s, f))):
		            if d:
		                objs[d["kind"]] = d
		handler = tomllib.load(open(f"{ctd}/config.toml", "rb"))
		handler = handler["plugins"]["io.containerd.grpc.v1.cri"]["containerd"]["runtimes"]
		spec = json.load(open(f"{ctd}/bpfence-base-spec.json"))
		rc, pod, ds = objs["RuntimeClass"], objs["Pod"], objs["DaemonSet"]
		# The pod's RuntimeClass leads to containerd's handler, which passes its annotation on.
		assert pod["spec"]["runtimeClassName"] == rc["metadata"]["name"]
		assert rc["handler"] in handler
		[annotation] = pod["metadata"]["annotations"]
		assert annotation in handler[rc["handler"]]["pod_annotations"]
		# The policy it names is one the DaemonSet installs (the shipped ones).
		assert os.path.exists(f"{policies}/{pod['metadata']['annotations'][annotation]}.policy")
		# The init container installs what the hooks and the handler name, on the node's paths.
		[init] = ds["spec"]["template"]["spec"]["initContainers"]
		script = init["command"][-1]
		mounts = {m["name"]: m["mountPath"] for m in init["volumeMounts"]}
		host = {v["name"]: v["hostPath"]["path"] for v in ds["spec"]["template"]["spec"]["volumes"]}
		def on_node(path):
		    for name, where in mounts.items():
		        if path.startswith(where + "/"):
		            return host[name] + path[len(where):]
		for hook in spec["hooks"]["createRuntime"] + spec["hooks"]["poststop"]:
		    assert any(on_node(w) == hook["path"] for w in script.split()), hook["path"]
		base = handler[rc["handler"]]["base_runtime_spec"]
		assert any(on_node(w) == base for w in script.split()), base
		assert "/etc/bpfence/policies" in {on_node(w) for w in script.split()}
	EOF
}

@test "the example pod's check reports NOT restricted (and fails) when it runs unrestricted" {
	[ "$(id -u)" -eq 0 ] || skip "reads /etc/shadow: needs root to be the negative control"
	script=$("$PYTHON" -c '
import sys, yaml
[c] = yaml.safe_load(open(sys.argv[1]))["spec"]["containers"]
assert c["command"][:2] == ["/bin/sh", "-c"]
print(c["command"][2])' "$K8S/example-pod.yaml")
	run --separate-stderr sh -c "$script"
	[ "$status" -eq 1 ]
	[ "$stderr" = "bpfence-example: /etc/shadow is readable: NOT restricted" ]
}
