#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-only
#
# Egress by name (SECURITY.md rows 40-45): a policy's `allow = NAME` lines are resolved by the
# invocation's own resolver, which grants in the kernel exactly the addresses an allowed name
# answered, on the ports its lines name, for the record's TTL. A real DNS server (dnsmasq, on
# 127.0.0.2, what the host's /etc/resolv.conf names here) answers the test names with addresses
# in 127.0.0.0/8 where the test's listeners are. The function is python3: glibc's getaddrinfo()
# reading /etc/resolv.conf, as every runtime does. Each test has its untagged control (the same
# steps outside bpfence, through the host's resolver straight to dnsmasq), the exact errno and
# the records.

load helpers

LOG=/var/log/bpfence/test-names.jsonl
DNS=127.0.0.2

setup_file() {
	fence_setup_file
	local d=$BATS_FILE_TMPDIR
	command -v dnsmasq >/dev/null || fail "dnsmasq is not installed (make test installs dnsmasq-base)"
	# Many addresses for one name: more than one answer may grant (dns.h, DNS_ADDRS_MAX 64).
	for ((i = 1; i <= 70; i++)); do
		echo "host-record=many.test,127.0.3.$i"
	done >"$d/dnsmasq.conf"
	# Five names of 60 addresses: together more than the 256 one invocation may hold.
	for n in 1 2 3 4 5; do
		for ((i = 1; i <= 60; i++)); do
			echo "host-record=fill$n.test,127.$((10 + n)).0.$i"
		done
	done >>"$d/dnsmasq.conf"
	dnsmasq --keep-in-foreground --conf-file="$d/dnsmasq.conf" --listen-address=$DNS \
		--bind-interfaces --no-resolv --no-hosts --log-queries --log-facility="$d/dnsmasq.log" \
		--pid-file="$d/dnsmasq.pid" \
		--host-record=api.test,127.0.0.10,::1 \
		--host-record=other.test,127.0.0.11 \
		--address=/w.test/127.0.0.12 \
		--address=/a.test/127.0.0.13 \
		--cname=alias.test,api.test \
		--host-record=bad.a.test,127.0.0.13 \
		--cname=sneaky.test,bad.a.test \
		--host-record=short.test,127.0.0.14,1 \
		--host-record=rebind.test,127.0.0.1 \
		--host-record=metadata.test,169.254.169.254 \
		--host-record=metadata6.test,fd00:ec2::254 &
	echo $! >"$d/dnsmasq.bgpid"
	echo "nameserver $DNS" >"$d/resolv.conf"
	mount --bind "$d/resolv.conf" /etc/resolv.conf || fail "cannot point the host at dnsmasq"
	local i
	for ((i = 0; i < 100; i++)); do
		[[ $(python3 "$BATS_TEST_DIRNAME/../helpers/names.py" "query $DNS 53 api.test") == "answer 0" ]] && return 0
		sleep 0.1
	done
	fail "dnsmasq did not answer: $(cat "$d/dnsmasq.log")"
}

teardown_file() {
	umount /etc/resolv.conf
	kill "$(cat "$BATS_FILE_TMPDIR/dnsmasq.bgpid")" 2>/dev/null
}

setup() {
	fence_setup
	cp "$BATS_TEST_DIRNAME/../helpers/names.py" "$SOURCE/names.py"
}

teardown() {
	daemon_teardown
}

# names_policy LINES...: the test policy, with glibc's resolver files and these [network] lines.
names_policy() {
	printf '%s\n' '[files]' 'read = /etc/nsswitch.conf /etc/hosts /etc/host.conf /etc/gai.conf' \
		'[network]' "$@" | write_policy
}

