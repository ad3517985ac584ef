// SPDX-License-Identifier: GPL-2.0
/*
 * keys.c - what execban.ko needs from the loader for signer rules (kmod/signer.c):
 *
 *   - the banned certificates (signer= rules) in execban's keyring, so the kernel can say
 *     whether a signature naming a banned signer really was made by that certificate;
 *   - the system keyrings (.builtin_trusted_keys, .secondary_trusted_keys, .platform,
 *     .machine), in which a signer named by issuer and serial is resolved to its subject key
 *     identifier. Written to a module parameter, which looks them up with our credentials.
 *
 * Neither changes a verdict by itself being stale: the keyring only annotates events, and
 * the system keyrings are set before the policy switch.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/keyctl.h>

#include "cli.h"
#include "compile.h"

#define KMOD_PARAMS		"/sys/module/execban/parameters/"
#define KEYRING_PARAM		KMOD_PARAMS "keyring"
#define SYSTEM_KEYRINGS_PARAM	KMOD_PARAMS "system_keyrings"

static const char *const system_keyrings[] = {
	".builtin_trusted_keys", ".secondary_trusted_keys", ".platform", ".machine",
};

/* The serial of execban's keyring, or -1 (module not loaded, or an older one). */
static long kmod_keyring(void)
{
	FILE *f = fopen(KEYRING_PARAM, "r");
	long serial = -1;

	if (!f)
		return -1;
	if (fscanf(f, "%ld", &serial) != 1 || serial <= 0)
		serial = -1;
	fclose(f);
	return serial;
}

/* "serial,serial,..." of the system keyrings /proc/keys shows us (hex there). */
static int find_system_keyrings(char *buf, size_t size)
{
	char line[512], type[64], desc[256];
	unsigned long serial;
	size_t len = 0;
	FILE *f;
	size_t i;

	buf[0] = 0;
	f = fopen("/proc/keys", "r");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		/* serial flags usage timeout perm uid gid type description: ... */
		if (sscanf(line, "%lx %*s %*s %*s %*s %*s %*s %63s %255[^:]", &serial, type,
			   desc) != 3 || strcmp(type, "keyring"))
			continue;
		for (i = 0; i < sizeof(system_keyrings) / sizeof(system_keyrings[0]); i++) {
			if (strcmp(desc, system_keyrings[i]))
				continue;
			len += snprintf(buf + len, size - len, "%s%lu", len ? "," : "", serial);
			if (len >= size)
				return -E2BIG;
		}
	}
	fclose(f);
	return 0;
}

static int write_param(const char *path, const char *val)
{
	FILE *f = fopen(path, "w");
	int ret = 0;

	if (!f)
		return -errno;
	if (fputs(val, f) == EOF)
		ret = -errno;
	if (fclose(f) && !ret)
		ret = -errno;
	return ret;
}

/*
 * Give execban.ko the certificates of c and the system keyrings. Returns 0, or -ENOENT when
 * the module (or a version with keyrings) is not loaded; other failures are warnings.
 */
int kmod_keys_setup(const struct compiled *c)
{
	char serials[256];
	long ring = kmod_keyring();
	size_t i;
	int ret;

	if (ring < 0)
		return -ENOENT;

	ret = find_system_keyrings(serials, sizeof(serials));
	if (!ret && serials[0])
		ret = write_param(SYSTEM_KEYRINGS_PARAM, serials);
	if (ret)
		warn("cannot give execban.ko the system keyrings (%s): signers named by issuer "
		     "and serial are not resolved to their key id", strerror(-ret));

	if (syscall(SYS_keyctl, KEYCTL_CLEAR, ring) < 0) {
		warn("cannot clear execban's keyring %ld: %s", ring, strerror(errno));
		return 0;
	}
	for (i = 0; i < c->n_certs; i++) {
		if (syscall(SYS_add_key, "asymmetric", NULL, c->certs[i], c->cert_lens[i],
			    ring) < 0)
			warn("the kernel refused banned certificate %zu of %zu for its keyring "
			     "(%s): signatures it made are reported unverified", i + 1, c->n_certs,
			     strerror(errno));
	}
	return 0;
}
