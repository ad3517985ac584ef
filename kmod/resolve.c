// SPDX-License-Identifier: GPL-2.0
/*
 * execban kernel module: /sys/kernel/security/execban/resolve_signer.
 *
 * A signature that names its signer by issuer and serial (sign-file's default,
 * every Debian module) matches a signer-skid= rule in the kernel because the
 * module resolves it in the system keyrings (signer.c). Userspace cannot: the
 * keyrings hold keys, not certificates, and /proc/keys shows neither issuer
 * nor serial. execban scan, which must report what the kernel would refuse,
 * asks the module through this file instead.
 *
 * Write "<issuer Name DER in hex> <serial in hex>\n"; then read back
 * "<subject key identifier in hex>\n", or the read fails with the errno of
 * execban_signer_resolve(): ENOKEY for a certificate the keyrings do not hold.
 * Each open file holds one answer. Root only (0600).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/err.h>
#include <linux/fs.h>
#include <linux/kernel.h>
#include <linux/security.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>

#include "compat.h"
#include "resolve.h"
#include "sigparse.h"
#include "signer.h"

/* The longest query: both fields in hex, a space, a newline. */
#define RESOLVE_QUERY_MAX	(2 * (SIGPARSE_ISSUER_MAX + SIGPARSE_SERIAL_MAX) + 2)

struct resolve_answer {
	int err;			/* -ENOMSG until a query was written */
	size_t len;
	char text[2 * SIGPARSE_SKID_MAX + 2];
};

struct resolve_query {
	char text[RESOLVE_QUERY_MAX + 1];
	u8 issuer[SIGPARSE_ISSUER_MAX];
	u8 serial[SIGPARSE_SERIAL_MAX];
	u8 skid[SIGPARSE_SKID_MAX];
};

static struct dentry *dir, *file;

static int resolve_open(struct inode *inode, struct file *f)
{
	struct resolve_answer *a = kzalloc(sizeof(*a), GFP_KERNEL);

	if (!a)
		return -ENOMEM;
	a->err = -ENOMSG;
	f->private_data = a;
	return 0;
}

static int resolve_release(struct inode *inode, struct file *f)
{
	kfree(f->private_data);
	return 0;
}

/* Hex of even length into @out (at most @max bytes): the byte count, or -EINVAL. */
static int unhex(const char *s, size_t len, u8 *out, size_t max)
{
	if (!len || len % 2 || len / 2 > max || hex2bin(out, s, len / 2))
		return -EINVAL;
	return len / 2;
}

static ssize_t resolve_write(struct file *f, const char __user *buf, size_t count, loff_t *ppos)
{
	struct resolve_answer *a = f->private_data;
	struct resolve_query *q;
	int issuer_len, serial_len, len;
	char *sp, *end;

	if (*ppos || count > RESOLVE_QUERY_MAX)
		return -EINVAL;
	q = kzalloc(sizeof(*q), GFP_KERNEL);
	if (!q)
		return -ENOMEM;
	if (copy_from_user(q->text, buf, count)) {
		kfree(q);
		return -EFAULT;
	}
	end = q->text + count;
	if (end > q->text && end[-1] == '\n')
		end--;
	sp = memchr(q->text, ' ', end - q->text);
	issuer_len = sp ? unhex(q->text, sp - q->text, q->issuer, sizeof(q->issuer)) : -EINVAL;
	serial_len = sp ? unhex(sp + 1, end - sp - 1, q->serial, sizeof(q->serial)) : -EINVAL;
	if (issuer_len < 0 || serial_len < 0) {
		kfree(q);
		return -EINVAL;
	}
	len = execban_signer_resolve(q->issuer, issuer_len, q->serial, serial_len, q->skid,
				     sizeof(q->skid));
	a->err = len < 0 ? len : 0;
	a->len = 0;
	if (len > 0) {
		bin2hex(a->text, q->skid, len);
		a->text[2 * len] = '\n';
		a->len = 2 * len + 1;
	}
	kfree(q);
	return count;
}

static ssize_t resolve_read(struct file *f, char __user *buf, size_t count, loff_t *ppos)
{
	struct resolve_answer *a = f->private_data;

	if (a->err)
		return a->err;
	return simple_read_from_buffer(buf, count, ppos, a->text, a->len);
}

static const struct file_operations resolve_fops = {
	.owner = THIS_MODULE,
	.open = resolve_open,
	.release = resolve_release,
	.read = resolve_read,
	.write = resolve_write,
};

/**
 * execban_resolve_init() - create /sys/kernel/security/execban/resolve_signer
 *
 * Return: 0, or the -errno of securityfs.
 */
int execban_resolve_init(void)
{
	dir = securityfs_create_dir("execban", NULL);
	if (IS_ERR(dir))
		return PTR_ERR(dir);
	file = securityfs_create_file("resolve_signer", 0600, dir, NULL, &resolve_fops);
	if (IS_ERR(file)) {
		securityfs_remove(dir);
		return PTR_ERR(file);
	}
	return 0;
}

void execban_resolve_exit(void)
{
	securityfs_remove(file);
	securityfs_remove(dir);
}
