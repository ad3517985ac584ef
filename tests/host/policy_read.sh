#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Host test: policy files are read in 1 MiB chunks (userspace/policy.c, parse_fd), not whole.
# What a reader sees must not change at a chunk's edge: every rule counted once, errors named
# at their file:line whichever chunk they fall in, a line too long to hold reported once and
# skipped, CRLF lines, a last line without its newline, and the digest of the same rules
# written in another order.
suite=policy-read
. "$(dirname "$0")/lib.sh"
export EXECBAN_SYSGUARD_CACHE=$tmp/sysguard.cache

# 30,000 rules (about 2.7 MiB, three chunks), with an error on a line in each chunk, the
# lines around the first edge written CRLF, and no newline after the last rule.
python3 - "$tmp" <<'PY'
import hashlib, sys
w = sys.argv[1]
lines = ['name "chunks"']
for i in range(30000):
    lines.append("deny sha256=%s size=%d" % (hashlib.sha256(b"%d" % i).hexdigest(), 4096 + i))
base = lines[:]
bad = {5000: "deny sha256=zz size=1", 12000: "deny sha256=%s size=x" % ("ab" * 32),
       25000: "frobnicate"}
for n, l in bad.items():
    lines[n - 1] = l
# the line that holds byte 1 MiB, and its neighbours, CRLF
off, edge = 0, None
for i, l in enumerate(lines):
    if off + len(l) + 1 > 1 << 20:
        edge = i
        break
    off += len(l) + 1
for i in range(edge - 2, edge + 3):
    lines[i] += "\r"
open(w + "/chunks.policy", "w").write("\n".join(lines))
open(w + "/edge", "w").write("%d\n" % (edge + 1))
# a line of 6,000 bytes across the first edge, then a bad line after it
long = base[:]
long[edge] = "# " + "x" * 6000
long[edge + 10] = "deny sha256=qq"
open(w + "/long.policy", "w").write("\n".join(long) + "\n")
PY
edge=$(cat "$tmp/edge")

"$EB" check "$tmp/chunks.policy" >"$tmp/out" 2>&1
rc=$?
t "a policy with errors in three chunks is refused (exit 1)" test $rc = 1
t "the error in the first chunk is named at its line" has "$tmp/out" "chunks.policy:5000: error"
t "the error in the second chunk is named at its line" has "$tmp/out" "chunks.policy:12000: error"
t "the error in the third chunk is named at its line" has "$tmp/out" "chunks.policy:25000: error: "
t "three errors, no more" test "$(grep -c ': error' "$tmp/out")" = 3

sed -i -e '5000s/.*/# fixed/' -e '12000s/.*/# fixed/' -e '25000s/.*/# fixed/' "$tmp/chunks.policy"
"$EB" check --json "$tmp/chunks.policy" >"$tmp/ok.json" 2>&1
t "fixed, it checks: every rule counted once, the CRLF lines around the edge and the last line without a newline included" \
	python3 -c "
import json; d = json.load(open('$tmp/ok.json'))
assert d['ok'] and d['rules'] == 29997, d.get('rules')"
# The same rules in one piece, in another order: the digest is the rules', not the reading's.
{ echo 'name "chunks"'; grep '^deny' "$tmp/chunks.policy" | tr -d '\r' | sort -r; } >"$tmp/whole.policy"
d1=$(python3 -c "import json; print(json.load(open('$tmp/ok.json'))['digest'])")
d2=$("$EB" check --json "$tmp/whole.policy" | python3 -c "import json,sys; print(json.load(sys.stdin)['digest'])")
t "the digest equals that of the same rules written in another order ($d1)" test "$d1" = "$d2"

"$EB" check "$tmp/long.policy" >"$tmp/long.out" 2>&1
t "a 6,000-byte line across a chunk's edge is reported once, at its line" \
	test "$(grep -c "long.policy:$edge: error: line is longer than 4096 bytes" "$tmp/long.out")" = 1
t "and the lines after it keep their numbers" has "$tmp/long.out" "long.policy:$((edge + 10)): error"
t "two errors, no more" test "$(grep -c ': error' "$tmp/long.out")" = 2

# NUL bytes: the reader looks for them once per chunk; a line that holds one is refused at its
# number whichever chunk it is in, the other lines of a chunk with one still parse, and a
# last line without its newline is looked at too.
python3 - "$tmp" <<'PY'
import hashlib, sys
w = sys.argv[1]
lines = ["deny sha256=%s size=%d" % (hashlib.sha256(b"%d" % i).hexdigest(), 4096 + i)
         for i in range(30000)]
lines[20000 - 1] = lines[20000 - 1][:20] + "\0" + lines[20000 - 1][21:]
lines[29999] = "deny sha256=" + "ab" * 32 + " label=x\0y"
open(w + "/nul.policy", "w").write("\n".join(lines))
PY
"$EB" check "$tmp/nul.policy" >"$tmp/nul.out" 2>&1
t "a NUL byte in the second chunk is named at its line" \
	has "$tmp/nul.out" "nul.policy:20000: error: NUL byte: this is not a policy text file"
t "a NUL byte in a last line without its newline is named at its line" \
	has "$tmp/nul.out" "nul.policy:30000: error: NUL byte: this is not a policy text file"
t "two errors, no more: the other lines of those chunks parse" \
	test "$(grep -c ': error' "$tmp/nul.out")" = 2

echo "# $suite: $pass passed, $fail failed"
[ "$fail" = 0 ]
