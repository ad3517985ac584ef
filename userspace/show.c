// SPDX-License-Identifier: GPL-2.0
/*
 * show.c - execban show (the enforced policy, read back from the kernel maps) and
 * execban diff (two policy files compared offline, or what loading a policy would change).
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "compile.h"
#include "jsonout.h"
#include "kstate.h"
#include "origins.h"

static const char *action_word(unsigned int a)
{
	const char *w = policy_action_name(a);

	return w[0] ? w : "deny";	/* what the kernel does with an unknown action */
}

static const char *mark_word(uint32_t kind)
{
	return kind == EXECBAN_MARK_QUARANTINE ? "quarantine" : "interpreter";
}

static void print_quoted(FILE *out, const char *s)
{
	putc('"', out);
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			putc('\\', out);
		putc(*s, out);
	}
	putc('"', out);
}

/*
 * One rule in policy syntax, so that "execban show" output loads again. With pr (a rule just
 * compiled) the identity is printed as written; the kernel maps hold only the key, which for a
 * signer rule is a hash of the identity: it prints as "signer-key=<key> kind=<identity>",
 * which says what the kernel holds, and which the parser refuses (naming what to write).
 */
void fprint_rule(FILE *out, const struct sha256_key *k, const struct execban_rule *r,
		const struct policy_rule *pr, const char *label, const char *reason)
{
	char hex[2 * EXECBAN_SHA256_LEN + 1];
	char ident[POLICY_IDENT_STRLEN];

	hex_encode(k->b, EXECBAN_SHA256_LEN, hex);
	fprintf(out, "%s ", action_word(r->action));
	if (pr && policy_format_ident(pr, ident, sizeof(ident)) > 0)
		fputs(ident, out);
	else if (r->ident_kind == EXECBAN_IDENT_SHA256 || !r->ident_kind)
		fprintf(out, "sha256=%s", hex);
	else if (policy_ident_name(r->ident_kind)[0])
		fprintf(out, "signer-key=%s kind=%s", hex, policy_ident_name(r->ident_kind));
	else
		fprintf(out, "signer-key=%s kind=%u", hex, r->ident_kind);
	if (execban_rule_size(r) != EXECBAN_RULE_NO_SIZE)
		fprintf(out, " size=%llu", (unsigned long long)execban_rule_size(r));
	if (label && label[0])
		fprintf(out, " label=%s", label);
	if (reason && reason[0]) {
		fputs(" reason=", out);
		print_quoted(out, reason);
	}
}

/* Maps written before signer rules existed may hold ident_kind 0. */
static bool is_sha256(const struct execban_rule *r)
{
	return r->ident_kind == EXECBAN_IDENT_SHA256 || !r->ident_kind;
}


static int read_kernel(struct kpolicy *k)
{
	int ret = kpolicy_read(k);

	if (ret) {
		err("cannot read the loaded policy from %s: %s", EXECBAN_PIN_DIR, strerror(-ret));
		fprintf(stderr, "hint: is execban loaded? ('execban status')\n");
	}
	return ret;
}

