#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Host test: the JSON event log is rotated by logrotate with dist/execban.logrotate (execban
# daemon no longer rotates it itself). logrotate accepts the file; a forced rotation renames
# the log, creates a new one 0600, compresses a rotation later and keeps 5; no signal is sent
# (the daemon follows the rename itself: tests/guest/daemon.sh); make install puts it in
# /etc/logrotate.d/execban; the daemon has no --max-size or --keep any more.
set -u
cd "$(dirname "$0")/../.."
top=$PWD
pass=0 fail=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
t() { # NAME COMMAND...: ok if the command succeeds
	local name=$1
	shift
	if "$@"; then
		echo "ok - logrotate: $name"
		pass=$((pass + 1))
	else
		echo "not ok - logrotate: $name"
		echo "#   failed: $*"
		fail=$((fail + 1))
	fi
}
conf=dist/execban.logrotate
t "the shipped configuration rotates /var/log/execban/events.json" \
	grep -q '^/var/log/execban/events.json {$' "$conf"
t "it sends no signal (lock mode refuses signals to the daemon)" \
	bash -c "! grep -Eq '^[[:space:]]*(postrotate|prerotate|copytruncate)' '$conf'"
if ! command -v logrotate >/dev/null; then
	echo "not ok - logrotate: logrotate is not installed (make deps installs it)"
	exit 1
fi
mkdir -p "$tmp/log"
chmod 700 "$tmp/log"
sed "s|^/var/log/execban/events.json {|$tmp/log/events.json {|" "$conf" >"$tmp/conf"
logrotate -d -s "$tmp/state" "$tmp/conf" >"$tmp/debug" 2>&1
t "logrotate -d accepts it, without errors" \
	bash -c "[ $? = 0 ] && ! grep -qi 'error' '$tmp/debug'"
rot() { logrotate -f -s "$tmp/state" "$tmp/conf" 2>>"$tmp/rot.err"; }
echo '{"seq":1}' >"$tmp/log/events.json"
chmod 600 "$tmp/log/events.json"
rot
t "a rotation renames the log to events.json.1" \
	bash -c "[ \"\$(cat '$tmp/log/events.json.1')\" = '{\"seq\":1}' ]"
t "... and creates an empty events.json, 0600 root" \
	bash -c "[ ! -s '$tmp/log/events.json' ] && [ \"\$(stat -c '%a %U' '$tmp/log/events.json')\" = '600 root' ]"
for i in 2 3 4 5 6 7 8; do
	echo "{\"seq\":$i}" >>"$tmp/log/events.json"
	rot
done
ls "$tmp/log" >"$tmp/ls"
t "the newest rotated file stays uncompressed, older ones are gzip'd, 5 are kept" \
	bash -c "[ \"\$(tr '\n' ' ' <'$tmp/ls')\" = 'events.json events.json.1 events.json.2.gz events.json.3.gz events.json.4.gz events.json.5.gz ' ]"
t "... holding the newest events" bash -c "[ \"\$(zcat '$tmp/log/events.json.5.gz')\" = '{\"seq\":4}' ] && [ \"\$(cat '$tmp/log/events.json.1')\" = '{\"seq\":8}' ]"
t "logrotate said nothing on stderr" [ ! -s "$tmp/rot.err" ]

# make install, into a scratch root (the man pages and the CLI are built if need be)
if make -s install DESTDIR="$tmp/root" >"$tmp/install.log" 2>&1; then
	t "make install puts it in /etc/logrotate.d/execban, 0644" \
		bash -c "cmp -s '$conf' '$tmp/root/etc/logrotate.d/execban' && [ \"\$(stat -c %a '$tmp/root/etc/logrotate.d/execban')\" = 644 ]"
else
	echo "not ok - logrotate: make install failed"
	sed 's/^/#   /' "$tmp/install.log"
	fail=$((fail + 1))
fi

"$top/build/execban" daemon --max-size 4096 >/dev/null 2>&1
t "execban daemon --max-size: a usage error now (exit 2)" [ $? = 2 ]
"$top/build/execban" daemon --help >"$tmp/help"
t "execban daemon --help names logrotate" grep -q 'logrotate rotates FILE' "$tmp/help"

echo "# logrotate: $pass passed, $fail failed"
[ "$fail" = 0 ]
