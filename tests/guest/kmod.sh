#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# execban.ko in the enforcement path: with the module loaded, execban load uses its SHA-256
# kfunc instead of bpf_ima_file_hash, bans hold, events carry the right digest, and the module
# can be removed once execban is unloaded.
set -u
. "$(dirname "$0")/../lib.sh"

W=$(mktemp -d /tmp/execban-kmod.XXXXXX)
KO=$top/build/kmod/$(uname -r)/execban.ko
"$EB" unload >/dev/null 2>&1
rmmod execban 2>/dev/null

unique_copy /bin/true "$W/banned" kmod-banned
unique_copy /bin/true "$W/allowed" kmod-allowed
"$EB" hash "$W/banned" >"$W/p"

check "execban.ko loads" insmod "$KO"
out=$("$EB" load "$W/p" 2>&1)
check "load says it hashes with execban.ko" grep -q "hashing with execban.ko" <<<"$out"
expect_exec "kmod hashing: banned file refused" "exec-error EPERM" "$W/banned"
expect_exec "kmod hashing: allowed file runs" "exit 0" "$W/allowed"
drain_events "$W/ev"
check "kmod hashing: event carries the file's sha256" event_has "$W/ev" \
	"e['sha256']=='$(sha256 "$W/banned")' and e['path']=='$W/banned'"
check "status reports the module" bash -c "grep -q '\"kmod\":true' <<<\"\$('$EB' status --json)\""
rmmod execban 2>/dev/null
check "the module cannot be removed while the programs use it" [ -e /sys/module/execban ]
"$EB" unload >/dev/null
for _ in $(seq 30); do rmmod execban 2>/dev/null && break; sleep 0.2; done
check "after unload the module can be removed" [ ! -e /sys/module/execban ]

out=$("$EB" load "$W/p" 2>&1)
check "without the module, load falls back to bpf_ima_file_hash" bash -c "! grep -q 'execban.ko' <<<'$out'"
expect_exec "IMA hashing: banned file refused" "exec-error EPERM" "$W/banned"
"$EB" unload >/dev/null
rm -rf "$W"
finish
