#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The dpkg benchmark on a real disk root: runs inside the system image (make bench:
# tests/system/run -- bench/dpkg-system.sh), where / is ext4 on a virtio disk, not the 9p root
# of tests/vm/run whose waits made the ratio noise.
#
# dpkg -i, then dpkg --purge, of a 2,000-file package (1,900 data files of 1 to 16 KiB and 100
# executables, unique copies of /usr/bin/true, as bench/run-in-vm.sh builds it), in
# BENCH_DPKG_ROUNDS rounds (default 15), each round in a random order of:
#   none  execban unloaded ("execban unload")
#   on    execban as the workstation boots it: execban.service's policy (the example ban list),
#         execban.ko, lock mode's hooks attached (not locked)
# Each configuration is set before its round and the page cache is dropped before each dpkg -i.
# Prints "dpkg-system.CFG NANOSECONDS" per install on stdout (elapsed), and
# "dpkg-system-cpu.CFG NANOSECONDS": the CPU time of dpkg and its children (user + sys, where
# execban's programs run: they run in dpkg's context), without what other tasks did meanwhile.
# Under icount the instructions of every vCPU and task advance the one clock, so the elapsed
# figure also carries the system's background work (writeback, the journal's commits,
# journald, auditd): measured at +-30 % per sample, which no affordable number of rounds
# resolves to 3 %. The host's bench/stats.py reads both; a summary goes to stderr.
set -euo pipefail

[ "${EXECBAN_SYSTEM:-}" = 1 ] || { echo "$0: runs inside the system image (tests/system/run)" >&2; exit 2; }
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
ROUNDS=${BENCH_DPKG_ROUNDS:-15}
# BENCH_DPKG_SAFE_IO=1: dpkg fsyncs as it does by default. Otherwise --force-unsafe-io: each
# fsync is an idle wait, which icount (sleep=off) turns into a jump to the next timer, of any
# length, and that was most of the elapsed figure's noise. execban's hooks do not depend on it.
DPKG_OPTS=--force-unsafe-io
[ "${BENCH_DPKG_SAFE_IO:-}" != 1 ] || DPKG_OPTS=
W=$(mktemp -d /var/tmp/execban-dpkg.XXXXXX)
trap 'rm -rf "$W"' EXIT
now() { date +%s%N; }
TIMEFORMAT='%R %U %S' # bash's time: real, then dpkg's (and its children's) user and sys seconds
log() { echo "dpkg-system: $*" >&2; }

d=$W/pkg
mkdir -p "$d/DEBIAN" "$d/usr/share/execban-bench" "$d/usr/lib/execban-bench"
cat >"$d/DEBIAN/control" <<CTL
Package: execban-bench
Version: 1.0
Architecture: all
Maintainer: execban bench <root@localhost>
Description: execban install benchmark package
CTL
for i in $(seq 0 1899); do
	head -c "$((1024 + (i * 7919) % 15361))" /dev/urandom >"$(printf '%s/f%04d' "$d/usr/share/execban-bench" "$i")"
done
"$top/build/bench/mkcopies" /usr/bin/true 100 "$d/usr/lib/execban-bench/tool%d" >/dev/null
dpkg-deb --root-owner-group -Znone --build "$d" "$W/bench.deb" >/dev/null
rm -rf "$d"

config() {
	case "$1" in
	none) execban unload >/dev/null 2>&1 || true ;;
	on)
		[ -d /sys/fs/bpf/execban ] || systemctl restart execban.service
		execban status --check >/dev/null || { execban status >&2; exit 1; }
		;;
	esac
}

log "$ROUNDS rounds of dpkg -i + --purge of a 2,000-file package, execban unloaded and loaded"
for r in $(seq "$ROUNDS"); do
	for cfg in $(printf '%s\n' none on | shuf); do
		config "$cfg"
		sync
		echo 3 >/proc/sys/vm/drop_caches
		sleep 2 # writeback and the journal's commit settle (icount: virtual seconds)
		t0=$(now)
		# shellcheck disable=SC2086 # DPKG_OPTS: none or one word
		{ time dpkg $DPKG_OPTS -i "$W/bench.deb" >"$W/dpkg.out" 2>&1; } 2>"$W/time" ||
			{ cat "$W/dpkg.out" >&2; exit 1; }
		t1=$(now)
		read -r _ user sys <"$W/time"
		cpu=$(awk -v u="$user" -v s="$sys" 'BEGIN { printf "%.0f", (u + s) * 1e9 }')
		echo "dpkg-system.$cfg $((t1 - t0))"
		echo "dpkg-system-cpu.$cfg $cpu"
		dpkg --purge execban-bench >/dev/null 2>&1
		log "round $r $cfg: $(((t1 - t0) / 1000000)) ms, dpkg's own CPU (user + sys) $((cpu / 1000000)) ms"
	done
done
config on
