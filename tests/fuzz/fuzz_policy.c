// SPDX-License-Identifier: GPL-2.0
/*
 * fuzz_policy.c - libFuzzer harness for the policy parser (userspace/policy.c), the same file
 * the CLI compiles. Includes are refused (no filesystem access); every input must either
 * parse or be refused with diagnostics, never crash, leak or trip a sanitizer.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "policy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static FILE *sink;
	struct policy p;

	if (!sink)
		sink = fopen("/dev/null", "w");
	policy_init(&p);
	p.diag = sink;
	p.no_include = true;
	p.max_rules = 1000;
	if (!policy_parse_buffer(&p, "fuzz.policy", (const char *)data, size))
		policy_finish(&p);
	policy_free(&p);
	return 0;
}
