// SPDX-License-Identifier: GPL-2.0
/*
 * check.c - execban check (validate policies without loading) and execban hash (a file's
 * identities, as the kernel computes them, printed as a ready rule; for a compressed kernel
 * module, first those of the module image inside it, decompress.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include "cli.h"
#include "compile.h"
#include "decompress.h"
#include "filesig.h"
#include "jsonout.h"
#include "policy.h"
#include "sysguard.h"

static void usage_check(FILE *out)
{
	fputs("usage: execban check [--keys] [--json] [--force] POLICY...\n\n"
	      "Validate policy files without loading them, as 'execban load' would compile them\n"
	      "(signer= certificates included). Errors are printed as file:line: message.\n"
	      "Prints the policy's name, version and mode (and where each is set) and its rule\n"
	      "counts. A rule banning a file the system needs to boot and to be repaired (the\n"
	      "shell, init, libc, dpkg, Essential packages: execban(8)) is an error.\n\n"
	      "      --keys   print every map entry the policy compiles to, sorted by key:\n"
	      "                 <key hex> <rule in policy syntax>  # <file>:<line>[ from "
	      "signer=<path>]\n"
	      "               the key of a sha256 rule is its digest; a signer rule's is\n"
	      "               SHA-256(\"execban-signer\\0\" || kind || identity); signer= gives\n"
	      "               one entry per identity of its certificate\n"
	      "  -j, --json   one JSON object: ok, counts, digest, diagnostics and messages\n"
	      "               (file, line, severity, message); entries with --keys\n"
	      "      --force  a rule banning a file the system needs is a warning, not an error\n\n"
	      "exit: 0 valid, 1 invalid, 2 usage, 3 out of memory\n", out);
}

static struct json_object *json_entry(const struct compiled *c, size_t i)
{
	const struct policy_rule *pr = &c->pol.rules[i];
	char hex[2 * EXECBAN_SHA256_LEN + 1], ident[POLICY_IDENT_STRLEN], *eq;
	struct json_object *o = json_object_new_object();

	hex_encode(c->keys[i].b, EXECBAN_SHA256_LEN, hex);
	policy_format_ident(pr, ident, sizeof(ident));
	eq = strchr(ident, '=');
	if (eq)
		*eq++ = 0;
	json_add_str(o, "key", hex);
	json_add_u64(o, "id", c->rules[i].rule_id);
	json_add_str(o, "action", policy_action_name(pr->action));
	json_add_str(o, "identity", ident);
	json_add_str(o, "value", eq ? eq : "");
	json_add(o, "size", pr->has_size ? json_object_new_uint64(pr->size) : NULL);
	json_add_str(o, "label", pr->label);
	json_add_str(o, "reason",
		     pr->reason_id == POLICY_NO_REASON ? "" : c->pol.reasons[pr->reason_id]);
	json_add_str(o, "file", pr->file);
	json_add_u64(o, "line", pr->line);
	json_add_str(o, "signer", pr->signer);
	return o;
}

/* The diagnostics, one JSON string per line of text. */
static struct json_object *json_lines(const char *text)
{
	struct json_object *a = json_object_new_array();
	const char *s = text, *nl;
	char *line;

	while (s && *s) {
		nl = strchr(s, '\n');
		line = strndup(s, nl ? (size_t)(nl - s) : strlen(s));
		if (line)
			json_object_array_add(a, json_text(line));
		free(line);
		s = nl ? nl + 1 : NULL;
	}
	return a;
}

/* Each diagnostic as {file, line, severity, message}, into the array arg. */
static void json_message_add(void *arg, const char *file, unsigned int line, bool error,
			     const char *msg)
{
	json_object_array_add(arg, json_message(file, line, error, msg));
}

/* Where a directive was set, "file:line", or NULL. */
static const char *set_at(const char *file, unsigned int line, char *buf, size_t size)
{
	if (!file)
		return NULL;
	snprintf(buf, size, "%s:%u", file, line);
	return buf;
}

