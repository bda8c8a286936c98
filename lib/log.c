#include "log.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static enum cd_log_level current_level = CD_LOG_INFO;

static const char *const names[] = { "error", "warn", "info", "debug" };

int
cd_log_parse_level (const char *s, enum cd_log_level *out)
{
  if (strcmp (s, "fatal") == 0 || strcmp (s, "panic") == 0)
    {
      *out = CD_LOG_ERROR;
      return 0;
    }
  if (strcmp (s, "warning") == 0)
    {
      *out = CD_LOG_WARN;
      return 0;
    }
  for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
    if (strcmp (s, names[i]) == 0)
      {
        *out = (enum cd_log_level) i;
        return 0;
      }
  return -EINVAL;
}

const char *
cd_log_level_name (enum cd_log_level l)
{
  return (unsigned) l < sizeof names / sizeof names[0] ? names[l] : "info";
}

void
cd_log_set_level (enum cd_log_level l)
{
  current_level = l;
}

enum cd_log_level
cd_log_get_level (void)
{
  return current_level;
}

void
cd_log (enum cd_log_level l, const char *fmt, ...)
{
  if (l > current_level)
    return;
  char ts[40];
  struct timespec now;
  struct tm tm;
  clock_gettime (CLOCK_REALTIME, &now);
  gmtime_r (&now.tv_sec, &tm);
  strftime (ts, sizeof ts, "%Y-%m-%dT%H:%M:%S", &tm);
  char line[2048];
  va_list ap;
  va_start (ap, fmt);
  vsnprintf (line, sizeof line, fmt, ap);
  va_end (ap);
  fprintf (stderr, "time=\"%s.%06ldZ\" level=%s msg=\"%s\"\n", ts, now.tv_nsec / 1000,
           cd_log_level_name (l), line);
}
