/* SPDX-License-Identifier: MIT */
/*
 * file.c - the life of a kcov file (spec 2.9): release() runs when the last
 * fd of the open file description is closed and the last user mapping of
 * it is gone. The kernel tracks both for us only for the memfd itself (the
 * library's view pins it), so the simulated file's fds and mappings are
 * tracked here: mmap/munmap/mremap, close/dup2/dup3/close_range, and the
 * fd-level calls a kcov file refuses (read, write, lseek).
 */
#include <dirent.h>
#include <linux/close_range.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "internal.h"

/* A user mapping of a kcov memfd: it pins the file. */
struct umap {
	struct kcov	*kcov;
	uintptr_t	start, end;
	LIST_ENTRY(umap) link;
};

/* A leaf lock: nothing else is taken while it is held. */
static pthread_mutex_t umap_lock = PTHREAD_MUTEX_INITIALIZER;
static LIST_HEAD(, umap) umaps = LIST_HEAD_INITIALIZER(umaps);	/* umap_lock */
static atomic_int nr_umaps;	/* read unlocked: "any mapping at all?" */

/*
 * fds known to be kcov files: a hint for read/write/lseek, which must not
 * pay an fstat() per call. Set at open and whenever an fd is found to be a
 * kcov file, confirmed by fstat() before it is acted on.
 */
#define KCOV_FD_BITS	65536
static atomic_ulong kcov_fds[KCOV_FD_BITS / 64];

notrace void ksim_file_lock(void)
{
	pthread_mutex_lock(&umap_lock);
}

notrace void ksim_file_unlock(void)
{
	pthread_mutex_unlock(&umap_lock);
}

notrace void ksim_file_fork_child(void)
{
	pthread_mutex_init(&umap_lock, NULL);
}

notrace bool ksim_file_open(struct kcov *kcov)
{
	bool open;

	pthread_mutex_lock(&umap_lock);
	open = kcov->file_open;
	pthread_mutex_unlock(&umap_lock);
	return open;
}

notrace void ksim_fd_mark(int fd, bool kcov)
{
	unsigned long bit;

	if (fd < 0 || fd >= KCOV_FD_BITS)
		return;
	bit = 1ul << (fd % 64);
	if (kcov)
		atomic_fetch_or_explicit(&kcov_fds[fd / 64], bit, memory_order_relaxed);
	else
		atomic_fetch_and_explicit(&kcov_fds[fd / 64], ~bit, memory_order_relaxed);
}

/* Is @fd a kcov file? Cheap unless the hint says it may be. */
notrace bool ksim_fd_is_kcov(int fd)
{
	struct kcov *kcov;
	int err;

	if (likely(!ksim_devices_exist()) || fd < 0 || fd >= KCOV_FD_BITS ||
	    !(atomic_load_explicit(&kcov_fds[fd / 64], memory_order_relaxed) &
	      (1ul << (fd % 64))))
		return false;
	kcov = ksim_dev_get_fd(fd, &err);
	if (!kcov) {
		ksim_fd_mark(fd, false);	/* stale: closed behind our back */
		return false;
	}
	kcov_put(kcov);
	return true;
}

/* ---- release ----------------------------------------------------------- */

/*
 * The inode behind fd @name of /proc/self/fd. stat() of the magic link, not
 * fstat() of the fd: the scan must not touch other threads' fds, which they
 * may be closing right now (TSan rightly calls that a race).
 */
static notrace bool fd_inode(const char *name, struct stat *st)
{
	char path[sizeof("/proc/self/fd/") + 256];

	snprintf(path, sizeof(path), "/proc/self/fd/%s", name);
	return stat(path, st) == 0;
}

/* Does any fd of this process still refer to the memfd of @kcov? */
static notrace bool fd_refers(struct kcov *kcov)
{
	struct dirent *de;
	struct stat st;
	bool found = false;
	DIR *dir;

	dir = opendir("/proc/self/fd");
	if (!dir)
		return true;	/* cannot tell: keep the device */
	while (!found && (de = readdir(dir))) {
		if (de->d_name[0] == '.' || atoi(de->d_name) == dirfd(dir))
			continue;
		if (fd_inode(de->d_name, &st))
			found = st.st_ino == kcov->st_ino &&
				st.st_dev == kcov->st_dev;
	}
	closedir(dir);
	return found;
}

