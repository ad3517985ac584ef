#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Build execban.ko for one test kernel, with module BTF that matches that kernel:
#   scripts/kmod-build.sh 6.1|6.12|7.2|sid|RELEASE [OUTDIR]   OUTDIR defaults to build/kmod/<release>
# RELEASE (as uname -r prints it) builds for any Debian kernel whose linux-headers are
# installed: what dist/dkms.conf runs. A kernel from sid (7.2) builds against its headers
# extracted into the cache (scripts/kernel-headers.sh), with the host's gcc-12.
# Result: OUTDIR/execban.ko (replaced only when its content changes). Set V=1 for Kbuild's
# command lines, EXECBAN_WERROR= (empty) to let C warnings through.
#
# Each kernel gets its own work tree under OUTDIR, so the two kernels never share objects:
#   OUTDIR/src     Kbuild's M= directory: the top-level Kbuild and symlinks to the files of
#                  kmod/, lib/ and include/ (objects land here, next to the links)
#   OUTDIR/kbuild  the kernel's headers tree as symlinks, plus what Debian's headers lack for
#                  module BTF: vmlinux (scripts/vmlinux.sh: the test kernel's own BTF) and
#                  tools/bpf/resolve_btfids/resolve_btfids
#
# Why Kbuild makes the BTF itself (private headers tree) rather than a pahole + resolve_btfids
# step after it: Kbuild relinks the .ko from execban.o before every BTF run, so resolve_btfids,
# which is not idempotent, never sees a .ko twice; and it runs pahole with the flags the kernel's
# own scripts choose (6.1 pahole-flags.sh, 6.12 Makefile.btf: --btf_gen_floats -j
# --lang_exclude=rust for pahole 1.24, which also built both kernels). Measured on the 2-core
# dev host, the two ways cost the same: the BTF step is pahole ~0.35 s + resolve_btfids ~0.06 s
# either way. Whole script: from scratch ~8 s (plus, once per kernel, ~25 s to fetch the source
# and build resolve_btfids for 6.1); one file changed ~7 s; nothing to do ~6 s, of which ~2.5 s is
# apt-cache resolving the release (kernels.sh) and ~2.4 s Kbuild's own no-op.
# Debian's 6.12 headers already ship vmlinux (BTF only, identical .BTF to the image's) and
# resolve_btfids; the 6.1 ones ship neither, so a stock M= build for 6.1 has no BTF at all.
#
# Kbuild's BTF step has two blind spots, both covered here: it prints "Skipping BTF
# generation" and succeeds when vmlinux is missing, and it does not redo the BTF when only
# vmlinux or the tools change (the .ko is then deleted to force a relink). The result is checked
# at the end: both kfuncs are FUNCs in the module's BTF, with a FUNC_PROTO, and the kfunc set
# in .BTF_ids names exactly those FUNCs with the expected flags.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
me=kmod-build.sh

die() { echo "$me: error: $*" >&2; exit 1; }

