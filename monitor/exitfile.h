/* The container's exit status: DIR/exit.json (the contract with whoever
 * restarts or reports the container), the exit event pushed to control
 * clients, and the OOM-kill counter of the container's memory cgroup. */
#ifndef CD_MON_EXITFILE_H
#define CD_MON_EXITFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "monitor/jsonfmt.h"

struct mon_exit
{
  int exit_code;      /* 128 + signal when killed by a signal */
  int signal;
  bool oom_killed;
  char started_at[MON_TIME_MAX];
  char finished_at[MON_TIME_MAX];
};

/* Fills exit_code and signal from a waitpid status. */
void mon_exit_from_status (struct mon_exit *e, int wstatus);

/* {"exit_code":3,"signal":0,"oom_killed":false,"started_at":"...",
 * "finished_at":"..."}, or with EVENT {"event":"exit",...same fields...};
 * no newline. Returns the length (0 when CAP is too small). */
size_t mon_exit_format (char *dst, size_t cap, const struct mon_exit *e, bool event);

/* Writes BUNDLE/exit.json atomically (temp + rename; the exec-root is runtime
 * state: a daemon crash keeps it, a machine crash ends the container anyway). */
int mon_exit_write (const char *bundle, const struct mon_exit *e, struct cd_err *err);

/* The oom_kill counter in a cgroup v1 memory.oom_control or a cgroup v2
 * memory.events file; -1 when the file or the key is missing. */
int64_t mon_oom_count (const char *path);

#endif
