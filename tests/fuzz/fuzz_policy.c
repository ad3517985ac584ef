// SPDX-License-Identifier: GPL-2.0
/*
 * fuzz_policy.c - libFuzzer harness for the policy parser (userspace/policy.c), the same file
 * the CLI compiles. Includes are refused (no filesystem access); every input must either
 * parse or be refused with diagnostics, never crash, leak or trip a sanitizer.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy.h"

/*
 * signer=<path> without files or OpenSSL: identities made from the path's bytes, so that the
 * expansion, its warnings (no SKID, a SKID or serial too long) and the duplicate handling of
 * derived rules are fuzzed too. A path ending in 'x' is "not a certificate".
 */
static int fake_cert(void *arg, const char *path, struct policy_cert_ids *ids, char *why,
		     size_t why_len)
{
	uint32_t h = 2166136261u;
	size_t i, n = strlen(path);

	(void)arg;
	if (n && path[n - 1] == 'x') {
		snprintf(why, why_len, "not an X.509 certificate (PEM or DER)");
		return -EINVAL;
	}
	for (i = 0; i < n; i++)
		h = (h ^ (unsigned char)path[i]) * 16777619u;
	ids->skid_len = h % 70;			/* 0 (none) to 69: over 64 is refused */
	ids->serial_len = 1 + (h >> 8) % 34;	/* over 32 is refused */
	if (ids->skid_len <= sizeof(ids->skid))
		memset(ids->skid, (int)(h >> 16) & 0xff, ids->skid_len);
	if (ids->serial_len <= sizeof(ids->serial))
		memset(ids->serial, (int)(h >> 24), ids->serial_len);
	memset(ids->issuer_sha256, (int)(h & 3), sizeof(ids->issuer_sha256));
	memset(ids->cert_sha256, (int)(h & 7), sizeof(ids->cert_sha256));
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static FILE *sink;
	struct policy p;

	if (!sink)
		sink = fopen("/dev/null", "w");
	policy_init(&p);
	p.diag = sink;
	p.no_include = true;
	p.load_cert = fake_cert;
	p.max_rules = 1000;
	if (!policy_parse_buffer(&p, "fuzz.policy", (const char *)data, size))
		policy_finish(&p);
	policy_free(&p);
	return 0;
}
