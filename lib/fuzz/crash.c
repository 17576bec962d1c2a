/* SPDX-License-Identifier: MIT */
/*
 * crash.c - crashes, sanitizer reports and timeouts of the built-in engine,
 * reported as libFuzzer reports them: the input is written as
 * <artifact_prefix>crash-<sha1> (or timeout-<sha1>), and the process exits
 * with libFuzzer's codes: 77 after a deadly signal, 70 after a timeout,
 * and the sanitizer's own code (1 by default) after a sanitizer report.
 */
#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <unistd.h>

#include "engine.h"

/* Sanitizer runtime entry points, when one is linked. */
void __sanitizer_set_death_callback(void (*cb)(void)) __attribute__((weak));
void __sanitizer_print_stack_trace(void) __attribute__((weak));
/* Defined only when ThreadSanitizer's runtime is linked in. */
void __tsan_init(void) __attribute__((weak));

static const struct opts *copts;
/* The input now running (set before each run, by the running thread). */
static const uint8_t *volatile cur_data;
static volatile size_t cur_len;
static volatile int cur_running;
/*
 * The thread that reports (0: none). Once one thread reports, others wait
 * to be killed; the same thread may report again (a sanitizer's death
 * callback while it writes the artifact of a signal) and goes on.
 */
static pid_t reporting;

volatile unsigned long crash_units;
void (*crash_stats_hook)(void);

/* Timeout bookkeeping, on the SIGALRM handler only. */
static unsigned long alarm_last_unit;
static long alarm_stalled;

notrace void crash_set_input(const uint8_t *data, size_t len)
{
	cur_data = data;
	cur_len = len;
	__atomic_store_n(&cur_running, 1, __ATOMIC_RELAXED);
	crash_units++;
}

notrace void crash_unit_done(void)
{
	__atomic_store_n(&cur_running, 0, __ATOMIC_RELAXED);
}

static notrace void say(const char *s)
{
	size_t n = strlen(s);

	while (n) {
		ssize_t w = write(STDERR_FILENO, s, n);

		if (w <= 0)
			return;
		s += w;
		n -= (size_t)w;
	}
}

/* 0, or a negative errno. */
notrace int write_all(int fd, const uint8_t *data, size_t len)
{
	size_t off = 0;

	while (off < len) {
		ssize_t w = write(fd, data + off, len - off);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return w < 0 ? -errno : -EIO;
		off += (size_t)w;
	}
	return 0;
}

notrace int write_artifact(const char *prefix, const char *kind,
			   const uint8_t *data, size_t len, char *path,
			   size_t pathsz)
{
	char name[41];
	int fd, err;

	sha1_hex(data, len, name);
	if (copts && copts->exact_artifact_path)
		snprintf(path, pathsz, "%s", copts->exact_artifact_path);
	else
		snprintf(path, pathsz, "%s%s%s", prefix ? prefix : "./", kind,
			 name);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	err = write_all(fd, data, len);
	close(fd);
	return err;
}

/* Writes the current input as @kind and says so, as libFuzzer does. */
static notrace void dump_unit(const char *kind)
{
	const uint8_t *d = cur_data;
	size_t len = cur_len;
	char path[4096], line[4352];

	if (!__atomic_load_n(&cur_running, __ATOMIC_RELAXED) || !d) {
		say("(no input was running)\n");
		return;
	}
	if (write_artifact(copts ? copts->artifact_prefix : NULL, kind, d, len,
			   path, sizeof(path))) {
		snprintf(line, sizeof(line), "%s: cannot write %s\n",
			 ENGINE_NAME, path);
		say(line);
		return;
	}
	snprintf(line, sizeof(line),
		 "artifact_prefix='%s'; Test unit written to %s\n",
		 copts && copts->artifact_prefix ? copts->artifact_prefix : "./",
		 path);
	say(line);
}

