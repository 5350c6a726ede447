#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-only
#
# SECURITY row 12: io_uring. bpfence's seccomp layer refuses io_uring unless the policy says
# `[syscalls] permit = io_uring`; when it does, the operations run in io-wq worker threads or the
# SQPOLL kernel thread, which belong to the invocation's cgroup, so the same LSM hooks decide
# them with the same tag: the denial, its errno (in the completion) and its audit record are
# those of the plain syscall. Each test has its untagged control.

load helpers

LOG=/var/log/bpfence/test-uring.jsonl

setup() {
	daemon_setup
	write_policy <<'EOF'
[syscalls]
permit = io_uring
EOF
}

teardown() {
	daemon_teardown
}

@test "without the permit, io_uring_setup itself is refused with EPERM (seccomp)" {
	write_policy </dev/null
	run_tagged uring openat /etc/hostname
	assert_probe 1 "EPERM io_uring_setup"
	run_untagged uring openat /etc/hostname
	assert_probe 0 "ok"
}

@test "IORING_OP_OPENAT of a denied file in an io-wq worker: EACCES, class file, one record" {
	run_tagged uring openat /etc/shadow
	assert_probe 1 "EACCES io_uring_openat"
	assert_denied file=1
	assert_record file_open file EACCES
	run_untagged uring openat /etc/shadow
	assert_probe 0 "ok"
}

@test "IORING_OP_OPENAT from the SQPOLL thread: EACCES, class file, one record" {
	run_tagged uring openat /etc/shadow sqpoll
	assert_probe 1 "EACCES io_uring_openat"
	assert_denied file=1
	assert_record file_open file EACCES
	run_untagged uring openat /etc/shadow sqpoll
	assert_probe 0 "ok"
}

@test "IORING_OP_OPENAT of a granted file works: the worker carries the policy, not a blanket deny" {
	echo hello >"$SOURCE/f.txt"
	run_tagged uring openat "$SOURCE/f.txt"
	assert_probe 0 "ok"
	assert_denied
}

@test "IORING_OP_CONNECT to a remote address: EPERM, class connect (untagged: ok)" {
	start_listener tcp "$REMOTE" 18301 300
	run_tagged uring connect "$REMOTE" 18301
	assert_probe 1 "EPERM io_uring_connect"
	assert_denied connect=1
	assert_record socket_connect connect EPERM
	run_untagged uring connect "$REMOTE" 18301
	assert_probe 0 "ok"
}

@test "IORING_OP_SENDMSG of an unconnected UDP datagram from the SQPOLL thread: EPERM (untagged: ok)" {
	start_listener udp "$REMOTE" 18302 300
	run_tagged uring sendmsg "$REMOTE" 18302 sqpoll
	assert_probe 1 "EPERM io_uring_sendmsg"
	assert_denied connect=1
	assert_record socket_sendmsg connect EPERM
	run_untagged uring sendmsg "$REMOTE" 18302 sqpoll
	assert_probe 0 "ok"
}

@test "IORING_OP_SOCKET of AF_PACKET: EACCES, class socket (untagged: ok)" {
	run_tagged uring socket 17
	assert_probe 1 "EACCES io_uring_socket"
	assert_denied socket=1
	assert_record socket_create socket EACCES
	run_untagged uring socket 17
	assert_probe 0 "ok"
}