int cmd_show(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	char hex[2 * EXECBAN_SHA256_LEN + 1];
	const char *label, *reason;
	bool json = false, have_orig;
	const struct origin *o_r;
	struct origins orig;
	struct kpolicy k;
	size_t i;
	int opt;

	while ((opt = getopt_long(argc, argv, "jh", opts, NULL)) != -1) {
		switch (opt) {
		case 'j':
			json = true;
			break;
		case 'h':
			puts("usage: execban show [--json]\n\nPrint the policy the kernel enforces, "
			     "read back from its maps, in policy syntax\n(loadable again) or as JSON: "
			     "its rules, and the interpreter and quarantine\npaths it marked, each "
			     "checked against its mark.\n\n"
			     "  -j, --json   one JSON object\n\n"
			     "exit: 0 ok, 2 usage, 3 not loaded");
			return EXIT_OK;
		default:
			return usage_hint("show");
		}
	}
	if (optind < argc)
		return usage_error("show", "unexpected argument '%s'", argv[optind]);
	if (read_kernel(&k))
		return EXIT_SYSTEM;
	/* where the rules came from, when the record describes this policy */
	have_orig = !origins_read(&orig, k.info.digest);
	k.info.name[EXECBAN_NAME_LEN - 1] = 0;
	hex_encode(k.info.digest, EXECBAN_SHA256_LEN, hex);
	if (json) {
		struct json_object *o = json_doc(JSON_SCHEMA_SHOW), *a, *x;

		json_add_u64(o, "generation", k.gen);
		json_add_str(o, "name", k.info.name);
		json_add_u64(o, "version", k.info.version);
		json_add_str(o, "mode", k.info.mode == EXECBAN_MODE_AUDIT ? "audit" : "enforce");
		json_add_str(o, "digest", hex);
		a = json_object_new_array();
		for (i = 0; i < k.n_rules; i++) {
			const struct execban_rule *r = &k.rules[i];

			hex_encode(k.keys[i].b, EXECBAN_SHA256_LEN, hex);
			text_of(NULL, &k, r->text_id, &label, &reason);
			x = json_object_new_object();
			json_add_u64(x, "id", r->rule_id);
			json_add_str(x, "action", action_word(r->action));
			json_add_str(x, "identity",
				     is_sha256(r) ? "sha256" : policy_ident_name(r->ident_kind));
			json_add_str(x, "key", hex);
			/* the key is the digest; a signer's identity is not in the kernel */
			if (is_sha256(r))
				json_add_str(x, "sha256", hex);
			json_add(x, "size", execban_rule_size(r) != EXECBAN_RULE_NO_SIZE ?
				 json_object_new_uint64(execban_rule_size(r)) : NULL);
			json_add_str(x, "label", label);
			json_add_str(x, "reason", reason);
			o_r = have_orig ? origins_rule(&orig, r->rule_id) : NULL;
			json_add(x, "origin", o_r ? origins_json(&orig, o_r) : NULL);
			json_object_array_add(a, x);
		}
		json_add(o, "rules", a);
		a = json_object_new_array();
		for (i = 0; i < k.n_marks; i++) {
			x = json_object_new_object();
			json_add_str(x, "kind", mark_word(k.marks[i].kind));
			json_add_str(x, "path", k.marks[i].path);
			json_add_bool(x, "marked", k.marks[i].state > 0);
			json_object_array_add(a, x);
		}
		json_add(o, "marks", a);
		json_emit(stdout, o);
	} else {
		printf("# execban show: the policy enforced by the kernel (generation %llu)\n"
		       "# digest %s, %zu rules\n", (unsigned long long)k.gen, hex, k.n_rules);
		if (k.info.n_signer_rules)
			printf("# %u signer rules: the kernel keeps only their keys (signer-key=, a "
			       "hash of the identity);\n# a policy names the signer itself "
			       "(signer=, signer-skid=, ...): see execban check --keys\n",
			       k.info.n_signer_rules);
		if (k.info.name[0]) {
			fputs("name ", stdout);
			print_quoted(stdout, k.info.name);
			putchar('\n');
		}
		printf("version %llu\nmode %s\n", (unsigned long long)k.info.version,
		       k.info.mode == EXECBAN_MODE_AUDIT ? "audit" : "enforce");
		if (!have_orig)
			puts("# (where each rule came from is not recorded for this policy: load it "
			     "again)");
		for (i = 0; i < k.n_rules; i++) {
			text_of(NULL, &k, k.rules[i].text_id, &label, &reason);
			fprint_rule(stdout, &k.keys[i], &k.rules[i], NULL, label, reason);
			o_r = have_orig ? origins_rule(&orig, k.rules[i].rule_id) : NULL;
			if (o_r)
				origins_print(stdout, &orig, o_r);
			putchar('\n');
		}
		for (i = 0; i < k.n_marks; i++) {
			printf("%s %s", mark_word(k.marks[i].kind), k.marks[i].path);
			if (k.marks[i].state < 0)
				printf("  # NOT marked: %s", strerror(-k.marks[i].state));
			else if (!k.marks[i].state)
				printf("  # NOT marked: another file is there now (replaced since "
				       "the load: load again)");
			putchar('\n');
		}
	}
	kpolicy_free(&k);
	if (have_orig)
		origins_free(&orig);
	return EXIT_OK;
}

