/* cli_hijack and cli_stream_run (see hijack.h). */
#include "client/hijack.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "cleanup.h"
#include "client/http.h"
#include "detachfilter.h"

#define HEAD_MAX (64 * 1024)

static int
send_all (int fd, const char *p, size_t n)
{
  while (n > 0)
    {
      ssize_t w = send (fd, p, n, MSG_NOSIGNAL);
      if (w < 0 && errno == EINTR)
        continue;
      if (w <= 0)
        return -errno;
      p += w;
      n -= (size_t) w;
    }
  return 0;
}

static int
write_all (int fd, const char *p, size_t n)
{
  while (n > 0)
    {
      ssize_t w = write (fd, p, n);
      if (w < 0 && errno == EINTR)
        continue;
      if (w <= 0)
        return -errno;
      p += w;
      n -= (size_t) w;
    }
  return 0;
}

/* An error answer: its body (Content-Length or up to EOF) as the message. */
static int
answer_error (int fd, int status, char *buf, size_t len, size_t head_len, struct cd_err *err)
{
  const char *cl = strcasestr (buf, "\r\nContent-Length:");
  size_t want = cl ? strtoul (cl + 17, NULL, 10) : HEAD_MAX;
  while (len - head_len < want && len < HEAD_MAX * 2 - 1)
    {
      ssize_t n = read (fd, buf + len, HEAD_MAX * 2 - 1 - len);
      if (n <= 0)
        break;
      len += (size_t) n;
    }
  buf[len] = '\0';
  struct cli_response resp = { .status = status, .body = strdup (buf + head_len) };
  resp.len = resp.body ? strlen (resp.body) : 0;
  resp.json = resp.body ? json_tokener_parse (resp.body) : NULL;
  int r = cli_http_check (&resp, err);
  cli_response_free (&resp);
  return r < 0 ? r : cd_err_set (err, EPROTO, "the daemon answered %d", status);
}

static int
read_head (int fd, char *buf, size_t *len, size_t *head_len, struct cd_err *err)
{
  *len = 0;
  for (;;)
    {
      ssize_t n = read (fd, buf + *len, HEAD_MAX - 1 - *len);
      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        return cd_err_set (err, EPROTO, "the daemon closed the connection without answering");
      *len += (size_t) n;
      buf[*len] = '\0';
      char *end = strstr (buf, "\r\n\r\n");
      if (end)
        {
          *head_len = (size_t) (end + 4 - buf);
          return 0;
        }
      if (*len >= HEAD_MAX - 1)
        return cd_err_set (err, EPROTO, "the daemon's answer is too large");
    }
}

int
cli_hijack (struct cli_ctx *ctx, const char *method, const char *path, json_object *body,
            int *out_fd, char **pre, size_t *pre_len, struct cd_err *err)
{
  cleanup_close int fd = -1;
  int r = cli_http_dial (ctx->http, &fd, err);
  if (r < 0)
    return r;
  fcntl (fd, F_SETFL, fcntl (fd, F_GETFL) & ~O_NONBLOCK);
  const char *b = body ? json_object_to_json_string_ext (body, JSON_C_TO_STRING_PLAIN) : "";
  cleanup_free char *head = NULL;
  int hl = asprintf (&head,
                     "%s /v" CLI_API_VERSION "%s HTTP/1.1\r\nHost: docker\r\nUser-Agent: cdctl\r\n"
                     "Connection: Upgrade\r\nUpgrade: tcp\r\nContent-Type: application/json\r\n"
                     "Content-Length: %zu\r\n\r\n%s",
                     method, path, strlen (b), b);
  if (hl < 0)
    return cd_err_set (err, ENOMEM, "out of memory");
  if ((r = send_all (fd, head, (size_t) hl)) < 0)
    return cd_err_sys (err, -r, "send the request");
  cleanup_free char *buf = malloc (HEAD_MAX * 2);
  size_t len = 0, head_len = 0;
  if (buf == NULL)
    return cd_err_set (err, ENOMEM, "out of memory");
  if ((r = read_head (fd, buf, &len, &head_len, err)) < 0)
    return r;
  int status = 0;
  sscanf (buf, "HTTP/1.%*d %d", &status);
  if (status != 101 && status != 200)
    return answer_error (fd, status, buf, len, head_len, err);
  *pre_len = len - head_len;
  *pre = malloc (*pre_len + 1);
  if (*pre == NULL)
    return cd_err_set (err, ENOMEM, "out of memory");
  memcpy (*pre, buf + head_len, *pre_len);
  *out_fd = fd;
  fd = -1;
  return 0;
}

/* ---- relaying ---- */

static int winch_pipe[2] = { -1, -1 };

static void
on_winch (int sig)
{
  (void) sig;
  int e = errno;
  if (write (winch_pipe[1], "w", 1) < 0)
    errno = e;
  errno = e;
}

struct demux
{
  unsigned char hdr[8];
  size_t hlen;
  size_t left;   /* bytes of the current frame's payload still to come */
  int stream;
};

