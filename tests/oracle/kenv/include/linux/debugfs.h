/* SPDX-License-Identifier: MIT */
/* Stand-in: creating the debugfs file hands its fops to the oracle's VFS. */
#ifndef KENV_LINUX_DEBUGFS_H
#define KENV_LINUX_DEBUGFS_H

#include <linux/fs.h>

struct dentry;

struct dentry *debugfs_create_file_unsafe(const char *name, umode_t mode,
		struct dentry *parent, void *data,
		const struct file_operations *fops);

#endif /* KENV_LINUX_DEBUGFS_H */
