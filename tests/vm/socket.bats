#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-only
#
# bpfenced's socket (docs/socket.md): users who are not root start restricted functions and
# sandbox sessions through it with the same output, exit statuses and enforcement as root gets;
# every request outside the administrator's configuration is refused with its reason, exit 125
# and a request record; a killed client takes its function with it; 64 callers at once; a
# daemon restarted under running functions; hostile clients (garbage, huge and endless requests,
# a flood of connections and descriptors) neither stall other callers nor the event delivery.
#
# Callers are uids without passwd entries, made with setpriv: 4000 and 4002 in group 4242 (the
# socket's group, allowed policy fn), 4001 in 4343 (outside the socket's group). Policy `other`
# is allowed to group 4545 only.

load helpers

LOG=/var/log/bpfence/test-socket.jsonl
DIR=$FENCE_TMP/sock
CONF=$DIR/bpfenced.conf
POLICIES=$DIR/policies
SRC=$DIR/src
SOCKDIR=/run/fence-sock
export BPFENCE_SOCKET=$SOCKDIR/bpfenced.sock

setup_file() {
	fence_setup_file
	rm -rf "$DIR" && mkdir -p "$POLICIES" "$SRC" "$DIR/private" "$DIR/work" "$SOCKDIR" &&
		chmod 755 "$DIR" "$POLICIES" "$SRC" "$SOCKDIR" && chmod 700 "$DIR/private" &&
		chmod 1777 "$DIR/work" || fail "cannot make $DIR"
	printf 'print("source of this function")\n' >"$SRC/main.py"
	printf 'secret\n' >"$DIR/private/key"
	BATS_TEST_DESCRIPTION="socket.bats" write_policy "$POLICIES/fn.policy"
	cp "$POLICIES/fn.policy" "$POLICIES/other.policy"
	# Caps low enough to test, high enough for 64 callers at once.
	cat >"$CONF" <<-EOF
		[socket]
		path = $BPFENCE_SOCKET
		group = 4242
		[policies]
		dir = $POLICIES
		fn = 4242
		other = 4545
		[limits]
		timeout = 30
		memory_max = 512M
		pids_max = 256
		sandbox_timeout = 600
		requests_per_uid = 64
		sandboxes_per_uid = 2
		connections = 64
	EOF
}

setup() {
	fence_setup
	SANDBOXES=()
	cd "$DIR/work" || return 1
	start_fresh_daemon --config "$CONF"
}

teardown() {
	local id rc=0
	for id in "${SANDBOXES[@]}"; do
		"$BPFENCE" sandbox terminate "$id" >/dev/null 2>&1
	done
	stop_daemon
	[[ ! -e $BPFENCE_SOCKET ]] || {
		echo "the socket outlived its daemon" >&2
		rc=1
	}
	rm -f "$LOG" "$LOG".*
	fence_teardown || rc=1
	return $rc
}

# as UID:GID CMD...: CMD as that uid and group, without supplementary groups.
as() {
	local ug=$1
	shift
	setpriv --reuid "${ug%%:*}" --regid "${ug#*:}" --clear-groups "$@"
}

# requests KEY=VALUE...: the daemon's request records with these fields.
requests() {
	log_records "$LOG" -- 'event="request"' "$@"
}

# assert_refused UID:GID REASON-PART BPFENCE-ARGS...: bpfence refused by the daemon: exit 125,
# the reason on stderr, and one refusal record for that uid carrying it.
assert_refused() {
	local ug=$1 part=$2 before
	shift 2
	before=$(requests "uid=${ug%%:*}" 'accepted=false' | wc -l)
	run --separate-stderr as "$ug" "$BPFENCE" "$@"
	if [[ $status != 125 || $stderr != *"$part"* || -n $output ]]; then
		show_run
		fail "expected exit 125 and '$part' on stderr for: $*"
		return 1
	fi
	sleep 0.1
	local rec
	rec=$(requests "uid=${ug%%:*}" 'accepted=false' | tail -n +$((before + 1)))
	[[ $(grep -c . <<<"$rec") == 1 && $(json_get reason <<<"$rec") == *"$part"* ]] ||
		fail "expected one refusal record with '$part', got:" "$rec"
}

