#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-only
# bpfenced for fleets (docs/metrics.md): Prometheus metrics that promtool accepts and a real
# Prometheus scrapes, whose denial counters equal the log's records after a storm and after a
# restart; enforcement lost and found again; no scraper holds up delivery; every record to a
# real rsyslog or counted as dropped; `bpfence audit --follow` across logrotate's create and
# copytruncate, filtered to one sandbox.

load helpers

LOG=/var/log/bpfence/test-fleet.jsonl
PORT=9477
PINS=/sys/fs/bpf/bpfence

setup() {
	fence_setup
	RSYSLOG=
	PROM=
	HIDDEN=
	SANDBOXES=()
}

teardown() {
	local id
	[[ -n $PROM ]] && kill "$PROM" 2>/dev/null && wait "$PROM" 2>/dev/null
	for id in "${SANDBOXES[@]}"; do
		"$BPFENCE" sandbox terminate "$id" >/dev/null 2>&1
	done
	stop_daemon
	stop_rsyslog
	[[ -n ${HIDDEN:-} ]] && umount "$PINS"
	rm -f "$LOG" "$LOG".*
	fence_teardown
}

# metrics_daemon [OPTIONS...]: bpfenced on a fresh $LOG with metrics on 127.0.0.1:$PORT, and
# OPTIONS.
metrics_daemon() {
	start_fresh_daemon --metrics "127.0.0.1:$PORT" "$@"
}

# scrape [PATH]: GET PATH (default /metrics) from the daemon over bash's /dev/tcp (no process
# to start under emulation): the whole answer, headers included, in $BATS_TEST_TMPDIR/scrape.
scrape() {
	local fd
	exec {fd}<>"/dev/tcp/127.0.0.1/$PORT" ||
		fail "no metrics endpoint on port $PORT; bpfenced ($DAEMON) said:" \
			"$(cat "$BATS_TEST_TMPDIR/bpfenced.err")" "$(ss -ltnp 2>&1)" "$(ps -ef | grep bpfence[d])"
	printf 'GET %s HTTP/1.0\r\n\r\n' "${1:-/metrics}" >&"$fd"
	cat <&"$fd" >"$BATS_TEST_TMPDIR/scrape"
	exec {fd}>&-
	sed -i 's/\r$//' "$BATS_TEST_TMPDIR/scrape"
	sed '1,/^$/d' "$BATS_TEST_TMPDIR/scrape" >"$BATS_TEST_TMPDIR/metrics"
}

# metric SERIES: the sum of the samples whose name and labels start with SERIES (a family, or a
# family with its first labels: 'bpfence_denials_total{policy="vmtest"'), from the last scrape.
metric() {
	awk -v s="$1" 'index($0, s) == 1 && substr($0, length(s) + 1, 1) ~ /[ {,}]/ { t += $NF; n++ }
		END { if (n) printf "%d\n", t; else print "none" }' "$BATS_TEST_TMPDIR/metrics"
}

# since_last_start EVENT-FILTER...: records after the last "start" record in $LOG.
since_last_start() {
	awk '/"event": "start"/ { n = NR } { l[NR] = $0 } END { for (i = n + 1; i <= NR; i++) print l[i] }' \
		"$LOG" | log_records /dev/stdin -- "$@"
}

drops_total() {
	"$BPFENCE" status --json | json_get drops_total
}

