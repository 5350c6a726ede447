#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-only
# bpfence policy learn: from an audit-mode run's records to policy lines. The fixture is a Python
# function's run under policies/examples/audit.policy, in the records' own format
# (docs/audit.md): it reads /etc/ssl and /sys/devices/system/cpu, writes __pycache__ in its
# source, connects to 192.0.2.1:443, and tries /etc/shadow, the broker, cgroupfs and /proc/1.

load helpers

LOG="$REPO/tests/data/audit/learn.jsonl"
INV=5c1e0f3a9b7d4e21a0c8f6b2d4e19a77

# The fixture as if the function's source had been $BATS_TEST_TMPDIR/fn-42.
local_log() {
	mkdir -p "$BATS_TEST_TMPDIR/fn-42"
	sed "s|/srv/functions/fn-42|$BATS_TEST_TMPDIR/fn-42|g" "$LOG" > "$BATS_TEST_TMPDIR/audit.jsonl"
}

@test "learn --json: lines by section with counts and examples, warnings for what stays denied" {
	run --separate-stderr "$BPFENCE" policy learn --json --invocation "$INV" "$LOG"
	[ "$status" -eq 0 ]
	[ -z "$stderr" ]
	echo "$output" | python3 -c '
import json, sys
p = json.load(sys.stdin)
assert p["records"] == 19 and p["drops"] == 0, p
files = {(f["key"], f["value"]): f for f in p["files"]}
assert set(files) == {("read", "/etc/ssl/certs"), ("read", "/etc/ssl/openssl.cnf"),
                      ("read", "/sys/devices/system/cpu"), ("write", "/srv/functions/fn-42"),
                      ("exec", "/usr/local/bin/fetch-tool")}, files
assert files[("read", "/etc/ssl/openssl.cnf")]["count"] == 2
cpu = files[("read", "/sys/devices/system/cpu")]
assert cpu["count"] == 2 and cpu["example"] == "/sys/devices/system/cpu/online" and cpu["hook"] == "file_open", cpu
# mkdir in the source, the .pyc written and renamed: one grant of the source directory
assert files[("write", "/srv/functions/fn-42")]["count"] == 3
net = {(n["key"], n["value"]): n for n in p["network"]}
assert set(net) == {("allow", "192.0.2.1/32 tcp 443"), ("allow", "2001:db8::53/128 udp 53"),
                    ("families", "unix netlink")}, net
assert net[("allow", "192.0.2.1/32 tcp 443")]["example"] == "tcp 192.0.2.1:443"
kinds = {w["kind"]: w for w in p["warnings"]}
assert set(kinds) == {"broker", "cgroupfs", "secret", "proc", "unplaced"}, kinds
assert kinds["secret"]["example"] == "/etc/shadow" and "password" in kinds["secret"]["reason"]
assert kinds["cgroupfs"]["example"].startswith("/sys/fs/cgroup/")
assert kinds["proc"]["example"] == "/proc/1/environ"
values = [f["value"] for f in p["files"]] + [n["value"] for n in p["network"]]
for bad in ("/", "/etc", "/etc/ssl", "/etc/shadow", "/sys", "/sys/fs/cgroup", "/proc", "0.0.0.0/0"):
    assert not any(v == bad or v.startswith(bad + " ") for v in values), bad
'
}

