#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-only
# bpfence policy check: the shipped policies are valid, errors are exact.

load helpers

@test "every shipped policy passes 'policy check'" {
	for f in "$REPO"/policies/*.policy "$REPO"/policies/examples/*.policy; do
		run "$BPFENCE" policy check "$f"
		[ "$status" -eq 0 ]
		[[ "$output" == "$f: ok: policy "* ]]
	done
}

@test "examples/audit.policy is function.policy in audit mode: the same lines but name and mode" {
	# Comments aside, the two differ in exactly these two lines; learn's loop depends on it
	# (run under audit.policy, merge into function.policy).
	strip() { grep -v -e '^[[:space:]]*#' -e '^[[:space:]]*$' "$1"; }
	run diff <(strip "$REPO/policies/function.policy") <(strip "$REPO/policies/examples/audit.policy")
	[ "$status" -eq 1 ]
	[ "$(grep -c '^[<>]' <<<"$output")" -eq 4 ]
	[[ $output == *"< name = function"* && $output == *"> name = function-audit"* ]]
	[[ $output == *"< mode = enforce"* && $output == *"> mode = audit"* ]]
}

@test "examples/api.policy is function.policy with names in [network]: allow and deny lines, nothing else" {
	strip() { grep -v -e '^[[:space:]]*#' -e '^[[:space:]]*$' "$1"; }
	run diff <(strip "$REPO/policies/function.policy") <(strip "$REPO/policies/examples/api.policy")
	[ "$status" -eq 1 ]
	[[ $output == *"< name = function"* && $output == *"> name = api"* ]]
	[ "$(grep -c '^<' <<<"$output")" -eq 1 ]
	[ "$(grep '^>' <<<"$output" | grep -cv -e '^> name = api$' -e '^> allow = [a-z*]' -e '^> deny = [a-z*]')" -eq 0 ]
	grep -qx '> allow = api.example.com tcp 443' <<<"$output"
	grep -qx '> allow = \*.githubusercontent.com tcp 443' <<<"$output"
	grep -qx '> deny = evil.example.com' <<<"$output"
}

@test "policy check counts allow and deny names beside the CIDR rules; a policy without names prints as before" {
	f="$BATS_TEST_TMPDIR/n.policy"
	printf '[network]\nallow = api.example.com tcp 443\nallow = *.example.org\nallow = 10.0.0.0/8\ndeny = evil.example.com *.ads.example.org\n' > "$f"
	run --separate-stderr "$BPFENCE" policy check "$f"
	[ "$status" -eq 0 ]
	[ -z "$stderr" ]
	[ "$output" = "$f: ok: policy 'n', mode enforce, connect deny, 1 allow rule(s), 2 allow name(s), 2 deny name(s), 0 path(s) of which 0 deny (0 resolved, 0 missing, 0 need --source/--scratch)" ]
	run --separate-stderr "$BPFENCE" policy check --json "$f"
	[ "$status" -eq 0 ]
	echo "$output" | python3 -c '
import json, sys
p = json.load(sys.stdin)
assert p["valid"] and p["allow_rules"] == 1 and p["allow_names"] == 2 and p["deny_names"] == 2, p'
	printf '[network]\nallow = 10.0.0.0/8\n' > "$f"
	run --separate-stderr "$BPFENCE" policy check "$f"
	[ "$output" = "$f: ok: policy 'n', mode enforce, connect deny, 1 allow rule(s), 0 path(s) of which 0 deny (0 resolved, 0 missing, 0 need --source/--scratch)" ]
	run --separate-stderr "$BPFENCE" policy check --json "$f"
	echo "$output" | python3 -c '
import json, sys
p = json.load(sys.stdin)
assert p["allow_rules"] == 1 and p["allow_names"] == 0 and p["deny_names"] == 0, p'
}

@test "policy check: a bad name, and names with connect = allow, are errors at their file:line:column" {
	f="$BATS_TEST_TMPDIR/bad.policy"
	printf '[network]\nallow = api.example.com tcp 443\nallow = foo.*.example.com\n' > "$f"
	run --separate-stderr "$BPFENCE" policy check "$f"
	[ "$status" -eq 1 ]
	[ -z "$output" ]
	[ "$stderr" = "bpfence: invalid policy: $f:3:13: '*' in name 'foo.*.example.com' (expected a wildcard as *.NAME, e.g. *.example.com: every name below example.com)" ]
	printf '[network]\nallow = api.example.com tcp 443\n[files]\nread = /usr\n[network]\nconnect = allow\n' > "$f"
	run --separate-stderr "$BPFENCE" policy check "$f"
	[ "$status" -eq 1 ]
	[ "$stderr" = "bpfence: invalid policy: $f:2:9: names need connect = deny: with connect = allow every address is reachable whatever a name resolves to" ]
	run --separate-stderr "$BPFENCE" policy check --json "$f"
	[ "$status" -eq 1 ]
	echo "$stderr" | python3 -c '
import json, sys
e = json.load(sys.stdin)
assert e["error"].endswith(":2:9: names need connect = deny: with connect = allow every address is reachable whatever a name resolves to"), e'
}

@test "policy check --json reports the resolved policy" {
	run "$BPFENCE" policy check --json --source "$REPO/policies" "$REPO/policies/function.policy"
	[ "$status" -eq 0 ]
	# ${scratch} is unbound here (only run binds it): each use of it is reported unbound.
	export SCRATCH_USES=$(grep -v '^[[:space:]]*#' "$REPO/policies/function.policy" | grep -o '${scratch}' | wc -l)
	echo "$output" | python3 -c '
import json, sys
p = json.load(sys.stdin)
assert p["valid"] and p["name"] == "function" and p["mode"] == "enforce" and p["connect"] == "deny", p
assert set(p["families"]) == {"unix", "inet", "inet6"}, p
import os
assert p["paths_resolved"] > 0 and p["paths_unbound"] == int(os.environ["SCRATCH_USES"]) > 0, p'
}

@test "policy check names file:line:column of an error and exits 1" {
	printf '[policy]\nname = x\nmode = enfroce\n' > "$BATS_TEST_TMPDIR/bad.policy"
	run --separate-stderr "$BPFENCE" policy check "$BATS_TEST_TMPDIR/bad.policy"
	[ "$status" -eq 1 ]
	[[ "$stderr" == "bpfence: invalid policy: $BATS_TEST_TMPDIR/bad.policy:3:8: "* ]]
}

@test "policy check reports paths that do not exist (they grant nothing)" {
	printf '[files]\nread = /usr /no/such/dir\n' > "$BATS_TEST_TMPDIR/missing.policy"
	run "$BPFENCE" policy check "$BATS_TEST_TMPDIR/missing.policy"
	[ "$status" -eq 0 ]
	[[ "$output" == *"1 missing"* ]]
	[[ "$output" == *"first: /no/such/dir"* ]]
}

@test "policy check counts deny paths, and warns (still valid) where a deny or an exec grant says less than it seems" {
	cat > "$BATS_TEST_TMPDIR/w.policy" <<'EOP'
[files]
read = /etc /srv/a
deny = /etc/shadow /var/lib/x
deny = /srv/a
write = ${scratch} /srv/w
exec = ${scratch} /usr
map = /srv/w/lib
EOP
	run --separate-stderr "$BPFENCE" policy check "$BATS_TEST_TMPDIR/w.policy"
	[ "$status" -eq 0 ]
	[ -z "$stderr" ]
	f="$BATS_TEST_TMPDIR/w.policy"
	[[ "${lines[0]}" == "$f: ok: policy 'w', "*", 10 path(s) of which 3 deny ("* ]]
	[ "$(grep -c ': warning: ' <<<"$output")" -eq 4 ]
	grep -qxF "$f:2:13: warning: read = /srv/a names the path of deny = /srv/a (line 4): the deny wins, this read grants nothing" <<<"$output"
	grep -qxF "$f:3:20: warning: deny = /var/lib/x is inside no grant: it takes nothing away (a deny is an exception inside a read, write, exec or map grant)" <<<"$output"
	grep -qxF "$f:6:8: warning: exec = \${scratch} lies inside write = \${scratch} (line 5): files the function writes there can run" <<<"$output"
	grep -qxF "$f:7:7: warning: map = /srv/w/lib lies inside write = /srv/w (line 5): files the function writes there can be mapped executable" <<<"$output"
	run --separate-stderr "$BPFENCE" policy check --json "$f"
	[ "$status" -eq 0 ]
	echo "$output" | python3 -c '
import json, sys
p = json.load(sys.stdin)
assert p["valid"] and p["paths"] == 10 and p["denies"] == 3, p
w = [(x["line"], x["col"], x["kind"]) for x in p["warnings"]]
assert w == [(2, 13, "deny_same_path"), (3, 20, "deny_unused"), (6, 8, "exec_writable"),
             (7, 7, "exec_writable")], w
assert all(x["message"] for x in p["warnings"])'
	# Variables compare as written unless bound: ${source} inside a grant of its directory.
	printf '[files]
read = %s
deny = ${source}/.git
' "$BATS_TEST_TMPDIR" > "$BATS_TEST_TMPDIR/v.policy"
	run "$BPFENCE" policy check "$BATS_TEST_TMPDIR/v.policy"
	[[ "$output" == *"v.policy:3:8: warning: deny = \${source}/.git is inside no grant"* ]]
	run "$BPFENCE" policy check --source "$BATS_TEST_TMPDIR" "$BATS_TEST_TMPDIR/v.policy"
	[[ "$output" != *"warning"* ]]
}

@test "policy without a subcommand is a usage error" {
	run "$BPFENCE" policy
	[ "$status" -eq 2 ]
}
