// SPDX-License-Identifier: GPL-2.0
/*
 * load.c - execban load / unload: put a compiled policy into the kernel, atomically.
 *
 * Order (enforcement never starts empty, and a failure never leaves a partial policy):
 *   1. parse and compile every policy file; any error stops here, nothing touched;
 *   2. refuse if the bpf LSM is not active;
 *   3. take the load lock (flock on the pin directory);
 *   4. reuse the pinned maps, or create, initialise and pin them (first load);
 *   5. write the policy into the inactive copy of the policy maps;
 *   6. switch: state.gen += 1 (one map update; see execban.h);
 *   7. attach and pin any program not attached yet.
 * A kill at any point before 6 leaves the previous policy in force; after 6, the new one.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <spawn.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <sys/vfs.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <linux/magic.h>
#include <openssl/evp.h>

#include "cli.h"
#include "compile.h"
#include "jsonout.h"
#include "kstate.h"
#include "origins.h"
#include "policy.h"
#include "rulemap.h"
#include "sysguard.h"
#include "execban.skel.h"

static int delete_batched(int fd, const void *keys, size_t key_size, size_t n)
{
	size_t done = 0;
	__u32 count;

	while (done < n) {
		test_kill_point();
		count = (__u32)(n - done < MAP_BATCH ? n - done : MAP_BATCH);
		if (bpf_map_delete_batch(fd, (const char *)keys + done * key_size, &count, NULL))
			return -errno;
		done += count;
	}
	return 0;
}

/* What the last write_policy() changed in the rule and text maps: print_loaded() says. */
static struct {
	size_t written, removed;
	size_t texts_written, texts_removed;
} rule_writes;

/*
 * Make the inactive copy's rules exactly c's: a new array of c's records, sorted by key as
 * compile.c sorts them, then swapped into the slot (its old array is freed by the kernel once
 * no program can be reading it). Unless the copy already holds exactly these records (a
 * reload of the policy in force, once the other copy caught up): then nothing is written.
 */
static int sync_rules(const int *fd, uint32_t slot, const struct compiled *c)
{
	const struct execban_rule_record *old = NULL;
	struct execban_rule_record *r;
	size_t i, n_old = 0, n_map = 0;
	int ret;

	r = policy_malloc(c->n_rules + 1, sizeof(*r));
	if (!r)
		return -ENOMEM;
	for (i = 0; i < c->n_rules; i++) {
		memcpy(r[i].key, c->keys[i].b, EXECBAN_SHA256_LEN);
		r[i].rule = c->rules[i];
		if (i && memcmp(r[i - 1].key, r[i].key, EXECBAN_SHA256_LEN) >= 0) {
			err("internal error: compiled rules are not in key order (rule %zu)", i);
			free(r);
			return -EINVAL;
		}
	}
	if (rule_slot_count(fd, slot, &n_old))
		n_old = 0;
	if (n_old == c->n_rules && !rule_slot_map(fd, slot, &old, &n_map) &&
	    n_map == c->n_rules && (!n_map || !memcmp(old, r, n_map * sizeof(*r)))) {
		rule_slot_unmap(old, n_map);
		timing("read back");
		rule_writes.written = rule_writes.removed = 0;
		/* the index too: a killed load may have left another policy's of the same size */
		ret = rule_index_write(fd[PM_RULE_INDEX], slot, r, c->n_rules);
		free(r);
		return ret;
	}
	rule_slot_unmap(old, n_map);
	timing("read back");
	ret = rule_slot_install(fd, slot, r, c->n_rules, 0);
	rule_writes.written = c->n_rules;
	rule_writes.removed = n_old;
	free(r);
	return ret;
}

/*
 * Make the inactive copy of the text map hold exactly c's texts, as sync_rules() does for the
 * rules: what it holds is read back, and only what differs is deleted or written.
 */
static int sync_texts(int fd, const struct compiled *c)
{
	struct execban_text *old_texts = NULL, *up = NULL, v;
	uint32_t *old_ids = NULL, *del = NULL, *up_ids = NULL;
	size_t n_old = 0, i = 0, j = 0, n_del = 0, n_up = 0;
	int ret;

	ret = map_read_texts(fd, &old_ids, &old_texts, &n_old);
	if (ret)
		return ret;
	del = policy_malloc(n_old + 1, sizeof(*del));
	up_ids = policy_malloc(c->n_texts + 1, sizeof(*up_ids));
	up = policy_malloc(c->n_texts + 1, sizeof(*up));
	if (!del || !up_ids || !up) {
		ret = -ENOMEM;
		goto out;
	}
	while (i < c->n_texts || j < n_old) {
		uint32_t oid = j < n_old ? old_ids[j] : 0;

		if (i == c->n_texts || (j < n_old && oid < c->texts[i].id)) {
			del[n_del++] = oid;
			j++;
			continue;
		}
		compiled_text_value(&c->texts[i], &v);
		if (j == n_old || oid != c->texts[i].id ||
		    memcmp(&v, &old_texts[j], sizeof(v))) {
			up_ids[n_up] = c->texts[i].id;
			up[n_up++] = v;
		}
		if (j < n_old && oid == c->texts[i].id)
			j++;
		i++;
	}
	rule_writes.texts_written = n_up;
	rule_writes.texts_removed = n_del;
	ret = delete_batched(fd, del, sizeof(*del), n_del);
	if (ret)
		goto out;
	ret = map_update_batched(fd, up_ids, sizeof(*up_ids), up, sizeof(*up), n_up);
out:
	free(old_ids);
	free(old_texts);
	free(del);
	free(up_ids);
	free(up);
	return ret;
}

/* The sizes of c's hash rules as the kernel's filter (struct execban_size_filter). */
static int write_size_filter(int fd, const struct compiled *c)
{
	struct execban_size_filter *f = calloc(1, sizeof(*f));
	uint32_t zero = 0, b, j;
	size_t i;
	int ret = 0;

	if (!f)
		return -ENOMEM;
	for (i = 0; i < c->n_sizes; i++) {
		for (j = 0; j < EXECBAN_SIZE_PROBES; j++) {
			b = execban_size_bit(c->sizes[i], j);
			f->w[b >> 6] |= 1ULL << (b & 63);
		}
	}
	test_kill_point();
	if (bpf_map_update_elem(fd, &zero, f, BPF_ANY))
		ret = -errno;
	free(f);
	return ret;
}

static int cmp_key(const void *a, const void *b)
{
	return memcmp(a, b, EXECBAN_SHA256_LEN);
}

/*
 * Delete the entries of hash map fd (keys of key_size bytes, at most 64) that keep() does not
 * keep; best effort. Collected first: deleting while walking a hash map restarts the walk.
 */
static void delete_unkept(int fd, size_t key_size,
			  bool (*keep)(int fd, const void *key, const void *arg), const void *arg)
{
	uint8_t key[64], next[64], *gone = NULL, *tmp;
	size_t n = 0, cap = 0, i;
	bool first = true;

	if (key_size > sizeof(key))
		return;
	while (!bpf_map_get_next_key(fd, first ? NULL : key, next)) {
		first = false;
		memcpy(key, next, key_size);
		if (keep(fd, key, arg))
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			tmp = realloc(gone, cap * key_size);
			if (!tmp)
				break;
			gone = tmp;
		}
		memcpy(gone + n++ * key_size, key, key_size);
	}
	for (i = 0; i < n; i++)
		bpf_map_delete_elem(fd, gone + i * key_size);
	free(gone);
}

/* Is a rule_hits key still banned by the compiled policy arg? */
static bool hit_kept(int fd, const void *key, const void *arg)
{
	const struct compiled *c = arg;

	(void)fd;
	return bsearch(key, c->keys, c->n_rules, sizeof(*c->keys), cmp_key);
}