/* The effective name, version and mode of a valid policy, and its rule counts. */
static void print_summary(const struct compiled *c, struct json_object *o)
{
	const struct policy *p = &c->pol;
	char n_at[PATH_MAX + 16], v_at[PATH_MAX + 16], m_at[PATH_MAX + 16];
	const char *na = set_at(p->name_file, p->name_line, n_at, sizeof(n_at));
	const char *va = set_at(p->version_file, p->version_line, v_at, sizeof(v_at));
	const char *ma = set_at(p->mode_file, p->mode_line, m_at, sizeof(m_at));
	const char *mode = p->mode == EXECBAN_MODE_AUDIT ? "audit" : "enforce";
	size_t i, deny = 0, audit = 0, allow = 0;

	for (i = 0; i < c->n_rules; i++) {
		if (c->rules[i].action == EXECBAN_RULE_AUDIT)
			audit++;
		else if (c->rules[i].action == EXECBAN_RULE_ALLOW)
			allow++;
		else
			deny++;
	}
	if (o) {
		json_add_str(o, "name", p->name);
		json_add_u64(o, "version", p->version);
		json_add_str(o, "mode", mode);
		json_add_str(o, "name_at", na);
		json_add_str(o, "version_at", va);
		json_add_str(o, "mode_at", ma);
		json_add_u64(o, "deny", deny);
		json_add_u64(o, "audit", audit);
		json_add_u64(o, "allow", allow);
		json_add_u64(o, "sha256_rules", c->n_rules - c->info.n_signer_rules);
		return;
	}
	if (p->name[0])
		printf("  name \"%s\" (%s), ", p->name, na);
	else
		printf("  name none (not set), ");
	if (va)
		printf("version %llu (%s), ", (unsigned long long)p->version, va);
	else
		printf("version 0 (not set), ");
	printf("mode %s (%s)\n", mode, ma ? ma : "default");
	printf("  rules %zu: %zu deny, %zu audit", c->n_rules, deny, audit);
	if (allow)	/* exceptions: said only when there are some */
		printf(", %zu allow", allow);
	printf("; %zu sha256, %u signer identit%s; size filter %s\n",
	       c->n_rules - c->info.n_signer_rules,
	       c->info.n_signer_rules, c->info.n_signer_rules == 1 ? "y" : "ies",
	       c->info.flags & EXECBAN_POLICY_SIZE_FILTER ? "on" : "off");
}

int cmd_check(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "keys", no_argument, NULL, 'k' },
		{ "json", no_argument, NULL, 'j' },
		{ "force", no_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	char hex[2 * EXECBAN_SHA256_LEN + 1], *text = NULL;
	bool keys = false, json = false, force = false;
	size_t i, text_len = 0;
	struct json_object *messages = NULL;	/* with --json: each diagnostic's parts */
	FILE *diag = NULL;
	struct compiled c;
	int opt, ret;

	while ((opt = getopt_long(argc, argv, "jh", opts, NULL)) != -1) {
		switch (opt) {
		case 'k': keys = true; break;
		case 'j': json = true; break;
		case 'f': force = true; break;
		case 'h': usage_check(stdout); return EXIT_OK;
		default: return usage_hint("check");
		}
	}
	if (optind == argc)
		return usage_error("check", "no POLICY given");
	/* JSON carries the diagnostics: nothing else on stdout, nothing on stderr. */
	if (json) {
		diag = open_memstream(&text, &text_len);
		if (!diag) {
			err("out of memory");
			return EXIT_SYSTEM;
		}
	}
	if (json)
		messages = json_object_new_array();
	ret = compile_diag_fn(&c, argv + optind, argc - optind, EXECBAN_DEFAULT_MAX_RULES, diag,
			      messages ? json_message_add : NULL, messages);
	if (!ret)
		ret = sysguard_policy(&c, force);
	if (diag)
		fclose(diag);
	if (json) {
		struct json_object *o = json_doc(JSON_SCHEMA_CHECK), *a;

		hex_encode(c.info.digest, EXECBAN_SHA256_LEN, hex);
		json_add_bool(o, "ok", !ret);
		json_add_u64(o, "errors", c.pol.n_errors);
		json_add_u64(o, "warnings", c.pol.n_warnings);
		json_add(o, "diagnostics", json_lines(text));
		json_add(o, "messages", messages);
		if (!ret) {
			json_add_u64(o, "rules", c.n_rules);
			json_add_u64(o, "signer_rules", c.info.n_signer_rules);
			json_add_u64(o, "certificates", c.n_certs);
			json_add_bool(o, "size_filter", c.info.flags & EXECBAN_POLICY_SIZE_FILTER);
			json_add_str(o, "digest", hex);
			print_summary(&c, o);
			if (keys) {
				a = json_object_new_array();
				for (i = 0; i < c.n_rules; i++)
					json_object_array_add(a, json_entry(&c, i));
				json_add(o, "entries", a);
			}
		}
		json_emit(stdout, o);
	} else if (!ret) {
		printf("%s: ok: %zu rule%s", optind + 1 == argc ? argv[optind] : "policy",
		       c.n_rules, c.n_rules == 1 ? "" : "s");
		if (c.info.n_signer_rules)
			printf(" (%u signer identit%s, %zu certificate%s)", c.info.n_signer_rules,
			       c.info.n_signer_rules == 1 ? "y" : "ies", c.n_certs,
			       c.n_certs == 1 ? "" : "s");
		printf("%s\n", c.pol.n_warnings ? " (with warnings)" : "");
		print_summary(&c, NULL);
		for (i = 0; keys && i < c.n_rules; i++) {
			const struct policy_rule *pr = &c.pol.rules[i];

			hex_encode(c.keys[i].b, EXECBAN_SHA256_LEN, hex);
			printf("%s ", hex);
			fprint_rule(stdout, &c.keys[i], &c.rules[i], pr, pr->label,
				    pr->reason_id == POLICY_NO_REASON ? "" :
				    c.pol.reasons[pr->reason_id]);
			printf("  # %s:%u", pr->file, pr->line);
			if (pr->signer)
				printf(" from signer=%s", pr->signer);
			putchar('\n');
		}
	}
	free(text);
	compiled_free(&c);
	return !ret ? EXIT_OK : ret == -ENOMEM ? EXIT_SYSTEM : EXIT_FAIL;
}