@test "metrics: promtool accepts them; after a storm, and after a restart, the denial counters equal the log's records" {
	local n=1500 before after start1 sum recs
	metrics_daemon
	scrape
	grep -q '^HTTP/1.1 200 OK$' "$BATS_TEST_TMPDIR/scrape"
	grep -q '^Content-Type: text/plain; version=0.0.4' "$BATS_TEST_TMPDIR/scrape"
	promtool check metrics <"$BATS_TEST_TMPDIR/metrics" || fail "promtool check metrics refused the exposition"
	[[ $(metric bpfence_enforcing) == 1 && $(metric bpfence_programs_loaded) == 1 ]]
	start1=$(metric bpfence_invocations_started_total)
	before=$(drops_total)
	# The storm (B6's shape): one flooding invocation per CPU at once, and an untagged flood
	# beside them (the control: it is never counted).
	"$BPFENCE" run --policy "$POLICY" -- "$PROBE" flood-open /etc/shadow "$n" >/dev/null 2>&1 3>&- &
	local a=$!
	"$BPFENCE" run --policy "$POLICY" -- "$PROBE" flood-open /etc/shadow "$n" >/dev/null 2>&1 3>&- &
	local b=$!
	run_untagged flood-open /etc/shadow 500
	[[ $output == "ok denied=0"* ]] || fail "untagged control: $output"
	wait "$a" "$b"
	sleep 0.5
	scrape
	after=$(drops_total)
	sum=$(metric 'bpfence_denials_total{policy="vmtest"')
	recs=$(since_last_start 'event="denial"' 'policy="vmtest"' | wc -l)
	echo "# storm of $((2 * n)): counted $sum, in the log $recs, ring buffer drops $((after - before))" >&3
	[[ $sum == "$recs" ]] || fail "counters $sum != log records $recs"
	[[ $((recs + after - before)) -eq $((2 * n)) ]]
	[[ $(metric 'bpfence_denials_total{policy="vmtest",class="file",hook="file_open"') == "$recs" ]]
	[[ $(metric bpfence_records_written_total) == "$recs" ]]
	[[ $(metric bpfence_invocations_started_total) -eq $((start1 + 2)) ]]
	[[ $(metric bpfence_invocations_running) == 0 ]]
	[[ $(metric 'bpfence_records_dropped_total{stage="ringbuf"') -eq $after ]]
	[[ $(metric 'bpfence_records_dropped_total{stage="writer"') -eq 0 ]]

	# A restart: the new daemon's counters start at 0 and equal what it logged after its
	# start record; the host-wide ones go on.
	local t1
	t1=$(metric bpfence_daemon_start_time_seconds)
	stop_daemon
	start_daemon --metrics "127.0.0.1:$PORT"
	run_tagged flood-open /etc/shadow 300
	assert_probe 0 "ok denied=300 errno=EACCES"
	sleep 0.5
	scrape
	recs=$(since_last_start 'event="denial"' 'policy="vmtest"' | wc -l)
	[[ $(metric 'bpfence_denials_total{policy="vmtest"') == "$recs" && $recs == 300 ]] ||
		fail "after the restart: counted $(metric 'bpfence_denials_total{policy="vmtest"'), logged $recs"
	[[ $(metric bpfence_daemon_start_time_seconds) != "$t1" ]]
	[[ $(metric bpfence_invocations_started_total) -eq $((start1 + 3)) ]]
	promtool check metrics <"$BATS_TEST_TMPDIR/metrics"
}

@test "a real Prometheus scrapes bpfenced: the target is up, and what it stored is what the endpoint says" {
	metrics_daemon
	run_tagged read /etc/shadow
	assert_probe 1 "EACCES open"
	cat >"$BATS_TEST_TMPDIR/prometheus.yml" <<-EOF
		global: {scrape_interval: 1s, scrape_timeout: 1s}
		scrape_configs:
		  - job_name: bpfence
		    static_configs: [{targets: ['127.0.0.1:$PORT']}]
	EOF
	promtool check config "$BATS_TEST_TMPDIR/prometheus.yml" >/dev/null
	prometheus --config.file="$BATS_TEST_TMPDIR/prometheus.yml" \
		--storage.tsdb.path="$BATS_TEST_TMPDIR/tsdb" --web.listen-address=127.0.0.1:9090 \
		>"$BATS_TEST_TMPDIR/prometheus.log" 2>&1 3>&- &
	PROM=$!
	# Prometheus' own answer, read with a real JSON parser: the scrape's health and two values.
	python3 - "$PORT" <<-'EOF' >&3 || fail "$(tail -n 5 "$BATS_TEST_TMPDIR/prometheus.log")"
		import json, sys, time, urllib.request
		def get(path):
		    with urllib.request.urlopen("http://127.0.0.1:9090" + path, timeout=5) as r:
		        return json.load(r)["data"]
		def value(q):
		    res = get("/api/v1/query?query=" + q)["result"]
		    return res[0]["value"][1] if res else None
		deadline = time.time() + 90
		while True:
		    try:
		        if value("bpfence_enforcing") is not None and value("sum(bpfence_denials_total)"):
		            break
		    except OSError:
		        pass
		    assert time.time() < deadline, "Prometheus stored nothing from bpfenced in 90 s"
		    time.sleep(0.5)
		target = get("/api/v1/targets")["activeTargets"][0]
		assert target["health"] == "up" and target["lastError"] == "", target
		assert value("bpfence_enforcing") == "1"
		denials = value('sum(bpfence_denials_total{policy="vmtest",class="file",hook="file_open"})')
		assert denials == "1", denials
		print("# Prometheus: target up, bpfence_enforcing 1, denials %s" % denials)
	EOF
}