static int cmp_key_idx(const void *a, const void *b, void *arg)
{
	const struct sha256_key *keys = arg;

	return memcmp(keys[*(const size_t *)a].b, keys[*(const size_t *)b].b, EXECBAN_SHA256_LEN);
}

/* One side of a diff: the policy the kernel enforces, or a compiled one. */
struct side {
	const struct kpolicy *k;	/* one of k and c */
	const struct compiled *c;
	const char *name;
	uint64_t version;
	uint32_t mode;
	size_t n;
	size_t *order;			/* the rules sorted by key (a compiled policy's are) */
};

struct diff {
	struct side from, to;
	struct json_object *json;	/* the object printed with --json, or NULL */
	struct json_object *changes;
	struct json_object *directives;	/* interpreter and quarantine lines added or removed */
	size_t added, removed, changed, other;
};

static size_t side_idx(const struct side *s, size_t i)
{
	return s->order ? s->order[i] : i;
}

static const struct sha256_key *side_key(const struct side *s, size_t i)
{
	return s->k ? &s->k->keys[side_idx(s, i)] : &s->c->keys[i];
}

static const struct execban_rule *side_rule(const struct side *s, size_t i)
{
	return s->k ? &s->k->rules[side_idx(s, i)] : &s->c->rules[i];
}

/* The rule as written, with its file:line; NULL for the kernel's, which keeps neither. */
static const struct policy_rule *side_prule(const struct side *s, size_t i)
{
	return s->c ? &s->c->pol.rules[i] : NULL;
}

static void side_text(const struct side *s, size_t i, const char **label, const char **reason)
{
	text_of(s->c, s->k, side_rule(s, i)->text_id, label, reason);
}

static const char *mode_word(uint32_t mode)
{
	return mode == EXECBAN_MODE_AUDIT ? "audit" : "enforce";
}

static bool same_rule(const struct side *sa, size_t i, const struct side *sb, size_t j)
{
	const struct execban_rule *a = side_rule(sa, i), *b = side_rule(sb, j);
	const char *la, *ra, *lb, *rb;

	side_text(sa, i, &la, &ra);
	side_text(sb, j, &lb, &rb);
	return a->action == b->action && a->ident_kind == b->ident_kind &&
	       execban_rule_size(a) == execban_rule_size(b) &&
	       !strncmp(la, lb, EXECBAN_LABEL_LEN) && !strcmp(ra, rb);
}

/* Rule i of side s in policy syntax (malloc'd; NULL when out of memory). */
static char *rule_text(const struct side *s, size_t i)
{
	char *text = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&text, &len);
	const char *label, *reason;

	if (!m)
		return NULL;
	side_text(s, i, &label, &reason);
	fprint_rule(m, side_key(s, i), side_rule(s, i), side_prule(s, i), label, reason);
	if (fclose(m)) {
		free(text);
		return NULL;
	}
	return text;
}

/*
 * One change. Text: "+ rule", "- rule" or "~ rule" (the new form), then, where the rule comes
 * from a file, "  # file:line"; for a change, then "; was: <old rule>" and its "  # file:line".
 * JSON: an object in "changes".
 */
