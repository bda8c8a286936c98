/* The container's stdio: pipes for stdout and stderr (and stdin with
 * --stdin); with --tty nothing here (rt_start returns the pty master). cdmon's ends are non-blocking; every fd
 * is close-on-exec (rt_start dup2s the container's ends onto 0, 1, 2). */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include "monitor/start.h"

static void
close_fd (int *fd)
{
  if (*fd >= 0)
    close (*fd);
  *fd = -1;
}

static int
nonblock (int fd)
{
  int fl = fcntl (fd, F_GETFL);
  return fl < 0 || fcntl (fd, F_SETFL, fl | O_NONBLOCK) < 0 ? -errno : 0;
}

static int
open_pipe (int *r, int *w, bool reader_is_ours, struct cd_err *err)
{
  int p[2];
  if (pipe2 (p, O_CLOEXEC) < 0)
    return cd_err_sys (err, errno, "pipe");
  *r = p[0];
  *w = p[1];
  if (nonblock (reader_is_ours ? p[0] : p[1]) < 0)
    return cd_err_sys (err, errno, "fcntl O_NONBLOCK");
  return 0;
}

int
mon_stdio_open (struct mon_stdio *s, bool tty, bool open_stdin, struct cd_err *err)
{
  *s = (struct mon_stdio) { -1, -1, -1, -1, -1, -1, -1, -1 };
  int r;
  if (tty)
    r = 0;   /* the runtime opens the terminal inside the container */
  else
    {
      r = open_pipe (&s->out_r, &s->out_w, true, err);
      if (r == 0)
        r = open_pipe (&s->err_r, &s->err_w, true, err);
      /* The monitor holds the writing end so the container's stdin stays
       * open (docker run -i); it is never written without an attach. */
      if (r == 0 && open_stdin)
        r = open_pipe (&s->in_r, &s->in_w, false, err);
    }
  if (r < 0)
    mon_stdio_close_all (s);
  return r;
}

void
mon_stdio_close_child (struct mon_stdio *s)
{
  close_fd (&s->in_r);
  close_fd (&s->out_w);
  close_fd (&s->err_w);
  close_fd (&s->pty_slave);
}

void
mon_stdio_close_all (struct mon_stdio *s)
{
  mon_stdio_close_child (s);
  close_fd (&s->in_w);
  close_fd (&s->out_r);
  close_fd (&s->err_r);
  close_fd (&s->pty_master);
}
