#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-only
#
# Unix sockets: a socket created by a task of the same invocation is reachable (unix-self,
# socketpair, a listener in another process of the invocation); every other unix socket on the
# host (not the broker) is denied with EACCES, class "unix", filesystem and abstract alike.

load helpers

@test "a unix socket made inside the invocation (in scratch, and abstract) is reachable" {
	local scratch=$BATS_TEST_TMPDIR/scratch
	mkdir "$scratch"
	fence_run --scratch "$scratch" -- "$PROBE" unix-self "$scratch"
	assert_probe 0 "ok"
	assert_denied
	run_untagged unix-self "$scratch"
	assert_probe 0 "ok"
}

@test "socketpair (stream and dgram) works inside the invocation" {
	run_tagged unix-pair
	assert_probe 0 "ok"
	assert_denied
}

@test "a listener started by another process of the same invocation is reachable" {
	local scratch=$BATS_TEST_TMPDIR/scratch sock
	mkdir "$scratch"
	sock=$scratch/s.sock
	# sh starts the listener in the background, waits for its socket, then connects.
	fence_run --scratch "$scratch" -- /bin/sh -c "
		$PROBE listen unix $sock - 20 >/dev/null &
		i=0
		while [ ! -S $sock ] && [ \$i -lt 200 ]; do $PROBE sleep 0.05 >/dev/null; i=\$((i + 1)); done
		exec $PROBE unix-connect $sock"
	assert_probe 0 "ok"
	assert_denied
}

@test "a unix stream socket of another host process is denied with EACCES, class unix (untagged: ok)" {
	start_listener unix "$BATS_TEST_TMPDIR/other.sock" - 300
	run_tagged unix-connect "$BATS_TEST_TMPDIR/other.sock"
	assert_probe 1 "EACCES connect"
	assert_denied unix=1
	run_untagged unix-connect "$BATS_TEST_TMPDIR/other.sock"
	assert_probe 0 "ok"
}

@test "an abstract unix socket of another host process is denied with EACCES, class unix (untagged: ok)" {
	start_listener unix @bpfence-test-other - 300
	run_tagged unix-connect @bpfence-test-other
	assert_probe 1 "EACCES connect"
	assert_denied unix=1
	run_untagged unix-connect @bpfence-test-other
	assert_probe 0 "ok"
}

@test "a datagram to a unix socket of another host process is denied with EACCES, class unix (untagged: ok)" {
	start_listener unix-dgram "$BATS_TEST_TMPDIR/other-dgram.sock" - 300
	run_tagged unix-sendto "$BATS_TEST_TMPDIR/other-dgram.sock"
	assert_probe 1 "EACCES sendto"
	assert_denied unix=1
	run_tagged unix-dgram-connect "$BATS_TEST_TMPDIR/other-dgram.sock"
	assert_probe 1 "EACCES connect"
	assert_denied unix=1
	run_untagged unix-sendto "$BATS_TEST_TMPDIR/other-dgram.sock"
	assert_probe 0 "ok"
	run_untagged unix-dgram-connect "$BATS_TEST_TMPDIR/other-dgram.sock"
	assert_probe 0 "ok"
}

@test "a unix socket of another host process reached through a symlink in scratch is denied with EACCES" {
	local scratch=$BATS_TEST_TMPDIR/scratch
	mkdir "$scratch"
	start_listener unix "$BATS_TEST_TMPDIR/other.sock" - 300
	ln -s "$BATS_TEST_TMPDIR/other.sock" "$scratch/mine.sock"
	fence_run --scratch "$scratch" -- "$PROBE" unix-connect "$scratch/mine.sock"
	assert_probe 1 "EACCES connect"
	assert_denied unix=1
	run_untagged unix-connect "$scratch/mine.sock"
	assert_probe 0 "ok"
}