static void diff_change(struct diff *d, char op, const char *what, const struct side *s, size_t i,
			const struct side *was, size_t w)
{
	const struct policy_rule *pr = side_prule(s, i), *wpr = was ? side_prule(was, w) : NULL;
	char hex[2 * EXECBAN_SHA256_LEN + 1], *text = rule_text(s, i);
	char *wtext = was ? rule_text(was, w) : NULL;
	struct json_object *o;

	if (!d->json) {
		printf("%c %s", op, text ? text : "?");
		if (pr)
			printf("  # %s:%u", pr->file, pr->line);
		if (was)
			printf("%s was: %s", pr ? ";" : "  #", wtext ? wtext : "?");
		if (wpr)
			printf("  # %s:%u", wpr->file, wpr->line);
		putchar('\n');
		goto out;
	}
	hex_encode(side_key(s, i)->b, EXECBAN_SHA256_LEN, hex);
	o = json_object_new_object();
	json_add_str(o, "op", what);
	json_add_str(o, "key", hex);
	json_add_str(o, "rule", text ? text : "");
	json_add_str(o, "file", pr ? pr->file : NULL);
	json_add(o, "line", pr ? json_object_new_uint64(pr->line) : NULL);
	if (was) {
		json_add_str(o, "old_rule", wtext ? wtext : "");
		json_add_str(o, "old_file", wpr ? wpr->file : NULL);
		json_add(o, "old_line", wpr ? json_object_new_uint64(wpr->line) : NULL);
	}
	json_object_array_add(d->changes, o);
out:
	free(text);
	free(wtext);
}

/* Both sides sorted by key: merge. A key is a rule's identity (the digest, or the signer's). */
static void diff_rules(struct diff *d)
{
	const struct side *a = &d->from, *b = &d->to;
	size_t i = 0, j = 0;

	while (i < a->n || j < b->n) {
		int c = i == a->n ? 1 : j == b->n ? -1 :
			memcmp(side_key(a, i)->b, side_key(b, j)->b, EXECBAN_SHA256_LEN);

		if (c < 0) {
			diff_change(d, '-', "removed", a, i++, NULL, 0);
			d->removed++;
		} else if (c > 0) {
			diff_change(d, '+', "added", b, j++, NULL, 0);
			d->added++;
		} else {
			if (!same_rule(a, i, b, j)) {
				diff_change(d, '~', "changed", b, j, a, i);
				d->changed++;
			}
			i++;
			j++;
		}
	}
}

/* Where a directive was set, as "  # file:line", if it was. */
static void print_at(const char *file, unsigned int line)
{
	if (file)
		printf("  # %s:%u", file, line);
}

/* name, version and mode: text lines, or {"from", "to"} objects. */
static void diff_header(struct diff *d)
{
	const struct side *a = &d->from, *b = &d->to;
	const struct policy *bp = b->c ? &b->c->pol : NULL;
	struct json_object *o;

	if (strncmp(a->name, b->name, EXECBAN_NAME_LEN))
		d->other++;
	if (a->version != b->version)
		d->other++;
	if (a->mode != b->mode)
		d->other++;
	if (d->json) {
		o = json_object_new_object();
		json_add_str(o, "from", a->name);
		json_add_str(o, "to", b->name);
		json_add(d->json, "name", o);
		o = json_object_new_object();
		json_add_u64(o, "from", a->version);
		json_add_u64(o, "to", b->version);
		json_add(d->json, "version", o);
		o = json_object_new_object();
		json_add_str(o, "from", mode_word(a->mode));
		json_add_str(o, "to", mode_word(b->mode));
		json_add(d->json, "mode", o);
		return;
	}
	if (strncmp(a->name, b->name, EXECBAN_NAME_LEN)) {
		printf("~ name \"%.*s\" -> \"%.*s\"", EXECBAN_NAME_LEN, a->name, EXECBAN_NAME_LEN,
		       b->name);
		if (bp)
			print_at(bp->name_file, bp->name_line);
		putchar('\n');
	}
	if (a->version != b->version) {
		printf("~ version %llu -> %llu", (unsigned long long)a->version,
		       (unsigned long long)b->version);
		if (bp)
			print_at(bp->version_file, bp->version_line);
		putchar('\n');
	}
	if (a->mode != b->mode) {
		printf("~ mode %s -> %s", mode_word(a->mode), mode_word(b->mode));
		if (bp)
			print_at(bp->mode_file, bp->mode_line);
		putchar('\n');
	}
}