@test "enforcement lost is seen: pins gone means bpfence_enforcing 0 and an enforcement record; back, 1 again" {
	# What a daemon killed in the middle of a check would leave: swept by the next check.
	mkdir "$CGROOT/bpfence.canary-999999"
	CLEANUP_CGROUPS+=("$CGROOT/bpfence.canary-999999")
	metrics_daemon --health-interval 1
	sleep 1.5
	scrape
	[[ $(metric bpfence_enforcing) == 1 ]]
	local checks
	checks=$(metric bpfence_canary_checks_total)
	((checks >= 1))
	[[ ! -e $CGROOT/bpfence.canary-999999 ]] || fail "a dead daemon's canary cgroup was not swept"
	# The pins hidden under an empty mount (bpffs does not rename): what an unload looks like
	# to the daemon, while the links, held by the hidden pins, keep enforcing.
	mount -t tmpfs bpfence-hidden "$PINS"
	HIDDEN=1
	sleep 2.5
	scrape
	[[ $(metric bpfence_enforcing) == 0 && $(metric bpfence_programs_loaded) == 0 ]] ||
		fail "$(grep -E '^bpfence_(enforcing|programs_loaded)' "$BATS_TEST_TMPDIR/metrics")"
	(($(metric bpfence_canary_failures_total) >= 1))
	[[ $(log_records "$LOG" -- 'event="enforcement"' 'enforcing=false' | json_get reason) == *missing* ]]
	grep -q 'enforcement not proven' "$BATS_TEST_TMPDIR/bpfenced.err"
	umount "$PINS"
	HIDDEN=
	sleep 2.5
	scrape
	[[ $(metric bpfence_enforcing) == 1 && $(metric bpfence_programs_loaded) == 1 ]]
	[[ -n $(log_records "$LOG" -- 'event="enforcement"' 'enforcing=true') ]]
	run_tagged read /etc/shadow
	assert_probe 1 "EACCES open"
	# The canary's cgroup is never left behind, and never under bpfence/.
	stop_daemon
	[[ -z $(find "$CGROOT" -maxdepth 1 -name 'bpfence.canary-*') ]]
}

@test "no scraper holds up delivery: every slot held idle, the surplus refused 503, a flood delivered whole" {
	local fds=() fd i n=3000 before after
	metrics_daemon
	before=$(drops_total)
	for ((i = 0; i < 20; i++)); do
		exec {fd}<>"/dev/tcp/127.0.0.1/$PORT"
		fds+=("$fd")
	done
	# A request that never ends (no blank line) and one far past the header bound.
	printf 'GET /metrics HTTP/1.1\r\nX: ' >&"${fds[0]}"
	head -c 20000 /dev/zero | tr '\0' A >&"${fds[1]}" 2>/dev/null || true
	run_tagged flood-open /etc/shadow "$n"
	assert_probe 0 "ok denied=$n errno=EACCES"
	local inv
	inv=$(invocation)
	for fd in "${fds[@]}"; do
		exec {fd}>&-
	done
	sleep 0.5
	scrape
	after=$(drops_total)
	[[ $(records_of "$inv" | wc -l) -eq $((n - (after - before))) ]]
	(($(metric 'bpfence_metrics_requests_total{code="503"') >= 4)) ||
		fail "surplus connections: $(grep requests_total "$BATS_TEST_TMPDIR/metrics")"
	# A scrape is counted once answered: the next one shows it.
	scrape
	[[ $(metric 'bpfence_metrics_requests_total{code="200"') -ge 1 ]]
	# Anything but GET/HEAD /metrics gets its status, not the metrics.
	scrape /
	grep -q '^HTTP/1.1 404' "$BATS_TEST_TMPDIR/scrape"
}

