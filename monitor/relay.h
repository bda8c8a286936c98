/* The long-lived half of cdmon. cdmon sets everything up, starts the
 * container with rt_start and then execs bin/cdmon-relay (same process, so
 * it stays the parent of the container's init): a static binary with libc
 * only, so the monitor's resident memory stays under 1 MiB. The relay runs
 * one epoll loop, no threads: stdout/stderr (or the pty master) into the
 * json-file log, the control socket, SIGCHLD through a signalfd; when the
 * init exits it writes exit.json, runs `cdmon --cleanup BUNDLE` (rt_cleanup)
 * and pushes the exit event to every control client.
 *
 * Its command line is internal (cdmon passes the fds it set up):
 *   cdmon-relay --id ID --bundle DIR --log-path FILE --log-fd FD
 *     --log-max-size N --log-max-file N --pid PID --started-at TIME
 *     --ctl-fd FD [--out-fd FD] [--err-fd FD] [--pty-fd FD] [--in-fd FD]
 *     [--oom-file PATH] [--cdmon PATH] */
#ifndef CD_MON_RELAY_H
#define CD_MON_RELAY_H

#include <stdint.h>
#include <sys/types.h>

struct relay_opts
{
  const char *id, *bundle, *log_path, *started_at;
  const char *oom_file;  /* memory.oom_control / memory.events, or NULL */
  const char *cdmon;     /* cdmon binary for --cleanup, or NULL */
  const char *cgroup_dirs; /* newline-separated cgroup dirs to rmdir, or NULL/"" */
  int64_t log_max_size;
  int log_max_file;
  pid_t pid;
  int ctl_fd, log_fd;
  int out_fd, err_fd;    /* pipes from the container, or -1 */
  int pty_fd;            /* pty master (tty mode), or -1 */
  int in_fd;             /* write end of the container's stdin, or -1 */
  int attach_fd;         /* listening DIR/attach.sock, or -1 */
  const char *attach_clients[16]; /* "FD:FLAGS:KEYS" attached before the start */
  int n_attach_clients;
};

/* Runs until the container's init has exited and every step after it is
 * done. Returns the process exit status. */
int relay_run (const struct relay_opts *o);

#endif