/* Caller holds umap_lock. */
static notrace bool umap_refers_locked(struct kcov *kcov)
{
	struct umap *m;

	LIST_FOREACH(m, &umaps, link)
		if (m->kcov == kcov)
			return true;
	return false;
}

/*
 * release(): drops the file's reference once, when neither an fd nor a
 * mapping is left. Called without locks, holding a reference.
 */
notrace void ksim_file_check(struct kcov *kcov)
{
	bool release = false;

	if (fd_refers(kcov))
		return;
	pthread_mutex_lock(&umap_lock);
	if (kcov->file_open && !umap_refers_locked(kcov)) {
		kcov->file_open = false;
		release = true;
	}
	pthread_mutex_unlock(&umap_lock);
	if (release)
		kcov_put(kcov);		/* the file's, taken at open */
}

/* ---- user mappings ----------------------------------------------------- */

static notrace int umap_add(struct kcov *kcov, uintptr_t start, uintptr_t end)
{
	struct umap *m = malloc(sizeof(*m));

	if (!m)
		return -ENOMEM;
	m->kcov = kcov;
	m->start = start;
	m->end = end;
	pthread_mutex_lock(&umap_lock);
	LIST_INSERT_HEAD(&umaps, m, link);
	atomic_fetch_add_explicit(&nr_umaps, 1, memory_order_relaxed);
	pthread_mutex_unlock(&umap_lock);
	return 0;
}

/* Caller holds umap_lock. Shrink @m to [start, end) of its old range. */
static notrace void umap_trim(struct umap *m, uintptr_t start, uintptr_t end)
{
	struct umap *tail;

	if (m->start < start && m->end > end) {
		/* A hole in the middle splits the mapping in two. */
		tail = malloc(sizeof(*tail));
		if (tail) {
			*tail = *m;
			tail->start = end;
			LIST_INSERT_HEAD(&umaps, tail, link);
			atomic_fetch_add_explicit(&nr_umaps, 1,
						  memory_order_relaxed);
		}
		m->end = start;
	} else if (m->start < start) {
		m->end = start;
	} else {
		m->start = end;
	}
}

/*
 * Cut [start, end) out of every tracked mapping. Devices that lost a whole
 * mapping are returned in @hit, with a reference; once @hit is full the
 * rest is left for another call.
 */
static notrace int umap_cut(uintptr_t start, uintptr_t end,
			    struct kcov **hit, int max)
{
	struct umap *m, *tmp;
	int n = 0;

	pthread_mutex_lock(&umap_lock);
	LIST_FOREACH_SAFE(m, &umaps, link, tmp) {
		if (m->end <= start || m->start >= end)
			continue;
		if (m->start < start || m->end > end) {
			umap_trim(m, start, end);
			continue;
		}
		if (n == max)
			break;
		if (kcov_tryget(m->kcov))
			hit[n++] = m->kcov;
		LIST_REMOVE(m, link);
		atomic_fetch_sub_explicit(&nr_umaps, 1, memory_order_relaxed);
		free(m);
	}
	pthread_mutex_unlock(&umap_lock);
	return n;
}

/* [start, end) is no longer a kcov mapping: release what it pinned. */
static notrace void umap_forget(uintptr_t start, uintptr_t end)
{
	struct kcov *hit[16];
	int i, n;

	if (!atomic_load_explicit(&nr_umaps, memory_order_relaxed))
		return;
	do {
		n = umap_cut(start, end, hit, (int)ARRAY_SIZE(hit));
		for (i = 0; i < n; i++) {
			ksim_file_check(hit[i]);
			kcov_put(hit[i]);
		}
	} while (n == (int)ARRAY_SIZE(hit));
}

/* The kcov mapping that [start, end) overlaps, with a reference, or NULL. */
static notrace struct kcov *umap_find(uintptr_t start, uintptr_t end)
{
	struct kcov *kcov = NULL;
	struct umap *m;

	if (!atomic_load_explicit(&nr_umaps, memory_order_relaxed))
		return NULL;
	pthread_mutex_lock(&umap_lock);
	LIST_FOREACH(m, &umaps, link)
		if (m->start < end && m->end > start && kcov_tryget(m->kcov)) {
			kcov = m->kcov;
			break;
		}
	pthread_mutex_unlock(&umap_lock);
	return kcov;
}

