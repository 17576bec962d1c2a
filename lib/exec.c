/* SPDX-License-Identifier: MIT */
/*
 * exec.c - execve() of a process that holds kcov devices. On Linux a task
 * keeps its KCOV state across execve (only exit ends it, spec 2.9): the
 * kcovtrace flow forks, ENABLEs in the child and execs the program to
 * trace, and the parent reads what the new image ran.
 *
 * Old image (the exec front doors in shim.c call ksim_exec_prepare()): an
 * environment entry KCOV_SIM_EXEC lists the kcov fds that survive the exec
 * and which of them the calling task owns, and its common handle. An fd
 * of an owned device that closes on exec is duplicated first: on Linux
 * the task's reference keeps the device whatever happens to the fd. If
 * the new image has no libkcov-sim (neither linked nor in LD_PRELOAD) and
 * the task owns a device, one line on stderr says its coverage is lost.
 *
 * New image (exec_adopt(), a constructor): each listed fd becomes a file
 * of this image (vfs.c) over the memfd's shared page, and the main thread
 * - the task that called execve - owns its devices again.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "internal.h"

#define EXEC_VAR	"KCOV_SIM_EXEC"
#define MAX_FDS		64

/* Does the file at @path (an ELF image) carry libkcov-sim, or preload it? */
static notrace bool has_library(const char *path, char *const envp[])
{
	struct stat st;
	void *map;
	bool found;
	int fd, i;

	for (i = 0; envp && envp[i]; i++)
		if (!strncmp(envp[i], "LD_PRELOAD=", 11) &&
		    strstr(envp[i], "libkcov-sim"))
			return true;
	fd = ksim_libc_open(path, O_RDONLY | O_CLOEXEC, 0);
	if (fd < 0)
		return true;	/* the exec will fail or tell; say nothing */
	if (ksim_libc_fstat(fd, &st) || st.st_size < 4) {
		ksim_libc_close(fd);
		return true;
	}
	map = ksim_libc_mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	ksim_libc_close(fd);
	if (IS_ERR_VALUE(map))
		return true;
	/*
	 * Not ELF (a script): whatever its interpreter is, we cannot tell.
	 * ELF: a DT_NEEDED libkcov-sim.so.N, or the library linked in
	 * statically, whose image holds the name of this very variable.
	 */
	found = memcmp(map, "\177ELF", 4) ||
		memmem(map, (size_t)st.st_size, "libkcov-sim", 11) ||
		memmem(map, (size_t)st.st_size, EXEC_VAR "=", sizeof(EXEC_VAR));
	ksim_libc_munmap(map, (size_t)st.st_size);
	return found;
}

/* execvp()'s PATH search, only to look at what it will run. */
static notrace bool has_library_in_path(const char *file, char *const envp[])
{
	const char *p = getenv("PATH"), *colon;
	char buf[4096];
	size_t n;

	if (strchr(file, '/'))
		return has_library(file, envp);
	for (p = p ? p : "/bin:/usr/bin"; ; p = colon + 1) {
		colon = strchrnul(p, ':');
		n = (size_t)(colon - p);
		if (n + strlen(file) + 2 < sizeof(buf)) {
			snprintf(buf, sizeof(buf), "%.*s%s%s", (int)n, p,
				 n ? "/" : "", file);
			if (!access(buf, X_OK))
				return has_library(buf, envp);
		}
		if (!*colon)
			return true;	/* not found: the exec will say so */
	}
}

/* @envp without any KCOV_SIM_EXEC entry, and @entry added; NULL on ENOMEM. */
static notrace char **env_with(char *const envp[], char *entry)
{
	size_t n = 0, i, j = 0;
	char **env;

	while (envp && envp[n])
		n++;
	env = ksim_calloc(n + 2, sizeof(*env));
	if (!env)
		return NULL;
	for (i = 0; i < n; i++)
		if (strncmp(envp[i], EXEC_VAR "=", sizeof(EXEC_VAR)))
			env[j++] = envp[i];
	env[j] = entry;
	return env;
}

