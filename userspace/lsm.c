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

/* The active LSMs, comma-separated, into buf ("" if unreadable). 0 or -errno. */
int read_lsms(char *buf, size_t len)
{
	FILE *f = fopen(LSM_FILE, "re");
	size_t n;

	buf[0] = 0;
	if (!f)
		return -errno;
	n = fread(buf, 1, len - 1, f);
	fclose(f);
	buf[n] = 0;
	buf[strcspn(buf, "\n")] = 0;
	return 0;
}

/* Is name one of the comma-separated LSMs? */
bool lsm_active(const char *lsms, const char *name)
{
	size_t n = strlen(name);
	const char *p;

	for (p = lsms; (p = strstr(p, name)); p += n)
		if ((p == lsms || p[-1] == ',') && (p[n] == ',' || !p[n]))
			return true;
	return false;
}

int require_bpf_lsm(void)
{
	char lsms[512];
	int ret = read_lsms(lsms, sizeof(lsms));

	if (ret) {
		err("cannot read %s: %s", LSM_FILE, strerror(-ret));
		fprintf(stderr, "hint: mount securityfs (mount -t securityfs securityfs /sys/kernel/security)\n");
		return ret;
	}
	if (lsm_active(lsms, "bpf"))
		return 0;
	err("the bpf LSM is not active on this kernel (active: %s)", lsms[0] ? lsms : "none");
	fprintf(stderr,
		"hint: add \"bpf\" to the kernel's lsm= boot parameter, keeping the others, e.g.\n"
		"      lsm=lockdown,capability,landlock,yama,apparmor,bpf (then update-grub and reboot);\n"
		"      execban refuses to load because its program would attach and enforce nothing.\n");
	return -EOPNOTSUPP;
}