static int
output (struct cli_stream *st, struct demux *d, const char *p, size_t n)
{
  if (st->tty)
    return write_all (STDOUT_FILENO, p, n);
  while (n > 0)
    {
      if (d->left == 0)
        {
          size_t take = 8 - d->hlen < n ? 8 - d->hlen : n;
          memcpy (d->hdr + d->hlen, p, take);
          d->hlen += take;
          p += take;
          n -= take;
          if (d->hlen == 8)
            {
              d->stream = d->hdr[0];
              d->left = (size_t) d->hdr[4] << 24 | (size_t) d->hdr[5] << 16
                        | (size_t) d->hdr[6] << 8 | d->hdr[7];
              d->hlen = 0;
            }
          continue;
        }
      size_t take = d->left < n ? d->left : n;
      if (write_all (d->stream == 2 ? STDERR_FILENO : STDOUT_FILENO, p, take) < 0)
        return -1;
      d->left -= take;
      p += take;
      n -= take;
    }
  return 0;
}

/* Reads stdin into pend (through the detach filter on a terminal); false
 * at EOF or detach. */
static bool
read_input (struct cli_stream *st, struct mon_detach *dk, bool tty_in, char *pend,
            size_t *pend_len)
{
  char buf[4096];
  ssize_t n = read (STDIN_FILENO, buf, sizeof buf);
  if (n < 0 && (errno == EINTR || errno == EAGAIN))
    return true;
  if (n <= 0)
    return false;
  if (tty_in && dk->n > 0)
    {
      bool det;
      *pend_len = mon_detach_filter (dk, buf, (size_t) n, pend, &det);
      if (det)
        {
          st->detached = true;
          return false;
        }
      return true;
    }
  memcpy (pend, buf, (size_t) n);
  *pend_len = (size_t) n;
  return true;
}

/* Sends what it can of pend without blocking; -1 when the connection broke. */
static int
send_pending (int fd, char *pend, size_t *len)
{
  ssize_t w = send (fd, pend, *len, MSG_NOSIGNAL | MSG_DONTWAIT);
  if (w < 0)
    return errno == EAGAIN || errno == EINTR ? 0 : -1;
  memmove (pend, pend + w, *len - (size_t) w);
  *len -= (size_t) w;
  return 0;
}

static void
winch_setup (void)
{
  if (winch_pipe[0] < 0 && pipe2 (winch_pipe, O_CLOEXEC | O_NONBLOCK) == 0)
    {
      struct sigaction sa = { .sa_handler = on_winch, .sa_flags = SA_RESTART };
      sigemptyset (&sa.sa_mask);
      sigaction (SIGWINCH, &sa, NULL);
    }
}

int
cli_stream_run (struct cli_stream *st, FILE *out, struct cd_err *err)
{
  fflush (out);
  struct demux d = { 0 };
  struct mon_detach dk = { .n = st->nkeys };
  memcpy (dk.keys, st->keys, st->nkeys);
  bool tty_in = st->in && st->tty && isatty (STDIN_FILENO);
  if (tty_in)
    cli_tty_raw (STDIN_FILENO);
  if (st->resize)
    {
      winch_setup ();
      st->resize (st->resize_ctx);
    }
  int r = output (st, &d, st->pre, st->pre_len);
  bool in_open = st->in, in_eof = false;
  char buf[65536], pend[4096 + MON_DETACH_MAX];
  size_t pend_len = 0;
  while (r == 0)
    {
      struct pollfd p[3] = { { st->fd, POLLIN | (pend_len ? POLLOUT : 0), 0 },
                             { in_open && pend_len == 0 ? STDIN_FILENO : -1, POLLIN, 0 },
                             { st->resize ? winch_pipe[0] : -1, POLLIN, 0 } };
      if (poll (p, 3, -1) < 0)
        {
          if (errno == EINTR)
            continue;
          r = cd_err_sys (err, errno, "poll");
          break;
        }
      if (p[2].revents)
        {
          while (read (winch_pipe[0], buf, sizeof buf) > 0)
            ;
          st->resize (st->resize_ctx);
        }
      if (p[1].revents && !read_input (st, &dk, tty_in, pend, &pend_len))
        {
          in_open = false;
          if (st->detached)
            break;
          in_eof = true;
        }
      if (pend_len > 0 && send_pending (st->fd, pend, &pend_len) < 0)
        pend_len = 0;
      if (in_eof && pend_len == 0)
        {
          shutdown (st->fd, SHUT_WR);
          in_eof = false;
        }
      if (p[0].revents & (POLLIN | POLLHUP | POLLERR))
        {
          ssize_t n = read (st->fd, buf, sizeof buf);
          if (n < 0 && (errno == EINTR || errno == EAGAIN))
            continue;
          if (n <= 0)
            break;
          if (output (st, &d, buf, (size_t) n) < 0)
            r = cd_err_sys (err, errno, "write the output");
        }
    }
  cli_tty_restore ();
  close (st->fd);
  st->fd = -1;
  free (st->pre);
  st->pre = NULL;
  return r;
}
