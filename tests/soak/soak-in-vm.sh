#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make soak: SOAK_TIME seconds (default 600) of everything at once, inside the test VM:
#   - two exec storms, each alternating a banned and an allowed binary (a wrong verdict is
#     a banned exec that ran or an allowed one that was refused);
#   - a policy reload every 100 ms (plus the reload's own time), alternating two policies of
#     1,000 and 2,000 rules that both ban the file;
#   - an event consumer (execban events --follow --json);
#   - hashing by execban.ko, with a signer rule in force, so both kfunc paths run.
# Then: zero wrong verdicts, every denial accounted for (delivered or counted lost), memory
# stable (unreclaimable slab and the maps' memory after the first minute against the end),
# and no kernel warning (tests/vm/run fails the run on WARN/BUG/Oops/lockdep in dmesg).
# Writes build/soak/results.json. Exit 0 pass, 1 fail.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
EB=$top/build/execban
LOOP=$top/build/tests/execloop
T=${SOAK_TIME:-600}
out=$top/build/soak
mkdir -p "$out"
W=$(mktemp -d /tmp/soak.XXXXXX)
fail=0
say() { echo "soak: $*"; }
bad() { echo "soak: FAIL: $*"; fail=1; }

"$EB" unload >/dev/null 2>&1
rmmod execban 2>/dev/null
insmod "$top/build/kmod/$(uname -r)/execban.ko" || bad "insmod execban.ko"

cp /bin/true "$W/banned"; printf '\nsoak-banned\n' >>"$W/banned"; chmod 755 "$W/banned"
cp /bin/true "$W/allowed"; printf '\nsoak-allowed\n' >>"$W/allowed"; chmod 755 "$W/allowed"
openssl req -x509 -newkey rsa:2048 -nodes -days 30 -subj "/CN=soak/" \
	-addext subjectKeyIdentifier=hash -keyout "$W/k.pem" -out "$W/c.pem" 2>/dev/null
python3 - "$W" <<'PY'
import os, random, sys
w = sys.argv[1]
random.seed(7)
for name, n in (("a", 1000), ("b", 2000)):
    with open(f"{w}/{name}.policy", "w") as f:
        f.write(f'name "soak-{name}"\n')
        for _ in range(n):
            f.write("deny sha256=%s size=%d\n" % (os.urandom(32).hex(), random.randint(1, 10**7)))
PY
for p in a b; do
	"$EB" hash "$W/banned" >>"$W/$p.policy"
	echo "deny signer=c.pem label=soak-signer" >>"$W/$p.policy"
done
"$EB" load "$W/a.policy" >/dev/null || bad "first load"

"$EB" events --follow --json >"$W/events.json" 2>"$W/events.err" &
consumer=$!

# memory: SUnreclaim (kB) and the sum of the execban maps' bytes_memlock as bpftool sees them
mem() {
	local slab
	slab=$(awk '/^SUnreclaim:/ {print $2}' /proc/meminfo)
	echo "$slab"
}

end=$(($(date +%s) + T))
(
	n=0
	while [ "$(date +%s)" -lt "$end" ]; do
		"$EB" load "$W/b.policy" >/dev/null 2>>"$W/reload.err" || echo x >>"$W/reload.fail"
		sleep 0.1
		"$EB" load "$W/a.policy" >/dev/null 2>>"$W/reload.err" || echo x >>"$W/reload.fail"
		sleep 0.1
		n=$((n + 2))
		echo $n >"$W/reloads"
	done
) &
reloader=$!

storm() { # ID: until the end, 50 banned + 50 allowed execs per round
	local id=$1 r d
	: >"$W/storm$id"
	while [ "$(date +%s)" -lt "$end" ]; do
		r=$("$LOOP" "$W/banned" 50)
		echo "banned $r" >>"$W/storm$id"
		d=$("$LOOP" "$W/allowed" 50)
		echo "allowed $d" >>"$W/storm$id"
	done
}
storm 1 &
s1=$!
storm 2 &
s2=$!