/* Forget hit counts of digests the new policy no longer bans (best effort). */
static void prune_hits(int fd, const struct compiled *c)
{
	delete_unkept(fd, sizeof(struct sha256_key), hit_kept, c);
}

/*
 * Mark the inodes a policy names by path (interpreters, quarantine folders) for mark
 * generation gen (struct execban_state), through an fd of each: the inode-storage maps are
 * keyed by fd. A missing path is only a warning: a fleet-wide policy names interpreters that
 * some machines lack (none when @again: the same paths, marked and warned about before).
 */
static void mark_paths(int fd, const char *what, const struct policy_interp *list, size_t n,
		       uint64_t gen, bool again)
{
	uint32_t slot = (uint32_t)(gen & 1);
	struct execban_interp_mark m;
	size_t i;
	int f;

	for (i = 0; i < n; i++) {
		f = open(list[i].path, O_RDONLY | O_CLOEXEC);
		if (f < 0) {
			if (!again)
				warn("%s:%u: %s %s: %s (skipped)", list[i].file, list[i].line,
				     what, list[i].path, strerror(errno));
			continue;
		}
		if (bpf_map_lookup_elem(fd, &f, &m))
			memset(&m, 0, sizeof(m));
		m.gen[slot] = gen;
		if (bpf_map_update_elem(fd, &f, &m, BPF_ANY) && !again)
			warn("%s %s: cannot mark it: %s", what, list[i].path, strerror(errno));
		else
			interp_mark_sync(f);	/* recorded by identity: see interp_ids */
		close(f);
	}
}

/*
 * The policy's interpreter and quarantine paths into slot's entries of mark_paths, for show;
 * every entry of the slot is written, so none is left from an older policy.
 */
static int record_mark_paths(int fd, const struct policy *p, uint32_t slot, uint64_t gen)
{
	struct execban_mark_path e;
	const struct policy_interp *pi = NULL;
	uint32_t i, n = 0, key;
	size_t k = 0, total = p->n_interps + p->n_quarantines;

	for (i = 0; i < EXECBAN_MARK_PATHS; i++) {
		memset(&e, 0, sizeof(e));
		for (; n < total; n++) {
			pi = n < p->n_interps ? &p->interps[n] : &p->quarantines[n - p->n_interps];
			k = strlen(pi->path);
			if (k < sizeof(e.path))
				break;
			warn("%s:%u: %s: the path is longer than %d bytes: enforced, but "
			     "'execban show' will not list it", pi->file, pi->line, pi->path,
			     EXECBAN_MARK_PATH_LEN - 1);
		}
		if (n < total) {
			e.gen = gen;
			e.kind = n < p->n_interps ? EXECBAN_MARK_INTERPRETER : EXECBAN_MARK_QUARANTINE;
			memcpy(e.path, pi->path, k);
			n++;
		}
		key = slot * EXECBAN_MARK_PATHS + i;
		if (bpf_map_update_elem(fd, &key, &e, BPF_ANY))
			return -errno;
	}
	if (n < total)
		warn("the policy names %zu interpreters and quarantine folders: all are enforced, "
		     "'execban show' lists the first %d", total, EXECBAN_MARK_PATHS);
	return 0;
}

/* Is an interp_ids entry's mark for the mark generation *arg? */
static bool id_kept(int fd, const void *key, const void *arg)
{
	uint64_t mg = *(const uint64_t *)arg;
	struct execban_interp_mark m;

	return !bpf_map_lookup_elem(fd, key, &m) && m.gen[mg & 1] == mg;
}

/*
 * After a switch to mark generation mg: forget the identities of inodes whose mark is not
 * for it (interpreters an older list named, files replaced since), so that interp_ids holds
 * the list in force.
 */
static void prune_interp_ids(int fd, uint64_t mg)
{
	delete_unkept(fd, sizeof(struct execban_inode_id), id_kept, &mg);
}

static int write_policy(const int *fd, const struct compiled *c, uint64_t *gen_out)
{
	struct execban_state st;
	struct execban_policy_info info = c->info;
	uint8_t marks[EXECBAN_SHA256_LEN];
	uint32_t zero = 0, slot;
	struct timespec now;
	uint64_t mark_gen;
	int ret;

	struct bpf_map_info mi = {};
	__u32 mi_len = sizeof(mi);

	/*
	 * The capacity (--max-rules) was fixed at the first load, as the text maps' size: refuse
	 * before touching anything.
	 */
	if (!bpf_obj_get_info_by_fd(fd[PM_TEXTS_0], &mi, &mi_len) && c->n_rules > mi.max_entries) {
		err("%zu rules do not fit: the loaded policy maps hold %u (set at the first load with "
		    "--max-rules; to grow them, 'execban unload' and load with a larger one)",
		    c->n_rules, mi.max_entries);
		return -E2BIG;
	}
	if (bpf_map_lookup_elem(fd[PM_STATE], &zero, &st))
		return -errno;
	slot = (uint32_t)((st.gen + 1) & 1);

	timing("prepare");
	ret = sync_texts(fd[PM_TEXTS_0 + slot], c);
	if (ret) {
		err("cannot store %zu rule labels and reasons: %s", c->n_texts, strerror(-ret));
		return ret;
	}
	timing("texts");
	ret = sync_rules(fd, slot, c);
	if (ret) {
		err("cannot store %zu rules: %s%s", c->n_rules, strerror(-ret),
		    ret == -EBUSY ? " (another process mapped the new rule array for writing "
		    "before the load froze it)" : "");
		return ret;
	}
	timing("rules");
	ret = write_size_filter(fd[PM_SIZES_0 + slot], c);
	timing("sizes");
	if (ret) {
		err("cannot store the banned sizes: %s", strerror(-ret));
		return ret;
	}
	clock_gettime(CLOCK_REALTIME, &now);
	info.loaded_at_ns = (uint64_t)now.tv_sec * 1000000000ULL + (uint64_t)now.tv_nsec;
	if (bpf_map_update_elem(fd[PM_POLICY_INFO], &slot, &info, BPF_ANY))
		return -errno;

	/*
	 * The same list of paths as the policy in force: marked for the mark generation in
	 * force (new inodes at those paths, after an upgrade), which running interpreters keep.
	 * Another list: all its paths marked for the next mark generation, in force from the
	 * switch.
	 */
	if (policy_marks_sha256(&c->pol, marks))
		return -ENOMEM;
	mark_gen = st.mark_gen;
	if (!mark_gen || memcmp(marks, st.marks_sha256, EXECBAN_SHA256_LEN)) {
		/*
		 * A generation never handed out before, recorded first: marks made by a load
		 * killed after marking must not come into force with a later list.
		 */
		mark_gen = (st.mark_last > st.mark_gen ? st.mark_last : st.mark_gen) + 1;
		if (st.mark_gen && !((mark_gen ^ st.mark_gen) & 1))
			mark_gen++;	/* the other slot: the marks in force stay whole */
		st.mark_last = mark_gen;
		if (bpf_map_update_elem(fd[PM_STATE], &zero, &st, BPF_EXIST))
			return -errno;
	}
	mark_paths(fd[PM_INTERPRETERS], "interpreter", c->pol.interps, c->pol.n_interps,
		   mark_gen, false);
	mark_paths(fd[PM_QUARANTINE], "quarantine", c->pol.quarantines, c->pol.n_quarantines,
		   mark_gen, false);
	ret = record_mark_paths(fd[PM_MARK_PATHS], &c->pol, slot, st.gen + 1);
	if (ret) {
		err("cannot record the interpreter and quarantine paths: %s", strerror(-ret));
		return ret;
	}

	test_kill_point();
	/* Test hook for the kill-during-load tests: stop here, before the switch. */
	if (getenv("EXECBAN_TEST_STOP_BEFORE_SWITCH")) {
		fprintf(stderr, "execban: test: stopping before the switch\n");
		pause();
	}

	/* The switch. Everything the new policy needs is in place before this store. */
	st.gen++;
	st.mark_gen = mark_gen;
	memcpy(st.marks_sha256, marks, EXECBAN_SHA256_LEN);
	if (bpf_map_update_elem(fd[PM_STATE], &zero, &st, BPF_EXIST))
		return -errno;
	*gen_out = st.gen;
	timing("switch");
	prune_interp_ids(fd[PM_INTERP_IDS], mark_gen);
	prune_hits(fd[PM_RULE_HITS], c);
	timing("prune");
	return 0;
}

