#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# System test (runs inside the system image: tests/system/run -- tests/system/apt.sh): apt-get
# install of a package that ships a banned executable, from a local file: apt repository in the
# image (a workstation's own mirror; no network).
#   - the package (wechat-desktop) ships /usr/bin/wechat-desktop: the bytes of the banned
#     /usr/local/bin/wechat (example policy, rule "wechat"); a control package
#     (notes-desktop) ships the unbanned text-editor the same way;
#   - apt-get install of the banned one fails with dpkg's error, the package is not installed,
#     and no file of it is left executable anywhere on the root file system;
#   - the attempt is an event (execban events --json, from the daemon) naming the file and its
#     SHA-256, a journal entry with the denial MESSAGE_ID, and an audit record (USER_AVC);
#   - the control installs and runs.
# Prints "ok - ..." / "not ok - ..." lines and "# suite: N passed, N failed".
set -uo pipefail

SUITE=system-apt
# shellcheck source=tests/system/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
WECHAT=/usr/local/bin/wechat
EDITOR_BIN=/usr/local/bin/text-editor
DENIAL_MID=9d5b2f8c4e7a4c0fa1c3b6e2d8f04a11	# execban(8): a decision's journal MESSAGE_ID
REPO=/srv/execban-test-repo
WAIT=30
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
sha=$(sha256sum "$WECHAT" | cut -d' ' -f1)

# mkdeb NAME FILE: a package NAME 1.0 shipping FILE as /usr/bin/NAME (mode 0755), into $REPO.
mkdeb() {
	local d=$tmp/$1
	mkdir -p "$d/DEBIAN" "$d/usr/bin"
	cp "$2" "$d/usr/bin/$1"
	chmod 0755 "$d/usr/bin/$1"
	cat >"$d/DEBIAN/control" <<EOF
Package: $1
Version: 1.0
Architecture: amd64
Maintainer: execban tests <root@localhost>
Description: execban system test package
 Ships /usr/bin/$1.
EOF
	dpkg-deb --root-owner-group -Zgzip -b "$d" "$REPO/${1}_1.0_amd64.deb" >/dev/null
}

# --- a local apt repository (flat, with a Release file; trusted: it is the test's own) -----------
mkdir -p "$REPO"
mkdeb wechat-desktop "$WECHAT"
mkdeb notes-desktop "$EDITOR_BIN"
(
	cd "$REPO" || exit 1
	for f in *.deb; do
		dpkg-deb -f "$f"
		printf 'Filename: ./%s\nSize: %s\nSHA256: %s\n\n' "$f" "$(stat -c %s "$f")" "$(sha256sum "$f" | cut -d' ' -f1)"
	done >Packages
	printf 'Origin: execban-test\nLabel: execban-test\nSuite: local\nCodename: local\nDate: %s\nArchitectures: amd64\nSHA256:\n %s %s Packages\n' \
		"$(LC_ALL=C date -u -R)" "$(sha256sum Packages | cut -d' ' -f1)" "$(stat -c %s Packages)" >Release
)
echo "deb [trusted=yes] file:$REPO ./" >/etc/apt/sources.list.d/execban-test.list
# Only this repository: the image's Debian mirror is not reachable from the test VM.
APT=(apt-get -o Dir::Etc::sourcelist=/etc/apt/sources.list.d/execban-test.list
	-o Dir::Etc::sourceparts=- -o APT::Get::List-Cleanup=0 -o Dpkg::Use-Pty=0)
if out=$(timeout 120 "${APT[@]}" update 2>&1); then
	ok "apt-get update of the local file: repository"
else
	not_ok "apt-get update of the local file: repository" "$out"
fi

# --- the banned package --------------------------------------------------------------------------
rc=0
out=$(DEBIAN_FRONTEND=noninteractive timeout 300 "${APT[@]}" install -y wechat-desktop 2>&1 </dev/null) || rc=$?
if [ "$rc" != 0 ] && grep -q "dpkg: error processing archive .*wechat-desktop" <<<"$out" &&
	grep -q 'Operation not permitted' <<<"$out" &&
	grep -q 'E: Sub-process /usr/bin/dpkg returned an error code' <<<"$out"; then
	ok "apt-get install wechat-desktop fails with dpkg's error: $(grep -m1 'Operation not permitted' <<<"$out")"
else
	not_ok "apt-get install wechat-desktop fails with dpkg's error (Operation not permitted)" "exit $rc" "$out"
