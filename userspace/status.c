// SPDX-License-Identifier: GPL-2.0
/*
 * status.c - execban status: is the ban enforced, by which policy, and what has it done.
 *
 * --check turns the answer into an exit code for monitoring: 0 only when every hook is
 * attached, the bpf LSM is active, the policy enforces (not audit mode) and no event was lost.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "cli.h"
#include "compile.h"
#include "events.h"
#include "syncq.h"
#include "jsonout.h"
#include "rulemap.h"

static const char *const stat_names[EXECBAN_STAT_MAX] = {
	[EXECBAN_STAT_CHECKS] = "checks", [EXECBAN_STAT_SIZE_SKIPS] = "size_skips",
	[EXECBAN_STAT_CACHE_HITS] = "cache_hits", [EXECBAN_STAT_HASHES] = "hashes",
	[EXECBAN_STAT_DENIED] = "denied", [EXECBAN_STAT_AUDITED] = "audited",
	[EXECBAN_STAT_HASH_ERRORS] = "hash_errors", [EXECBAN_STAT_EVENTS_LOST] = "events_lost",
	[EXECBAN_STAT_GEN_RETRIES] = "policy_switch_retries",
	[EXECBAN_STAT_SIGNER_READS] = "signer_reads",
	[EXECBAN_STAT_SIGNER_CACHE_HITS] = "signer_cache_hits",
	[EXECBAN_STAT_SIG_ERRORS] = "signature_errors",
	[EXECBAN_STAT_TAMPER] = "tamper_refused", [EXECBAN_STAT_SIGNED_LOADS] = "signed_loads",
	[EXECBAN_STAT_INSTALL_CHECKS] = "install_checks",
	[EXECBAN_STAT_UNVERIFIABLE] = "unverifiable",
};

struct hit {
	struct sha256_key key;
	struct execban_rule_hits h;
	char label[EXECBAN_LABEL_LEN + 1];
};

static int cmp_hits(const void *a, const void *b)
{
	const struct hit *x = a, *y = b;

	return x->h.hits < y->h.hits ? 1 : x->h.hits > y->h.hits ? -1 : 0;
}

/* Every digest that matched, with its label in the active policy (if still there). */
static struct hit *read_hits(int fd_hits, const int *fd, uint32_t slot, int fd_texts,
			     size_t *n_out)
{
	const struct execban_rule_record *rec;
	struct execban_rule_record *recs = NULL;
	size_t n_recs = 0;
	struct sha256_key key, next;
	struct execban_text text;
	struct hit *hits = NULL, *tmp;
	size_t n = 0, cap = 0;
	bool first = true, first_rec = true;

	while (!bpf_map_get_next_key(fd_hits, first ? NULL : &key, &next)) {
		first = false;
		key = next;
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			tmp = realloc(hits, cap * sizeof(*hits));
			if (!tmp)
				break;
			hits = tmp;
		}
		if (bpf_map_lookup_elem(fd_hits, &key, &hits[n].h))
			continue;
		hits[n].key = key;
		hits[n].label[0] = 0;
		if (first_rec) {
			first_rec = false;
			if (rule_slot_read(fd, slot, &recs, &n_recs))
				n_recs = 0;
		}
		rec = rule_find_in(recs, n_recs, key.b);
		if (rec && rec->rule.text_id != EXECBAN_NO_TEXT && fd_texts >= 0 &&
		    !bpf_map_lookup_elem(fd_texts, &rec->rule.text_id, &text)) {
			memcpy(hits[n].label, text.label, EXECBAN_LABEL_LEN);
			hits[n].label[EXECBAN_LABEL_LEN] = 0;
		}
		n++;
	}
	free(recs);
	if (n)
		qsort(hits, n, sizeof(*hits), cmp_hits);
	*n_out = n;
	return hits;
}

