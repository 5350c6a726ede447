#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-only
#
# SECURITY row 30: racing a policy update. `bpfence tag --replace` swaps the policy of a live
# invocation: the new rules go in under a fresh rule set, the policy entry is replaced in one map
# update, and the old rules are deleted only after an RCU grace period. So a decision sees the
# old policy or the new one, never a gap or a mix.

load helpers

setup() {
	fence_setup
	CG=$CGROOT/fence-swap
	[[ -d $CG ]] && rmdir "$CG"
	mkdir "$CG"
	CLEANUP_CGROUPS+=("$CG")
	D=$BATS_TEST_TMPDIR/data
	mkdir -p "$D"
	echo keep >"$D/x.txt"
	echo other >"$D/y.txt"
	# A grants the single file x.txt; B grants the whole directory: x.txt is readable under both,
	# y.txt only under B, /etc/shadow under neither.
	swap_policy a "read = $D/x.txt"
	swap_policy b "read = $D"
}

teardown() {
	[[ -n ${SWAPPER-} ]] && kill "$SWAPPER" 2>/dev/null
	"$BPFENCE" untag "$CG" >/dev/null 2>&1
	fence_teardown
}

# swap_policy NAME RULE: $BATS_TEST_TMPDIR/NAME.policy, policy swap-NAME: RULE plus exec of the
# (static) probe.
swap_policy() {
	printf '[policy]\nname = swap-%s\n\n[files]\n%s\nexec = %s\n' "$1" "$2" "$PROBE" \
		>"$BATS_TEST_TMPDIR/$1.policy"
}

# in_cg PROBE-ARGS...: the probe as a task of the tagged cgroup.
in_cg() {
	run sh -c "echo \$\$ > $CG/cgroup.procs && exec $PROBE $*"
}

@test "tag --replace tightens and loosens a live invocation at the next decision; id and counters stay" {
	run "$BPFENCE" tag --json --policy "$BATS_TEST_TMPDIR/b.policy" "$CG"
	assert_status 0
	local inv
	inv=$(json_get invocation <<<"$output" | tr -d '"')
	in_cg read "$D/y.txt"
	assert_probe 0 "ok other"
	run "$BPFENCE" tag --json --replace --policy "$BATS_TEST_TMPDIR/a.policy" "$CG"
	assert_status 0
	python3 -c '
import json, sys
r = json.load(sys.stdin)
assert r == {"replaced": sys.argv[1], "invocation": sys.argv[2], "policy": "swap-a"}, r' \
		"$CG" "$inv" <<<"$output" || fail "bad --replace output: $output"
	in_cg read "$D/y.txt"
	assert_probe 1 "EACCES open"
	in_cg read "$D/x.txt"
	assert_probe 0 "ok keep"
	run "$BPFENCE" tag --replace --policy "$BATS_TEST_TMPDIR/b.policy" "$CG"
	assert_status 0
	[[ $output == "bpfence: replaced the policy of $CG with swap-b (invocation $inv)" ]] ||
		fail "bad --replace output: $output"
	in_cg read "$D/y.txt"
	assert_probe 0 "ok other"
}

@test "tag --replace refuses an untagged cgroup, a descendant, and a bad policy; nothing changes" {
	run "$BPFENCE" tag --replace --policy "$BATS_TEST_TMPDIR/a.policy" "$CG"
	assert_status 1
	[[ $output == *"is not tagged"* ]] || fail "$output"
	run "$BPFENCE" tag --policy "$BATS_TEST_TMPDIR/a.policy" "$CG"
	assert_status 0
	mkdir "$CG/child"
	run "$BPFENCE" tag --replace --policy "$BATS_TEST_TMPDIR/b.policy" "$CG/child"
	assert_status 1
	[[ $output == *"inside a larger tagged cgroup"* ]] || fail "$output"
	rmdir "$CG/child"
	printf '[policy]\nname = broken\n[files]\nread = relative/path\n' >"$BATS_TEST_TMPDIR/bad.policy"
	run "$BPFENCE" tag --replace --policy "$BATS_TEST_TMPDIR/bad.policy" "$CG"
	assert_status 1
	[[ $output == *"bad.policy:4:"* ]] || fail "$output"
	# Still policy A: x readable, y not.
	in_cg read "$D/x.txt"
	assert_probe 0 "ok keep"
	in_cg read "$D/y.txt"
	assert_probe 1 "EACCES open"
	# Without --replace, an already tagged cgroup is refused and pointed at --replace.
	run "$BPFENCE" tag --policy "$BATS_TEST_TMPDIR/b.policy" "$CG"
	assert_status 1
	[[ $output == *"--replace"* ]] || fail "$output"
}

@test "under continuous swaps A<->B, what both allow is never denied and what neither allows never opens" {
	run "$BPFENCE" tag --policy "$BATS_TEST_TMPDIR/a.policy" "$CG"
	assert_status 0
	local swaps=$BATS_TEST_TMPDIR/swaps both=0 neither=0 rounds=0
	(
		n=0
		while :; do
			for p in b a; do
				"$BPFENCE" tag --replace --policy "$BATS_TEST_TMPDIR/$p.policy" "$CG" >/dev/null || exit 1
				echo $((++n)) >"$swaps"
			done
		done
	) 3>&- &
	SWAPPER=$!
	# Until at least 40 swaps happened while the probes ran.
	while (($(cat "$swaps" 2>/dev/null || echo 0) < 40)); do
		kill -0 "$SWAPPER" 2>/dev/null || fail "the swap loop failed after $(cat "$swaps" 2>/dev/null) swaps"
		in_cg flood-open "$D/x.txt" 400
		[[ $output == "ok denied=0"* ]] || { both=1; show_run; }
		in_cg flood-open /etc/shadow 400
		[[ $output == "ok denied=400 errno=EACCES" ]] || { neither=1; show_run; }
		((++rounds))
	done
	kill "$SWAPPER"
	wait "$SWAPPER" 2>/dev/null || true
	SWAPPER=
	echo "# $rounds rounds of 2 x 400 opens across $(cat "$swaps") swaps" >&3
	((both == 0)) || fail "x.txt (allowed by both policies) was denied during a swap"
	((neither == 0)) || fail "/etc/shadow (allowed by neither) was opened during a swap"
	((rounds >= 2)) || fail "only $rounds rounds overlapped the swaps"
}
