// SPDX-License-Identifier: GPL-2.0
/*
 * explain.c - execban explain: would these files be denied now, and why. The policy is the
 * one in force, read back from the kernel maps as execban show reads it, or with --policy the
 * files compiled as execban check compiles them; each file is judged as the kernel judges it
 * at exec (verdict.c, shared with execban scan), and what decided is printed: its size and
 * whether that size is banned, its SHA-256, its signers (as execban hash reads them), the rule
 * that matched (file:line with --policy, label, reason), or why none did.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "compile.h"
#include "filesig.h"
#include "jsonout.h"
#include "kstate.h"
#include "verdict.h"

struct explain {
	struct bans b;
	bool offline;			/* --policy: c holds the rules as written */
	struct compiled c;
	struct kpolicy k;		/* else: the policy in force */
	const char *signers_off;	/* signer rules in force but not enforced: why */
	bool json;
};

static void usage(FILE *out)
{
	fputs("usage: execban explain [--policy P]... [--json] FILE...\n\n"
	      "Say for each FILE the verdict an exec of it would get now, and why: its size (and\n"
	      "whether the policy bans that size), its SHA-256, its signers (as 'execban hash'\n"
	      "reads them), and the rule that decides (action, identity, label, reason, and with\n"
	      "--policy its file:line), the deny or audit rule an allow rule exempts it from, or\n"
	      "why no rule matches (size not banned; digest differs; not signed; signers not\n"
	      "banned). A signature that cannot be read is refused while signer rules are in force.\n\n"
	      "  --policy P  judge against policy files (repeatable), compiled as 'execban check'\n"
	      "              does, without a kernel; default: the policy in force\n"
	      "  --json      one JSON object per file (execban(8))\n\n"
	      "exit: 0 every file would run (allowed or audited), 1 some would be denied,\n"
	      "      2 usage, 3 a file or the policy cannot be read\n", out);
}

static const char *rule_reason(const struct explain *x, const struct execban_rule *r)
{
	const char *label, *reason;

	text_of(x->offline ? &x->c : NULL, &x->k, r->text_id, &label, &reason);
	return reason;
}

/* The rule as written (--policy), or NULL. */
static const struct policy_rule *rule_src(const struct explain *x, const struct execban_rule *r)
{
	ssize_t i = x->offline ? compiled_rule_index(&x->c, r->rule_id) : -1;

	return i < 0 ? NULL : &x->c.pol.rules[i];
}

/*
 * A rule in policy syntax, with where it was written (--policy). The kernel keeps only a key
 * for a signer rule: its identity is then the file's identity that matched (id), if known.
 */
static void describe(const struct explain *x, const struct ban *b, const struct file_ident *id,
		     char *buf, size_t size)
{
	const struct policy_rule *pr = rule_src(x, &b->rule);
	struct policy_rule tmp;
	FILE *out = fmemopen(buf, size, "w");

	if (!out) {
		snprintf(buf, size, "rule %u", b->rule.rule_id);
		return;
	}
	if (!pr && id) {
		memset(&tmp, 0, sizeof(tmp));
		tmp.ident_kind = id->kind;
		tmp.ident_len = id->len;
		memcpy(tmp.ident, id->id, sizeof(tmp.ident));
		pr = &tmp;
	}
	fprint_rule(out, &b->key, &b->rule, pr, b->label, rule_reason(x, &b->rule));
	if (pr && pr->file)
		fprintf(out, " (%s:%u)", pr->file, pr->line);
	else
		fprintf(out, " (rule %u of the policy in force)", b->rule.rule_id);
	fclose(out);
	buf[size - 1] = 0;
}

/* The identity of fs that b is the rule of, or NULL (a digest rule). */
static const struct file_ident *ident_of(const struct judgement *j, const struct file_sigs *fs,
					 const struct ban *b)
{
	unsigned int i;

	for (i = 0; b && j->sigs_read && i < fs->n_ids && i < EXECBAN_SIGNER_KEYS; i++)
		if (j->signer_rule[i] == b)
			return &fs->ids[i];
	return NULL;
}

/* Why no deny or audit rule matches, for people. */
static void why_none(const struct explain *x, const struct judgement *j,
		     const struct file_sigs *fs, char *buf, size_t size)
{
	const char *dig, *sig;

	if (!x->b.n_hash_rules)
		dig = "no digest rule";
	else if (!j->size_banned)
		dig = "its size is not banned";
	else
		dig = "its digest is in no rule";
	if (x->signers_off)
		sig = "signer rules are not enforced";
	else if (!x->b.n_signer_bans)
		sig = "no signer ban";
	else if (!fs->n_ids)
		sig = "it is not signed";
	else
		sig = "its signers are in no rule";
	snprintf(buf, size, "%s; %s", dig, sig);
}