@test "learn: the fragment merged into function.policy passes 'policy check'" {
	local_log
	run --separate-stderr "$BPFENCE" policy learn --invocation "$INV" \
		--source "$BATS_TEST_TMPDIR/fn-42" "$BATS_TEST_TMPDIR/audit.jsonl"
	[ "$status" -eq 0 ]
	echo "$output" > "$BATS_TEST_TMPDIR/fragment"
	grep -qx 'write = ${source}' "$BATS_TEST_TMPDIR/fragment"
	grep -qx 'allow = 192.0.2.1/32 tcp 443' "$BATS_TEST_TMPDIR/fragment"
	grep -qx '\[files\]' "$BATS_TEST_TMPDIR/fragment"
	! grep -q '/etc/shadow$' <(grep -v '^#' "$BATS_TEST_TMPDIR/fragment")
	cat "$REPO/policies/function.policy" "$BATS_TEST_TMPDIR/fragment" > "$BATS_TEST_TMPDIR/m.policy"
	run "$BPFENCE" policy check --json --source "$BATS_TEST_TMPDIR/fn-42" "$BATS_TEST_TMPDIR/m.policy"
	[ "$status" -eq 0 ]
	echo "$output" | python3 -c '
import json, sys
p = json.load(sys.stdin)
assert p["valid"] and p["allow_rules"] == 2 and "netlink" in p["families"], p'
}

@test "learn: warnings are loud, on stderr and as WARNING comments, each saying why" {
	run --separate-stderr "$BPFENCE" policy learn --invocation "$INV" "$LOG"
	[ "$status" -eq 0 ]
	[[ "$stderr" == *"bpfence: warning: 1 denial of /etc/shadow (file_open): not proposed: a secret"* ]]
	[[ "$stderr" == *"bpfence: warning: 1 denial of broker.sock (unix_stream_connect): not proposed: the runner's broker"* ]]
	[[ "$stderr" == *"/sys/fs/cgroup/bpfence/57/cgroup.procs (file_open): not proposed: cgroupfs"* ]]
	[[ "$output" == *"# WARNING: 1 denial of /proc/1/environ (file_open): not proposed: /proc/PID"* ]]
	[[ "$output" == *$'# 2 denials, e.g. /etc/ssl/openssl.cnf (file_open)\nread = /etc/ssl/openssl.cnf'* ]]
}

@test "learn --invocation keeps one invocation; without it every denial counts" {
	run --separate-stderr "$BPFENCE" policy learn --json "$LOG"
	[ "$status" -eq 0 ]
	echo "$output" | python3 -c '
import json, sys
p = json.load(sys.stdin)
assert p["records"] == 20 and {"key": "read", "value": "/etc/passwd"}.items() <= next(
    f for f in p["files"] if f["value"] == "/etc/passwd").items(), p'
	run --separate-stderr "$BPFENCE" policy learn --json --invocation 0b7f "$LOG"
	[ "$status" -eq 0 ]
	echo "$output" | python3 -c '
import json, sys
p = json.load(sys.stdin)
assert p["records"] == 1 and [f["value"] for f in p["files"]] == ["/etc/passwd"] and not p["warnings"], p'
}

@test "learn reads stdin with '-' and --log FILE alike" {
	run --separate-stderr "$BPFENCE" policy learn --invocation "$INV" - < "$LOG"
	[ "$status" -eq 0 ]
	stdin_out=$(echo "$output" | tail -n +2)
	run --separate-stderr "$BPFENCE" policy learn --invocation "$INV" --log "$LOG"
	[ "$status" -eq 0 ]
	[ "$(echo "$output" | tail -n +2)" = "$stdin_out" ]
}

@test "learn: a damaged record names file, line and column, exit 1" {
	{ sed -n 1,3p "$LOG"; echo '{"event": "denial", "path": "/x" "access": "read"}'; sed -n 4p "$LOG"; } \
		> "$BATS_TEST_TMPDIR/bad.jsonl"
	run --separate-stderr "$BPFENCE" policy learn "$BATS_TEST_TMPDIR/bad.jsonl"
	[ "$status" -eq 1 ]
	[ -z "$output" ]
	[ "$stderr" = "bpfence: bad audit record: $BATS_TEST_TMPDIR/bad.jsonl:4:34: expected ',' or '}' (each line is one JSON object, as bpfenced writes them)" ]
}

