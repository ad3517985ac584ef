// SPDX-License-Identifier: GPL-2.0
/*
 * status.c - execban status: is the ban enforced, and by which policy.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "cli.h"

static const char *const stat_names[EXECBAN_STAT_MAX] = {
	[EXECBAN_STAT_CHECKS] = "checks", [EXECBAN_STAT_SIZE_SKIPS] = "size_skips",
	[EXECBAN_STAT_CACHE_HITS] = "cache_hits", [EXECBAN_STAT_HASHES] = "hashes",
	[EXECBAN_STAT_DENIED] = "denied", [EXECBAN_STAT_AUDITED] = "audited",
	[EXECBAN_STAT_HASH_ERRORS] = "hash_errors", [EXECBAN_STAT_EVENTS_LOST] = "events_lost",
	[EXECBAN_STAT_GEN_RETRIES] = "policy_switch_retries",
};

static void read_lsms(char *buf, size_t len)
{
	FILE *f = fopen("/sys/kernel/security/lsm", "re");
	size_t n = 0;

	if (f) {
		n = fread(buf, 1, len - 1, f);
		fclose(f);
	}
	buf[n] = 0;
	buf[strcspn(buf, "\n")] = 0;
}

int cmd_status(int argc, char **argv)
{
	char lsms[512], hex[65];
	struct execban_policy_info info;
	struct execban_state st;
	uint64_t counters[EXECBAN_STAT_MAX] = { 0 };
	int fd_state, fd_info, fd_stats, ncpu, i, c, attached = 0;
	bool json = argc > 1 && !strcmp(argv[1], "--json");
	uint32_t zero = 0, slot;
	struct utsname u;
	struct stat sb;

	if (want_help(argc, argv) || argc > 2 || (argc == 2 && !json)) {
		puts("usage: execban status [--json]\n\nShow whether the ban is enforced: attached "
		     "hooks, kernel and LSMs, the loaded policy, counters.\n\n"
		     "exit: 0 enforcing, 1 not loaded or not fully attached, 2 usage");
		return want_help(argc, argv) ? EXIT_OK : EXIT_USAGE;
	}
	uname(&u);
	read_lsms(lsms, sizeof(lsms));
	attached = count_attached();
	fd_state = open_pinned_map(PM_STATE);
	fd_info = open_pinned_map(PM_POLICY_INFO);
	fd_stats = open_pinned_map(PM_STATS);
	if (fd_state < 0 || fd_info < 0 || bpf_map_lookup_elem(fd_state, &zero, &st)) {
		if (json)
			printf("{\"loaded\":false,\"kernel\":\"%s\",\"lsm\":\"%s\"}\n", u.release, lsms);
		else
			printf("execban: not loaded (kernel %s, LSMs %s)\n", u.release, lsms);
		return EXIT_FAIL;
	}
	slot = st.gen & 1;
	memset(&info, 0, sizeof(info));
	bpf_map_lookup_elem(fd_info, &slot, &info);
	ncpu = libbpf_num_possible_cpus();
	if (fd_stats >= 0 && ncpu > 0) {
		uint64_t vals[ncpu];

		for (i = 0; i < EXECBAN_STAT_MAX; i++) {
			uint32_t k = (uint32_t)i;

			if (bpf_map_lookup_elem(fd_stats, &k, vals))
				continue;
			for (c = 0; c < ncpu; c++)
				counters[i] += vals[c];
		}
	}
	hex_encode(info.digest, EXECBAN_SHA256_LEN, hex);
	if (json) {
		printf("{\"loaded\":true,\"enforcing\":%s,\"kernel\":\"%s\",\"lsm\":\"%s\","
		       "\"hooks_attached\":%d,\"hooks_expected\":%d,\"generation\":%llu,"
		       "\"policy\":{\"name\":",
		       attached == n_programs && info.mode == EXECBAN_MODE_ENFORCE ? "true" : "false",
		       u.release, lsms, attached, n_programs, (unsigned long long)st.gen);
		json_str(info.name);
		printf(",\"version\":%llu,\"digest\":\"%s\",\"mode\":\"%s\",\"rules\":%u,"
		       "\"sizes\":%u,\"size_filter\":%s},\"counters\":{",
		       (unsigned long long)info.version, hex,
		       info.mode == EXECBAN_MODE_AUDIT ? "audit" : "enforce", info.n_rules,
		       info.n_sizes, info.flags & EXECBAN_POLICY_SIZE_FILTER ? "true" : "false");
		for (i = 0, c = 0; i < EXECBAN_STAT_MAX; i++)
			if (stat_names[i])
				printf("%s\"%s\":%llu", c++ ? "," : "", stat_names[i],
				       (unsigned long long)counters[i]);
		printf("},\"kmod\":%s}\n", stat("/sys/module/execban", &sb) ? "false" : "true");
	} else {
		printf("execban: %s\n", attached == n_programs ? (info.mode == EXECBAN_MODE_AUDIT ?
		       "AUDIT MODE: recording, not denying" : "enforcing") :
		       "NOT ENFORCING: hooks missing, run 'execban load' again");
		printf("  kernel       %s, LSMs %s\n", u.release, lsms);
		printf("  hooks        %d of %d attached\n", attached, n_programs);
		printf("  policy       %s%s%s version %llu, generation %llu\n",
		       info.name[0] ? "\"" : "", info.name[0] ? info.name : "(unnamed)",
		       info.name[0] ? "\"" : "", (unsigned long long)info.version,
		       (unsigned long long)st.gen);
		printf("  digest       %s\n", hex);
		printf("  rules        %u (%u distinct sizes, size filter %s)\n", info.n_rules,
		       info.n_sizes, info.flags & EXECBAN_POLICY_SIZE_FILTER ? "on" : "off");
		printf("  kmod         %s\n", stat("/sys/module/execban", &sb) ? "not loaded" :
		       "loaded");
		for (i = 0; i < EXECBAN_STAT_MAX; i++)
			if (stat_names[i])
				printf("  %-12.12s %llu\n", stat_names[i],
				       (unsigned long long)counters[i]);
	}
	return attached == n_programs ? EXIT_OK : EXIT_FAIL;
}
