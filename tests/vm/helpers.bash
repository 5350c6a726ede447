# SPDX-License-Identifier: GPL-2.0-only
# shellcheck shell=bash
#
# Shared setup for the in-VM enforcement suite (tests/vm/*.bats). Run it as root inside the test
# VM: `tools/vmtest -- bats tests/vm` (what `make test-vm` does). Every enforcement test runs the
# same probe action twice: inside a bpfence invocation (run_tagged: the exact errno and step, and
# the per-invocation counters from --json) and directly (run_untagged: the negative control, which
# must succeed, so a denial can only come from bpfence).
#
# A kernel that cannot enforce FAILS the suite (setup_file): enforcement that could not be tested
# is never reported as a skip or a pass.

bats_require_minimum_version 1.5.0

REPO=$(cd -- "$BATS_TEST_DIRNAME/../.." && pwd -P)
# bpfence, bpfenced and bpfence-attack run from copies on the guest's tmpfs (fence_setup_file):
# the repository is 9p without a page cache in the VM, so every exec of the build's binaries
# pages them in over 9p again, a noticeable part of each test under emulation.
BUILD=$REPO/.output
BPFENCE=/tmp/fence-test/sbin/bpfence
BPFENCED=/tmp/fence-test/sbin/bpfenced
PROBE_SRC=$REPO/.output/tests/probe

# Everything the suite creates lives below FENCE_TMP, a name that does not match bpfence's own
# scratch dirs (/tmp/bpfence-ID), so "no /tmp/bpfence-* left behind" stays checkable.
FENCE_TMP=/tmp/fence-test
FENCE_BIN=$FENCE_TMP/bin
PROBE=$FENCE_BIN/probe
CGROOT=/sys/fs/cgroup
BROKER_DIR=/run/runner
BROKER_SOCK=$BROKER_DIR/broker.sock
LDSO=/lib64/ld-linux-x86-64.so.2
# A non-loopback address that lives inside the VM (tools/vmtest puts it on dummy0).
REMOTE=192.0.2.1

fail() {
	printf '%s\n' "$@" >&2
	return 1
}

# ------------------------------------------------------------------------------ JSON

# JSON is read with a real parser, never with grep or patterns (STYLE.md 13): jsonq
# (tests/helpers/jsonq.c), the library's own reader, because a python3 start costs most of a
# second in the emulated VM and the suite asks thousands of times.
JSONQ=$FENCE_TMP/jsonq

# json_get KEY: the member KEY of the JSON object on stdin, as JSON text ("string" with its
# quotes, 1, true, null); objects and arrays as written. Exit 1 when stdin is not a JSON object
# or has no KEY.
json_get() {
	"$JSONQ" get "$1"
}

# log_records FILE... -- KEY=VALUE...: the lines of the audit logs FILE (missing ones skipped)
# whose record has every KEY equal to VALUE (JSON text: 'event="denial"', 'port=9', 'errno=null';
# same type and value). Every complete line must be a JSON object (what bpfenced writes):
# anything else fails loudly. A last line without its newline is still being written and is
# left out.
log_records() {
	"$JSONQ" records "$@"
}

# ------------------------------------------------------------------------------ file setup

# Loads bpfence (harmless when already loaded) and refuses to go on unless this kernel enforces.
fence_setup_file() {
	[[ $EUID -eq 0 ]] || fail "the VM suite must run as root (tools/vmtest -- bats tests/vm)"
	[[ -x $BUILD/bpfence && -x $PROBE_SRC ]] || fail "build first: make ($BUILD/bpfence, $PROBE_SRC)"
	# Outside FENCE_BIN (which test policies grant exec on): these run on the host side only.
	# bpfence-attack beside bpfence, where selftest looks for it.
	mkdir -p "$FENCE_TMP/sbin" &&
		cp "$BUILD/tests/jsonq" "$JSONQ" &&
		cp "$BUILD/bpfence" "$BUILD/bpfenced" "$BUILD/bpfence-attack" "$FENCE_TMP/sbin/" ||
		fail "cannot copy the build's binaries to $FENCE_TMP: make"
	local out
	out=$("$BPFENCE" load 2>&1) || fail "bpfence load failed: $out" \
		"enforcement cannot be tested on this kernel: FAIL, not skip"
	out=$("$BPFENCE" status --json 2>&1) || fail "bpfence status says this kernel cannot enforce:" \
		"$out" "enforcement cannot be tested on this kernel: FAIL, not skip"
	[[ $(json_get can_enforce <<<"$out") == true && $(json_get loaded <<<"$out") == true ]] ||
		fail "bpfence status: not enforcing: $out"
	# The probe is static (no loader or libc reads to grant) and lives in a directory of its own
	# that test policies grant exec on, so nothing else under /tmp becomes executable.
	mkdir -p "$FENCE_BIN" && cp "$PROBE_SRC" "$PROBE" && chmod 755 "$FENCE_TMP" "$FENCE_BIN" "$PROBE"
}

