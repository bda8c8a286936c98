#include "monitor/exitfile.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fsutil.h"

void
mon_exit_from_status (struct mon_exit *e, int wstatus)
{
  if (WIFSIGNALED (wstatus))
    {
      e->signal = WTERMSIG (wstatus);
      e->exit_code = 128 + e->signal;
    }
  else
    {
      e->signal = 0;
      e->exit_code = WIFEXITED (wstatus) ? WEXITSTATUS (wstatus) : 255;
    }
}

size_t
mon_exit_format (char *dst, size_t cap, const struct mon_exit *e, bool event)
{
  struct mon_buf b;
  mon_buf_init (&b, dst, cap);
  mon_buf_str (&b, event ? "{\"event\":\"exit\",\"exit_code\":" : "{\"exit_code\":");
  mon_buf_int (&b, e->exit_code);
  mon_buf_str (&b, ",\"signal\":");
  mon_buf_int (&b, e->signal);
  mon_buf_str (&b, e->oom_killed ? ",\"oom_killed\":true" : ",\"oom_killed\":false");
  mon_buf_str (&b, ",\"started_at\":");
  mon_buf_jstr (&b, e->started_at);
  mon_buf_str (&b, ",\"finished_at\":");
  mon_buf_jstr (&b, e->finished_at);
  mon_buf_str (&b, "}");
  if (b.overflow || b.len >= cap)
    return 0;
  mon_buf_cstr (&b);
  return b.len;
}

int
mon_exit_write (const char *bundle, const struct mon_exit *e, struct cd_err *err)
{
  char path[PATH_MAX], text[512];
  if ((size_t) snprintf (path, sizeof path, "%s/exit.json", bundle) >= sizeof path)
    return cd_err_set (err, ENAMETOOLONG, "bundle path too long `%s`", bundle);
  size_t n = mon_exit_format (text, sizeof text - 1, e, false);
  if (n == 0)
    return cd_err_set (err, EOVERFLOW, "exit status too long");
  text[n++] = '\n';
  return cd_write_file_replace (path, text, n, 0644, err);
}

int64_t
mon_oom_count (const char *path)
{
  if (path == NULL || path[0] == '\0')
    return -1;
  int fd = open (path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return -1;
  char buf[1024];
  ssize_t n = read (fd, buf, sizeof buf - 1);
  close (fd);
  if (n <= 0)
    return -1;
  buf[n] = '\0';
  for (char *line = buf; line && *line; line = strchr (line, '\n') ? strchr (line, '\n') + 1 : NULL)
    {
      if (strncmp (line, "oom_kill ", 9) != 0)
        continue;
      int64_t v = 0;
      for (char *p = line + 9; *p >= '0' && *p <= '9'; p++)
        v = v * 10 + (*p - '0');
      return v;
    }
  return -1;
}
