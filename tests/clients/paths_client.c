/* SPDX-License-Identifier: MIT */
/*
 * paths_client.c - every spelling Linux resolves to /sys/kernel/debug/kcov
 * opens a FRESH device (KCOV_INIT_TRACE succeeds; on a second fd of one
 * device it would be EBUSY), through open, open64, __open_2, openat,
 * openat64, creat, fopen, fopen64, freopen, freopen64 and openat2; open
 * flags get Linux's answers for the debugfs file (issue 13 defect 7);
 * reopening an fd's magic link makes a fresh device; names that are not
 * the device reach the kernel untouched (inotify sees one open, ours).
 * "chdir": a relative "kcov" after chdir("/sys/kernel/debug"), skipped
 * (77) where that directory does not exist.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdlib.h>
#include <sys/inotify.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <linux/kcov.h>

#include "client.h"

#define DEV	"/sys/kernel/debug/kcov"
#define WORDS	512ul

int __open_2(const char *path, int flags);
int __open64_2(const char *path, int flags);

/* @fd is a kcov fd of a device no other fd has initialised; closes it. */
static void fresh(int fd, const char *how)
{
	if (fd < 0 || ioctl(fd, KCOV_INIT_TRACE, WORDS)) {
		fprintf(stderr, "paths_client: %s: fd %d, errno %d (%s)\n", how,
			fd, errno, strerror(errno));
		exit(1);
	}
	CHECK(close(fd) == 0);
}

static int dir_fd(const char *path)
{
	int fd = open(path, O_RDONLY | O_DIRECTORY);

	CHECK(fd >= 0);
	return fd;
}

static long openat2(int dirfd, const char *path, uint64_t flags, uint64_t mode,
		    uint64_t resolve)
{
	struct open_how how = { .flags = flags, .mode = mode, .resolve = resolve };

	return syscall(SYS_openat2, dirfd, path, &how, sizeof(how));
}

static void spellings(void)
{
	int root = dir_fd("/"), sysk = dir_fd("/sys/kernel");
	FILE *f;

	fresh(open(DEV, O_RDWR), "plain");
	fresh(open("/sys/kernel/debug//kcov", O_RDWR), "//");
	fresh(open("//sys/kernel/debug/kcov", O_RDWR), "leading //");
	fresh(open("/sys/kernel/./debug/kcov", O_RDWR), "/./");
	fresh(open("/sys/kernel/debug/../debug/kcov", O_RDWR), "/../");
	fresh(open("/sys/./kernel//debug/.././debug/kcov", O_RDWR), "all of it");
	fresh(open64(DEV, O_RDWR), "open64");
	fresh(__open_2(DEV, O_RDWR), "__open_2");
	fresh(__open64_2(DEV, O_RDWR), "__open64_2");
	fresh(creat(DEV, 0600), "creat");
	fresh(openat(root, "sys/kernel/debug/kcov", O_RDWR), "openat(/)");
	fresh(openat(sysk, "debug/kcov", O_RDWR), "openat(/sys/kernel)");
	fresh(openat(sysk, "../kernel/debug/./kcov", O_RDWR), "openat(/sys/kernel) ..");
	fresh(openat64(sysk, "debug/kcov", O_RDWR), "openat64");
	fresh(openat(-1, DEV, O_RDWR), "openat, absolute: dirfd ignored");
	fresh((int)syscall(SYS_open, "/sys/kernel/debug//kcov", O_RDWR), "SYS_open");
	fresh((int)openat2(AT_FDCWD, DEV, O_RDWR, 0, 0), "openat2");
	fresh((int)openat2(root, DEV, O_RDWR, 0, RESOLVE_IN_ROOT), "openat2 IN_ROOT");
	fresh((int)openat2(sysk, "debug/kcov", O_RDWR, 0, RESOLVE_BENEATH),
	      "openat2 BENEATH");
	CHECK_ERR(openat2(AT_FDCWD, DEV, O_RDWR, 0, RESOLVE_NO_XDEV), EXDEV);
	CHECK_ERR(openat2(sysk, "debug/kcov", O_RDWR, 0, RESOLVE_NO_XDEV), EXDEV);
	CHECK_ERR(openat2(root, DEV, O_RDWR, 0, RESOLVE_BENEATH), EXDEV);
	CHECK_ERR(openat2(AT_FDCWD, DEV, O_RDWR | O_PATH, 0, 0), EINVAL);
	CHECK_ERR(openat2(AT_FDCWD, DEV, O_RDWR, 0600, 0), EINVAL);
	CHECK_ERR(openat2(AT_FDCWD, DEV, O_RDWR | (1ull << 40), 0, 0), EINVAL);

	f = fopen(DEV, "r+");
	CHECK(f);
	fresh(dup(fileno(f)), "fopen r+");	/* the dup's device: f's */
	CHECK(ioctl(fileno(f), KCOV_INIT_TRACE, WORDS) == -1 && errno == EBUSY);
	CHECK(fclose(f) == 0);
	f = fopen64(DEV, "re");
	CHECK(f && (fcntl(fileno(f), F_GETFD) & FD_CLOEXEC));
	CHECK(ioctl(fileno(f), KCOV_INIT_TRACE, WORDS) == 0);
	CHECK(fclose(f) == 0);
	errno = 0;
	CHECK(fopen(DEV, "wx") == NULL && errno == EEXIST);
	CHECK(fopen(DEV, "q") == NULL && errno == EINVAL);
	CHECK(freopen(DEV, "r+", stdin) == stdin && fileno(stdin) == 0);
	CHECK(ioctl(0, KCOV_INIT_TRACE, WORDS) == 0);
	CHECK(freopen64("/sys/kernel/./debug/kcov", "r+", stdin) == stdin);
	CHECK(fileno(stdin) == 0 && ioctl(0, KCOV_INIT_TRACE, WORDS) == 0);
	CHECK(freopen("/dev/null", "r", stdin) == stdin && fileno(stdin) == 0);
	CHECK(getchar() == EOF);
	CHECK(close(root) == 0 && close(sysk) == 0);
}

