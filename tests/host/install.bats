#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-only
# make install and make uninstall: every file where prefix and DESTDIR say (units, logrotate,
# completion and bpfenced.conf included), nothing that names another prefix, and nothing left
# after uninstall but an administrator's edited bpfenced.conf, which no install overwrites.
# The logrotate configuration rotates and recreates the log as bpfenced expects. No root
# privileges beyond a temporary directory's are used; no VM.

load helpers

# Files and symlinks under a directory, relative to it, sorted.
tree() { (cd "$1" && find . \( -type f -o -type l \) | sed 's|^\./||' | LC_ALL=C sort); }

expected_usr() {
	local f
	printf '%s\n' etc/logrotate.d/bpfence etc/bpfence/bpfenced.conf usr/sbin/bpfence usr/sbin/bpfenced \
		usr/libexec/bpfence/bpfence-attack usr/libexec/bpfence/bpfence-tag-slice \
		usr/share/bash-completion/completions/bpfence \
		usr/share/bash-completion/completions/bpfenced \
		usr/share/man/man5/bpfence.policy.5 usr/share/man/man5/bpfenced.conf.5 \
		usr/share/man/man8/bpfence.8 usr/share/man/man8/bpfenced.8 usr/share/doc/bpfence/README.md \
		usr/share/doc/bpfence/audit.md usr/share/doc/bpfence/metrics.md usr/share/doc/bpfence/security.md \
		usr/share/doc/bpfence/socket.md usr/share/doc/bpfence/examples/bpfence-client.py \
		usr/share/doc/bpfence/policies.md usr/share/doc/bpfence/systemd.md
	for f in "$REPO"/policies/*.policy "$REPO"/policies/examples/*.policy; do
		echo "usr/share/bpfence/${f#"$REPO"/}"
	done
	for f in "$REPO"/tools/systemd/*.service.in "$REPO"/tools/systemd/*.socket.in \
		"$REPO"/tools/systemd/*.slice.in; do
		f=${f##*/}
		echo "usr/lib/systemd/system/${f%.in}"
	done
}