static bool path_exists(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0;
}

static int ensure_pin_dir(void)
{
	struct statfs fs;

	if (statfs("/sys/fs/bpf", &fs) || fs.f_type != BPF_FS_MAGIC) {
		err("/sys/fs/bpf is not a bpf filesystem");
		fprintf(stderr, "hint: mount -t bpf bpf /sys/fs/bpf\n");
		return -ENOENT;
	}
	if (mkdir(EXECBAN_PIN_DIR, 0700) && errno != EEXIST) {
		err("cannot create %s: %s", EXECBAN_PIN_DIR, strerror(errno));
		return -errno;
	}
	return 0;
}

/*
 * Which of execban.ko's kfuncs are usable: EXECBAN_FEAT_KMOD_HASH for the SHA-256 kfunc,
 * EXECBAN_FEAT_SIGNERS as well for the signer kfuncs (a current module). Says so when the
 * module is loaded but unusable.
 */
static uint32_t kmod_features(void)
{
	static const char *const signer_kfuncs[] = {
		"execban_file_signer", "execban_file_verify_signer", "execban_kmod_open_marker",
		"execban_dentry_sha256", "execban_dentry_signer", "execban_dentry_verify_signer",
		"execban_sha256_init", "execban_sha256_update", "execban_sha256_final",
		"execban_mem_signer", "execban_file_module_image",
	};
	static const char *const install_kfuncs[] = {
		"execban_install_probe", "execban_install_watch_file", "execban_dentry_sha256_nowait",
	};
	struct btf *vmlinux, *mod = NULL;
	uint32_t f = 0;
	size_t i;

	if (!path_exists("/sys/module/execban"))
		return 0;
	vmlinux = btf__load_vmlinux_btf();
	if (vmlinux)
		mod = btf__load_module_btf("execban", vmlinux);
	if (mod && btf__find_by_name_kind(mod, "execban_file_sha256", BTF_KIND_FUNC) > 0) {
		f = EXECBAN_FEAT_KMOD_HASH | EXECBAN_FEAT_SIGNERS;
		for (i = 0; i < sizeof(signer_kfuncs) / sizeof(signer_kfuncs[0]); i++)
			if (btf__find_by_name_kind(mod, signer_kfuncs[i], BTF_KIND_FUNC) <= 0)
				f &= ~EXECBAN_FEAT_SIGNERS;
		if (f & EXECBAN_FEAT_SIGNERS)
			f |= EXECBAN_FEAT_INSTALL;
		for (i = 0; i < sizeof(install_kfuncs) / sizeof(install_kfuncs[0]); i++)
			if (btf__find_by_name_kind(mod, install_kfuncs[i], BTF_KIND_FUNC) <= 0)
				f &= ~EXECBAN_FEAT_INSTALL;
	}
	btf__free(mod);
	btf__free(vmlinux);
	if (!f)
		warn("execban.ko is loaded but its kfuncs are not available (module BTF does not "
		     "match this kernel?); hashing with bpf_ima_file_hash instead");
	else if (!(f & EXECBAN_FEAT_SIGNERS))
		warn("the loaded execban.ko is older than this execban (no signer kfuncs): "
		     "load the current module for signer rules");
	else if (!(f & EXECBAN_FEAT_INSTALL))
		warn("the loaded execban.ko is older than this execban: banned files are not "
		     "reported when written (install events); load the current module");
	return f;
}

/*
 * How many arguments the running kernel's LSM hook takes, from its BTF (bpf_lsm_HOOK), or -1.
 * A program's argument layout must match it exactly: LSM hook arguments are not relocated by
 * CO-RE. inode_setattr gained an idmap first argument in 6.3; bpf a fourth (bool kernel)
 * after 6.12.
 */
static int lsm_hook_nargs(const char *hook)
{
	const struct btf_type *t;
	struct btf *vmlinux;
	char name[64];
	int id, n = -1;

	vmlinux = btf__load_vmlinux_btf();
	if (!vmlinux)
		return -1;
	snprintf(name, sizeof(name), "bpf_lsm_%s", hook);
	id = btf__find_by_name_kind(vmlinux, name, BTF_KIND_FUNC);
	if (id > 0) {
		t = btf__type_by_id(vmlinux, btf__type_by_id(vmlinux, id)->type);
		if (t)
			n = btf_vlen(t);
	}
	btf__free(vmlinux);
	return n;
}

static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	if (level == LIBBPF_DEBUG && !getenv("EXECBAN_DEBUG"))
		return 0;
	return vfprintf(stderr, fmt, ap);
}

struct load_opts {
	size_t max_rules;
	uint32_t ringbuf;
};

/*
 * The programs resolve overlayfs files to the real file in a layer through overlay's own
 * types, which come from its module's BTF and are looked up when the programs are loaded:
 * load overlay first if it is a module not loaded yet (otherwise the programs refuse every
 * overlay file of a banned size unread; docs/threat-model.md). Best effort, no output.
 */
static void load_overlay_module(void)
{
	char *const argv[] = { "modprobe", "-q", "overlay", NULL };
	pid_t pid;
	int st;

	if (path_exists("/sys/kernel/btf/overlay") || path_exists("/sys/module/overlay"))
		return;
	if (posix_spawnp(&pid, "modprobe", NULL, NULL, argv, environ))
		return;
	waitpid(pid, &st, 0);
}

/* How many of execban's maps are pinned (PM_COUNT when loaded, 0 when not). */
static int count_pinned_maps(void)
{
	char path[256];
	int i, n = 0;

	for (i = 0; i < PM_COUNT; i++) {
		pin_path(path, sizeof(path), pinned_map_names[i]);
		n += path_exists(path);
	}
	return n;
}

/*
 * Open the BPF object with every map either reused from its pin or created; fd[] receives
 * the map fds. Programs are loaded but not attached.
 */