@test "a user in the group runs a function through the socket: same output, status, enforcement and result as root" {
	start_listener tcp "$REMOTE" 18101 300
	# Root, locally, as the same user the socket runs the caller's functions as.
	run --separate-stderr "$BPFENCE" run --json --policy "$POLICIES/fn.policy" --source "$SRC" \
		--user 4000:4242 -- "$PROBE" connect tcp "$REMOTE" 18101
	local root_status=$status root_out=$output root_result=${stderr_lines[-1]}
	# The user, through the socket: the policy by name.
	run --separate-stderr as 4000:4242 "$BPFENCE" run --json --policy fn --source "$SRC" -- \
		"$PROBE" connect tcp "$REMOTE" 18101
	RESULT=${stderr_lines[-1]}
	assert_probe 1 "EPERM connect"
	[[ $root_status == 1 && $root_out == "EPERM connect" ]] || fail "root: $root_status $root_out"
	assert_denied connect=1
	local k
	for k in exit_code timed_out signal denied audited policy; do
		[[ $(json_get "$k" <<<"$RESULT") == $(json_get "$k" <<<"$root_result") ]] ||
			fail "result member $k differs:" "socket: $RESULT" "root:   $root_result"
	done
	# The denial's audit record, and the request's (who asked, as the kernel says).
	local inv
	inv=$(json_get invocation <<<"$RESULT" | tr -d '"')
	sleep 0.2
	assert_one_record "$inv" 'event="denial"' 'hook="socket_connect"' 'errno="EPERM"'
	[[ $(requests uid=4000 gid=4242 'op="run"' 'policy="fn"' accepted=true | wc -l) == 1 ]] ||
		fail "no request record:" "$(requests)"
	# The control: the same connect outside bpfence succeeds.
	run_untagged connect tcp "$REMOTE" 18101
	assert_probe 0 ok

	# Whom it runs as, what it reads (--source by descriptor), its stdin, its exit status.
	run --separate-stderr as 4000:4242 "$BPFENCE" run --policy fn --source "$SRC" -- \
		python3 -c 'import os; print(os.getuid(), os.getgid(), os.getgroups(), open(os.environ["BPFENCE_SOURCE"] + "/main.py").read().strip())'
	[[ $status == 0 && $output == "4000 4242 [] print(\"source of this function\")" ]] || {
		show_run
		fail "identity or source"
	}
	run as 4000:4242 sh -c 'echo hello | "$0" run --policy fn -- sh -c "read x; echo got \$x; exit 7"' "$BPFENCE"
	[[ $status == 7 && $output == "got hello" ]] || fail "stdin or status: $status '$output'"
	run --separate-stderr as 4000:4242 "$BPFENCE" run --policy fn --timeout 0.5 -- "$PROBE" sleep 5
	[[ $status == 124 && $stderr == *"timed out after 0.5 s; killed" ]] || {
		show_run
		fail "timeout"
	}
}

@test "a sandbox session through the socket: create, exec, cp in and out, ls, terminate, as root's" {
	run --separate-stderr as 4000:4242 "$BPFENCE" sandbox create --policy fn --source "$SRC" \
		--name sock-a
	[[ $status == 0 && $output =~ ^(sb-[0-9a-f]{24})\ sock-a$ ]] || {
		show_run
		fail "create"
	}
	SB=${BASH_REMATCH[1]}
	SANDBOXES+=("$SB")
	run as 4000:4242 "$BPFENCE" sandbox exec sock-a -- sh -c 'echo one > f; echo $HOME'
	[[ $status == 0 && -n $output ]] || fail "exec: $status $output"
	run as 4000:4242 sh -c 'echo two | "$0" sandbox cp - sock-a:g' "$BPFENCE"
	[[ $status == 0 ]] || fail "cp in: $status $output"
	run as 4000:4242 "$BPFENCE" sandbox exec sock-a -- sh -c 'read a <f; read b <g; echo $a $b'
	[[ $status == 0 && $output == "one two" ]] || fail "state: $status $output"
	run as 4000:4242 "$BPFENCE" sandbox cp sock-a:f -
	[[ $status == 0 && $output == one ]] || fail "cp out: $status $output"
	# Enforced as any exec: the exact errno, the counters, the record with the sandbox's id.
	run --separate-stderr as 4000:4242 "$BPFENCE" sandbox exec --json sock-a -- \
		"$PROBE" connect tcp "$REMOTE" 18102
	RESULT=${stderr_lines[-1]}
	assert_probe 1 "EPERM connect"
	assert_denied connect=1
	# ls: the caller's sandbox; root sees it as well.
	run as 4000:4242 "$BPFENCE" sandbox ls --json
	[[ $status == 0 && $(python3 -c 'import json,sys; print([s["id"] for s in json.load(sys.stdin)])' <<<"$output") == "['$SB']" ]] ||
		fail "ls: $output"
	run "$BPFENCE" sandbox ls
	[[ $output == *"$SB"* ]] || fail "root's ls: $output"
	# terminate, then what root gets for a sandbox that is gone (status and message).
	run as 4000:4242 "$BPFENCE" sandbox terminate sock-a
	[[ $status == 0 ]] || fail "terminate: $status $output"
	run --separate-stderr as 4000:4242 "$BPFENCE" sandbox exec "$SB" -- true
	local s_status=$status s_err=$stderr
	run --separate-stderr "$BPFENCE" sandbox exec "$SB" -- true
	[[ $s_status == "$status" && $s_err == "$stderr" && $status != 0 ]] ||
		fail "gone: socket $s_status '$s_err', root $status '$stderr'"
	[[ $(requests uid=4000 'op="create"' accepted=true | wc -l) == 1 ]] || fail "$(requests)"
}

