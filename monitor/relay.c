/* The relay's event loop: one epoll set, level-triggered, no threads.
 *
 * Phases after the init exits (each bounded by a deadline so nothing can
 * hold the monitor forever):
 *   DRAINING  read what the container left in its pipes (EOF, or 1 s when
 *             something outside the container still holds a write end);
 *   CLEANUP   exit.json is written, the cgroups are removed (by one rmdir each,
 *             else by `cdmon --cleanup`, 10 s at most);
 *   NOTIFY    the exit event is queued to every client and flushed (1 s).
 */
#include "monitor/relay.h"

#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "monitor/ctl.h"
#include "monitor/exitfile.h"
#include "monitor/jsonfmt.h"
#include "monitor/log.h"
#include "monitor/relay_int.h"

#define DRAIN_MS 1000
/* Reads at once when the init has gone: 1 MiB per stream, so a writer that
 * outlives the container (no pid namespace) cannot keep the loop here. */
#define DRAIN_ROUNDS 64


void
relay_warn (const char *fmt, ...)
{
  char msg[640];
  struct timespec now;
  clock_gettime (CLOCK_REALTIME, &now);
  size_t n = mon_fmt_time (msg, &now, false);
  n += (size_t) snprintf (msg + n, sizeof msg - n, " cdmon-relay[%d]: ", (int) getpid ());
  va_list ap;
  va_start (ap, fmt);
  int m = vsnprintf (msg + n, sizeof msg - n - 1, fmt, ap);
  va_end (ap);
  if (m > 0)
    n += (size_t) m;
  if (n > sizeof msg - 2)
    n = sizeof msg - 2;
  msg[n++] = '\n';
  if (write (STDERR_FILENO, msg, n) < 0)
    return;
}

int64_t
relay_now_ms (void)
{
  struct timespec ts;
  clock_gettime (CLOCK_MONOTONIC, &ts);
  return (int64_t) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int
relay_ep_set (struct relay *r, int op, int fd, uint32_t events, uint64_t tag)
{
  struct epoll_event ev = { .events = events, .data.u64 = tag };
  return epoll_ctl (r->ep, op, fd, &ev);
}

static void
emit_entry (void *ctx, const char *line, size_t len, bool newline, const struct timespec *ts)
{
  struct relay_stream *st = ctx;
  mon_log_entry (st->log, st->name, line, len, newline, ts);
}

static void
stream_close (struct relay *r, struct relay_stream *st)
{
  if (st->fd < 0)
    return;
  struct timespec now;
  clock_gettime (CLOCK_REALTIME, &now);
  mon_split_eof (&st->sp, &now, emit_entry, st);
  epoll_ctl (r->ep, EPOLL_CTL_DEL, st->fd, NULL);
  if (r->in_fd == st->fd)
    r->in_fd = -1;
  close (st->fd);
  st->fd = -1;
}

/* Reads up to ROUNDS chunks, fewer when the pipe is empty. */
static void
stream_read (struct relay *r, struct relay_stream *st, int rounds)
{
  while (st->fd >= 0 && rounds-- > 0)
    {
      size_t room;
      char *p = mon_split_space (&st->sp, &room);
      ssize_t n = read (st->fd, p, room);
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0 && errno == EAGAIN)
        return;
      if (n <= 0)
        {
          /* EOF, or EIO from a pty master once the slave is gone. */
          stream_close (r, st);
          return;
        }
      relay_attach_output (r, st == &r->st[0] ? 1 : 2, p, (size_t) n);
      struct timespec now;
      clock_gettime (CLOCK_REALTIME, &now);
      mon_split_commit (&st->sp, (size_t) n, &now, emit_entry, st);
    }
}

static void
init_exited (struct relay *r, int wstatus)
{
  struct timespec now;
  clock_gettime (CLOCK_REALTIME, &now);
  mon_fmt_time (r->ex.finished_at, &now, false);
  mon_exit_from_status (&r->ex, wstatus);
  r->running = false;
  r->phase = PH_DRAINING;
  r->deadline = relay_now_ms () + DRAIN_MS;
  for (int i = 0; i < 2; i++)
    stream_read (r, &r->st[i], DRAIN_ROUNDS);
}

