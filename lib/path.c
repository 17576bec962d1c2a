/* SPDX-License-Identifier: MIT */
/*
 * path.c - the part of the kernel's path walk (fs/namei.c) that decides
 * whether a name reaches the kcov file: every spelling Linux resolves to
 * /sys/kernel/debug/kcov ("//", ".", "..", a dirfd or the working
 * directory for a relative name, openat2's RESOLVE_* scoping), and the
 * magic links of /proc/self/fd and /dev/fd, which reopen whatever file an
 * fd refers to.
 *
 * The walk is lexical: it never stats, opens or reads a name the caller
 * gave. The only things it asks the kernel are the working directory
 * (getcwd) and a dirfd's path (/proc/self/fd/N). Symlinks other than
 * /proc/self, /proc/thread-self and /dev/fd are not followed: a ".." after
 * a symlinked directory is taken lexically, and a symlink to the device is
 * not recognised (the README's differences say so).
 */
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>

#include "internal.h"

#define DEBUGFS		"/sys/kernel/debug"
#define NAME_MAX_LEN	4096			/* PATH_MAX */

static notrace bool is_digits(const char *s, size_t n)
{
	size_t i;

	/* procfs takes no sign and no leading zero (name_to_int()). */
	if (!n || (n > 1 && s[0] == '0') || n > 9)
		return false;
	for (i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return true;
}

/* Does @path possibly name the device, or an fd's magic link if @fds? */
static notrace bool worth_a_walk(const char *path, bool fds)
{
	const char *end = path + strlen(path), *last;

	if (strstr(path, "kcov"))
		return true;
	if (!fds)
		return false;
	if (strstr(path, "fd") || strstr(path, "std"))
		return true;
	while (end > path && end[-1] == '/')
		end--;
	last = end;
	while (last > path && last[-1] != '/')
		last--;
	return is_digits(last, (size_t)(end - last));
}

/* The directory a relative name starts from, into @buf: 0 or -errno. */
static notrace int start_dir(int dirfd, char *buf, size_t size)
{
	char link[40];
	int n;

	if (dirfd == AT_FDCWD) {
		n = ksim_libc_getcwd(buf, size);
		return n < 0 || buf[0] != '/' ? -ENOENT : 0;
	}
	if (dirfd < 0)
		return -EBADF;
	snprintf(link, sizeof(link), "/proc/self/fd/%d", dirfd);
	n = ksim_libc_readlink(link, buf, size - 1);
	if (n <= 0 || buf[0] != '/')
		return -ENOENT;	/* a socket, a memfd, no /proc: not ours */
	buf[n] = '\0';
	if (n > 10 && !strcmp(buf + n - 10, " (deleted)"))
		return -ENOENT;
	return 0;
}

/*
 * If @norm (a normalised absolute name) is an fd's magic link, its fd:
 * /proc/self/fd/N, /proc/thread-self/fd/N, /proc/<our pid>/fd/N,
 * /proc/{self,<our pid>}/task/<tid>/fd/N, /dev/fd/N, /dev/std{in,out,err}.
 * Else -1. *@symlink: was a plain symlink on the way (/proc/self, /dev/fd).
 */
static notrace int fd_link(const char *norm, bool *symlink)
{
	char pid[16];
	const char *p, *fd;
	size_t n;

	*symlink = true;
	if (!strcmp(norm, "/dev/stdin"))
		return 0;
	if (!strcmp(norm, "/dev/stdout"))
		return 1;
	if (!strcmp(norm, "/dev/stderr"))
		return 2;
	if (!strncmp(norm, "/dev/fd/", 8)) {
		fd = norm + 8;
	} else if (!strncmp(norm, "/proc/", 6)) {
		p = norm + 6;
		snprintf(pid, sizeof(pid), "%d/", (int)ksim_getpid());
		n = strlen(pid);
		if (!strncmp(p, "self/", 5))
			p += 5;
		else if (!strncmp(p, "thread-self/", 12))
			p += 12;
		else if (!strncmp(p, pid, n))
			p += n, *symlink = false;
		else
			return -1;
		if (!strncmp(p, "task/", 5)) {
			p += 5;
			while (*p >= '0' && *p <= '9')
				p++;
			if (*p++ != '/')
				return -1;
		}
		if (strncmp(p, "fd/", 3))
			return -1;
		fd = p + 3;
	} else {
		return -1;
	}
	n = strlen(fd);
	return is_digits(fd, n) ? atoi(fd) : -1;
}

/* Append "/@comp" (@n bytes) to @norm of length *@len; false if too long. */
static notrace bool push(char *norm, size_t *len, const char *comp, size_t n)
{
	if (*len + 1 + n >= 2 * NAME_MAX_LEN)
		return false;
	norm[(*len)++] = '/';
	memcpy(norm + *len, comp, n);
	*len += n;
	norm[*len] = '\0';
	return true;
}

static notrace void pop(char *norm, size_t *len, size_t floor)
{
	while (*len > floor && norm[*len - 1] != '/')
		(*len)--;
	if (*len > floor)
		(*len)--;
	norm[*len] = '\0';
}

/* What the walk found: the device, an fd's magic link, or neither. */
static notrace int target(const char *norm, bool fds, int *fd, bool *symlink)
{
	*symlink = false;
	if (!strcmp(norm, KSIM_DEV_PATH))
		return KSIM_PATH_KCOV;
	*fd = fds ? fd_link(norm, symlink) : -1;
	return *fd >= 0 ? KSIM_PATH_FD : KSIM_PATH_OTHER;
}

/*
 * The errors openat2's RESOLVE_* flags give on the way to the device or
 * through a magic link (nd_jump_link(), LOOKUP_NO_XDEV): 0 if none.
 * @inside: the walk started in debugfs and stayed there.
 */
static notrace int resolve_err(int kind, unsigned long resolve, bool symlink,
			       bool inside)
{
	if (kind == KSIM_PATH_FD) {
		if (resolve & (RESOLVE_NO_MAGICLINKS | RESOLVE_NO_SYMLINKS))
			return -ELOOP;
		if (resolve & (RESOLVE_NO_XDEV | RESOLVE_BENEATH | RESOLVE_IN_ROOT))
			return -EXDEV;
		return 0;
	}
	if (symlink && (resolve & RESOLVE_NO_SYMLINKS))
		return -ELOOP;
	if ((resolve & RESOLVE_NO_XDEV) && !inside)
		return -EXDEV;	/* from / or sysfs into the debugfs mount */
	return 0;
}

/*
 * Where does @path, relative to @dirfd, lead? @resolve: openat2's RESOLVE_*
 * flags (0 for open and openat). @fds: recognise fd magic links too (the
 * caller then checks what fd @p->fd is). Fills @p; never fails: a name
 * that cannot be worked out lexically is KSIM_PATH_OTHER, for the kernel.
 */
notrace void ksim_path_lookup(int dirfd, const char *path, unsigned long resolve,
			      bool fds, struct ksim_path *p)
{
	char norm[2 * NAME_MAX_LEN];
	const char *c = path, *end;
	size_t len = 0, floor = 0, n;
	bool symlink, inside;
	int kind, fd = -1;

	memset(p, 0, sizeof(*p));
	p->kind = KSIM_PATH_OTHER;
	if (!path || !*path || strlen(path) >= NAME_MAX_LEN ||
	    !worth_a_walk(path, fds))
		return;
	/* An absolute name ignores @dirfd, except under RESOLVE_IN_ROOT. */
	if (*path == '/' && !(resolve & RESOLVE_IN_ROOT)) {
		if (resolve & RESOLVE_BENEATH)
			return;		/* EXDEV, from the kernel itself */
		norm[0] = '\0';
	} else {
		if (start_dir(dirfd, norm, NAME_MAX_LEN))
			return;
		len = strlen(norm);
		if (len == 1)
			len = 0;	/* "/" is the empty name here */
		norm[len] = '\0';
		if (resolve & (RESOLVE_BENEATH | RESOLVE_IN_ROOT))
			floor = len;
	}
	inside = !strcmp(norm, DEBUGFS);
	kind = KSIM_PATH_OTHER;
	while (*c) {
		while (*c == '/')
			c++;
		if (!*c)
			break;
		end = strchrnul(c, '/');
		n = (size_t)(end - c);
		/* A name below the device or an fd's file: not a directory. */
		kind = target(norm, fds, &fd, &symlink);
		if (kind != KSIM_PATH_OTHER) {
			p->through = true;
			break;
		}
		if (n == 1 && c[0] == '.') {
			/* nothing */
		} else if (n == 2 && c[0] == '.' && c[1] == '.') {
			if (len == floor && (resolve & RESOLVE_BENEATH))
				return;	/* EXDEV, from the kernel */
			pop(norm, &len, floor);
			if (strncmp(norm, DEBUGFS, strlen(DEBUGFS)))
				inside = false;
		} else if (!push(norm, &len, c, n)) {
			return;
		}
		c = end;
	}
	if (!p->through) {
		kind = target(len ? norm : "/", fds, &fd, &symlink);
		/* "kcov/": LOOKUP_DIRECTORY on the last component. */
		p->dir = path[strlen(path) - 1] == '/';
	}
	if (kind == KSIM_PATH_OTHER)
		return;
	p->kind = kind;
	p->fd = fd;
	/* A jump or a mount crossing fails before the next component does. */
	p->err = resolve_err(kind, resolve, symlink, inside);
	if (!p->err && p->through)
		p->err = -ENOTDIR;
}
