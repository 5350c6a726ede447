#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-only
#
# Zero-noise default policy: everyday functions in any runtime the host has installed
# (tests/vm/corpus: the Python standard library's common modules, /bin/sh with its utilities,
# jq, sqlite3 and git, Node.js, Perl, and a C program installed under /usr) run under the shipped
# policies/function.policy exactly as they run untagged. Each entry runs twice, untagged in the
# environment bpfence run gives a function (the control) and then inside an invocation of the
# shipped policy, and must print the same stdout, exit 0 both times, and leave every denied and
# audited count at 0. Then the learn loop, end to end: a function that needs more than the
# default runs under the audit policy, `policy learn --into` merges what it needed into
# function.policy, and the merged policy runs it enforced with no denial.
#
# tests/vm/corpus/README.md says what makes a corpus entry; every entry has a test here.

load helpers

CORPUS=$BATS_TEST_DIRNAME/corpus
# Files of the corpus that are not entries: data and modules the entries use.
CORPUS_HELPERS=(orders.csv pricing.py textkit README.md)
# Where the compiled entries (tests/vm/corpus/*.c, built by make into .output/tests/corpus/) are
# installed for this file, as a user installs a program of their own: a directory of /usr, which
# function.policy grants to exec. The guest's / is the host's, read-only, so setup_file mounts a
# tmpfs over this directory (empty on Debian; anything in it is hidden for this file only).
CORPUS_BIN_DIR=/usr/local/sbin
# bpfenced's log for the learn loop.
LOG=/var/log/bpfence/test-corpus.jsonl

setup_file() {
	fence_setup_file
	[[ -d $CORPUS_BIN_DIR ]] || fail "no $CORPUS_BIN_DIR to install the compiled entries in"
	if ! mountpoint -q "$CORPUS_BIN_DIR"; then
		mount -t tmpfs -o mode=755,size=16m corpus-bin "$CORPUS_BIN_DIR" ||
			fail "cannot mount a tmpfs over $CORPUS_BIN_DIR"
	fi
	local c
	for c in "$CORPUS"/*.c; do
		c=${c##*/}
		install -m 755 "$BUILD/tests/corpus/${c%.c}" "$CORPUS_BIN_DIR/" ||
			fail "the compiled entry $c is not built: make"
	done
	# Fresh copies for this file, so that no bytecode cache or output left in the repository's
	# corpus by a run on the host can hide a write that the policy denies. The tagged runs use
	# one as --source (the function may not write it); the untagged runs use the other, where
	# Python is free to write its __pycache__.
	rm -rf "$BATS_FILE_TMPDIR/source" "$BATS_FILE_TMPDIR/untagged"
	mkdir -p "$BATS_FILE_TMPDIR/source" "$BATS_FILE_TMPDIR/untagged"
	cp -R "$CORPUS/." "$BATS_FILE_TMPDIR/source/"
	cp -R "$CORPUS/." "$BATS_FILE_TMPDIR/untagged/"
	find "$BATS_FILE_TMPDIR/source" "$BATS_FILE_TMPDIR/untagged" -name __pycache__ -prune \
		-exec rm -rf {} +
}

teardown_file() {
	if mountpoint -q "$CORPUS_BIN_DIR"; then
		umount "$CORPUS_BIN_DIR"
	fi
}

teardown() {
	stop_daemon
	rm -f "$LOG" "$LOG".*
	if [[ -n ${LEARN_MOUNT-} ]] && mountpoint -q "$LEARN_MOUNT"; then
		umount "$LEARN_MOUNT"
	fi
	fence_teardown
}

# corpus_cmd FILE: the command that runs a corpus entry, in CMD: its interpreter found through
# PATH (python3, node, perl) or /bin/sh, or for a C source the program built from it, installed
# in CORPUS_BIN_DIR.
corpus_cmd() {
	case $1 in
	*.py) CMD=(python3 "$1") ;;
	*.sh) CMD=(/bin/sh "$1") ;;
	*.js) CMD=(node "$1") ;;
	*.pl) CMD=(perl "$1") ;;
	*.c) CMD=("$CORPUS_BIN_DIR/${1%.c}") ;;
	*) fail "not a corpus entry: $1" ;;
	esac
}