if [ $# -lt 1 ] || [ $# -gt 2 ]; then
	echo "usage: $0 6.1|6.12|RELEASE [OUTDIR]" >&2
	exit 2
fi
kver=$1
rel=$("$top/scripts/kernels.sh" version "$kver") || die "cannot resolve test kernel '$kver'"
out=${2:-$top/build/kmod/$rel}

for t in make gcc-12 pahole bpftool readelf objcopy od flock; do
	command -v "$t" >/dev/null || die "$t not found (run: make deps)"
done
# Debian 12's kernels: the installed linux-headers; a kernel from sid: its headers extracted into
# the cache and adapted to the host's gcc-12 and glibc (scripts/kernel-headers.sh says how).
headers=$("$top/scripts/kernel-headers.sh" "$kver") || die "no linux-headers for $rel"

mkdir -p "$out"
out=$(cd "$out" && pwd)
exec 9>"$out/.lock"
flock 9 || die "cannot lock $out"

vmlinux=$("$top/scripts/vmlinux.sh" "$kver") || die "no vmlinux with BTF for $rel"

# resolve_btfids: Debian's if its headers have it (6.12), else built once from the kernel's source:
# the copy of its tools/ source that the module's sources carry (kernel-tools/SERIES: make
# install, execban-dkms; scripts/kernel-tools.sh), so DKMS needs no network; in a checkout,
# linux-source fetched into the cache (scripts/kernel-source.sh).
rb=$headers/tools/bpf/resolve_btfids/resolve_btfids
if [ ! -x "$rb" ]; then
	series=${rel%%-*}	# 6.1.0 (from 6.1.0-56-amd64)
	series=${series%.*}	# 6.1
	shipped=$top/kernel-tools/$series
	if [ -f "$shipped/tools/bpf/resolve_btfids/main.c" ]; then
		ksrc=$shipped
		# Built outside the sources (DKMS copies them afresh for each build), once per version.
		rbout=${EXECBAN_CACHE:-$top/.cache}/resolve_btfids/$(tr ' ' _ <"$shipped/SOURCE")
	else
		ksrc=$("$top/scripts/kernel-source.sh" "$kver") || die "cannot fetch the source of $rel"
		rbout=$ksrc/tools/bpf/resolve_btfids
	fi
	rb=$rbout/resolve_btfids
	if [ ! -x "$rb" ]; then
		echo "$me: building resolve_btfids from $ksrc" >&2
		mkdir -p "$rbout"
		make -s -C "$ksrc/tools/bpf/resolve_btfids" OUTPUT="$rbout/" -j2 \
			>"$out/resolve_btfids.log" 2>&1 ||
			{ tail -20 "$out/resolve_btfids.log" >&2; die "resolve_btfids build failed (log: $out/resolve_btfids.log)"; }
		[ -x "$rb" ] || die "resolve_btfids build produced no $rb"
	fi
fi

# link NAME TARGET: make NAME a symlink to TARGET unless it already is one.
link() {
	[ "$(readlink "$1" 2>/dev/null)" = "$2" ] || ln -sfn "$2" "$1"
}

# The private headers tree.
kb=$out/kbuild
mkdir -p "$kb/tools/bpf/resolve_btfids"
for e in "$headers"/* "$headers"/.[!.]*; do
	[ -e "$e" ] || continue
	case ${e##*/} in
	vmlinux | tools) ;;
	Makefile)
		# sid's names its tree as KBUILD_OUTPUT (the objects' tree): here that is this one.
		if grep -q '^KBUILD_OUTPUT=' "$e"; then
			[ ! -L "$kb/Makefile" ] || rm -f "$kb/Makefile"
			sed "s|^KBUILD_OUTPUT=.*|KBUILD_OUTPUT=$kb|" "$e" >"$kb/Makefile.tmp"
			cmp -s "$kb/Makefile.tmp" "$kb/Makefile" || mv -f "$kb/Makefile.tmp" "$kb/Makefile"
			rm -f "$kb/Makefile.tmp"
		else
			link "$kb/Makefile" "$e"
		fi
		;;
	*) link "$kb/${e##*/}" "$e" ;;
	esac
done
for e in "$headers"/tools/*; do
	[ "${e##*/}" = bpf ] || link "$kb/tools/${e##*/}" "$e"
done
link "$kb/tools/bpf/resolve_btfids/resolve_btfids" "$rb"
link "$kb/vmlinux" "$vmlinux"

# The M= tree: links to the sources, objects beside them.
src=$out/src
mkdir -p "$src"
link "$src/Kbuild" "$top/Kbuild"
for d in kmod lib include; do
	mkdir -p "$src/$d"
	for l in "$src/$d"/*; do
		# A source that went away: drop its link (and let Kbuild forget its object).
		if [ -L "$l" ] && [ ! -e "$l" ]; then rm -f "$l"; fi
	done
	for f in "$top/$d"/*.c "$top/$d"/*.h "$top/$d"/Kbuild; do
		[ -f "$f" ] && link "$src/$d/${f##*/}" "$f"
	done
done

ko=$src/kmod/execban.ko
inputs="$(stat -L -c '%n %s %Y' "$vmlinux" "$rb") $(pahole --version)"
if [ "$(cat "$out/.btf-inputs" 2>/dev/null)" != "$inputs" ]; then
	rm -f "$ko" "$out/.btf-inputs"
fi

kbuild() {
	local log=$out/make.log
	# Kbuild's own exit status decides; the log is kept for the BTF checks below.
	if ! make -C "$kb" M="$src" EXECBAN_WERROR="${EXECBAN_WERROR-1}" ${V:+V="$V"} -j2 modules \
		>"$log" 2>&1; then
		cat "$log" >&2
		die "Kbuild failed for $rel (log: $log)"
	fi
	grep -v -e '^make\[[0-9]*\]: \(Entering\|Leaving\) directory' -e '^make: \(Entering\|Leaving\)' "$log" || true
	if grep -q 'Skipping BTF generation' "$log"; then
		rm -f "$ko"
		die "Kbuild made no BTF for $ko (is $kb/vmlinux there?)"
	fi
}

kbuild
# has_btf KO: the whole section list is read first (no reader that stops early under pipefail).
has_btf() {
	local sections
	sections=$(readelf -SW "$1") && grep -q ' \.BTF ' <<<"$sections"
}
if ! has_btf "$ko"; then
	echo "$me: $ko has no .BTF section: relinking it" >&2
	rm -f "$ko"
	kbuild
	has_btf "$ko" || die "$ko still has no .BTF section"
fi