setup_file() {
	fence_setup_file
}

# ------------------------------------------------------------------------------ per test

setup() {
	fence_setup
}

teardown() {
	fence_teardown
}

fence_setup() {
	LISTENERS=()
	NLISTEN=0
	CLEANUP_CGROUPS=()
	CLEANUP_PATHS=()
	SOURCE=$BATS_TEST_TMPDIR/src
	[[ -d $SOURCE ]] || mkdir "$SOURCE"
	printf 'print("source of this function")\n' >"$SOURCE/main.py"
	# Snapshot of what bpfence may leave behind, to prove it left nothing.
	invocation_cgroups -v BEFORE_CGROUPS
	scratch_dirs -v BEFORE_SCRATCH
	write_policy </dev/null
}

fence_teardown() {
	local p rc=0
	stop_listeners
	for p in "${CLEANUP_CGROUPS[@]}"; do
		[[ -d $p ]] || continue
		"$BPFENCE" untag "$p" >/dev/null 2>&1
		# Deepest first.
		find "$p" -depth -type d -exec rmdir {} + 2>/dev/null
	done
	for p in "${CLEANUP_PATHS[@]}"; do
		rm -rf -- "$p"
	done
	# Every run, whatever the test did, must leave no invocation cgroup and no scratch dir.
	local cg sc
	invocation_cgroups -v cg
	scratch_dirs -v sc
	if [[ $cg != "$BEFORE_CGROUPS" ]]; then
		echo "bpfence left invocation cgroups behind: $cg" >&2
		rc=1
	fi
	if [[ $sc != "$BEFORE_SCRATCH" ]]; then
		echo "bpfence left scratch dirs behind: $sc" >&2
		rc=1
	fi
	return $rc
}

# Every test's setup and teardown call these two: without a process of their own (globs, not
# find | sort), since each fork and exec costs tens of milliseconds under emulation, and these
# ran four of them in each of several hundred tests. Globs come sorted, as sort(1) sorts in the
# same locale (comm(1) takes them).

# list_out [-v NAME] LINES: LINES on stdout, or with -v into NAME without the last newline, as
# NAME=$(...) would have it but without the subshell's fork.
list_out() {
	if [[ $1 == -v ]]; then
		printf -v "$2" '%s' "${3%$'\n'}"
	else
		printf '%s' "$1"
	fi
}