/* A label derived from the file name: the characters a label allows, at most 31. */
static void label_from(const char *path, char *out)
{
	char tmp[4096];
	const char *b;
	size_t n = 0;

	snprintf(tmp, sizeof(tmp), "%s", path);
	for (b = basename(tmp); *b && n < EXECBAN_LABEL_LEN - 1; b++)
		out[n++] = (char)(strchr("._:+-", *b) || (*b >= '0' && *b <= '9') ||
				  ((*b | 0x20) >= 'a' && (*b | 0x20) <= 'z') ? *b : '_');
	out[n] = 0;
	if (!n)
		strcpy(out, "file");
}

/* The issuer Name's DER as readable text (RFC 2253), for a comment only. */
static void issuer_text(const uint8_t *der, size_t len, char *out, size_t size)
{
	const unsigned char *p = der;
	X509_NAME *name = d2i_X509_NAME(NULL, &p, (long)len);
	BIO *bio = BIO_new(BIO_s_mem());
	int n = -1;

	if (name && bio && X509_NAME_print_ex(bio, name, 0, XN_FLAG_RFC2253) >= 0)
		n = BIO_read(bio, out, (int)size - 1);
	out[n > 0 ? n : 0] = 0;
	if (n <= 0)
		snprintf(out, size, "(unprintable)");
	BIO_free(bio);
	X509_NAME_free(name);
}

/* The identity of that kind in policy syntax, value only ("" if the file has none). */
static void ident_value(const struct file_sigs *fs, unsigned int kind, char *out, size_t size)
{
	char buf[POLICY_IDENT_STRLEN], *eq;
	unsigned int i;

	out[0] = 0;
	for (i = 0; i < fs->n_ids; i++) {
		if (fs->ids[i].kind != kind || file_ident_format(&fs->ids[i], buf, sizeof(buf)) < 0)
			continue;
		eq = strchr(buf, '=');
		snprintf(out, size, "%s", eq ? eq + 1 : buf);
	}
}

/* What execban hash prints of a file's signers (filesig.c reads them). */
struct signer_text {
	char skid[POLICY_IDENT_STRLEN], issuer_serial[POLICY_IDENT_STRLEN];
	char cert_sha256[POLICY_IDENT_STRLEN], ima_keyid[POLICY_IDENT_STRLEN];
	char issuer[512];			/* readable, for people */
	char serial[2 * SIGPARSE_SERIAL_MAX + 1];
	const char *ima_type, *ima_hash;
};

static void signer_text(const struct file_sigs *fs, struct signer_text *t)
{
	memset(t, 0, sizeof(*t));
	ident_value(fs, EXECBAN_IDENT_SIGNER_SKID, t->skid, sizeof(t->skid));
	ident_value(fs, EXECBAN_IDENT_SIGNER_ISSUER_SERIAL, t->issuer_serial,
		    sizeof(t->issuer_serial));
	ident_value(fs, EXECBAN_IDENT_SIGNER_CERT_SHA256, t->cert_sha256, sizeof(t->cert_sha256));
	ident_value(fs, EXECBAN_IDENT_IMA_KEYID, t->ima_keyid, sizeof(t->ima_keyid));
	if (t->issuer_serial[0]) {
		issuer_text(fs->issuer, fs->issuer_len, t->issuer, sizeof(t->issuer));
		sigparse_hex(fs->serial, fs->serial_len, t->serial, sizeof(t->serial));
	}
	if (!fs->ima_err) {
		t->ima_type = fs->ima.type == SIGPARSE_IMA_VERITY_DIGSIG ? "fs-verity digsig" :
			      "digsig";
		t->ima_hash = sigparse_hash_algo_name(fs->ima.hash_algo);
	}
}