# check_btf KO: the kfuncs are in the module's BTF and the kfunc set in .BTF_ids points at them.
check_btf() {
	local ko=$1 first dump line id proto name sym val cnt flags i kid kflags want
	declare -A fid=() seen=()

	# 7.x's Kbuild distills the base (.BTF.base: the few vmlinux types the module uses, which
	# the kernel relocates at load): the module's type ids and .BTF_ids count from that base.
	local base=$vmlinux sections
	sections=$(readelf -SW "$ko")
	if grep -q ' \.BTF\.base ' <<<"$sections"; then
		base=$out/.btf_base
		# (-O binary would write nothing: the section is not SHF_ALLOC)
		objcopy --dump-section .BTF.base="$base" "$ko" "$out/.btf_base.o" ||
			die "$ko: cannot extract .BTF.base"
		rm -f "$out/.btf_base.o"
	fi
	dump=$(bpftool btf dump file "$ko" --base-btf "$base") ||
		die "bpftool cannot read the BTF of $ko against $base"
	first=$(head -1 <<<"$dump"); first=${first#[}; first=${first%%]*}
	# The kfuncs and whether each is KF_SLEEPABLE (1): kmod/kfuncs.c's set, in any order.
	local -A sleepable=([execban_file_sha256]=1 [execban_file_signer]=1
		[execban_file_verify_signer]=1 [execban_dentry_sha256]=1
		[execban_dentry_signer]=1 [execban_dentry_verify_signer]=1
		[execban_sha256_init]=0 [execban_sha256_update]=0 [execban_sha256_final]=0
		[execban_mem_signer]=0 [execban_file_module_image]=1
		[execban_install_probe]=0 [execban_dentry_sha256_nowait]=0
		[execban_install_watch_file]=1 [execban_kmod_open_marker]=0
		[execban_kmod_abi_version]=0)
	for name in "${!sleepable[@]}"; do
		line=$(grep -E "^\[[0-9]+\] FUNC '$name' type_id=[0-9]+" <<<"$dump") ||
			die "$ko: no FUNC '$name' in its BTF"
		id=${line#[}; id=${id%%]*}
		proto=${line#*type_id=}; proto=${proto%% *}
		# A prototype the kernel already has (u32 (void)) stays in the base BTF: an id below
		# the module's first, which libbpf checked exists when it parsed the split BTF.
		if ! grep -qE "^\[$proto\] FUNC_PROTO " <<<"$dump"; then
			[ "$proto" -lt "$first" ] ||
				die "$ko: FUNC '$name' [$id] has no FUNC_PROTO [$proto]"
		fi
		fid[$id]=$name
	done

	sym=__BTF_ID__set8__execban_kfunc_ids
	# awk reads every line (no early exit: under pipefail readelf would die of SIGPIPE).
	val=$(readelf -sW "$ko" | awk -v s="$sym" '$8 == s && v == "" {v = $2} END {print v}')
	[ -n "$val" ] || die "$ko: no $sym symbol (kfunc set) in its symbol table"
	objcopy -O binary --only-section=.BTF_ids "$ko" "$out/.btf_ids" ||
		die "$ko: cannot extract .BTF_ids"
	read -r cnt flags < <(od -An -t u4 -j $((16#$val)) -N 8 "$out/.btf_ids")
	[ "$cnt" = ${#sleepable[@]} ] || die "$ko: kfunc set has $cnt entries, want ${#sleepable[@]}"
	echo "$me: $rel: kfunc set flags=$flags"
	for ((i = 0; i < cnt; i++)); do
		read -r kid kflags < <(od -An -t u4 -j $((16#$val + 8 + 8 * i)) -N 8 "$out/.btf_ids")
		name=${fid[$kid]:-}
		[ -n "$name" ] || die "$ko: kfunc set entry $i has BTF id $kid, which is none of our kfuncs (resolve_btfids run twice, or on the wrong base?)"
		[ -z "${seen[$name]:-}" ] || die "$ko: $name is twice in the kfunc set"
		seen[$name]=1
		# KF_SLEEPABLE is 1 << 5 on every kernel we build for.
		want=$((sleepable[$name] * 32))
		[ $((kflags & 32)) = "$want" ] ||
			die "$ko: $name has kfunc flags $kflags, KF_SLEEPABLE should be $([ $want = 0 ] && echo clear || echo set)"
		echo "$me: $rel:   [$kid] $name flags=$kflags"
	done
	rm -f "$out/.btf_ids" "$out/.btf_base"
}

check_btf "$ko"
echo "$inputs" >"$out/.btf-inputs"
if ! cmp -s "$ko" "$out/execban.ko"; then
	cp "$ko" "$out/execban.ko.tmp"
	mv "$out/execban.ko.tmp" "$out/execban.ko"
fi
echo "$me: $out/execban.ko ready for $rel"
