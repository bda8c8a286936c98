/* Attach clients served by the relay (see attach.h). Output is copied to
 * each client without blocking; a client that falls behind pauses the
 * reading of the container's output until it catches up (no byte is lost,
 * as with Docker's attach). Input goes to the container's stdin; detach
 * keys (with a tty) and EOF (with StdinOnce) end it. */
#include "monitor/attach.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "monitor/relay_int.h"

#define OUT_MAX (256 * 1024)

static void
update_events (struct relay *r, int i)
{
  struct mon_attach *a = r->at[i];
  uint32_t ev = EPOLLRDHUP;
  if (!a->in_eof && a->in_len == 0)
    ev |= EPOLLIN;
  if (a->out_len > 0)
    ev |= EPOLLOUT;
  relay_ep_set (r, EPOLL_CTL_MOD, a->fd, ev, TAG (K_ATTACH, i));
}

static void
drop (struct relay *r, int i)
{
  struct mon_attach *a = r->at[i];
  epoll_ctl (r->ep, EPOLL_CTL_DEL, a->fd, NULL);
  close (a->fd);
  free (a->out);
  free (a);
  r->at[i] = NULL;
  if (r->streams_paused && !relay_attach_pending (r))
    relay_pause_streams (r, false);
}

void
relay_attach_add (struct relay *r, int fd, const char *flags_keys)
{
  int i = 0;
  while (i < MON_ATTACH_MAX && r->at[i] != NULL)
    i++;
  struct mon_attach *a = i < MON_ATTACH_MAX ? calloc (1, sizeof *a) : NULL;
  if (a == NULL)
    {
      close (fd);
      return;
    }
  a->fd = fd;
  char *end;
  a->flags = (unsigned) strtoul (flags_keys, &end, 10);
  if ((a->flags & MON_AT_TTY) && (*end == ':' || *end == ' '))
    mon_detach_parse (&a->dk, end + 1);
  if (!(a->flags & MON_AT_STDIN) || r->in_fd < 0)
    a->in_eof = true;
  r->at[i] = a;
  if (relay_ep_set (r, EPOLL_CTL_ADD, fd, EPOLLRDHUP | (a->in_eof ? 0 : EPOLLIN),
                    TAG (K_ATTACH, i)) < 0)
    drop (r, i);
}

void
relay_attach_accept (struct relay *r)
{
  for (int rounds = 0; rounds < 16; rounds++)
    {
      int c = accept4 (r->o->attach_fd, NULL, NULL, SOCK_CLOEXEC);
      if (c < 0)
        return;
      char line[128] = "";
      struct iovec iov = { line, sizeof line - 1 };
      union
      {
        char buf[CMSG_SPACE (sizeof (int))];
        struct cmsghdr align;
      } u;
      struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf,
                            .msg_controllen = sizeof u.buf };
      ssize_t n = recvmsg (c, &msg, MSG_CMSG_CLOEXEC);
      struct cmsghdr *cm = n > 0 ? CMSG_FIRSTHDR (&msg) : NULL;
      if (cm && cm->cmsg_type == SCM_RIGHTS)
        {
          int fd;
          memcpy (&fd, CMSG_DATA (cm), sizeof fd);
          line[n] = '\0';
          relay_attach_add (r, fd, line);
        }
      close (c);
    }
}

/* Sends what it can; false when the client has gone. */
static bool
flush_out (struct mon_attach *a)
{
  while (a->out_len > 0)
    {
      ssize_t w = send (a->fd, a->out, a->out_len, MSG_NOSIGNAL | MSG_DONTWAIT);
      if (w < 0 && errno == EINTR)
        continue;
      if (w < 0)
        return errno == EAGAIN;
      memmove (a->out, a->out + w, a->out_len - (size_t) w);
      a->out_len -= (size_t) w;
    }
  return true;
}

static bool
queue (struct mon_attach *a, const char *p, size_t n)
{
  char *o = realloc (a->out, a->out_len + n);
  if (o == NULL)
    return false;
  a->out = o;
  memcpy (a->out + a->out_len, p, n);
  a->out_len += n;
  return true;
}