# rsyslog with a configuration of its own: bpfenced's messages, as received (the message part:
# the JSON line), into $BATS_TEST_TMPDIR/syslog.
start_rsyslog() {
	cat >"$BATS_TEST_TMPDIR/rsyslog.conf" <<-EOF
		module(load="imuxsock" SysSock.RateLimit.Interval="0")
		global(workDirectory="$BATS_TEST_TMPDIR")
		template(name="msg" type="string" string="%msg%\n")
		if \$programname == 'bpfenced' then {
		  action(type="omfile" file="$BATS_TEST_TMPDIR/syslog" template="msg")
		  stop
		}
	EOF
	rsyslogd -n -f "$BATS_TEST_TMPDIR/rsyslog.conf" -i "$BATS_TEST_TMPDIR/rsyslog.pid" \
		>"$BATS_TEST_TMPDIR/rsyslog.log" 2>&1 3>&- &
	RSYSLOG=$!
	local i
	for ((i = 0; i < 100; i++)); do
		[[ -S /dev/log ]] && return 0
		sleep 0.05
	done
	fail "rsyslogd did not start: $(cat "$BATS_TEST_TMPDIR/rsyslog.log")"
}

# SIGTERM: rsyslog writes what it holds and removes /dev/log.
stop_rsyslog() {
	[[ -n ${RSYSLOG:-} ]] || return 0
	kill -TERM "$RSYSLOG" 2>/dev/null
	wait "$RSYSLOG" 2>/dev/null
	RSYSLOG=
	rm -f /dev/log
}

@test "syslog: a real rsyslog receives every record, unchanged and in order" {
	local n=2000
	start_rsyslog
	metrics_daemon --syslog --syslog-facility local3 --syslog-rate 1000000
	run_tagged flood-open /etc/shadow "$n"
	assert_probe 0 "ok denied=$n errno=EACCES"
	local inv
	inv=$(invocation)
	sleep 0.5
	scrape
	stop_daemon
	stop_rsyslog
	sed -i 's/^ //' "$BATS_TEST_TMPDIR/syslog"
	local sent dropped
	sent=$(metric bpfence_syslog_messages_total)
	dropped=$(metric bpfence_syslog_dropped_total)
	echo "# $n denials: $sent sent to syslog, $dropped dropped" >&3
	# Every line of the log, the daemon's records too, reached rsyslog byte for byte, in order.
	diff "$LOG" "$BATS_TEST_TMPDIR/syslog" >"$BATS_TEST_TMPDIR/diff" ||
		fail "syslog and the log differ:" "$(head -n 20 "$BATS_TEST_TMPDIR/diff")"
	[[ $(log_records "$BATS_TEST_TMPDIR/syslog" -- "invocation=\"$inv\"" | wc -l) -eq $n ]]
	[[ $dropped == 0 ]]
	[[ -z $(log_records "$LOG" -- 'event="syslog_drops"') ]]
}

@test "syslog: past the rate limit what was not sent is counted, and received + counted == every record" {
	local n=1000
	start_rsyslog
	metrics_daemon --syslog --syslog-rate 100
	run_tagged flood-open /etc/shadow "$n"
	assert_probe 0 "ok denied=$n errno=EACCES"
	local inv
	inv=$(invocation)
	sleep 1.5
	scrape
	stop_daemon
	stop_rsyslog
	local got counted=0 rec r
	got=$(log_records "$BATS_TEST_TMPDIR/syslog" -- "invocation=\"$inv\"" | wc -l)
	while IFS= read -r rec; do
		for r in rate busy error; do
			counted=$((counted + $(json_get "$r" <<<"$rec")))
		done
	done < <(log_records "$LOG" -- 'event="syslog_drops"')
	echo "# $n denials at 100/s: $got received, $counted counted as dropped" >&3
	((counted > 0))
	[[ $((got + counted)) -eq $n ]] || fail "received $got + counted $counted != $n"
	[[ $(metric 'bpfence_syslog_dropped_total{reason="rate"') -gt 0 ]]
}

