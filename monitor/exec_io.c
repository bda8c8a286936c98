/* The exec helper's poll loop (see exec_io.h). Writes to the client block
 * (one exec, one client: back-pressure reaches the process as with a pipe);
 * stdin is written without blocking so a process that does not read its
 * stdin never stalls its output. */
#include "monitor/exec_io.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#define DRAIN_MS 2000

static void
close_fd (int *fd)
{
  if (*fd >= 0)
    close (*fd);
  *fd = -1;
}

void
exec_io_init (struct exec_io *x, int ctl, int client)
{
  memset (x, 0, sizeof *x);
  x->ctl = ctl;
  x->client = client;
  x->in = x->out = x->err = x->sfd = -1;
  if (client >= 0)
    fcntl (client, F_SETFL, fcntl (client, F_GETFL) & ~O_NONBLOCK);
}

void
exec_io_close (struct exec_io *x)
{
  if (x->in == x->out)
    x->in = -1;
  close_fd (&x->in);
  close_fd (&x->out);
  close_fd (&x->err);
  close_fd (&x->sfd);
  close_fd (&x->client);
  close_fd (&x->ctl);
}

static int
write_all (int fd, const char *p, size_t n)
{
  while (n > 0)
    {
      ssize_t w = send (fd, p, n, MSG_NOSIGNAL);
      if (w < 0 && errno == EINTR)
        continue;
      if (w <= 0)
        return -1;
      p += w;
      n -= (size_t) w;
    }
  return 0;
}

void
exec_io_client_write (struct exec_io *x, int stream, const char *p, size_t n)
{
  if (x->client < 0 || n == 0)
    return;
  if (!x->tty)
    {
      unsigned char h[8] = { (unsigned char) stream, 0, 0, 0, (unsigned char) (n >> 24),
                             (unsigned char) (n >> 16), (unsigned char) (n >> 8),
                             (unsigned char) n };
      if (write_all (x->client, (const char *) h, 8) < 0)
        {
          close_fd (&x->client);
          return;
        }
    }
  if (write_all (x->client, p, n) < 0)
    close_fd (&x->client);
}