sleep 60
mem_start=$(mem)
say "after 60 s: SUnreclaim ${mem_start} kB"
samples=$mem_start
while [ "$(date +%s)" -lt "$end" ]; do
	sleep 30
	samples="$samples $(mem)"
done
wait $s1 $s2 $reloader
sleep 2
kill $consumer 2>/dev/null
wait $consumer 2>/dev/null
mem_end=$(mem)
say "SUnreclaim samples (kB): $samples"

read -r banned_denied banned_ran banned_other allowed_denied allowed_ran allowed_other < <(
	cat "$W"/storm1 "$W"/storm2 | awk '
	{ split($2, a, "="); split($3, b, "="); split($4, c, "=") }
	$1 == "banned" { bd += a[2]; br += b[2]; bo += c[2] }
	$1 == "allowed" { ad += a[2]; ar += b[2]; ao += c[2] }
	END { print bd + 0, br + 0, bo + 0, ad + 0, ar + 0, ao + 0 }')
reloads=$(cat "$W/reloads" 2>/dev/null || echo 0)
reload_fail=$(cat "$W/reload.fail" 2>/dev/null | wc -l)
events=$(grep -c '"type":"decision"' "$W/events.json")
lost=$(python3 -c "
import json, sys
print(sum(json.loads(l).get('count', 0) for l in open(sys.argv[1]) if '\"lost\"' in l))" "$W/events.json")
wrong=$((banned_ran + allowed_denied + banned_other + allowed_other))
say "${T} s: banned execs denied=$banned_denied ran=$banned_ran other=$banned_other;" \
	"allowed denied=$allowed_denied ran=$allowed_ran other=$allowed_other"
say "reloads=$reloads (failed $reload_fail), events delivered=$events lost=$lost"

if [ "$wrong" != 0 ]; then
	bad "$wrong wrong verdicts; events for anything but the banned file:"
	grep -v "\"path\":\"$W/banned\"" "$W/events.json" | sed -n '1,5s/^/soak:   /p'
fi
[ "$banned_denied" -gt 0 ] && [ "$allowed_ran" -gt 0 ] || bad "the storms did not run"
# Each reload is a whole CLI run (compile, lock, map writes, switch): in TCG, under two exec
# storms, about 0.3-0.9 s. Require that the loop kept going: at least one reload per 2 s.
[ "$reloads" -ge $((T / 2)) ] || bad "only $reloads reloads in $T s"
[ "$reload_fail" = 0 ] || bad "$reload_fail reloads failed: $(sort -u "$W/reload.err" | awk 'NR <= 3')"
[ $((events + lost)) -ge "$banned_denied" ] ||
	bad "$banned_denied denials but only $events events delivered and $lost counted lost"
growth=$((mem_end - mem_start))
say "SUnreclaim growth from minute 1 to the end: ${growth} kB"
[ "$growth" -lt 65536 ] || bad "unreclaimable kernel memory grew ${growth} kB"

cat >"$out/results.json" <<JSON
{"seconds": $T, "kernel": "$(uname -r)", "banned": {"denied": $banned_denied, "ran": $banned_ran, "other": $banned_other},
 "allowed": {"denied": $allowed_denied, "ran": $allowed_ran, "other": $allowed_other},
 "reloads": $reloads, "reload_failures": $reload_fail, "events": $events, "events_lost": $lost,
 "sunreclaim_kb": [$(echo "$samples $mem_end" | tr ' ' ',')], "wrong_verdicts": $wrong, "pass": $([ $fail = 0 ] && echo true || echo false)}
JSON
"$EB" unload >/dev/null
for _ in $(seq 30); do rmmod execban 2>/dev/null && break; sleep 0.2; done
rm -rf "$W"
[ $fail = 0 ] && say PASS || say FAIL
exit $fail
