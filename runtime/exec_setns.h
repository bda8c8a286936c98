/* runtime/exec_setns: a new process in a running container (docker exec).
 * It joins every namespace the container's init has (setns through
 * /proc/PID/ns/NAME), its cgroups, and runs with the container's process setup
 * from the bundle's config.json (user, capabilities, no_new_privs, and what
 * rt_child_become adds later) with the exec's own args, env, user and cwd. */
#ifndef CD_RUNTIME_EXEC_SETNS_H
#define CD_RUNTIME_EXEC_SETNS_H

#include <stdbool.h>
#include <sys/types.h>

#include "err.h"
#include "runtime.h"

struct rt_exec_opts
{
  const char *bundle;   /* holds config.json */
  pid_t init_pid;       /* the container's init, in our pid namespace */
  char **args;          /* NULL-terminated, at least one */
  char **env;           /* NULL or NULL-terminated KEY=VALUE added to the container's */
  const char *user;     /* NULL/"": the container's user */
  const char *cwd;      /* NULL/"": the container's cwd */
  bool tty;             /* a pty from the container's own devpts */
  bool privileged;      /* every capability of our bounding set */
  unsigned short rows, cols; /* the pty's first size (0: leave it) */
  struct rt_stdio stdio; /* without tty (-1: /dev/null) */
  const char *seccomp_cache; /* NULL or the compiled seccomp filter cache (seccomp.h) */
};

/* Starts the process as a child of the caller (which joins the container's
 * pid namespace for its children and must be single-threaded) and returns
 * once it has exec'd: *pid, and with tty *pty_master (the caller's end).
 * On failure *exit_code is 126 or 127 (Docker's) and err says why. */
int rt_exec_spawn (const struct rt_exec_opts *o, pid_t *pid, int *pty_master, int *exit_code,
                   struct cd_err *err);

#endif