/* ---- mmap / munmap / close -------------------------------------------- */

/* The checks of the VFS and of kcov_mmap(), in the kernel's order. */
static notrace int kcov_mmap_check(struct kcov *kcov, int fd, size_t len,
				   int prot, int flags, off_t off)
{
	int fl = fcntl(fd, F_GETFL), type = flags & MAP_TYPE;

	if (!len || (off & (off_t)(KSIM_PAGE_SIZE - 1)))
		return -EINVAL;
	if (len > SIZE_MAX - KSIM_PAGE_SIZE)
		return -ENOMEM;
	if ((fl & O_ACCMODE) == O_WRONLY)
		return -EACCES;
	if (type != MAP_PRIVATE && (prot & PROT_WRITE) &&
	    (fl & O_ACCMODE) != O_RDWR)
		return -EACCES;
	/* debugfs is mounted noexec (systemd's sys-kernel-debug.mount). */
	if (prot & PROT_EXEC)
		return -EPERM;
	/* kcov_mmap(): buffer allocated, offset 0, exact page-rounded size. */
	pthread_mutex_lock(&kcov->lock);
	kcov_sync_init(kcov, fd);
	if (!kcov->area || off != 0 || page_round(len) != kcov->map_len ||
	    kcov->map_len != (size_t)kcov->size * sizeof(unsigned long)) {
		pthread_mutex_unlock(&kcov->lock);
		return -EINVAL;
	}
	pthread_mutex_unlock(&kcov->lock);
	return 0;
}

/* mmap(2). Returns like the syscall. */
notrace void *ksim_file_mmap(void *addr, size_t len, int prot, int flags,
			    int fd, off_t off)
{
	struct kcov *kcov = NULL;
	void *p;
	int err;

	if (!(flags & MAP_ANONYMOUS) && ksim_devices_exist())
		kcov = ksim_dev_get_fd(fd, &err);
	if (kcov) {
		err = kcov_mmap_check(kcov, fd, len, prot, flags, off);
		if (err) {
			kcov_put(kcov);
			errno = -err;
			return MAP_FAILED;
		}
	}
	p = ksim_real_mmap(addr, len, prot, flags, fd, off);
	if (p != MAP_FAILED && (flags & MAP_FIXED))
		umap_forget((uintptr_t)p, (uintptr_t)p + page_round(len));
	if (kcov) {
		ksim_fd_mark(fd, true);
		if (p != MAP_FAILED &&
		    umap_add(kcov, (uintptr_t)p, (uintptr_t)p + page_round(len))) {
			ksim_real_munmap(p, len);
			p = MAP_FAILED;
			errno = ENOMEM;
		}
		kcov_put(kcov);
	}
	return p;
}

notrace int ksim_file_munmap(void *addr, size_t len)
{
	if (ksim_real_munmap(addr, len))
		return -1;
	umap_forget((uintptr_t)addr, (uintptr_t)addr + page_round(len));
	return 0;
}

notrace int ksim_file_close(int fd)
{
	struct kcov *kcov = NULL;
	int err, ret;

	if (ksim_devices_exist())
		kcov = ksim_dev_get_fd(fd, &err);
	ret = ksim_real_close(fd);
	if (!ret)
		ksim_fd_mark(fd, false);
	if (kcov) {
		err = errno;
		ksim_file_check(kcov);
		kcov_put(kcov);
		errno = err;
	}
	return ret;
}


/*
 * dup2()/dup3() onto @newfd close what @newfd referred to: that may have
 * been the last fd of a kcov file.
 */
notrace int ksim_file_dup3(int oldfd, int newfd, int flags, bool is_dup3)
{
	struct kcov *kcov = NULL, *old;
	int err = errno, unused, ret;

	/* fstat() of a free @newfd fails: put errno back for the call. */
	if (ksim_devices_exist() && oldfd != newfd)
		kcov = ksim_dev_get_fd(newfd, &unused);
	errno = err;
	ret = is_dup3 ? ksim_real_dup3(oldfd, newfd, flags)
		      : ksim_real_dup2(oldfd, newfd);
	err = errno;
	if (ret >= 0 && ksim_devices_exist()) {
		old = ksim_dev_get_fd(newfd, &unused);
		ksim_fd_mark(newfd, old != NULL);
		if (old)
			kcov_put(old);
	}
	if (kcov) {
		if (ret >= 0)
			ksim_file_check(kcov);
		kcov_put(kcov);
	}
	errno = err;
	return ret;
}

