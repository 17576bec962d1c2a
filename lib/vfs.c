/* SPDX-License-Identifier: MIT */
/*
 * vfs.c - what the VFS gives kernel/kcov.c for free: the kcov file. A file
 * is one open file description of a memfd (its identity is the memfd's
 * inode, so it follows dup, dup2 and fork); it holds the device's "file"
 * reference and calls kcov_close() - release() - when its last fd is
 * closed and its last user mapping unmapped (spec 2.9). The kernel tracks
 * both for us only for the memfd itself (the library's view pins it), so
 * the file's fds and mappings are tracked here: open, ioctl, mmap, munmap,
 * mremap, close, dup*, close_range, and the fd-level calls a kcov file
 * refuses (read, write, lseek).
 */
#include <dirent.h>
#include <fcntl.h>
#include <linux/close_range.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/single_threaded.h>

#include "internal.h"

/* The simulated struct file. */
struct kfile {
	dev_t		dev;		/* the memfd's inode: the file's identity */
	ino_t		ino;
	struct kcov	*kcov;		/* private_data: the file's reference */
	/* 1 while pinned, +1 per call in flight; atomic. At 0: release. */
	int		refs;
	bool		pinned;		/* an fd or a mapping holds it; umap_lock */
	LIST_ENTRY(kfile) link;		/* files_lock */
};

/* A user mapping of a kcov memfd: it pins the file. */
struct umap {
	struct kfile	*file;
	uintptr_t	start, end;
	LIST_ENTRY(umap) link;
};

/* Leaf locks: nothing else is taken while either is held. */
static pthread_mutex_t files_lock = PTHREAD_MUTEX_INITIALIZER;
static LIST_HEAD(, kfile) files = LIST_HEAD_INITIALIZER(files);
static int nr_files;	/* atomic; read unlocked: "is there any file?" */
static pthread_mutex_t umap_lock = PTHREAD_MUTEX_INITIALIZER;
static LIST_HEAD(, umap) umaps = LIST_HEAD_INITIALIZER(umaps);	/* umap_lock */
static int nr_umaps;	/* atomic; read unlocked: "any mapping at all?" */

/*
 * fds known to be kcov files: a hint for read/write/lseek, which must not
 * pay an fstat() per call. Set at open and whenever an fd is found to be a
 * kcov file, confirmed by fstat() before it is acted on.
 */
#define KCOV_FD_BITS	65536
static unsigned long kcov_fds[KCOV_FD_BITS / 64];	/* atomic words */

/* The front doors' fast path: while no kcov file exists, pass through. */
notrace bool ksim_vfs_active(void)
{
	return READ_ONCE(nr_files) != 0;
}

static notrace void fd_mark(int fd, bool kcov)
{
	unsigned long bit;

	if (fd < 0 || fd >= KCOV_FD_BITS)
		return;
	bit = 1ul << (fd % 64);
	if (kcov)
		atomic_or(&kcov_fds[fd / 64], bit);
	else
		atomic_andnot(&kcov_fds[fd / 64], bit);
}

/* ---- files ------------------------------------------------------------- */

static notrace struct kfile *find_locked(dev_t dev, ino_t ino)
{
	struct kfile *f;

	LIST_FOREACH(f, &files, link)
		if (f->ino == ino && f->dev == dev)
			return f;
	return NULL;
}

/*
 * The file of a memfd inode, with a reference, or NULL. A process with a
 * single thread has nobody to race with: no lock, so a fork-server child's
 * ENABLE does not copy the page of files_lock.
 */
static notrace struct kfile *fget_inode(dev_t dev, ino_t ino)
{
	bool lock = !__libc_single_threaded;
	struct kfile *f;

	if (lock)
		pthread_mutex_lock(&files_lock);
	f = find_locked(dev, ino);
	if (f && !atomic_inc_not_zero(&f->refs))
		f = NULL;
	if (lock)
		pthread_mutex_unlock(&files_lock);
	return f;
}

/* The file behind @fd with a reference, or NULL: *err -EBADF or -ENOTTY. */
static notrace struct kfile *fget(int fd, int *err)
{
	struct kfile *f;
	struct stat st;

	*err = ksim_libc_fstat(fd, &st);
	if (*err)
		return NULL;
	f = fget_inode(st.st_dev, st.st_ino);
	*err = f ? 0 : -ENOTTY;
	return f;
}

