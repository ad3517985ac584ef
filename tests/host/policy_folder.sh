#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Host test (issue 19): drop-ins must not silently change the whole ban. With 10-gc.policy
# (name "gc-ban", version 7) and 20-agency.policy (mode audit, version 2) under policy.d/, the
# second version is an error naming both file:lines, in check and in load (refused before
# anything changes); a .conf file in the folder is a warning naming it; check prints the
# effective name, version and mode, where each was set, and the rule counts (text and JSON).
set -u
cd "$(dirname "$0")/../.." || exit 1
EB=${EB:-$PWD/build/execban}
pass=0 fail=0
t() { if "${@:2}"; then echo "ok - policy folder: $1"; pass=$((pass + 1)); else echo "not ok - policy folder: $1"; fail=$((fail + 1)); fi; }
show() { sed 's/^/#   /' "$1"; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export EXECBAN_SYSGUARD_CACHE=$tmp/sysguard.cache
E=$tmp/etc
mkdir -p "$E/policy.d"
h() { python3 -c 'import os; print(os.urandom(32).hex())'; }
printf '# the main policy\ninclude policy.d/*.policy\n' >"$E/execban.policy"
printf 'name "gc-ban"\nversion 7\ndeny sha256=%s size=100 label=gc\ndeny sha256=%s size=200 label=gc2\n' \
	"$(h)" "$(h)" >"$E/policy.d/10-gc.policy"
printf 'mode audit\nversion 2\ndeny sha256=%s size=300 label=agency\n' "$(h)" \
	>"$E/policy.d/20-agency.policy"
printf 'deny sha256=%s size=400 label=site\n' "$(h)" >"$E/policy.d/30-site.conf"

"$EB" check "$E/execban.policy" >"$tmp/out" 2>"$tmp/err"
rc=$?
t "two files setting the version: check exits 1" test $rc = 1
t "... the error is at the second file:line and names the first" \
	grep -qx "$E/policy.d/20-agency.policy:2: error: the version is already set to 7 at $E/policy.d/10-gc.policy:2: name, version and mode may each be set once across all the files of a policy" "$tmp/err" || show "$tmp/err"
t "... the .conf file is a warning naming it" \
	grep -qx "$E/execban.policy:2: warning: include policy.d/\*.policy: policy.d/30-site.conf is not read: only files ending in .policy are" "$tmp/err"
t "... nothing on stdout" test ! -s "$tmp/out"
"$EB" check --json "$E/execban.policy" >"$tmp/json" 2>"$tmp/err"
t "check --json: ok false, both messages in diagnostics" python3 - "$tmp/json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
assert not d["ok"] and d["errors"] == 1 and d["warnings"] == 1, d
assert any("20-agency.policy:2: error: the version is already set to 7 at" in x and
           "10-gc.policy:2" in x for x in d["diagnostics"]), d
PY
"$EB" load "$E/execban.policy" >"$tmp/out" 2>"$tmp/err"
rc=$?
t "load refuses it too, before anything (exit 1, nothing loaded)" bash -c \
	"[ $rc = 1 ] && grep -q '20-agency.policy:2: error: the version is already set to 7 at .*10-gc.policy:2' '$tmp/err' &&
	 grep -q 'nothing loaded: the policy in force is unchanged' '$tmp/err'"

printf 'name "agency"\n' >>"$E/policy.d/20-agency.policy"
"$EB" check "$E/execban.policy" >/dev/null 2>"$tmp/err"
t "a second name too: one error each, both places named" bash -c \
	"[ \"\$(grep -c ': error: ' '$tmp/err')\" = 2 ] &&
	 grep -q '20-agency.policy:4: error: the name is already set to \"gc-ban\" at .*10-gc.policy:1' '$tmp/err'"

# settled: the version and name only in 10-gc.policy, the mode only in 20-agency.policy
sed -i '/^version\|^name/d' "$E/policy.d/20-agency.policy"
"$EB" check "$E/execban.policy" >"$tmp/out" 2>"$tmp/err"
rc=$?
t "each set once: check exits 0, with the .conf warning" bash -c \
	"[ $rc = 0 ] && grep -q '30-site.conf is not read' '$tmp/err'"
t "check prints the effective name, version and mode, and where each is set" \
	grep -qx "  name \"gc-ban\" ($E/policy.d/10-gc.policy:1), version 7 ($E/policy.d/10-gc.policy:2), mode audit ($E/policy.d/20-agency.policy:1)" "$tmp/out" || show "$tmp/out"
t "check prints the rule counts" \
	grep -qx "  rules 3: 3 deny, 0 audit; 3 sha256, 0 signer identities; size filter on" "$tmp/out"
"$EB" check --json "$E/execban.policy" >"$tmp/json" 2>/dev/null
t "check --json: name, version, mode, where each is set, and the counts" python3 - "$tmp/json" "$E" <<'PY'
import json, sys
d, e = json.load(open(sys.argv[1])), sys.argv[2]
assert d["ok"] and d["warnings"] == 1, d
assert (d["name"], d["version"], d["mode"]) == ("gc-ban", 7, "audit"), d
assert d["name_at"] == e + "/policy.d/10-gc.policy:1" and d["version_at"] == e + "/policy.d/10-gc.policy:2", d
assert d["mode_at"] == e + "/policy.d/20-agency.policy:1", d
assert (d["rules"], d["deny"], d["audit"], d["sha256_rules"], d["signer_rules"]) == (3, 3, 0, 3, 0), d
assert any("30-site.conf is not read" in x for x in d["diagnostics"]), d
PY
printf 'deny sha256=%s size=500\naudit sha256=%s size=600\n' "$(h)" "$(h)" >"$tmp/plain.policy"
"$EB" check "$tmp/plain.policy" >"$tmp/out" 2>&1
t "nothing set: the defaults, said so" bash -c \
	"grep -qx '  name none (not set), version 0 (not set), mode enforce (default)' '$tmp/out' &&
	 grep -qx '  rules 2: 1 deny, 1 audit; 2 sha256, 0 signer identities; size filter on' '$tmp/out'"
"$EB" check --json "$tmp/plain.policy" >"$tmp/json"
t "check --json: unset places are null" python3 -c "
import json, sys; d = json.load(open(sys.argv[1]))
assert d['name'] == '' and d['version'] == 0 and d['mode'] == 'enforce', d
assert d['name_at'] is None and d['version_at'] is None and d['mode_at'] is None, d
assert d['deny'] == 1 and d['audit'] == 1, d
" "$tmp/json"

echo "# policy folder: $pass passed, $fail failed"
[ $fail = 0 ]