void
relay_attach_output (struct relay *r, int stream, const char *p, size_t n)
{
  bool behind = false;
  for (int i = 0; i < MON_ATTACH_MAX; i++)
    {
      struct mon_attach *a = r->at[i];
      if (a == NULL || !(a->flags & (stream == 1 ? MON_AT_STDOUT : MON_AT_STDERR)))
        continue;
      bool ok = true;
      if (!(a->flags & MON_AT_TTY))
        {
          char h[8] = { (char) stream, 0, 0, 0, (char) (n >> 24), (char) (n >> 16),
                        (char) (n >> 8), (char) n };
          ok = queue (a, h, 8);
        }
      ok = ok && queue (a, p, n) && flush_out (a);
      if (!ok)
        {
          drop (r, i);
          continue;
        }
      if (a->out_len > 0)
        {
          behind = true;
          update_events (r, i);
        }
    }
  if (behind && !r->streams_paused)
    relay_pause_streams (r, true);
}

static void
write_input (struct relay *r, struct mon_attach *a)
{
  while (a->in_off < a->in_len && r->in_fd >= 0)
    {
      ssize_t w = write (r->in_fd, a->in + a->in_off, a->in_len - a->in_off);
      if (w < 0 && errno == EINTR)
        continue;
      if (w < 0 && errno == EAGAIN)
        return;
      if (w < 0)
        break;
      a->in_off += (size_t) w;
    }
  a->in_len = a->in_off = 0;
}

static void
end_input (struct relay *r, struct mon_attach *a)
{
  a->in_eof = true;
  if ((a->flags & MON_AT_STDIN_ONCE) && !(a->flags & MON_AT_TTY) && r->in_fd >= 0)
    {
      close (r->in_fd);
      r->in_fd = -1;
    }
}

static bool
read_input (struct relay *r, int i)
{
  struct mon_attach *a = r->at[i];
  char buf[4096];
  ssize_t n = recv (a->fd, buf, sizeof buf, MSG_DONTWAIT);
  if (n < 0)
    return errno == EAGAIN || errno == EINTR;
  if (n == 0)
    {
      end_input (r, a);
      return true;
    }
  if (a->in_eof)
    return true;
  bool det;
  a->in_len = mon_detach_filter (&a->dk, buf, (size_t) n, a->in, &det);
  a->in_off = 0;
  write_input (r, a);
  return !det;
}

void
relay_attach_event (struct relay *r, int i, unsigned events)
{
  struct mon_attach *a = r->at[i];
  if (a == NULL)
    return;
  if ((events & EPOLLIN) && !read_input (r, i))
    {
      drop (r, i);
      return;
    }
  if (events & (EPOLLHUP | EPOLLERR))
    {
      drop (r, i);
      return;
    }
  if ((events & EPOLLOUT) && !flush_out (a))
    {
      drop (r, i);
      return;
    }
  if ((events & EPOLLRDHUP) && !a->in_eof)
    end_input (r, a);
  update_events (r, i);
  if (r->streams_paused && !relay_attach_pending (r))
    relay_pause_streams (r, false);
}

bool
relay_attach_retry_input (struct relay *r)
{
  bool waiting = false;
  for (int i = 0; i < MON_ATTACH_MAX; i++)
    if (r->at[i] && r->at[i]->in_len > 0)
      {
        write_input (r, r->at[i]);
        if (r->at[i]->in_len > 0)
          waiting = true;
        else
          update_events (r, i);
      }
  return waiting;
}

bool
relay_attach_pending (const struct relay *r)
{
  for (int i = 0; i < MON_ATTACH_MAX; i++)
    if (r->at[i] && r->at[i]->out_len > 0)
      return true;
  return false;
}

void
relay_attach_close_all (struct relay *r)
{
  for (int i = 0; i < MON_ATTACH_MAX; i++)
    if (r->at[i])
      drop (r, i);
}
