#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Host test: execban diff OLD NEW, offline (no root, no kernel). Two policies, each with a
# drop-in folder, compiled as check compiles them: rules added, removed and changed (same
# identity, another action, label, size or reason), each with its file:line; name, version
# and mode changes; interpreter lines; the same as one JSON object; exit 0 when the same, 1
# when not, 2 for trouble (a bad policy, named by file:line; a missing file; usage), as
# diff(1).
set -u
suite=diff
. "$(dirname "$0")/lib.sh"
h() { sha256sum "$tmp/$1" | cut -d' ' -f1; }

for f in a b c d; do printf '%s' "$f$f" >"$tmp/$f"; done
mkdir -p "$tmp/old/policy.d" "$tmp/new/policy.d"
printf '%s\n' 'name "site"' 'version 3' 'include policy.d/*.policy' \
	'interpreter /usr/bin/perl' >"$tmp/old/main.policy"
printf '%s\n' "deny sha256=$(h a) size=2 label=alpha" \
	"deny sha256=$(h b) size=2 label=beta reason=\"old reason\"" \
	"deny sha256=$(h d) size=2 label=delta" >"$tmp/old/policy.d/10-ban.policy"
printf '%s\n' 'name "site"' 'version 4' 'mode audit' 'include policy.d/*.policy' \
	>"$tmp/new/main.policy"
printf '%s\n' "# comment" "audit sha256=$(h b) size=2 label=beta reason=\"new reason\"" \
	"deny sha256=$(h c) size=2 label=gamma" \
	"deny sha256=$(h d) size=2 label=delta" >"$tmp/new/policy.d/10-ban.policy"
cd "$tmp" || exit 1

"$EB" diff old/main.policy new/main.policy >out 2>err
rc=$?
t "differences: exit 1, nothing on stderr" bash -c "[ $rc = 1 ] && [ ! -s err ]"
t "an added rule, with its file:line" \
	has out "^\+ deny sha256=$(h c) size=2 label=gamma  # new/policy.d/10-ban.policy:3$"
t "a removed rule, with its file:line" \
	has out "^- deny sha256=$(h a) size=2 label=alpha  # old/policy.d/10-ban.policy:1$"
t "a changed rule: the new form and where, then the old one and where" \
	has out "^~ audit sha256=$(h b) size=2 label=beta reason=\"new reason\"  # new/policy.d/10-ban.policy:2; was: deny sha256=$(h b) size=2 label=beta reason=\"old reason\"  # old/policy.d/10-ban.policy:2$"
t "an unchanged rule is not shown" bash -c "! grep -q '$(h d)' out"
t "version and mode changes, with where they are set" \
	bash -c "grep -qx '~ version 3 -> 4  # new/main.policy:2' out && grep -qx '~ mode enforce -> audit  # new/main.policy:3' out"
t "the name did not change: not shown" bash -c "! grep -q '^~ name' out"
t "a removed interpreter line" has out "^- interpreter /usr/bin/perl  # old/main.policy:4$"
t "the counts" has out "^# 1 added, 1 removed, 1 changed$"

"$EB" diff --json old/main.policy new/main.policy >out.json 2>err
rc=$?
t "--json: exit 1" [ $rc = 1 ]
t "--json: one object with schema, changes with file and line, and the counts" python3 - out.json \
	"$(h a)" "$(h b)" "$(h c)" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
a, b, c = sys.argv[2:5]
assert d["schema"] == 1 and d["from"] == "old/main.policy" and d["to"] == "new/main.policy", d
assert d["version"] == {"from": 3, "to": 4} and d["mode"] == {"from": "enforce", "to": "audit"}, d
ch = {x["key"]: x for x in d["changes"]}
assert set(ch) == {a, b, c}, ch
assert ch[c]["op"] == "added" and ch[c]["file"] == "new/policy.d/10-ban.policy" and ch[c]["line"] == 3
assert ch[a]["op"] == "removed" and ch[a]["file"] == "old/policy.d/10-ban.policy" and ch[a]["line"] == 1
x = ch[b]
assert x["op"] == "changed" and x["rule"].startswith("audit ") and x["line"] == 2, x
assert x["old_rule"].startswith("deny ") and x["old_file"] == "old/policy.d/10-ban.policy", x
assert d["directives"] == [{"op": "removed", "directive": "interpreter", "path": "/usr/bin/perl",
                            "file": "old/main.policy", "line": 4}], d["directives"]
assert (d["added"], d["removed"], d["changed"], d["same"]) == (1, 1, 1, False), d
PY

"$EB" diff old/main.policy old/main.policy >out 2>err
rc=$?
t "the same policy: exit 0, only the counts" \
	bash -c "[ $rc = 0 ] && [ \"\$(cat out)\" = '# 0 added, 0 removed, 0 changed' ]"
"$EB" diff -j old/main.policy old/main.policy >out.json
t "the same policy, --json: same true, no changes" python3 -c \
	'import json,sys; d = json.load(open(sys.argv[1])); assert d["same"] and not d["changes"]' out.json

# Only a label, then only a size: changes too.
sed 's/label=delta/label=delta2/' old/policy.d/10-ban.policy >relabel.policy
sed 's/ size=2 label=delta/ label=delta/' old/policy.d/10-ban.policy >resize.policy
"$EB" diff old/policy.d/10-ban.policy relabel.policy >out 2>&1
rc=$?
t "a new label alone is a change (exit 1)" bash -c "[ $rc = 1 ] &&
	grep -q '^~ deny sha256=$(h d) size=2 label=delta2  # relabel.policy:3; was: .*label=delta  # old/policy.d/10-ban.policy:3\$' out"
"$EB" diff old/policy.d/10-ban.policy resize.policy >out 2>&1
rc=$?
t "a size dropped is a change (exit 1)" \
	bash -c "[ $rc = 1 ] && grep -q '^~ deny sha256=$(h d) label=delta  # resize.policy:3' out"

# Trouble: exit 2, the error with file:line, nothing on stdout.
printf 'deny sha256=%s size=2 label=ok\ndeny sha256=xyz label=bad\n' "$(h a)" >bad.policy
"$EB" diff old/main.policy bad.policy >out 2>err
rc=$?
t "a bad NEW: exit 2, nothing on stdout" bash -c "[ $rc = 2 ] && [ ! -s out ]"
t "... its error names bad.policy:2" has err '^bad\.policy:2: error: '
t "... and says nothing was compared" has err 'bad\.policy: not a valid policy .*nothing compared'
"$EB" diff bad.policy old/main.policy >out 2>err
rc=$?
t "a bad OLD: exit 2, error at bad.policy:2" \
	bash -c "[ $rc = 2 ] && [ ! -s out ] && grep -q '^bad.policy:2: error: ' err"
"$EB" diff old/main.policy nowhere.policy >out 2>err
rc=$?
t "a missing file: exit 2, named" bash -c "[ $rc = 2 ] && grep -q 'nowhere.policy' err"
"$EB" diff a.policy b.policy c.policy >out 2>err
rc=$?
t "three policies: a usage error (exit 2), in two lines" bash -c \
	"[ $rc = 2 ] && [ \$(wc -l <err) = 2 ] && grep -q -- '--kernel' err && grep -qx \"Try 'execban diff --help'.\" err"
"$EB" diff --help >out
t "--help names OLD NEW and --kernel" \
	bash -c "grep -q 'execban diff \[--json\] OLD NEW' out && grep -q -- '--kernel' out"

echo "# diff: $pass passed, $fail failed"
[ $fail = 0 ]