static int64_t
now_ms (void)
{
  struct timespec ts;
  clock_gettime (CLOCK_MONOTONIC, &ts);
  return (int64_t) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* stdout (1) or stderr (2): false at EOF. */
static bool
read_stream (struct exec_io *x, int *fd, int stream)
{
  char buf[32768];
  ssize_t n = read (*fd, buf, sizeof buf);
  if (n < 0 && (errno == EINTR || errno == EAGAIN))
    return true;
  if (n <= 0)
    {
      if (x->in == *fd)
        x->in = -1;
      close_fd (fd);
      return false;
    }
  if (stream == 1 ? x->attach_out : x->attach_err)
    exec_io_client_write (x, stream, buf, (size_t) n);
  return true;
}

static void
end_stdin (struct exec_io *x)
{
  x->client_eof = true;
  if (!x->tty)
    close_fd (&x->in);
}

static void
read_client (struct exec_io *x)
{
  char buf[4096];
  ssize_t n = recv (x->client, buf, sizeof buf, MSG_DONTWAIT);
  if (n < 0 && (errno == EINTR || errno == EAGAIN))
    return;
  if (n <= 0)
    {
      end_stdin (x);
      return;
    }
  bool det;
  x->pend_len = mon_detach_filter (&x->detach, buf, (size_t) n, x->pend, &det);
  x->pend_off = 0;
  if (det)
    {
      /* the process goes on; the client is done */
      end_stdin (x);
      close_fd (&x->client);
    }
}

static void
write_stdin (struct exec_io *x)
{
  if (x->in < 0)
    {
      x->pend_len = x->pend_off = 0;
      return;
    }
  ssize_t w = write (x->in, x->pend + x->pend_off, x->pend_len - x->pend_off);
  if (w < 0 && (errno == EINTR || errno == EAGAIN))
    return;
  if (w < 0)
    {
      x->pend_len = x->pend_off = 0;
      return;
    }
  x->pend_off += (size_t) w;
  if (x->pend_off == x->pend_len)
    x->pend_len = x->pend_off = 0;
}

static void
read_ctl (struct exec_io *x)
{
  ssize_t n = recv (x->ctl, x->ctlbuf + x->ctl_len, sizeof x->ctlbuf - 1 - x->ctl_len,
                    MSG_DONTWAIT);
  if (n <= 0)
    {
      if (n == 0)
        close_fd (&x->ctl);
      return;
    }
  x->ctl_len += (size_t) n;
  x->ctlbuf[x->ctl_len] = '\0';
  char *nl;
  while ((nl = strchr (x->ctlbuf, '\n')) != NULL)
    {
      *nl = '\0';
      unsigned h, w;
      if (sscanf (x->ctlbuf, "resize %u %u", &h, &w) == 2 && x->tty && x->out >= 0)
        {
          struct winsize ws = { .ws_row = (unsigned short) h, .ws_col = (unsigned short) w };
          ioctl (x->out, TIOCSWINSZ, &ws);
        }
      size_t rest = x->ctl_len - (size_t) (nl + 1 - x->ctlbuf);
      memmove (x->ctlbuf, nl + 1, rest + 1);
      x->ctl_len = rest;
    }
  if (x->ctl_len == sizeof x->ctlbuf - 1)
    x->ctl_len = 0;
}

static bool
reap (struct exec_io *x, int *status)
{
  struct signalfd_siginfo si;
  while (read (x->sfd, &si, sizeof si) == (ssize_t) sizeof si)
    ;
  return waitpid (x->pid, status, WNOHANG) == x->pid;
}

enum
{
  P_OUT,
  P_ERR,
  P_CLIENT,
  P_IN,
  P_CTL,
  P_SIG,
  P_N,
};

static int
poll_once (struct exec_io *x, bool exited, int timeout)
{
  struct pollfd p[P_N];
  bool pending = x->pend_len > 0;
  p[P_OUT] = (struct pollfd) { x->out, POLLIN, 0 };
  p[P_ERR] = (struct pollfd) { x->err, POLLIN, 0 };
  p[P_CLIENT] = (struct pollfd) { x->attach_in && !x->client_eof && !pending && !exited
                                      ? x->client : -1, POLLIN, 0 };
  p[P_IN] = (struct pollfd) { pending ? x->in : -1, POLLOUT, 0 };
  p[P_CTL] = (struct pollfd) { x->ctl, POLLIN, 0 };
  p[P_SIG] = (struct pollfd) { exited ? -1 : x->sfd, POLLIN, 0 };
  int n = poll (p, P_N, timeout);
  if (n <= 0)
    return n;
  if (p[P_OUT].revents)
    read_stream (x, &x->out, 1);
  if (p[P_ERR].revents)
    read_stream (x, &x->err, 2);
  if (p[P_CLIENT].revents && x->client >= 0)
    read_client (x);
  if (x->pend_len > 0 && (p[P_IN].revents || p[P_CLIENT].revents))
    write_stdin (x);
  if (p[P_CTL].revents)
    read_ctl (x);
  return n;
}

void
exec_io_wait_ack (struct exec_io *x)
{
  int64_t end = now_ms () + 2000;
  char buf[64];
  while (x->ctl >= 0)
    {
      int left = (int) (end - now_ms ());
      struct pollfd p = { x->ctl, POLLIN, 0 };
      if (left <= 0 || poll (&p, 1, left) <= 0)
        return;
      ssize_t n = recv (x->ctl, buf, sizeof buf - 1, 0);
      if (n <= 0)
        return;
      buf[n] = '\0';
      if (strstr (buf, "ok"))
        return;
    }
}

int
exec_io_run (struct exec_io *x)
{
  sigset_t chld;
  sigemptyset (&chld);
  sigaddset (&chld, SIGCHLD);
  sigprocmask (SIG_BLOCK, &chld, NULL);
  x->sfd = signalfd (-1, &chld, SFD_NONBLOCK | SFD_CLOEXEC);
  if (x->in >= 0 && x->in != x->out)
    fcntl (x->in, F_SETFL, fcntl (x->in, F_GETFL) | O_NONBLOCK);
  int status = 0;
  bool exited = reap (x, &status);
  int64_t deadline = now_ms () + DRAIN_MS;
  while (!exited || ((x->out >= 0 || x->err >= 0) && now_ms () < deadline))
    {
      int timeout = exited ? (int) (deadline - now_ms ()) : -1;
      if (poll_once (x, exited, timeout < 0 && exited ? 0 : timeout) < 0 && errno != EINTR)
        break;
      if (!exited && reap (x, &status))
        {
          exited = true;
          deadline = now_ms () + DRAIN_MS;
        }
    }
  int code = WIFEXITED (status) ? WEXITSTATUS (status) : 128 + WTERMSIG (status);
  char line[32];
  snprintf (line, sizeof line, "exit %d\n", code);
  if (x->ctl >= 0 && send (x->ctl, line, strlen (line), MSG_NOSIGNAL) > 0)
    exec_io_wait_ack (x);
  return 0;
}
