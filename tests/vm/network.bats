#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-only
#
# [network]: with connect = deny and no allow rule, every inet destination is refused with EPERM
# at connect()/sendto()/sendmsg()/sendmmsg(), loopback and IPv4-mapped forms included, and
# counted as class "connect". Each test has its untagged control against a live listener.

load helpers

@test "tcp connect to a remote address is denied with EPERM (untagged: ok)" {
	start_listener tcp "$REMOTE" 18001 300
	run_tagged connect tcp "$REMOTE" 18001
	assert_probe 1 "EPERM connect"
	assert_denied connect=1
	assert_json exit_code 1
	run_untagged connect tcp "$REMOTE" 18001
	assert_probe 0 "ok"
}

@test "udp connect to a remote address is denied with EPERM (untagged: ok)" {
	start_listener udp "$REMOTE" 18002 300
	run_tagged connect udp "$REMOTE" 18002
	assert_probe 1 "EPERM connect"
	assert_denied connect=1
	run_untagged connect udp "$REMOTE" 18002
	assert_probe 0 "ok"
}

@test "udp sendto to a remote address is denied with EPERM (untagged: ok)" {
	start_listener udp "$REMOTE" 18003 300
	run_tagged sendto udp "$REMOTE" 18003
	assert_probe 1 "EPERM sendto"
	assert_denied connect=1
	run_untagged sendto udp "$REMOTE" 18003
	assert_probe 0 "ok"
}

@test "udp sendmsg and sendmmsg to a remote address are denied with EPERM (untagged: ok)" {
	start_listener udp "$REMOTE" 18004 300
	run_tagged sendmsg udp "$REMOTE" 18004
	assert_probe 1 "EPERM sendmsg"
	assert_denied connect=1
	run_tagged sendmmsg udp "$REMOTE" 18004
	assert_probe 1 "EPERM sendmmsg"
	assert_denied connect=1
	run_untagged sendmsg udp "$REMOTE" 18004
	assert_probe 0 "ok"
	run_untagged sendmmsg udp "$REMOTE" 18004
	assert_probe 0 "ok"
}

@test "tcp fast open (sendto MSG_FASTOPEN) to a remote address is denied with EPERM (untagged: ok)" {
	start_listener tcp "$REMOTE" 18005 300
	run_tagged fastopen "$REMOTE" 18005
	assert_probe 1 "EPERM sendto"
	assert_denied connect=1
	run_untagged fastopen "$REMOTE" 18005
	assert_probe 0 "ok"
}

@test "tcp connect to loopback 127.0.0.1 is denied with EPERM (untagged: ok)" {
	start_listener tcp 127.0.0.1 18011 300
	run_tagged connect tcp 127.0.0.1 18011
	assert_probe 1 "EPERM connect"
	assert_denied connect=1
	run_untagged connect tcp 127.0.0.1 18011
	assert_probe 0 "ok"
}

@test "udp connect to loopback 127.0.0.1 is denied with EPERM (untagged: ok)" {
	start_listener udp 127.0.0.1 18012 300
	run_tagged connect udp 127.0.0.1 18012
	assert_probe 1 "EPERM connect"
	assert_denied connect=1
	run_untagged connect udp 127.0.0.1 18012
	assert_probe 0 "ok"
}

@test "udp sendto to loopback 127.0.0.1 is denied with EPERM (untagged: ok)" {
	start_listener udp 127.0.0.1 18013 300
	run_tagged sendto udp 127.0.0.1 18013
	assert_probe 1 "EPERM sendto"
	assert_denied connect=1
	run_untagged sendto udp 127.0.0.1 18013
	assert_probe 0 "ok"
}

@test "tcp connect to v4-mapped loopback ::ffff:127.0.0.1 is denied with EPERM (untagged: ok)" {
	start_listener tcp 127.0.0.1 18021 300
	run_tagged connect tcp ::ffff:127.0.0.1 18021
	assert_probe 1 "EPERM connect"
	assert_denied connect=1
	run_untagged connect tcp ::ffff:127.0.0.1 18021
	assert_probe 0 "ok"
}

@test "udp connect and sendto to v4-mapped loopback ::ffff:127.0.0.1 are denied with EPERM (untagged: ok)" {
	start_listener udp 127.0.0.1 18022 300
	run_tagged connect udp ::ffff:127.0.0.1 18022
	assert_probe 1 "EPERM connect"
	assert_denied connect=1
	run_tagged sendto udp ::ffff:127.0.0.1 18022
	assert_probe 1 "EPERM sendto"
	assert_denied connect=1
	run_untagged connect udp ::ffff:127.0.0.1 18022
	assert_probe 0 "ok"
	run_untagged sendto udp ::ffff:127.0.0.1 18022
	assert_probe 0 "ok"
}