static int open_object(struct execban_bpf **skelp, int *fd, const struct load_opts *o,
		       bool *created)
{
	struct execban_bpf *skel;
	struct bpf_map *map;
	int i, pinned, ret, pfd;
	uint32_t features;
	const char *interp_max;
	bool idmap;

	load_overlay_module();
	skel = execban_bpf__open();
	if (!skel) {
		ret = -errno;
		err("cannot open the BPF object: %s", strerror(errno));
		return ret;
	}
	pinned = count_pinned_maps();
	if (pinned && pinned != PM_COUNT) {
		err("%d of %d execban maps are pinned in %s: a previous load was interrupted "
		    "before it finished; run 'execban unload' and load again", pinned, PM_COUNT,
		    EXECBAN_PIN_DIR);
		ret = -EUCLEAN;
		goto err_destroy;
	}
	*created = !pinned;
	/* tests only: a task_interp small enough to fill (tests/guest/bypass.sh) */
	interp_max = getenv("EXECBAN_TEST_TASK_INTERP_MAX");
	for (i = 0; i < PM_COUNT; i++) {
		map = bpf_object__find_map_by_name(skel->obj, pinned_map_names[i]);
		if (!map) {
			err("BPF object has no map %s", pinned_map_names[i]);
			ret = -ENOENT;
			goto err_destroy;
		}
		if (*created) {
			if ((i == PM_TEXTS_0 || i == PM_TEXTS_1) &&
			    bpf_map__set_max_entries(map, (__u32)o->max_rules)) {
				ret = -EINVAL;
				goto err_destroy;
			}
			if (i == PM_RULE_HITS &&
			    bpf_map__set_max_entries(map, o->max_rules < EXECBAN_RULE_HITS_MAX ?
						     (__u32)o->max_rules : EXECBAN_RULE_HITS_MAX)) {
				ret = -EINVAL;
				goto err_destroy;
			}
			if ((i == PM_TASK_INTERP || i == PM_SIGNER_SCRATCH) &&
			    bpf_map__set_max_entries(map, i == PM_TASK_INTERP && interp_max ?
						     (__u32)strtoul(interp_max, NULL, 10) :
						     task_map_entries(threads_max()))) {
				ret = -EINVAL;
				goto err_destroy;
			}
			if (i == PM_EVENTS && bpf_map__set_max_entries(map, o->ringbuf)) {
				err("bad ring buffer size %u (a power of two, >= page size)",
				    o->ringbuf);
				ret = -EINVAL;
				goto err_destroy;
			}
			continue;
		}
		pfd = open_pinned_map(i);
		if (pfd < 0) {
			ret = pfd;
			err("cannot open pinned map %s: %s", pinned_map_names[i], strerror(-pfd));
			goto err_destroy;
		}
		ret = bpf_map__reuse_fd(map, pfd);
		close(pfd);
		if (ret) {
			err("cannot reuse pinned map %s: %s", pinned_map_names[i], strerror(-ret));
			goto err_destroy;
		}
	}
	features = kmod_features();
	skel->rodata->use_kmod_hash = features & EXECBAN_FEAT_KMOD_HASH;
	skel->rodata->use_kmod_signer = features & EXECBAN_FEAT_SIGNERS;
	skel->rodata->use_kmod_install = features & EXECBAN_FEAT_INSTALL;
	idmap = lsm_hook_nargs("inode_setattr") == 3;
	bpf_program__set_autoload(skel->progs.execban_inode_setattr, !idmap);
	bpf_program__set_autoload(skel->progs.execban_inode_setattr_idmap, idmap);
	idmap = lsm_hook_nargs("inode_set_acl") > 0;	/* 6.2: ACLs are no xattrs to the LSM */
	bpf_program__set_autoload(skel->progs.execban_inode_acl, !idmap);
	bpf_program__set_autoload(skel->progs.execban_inode_acl_idmap, idmap);
	skel->rodata->bpf_hook_kernel_arg = lsm_hook_nargs("bpf") == 4;

	ret = execban_bpf__load(skel);
	if (ret) {
		err("the kernel refused the BPF programs: %s%s", strerror(-ret),
		    *created ? "" : " (maps pinned by an incompatible execban? run 'execban unload')");
		goto err_destroy;
	}
	for (i = 0; i < PM_COUNT; i++)
		fd[i] = bpf_map__fd(bpf_object__find_map_by_name(skel->obj, pinned_map_names[i]));
	*skelp = skel;
	return 0;

err_destroy:
	execban_bpf__destroy(skel);
	return ret;
}

static int init_and_pin_maps(struct execban_bpf *skel, const int *fd)
{
	struct execban_state st = { .gen = 0, .maps_abi = EXECBAN_MAPS_ABI };
	uint32_t zero = 0;
	char path[256];
	int i, ret;

	if (bpf_map_update_elem(fd[PM_STATE], &zero, &st, BPF_ANY))
		return -errno;
	for (i = 0; i < PM_COUNT; i++) {
		pin_path(path, sizeof(path), pinned_map_names[i]);
		ret = bpf_map__pin(bpf_object__find_map_by_name(skel->obj, pinned_map_names[i]),
				   path);
		if (ret) {
			err("cannot pin %s: %s", path, strerror(-ret));
			return ret;
		}
	}
	return 0;
}

static int check_abi(const int *fd)
{
	struct execban_state st;
	uint32_t zero = 0;

	if (bpf_map_lookup_elem(fd[PM_STATE], &zero, &st))
		return -errno;
	if (st.maps_abi != EXECBAN_MAPS_ABI) {
		err("the pinned maps have layout %u, this execban writes layout %u: run "
		    "'execban unload' (briefly lifts the ban) and load again", st.maps_abi,
		    EXECBAN_MAPS_ABI);
		return -EPROTO;
	}
	return 0;
}

/*
 * The interpreters' marks by identity (interp_ids), once the programs that record them are
 * attached: a fresh load marks its paths before it attaches them, and those marks must
 * survive an eviction too. Each is marked again (for the mark generation in force) in case
 * its inode was evicted in between, taking the mark with it, and recorded.
 */
static void record_interp_ids(const int *fd, const struct policy *p)
{
	struct execban_state st;
	uint32_t zero = 0;

	if (!bpf_map_lookup_elem(fd[PM_STATE], &zero, &st) && st.mark_gen)
		mark_paths(fd[PM_INTERPRETERS], "interpreter", p->interps, p->n_interps,
			   st.mark_gen, true);
}

/* Attach and pin every program whose link is not pinned yet. Returns how many it attached. */
static int attach_missing(struct execban_bpf *skel)
{
	struct bpf_program *prog;
	struct bpf_link *link;
	char path[256], name[128];
	int n = 0, ret;

	bpf_object__for_each_program(prog, skel->obj) {
		const char *pname = bpf_program__name(prog);
		size_t len = strlen(pname);

		if (!bpf_program__autoload(prog))
			continue;	/* the other kernel's layout of a hook */
		/* A program's variants for other kernels ("_idmap") share its pin. */
		if (len > 6 && !strcmp(pname + len - 6, "_idmap"))
			len -= 6;
		snprintf(name, sizeof(name), "link_%.*s", (int)len, pname);
		pin_path(path, sizeof(path), name);
		if (path_exists(path))
			continue;
		link = bpf_program__attach(prog);
		if (!link) {
			ret = -errno;
			err("cannot attach %s: %s", bpf_program__name(prog), strerror(errno));
			return ret;
		}
		ret = bpf_link__pin(link, path);
		bpf_link__destroy(link);	/* the pin holds it now */
		if (ret) {
			err("cannot pin %s: %s", path, strerror(-ret));
			return ret;
		}
		n++;
	}
	return n;
}

/* Record what the programs just loaded were built with, for status and later loads. */
static int set_features(const int *fd, uint32_t features)
{
	struct execban_state st;
	uint32_t zero = 0;

	if (bpf_map_lookup_elem(fd[PM_STATE], &zero, &st))
		return -errno;
	st.features = features;
	return bpf_map_update_elem(fd[PM_STATE], &zero, &st, BPF_EXIST) ? -errno : 0;
}

/* The attached programs' features, from the state map (its fd). */
static uint32_t get_features(int state_fd)
{
	struct execban_state st;
	uint32_t zero = 0;

	return bpf_map_lookup_elem(state_fd, &zero, &st) ? 0 : st.features;
}

/* Why signer rules are not enforced, for load and status; NULL when they are. */
const char *signers_inactive_why(uint32_t features)
{
	if (features & EXECBAN_FEAT_SIGNERS)
		return NULL;
	if (!path_exists("/sys/module/execban"))
		return "execban.ko is not loaded (modprobe execban, then 'execban unload' and "
		       "load again)";
	if (path_exists("/sys/module/execban/parameters/keyring"))
		return "the programs were loaded before execban.ko: run 'execban unload' and "
		       "load again";
	return "execban.ko is too old or its kfuncs are unusable on this kernel";
}

