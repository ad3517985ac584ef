#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Host test: policy/example.policy is valid and bans exactly the demo stand-ins it names, so
# "make demo" cannot rot when a demo file changes.
set -u
cd "$(dirname "$0")/../.."
EB=build/execban
pass=0 fail=0
t() { if "${@:2}"; then echo "ok - example: $1"; pass=$((pass + 1)); else echo "not ok - example: $1"; fail=$((fail + 1)); fi; }
t "policy/example.policy passes execban check" "$EB" check policy/example.policy
for f in wechat kaspersky-agent; do
	rule=$("$EB" hash "demo/$f" | sed 's/ label=.*//')
	t "demo/$f is banned by its current hash and size" grep -q "^$rule " policy/example.policy
done
rule=$("$EB" hash demo/text-editor | sed 's/ label=.*//; s/^deny //')
t "demo/text-editor is not banned" bash -c "! grep -q '$rule' policy/example.policy"
t "execban check rejects a bad policy with file:line" bash -c \
	"printf 'deny sha256=12\n' > build/bad.policy; ! $EB check build/bad.policy 2>/dev/null && grep -q '^build/bad.policy:1: error' <<<\"\$($EB check build/bad.policy 2>&1)\""
echo "# example: $pass passed, $fail failed"
[ $fail = 0 ]