/*
 * As comments after the rule: identities in policy syntax, ready to uncomment. image: fs
 * are a module image's (no file: init_module(2) is given it in memory).
 */
static void print_signers(const struct file_sigs *fs, bool image)
{
	struct signer_text t;

	signer_text(fs, &t);
	if (fs->modsig_err && fs->modsig_err != -ENODATA) {
		printf("# signature: %s\n", fs->modsig_why);
	} else if (!fs->modsig_err) {
		printf("# signature: appended PKCS#7 (module-signature format), %u signer%s, "
		       "%u certificate%s\n", fs->n_signers, fs->n_signers == 1 ? "" : "s",
		       fs->n_certs, fs->n_certs == 1 ? "" : "s");
		if (t.skid[0] && !fs->skid_from_keyring)
			printf("# signer-skid=%s\n", t.skid);
		if (t.issuer_serial[0]) {
			printf("# signer-issuer-serial=%s\n", t.issuer_serial);
			printf("#   issuer \"%s\", serial %s\n", t.issuer, t.serial);
		}
		if (t.skid[0] && fs->skid_from_keyring)
			printf("# signer-skid=%s\n#   the key id of that certificate in the "
			       "kernel's system keyrings (execban.ko)%s\n", t.skid,
			       image ? "; init_module(2), which cannot search them, matches the "
			       "issuer and serial only" : "");
		if (t.cert_sha256[0])
			printf("# signer-cert-sha256=%s\n", t.cert_sha256);
	}
	if (fs->ima_err && fs->ima_err != -ENODATA) {
		printf("# signature: %s\n", fs->ima_why);
	} else if (!fs->ima_err) {
		printf("# signature: security.ima %s v%u, %s\n", t.ima_type, fs->ima.version,
		       t.ima_hash ? t.ima_hash : "unknown hash");
		printf("# ima-keyid=%s\n", t.ima_keyid);
	}
}

/* "key": value when value is set. */
static void json_opt(struct json_object *o, const char *key, const char *value)
{
	if (value && value[0])
		json_add_str(o, key, value);
}

/* "modsig": null, its error, or its identities. */
static struct json_object *json_modsig(const struct file_sigs *fs, const struct signer_text *t)
{
	struct json_object *o;

	if (fs->modsig_err == -ENODATA)
		return NULL;
	o = json_object_new_object();
	if (fs->modsig_err) {
		json_add_str(o, "error", fs->modsig_why);
		return o;
	}
	json_add_u64(o, "signers", fs->n_signers);
	json_add_u64(o, "certificates", fs->n_certs);
	json_opt(o, "signer-skid", t->skid);
	if (fs->skid_from_keyring)
		json_add_str(o, "skid_from", "keyring");
	json_opt(o, "signer-issuer-serial", t->issuer_serial);
	json_opt(o, "issuer", t->issuer);
	json_opt(o, "serial", t->serial);
	json_opt(o, "signer-cert-sha256", t->cert_sha256);
	return o;
}

/* img: the module image inside a compressed module (its signature in ifs), or NULL. */
static void print_json(const char *path, const char *hex, uint64_t size, const char *label,
		       const struct file_sigs *fs, const struct module_image *img,
		       const struct file_sigs *ifs)
{
	struct json_object *o = json_doc(JSON_SCHEMA_HASH), *ima = NULL, *image = NULL;
	char ihex[2 * EXECBAN_SHA256_LEN + 1];
	struct signer_text t;

	json_add_str(o, "path", path);
	json_add_str(o, "sha256", hex);
	json_add_u64(o, "size", size);
	json_add_str(o, "label", label);
	signer_text(fs, &t);
	json_add(o, "modsig", json_modsig(fs, &t));
	if (fs->ima_err && fs->ima_err != -ENODATA) {
		ima = json_object_new_object();
		json_add_str(ima, "error", fs->ima_why);
	} else if (!fs->ima_err) {
		ima = json_object_new_object();
		json_add_str(ima, "type", t.ima_type);
		json_add_u64(ima, "version", fs->ima.version);
		json_add_str(ima, "hash", t.ima_hash);
		json_add_str(ima, "ima-keyid", t.ima_keyid);
	}
	json_add(o, "ima", ima);
	if (img) {
		image = json_object_new_object();
		hex_encode(img->sha256, sizeof(img->sha256), ihex);
		json_add_str(image, "format", zformat_name(img->format));
		json_add_str(image, "sha256", ihex);
		json_add_u64(image, "size", img->size);
		signer_text(ifs, &t);
		json_add(image, "modsig", json_modsig(ifs, &t));
	}
	json_add(o, "image", image);
	json_emit(stdout, o);
}

