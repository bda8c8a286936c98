/* The exec helper's relay: one poll loop between the client's connection,
 * the process's stdio (pipes or the pty master) and the control socket. */
#ifndef CD_MON_EXEC_IO_H
#define CD_MON_EXEC_IO_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "detachfilter.h"

struct exec_io
{
  int ctl;              /* control socket to the daemon */
  int client;           /* hijacked connection, -1: none (or gone) */
  int in, out, err;     /* process stdin (write), stdout, stderr; the pty master twice */
  pid_t pid;
  int sfd;              /* signalfd for SIGCHLD */
  bool tty, attach_in, attach_out, attach_err;
  bool client_eof;      /* the client sent EOF (or detached) */
  struct mon_detach detach;
  char pend[4096 + MON_DETACH_MAX]; /* stdin bytes not yet written */
  size_t pend_len, pend_off;
  char ctlbuf[256];
  size_t ctl_len;
};

void exec_io_init (struct exec_io *x, int ctl, int client);
/* Until the process has exited and its output is drained; then reports the
 * exit on ctl and waits for the daemon's answer. Returns 0. */
int exec_io_run (struct exec_io *x);
/* One frame (stream 1 or 2) or raw bytes with a tty, blocking; drops the
 * client when it has gone. */
void exec_io_client_write (struct exec_io *x, int stream, const char *p, size_t n);
/* Waits (2 s at most) for the daemon's "ok" after "exit N". */
void exec_io_wait_ack (struct exec_io *x);
void exec_io_close (struct exec_io *x);

#endif