/* The last reference: release() the device, forget the file. */
static notrace void fput(struct kfile *f)
{
	if (!atomic_dec_and_test(&f->refs))
		return;
	pthread_mutex_lock(&files_lock);
	LIST_REMOVE(f, link);
	pthread_mutex_unlock(&files_lock);
	atomic_dec(&nr_files);
	kcov_close(f->kcov);
	free(f);
}

static notrace int fd_scan_end(void);

/* Enter the new file of @kcov, whose memfd @fd has @st, pinned by @fd. */
static notrace void file_add(struct kfile *f, struct kcov *kcov, int fd,
			     const struct stat *st)
{
	f->kcov = kcov;
	f->dev = st->st_dev;
	f->ino = st->st_ino;
	f->refs = 1;		/* the pin: dropped once no fd or mapping is left */
	f->pinned = true;
	pthread_mutex_lock(&files_lock);
	LIST_INSERT_HEAD(&files, f, link);
	atomic_inc(&nr_files);
	pthread_mutex_unlock(&files_lock);
	fd_mark(fd, true);
}

/* open("/sys/kernel/debug/kcov", @flags): a fresh device. fd or -errno. */
notrace int ksim_vfs_open(int flags)
{
	struct kcov *kcov = NULL;
	struct kfile *f;
	struct stat st;
	int fd, ret;

	fd = ksim_buf_create(flags);
	if (fd < 0)
		return fd;
	f = ksim_calloc(1, sizeof(*f));
	ret = f ? ksim_libc_fstat(fd, &st) : -ENOMEM;
	if (!ret)
		ret = kcov_open(fd, &kcov);
	if (ret) {
		free(f);
		ksim_libc_close(fd);
		return ret == -EMFILE || ret == -ENFILE ? ret : -ENOMEM;
	}
	file_add(f, kcov, fd, &st);
	return fd;
}

/*
 * A kcov fd that survived execve() into this image: its file, made once
 * for the first fd of it (exec.c). The device of @fd, or NULL.
 */
notrace struct kcov *ksim_vfs_adopt(int fd)
{
	struct kcov *kcov = NULL;
	struct kfile *f;
	struct stat st;

	if (ksim_libc_fstat(fd, &st))
		return NULL;
	f = fget_inode(st.st_dev, st.st_ino);
	if (f) {		/* a second fd of a file already taken */
		kcov = f->kcov;
		fput(f);	/* the file's pin keeps it */
		fd_mark(fd, true);
		return kcov;
	}
	f = ksim_calloc(1, sizeof(*f));
	if (!f || ksim_kcov_adopt(fd, &kcov)) {
		free(f);
		return NULL;
	}
	file_add(f, kcov, fd, &st);
	return kcov;
}

/*
 * For execve(): every kcov fd of this process, with its device and whether
 * it closes on exec. At most @max; the count found.
 */
notrace int ksim_vfs_exec_fds(int *fds, struct kcov **devs, bool *cloexec,
			      int max)
{
	int fd, end, n = 0, fl, dfd = -1;
	struct dirent *de = NULL;
	struct kfile *f;
	struct stat st;
	DIR *dir;

	if (!ksim_vfs_active())
		return 0;
	/* The open fds from /proc, else every number up to the limit. */
	dir = opendir("/proc/self/fd");
	if (dir)
		dfd = dirfd(dir);
	for (fd = 0, end = dir ? 0 : fd_scan_end(); n < max; fd++) {
		if (dir) {
			if (!(de = readdir(dir)))
				break;
			if (de->d_name[0] == '.' || atoi(de->d_name) == dfd)
				continue;
			fd = atoi(de->d_name);
		} else if (fd >= end) {
			break;
		}
		if (ksim_libc_fstat(fd, &st))
			continue;
		f = fget_inode(st.st_dev, st.st_ino);
		if (!f)
			continue;
		fl = ksim_libc_fcntl(fd, F_GETFD, 0);
		fds[n] = fd;
		devs[n] = f->kcov;	/* alive: the fd pins the file */
		cloexec[n] = fl >= 0 && (fl & FD_CLOEXEC);
		n++;
		fput(f);
	}
	if (dir)
		closedir(dir);
	return n;
}

/*
 * An O_PATH open of the kcov file: the VFS calls no ->open() and makes no
 * device; the fd only names the file. It is an O_PATH fd of a memfd of its
 * own, so the kernel itself answers every call on it as on Linux (ioctl,
 * mmap, read: EBADF; fstat and close work); the memfd's name tells a
 * reopen through /proc/self/fd that it was the kcov file.
 */
