#include "daemon/ctr_logs.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <libgen.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <json-c/json.h>

#include "store/containers.h"

struct logs_job
{
  struct cd_daemon *d;
  struct ctr_logs_opts o;
  int fd;
  struct follower *fw; /* following: woken on log writes and state changes */
};

/* A following reader: an inotify watch on the log's directory (writes,
 * rotation, creation) and an eventfd the loop thread signals when the
 * container's state changes, so a follow ends as soon as the exit is recorded. */
struct follower
{
  char id[65];
  int ino, efd;
  struct follower *next;
};

struct ctr_followers
{
  pthread_mutex_t mu;
  struct follower *head;
};

void
ctr_logs_notify (struct cd_daemon *d, const char *id)
{
  struct ctr_followers *fs = d->followers;
  if (fs == NULL)
    return;
  pthread_mutex_lock (&fs->mu);
  for (struct follower *f = fs->head; f; f = f->next)
    if (strcmp (f->id, id) == 0)
      eventfd_write (f->efd, 1);
  pthread_mutex_unlock (&fs->mu);
}

static void
follower_free (struct ctr_followers *fs, struct follower *fw)
{
  if (fw == NULL)
    return;
  pthread_mutex_lock (&fs->mu);
  for (struct follower **pp = &fs->head; *pp; pp = &(*pp)->next)
    if (*pp == fw)
      {
        *pp = fw->next;
        break;
      }
  pthread_mutex_unlock (&fs->mu);
  close (fw->ino);
  close (fw->efd);
  free (fw);
}