# assert_nothing_denied: RESULT (the --json result object) is there, exit_code is 0, and every
# count in "denied" and "audited" is 0. Parsed with Python's json module.
assert_nothing_denied() {
	local verdict
	if [[ -z $RESULT ]]; then
		show_run
		fail "no --json result object on the last line of stderr"
		return 1
	fi
	verdict=$(printf '%s\n' "$RESULT" | python3 -c '
import json, sys

r = json.loads(sys.stdin.read())
problems = []
for kind in ("denied", "audited"):
    counts = r.get(kind)
    if not isinstance(counts, dict) or not counts:
        problems.append(f"no {kind} counters")
        continue
    problems += [f"{kind} {c}={n}" for c, n in sorted(counts.items()) if n != 0]
code = r.get("exit_code")
if code != 0:
    problems.append(f"exit_code {code}")
if problems:
    print("; ".join(problems), "- first:", json.dumps(r.get("first", {})))
else:
    print("clean")
') || {
		show_run
		fail "cannot parse the result object: $RESULT"
		return 1
	}
	if [[ $verdict != clean ]]; then
		show_run
		fail "the shipped policy is not silent for this function: $verdict"
	fi
}

# corpus_case FILE: FILE untagged, then under policies/function.policy with a copy of the corpus
# as --source: the same stdout, exit 0 both times, nothing denied or audited.
corpus_case() {
	local file=$1 want scratch=$BATS_TEST_TMPDIR/untagged-scratch
	corpus_cmd "$file" || return 1

	# The control, with the environment loader/launch.c builds for root (PATH, HOME and
	# TMPDIR=scratch, LANG, USER, LOGNAME, PYTHONDONTWRITEBYTECODE).
	mkdir -p "$scratch"
	cd "$BATS_FILE_TMPDIR/untagged" || return 1
	run --separate-stderr timeout 120 env -i PATH=/usr/local/bin:/usr/bin:/bin HOME="$scratch" \
		TMPDIR="$scratch" LANG=C.UTF-8 USER=root LOGNAME=root PYTHONDONTWRITEBYTECODE=1 \
		"${CMD[@]}"
	if [[ $status != 0 || -z $output ]]; then
		show_run
		fail "$file fails untagged: the corpus entry itself is broken"
		return 1
	fi
	want=$output

	POLICY=$REPO/policies/function.policy
	SOURCE=$BATS_FILE_TMPDIR/source
	cd "$SOURCE" || return 1
	fence_run --timeout 120 -- "${CMD[@]}"
	assert_status 0 || return 1
	if [[ $output != "$want" ]]; then
		show_run
		diff <(printf '%s\n' "$want") <(printf '%s\n' "$output") >&2 || true
		fail "$file prints something else under the shipped policy (diff: untagged, tagged)"
		return 1
	fi
	assert_json policy '"function"' || return 1
	assert_nothing_denied
}

# ------------------------------------------------------------------------------ the corpus