/* open flags as Linux answers them for the debugfs file kcov. */
static void flags(void)
{
	unsigned long w;
	int fd;

	fd = open(DEV, O_PATH | O_RDWR);	/* O_PATH drops O_RDWR */
	CHECK(fd >= 0);
	CHECK_ERR(ioctl(fd, KCOV_INIT_TRACE, WORDS), EBADF);
	CHECK_ERR(mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, 0), EBADF);
	CHECK_ERR(read(fd, &w, sizeof(w)), EBADF);
	CHECK((fcntl(fd, F_GETFL) & O_PATH) == O_PATH);
	CHECK(close(fd) == 0);
	CHECK_ERR(open(DEV, O_PATH | O_DIRECTORY), ENOTDIR);
	CHECK_ERR(open(DEV, O_RDWR | O_DIRECTORY), ENOTDIR);
	CHECK_ERR(open(DEV, O_RDWR | O_CREAT | O_EXCL, 0600), EEXIST);
	CHECK_ERR(open(DEV, O_RDWR | O_CREAT | O_DIRECTORY, 0600), EINVAL);
	CHECK_ERR(open(DEV, O_RDWR | O_TMPFILE, 0600), ENOTDIR);
	CHECK_ERR(open(DEV, O_RDONLY | O_TMPFILE, 0600), EINVAL);
	CHECK_ERR(open(DEV, O_RDWR | O_DIRECT), EINVAL);
	CHECK_ERR(open(DEV "/", O_RDWR), ENOTDIR);
	CHECK_ERR(open(DEV "/", O_RDWR | O_CREAT, 0600), EISDIR);
	CHECK_ERR(open(DEV "/x", O_RDWR), ENOTDIR);
	CHECK_ERR(open(DEV "/.", O_RDONLY), ENOTDIR);
	CHECK_ERR(open(DEV "/..", O_RDONLY), ENOTDIR);
	fresh(open(DEV, O_RDWR | O_CREAT, 0600), "O_CREAT");
	fresh(open(DEV, O_RDWR | O_TRUNC), "O_TRUNC");
	fresh(open(DEV, O_RDWR | O_EXCL), "O_EXCL alone");
	fresh(open(DEV, O_RDWR | O_NOCTTY | O_NOFOLLOW), "O_NOCTTY|O_NOFOLLOW");
	fd = open(DEV, O_RDWR | O_APPEND | O_NONBLOCK);
	CHECK(fd >= 0 && (fcntl(fd, F_GETFL) & (O_APPEND | O_NONBLOCK)) ==
	      (O_APPEND | O_NONBLOCK));
	fresh(fd, "O_APPEND|O_NONBLOCK");
	fd = open(DEV, O_RDONLY);
	CHECK(fd >= 0);
	CHECK_ERR(mmap(NULL, WORDS * 8, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0),
		  EACCES);
	fresh(fd, "O_RDONLY");
}