/* interpreter and quarantine lines of two policy files, by path ("+ interpreter /x  # f:l"). */
static void diff_paths(struct diff *d, const char *word, const struct policy_interp *a, size_t na,
		       const struct policy_interp *b, size_t nb)
{
	const struct policy_interp *x, *in;
	size_t i, j, n, nin;
	struct json_object *o;
	int pass;

	for (pass = 0; pass < 2; pass++) {
		x = pass ? b : a;
		n = pass ? nb : na;
		in = pass ? a : b;
		nin = pass ? na : nb;
		for (i = 0; i < n; i++) {
			for (j = 0; j < nin && strcmp(x[i].path, in[j].path); j++)
				;
			if (j < nin)
				continue;
			d->other++;
			if (!d->json) {
				printf("%c %s %s  # %s:%u\n", pass ? '+' : '-', word, x[i].path,
				       x[i].file, x[i].line);
				continue;
			}
			o = json_object_new_object();
			json_add_str(o, "op", pass ? "added" : "removed");
			json_add_str(o, "directive", word);
			json_add_str(o, "path", x[i].path);
			json_add_str(o, "file", x[i].file);
			json_add_u64(o, "line", x[i].line);
			json_object_array_add(d->directives, o);
		}
	}
}

static void side_of_compiled(struct side *s, const struct compiled *c)
{
	*s = (struct side){ .c = c, .name = c->info.name, .version = c->info.version,
			    .mode = c->info.mode, .n = c->n_rules };
}

static void usage_diff(void)
{
	puts("usage: execban diff [--json] OLD NEW\n"
	     "       execban diff [--json] [--kernel] POLICY...\n\n"
	     "With OLD and NEW (two policy files, each with what it includes), compare them\n"
	     "offline (no kernel, no root), both compiled as 'execban check' compiles them.\n"
	     "With one POLICY, or --kernel, compare the policy the kernel enforces with what\n"
	     "loading POLICY... would make it. A rule is known by its identity (its digest, or\n"
	     "its signer); each difference is one line:\n"
	     "  + rule   added                                 # file:line\n"
	     "  - rule   removed                               # file:line\n"
	     "  ~ rule   changed action, size, label or reason  # file:line; was: old rule\n"
	     "and '~ name', '~ version', '~ mode' lines; OLD NEW also compares interpreter and\n"
	     "quarantine lines. Rules read back from the kernel have no file:line.\n\n"
	     "  -j, --json     one object: schema, name/version/mode from and to, \"changes\"\n"
	     "                 (op added, removed or changed; key; rule in policy syntax; file,\n"
	     "                 line; old_rule, old_file, old_line) and the counts\n"
	     "  -k, --kernel   compare with the policy the kernel enforces, whatever the\n"
	     "                 number of POLICY files\n\n"
	     "exit: 0 no difference, 1 differences, 2 trouble (a bad policy, not loaded, usage),\n"
	     "as diff(1)");
}