@test "tcp connect to a v4-mapped remote address ::ffff:192.0.2.1 is denied with EPERM (untagged: ok)" {
	start_listener tcp "$REMOTE" 18023 300
	run_tagged connect tcp "::ffff:$REMOTE" 18023
	assert_probe 1 "EPERM connect"
	assert_denied connect=1
	run_untagged connect tcp "::ffff:$REMOTE" 18023
	assert_probe 0 "ok"
}

@test "tcp connect to IPv6 loopback ::1 is denied with EPERM (untagged: ok)" {
	start_listener tcp ::1 18031 300
	run_tagged connect tcp ::1 18031
	assert_probe 1 "EPERM connect"
	assert_denied connect=1
	run_untagged connect tcp ::1 18031
	assert_probe 0 "ok"
}

@test "udp connect and sendto to IPv6 loopback ::1 are denied with EPERM (untagged: ok)" {
	start_listener udp ::1 18032 300
	run_tagged connect udp ::1 18032
	assert_probe 1 "EPERM connect"
	assert_denied connect=1
	run_tagged sendto udp ::1 18032
	assert_probe 1 "EPERM sendto"
	assert_denied connect=1
	run_untagged sendto udp ::1 18032
	assert_probe 0 "ok"
}

@test "an allow rule lets exactly its destination through: allowed tcp port ok, other port EPERM" {
	write_policy <<EOF
[network]
allow = $REMOTE/32 tcp 18041
EOF
	start_listener tcp "$REMOTE" 18041 300
	start_listener tcp "$REMOTE" 18042 300
	run_tagged connect tcp "$REMOTE" 18041
	assert_probe 0 "ok"
	assert_denied
	# The rule is tcp only: udp to the same port is still refused.
	run_tagged sendto udp "$REMOTE" 18041
	assert_probe 1 "EPERM sendto"
	assert_denied connect=1
	run_tagged connect tcp "$REMOTE" 18042
	assert_probe 1 "EPERM connect"
	assert_denied connect=1
	run_untagged connect tcp "$REMOTE" 18042
	assert_probe 0 "ok"
}

@test "socket(AF_PACKET) is denied with EACCES (untagged: ok)" {
	run_tagged socket packet raw
	assert_probe 1 "EACCES socket"
	assert_denied socket=1
	run_untagged socket packet raw
	assert_probe 0 "ok"
}

@test "an inet raw socket is denied with EACCES although inet is in families (untagged: ok)" {
	run_tagged socket inet raw icmp
	assert_probe 1 "EACCES socket"
	assert_denied socket=1
	run_untagged socket inet raw icmp
	assert_probe 0 "ok"
}

@test "an inet6 raw socket is denied with EACCES although inet6 is in families (untagged: ok)" {
	run_tagged socket inet6 raw icmpv6
	assert_probe 1 "EACCES socket"
	assert_denied socket=1
	run_untagged socket inet6 raw icmpv6
	assert_probe 0 "ok"
}

@test "an mptcp socket is denied with EACCES although inet is in families (untagged: ok)" {
	run_tagged socket inet stream mptcp
	assert_probe 1 "EACCES socket"
	assert_denied socket=1
	run_untagged socket inet stream mptcp
	assert_probe 0 "ok"
}

@test "socket(AF_NETLINK) outside families is denied with EACCES (untagged: ok)" {
	run_tagged socket netlink raw
	assert_probe 1 "EACCES socket"
	assert_denied socket=1
	run_untagged socket netlink raw
	assert_probe 0 "ok"
}

@test "inet and inet6 tcp/udp sockets listed in families can be created" {
	run_tagged socket inet stream tcp
	assert_probe 0 "ok"
	assert_denied
	run_tagged socket inet6 dgram udp
	assert_probe 0 "ok"
	assert_denied
}

@test "an inet listen() is denied with EPERM under connect = deny; a unix listener in scratch is not (untagged: ok)" {
	local scratch=$BATS_TEST_TMPDIR/scratch
	mkdir "$scratch"
	run_tagged listen tcp 127.0.0.1 18101 0.2
	assert_probe 1 "EPERM listen"
	assert_denied connect=1
	run_tagged listen tcp :: 18102 0.2
	assert_probe 1 "EPERM listen"
	assert_denied connect=1
	fence_run --scratch "$scratch" -- "$PROBE" listen unix "$scratch/l.sock" - 0.2
	assert_probe 0 "ready"
	assert_denied
	run_untagged listen tcp 127.0.0.1 18101 0.2
	assert_probe 0 "ready"
}
