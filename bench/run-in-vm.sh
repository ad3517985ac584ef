#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# bench/run-in-vm.sh - execban's benchmarks, inside the test VM, every configuration in the same
# boot (TCG timings are only comparable within one boot). Run by `make bench`:
#   tests/vm/run --kernel 6.1 --timeout 3000 -- bench/run-in-vm.sh
# Needs build/execban and build/bench/{true,execstorm,mkcopies,afalg} (built by `make bench`);
# uses build/kmod/$(uname -r)/execban.ko when present. Raw samples go to build/bench/raw/,
# figures to build/bench/results.json (bench/stats.py), and the markdown table to stdout.
#
# Knobs (environment): BENCH_ROUNDS (8) x BENCH_N (125) execs per exec-storm configuration,
# BENCH_BIG (5) samples of the 50 MiB first exec, BENCH_LOAD (3) 1M-rule loads of each kind,
# BENCH_EVENTS (3000) denials per event burst, BENCH_SCALE ("10 1000 10000 100000 1000000") policy
# sizes of the scaling run, BENCH_FAPO_MAX (100000) the largest given to fapolicyd, BENCH_SCALE_N
# (100) execs per scaling configuration (0: only the loads and memory of each size), BENCH_DPKG_ROUNDS (5), BENCH_DLOPEN (1000) libraries x
# BENCH_DLOPEN_ROUNDS (8), BENCH_SKIP (words: storm big candidates load events scaling dpkg
# dlopen).
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
EB=$top/build/execban
. "$top/tests/lib.sh"	# counter NAME
B=$top/build/bench
RAW=$B/raw
ROUNDS=${BENCH_ROUNDS:-8}
N=${BENCH_N:-125}
BIG_SAMPLES=${BENCH_BIG:-5}
LOAD_SAMPLES=${BENCH_LOAD:-3}
EV_BURST=${BENCH_EVENTS:-3000}
SKIP=" ${BENCH_SKIP:-} "
KO=$top/build/kmod/$(uname -r)/execban.ko

[ "${EXECBAN_VM:-}" = 1 ] || { echo "$0: runs inside the test VM (make bench)" >&2; exit 2; }
for f in "$EB" "$B/true" "$B/execstorm" "$B/mkcopies" "$B/afalg" "$B/dlopen" "$B/lib.so"; do
	[ -x "$f" ] || { echo "bench: $f missing: run make bench" >&2; exit 2; }
done
skip() { [[ "$SKIP" == *" $1 "* ]]; }
log() { echo "# bench: $*" >&2; }
die() { echo "bench: $*" >&2; exit 1; }
now() { date +%s%N; }

# Work files on an ext4 of their own (a loop device over a tmpfs): no overlayfs or 9p in the
# exec path, and digests cached as on a workstation's disk (tmpfs's are never cached).
W=/tmp/execban-bench
modprobe loop 2>/dev/null
mkdir -p "$W.img" "$W" && mount -t tmpfs -o size=1700m bench "$W.img" &&
	truncate -s 1600m "$W.img/fs" && mkfs.ext4 -q -F "$W.img/fs" &&
	mount -o loop "$W.img/fs" "$W" || die "cannot make an ext4 for the work files"
rm -rf "$RAW" && mkdir -p "$RAW"
"$EB" unload >/dev/null 2>&1

kmod_in() { # load execban.ko (its kfuncs are used by the next fresh `execban load`)
	insmod "$KO" || die "insmod $KO failed"
}
kmod_out() { # a module used by a program just destroyed is released ~0.5-1 s later
	local i
	for i in $(seq 50); do rmmod execban 2>/dev/null && return 0; sleep 0.2; done
	die "rmmod execban failed"
}
have_kmod=0
if [ -f "$KO" ]; then have_kmod=1; else log "no $KO: kmod configurations skipped"; fi
load() { # [--full] POLICY: load (fresh or replace), checking it worked
	"$EB" load "$@" >"$W/load.out" 2>&1 || { cat "$W/load.out" >&2; die "load $* failed"; }
}
unload() { "$EB" unload >/dev/null 2>&1; [ ! -e /sys/fs/bpf/execban ] || die "unload failed"; }
# timed RAW COMMAND...: run COMMAND (stdout into $W/load.out, stderr into $W/load.err); its wall
# time goes to RAW and its CPU time (user + system, in ns) to RAW.cpu. The CPU time is what the
# command itself executed: the clock's idle jumps (sleep=off: a wait for 9p or for RCU-deferred
# frees jumps to the next timer) are in the wall time only.
TIMEFORMAT='%3U %3S'
timed() {
	local t0 rc raw=$1
	shift
	t0=$(now)
	{ time "$@" >"$W/load.out" 2>"$W/load.err"; } 2>"$W/cpu"
	rc=$?
	echo $(($(now) - t0)) >>"$raw"
	python3 -c 'import sys; u, s = open(sys.argv[1]).read().split()[-2:]; print(int((float(u) + float(s)) * 1e9))' \
		"$W/cpu" >>"$raw.cpu"
	return $rc
}