fi
st=$(dpkg-query -W -f '${Status}' wechat-desktop 2>&1)
if [ "$st" != "install ok installed" ] && [ ! -e /usr/bin/wechat-desktop ]; then
	ok "wechat-desktop is not installed ($st) and /usr/bin/wechat-desktop does not exist"
else
	not_ok "wechat-desktop is not installed and /usr/bin/wechat-desktop does not exist" "status: $st" \
		"$(ls -l /usr/bin/wechat-desktop* 2>&1)"
fi
# Nothing with the banned bytes is left executable, under any name dpkg may have used.
left=$(find / -xdev -type f -perm /111 -size "$(stat -c %s "$WECHAT")c" -newer "$REPO/Release" -print 2>/dev/null)
bad=()
while IFS= read -r f; do
	[ -n "$f" ] || continue
	[ "$(sha256sum "$f" | cut -d' ' -f1)" != "$sha" ] || bad+=("$f")
done <<<"$left"
if [ ${#bad[@]} = 0 ]; then
	ok "no executable file with the banned bytes was left on the root file system"
else
	not_ok "no executable file with the banned bytes was left on the root file system" "${bad[@]}"
fi

# --- the attempt, as responders see it ---------------------------------------------------------------
deadline=$((SECONDS + WAIT))
ev=
while :; do
	ev=$(timeout 20 execban events --json 2>/dev/null </dev/null |
		jq -c --arg s "$sha" 'select(.sha256 == $s and .verdict == "denied" and ((.path // "") + " " + (.filename // "") | test("wechat-desktop")))')
	if [ -n "$ev" ] || [ "$SECONDS" -ge "$deadline" ]; then break; fi
	sleep 1
done
if [ -n "$ev" ]; then
	ok "the attempt is a denial event: $(jq -r '"\(.action) \(.verdict) \(.path) (\(.filename // "-")) sha256 \(.sha256) rule \(.rule // .label // "-")"' <<<"$ev" | sed -n 1p)"
else
	not_ok "the attempt is an event (execban events --json: sha256 $sha, wechat-desktop)" \
		"$(timeout 20 execban events 2>&1 </dev/null | tail -n 5)"
fi
j=$(journalctl -b -o json --no-pager MESSAGE_ID=$DENIAL_MID "EXECBAN_SHA256=$sha" |
	jq -r 'select(.EXECBAN_VERDICT == "denied" and ((.EXECBAN_PATH // "") | startswith("/usr/bin/wechat-desktop"))) | .MESSAGE')
if [ -n "$j" ]; then
	ok "the refusal is in the journal (MESSAGE_ID=$DENIAL_MID): $(sed -n 1p <<<"$j")"
else
	not_ok "the refusal is in the journal (MESSAGE_ID=$DENIAL_MID, EXECBAN_SHA256=$sha, wechat-desktop)" \
		"$(journalctl -b --no-pager MESSAGE_ID=$DENIAL_MID 2>&1 | tail -n 5)"
fi
deadline=$((SECONDS + WAIT))
while :; do
	rec=$(timeout 20 ausearch --input-logs -m USER_AVC -i </dev/null 2>/dev/null | grep -F "sha256=$sha" |
		grep -F 'verdict=denied path=/usr/bin/wechat-desktop')
	if [ -n "$rec" ] || [ "$SECONDS" -ge "$deadline" ]; then break; fi
	sleep 1
done
if [ -n "$rec" ]; then
	ok "the refusal is an audit record: $(tail -n1 <<<"$rec" | grep -oE 'type=USER_AVC .*' | cut -c1-300)"
else
	not_ok "the attempt is an audit record (ausearch -m USER_AVC: sha256=$sha, wechat-desktop)" \
		"$(timeout 20 ausearch --input-logs -m USER_AVC -i </dev/null 2>&1 | tail -n 5)"
fi

# --- the control ---------------------------------------------------------------------------------
rc=0
out=$(DEBIAN_FRONTEND=noninteractive timeout 300 "${APT[@]}" install -y notes-desktop 2>&1 </dev/null) || rc=$?
if [ "$rc" = 0 ] && [ "$(dpkg-query -W -f '${Status}' notes-desktop 2>&1)" = "install ok installed" ] &&
	/usr/bin/notes-desktop >/dev/null 2>&1; then
	ok "control: apt-get install notes-desktop (not banned) installs, and it runs"
else
	not_ok "control: apt-get install notes-desktop installs and runs" "exit $rc" "$out"
fi

suite_end
