#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make demo: runs inside the test VM. Loads policy/example.policy, shows a banned application
# refused with its event, and an allowed one running. Exits non-zero if the ban did not hold.
set -u
cd "$(dirname "$0")/.."
EB=build/execban
step() { printf '\n\033[1m$ %s\033[0m\n' "$*"; }
run() { step "$*"; "$@"; }

echo "execban demo on $(uname -r) (LSMs: $(cat /sys/kernel/security/lsm))"
"$EB" unload >/dev/null 2>&1

run "$EB" check policy/example.policy
run "$EB" load policy/example.policy || exit 1
run "$EB" status

# The user "downloads" the banned applications under new names.
mkdir -p /tmp/Downloads
cp demo/wechat /tmp/Downloads/WeChatSetup
cp demo/kaspersky-agent /tmp/Downloads/kav
cp demo/text-editor /tmp/Downloads/text-editor
chmod 755 /tmp/Downloads/*

rc=0
step /tmp/Downloads/WeChatSetup
if /tmp/Downloads/WeChatSetup; then rc=1; else echo "(refused, exit $?)"; fi
step /tmp/Downloads/kav
if /tmp/Downloads/kav; then rc=1; else echo "(refused, exit $?)"; fi
step /tmp/Downloads/text-editor
/tmp/Downloads/text-editor || rc=1

run "$EB" events
"$EB" load policy/example.policy >/dev/null	# nothing changes: same policy, new generation
/tmp/Downloads/WeChatSetup 2>/dev/null
step "$EB events --json | python3 -m json.tool"
"$EB" events --json | python3 -m json.tool

run "$EB" unload
echo
if [ $rc = 0 ]; then
	echo "demo: banned applications were refused and reported; the allowed one ran."
else
	echo "demo: FAILED: a banned application ran or an allowed one did not"
fi
exit $rc