/* What a load prints on stdout: its text, its --json object, or nothing (a sync's step). */
enum load_print { LOAD_PRINT_TEXT, LOAD_PRINT_JSON, LOAD_PRINT_NONE };

static void print_loaded(const struct compiled *c, uint64_t gen, uint32_t features,
			 enum load_print print, struct json_object *o, bool unchanged)
{
	char hex[2 * EXECBAN_SHA256_LEN + 1];
	const char *why;

	hex_encode(c->info.digest, EXECBAN_SHA256_LEN, hex);
	why = signers_inactive_why(features);
	if (o) {
		json_add_bool(o, "loaded", true);
		json_add_str(o, "name", c->pol.name);
		json_add_u64(o, "version", c->info.version);
		json_add_u64(o, "generation", gen);
		json_add_str(o, "digest", hex);
		json_add_str(o, "mode", c->info.mode == EXECBAN_MODE_AUDIT ? "audit" : "enforce");
		json_add_u64(o, "rules", c->n_rules);
		json_add_u64(o, "signer_rules", c->info.n_signer_rules);
		json_add_u64(o, "certificates", c->n_certs);
		json_add_bool(o, "kmod_hashing", features & EXECBAN_FEAT_KMOD_HASH);
		json_add_bool(o, "signers_enforced", c->info.n_signer_rules && !why);
		json_add_bool(o, "size_filter", c->info.flags & EXECBAN_POLICY_SIZE_FILTER);
		json_add_u64(o, "rule_entries_written", rule_writes.written);
		json_add_u64(o, "rule_entries_removed", rule_writes.removed);
		json_add_u64(o, "text_entries_written", rule_writes.texts_written);
		json_add_u64(o, "text_entries_removed", rule_writes.texts_removed);
		json_add_bool(o, "unchanged", unchanged);
	} else if (print == LOAD_PRINT_TEXT) {
		printf("execban: loaded %zu rule%s%s%s (generation %llu, digest %.16s, mode %s%s): "
		       "%zu rule entr%s written, %zu removed%s\n",
		       c->n_rules, c->n_rules == 1 ? "" : "s", c->pol.name[0] ? " of " : "",
		       c->pol.name, (unsigned long long)gen, hex,
		       c->info.mode == EXECBAN_MODE_AUDIT ? "audit" : "enforce",
		       features & EXECBAN_FEAT_KMOD_HASH ? ", hashing with execban.ko" : "",
		       rule_writes.written, rule_writes.written == 1 ? "y" : "ies",
		       rule_writes.removed,
		       unchanged ? " (the files are unchanged since this policy was loaded)" : "");
	}
	if (!(c->info.flags & EXECBAN_POLICY_SIZE_FILTER))
		warn("some rules have no size=: every exec is hashed (once per file change); "
		     "'execban hash FILE' prints rules with sizes");
	if (c->info.n_signer_rules && why)
		warn("%u signer rule%s loaded but NOT enforced: %s", c->info.n_signer_rules,
		     c->info.n_signer_rules == 1 ? " is" : "s are", why);
}

/*
 * What the inactive copy holds before a signed load overwrites it (lock mode: the kernel
 * writes the rules and texts, read-only fds read the counts): print_loaded() reports them.
 */
static void inactive_counts(size_t *n_rules, size_t *n_texts)
{
	static const enum pinned_map need[] = { PM_STATE, PM_RULE_INDEX, PM_POLICY_INFO };
	struct execban_policy_info info;
	struct execban_state st;
	__u32 zero = 0, slot;
	int fd[PM_COUNT];
	size_t i;

	*n_rules = *n_texts = 0;
	for (i = 0; i < PM_COUNT; i++)
		fd[i] = -1;
	for (i = 0; i < sizeof(need) / sizeof(need[0]); i++)
		fd[need[i]] = open_pinned_map_ro(need[i]);
	if (fd[PM_STATE] >= 0 && !bpf_map_lookup_elem(fd[PM_STATE], &zero, &st)) {
		slot = (__u32)!(st.gen & 1);
		if (rule_slot_count(fd, slot, n_rules))
			*n_rules = 0;
		if (fd[PM_POLICY_INFO] >= 0 && !bpf_map_lookup_elem(fd[PM_POLICY_INFO], &slot, &info))
			*n_texts = info.n_texts;
	}
	for (i = 0; i < PM_COUNT; i++)
		if (fd[i] >= 0)
			close(fd[i]);
}

/* get_features() for a caller without the maps open (lock mode: read-only). */
static uint32_t get_features_pinned(void)
{
	int fd = open_pinned_map_ro(PM_STATE);
	uint32_t features = fd >= 0 ? get_features(fd) : 0;

	if (fd >= 0)
		close(fd);
	return features;
}

static void close_maps(int *fd)
{
	int i;

	for (i = 0; i < PM_COUNT; i++) {
		if (fd[i] >= 0)
			close(fd[i]);
		fd[i] = -1;
	}
}

static int open_pinned_maps(int *fd)
{
	int i;

	for (i = 0; i < PM_COUNT; i++)
		fd[i] = -1;
	for (i = 0; i < PM_COUNT; i++) {
		fd[i] = open_pinned_map(i);
		if (fd[i] < 0) {
			err("cannot open pinned map %s: %s", pinned_map_names[i], strerror(-fd[i]));
			close_maps(fd);
			return -ENOENT;
		}
	}
	return 0;
}

static void usage_load(void)
{
	puts("usage: execban load [--max-rules N] [--ringbuf-size BYTES] [--json] [--force]\n"
	     "                    [--allow-empty] [--full] POLICY...\n"
	     "\n"
	     "Compile the policy files and enforce them, replacing the loaded policy in one step.\n"
	     "Nothing changes if any file has an error. Enforcement outlives this command: the\n"
	     "programs and maps are pinned under " EXECBAN_PIN_DIR ".\n"
	     "\n"
	     "  --max-rules N        capacity of the rule maps, fixed at the first load\n"
	     "                       (default 1048576)\n"
	     "  --ringbuf-size BYTES event ring buffer size, a power of two from 4 KiB to 1 GiB,\n"
	     "                       fixed at the first load (default 4 MiB)\n"
	     "  -j, --json           the result as one JSON object (warnings stay on stderr)\n"
	     "  --signature SIG      lock mode: the policy's detached PKCS#7 signature (execban\n"
	     "                       sign); the kernel checks it against the lock key\n"
	     "  --force              load even if a rule bans a file the system needs to boot and\n"
	     "                       to be repaired (each is named in a warning; execban(8))\n"
	     "  --allow-empty        a policy with no rules, while none is in force, is no error:\n"
	     "                       say \"no ban list installed\" and exit 0 (execban.service);\n"
	     "                       an empty policy never replaces one in force\n"
	     "  --full               compile and write even if the files are unchanged since\n"
	     "                       the policy in force was loaded from them (by default that\n"
	     "                       load only marks the interpreters again)\n"
	     "\n"
	     "exit: 0 loaded (or --allow-empty: nothing to load), 1 policy error, 2 usage, 3 the\n"
	     "system refused");
}

struct load_args {
	struct load_opts o;
	const char *sig_path;
	bool force, allow_empty, full;
	enum load_print print;
};

/*
 * After a load that succeeded: what its files looked like, so that loading them again
 * unchanged needs no parse (loadcache.h). Only when the kernel holds the policy compiled
 * (lock mode may have kept another) and no certificate was read (the loader gives those to
 * execban.ko, which a skipped load would not). Best effort: a record not written means a full
 * load next time, and a stale one must not stay.
 */
