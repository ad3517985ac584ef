#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Host test: rule ids are stable. A rule's id is the first 32 bits of its key, whatever else
# the policy holds: adding rules (before it in key order, with new reasons) or removing others
# leaves it alone, and two policies listing a rule in another order give it the same id.
# Rules whose keys share those bits take consecutive ids in key order, and no id is the
# "no rule" value 0xffffffff, even at the top of the range.
set -u
suite=rule_ids
. "$(dirname "$0")/lib.sh"

ids() { # POLICY: "key id" per rule, from check --keys --json
	"$EB" check --keys --json "$1" | python3 -c '
import json, sys
for e in json.load(sys.stdin)["entries"]:
    print(e["key"], e["id"])'
}

h() { printf '%s' "$1" | sha256sum | cut -c1-64; }
a=$(h a) b=$(h b) c=$(h c) d=$(h d)
cat >"$tmp/v1.policy" <<EOF
deny sha256=$a label=a reason="first reason"
deny sha256=$b label=b reason="second reason"
deny sha256=$c label=c
EOF
# v2: c removed, d added at the top with a reason that sorts and comes first, b moved last
cat >"$tmp/v2.policy" <<EOF
deny sha256=$d label=d reason="a new reason, first"
deny sha256=$a label=a reason="first reason"
deny sha256=$b label=b reason="second reason"
EOF
ids "$tmp/v1.policy" >"$tmp/v1.ids"
ids "$tmp/v2.policy" >"$tmp/v2.ids"
bad=
for k in $a $b $c; do
	want=$((16#${k:0:8}))
	got=$(awk -v k="$k" '$1 == k { print $2 }' "$tmp/v1.ids")
	[ "$got" = "$want" ] || bad="$bad $k:$got!=$want"
done
if [ -z "$bad" ]; then ok "a rule's id is the first 32 bits of its key"; else
	not_ok "a rule's id is the first 32 bits of its key" "$bad" "$(cat "$tmp/v1.ids")"; fi
kept=$(awk 'NR == FNR { id[$1] = $2; next } ($1 in id) && id[$1] != $2' "$tmp/v1.ids" "$tmp/v2.ids")
n=$(awk 'NR == FNR { id[$1] = $2; next } ($1 in id)' "$tmp/v1.ids" "$tmp/v2.ids" | wc -l)
if [ -z "$kept" ] && [ "$n" = 2 ]; then ok "rules kept across policies keep their ids"; else
	not_ok "rules kept across policies keep their ids" "changed: $kept" "common: $n"; fi

# Colliding prefixes, and the top of the range.
z=000000000000000000000000000000000000000000000000000000
cat >"$tmp/clash.policy" <<EOF
deny sha256=deadbeef${z}01 label=x1
deny sha256=deadbeef${z}02 label=x2
deny sha256=deadbef0${z}00 label=x3
deny sha256=deadbef2${z}00 label=x4
deny sha256=fffffffe${z}00 label=t1
deny sha256=ffffffff${z}01 label=t2
deny sha256=ffffffff${z}02 label=t3
EOF
got=$(ids "$tmp/clash.policy" | awk '{ printf "%s:%08x ", substr($1, 1, 8), $2 }')
want="deadbeef:deadbeef deadbeef:deadbef0 deadbef0:deadbef1 deadbef2:deadbef2 fffffffe:fffffffc ffffffff:fffffffd ffffffff:fffffffe "
if [ "$got" = "$want" ]; then ok "shared prefixes take consecutive ids, below 0xffffffff"; else
	not_ok "shared prefixes take consecutive ids, below 0xffffffff" "got  $got" "want $want"; fi

# A prefix shared with a rule that is gone: the survivor takes its own id back.
grep -v 'x1$' "$tmp/clash.policy" >"$tmp/clash2.policy"
got=$(ids "$tmp/clash2.policy" | awk '{ printf "%08x ", $2 }')
want="deadbeef deadbef0 deadbef2 fffffffc fffffffd fffffffe "
if [ "$got" = "$want" ]; then ok "ids follow the rules that remain"; else
	not_ok "ids follow the rules that remain" "got  $got" "want $want"; fi

echo "# $suite: $pass passed, $fail failed"
[ "$fail" = 0 ]