static void usage_hash(void)
{
	puts("usage: execban hash [--json] FILE...\n\nPrint each file's identity as the "
	     "kernel computes it, as a ready-to-use rule:\n"
	     "  deny sha256=<hex> size=<bytes> label=<name>\n"
	     "then, as comments, the identities of its signer when it is signed (an appended "
	     "PKCS#7 in the kernel's module-signature format, or security.ima):\n"
	     "  # signer-skid=<hex> or # signer-issuer-serial=<sha256 of issuer>/<serial>\n"
	     "  # signer-cert-sha256=<hex>   # ima-keyid=<8 hex>\n\n"
	     "A compressed kernel module (xz, zstd or gzip, told by its content: .ko.xz,\n"
	     ".ko.zst, .ko.gz) gives two rules: first the module image inside it, what\n"
	     "modprobe and insmod hand init_module(2), with the identities of the signature\n"
	     "appended to that image; then the compressed file itself, what finit_module(2)\n"
	     "reads when the kernel decompresses. Images larger than 512 MiB are refused\n"
	     "(EXECBAN_IMAGE_MAX sets another bound).\n\n"
	     "-j, --json: one object per file: path, sha256, size, label, modsig and ima (null\n"
	     "when the file has no such signature; else its identities, or an error), and\n"
	     "image (null, or the module image's format, sha256, size and modsig).\n\n"
	     "exit: 0 ok, 1 a file could not be read or decompressed, 2 usage");
}

int cmd_hash(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	char hex[2 * EXECBAN_SHA256_LEN + 1], label[EXECBAN_LABEL_LEN];
	uint8_t digest[EXECBAN_SHA256_LEN];
	int i, fd, ret, status = EXIT_OK;
	struct module_image *img = NULL;
	struct file_sigs fs, ifs;
	bool json = false;
	struct stat st;
	uint64_t size;

	while ((ret = getopt_long(argc, argv, "jh", opts, NULL)) != -1) {
		switch (ret) {
		case 'j':
			json = true;
			break;
		case 'h':
			usage_hash();
			return EXIT_OK;
		default:
			return usage_hint("hash");
		}
	}
	if (optind == argc)
		return usage_error("hash", "no FILE given");
	img = malloc(sizeof(*img));
	if (!img) {
		err("out of memory");
		return EXIT_SYSTEM;
	}
	for (i = optind; i < argc; i++) {
		fd = open(argv[i], O_RDONLY | O_CLOEXEC);
		if (fd < 0 || fstat(fd, &st)) {
			err_path(argv[i], "%s", strerror(errno));
			status = EXIT_FAIL;
			if (fd >= 0)
				close(fd);
			continue;
		}
		if (!S_ISREG(st.st_mode)) {
			err_path(argv[i], "not a regular file");
			status = EXIT_FAIL;
			close(fd);
			continue;
		}
		ret = sha256_fd(fd, digest, &size);
		if (ret) {
			err_path(argv[i], "read: %s", strerror(-ret));
			status = EXIT_FAIL;
			close(fd);
			continue;
		}
		ret = module_image_read(fd, img);
		if (ret < 0) {
			err_path(argv[i], "%s", img->why);
			status = EXIT_FAIL;
			close(fd);
			continue;
		}
		if (ret)
			file_sigs_read_tail(img->tail, img->tail_len, img->size, &ifs);
		hex_encode(digest, sizeof(digest), hex);
		label_from(argv[i], label);
		file_sigs_read(fd, size, &fs);
		close(fd);
		if (json) {
			print_json(argv[i], hex, size, label, &fs, ret ? img : NULL, &ifs);
			continue;
		}
		if (ret) {
			char ihex[2 * EXECBAN_SHA256_LEN + 1];

			hex_encode(img->sha256, sizeof(img->sha256), ihex);
			printf("deny sha256=%s size=%llu label=%s\n", ihex,
			       (unsigned long long)img->size, label);
			printf("# the module image inside (%s-compressed): what modprobe and insmod "
			       "give init_module(2)\n", zformat_name(img->format));
			print_signers(&ifs, true);
		}
		printf("deny sha256=%s size=%llu label=%s\n", hex, (unsigned long long)size,
		       label);
		if (ret)
			printf("# the compressed file itself: what finit_module(2) reads when the "
			       "kernel decompresses (MODULE_INIT_COMPRESSED_FILE)\n");
		print_signers(&fs, false);
	}
	free(img);
	return status;
}