static void record_inputs(const struct load_args *a, char **files, int n,
			  const struct compiled *c)
{
	struct loadcache_key k = { files, n, a->o.max_rules, a->force };
	size_t n_marks = c->pol.n_interps + c->pol.n_quarantines, i;
	struct loadcache_mark *marks = calloc(n_marks + 1, sizeof(*marks));
	struct execban_policy_info info;
	struct execban_state st;

	if (!marks || c->n_certs || active_info(&info, &st) ||
	    memcmp(info.digest, c->info.digest, EXECBAN_SHA256_LEN)) {
		free(marks);
		loadcache_forget();
		return;
	}
	for (i = 0; i < n_marks; i++) {
		bool q = i >= c->pol.n_interps;
		const struct policy_interp *pi = q ? &c->pol.quarantines[i - c->pol.n_interps] :
						     &c->pol.interps[i];

		marks[i] = (struct loadcache_mark){ q, pi->path, (char *)pi->file, pi->line };
	}
	if (loadcache_write(&k, &c->inputs, marks, n_marks, st.gen, info.digest))
		loadcache_forget();
	free(marks);
}

/*
 * The files are those the policy in force was loaded from, unchanged (loadcache.h), and the
 * kernel holds that policy still: nothing to compile or write, and the generation stays. The
 * interpreters and quarantine folders are marked again, as a full load would (an upgrade
 * replaces an interpreter by a new inode). An exit status, or -1: a full load is needed.
 */
static int load_unchanged(const struct load_args *a, char **files, int n,
			  struct json_object *jo)
{
	struct loadcache_key k = { files, n, a->o.max_rules, a->force };
	struct policy_interp *interps = NULL;
	struct execban_policy_info info;
	struct loadcache_record rec;
	struct execban_state st;
	struct execban_lock lk;
	struct compiled c;
	int fd[PM_COUNT], lock_fd = -1, ret = -1;
	size_t i, n_i = 0, n_q = 0;
	uint32_t features;
	bool locked;

	for (i = 0; i < PM_COUNT; i++)
		fd[i] = -1;
	/* the kill-during-load tests need a load that writes */
	if (a->full || getenv("EXECBAN_TEST_KILL_AFTER_BATCH") ||
	    getenv("EXECBAN_TEST_STOP_BEFORE_SWITCH") || loadcache_check(&k, &rec))
		return -1;
	if (access(EXECBAN_PIN_DIR, F_OK) || count_attached() != n_programs)
		goto out;
	lock_fd = lock_pin_dir();
	if (lock_fd < 0 || active_info(&info, &st) || st.maps_abi != EXECBAN_MAPS_ABI ||
	    st.gen != rec.gen || memcmp(info.digest, rec.digest, EXECBAN_SHA256_LEN) ||
	    !info.n_rules)
		goto out;
	features = st.features;
	locked = !lock_read(&lk) && lk.locked;
	if (!locked) {
		if (a->sig_path)
			warn("not locked: the policy is loaded without checking its signature");
		/* Locked, the marks stay those in force (lock.c); else mark them again. */
		interps = calloc(rec.n_marks + 1, sizeof(*interps));
		if (!interps || open_pinned_maps(fd) || check_abi(fd))
			goto out;
		for (i = 0; i < rec.n_marks; i++)
			if (!rec.marks[i].quarantine)
				interps[n_i++] = (struct policy_interp){ rec.marks[i].path,
					rec.marks[i].file, rec.marks[i].line };
		mark_paths(fd[PM_INTERPRETERS], "interpreter", interps, n_i, st.mark_gen, false);
		for (i = 0; i < rec.n_marks; i++)
			if (rec.marks[i].quarantine)
				interps[n_q++] = (struct policy_interp){ rec.marks[i].path,
					rec.marks[i].file, rec.marks[i].line };
		mark_paths(fd[PM_QUARANTINE], "quarantine", interps, n_q, st.mark_gen, false);
	}
	timing("unchanged");
	ret = EXIT_OK;
	if (locked) {
		/* as a signed load of the policy in force says it */
		if (jo)
			json_add_bool(jo, "unchanged", true);
		else if (a->print == LOAD_PRINT_TEXT)
			printf("execban: policy %s version %llu is already in force: unchanged\n",
			       info.name, (unsigned long long)info.version);
		goto out;
	}
	memset(&c, 0, sizeof(c));
	c.info = info;
	c.n_rules = info.n_rules;
	memcpy(c.pol.name, info.name, sizeof(c.pol.name));
	print_loaded(&c, st.gen, features, a->print, jo, true);
out:
	close_maps(fd);
	free(interps);
	if (lock_fd >= 0)
		close(lock_fd);
	loadcache_record_free(&rec);
	return ret;
}

/*
 * A fresh load (nothing attached, nothing pinned: the first load after boot) opens the BPF
 * object and has the kernel verify its programs on a second thread while the policy compiles:
 * neither needs the other, and on a million rules each takes about a second. The thread only
 * creates maps and loads programs, reachable through its fds alone: a load that fails or is
 * killed before the switch leaves nothing behind, as before. Its object is used only if,
 * under the load lock, the system is still fresh; otherwise it is thrown away and the object
 * opened again the usual way. EXECBAN_NO_OVERLAP=1 turns it off (bench/run-in-vm.sh
 * compares the two).
 */
struct early_open {
	pthread_t thread;
	bool started;
	const struct load_opts *o;
	struct execban_bpf *skel;
	int fd[PM_COUNT];
	bool created;
	int ret;
};

static void *early_open_run(void *arg)
{
	struct early_open *e = arg;

	e->ret = open_object(&e->skel, e->fd, e->o, &e->created);
	return NULL;
}

static void early_open_start(struct early_open *e, const struct load_opts *o)
{
	char lsms[512];
	const char *off = getenv("EXECBAN_NO_OVERLAP");

	memset(e, 0, sizeof(*e));
	e->o = o;
	if ((off && *off && strcmp(off, "0")) || geteuid() || read_lsms(lsms, sizeof(lsms)) ||
	    !lsm_active(lsms, "bpf") || path_exists(EXECBAN_PIN_DIR))
		return;
	e->started = !pthread_create(&e->thread, NULL, early_open_run, e);
}

/* Wait for the thread: 0 if it made an object (e->skel), its error, or -EAGAIN if none ran. */
static int early_open_join(struct early_open *e)
{
	if (!e->started)
		return -EAGAIN;
	pthread_join(e->thread, NULL);
	e->started = false;
	return e->ret;
}

/* Wait for the thread and drop what it made (when it is not used). */
static void early_open_drop(struct early_open *e)
{
	if (!early_open_join(e))
		execban_bpf__destroy(e->skel);
	e->skel = NULL;
}

/*
 * Under the load lock: the thread's object if it was made for a fresh system and the system is
 * still fresh (0, or the thread's error), else -EAGAIN (open the object now).
 */
static int early_open_take(struct early_open *e, struct execban_bpf **skel, int *fd,
			   bool *created)
{
	int ret = early_open_join(e);

	if (ret)
		return ret;		/* none ran, or it said why (open_object) */
	if (!e->created || count_pinned_maps()) {
		execban_bpf__destroy(e->skel);
		e->skel = NULL;
		return -EAGAIN;
	}
	*skel = e->skel;
	memcpy(fd, e->fd, sizeof(e->fd));
	*created = true;
	e->skel = NULL;
	return 0;
}