@test "corpus: every entry in tests/vm/corpus has a test in this file, and a way to run" {
	local f name missing=() unknown=() CMD
	for f in "$CORPUS"/*; do
		name=${f##*/}
		[[ $name == __pycache__ || " ${CORPUS_HELPERS[*]} " == *" $name "* ]] && continue
		grep -q "corpus_case $name\$" "$BATS_TEST_FILENAME" || missing+=("$name")
		# An interpreter for its extension, or for a C source its program, installed.
		if ! corpus_cmd "$name" 2>/dev/null; then
			unknown+=("$name")
		elif [[ $name == *.c && ! -x ${CMD[0]} ]]; then
			unknown+=("$name (no ${CMD[0]})")
		fi
	done
	((${#missing[@]} == 0)) || fail "corpus entries without a test: ${missing[*]}"
	((${#unknown[@]} == 0)) || fail "corpus entries corpus_cmd cannot run: ${unknown[*]}"
}

@test "corpus: a JSON report aggregated from a CSV file shipped with the function" {
	corpus_case json_report.py
}

@test "corpus: CSV filtered and rewritten in TMPDIR, dialects and the sniffer" {
	corpus_case csv_transform.py
}

@test "corpus: hashlib digests, pbkdf2, scrypt, hmac and secrets token lengths (OpenSSL config)" {
	corpus_case hash_digests.py
}

@test "corpus: ssl.create_default_context() verifies with the system CA store" {
	corpus_case tls_context.py
}

@test "corpus: decimal, fractions and statistics" {
	corpus_case money_math.py
}

@test "corpus: zoneinfo at fixed instants (Europe/Paris DST) and the local zone" {
	corpus_case timezones.py
}

@test "corpus: setlocale(C.UTF-8), getlocale and locale-aware formatting" {
	corpus_case locale_format.py
}

@test "corpus: os.cpu_count(), the affinity mask and the thread pool's default size" {
	corpus_case cpu_count.py
}

@test "corpus: getpass.getuser(), pwd and grp lookups, the home directory" {
	corpus_case current_user.py
}

@test "corpus: platform.system(), machine(), platform() (runs uname -p) and os-release" {
	corpus_case platform_info.py
}

@test "corpus: producer/consumer threads with queue, locks, conditions, barrier and timer" {
	corpus_case threads_queue.py
}

@test "corpus: concurrent.futures.ThreadPoolExecutor map, submit and exceptions" {
	corpus_case thread_pool.py
}

@test "corpus: multiprocessing Pool, Queue, Lock, Value and Manager (fork)" {
	corpus_case process_pool.py
}

@test "corpus: concurrent.futures.ProcessPoolExecutor, fork and spawn" {
	corpus_case process_pool_executor.py
}

@test "corpus: multiprocessing.shared_memory written by a child, ShareableList" {
	corpus_case shm_block.py
}

@test "corpus: multiprocessing with the spawn start method (fresh interpreters)" {
	corpus_case mp_spawn.py
}

@test "corpus: asyncio gather, queues, timeouts, locks and streams over a socketpair" {
	corpus_case asyncio_gather.py
}

@test "corpus: asyncio subprocesses of /usr/bin/python3 and /bin/sh" {
	corpus_case asyncio_subprocess.py
}

@test "corpus: subprocess.run of /bin/sh, shell=True, os.system and os.popen" {
	corpus_case run_shell.py
}

@test "corpus: sqlite3 database files in TMPDIR (WAL and rollback journal) and in memory" {
	corpus_case sqlite_tmp.py
}

@test "corpus: tarfile (owner names), zipfile, gzip, bz2 and lzma archives in TMPDIR" {
	corpus_case archives.py
}

@test "corpus: importing a module and a package from the function's own source (bytecode)" {
	corpus_case import_sibling_module.py
}

@test "corpus: re, textwrap, string templates, difflib and unicodedata" {
	corpus_case text_processing.py
}

@test "corpus: urllib.parse and ipaddress, no network" {
	corpus_case url_parsing.py
}

@test "corpus: a MIME email with an attachment (mimetypes) built and parsed back" {
	corpus_case email_build.py
}

@test "corpus: uuid3/uuid5, base64, struct, array, crc32 and zlib" {
	corpus_case ids_encoding.py
}

@test "corpus: logging to stderr and to a rotating log file in TMPDIR" {
	corpus_case logging_stderr.py
}

@test "corpus: shutil copy, copytree, move, rmtree and archives, links and chmod in TMPDIR" {
	corpus_case file_ops.py
}

@test "corpus: pathlib glob and reads of the function's own source directory" {
	corpus_case own_source_glob.py
}

@test "corpus: random with a fixed seed" {
	corpus_case seeded_random.py
}

@test "corpus: tracebacks and warnings that quote the function's own source" {
	corpus_case traceback_report.py
}

@test "corpus: ElementTree, minidom and html.parser" {
	corpus_case xml_html.py
}

@test "corpus: dataclasses, enum, pickle, functools, itertools and collections" {
	corpus_case data_structures.py
}

@test "corpus: fork, pipes, waitpid, signals to own processes, socketpair and setitimer" {
	corpus_case fork_signals.py
}

@test "corpus: tempfile in all its forms, atomic replace, flock and a FIFO in TMPDIR" {
	corpus_case tempfiles.py
}

@test "corpus: an sh script of builtins only (arithmetic, case, functions, here-documents)" {
	corpus_case builtins_only.sh
}

@test "corpus: sh pipelines of builtins, subshells and nested /bin/sh" {
	corpus_case pipeline.sh
}

@test "corpus: sh writing and reading files in TMPDIR with redirections alone" {
	corpus_case scratch_files.sh
}

@test "corpus: an sh wrapper that runs python3 from PATH" {
	corpus_case calls_python.sh
}

@test "corpus: sh text processing in pipelines of sort, sed, tr, awk, cut, uniq, wc, grep and tail" {
	corpus_case text_tools.sh
}

@test "corpus: sh file work in TMPDIR: mkdir, cp, mv, ln, find, xargs, tar, gzip, sha256sum, stat" {
	corpus_case file_tools.sh
}

@test "corpus: sh with date -u and time zones, id, sleep, mkfifo, timeout, seq, expr, flock, free" {
	corpus_case system_tools.sh
}

@test "corpus: jq on the shipped data turned into JSON, and on a document in TMPDIR" {
	corpus_case jq_json.sh
}

@test "corpus: the sqlite3 shell on databases in TMPDIR: import, WAL, rollback, .dump, read-only" {
	corpus_case sqlite_cli.sh
}

@test "corpus: git init, commit, log, diff, merge, tag, stash, archive and clone in TMPDIR" {
	corpus_case git_repo.sh
}

@test "corpus: Node.js fs, path, os figures, crypto, zlib, Intl and process.constrainedMemory()" {
	corpus_case node_basics.js
}

@test "corpus: Node.js child_process (sort, echo, sh, fork) and worker_threads" {
	corpus_case node_processes.js
}

@test "corpus: Perl with JSON::PP, Digest::SHA, File::Temp, strftime, a pipe to sort and system()" {
	corpus_case perl_tasks.pl
}

@test "corpus: Python running sort and /bin/echo, reading /proc/meminfo, ctypes and find_library" {
	corpus_case run_utilities.py
}

@test "corpus: a C program installed under /usr: NSS, time zones, iconv, dlopen, popen, threads" {
	corpus_case orders_report.c
}

@test "corpus: the system directory holding the compiled entry is not writable by the function" {
	local fn='
import errno
try:
    open("'"$CORPUS_BIN_DIR"'/dropped", "w").close()
    print("ok")
except OSError as e:
    print(errno.errorcode[e.errno])
'
	POLICY=$REPO/policies/function.policy
	fence_run -- python3 -c "$fn"
	assert_status 0
	assert_output_line EACCES
	assert_denied file=1
	[[ ! -e $CORPUS_BIN_DIR/dropped ]] || fail "the function wrote $CORPUS_BIN_DIR/dropped"
	# The control: untagged, the same write succeeds (a tmpfs root may write it).
	run python3 -c "$fn"
	assert_output_line ok
	rm -f "$CORPUS_BIN_DIR/dropped"
}

@test "corpus: the tagged runs wrote nothing into the function's source" {
	run diff -r "$CORPUS" "$BATS_FILE_TMPDIR/source" -x __pycache__
	assert_status 0
	run find "$BATS_FILE_TMPDIR/source" -name __pycache__
	assert_status 0
	[[ -z $output ]] || fail "bytecode caches in the source: $output"
}

# ------------------------------------------------------------------------------ the learn loop


# in_order FILE IN: every line of FILE appears in IN, in the same order (other lines between).
in_order() {
	local want got
	exec 4<"$2"
	while IFS= read -r want; do
		while IFS= read -r got <&4; do
			[[ $got == "$want" ]] && continue 2
		done
		exec 4<&-
		fail "not kept in order in $2: '$want'"
		return 1
	done <"$1"
	exec 4<&-
}

@test "learn loop: host data and a program the default refuses; audit, learn --into, then enforced with no denial" {
	local fn=$SOURCE/main.py merged=$BATS_TEST_TMPDIR/merged.policy want inv
	# Reference data and the converter a data team installed on the host, in a directory the
	# default policy does not grant (a tmpfs over the empty /srv: the guest's / is read-only).
	! mountpoint -q /srv || fail "/srv is already a mount point"
	LEARN_MOUNT=/srv
	mount -t tmpfs -o mode=755,size=4m learn-srv /srv
	mkdir -p /srv/fx/bin
	printf 'currency,per_eur\nUSD,1.0850\nGBP,0.8560\nJPY,161.20\n' >/srv/fx/rates.csv
	cat >/srv/fx/bin/fxconvert <<'SH'
#!/bin/sh
# fxconvert CURRENCY EUROS: the amount in CURRENCY at the reference rate.
exec awk -F, -v c="$1" -v a="$2" '$1 == c { printf "%.2f\n", a * $2 }' "${0%/bin/*}/rates.csv"
SH
	chmod 755 /srv/fx/bin/fxconvert
	cat >"$fn" <<'PY'
"""Invoice totals in other currencies, from the reference rates under /srv/fx."""
import csv
import errno
import subprocess
import sys

problems = []
try:
    with open("/srv/fx/rates.csv", newline="") as f:
        print("currencies:", " ".join(sorted(r["currency"] for r in csv.DictReader(f))))
except OSError as e:
    problems.append("read " + errno.errorcode[e.errno])
try:
    for cur in ("USD", "JPY"):
        out = subprocess.run(["/srv/fx/bin/fxconvert", cur, "129.57"], check=True,
                             capture_output=True, text=True).stdout
        print("129.57 EUR in", cur + ":", out.strip())
except OSError as e:
    problems.append("exec " + errno.errorcode[e.errno])
if problems:
    print(*problems)
    sys.exit(1)
PY
	run python3 "$fn"
	assert_status 0
	want=$output
	[[ $want == *"in JPY: 20886.68"* ]] || { show_run; fail "the function itself is broken"; }

	# The default denies it: both the data file and the program, with EACCES.
	POLICY=$REPO/policies/function.policy
	fence_run -- python3 "$fn"
	assert_status 1
	assert_output_line "read EACCES exec EACCES"
	assert_denied file=2

	# Under the audit policy it runs as untagged, and every access the default refuses is logged.
	start_fresh_daemon
	POLICY=$REPO/policies/examples/audit.policy
	fence_run -- python3 "$fn"
	assert_status 0
	[[ $output == "$want" ]] || { show_run; fail "audit mode changed the output"; }
	assert_counts denied
	inv=$(invocation)
	stop_daemon
	# The records learn reads: the data file opened and the converter executed, allowed and
	# logged (the full check of records is tests/vm/audit.bats's).
	[[ -n $(records_of "$inv" | log_records /dev/stdin -- 'action="audited"' \
		'hook="file_open"' 'path="/srv/fx/rates.csv"' 'access="read"') ]] ||
		fail "no audit record of the data read:" "$(records_of "$inv")"
	[[ -n $(records_of "$inv" | log_records /dev/stdin -- 'action="audited"' \
		'path="/srv/fx/bin/fxconvert"' 'access="exec"') ]] ||
		fail "no audit record of the converter's exec:" "$(records_of "$inv")"

	run --separate-stderr "$BPFENCE" policy learn --log "$LOG" --invocation "$inv" \
		--source "$SOURCE" --into "$REPO/policies/function.policy"
	assert_status 0
	printf '%s\n' "$output" >"$merged"
	# The whole of function.policy, comments and order kept, with the learned lines merged in.
	in_order "$REPO/policies/function.policy" "$merged" || { show_run; return 1; }
	# What it needed, and no more: the data read, the converter run (its file or directory), never
	# all of /srv.
	grep -Eq '^read = /srv/fx(/rates\.csv)?$' "$merged" || { show_run; fail "no read of the data"; }
	grep -Eq '^exec = /srv/fx/bin(/fxconvert)?$' "$merged" || { show_run; fail "no exec learned"; }
	! grep -Eq '^[a-z]+ = /srv/?$' "$merged" || { show_run; fail "learn granted all of /srv"; }
	run --separate-stderr "$BPFENCE" policy check --source "$SOURCE" "$merged"
	assert_status 0

	# The merged policy, enforced: the same output, nothing denied or audited.
	POLICY=$merged
	fence_run -- python3 "$fn"
	assert_status 0
	[[ $output == "$want" ]] || { show_run; fail "the merged policy changed the output"; }
	assert_json policy '"function"'
	assert_nothing_denied
}