@test "a sandbox belongs to its creator: another caller can neither exec, copy, list nor terminate it" {
	run as 4000:4242 "$BPFENCE" sandbox create --policy fn --name sock-b
	[[ $status == 0 ]] || fail "create: $output"
	SANDBOXES+=("${output%% *}")
	run as 4000:4242 "$BPFENCE" sandbox exec sock-b -- sh -c 'echo mine > f'
	# The worker carries the caller's uid (--caller): the library's lookup refuses.
	local args
	for args in "exec sock-b -- sh -c 'read a <f; echo \$a'" "cp sock-b:f -" "cp - sock-b:f" \
		"terminate sock-b"; do
		eval "run --separate-stderr as 4002:4242 \"\$BPFENCE\" sandbox $args </dev/null"
		[[ $status != 0 && $stderr == *"not your sandbox: sock-b belongs to another user"* &&
			-z $output ]] || {
			show_run
			fail "sandbox $args as 4002"
		}
	done
	run as 4002:4242 "$BPFENCE" sandbox ls --json
	[[ $status == 0 && $output == "[]" ]] || fail "4002's ls: $status $output"
	# Still there, intact, for its owner (the control).
	run as 4000:4242 "$BPFENCE" sandbox exec sock-b -- sh -c 'read a <f; echo $a'
	[[ $status == 0 && $output == mine ]] || fail "owner: $status $output"
	# Two sandboxes per uid: the third is refused at the door.
	run as 4000:4242 "$BPFENCE" sandbox create --policy fn
	[[ $status == 0 ]] && SANDBOXES+=("${output%% *}")
	assert_refused 4000:4242 "sandboxes_per_uid" sandbox create --policy fn
}

