#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Host test (as root): execban quarantine list and restore, on what scan --quarantine moved.
# list shows each file's ID, time, rule, digest and original path (control characters in a
# name escaped, so a name cannot fake a line); --json one object per file. restore ID|PATH
# puts a file back with its owner, mode (setuid and execute bits too) and mtime; refuses a file
# the policy still bans (unless --force), one whose bytes changed in quarantine, a record
# already restored, and to overwrite anything at the original path; across filesystems it
# copies. Every refusal leaves the quarantined file where it was.
set -u
cd "$(dirname "$0")/../.."
top=$PWD
EB=$top/build/execban
pass=0 fail=0
t() { # NAME COMMAND...: ok if the command succeeds
	local name=$1
	shift
	if "$@"; then
		echo "ok - quarantine: $name"
		pass=$((pass + 1))
	else
		echo "not ok - quarantine: $name"
		echo "#   failed: $*"
		fail=$((fail + 1))
	fi
}
if [ "$(id -u)" != 0 ]; then
	echo "# skip: quarantine needs root (scan --quarantine and restore move files of others)"
	exit 0
fi
tmp=$(mktemp -d)
shm=
trap 'rm -rf "$tmp" ${shm:+"$shm"}' EXIT

T=$tmp/tree Q=$tmp/q
mkdir -p "$T/a"
printf '#!/bin/sh\necho banned one\n' >"$T/a/one"
printf '#!/bin/sh\necho banned two\n' >"$T/a/two"
chown 65534:65534 "$T/a/two"
chmod 6750 "$T/a/two"
touch -d '2020-01-02 03:04:05 UTC' "$T/a/two"
evil=$'evil\nBANNED x sha256=0 rule=x'
printf '#!/bin/sh\necho banned three\n' >"$T/a/$evil"
chmod 755 "$T/a/one" "$T/a/$evil"
sha() { sha256sum <"$1" | cut -d' ' -f1; }
s1=$(sha "$T/a/one") s2=$(sha "$T/a/two") s3=$(sha "$T/a/$evil")
{
	echo "deny sha256=$s1 label=one-rule"
	echo "deny sha256=$s2 label=two-rule"
	echo "deny sha256=$s3 label=evil-rule"
} >"$tmp/ban.policy"
grep -v two-rule "$tmp/ban.policy" >"$tmp/no-two.policy"
before_two=$(stat -c '%u:%g %a %Y' "$T/a/two")
"$EB" scan --policy "$tmp/ban.policy" --quarantine "$Q" "$T" >/dev/null 2>&1
t "scan --quarantine moved the three files" bash -c "[ -z \"\$(ls -A '$T/a')\" ]"

"$EB" quarantine list --dir "$Q" >"$tmp/list" 2>"$tmp/err"
rc=$?
head1=$(sed -n 1p "$tmp/list")
t "list: exit 0, a header and one line per file (a newline in a name does not add one)" \
	bash -c "[ $rc = 0 ] && [ \$(wc -l <'$tmp/list') = 4 ] && [[ '$head1' =~ ^ID\ .*RULE.*SHA256.*PATH ]]"
t "list: the name's newline escaped, no line starts with BANNED" \
	bash -c "grep -qF 'evil\\nBANNED x' '$tmp/list' && ! grep -q '^BANNED' '$tmp/list'"
t "list: ID, rule, full digest and original path of each" \
	bash -c "grep -Eq '^[0-9]+ +[0-9TZ:-]+ +two-rule +$s2 $T/a/two\$' '$tmp/list'"
"$EB" quarantine list --dir "$Q" --json >"$tmp/list.json"
t "list --json: one object per file, schema 1, id, path, sha256, rule, present" python3 - \
	"$tmp/list.json" "$T/a/two" "$s2" <<'PY'
import json, sys
objs = [json.loads(l) for l in open(sys.argv[1])]
assert len(objs) == 3, objs
for o in objs:
	assert o["schema"] == 1 and o["present"] is True and o["restored"] is False, o
	assert isinstance(o["id"], int) and o["quarantined"] and o["quarantined_at"], o
two = [o for o in objs if o["path"] == sys.argv[2]]
assert len(two) == 1 and two[0]["sha256"] == sys.argv[3] and two[0]["rule"] == "two-rule", objs
PY
id2=$(awk -v p="$T/a/two" '$5 == p { print $1 }' "$tmp/list")
q2=$(python3 -c 'import json,sys; print([o["quarantined"] for o in map(json.loads, open(sys.argv[1])) if o["path"] == sys.argv[2]][0])' "$tmp/list.json" "$T/a/two")

"$EB" quarantine restore --dir "$Q" --policy "$tmp/ban.policy" "$id2" >"$tmp/out" 2>"$tmp/err"
rc=$?
t "restore of a file the policy still bans: exit 1, names the rule, suggests --force" \
	bash -c "[ $rc = 1 ] && grep -q 'still banned by the policy given: rule two-rule (sha256)' '$tmp/err' && grep -q -- --force '$tmp/err'"
t "... and the file stays in quarantine, nothing at its path" \
	bash -c "[ -f '$q2' ] && [ ! -e '$T/a/two' ]"

echo precious >"$T/a/two"
"$EB" quarantine restore --dir "$Q" --policy "$tmp/no-two.policy" "$id2" >"$tmp/out" 2>"$tmp/err"
rc=$?
t "restore onto an existing file: exit 1, 'never overwritten', the file untouched" \
	bash -c "[ $rc = 1 ] && grep -q 'exists: never overwritten' '$tmp/err' && [ \"\$(cat '$T/a/two')\" = precious ] && [ -f '$q2' ]"
rm "$T/a/two"

