#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Host test: the policy digest ("execban-policy-3", userspace/compile.c) computed again by an
# independent reference (Python, from the canonical form the code documents), for policies of
# sha256 rules with and without sizes, labels and reasons, deny, audit and allow, name,
# version and mode. Signatures made elsewhere (execban sign, older releases) verify only while
# the digest is the same function of the rules; 3,000 rules with long labels and reasons span
# many of the buffers the records are hashed through.
suite=digest-ref
. "$(dirname "$0")/lib.sh"
export EXECBAN_SYSGUARD_CACHE=$tmp/sysguard.cache

python3 - "$tmp" <<'PY'
import hashlib, random, struct, sys
w = sys.argv[1]
rnd = random.Random(21)
ACTIONS = {"deny": 1, "audit": 2, "allow": 3}

def policy(n, name, version, mode, labels, reasons):
    lines = ['name "%s"' % name]
    if version is not None:
        lines.append("version %d" % version)
    if mode:
        lines.append("mode %s" % mode)
    head, rules = len(lines), []
    for i in range(n):
        key = hashlib.sha256(b"%s-%d" % (name.encode(), i)).digest()
        act = rnd.choice(list(ACTIONS))
        size = rnd.choice([None, rnd.randrange(1, 1 << 40)])
        label = "".join(rnd.choice("abcXYZ019._:+-") for _ in range(rnd.randrange(1, 32))) \
            if labels and rnd.random() < 0.7 else ""
        reason = "".join(rnd.choice("abc def \\\"xyz") for _ in range(rnd.randrange(1, 128))) \
            if reasons and rnd.random() < 0.5 else ""
        line = "%s sha256=%s" % (act, key.hex())
        if size is not None:
            line += " size=%d" % size
        if label:
            line += " label=%s" % label
        if reason:
            line += ' reason="%s"' % reason.replace("\\", "\\\\").replace('"', '\\"')
        lines.append(line)
        rules.append((key, act, size, label, reason))
    body = lines[head:]
    rnd.shuffle(body)          # the digest is of the rules, not of their order in the file
    lines = lines[:head] + body
    h = hashlib.sha256()
    h.update(b"execban-policy-3\0")
    h.update(name.encode().ljust(64, b"\0"))
    h.update(struct.pack("<Q", version or 0))
    h.update(struct.pack("<I", 2 if mode == "audit" else 1))
    for key, act, size, label, reason in sorted(rules):
        h.update(bytes([1]) + key + struct.pack("<Q", (1 << 64) - 1 if size is None else size)
                 + bytes([ACTIONS[act]]) + label.encode() + b"\0" + reason.encode() + b"\0")
    return "\n".join(lines) + "\n", h.hexdigest()

cases = [("plain", 1, "plain", None, None, False, False),
         ("labels", 200, "labels", 7, "audit", True, False),
         ("reasons", 3000, "big-one", 12345678901, "enforce", True, True)]
with open(w + "/cases", "w") as f:
    for tag, n, name, version, mode, labels, reasons in cases:
        text, digest = policy(n, name, version, mode, labels, reasons)
        open("%s/%s.policy" % (w, tag), "w").write(text)
        f.write("%s %d %s\n" % (tag, n, digest))
PY

while read -r tag n want; do
	got=$("$EB" check --json "$tmp/$tag.policy" 2>"$tmp/$tag.err" |
		python3 -c 'import json, sys; print(json.load(sys.stdin).get("digest"))')
	t "$tag ($n rules): the digest is the reference's ($want)" test "$got" = "$want"
done <"$tmp/cases"

echo "# $suite: $pass passed, $fail failed"
[ "$fail" = 0 ]