# ---- the machine ----
{
	echo "kernel=$(uname -r)"
	echo "nproc=$(nproc)"
	echo "cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | awk 'NR == 1')"
	echo "host_cpu=$(cat "$B/host-cpu.txt" 2>/dev/null)"
	echo "host_nproc=$(cat "$B/host-nproc.txt" 2>/dev/null)"
	# From tests/vm/run, which knows what it booted: kvm or tcg, wall or icount.
	echo "accel=${EXECBAN_VM_ACCEL:-unknown}"
	echo "clock=${EXECBAN_VM_CLOCK:-wall}"
	echo "rounds=$ROUNDS"
	echo "n=$N"
} >"$RAW/info.txt"

# The binary: bench/true (static) + 64 bytes of padding that mkcopies randomises per copy.
cp "$B/true" "$W/true" && head -c 64 /dev/zero >>"$W/true" && chmod 755 "$W/true"
S=$(stat -c %s "$W/true")
cp "$W/true" "$W/true2" && head -c 64 /dev/zero >>"$W/true2"
S2=$(stat -c %s "$W/true2")
BIGSIZE=$((50 * 1024 * 1024))
cp "$B/true" "$W/big" && head -c $((BIGSIZE - $(stat -c %s "$B/true"))) /dev/urandom >>"$W/big"
chmod 755 "$W/big"
echo "true_size=$S" >>"$RAW/info.txt"
echo "big_size=$BIGSIZE" >>"$RAW/info.txt"

# The shared library dlopen maps 1,000 distinct copies of (64 bytes of padding each).
cp "$B/lib.so" "$W/lib.so" && head -c 64 /dev/zero >>"$W/lib.so"
SLIB=$(stat -c %s "$W/lib.so")

# The policy: 100,000 rules with random digests and random sizes, never S, S2, SLIB or
# BIGSIZE, plus one random digest at S and one at BIGSIZE: true and big must be hashed (and are
# then allowed), true2 and the libraries pass the size prefilter.
python3 - "$S" "$BIGSIZE" "$W" "$S2" "$SLIB" <<'PY'
import os, random, sys
s, big, w, s2, slib = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], int(sys.argv[4]), int(sys.argv[5])
rnd = os.urandom(32 * 100000)
lines = ['name "bench-100k"\n']
for i in range(100000):
    size = s
    while size in (s, big, s2, slib):
        size = random.randint(4096, 64 << 20)
    lines.append("deny sha256=%s size=%d\n" % (rnd[32 * i:32 * i + 32].hex(), size))
lines.append("deny sha256=%s size=%d label=bench-size\n" % (os.urandom(32).hex(), s))
lines.append("deny sha256=%s size=%d label=bench-big\n" % (os.urandom(32).hex(), big))
open(w + "/banned.policy", "w").writelines(lines)
PY
[ -s "$W/banned.policy" ] || die "policy generation failed"
"$EB" check "$W/banned.policy" >/dev/null || die "generated policy does not check"

