#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-only
# The man pages (docs/man), the bash completion (tools/completion/bpfence) and policies/README.md
# against the binaries, so that none of them can drift: every command of `bpfence --help`, every
# subcommand of its usage lines and every long option of each command's --help is in bpfence(8)
# and offered by the completion; bpfenced's options are in bpfenced(8); every section and key
# of the policy parser is in bpfence.policy(5) and in policies/README.md's key table; every
# section and key of bpfenced.conf(5) is one bpfenced's parser knows, and the shipped
# tools/config/bpfenced.conf is accepted and says what the page says. The lists are asked of
# the binaries (the parsers' tables through their own messages), never written down a second
# time here. No root, BPF or VM needed.

load helpers

MAN="$REPO/docs/man"
COMPLETION="$REPO/tools/completion/bpfence"

# The roff source as text: \- is -, font escapes go. Rendering would hyphenate and wrap.
man_text() { sed -e 's/\\-/-/g' -e 's/\\f[BIRP]//g' -e 's/\\(aq/'"'"'/g' "$1"; }

# The part of bpfence(8) that documents CMD: every .SS "bpfence CMD ..." section.
man_section() {
	man_text "$MAN/bpfence.8" | awk -v cmd="$1" '
		/^\.S[SH] / { on = (index($0, ".SS \"bpfence " cmd " ") == 1 || $0 == ".SS \"bpfence " cmd "\"") }
		on'
}

# What the completion offers for a command line whose last word is being completed.
complete_words() {
	bash -c 'source "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _bpfence
		printf "%s\n" "${COMPREPLY[@]}"' complete "$COMPLETION" "$@"
}

commands() { "$BPFENCE" --help | awk '/^Commands:/ { on = 1; next } on && /^$/ { exit } on { print $1 }'; }
long_options() { grep -o -- '--[a-z][a-z-]*' | sort -u; }
# A command's --help up to its examples (which may show other commands' options).
help_of() { "$BPFENCE" "$@" --help | sed '/^Example/,$d'; }
# Subcommands: the words after "bpfence CMD " in CMD's usage lines (the first paragraph of its
# --help) that are not options, and the first words of its "Commands:" list (bpfence sandbox).
subcommands() {
	{
		help_of "$1" | sed '/^$/,$d' | grep -E "^(Usage:)? *bpfence $1 [a-z]" |
			grep -o "bpfence $1 [a-z][a-z-]*" | awk '{ print $3 }'
		help_of "$1" | awk '/^Commands:/ { on = 1; next } on && /^$/ { exit } on { print $1 }'
	} | sort -u
}

# The exit status table at the end of `bpfence --help`, one "STATUS<TAB>COMMANDS: MEANING" line
# per status (its continuation lines joined).
exit_table() {
	"$BPFENCE" --help | awk '
		/^Exit status/ { on = 1; next }
		on && /^         / { sub(/^ +/, ""); row = row " " $0; next }
		on && /^  [^ ]/ { if (row != "") print row; row = substr($0, 3, 7); sub(/ +$/, "", row)
			rest = substr($0, 10); sub(/^ +/, "", rest); row = row "\t" rest; next }
		on { exit }
		END { if (row != "") print row }'
}
# The entries of a man page's EXIT STATUS section in the same form: ".TP", ".B STATUS", the text.
man_exit_statuses() {
	man_text "$1" | awk '
		/^\.SH / { on = ($0 == ".SH EXIT STATUS"); next }
		!on || /^\.\\"/ { next }
		/^\.TP/ { if (row != "") print row; row = ""; want = 1; next }
		want && /^\.B / { row = substr($0, 4) "\t"; want = 0; next }
		row != "" { row = row (row ~ /\t$/ ? "" : " ") $0 }
		END { if (row != "") print row }'
}

@test "docs: bpfence --help lists commands (the checks below are not empty)" {
	[ "$(commands | wc -l)" -ge 10 ]
	commands | grep -qx run
	subcommands policy | grep -qx learn
}