@test "make install DESTDIR= prefix=/usr: exactly the expected files, /etc for logrotate and bpfenced.conf" {
	dest="$BATS_TEST_TMPDIR/dest"
	make -s -C "$REPO" install DESTDIR="$dest" prefix=/usr >/dev/null
	diff -u <(expected_usr | LC_ALL=C sort) <(tree "$dest")
	[ -x "$dest/usr/sbin/bpfence" ] && [ -x "$dest/usr/sbin/bpfenced" ]
	[ "$(readlink "$dest/usr/share/bash-completion/completions/bpfenced")" = bpfence ]
	[ "$("$dest/usr/sbin/bpfence" --version)" = "bpfence $(cat "$REPO/VERSION")" ]
	# Every Documentation=file: of a unit is a file that was installed.
	for doc in $(sed -n 's|^Documentation=file:||p' "$dest"/usr/lib/systemd/system/*); do
		[ -f "$dest$doc" ] || fail_loudly "a unit's Documentation=file:$doc is not installed"
	done
	# The policies' pointers hold: function.policy names examples/ beside it.
	[ -f "$dest/usr/share/bpfence/policies/examples/audit.policy" ]
	# The configuration is the shipped one, readable; the client example runs from where it is.
	cmp "$REPO/tools/config/bpfenced.conf" "$dest/etc/bpfence/bpfenced.conf"
	[ "$(stat -c %a "$dest/etc/bpfence/bpfenced.conf")" = 644 ]
	[ -x "$dest/usr/share/doc/bpfence/examples/bpfence-client.py" ]
	"$dest/usr/share/doc/bpfence/examples/bpfence-client.py" --help | grep -q -- '--source DIR'
}

@test "make install keeps an edited bpfenced.conf, and make uninstall does too" {
	dest="$BATS_TEST_TMPDIR/dest"
	conf="$dest/etc/bpfence/bpfenced.conf"
	make -s -C "$REPO" install DESTDIR="$dest" prefix=/usr >/dev/null
	echo 'function = bpfence runners' >>"$conf"
	edited=$(cat "$conf")
	make -s -C "$REPO" install DESTDIR="$dest" prefix=/usr >/dev/null
	[ "$(cat "$conf")" = "$edited" ]
	make -s -C "$REPO" uninstall DESTDIR="$dest" prefix=/usr >/dev/null
	[ "$(tree "$dest")" = etc/bpfence/bpfenced.conf ]
	[ "$(cat "$conf")" = "$edited" ]
}

@test "make install honours prefix in every path (/opt/bpf), and UNITDIR (Debian's /lib/systemd/system)" {
	dest="$BATS_TEST_TMPDIR/dest"
	make -s -C "$REPO" install DESTDIR="$dest" prefix=/opt/bpf >/dev/null
	if tree "$dest" | grep -v '^opt/bpf/'; then
		fail_loudly "installed outside prefix=/opt/bpf (above)"
	fi
	[ -f "$dest/opt/bpf/etc/logrotate.d/bpfence" ]
	[ -f "$dest/opt/bpf/etc/bpfence/bpfenced.conf" ]
	[ -f "$dest/opt/bpf/share/man/man8/bpfence.8" ]
	if grep -rn '/usr/local\|/usr/sbin' "$dest/opt/bpf/lib/systemd/system" "$dest/opt/bpf/libexec"/bpfence/bpfence-tag-slice; then
		fail_loudly "another prefix named under prefix=/opt/bpf (above)"
	fi
	dest2="$BATS_TEST_TMPDIR/dest2"
	make -s -C "$REPO" install DESTDIR="$dest2" prefix=/usr UNITDIR=/lib/systemd/system >/dev/null
	[ -f "$dest2/lib/systemd/system/bpfenced.service" ]
	[ ! -e "$dest2/usr/lib/systemd" ]
	make -s -C "$REPO" uninstall DESTDIR="$dest2" prefix=/usr UNITDIR=/lib/systemd/system >/dev/null
	[ -z "$(tree "$dest2")" ]
}

@test "make uninstall removes every file and bpfence's own directories" {
	dest="$BATS_TEST_TMPDIR/dest"
	make -s -C "$REPO" install DESTDIR="$dest" prefix=/usr >/dev/null
	# Something of somebody else's in a shared directory stays.
	touch "$dest/usr/sbin/other"
	make -s -C "$REPO" uninstall DESTDIR="$dest" prefix=/usr >/dev/null
	[ "$(tree "$dest")" = usr/sbin/other ]
	for d in usr/share/bpfence usr/libexec/bpfence usr/share/doc/bpfence etc/bpfence; do
		[ ! -e "$dest/$d" ] || fail_loudly "$d left behind"
	done
	# Uninstalling what is not there is not an error.
	make -s -C "$REPO" uninstall DESTDIR="$dest" prefix=/usr >/dev/null
}

@test "logrotate: the configuration rotates the log and recreates it 0600" {
	dest="$BATS_TEST_TMPDIR/dest"
	make -s -C "$REPO" install DESTDIR="$dest" prefix=/usr >/dev/null
	conf="$dest/etc/logrotate.d/bpfence"
	grep -q '^/var/log/bpfence/audit.jsonl {' "$conf"
	grep -q 'systemctl reload bpfenced.service' "$conf"
	# The same rules on a log of our own (the postrotate finds no bpfenced.service running).
	mkdir -m 0700 "$BATS_TEST_TMPDIR/log"
	log="$BATS_TEST_TMPDIR/log/audit.jsonl"
	echo '{"event": "start"}' >"$log"
	sed "s|^/var/log/bpfence/audit.jsonl|$log|" "$conf" >"$BATS_TEST_TMPDIR/rotate.conf"
	logrotate --force --state "$BATS_TEST_TMPDIR/state" "$BATS_TEST_TMPDIR/rotate.conf"
	[ -f "$log.1" ]
	[ "$(stat -c %a "$log")" = 600 ]
	[ ! -s "$log" ]
}