/*
 * Before execve(path, ..., envp) (@search: execvp's PATH search of @path):
 * @x->envp is the environment to pass. 0, or -errno (the exec must not
 * happen then, as a kernel out of memory would refuse it).
 */
notrace int ksim_exec_prepare(const char *path, bool search, char *const envp[],
			      struct ksim_exec *x)
{
	struct kcov *local, *remote, *devs[MAX_FDS];
	uint64_t handle = ksim_current.kcov_handle;
	int fds[MAX_FDS], n, i, fd, len = 0;
	bool cloexec[MAX_FDS], owned, any_owned = false;
	char entry[64 + MAX_FDS * 16];

	memset(x, 0, sizeof(*x));
	x->envp = (char **)envp;
	n = ksim_vfs_exec_fds(fds, devs, cloexec, MAX_FDS);
	if (!n && !handle)
		return 0;
	ksim_kcov_task_devices(&local, &remote);
	len = snprintf(entry, sizeof(entry), EXEC_VAR "=h%llx",
		       (unsigned long long)handle);
	for (i = 0; i < n; i++) {
		/* An owned device is listed as owned once, by its first fd. */
		owned = devs[i] && (devs[i] == local || devs[i] == remote);
		fd = fds[i];
		if (cloexec[i]) {
			if (!owned)
				continue;	/* gone with the exec, as on Linux */
			if (x->nr_dups == (int)ARRAY_SIZE(x->dups))
				continue;
			fd = ksim_libc_fcntl(fd, F_DUPFD, 3);
			if (fd < 0)
				continue;
			x->dups[x->nr_dups++] = fd;
		}
		if (devs[i] == local)
			local = NULL;
		if (devs[i] == remote)
			remote = NULL;
		any_owned |= owned;
		len += snprintf(entry + len, sizeof(entry) - (size_t)len,
				",%d%s%s", fd, owned ? "o" : "",
				cloexec[i] ? "c" : "");
	}
	x->entry = ksim_strdup(entry);
	x->envp = x->entry ? env_with(envp, x->entry) : NULL;
	if (!x->envp) {
		ksim_exec_abort(x);
		return -ENOMEM;
	}
	if (any_owned && !(search ? has_library_in_path(path, envp)
				  : has_library(path, envp)))
		fprintf(stderr, "kcov-sim: exec of %s: the new image has no "
			"libkcov-sim (neither linked nor in LD_PRELOAD): the "
			"KCOV coverage of this task stops here (Linux would go "
			"on collecting)\n", path);
	return 0;
}

/* The exec failed: this image goes on, as before. */
notrace void ksim_exec_abort(struct ksim_exec *x)
{
	int i;

	for (i = 0; i < x->nr_dups; i++)
		ksim_libc_close(x->dups[i]);
	if (x->entry)		/* then the environment is ours too */
		free(x->envp);
	free(x->entry);
	memset(x, 0, sizeof(*x));
}

/* ---- the new image --------------------------------------------------------- */

__attribute__((constructor)) static notrace void exec_adopt(void)
{
	const char *var = getenv(EXEC_VAR), *p;
	unsigned long long handle = 0;
	struct kcov *kcov;
	char *end;
	long fd;
	int ret;

	if (!var)
		return;
	if (*var == 'h')
		handle = strtoull(var + 1, &end, 16);
	for (p = strchr(var, ','); p; p = strchr(p + 1, ',')) {
		fd = strtol(p + 1, &end, 10);
		kcov = ksim_vfs_adopt((int)fd);
		if (!kcov)
			continue;
		if (strchr(end, 'o') && strchr(end, 'o') < strchrnul(end, ',')) {
			ret = ksim_kcov_exec_attach(kcov, handle);
			if (ret)
				fprintf(stderr, "kcov-sim: after exec: fd %ld: "
					"the task's device cannot be taken back "
					"(%d)\n", fd, ret);
		}
		if (strchr(end, 'c') && strchr(end, 'c') < strchrnul(end, ','))
			ksim_vfs_close((int)fd);	/* our duplicate */
	}
	if (!ksim_current.kcov_handle)
		ksim_current.kcov_handle = handle;	/* inherited across exec */
	unsetenv(EXEC_VAR);
}