@test "docs: every command of bpfence --help and every subcommand has a section in bpfence(8)" {
	for cmd in $(commands); do
		man_text "$MAN/bpfence.8" | grep -q "^\.SS \"bpfence $cmd\\b" ||
			fail_loudly "bpfence(8): no .SS \"bpfence $cmd ...\" section"
		for sub in $(subcommands "$cmd"); do
			man_text "$MAN/bpfence.8" | grep -q "^\.SS \"bpfence $cmd $sub\\b" ||
				fail_loudly "bpfence(8): no .SS \"bpfence $cmd $sub ...\" section"
		done
	done
}

@test "docs: every long option of every command's --help is in its section of bpfence(8)" {
	global=$(man_text "$MAN/bpfence.8" | awk '/^\.SH / { on = ($0 == ".SH GLOBAL OPTIONS") } on')
	for cmd in $(commands); do
		text=$(man_section "$cmd")
		for opt in $( { help_of "$cmd"; for sub in $(subcommands "$cmd"); do
			help_of "$cmd" "$sub"; done; } | long_options); do
			[ "$opt" != --help ] || continue
			grep -q -- "$opt\\b" <<<"$text$global" ||
				fail_loudly "bpfence(8): '$opt' of 'bpfence $cmd' is not documented"
		done
	done
}

