#include "client/timestamp.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct
{
  const char *name;
  uint64_t ns;
} go_units[] = {
  { "ns", 1ULL },           { "us", 1000ULL },
  { "\xc2\xb5s", 1000ULL }, /* U+00B5 micro sign */
  { "\xce\xbcs", 1000ULL }, /* U+03BC greek mu */
  { "ms", 1000000ULL },     { "s", 1000000000ULL },
  { "m", 60000000000ULL },  { "h", 3600000000000ULL },
};

#define MAX_NS (1ULL << 63)

/* One "<number><unit>" element of a Go duration; advances *p. */
static int
duration_element (const char **p, uint64_t *out)
{
  const char *s = *p;
  uint64_t v = 0, f = 0;
  double scale = 1;
  int pre = 0, post = 0, overflow_frac = 0;
  for (; isdigit ((unsigned char) *s); s++, pre = 1)
    {
      if (v > (MAX_NS - 9) / 10)
        return -ERANGE;
      v = v * 10 + (uint64_t) (*s - '0');
    }
  if (*s == '.')
    {
      for (s++; isdigit ((unsigned char) *s); s++, post = 1)
        {
          if (overflow_frac || f > (MAX_NS - 9) / 10)
            {
              overflow_frac = 1; /* later digits cannot matter, as in Go */
              continue;
            }
          f = f * 10 + (uint64_t) (*s - '0');
          scale *= 10;
        }
    }
  if (!pre && !post)
    return -EINVAL;
  size_t ulen = 0;
  while (s[ulen] && s[ulen] != '.' && !isdigit ((unsigned char) s[ulen]))
    ulen++;
  for (size_t i = 0; i < sizeof go_units / sizeof go_units[0]; i++)
    if (strlen (go_units[i].name) == ulen && strncmp (s, go_units[i].name, ulen) == 0)
      {
        uint64_t unit = go_units[i].ns;
        if (v > MAX_NS / unit)
          return -ERANGE;
        v *= unit;
        v += (uint64_t) ((double) f * ((double) unit / scale));
        if (v > MAX_NS)
          return -ERANGE;
        *out = v;
        *p = s + ulen;
        return 0;
      }
  return -EINVAL; /* missing or unknown unit */
}

int
cli_parse_go_duration (const char *s, int64_t *nanos)
{
  int neg = 0;
  uint64_t d = 0;
  if (*s == '-' || *s == '+')
    neg = *s++ == '-';
  if (strcmp (s, "0") == 0)
    return *nanos = 0, 0;
  if (*s == '\0')
    return -EINVAL;
  while (*s)
    {
      uint64_t v;
      int r = duration_element (&s, &v);
      if (r < 0)
        return r;
      d += v;
      if (d > MAX_NS)
        return -ERANGE;
    }
  if (!neg && d > MAX_NS - 1)
    return -ERANGE;
  *nanos = neg ? (int64_t) (0 - d) : (int64_t) d;
  return 0;
}

/* Exactly n digits (or between min and max when min < max). */
static int
digits (const char **p, int min, int max, int *out)
{
  int n = 0, v = 0;
  while (n < max && isdigit ((unsigned char) (*p)[n]))
    v = v * 10 + ((*p)[n++] - '0');
  if (n < min)
    return -EINVAL;
  *p += n;
  *out = v;
  return 0;
}

static int
literal (const char **p, char c)
{
  if (**p != c)
    return -EINVAL;
  (*p)++;
  return 0;
}