/* Returns false if this thread is reporting already. */
static notrace bool report_begin(void)
{
	pid_t me = (pid_t)syscall(SYS_gettid), none = 0;

	if (__atomic_compare_exchange_n(&reporting, &none, me, false,
					__ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
		return true;
	if (none == me)
		return false;
	for (;;)
		pause();
}

/* strsignal() may allocate: not in a signal handler. */
static notrace const char *sig_name(int sig)
{
	switch (sig) {
	case SIGSEGV:	return "SIGSEGV";
	case SIGBUS:	return "SIGBUS";
	case SIGILL:	return "SIGILL";
	case SIGFPE:	return "SIGFPE";
	case SIGABRT:	return "SIGABRT";
	case SIGTRAP:	return "SIGTRAP";
	case SIGSYS:	return "SIGSYS";
	default:	return "signal";
	}
}

/*
 * TSan's stack printer allocates (pthread_getattr_np), which TSan reports
 * as a signal-unsafe call and which can end the process before the
 * SUMMARY line: under TSan the report goes without the stack.
 */
static notrace void print_stack(void)
{
	if (__sanitizer_print_stack_trace && !__tsan_init)
		__sanitizer_print_stack_trace();
}

static notrace void on_deadly(int sig, siginfo_t *si, void *uc)
{
	char line[256];

	(void)si;
	(void)uc;
	if (!report_begin())
		_exit(copts ? (int)copts->error_exitcode : EXIT_CRASH);
	snprintf(line, sizeof(line), "==%d== ERROR: %s: deadly signal (%s)\n",
		 (int)getpid(), ENGINE_NAME, sig_name(sig));
	say(line);
	/* The input first: a sanitizer's unwinder may end us. */
	dump_unit("crash-");
	print_stack();
	if (crash_stats_hook)
		crash_stats_hook();
	snprintf(line, sizeof(line), "SUMMARY: %s: deadly signal\n",
		 ENGINE_NAME);
	say(line);
	_exit(copts ? (int)copts->error_exitcode : EXIT_CRASH);
}

/* A sanitizer report ends the process: write the input first. */
static notrace void on_sanitizer_death(void)
{
	char line[128];

	if (!report_begin())
		return;
	snprintf(line, sizeof(line),
		 "==%d== ERROR: %s: sanitizer terminated fuzz target\n",
		 (int)getpid(), ENGINE_NAME);
	say(line);
	dump_unit("crash-");
	if (crash_stats_hook)
		crash_stats_hook();
	/* Returns: the sanitizer exits with its own code. */
}

static notrace void on_alarm(int sig)
{
	unsigned long units = crash_units;
	char line[256];

	(void)sig;
	if (!copts || copts->timeout <= 0 ||
	    !__atomic_load_n(&cur_running, __ATOMIC_RELAXED)) {
		alarm_stalled = 0;
		return;
	}
	if (units != alarm_last_unit) {
		alarm_last_unit = units;
		alarm_stalled = 0;
		return;
	}
	if (++alarm_stalled < copts->timeout || !report_begin())
		return;
	snprintf(line, sizeof(line),
		 "ALARM: working on the last Unit for %ld seconds\n"
		 "       and the timeout value is %ld (use -timeout=N to change)\n",
		 alarm_stalled, copts->timeout);
	say(line);
	dump_unit("timeout-");
	snprintf(line, sizeof(line),
		 "==%d== ERROR: %s: timeout after %ld seconds\n",
		 (int)getpid(), ENGINE_NAME, alarm_stalled);
	say(line);
	print_stack();
	if (crash_stats_hook)
		crash_stats_hook();
	snprintf(line, sizeof(line), "SUMMARY: %s: timeout\n", ENGINE_NAME);
	say(line);
	_exit((int)copts->timeout_exitcode);
}

static notrace void on_interrupt(int sig)
{
	char line[128];

	(void)sig;
	if (!report_begin())
		return;
	snprintf(line, sizeof(line), "==%d== %s: run interrupted; exiting\n",
		 (int)getpid(), ENGINE_NAME);
	say(line);
	if (crash_stats_hook)
		crash_stats_hook();
	_exit(0);
}

/* A handler for @sig, unless a sanitizer (or the user) installed one. */
static notrace void handle(int sig, void (*fn)(int, siginfo_t *, void *),
			   void (*plain)(int))
{
	struct sigaction sa, old;

	if (sigaction(sig, NULL, &old) == 0 && old.sa_handler != SIG_DFL &&
	    old.sa_handler != SIG_IGN && sig != SIGALRM)
		return;	/* ASan's SEGV handler reports better than we do */
	memset(&sa, 0, sizeof(sa));
	sigemptyset(&sa.sa_mask);
	if (fn) {
		sa.sa_sigaction = fn;
		sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
	} else {
		sa.sa_handler = plain;
		sa.sa_flags = SA_RESTART;
	}
	sigaction(sig, &sa, NULL);
}

notrace void crash_setup(const struct opts *o)
{
	static const int deadly[] = { SIGSEGV, SIGBUS, SIGILL, SIGFPE,
				      SIGABRT, SIGTRAP, SIGSYS };
	size_t i;

	copts = o;
	for (i = 0; i < ARRAY_SIZE(deadly); i++)
		handle(deadly[i], on_deadly, NULL);
	handle(SIGINT, NULL, on_interrupt);
	handle(SIGTERM, NULL, on_interrupt);
	if (__sanitizer_set_death_callback)
		__sanitizer_set_death_callback(on_sanitizer_death);
}

/*
 * A one-second SIGALRM: an input is timed out when no new one started
 * for @timeout ticks (no clock read per input). An alternate stack lets
 * the handlers of the calling thread run after a stack overflow, unless
 * the thread has one (ASan gives each thread its own, and unmaps
 * whatever is installed when the thread ends).
 */
notrace void crash_timer_start(long timeout)
{
	struct itimerval it = { { 1, 0 }, { 1, 0 } };
	stack_t ss, old;

	if (!sigaltstack(NULL, &old) && (old.ss_flags & SS_DISABLE)) {
		ss.ss_size = 1 << 16;
		ss.ss_flags = 0;
		ss.ss_sp = mmap(NULL, ss.ss_size, PROT_READ | PROT_WRITE,
				MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (ss.ss_sp != MAP_FAILED)
			sigaltstack(&ss, NULL);
	}
	if (timeout <= 0)
		return;
	handle(SIGALRM, NULL, on_alarm);
	setitimer(ITIMER_REAL, &it, NULL);
}