@test "learn: an incomplete last record (still being written) is skipped with a warning" {
	{ cat "$LOG"; printf '{"event": "denial", "inv'; } > "$BATS_TEST_TMPDIR/partial.jsonl"
	run --separate-stderr "$BPFENCE" policy learn --invocation "$INV" "$BATS_TEST_TMPDIR/partial.jsonl"
	[ "$status" -eq 0 ]
	[[ "$stderr" == *"bpfence: warning: $BATS_TEST_TMPDIR/partial.jsonl:22: skipped an incomplete last record"* ]]
}

@test "learn: no denials (empty log, or an invocation that is not there) says so, exit 1" {
	: > "$BATS_TEST_TMPDIR/empty.jsonl"
	run --separate-stderr "$BPFENCE" policy learn "$BATS_TEST_TMPDIR/empty.jsonl"
	[ "$status" -eq 1 ]
	[ -z "$output" ]
	[ "$stderr" = "bpfence: no denials found: $BATS_TEST_TMPDIR/empty.jsonl" ]
	run --separate-stderr "$BPFENCE" policy learn --json --invocation ffff "$LOG"
	[ "$status" -eq 1 ]
	echo "$output" | python3 -c '
import json, sys
p = json.load(sys.stdin)
assert p["records"] == 0 and p["files"] == [] and p["network"] == [] and p["warnings"] == [], p'
	echo "$stderr" | python3 -c '
import json, sys
e = json.load(sys.stdin)
assert e["error"].startswith("no denials found: ") and e["error"].endswith(" for invocation ffff"), e'
}

@test "learn: missing log and bad arguments" {
	run --separate-stderr "$BPFENCE" policy learn --log /nonexistent/audit.jsonl
	[ "$status" -eq 1 ]
	[ "$stderr" = "bpfence: cannot read the audit log: /nonexistent/audit.jsonl: No such file or directory" ]
	run --separate-stderr "$BPFENCE" policy learn --log "$LOG" "$LOG"
	[ "$status" -eq 2 ]
	run --separate-stderr "$BPFENCE" policy learn --frobnicate
	[ "$status" -eq 2 ]
	[[ "$stderr" == *"unknown or incomplete option '--frobnicate'"* ]]
}

@test "learn: names a function chose are escaped in what a person reads" {
	printf '{"event": "denial", "hook": "file_open", "class": "file", "object": "file", "path": "/srv/a\\u001b[31m", "access": "read"}\n' \
		> "$BATS_TEST_TMPDIR/esc.jsonl"
	run --separate-stderr "$BPFENCE" policy learn "$BATS_TEST_TMPDIR/esc.jsonl"
	[ "$status" -eq 0 ]
	[[ "$stderr" == *'/srv/a\x1b[31m (file_open): not proposed: a control byte'* ]]
	[[ "$output" != *$'\e'* && "$stderr" != *$'\e'* ]]
}

@test "policy --help and policy learn --help show learn with an example" {
	run "$BPFENCE" policy --help
	[ "$status" -eq 0 ]
	[[ "$output" == *"bpfence policy learn"* ]]
	run "$BPFENCE" policy learn --help
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" == "Usage: bpfence policy learn "* ]]
	[[ "$output" == *$'Example:\n  '* ]]
}

# --into: the target policy is a copy of function.policy (as a user merges into their own), so
# that line numbers in messages are read from the file under test, never written down here.
into_policy() {
	cp "$REPO/policies/function.policy" "$BATS_TEST_TMPDIR/fn.policy"
	cp "$BATS_TEST_TMPDIR/fn.policy" "$BATS_TEST_TMPDIR/fn.policy.orig"
}