int cmd_diff(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "kernel", no_argument, NULL, 'k' },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	struct compiled c = { 0 }, old = { 0 };
	struct diff d = { 0 };
	bool json = false, kernel = false, offline;
	struct kpolicy k = { 0 };
	bool have_k = false, have_old = false;
	char fhex[2 * EXECBAN_SHA256_LEN + 1], thex[2 * EXECBAN_SHA256_LEN + 1];
	uint8_t from_digest[EXECBAN_SHA256_LEN];
	struct json_object *o;
	size_t i;
	int ret;

	while ((ret = getopt_long(argc, argv, "jkh", opts, NULL)) != -1) {
		switch (ret) {
		case 'j':
			json = true;
			break;
		case 'k':
			kernel = true;
			break;
		case 'h':
			usage_diff();
			return EXIT_OK;
		default:
			return usage_hint("diff");
		}
	}
	if (optind == argc)
		return usage_error("diff", "no POLICY given (OLD NEW, or POLICY for the kernel's)");
	offline = !kernel && argc - optind >= 2;
	if (offline && argc - optind > 2)
		return usage_error("diff", "%d policies given: OLD NEW compares two; --kernel "
				   "compares several files with the kernel's", argc - optind);
	ret = EXIT_USAGE;	/* diff(1): 2 is trouble */
	if (offline) {
		have_old = true;
		if (compile(&old, argv + optind, 1, EXECBAN_DEFAULT_MAX_RULES << 6)) {
			err_path(argv[optind], "not a valid policy (errors above): nothing compared");
			goto out;
		}
		optind++;
	}
	if (compile(&c, argv + optind, argc - optind, EXECBAN_DEFAULT_MAX_RULES << 6)) {
		err_path(argv[optind], "not a valid policy (errors above): nothing compared");
		goto out;
	}
	if (offline) {
		side_of_compiled(&d.from, &old);
		memcpy(from_digest, old.info.digest, sizeof(from_digest));
	} else {
		if (read_kernel(&k))
			goto out;
		have_k = true;
		k.info.name[EXECBAN_NAME_LEN - 1] = 0;
		d.from = (struct side){ .k = &k, .name = k.info.name, .version = k.info.version,
					.mode = k.info.mode, .n = k.n_rules };
		d.from.order = policy_malloc(k.n_rules + 1, sizeof(*d.from.order));
		if (!d.from.order) {
			err("out of memory");
			goto out;
		}
		for (i = 0; i < k.n_rules; i++)
			d.from.order[i] = i;
		qsort_r(d.from.order, k.n_rules, sizeof(*d.from.order), cmp_key_idx, k.keys);
		memcpy(from_digest, k.info.digest, sizeof(from_digest));
	}
	side_of_compiled(&d.to, &c);
	if (json) {
		d.json = json_doc(JSON_SCHEMA_DIFF);
		d.changes = json_object_new_array();
		d.directives = json_object_new_array();
		if (!d.json || !d.changes || !d.directives) {
			err("out of memory");
			json_object_put(d.json);
			json_object_put(d.changes);
			json_object_put(d.directives);
			goto out;
		}
		json_add_str(d.json, "from", offline ? argv[optind - 1] : "kernel");
		json_add_str(d.json, "to", argv[optind]);
	}
	diff_header(&d);
	diff_rules(&d);
	if (offline) {
		diff_paths(&d, "interpreter", old.pol.interps, old.pol.n_interps, c.pol.interps,
			   c.pol.n_interps);
		diff_paths(&d, "quarantine", old.pol.quarantines, old.pol.n_quarantines,
			   c.pol.quarantines, c.pol.n_quarantines);
	}
	if (json) {
		json_add(d.json, "changes", d.changes);
		json_add(d.json, "directives", d.directives);
		json_add_u64(d.json, "added", d.added);
		json_add_u64(d.json, "removed", d.removed);
		json_add_u64(d.json, "changed", d.changed);
		hex_encode(from_digest, EXECBAN_SHA256_LEN, fhex);
		hex_encode(c.info.digest, EXECBAN_SHA256_LEN, thex);
		o = json_object_new_object();
		json_add_str(o, "from", fhex);
		json_add_str(o, "to", thex);
		json_add(d.json, "digest", o);
		json_add_bool(d.json, "same", !d.added && !d.removed && !d.changed && !d.other &&
			      !memcmp(from_digest, c.info.digest, EXECBAN_SHA256_LEN));
		json_emit(stdout, d.json);
	} else {
		/* Nothing else differs: what does is a certificate behind a signer= rule. */
		if (!d.added && !d.removed && !d.changed && !d.other &&
		    memcmp(from_digest, c.info.digest, EXECBAN_SHA256_LEN)) {
			hex_encode(from_digest, EXECBAN_SHA256_LEN, fhex);
			hex_encode(c.info.digest, EXECBAN_SHA256_LEN, thex);
			printf("~ digest %s -> %s (a certificate of a signer= rule)\n", fhex, thex);
		}
		printf("# %zu added, %zu removed, %zu changed\n", d.added, d.removed, d.changed);
	}
	ret = d.added || d.removed || d.changed || d.other ||
	      memcmp(from_digest, c.info.digest, EXECBAN_SHA256_LEN) ? EXIT_FAIL : EXIT_OK;
out:
	free(d.from.order);
	if (have_k)
		kpolicy_free(&k);
	if (have_old)
		compiled_free(&old);
	compiled_free(&c);
	return ret;
}