static uint64_t boot_to_wall(uint64_t boot_ns)
{
	struct timespec r, b;

	clock_gettime(CLOCK_REALTIME, &r);
	clock_gettime(CLOCK_BOOTTIME, &b);
	return boot_ns + (uint64_t)(((int64_t)r.tv_sec - b.tv_sec) * 1000000000LL +
				    (r.tv_nsec - b.tv_nsec));
}

/*
 * Nothing is loaded: is it because no ban list is installed yet (a fresh install, where
 * execban.service loaded nothing and said so)? The policy execban.service loads, compiled
 * quietly; $EXECBAN_POLICY names another (tests).
 */
static const char *no_ban_list(void)
{
	static char why[PATH_MAX + 160];
	const char *path = getenv("EXECBAN_POLICY");
	struct compiled c;
	char *files[1];
	FILE *null;
	int ret;

	if (!path || !*path)
		path = "/etc/execban/execban.policy";
	files[0] = (char *)path;
	null = fopen("/dev/null", "w");
	if (!null)
		return NULL;
	ret = compile_empty_ok(&c, files, 1, (size_t)1 << 26, null);
	fclose(null);
	compiled_free(&c);
	if (ret != -ENODATA)
		return NULL;
	snprintf(why, sizeof(why), "no ban list installed: %s and what it includes hold no "
		 "rules (put a ban list in /etc/execban/policy.d/, then 'systemctl reload "
		 "execban')", path);
	return why;
}

/* The sync, when sync.conf names a server (docs/sync.md). */
struct sync_view {
	bool on;
	struct sync_conf c;
	struct sync_state st;
	uint64_t queued, dropped;
	long long age;		/* s since the last success, -1: never */
	char problem[160];
};

static void sync_view(struct sync_view *v, const char *conf_path, bool must)
{
	memset(v, 0, sizeof(*v));
	sync_conf_init(&v->c);
	if (sync_conf_read(&v->c, conf_path, must)) {
		snprintf(v->problem, sizeof(v->problem), "%s cannot be read", conf_path);
		v->on = true;
		return;
	}
	if (!v->c.server || !*v->c.server)
		return;
	v->on = true;
	sync_state_read(SYNC_STATE, &v->st);
	syncq_count(SYNCQ_DIR, &v->queued, &v->dropped);
	v->age = v->st.last_success ? (long long)time(NULL) - v->st.last_success : -1;
	if (v->c.max_sync_age && v->age < 0)
		snprintf(v->problem, sizeof(v->problem), "no sync with %s has succeeded yet "
			 "(max_sync_age=%lds)", v->c.server, v->c.max_sync_age);
	else if (v->c.max_sync_age && v->age > v->c.max_sync_age)
		snprintf(v->problem, sizeof(v->problem), "the last successful sync was %llds ago, "
			 "more than max_sync_age=%lds", v->age, v->c.max_sync_age);
}

static void when_text(long long t, char *buf, size_t len)
{
	if (!t)
		snprintf(buf, len, "never");
	else
		event_format_time((uint64_t)t * 1000000000ULL, buf, len);
	/* seconds are enough here */
	if (t && strlen(buf) > 20)
		strcpy(buf + 19, "Z");
}

static void usage_status(void)
{
	puts("usage: execban status [--json] [--check] [--sync-config FILE]\n"
	     "\n"
	     "Show whether the ban is enforced: attached hooks, kernel and LSMs, the loaded\n"
	     "policy (name, version, digest, rule counts), counters, and hits per rule; and,\n"
	     "when sync.conf names a sync server, the last sync and the event queue.\n"
	     "\n"
	     "  -j, --json   one JSON object\n"
	     "      --check  print every reason enforcement is not complete; exit 1 if any\n"
	     "               (a sync older than max_sync_age= in sync.conf is one)\n"
	     "      --sync-config FILE  the sync configuration (default " SYNC_CONF ")\n"
	     "\n"
	     "exit: 0 enforcing (with --check: and nothing wrong), 1 not enforcing or a problem,\n"
	     "      2 usage, 3 permission denied (the state is root's to read)");
}