@test "learn --into: the whole policy, lines in their sections (each once), every original line kept" {
	local_log
	into_policy
	run --separate-stderr "$BPFENCE" policy learn --invocation "$INV" \
		--source "$BATS_TEST_TMPDIR/fn-42" --into "$BATS_TEST_TMPDIR/fn.policy" \
		"$BATS_TEST_TMPDIR/audit.jsonl"
	[ "$status" -eq 0 ]
	echo "$output" > "$BATS_TEST_TMPDIR/merged.policy"
	cmp "$BATS_TEST_TMPDIR/fn.policy" "$BATS_TEST_TMPDIR/fn.policy.orig"
	# Only additions: every line of the policy, comments included, in its order.
	! diff "$BATS_TEST_TMPDIR/fn.policy" "$BATS_TEST_TMPDIR/merged.policy" | grep -q '^[<-]'
	for sec in files network; do
		[ "$(grep -c "^\[$sec\]" "$BATS_TEST_TMPDIR/merged.policy")" -eq 1 ]
	done
	# Each added line under a comment saying it was learned, from which run and what.
	grep -A1 -x '# learned from invocation 5c1e0f3a9b7d: 3 denials, e.g. .*/fn-42/__pycache__/main.cpython-311.pyc.140233 (file_open)' \
		"$BATS_TEST_TMPDIR/merged.policy" | tail -n 1 | grep -qx 'write = ${source}'
	added=$(diff "$BATS_TEST_TMPDIR/fn.policy" "$BATS_TEST_TMPDIR/merged.policy" | sed -n 's/^> //p')
	[ "$(grep -c '^[a-z_]* = ' <<<"$added")" -eq "$(grep -c '^# learned from invocation ' <<<"$added")" ]
	# In its section: the allow line after [network]'s header, before [broker]'s.
	awk '/^\[/ { sec = $0 } /^allow = 192.0.2.1\/32 tcp 443$/ { print sec }' \
		"$BATS_TEST_TMPDIR/merged.policy" | grep -qx '\[network\]'
	[[ "$stderr" == *"bpfence: 4 line(s) learned into $BATS_TEST_TMPDIR/fn.policy;"* ]]
	run "$BPFENCE" policy check --json --source "$BATS_TEST_TMPDIR/fn-42" "$BATS_TEST_TMPDIR/merged.policy"
	[ "$status" -eq 0 ]
	echo "$output" | python3 -c '
import json, sys
p = json.load(sys.stdin)
assert p["valid"] and p["allow_rules"] == 2 and "netlink" in p["families"] and not p["warnings"], p'
}

@test "learn --into again with nothing new changes nothing" {
	local_log
	into_policy
	"$BPFENCE" policy learn --invocation "$INV" --source "$BATS_TEST_TMPDIR/fn-42" \
		--into "$BATS_TEST_TMPDIR/fn.policy" "$BATS_TEST_TMPDIR/audit.jsonl" \
		> "$BATS_TEST_TMPDIR/once.policy" 2>/dev/null
	run --separate-stderr "$BPFENCE" policy learn --invocation "$INV" \
		--source "$BATS_TEST_TMPDIR/fn-42" --into "$BATS_TEST_TMPDIR/once.policy" \
		"$BATS_TEST_TMPDIR/audit.jsonl"
	[ "$status" -eq 0 ]
	[ "$output" = "$(cat "$BATS_TEST_TMPDIR/once.policy")" ]
	[[ "$stderr" == *"bpfence: 0 line(s) learned into "* ]]
	# No denial at all: the policy as it is, and the answer "no" (exit 1).
	: > "$BATS_TEST_TMPDIR/empty.jsonl"
	run --separate-stderr "$BPFENCE" policy learn --into "$BATS_TEST_TMPDIR/once.policy" \
		"$BATS_TEST_TMPDIR/empty.jsonl"
	[ "$status" -eq 1 ]
	[ "$output" = "$(cat "$BATS_TEST_TMPDIR/once.policy")" ]
	[ "$stderr" = "bpfence: no denials found: $BATS_TEST_TMPDIR/empty.jsonl" ]
}

