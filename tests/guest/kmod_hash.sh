#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# execban.ko's kfuncs, end to end, inside a test VM (as root, in a throwaway guest):
#   tests/vm/run --kernel 6.1 -- tests/guest/kmod_hash.sh
# Built on the host first: scripts/kmod-build.sh 6.1 (or 6.12) and make -C kmod/tests.
#
# Loads the module for the running kernel, checks its BTF and kfuncs, runs the probe
# (kmod/tests/hash_probe*), which calls execban_file_sha256() from lsm.s/bprm_check_security on
# bprm->file and from lsm.s/mmap_file, and compares each digest with sha256sum's. Then the
# error cases, a SIGKILL while hashing, rmmod once the probe is gone, a second load, and a
# clean kernel log. Prints timings of the kfunc against sha256sum (EXECBAN_KMOD_TIMING=0: skip).
# Exit status: 0 all passed, 1 a check failed, 2 missing build outputs.
set -uo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
rel=$(uname -r)
ko=$top/build/kmod/$rel/execban.ko
probe=$top/build/kmod/tests/hash_probe
failed=0

ok() { echo "ok - kmod_hash: $*"; }
bad() { echo "not ok - kmod_hash: $*"; failed=1; }

for f in "$ko" "$probe"; do
	if [ ! -e "$f" ]; then
		echo "kmod_hash: $f missing: run scripts/kmod-build.sh and make -C kmod/tests first" >&2
		exit 2
	fi
done
[ "$(id -u)" = 0 ] || { echo "kmod_hash: must run as root (in the VM)" >&2; exit 2; }

dmesg_from=$(dmesg | wc -l)
new_dmesg() { dmesg | tail -n +$((dmesg_from + 1)); }

work=$(mktemp -d /tmp/ebk.XXXXXX)
# shellcheck disable=SC2317 # run by the EXIT trap
cleanup() {
	rm -rf "$work"
	rmmod execban 2>/dev/null || true
}
trap cleanup EXIT

# rmmod_retry: a module used by a program that was just destroyed is released ~0.5-1 s later.
rmmod_retry() {
	for _ in $(seq 1 30); do
		rmmod execban 2>/dev/null && return 0
		sleep 0.2
	done
	rmmod execban
}

# field LINE NAME: the value of NAME=... in a probe output line.
field() { sed -n "s/.* $2=\([^ ]*\).*/\1/p" <<<"$1"; }

# expect LINE NAME VALUE DESCRIPTION
expect() {
	local got
	got=$(field "$1" "$2")
	if [ "$got" = "$3" ]; then
		ok "$4: $2=$got"
	else
		bad "$4: $2=$got, want $3 (${1%% *})"
	fi
}

# --- load -------------------------------------------------------------------------------------
echo "# kernel $rel, module $ko"
if insmod "$ko"; then ok "insmod"; else bad "insmod"; exit 1; fi

if [ -e /sys/kernel/btf/execban ]; then ok "/sys/kernel/btf/execban exists"; else bad "no /sys/kernel/btf/execban"; fi
btf=$(bpftool btf dump file /sys/kernel/btf/execban --base-btf /sys/kernel/btf/vmlinux 2>&1)
for fn in execban_file_sha256 execban_file_signer execban_file_verify_signer \
	execban_kmod_open_marker execban_kmod_abi_version; do
	line=$(grep -E "FUNC '$fn' " <<<"$btf")
	if [ -n "$line" ]; then ok "module BTF: $line"; else bad "module BTF lacks FUNC $fn"; fi
done
if new_dmesg | grep -E 'missing module BTF|failed to validate module BTF|cannot register'; then
	bad "kernel refused the module's BTF or kfuncs (above)"
fi
driver=$(new_dmesg | sed -n 's/.*execban: sha256 driver: //p' | tail -1)
if [ -n "$driver" ]; then ok "sha256 driver: $driver"; else bad "no 'sha256 driver' line in dmesg"; fi