@test "docs: bpfence(8)'s EXIT STATUS is the table of bpfence --help, bpfenced(8)'s a part of it" {
	table=$(exit_table)
	[ "$(wc -l <<<"$table")" -ge 8 ]
	grep -q "^125	all: this kernel cannot enforce" <<<"$table"
	[ "$(man_exit_statuses "$MAN/bpfence.8")" = "$table" ] || fail_loudly "bpfence(8)'s EXIT" \
		"STATUS differs from bpfence --help (tools/docs-tables rewrites it):" \
		"$(diff <(man_exit_statuses "$MAN/bpfence.8") - <<<"$table")"
	# bpfenced(8) says in prose which of them the daemon exits with.
	statuses=$(man_text "$MAN/bpfenced.8" | awk '/^\.SH / { on = ($0 == ".SH EXIT STATUS"); next }
		on && !/^\./' | grep -o '\b[0-9]\+\b' | sort -u)
	[ -n "$statuses" ]
	for s in $statuses; do
		cut -f1 <<<"$table" | grep -qx "$s" || fail_loudly "bpfenced(8): exit status $s is not" \
			"in bpfence --help's table"
	done
	for s in 0 2 125; do
		grep -qx "$s" <<<"$statuses" || fail_loudly "bpfenced(8): exit status $s not documented"
	done
}

@test "docs: the global options and --version are in bpfence(8)" {
	for opt in $("$BPFENCE" --help | head -n 2 | long_options) --help --version; do
		man_text "$MAN/bpfence.8" | grep -q -- "^\.B[RI]* $opt\\b" ||
			fail_loudly "bpfence(8): global option $opt not documented"
	done
}

@test "docs: every long option of bpfenced --help is in bpfenced(8)" {
	opts=$("$REPO/.output/bpfenced" --help | long_options)
	[ -n "$opts" ]
	for opt in $opts --version; do
		man_text "$MAN/bpfenced.8" | grep -q -- "^\.B[RI]* $opt\\b" ||
			fail_loudly "bpfenced(8): $opt not documented"
	done
}

@test "completion: offers every command, every subcommand and the global options" {
	offered=$(complete_words bpfence '')
	for cmd in $(commands); do
		grep -qx "$cmd" <<<"$offered" || fail_loudly "completion: command $cmd not offered"
		subs=$(complete_words bpfence "$cmd" '')
		for sub in $(subcommands "$cmd"); do
			grep -qx "$sub" <<<"$subs" || fail_loudly "completion: 'bpfence $cmd $sub' not offered"
		done
	done
	offered=$(complete_words bpfence --)
	for opt in $("$BPFENCE" --help | head -n 2 | long_options) --help --version; do
		grep -qx -- "$opt" <<<"$offered" || fail_loudly "completion: global $opt not offered"
	done
}

@test "completion: offers every long option of every command's --help" {
	for cmd in $(commands); do
		offered=$( { complete_words bpfence "$cmd" --; for sub in $(subcommands "$cmd"); do
			complete_words bpfence "$cmd" "$sub" --; done; } | sort -u)
		for opt in $( { help_of "$cmd"; for sub in $(subcommands "$cmd"); do
			help_of "$cmd" "$sub"; done; } | long_options); do
			grep -qx -- "$opt" <<<"$offered" ||
				fail_loudly "completion: '$opt' of 'bpfence $cmd' not offered"
		done
	done
}

@test "completion: bpfenced's options, policy files for --policy, nothing after run's --" {
	offered=$(bash -c 'source "$1"; COMP_WORDS=(bpfenced --); COMP_CWORD=1; _bpfenced
		printf "%s\n" "${COMPREPLY[@]}"' complete "$COMPLETION")
	for opt in $("$REPO/.output/bpfenced" --help | long_options) --version; do
		grep -qx -- "$opt" <<<"$offered" || fail_loudly "completion: bpfenced $opt not offered"
	done
	cd "$REPO"
	[ "$(complete_words bpfence run --policy policies/f)" = policies/function.policy ]
	complete_words bpfence run --policy policies/ | grep -qx policies/examples
	if complete_words bpfence run --policy policies/ | grep -q README; then
		fail_loudly "completion: --policy offers a file that is not a .policy"
	fi
	[ "$(complete_words bpfence policy check policies/examples/au)" = policies/examples/audit.policy ]
	[ -z "$(complete_words bpfence run --policy x -- --p)" ]
}

# The parser's tables, read back through its own messages (loader/policy.c makes them from the
# tables): "unknown section ... (expected [policy], [network], ... or [limits])" and "unknown key
# 'x' in [files] (expected read, write, exec, map)".
policy_sections() {
	printf '[no_such_section]\n' >"$BATS_TEST_TMPDIR/s.policy"
	"$BPFENCE" policy check "$BATS_TEST_TMPDIR/s.policy" 2>&1 |
		sed -n 's/.*unknown section.*(expected \(.*\))$/\1/p' | grep -o '\[[a-z_]*\]' | tr -d '[]'
}
policy_keys() {
	printf '[%s]\nno_such_key = 1\n' "$1" >"$BATS_TEST_TMPDIR/k.policy"
	"$BPFENCE" policy check "$BATS_TEST_TMPDIR/k.policy" 2>&1 |
		sed -n 's/.*unknown key.*(expected \(.*\))$/\1/p' | tr -d ',' | tr ' ' '\n'
}

@test "docs: the parser's sections and keys are read back (the checks below are not empty)" {
	[ "$(policy_sections | wc -l)" -ge 6 ]
	policy_sections | grep -qx files
	[ "$(policy_keys files | tr '\n' ' ')" = "read write exec map deny " ]
	# Each key the messages name is one the parser accepts in that section.
	for sec in $(policy_sections); do
		for key in $(policy_keys "$sec"); do
			printf '[%s]\n%s = x\n' "$sec" "$key" >"$BATS_TEST_TMPDIR/a.policy"
			run "$BPFENCE" policy check "$BATS_TEST_TMPDIR/a.policy"
			if grep -q "unknown key" <<<"$output"; then
				fail_loudly "[$sec] $key: listed but refused: $output"
			fi
		done
	done
}

@test "docs: every section and key of the policy parser is in bpfence.policy(5)" {
	for sec in $(policy_sections); do
		text=$(man_text "$MAN/bpfence.policy.5" | awk -v h=".SS [$sec]" '
			/^\.S[SH] / { on = ($0 == h) } on')
		[ -n "$text" ] || fail_loudly "bpfence.policy(5): no .SS [$sec] section"
		for key in $(policy_keys "$sec"); do
			grep -Eq "^\.B[IR]? \"$key = " <<<"$text" ||
				fail_loudly "bpfence.policy(5): key '$key' not documented under [$sec]"
		done
	done
}

@test "docs: every section and key of the policy parser is in policies/README.md's key table" {
	# | `[section]` | `key` | ... rows; a row with an empty first cell continues the section.
	table=$(awk -F'|' '/^### Sections and keys/ { on = 1; next } on && /^#/ { exit }
		on && /^\| *`/ || on && /^\| *\| *`/ {
			gsub(/[ `]/, "", $2); gsub(/[ `]/, "", $3)
			if ($2 != "") sec = $2
			print sec, $3
		}' "$REPO/policies/README.md")
	for sec in $(policy_sections); do
		for key in $(policy_keys "$sec"); do
			grep -qx "\[$sec\] $key" <<<"$table" ||
				fail_loudly "policies/README.md: no table row for [$sec] $key"
		done
	done
}

# bpfenced's configuration parser (loader/service_config.c), asked through bpfenced itself: it
# reads --config before it loads anything and stops at the first error, "bpfenced: --config:
# FILE:LINE:COLUMN: why", exit 2. Each file checked here ends in a key no parser knows, so
# bpfenced never gets further (the timeout only guards against a parser that would let it), and
# reaching that last line proves every line before it was accepted.
CONF_END=no_such_key_in_any_section
conf_check() {
	local f="$BATS_TEST_TMPDIR/check.conf"
	{ cat; printf '[limits]\n%s = 1\n' "$CONF_END"; } >"$f"
	conf_lines=$(wc -l <"$f")
	run --separate-stderr timeout 20 "$BPFENCED" --config "$f" --log /dev/null
	[ "$status" -eq 2 ] || fail_loudly "bpfenced --config: exit $status: $stderr"
	conf_error=${stderr#"bpfenced: --config: $f:"}
}
conf_accepted() {
	conf_check
	[ "$conf_error" = "$conf_lines:1: unknown key '$CONF_END' in [limits]" ]
}
# The sections of bpfenced.conf(5) (.SS [section]) and their keys (.B[I] "key = ..." entries;
# the entries whose key is a placeholder, NAME or CALLER, are .IB and not listed).
conf_man_keys() {
	man_text "$MAN/bpfenced.conf.5" | awk '
		/^\.S[SH] / { sec = ($1 == ".SS") ? $2 : ""; if (sec != "" && !(sec in seen)) { seen[sec]; print sec } next }
		sec != "" && /^\.BI? "[a-z_]+ = / { split($2, k, "\""); print sec, k[2] }'
}
# The sections whose keys are names of the administrator's (.IB NAME " = " ...: [policies]).
conf_man_placeholders() {
	man_text "$MAN/bpfenced.conf.5" | awk '/^\.S[SH] / { sec = ($1 == ".SS") ? $2 : ""; next }
		sec != "" && /^\.IB [A-Z]+ " = "/ { print sec }' | sort -u
}
# The keys of the shipped file, "[section] key value" (the value's first word), but for names in
# a section of such names (function = bpfence).
conf_shipped_keys() {
	awk -v names="$(conf_man_placeholders | tr '\n' ' ')" -v literal="$(conf_man_keys | tr ' \n' '=,')" '
		/^\[/ { sec = $1; next }
		/^[a-z_]+ += / {
			if (index(" " names, " " sec " ") && !index("," literal, "," sec "=" $1 ",")) next
			print sec, $1, $3
		}' "$REPO/tools/config/bpfenced.conf"
}
# The shipped file, with a group that exists here for its bpfence (made by the package).
shipped_conf() {
	if getent group bpfence >/dev/null; then
		cat "$REPO/tools/config/bpfenced.conf"
	else
		sed 's/^\(function = \)bpfence$/\10/' "$REPO/tools/config/bpfenced.conf"
	fi
}

@test "docs: bpfenced's parser accepts the shipped bpfenced.conf, and refuses an unknown section or key (the checks below are not empty)" {
	conf_accepted < <(shipped_conf) || fail_loudly "tools/config/bpfenced.conf: line $conf_error"
	[ "$(conf_man_keys | grep -c ' ')" -ge 12 ]
	[ "$(conf_man_placeholders | tr '\n' ' ')" = "[policies] [users] " ]
	[ "$(conf_shipped_keys | wc -l)" -ge 12 ]
	conf_check < <(printf '[socket]\nowner = x\n')
	[ "$conf_error" = "2:1: unknown key 'owner' in [socket]" ]
	conf_check < <(printf '[no_such_section]\n')
	[[ "$conf_error" == "1:2: unknown section [no_such_section] "* ]]
	# The shipped file holds every literal key of the page, with its default.
	[ "$(conf_man_keys | grep ' ' | sort)" = "$(conf_shipped_keys | cut -d' ' -f1,2 | sort)" ]
}

@test "docs: every section and key of bpfenced.conf(5) is one bpfenced's parser knows" {
	# The sections: the parser names them in its message for an unknown one.
	conf_check < <(printf '[no_such_section]\n')
	sections=$(sed -n 's/.*unknown section.*(\(.*\))$/\1/p' <<<"$conf_error" | tr -d ',' | tr ' ' '\n')
	[ -n "$sections" ]
	[ "$(conf_man_keys | grep -v ' ' | tr -d '[]' | sort)" = "$(sort <<<"$sections")" ] ||
		fail_loudly "bpfenced.conf(5)'s .SS sections differ from the parser's: $sections"
	# The keys: any answer but "unknown key" (a value it refuses, or the end) is a known key.
	while read -r sec key; do
		[ -n "$key" ] || continue
		conf_check < <(printf '%s\n%s = 1\n' "$sec" "$key")
		if [[ "$conf_error" == "2:"*"unknown key '$key'"* ]]; then
			fail_loudly "bpfenced.conf(5): $sec $key: the parser does not know it"
		fi
	done < <(conf_man_keys)
}

@test "docs: bpfenced.conf(5) gives each key of the shipped file the default the file has" {
	while read -r sec key value; do
		text=$(man_text "$MAN/bpfenced.conf.5" | awk -v h=".SS $sec" -v k="$key = " '
			/^\.S[SH] / { on = ($0 == h); entry = 0; next }
			on && /^\.(TP|PP)/ { entry = 0; next }
			on && /^\.BI? "/ { entry = (index($0, "\"" k) > 0); next }
			on && entry' | tr '\n' ' ')
		[ -n "$text" ] || fail_loudly "bpfenced.conf(5): no entry for $sec $key"
		grep -q "(default $value[,;)]" <<<"$text" ||
			fail_loudly "bpfenced.conf(5): $sec $key: the shipped default is $value, the page says: $text"
	done < <(conf_shipped_keys)
}

@test "docs: the man pages format without a warning" {
	for page in "$MAN"/*.[0-9]; do
		out=$(LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -E UTF-8 -l "$page" 2>&1 >/dev/null)
		[ -z "$out" ] || fail_loudly "$page: $out"
	done
}

@test "--version: both binaries print the VERSION file's version, as debian/changelog does" {
	version=$(cat "$REPO/VERSION")
	[ "$("$BPFENCE" --version)" = "bpfence $version" ]
	[ "$("$REPO/.output/bpfenced" --version)" = "bpfenced $version" ]
	[ "$(sed -n '1s/^bpfence (\([^)]*\)).*/\1/p' "$REPO/debian/changelog")" = "$version" ]
}

# The README's Prometheus blocks: the fenced block after each marker is exactly the file it names.
readme_block() {
	awk -v m="<!-- $1: $2 -->" '$0 == m { f = 1; next } f && /^```yaml$/ { p = 1; next }
		p && /^```$/ { exit } p { print }' "$REPO/README.md"
}

@test "docs: the README's scrape configuration and alert rules are tools/prometheus' files, and promtool accepts them" {
	local f
	for f in prometheus.yml bpfence.rules.yml; do
		[ -n "$(readme_block "$f" "tools/prometheus/$f")" ] || fail_loudly "README has no $f block"
		diff <(readme_block "$f" "tools/prometheus/$f") "$REPO/tools/prometheus/$f" ||
			fail_loudly "README's $f block differs from tools/prometheus/$f"
	done
	promtool check rules "$REPO/tools/prometheus/bpfence.rules.yml"
	promtool check config "$REPO/tools/prometheus/prometheus.yml"
	# Two alerts: records dropped, enforcement lost, on metrics bpfenced exports.
	grep -q 'expr: increase(bpfence_records_dropped_total' "$REPO/tools/prometheus/bpfence.rules.yml"
	grep -q 'expr: bpfence_enforcing == 0' "$REPO/tools/prometheus/bpfence.rules.yml"
}