@test "learn --into: what a deny of the policy refuses is a warning naming that deny, never a line" {
	into_policy
	deny=$(grep -n '^deny = /etc/shadow ' "$BATS_TEST_TMPDIR/fn.policy" | cut -d: -f1)
	[ -n "$deny" ]
	run --separate-stderr "$BPFENCE" policy learn --invocation "$INV" \
		--into "$BATS_TEST_TMPDIR/fn.policy" "$LOG"
	[ "$status" -eq 0 ]
	[[ "$stderr" == *"bpfence: warning: 1 denial of /etc/shadow (file_open): not proposed: a deny line of the policy refuses it"*"($BATS_TEST_TMPDIR/fn.policy:$deny: deny = /etc/shadow)"* ]]
	! grep -q '/etc/shadow' <(grep -v '^#' <<<"$output")
	run --separate-stderr "$BPFENCE" policy learn --json --invocation "$INV" \
		--into "$BATS_TEST_TMPDIR/fn.policy" "$LOG"
	[ "$status" -eq 0 ]
	echo "$output" | DENY=$deny FILE="$BATS_TEST_TMPDIR/fn.policy" python3 -c '
import json, os, sys
p = json.load(sys.stdin)
w = [w for w in p["warnings"] if w["kind"] == "deny"]
assert len(w) == 1 and w[0]["example"] == "/etc/shadow", p["warnings"]
assert w[0]["cause"] == "%s:%s: deny = /etc/shadow" % (os.environ["FILE"], os.environ["DENY"]), w
assert p["into"] == os.environ["FILE"] and p["policy"].startswith("# SPDX"), p["into"]
lines = p["policy"].split("\n")
for f in p["files"] + p["network"]:
    line = lines[f["line"] - 1]
    assert line.startswith(f["key"] + " = "), (f, line)
    above = lines[f["line"] - 3:f["line"] - 1]
    assert any(l.startswith("# learned from invocation 5c1e0f3a9b7d: ") for l in above), f
assert p["granted"] > 0 and p["files"], p'
}

@test "learn --into: exec of what the function wrote is proposed for its place, with a NOTE" {
	mkdir -p "$BATS_TEST_TMPDIR/scratch"
	printf '[files]\nread = /usr ${scratch}\nexec = /usr\nwrite = ${scratch}\n' > "$BATS_TEST_TMPDIR/c.policy"
	for f in a.out lib/x.so; do
		printf '{"event": "denial", "invocation": "%s", "hook": "bprm_check_security", "class": "file", "object": "file", "path": "%s", "access": "%s"}\n' \
			"$INV" "$BATS_TEST_TMPDIR/scratch/$f" "$([ "$f" = a.out ] && echo exec || echo map)"
	done > "$BATS_TEST_TMPDIR/wx.jsonl"
	run --separate-stderr "$BPFENCE" policy learn --scratch "$BATS_TEST_TMPDIR/scratch" \
		--into "$BATS_TEST_TMPDIR/c.policy" "$BATS_TEST_TMPDIR/wx.jsonl"
	[ "$status" -eq 0 ]
	# One line, for the place: a line for the file would be cancelled (or skipped: it does not
	# exist when the policy is loaded); map folds into exec, which implies it.
	[ "$(grep -c '^exec = ' <<<"$output")" -eq 2 ]
	[[ "$output" == *$'\n# NOTE: a place the function may write: with this line it can run what it writes there (nothing it wrote runs otherwise) ('"$BATS_TEST_TMPDIR"$'/c.policy:4: write = ${scratch})\nexec = ${scratch}'* ]]
	! grep -q '^map = ' <<<"$output"
	[[ "$stderr" == *'bpfence: warning: exec = ${scratch} for 2 denials of '*'/scratch/a.out (bprm_check_security): a place the function may write'* ]]
	echo "$output" > "$BATS_TEST_TMPDIR/m.policy"
	run "$BPFENCE" policy check "$BATS_TEST_TMPDIR/m.policy"
	[ "$status" -eq 0 ]
	[[ "$output" == *"m.policy:8:8: warning: exec = \${scratch} lies inside write = \${scratch} (line 4): files the function writes there can run"* ]]
}