# --- digests and error cases --------------------------------------------------------------------
cp /usr/bin/true "$work/true"
: >"$work/empty"
head -c 1048576 /dev/urandom >"$work/1m"
truncate -s 200M "$work/big"       # sparse: cheap to make, slow to hash: the kill target
chmod +x "$work"/*
sum() { sha256sum "$1" | cut -d' ' -f1; }
zero=$(printf '%064d' 0)

out=$("$probe" exec "$work/true" exec "$work/empty" exec "$work/1m" mmap "$work/1m" \
	kill 300 "$work/big")
status=$?
printf '# %s\n' "${out//$'\n'/$'\n'# }"
[ $status = 0 ] || bad "hash_probe exited $status"

mapfile -t lines <<<"$out"
l=${lines[0]:-}
expect "$l" ret 0 "exec of a binary (bprm->file)"
expect "$l" sha256 "$(sum "$work/true")" "exec of a binary: digest = sha256sum"
expect "$l" exit 0 "exec of a binary: it still runs"
expect "$l" abi "$(sed -n 's/^#define EXECBAN_KMOD_ABI \([0-9]*\)$/\1/p' "$top/kmod/execban_kmod.h")" "execban_kmod_abi_version() = EXECBAN_KMOD_ABI"
l=${lines[1]:-}
expect "$l" ret 0 "exec of an empty file"
expect "$l" sha256 "$(sum "$work/empty")" "exec of an empty file: digest = sha256sum"
l=${lines[2]:-}
expect "$l" ret 0 "exec of 1 MB of random data"
expect "$l" sha256 "$(sum "$work/1m")" "exec of 1 MB: digest = sha256sum"
expect "$l" exit 126 "exec of 1 MB of random data: ENOEXEC after the hook"
l=${lines[3]:-}
if [ "$(field "$l" ret)" = 1 ]; then
	# HP_NOT_CALLED (hash_probe.h): 7.2's verifier lets no program pass it a NULL file there.
	echo "# skip: kmod_hash: mmap_file with no file (NULL): $rel marks mmap_file's file __nullable and refuses a possibly-NULL kfunc argument, so no program can pass NULL"
else
	expect "$l" ret -22 "mmap_file with no file (NULL)"
	expect "$l" sha256 "$zero" "mmap_file with no file: digest zeroed"
fi
l=${lines[4]:-}
expect "$l" ret -22 "mmap_file of /dev/zero (not a regular file)"
l=${lines[5]:-}
expect "$l" ret -9 "mmap_file of a file opened O_WRONLY (-EBADF, no WARN)"
expect "$l" mmap_errno 13 "mmap of an O_WRONLY file still fails EACCES"
l=${lines[6]:-}
expect "$l" ret 0 "mmap_file of a regular file"
expect "$l" sha256 "$(sum "$work/1m")" "mmap_file: digest = sha256sum"
expect "$l" f_pos 10 "mmap_file: the file's own position untouched"
l=${lines[7]:-}
expect "$l" ret -4 "SIGKILL while hashing 200 MB: -EINTR"
expect "$l" signal 9 "SIGKILL while hashing: the child died of it"

# --- timings ----------------------------------------------------------------------------------
if [ "${EXECBAN_KMOD_TIMING:-1}" != 0 ]; then
	head -c 52428800 /dev/urandom >"$work/50m"
	chmod +x "$work/50m"
	for f in 1m 50m; do
		n=5
		[ $f = 50m ] && n=3
		t=$("$probe" execn $n "$work/$f" | sed -n 's/.* ns=\([0-9]*\).*/\1/p' |
			awk '{ printf " %.1f", $1 / 1e6 }')
		s=$(for _ in $(seq 1 $n); do
			b=$(date +%s%N); sha256sum "$work/$f" >/dev/null; e=$(date +%s%N)
			echo $(((e - b) / 1000))
		done | awk '{ printf " %.1f", $1 / 1e3 }')
		echo "# timing $f: kfunc ms:$t | sha256sum process ms:$s"
	done
fi

# --- unload, reload -----------------------------------------------------------------------------
if rmmod_retry; then ok "rmmod after the probe is gone"; else bad "rmmod"; fi
if insmod "$ko" && [ -e /sys/kernel/btf/execban ]; then ok "second insmod"; else bad "second insmod"; fi
if rmmod_retry; then ok "second rmmod"; else bad "second rmmod"; fi

if new_dmesg | grep -E 'WARNING|BUG|Call Trace|Oops'; then
	bad "kernel warnings (above)"
else
	ok "no kernel warnings"
fi

[ $failed = 0 ] && echo "PASS kmod_hash on $rel" || echo "FAILED kmod_hash on $rel"
exit $failed
