/* cdmon's start: everything between the double fork and the exec of
 * cdmon-relay (monitor.pid, ctl.sock, the log file, the container's stdio,
 * rt_start). See monitor.h for the contract. */
#ifndef CD_MON_START_H
#define CD_MON_START_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"

struct mon_opts
{
  const char *id;
  const char *bundle;     /* absolute */
  const char *log_path;   /* absolute */
  int64_t log_max_size;   /* 0: no rotation */
  int log_max_file;       /* >= 1 */
  bool tty, open_stdin;
  int sync_fd;            /* -1: none */
  const char *seccomp_cache; /* NULL or the runtime's seccomp filter cache */
  bool exec;              /* --exec: the helper of one exec (exec.h) */
  const char *attach[16]; /* --attach FD:FLAGS:KEYS: clients attached before the start */
  int n_attach;
  const char *exec_spec;
};

/* The container's stdio as set up by cdmon: what rt_start gets and what the
 * relay keeps. -1 where unused. */
struct mon_stdio
{
  int in_r, in_w;         /* stdin pipe (--stdin without --tty) */
  int out_r, out_w;
  int err_r, err_w;
  int pty_master, pty_slave;
};

/* Runs in the daemonized monitor: sets up, starts the container, execs the
 * relay. Returns (an exit status) only on failure, after reporting it on the
 * sync fd; nothing is left running then. */
int mon_start (const struct mon_opts *o);

/* Catches SIGTERM, SIGINT, SIGHUP and SIGPIPE with a no-op handler until
 * the relay takes over (handlers, unlike SIG_IGN, do not pass to the
 * container's init through execve). */
void mon_catch_signals (void);

/* {"error":"MSG","exit_code":CODE}\n on FD (when FD >= 0), then closes it. */
void mon_sync_error (int fd, const char *msg, int code);

/* stdio.c */
int mon_stdio_open (struct mon_stdio *s, bool tty, bool open_stdin, struct cd_err *err);
/* Closes the container's ends once rt_start has handed them on. */
void mon_stdio_close_child (struct mon_stdio *s);
void mon_stdio_close_all (struct mon_stdio *s);

/* oom.c: from BUNDLE/config.json's linux.cgroupsPath, read once: the file
 * holding the oom_kill counter of the container's memory cgroup, and its
 * cgroup directories newline-separated, for the relay to remove after the
 * exit without running `cdmon --cleanup`. "" for what it has not. */
void mon_cgroup_files (const char *bundle, char *oom, size_t oom_cap, char *dirs,
                       size_t dirs_cap);

#endif
