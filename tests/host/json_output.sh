#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Host test: every JSON output is JSON whatever the names in it. Files, folders and policy files
# named with quotes, backslashes, a newline, a tab, other control characters, DEL and bytes that
# are not UTF-8, and reasons with quotes and backslashes, go through hash, check (with --keys,
# and with an error), scan (and the quarantine manifest, and quarantine list), explain, diff and
# import --json. Each line must parse as strict JSON (python3's json on the bytes, which must be
# UTF-8), carry "schema": 1, and give the name back exactly (a byte that is not UTF-8 as
# U+FFFD, and nothing else changed).
set -u
suite=json
. "$(dirname "$0")/lib.sh"

# The checker: every line of FILE is a JSON object with "schema": 1; then the Python
# expression (with o: the objects, names: the odd names as text) must hold.
jcheck() { # FILE EXPRESSION
	python3 - "$1" "$2" "$tmp/names" <<'PY'
import json, sys
raw = open(sys.argv[1], "rb").read()
objs = [json.loads(l.decode("utf-8", errors="strict")) for l in raw.splitlines() if l.strip()]
assert objs, "no output"
assert all(isinstance(x, dict) and x.get("schema") == 1 for x in objs), objs
# the names as JSON must give them: each byte that is not UTF-8 as U+FFFD
names = [n.decode("utf-8", errors="replace") for n in open(sys.argv[3], "rb").read().split(b"\0") if n]
o = objs
if not eval(sys.argv[2]):
    print("#   " + repr(objs)[:2000])
    sys.exit(1)
PY
}

# Odd names (bytes), made by Python: each is a copy of one banned file.
mkdir "$tmp/tree"
printf '#!/bin/sh\necho banned\n' >"$tmp/banned"	# a script: import --package takes it
python3 - "$tmp/tree" "$tmp/banned" "$tmp/names" <<'PY'
import os, shutil, sys
tree, src, out = (os.fsencode(a) for a in sys.argv[1:4])
names = [b'quote"d', b'back\\slash', b'new\nline', b'tab\tbed', b'ctl\x01\x1b[31m',
         b'del\x7f', b'latin1-\xe9t\xe9', b'bad-utf8-\xff\xfe', b'half-\xe2\x82', b'ok-\xc3\xa9',
         b'BANNED x\nfake']
with open(out, "wb") as f:
    for n in names:
        p = os.path.join(tree, n)
        shutil.copyfile(src, p)
        f.write(p + b"\0")
PY
sum=$(sha256sum "$tmp/banned" | cut -c1-64)
size=$(stat -c %s "$tmp/banned")
# a policy file with an odd name, and a reason with quotes and a backslash
pol=$(printf '%s/pol "q" \\ \001\377.policy' "$tmp")
printf 'deny sha256=%s size=%s label=odd reason="say \\"no\\" to C:\\\\x"\n' "$sum" "$size" >"$pol"