static int
days_in (int year, int month)
{
  static const int dm[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
  int leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  return month == 2 && leap ? 29 : dm[month - 1];
}

/* "YYYY-MM-DD[THH[:MM[:SS[.frac]]]]" then, unless local, "Z" or "±hh:mm".
 * tparts is how many time fields the chosen layout has (0..3). */
static int
parse_rfc3339 (const char *s, int tparts, int local, long gmtoff, int64_t *sec, long *nsec)
{
  struct tm tm = { 0 };
  int f[3] = { 0, 0, 0 };
  long ns = 0, off = local ? gmtoff : 0;
  if (digits (&s, 4, 4, &tm.tm_year) < 0 || literal (&s, '-') < 0
      || digits (&s, 2, 2, &tm.tm_mon) < 0 || literal (&s, '-') < 0
      || digits (&s, 2, 2, &tm.tm_mday) < 0)
    return -EINVAL;
  for (int i = 0; i < tparts; i++)
    if (literal (&s, i == 0 ? 'T' : ':') < 0 || digits (&s, i == 0 ? 1 : 2, 2, &f[i]) < 0)
      return -EINVAL;
  if (tparts == 3 && *s == '.' && isdigit ((unsigned char) s[1]))
    {
      long scale = 100000000L; /* digits past the ninth are dropped, as Go does */
      for (s++; isdigit ((unsigned char) *s); s++, scale /= 10)
        ns += scale * (*s - '0');
    }
  if (!local && (*s == 'Z' || *s == 'z'))
    s++;
  else if (!local)
    {
      int zh, zm, sign = *s == '-' ? -1 : 1;
      if ((*s != '+' && *s != '-') || (s++, digits (&s, 2, 2, &zh)) < 0 || literal (&s, ':') < 0
          || digits (&s, 2, 2, &zm) < 0)
        return -EINVAL;
      off = sign * (zh * 3600L + zm * 60L);
    }
  if (*s != '\0' || tm.tm_mon < 1 || tm.tm_mon > 12 || tm.tm_mday < 1
      || tm.tm_mday > days_in (tm.tm_year, tm.tm_mon) || f[0] > 23 || f[1] > 59 || f[2] > 59)
    return -EINVAL;
  tm.tm_year -= 1900;
  tm.tm_mon -= 1;
  tm.tm_hour = f[0];
  tm.tm_min = f[1];
  tm.tm_sec = f[2];
  *sec = (int64_t) timegm (&tm) - off;
  *nsec = ns;
  return 0;
}

static size_t
count_char (const char *s, char c)
{
  size_t n = 0;
  for (; *s; s++)
    n += *s == c;
  return n;
}

/* "sec" or "sec.frac" with digits only (and an optional sign on sec). */
static int
unix_timestamp_valid (const char *s)
{
  if (*s == '-' || *s == '+')
    s++;
  if (!isdigit ((unsigned char) *s))
    return 0;
  while (isdigit ((unsigned char) *s))
    s++;
  if (*s == '.')
    {
      if (!isdigit ((unsigned char) *++s))
        return 0;
      while (isdigit ((unsigned char) *s))
        s++;
    }
  return *s == '\0';
}

int
cli_parse_timestamp (const char *value, time_t now, char *out, size_t len, struct cd_err *err)
{
  int64_t d, sec;
  long nsec = 0;
  if (strcmp (value, "0") != 0 && cli_parse_go_duration (value, &d) == 0)
    {
      /* (now - d) in whole seconds, rounded down as Go's Time.Unix does */
      int64_t t = (int64_t) now * 1000000000LL;
      if (__builtin_sub_overflow (t, d, &t))
        return cd_err_set (err, ERANGE, "duration \"%s\" is out of range", value);
      sec = t / 1000000000LL - (t % 1000000000LL < 0);
      snprintf (out, len, "%lld", (long long) sec);
      return 0;
    }
  int local = strpbrk (value, "zZ+") == NULL && count_char (value, '-') != 3;
  int tparts = 0;
  if (strchr (value, '.'))
    tparts = 3;
  else if (strchr (value, 'T'))
    {
      size_t tc = count_char (value, ':');
      if (!local && strpbrk (value, "zZ") == NULL && tc > 0)
        tc--;
      tparts = tc >= 2 ? 3 : (int) tc + 1;
    }
  struct tm lt;
  localtime_r (&now, &lt);
  if (parse_rfc3339 (value, tparts, local, lt.tm_gmtoff, &sec, &nsec) == 0)
    {
      if (nsec)
        snprintf (out, len, "%lld.%09ld", (long long) sec, nsec);
      else
        snprintf (out, len, "%lld", (long long) sec);
      return 0;
    }
  if (strchr (value, '-')) /* meant as a date, as docker decides */
    return cd_err_set (err, EINVAL, "parsing time \"%s\": not a valid RFC 3339 date and time",
                       value);
  if (!unix_timestamp_valid (value))
    return cd_err_set (err, EINVAL, "failed to parse value as time or duration: \"%s\"", value);
  snprintf (out, len, "%s", value);
  return 0;
}

char *
cli_format_time_nano (int64_t sec, long nsec, char *buf, size_t len)
{
  time_t t = (time_t) sec;
  struct tm tm;
  char date[32], zone[24] = "Z";
  localtime_r (&t, &tm);
  strftime (date, sizeof date, "%Y-%m-%dT%H:%M:%S", &tm);
  if (tm.tm_gmtoff != 0)
    {
      long off = tm.tm_gmtoff < 0 ? -tm.tm_gmtoff : tm.tm_gmtoff;
      snprintf (zone, sizeof zone, "%c%02ld:%02ld", tm.tm_gmtoff < 0 ? '-' : '+', off / 3600,
                off / 60 % 60);
    }
  snprintf (buf, len, "%s.%09ld%s", date, nsec, zone);
  return buf;
}
