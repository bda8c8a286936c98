/* Internals of the relay shared by relay.c (the loop, streams, clients) and
 * relay_cmd.c (control requests, the phases after the init exits). */
#ifndef CD_MON_RELAY_INT_H
#define CD_MON_RELAY_INT_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "monitor/attach.h"
#include "monitor/ctl.h"
#include "monitor/exitfile.h"
#include "monitor/log.h"
#include "monitor/relay.h"

enum relay_phase
{
  PH_RUNNING,
  PH_DRAINING,
  PH_CLEANUP,
  PH_NOTIFY,
  PH_DONE,
};

struct relay_stream
{
  int fd;
  const char *name;      /* "stdout" / "stderr" */
  struct mon_log *log;
  struct mon_splitter sp;
};

struct relay
{
  const struct relay_opts *o;
  int ep, sfd;
  bool running;
  enum relay_phase phase;
  int64_t deadline;      /* CLOCK_MONOTONIC ms of the phase's end, 0: none */
  pid_t cleanup_pid;
  int64_t oom_base;      /* oom_kill counter when the relay started, -1: none */
  dev_t ctl_dev;         /* ctl.sock as bound, to remove only our own */
  ino_t ctl_ino;
  struct mon_exit ex;
  struct mon_log log;
  struct mon_client *cl[MON_CTL_CLIENTS];
  bool cl_out[MON_CTL_CLIENTS];  /* EPOLLOUT armed */
  struct relay_stream st[2];
  struct mon_attach *at[MON_ATTACH_MAX];
  bool streams_paused;   /* an attach client is behind: stop reading the container */
  int in_fd;             /* the container's stdin (pipe write end or pty master), -1 */
};

enum
{
  K_SIG = 1,
  K_STREAM,
  K_LISTEN,
  K_CLIENT,
  K_ATTACH_LISTEN,
  K_ATTACH,
};

#define TAG(kind, idx) ((uint64_t) (kind) | ((uint64_t) (idx) << 8))
int relay_ep_set (struct relay *r, int op, int fd, uint32_t events, uint64_t tag);
/* Stops or resumes reading the container's output (attach back-pressure). */
void relay_pause_streams (struct relay *r, bool pause);

void relay_warn (const char *fmt, ...) __attribute__ ((format (printf, 1, 2)));
int64_t relay_now_ms (void);

/* relay.c */
void relay_drain_and_close (struct relay *r);
/* Flushes every client, queueing the exit event first with EXIT_EVENT. */
void relay_sync_clients (struct relay *r, bool exit_event);
bool relay_clients_pending (const struct relay *r);
void relay_close_clients (struct relay *r);

/* relay_cmd.c */
/* mon_line_fn for control clients: one request, one answer line. */
void relay_request (void *ctx, struct mon_client *c, char *line, size_t len);
/* Notes which ctl.sock file is ours. */
void relay_remember_ctl (struct relay *r);
/* Moves through the phases once their conditions or deadlines are met. */
void relay_advance (struct relay *r);
/* Last step: clients closed, log closed. */
void relay_finish (struct relay *r);

#endif