/* Reaps every child: the init and the cleanup helper. */
static void
reap (struct relay *r)
{
  struct signalfd_siginfo si;
  while (read (r->sfd, &si, sizeof si) == (ssize_t) sizeof si)
    ;
  int status;
  pid_t p;
  while ((p = waitpid (-1, &status, WNOHANG)) > 0)
    {
      if (p == r->o->pid && r->running)
        init_exited (r, status);
      else if (p == r->cleanup_pid)
        {
          r->cleanup_pid = 0;
          if (!WIFEXITED (status) || WEXITSTATUS (status) != 0)
            relay_warn ("cleanup of %s failed (status %d)", r->o->id, status);
        }
    }
}

static void
client_drop (struct relay *r, int i)
{
  mon_client_free (r->cl[i]);
  r->cl[i] = NULL;
  r->cl_out[i] = false;
}

/* Flushes a client and keeps its epoll interest in step with its output. */
static void
client_sync (struct relay *r, int i)
{
  struct mon_client *c = r->cl[i];
  int pending = c->dead ? -1 : mon_client_flush (c);
  if (pending < 0 || c->dead)
    {
      client_drop (r, i);
      return;
    }
  bool want = pending > 0;
  if (want != r->cl_out[i])
    {
      relay_ep_set (r, EPOLL_CTL_MOD, c->fd, EPOLLIN | (want ? EPOLLOUT : 0), TAG (K_CLIENT, i));
      r->cl_out[i] = want;
    }
}

static void
queue_exit_event (struct relay *r, struct mon_client *c)
{
  char ev[512];
  size_t n = mon_exit_format (ev, sizeof ev - 1, &r->ex, true);
  ev[n++] = '\n';
  mon_client_send (c, ev, n);
}

static void
accept_clients (struct relay *r)
{
  for (int rounds = 0; rounds < 16; rounds++)
    {
      struct mon_client *c = mon_client_accept (r->o->ctl_fd);
      if (c == NULL)
        return;
      int i = 0;
      while (i < MON_CTL_CLIENTS && r->cl[i] != NULL)
        i++;
      if (i == MON_CTL_CLIENTS || relay_ep_set (r, EPOLL_CTL_ADD, c->fd, EPOLLIN, TAG (K_CLIENT, i)) < 0)
        {
          static const char msg[] = "{\"error\":\"too many control clients\"}\n";
          mon_client_send (c, msg, sizeof msg - 1);
          mon_client_flush (c);
          mon_client_free (c);
          continue;
        }
      r->cl[i] = c;
      r->cl_out[i] = false;
      if (r->phase >= PH_NOTIFY)
        {
          queue_exit_event (r, c);
          client_sync (r, i);
        }
    }
}

static void
client_event (struct relay *r, int i, uint32_t events)
{
  struct mon_client *c = r->cl[i];
  if (c == NULL)
    return;
  if ((events & (EPOLLIN | EPOLLHUP | EPOLLERR)) && mon_client_read (c, relay_request, r) < 0)
    {
      /* Answers already queued still go out if the peer only shut down
       * its writing side. */
      mon_client_flush (c);
      client_drop (r, i);
      return;
    }
  client_sync (r, i);
}

static void
dispatch (struct relay *r, const struct epoll_event *ev)
{
  unsigned kind = (unsigned) (ev->data.u64 & 0xff);
  int idx = (int) (ev->data.u64 >> 8);
  switch (kind)
    {
    case K_SIG:
      reap (r);
      break;
    case K_STREAM:
      stream_read (r, &r->st[idx], 4);
      break;
    case K_LISTEN:
      accept_clients (r);
      break;
    case K_CLIENT:
      client_event (r, idx, ev->events);
      break;
    case K_ATTACH_LISTEN:
      relay_attach_accept (r);
      break;
    case K_ATTACH:
      relay_attach_event (r, idx, ev->events);
      break;
    default:
      break;
    }
}