static struct json_object *json_rule(const struct explain *x, const struct ban *b,
				     const struct file_ident *id)
{
	const struct policy_rule *pr;
	char ident[POLICY_IDENT_STRLEN], label[EXECBAN_LABEL_LEN + 1];
	struct json_object *o;

	if (!b)
		return NULL;
	pr = rule_src(x, &b->rule);
	if (pr)
		policy_format_ident(pr, ident, sizeof(ident));
	else if (id)
		file_ident_format(id, ident, sizeof(ident));
	else if (b->rule.ident_kind == EXECBAN_IDENT_SHA256)
		hex_encode(b->key.b, EXECBAN_SHA256_LEN, stpcpy(ident, "sha256="));
	else
		snprintf(ident, sizeof(ident), "%s=?", policy_ident_name(b->rule.ident_kind));
	memcpy(label, b->label, EXECBAN_LABEL_LEN);
	label[EXECBAN_LABEL_LEN] = 0;
	o = json_object_new_object();
	json_add_u64(o, "id", b->rule.rule_id);
	json_add_str(o, "action", policy_action_name(b->rule.action));
	json_add_str(o, "match", ident);
	json_add_str(o, "label", label);
	json_add_str(o, "reason", rule_reason(x, &b->rule));
	json_add_str(o, "file", pr ? pr->file : NULL);
	json_add(o, "line", pr && pr->file ? json_object_new_uint64(pr->line) : NULL);
	return o;
}

/* One file: 0 allowed or audited, 1 denied, -errno unreadable (reported). */
static int explain_file(struct explain *x, const char *path)
{
	char hex[2 * EXECBAN_SHA256_LEN + 1] = "", why[400] = "", rule[1024], from[1024];
	char ident[POLICY_IDENT_STRLEN], sigwhy[400] = "";
	const struct file_ident *id;
	const char *verdict;
	struct judge_src src;
	struct judgement j;
	struct file_sigs fs;
	struct stat st;
	unsigned int i;
	int fd, ret;

	memset(&fs, 0, sizeof(fs));
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0 || fstat(fd, &st)) {
		ret = -errno;
		err("%s: %s", path, strerror(errno));
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		/* exec and mmap of anything else is not execban's to judge */
		ret = -EINVAL;
		err("%s: not a regular file", path);
		goto out;
	}
	src = (struct judge_src){ .fd = fd, .size = (uint64_t)st.st_size };
	ret = judge_file(&x->b, &src, true, &fs, &j);
	if (ret) {
		err("%s: cannot be read: %s (the kernel refuses a file of a banned size that "
		    "it cannot hash)", path, strerror(-ret));
		goto out;
	}
	if (!j.sigs_read) {
		/* not needed for the verdict; shown all the same */
		file_sigs_read(fd, src.size, &fs);
	}
	if (j.hashed)
		hex_encode(j.digest, sizeof(j.digest), hex);
	if (file_sigs_unreadable(&fs))
		file_sigs_why(&fs, sigwhy, sizeof(sigwhy));
	verdict = j.deny ? "denied" : j.audit ? "audited" : "allowed";

	/* the summary: what decided */
	id = ident_of(&j, &fs, j.rule);
	if (j.sig_unreadable) {
		snprintf(why, sizeof(why), "its signature cannot be read (%s): refused while "
			 "signer rules are in force", sigwhy);
	} else if (j.rule && j.rule->rule.action != EXECBAN_RULE_ALLOW) {
		snprintf(why, sizeof(why), "rule %s matches its %s%s",
			 j.rule->label[0] ? j.rule->label : "(no label)",
			 id ? policy_ident_name(id->kind) : "sha256",
			 j.audit && j.rule->rule.action == EXECBAN_RULE_DENY ? " (mode audit)" : "");
	} else if (j.rule && j.exempted) {
		char what[POLICY_IDENT_STRLEN];

		if (id)
			file_ident_format(id, what, sizeof(what));
		else
			snprintf(what, sizeof(what), "sha256=%s", hex);
		snprintf(why, sizeof(why), "exception allow %s (%s) exempts it from rule %s",
			 what, j.rule->label[0] ? j.rule->label : "no label",
			 j.exempted->label[0] ? j.exempted->label : "(no label)");
	} else {
		why_none(x, &j, &fs, why, sizeof(why));
		if (j.rule)	/* an allow rule matched, with nothing to exempt it from */
			snprintf(why + strlen(why), sizeof(why) - strlen(why),
				 " (an allow rule matches it too)");
	}
	if (j.rule)
		describe(x, j.rule, id, rule, sizeof(rule));
	if (j.exempted)
		describe(x, j.exempted, ident_of(&j, &fs, j.exempted), from, sizeof(from));

	if (x->json) {
		struct json_object *o = json_doc(JSON_SCHEMA_EXPLAIN), *a, *sig;

		json_add_str(o, "path", path);
		json_add_str(o, "verdict", verdict);
		json_add_str(o, "why", why);
		json_add_u64(o, "size", (uint64_t)st.st_size);
		json_add_bool(o, "size_banned", j.size_banned);
		json_add_str(o, "sha256", j.hashed ? hex : NULL);
		a = json_object_new_array();
		for (i = 0; i < fs.n_ids && i < EXECBAN_SIGNER_KEYS; i++) {
			const struct ban *b = j.sigs_read ? j.signer_rule[i] : NULL;

			if (file_ident_format(&fs.ids[i], ident, sizeof(ident)) < 0)
				ident[0] = 0;
			sig = json_object_new_object();
			json_add_str(sig, "identity", policy_ident_name(fs.ids[i].kind));
			json_add_str(sig, "match", ident);
			json_add(sig, "rule", json_rule(x, b, &fs.ids[i]));
			json_object_array_add(a, sig);
		}
		json_add(o, "signers", a);
		json_add_str(o, "signature_error", sigwhy[0] ? sigwhy : NULL);
		json_add(o, "rule", json_rule(x, j.rule, id));
		json_add(o, "exempted", json_rule(x, j.exempted, ident_of(&j, &fs, j.exempted)));
		json_emit(stdout, o);
	} else {
		printf("%s: %s: %s\n", path, verdict, why);
		printf("  size      %llu bytes: %s\n", (unsigned long long)st.st_size,
		       !x->b.n_hash_rules ? "no digest rule (not hashed at exec for them)" :
		       !x->b.size_filter ? "hashed at exec (a digest rule has no size=)" :
		       j.size_banned ? "a banned size (hashed at exec)" :
		       "not a banned size (not hashed at exec for digest rules)");
		printf("  sha256    %s\n", j.hashed ? hex : "(not read)");
		if (sigwhy[0])
			printf("  signers   unreadable: %s\n", sigwhy);
		else if (!fs.n_ids)
			printf("  signers   none (no signature)\n");
		for (i = 0; i < fs.n_ids && i < EXECBAN_SIGNER_KEYS; i++) {
			const struct ban *b = bans_find(&x->b, fs.ids[i].key.b);

			if (file_ident_format(&fs.ids[i], ident, sizeof(ident)) < 0)
				snprintf(ident, sizeof(ident), "%s=?", policy_ident_name(fs.ids[i].kind));
			printf("  signer    %s: %s%s\n", ident,
			       b ? policy_action_name(b->rule.action) : "no rule",
			       j.sigs_read ? "" :
			       x->signers_off ? " (signer rules not enforced)" :
			       b ? " (not consulted: the policy has no deny or audit signer rule)" : "");
		}
		if (x->signers_off && x->b.n_signer_bans)
			printf("  note      signer rules are loaded but not enforced: %s\n",
			       x->signers_off);
		if (j.rule)
			printf("  rule      %s\n", rule);
		if (j.exempted)
			printf("  exempted  from %s\n", from);
	}
	fflush(stdout);
	ret = j.deny ? 1 : 0;
