#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Issue 19 in the VM: "execban load" of a list that bans a copy of the guest's /bin/sh (a file
# the system needs) is refused before anything changes: the policy in force stays (its banned
# file still refused, status shows its version); --force loads such a list, with a warning; a
# drop-in conflict (two files setting the version) leaves the policy in force untouched too.
# execban-test-kernels: one
# execban-test-cost: 14
# (what this suite checks is userspace's: tests/run runs it on one test kernel, where it
# balances the run; the kernel behaviour it relies on is checked on every kernel by the other
# suites; EXECBAN_ALL_SUITES_EVERYWHERE=1 runs it on every kernel)
set -u
. "$(dirname "$0")/../lib.sh"

W=$(mktemp -d /tmp/execban-sysguard.XXXXXX)
"$EB" unload >/dev/null 2>&1
unique_copy /bin/true "$W/x" sysguard-x
unique_copy /bin/true "$W/y" sysguard-y
unique_copy /bin/true "$W/z" sysguard-z

{ echo 'name "in-force"'; echo "version 1"; rule "$W/x" xrule; } >"$W/v1.policy"
EXECBAN_TIMING=1 "$EB" load "$W/v1.policy" >/dev/null 2>"$W/timing"
check "the first policy loads" [ $? = 0 ]
sed -n 's/^execban: timing: \(sysguard .*:.*\)/# first load: \1/p' "$W/timing"
EXECBAN_TIMING=1 "$EB" load "$W/v1.policy" >/dev/null 2>"$W/timing"
sed -n 's/^execban: timing: \(sysguard .*:.*\)/# reload: \1/p' "$W/timing"
check "a reload hashes no protected file again (the digest cache)" grep -q 'sysguard .* 0 hashed, .*cache used' "$W/timing"
expect_exec "its banned file is refused" "exec-error EPERM" "$W/x"
gen=$(status_json "d['generation']")

# ---- a list banning a copy of /bin/sh ----
sh=$(readlink -f /bin/sh)
cp "$sh" "$W/sh-copy"
{ echo 'name "bans the shell"'; echo "version 2"; rule "$W/y" yrule; rule "$W/sh-copy" shell; } >"$W/v2.policy"
"$EB" load "$W/v2.policy" >"$W/out" 2>"$W/err"
rc=$?
check "load of a list banning a copy of /bin/sh ($sh) is refused: exit 1" [ $rc = 1 ]
check "... naming the rule's file:line and the system file" \
	grep -q "^$W/v2.policy:4: error: this rule bans $sh, the shell (/bin/sh), which the system needs to boot and to be repaired; --force to ban it anyway$" "$W/err"
check "... and saying nothing was loaded" grep -q "nothing loaded: the policy in force is unchanged" "$W/err"
[ $rc = 1 ] || sed 's/^/#   /' "$W/err"
check "status: still version 1 of \"in-force\", same generation" \
	[ "$(status_json "d['policy']['name'], d['policy']['version'], d['generation']")" = "in-force 1 $gen" ]
expect_exec "the policy in force still refuses its banned file" "exec-error EPERM" "$W/x"
expect_exec "the refused list's other rule is not in force" "exit 0" "$W/y"
expect_exec "/bin/sh runs" "exit 0" /bin/sh -c true
expect_exec "the copy of /bin/sh runs" "exit 0" "$W/sh-copy" -c true

# ---- --force: loaded, with a warning naming the file (a file no test needs: hostname) ----
host=$(readlink -f "$(command -v hostname)")
cp "$host" "$W/hostname-copy"
{ echo 'name "forced"'; echo "version 3"; rule "$W/x" xrule; rule "$W/hostname-copy" hostname; } >"$W/v3.policy"
"$EB" load "$W/v3.policy" >/dev/null 2>"$W/err"
check "without --force a list banning $host is refused" [ $? = 1 ]
"$EB" load --force "$W/v3.policy" >/dev/null 2>"$W/err"
check "with --force it loads" [ $? = 0 ]
check "... with a warning naming the rule and the file" \
	grep -q "^$W/v3.policy:4: warning: this rule bans /[a-z/]*hostname, package hostname (Essential), .*: banned anyway (--force)$" "$W/err"
expect_exec "... and the kernel enforces it: $host is refused" "exec-error EPERM" "$host"
"$EB" load "$W/v1.policy" >/dev/null 2>&1
expect_exec "back to the first policy: $host runs again" "exit 0" "$host"
gen=$(status_json "d['generation']")

# ---- drop-ins: 10-gc.policy and 20-agency.policy both set the version ----
E=$W/etc
mkdir -p "$E/policy.d"
echo "include policy.d/*.policy" >"$E/execban.policy"
{ echo 'name "gc-ban"'; echo "version 7"; rule "$W/y" gc; } >"$E/policy.d/10-gc.policy"
{ echo "mode audit"; echo "version 2"; rule "$W/z" agency; } >"$E/policy.d/20-agency.policy"
rule "$W/z" site >"$E/policy.d/30-site.conf"
"$EB" load "$E/execban.policy" >"$W/out" 2>"$W/err"
rc=$?
check "drop-ins setting the version twice: load refused, exit 1" [ $rc = 1 ]
check "... naming both file:lines" \
	grep -q "^$E/policy.d/20-agency.policy:2: error: the version is already set to 7 at $E/policy.d/10-gc.policy:2" "$W/err"
check "... and the .conf file that is not read" grep -q "policy.d/30-site.conf is not read" "$W/err"
check "status: the policy in force untouched (in-force, version 1, mode enforce, same generation)" \
	[ "$(status_json "d['policy']['name'], d['policy']['version'], d['policy']['mode'], d['generation']")" = "in-force 1 enforce $gen" ]
expect_exec "the policy in force still refuses its banned file" "exec-error EPERM" "$W/x"
expect_exec "the drop-ins' rules are not in force" "exit 0" "$W/y"
sed -i '/^version/d' "$E/policy.d/20-agency.policy"
"$EB" load "$E/execban.policy" >/dev/null 2>&1
check "once settled, the folder loads: gc-ban version 7, mode audit from 20-agency.policy" \
	[ "$(status_json "d['policy']['name'], d['policy']['version'], d['policy']['mode']")" = "gc-ban 7 audit" ]

"$EB" unload >/dev/null 2>&1
rm -rf "$W"
finish
