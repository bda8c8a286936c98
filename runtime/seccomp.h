/* runtime/seccomp: the OCI linux.seccomp section compiled with libseccomp.
 * Built in the caller before clone (every error is reported before anything
 * runs), loaded by the container's init just before execve. */
#ifndef CD_RUNTIME_SECCOMP_H
#define CD_RUNTIME_SECCOMP_H

#include <stdbool.h>
#include <stddef.h>

#include "err.h"

/* A compiled filter (its BPF program); NULL means no seccomp. */
typedef struct rt_seccomp *rt_seccomp_t;

/* Generating the program with libseccomp costs tens of ms for Docker's
 * profile, so with a cache_dir (NULL: none) the program of a JSON text seen
 * before is read from there instead.
 * json: the text of linux.seccomp ({defaultAction, defaultErrnoRet,
 * architectures, syscalls[{names, action, errnoRet, args[{index, value,
 * valueTwo, op}]}]}); NULL gives *out = NULL. Syscall names libseccomp does
 * not know are skipped (as runc does); a rule whose action is the default
 * action is skipped. Errors name the key: "linux.seccomp.syscalls[3].action:
 * unknown action \"SCMP_ACT_FOO\"". */
int rt_seccomp_build (const char *json, const char *cache_dir, rt_seccomp_t *out,
                      struct cd_err *err);
/* Loads the filter into the calling thread (no-op for NULL). Without
 * no_new_privs the caller needs CAP_SYS_ADMIN, so the init loads it before
 * it drops capabilities in that case (runc's order). */
int rt_seccomp_load (rt_seccomp_t f, struct cd_err *err);
void rt_seccomp_free (rt_seccomp_t f);
/* The BPF program and its size in bytes (for tests). */
const void *rt_seccomp_program (rt_seccomp_t f, size_t *len);
/* The filter as libseccomp's pseudo-filter-code text, for tests (malloc'd). */
char *rt_seccomp_pfc (rt_seccomp_t f);

#endif