/* Registered before the first state check, so no exit can be missed. */
static int
follower_new (struct ctr_followers *fs, const char *id, const char *log_path,
              struct follower **out, struct cd_err *err)
{
  struct follower *fw = calloc (1, sizeof *fw);
  char dir[4200];
  snprintf (dir, sizeof dir, "%s", log_path);
  if (fw == NULL)
    return cd_err_set (err, ENOMEM, "out of memory");
  snprintf (fw->id, sizeof fw->id, "%s", id);
  fw->ino = inotify_init1 (IN_CLOEXEC | IN_NONBLOCK);
  fw->efd = eventfd (0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (fw->ino < 0 || fw->efd < 0
      || inotify_add_watch (fw->ino, dirname (dir),
                            IN_MODIFY | IN_CREATE | IN_MOVED_TO | IN_CLOSE_WRITE) < 0)
    {
      int r = cd_err_sys (err, errno, "cannot watch the log of %s", id);
      if (fw->ino >= 0)
        close (fw->ino);
      if (fw->efd >= 0)
        close (fw->efd);
      free (fw);
      return r;
    }
  pthread_mutex_lock (&fs->mu);
  fw->next = fs->head;
  fs->head = fw;
  pthread_mutex_unlock (&fs->mu);
  *out = fw;
  return 0;
}

/* Sleeps until the log changes, the state changes or a second passes;
 * false when the reader went away. */
static bool
follower_wait (struct logs_job *j)
{
  struct pollfd p[3] = { { .fd = j->fw->ino, .events = POLLIN },
                         { .fd = j->fw->efd, .events = POLLIN },
                         { .fd = j->fd, .events = 0 } };
  int n = poll (p, 3, 1000);
  if (n > 0 && (p[2].revents & (POLLERR | POLLHUP)))
    return false;
  char buf[4096];
  while (read (j->fw->ino, buf, sizeof buf) > 0)
    ;
  eventfd_t v;
  eventfd_read (j->fw->efd, &v);
  return true;
}

void
ctr_logs_frame_header (unsigned char hdr[8], int stream, uint32_t len)
{
  hdr[0] = (unsigned char) stream;
  hdr[1] = hdr[2] = hdr[3] = 0;
  hdr[4] = (unsigned char) (len >> 24);
  hdr[5] = (unsigned char) (len >> 16);
  hdr[6] = (unsigned char) (len >> 8);
  hdr[7] = (unsigned char) len;
}

int64_t
ctr_logs_parse_time (const char *s)
{
  struct tm tm = { 0 };
  const char *p = s ? strptime (s, "%Y-%m-%dT%H:%M:%S", &tm) : NULL;
  if (p == NULL)
    return 0;
  int64_t ns = 0;
  if (*p == '.')
    {
      int digits = 0;
      for (p++; *p >= '0' && *p <= '9'; p++, digits++)
        if (digits < 9)
          ns = ns * 10 + (*p - '0');
      for (; digits < 9; digits++)
        ns *= 10;
    }
  time_t secs = timegm (&tm);
  if (secs <= 0 || secs > INT64_MAX / 1000000000 - 1)
    return 0; /* Go's zero time "0001-01-01T00:00:00Z" would overflow */
  return (int64_t) secs * 1000000000 + ns;
}

static int
write_all (int fd, const void *buf, size_t len)
{
  const char *p = buf;
  while (len > 0)
    {
      ssize_t w = write (fd, p, len);
      if (w < 0 && errno == EINTR)
        continue;
      if (w <= 0)
        return -1;
      p += w;
      len -= (size_t) w;
    }
  return 0;
}

/* Emits one log entry; -1 when the reader is gone. */
static int
emit (struct logs_job *j, const char *line)
{
  json_object *e = json_tokener_parse (line), *v;
  if (e == NULL)
    return 0;
  const char *stream = json_object_object_get_ex (e, "stream", &v) ? json_object_get_string (v) : "stdout";
  const char *time_s = json_object_object_get_ex (e, "time", &v) ? json_object_get_string (v) : "";
  const char *text = json_object_object_get_ex (e, "log", &v) ? json_object_get_string (v) : "";
  size_t tlen = json_object_object_get_ex (e, "log", &v) ? (size_t) json_object_get_string_len (v) : 0;
  bool is_err = strcmp (stream, "stderr") == 0;
  int64_t t = ctr_logs_parse_time (time_s);
  int r = 0;
  if ((is_err ? j->o.err : j->o.out) && (j->o.since == 0 || t >= j->o.since)
      && (j->o.until == 0 || t <= j->o.until))
    {
      size_t plen = j->o.timestamps ? strlen (time_s) + 1 : 0;
      unsigned char hdr[8];
      ctr_logs_frame_header (hdr, is_err ? 2 : 1, (uint32_t) (plen + tlen));
      if ((!j->o.tty && write_all (j->fd, hdr, 8) < 0)
          || (plen && (write_all (j->fd, time_s, plen - 1) < 0 || write_all (j->fd, " ", 1) < 0))
          || write_all (j->fd, text, tlen) < 0)
        r = -1;
    }
  json_object_put (e);
  return r;
}

static bool
still_running (struct logs_job *j)
{
  struct store_container c;
  struct cd_err err;
  if (store_container_find (j->d->store, j->o.id, &c, &err) < 0)
    return false;
  bool r = strcmp (c.state, "running") == 0 || strcmp (c.state, "paused") == 0
           || strcmp (c.state, "restarting") == 0;
  if (!r && j->o.attach)
    {
      /* attached before a start: go on until an exit that came after us */
      json_object *st = json_tokener_parse (c.state_json), *v;
      const char *fin = st && json_object_object_get_ex (st, "FinishedAt", &v)
                            ? json_object_get_string (v) : NULL;
      r = ctr_logs_parse_time (fin) < j->o.attach_ns;
      json_object_put (st);
    }
  store_container_clear (&c);
  return r;
}

/* attach: wait for the log to exist, start at its end as of now. */
static FILE *
attach_open (struct logs_job *j)
{
  for (;;)
    {
      FILE *f = fopen (j->o.log_path, "re");
      if (f)
        {
          struct stat st;
          fstat (fileno (f), &st);
          /* a log that predates the attach belongs to an earlier run */
          if (st.st_mtim.tv_sec * 1000000000LL + st.st_mtim.tv_nsec < j->o.attach_ns)
            fseek (f, 0, SEEK_END);
          return f;
        }
      if (!still_running (j) || !follower_wait (j))
        return NULL;
    }
}

/* Counts lines of the rotated files and the live one (oldest first). */
static long
count_lines (const char *base, int nfiles)
{
  long n = 0;
  char path[4300];
  for (int i = nfiles; i >= 0; i--)
    {
      if (i)
        snprintf (path, sizeof path, "%s.%d", base, i);
      else
        snprintf (path, sizeof path, "%s", base);
      FILE *f = fopen (path, "re");
      if (f == NULL)
        continue;
      int ch;
      while ((ch = getc (f)) != EOF)
        n += ch == '\n';
      fclose (f);
    }
  return n;
}

static int
rotated_files (const char *base)
{
  char path[4300];
  int n = 0;
  for (;; n++)
    {
      snprintf (path, sizeof path, "%s.%d", base, n + 1);
      if (access (path, F_OK) != 0)
        return n;
    }
}

/* Streams one file from its start; returns -1 when the reader is gone. */
static int
stream_file (struct logs_job *j, FILE *f, long *skip)
{
  char *line = NULL;
  size_t cap = 0;
  int r = 0;
  while (getline (&line, &cap, f) > 0)
    {
      if (*skip > 0)
        {
          (*skip)--;
          continue;
        }
      if (emit (j, line) < 0)
        {
          r = -1;
          break;
        }
    }
  free (line);
  return r;
}

static void
follow (struct logs_job *j, FILE *f, long *skip)
{
  struct stat st;
  fstat (fileno (f), &st);
  ino_t ino = st.st_ino;
  for (;;)
    {
      clearerr (f);
      if (stream_file (j, f, skip) < 0)
        return;
      bool running = still_running (j);
      if (stat (j->o.log_path, &st) == 0 && st.st_ino != ino)
        {
          /* rotated: what was appended before the rename was read above */
          FILE *nf = fopen (j->o.log_path, "re");
          if (nf == NULL)
            return;
          fclose (f);
          f = nf;
          fstat (fileno (f), &st);
          ino = st.st_ino;
          continue;
        }
      if (!running)
        {
          clearerr (f);
          stream_file (j, f, skip);
          break;
        }
      if (!follower_wait (j)) /* also sees a reader that went away */
        break;
    }
  fclose (f);
}

static void *
logs_thread (void *arg)
{
  struct logs_job *j = arg;
  if (j->o.attach)
    {
      long none = 0;
      FILE *f = attach_open (j);
      if (f)
        follow (j, f, &none);
      follower_free (j->d->followers, j->fw);
      if (j->o.done)
        j->o.done (j->o.done_ctx);
      free (j);
      return NULL;
    }
  int nrot = rotated_files (j->o.log_path);
  long skip = 0;
  if (j->o.tail >= 0)
    {
      long total = count_lines (j->o.log_path, nrot);
      skip = total > j->o.tail ? total - j->o.tail : 0;
    }
  char path[4300];
  int r = 0;
  for (int i = nrot; i >= 1 && r == 0; i--)
    {
      snprintf (path, sizeof path, "%s.%d", j->o.log_path, i);
      FILE *f = fopen (path, "re");
      if (f)
        {
          r = stream_file (j, f, &skip);
          fclose (f);
        }
    }
  FILE *f = r == 0 ? fopen (j->o.log_path, "re") : NULL;
  if (f && j->o.follow)
    follow (j, f, &skip);
  else if (f)
    {
      stream_file (j, f, &skip);
      fclose (f);
    }
  follower_free (j->d->followers, j->fw);
  close (j->fd);
  free (j);
  return NULL;
}

int
ctr_logs_start (struct cd_daemon *d, const struct ctr_logs_opts *o, int fd, struct cd_err *err)
{
  struct logs_job *j = calloc (1, sizeof *j);
  if (j == NULL)
    return cd_err_set (err, ENOMEM, "out of memory");
  j->d = d;
  j->o = *o;
  j->fd = fd;
  if ((o->follow || o->attach) && d->followers == NULL)
    {
      /* created on the loop thread, before any reader thread uses it */
      struct ctr_followers *fs = calloc (1, sizeof *fs);
      if (fs == NULL)
        {
          free (j);
          return cd_err_set (err, ENOMEM, "out of memory");
        }
      pthread_mutex_init (&fs->mu, NULL);
      d->followers = fs;
    }
  int r = 0;
  if ((o->follow || o->attach)
      && (r = follower_new (d->followers, o->id, o->log_path, &j->fw, err)) < 0)
    {
      free (j);
      return r;
    }
  pthread_t t;
  pthread_attr_t attr;
  pthread_attr_init (&attr);
  pthread_attr_setdetachstate (&attr, PTHREAD_CREATE_DETACHED);
  pthread_attr_setstacksize (&attr, 256 * 1024);
  r = pthread_create (&t, &attr, logs_thread, j);
  pthread_attr_destroy (&attr);
  if (r != 0)
    {
      if (j->fw)
        follower_free (d->followers, j->fw);
      free (j);
      return cd_err_sys (err, r, "cannot start the logs reader");
    }
  return 0;
}

void
ctr_logs_fini (struct cd_daemon *d)
{
  struct ctr_followers *fs = d->followers;
  /* readers still running keep it (the process is about to exit) */
  if (fs == NULL || fs->head != NULL)
    return;
  pthread_mutex_destroy (&fs->mu);
  free (fs);
  d->followers = NULL;
}
