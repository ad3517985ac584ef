#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Print the linux-headers tree that builds modules for a test kernel on this host:
#   scripts/kernel-headers.sh 6.1|6.12|sid|X.Y|RELEASE
#
# Debian 12's kernels (6.1, 6.12): /usr/src/linux-headers-REL, installed by make deps.
# A kernel from sid (7.2, ...): its linux-headers-REL, linux-headers-VER-common and
# linux-kbuild-VER are never installed on the host (they want sid's gcc and libc); they are
# extracted into $EXECBAN_CACHE/headers/REL and made to work with the host's own tools:
#   - Makefile: its two absolute /usr/src paths point into the cache;
#   - the configuration (include/config/auto.conf, include/generated/autoconf.h, and
#     .kernelvariables' CC) is retargeted from the gcc the kernel was built with to the host's
#     gcc-12: each compiler feature the config assumes (CONFIG_CC_HAS_..., CC_OPT_...) that
#     gcc-12 fails a probe of is unset, CONFIG_GCC_VERSION and CONFIG_CC_VERSION_TEXT are
#     gcc-12's. These features only decide annotations and compiler flags (function
#     alignment, counted_by, assume, inline memset), not the layout of any structure the
#     module shares with the kernel;
#   - linux-kbuild's programs (modpost, objtool, resolve_btfids, ...) are linked against sid's
#     glibc, newer than the host's (they use the C23 __isoc23_strto* symbols of glibc 2.38):
#     each one that needs a newer glibc than the host's is renamed PROG.sid and replaced by a
#     wrapper that runs it with sid's own dynamic loader and libc, extracted (libc6 from sid,
#     never installed) into sid-run/ of the same folder;
#   - the module's BTF is made by sid's pahole (bin/pahole, .kernelvariables' PAHOLE: the
#     pahole package and its libraries, in sid-run/ too), of the version the kernel's was made
#     with: Debian 12's pahole 1.24 flattens multi-dimensional arrays (u32 times_prev[2][7]
#     became one array of 14), 1.32 does not, so none of the module's kernel types matched
#     vmlinux's and a kfunc taking a struct file * was refused ("expected pointer to STRUCT
#     file but R1 has a pointer to STRUCT file").
# The extracted tree is reused while the adaptations and gcc-12 stay the same.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cache=${EXECBAN_CACHE:-$top/.cache}
me=kernel-headers.sh
cc=gcc-12
# Changing how the tree is adapted re-extracts it.
adapt_version=2

die() { echo "$me: $*" >&2; exit 1; }

[ $# = 1 ] || { echo "usage: $0 6.1|6.12|sid|X.Y|RELEASE" >&2; exit 2; }
rel=$("$top/scripts/kernels.sh" version "$1")
if [ -f "/usr/src/linux-headers-$rel/Makefile" ]; then
	echo "/usr/src/linux-headers-$rel"
	exit 0
fi
kapt() { "$top/scripts/kernels.sh" apt "$rel" "$@"; }
case "$1" in
6.1 | 6.12) die "/usr/src/linux-headers-$rel missing (apt-get install linux-headers-$rel, or make deps)" ;;
esac
kapt apt-cache show "linux-headers-$rel" >/dev/null 2>&1 ||
	die "no linux-headers-$rel installed, nor in sid (apt-get install linux-headers-$rel?)"

mkdir -p "$cache/headers"
dir=$(cd "$cache/headers" && pwd -P)/$rel
h=$dir/usr/src/linux-headers-$rel
want="adapt $adapt_version; $("$cc" -dumpfullversion)"
if [ "$(cat "$dir/.complete" 2>/dev/null)" = "$want" ]; then
	echo "$h"
	exit 0
fi

# linux-headers-REL depends on linux-headers-VER-common and linux-kbuild-VER.
mapfile -t pkgs < <(kapt apt-cache depends "linux-headers-$rel" 2>/dev/null |
	awk '$1 == "Depends:" && $2 ~ /^linux-(headers-.*-common|kbuild-)/ {print $2}' | sort -u)