/* Appends @kcov to the growing array *@hit; false (and no change) on ENOMEM. */
static notrace bool hit_add(struct kcov ***hit, int *n, int *cap,
			    struct kcov *kcov)
{
	struct kcov **bigger;

	if (*n == *cap) {
		bigger = realloc(*hit, (size_t)(*cap ? 2 * *cap : 16) *
				       sizeof(*bigger));
		if (!bigger)
			return false;
		*hit = bigger;
		*cap = *cap ? 2 * *cap : 16;
	}
	(*hit)[(*n)++] = kcov;
	return true;
}

/* close_range(): every kcov file with an fd in the range may be released. */
notrace int ksim_file_close_range(unsigned int first, unsigned int last,
				  int flags)
{
	struct kcov **hit = NULL, *kcov;
	int n = 0, cap = 0, i, fd, err = errno, ret;
	struct dirent *de;
	struct stat st;
	DIR *dir = NULL;

	if (ksim_devices_exist() && !(flags & CLOSE_RANGE_CLOEXEC))
		dir = opendir("/proc/self/fd");
	while (dir && (de = readdir(dir))) {
		fd = atoi(de->d_name);
		if (de->d_name[0] == '.' || fd == dirfd(dir) ||
		    (unsigned int)fd < first || (unsigned int)fd > last)
			continue;
		kcov = fd_inode(de->d_name, &st) ?
			ksim_dev_get_inode(st.st_dev, st.st_ino) : NULL;
		if (kcov && !hit_add(&hit, &n, &cap, kcov))
			kcov_put(kcov);	/* out of memory: it stays open */
	}
	if (dir)
		closedir(dir);
	errno = err;
	ret = ksim_real_close_range(first, last, flags);
	err = errno;
	for (i = 0; i < n; i++) {
		if (!ret)
			ksim_file_check(hit[i]);
		kcov_put(hit[i]);
	}
	free(hit);
	errno = err;
	return ret;
}

/*
 * The checks mremap() makes of a kcov mapping (VM_DONTEXPAND), which a
 * memfd mapping lacks. A misaligned address or an empty new length is
 * EINVAL before the kernel looks at the mapping: the real call says so.
 */
static notrace int kcov_mremap_check(uintptr_t start, size_t old_len,
				     size_t new_len, int flags)
{
	if ((start & (KSIM_PAGE_SIZE - 1)) || !page_round(new_len))
		return 0;
	if (flags & MREMAP_DONTUNMAP)
		return -EINVAL;
	if (page_round(new_len) > page_round(old_len))
		return -EFAULT;		/* growth, or a copy (old_len 0) */
	return 0;
}

/*
 * mremap(): a kcov mapping cannot grow (EFAULT) nor be copied or kept
 * (MREMAP_DONTUNMAP: EINVAL); moved or shrunk, it is tracked at its new
 * place. Whatever was mapped at a MREMAP_FIXED destination is gone.
 */
notrace void *ksim_file_mremap(void *old, size_t old_len, size_t new_len,
			       int flags, void *new_addr)
{
	uintptr_t start = (uintptr_t)old, end = start + page_round(old_len);
	/* old_len 0 copies the mapping at @old: look there. */
	struct kcov *kcov = umap_find(start, old_len ? end : start + 1);
	void *p;
	int err;

	err = kcov ? kcov_mremap_check(start, old_len, new_len, flags) : 0;
	if (err) {
		kcov_put(kcov);
		errno = -err;
		return MAP_FAILED;
	}
	p = ksim_real_mremap(old, old_len, new_len, flags, new_addr);
	if (p != MAP_FAILED && p != old && (flags & MREMAP_FIXED))
		umap_forget((uintptr_t)p, (uintptr_t)p + page_round(new_len));
	if (kcov) {
		if (p == old) {
			/* Shrunk in place: the tail is gone. */
			umap_forget(start + page_round(new_len), end);
		} else if (p != MAP_FAILED) {
			/* Moved: track the new place before the old one goes,
			 * so the file is never left unpinned in between. */
			umap_add(kcov, (uintptr_t)p,
				 (uintptr_t)p + page_round(new_len));
			umap_forget(start, end);
		}
		kcov_put(kcov);
	}
	return p;
}