/* Load files; with LOAD_PRINT_JSON the result goes into jo. An exit status. */
static int load_locked(const struct load_args *a, char **files, int n, struct json_object *jo)
{
	struct early_open early;
	struct execban_lock lk;
	struct execban_bpf *skel = NULL;
	struct compiled c;
	int fd[PM_COUNT], lock_fd = -1, ret, opt, attached, orig_ret;
	uint32_t features = 0;
	bool created = false;
	uint64_t gen = 0;

	for (opt = 0; opt < PM_COUNT; opt++)
		fd[opt] = -1;
	timing("begin");
	ret = load_unchanged(a, files, n, jo);
	if (ret >= 0)
		return ret;
	libbpf_set_print(libbpf_print);	/* before the thread below calls libbpf */
	early_open_start(&early, &a->o);
	ret = compile_empty_ok(&c, files, n, a->o.max_rules, NULL);	/* timing: start ... digest */
	if (ret)
		early_open_drop(&early);	/* no load: nothing it made is kept */
	if (ret == -ENODATA) {
		const char *first = files[0];

		/* Nothing to enforce: fine on a fresh install, never instead of a policy in force. */
		if (a->allow_empty && !count_attached() && access(EXECBAN_PIN_DIR, F_OK)) {
			if (jo) {
				json_add_bool(jo, "empty", true);
				compiled_free(&c);
				return EXIT_OK;
			}
			if (a->print == LOAD_PRINT_TEXT)
				printf("execban: no ban list installed: %s%s hold%s no rules; "
				       "nothing is enforced (put a ban list in "
				       "/etc/execban/policy.d/, then 'systemctl reload execban')\n",
				       first, n > 1 ? " and the others" : "", n > 1 ? "" : "s");
			compiled_free(&c);
			return EXIT_OK;
		}
		fprintf(stderr, "%s: error: no rules: refusing an empty policy (to lift every ban, "
			"run 'execban unload')\n", first);
		ret = -EINVAL;
	}
	if (!ret) {
		/* a list that bans the shell or libc is refused before anything changes */
		ret = sysguard_policy(&c, a->force);
		timing("sysguard");
	}
	/* Test hook: stop with the policy compiled and the programs perhaps still verifying. */
	if (!ret && getenv("EXECBAN_TEST_STOP_AFTER_COMPILE")) {
		fprintf(stderr, "execban: test: stopping after the compile (programs %s)\n",
			early.started ? "verifying beside it" : "not opened yet");
		pause();
	}
	if (ret) {
		early_open_drop(&early);
		fprintf(stderr, "execban: nothing loaded: the policy in force is unchanged\n");
		compiled_free(&c);
		return ret == -EINVAL || ret == -ENOENT || ret == -EISDIR ? EXIT_FAIL : EXIT_SYSTEM;
	}
	if (require_bpf_lsm() || ensure_pin_dir()) {
		ret = EXIT_SYSTEM;
		goto out;
	}
	lock_fd = lock_pin_dir();
	if (lock_fd < 0) {
		ret = EXIT_SYSTEM;
		goto out;
	}
	if (!lock_read(&lk) && lk.locked) {
		/* Lock mode: the kernel checks the signature and installs the policy itself. */
		features = get_features_pinned();
		if (features & EXECBAN_FEAT_SIGNERS)
			kmod_keys_setup(&c);	/* execban.ko's keyring: not a map, still ours */
		inactive_counts(&rule_writes.removed, &rule_writes.texts_removed);
		rule_writes.written = c.n_rules;
		rule_writes.texts_written = c.n_texts;
		ret = signed_load(&c, a->sig_path, &gen);
		if (ret < 0)
			fprintf(stderr, "execban: nothing loaded: the policy in force is unchanged\n");
		else if (ret > 0 && jo)
			json_add_bool(jo, "unchanged", true);
		else if (ret > 0 && a->print == LOAD_PRINT_TEXT)
			printf("execban: policy %s version %llu is already in force: unchanged\n",
			       c.info.name, (unsigned long long)c.info.version);
		else
			print_loaded(&c, gen, features, a->print, jo, false);
		ret = ret < 0 ? EXIT_SYSTEM : EXIT_OK;
		goto out;
	}
	if (a->sig_path)
		warn("not locked: the policy is loaded without checking its signature");
	if (count_attached() == n_programs) {
		/*
		 * Already enforcing: only the maps change. No BPF object is opened, so a reload
		 * costs map updates only, not a program verification.
		 */
		ret = open_pinned_maps(fd);
		if (!ret)
			ret = check_abi(fd);
		if (!ret) {
			features = get_features(fd[PM_STATE]);
			if (features & EXECBAN_FEAT_SIGNERS)
				kmod_keys_setup(&c);
			ret = write_policy(fd, &c, &gen);
		}
		close_maps(fd);
		if (ret) {
			fprintf(stderr, "execban: nothing loaded: the policy in force is unchanged\n");
			ret = EXIT_SYSTEM;
			goto out;
		}
		print_loaded(&c, gen, features, a->print, jo, false);
		ret = EXIT_OK;
		goto out;
	}
	ret = early_open_take(&early, &skel, fd, &created);
	if (ret == -EAGAIN)
		ret = open_object(&skel, fd, &a->o, &created);
	if (!ret)
		ret = created ? init_and_pin_maps(skel, fd) : check_abi(fd);
	if (!ret) {
		features = (skel->rodata->use_kmod_hash ? EXECBAN_FEAT_KMOD_HASH : 0) |
			   (skel->rodata->use_kmod_signer ? EXECBAN_FEAT_SIGNERS : 0) |
			   (skel->rodata->use_kmod_install ? EXECBAN_FEAT_INSTALL : 0);
		if (features & EXECBAN_FEAT_SIGNERS)
			kmod_keys_setup(&c);
		ret = write_policy(fd, &c, &gen);
	}
	if (ret) {
		fprintf(stderr, "execban: nothing loaded: the policy in force is unchanged\n");
		ret = EXIT_SYSTEM;
		goto out;
	}
	attached = attach_missing(skel);
	timing("attach");
	if (attached < 0) {
		fprintf(stderr, "execban: the policy is stored but not every hook is attached; "
				"run 'execban load' again\n");
		ret = EXIT_SYSTEM;
		goto out;
	}
	if (attached)
		record_interp_ids(fd, &c.pol);
	if (set_features(fd, features))
		warn("cannot record the programs' features: status may misreport them");
	print_loaded(&c, gen, features, a->print, jo, false);
	ret = EXIT_OK;
out:
	/* where each rule came from, for show: still under the load lock */
	if (ret == EXIT_OK && (orig_ret = origins_write(&c)))
		warn("%s: cannot record where the rules came from: %s ('execban show' will not "
		     "name them)", ORIGINS_PATH, strerror(-orig_ret));
	timing("origins");
	if (ret == EXIT_OK && c.n_rules)
		record_inputs(a, files, n, &c);
	early_open_drop(&early);	/* not taken: locked, or loaded by another meanwhile */
	execban_bpf__destroy(skel);
	if (lock_fd >= 0)
		close(lock_fd);
	timing("record");
	compiled_free(&c);
	timing("free");
	return ret;
}

/*
 * Loads run one at a time, from before their compile to the end: the pin folder's lock is
 * taken only once the policy is compiled, and two loads compiling side by side (a scheduled
 * sync and an admin's reload) would otherwise switch in the order they finished compiling,
 * the later one with files read before the other's. A lock of its own (the pin folder may
 * not exist yet, and a load that fails must not leave one), which the kernel releases when
 * a load is killed.
 */
#define LOAD_LOCK	"/run/execban/load.lock"

static int load_run(const struct load_args *a, char **files, int n, struct json_object *jo)
{
	int fd, ret;

	if (mkdir("/run/execban", 0755) && errno != EEXIST)
		return load_locked(a, files, n, jo);	/* not root: refused later, as before */
	fd = open(LOAD_LOCK, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd >= 0 && flock(fd, LOCK_EX | LOCK_NB)) {
		if (a->print == LOAD_PRINT_TEXT)
			fprintf(stderr, "execban: another load is running: waiting for it\n");
		while (flock(fd, LOCK_EX) && errno == EINTR)
			;
	}
	ret = load_locked(a, files, n, jo);
	if (fd >= 0)
		close(fd);
	return ret;
}