"$EB" hash --json "$tmp/tree"/* >"$tmp/hash.json" 2>"$tmp/err"
t "hash --json: one object per file, each path given back" jcheck "$tmp/hash.json" \
	'sorted(x["path"] for x in o) == sorted(names)'

"$EB" check --keys --json "$pol" >"$tmp/check.json" 2>"$tmp/err"
POL=$(python3 -c 'import os,sys; print(os.fsencode(sys.argv[1]).decode("utf-8", "replace"))' "$pol")
export POL
t "check --keys --json: the odd policy file name and the reason given back" jcheck \
	"$tmp/check.json" 'o[0]["entries"][0]["file"] == __import__("os").environ["POL"] and o[0]["entries"][0]["reason"] == "say \"no\" to C:\\x"'
printf 'deny sha256=nothex label=x\n' >"$pol.bad"
"$EB" check --json "$pol.bad" >"$tmp/bad.json" 2>"$tmp/err"
t "check --json of a bad policy with an odd name: ok false, the file:line message in diagnostics" \
	jcheck "$tmp/bad.json" 'not o[0]["ok"] and o[0]["diagnostics"][0].startswith(__import__("os").environ["POL"] + ".bad:1: error: ")'
t "check --json of a bad policy: messages, each {file, line, severity, message}" jcheck \
	"$tmp/bad.json" '[(m["file"], m["line"], m["severity"]) for m in o[0]["messages"]] == [(__import__("os").environ["POL"] + ".bad", 1, "error")] and o[0]["messages"][0]["message"]'

"$EB" scan --json --policy "$pol" "$tmp/tree" >"$tmp/scan.json" 2>"$tmp/err"
t "scan --json: every odd name found and given back, with the rule" jcheck "$tmp/scan.json" \
	'sorted(x["path"] for x in o) == sorted(names) and all(x["rule"] == "odd" for x in o)'

"$EB" explain --json --policy "$pol" "$tmp/tree"/* >"$tmp/explain.json" 2>"$tmp/err"
t "explain --json: every odd name given back, denied, the rule's reason and file" jcheck \
	"$tmp/explain.json" 'sorted(x["path"] for x in o) == sorted(names) and all(x["verdict"] == "denied" and x["rule"]["reason"] == "say \"no\" to C:\\x" and x["rule"]["file"] == __import__("os").environ["POL"] for x in o)'

printf 'audit sha256=%s size=%s label=odd2\n' "$sum" "$size" >"$pol.new"
"$EB" diff --json "$pol" "$pol.new" >"$tmp/diff.json" 2>"$tmp/err"
t "diff --json: the odd file names given back, the old reason too" jcheck "$tmp/diff.json" \
	'o[0]["from"] == __import__("os").environ["POL"] and o[0]["changes"][0]["file"] == __import__("os").environ["POL"] + ".new" and "say \\\"no\\\" to C:\\\\x" in o[0]["changes"][0]["old_rule"]'

# Each odd name has its own bytes for import, which gives one rule per digest.
mkdir "$tmp/pkg"
python3 - "$tmp/pkg" "$tmp/names" <<'PY'
import os, sys
pkg = os.fsencode(sys.argv[1])
for i, p in enumerate(n for n in open(sys.argv[2], "rb").read().split(b"\0") if n):
    with open(os.path.join(pkg, os.path.basename(p)), "wb") as f:
        f.write(b"#!/bin/sh\necho %d\n" % i)
PY
"$EB" import --json --force --package "$tmp/pkg" >"$tmp/import.json" 2>"$tmp/err"
t "import --json --package: one object, each odd name given back as the rule's path" jcheck \
	"$tmp/import.json" 'sorted(r["path"] for r in o[0]["rules"]) == sorted("/" + n.rsplit("/", 1)[1] for n in names) and o[0]["files"] == len(names)'

if [ "$(id -u)" = 0 ]; then
	mkdir -m 700 "$tmp/q"
	"$EB" scan --json --policy "$pol" --quarantine "$tmp/q" "$tmp/tree" >"$tmp/qscan.json" 2>"$tmp/err"
	t "scan --quarantine --json: each odd name given back, with where it went" jcheck \
		"$tmp/qscan.json" 'sorted(x["path"] for x in o) == sorted(names) and all(x["quarantined"] for x in o)'
	t "the manifest: one JSON line per odd name" jcheck "$tmp/q/manifest.jsonl" \
		'sorted(x["path"] for x in o) == sorted(names)'
	"$EB" quarantine list --json --dir "$tmp/q" >"$tmp/list.json" 2>"$tmp/err"
	t "quarantine list --json: each odd name given back" jcheck "$tmp/list.json" \
		'sorted(x["path"] for x in o) == sorted(names)'
else
	ok "# skip: scan --quarantine needs root"
fi

echo "# json: $pass passed, $fail failed"
[ $fail = 0 ]