/*
 * What the kernel charges for a map, in bytes: fdinfo's memlock (the memory it accounts to
 * the map: from 6.6 the map's own count of what it uses, before that its size at creation).
 * 0 when it cannot be read.
 */
int cmd_status(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "check", no_argument, NULL, 'c' },
		{ "sync-config", required_argument, NULL, 'S' },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	const char *sync_conf = SYNC_CONF;
	bool sync_conf_given = false;
	struct sync_view sv;
	char when2[48];
	char lsms[512], hex[65], keyhex[65], when[48], ename[ESC_LEN(EXECBAN_NAME_LEN)];
	char elabel[ESC_LEN(EXECBAN_LABEL_LEN)];
	struct execban_policy_info info;
	struct execban_lock lk = {};
	struct execban_state st;
	uint64_t counters[EXECBAN_STAT_MAX] = { 0 };
	int fd[PM_COUNT], ncpu, i, c, attached, problems = 0;
	bool json = false, check = false, loaded, kmod, bpf_lsm;
	const char *problem[10], *signers_why = NULL, *no_list = NULL;
	uint32_t n_hash_rules;
	struct hit *hits = NULL;
	uint32_t zero = 0, slot;
	size_t n_hits = 0, h;
	uint64_t mem_active = 0, mem_other = 0;
	uint32_t task_entries = 0;
	unsigned long threads = threads_max();
	char task_problem[256];
	struct utsname u;
	struct stat sb;

	while ((c = getopt_long(argc, argv, "jh", opts, NULL)) != -1) {
		switch (c) {
		case 'j':
			json = true;
			break;
		case 'c':
			check = true;
			break;
		case 'S':
			sync_conf = optarg;
			sync_conf_given = true;
			break;
		case 'h':
			usage_status();
			return EXIT_OK;
		default:
			return usage_hint("status");
		}
	}
	if (optind < argc)
		return usage_error("status", "unexpected argument '%s'", argv[optind]);
	uname(&u);
	read_lsms(lsms, sizeof(lsms));
	bpf_lsm = lsm_active(lsms, "bpf");
	kmod = stat("/sys/module/execban", &sb) == 0;
	attached = count_attached();
	for (i = 0; i < PM_COUNT; i++)
		fd[i] = open_pinned_map_ro(i);
	/*
	 * Not root: bpffs (mode 0700 as systemd mounts it, and execban's folder in it, 0700)
	 * refuses the lookup with EACCES, or the bpf syscall itself refuses with EPERM. That is
	 * not "not loaded": say what it is.
	 */
	if (fd[PM_STATE] == -EACCES || fd[PM_STATE] == -EPERM) {
		err("cannot read the enforcement state in %s: permission denied: run "
		    "'execban status' as root", EXECBAN_PIN_DIR);
		for (i = 0; i < PM_COUNT; i++)
			if (fd[i] >= 0)
				close(fd[i]);
		return EXIT_SYSTEM;
	}
	memset(&info, 0, sizeof(info));
	memset(&st, 0, sizeof(st));
	loaded = fd[PM_STATE] >= 0 && fd[PM_POLICY_INFO] >= 0 &&
		 !bpf_map_lookup_elem(fd[PM_STATE], &zero, &st);
	if (loaded) {
		slot = st.gen & 1;
		bpf_map_lookup_elem(fd[PM_POLICY_INFO], &slot, &info);
		info.name[EXECBAN_NAME_LEN - 1] = 0;
		ncpu = libbpf_num_possible_cpus();
		if (fd[PM_STATS] >= 0 && ncpu > 0) {
			uint64_t *vals = calloc((size_t)ncpu, sizeof(*vals));

			for (i = 0; vals && i < EXECBAN_STAT_MAX; i++) {
				uint32_t k = (uint32_t)i;

				if (bpf_map_lookup_elem(fd[PM_STATS], &k, vals))
					continue;
				for (c = 0; c < ncpu; c++)
					counters[i] += vals[c];
			}
			free(vals);
		}
		if (fd[PM_LOCK] >= 0)
			bpf_map_lookup_elem(fd[PM_LOCK], &zero, &lk);
		if (fd[PM_RULE_HITS] >= 0)
			hits = read_hits(fd[PM_RULE_HITS], fd, slot, fd[PM_TEXTS_0 + slot],
					 &n_hits);
		/* the policy's maps: the copy in force, and the other one (the next load's) */
		mem_active = rule_slot_memlock(fd, slot) +
			     map_memlock(fd[PM_SIZES_0 + slot]) +
			     map_memlock(fd[PM_TEXTS_0 + slot]);
		if (fd[PM_TASK_INTERP] >= 0) {
			struct bpf_map_info mi = {};
			__u32 mi_len = sizeof(mi);

			if (!bpf_obj_get_info_by_fd(fd[PM_TASK_INTERP], &mi, &mi_len))
				task_entries = mi.max_entries;
		}
		mem_other = rule_slot_memlock(fd, !slot) +
			    map_memlock(fd[PM_SIZES_0 + !slot]) +
			    map_memlock(fd[PM_TEXTS_0 + !slot]);
	}
	for (i = 0; i < PM_COUNT; i++)
		if (fd[i] >= 0)
			close(fd[i]);

	if (!bpf_lsm)
		problem[problems++] = "the bpf LSM is not active: nothing can be enforced";
	if (!loaded)
		no_list = no_ban_list();
	if (!loaded)
		problem[problems++] = no_list ? no_list : "not loaded: no policy in the kernel";
	else if (attached != n_programs)
		problem[problems++] = "not every hook is attached: run 'execban load' again";
	if (loaded && info.n_signer_rules)
		signers_why = signers_inactive_why(st.features);
	if (signers_why)
		problem[problems++] = "signer rules are loaded but not enforced";
	n_hash_rules = info.n_rules - info.n_signer_rules;
	if (loaded && info.mode == EXECBAN_MODE_AUDIT)
		problem[problems++] = "audit mode: banned files are recorded, not denied";
	if (counters[EXECBAN_STAT_EVENTS_LOST])
		problem[problems++] = "events were lost (ring buffer full): is an event consumer running?";
	/*
	 * The per-task maps were sized for kernel.threads-max as it was at the first load
	 * (task_map_entries()): raised since, more tasks than they hold can exist, and a marked
	 * interpreter's fork or exec past that is refused (ENOMEM).
	 */
	if (task_entries && task_map_entries(threads) > task_entries) {
		snprintf(task_problem, sizeof(task_problem),
			 "kernel.threads-max is %lu, more than half the %u tasks the per-task maps "
			 "hold (sized at the first load): run 'execban unload' and load again, or "
			 "reboot", threads, task_entries);
		problem[problems++] = task_problem;
	}
	sync_view(&sv, sync_conf, sync_conf_given);
	if (sv.problem[0])
		problem[problems++] = sv.problem;

	hex_encode(info.digest, EXECBAN_SHA256_LEN, hex);
	hex_encode(lk.key_sha256, EXECBAN_SHA256_LEN, keyhex);
	if (json) {
		struct json_object *o = json_doc(JSON_SCHEMA_STATUS), *x, *a;

		json_add_bool(o, "loaded", loaded);
		json_add_bool(o, "enforcing", loaded && attached == n_programs && bpf_lsm &&
			      info.mode == EXECBAN_MODE_ENFORCE);
		json_add_str(o, "kernel", u.release);
		json_add_str(o, "lsm", lsms);
		json_add_bool(o, "bpf_lsm", bpf_lsm);
		json_add_i64(o, "hooks_attached", attached);
		json_add_i64(o, "hooks_expected", n_programs);
		json_add_bool(o, "kmod", kmod);
		json_add_bool(o, "kmod_hashing", st.features & EXECBAN_FEAT_KMOD_HASH);
		json_add_bool(o, "signers_enforced", st.features & EXECBAN_FEAT_SIGNERS);
		json_add_bool(o, "install_reports", st.features & EXECBAN_FEAT_INSTALL);
		json_add_str(o, "signers_inactive_why", signers_why ? signers_why : "");
		json_add_bool(o, "locked", lk.locked);
		x = json_object_new_object();
		json_add_str(x, "key_sha256", lk.locked ? keyhex : "");
		json_add_u64(x, "min_version", lk.min_version);
		json_add_i64(x, "keyring", lk.keyring);
		json_add(o, "lock", x);
		json_add_u64(o, "generation", st.gen);
		x = json_object_new_object();
		json_add_str(x, "name", info.name);
		json_add_u64(x, "version", info.version);
		json_add_str(x, "digest", loaded ? hex : "");
		json_add_str(x, "mode", info.mode == EXECBAN_MODE_AUDIT ? "audit" : "enforce");
		json_add_u64(x, "rules", info.n_rules);
		a = json_object_new_object();
		json_add_u64(a, "sha256", n_hash_rules);
		json_add_u64(a, "signer", info.n_signer_rules);
		json_add(x, "rules_by_kind", a);
		json_add_u64(x, "sizes", info.n_sizes);
		json_add_bool(x, "size_filter", info.flags & EXECBAN_POLICY_SIZE_FILTER);
		json_add_u64(x, "kernel_memory", mem_active);
		json_add_u64(x, "kernel_memory_other_copy", mem_other);
		json_add(o, "policy", x);
		x = json_object_new_object();
		for (i = 0; i < EXECBAN_STAT_MAX; i++)
			if (stat_names[i])
				json_add_u64(x, stat_names[i], counters[i]);
		json_add(o, "counters", x);
		a = json_object_new_array();
		for (h = 0; h < n_hits; h++) {
			hex_encode(hits[h].key.b, EXECBAN_SHA256_LEN, hex);
			event_format_time(boot_to_wall(hits[h].h.last_boot_ns), when, sizeof(when));
			x = json_object_new_object();
			json_add_str(x, "sha256", hex);
			json_add_str(x, "rule", hits[h].label);
			json_add_u64(x, "hits", hits[h].h.hits);
			json_add_str(x, "last_hit", when);
			json_object_array_add(a, x);
		}
		json_add(o, "rule_hits", a);
		if (!sv.on) {
			json_add(o, "sync", NULL);
		} else {
			struct json_object *so = json_object_new_object();

			json_add_str(so, "server", sv.c.server ? sv.c.server : "");
			json_add_i64(so, "last_attempt", sv.st.last_attempt);
			json_add_i64(so, "last_success", sv.st.last_success);
			json_add_str(so, "last_error_stage", sv.st.stage);
			json_add_str(so, "last_error", sv.st.error);
			json_add_u64(so, "queued", sv.queued);
			json_add_u64(so, "dropped", sv.dropped);
			json_add_i64(so, "max_sync_age", sv.c.max_sync_age);
			json_add(o, "sync", so);
		}
		a = json_object_new_array();
		for (i = 0; i < problems; i++)
			json_object_array_add(a, json_text(problem[i]));
		json_add(o, "problems", a);
		json_emit(stdout, o);
	} else {
		printf("execban: %s\n", !loaded ? no_list ? "NOT LOADED: no ban list installed" :
		       "NOT LOADED" : attached != n_programs ?
		       "NOT ENFORCING: hooks missing, run 'execban load' again" :
		       info.mode == EXECBAN_MODE_AUDIT ? "AUDIT MODE: recording, not denying" :
		       !bpf_lsm ? "NOT ENFORCING: the bpf LSM is not active" : "enforcing");
		printf("  kernel       %s, LSMs %s\n", u.release, lsms);
		printf("  hooks        %d of %d attached\n", attached, n_programs);
		printf("  kmod         %s%s\n", kmod ? "execban.ko loaded" : "not loaded",
		       !loaded ? "" : st.features & EXECBAN_FEAT_INSTALL ?
		       ", hashing, signers and install reports through it" :
		       st.features & EXECBAN_FEAT_SIGNERS ?
		       ", hashing and signers through it" : st.features & EXECBAN_FEAT_KMOD_HASH ?
		       ", hashing through it" : ", not used by the programs");
		if (lk.locked)
			printf("  lock         LOCKED until reboot: only policies signed by the key "
			       "with certificate sha256 %.16s… load (keyring %d)\n", keyhex, lk.keyring);
		else if (loaded)
			printf("  lock         not locked\n");
		if (loaded) {
			printf("  policy       %s%s%s version %llu, generation %llu\n",
			       info.name[0] ? "\"" : "",
			       info.name[0] ? esc(ename, sizeof(ename), info.name) : "(unnamed)",
			       info.name[0] ? "\"" : "", (unsigned long long)info.version,
			       (unsigned long long)st.gen);
			printf("  digest       %s\n", hex);
			printf("  rules        %u sha256 (%u distinct sizes, size filter %s)\n",
			       n_hash_rules, info.n_sizes,
			       info.flags & EXECBAN_POLICY_SIZE_FILTER ? "on" : "off");
			printf("  memory       %.1f MiB for the policy in force, %.1f MiB for the "
			       "other copy (kernel's accounting)\n", mem_active / 1048576.0,
			       mem_other / 1048576.0);
			if (info.n_signer_rules)
				printf("  signers      %u signer rule%s, %s%s\n", info.n_signer_rules,
				       info.n_signer_rules == 1 ? "" : "s",
				       signers_why ? "NOT ENFORCED: " : "enforced",
				       signers_why ? signers_why : "");
			for (i = 0; i < EXECBAN_STAT_MAX; i++)
				if (stat_names[i])
					printf("  %-22s %llu\n", stat_names[i],
					       (unsigned long long)counters[i]);
			if (n_hits)
				printf("  rule hits (most first):\n");
			for (h = 0; h < n_hits && h < 20; h++) {
				hex_encode(hits[h].key.b, EXECBAN_SHA256_LEN, hex);
				event_format_time(boot_to_wall(hits[h].h.last_boot_ns), when,
						  sizeof(when));
				printf("    %8llu  %-20s %.16s…  last %s\n",
				       (unsigned long long)hits[h].h.hits,
				       hits[h].label[0] ? esc(elabel, sizeof(elabel), hits[h].label) :
				       "(not in policy)", hex, when);
			}
		}
		if (sv.on && sv.c.server) {
			when_text(sv.st.last_success, when, sizeof(when));
			printf("  sync         %s: last success %s", sv.c.server, when);
			if (sv.age >= 0)
				printf(" (%llds ago)", sv.age);
			if (sv.st.stage[0]) {
				when_text(sv.st.last_attempt, when2, sizeof(when2));
				printf("; last error %s, %s: ", when2, sv.st.stage);
				fput_esc(stdout, sv.st.error);
			}
			printf("\n  sync queue   %llu event%s waiting, %llu dropped (queue full)\n",
			       (unsigned long long)sv.queued, sv.queued == 1 ? "" : "s",
			       (unsigned long long)sv.dropped);
		}
		if (check)
			for (i = 0; i < problems; i++)
				printf("execban: check: %s\n", problem[i]);
	}
	free(hits);
	sync_conf_free(&sv.c);
	if (check)
		return problems ? EXIT_FAIL : EXIT_OK;
	return loaded && attached == n_programs ? EXIT_OK : EXIT_FAIL;
}