storm() { # NAME FILE [NAME FILE]: N execs of each FILE, alternating; raw/storm.NAME
	local i=0 args=()
	while [ $# -ge 2 ]; do args+=("$2"); shift 2; done
	"$B/execstorm" "$W/s.out" "$N" "${args[@]}" || die "exec storm ${args[*]} failed (exec refused?)"
	set -- "${STORM_NAMES[@]}"
	for name; do awk -v k=$i '$1 == k { print $2 }' "$W/s.out" >>"$RAW/storm.$name"; i=$((i + 1)); done
}
copies() { rm -rf "$W/c" && mkdir "$W/c" && "$B/mkcopies" "$W/true" "$N" "$W/c/%d" || die mkcopies; }
# storm_checked NAME FILE COUNTER: the storm, checking COUNTER grew by at least N (proof that
# the configuration really took the path it is named after: cache hits, or hashes)
storm_checked() { # COUNTER NAME FILE [NAME FILE]
	local c0 c1 what=$1
	shift
	c0=$(counter "$what")
	run "$@"
	c1=$(counter "$what")
	[ $((c1 - c0)) -ge "$N" ] || die "$*: $what grew by $((c1 - c0)), expected >= $N"
}
run() { # NAME FILE [NAME FILE]...
	STORM_NAMES=()
	local a=("$@") i
	for ((i = 0; i < ${#a[@]}; i += 2)); do STORM_NAMES+=("${a[i]}"); done
	storm "$@"
}
settle() { sleep 3; } # let RCU-deferred frees of the last load or unload finish

# One configuration of a round: none (execban not loaded), ima (loaded, hashing with
# bpf_ima_file_hash) or kmod (loaded with execban.ko). Each starts from nothing loaded and
# fresh copies, so that the order of configurations within a round changes nothing else.
config() { # none|ima|kmod
	unload
	[ "$1" = kmod ] && kmod_in
	[ "$1" = none ] || load "$W/banned.policy"
	if [ "$1" = kmod ]; then
		grep -q "hashing with execban.ko" "$W/load.out" || die "load did not use execban.ko"
	fi
	settle
}
config_end() { # none|ima|kmod
	unload
	[ "$1" = kmod ] && kmod_out
	return 0
}
CONFIGS="none ima"
[ $have_kmod = 1 ] && CONFIGS="$CONFIGS kmod"

# ---- 1. exec storm: configurations in a random order each round ----
if ! skip storm; then
	log "exec storm: $ROUNDS rounds x $N execs per configuration (binary $S bytes)"
	"$B/execstorm" "$W/s.out" 20 "$W/true" "$W/true2" || die "warm-up failed"
	for r in $(seq "$ROUNDS"); do
		t0=$(now)
		order=$(printf '%s\n' $CONFIGS | shuf | paste -sd' ')
		for cfg in $order; do
			copies
			config "$cfg"
			case $cfg in
			none)
				run baseline "$W/true"
				run baseline_copies "$W/c/%d" ;;
			ima|kmod)
				sfx=${cfg#ima}; sfx=${sfx:+_$sfx}
				"$B/execstorm" "$W/s.out" 1 "$W/true" || die "first exec of the banned-size file"
				# cached (size banned, digest cached) beside prefilter (size not banned)
				storm_checked cache_hits "cached$sfx" "$W/true" "prefilter$sfx" "$W/true2"
				storm_checked hashes "cold$sfx" "$W/c/%d" ;;
			esac
			config_end "$cfg"
		done
		rm -rf "$W/c"
		log "round $r ($order) done in $((($(now) - t0) / 1000000)) ms"
	done

	# What each program costs per exec, from the kernel's own BPF statistics (run_time_ns
	# and run_cnt, kernel.bpf_stats_enabled). Measured in a storm of its own: collecting the
	# statistics costs time too, which the figures above must not carry.
	config "$(case " $CONFIGS " in *" kmod "*) echo kmod ;; *) echo ima ;; esac)"
	"$B/execstorm" "$W/s.out" 1 "$W/true" || die "first exec (hook costs)"
	sysctl -q -w kernel.bpf_stats_enabled=1
	bpftool prog show --json >"$RAW/hooks.before.json"
	"$B/execstorm" "$W/s.out" "$N" "$W/true" "$W/true2" || die "hook-cost storm failed"
	bpftool prog show --json >"$RAW/hooks.after.json"
	sysctl -q -w kernel.bpf_stats_enabled=0
	echo "hooks_execs=$((2 * N))" >>"$RAW/info.txt"
	"$EB" status --json >"$RAW/status-after-storm.json" 2>/dev/null
	config_end "$(case " $CONFIGS " in *" kmod "*) echo kmod ;; *) echo ima ;; esac)"
fi

# ---- 2. first exec of a 50 MiB banned-size binary vs AF_ALG ----
# Each copy is written with execban unloaded, then execban is loaded and the copy run: with
# execban.ko, a banned-size file is hashed (and its digest cached) when its writer closes it,
# and this measures the hash at exec. One copy at a time: 250 MB of copies made up front
# left the guest reclaiming memory under the measurement.
bigexec() { # NAME none|ima|kmod: BIG_SAMPLES first execs of fresh copies
	local i
	for i in $(seq "$BIG_SAMPLES"); do
		unload
		"$B/mkcopies" "$W/big" 1 "$W/bigcopy%d" || die mkcopies
		[ "$2" = none ] || load "$W/banned.policy"
		settle
		"$B/execstorm" "$W/s.out" 1 "$W/bigcopy0" || die "big exec ($1) failed"
		cat "$W/s.out" >>"$RAW/big.$1"
		rm -f "$W/bigcopy0"
	done
	unload
}
if ! skip big; then
	log "50 MiB first exec, $BIG_SAMPLES samples per configuration; AF_ALG"
	bigexec unloaded none
	bigexec ima ima
	if [ $have_kmod = 1 ]; then
		kmod_in; bigexec kmod kmod; kmod_out
	fi
	"$B/afalg" "$W/big" "$BIG_SAMPLES" >"$W/afalg.out" || die "AF_ALG failed"
	want=$(sha256sum "$W/big" | cut -c1-64)
	awk -v w="$want" '$2 != w { bad = 1 } END { exit bad }' "$W/afalg.out" ||
		die "AF_ALG digest differs from sha256sum"
	awk '{ print $1 }' "$W/afalg.out" >"$RAW/afalg"
	grep -A4 '^name *: sha256$' /proc/crypto | sed -n 's/^driver *: /sha256_drivers=/p' |
		paste -sd' ' >>"$RAW/info.txt"
	rm -f "$W/big"
fi

# ---- 2b. the rule map's candidates (issue 21), side by side: memory, fill, lookup ----
if ! skip candidates; then
	log "rule map candidates: hash of today's layout, hash of 8-byte values, sorted arrays"
	for n in 1000000 100000; do
		"$top/build/bench/lookup" "$top/build/bench/lookup.bpf.o" "$n" >"$W/lookup.json" ||
			die "bench/lookup $n failed (a candidate missed a rule it holds)"
		python3 - "$W/lookup.json" "$RAW" "$n" <<'PY'
import json, os, sys
d = json.load(open(sys.argv[1]))
for c in ("hash56", "hash8", "sorted", "inner", "inner_idx"):
    for k in ("kmem", "fill_ms", "lookup_ns"):
        with open(os.path.join(sys.argv[2], "cand.%s.%s.%s" % (c, k, sys.argv[3])), "a") as f:
            f.write("%s\n" % d[c][k])
PY
	done
fi

# ---- 3. policy load: 1,000,000 rules ----
kmem() { # memory in use: MemTotal - MemAvailable, bytes
	awk '/^MemTotal:/ { t = $2 } /^MemAvailable:/ { a = $2 } END { print (t - a) * 1024 }' /proc/meminfo
}
kmem_kernel() { # unreclaimable kernel memory: SUnreclaim + VmallocUsed + Percpu, bytes
	awk '/^(SUnreclaim|VmallocUsed|Percpu):/ { k += $2 } END { print k * 1024 }' /proc/meminfo
}
maps_json() { # every BPF map in the VM (execban's are the only ones): id, name, bytes_memlock
	bpftool map show --json | python3 -c '
import json, sys
print(json.dumps([{k: m.get(k) for k in ("id", "name", "type", "max_entries", "bytes_memlock")}
                  for m in json.load(sys.stdin)]))'
}
if ! skip load; then
	log "1,000,000-rule policy: $LOAD_SAMPLES fresh loads and $LOAD_SAMPLES replacements"
	rm -f "$W"/scale.policy
	python3 "$top/bench/million.py" >"$W/million.policy"
	unload
	sync; echo 3 >/proc/sys/vm/drop_caches
	sleep 1
	m0=$(kmem); k0=$(kmem_kernel)
	[ "$(bpftool map show --json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')" = 0 ] ||
		log "warning: BPF maps exist before the first load"
	timed_load() { # POLICY NAME [--full]: load, its wall time and EXECBAN_TIMING's steps
		timed "$RAW/load.$2" env EXECBAN_TIMING=1 "$EB" load ${3:-} "$1" ||
			{ cat "$W/load.out" "$W/load.err" >&2; die "load $1 failed"; }
		sed -n 's/^execban: timing: \(.*\) \([0-9]*\) ms$/\1=\2/p' "$W/load.err" |
			tr ' ' '_' >>"$RAW/load.$2.steps"
		echo "--" >>"$RAW/load.$2.steps"
	}
	for i in $(seq "$LOAD_SAMPLES"); do
		unload
		timed_load "$W/million.policy" fresh
	done
	# The same with the programs verified after the compile, not beside it (load.c,
	# early_open): what the overlap saves. Under icount the vCPUs share one clock, so the
	# two can only differ on a VM whose vCPUs run in parallel.
	for i in $(seq "$LOAD_SAMPLES"); do
		unload
		EXECBAN_NO_OVERLAP=1 timed_load "$W/million.policy" fresh_serial
	done
	grep -q '"rules":1000000,' <<<"$("$EB" status --json)" || die "status does not count 1,000,000 rules"
	sleep 1; echo $(($(kmem) - m0)) >"$RAW/meminfo.fresh"
	echo $(($(kmem_kernel) - k0)) >"$RAW/kmem.fresh"
	maps_json >"$RAW/maps.fresh.json"
	# The same list again, compiled and written (--full), which fills the other copy ...
	for i in $(seq "$LOAD_SAMPLES"); do
		timed_load "$W/million.policy" replace --full
	done
	# ... and as configuration management reloads it: unchanged files, nothing to write.
	for i in $(seq "$LOAD_SAMPLES"); do
		timed_load "$W/million.policy" unchanged
		grep -q "the files are unchanged" "$W/load.out" || die "an unchanged reload compiled"
	done
	sleep 1; echo $(($(kmem) - m0)) >"$RAW/meminfo.replace"
	echo $(($(kmem_kernel) - k0)) >"$RAW/kmem.replace"
	maps_json >"$RAW/maps.replace.json"
	# What configuration management does most: the same list with one rule added.
	for i in $(seq "$LOAD_SAMPLES"); do
		cp "$W/million.policy" "$W/million+1.policy"
		echo "deny sha256=$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n') size=4096" \
			>>"$W/million+1.policy"
		timed_load "$W/million+1.policy" add1
		timed_load "$W/million.policy" add1_back
	done
	unload
	rm -f "$W/million.policy" "$W/million+1.policy"
fi

# ---- 4. events: delivery rate to a follower, and where loss begins ----
if ! skip events; then
	log "events: bursts of $EV_BURST denials (default ring buffer)"
	cp "$W/true" "$W/deny" && printf 'bench-deny' >>"$W/deny" && chmod 755 "$W/deny"
	"$EB" hash "$W/deny" >"$W/deny.policy"
	unload; load "$W/deny.policy"
	lost() { "$EB" status --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["counters"]["events_lost"])'; }
	# No reader: how many denials does the buffer hold?
	l0=$(lost)
	"$top/build/tests/execloop" "$W/deny" "$EV_BURST" >/dev/null
	"$EB" events --json >"$W/ev.noreader"
	{
		echo "noreader_burst=$EV_BURST"
		echo "noreader_delivered=$(grep -c '"type":"decision"' "$W/ev.noreader")"
		echo "noreader_lost=$(($(lost) - l0))"
	} >>"$RAW/events.txt"
	# A follower: two exec loops in parallel (one per CPU) while events --follow --json reads.
	"$EB" events --json >/dev/null
	l0=$(lost)
	"$EB" events --follow --json >"$W/ev.follow" &
	rd=$!
	sleep 2
	half=$((EV_BURST / 2))
	t0=$(now)
	"$top/build/tests/execloop" "$W/deny" "$half" >/dev/null &
	l1=$!
	"$top/build/tests/execloop" "$W/deny" "$half" >/dev/null
	wait $l1
	t1=$(now)
	for _ in $(seq 30); do
		[ "$(grep -c '"type":"decision"' "$W/ev.follow")" -ge $((2 * half)) ] && break
		sleep 0.5
	done
	t2=$(now)
	kill -TERM $rd; wait $rd 2>/dev/null
	{
		echo "follow_burst=$((2 * half))"
		echo "follow_delivered=$(grep -c '"type":"decision"' "$W/ev.follow")"
		echo "follow_lost=$(($(lost) - l0))"
		echo "follow_seconds=$(python3 -c "print(($t1 - $t0) / 1e9)")"
		echo "follow_drain_seconds=$(python3 -c "print(($t2 - $t1) / 1e9)")"
	} >>"$RAW/events.txt"
	unload
fi

# ---- 5. scaling, and fapolicyd side by side: per-exec cost as the ban list grows ----
# For each size, in turn: no enforcement and execban with that many hash rules (the binary's
# size banned, so each exec takes the cached path), alternated over 4 rounds; fapolicyd (Debian's 1.1.7, extracted by
# scripts/fapolicyd.sh into .cache) denying the same digests. Never SIGSTOP fapolicyd: every
# exec on the machine would wait on it.
FAPO=$top/.cache/fapolicyd/root
SCALE=${BENCH_SCALE:-10 1000 10000 100000 1000000}
FAPO_MAX=${BENCH_FAPO_MAX:-100000}
SCALE_N=${BENCH_SCALE_N:-100}
SCALE_ROUNDS=4
fapo_start() { # RULES: fapolicyd in the foreground with these compiled rules; waits until ready
	mkdir -p /etc/fapolicyd/rules.d /etc/fapolicyd/trust.d /var/lib/fapolicyd /run/fapolicyd
	rm -rf /var/lib/fapolicyd/*
	cat >/etc/fapolicyd/fapolicyd.conf <<'C'
permissive = 0
nice_val = 0
q_size = 640
uid = root
gid = root
do_stat_report = 0
detailed_report = 0
db_max_size = 50
subj_cache_size = 1549
obj_cache_size = 8191
watch_fs = ext2,ext3,ext4,tmpfs,xfs,vfat,iso9660,btrfs,overlay
trust = file
integrity = none
syslog_format = rule,dec,perm,auid,pid,exe,:,path,ftype,trust
rpm_sha256_only = 0
allow_filesystem_mark = 0
C
	: >/etc/fapolicyd/fapolicyd.trust
	cp "$1" /etc/fapolicyd/compiled.rules
	LD_LIBRARY_PATH=$FAPO/usr/lib/x86_64-linux-gnu "$FAPO/usr/sbin/fapolicyd" --debug-deny \
		>"$W/fapo.log" 2>&1 &
	FAPO_PID=$!
	local i
	for i in $(seq 6000); do
		grep -q "Starting to listen for events" "$W/fapo.log" && return 0
		kill -0 $FAPO_PID 2>/dev/null || break
		sleep 0.2
	done
	tail -5 "$W/fapo.log" >&2
	die "fapolicyd did not start"
}
fapo_stop() { kill -TERM "$FAPO_PID"; wait "$FAPO_PID" 2>/dev/null; }
if ! skip scaling; then
	have_fapo=0
	if [ -x "$FAPO/usr/sbin/fapolicyd" ]; then have_fapo=1; else log "no fapolicyd in $FAPO: run scripts/fapolicyd.sh"; fi
	cp "$W/true" "$W/fbanned" && printf 'fapolicyd-banned' >>"$W/fbanned" && chmod 755 "$W/fbanned"
	saveN=$N
	N=$SCALE_N
	for n in $SCALE; do
		log "scaling: $n rules ($N execs per configuration)"
		python3 - "$n" "$S" "$W" "$(sha256sum "$W/fbanned" | cut -c1-64)" <<'PY'
import os, random, sys
n, s, w, fb = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4]
rnd = os.urandom(32 * n)
digests = [rnd[32 * i:32 * i + 32].hex() for i in range(n - 1)] + [fb]
with open(w + "/scale.policy", "w") as p:
    p.write('name "scale-%d"\n' % n)
    for i, d in enumerate(digests):
        size = s if i == 0 else random.randint(4096, 64 << 20)
        while i and size == s:
            size = random.randint(4096, 64 << 20)
        p.write("deny sha256=%s size=%d\n" % (d, size))
with open(w + "/scale.rules", "w") as r:
    for d in digests:
        r.write("deny_audit perm=execute all : sha256hash=%s\n" % d)
    r.write("allow perm=any all : all\n")
PY
		# Loading n rules: fresh (after an unload), its kernel memory (one copy), the other
		# copy filled, then the same list with one rule added, without it again, and that
		# reloaded unchanged.
		unload; settle
		k0=$(kmem_kernel)
		timed "$RAW/scale_load.fresh_$n" "$EB" load "$W/scale.policy" || die "load of $n rules failed"
		sleep 1; echo $(($(kmem_kernel) - k0)) >>"$RAW/scale_kmem.$n"
		load --full "$W/scale.policy"
		cp "$W/scale.policy" "$W/scale+1.policy"
		echo "deny sha256=$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n') size=4096" \
			>>"$W/scale+1.policy"
		timed "$RAW/scale_load.add1_$n" "$EB" load --json "$W/scale+1.policy" ||
			die "load of $n + 1 rules failed"
		python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["rule_entries_written"])' \
			"$W/load.out" >>"$RAW/scale_load.add1_written_$n"
		timed "$RAW/scale_load.add1_back_$n" "$EB" load "$W/scale.policy" ||
			die "load of $n rules failed"
		timed "$RAW/scale_load.unchanged_$n" "$EB" load "$W/scale.policy" ||
			die "load of $n rules failed"
		grep -q "the files are unchanged" "$W/load.out" || die "an unchanged reload of $n compiled"
		unload; settle
		[ "$SCALE_N" -gt 0 ] || continue
		# Baseline and execban alternate in rounds: TCG's drift within a boot is larger than
		# the difference measured.
		N=$((SCALE_N / SCALE_ROUNDS))
		for r in $(seq "$SCALE_ROUNDS"); do
			unload; settle
			run "scale_base_$n" "$W/true"
			load "$W/scale.policy"; settle
			"$B/execstorm" "$W/s.out" 1 "$W/true" || die "first exec ($n rules)"
			storm_checked cache_hits "scale_execban_$n" "$W/true"
		done
		unload; settle
		N=$SCALE_N
		if [ $have_fapo = 1 ] && [ "$n" -le "$FAPO_MAX" ]; then
			t0=$(now)
			fapo_start "$W/scale.rules"
			echo $(($(now) - t0)) >>"$RAW/fapolicyd.start_$n"
			[ "$("$top/build/tests/tryexec" "$W/fbanned" | tail -1)" = "exec-error EPERM" ] ||
				die "fapolicyd with $n rules does not deny the banned file"
			run "scale_fapolicyd_$n" "$W/true"
			fapo_stop
		fi
	done
	N=$saveN
	echo "scale_n=$SCALE_N" >>"$RAW/info.txt"
fi

# ---- 6. installation: dpkg -i of a package of 2,000 files ----
# 1,900 data files of 1 to 16 KiB and 100 executables (copies of true), as a package ships
# them. dpkg writes each under a temporary name, closes it, sets its mode and renames it into
# place: execban's rename and chmod hooks, and its close watch, see every file.
# On the 9p root its end-to-end ratio is noise (README): make bench measures dpkg on the system
# image instead (bench/dpkg-system.sh). BENCH_DPKG_9P=1 still runs this one, for the
# programs' own cost per file (bpf_stats).
DPKG_ROUNDS=${BENCH_DPKG_ROUNDS:-5}
if [ "${BENCH_DPKG_9P:-}" = 1 ] && ! skip dpkg; then
	log "dpkg: $DPKG_ROUNDS rounds of dpkg -i of a 2,000-file package per configuration"
	d=$W/pkg
	mkdir -p "$d/DEBIAN" "$d/usr/share/execban-bench" "$d/usr/lib/execban-bench"
	cat >"$d/DEBIAN/control" <<CTL
Package: execban-bench
Version: 1.0
Architecture: all
Maintainer: execban bench <root@localhost>
Description: execban install benchmark package
CTL
	python3 - "$d/usr/share/execban-bench" <<'PY'
import os, random, sys
for i in range(1900):
    with open("%s/f%04d" % (sys.argv[1], i), "wb") as f:
        f.write(os.urandom(random.randint(1024, 16384)))
PY
	# bench.deb: the common case, no file of a banned size (true2's size is in no rule);
	# bench-sized.deb: the same with its 100 executables of a banned size (true's), each of
	# which execban must hash: at its close, at its chmod and at its rename.
	"$B/mkcopies" "$W/true2" 100 "$d/usr/lib/execban-bench/tool%d" || die mkcopies
	dpkg-deb --root-owner-group -Znone --build "$d" "$W/bench.deb" >/dev/null || die "dpkg-deb"
	rm -f "$d"/usr/lib/execban-bench/tool*
	"$B/mkcopies" "$W/true" 100 "$d/usr/lib/execban-bench/tool%d" || die mkcopies
	dpkg-deb --root-owner-group -Znone --build "$d" "$W/bench-sized.deb" >/dev/null ||
		die "dpkg-deb"
	rm -rf "$d"
	for r in $(seq "$DPKG_ROUNDS"); do
		for cfg in $(printf '%s\n' $CONFIGS | shuf); do
			config "$cfg"
			for pkg in bench bench-sized; do
				sync
				t0=$(now)
				dpkg -i "$W/$pkg.deb" >"$W/dpkg.out" 2>&1 ||
					{ cat "$W/dpkg.out" >&2; die "dpkg -i $pkg ($cfg)"; }
				echo $(($(now) - t0)) >>"$RAW/dpkg${pkg#bench}.$cfg"
				dpkg --purge execban-bench >/dev/null 2>&1 || die "dpkg --purge ($cfg)"
			done
			config_end "$cfg"
		done
	done
	# What each program costs per file installed, from the kernel's statistics, in one
	# more dpkg -i of its own (the statistics cost time too).
	cfg=$(case " $CONFIGS " in *" kmod "*) echo kmod ;; *) echo ima ;; esac)
	config "$cfg"
	sysctl -q -w kernel.bpf_stats_enabled=1
	bpftool prog show --json >"$RAW/hooks.dpkg.before.json"
	dpkg -i "$W/bench.deb" >"$W/dpkg.out" 2>&1 || { cat "$W/dpkg.out" >&2; die "dpkg -i (hook costs)"; }
	bpftool prog show --json >"$RAW/hooks.dpkg.after.json"
	sysctl -q -w kernel.bpf_stats_enabled=0
	dpkg --purge execban-bench >/dev/null 2>&1 || die "dpkg --purge (hook costs)"
	config_end "$cfg"
	echo "dpkg_files=2000" >>"$RAW/info.txt"
	rm -f "$W/bench.deb" "$W/bench-sized.deb"
fi

# ---- 7. executable mappings: dlopen of 1,000 distinct libraries ----
DL_N=${BENCH_DLOPEN:-1000}
DL_ROUNDS=${BENCH_DLOPEN_ROUNDS:-8}
if ! skip dlopen; then
	log "dlopen: $DL_ROUNDS rounds of $DL_N dlopen() calls per configuration"
	for r in $(seq "$DL_ROUNDS"); do
		for cfg in $(printf '%s\n' $CONFIGS | shuf); do
			rm -rf "$W/libs" && mkdir "$W/libs"
			"$B/mkcopies" "$W/lib.so" "$DL_N" "$W/libs/lib%d.so" || die mkcopies
			config "$cfg"
			"$B/dlopen" "$DL_N" "$W/libs/lib%d.so" >>"$RAW/dlopen.$cfg" || die "dlopen ($cfg)"
			config_end "$cfg"
		done
	done
	rm -rf "$W/libs"
	echo "dlopen_n=$DL_N" >>"$RAW/info.txt"
fi

umount "$W" && umount "$W.img"
python3 "$top/bench/stats.py" "$RAW" "$B/results.json"