@test "refused with its reason, exit 125 and a record: outside the group, a policy not allowed, a path, uid 0, above the caps" {
	# Outside the socket's group: the kernel refuses the connection itself.
	run --separate-stderr as 4001:4343 "$BPFENCE" run --policy fn -- true
	[[ $status == 125 && $stderr == "bpfence: cannot reach bpfenced: $BPFENCE_SOCKET: Permission denied (not root, and not in the socket's group)" ]] || {
		show_run
		fail "outside the group"
	}
	assert_refused 4000:4242 "policy 'other': not allowed for uid 4000" run --policy other -- true
	assert_refused 4000:4242 "policies are named, not files" run --policy "$POLICIES/fn.policy" -- true
	assert_refused 4000:4242 "policies are named, not files" run --policy ../sock/policies/fn -- true
	assert_refused 4000:4242 "policy '..': not a policy name" run --policy .. -- true
	# Allowed to nobody, so not even its existence is told.
	assert_refused 4000:4242 "policy 'nope': not allowed for uid 4000" run --policy nope -- true
	assert_refused 4000:4242 "uid 0 is never granted" run --policy fn --user root -- true
	assert_refused 4000:4242 "uid 0 is never granted" sandbox create --policy fn --user 0:0
	assert_refused 4000:4242 "functions of uid 4000 run as 4000:4242" run --policy fn --user 4001:4242 -- true
	assert_refused 4000:4242 "above the cap" run --policy fn --timeout 31 -- true
	assert_refused 4000:4242 "above the cap" run --policy fn --memory-max 1G -- true
	assert_refused 4000:4242 "above the cap" run --policy fn --pids-max 257 -- true
	assert_refused 4000:4242 "above the cap" sandbox create --policy fn --timeout 601
	# A source the caller cannot open is refused on the caller's side: nothing is sent.
	run --separate-stderr as 4000:4242 "$BPFENCE" run --policy fn --source "$DIR/private" -- true
	[[ $status == 125 && $stderr == "bpfence: bad --source: $DIR/private: Permission denied" ]] || {
		show_run
		fail "unreadable source"
	}
	# Root-only options never reach the daemon.
	run --separate-stderr as 4000:4242 "$BPFENCE" run --policy fn --audit -- true
	[[ $status == 125 && $stderr == *"--audit needs root"* ]] || fail "--audit: $stderr"
	# The controls: in the group, allowed policy, within the caps.
	run as 4000:4242 "$BPFENCE" run --policy fn --timeout 30 --memory-max 512M --pids-max 256 \
		--source "$SRC" -- sh -c 'echo ok'
	[[ $status == 0 && $output == ok ]] || fail "control: $status $output"
	run "$BPFENCE" run --policy "$POLICIES/fn.policy" --source "$DIR/private" -- sh -c 'echo ok'
	[[ $status == 0 && $output == ok ]] || fail "root's control: $status $output"
}