[ ${#pkgs[@]} = 2 ] ||
	die "linux-headers-$rel: expected a -common and a linux-kbuild dependency, got: ${pkgs[*]}"
tmp=$(mktemp -d "$cache/headers/.fetch.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
# What runs kbuild's programs and pahole: sid's libc, pahole and the libraries pahole needs that
# the host's are too old for (libdw, libelf, libbpf); the others (zlib, zstd, ...) are the host's.
run_pkgs=(libc6 pahole libdwarves1 libdw1t64 libelf1t64 libbpf1)
echo "$me: fetching linux-headers-$rel ${pkgs[*]} and ${run_pkgs[*]} from sid" >&2
(cd "$tmp" && kapt apt-get download -q "linux-headers-$rel" "${pkgs[@]}" "${run_pkgs[@]}" >&2) ||
	die "cannot download linux-headers-$rel ${pkgs[*]} ${run_pkgs[*]}"
mkdir "$tmp/root" "$tmp/root/sid-run"
for d in "$tmp"/*.deb; do
	case ${d##*/} in
	linux-*) dpkg-deb -x "$d" "$tmp/root" ;;
	*) dpkg-deb -x "$d" "$tmp/root/sid-run" ;;
	esac
done
rm -f "$tmp"/*.deb

# The adaptations are made in place at the tree's final path (the Makefile and the wrappers
# name it): build under $dir.new, then swap.
rm -rf "$dir" "$dir.new"
mv "$tmp/root" "$dir.new"
new=$dir.new
hn=$new/usr/src/linux-headers-$rel
[ -f "$hn/Makefile" ] || die "linux-headers-$rel has no Makefile"
sed -i "s|/usr/src/|$dir/usr/src/|g" "$hn/Makefile"

# --- the configuration, retargeted at gcc-12 -------------------------------------------------
conf=$hn/include/config/auto.conf
hdr=$hn/include/generated/autoconf.h
if [ ! -f "$conf" ] || [ ! -f "$hdr" ]; then die "linux-headers-$rel has no auto.conf/autoconf.h"; fi
probe() { # FLAGS CODE: does gcc-12 compile CODE with FLAGS, warnings as errors?
	echo "$2" | "$cc" -Werror ${1:+"$1"} -x c -c -o /dev/null - 2>/dev/null
}
unset_config() { # CONFIG_NAME
	sed -i "/^$1=/d" "$conf"
	sed -i "/^#define $1 /d" "$hdr"
}
set_config() { # CONFIG_NAME VALUE [str]: auto.conf holds strings unquoted, autoconf.h quoted
	local q=
	[ "${3:-}" != str ] || q='"'
	sed -i "s|^$1=.*|$1=$2|" "$conf"
	sed -i "s|^#define $1 .*|#define $1 $q$2$q|" "$hdr"
}
feature() { # CONFIG_NAME FLAGS CODE: unset CONFIG_NAME unless gcc-12 passes the probe
	grep -q "^$1=y" "$conf" || return 0
	probe "$2" "$3" && return 0
	echo "$me: $cc lacks $1: unset" >&2
	unset_config "$1"
}
feature CONFIG_CC_HAS_MIN_FUNCTION_ALIGNMENT -fmin-function-alignment=16 'int x;'
# Without it, <linux/compiler_types.h> aligns __cold functions itself (gcc < 14).
grep -q '^CONFIG_CC_HAS_MIN_FUNCTION_ALIGNMENT=y' "$conf" ||
	unset_config CONFIG_CC_HAS_SANE_FUNCTION_ALIGNMENT
feature CONFIG_CC_HAS_ASSUME '' 'int f(int x) { __attribute__((__assume__(x > 0))); return x; }'
feature CONFIG_CC_HAS_COUNTED_BY '' 'struct s { int n; int a[] __attribute__((__counted_by__(n))); };'
feature CONFIG_CC_HAS_COUNTED_BY_PTR '' 'struct s { int n; int *p __attribute__((__counted_by__(n))); };'
feature CONFIG_CC_HAS_MULTIDIMENSIONAL_NONSTRING '' 'char x[2][4] __attribute__((__nonstring__));'
# init/Kconfig: def_bool y if CC_IS_GCC && GCC_VERSION >= 130300.
feature CONFIG_CC_HAS_NAMED_AS_FIXED_SANITIZERS '' '#if __GNUC__ * 100 + __GNUC_MINOR__ < 1303
#error
#endif'
opt=$(sed -n 's/^CONFIG_CC_OPT_INLINE_MEMSET=//p' "$conf")
if [ -n "$opt" ] && ! probe "$opt" 'int x;'; then
	echo "$me: $cc lacks $opt: CONFIG_CC_OPT_INLINE_MEMSET emptied" >&2
	set_config CONFIG_CC_OPT_INLINE_MEMSET '' str
fi
IFS=. read -r a b c <<<"$("$cc" -dumpfullversion)"
set_config CONFIG_GCC_VERSION $((a * 10000 + b * 100 + c))
set_config CONFIG_CC_VERSION_TEXT "$("x86_64-linux-gnu-$cc" --version | awk 'NR == 1')" str
sed -i "s/^CC = \(.*\)gcc-[0-9]*\$/CC = \1$cc/" "$hn/.kernelvariables"
if grep -q '^CC = ' "$hn/.kernelvariables" && ! grep -q "^CC = .*$cc\$" "$hn/.kernelvariables"; then
	die "cannot point $hn/.kernelvariables' CC at $cc"
fi

# --- sid's programs: linux-kbuild's where the host's libc is too old, and pahole -------------
libc=$dir/sid-run/usr/lib/x86_64-linux-gnu
ldso=$libc/ld-linux-x86-64.so.2
[ -x "$new/sid-run/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2" ] || die "sid's libc6 has no ld-linux-x86-64.so.2"
# wrap PROGRAM WHY: replace PROGRAM (in $new) by a script running PROGRAM.sid through sid's ld.so.
wrap() {
	mv "$1" "$1.sid"
	printf '#!/bin/sh\n# %s\nexec %s --library-path %s %s "$@"\n' "$2" "$ldso" "$libc" \
		"$dir${1#"$new"}.sid" >"$1"
	chmod 755 "$1"
}
mkdir -p "$new/bin"
cp "$new/sid-run/usr/bin/pahole" "$new/bin/pahole"
wrap "$new/bin/pahole" "sid's pahole, for module BTF that matches the kernel's (kernel-headers.sh)"
# (the wrapper names the tree's final place: run it from here as it will run from there)
pv=$("$new${ldso#"$dir"}" --library-path "$new${libc#"$dir"}" "$new/bin/pahole.sid" --version) ||
	die "sid's pahole does not run"
pv=${pv#v}
echo "PAHOLE = $dir/bin/pahole" >>"$hn/.kernelvariables"
grep -q "^CONFIG_PAHOLE_VERSION=${pv/./}\$" "$conf" ||
	echo "$me: the kernel's BTF was made by pahole $(sed -n 's/^CONFIG_PAHOLE_VERSION=//p' "$conf"), sid's is $pv" >&2
set_config CONFIG_PAHOLE_VERSION "${pv/./}"
kb=$(cd -P "$hn/scripts/.." && pwd)
host_glibc=$(ldd --version | awk 'NR == 1 {print $NF}')
while IFS= read -r -d '' f; do
	[ "$(head -c4 "$f" | od -An -c | tr -d ' ')" = 177ELF ] || continue
	need=$(objdump -T "$f" 2>/dev/null | grep -o 'GLIBC_[0-9.]*' | sed 's/GLIBC_//' | sort -uV |
		awk '{v = $0} END {print v}')
	[ -n "$need" ] || continue
	[ "$(printf '%s\n%s\n' "$need" "$host_glibc" | sort -V | awk 'END {print}')" != "$host_glibc" ] || continue
	echo "$me: ${f#"$kb"/} needs glibc $need (the host has $host_glibc): run with sid's" >&2
	wrap "$f" "linux-kbuild's program needs glibc $need, the host has $host_glibc: sid's ld.so and libc run it"
done < <(find "$kb" -type f -perm -u+x -print0)

echo "$want" >"$new/.complete"
mv "$new" "$dir"
echo "$h"
