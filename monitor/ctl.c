#include "monitor/ctl.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

/* The address of PATH; when too long for sun_path, through the fd of its
 * directory (*dfd, to be closed by the caller). */
static int
socket_addr (const char *path, struct sockaddr_un *sa, int *dfd, struct cd_err *err)
{
  memset (sa, 0, sizeof *sa);
  sa->sun_family = AF_UNIX;
  *dfd = -1;
  if (strlen (path) < sizeof sa->sun_path)
    {
      memcpy (sa->sun_path, path, strlen (path) + 1);
      return 0;
    }
  char dir[PATH_MAX];
  snprintf (dir, sizeof dir, "%s", path);
  char *slash = strrchr (dir, '/');
  if (slash == NULL || slash == dir)
    return cd_err_set (err, ENAMETOOLONG, "socket path too long `%s`", path);
  *slash = '\0';
  *dfd = open (dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (*dfd < 0)
    return cd_err_sys (err, errno, "open `%s`", dir);
  int n = snprintf (sa->sun_path, sizeof sa->sun_path, "/proc/self/fd/%d/%s", *dfd, slash + 1);
  if (n < 0 || (size_t) n >= sizeof sa->sun_path)
    return cd_err_set (err, ENAMETOOLONG, "socket path too long `%s`", path);
  return 0;
}

/* A socket file someone still accepts on is a live monitor's: never take
 * it over. A stale one (ECONNREFUSED) is replaced. */
static int
bind_at (int fd, const char *path, struct cd_err *err)
{
  struct sockaddr_un sa;
  int dfd;
  int r = socket_addr (path, &sa, &dfd, err);
  if (r == 0)
    {
      int probe = socket (AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
      if (probe >= 0
          && (connect (probe, (struct sockaddr *) &sa, sizeof sa) == 0 || errno == EAGAIN))
        r = cd_err_set (err, EADDRINUSE, "`%s` is served by a running monitor", path);
      if (probe >= 0)
        close (probe);
    }
  if (r == 0)
    {
      unlink (sa.sun_path);
      if (bind (fd, (struct sockaddr *) &sa, sizeof sa) < 0)
        r = cd_err_sys (err, errno, "bind `%s`", path);
    }
  if (dfd >= 0)
    close (dfd);
  return r;
}

int
mon_ctl_listen (const char *path, struct cd_err *err)
{
  int fd = socket (AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0)
    return cd_err_sys (err, errno, "socket");
  int r = bind_at (fd, path, err);
  if (r == 0 && listen (fd, 64) < 0)
    r = cd_err_sys (err, errno, "listen `%s`", path);
  if (r < 0)
    {
      close (fd);
      return r;
    }
  return fd;
}

struct mon_client *
mon_client_accept (int listen_fd)
{
  int fd = accept4 (listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
  if (fd < 0)
    return NULL;
  struct mon_client *c = malloc (sizeof *c);
  if (c == NULL)
    {
      close (fd);
      return NULL;
    }
  c->fd = fd;
  c->dead = false;
  c->in_len = 0;
  c->out_len = 0;
  return c;
}

void
mon_client_free (struct mon_client *c)
{
  if (c == NULL)
    return;
  if (c->fd >= 0)
    close (c->fd);
  free (c);
}

/* Hands every complete line in the input buffer to FN. */
static int
dispatch_lines (struct mon_client *c, mon_line_fn fn, void *ctx)
{
  size_t p = 0;
  for (;;)
    {
      char *nl = memchr (c->in + p, '\n', c->in_len - p);
      if (nl == NULL)
        break;
      *nl = '\0';
      size_t len = (size_t) (nl - (c->in + p));
      if (len > 0 && c->in[p + len - 1] == '\r')
        c->in[p + --len] = '\0';
      if (len > 0)
        fn (ctx, c, c->in + p, len);
      p = (size_t) (nl - c->in) + 1;
      if (c->dead)
        return -1;
    }
  memmove (c->in, c->in + p, c->in_len - p);
  c->in_len -= p;
  if (c->in_len == sizeof c->in)
    {
      static const char msg[] = "{\"error\":\"request line too long\"}\n";
      mon_client_send (c, msg, sizeof msg - 1);
      mon_client_flush (c);
      return -1;
    }
  return 0;
}

int
mon_client_read (struct mon_client *c, mon_line_fn fn, void *ctx)
{
  for (int rounds = 0; rounds < 4 && !c->dead; rounds++)
    {
      ssize_t r = read (c->fd, c->in + c->in_len, sizeof c->in - c->in_len);
      if (r < 0 && errno == EINTR)
        continue;
      if (r < 0)
        return errno == EAGAIN ? 0 : -1;
      if (r == 0)
        return -1;
      c->in_len += (size_t) r;
      if (dispatch_lines (c, fn, ctx) < 0)
        return -1;
    }
  return c->dead ? -1 : 0;
}

void
mon_client_send (struct mon_client *c, const char *data, size_t len)
{
  if (c->dead)
    return;
  if (len > sizeof c->out - c->out_len)
    {
      c->dead = true;
      return;
    }
  memcpy (c->out + c->out_len, data, len);
  c->out_len += len;
}

int
mon_client_flush (struct mon_client *c)
{
  size_t off = 0;
  while (off < c->out_len)
    {
      ssize_t w = send (c->fd, c->out + off, c->out_len - off, MSG_NOSIGNAL | MSG_DONTWAIT);
      if (w < 0 && errno == EINTR)
        continue;
      if (w < 0 && errno == EAGAIN)
        break;
      if (w <= 0)
        {
          c->dead = true;
          return -1;
        }
      off += (size_t) w;
    }
  memmove (c->out, c->out + off, c->out_len - off);
  c->out_len -= off;
  return c->out_len > 0 ? 1 : 0;
}

/* ---- a small parser for flat JSON objects ---- */

struct jp
{
  const char *p, *end;
};

enum jtype
{
  J_BAD = -1,
  J_STR,
  J_NUM,
  J_LIT,
};

static void
jws (struct jp *j)
{
  while (j->p < j->end && (*j->p == ' ' || *j->p == '\t' || *j->p == '\n' || *j->p == '\r'))
    j->p++;
}

static int
hexval (char c)
{
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

/* One escape after the backslash; non-ASCII \u escapes become '?'. */
static int
jescape (struct jp *j, char *ch)
{
  static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
  if (j->p >= j->end)
    return -1;
  const char *k = strchr (from, *j->p);
  if (*j->p != '\0' && k != NULL)
    {
      *ch = to[k - from];
      j->p++;
      return 0;
    }
  if (*j->p != 'u' || j->end - j->p < 5)
    return -1;
  int v = 0;
  for (int i = 1; i <= 4; i++)
    {
      int h = hexval (j->p[i]);
      if (h < 0)
        return -1;
      v = v * 16 + h;
    }
  j->p += 5;
  *ch = v > 0 && v < 0x80 ? (char) v : '?';
  return 0;
}

/* A string at j->p (past its quote) into OUT; longer values are cut. */
static int
jstring (struct jp *j, char *out, size_t cap)
{
  size_t n = 0;
  while (j->p < j->end && *j->p != '"')
    {
      char ch = *j->p;
      if ((unsigned char) ch < 0x20)
        return -1;
      j->p++;
      if (ch == '\\' && jescape (j, &ch) < 0)
        return -1;
      if (n + 1 < cap)
        out[n++] = ch;
    }
  if (j->p >= j->end)
    return -1;
  j->p++;
  out[n] = '\0';
  return 0;
}

static enum jtype
jvalue (struct jp *j, char *str, size_t cap, long long *num)
{
  if (j->p >= j->end)
    return J_BAD;
  if (*j->p == '"')
    {
      j->p++;
      return jstring (j, str, cap) < 0 ? J_BAD : J_STR;
    }
  static const char *const lits[] = { "true", "false", "null" };
  for (size_t i = 0; i < 3; i++)
    {
      size_t l = strlen (lits[i]);
      if ((size_t) (j->end - j->p) >= l && memcmp (j->p, lits[i], l) == 0)
        {
          j->p += l;
          return J_LIT;
        }
    }
  bool neg = *j->p == '-';
  if (neg)
    j->p++;
  long long v = 0;
  int digits = 0;
  for (; j->p < j->end && *j->p >= '0' && *j->p <= '9'; j->p++)
    if (++digits <= 18)
      v = v * 10 + (*j->p - '0');
  if (digits == 0 || digits > 18)
    return J_BAD;
  if (j->p < j->end && (*j->p == '.' || *j->p == 'e' || *j->p == 'E'))
    return J_BAD;
  *num = neg ? -v : v;
  return J_NUM;
}

static int
jmember (struct jp *j, struct mon_req *r, struct cd_err *err)
{
  char key[32], str[sizeof r->cmd];
  long long num = 0;
  if (j->p >= j->end || *j->p != '"')
    return cd_err_set (err, EINVAL, "invalid request: expected a key");
  j->p++;
  if (jstring (j, key, sizeof key) < 0)
    return cd_err_set (err, EINVAL, "invalid request: bad string");
  jws (j);
  if (j->p >= j->end || *j->p != ':')
    return cd_err_set (err, EINVAL, "invalid request: expected ':'");
  j->p++;
  jws (j);
  enum jtype t = jvalue (j, str, sizeof str, &num);
  if (t == J_BAD)
    return cd_err_set (err, EINVAL, "invalid request: bad value for \"%s\"", key);
  long long *dst = NULL;
  bool *has = NULL;
  if (strcmp (key, "cmd") == 0)
    {
      if (t != J_STR)
        return cd_err_set (err, EINVAL, "invalid request: \"cmd\" must be a string");
      memcpy (r->cmd, str, sizeof r->cmd);
      return 0;
    }
  if (strcmp (key, "signal") == 0)
    dst = &r->signal, has = &r->has_signal;
  else if (strcmp (key, "h") == 0)
    dst = &r->h, has = &r->has_h;
  else if (strcmp (key, "w") == 0)
    dst = &r->w, has = &r->has_w;
  if (dst == NULL)
    return 0;
  if (t != J_NUM)
    return cd_err_set (err, EINVAL, "invalid request: \"%s\" must be an integer", key);
  *dst = num;
  *has = true;
  return 0;
}

int
mon_req_parse (const char *line, size_t len, struct mon_req *r, struct cd_err *err)
{
  memset (r, 0, sizeof *r);
  struct jp j = { line, line + len };
  jws (&j);
  if (j.p >= j.end || *j.p != '{')
    return cd_err_set (err, EINVAL, "invalid request: expected a JSON object");
  j.p++;
  jws (&j);
  if (j.p < j.end && *j.p == '}')
    j.p++;
  else
    for (;;)
      {
        int ret = jmember (&j, r, err);
        if (ret < 0)
          return ret;
        jws (&j);
        if (j.p < j.end && *j.p == ',')
          {
            j.p++;
            jws (&j);
            continue;
          }
        if (j.p < j.end && *j.p == '}')
          {
            j.p++;
            break;
          }
        return cd_err_set (err, EINVAL, "invalid request: expected ',' or '}'");
      }
  jws (&j);
  if (j.p != j.end)
    return cd_err_set (err, EINVAL, "invalid request: trailing data");
  if (r->cmd[0] == '\0')
    return cd_err_set (err, EINVAL, "invalid request: no \"cmd\"");
  return 0;
}