/* /proc/self/fd/N and /dev/fd/N open N's file anew: a fresh device. */
static void magic_links(void)
{
	const char *fmt[] = { "/proc/self/fd/%d", "/dev/fd/%d",
			      "/proc/thread-self/fd/%d", "/proc/%d/fd/%d" };
	char name[64];
	size_t i;
	int fd, copy, opath;

	fd = open(DEV, O_RDWR);
	CHECK(fd >= 0 && ioctl(fd, KCOV_INIT_TRACE, WORDS) == 0);
	copy = dup(fd);		/* the control: the same device */
	CHECK_ERR(ioctl(copy, KCOV_INIT_TRACE, WORDS), EBUSY);
	CHECK(close(copy) == 0);
	for (i = 0; i < sizeof(fmt) / sizeof(fmt[0]); i++) {
		if (i == 3)
			snprintf(name, sizeof(name), fmt[i], (int)getpid(), fd);
		else
			snprintf(name, sizeof(name), fmt[i], fd);
		fresh(open(name, O_RDWR), name);
	}
	snprintf(name, sizeof(name), "/proc/self/fd/%d", fd);
	CHECK_ERR(open(name, O_RDWR | O_CREAT | O_EXCL, 0600), EEXIST);
	CHECK_ERR(open(name, O_RDWR | O_DIRECTORY), ENOTDIR);
	fresh((int)openat2(AT_FDCWD, name, O_RDWR, 0, 0), "openat2 magic link");
	CHECK_ERR(openat2(AT_FDCWD, name, O_RDWR, 0, RESOLVE_NO_MAGICLINKS), ELOOP);
	opath = open(DEV, O_PATH);
	CHECK(opath >= 0);
	snprintf(name, sizeof(name), "/proc/self/fd/%d", opath);
	fresh(open(name, O_RDWR), "reopened O_PATH fd");
	CHECK(close(opath) == 0);
	CHECK(close(fd) == 0);
}

/* A file named kcov elsewhere is the kernel's: opened once, by the kernel. */
static void not_ours(void)
{
	char dir[] = "/tmp/ksim-paths-XXXXXX", name[64], buf[8];
	struct inotify_event ev[8];
	int in, fd, opens = 0;
	ssize_t n, off;

	CHECK(mkdtemp(dir));
	snprintf(name, sizeof(name), "%s/kcov", dir);
	fd = open(name, O_WRONLY | O_CREAT | O_EXCL, 0600);
	CHECK(fd >= 0 && write(fd, "mine", 4) == 4 && close(fd) == 0);
	in = inotify_init1(IN_NONBLOCK);
	CHECK(in >= 0 && inotify_add_watch(in, dir, IN_OPEN) >= 0);
	fd = open(name, O_RDWR);
	CHECK(fd >= 0 && read(fd, buf, 4) == 4 && !memcmp(buf, "mine", 4));
	CHECK_ERR(ioctl(fd, KCOV_INIT_TRACE, WORDS), ENOTTY);
	CHECK(close(fd) == 0);
	snprintf(name, sizeof(name), "%s/none/../kcov", dir);
	CHECK_ERR(open(name, O_RDWR), ENOENT);	/* "none" does not exist */
	CHECK_ERR(open("/sys/kernel/debug/kcovx", O_RDWR), ENOENT);
	n = read(in, ev, sizeof(ev));
	for (off = 0; n > 0 && off < n; opens++)
		off += (ssize_t)sizeof(ev[0]) + ((struct inotify_event *)
						 ((char *)ev + off))->len;
	CHECK(opens == 1);
	snprintf(name, sizeof(name), "%s/kcov", dir);
	CHECK(unlink(name) == 0 && rmdir(dir) == 0 && close(in) == 0);
}

static int relative(void)
{
	int fd;

	if (chdir("/sys/kernel/debug")) {
		printf("paths_client chdir: no /sys/kernel/debug here: skipped\n");
		return SKIP;
	}
	fresh(open("kcov", O_RDWR), "relative kcov");
	fresh(open("./kcov", O_RDWR), "./kcov");
	fresh(open("../debug/kcov", O_RDWR), "../debug/kcov");
	fresh(openat(AT_FDCWD, "kcov", O_RDWR), "openat(AT_FDCWD)");
	fresh((int)syscall(SYS_openat, AT_FDCWD, "kcov", O_RDWR), "SYS_openat");
	fd = open(".", O_RDONLY | O_DIRECTORY);
	CHECK(fd >= 0 && chdir("/") == 0);
	fresh(openat(fd, "kcov", O_RDWR), "openat(dirfd_of(/sys/kernel/debug))");
	fresh((int)openat2(fd, "kcov", O_RDWR, 0, RESOLVE_NO_XDEV),
	      "openat2 NO_XDEV inside debugfs");
	CHECK(close(fd) == 0);
	printf("paths_client chdir: ok\n");
	return 0;
}

int main(int argc, char **argv)
{
	int before = client_devices();

	if (argc > 1 && !strcmp(argv[1], "chdir"))
		return relative();
	spellings();
	flags();
	magic_links();
	not_ours();
	CHECK(client_devices() == before);
	printf("paths_client: ok\n");
	return 0;
}