# run_names [BPFENCE-RUN-OPTIONS...] -- STEP...: names.py's steps in one invocation.
run_names() {
	local opts=()
	while (($#)) && [[ $1 != -- ]]; do
		opts+=("$1")
		shift
	done
	shift
	fence_run "${opts[@]}" -- /usr/bin/python3 "$SOURCE/names.py" "$@"
}

run_names_untagged() {
	run --separate-stderr python3 "$SOURCE/names.py" "$@"
}

@test "an allowed name reaches its port only; an unlisted name is REFUSED and recorded (untagged: all ok)" {
	start_listener tcp 127.0.0.10 18101 300
	start_listener tcp 127.0.0.10 18102 300
	start_listener tcp 127.0.0.11 18101 300
	names_policy 'allow = api.test tcp 18101'
	start_fresh_daemon
	local steps=("connect api.test 18101" "connect api.test 18102" "connect other.test 18101"
		"connect 127.0.0.11 18101")
	run_names -- "${steps[@]}"
	assert_steps "ok 127.0.0.10" "EPERM 127.0.0.10" "resolve EAI_AGAIN" "EPERM 127.0.0.11"
	assert_denied connect=2 dns=1
	assert_records "socket_connect connect EPERM - - -" "resolver dns EPERM - - -" \
		"socket_connect connect EPERM - - -"
	# The denied connect to an address a name answered names that name; the refused query
	# names its name, type and reason.
	[[ -n $(log_records "$LOG" -- 'class="connect"' 'port=18102' 'name="api.test"') ]] ||
		fail "the connect record does not name api.test: $(cat "$LOG")"
	[[ -n $(log_records "$LOG" -- 'class="dns"' 'name="other.test"' 'qtype="A"' 'reason="unlisted"') ]] ||
		fail "no dns record for other.test: $(cat "$LOG")"
	run_names_untagged "${steps[@]}"
	assert_steps "ok 127.0.0.10" "ok 127.0.0.10" "ok 127.0.0.11" "ok 127.0.0.11"
}

@test "a wildcard allows the names below it, not its apex; deny wins over allow (untagged: ok)" {
	start_listener tcp 127.0.0.12 18111 300
	start_listener tcp 127.0.0.13 18111 300
	names_policy 'allow = *.w.test tcp 18111' 'allow = *.a.test tcp 18111' 'deny = bad.a.test'
	start_fresh_daemon
	local steps=("connect x.w.test 18111" "connect y.z.w.test 18111" "connect w.test 18111"
		"connect good.a.test 18111" "connect bad.a.test 18111" "connect BAD.A.TEST. 18111")
	run_names -- "${steps[@]}"
	assert_steps "ok 127.0.0.12" "ok 127.0.0.12" "resolve EAI_AGAIN" "ok 127.0.0.13" \
		"resolve EAI_AGAIN" "resolve EAI_AGAIN"
	assert_denied dns=3
	[[ $(log_records "$LOG" -- 'class="dns"' 'name="bad.a.test"' 'reason="denied"' | grep -c .) == 2 ]] ||
		fail "bad.a.test, as written and in capitals, not refused as denied: $(cat "$LOG")"
	run_names_untagged "${steps[@]}"
	assert_steps "ok 127.0.0.12" "ok 127.0.0.12" "ok 127.0.0.12" "ok 127.0.0.13" "ok 127.0.0.13" \
		"ok 127.0.0.13"
}

@test "a CNAME chain from an allowed name is followed; one into a denied name is refused (untagged: ok)" {
	start_listener tcp 127.0.0.10 18121 300
	start_listener tcp 127.0.0.13 18121 300
	names_policy 'allow = alias.test tcp 18121' 'allow = sneaky.test tcp 18121' 'deny = bad.a.test'
	start_fresh_daemon
	local steps=("connect alias.test 18121" "connect sneaky.test 18121" "connect api.test 18121")
	run_names -- "${steps[@]}"
	# api.test's address is open: alias.test answered it. api.test itself is not a name of this
	# policy: its own query is refused.
	assert_steps "ok 127.0.0.10" "resolve EAI_AGAIN" "resolve EAI_AGAIN"
	assert_denied dns=2
	[[ -n $(log_records "$LOG" -- 'class="dns"' 'name="bad.a.test"' 'reason="cname"') ]] ||
		fail "the chain into bad.a.test is not recorded: $(cat "$LOG")"
	run_names_untagged "${steps[@]}"
	assert_steps "ok 127.0.0.10" "ok 127.0.0.13" "ok 127.0.0.10"
}

@test "AAAA answers are granted as IPv6 addresses, on their port only (untagged: ok)" {
	start_listener tcp ::1 18131 300
	start_listener tcp ::1 18132 300
	names_policy 'allow = api.test tcp 18131'
	run_names -- "connect api.test 18131 tcp 6" "connect api.test 18132 tcp 6" "connect ::1 18131 tcp 6"
	assert_steps "ok ::1" "EPERM ::1" "ok ::1"
	assert_denied connect=1
	run_names_untagged "connect api.test 18131 tcp 6" "connect api.test 18132 tcp 6"
	assert_steps "ok ::1" "ok ::1"
}

@test "a grant ends with its TTL and grace: the same address is then denied, naming the name (untagged: ok)" {
	start_listener tcp 127.0.0.14 18141 300
	names_policy 'allow = short.test tcp 18141'
	start_fresh_daemon
	# TTL 1 s plus the 3 s grace: gone after 6 s.
	run_names -- "connect short.test 18141" "sleep 6" "connect 127.0.0.14 18141"
	assert_steps "ok 127.0.0.14" slept "EPERM 127.0.0.14"
	assert_denied connect=1
	[[ -n $(log_records "$LOG" -- 'class="connect"' 'name="short.test"') ]] ||
		fail "the expired grant's denial does not name short.test: $(cat "$LOG")"
	run_names_untagged "connect short.test 18141" "connect 127.0.0.14 18141"
	assert_steps "ok 127.0.0.14" "ok 127.0.0.14"
}

@test "a name rebound to the broker or to the metadata service opens neither (untagged: ok)" {
	start_listener tcp 127.0.0.1 7700 300
	start_listener tcp 127.0.0.1 18151 300
	names_policy 'allow = rebind.test tcp any' 'allow = metadata.test tcp any' \
		'allow = metadata6.test tcp any'
	start_fresh_daemon
	local steps=("connect rebind.test 18151" "connect rebind.test 7700" "connect metadata.test 80"
		"connect metadata6.test 80 tcp 6")
	run_names -- "${steps[@]}"
	assert_steps "ok 127.0.0.1" "EPERM 127.0.0.1" "resolve EAI_AGAIN" "resolve EAI_AGAIN"
	assert_denied broker=1 dns=2
	[[ -n $(log_records "$LOG" -- 'class="dns"' 'name="metadata.test"' 'reason="address"' 'address="169.254.169.254"') ]] ||
		fail "the metadata answer is not recorded: $(cat "$LOG")"
	[[ -n $(log_records "$LOG" -- 'class="dns"' 'name="metadata6.test"' 'reason="address"' 'address="fd00:ec2::254"') ]] ||
		fail "the IPv6 metadata answer is not recorded: $(cat "$LOG")"
	run_names_untagged "connect rebind.test 18151" "connect rebind.test 7700"
	assert_steps "ok 127.0.0.1" "ok 127.0.0.1"
}

@test "DNS to any other server is denied, UDP, TCP and DoT, even under a CIDR allow (untagged: answered)" {
	names_policy 'allow = api.test tcp any' 'allow = 127.0.0.0/8 any any'
	local steps=("query $DNS 53 api.test udp" "query $DNS 53 api.test tcp" "query $DNS 853 api.test tcp"
		"query 127.0.0.53 53 api.test udp")
	run_names -- nameserver "${steps[@]}"
	[[ ${lines[0]} == 127.* && ${lines[0]} != "$DNS" ]] || fail "resolv.conf names ${lines[0]}"
	local own=${lines[0]}
	assert_steps "$own" EPERM EPERM EPERM EPERM
	assert_denied connect=4
	# The invocation's own resolver is the one DNS server it reaches.
	run_names -- "query 127.0.0.1 53 api.test udp" nameserver
	assert_steps EPERM "127.*"
	run_names_untagged "query $DNS 53 api.test udp" "query $DNS 53 api.test tcp"
	assert_steps "answer 0" "answer 0"
}

@test "two invocations at once: one's answers open nothing for the other, nor does its resolver (untagged: ok)" {
	start_listener tcp 127.0.0.10 18161 300
	start_listener tcp 127.0.0.11 18161 300
	local shared=$BATS_TEST_TMPDIR/shared a b
	mkdir -p "$shared" && chmod 777 "$shared"
	names_policy 'allow = api.test tcp 18161' "[files]" "write = $shared" "read = $shared"
	a=$BATS_TEST_TMPDIR/a.policy
	mv "$POLICY" "$a"
	names_policy 'allow = other.test tcp 18161' "[files]" "read = $shared"
	b=$POLICY
	# A resolves api.test, says where its resolver is, and stays until B is done.
	"$BPFENCE" run --policy "$a" --source "$SOURCE" -- /bin/sh -c \
		"/usr/bin/python3 $SOURCE/names.py 'connect api.test 18161' nameserver >$shared/a.out; /usr/bin/python3 $SOURCE/names.py 'touch $shared/a.ready' 'wait $shared/b.done'" >/dev/null &
	local pid=$!
	local i
	for ((i = 0; i < 300; i++)); do
		[[ -e $shared/a.ready ]] && break
		sleep 0.1
	done
	[[ -e $shared/a.ready ]] || fail "A did not get ready"
	mapfile -t got <"$shared/a.out"
	[[ ${got[0]} == "ok 127.0.0.10" && ${got[1]} == 127.* ]] || fail "A: ${got[*]}"
	POLICY=$b
	run_names -- "connect other.test 18161" "connect 127.0.0.10 18161" "connect api.test 18161" \
		"query ${got[1]} 53 api.test udp"
	touch "$shared/b.done"
	wait $pid
	assert_steps "ok 127.0.0.11" "EPERM 127.0.0.10" "resolve EAI_AGAIN" EPERM
	assert_denied connect=2 dns=1
	run_names_untagged "connect other.test 18161" "connect 127.0.0.10 18161"
	assert_steps "ok 127.0.0.11" "ok 127.0.0.10"
}

@test "an answer cannot overflow the invocation's set: past the bound, queries are refused and recorded" {
	# any: glibc's getaddrinfo() orders several addresses by connect()ing a UDP socket to each.
	names_policy 'allow = many.test any 18171' 'allow = *.test any 18171' 'families = netlink'
	start_fresh_daemon
	run_names -- "connect many.test 18171" "connect fill1.test 18171" "connect fill2.test 18171" \
		"connect fill3.test 18171" "connect fill4.test 18171" "connect fill5.test 18171"
	# 70 addresses in one answer; then 4 x 60 fit in 256 (connected: nobody listens there),
	# the fifth 60 do not.
	assert_steps "resolve EAI_AGAIN" "ECONNREFUSED 127.11.0.*" "ECONNREFUSED 127.12.0.*" \
		"ECONNREFUSED 127.13.0.*" "ECONNREFUSED 127.14.0.*" "resolve EAI_AGAIN"
	assert_denied dns=2
	[[ $(log_records "$LOG" -- 'class="dns"' 'reason="full"' | grep -c .) == 2 ]] ||
		fail "the overflows are not recorded: $(cat "$LOG")"
	run_names_untagged "connect many.test 18171" "connect fill5.test 18171"
	assert_steps "ECONNREFUSED 127.0.3.*" "ECONNREFUSED 127.15.0.*"
}

@test "a sandbox resolves through its keeper's resolver across execs; terminate leaves no grant (untagged: ok)" {
	start_listener tcp 127.0.0.10 18181 300
	names_policy 'allow = api.test tcp 18181'
	run --separate-stderr "$BPFENCE" sandbox create --policy "$POLICY" --source "$SOURCE"
	assert_status 0
	local sb=${output%% *}
	run --separate-stderr "$BPFENCE" sandbox exec "$sb" -- /usr/bin/python3 "$SOURCE/names.py" \
		"connect api.test 18181" "connect other.test 18181"
	assert_steps "ok 127.0.0.10" "resolve EAI_AGAIN"
	run --separate-stderr "$BPFENCE" sandbox exec "$sb" -- /usr/bin/python3 "$SOURCE/names.py" \
		"connect api.test 18181" "connect 127.0.0.10 18182"
	assert_steps "ok 127.0.0.10" "EPERM 127.0.0.10"
	run "$BPFENCE" sandbox terminate "$sb"
	assert_status 0
	[[ -z $(bpftool map dump pinned /sys/fs/bpf/bpfence/maps/name_grants | grep -v '^\[\]$\|^Found 0') ]] ||
		fail "grants left: $(bpftool map dump pinned /sys/fs/bpf/bpfence/maps/name_grants)"
	run_names_untagged "connect api.test 18181" "connect other.test 18181"
	assert_steps "ok 127.0.0.10" "ECONNREFUSED 127.0.0.11"
}

@test "audit mode: unlisted names resolve, queries and connects are recorded as audited; learn proposes the names" {
	start_listener tcp 127.0.0.11 18191 300
	names_policy 'allow = api.test tcp 18191'
	start_fresh_daemon
	run_names --audit -- "connect other.test 18191"
	assert_steps "ok 127.0.0.11"
	assert_counts audited connect=1 dns=1
	stop_daemon
	[[ -n $(log_records "$LOG" -- 'class="connect"' 'action="audited"' 'name="other.test"') ]] ||
		fail "the audited connect does not name other.test: $(cat "$LOG")"
	run "$BPFENCE" policy learn --log "$LOG"
	assert_status 0
	[[ $output == *"allow = other.test tcp 18191"* ]] || fail "learn proposed: $output"
}

@test "tag refuses a policy with names: only run, sandbox and oci-hook start a resolver" {
	names_policy 'allow = api.test tcp 443'
	local cg=$CGROOT/names-tag-test
	mkdir -p "$cg"
	CLEANUP_CGROUPS+=("$cg")
	run --separate-stderr "$BPFENCE" tag --policy "$POLICY" "$cg"
	[[ $status != 0 ]] || fail "tag took it"
	[[ $stderr == *"names DNS names"* ]] || fail "tag said: $stderr"
	[[ -z $("$BPFENCE" status --json | "$JSONQ" get tagged_cgroups | grep -v '^0$') ]] ||
		fail "tag left something tagged"
}
