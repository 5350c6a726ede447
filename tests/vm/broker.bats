#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-only
#
# [broker]: the runner's broker is never reachable from a function, whatever [network] says.
# The unix broker is denied by inode (every alias: symlink, hard link) or abstract name with
# EACCES, the TCP broker on every loopback/wildcard/host address with EPERM; both count as class
# "broker". The listeners are real, so each untagged control connects.

load helpers

setup() {
	fence_setup
	mkdir -p "$BROKER_DIR"
	CLEANUP_PATHS+=("$BROKER_DIR/alias.sock")
}

# The broker socket must exist before the run: the policy resolves it to its inode at start.
start_broker() {
	start_listener unix "$BROKER_SOCK" - 300
}

@test "the unix broker by its path is denied with EACCES, class broker (untagged: ok)" {
	start_broker
	run_tagged unix-connect "$BROKER_SOCK"
	assert_probe 1 "EACCES connect"
	assert_denied broker=1
	run_untagged unix-connect "$BROKER_SOCK"
	assert_probe 0 "ok"
}

@test "the unix broker through a symlink is denied with EACCES, class broker (untagged: ok)" {
	start_broker
	ln -s "$BROKER_SOCK" "$BATS_TEST_TMPDIR/broker-link.sock"
	run_tagged unix-connect "$BATS_TEST_TMPDIR/broker-link.sock"
	assert_probe 1 "EACCES connect"
	assert_denied broker=1
	run_untagged unix-connect "$BATS_TEST_TMPDIR/broker-link.sock"
	assert_probe 0 "ok"
}

@test "the unix broker through a hard link is denied with EACCES, class broker (untagged: ok)" {
	start_broker
	ln "$BROKER_SOCK" "$BROKER_DIR/alias.sock"
	[[ $(stat -c %i "$BROKER_DIR/alias.sock") == $(stat -c %i "$BROKER_SOCK") ]]
	run_tagged unix-connect "$BROKER_DIR/alias.sock"
	assert_probe 1 "EACCES connect"
	assert_denied broker=1
	run_untagged unix-connect "$BROKER_DIR/alias.sock"
	assert_probe 0 "ok"
}

@test "a datagram send to the unix broker is denied with EACCES, class broker (untagged: ok)" {
	start_listener unix-dgram "$BROKER_SOCK" - 300
	run_tagged unix-sendto "$BROKER_SOCK"
	assert_probe 1 "EACCES sendto"
	assert_denied broker=1
	run_tagged unix-dgram-connect "$BROKER_SOCK"
	assert_probe 1 "EACCES connect"
	assert_denied broker=1
	run_untagged unix-sendto "$BROKER_SOCK"
	assert_probe 0 "ok"
}

@test "an abstract unix broker (@name) is denied with EACCES, class broker (untagged: ok)" {
	write_policy <<'EOF'
[broker]
unix = @bpfence-test-broker
EOF
	start_listener unix @bpfence-test-broker - 300
	run_tagged unix-connect @bpfence-test-broker
	assert_probe 1 "EACCES connect"
	assert_denied broker=1
	run_untagged unix-connect @bpfence-test-broker
	assert_probe 0 "ok"
}

@test "the tcp broker 127.0.0.1:7700 is denied with EPERM, class broker, even with connect = allow (untagged: ok)" {
	write_policy <<'EOF'
[network]
connect = allow
EOF
	# Dual-stack wildcard listener: reachable as 127.0.0.1, 127.0.0.2, ::1 and v4-mapped.
	start_listener tcp :: 7700 300
	start_listener tcp 127.0.0.1 7701 300
	# connect = allow really allows: another port on the same address goes through.
	run_tagged connect tcp 127.0.0.1 7701
	assert_probe 0 "ok"
	assert_denied
	run_tagged connect tcp 127.0.0.1 7700
	assert_probe 1 "EPERM connect"
	assert_denied broker=1
	run_untagged connect tcp 127.0.0.1 7700
	assert_probe 0 "ok"
}

@test "the tcp broker port on 127.0.0.2 (any loopback address) is denied with EPERM, class broker (untagged: ok)" {
	write_policy <<'EOF'
[network]
connect = allow
EOF
	start_listener tcp :: 7700 300
	run_tagged connect tcp 127.0.0.2 7700
	assert_probe 1 "EPERM connect"
	assert_denied broker=1
	run_untagged connect tcp 127.0.0.2 7700
	assert_probe 0 "ok"
}

@test "the tcp broker port on ::ffff:127.0.0.1, ::1 and 0.0.0.0 is denied with EPERM, class broker (untagged: ok)" {
	write_policy <<'EOF'
[network]
connect = allow
EOF
	start_listener tcp :: 7700 300
	local addr
	for addr in ::ffff:127.0.0.1 ::1 0.0.0.0 ::; do
		run_tagged connect tcp "$addr" 7700
		assert_probe 1 "EPERM connect"
		assert_denied broker=1
		run_untagged connect tcp "$addr" 7700
		assert_probe 0 "ok"
	done
}

@test "the tcp broker port is denied with EPERM even when an allow rule covers it (untagged: ok)" {
	write_policy <<'EOF'
[network]
allow = 127.0.0.0/8 tcp any
EOF
	start_listener tcp 127.0.0.1 7700 300
	start_listener tcp 127.0.0.1 7701 300
	run_tagged connect tcp 127.0.0.1 7701
	assert_probe 0 "ok"
	assert_denied
	run_tagged connect tcp 127.0.0.1 7700
	assert_probe 1 "EPERM connect"
	assert_denied broker=1
	run_untagged connect tcp 127.0.0.1 7700
	assert_probe 0 "ok"
}

@test "connect = allow lets a function listen, but never on the broker's port: 127.0.0.1, 0.0.0.0 and :: are denied with EPERM, class broker (untagged: ok)" {
	write_policy <<'EOF'
[network]
connect = allow
EOF
	run_tagged listen tcp 127.0.0.1 18111 0.2
	assert_probe 0 "ready"
	assert_denied
	local a
	for a in 127.0.0.1 0.0.0.0 ::; do
		run_tagged listen tcp "$a" 7700 0.2
		assert_probe 1 "EPERM listen"
		assert_denied broker=1
	done
	run_untagged listen tcp 127.0.0.1 7700 0.2
	assert_probe 0 "ready"
}

@test "a broker on a host address: a wildcard or same-address listener on its port is denied, class broker; loopback on that port is not (untagged: ok)" {
	write_policy <<EOF2
[network]
connect = allow

[broker]
tcp = $REMOTE:7710
EOF2
	local a
	for a in 0.0.0.0 :: "$REMOTE"; do
		run_tagged listen tcp "$a" 7710 0.2
		assert_probe 1 "EPERM listen"
		assert_denied broker=1
	done
	# 127.0.0.1:7710 never receives connections meant for $REMOTE:7710.
	run_tagged listen tcp 127.0.0.1 7710 0.2
	assert_probe 0 "ready"
	assert_denied
	run_untagged listen tcp 0.0.0.0 7710 0.2
	assert_probe 0 "ready"
}
