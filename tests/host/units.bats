#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-only
# The systemd units of tools/systemd, as `make install` renders them: systemd-analyze accepts
# every one, the slice cannot start untagged, bpfence-tag-slice tags the right cgroup, and
# bpfenced.socket is the socket of bpfenced.conf, handed to the daemon, which outlives it. No
# running systemd is needed (or used): systemd-analyze verify loads the units in a manager of
# its own, builds a start transaction for each, and checks ExecStart= binaries exist.

load helpers

setup() {
	PREFIX="$BATS_TEST_TMPDIR/prefix"
	UNITS="$PREFIX/lib/systemd/system"
	make -s -C "$REPO" install prefix="$PREFIX" >/dev/null
}

teardown() {
	[ -z "${CG_MADE:-}" ] || rmdir "$CG_MADE" "$(dirname "$CG_MADE")" 2>/dev/null || true
}

# Every unit the tree ships, by its installed name: tools/systemd/*.{service,socket,slice}.in.
shipped_units() {
	for f in "$REPO"/tools/systemd/*.service.in "$REPO"/tools/systemd/*.socket.in \
		"$REPO"/tools/systemd/*.slice.in; do
		basename "$f" .in
	done
}

# systemd 252 reports an unknown key or a value it cannot parse as a warning and still exits 0,
# so a unit passes only with exit 0 AND not one line of output.
verify_clean() {
	local out
	out=$(cd "$1" && systemd-analyze verify * 2>&1) || {
		echo "$out" >&2
		return 1
	}
	[ -z "$out" ] || {
		echo "$out" >&2
		return 1
	}
}

# KEY=VALUE of a section of a unit file, one value per line (space-separated lists split).
unit_values() {
	awk -v sec="[$2]" -v key="$3" '
		/^\[/ { in_sec = ($0 == sec); next }
		in_sec && index($0, key "=") == 1 {
			n = split(substr($0, length(key) + 2), v, " ")
			for (i = 1; i <= n; i++) print v[i]
		}' "$1"
}

@test "make install renders every unit with its prefix and DESTDIR, no placeholder left" {
	dest="$BATS_TEST_TMPDIR/dest"
	make -s -C "$REPO" install DESTDIR="$dest" prefix=/usr >/dev/null
	for u in $(shipped_units); do
		[ -f "$dest/usr/lib/systemd/system/$u" ] || fail_loudly "$u not installed"
		if grep -n '@[A-Z_]*@' "$dest/usr/lib/systemd/system/$u"; then
			fail_loudly "$u: placeholder left"
		fi
	done
	[ "$(unit_values "$dest/usr/lib/systemd/system/bpfenced.service" Service ExecStart | head -n 1)" = /usr/sbin/bpfenced ]
	[ "$(unit_values "$dest/usr/lib/systemd/system/bpfence-slice.service" Service ExecStart | head -n 1)" = /usr/libexec/bpfence/bpfence-tag-slice ]
	[ -x "$dest/usr/libexec/bpfence/bpfence-tag-slice" ]
	grep -q '^exec /usr/sbin/bpfence tag --from-exec ' "$dest/usr/libexec/bpfence/bpfence-tag-slice"
	# Nothing of this prefix names another one.
	if grep -rn /usr/local "$dest/usr/lib/systemd/system" "$dest/usr/libexec/bpfence/bpfence-tag-slice"; then
		fail_loudly "/usr/local named under prefix=/usr"
	fi
}

@test "systemd-analyze verify accepts every shipped unit without a single warning" {
	[ "$(ls "$UNITS" | sort)" = "$(shipped_units | sort)" ]
	verify_clean "$UNITS"
}

@test "the verify check fails on a misspelt key, a missing binary, an ordering cycle, a missing unit" {
	broken() {
		rm -rf "$BATS_TEST_TMPDIR/broken"
		cp -r "$UNITS" "$BATS_TEST_TMPDIR/broken"
		sed -i "$2" "$BATS_TEST_TMPDIR/broken/$1"
		! verify_clean "$BATS_TEST_TMPDIR/broken" 2>/dev/null
	}
	# A warning only: systemd-analyze exits 0 here, verify_clean must not.
	broken bpfence.slice 's/^Requires=/Requiers=/'
	(cd "$BATS_TEST_TMPDIR/broken" && systemd-analyze verify * 2>/dev/null)
	broken bpfenced.service 's|^ExecStart=[^ ]*|&-missing|'
	broken bpfence-slice.service 's/^Before=bpfence.slice/After=bpfence.slice/'
	broken bpfence.slice 's/^Requires=bpfence-slice.service/Requires=bpfence-slise.service/'
	broken bpfenced.socket 's/^SocketMode=/SocketMod=/'
	broken bpfenced.socket 's|^ExecStartPre=/usr/bin/install|&-missing|'
}

# A key of tools/config/bpfenced.conf (the shipped defaults): "[section] key = value # ...".
conf_value() {
	awk -v sec="[$1]" -v key="$2" '/^\[/ { in_sec = ($1 == sec); next }
		in_sec && $1 == key && $2 == "=" { print $3; exit }' "$REPO/tools/config/bpfenced.conf"
}

@test "bpfenced.socket: the configuration's socket, root:bpfence 0660 in a directory others can pass, for bpfenced.service" {
	s="$UNITS/bpfenced.socket"
	[ "$(unit_values "$s" Socket ListenStream)" = "$(conf_value socket path)" ]
	[ "$(unit_values "$s" Socket ListenStream)" = /run/bpfence/bpfenced.sock ]
	[ "$(unit_values "$s" Socket SocketUser)" = root ]
	[ "$(unit_values "$s" Socket SocketGroup)" = "$(conf_value socket group)" ]
	[ "$(unit_values "$s" Socket SocketMode)" = 0660 ]
	[ "$(unit_values "$s" Socket DirectoryMode)" = 0755 ]
	# Made 0755 even when a bpfence command made it 0700 before the unit started.
	[ "$(unit_values "$s" Socket ExecStartPre | tr '\n' ' ')" = "/usr/bin/install -d -m 0755 /run/bpfence " ]
	[ "$(unit_values "$s" Socket Service)" = bpfenced.service ]
	[ "$(unit_values "$s" Install WantedBy)" = sockets.target ]
	# bpfenced's default is the same socket.
	"$REPO/.output/bpfenced" --help | grep -q "(default $(conf_value socket path), root:$(conf_value socket group) 0660)"
}

@test "bpfenced.service gets the socket without depending on it, and a restart leaves the workers running" {
	s="$UNITS/bpfenced.service"
	[ "$(unit_values "$s" Service Sockets)" = bpfenced.socket ]
	# Sockets= implies Wants= and After=; nothing may make the daemon need the socket.
	if unit_values "$s" Unit Requires | grep -q . || unit_values "$s" Unit BindsTo | grep -q .; then
		fail_loudly "bpfenced.service must not require the socket unit"
	fi
	[ "$(unit_values "$s" Service KillMode)" = process ]
}

@test "bpfence.slice cannot start before bpfence-slice.service has tagged it" {
	unit_values "$UNITS/bpfence.slice" Unit Requires | grep -qx bpfence-slice.service
	unit_values "$UNITS/bpfence.slice" Unit After | grep -qx bpfence-slice.service
	unit_values "$UNITS/bpfence-slice.service" Unit Before | grep -qx bpfence.slice
	unit_values "$UNITS/bpfence-slice.service" Unit PartOf | grep -qx bpfence.slice
	unit_values "$UNITS/bpfence-slice.service" Unit After | grep -qx bpfenced.service
	[ "$(unit_values "$UNITS/bpfence-slice.service" Service Type)" = oneshot ]
	[ "$(unit_values "$UNITS/bpfence-slice.service" Service RemainAfterExit)" = yes ]
	[ "$(unit_values "$UNITS/bpfence-example.service" Service Slice)" = bpfence.slice ]
}

# bpfence-tag-slice with a stand-in for bpfence that records how it was called.
stub_bpfence() {
	cat > "$PREFIX/sbin/bpfence" <<-EOF
		#!/bin/sh
		printf '%s\n' "\$@" > "$BATS_TEST_TMPDIR/bpfence-args"
		exit ${1:-0}
	EOF
}

@test "bpfence-tag-slice makes the nested cgroup in the cgroup2 mount and tags it --from-exec" {
	stub_bpfence 0
	name=bpfencetest-$$.slice
	CG_MADE="$(cgroup2)/bpfencetest.slice/$name"
	run --separate-stderr "$PREFIX/libexec/bpfence/bpfence-tag-slice" "$name" /etc/x.policy
	[ "$status" -eq 0 ]
	[ -d "$CG_MADE" ]
	[ "$(cat "$BATS_TEST_TMPDIR/bpfence-args")" = "$(printf '%s\n' tag --from-exec --policy /etc/x.policy "bpfencetest.slice/$name")" ]
}

@test "bpfence-tag-slice fails (and so the slice) when bpfence tag fails" {
	stub_bpfence 1
	CG_MADE="$(cgroup2)/bpfencetest.slice/bpfencetest-$$.slice"
	run "$PREFIX/libexec/bpfence/bpfence-tag-slice" "bpfencetest-$$.slice" /etc/x.policy
	[ "$status" -eq 1 ]
	[ -s "$BATS_TEST_TMPDIR/bpfence-args" ]
}

@test "bpfence-tag-slice refuses a bad slice name before touching anything" {
	stub_bpfence 0
	for name in "" x.service -.slice .slice a--b.slice a-.slice -a.slice ../x.slice 'a b.slice' a/b.slice; do
		run --separate-stderr "$PREFIX/libexec/bpfence/bpfence-tag-slice" "$name" /etc/x.policy
		[ "$status" -eq 2 ] || fail_loudly "'$name' accepted"
		[[ "$stderr" == "bpfence-tag-slice: bad slice name: '$name'"* ]]
	done
	run "$PREFIX/libexec/bpfence/bpfence-tag-slice" only-one.slice
	[ "$status" -eq 2 ]
	[ ! -e "$BATS_TEST_TMPDIR/bpfence-args" ]
}

@test "bpfence-example.service reports NOT restricted (and fails) when it runs untagged" {
	[ "$(id -u)" -eq 0 ] || skip "reads /etc/shadow: needs root to be the negative control"
	cmd=$(sed -n 's/^ExecStart=//p' "$UNITS/bpfence-example.service" | sed 's/\$\$/$/g')
	[[ "$cmd" == "/bin/sh -c '"* ]]
	run --separate-stderr sh -c "$cmd"
	[ "$status" -eq 1 ]
	[ "$stderr" = "bpfence-example: /etc/shadow is readable: NOT restricted" ]
}