@test "learn --into: a missing or invalid policy is an error with file:line:column, exit 1" {
	run --separate-stderr "$BPFENCE" policy learn --into /nonexistent/x.policy "$LOG"
	[ "$status" -eq 1 ]
	[ -z "$output" ]
	[ "$stderr" = "bpfence: invalid policy: /nonexistent/x.policy: cannot read: No such file or directory" ]
	printf '[files]\nread = /usr\ndeny = etc/shadow\n' > "$BATS_TEST_TMPDIR/bad.policy"
	run --separate-stderr "$BPFENCE" policy learn --into "$BATS_TEST_TMPDIR/bad.policy" "$LOG"
	[ "$status" -eq 1 ]
	[ -z "$output" ]
	[[ "$stderr" == "bpfence: invalid policy: $BATS_TEST_TMPDIR/bad.policy:3:8: relative path 'etc/shadow' "* ]]
	run --separate-stderr "$BPFENCE" policy learn --json --into "$BATS_TEST_TMPDIR/bad.policy" "$LOG"
	[ "$status" -eq 1 ]
	echo "$stderr" | python3 -c '
import json, sys
e = json.load(sys.stdin)
assert e["error"].startswith("invalid policy: ") and ":3:8: relative path" in e["error"], e'
}

# Records of a function that reaches services by name (docs/audit.md: a connect record carries
# the name the invocation's resolver answered its address for; class dns is a refused query).
name_log() {
	rec() { # ADDRESS PROTOCOL PORT [NAME]
		printf '{"event": "denial", "invocation": "%s", "hook": "socket_connect", "class": "connect", "action": "audited", "errno": null, "object": "inet", "family": "inet", "protocol": "%s", "address": "%s", "port": %s%s}\n' \
			"$INV" "$2" "$1" "$3" "${4:+, \"name\": \"$4\"}"
	}
	dns() { # NAME REASON
		printf '{"event": "denial", "invocation": "%s", "hook": "resolver", "class": "dns", "action": "denied", "errno": "EPERM", "object": "dns", "name": "%s", "qtype": "A", "reason": "%s"}\n' \
			"$INV" "$1" "$2"
	}
	{
		rec 192.0.2.10 tcp 443 api.example.com
		rec 192.0.2.11 tcp 443 api.example.com # another address of the same name: one line
		rec 192.0.2.10 tcp 443 API.Example.COM. # as asked: the same name
		rec 198.51.100.7 tcp 443 raw.githubusercontent.com
		rec 192.0.2.53 udp 53 ns.example.net
		rec 203.0.113.9 tcp 8080 # no name: the address, as before
		rec 203.0.113.10 tcp 80 'bad name!' # no policy line could hold it: the address
		dns unlisted.example.org unlisted
		dns evil.example.com denied
	} > "$BATS_TEST_TMPDIR/names.jsonl"
}

