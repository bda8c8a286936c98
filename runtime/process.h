/* runtime/process: attributes of the container's init set in the child
 * (stdio, session, rlimits, oom score, hostname, sysctl, cwd) and the final
 * execve with Docker's PATH lookup and exit codes. */
#ifndef CD_RUNTIME_PROCESS_H
#define CD_RUNTIME_PROCESS_H

#include "config.h"
#include "err.h"
#include "runtime.h"

/* In the caller: refuses an rlimit above our own hard limit (raising one
 * needs CAP_SYS_RESOURCE, which this runtime may not have). */
int rt_rlimits_check (const struct rt_config *c, struct cd_err *err);

/* Child side. */
int rt_proc_stdio (const struct rt_stdio *s, bool terminal, struct cd_err *err);
int rt_proc_rlimits (const struct rt_config *c, struct cd_err *err);
int rt_proc_oom_score_adj (const struct rt_config *c, struct cd_err *err);
int rt_proc_hostname_sysctl (const struct rt_config *c, struct cd_err *err);
int rt_proc_cwd (const struct rt_config *c, struct cd_err *err);
void rt_proc_reset_signals (void);

/* Pure: Go's exec.LookPath over the PATH of env (Docker's default PATH when
 * env has none). On success *out is malloc'd; on failure the message is
 * Docker's and *exit_code 127 or 126. */
int rt_lookup_path (const char *name, char *const *env, char **out, int *exit_code,
                    struct cd_err *err);
/* Resolves args[0] and execve's; returns only on failure. home is added as
 * HOME when env has none. */
int rt_exec (const struct rt_config *c, const char *home, int *exit_code, struct cd_err *err);

#endif
