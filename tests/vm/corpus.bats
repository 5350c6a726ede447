#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-only
#
# Zero-noise default policy: everyday functions (tests/vm/corpus: the Python standard library's
# common modules and /bin/sh scripts) run under the shipped policies/function.policy exactly as
# they run untagged. Each entry runs twice, untagged in the environment bpfence run gives a
# function (the control) and then inside an invocation of the shipped policy, and must print
# the same stdout, exit 0 both times, and leave every denied and audited count at 0.
#
# tests/vm/corpus/README.md says what makes a corpus entry; every entry has a test here.

load helpers

CORPUS=$BATS_TEST_DIRNAME/corpus
# Files of the corpus that are not entries: data and modules the entries use.
CORPUS_HELPERS=(orders.csv pricing.py textkit README.md)

setup_file() {
	fence_setup_file
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

# corpus_cmd FILE: the command that runs a corpus entry, in CMD (python3 FILE or /bin/sh FILE).
corpus_cmd() {
	case $1 in
	*.py) CMD=(python3 "$1") ;;
	*.sh) CMD=(/bin/sh "$1") ;;
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

	# The control, with the environment cli/run.c builds (PATH, HOME and TMPDIR=scratch, LANG).
	mkdir -p "$scratch"
	cd "$BATS_FILE_TMPDIR/untagged" || return 1
	run --separate-stderr timeout 120 env -i PATH=/usr/local/bin:/usr/bin:/bin HOME="$scratch" \
		TMPDIR="$scratch" LANG=C.UTF-8 "${CMD[@]}"
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

@test "corpus: every entry in tests/vm/corpus has a test in this file" {
	local f name missing=()
	for f in "$CORPUS"/*; do
		name=${f##*/}
		[[ $name == __pycache__ || " ${CORPUS_HELPERS[*]} " == *" $name "* ]] && continue
		grep -q "corpus_case $name\$" "$BATS_TEST_FILENAME" || missing+=("$name")
	done
	((${#missing[@]} == 0)) || fail "corpus entries without a test: ${missing[*]}"
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

@test "corpus: the tagged runs wrote nothing into the function's source" {
	run diff -r "$CORPUS" "$BATS_FILE_TMPDIR/source" -x __pycache__
	assert_status 0
	run find "$BATS_FILE_TMPDIR/source" -name __pycache__
	assert_status 0
	[[ -z $output ]] || fail "bytecode caches in the source: $output"
}
