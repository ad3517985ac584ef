// SPDX-License-Identifier: GPL-2.0
/*
 * lsm.c - refuse to load where the bpf LSM is not active.
 *
 * A BPF LSM program attaches fine on a kernel booted without "bpf" in its LSM list, and then
 * enforces nothing. That silent no-op must never look like a working ban.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"

#define LSM_FILE "/sys/kernel/security/lsm"

int require_bpf_lsm(void)
{
	char buf[512], orig[512], *tok, *save;
	FILE *f = fopen(LSM_FILE, "re");
	size_t n;

	if (!f) {
		err("cannot read %s: %s", LSM_FILE, strerror(errno));
		fprintf(stderr, "hint: mount securityfs (mount -t securityfs securityfs /sys/kernel/security)\n");
		return -errno;
	}
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = 0;
	if (n && buf[n - 1] == '\n')
		buf[--n] = 0;
	memcpy(orig, buf, n + 1);
	for (tok = strtok_r(buf, ",\n", &save); tok; tok = strtok_r(NULL, ",\n", &save))
		if (!strcmp(tok, "bpf"))
			return 0;
	err("the bpf LSM is not active on this kernel (active: %s)", n ? orig : "none");
	fprintf(stderr,
		"hint: add \"bpf\" to the kernel's lsm= boot parameter, keeping the others, e.g.\n"
		"      lsm=lockdown,capability,landlock,yama,apparmor,bpf (then update-grub and reboot);\n"
		"      execban refuses to load because its program would attach and enforce nothing.\n");
	return -EOPNOTSUPP;
}
