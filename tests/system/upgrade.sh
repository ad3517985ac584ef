#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# System test (runs inside the system image: tests/system/run -- tests/system/upgrade.sh): an
# upgrade of the execban package, N -> N+1, while enforcing and while two exec storms run:
#   - one storm execs the banned /usr/local/bin/wechat, the other the unbanned
#     /usr/local/bin/text-editor, each as fast as it can (build/tests/execloop), from before
#     dpkg starts until after it has finished;
#   - N+1 is the package this image was built with (build/deb/execban_*.deb) with its version
#     raised (dpkg-deb -R, then -b): dpkg runs the maintainer scripts of a real upgrade (prerm
#     upgrade, postinst configure with the old version), which reload the policy with the new
#     execban and restart the event daemon (debian/execban.postinst);
#   - zero banned execs escape (ran=0), zero allowed execs fail (denied=0, other=0), and after
#     it: the new version is installed, the policy was reloaded (a new generation), the event
#     daemon is a new process, status --check is clean, and the banned file is still refused.
# Prints "ok - ..." / "not ok - ..." lines and "# suite: N passed, N failed".
set -uo pipefail

SUITE=system-upgrade
# shellcheck source=tests/system/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
EXECLOOP=$top/build/tests/execloop
TRYEXEC=$top/build/tests/tryexec
WECHAT=/usr/local/bin/wechat
EDITOR_BIN=/usr/local/bin/text-editor
tmp=$(mktemp -d)
pids=()
# shellcheck disable=SC2317 # called by the trap
cleanup() {
	local p
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
	rm -rf "$tmp"
}
trap cleanup EXIT

generation() { execban status --json 2>/dev/null | jq -r '.generation // empty'; }

# --- N+1 --------------------------------------------------------------------------------------------
old=$(dpkg-query -W -f '${Version}' execban)
debs=("$top"/build/deb/execban_*_amd64.deb)
deb=${debs[0]}
if [ ! -f "$deb" ] || [ "$(dpkg-deb -f "$deb" Version)" != "$old" ]; then
	not_ok "the package this image was built with is in build/deb" "installed: $old; found: ${debs[*]}"
	suite_end
	exit 1
fi
new=$old+upgrade1
dpkg-deb -R "$deb" "$tmp/pkg"
sed -i "s/^Version: .*/Version: $new/" "$tmp/pkg/DEBIAN/control"
dpkg-deb --root-owner-group -b "$tmp/pkg" "$tmp/execban_${new}_amd64.deb" >/dev/null
if dpkg --compare-versions "$new" gt "$old"; then
	ok "N+1: execban $new, built from the image's $old"
else
	not_ok "N+1: a version above $old" "$new"
fi

gen0=$(generation)
daemon0=$(systemctl show -P MainPID execban-events.service)
if [ -n "$gen0" ] && [ "${daemon0:-0}" != 0 ]; then
	ok "before: enforcing (generation $gen0), event daemon pid $daemon0"
else
	not_ok "before: enforcing, with the event daemon" "$(execban status 2>&1)" "daemon: $daemon0"
fi

# --- the storms, and the upgrade in their midst ---------------------------------------------------------
"$EXECLOOP" "$WECHAT" 0 >"$tmp/banned.out" 2>&1 &
pids+=($!)
"$EXECLOOP" "$EDITOR_BIN" 0 >"$tmp/allowed.out" 2>&1 &
pids+=($!)
sleep 3
rc=0
out=$(DEBIAN_FRONTEND=noninteractive timeout 600 dpkg -i "$tmp/execban_${new}_amd64.deb" 2>&1 </dev/null) || rc=$?
sleep 3
kill -TERM "${pids[@]}"
wait "${pids[@]}"
pids=()
if [ "$rc" = 0 ]; then
	ok "dpkg -i execban $new (an upgrade from $old) succeeded during the storms"
else
	not_ok "dpkg -i execban $new succeeded during the storms" "exit $rc" "$out"
fi
read_counts() { # FILE: sets denied ran other from execloop's line
	denied='' ran='' other=''
	eval "$(sed -n 's/^denied=\([0-9]*\) ran=\([0-9]*\) other=\([0-9]*\)$/denied=\1 ran=\2 other=\3/p' "$1")"
}
read_counts "$tmp/banned.out"
if [ -n "$denied" ] && [ "$denied" -gt 0 ] && [ "$ran" = 0 ] && [ "$other" = 0 ]; then
	ok "banned storm: $denied execs of $WECHAT, every one refused (EPERM), none escaped"
else
	not_ok "banned storm: every exec of $WECHAT refused, none escaped" "$(cat "$tmp/banned.out")"
fi
read_counts "$tmp/allowed.out"
if [ -n "$ran" ] && [ "$ran" -gt 0 ] && [ "$denied" = 0 ] && [ "$other" = 0 ]; then
	ok "allowed storm: $ran execs of $EDITOR_BIN, every one ran and exited 0"
else
	not_ok "allowed storm: every exec of $EDITOR_BIN ran" "$(cat "$tmp/allowed.out")"
fi

# --- after ---------------------------------------------------------------------------------------------
st=$(dpkg-query -W -f '${Version} ${Status}' execban)
if [ "$st" = "$new install ok installed" ]; then
	ok "after: execban $new is installed"
else
	not_ok "after: execban $new is installed" "$st"
fi
gen1=$(generation)
if [ -n "$gen1" ] && [ -n "$gen0" ] && [ "$gen1" -gt "$gen0" ]; then
	ok "after: the new execban reloaded the policy (generation $gen0 -> $gen1)"
else
	not_ok "after: the new execban reloaded the policy" "generation $gen0 -> $gen1" "$out"
fi
daemon1=$(systemctl show -P MainPID execban-events.service)
if systemctl is-active --quiet execban-events.service && [ "${daemon1:-0}" != 0 ] && [ "$daemon1" != "$daemon0" ]; then
	ok "after: the event daemon was restarted (pid $daemon0 -> $daemon1)"
else
	not_ok "after: the event daemon was restarted" "pid $daemon0 -> $daemon1" \
		"$(systemctl status --no-pager execban-events.service 2>&1 | sed -n 1,12p)"
fi
if out=$(execban status --check 2>&1); then
	ok "after: execban status --check: enforcement complete"
else
	not_ok "after: execban status --check: enforcement complete" "$out"
fi
got=$("$TRYEXEC" "$WECHAT" 2>/dev/null | tail -n1)
if [ "$got" = "exec-error EPERM" ]; then
	ok "after: $WECHAT is still refused (EPERM)"
else
	not_ok "after: $WECHAT is still refused (EPERM)" "got: $got"
fi

suite_end