"$EB" quarantine restore --dir "$Q" --policy "$tmp/no-two.policy" "$id2" >"$tmp/out" 2>"$tmp/err"
rc=$?
t "restore by ID under a policy that no longer bans it: exit 0, RESTORED line" \
	bash -c "[ $rc = 0 ] && grep -q '^RESTORED $q2 -> $T/a/two mode 6750' '$tmp/out'"
t "... with its bytes, owner, mode (setuid, setgid, execute bits) and mtime" \
	bash -c "[ \"\$(sha256sum <'$T/a/two' | cut -d' ' -f1)\" = $s2 ] && [ \"\$(stat -c '%u:%g %a %Y' '$T/a/two')\" = '$before_two' ]"
t "... and gone from the quarantine folder" [ ! -e "$q2" ]
"$EB" quarantine list --dir "$Q" >"$tmp/list2"
"$EB" quarantine list --dir "$Q" --all >"$tmp/list3"
t "list no longer shows it; --all shows it as restored" \
	bash -c "! grep -q '$T/a/two' '$tmp/list2' && grep -q '$T/a/two  (restored)' '$tmp/list3'"
"$EB" quarantine restore --dir "$Q" --policy "$tmp/no-two.policy" "$id2" >/dev/null 2>"$tmp/err"
t "restoring the same record again: exit 1, 'already restored'" \
	bash -c "[ $? = 1 ] && grep -q 'already restored' '$tmp/err'"

"$EB" quarantine restore --dir "$Q" --policy "$tmp/ban.policy" --force "$T/a/one" >"$tmp/out" 2>"$tmp/err"
rc=$?
t "restore --force by original path of a banned file: exit 0, warns" \
	bash -c "[ $rc = 0 ] && grep -q 'still banned by rule one-rule (sha256): restoring it anyway (--force)' '$tmp/err' && [ -x '$T/a/one' ]"

qe=$(python3 -c 'import json,sys; print([o["quarantined"] for o in map(json.loads, open(sys.argv[1])) if o["path"].startswith(sys.argv[2])][0])' "$tmp/list.json" "$T/a/evil")
echo extra >>"$qe"
"$EB" quarantine restore --dir "$Q" --policy "$tmp/no-two.policy" --force "$qe" >/dev/null 2>"$tmp/err"
t "restore of a file changed in quarantine (by its quarantined path): exit 1, said" \
	bash -c "[ $? = 1 ] && grep -q 'its bytes changed in quarantine' '$tmp/err' && [ ! -e '$T/a/$evil' ]"
"$EB" quarantine restore --dir "$Q" /no/such/file >/dev/null 2>"$tmp/err"
t "restore of a path not in quarantine: exit 1, said" \
	bash -c "[ $? = 1 ] && grep -q 'not in quarantine' '$tmp/err'"
mkdir "$T/gone"
printf '#!/bin/sh\necho banned one\n' >"$T/gone/f"
"$EB" scan --policy "$tmp/ban.policy" --quarantine "$Q" "$T/gone" >/dev/null 2>&1
rmdir "$T/gone"
"$EB" quarantine restore --dir "$Q" --policy "$tmp/no-two.policy" --force "$T/gone/f" >/dev/null 2>"$tmp/err"
rc=$?
"$EB" quarantine list --dir "$Q" >"$tmp/list4"
t "restore into a folder that no longer exists: exit 1, said, still quarantined" \
	bash -c "[ $rc = 1 ] && grep -q 'its folder does not exist any more' '$tmp/err' && grep -q '$T/gone/f\$' '$tmp/list4'"
chmod 755 "$Q"
"$EB" quarantine list --dir "$Q" >/dev/null 2>"$tmp/err"
t "a quarantine folder others can enter is not trusted: exit 1" \
	bash -c "[ $? = 1 ] && grep -q \"not root's alone\" '$tmp/err'"
chmod 700 "$Q"
"$EB" quarantine list --dir "$tmp/none" >/dev/null 2>&1
t "list of a folder that does not exist: exit 1" [ $? = 1 ]
"$EB" quarantine frobnicate >/dev/null 2>&1
t "an unknown subcommand: usage (exit 2)" [ $? = 2 ]

# Across filesystems (a quarantine on /dev/shm): scan copies, restore copies back.
if [ -d /dev/shm ] && [ "$(stat -c %d /dev/shm)" != "$(stat -c %d "$tmp")" ]; then
	shm=$(mktemp -d /dev/shm/execban-q.XXXXXX)
	rm -f "$T/a/one"			# restored with --force above: banned
	printf '#!/bin/sh\necho banned one\n' >"$T/a/copied"
	chmod 750 "$T/a/copied"
	"$EB" scan --policy "$tmp/ban.policy" --quarantine "$shm/q" "$T" >/dev/null 2>&1
	"$EB" quarantine restore --dir "$shm/q" --policy "$tmp/no-two.policy" --force "$T/a/copied" \
		>"$tmp/out" 2>&1
	rc=$?
	ls -A "$T/a" >"$tmp/ls"
	t "across filesystems: restored by a copy, mode kept, nothing left behind" \
		bash -c "[ $rc = 0 ] && [ \"\$(stat -c %a '$T/a/copied')\" = 750 ] && ! grep -q execban-restore '$tmp/ls' && [ -z \"\$(find '$shm/q' -name 'copied.*')\" ]"
	t "... and the manifest records the copy" grep -q '"method":"copy","forced":true' "$shm/q/manifest.jsonl"
else
	echo "# skip: /dev/shm is not another filesystem: no copy restore"
fi

echo "# quarantine: $pass passed, $fail failed"
[ "$fail" = 0 ]
