/* SPDX-License-Identifier: MIT */
/*
 * executor.c - a fuzzer executor in the shape of syzkaller's (the facts
 * are its executor's, the code is ours), built as syzkaller builds it:
 * -static (and -static-pie), linked with libkcov-sim.a. The coverage fds
 * are opened in main and moved to fixed numbers below the pipe fds
 * (kCoverFd = 250 - 2 - 32 = 216, one per thread); each buffer is 512K
 * words, mapped MAP_FIXED between two PROT_NONE guard pages; worker
 * threads ENABLE once (PC, or CMP for the comparison probe), reset the
 * count before each program and never DISABLE; a program's calls are
 * system calls by number through syscall(); then a fork server: a child
 * per program ENABLEs the inherited fd and exits without DISABLE, and the
 * parent reads what it wrote. Every record is checked exactly.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/kcov.h>

#include "client.h"

#define PAGE		4096ul
#define MAX_FD		250
#define OUT_PIPE_FD	(MAX_FD - 2)
#define MAX_THREADS	32
#define COVER_FD	(OUT_PIPE_FD - MAX_THREADS)
#define COVER_WORDS	(512ul << 10)
#define COVER_LEN	(COVER_WORDS * sizeof(unsigned long))
#define NR_PROGRAMS	3

struct cover {
	int		fd;
	unsigned long	*data;
	unsigned long	mode;	/* KCOV_TRACE_PC or KCOV_TRACE_CMP */
};

static struct cover covers[2];

static void cover_open(struct cover *c, int fd_no, unsigned long mode)
{
	char *reserve;
	int fd;

	fd = open("/sys/kernel/debug/kcov", O_RDWR);
	CHECK(fd >= 0);
	CHECK(dup2(fd, fd_no) == fd_no);
	CHECK(close(fd) == 0);
	c->fd = fd_no;
	c->mode = mode;
	CHECK(ioctl(c->fd, KCOV_INIT_TRACE, COVER_WORDS) == 0);
	reserve = mmap(NULL, COVER_LEN + 2 * PAGE, PROT_NONE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(reserve != MAP_FAILED);
	c->data = mmap(reserve + PAGE, COVER_LEN, PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_FIXED, c->fd, 0);
	CHECK(c->data == (void *)(reserve + PAGE));
}

/* One program: its "system calls" and the kernel code they ran. */
static void run_program(const struct cover *c)
{
	unsigned long word;

	__atomic_store_n(&c->data[0], 0, __ATOMIC_RELAXED);
	CHECK(syscall(SYS_getpid) == getpid());		/* not ours: untouched */
	CHECK_ERR(syscall(SYS_read, c->fd, &word, sizeof(word)), EINVAL);
	if (c->mode == KCOV_TRACE_PC)
		sites_pc3();
	else
		sites_cmp();
}

static void check_program(const struct cover *c)
{
	if (c->mode == KCOV_TRACE_PC)
		check_pc3(c->data);
	else
		check_cmp(c->data);
}

static void *worker(void *arg)
{
	struct cover *c = arg;
	int i;

	CHECK(ioctl(c->fd, KCOV_ENABLE, c->mode) == 0);
	CHECK_ERR(ioctl(c->fd, KCOV_ENABLE, c->mode), EINVAL);
	for (i = 0; i < NR_PROGRAMS; i++) {
		run_program(c);
		check_program(c);
	}
	return NULL;	/* exits enabled: the kernel disables at exit */
}

/* A child per program enables the inherited fd; the parent reads. */
static void fork_server(struct cover *c)
{
	int status, i;
	pid_t pid;

	for (i = 0; i < NR_PROGRAMS; i++) {
		memset(c->data + 1, 0, 8 * sizeof(unsigned long));
		pid = fork();
		CHECK(pid >= 0);
		if (pid == 0) {
			if (ioctl(c->fd, KCOV_ENABLE, c->mode))
				_exit(2);
			run_program(c);
			_exit(0);
		}
		CHECK(waitpid(pid, &status, 0) == pid);
		CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
		check_program(c);
	}
}

int main(void)
{
	pthread_t tids[2];
	int i, before = client_devices();

	client_hooks();
	cover_open(&covers[0], COVER_FD, KCOV_TRACE_PC);
	cover_open(&covers[1], COVER_FD + 1, KCOV_TRACE_CMP);
	for (i = 0; i < 2; i++)
		CHECK(pthread_create(&tids[i], NULL, worker, &covers[i]) == 0);
	for (i = 0; i < 2; i++)
		CHECK(pthread_join(tids[i], NULL) == 0);
	for (i = 0; i < 2; i++)
		fork_server(&covers[i]);
	for (i = 0; i < 2; i++) {
		CHECK(munmap(covers[i].data, COVER_LEN) == 0);
		CHECK(close(covers[i].fd) == 0);
	}
	CHECK(client_devices() == before);
	printf("executor: ok\n");
	return 0;
}