#define OPATH_NAME	"kcov-opath"
#define OPATH_LINK	"/memfd:" OPATH_NAME " (deleted)"
static int nr_opath;	/* atomic; O_PATH kcov fds ever made */

static notrace int open_o_path(int flags)
{
	char link[40];
	int mfd, fd;

	mfd = ksim_libc_memfd_create(OPATH_NAME, MFD_CLOEXEC);
	if (mfd < 0)
		return mfd;
	snprintf(link, sizeof(link), "/proc/self/fd/%d", mfd);
	fd = ksim_libc_open(link, O_PATH | (flags & O_CLOEXEC), 0);
	ksim_libc_close(mfd);
	if (fd >= 0)
		atomic_inc(&nr_opath);
	return fd;
}

/* May any fd of this process be a kcov file (open or O_PATH)? */
notrace bool ksim_vfs_any(void)
{
	return ksim_vfs_active() || READ_ONCE(nr_opath);
}

/* Is @fd a kcov file, or an O_PATH fd of one? By its inode, not the hint. */
notrace bool ksim_vfs_fd_is_kcov(int fd)
{
	char link[40], name[sizeof(OPATH_LINK) + 1];
	struct kfile *f;
	int err, n;

	if (ksim_vfs_active()) {
		f = fget(fd, &err);
		if (f) {
			fput(f);
			return true;
		}
	}
	if (!READ_ONCE(nr_opath) || fd < 0)
		return false;
	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	n = ksim_libc_readlink(link, name, sizeof(name) - 1);
	if (n <= 0)
		return false;
	name[n] = '\0';
	return !strcmp(name, OPATH_LINK);
}

/*
 * open(2) of the kcov file by a name that reaches it (@dir: the name ended
 * in a slash), once the kernel's generic checks of @flags passed (the
 * caller asked the kernel: build_open_flags()). What Linux answers for the
 * debugfs regular file "kcov", in the order of path_openat(): O_TMPFILE
 * and O_DIRECTORY want a directory (ENOTDIR), O_PATH makes an fd without
 * a device, O_CREAT finds it existing (O_EXCL: EEXIST; with the slash:
 * EISDIR), debugfs cannot do O_DIRECT (EINVAL, do_dentry_open()). O_TRUNC
 * truncates nothing, O_NOCTTY and O_EXCL alone do nothing; O_APPEND and
 * O_NOATIME stay in the file's flags (F_GETFL), as O_NONBLOCK does.
 */
notrace int ksim_vfs_open_file(int flags, bool dir)
{
	int fd, fl;

	if (flags & __O_TMPFILE)
		return -ENOTDIR;	/* O_TMPFILE includes O_DIRECTORY */
	if (flags & O_PATH)
		return (flags & O_DIRECTORY) || dir ? -ENOTDIR : open_o_path(flags);
	if (flags & O_CREAT) {
		if (dir)
			return -EISDIR;
		if (flags & O_EXCL)
			return -EEXIST;
	} else if ((flags & O_DIRECTORY) || dir) {
		return -ENOTDIR;
	}
	if (flags & O_DIRECT)
		return -EINVAL;
	fd = ksim_vfs_open(flags);
	if (fd >= 0 && (flags & (O_APPEND | O_NOATIME))) {
		fl = ksim_libc_fcntl(fd, F_GETFL, 0);
		if (fl >= 0)
			ksim_libc_fcntl(fd, F_SETFL,
					(unsigned long)(fl | (flags & (O_APPEND | O_NOATIME))));
	}
	return fd;
}

/* VFS-level ioctls that reach every file before kcov_ioctl() does. */
static notrace bool vfs_ioctl(unsigned int cmd)
{
	return cmd == FIOCLEX || cmd == FIONCLEX || cmd == FIONBIO ||
	       cmd == FIOASYNC;
}

/* ioctl(2): the kcov device if @fd is one, else the real kernel. */
notrace int ksim_vfs_ioctl(int fd, unsigned long cmd, unsigned long arg)
{
	struct kfile *f;
	int ret;

	f = fget(fd, &ret);
	if (!f)
		return ksim_libc_ioctl(fd, cmd, arg);
	/* The syscall's cmd is an unsigned int: higher bits never arrive. */
	if (vfs_ioctl((unsigned int)cmd))
		ret = ksim_libc_ioctl(fd, cmd, arg);
	else
		ret = kcov_ioctl(f->kcov, fd, (unsigned int)cmd, arg);
	fput(f);
	return ret;
}