#define RINGBUF_MAX	(1UL << 30)	/* 1 GiB of events: 100,000 of them */

int cmd_load(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "max-rules", required_argument, NULL, 'm' },
		{ "ringbuf-size", required_argument, NULL, 'r' },
		{ "json", no_argument, NULL, 'j' },
		{ "signature", required_argument, NULL, 's' },
		{ "force", no_argument, NULL, 'f' },
		{ "allow-empty", no_argument, NULL, 'e' },
		{ "full", no_argument, NULL, 'F' },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	struct load_args a = { .o = { EXECBAN_DEFAULT_MAX_RULES, EXECBAN_DEFAULT_RINGBUF },
			       .print = LOAD_PRINT_TEXT };
	struct json_object *o;
	unsigned long n;
	int opt, ret;
	char *end;

	while ((opt = getopt_long(argc, argv, "jh", opts, NULL)) != -1) {
		switch (opt) {
		case 'm':
			errno = 0;
			a.o.max_rules = strtoul(optarg, &end, 10);
			if (errno || *end || strchr(optarg, '-') || !a.o.max_rules ||
			    a.o.max_rules > EXECBAN_MAX_RULES_LIMIT) {
				return usage_error("load", "--max-rules %s: expected 1 to %u",
						   optarg, EXECBAN_MAX_RULES_LIMIT);
			}
			break;
		case 'r':
			errno = 0;
			n = strtoul(optarg, &end, 0);	/* strtoul() takes "-4096" as 2^64 - 4096 */
			if (errno || *end || strchr(optarg, '-') || n < 4096 || n > RINGBUF_MAX ||
			    (n & (n - 1))) {
				return usage_error("load", "--ringbuf-size %s: expected a power of "
						   "two from 4096 to %lu", optarg, RINGBUF_MAX);
			}
			a.o.ringbuf = (uint32_t)n;
			break;
		case 'j':
			a.print = LOAD_PRINT_JSON;
			break;
		case 's':
			a.sig_path = optarg;
			break;
		case 'f':
			a.force = true;
			break;
		case 'e':
			a.allow_empty = true;
			break;
		case 'F':
			a.full = true;
			break;
		case 'h':
			usage_load();
			return EXIT_OK;
		default:
			return usage_hint("load");
		}
	}
	if (optind == argc)
		return usage_error("load", "no POLICY given");
	if (a.print != LOAD_PRINT_JSON)
		return load_run(&a, argv + optind, argc - optind, NULL);
	json_messages_begin();
	o = json_doc(JSON_SCHEMA_LOAD);
	json_add_bool(o, "loaded", false);	/* until it is */
	ret = load_run(&a, argv + optind, argc - optind, o);
	json_add_bool(o, "ok", ret == EXIT_OK);
	json_add(o, "messages", json_messages_end());
	return json_emit(stdout, o) ? EXIT_SYSTEM : ret;
}

int load_quiet(char **files, int n)
{
	struct load_args a = { .o = { EXECBAN_DEFAULT_MAX_RULES, EXECBAN_DEFAULT_RINGBUF },
			       .print = LOAD_PRINT_NONE };

	return load_run(&a, files, n, NULL);
}

/*
 * Detach and unpin everything. *was_loaded: the pin folder was there; *locked: lock mode
 * refused it. An exit status; errors reported.
 */
static int unload_all(bool *was_loaded, bool *locked)
{
	struct execban_lock lk;
	char path[256];
	int lock_fd, link_fd, failed = 0;
	struct dirent *de;
	struct stat sb;
	DIR *d;

	*was_loaded = *locked = false;
	if (stat(EXECBAN_PIN_DIR, &sb)) {
		if (errno == ENOENT || errno == ENOTDIR)
			return EXIT_OK;
		/* bpffs is 0700 as systemd mounts it: another user cannot tell, nor unload */
		err("cannot read %s: %s%s", EXECBAN_PIN_DIR, strerror(errno),
		    errno == EACCES ? ": run 'execban unload' as root" : "");
		return EXIT_SYSTEM;
	}
	*was_loaded = true;
	if (!lock_read(&lk) && lk.locked) {
		*locked = true;
		err("lock mode: enforcement cannot be lifted until reboot");
		return EXIT_SYSTEM;
	}
	lock_fd = lock_pin_dir();
	if (lock_fd < 0)
		return EXIT_SYSTEM;
	/* Links first: enforcement stops before its maps go away. */
	for (int pass = 0; pass < 2; pass++) {
		d = opendir(EXECBAN_PIN_DIR);
		if (!d) {
			err("cannot read %s: %s", EXECBAN_PIN_DIR, strerror(errno));
			close(lock_fd);
			return EXIT_SYSTEM;
		}
		while ((de = readdir(d))) {
			bool is_link = !strncmp(de->d_name, "link_", 5);

			if (de->d_name[0] == '.' || is_link != (pass == 0))
				continue;
			pin_path(path, sizeof(path), de->d_name);
			/*
			 * Hold the link while removing its pin: the pin's reference is dropped
			 * from a workqueue on newer kernels, so the detach would land after we
			 * return. Closing the last fd detaches synchronously.
			 */
			link_fd = is_link ? bpf_obj_get(path) : -1;
			if (link_fd >= 0)
				bpf_link_detach(link_fd);	/* where the kernel supports it */
			if (unlink(path)) {
				err("cannot remove %s: %s", path, strerror(errno));
				failed++;
			}
			if (link_fd >= 0)
				close(link_fd);
		}
		closedir(d);
	}
	close(lock_fd);
	if (failed)
		return EXIT_SYSTEM;
	if (rmdir(EXECBAN_PIN_DIR) && errno != ENOENT) {
		err("cannot remove %s: %s", EXECBAN_PIN_DIR, strerror(errno));
		return EXIT_SYSTEM;
	}
	return EXIT_OK;
}

int cmd_unload(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' }, { "help", no_argument, NULL, 'h' }, {},
	};
	bool json = false, was_loaded, locked;
	int opt, ret;

	while ((opt = getopt_long(argc, argv, "jh", opts, NULL)) != -1) {
		if (opt == 'j') {
			json = true;
			continue;
		}
		if (opt != 'h')
			return usage_hint("unload");
		puts("usage: execban unload [--json]\n\nDetach every execban program and remove its "
		     "pinned maps: every ban is lifted.\n\n"
		     "  -j, --json   one JSON object: ok, was_loaded, unloaded, locked, messages\n\n"
		     "exit: 0 unloaded (or nothing loaded), 2 usage, 3 error (not root; locked)");
		return EXIT_OK;
	}
	if (optind < argc)
		return usage_error("unload", "unexpected argument '%s'", argv[optind]);
	if (json)
		json_messages_begin();
	ret = unload_all(&was_loaded, &locked);
	if (json) {
		struct json_object *o = json_doc(JSON_SCHEMA_UNLOAD);

		json_add_bool(o, "ok", ret == EXIT_OK);
		json_add_bool(o, "was_loaded", was_loaded);
		json_add_bool(o, "unloaded", ret == EXIT_OK && was_loaded);
		json_add_bool(o, "locked", locked);
		json_add(o, "messages", json_messages_end());
		if (json_emit(stdout, o))
			ret = EXIT_SYSTEM;
	} else if (ret == EXIT_OK) {
		puts(was_loaded ? "execban: unloaded: no ban is enforced" : "execban: not loaded");
	}
	return ret;
}