@test "learn: a connect record with a name proposes allow = NAME PROTO PORT, once; dns records propose nothing and warn nothing" {
	name_log
	run --separate-stderr "$BPFENCE" policy learn --json "$BATS_TEST_TMPDIR/names.jsonl"
	[ "$status" -eq 0 ]
	[ -z "$stderr" ]
	echo "$output" | python3 -c '
import json, sys
p = json.load(sys.stdin)
assert p["records"] == 9 and not p["warnings"] and not p["files"], p
net = {n["value"]: n for n in p["network"]}
assert [n["key"] for n in p["network"]] == ["allow"] * 5, p["network"]
assert set(net) == {"api.example.com tcp 443", "raw.githubusercontent.com tcp 443",
                    "ns.example.net udp 53", "203.0.113.9/32 tcp 8080",
                    "203.0.113.10/32 tcp 80"}, net
assert net["api.example.com tcp 443"]["count"] == 3, net
assert net["api.example.com tcp 443"]["example"] == "api.example.com tcp 192.0.2.10:443", net'
	# As text, and pasted after function.policy: a policy that parses, names counted.
	run --separate-stderr "$BPFENCE" policy learn "$BATS_TEST_TMPDIR/names.jsonl"
	[ "$status" -eq 0 ]
	[ -z "$stderr" ]
	[[ "$output" == *$'# 3 denials, e.g. api.example.com tcp 192.0.2.10:443 (socket_connect)\nallow = api.example.com tcp 443\n'* ]]
	[ "$(grep -c '^allow = api.example.com ' <<<"$output")" -eq 1 ]
	cat "$REPO/policies/function.policy" - <<<"$output" > "$BATS_TEST_TMPDIR/m.policy"
	run "$BPFENCE" policy check --json "$BATS_TEST_TMPDIR/m.policy"
	[ "$status" -eq 0 ]
	echo "$output" | python3 -c '
import json, sys
p = json.load(sys.stdin)
assert p["valid"] and p["allow_rules"] == 2 and p["allow_names"] == 3 and p["deny_names"] == 0, p'
}

@test "learn: only refused queries (class dns) is no error and no warning, and nothing to propose" {
	name_log
	grep '"class": "dns"' "$BATS_TEST_TMPDIR/names.jsonl" > "$BATS_TEST_TMPDIR/dns.jsonl"
	run --separate-stderr "$BPFENCE" policy learn "$BATS_TEST_TMPDIR/dns.jsonl"
	[ "$status" -eq 0 ]
	[ -z "$stderr" ]
	[[ "$output" == *"# Nothing to propose"* ]]
	! grep -q '^allow = ' <<<"$output"
	run --separate-stderr "$BPFENCE" policy learn --json "$BATS_TEST_TMPDIR/dns.jsonl"
	[ "$status" -eq 0 ]
	echo "$output" | python3 -c '
import json, sys
p = json.load(sys.stdin)
assert p["records"] == 2 and p["network"] == [] and p["warnings"] == [], p'
}

@test "learn --into: names the policy allows are not proposed again; a name it denies is a warning naming the deny" {
	name_log
	cat > "$BATS_TEST_TMPDIR/n.policy" <<'EOP'
[network]
connect = deny
allow = *.example.com tcp 443
allow = 192.0.2.53 udp 53
deny = other.example.com *.githubusercontent.com
families = unix inet
EOP
	run --separate-stderr "$BPFENCE" policy learn --into "$BATS_TEST_TMPDIR/n.policy" \
		"$BATS_TEST_TMPDIR/names.jsonl"
	[ "$status" -eq 0 ]
	[[ "$stderr" == *"bpfence: warning: 1 denial of raw.githubusercontent.com tcp 198.51.100.7:443 (socket_connect): not proposed: a deny line of the policy names it, and a deny wins over every allow of a name ($BATS_TEST_TMPDIR/n.policy:5: deny = *.githubusercontent.com)"* ]]
	[[ "$stderr" == *"bpfence: 2 line(s) learned into $BATS_TEST_TMPDIR/n.policy; 4 access(es) it grants already"* ]]
	# api.example.com: the wildcard grants it (3 records); ns.example.net: its address is allowed.
	! grep -q '^allow = .*example\.com' <<<"$output"
	! grep -q 'ns.example.net' <(grep -v '^#' <<<"$output")
	grep -qx 'allow = 203.0.113.9/32 tcp 8080' <<<"$output"
	echo "$output" > "$BATS_TEST_TMPDIR/merged.policy"
	run "$BPFENCE" policy check "$BATS_TEST_TMPDIR/merged.policy"
	[ "$status" -eq 0 ]
	[[ "$output" == *", 3 allow rule(s), 1 allow name(s), 2 deny name(s), 0 path(s) "* ]]
}
