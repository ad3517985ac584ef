#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The CLI's conventions where a kernel enforces (issue 19): a banned file whose name holds a
# newline and a double quote is denied, and the text event line escapes its name (one line,
# no faked line or field) while --json carries the name itself; status run by an
# unprivileged user while execban is loaded says permission denied and exits 3 (not "NOT
# LOADED"), while root's status says enforcing.
# execban-test-kernels: one
# execban-test-cost: 12
# (what this suite checks is userspace's: tests/run runs it on one test kernel, where it
# balances the run; the kernel behaviour it relies on is checked on every kernel by the other
# suites; EXECBAN_ALL_SUITES_EVERYWHERE=1 runs it on every kernel)
set -u
. "$(dirname "$0")/../lib.sh"

W=$(mktemp -d /tmp/execban-cli.XXXXXX)
chmod 755 "$W"
"$EB" unload >/dev/null 2>&1

bad=$W/$'ban\nBANNED fake "x'
unique_copy /bin/true "$bad" cli-escape
echo "deny sha256=$(sha256sum <"$bad" | cut -c1-64) label=cli-escape" >"$W/p"
check "load" "$EB" load "$W/p"
"$EB" events >/dev/null 2>&1	# drop what came before
expect_exec "the file with a newline in its name is refused" "exec-error EPERM" "$bad"

"$EB" events >"$W/ev.txt" 2>"$W/ev.err"
check "events: one text line for the denial" \
	[ "$(grep -c 'rule=cli-escape' "$W/ev.txt")" = 1 ]
check "events: its name escaped (\\n, \\\")" \
	grep -qF "path=$W/ban\\nBANNED fake \\\"x " "$W/ev.txt"
check "events: no line begins with the name's 'BANNED fake'" \
	[ "$(grep -c '^BANNED' "$W/ev.txt")" = 0 ]
expect_exec "refused again" "exec-error EPERM" "$bad"
drain_events "$W/ev.json"
check "events --json: the name itself" event_has "$W/ev.json" \
	"e['path'] == '''$bad''' and e['rule'] == 'cli-escape'"

out=$("$EB" status 2>&1)
check "status as root: enforcing" grep -q '^execban: enforcing' <<<"$out"
setpriv --reuid=65534 --regid=65534 --clear-groups -- "$EB" status >"$W/st.out" 2>"$W/st.err"
rc=$?
check "status as nobody: exit 3" [ $rc = 3 ]
check "status as nobody: permission denied, run it as root" \
	grep -q "permission denied: run 'execban status' as root" "$W/st.err"
check "status as nobody: never NOT LOADED" \
	[ "$(cat "$W/st.out" "$W/st.err" | grep -c 'NOT LOADED')" = 0 ]

"$EB" unload >/dev/null
rm -rf "$W"
finish