out:
	if (fd >= 0)
		close(fd);
	return ret;
}

/* The policy: files (compiled as check does), or the kernel's. 0 or an exit code. */
static int load_policy(struct explain *x, char **files, int n_files)
{
	int ret;

	if (n_files) {
		x->offline = true;
		ret = compile(&x->c, files, n_files, (size_t)1 << 26);
		if (!ret)
			ret = bans_set(&x->b, &x->c, NULL);
		if (ret == -ENOMEM)
			err("out of memory");
		else if (ret)
			err("the policy has errors (above): nothing explained");
		return ret ? EXIT_SYSTEM : 0;
	}
	ret = kpolicy_read(&x->k);
	if (ret) {
		err("cannot read the policy the kernel enforces (%s%s): pass the policy with "
		    "--policy FILE", strerror(-ret),
		    ret == -ENOENT ? ": none is loaded" :
		    ret == -EPERM || ret == -EACCES ? ": not root?" : "");
		return EXIT_SYSTEM;
	}
	if (bans_set(&x->b, NULL, &x->k)) {
		err("out of memory");
		return EXIT_SYSTEM;
	}
	if (x->b.n_signer_bans) {
		/* the kernel reads no signature then: neither does the verdict */
		x->signers_off = signers_inactive_why(x->k.features);
		if (x->signers_off)
			x->b.n_signer_bans = 0;
	}
	return 0;
}

int cmd_explain(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "policy", required_argument, NULL, 'p' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	struct explain x = { .json = false };
	char **policies;
	int c, i, n_policies = 0, ret, rc = EXIT_OK;

	policies = calloc((size_t)argc + 1, sizeof(*policies));
	if (!policies)
		return EXIT_SYSTEM;
	optind = 1;
	while ((c = getopt_long(argc, argv, "jh", opts, NULL)) != -1) {
		switch (c) {
		case 'p': policies[n_policies++] = optarg; break;
		case 'j': x.json = true; break;
		case 'h': usage(stdout); free(policies); return EXIT_OK;
		default:
			free(policies);
			return usage_hint("explain");
		}
	}
	if (optind == argc) {
		free(policies);
		return usage_error("explain", "no FILE given");
	}
	ret = load_policy(&x, policies, n_policies);
	if (ret) {
		rc = ret;
		goto out;
	}
	for (i = optind; i < argc; i++) {
		ret = explain_file(&x, argv[i]);
		if (ret < 0)
			rc = EXIT_SYSTEM;
		else if (ret > 0 && rc == EXIT_OK)
			rc = EXIT_FAIL;
	}
out:
	bans_free(&x.b);
	if (x.offline)
		compiled_free(&x.c);
	else
		kpolicy_free(&x.k);
	free(policies);
	return rc;
}