@test "--syslog without a syslog socket: bpfenced refuses to start (125), naming it" {
	[[ ! -e /dev/log ]]
	run --separate-stderr "$BPFENCED" --log "$LOG" --syslog
	[[ $status -eq 125 ]]
	[[ $stderr == *"/dev/log"* ]] || fail "$stderr"
}

@test "audit --follow --sandbox: that sandbox's records, unchanged, across logrotate's create and copytruncate" {
	metrics_daemon
	sb_create_named
	scrape
	[[ $(metric bpfence_sandboxes_running) == 1 ]]
	"$BPFENCE" audit --follow --json --sandbox follow-me --log "$LOG" \
		>"$BATS_TEST_TMPDIR/follow" 2>"$BATS_TEST_TMPDIR/follow.err" 3>&- &
	local follower=$! i
	"$BPFENCE" sandbox exec "$SB" -- "$PROBE" read /etc/shadow >/dev/null 2>&1 || true
	# Another invocation's denial: never shown under the filter.
	run_tagged read /etc/shadow
	assert_probe 1 "EACCES open"
	# logrotate's create: the log moved away, bpfenced told to reopen.
	cat >"$BATS_TEST_TMPDIR/create.conf" <<-EOF
		$LOG {
		  rotate 3
		  create 0600 root root
		  postrotate
		    kill -HUP $DAEMON
		  endscript
		}
	EOF
	logrotate -f -s "$BATS_TEST_TMPDIR/lr.state" "$BATS_TEST_TMPDIR/create.conf"
	sleep 0.5
	"$BPFENCE" sandbox exec "$SB" -- "$PROBE" read /etc/shadow >/dev/null 2>&1 || true
	# logrotate's copytruncate: the same file, emptied.
	cat >"$BATS_TEST_TMPDIR/copy.conf" <<-EOF
		$LOG {
		  rotate 3
		  copytruncate
		}
	EOF
	sleep 0.5
	logrotate -f -s "$BATS_TEST_TMPDIR/lr.state" "$BATS_TEST_TMPDIR/copy.conf"
	sleep 0.5
	"$BPFENCE" sandbox exec "$SB" -- "$PROBE" read /etc/shadow >/dev/null 2>&1 || true
	for ((i = 0; i < 50; i++)); do
		(($(grep -c . "$BATS_TEST_TMPDIR/follow") >= 3)) && break
		sleep 0.1
	done
	sleep 0.5
	kill "$follower"
	wait "$follower" 2>/dev/null || true
	# Exactly the sandbox's three denials, each a line of a log file byte for byte.
	[[ $(grep -c . "$BATS_TEST_TMPDIR/follow") -eq 3 ]] ||
		fail "followed:" "$(cat "$BATS_TEST_TMPDIR/follow" "$BATS_TEST_TMPDIR/follow.err")"
	[[ $(log_records "$BATS_TEST_TMPDIR/follow" -- "invocation=\"$SB\"" 'class="file"' | wc -l) -eq 3 ]]
	local line
	while IFS= read -r line; do
		grep -qxF -- "$line" "$LOG" "$LOG".1 "$LOG".2 || fail "not a line of the logs: $line"
	done <"$BATS_TEST_TMPDIR/follow"
	"$BPFENCE" sandbox terminate "$SB" >/dev/null
	sleep 1.2
	scrape
	[[ $(metric bpfence_sandboxes_running) == 0 ]]
}

# sb_create_named: a sandbox of the test policy named follow-me; its id in SB.
sb_create_named() {
	run --separate-stderr "$BPFENCE" sandbox create --policy "$POLICY" --name follow-me
	[[ $status -eq 0 ]] || fail "sandbox create: $stderr"
	SB=${output%% *}
	SANDBOXES+=("$SB")
}