# invocation_cgroups [-v NAME]: the per-invocation cgroups that exist now, one per line.
invocation_cgroups() {
	local d out=
	for d in "$CGROOT"/bpfence/*/; do
		[[ -d $d ]] && out+=${d%/}$'\n'
	done
	list_out "$@" "$out"
}

# scratch_dirs [-v NAME]: bpfence's default scratch dirs that exist now.
scratch_dirs() {
	local d out=
	for d in /tmp/bpfence-*; do
		[[ -e $d || -L $d ]] && out+=$d$'\n'
	done
	list_out "$@" "$out"
}

# ------------------------------------------------------------------------------ policies

# write_policy [FILE] < EXTRA: the test policy (FILE, default $BATS_TEST_TMPDIR/test.policy, also
# stored in $POLICY), followed by EXTRA lines from stdin, which may add keys or reopen sections.
# It grants what function.policy grants (the runtime under /usr, the function's source and
# scratch, no network), plus exec on the probe's directory and the ELF interpreter.
write_policy() {
	POLICY=${1:-$BATS_TEST_TMPDIR/test.policy}
	# One printf of one string: no process (see invocation_cgroups), and not `read` line by
	# line from a here-document either, which reads a byte per system call.
	local line policy="# Generated by tests/vm/helpers.bash for: $BATS_TEST_DESCRIPTION
[policy]
name = vmtest

[network]
families = unix inet inet6

[broker]
unix = $BROKER_SOCK
tcp = 127.0.0.1:7700

[files]
read = /usr /lib /lib64 /etc/ld.so.cache /etc/localtime /etc/python3 /etc/python3.11
# glibc's setlocale() reads it (/usr/share/locale/locale.alias is a symlink to it).
read = /etc/locale.alias
# Public CA certificates (as function.policy grants them): some hosts install a site .pth that
# reads one at every interpreter start once python3-certifi is there (make test installs it).
read = /etc/ssl/certs
read = /dev/null /dev/zero /dev/urandom
read = \${source} \${scratch}
write = \${scratch} /dev/null
exec = $FENCE_BIN $LDSO /usr/bin/python3 /bin/sh
map = /usr/lib /lib /lib64"
	{
		printf '%s\n' "$policy"
		while IFS= read -r line || [[ -n $line ]]; do printf '%s\n' "$line"; done
	} >"$POLICY"
}

# ------------------------------------------------------------------------------ running

# fence_run [BPFENCE-RUN-OPTIONS...] -- CMD [ARGS...]: bpfence run --json with the test policy and
# source dir, through bats' run. Sets status, output (CMD's stdout), stderr, and RESULT (the
# --json result object, the last line of stderr).
fence_run() {
	local expect=()
	# FENCE_EXPECT=N: tell bats the exit status is expected (127 would otherwise warn BW01).
	[[ -n ${FENCE_EXPECT-} ]] && expect=("-$FENCE_EXPECT")
	run "${expect[@]}" --separate-stderr "$BPFENCE" run --json --policy "$POLICY" --source "$SOURCE" "$@"
	RESULT=
	if ((${#stderr_lines[@]})); then
		RESULT=${stderr_lines[${#stderr_lines[@]} - 1]}
	fi
	json_get invocation <<<"$RESULT" >/dev/null || RESULT=
	return 0
}

# run_tagged PROBE-ARGS...: the probe inside a fresh invocation of the test policy.
run_tagged() {
	fence_run -- "$PROBE" "$@"
}

# run_untagged PROBE-ARGS...: the same probe outside bpfence (the negative control).
run_untagged() {
	run --separate-stderr "$PROBE" "$@"
	RESULT=
}

# ------------------------------------------------------------------------------ steps

# Several actions in one invocation, each still asserted on its own: starting an invocation
# costs more under emulation than the actions do.

# steps_script STEP...: a /bin/sh script that runs each STEP (a shell command line in which
# `probe` is the probe) in turn. The STEPs are expanded by that shell, inside the invocation when
# tagged: "$TMPDIR" and "$BPFENCE_INVOCATION" name the invocation's own.
steps_script() {
	printf 'probe() { %s "$@"; }\n' "$PROBE"
	printf '%s\n' "$@"
}

# run_steps [BPFENCE-RUN-OPTIONS...] -- STEP...: the steps in one invocation (see fence_run).
run_steps() {
	local opts=()
	while (($#)) && [[ $1 != -- ]]; do
		opts+=("$1")
		shift
	done
	shift
	fence_run "${opts[@]}" -- /bin/sh -c "$(steps_script "$@")"
}

# run_steps_untagged STEP...: the same steps outside bpfence (the negative control).
run_steps_untagged() {
	run --separate-stderr /bin/sh -c "$(steps_script "$@")"
	RESULT=
}

# assert_steps WANT...: stdout is one line per WANT, in order, each matching it (a glob pattern,
# for what varies: 'ok anon *'). The first line that differs is named.
assert_steps() {
	local got=() i pattern
	[[ -z $output ]] || mapfile -t got <<<"$output"
	for ((i = 0; i < $# || i < ${#got[@]}; i++)); do
		pattern=${*:i+1:1}
		# shellcheck disable=SC2053 # a pattern
		if ((i >= $#)) || ((i >= ${#got[@]})) || [[ ${got[i]} != $pattern ]]; then
			show_run
			fail "line $((i + 1)): got '${got[i]-<none>}', expected '${pattern:-<none>}'"
			return 1
		fi
	done
}

# ------------------------------------------------------------------------------ assertions

show_run() {
	printf 'status: %s\nstdout: %s\nstderr: %s\n' "$status" "$output" "$stderr" >&2
}

# assert_probe STATUS LINE: exit status and the probe's one line of output, both exact.
assert_probe() {
	local want_status=$1 want_line=$2
	if [[ $status != "$want_status" || $output != "$want_line" ]]; then
		show_run
		fail "expected: status $want_status, output '$want_line'"
	fi
}

# assert_status STATUS
assert_status() {
	if [[ $status != "$1" ]]; then
		show_run
		fail "expected exit status $1, got $status"
	fi
}

# assert_output_line LINE: stdout is exactly LINE.
assert_output_line() {
	if [[ $output != "$1" ]]; then
		show_run
		fail "expected output '$1'"
	fi
}

# json_value KEY: a member (number, true/false/null, "string" with quotes) of RESULT's top level.
json_value() {
	json_get "$1" <<<"$RESULT" || fail "no '$1' in the result: '$RESULT'" || return 1
}

# assert_json KEY VALUE: e.g. assert_json exit_code 1, assert_json mode '"audit"'.
assert_json() {
	local got
	got=$(json_value "$1") || {
		show_run
		return 1
	}
	if [[ $got != "$2" ]]; then
		show_run
		fail "result: $1 is $got, expected $2"
	fi
}

# counters KIND: RESULT's denied or audited object as "file=0 connect=1 ..." (in its order).
counters() {
	"$JSONQ" pairs "$1" <<<"$RESULT"
}

# assert_counts KIND [CLASS=N...]: RESULT's KIND (denied or audited) counters are exactly these;
# every class the result reports and the list does not name must be 0. So a denial is counted
# once, in the right class, and nowhere else.
assert_counts() {
	local kind=$1 c got pair want=() bad=0
	shift
	local -A n=() seen=()
	for c in "$@"; do
		n[${c%%=*}]=${c#*=}
	done
	if ! got=$(counters "$kind"); then
		show_run
		fail "no --json result with '$kind' counters on stderr"
		return 1
	fi
	for pair in $got; do
		c=${pair%%=*}
		seen[$c]=1
		want+=("$c=${n[$c]:-0}")
	done
	for c in "${!n[@]}"; do
		[[ -n ${seen[$c]-} ]] || bad=1
	done
	if ((bad)) || [[ $got != "${want[*]}" ]]; then
		show_run
		fail "$kind counters: got '$got'" "expected   '${want[*]}' (named: $*)"
	fi
}

# assert_denied CLASS=N...: shorthand for assert_counts denied, plus nothing audited.
assert_denied() {
	assert_counts denied "$@" && assert_counts audited
}

# ------------------------------------------------------------------------------ listeners

# start_listener ARGS...: "probe listen ARGS" in the background (untagged), once it printed
# "ready". Stopped in teardown.
start_listener() {
	local log=$BATS_TEST_TMPDIR/listener.$((++NLISTEN)).log pid i
	"$PROBE" listen "$@" >"$log" 2>&1 </dev/null 3>&- &
	pid=$!
	LISTENERS+=("$pid")
	for ((i = 0; i < 200; i++)); do
		[[ $(head -n 1 "$log" 2>/dev/null) == ready ]] && return 0
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.05
	done
	fail "listener 'probe listen $*' did not get ready: $(cat "$log")"
}

stop_listeners() {
	local pid
	for pid in "${LISTENERS[@]}"; do
		kill "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
	done
	LISTENERS=()
}

# ------------------------------------------------------------------------------ the audit daemon

# start_daemon [OPTIONS...]: bpfenced writing to $LOG (each file sets LOG) with OPTIONS, once its
# start record is there (the log may hold earlier daemons' records: one more start record).
start_daemon() {
	local i before
	before=$(log_records "$LOG" -- 'event="start"' 2>/dev/null | wc -l)
	"$BPFENCED" --log "$LOG" "$@" 2>>"$BATS_TEST_TMPDIR/bpfenced.err" 3>&- &
	DAEMON=$!
	for ((i = 0; i < 100; i++)); do
		(($(log_records "$LOG" -- 'event="start"' 2>/dev/null | wc -l) > before)) && return 0
		sleep 0.05
	done
	fail "bpfenced did not start: $(cat "$BATS_TEST_TMPDIR/bpfenced.err")"
}

# SIGTERM drains what is queued and writes the stop record.
stop_daemon() {
	[[ -n ${DAEMON:-} ]] || return 0
	kill -TERM "$DAEMON" 2>/dev/null
	wait "$DAEMON" 2>/dev/null
	DAEMON=
}

# records_of INVOCATION: the denial records of one invocation, across rotated logs.
records_of() {
	log_records "$LOG".1 "$LOG" -- "invocation=\"$1\""
}

invocation() {
	json_value invocation | tr -d '"'
}

# assert_one_record INVOCATION KEY=VALUE...: exactly one record, with these exact fields.
assert_one_record() {
	local inv=$1 rec kv
	shift
	rec=$(records_of "$inv")
	if [[ $(printf '%s' "$rec" | grep -c .) -ne 1 ]]; then
		fail "expected exactly one record for $inv, got:" "$rec"
		return 1
	fi
	for kv in "$@"; do
		if [[ -z $(log_records /dev/stdin -- "$kv" <<<"$rec") ]]; then
			fail "record lacks \"${kv%%=*}\": ${kv#*=}:" "$rec"
			return 1
		fi
	done
}

# daemon_setup / daemon_teardown: setup and teardown for files whose every test checks records.
# Files where only some tests do call start_fresh_daemon in those tests and daemon_teardown in
# teardown (harmless when no daemon ran).
daemon_setup() {
	fence_setup
	start_fresh_daemon
}

# start_fresh_daemon [OPTIONS...]: bpfenced with OPTIONS on a fresh $LOG that will hold only
# what this test causes.
start_fresh_daemon() {
	# Denials left in the ring buffer by earlier tests run with no daemon are drained into a
	# log that is thrown away.
	rm -f "$LOG" "$LOG".*
	start_daemon
	stop_daemon
	rm -f "$LOG" "$LOG".*
	start_daemon "$@"
}

daemon_teardown() {
	stop_daemon
	rm -f "$LOG" "$LOG".*
	fence_teardown
}

# assert_record HOOK CLASS ERRNO: exactly one denial record for the last invocation, naming them.
assert_record() {
	local inv
	inv=$(invocation)
	stop_daemon
	assert_one_record "$inv" 'event="denial"' "hook=\"$1\"" "class=\"$2\"" "errno=\"$3\"" \
		'action="denied"'
}

# record_table INVOCATION: the invocation's denial records in the order they were made, one line
# each: "hook class errno access rule path", a field the record lacks as "-" (rule is only there
# when a deny line or the written-place rule refused; task hooks carry no access or path).
record_table() {
	local line k v out
	while IFS= read -r line; do
		out=
		for k in hook class errno access rule path; do
			v=$(json_get "$k" <<<"$line") || v=-
			v=${v#\"}
			out+="${out:+ }${v%\"}"
		done
		printf '%s\n' "$out"
	done < <(log_records "$LOG".1 "$LOG" -- "invocation=\"$1\"" 'event="denial"')
}

# assert_records LINE...: the last invocation's denial records, as record_table lines, match
# these (glob patterns, as assert_steps's), one for one and in order: one record per denial,
# each naming its own hook, rule and object.
assert_records() {
	local inv got=() i pattern
	inv=$(invocation) || return 1
	stop_daemon
	mapfile -t got < <(record_table "$inv")
	for ((i = 0; i < $# || i < ${#got[@]}; i++)); do
		pattern=${*:i+1:1}
		# shellcheck disable=SC2053 # a pattern
		if ((i >= $#)) || ((i >= ${#got[@]})) || [[ ${got[i]} != $pattern ]]; then
			fail "records of $inv:" "${got[@]}" "expected:" "$@"
			return 1
		fi
	done
}