/* Is @fd a kcov file? Cheap unless the hint says it may be. */
notrace bool ksim_vfs_is_kcov(int fd)
{
	struct kfile *f;
	int err;

	if (likely(!ksim_vfs_active()) || fd < 0 || fd >= KCOV_FD_BITS ||
	    !(READ_ONCE(kcov_fds[fd / 64]) & (1ul << (fd % 64))))
		return false;
	f = fget(fd, &err);
	if (!f) {
		fd_mark(fd, false);	/* stale: closed behind our back */
		return false;
	}
	fput(f);
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

/*
 * The highest fd number that can be open, for a scan without /proc: the
 * soft limit bounds new fds; a kcov fd above it (the limit lowered later)
 * is known from the hint bits.
 */
static notrace int fd_scan_end(void)
{
	struct rlimit rl;
	int end = 1024, i;

	if (!getrlimit(RLIMIT_NOFILE, &rl))
		end = rl.rlim_cur > (1u << 20) ? 1 << 20 : (int)rl.rlim_cur;
	for (i = KCOV_FD_BITS / 64 - 1; i >= 0; i--)
		if (READ_ONCE(kcov_fds[i])) {
			int top = i * 64 + 63 - __builtin_clzl(READ_ONCE(kcov_fds[i]));

			return top + 1 > end ? top + 1 : end;
		}
	return end;
}

/* Does fd @fd refer to @f? The raw fstat opens nothing. */
static notrace bool fd_is(int fd, const struct kfile *f)
{
	struct stat st;

	return !ksim_libc_fstat(fd, &st) && st.st_ino == f->ino &&
	       st.st_dev == f->dev;
}

/*
 * Does any fd of this process still refer to @f? /proc/self/fd tells
 * cheaply; where it cannot be opened (no /proc, or the process is at its
 * fd limit, issue 13 #4) every fd number is asked instead: the decision
 * never depends on opening a file.
 */
static notrace bool fd_refers(const struct kfile *f)
{
	struct dirent *de;
	struct stat st;
	bool found = false;
	int fd, end;
	DIR *dir;

	dir = ksim_libc_opendir("/proc/self/fd");
	if (!dir) {
		for (fd = 0, end = fd_scan_end(); fd < end && !found; fd++)
			found = fd_is(fd, f);
		return found;
	}
	while (!found && (de = readdir(dir))) {
		if (de->d_name[0] == '.' || atoi(de->d_name) == dirfd(dir))
			continue;
		if (fd_inode(de->d_name, &st))
			found = st.st_ino == f->ino && st.st_dev == f->dev;
	}
	closedir(dir);
	return found;
}

/* Caller holds umap_lock. */
static notrace bool umap_refers_locked(const struct kfile *f)
{
	struct umap *m;

	lockdep_assert_held(&umap_lock);
	LIST_FOREACH(m, &umaps, link)
		if (m->file == f)
			return true;
	return false;
}

/*
 * After a close or an unmap: unpin @f once neither an fd nor a mapping is
 * left. Called without locks, holding a reference.
 */
static notrace void file_check(struct kfile *f)
{
	bool unpin = false;

	if (fd_refers(f))
		return;
	pthread_mutex_lock(&umap_lock);
	if (f->pinned && !umap_refers_locked(f)) {
		f->pinned = false;
		unpin = true;
	}
	pthread_mutex_unlock(&umap_lock);
	if (unpin)
		fput(f);	/* the pin, taken at open */
}

/* ---- user mappings ----------------------------------------------------- */

/* Track @m, a mapping of @f at [start, end). */
static notrace void umap_insert(struct umap *m, struct kfile *f,
				uintptr_t start, uintptr_t end)
{
	m->file = f;
	m->start = start;
	m->end = end;
	pthread_mutex_lock(&umap_lock);
	LIST_INSERT_HEAD(&umaps, m, link);
	atomic_inc(&nr_umaps);
	pthread_mutex_unlock(&umap_lock);
}

static notrace int umap_add(struct kfile *f, uintptr_t start, uintptr_t end)
{
	struct umap *m = ksim_malloc(sizeof(*m));

	if (!m)
		return -ENOMEM;
	umap_insert(m, f, start, end);
	return 0;
}

/*
 * Caller holds umap_lock. Cut [start, end) out of @m. A hole in the middle
 * splits it in two, the second half in *@spare (umap_spare() made it).
 */
static notrace void umap_trim(struct umap *m, uintptr_t start, uintptr_t end,
			      struct umap **spare)
{
	struct umap *tail;

	if (m->start < start && m->end > end) {
		/* umap_spare() made the node, unless a racing mmap() of this
		 * range added the mapping since: then try here. */
		tail = *spare ? *spare : ksim_malloc(sizeof(*tail));
		*spare = NULL;
		if (tail) {
			*tail = *m;
			tail->start = end;
			LIST_INSERT_HEAD(&umaps, tail, link);
			atomic_inc(&nr_umaps);
		}
		m->end = start;
	} else if (m->start < start) {
		m->end = start;
	} else {
		m->start = end;
	}
}

/*
 * Cut [start, end) out of every tracked mapping. Files that lost a whole
 * mapping are returned in @hit, with a reference; once @hit is full the
 * rest is left for another call.
 */
static notrace int umap_cut(uintptr_t start, uintptr_t end,
			    struct kfile **hit, int max, struct umap **spare)
{
	struct umap *m, *tmp;
	int n = 0;

	pthread_mutex_lock(&umap_lock);
	LIST_FOREACH_SAFE(m, &umaps, link, tmp) {
		if (m->end <= start || m->start >= end)
			continue;
		if (m->start < start || m->end > end) {
			umap_trim(m, start, end, spare);
			continue;
		}
		if (n == max)
			break;
		if (atomic_inc_not_zero(&m->file->refs))
			hit[n++] = m->file;
		LIST_REMOVE(m, link);
		atomic_dec(&nr_umaps);
		free(m);
	}
	pthread_mutex_unlock(&umap_lock);
	return n;
}

/*
 * The node a cut ending at @end needs if it splits a kcov mapping, made
 * before the system call, whose success leaves no way back: 0, or -ENOMEM
 * (the call must then fail as munmap(2) does when a split finds no memory).
 */
static notrace int umap_spare(uintptr_t end, struct umap **spare)
{
	bool split = false;
	struct umap *m;

	*spare = NULL;
	if (!READ_ONCE(nr_umaps))
		return 0;
	/* Any mapping that goes on past @end may need a tail: also a cut of
	 * [start + n, end), which mremap() makes of a shrunk mapping. */
	pthread_mutex_lock(&umap_lock);
	LIST_FOREACH(m, &umaps, link)
		split |= m->start < end && m->end > end;
	pthread_mutex_unlock(&umap_lock);
	if (split && !(*spare = ksim_malloc(sizeof(**spare))))
		return -ENOMEM;
	return 0;
}

/*
 * [start, end) is no longer a kcov mapping: release what it pinned. A
 * split takes *@spare (from umap_spare()), which the caller frees if it is
 * left.
 */
static notrace void umap_forget(uintptr_t start, uintptr_t end,
				struct umap **spare)
{
	struct kfile *hit[16];
	int i, n;

	if (!READ_ONCE(nr_umaps))
		return;
	do {
		n = umap_cut(start, end, hit, (int)ARRAY_SIZE(hit), spare);
		for (i = 0; i < n; i++) {
			file_check(hit[i]);
			fput(hit[i]);
		}
	} while (n == (int)ARRAY_SIZE(hit));
}

/* The kcov mapping that [start, end) overlaps, with a reference, or NULL. */
static notrace struct kfile *umap_find(uintptr_t start, uintptr_t end)
{
	struct kfile *f = NULL;
	struct umap *m;

	if (!READ_ONCE(nr_umaps))
		return NULL;
	pthread_mutex_lock(&umap_lock);
	LIST_FOREACH(m, &umaps, link)
		if (m->start < end && m->end > start &&
		    atomic_inc_not_zero(&m->file->refs)) {
			f = m->file;
			break;
		}
	pthread_mutex_unlock(&umap_lock);
	return f;
}

/* ---- mmap / munmap / mremap -------------------------------------------- */

/*
 * do_mmap()'s generic checks come before kcov_mmap() on Linux (length,
 * offset overflow, flags, the file's access mode; issue 13 #6). The kernel
 * makes them itself on the memfd, which takes the same path up to
 * ->mmap(): a trial mapping with the caller's arguments, without PROT_EXEC
 * (the memfd is not noexec; debugfs is, below) and away from anything the
 * caller has mapped at a MAP_FIXED address (a failing mmap leaves that in
 * place). 0 or the generic errno.
 */
static notrace int mmap_generic(void *addr, size_t len, int prot, int flags,
				int fd, off_t off)
{
	int tflags = flags;
	void *p;

	if ((flags & MAP_FIXED) && !(flags & MAP_FIXED_NOREPLACE)) {
		if ((uintptr_t)addr & (KSIM_PAGE_SIZE - 1))
			return -EINVAL;
		tflags = (flags & ~MAP_FIXED) | MAP_FIXED_NOREPLACE;
	}
	p = ksim_libc_mmap(addr, len, prot & ~PROT_EXEC, tflags, fd, off);
	if (p == ERR_PTR(-EEXIST) && tflags != flags)	/* in use: MAP_FIXED may */
		p = ksim_libc_mmap(NULL, len, prot & ~PROT_EXEC,
				   flags & ~MAP_FIXED, fd, off);
	if (IS_ERR_VALUE(p))
		return PTR_ERR(p);
	ksim_libc_munmap(p, len);
	return 0;
}

/* The generic checks, the noexec debugfs, then kcov_mmap(). */
static notrace int mmap_check(struct kfile *f, void *addr, size_t len,
			      int prot, int flags, int fd, off_t off)
{
	int ret = mmap_generic(addr, len, prot, flags, fd, off);

	if (ret)
		return ret;
	/* debugfs is mounted noexec (systemd's sys-kernel-debug.mount). */
	if (prot & PROT_EXEC)
		return -EPERM;
	return kcov_mmap(f->kcov, fd, len, off);
}

/* mmap(2): an address or ERR_PTR(-errno). */
notrace void *ksim_vfs_mmap(void *addr, size_t len, int prot, int flags,
			    int fd, off_t off)
{
	struct umap *spare = NULL;
	struct kfile *f = NULL;
	void *p;
	int err;

	if (!(flags & MAP_ANONYMOUS) && ksim_vfs_active())
		f = fget(fd, &err);
	if (f) {
		err = mmap_check(f, addr, len, prot, flags, fd, off);
		if (err) {
			fput(f);
			return ERR_PTR(err);
		}
	}
	/* MAP_FIXED into the middle of a kcov mapping splits it. */
	if ((flags & MAP_FIXED) &&
	    umap_spare((uintptr_t)addr + page_round(len), &spare)) {
		if (f)
			fput(f);
		return ERR_PTR(-ENOMEM);
	}
	/* A kcov file's buffer starts after the memfd's shared page. */
	p = ksim_fwd_mmap(addr, len, prot, flags, fd,
			   f ? off + (off_t)KSIM_BUF_OFFSET : off);
	if (!IS_ERR_VALUE(p) && (flags & MAP_FIXED))
		umap_forget((uintptr_t)p, (uintptr_t)p + page_round(len), &spare);
	free(spare);
	if (f) {
		fd_mark(fd, true);
		if (!IS_ERR_VALUE(p) &&
		    umap_add(f, (uintptr_t)p, (uintptr_t)p + page_round(len))) {
			ksim_libc_munmap(p, len);
			p = ERR_PTR(-ENOMEM);
		}
		fput(f);
	}
	return p;
}

notrace int ksim_vfs_munmap(void *addr, size_t len)
{
	uintptr_t start = (uintptr_t)addr, end = start + page_round(len);
	struct umap *spare;
	int ret = umap_spare(end, &spare);

	if (!ret)
		ret = ksim_libc_munmap(addr, len);
	if (!ret)
		umap_forget(start, end, &spare);
	free(spare);
	return ret;
}

/*
 * The checks mremap() makes of a kcov mapping (VM_DONTEXPAND), which a
 * memfd mapping lacks. A misaligned address or an empty new length is
 * EINVAL before the kernel looks at the mapping: the real call says so.
 */
static notrace int mremap_check(uintptr_t start, size_t old_len,
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
notrace void *ksim_vfs_mremap(void *old, size_t old_len, size_t new_len,
			      int flags, void *new_addr)
{
	uintptr_t start = (uintptr_t)old, end = start + page_round(old_len);
	/* old_len 0 copies the mapping at @old: look there. */
	struct kfile *f = umap_find(start, old_len ? end : start + 1);
	struct umap *moved = NULL, *spare = NULL, *spare_old = NULL;
	uintptr_t dst = (uintptr_t)new_addr;
	void *p;
	int err;

	err = f ? mremap_check(start, old_len, new_len, flags) : 0;
	/* Made before the call, whose success leaves no way back: the node
	 * of a moved kcov mapping, and those of mappings that the cut of the
	 * old range or a MREMAP_FIXED target splits. */
	if (!err && f && !(moved = ksim_malloc(sizeof(*moved))))
		err = -ENOMEM;
	if (!err && f)
		err = umap_spare(end, &spare_old);
	if (!err && (flags & MREMAP_FIXED))
		err = umap_spare(dst + page_round(new_len), &spare);
	if (err) {
		free(moved);
		free(spare_old);
		if (f)
			fput(f);
		return ERR_PTR(err);
	}
	p = ksim_libc_mremap(old, old_len, new_len, flags, new_addr);
	if (!IS_ERR_VALUE(p) && p != old && (flags & MREMAP_FIXED))
		umap_forget((uintptr_t)p, (uintptr_t)p + page_round(new_len), &spare);
	if (f) {
		if (p == old) {
			/* Shrunk in place: the tail is gone. */
			umap_forget(start + page_round(new_len), end, &spare_old);
		} else if (!IS_ERR_VALUE(p)) {
			/* Moved: track the new place before the old one goes,
			 * so the file is never left unpinned in between. */
			umap_insert(moved, f, (uintptr_t)p,
				    (uintptr_t)p + page_round(new_len));
			moved = NULL;
			umap_forget(start, end, &spare_old);
		}
		fput(f);
	}
	free(moved);
	free(spare_old);
	free(spare);
	return p;
}

/* ---- close / dup ------------------------------------------------------- */

notrace int ksim_vfs_close(int fd)
{
	struct kfile *f = NULL;
	int err, ret;

	if (ksim_vfs_active())
		f = fget(fd, &err);
	ret = ksim_libc_close(fd);
	if (!ret)
		fd_mark(fd, false);
	if (f) {
		file_check(f);
		fput(f);
	}
	return ret;
}

/* A copy of @fd made by dup() or fcntl(F_DUPFD*): the hint follows. */
notrace void ksim_vfs_dupfd(int fd, int newfd)
{
	if (newfd >= 0 && ksim_vfs_is_kcov(fd))
		fd_mark(newfd, true);
}

notrace int ksim_vfs_dup(int fd)
{
	int ret = ksim_libc_dup(fd);

	ksim_vfs_dupfd(fd, ret);
	return ret;
}

/*
 * dup2()/dup3() onto @newfd close what @newfd referred to: that may have
 * been the last fd of a kcov file.
 */
notrace int ksim_vfs_dup3(int oldfd, int newfd, int flags, bool is_dup3)
{
	struct kfile *f = NULL, *now;
	int unused, ret;

	if (ksim_vfs_active() && oldfd != newfd)
		f = fget(newfd, &unused);
	ret = is_dup3 ? ksim_libc_dup3(oldfd, newfd, flags)
		      : ksim_libc_dup2(oldfd, newfd);
	if (ret >= 0 && ksim_vfs_active()) {
		now = fget(newfd, &unused);
		fd_mark(newfd, now != NULL);
		if (now)
			fput(now);
	}
	if (f) {
		if (ret >= 0)
			file_check(f);
		fput(f);
	}
	return ret;
}

/* Appends @f to the growing array *@hit; false (and no change) on ENOMEM. */
static notrace bool hit_add(struct kfile ***hit, int *n, int *cap,
			    struct kfile *f)
{
	struct kfile **bigger;

	if (*n == *cap) {
		bigger = ksim_realloc(*hit, (size_t)(*cap ? 2 * *cap : 16) *
					    sizeof(*bigger));
		if (!bigger)
			return false;
		*hit = bigger;
		*cap = *cap ? 2 * *cap : 16;
	}
	(*hit)[(*n)++] = f;
	return true;
}

/*
 * Collects into @hit the file of each kcov fd in [first, last]: 0, or
 * -ENOMEM if @hit could not grow (the references taken are in @hit).
 */
static notrace int range_files(unsigned int first, unsigned int last,
			       struct kfile ***hit, int *n, int *cap)
{
	int ret = 0;

	struct dirent *de;
	struct stat st;
	struct kfile *f;
	unsigned int fd, end;
	DIR *dir;

	dir = ksim_libc_opendir("/proc/self/fd");
	if (!dir) {	/* at the fd limit: every number, by raw fstat */
		end = (unsigned int)fd_scan_end();
		for (fd = first; fd <= last && fd < end; fd++) {
			f = ksim_libc_fstat((int)fd, &st) ? NULL
				: fget_inode(st.st_dev, st.st_ino);
			if (f && !hit_add(hit, n, cap, f)) {
				fput(f);
				return -ENOMEM;
			}
		}
		return 0;
	}
	while ((de = readdir(dir))) {
		fd = (unsigned int)atoi(de->d_name);
		if (de->d_name[0] == '.' || (int)fd == dirfd(dir) ||
		    fd < first || fd > last)
			continue;
		f = fd_inode(de->d_name, &st) ? fget_inode(st.st_dev, st.st_ino)
					      : NULL;
		if (f && !hit_add(hit, n, cap, f)) {
			fput(f);
			ret = -ENOMEM;
			break;
		}
	}
	closedir(dir);
	return ret;
}

/*
 * close_range(): every kcov file with an fd in the range may be released.
 * Without the memory to list them, nothing is closed: ENOMEM, which
 * close_range(2) may give too.
 */
notrace int ksim_vfs_close_range(unsigned int first, unsigned int last,
				 int flags)
{
	struct kfile **hit = NULL;
	int n = 0, cap = 0, i, ret = 0;

	if (ksim_vfs_active() && !(flags & CLOSE_RANGE_CLOEXEC))
		ret = range_files(first, last, &hit, &n, &cap);
	if (!ret)
		ret = ksim_libc_close_range(first, last, flags);
	for (i = 0; i < n; i++) {
		if (!ret)
			file_check(hit[i]);
		fput(hit[i]);
	}
	free(hit);
	return ret;
}

/* ---- introspection and fork ---------------------------------------------- */

/* Is a file of @kcov still pinned by an fd or a mapping? */
static notrace bool file_open(struct kcov *kcov)
{
	struct kfile *f;
	bool open = false;

	pthread_mutex_lock(&files_lock);
	LIST_FOREACH(f, &files, link)
		if (f->kcov == kcov) {
			pthread_mutex_lock(&umap_lock);
			open = f->pinned;
			pthread_mutex_unlock(&umap_lock);
			break;
		}
	pthread_mutex_unlock(&files_lock);
	return open;
}

/* The first release of sim.h with sizes: 0.2. */
#define DEV_INFO_SIZE_0_2	(offsetof(struct kcov_sim_dev_info, area) + \
				 sizeof(unsigned long *))

/* @refs: device references the caller holds (not counted in the result). */
static notrace int dev_info(struct kcov *kcov, int refs,
			    struct kcov_sim_dev_info *info)
{
	struct kcov_sim_dev_info ours = { .sz = sizeof(ours) };

	ksim_kcov_info(kcov, refs, &ours);
	ours.file_open = file_open(kcov);
	return ksim_out_struct(info, &ours, sizeof(ours), DEV_INFO_SIZE_0_2);
}

KCOV_SIM_API notrace int kcov_sim_dev_info(int fd, struct kcov_sim_dev_info *info)
{
	struct kfile *f;
	int ret;

	if (!info)
		return -EFAULT;
	f = fget(fd, &ret);
	if (!f)
		return ret;
	ret = dev_info(f->kcov, 0, info);	/* a file reference only */
	fput(f);
	return ret;
}

KCOV_SIM_API notrace int kcov_sim_dev_info_id(uint64_t id,
					      struct kcov_sim_dev_info *info)
{
	struct kcov *kcov;
	int ret;

	if (!info)
		return -EFAULT;
	kcov = ksim_kcov_get_id(id);
	if (!kcov)
		return -ENOENT;
	ret = dev_info(kcov, 1, info);
	/* Ours was the last reference: dev_info() forgot a foreign owner
	 * that had gone (a forked copy), and this put frees the device. */
	if (!ret && info->refcount <= 0)
		ret = -ENOENT;
	kcov_put(kcov);
	return ret;
}

/* Called by fork.c's handlers when other threads may exist. */
notrace void ksim_vfs_fork(int when)
{
	if (when == KSIM_FORK_PREPARE) {
		pthread_mutex_lock(&files_lock);
		pthread_mutex_lock(&umap_lock);
		return;
	}
	ksim_fork_lock(&umap_lock, when);
	ksim_fork_lock(&files_lock, when);
}