static int
setup (struct relay *r, const struct relay_opts *o)
{
  memset (r, 0, sizeof *r);
  r->o = o;
  r->running = true;
  r->phase = PH_RUNNING;
  r->sfd = -1;
  r->in_fd = o->pty_fd >= 0 ? o->pty_fd : o->in_fd;
  r->ep = epoll_create1 (EPOLL_CLOEXEC);
  sigset_t chld;
  sigemptyset (&chld);
  sigaddset (&chld, SIGCHLD);
  sigprocmask (SIG_BLOCK, &chld, NULL);
  r->sfd = signalfd (-1, &chld, SFD_NONBLOCK | SFD_CLOEXEC);
  if (r->ep < 0 || r->sfd < 0)
    return -errno;
  struct cd_err err;
  if (mon_log_init (&r->log, o->log_fd, o->log_path, o->log_max_size, o->log_max_file, &err) < 0)
    {
      relay_warn ("%s", err.msg);
      return -err.code;
    }
  r->st[0] = (struct relay_stream) { .fd = o->pty_fd >= 0 ? o->pty_fd : o->out_fd,
                                     .name = "stdout", .log = &r->log };
  r->st[1] = (struct relay_stream) { .fd = o->pty_fd >= 0 ? -1 : o->err_fd,
                                     .name = "stderr", .log = &r->log };
  for (int i = 0; i < 2; i++)
    {
      mon_split_init (&r->st[i].sp);
      if (r->st[i].fd >= 0 && relay_ep_set (r, EPOLL_CTL_ADD, r->st[i].fd, EPOLLIN, TAG (K_STREAM, i)) < 0)
        return -errno;
    }
  if (relay_ep_set (r, EPOLL_CTL_ADD, r->sfd, EPOLLIN, TAG (K_SIG, 0)) < 0
      || relay_ep_set (r, EPOLL_CTL_ADD, o->ctl_fd, EPOLLIN, TAG (K_LISTEN, 0)) < 0)
    return -errno;
  if (o->attach_fd >= 0
      && relay_ep_set (r, EPOLL_CTL_ADD, o->attach_fd, EPOLLIN, TAG (K_ATTACH_LISTEN, 0)) < 0)
    return -errno;
  for (int i = 0; i < o->n_attach_clients; i++)
    {
      char *end;
      long fd = strtol (o->attach_clients[i], &end, 10);
      if (*end == ':' && fd >= 0)
        relay_attach_add (r, (int) fd, end + 1);
    }
  snprintf (r->ex.started_at, sizeof r->ex.started_at, "%s", o->started_at);
  r->oom_base = mon_oom_count (o->oom_file);
  relay_remember_ctl (r);
  return 0;
}

void
relay_pause_streams (struct relay *r, bool pause)
{
  r->streams_paused = pause;
  for (int i = 0; i < 2; i++)
    if (r->st[i].fd >= 0)
      relay_ep_set (r, EPOLL_CTL_MOD, r->st[i].fd, pause ? 0 : EPOLLIN, TAG (K_STREAM, i));
}

static int
next_timeout (const struct relay *r, bool input_waiting)
{
  if (input_waiting)
    return 10;
  if (r->deadline == 0)
    return -1;
  int64_t left = r->deadline - relay_now_ms ();
  return left < 0 ? 0 : (int) left;
}

int
relay_run (const struct relay_opts *o)
{
  struct relay r;
  int ret = setup (&r, o);
  if (ret < 0)
    {
      relay_warn ("setup: %s", strerror (-ret));
      /* Without a loop nobody could reap the init: take it down. */
      kill (o->pid, SIGKILL);
      waitpid (o->pid, NULL, 0);
      return 1;
    }
  reap (&r);
  bool waiting = false;
  while (r.phase != PH_DONE)
    {
      struct epoll_event evs[16];
      int n = epoll_wait (r.ep, evs, 16, next_timeout (&r, waiting));
      if (n < 0 && errno != EINTR)
        {
          relay_warn ("epoll_wait: %s", strerror (errno));
          break;
        }
      for (int i = 0; i < n; i++)
        dispatch (&r, &evs[i]);
      mon_log_flush (&r.log);
      waiting = relay_attach_retry_input (&r);
      relay_advance (&r);
    }
  relay_finish (&r);
  return 0;
}

void
relay_drain_and_close (struct relay *r)
{
  for (int i = 0; i < 2; i++)
    {
      stream_read (r, &r->st[i], DRAIN_ROUNDS);
      stream_close (r, &r->st[i]);
    }
  mon_log_flush (&r->log);
}

void
relay_sync_clients (struct relay *r, bool exit_event)
{
  for (int i = 0; i < MON_CTL_CLIENTS; i++)
    if (r->cl[i] != NULL)
      {
        if (exit_event)
          queue_exit_event (r, r->cl[i]);
        client_sync (r, i);
      }
}

bool
relay_clients_pending (const struct relay *r)
{
  for (int i = 0; i < MON_CTL_CLIENTS; i++)
    if (r->cl[i] != NULL && r->cl[i]->out_len > 0)
      return true;
  return relay_attach_pending (r);
}

void
relay_close_clients (struct relay *r)
{
  for (int i = 0; i < MON_CTL_CLIENTS; i++)
    if (r->cl[i] != NULL)
      client_drop (r, i);
  relay_attach_close_all (r);
}
