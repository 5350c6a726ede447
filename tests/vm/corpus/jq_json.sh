#!/bin/sh
# JSON with jq: the shipped CSV turned into JSON, filters, grouping, reductions, arguments,
# raw and compact output, dates, slurping, a document edited in TMPDIR, and jq's exit statuses.
# Few jq starts (each one compiles jq's builtins, slow in the emulated VM), many filters each.
set -eu

jq -R -s '
	split("\n") | map(select(length > 0) | split(",")) | .[0] as $head | .[1:]
	| map([$head, .] | transpose | map({(.[0]): .[1]}) | add)
	| map(.quantity |= tonumber | .unit_price |= tonumber)' orders.csv >"$TMPDIR/orders.json"

jq -r --arg c acme '
	"orders: \(length)",
	"first: \(.[0] | tojson)",
	"by region:",
	(group_by(.region)[]
	 | "  \(.[0].region) \(length) \(map(.quantity * .unit_price) | add * 100 | round / 100)"),
	"big orders: \([.[] | select(.quantity >= 7) | .order_id] | tojson)",
	"items: \([.[].item] | unique | join(" "))",
	"units: \(reduce .[] as $o (0; . + $o.quantity))",
	(.[] | select(.customer == $c) | [.order_id, .item, .quantity] | @csv),
	(.[0] | to_entries | map("\(.key)=\(.value)") | sort | join(" "))' "$TMPDIR/orders.json"

jq -n --argjson max 3 '{name: "report", version: 1, tags: ["a", "b"], limits: {max: $max}}' \
	>"$TMPDIR/config.json"
jq -S -c '.version += 1 | .tags += ["c"] | del(.limits)' "$TMPDIR/config.json" >"$TMPDIR/config.new"
mv "$TMPDIR/config.new" "$TMPDIR/config.json"
cat "$TMPDIR/config.json"
printf '{"n":1,"deep":{"b":[1,2,{"c":"x"}]}}\n{"n":2}\n{"n":3}\n' | jq -s -c '
	(map(.n) | add), .[0].deep.b[2].c, ([.[0] | paths] | length),
	([3, 1, 2] | sort, map(. * 10), @base64, min, max),
	("2024-02-29T12:00:00Z" | fromdateiso8601), (1700000000 | todate)'
if echo '{bad json' | jq . 2>/dev/null; then echo "parsed?"; else echo "jq rejects bad JSON: $?"; fi
echo '{"ok": false}' | jq -e .ok >/dev/null || echo "jq -e exit: $?"
