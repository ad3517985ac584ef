#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Host test: Debian packages (issue 18). make deb builds execban (amd64) and execban-dkms (all)
# with debhelper and dh-dkms, out of tree, at the Makefile's VERSION (here one given on the
# command line: the only place it is set); lintian reports no error; each package holds the
# files an admin needs; the checkout is left clean; and the maintainer scripts, run as dpkg
# runs them, with the commands they call replaced by recorders and the kernel's state faked in
# a private mount namespace (a tmpfs on /sys/fs/bpf and /run/systemd):
#   - a fresh install enables both units and starts, loads or locks nothing;
#   - an upgrade while enforcing never unloads; it reloads the policy and restarts the event
#     daemon, unless enforcement is locked (then both are left running as they are);
#   - removal lifts the ban when not locked, and is refused, saying why and what to do, when
#     locked.
set -u
cd "$(dirname "$0")/../.." || exit 1
top=$PWD
pass=0 fail=0
t() { if "${@:2}"; then echo "ok - deb: $1"; pass=$((pass + 1)); else echo "not ok - deb: $1"; fail=$((fail + 1)); fi; }
show() { sed 's/^/#   /' "$1"; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export EXECBAN_CACHE=${EXECBAN_CACHE:-$top/.cache}

have_tools() { command -v dpkg-buildpackage && command -v dh_dkms && command -v lintian; } >/dev/null
if ! have_tools && [ "$(id -u)" = 0 ]; then scripts/deps.sh >/dev/null 2>&1; fi
if ! have_tools; then
	echo "ok - deb: # SKIP debhelper, dh-dkms or lintian missing and not installable (make deps)"
	exit 0
fi

v=9.9.1
before=$(git status --porcelain 2>/dev/null)
make -s deb VERSION=$v OUT="$tmp/build" >"$tmp/deb.log" 2>&1
rc=$?
t "make deb VERSION=$v succeeds" test $rc = 0
[ $rc = 0 ] || tail -30 "$tmp/deb.log" | sed 's/^/#   /'
d=$tmp/build/deb
deb=$d/execban_${v}_amd64.deb
dkms=$d/execban-dkms_${v}_all.deb
t "it makes execban_${v}_amd64.deb and execban-dkms_${v}_all.deb" test -f "$deb" -a -f "$dkms"
t "lintian reports no error" grep -q '^deb.sh: lintian: 0 errors, ' "$tmp/deb.log"
grep -E '^(E|W): ' "$d/lintian.txt" | sed 's/^/#   lintian: /'
t "the checkout is left as it was" test "$(git status --porcelain 2>/dev/null)" = "$before"
t "the package's execban says the VERSION" \
	bash -c "dpkg-deb -x '$deb' '$tmp/x' && [ \"\$('$tmp/x/usr/sbin/execban' --version)\" = 'execban $v' ]"

list=$(dpkg-deb -c "$deb" 2>&1)
for f in ./usr/sbin/execban ./usr/lib/execban/execban-sync ./usr/lib/execban/execban.bpf.o \
	./lib/systemd/system/execban.service ./lib/systemd/system/execban-events.service \
	./etc/execban/execban.policy ./etc/execban/policy.d/ ./etc/logrotate.d/execban \
	./usr/share/man/man8/execban.8.gz ./usr/share/man/man5/execban.policy.5.gz \
	./usr/share/man/man7/execban-events.7.gz ./usr/share/bash-completion/completions/execban \
	./usr/share/doc/execban/copyright ./usr/share/doc/execban/example.policy; do
	t "execban holds $f" grep -qE " $f( |\$)" <<<"$list"
done
t "execban holds no module source" bash -c "! grep -q ' ./usr/src/' <<<'$list'"
conffiles=$(dpkg-deb -I "$deb" conffiles 2>&1)
for f in /etc/execban/execban.policy /etc/logrotate.d/execban; do
	t "$f is a conffile" grep -qx "$f" <<<"$conffiles"
done
list=$(dpkg-deb -c "$dkms" 2>&1)
s=./usr/src/execban-$v
for f in $s/dkms.conf $s/Kbuild $s/kmod/Kbuild $s/kmod/kfuncs.c $s/lib/sigparse.c \
	$s/include/execban.h $s/scripts/kmod-build.sh $s/scripts/vmlinux.sh \
	$s/kernel-tools/6.1/tools/bpf/resolve_btfids/main.c $s/kernel-tools/6.1/scripts/bpf_doc.py \
	./usr/share/doc/execban-dkms/copyright; do
	t "execban-dkms holds $f" grep -qE " $f( |\$)" <<<"$list"
done
t "execban-dkms's dkms.conf names $v" \
	bash -c "dpkg-deb -x '$dkms' '$tmp/y' && grep -q '^PACKAGE_VERSION=\"$v\"' '$tmp/y/usr/src/execban-$v/dkms.conf'"
t "execban-dkms depends on dkms and what the build runs" \
	bash -c "grep -E '^Depends:.*dkms.*bpftool.*dwarves.*libelf-dev' <<<\"\$(dpkg-deb -f '$dkms')\" >/dev/null"

# --- maintainer scripts --------------------------------------------------------------------
dpkg-deb -e "$deb" "$tmp/ctl"
fake=$tmp/fake
mkdir -p "$fake"
# Each replaced command records its arguments; execban status --json says locked or not.
for c in execban deb-systemd-helper deb-systemd-invoke systemctl; do
	cat >"$fake/$c" <<FAKE
#!/bin/sh
echo "$c \$*" >>"$tmp/calls"
if [ "$c \$1" = "execban status" ]; then echo "{\"loaded\":true,\"locked\":\$(cat "$tmp/locked")}"; fi
if [ "$c \$1" = "deb-systemd-helper" ] || [ "$c \$1" = "deb-systemd-helper --quiet" ]; then exit 0; fi
exit 0
FAKE
	chmod +x "$fake/$c"
done
# run SCRIPT ARGS...: as dpkg would, with the kernel's state faked: enforcing (a pin folder) and
# systemd running, in a private mount namespace.
run() {
	: >"$tmp/calls"
	unshare -m --propagation private sh -c '
		mount -t tmpfs none /sys/fs/bpf && mkdir /sys/fs/bpf/execban &&
		mkdir -p /run/systemd && mount -t tmpfs none /run/systemd && mkdir /run/systemd/system &&
		exec env PATH="$0:/usr/sbin:/usr/bin:/sbin:/bin" DPKG_MAINTSCRIPT_PACKAGE=execban \
			DPKG_MAINTSCRIPT_NAME="${1##*/}" "$@"' "$fake" "$@" >"$tmp/out" 2>&1
}
if ! unshare -m true 2>/dev/null; then
	echo "ok - deb: # SKIP maintainer scripts: no mount namespaces here"
else
	echo false >"$tmp/locked"
	run "$tmp/ctl/postinst" configure
	rc=$?
	t "fresh install: postinst exits 0" test $rc = 0
	t "fresh install: both units are enabled" \
		bash -c "grep -q '^deb-systemd-helper.* enable execban.service' '$tmp/calls' &&
			grep -q '^deb-systemd-helper.* enable execban-events.service' '$tmp/calls'"
	t "fresh install: nothing is started, loaded or locked" \
		bash -c "! grep -E '^(deb-systemd-invoke|execban|systemctl (start|restart|reload))' '$tmp/calls' >/dev/null"
	t "fresh install: says what happens next" grep -q 'enforced from the next boot' "$tmp/out"
	[ $rc = 0 ] || { show "$tmp/out"; show "$tmp/calls"; }

	run "$tmp/ctl/prerm" upgrade "$v.1"
	t "upgrade while enforcing: prerm exits 0 and unloads nothing, stops nothing" \
		bash -c "[ $? = 0 ] && ! grep -E 'unload|stop' '$tmp/calls' >/dev/null"
	run "$tmp/ctl/postinst" configure 9.9.0
	rc=$?
	t "upgrade while enforcing: postinst reloads the policy and restarts the daemon, unloads nothing" \
		bash -c "[ $rc = 0 ] && grep -q '^deb-systemd-invoke try-reload-or-restart execban.service' '$tmp/calls' &&
			grep -q '^deb-systemd-invoke try-restart execban-events.service' '$tmp/calls' &&
			! grep -q unload '$tmp/calls'"
	echo true >"$tmp/locked"
	run "$tmp/ctl/postinst" configure 9.9.0
	rc=$?
	t "upgrade while locked: postinst leaves the policy and the daemon as they are" \
		bash -c "[ $rc = 0 ] && ! grep -E '^deb-systemd-invoke|unload' '$tmp/calls' >/dev/null &&
			grep -q 'enforcement is locked until reboot' '$tmp/out'"

	run "$tmp/ctl/prerm" remove
	rc=$?
	t "removal while locked is refused (prerm exits 1)" test $rc = 1
	t "with what to do" grep -q 'refusing to remove execban while enforcement is locked' "$tmp/out"
	t "and nothing is stopped or unloaded" bash -c "! grep -E 'unload|stop' '$tmp/calls' >/dev/null"
	echo false >"$tmp/locked"
	run "$tmp/ctl/prerm" remove
	rc=$?
	t "removal, not locked: the daemon is stopped and the ban lifted" \
		bash -c "[ $rc = 0 ] && grep -q '^deb-systemd-invoke stop execban-events.service' '$tmp/calls' &&
			grep -q '^execban unload' '$tmp/calls'"
	[ $rc = 0 ] || { show "$tmp/out"; show "$tmp/calls"; }
fi
echo "# deb: $pass passed, $fail failed"
[ "$fail" = 0 ]
