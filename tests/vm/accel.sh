# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# Choosing qemu's accelerator, shared by tests/vm/run and tests/system/run (sourced, not run).
#
# The caller sets, before calling choose_accel:
#   top           the checkout (for the default verdict cache, build/vm/accel)
#   qemu_bin      the qemu binary
#   probe_args    qemu arguments that boot a guest printing probe_marker on ttyS0 quickly
#                 (-kernel ... [-initrd ...] -append "console=ttyS0 ...")
#   probe_marker  the text that proves the probe guest ran
# and gets back:
#   accel_name    kvm or tcg
#   why           one line saying why
#   accel         qemu's arguments for it (-accel ..., -cpu ..., [-icount ...])
#   clock         wall, or "icount OPTIONS"
# Environment: EXECBAN_VM_ACCEL, EXECBAN_VM_ACCEL_CACHE, EXECBAN_VM_KVM_DEV, EXECBAN_VM_CPU,
# EXECBAN_VM_ICOUNT (tests/vm/run's header documents them).
#
# The caller's variables: set there (probe_*, qemu_bin, top), or used there (clock, accel).
# shellcheck disable=SC2154,SC2034
#
# KVM only where a probe boot proved it: a /dev/kvm can be present and writable and still not run
# a guest (a paravirtual KVM on a CPU without vmx/svm: qemu printed "KVM internal error.
# Suberror: 1" and sat paused, printing nothing). The probe boots the caller's probe guest
# (probe_args) under KVM; it must print probe_marker within probe_limit seconds. The verdict is
# kept per machine boot, qemu binary and /dev/kvm device (not per harness: it is about KVM), so
# a test run probes once.
probe_limit=20
kvm_dev=${EXECBAN_VM_KVM_DEV:-/dev/kvm}
probe_kvm() { # sets why; returns 0 if KVM ran the probe guest
	local d=$1 t=0
	"$qemu_bin" -accel kvm -cpu "${EXECBAN_VM_CPU:-host}" -m 256 -smp 1 -nodefaults -no-reboot -display none \
		-vga none -nic none -monitor none -serial "file:$d/console" \
		"${probe_args[@]}" </dev/null >"$d/out" 2>"$d/err" &
	local pid=$!
	while kill -0 "$pid" 2>/dev/null && [ $t -lt $((probe_limit * 5)) ]; do
		grep -qF -- "$probe_marker" "$d/console" 2>/dev/null && break
		grep -q 'internal error' "$d/err" 2>/dev/null && break
		sleep 0.2
		t=$((t + 1))
	done
	kill -KILL "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	if grep -qF -- "$probe_marker" "$d/console" 2>/dev/null; then
		why="$kvm_dev ran a probe guest ($(((t + 4) / 5)) s)"
		return 0
	fi
	local err
	# One line says it: the first that names an error, else the first.
	err=$(grep -i -m1 'error' "$d/err" 2>/dev/null || sed -n 1p "$d/err" 2>/dev/null || true)
	err=$(tr -d '\r' <<<"${err:0:160}")
	if [ -n "$err" ]; then
		why="$kvm_dev failed its probe: ${err% }"
	else
		why="$kvm_dev failed its probe: no output from a KVM guest within ${probe_limit}s"
	fi
	return 1
}
choose_accel() { # sets accel_name, why, accel and clock
	pick_accel
	accel_args
}
pick_accel() { # sets accel_name and why
	local cache key line d
	if [ "$EXECBAN_VM_ACCEL" != auto ]; then
		accel_name=$EXECBAN_VM_ACCEL
		why="EXECBAN_VM_ACCEL=$EXECBAN_VM_ACCEL"
		return
	fi
	if [ ! -e "$kvm_dev" ]; then
		accel_name=tcg why="no $kvm_dev"
		return
	fi
	if [ ! -w "$kvm_dev" ] || [ ! -r "$kvm_dev" ]; then
		accel_name=tcg why="$kvm_dev is not usable by $(id -un)"
		return
	fi
	cache=${EXECBAN_VM_ACCEL_CACHE:-$top/build/vm/accel}
	key="$(cat /proc/sys/kernel/random/boot_id) $kvm_dev $(stat -L -c '%t:%T %Y' "$kvm_dev") $(command -v "$qemu_bin") $(stat -L -c '%s %Y' "$(command -v "$qemu_bin")")"
	mkdir -p "$(dirname "$cache")"
	exec 8>"$cache.lock"
	flock 8
	if [ "$(sed -n 1p "$cache" 2>/dev/null)" = "$key" ]; then
		line=$(sed -n 2p "$cache")
		accel_name=${line%% *} why="${line#* } (verdict cached in ${cache#"$top"/})"
	else
		d=$(mktemp -d "${TMPDIR:-/tmp}/execban-probe.XXXXXX")
		# (stderr: bash's own "Aborted" line for a qemu that died of an assertion)
		if probe_kvm "$d" 2>/dev/null; then accel_name=kvm; else accel_name=tcg; fi
		rm -rf "$d"
		printf '%s\n%s %s\n' "$key" "$accel_name" "$why" >"$cache.tmp" && mv -f "$cache.tmp" "$cache"
		why="$why (probed now)"
	fi
	exec 8>&-
}
# accel_args: sets accel and clock for accel_name (choose_accel calls it).
accel_args() {
	if [ "$accel_name" = kvm ]; then
		accel=(-accel kvm -cpu "${EXECBAN_VM_CPU:-host}")
		clock=wall
		[ -z "${EXECBAN_VM_ICOUNT:-}" ] || why+="; EXECBAN_VM_ICOUNT ignored (TCG only): wall clock"
	else
		# TCG with its default CPU model: "-cpu max" adds SSE4/AVX2, which TCG emulates slowly
		# (sha256-avx2 hashed 32 MB/s there, sha256-generic 74). RDRAND (trusted:
		# random.trust_cpu=on) makes the kernel's CRNG ready before the first user process.
		# Without it the CRNG became ready 5-7 s into the boot, while tests ran, and the static key
		# it flips is patched through int3: on 6.12 under TCG a vCPU once executed that int3 after
		# the patch had finished ("Oops: int3" in urandom_read_iter, PID 207 reading /dev/urandom;
		# no execban code loaded yet).
		accel=(-accel tcg -cpu "${EXECBAN_VM_CPU:-qemu64,+rdrand}")
		clock=wall
		if [ -n "${EXECBAN_VM_ICOUNT:-}" ]; then
			accel+=(-icount "$EXECBAN_VM_ICOUNT")
			clock="icount $EXECBAN_VM_ICOUNT"
		fi
	fi
}
