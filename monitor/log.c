#include "monitor/log.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

void
mon_split_init (struct mon_splitter *s)
{
  s->n = 0;
  s->partial = false;
}

char *
mon_split_space (struct mon_splitter *s, size_t *room)
{
  *room = sizeof s->buf - s->n;
  return s->buf + s->n;
}

/* The time of an entry that continues a partial line is the time of its
 * first piece (Docker's copier keeps partialTS across the pieces). */
static const struct timespec *
piece_time (struct mon_splitter *s, const struct timespec *now)
{
  if (!s->partial)
    {
      s->partial = true;
      s->partial_ts = *now;
    }
  return &s->partial_ts;
}

void
mon_split_commit (struct mon_splitter *s, size_t n, const struct timespec *now,
                  mon_emit_fn emit, void *ctx)
{
  s->n += n;
  size_t p = 0;
  for (;;)
    {
      char *nl = memchr (s->buf + p, '\n', s->n - p);
      if (nl == NULL)
        break;
      size_t q = (size_t) (nl - (s->buf + p));
      const struct timespec *ts = s->partial ? &s->partial_ts : now;
      emit (ctx, s->buf + p, q, true, ts);
      s->partial = false;
      p += q + 1;
    }
  if (p == 0 && s->n == sizeof s->buf)
    {
      emit (ctx, s->buf, s->n, false, piece_time (s, now));
      s->n = 0;
      return;
    }
  if (p > 0)
    {
      memmove (s->buf, s->buf + p, s->n - p);
      s->n -= p;
    }
}

void
mon_split_eof (struct mon_splitter *s, const struct timespec *now, mon_emit_fn emit, void *ctx)
{
  if (s->n > 0)
    emit (ctx, s->buf, s->n, false, piece_time (s, now));
  s->n = 0;
  s->partial = false;
}

size_t
mon_log_format_entry (char *dst, const char *stream, const char *data, size_t len,
                      bool newline, const struct timespec *ts)
{
  char *d = dst;
  *d++ = '{';
  if (len > 0 || newline)
    {
      memcpy (d, "\"log\":\"", 7);
      d += 7;
      d += mon_json_escape (d, data, len);
      if (newline)
        {
          memcpy (d, "\\n", 2);
          d += 2;
        }
      memcpy (d, "\",", 2);
      d += 2;
    }
  memcpy (d, "\"stream\":\"", 10);
  d += 10;
  d += mon_json_escape (d, stream, strlen (stream));
  memcpy (d, "\",\"time\":\"", 10);
  d += 10;
  d += mon_fmt_time (d, ts, false);
  memcpy (d, "\"}\n", 3);
  d += 3;
  return (size_t) (d - dst);
}

size_t
mon_log_rotated_name (char *dst, size_t cap, const char *path, int i)
{
  int n = snprintf (dst, cap, "%s.%d", path, i);
  return n < 0 || (size_t) n >= cap ? 0 : (size_t) n;
}

int
mon_log_rotate_files (const char *path, int max_file, struct cd_err *err)
{
  char from[4096], to[4096];
  if (max_file < 2)
    {
      if (unlink (path) < 0 && errno != ENOENT)
        return cd_err_sys (err, errno, "remove `%s`", path);
      return 0;
    }
  if (mon_log_rotated_name (to, sizeof to, path, max_file - 1) == 0)
    return cd_err_set (err, ENAMETOOLONG, "log path too long `%s`", path);
  if (unlink (to) < 0 && errno != ENOENT)
    return cd_err_sys (err, errno, "remove `%s`", to);
  for (int i = max_file - 1; i > 1; i--)
    {
      mon_log_rotated_name (to, sizeof to, path, i);
      mon_log_rotated_name (from, sizeof from, path, i - 1);
      if (rename (from, to) < 0 && errno != ENOENT)
        return cd_err_sys (err, errno, "rename `%s` to `%s`", from, to);
    }
  mon_log_rotated_name (to, sizeof to, path, 1);
  if (rename (path, to) < 0 && errno != ENOENT)
    return cd_err_sys (err, errno, "rename `%s` to `%s`", path, to);
  return 0;
}

int
mon_log_open_file (const char *path, struct cd_err *err)
{
  int fd = open (path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
  if (fd < 0)
    return cd_err_sys (err, errno, "open log file `%s`", path);
  return fd;
}

int
mon_log_init (struct mon_log *l, int fd, const char *path, int64_t max_size, int max_file,
              struct cd_err *err)
{
  memset (l, 0, sizeof *l);
  struct stat st;
  if (fstat (fd, &st) < 0)
    return cd_err_sys (err, errno, "stat log file `%s`", path);
  l->out = malloc (MON_LOG_OUT_CAP);
  if (l->out == NULL)
    return cd_err_set (err, ENOMEM, "out of memory");
  l->fd = fd;
  l->path = path;
  l->size = st.st_size;
  l->max_size = max_size;
  l->max_file = max_file < 1 ? 1 : max_file;
  return 0;
}

static void
rotate (struct mon_log *l)
{
  mon_log_flush (l);
  if (l->fd >= 0)
    close (l->fd);
  struct cd_err err;
  if (mon_log_rotate_files (l->path, l->max_file, &err) < 0)
    l->last_errno = err.code;
  /* As Docker: a new file is started even when the renames failed. */
  l->fd = open (l->path, O_WRONLY | O_APPEND | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
  if (l->fd < 0)
    l->last_errno = errno;
  l->size = 0;
}

void
mon_log_entry (struct mon_log *l, const char *stream, const char *data, size_t len,
               bool newline, const struct timespec *ts)
{
  if (l->out_len + MON_LOG_ENTRY_MAX (len) > MON_LOG_OUT_CAP)
    mon_log_flush (l);
  if (l->max_size > 0 && l->size >= l->max_size)
    rotate (l);
  size_t n = mon_log_format_entry (l->out + l->out_len, stream, data, len, newline, ts);
  l->out_len += n;
  l->size += (int64_t) n;
  if (l->out_len >= MON_LOG_FLUSH_AT)
    mon_log_flush (l);
}

void
mon_log_flush (struct mon_log *l)
{
  size_t off = 0;
  while (off < l->out_len && l->fd >= 0)
    {
      ssize_t w = write (l->fd, l->out + off, l->out_len - off);
      if (w < 0 && errno == EINTR)
        continue;
      if (w <= 0)
        {
          l->last_errno = w < 0 ? errno : EIO;
          break;
        }
      off += (size_t) w;
    }
  if (off < l->out_len)
    {
      l->dropped += l->out_len - off;
      l->size -= (int64_t) (l->out_len - off);
    }
  l->out_len = 0;
}

void
mon_log_close (struct mon_log *l)
{
  mon_log_flush (l);
  if (l->fd >= 0)
    close (l->fd);
  l->fd = -1;
  free (l->out);
  l->out = NULL;
}
