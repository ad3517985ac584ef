#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Host test (issue 18): a fresh install has no ban list yet (the shipped execban.policy
# includes an empty policy.d/). execban.service runs "execban load --allow-empty": with no rules
# and nothing in force it says "no ban list installed" and exits 0 (a unit that succeeds, not
# one that fails on every boot); "status --check" names the same state. Without the option an
# empty policy is still refused, and with it a policy with an error still is. (That an empty
# policy never replaces one in force is checked in the VM: tests/guest/cli.sh.)
set -u
cd "$(dirname "$0")/../.." || exit 1
EB=${EB:-$PWD/build/execban}
pass=0 fail=0
t() { if "${@:2}"; then echo "ok - empty policy: $1"; pass=$((pass + 1)); else echo "not ok - empty policy: $1"; fail=$((fail + 1)); fi; }
show() { sed 's/^/#   /' "$1"; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export EXECBAN_SYSGUARD_CACHE=$tmp/sysguard.cache
E=$tmp/etc
mkdir -p "$E/policy.d"
cp dist/execban.policy "$E/execban.policy"
if [ -e /sys/fs/bpf/execban ]; then
	echo "ok - empty policy: # SKIP this host has execban loaded (/sys/fs/bpf/execban)"
	exit 0
fi

"$EB" load --allow-empty "$E/execban.policy" >"$tmp/out" 2>"$tmp/err"
rc=$?
t "load --allow-empty of the shipped policy exits 0" test $rc = 0
t "and says no ban list is installed, naming the file" \
	grep -q "^execban: no ban list installed: $E/execban.policy holds no rules; nothing is enforced" "$tmp/out"
[ $rc = 0 ] || { show "$tmp/out"; show "$tmp/err"; }
t "and reports no error" bash -c "! grep -q 'error' '$tmp/err'"

"$EB" load "$E/execban.policy" >"$tmp/out" 2>"$tmp/err"
rc=$?
t "without --allow-empty an empty policy is refused (exit 1)" test $rc = 1
t "with the reason" grep -q "execban.policy: error: no rules: refusing an empty policy" "$tmp/err"

printf 'deny sha256=zz label=broken\n' >"$E/policy.d/10-broken.policy"
"$EB" load --allow-empty "$E/execban.policy" >"$tmp/out" 2>"$tmp/err"
rc=$?
t "--allow-empty still refuses a policy with an error (exit 1)" test $rc = 1
t "naming its file:line" grep -q "10-broken.policy:1: error" "$tmp/err"
rm "$E/policy.d/10-broken.policy"

EXECBAN_POLICY=$E/execban.policy "$EB" status --check >"$tmp/out" 2>"$tmp/err"
rc=$?
t "status --check exits 1: nothing is enforced" test $rc = 1
t "status says NOT LOADED: no ban list installed" grep -q "^execban: NOT LOADED: no ban list installed" "$tmp/out"
t "status --check gives the reason and what to do" \
	grep -q "^execban: check: no ban list installed: $E/execban.policy and what it includes hold no rules (put a ban list in /etc/execban/policy.d/" "$tmp/out"
EXECBAN_POLICY=$E/execban.policy "$EB" status --json >"$tmp/out" 2>"$tmp/err"
t "status --json lists it among the problems" grep -q '"problems":\[.*"no ban list installed: ' "$tmp/out"

printf 'deny sha256=%064d size=1 label=one\n' 1 >"$E/policy.d/10-one.policy"
EXECBAN_POLICY=$E/execban.policy "$EB" status --check >"$tmp/out" 2>"$tmp/err"
t "with a ban list installed (not loaded) status says NOT LOADED, not 'no ban list'" \
	bash -c "grep -q '^execban: check: not loaded: no policy in the kernel' '$tmp/out' && ! grep -q 'no ban list' '$tmp/out'"

echo "# empty policy: $pass passed, $fail failed"
[ "$fail" = 0 ]