@test "a source descriptor the daemon must not trust: O_PATH, not a directory, or the daemon's own path" {
	# Written as a hostile client would: the request by hand, with descriptors of its choice.
	run as 4000:4242 python3 - "$BPFENCE_SOCKET" "$DIR/private" <<-'EOF'
		import array, json, os, socket, sys
		def ask(req, fds):
		    s = socket.socket(socket.AF_UNIX)
		    s.connect(sys.argv[1])
		    s.sendmsg([json.dumps(req).encode() + b"\n"],
		              [(socket.SOL_SOCKET, socket.SCM_RIGHTS, array.array("i", fds))] if fds else [])
		    a = b""
		    while not a.endswith(b"\n"):
		        b = s.recv(65536)
		        if not b: break
		        a += b
		    return json.loads(a)
		base = {"version": 1, "op": "run", "policy": "fn", "argv": ["/bin/sh", "-c", "read l <$BPFENCE_SOURCE/key; echo $l"]}
		# O_PATH opens a directory the caller cannot read: refused.
		p = os.open(sys.argv[2], os.O_PATH | os.O_DIRECTORY)
		print(ask(dict(base, fds=["source"]), [p])["error"])
		# A file, not a directory.
		f = os.open("/etc/hostname", os.O_RDONLY)
		print(ask(dict(base, fds=["source"]), [f])["error"])
		# fds naming more descriptors than were passed, or fewer.
		print(ask(dict(base, fds=["stdin", "source"]), [f])["error"])
		print(ask(dict(base, fds=[]), [f])["error"])
		# Only the path: the member does not exist.
		print(ask(dict(base, source=sys.argv[2]), [])["error"])
	EOF
	[[ $status == 0 && ${#lines[@]} == 5 ]] || fail "client: $status $output"
	[[ ${lines[0]} == *"O_PATH"* ]] || fail "O_PATH: ${lines[0]}"
	[[ ${lines[1]} == *"not a directory"* ]] || fail "file: ${lines[1]}"
	[[ ${lines[2]} == *"fds"* && ${lines[3]} == *"fds"* ]] || fail "count: ${lines[2]} / ${lines[3]}"
	[[ ${lines[4]} == *"source"* ]] || fail "path: ${lines[4]}"
	[[ $output != *secret* ]] || fail "the daemon read the private file"
}

@test "a killed client kills its function: no process, cgroup or scratch left" {
	# setpriv, not the function as: $! must be the client itself (setpriv execs it).
	setpriv --reuid 4000 --regid 4242 --clear-groups "$BPFENCE" run --policy fn -- \
		"$PROBE" sleep 120 >/dev/null 2>&1 3>&- &
	local client=$! i cg
	for ((i = 0; i < 100; i++)); do
		invocation_cgroups -v cg
		[[ $cg != "$BEFORE_CGROUPS" ]] && pgrep -f "$PROBE sleep 120" >/dev/null && break
		sleep 0.1
	done
	pgrep -f "$PROBE sleep 120" >/dev/null || fail "the function never started"
	kill -KILL "$client"
	wait "$client" 2>/dev/null || true
	for ((i = 0; i < 100; i++)); do
		invocation_cgroups -v cg
		[[ $cg == "$BEFORE_CGROUPS" ]] && ! pgrep -f "$PROBE sleep 120" >/dev/null && break
		sleep 0.1
	done
	! pgrep -f "$PROBE sleep 120" >/dev/null || fail "the function outlived its caller"
	[[ $cg == "$BEFORE_CGROUPS" ]] || fail "its cgroup is still there: $cg"
}

@test "64 callers at once, each gets its own function's output and status" {
	local i pids=()
	for ((i = 0; i < 64; i++)); do
		as $((4000 + i % 2 * 2)):4242 "$BPFENCE" run --policy fn -- sh -c 'echo "$0"; exit $(($0 % 5))' "$i" \
			>"$BATS_TEST_TMPDIR/out.$i" 2>"$BATS_TEST_TMPDIR/err.$i" 3>&- &
		pids+=($!)
	done
	local bad=()
	for ((i = 0; i < 64; i++)); do
		local st=0
		wait "${pids[i]}" || st=$?
		[[ $st == $((i % 5)) && $(<"$BATS_TEST_TMPDIR/out.$i") == "$i" ]] ||
			bad+=("$i: status $st, out '$(<"$BATS_TEST_TMPDIR/out.$i")', err '$(<"$BATS_TEST_TMPDIR/err.$i")'")
	done
	((${#bad[@]} == 0)) || fail "callers that did not get their result:" "${bad[@]}"
	[[ $(requests 'op="run"' accepted=true | wc -l) == 64 ]] || fail "records: $(requests | wc -l)"
}

@test "the daemon restarted while functions run: they finish and answer; new requests are served" {
	local w
	mkfifo "$BATS_TEST_TMPDIR/fifo"
	# The function waits for a line the test writes once the daemon is back.
	as 4000:4242 "$BPFENCE" run --policy fn -- sh -c 'read x; echo "done $x"' \
		<"$BATS_TEST_TMPDIR/fifo" >"$BATS_TEST_TMPDIR/out" 2>&1 3>&- &
	local client=$!
	exec {w}>"$BATS_TEST_TMPDIR/fifo"
	local i cg
	for ((i = 0; i < 150; i++)); do
		invocation_cgroups -v cg
		[[ $cg != "$BEFORE_CGROUPS" ]] && break
		sleep 0.1
	done
	[[ $cg != "$BEFORE_CGROUPS" ]] || fail "the function never started"
	stop_daemon
	# No daemon: a clear error, not a silent local run.
	run --separate-stderr as 4000:4242 "$BPFENCE" run --policy fn -- true
	[[ $status == 125 && $stderr == "bpfence: cannot reach bpfenced: $BPFENCE_SOCKET: "* ]] ||
		fail "no daemon: $status $stderr"
	start_daemon --config "$CONF"
	echo now >&"$w"
	exec {w}>&-
	local st=0
	wait "$client" || st=$?
	[[ $st == 0 && $(<"$BATS_TEST_TMPDIR/out") == "done now" ]] ||
		fail "the running function: status $st, '$(<"$BATS_TEST_TMPDIR/out")'"
	run as 4000:4242 "$BPFENCE" run --policy fn -- sh -c 'echo again'
	[[ $status == 0 && $output == again ]] || fail "after restart: $status $output"
}

@test "hostile clients: garbage, huge and endless requests, a flood of connections and descriptors; others are served meanwhile" {
	local fds_before
	fds_before=$(ls /proc/"$DAEMON"/fd | wc -l)
	setpriv --reuid 4002 --regid 4242 --clear-groups python3 - "$BPFENCE_SOCKET" \
		>"$BATS_TEST_TMPDIR/hostile" 2>&1 3>&- <<-'EOF' &
		import array, json, os, resource, socket, sys, time
		path = sys.argv[1]
		def conn():
		    s = socket.socket(socket.AF_UNIX)
		    s.connect(path)
		    return s
		def answer(s, limit=10):
		    s.settimeout(limit)
		    a = b""
		    try:
		        while not a.endswith(b"\n"):
		            b = s.recv(65536)
		            if not b: break
		            a += b
		    except (ConnectionResetError, socket.timeout) as e:
		        return "dropped " + type(e).__name__
		    return json.loads(a)["error"] if a else "dropped EOF"
		s = conn(); s.sendall(b"hello world\n"); print("garbage:", answer(s))
		s = conn(); s.sendall(b'{"version": 1, "op": "run"}{"x"\n'); print("trailing:", answer(s))
		s = conn()
		try:
		    s.sendall(b"[" * (1 << 20))
		except OSError as e:
		    pass
		print("huge:", answer(s))
		s = conn(); s.sendall(b'{"version": 1'); t = time.time(); r = answer(s, 20)
		print("endless:", r, "after %.0f s" % (time.time() - t))
		# 200 descriptors on one request.
		s = conn()
		fds = [os.open("/dev/null", os.O_RDONLY) for _ in range(200)]
		try:
		    s.sendmsg([b'{"version": 1, "op": "ls", "fds": []}\n'],
		              [(socket.SOL_SOCKET, socket.SCM_RIGHTS, array.array("i", fds[:250]))])
		    print("fds:", answer(s))
		except OSError as e:
		    print("fds: refused by the kernel", e.errno)
		# A flood: connections held open; past the limits they are refused or closed.
		resource.setrlimit(resource.RLIMIT_NOFILE, (4096, 4096))
		held, refused = [], 0
		for i in range(1000):
		    try:
		        held.append(conn())
		    except OSError:
		        refused += 1
		print("flood: connected", len(held), "refused", refused, flush=True)
		sys.stdout.flush()
		time.sleep(15)
	EOF
	local hostile=$! i
	# Meanwhile (the flood held open), another caller is served and its denial is delivered.
	for ((i = 0; i < 300; i++)); do
		grep -q '^flood:' "$BATS_TEST_TMPDIR/hostile" && break
		sleep 0.1
	done
	grep -q '^flood:' "$BATS_TEST_TMPDIR/hostile" || fail "the hostile client stalled:" "$(cat "$BATS_TEST_TMPDIR/hostile")"
	run --separate-stderr as 4000:4242 "$BPFENCE" run --json --policy fn -- "$PROBE" connect tcp "$REMOTE" 18103
	RESULT=${stderr_lines[-1]}
	assert_probe 1 "EPERM connect"
	local inv
	inv=$(json_get invocation <<<"$RESULT" | tr -d '"')
	sleep 0.3
	assert_one_record "$inv" 'event="denial"' 'hook="socket_connect"'
	kill "$hostile" 2>/dev/null
	wait "$hostile" 2>/dev/null || true
	local out
	out=$(cat "$BATS_TEST_TMPDIR/hostile")
	[[ $out == *"garbage: "*"JSON"* ]] || fail "garbage:" "$out"
	[[ $out == *"trailing: "* && $out != *"trailing: dropped"* ]] || fail "trailing:" "$out"
	[[ $out == *"huge: "*"64 KiB"* || $out == *"huge: dropped"* ]] || fail "huge:" "$out"
	[[ $out =~ endless:\ [^$'\n']*after\ ([0-9]+)\ s ]] && ((BASH_REMATCH[1] <= 8)) || fail "endless:" "$out"
	[[ $out == *"fds: "*"descriptors"* || $out == *"fds: dropped"* ]] || fail "fds:" "$out"
	# The daemon kept none of them.
	local fds_after
	for ((i = 0; i < 50; i++)); do
		fds_after=$(ls /proc/"$DAEMON"/fd | wc -l)
		((fds_after <= fds_before)) && break
		sleep 0.1
	done
	((fds_after <= fds_before)) || fail "the daemon holds $fds_after descriptors, $fds_before before"
}

@test "the example client for runner authors: a request, fd passing and the result" {
	run --separate-stderr as 4000:4242 python3 "$REPO/docs/examples/bpfence-client.py" \
		--policy fn --source "$SRC" --json -- sh -c 'read l <"$BPFENCE_SOURCE/main.py"; echo "$l"; exit 3'
	[[ $status == 3 && $output == 'print("source of this function")' ]] || {
		show_run
		fail "example client"
	}
	[[ $(json_get exit_code <<<"${stderr_lines[-1]}") == 3 ]] || fail "result: $stderr"
}
