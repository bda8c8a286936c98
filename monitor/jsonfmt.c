#include "monitor/jsonfmt.h"

#include <string.h>

static const char hex[] = "0123456789abcdef";

/* Length of the valid UTF-8 sequence at S (as Go's utf8.DecodeRune accepts
 * it: no overlongs, no surrogates, nothing above U+10FFFF), or 0. */
static size_t
utf8_len (const unsigned char *s, size_t avail)
{
  unsigned char b = s[0];
  size_t n;
  unsigned char lo = 0x80, hi = 0xBF;
  if (b >= 0xC2 && b <= 0xDF)
    n = 2;
  else if (b >= 0xE0 && b <= 0xEF)
    {
      n = 3;
      if (b == 0xE0)
        lo = 0xA0;
      else if (b == 0xED)
        hi = 0x9F;
    }
  else if (b >= 0xF0 && b <= 0xF4)
    {
      n = 4;
      if (b == 0xF0)
        lo = 0x90;
      else if (b == 0xF4)
        hi = 0x8F;
    }
  else
    return 0;
  if (avail < n || s[1] < lo || s[1] > hi)
    return 0;
  for (size_t i = 2; i < n; i++)
    if (s[i] < 0x80 || s[i] > 0xBF)
      return 0;
  return n;
}

size_t
mon_json_escape (char *dst, const char *src, size_t len)
{
  const unsigned char *s = (const unsigned char *) src;
  char *d = dst;
  size_t i = 0;
  while (i < len)
    {
      unsigned char b = s[i];
      if (b >= 0x20 && b < 0x80 && b != '\\' && b != '"' && b != '<' && b != '>' && b != '&')
        {
          *d++ = (char) b;
          i++;
          continue;
        }
      if (b < 0x80)
        {
          *d++ = '\\';
          if (b == '\\' || b == '"')
            *d++ = (char) b;
          else if (b == '\n')
            *d++ = 'n';
          else if (b == '\r')
            *d++ = 'r';
          else
            {
              memcpy (d, "u00", 3);
              d[3] = hex[b >> 4];
              d[4] = hex[b & 0xF];
              d += 5;
            }
          i++;
          continue;
        }
      size_t n = utf8_len (s + i, len - i);
      if (n == 0)
        {
          memcpy (d, "\\ufffd", 6);
          d += 6;
          i++;
          continue;
        }
      if (n == 3 && b == 0xE2 && s[i + 1] == 0x80 && (s[i + 2] == 0xA8 || s[i + 2] == 0xA9))
        {
          memcpy (d, "\\u202", 5);
          d[5] = hex[s[i + 2] & 0xF];
          d += 6;
        }
      else
        {
          memcpy (d, s + i, n);
          d += n;
        }
      i += n;
    }
  return (size_t) (d - dst);
}

/* Days since 1970-01-01 to a proleptic Gregorian date (H. Hinnant's
 * civil_from_days): no gmtime, so the relay never loads time zone data. */
static void
civil_from_days (int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
  z += 719468;
  int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  unsigned doe = (unsigned) (z - era * 146097);
  unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  unsigned mp = (5 * doy + 2) / 153;
  *d = doy - (153 * mp + 2) / 5 + 1;
  *m = mp < 10 ? mp + 3 : mp - 9;
  *y = (int64_t) yoe + era * 400 + (*m <= 2);
}

static char *
put_digits (char *d, unsigned long v, int width)
{
  for (int i = width - 1; i >= 0; i--)
    {
      d[i] = (char) ('0' + v % 10);
      v /= 10;
    }
  return d + width;
}

size_t
mon_fmt_time (char *dst, const struct timespec *ts, bool fixed)
{
  int64_t sec = ts->tv_sec;
  int64_t days = sec >= 0 ? sec / 86400 : -((-sec + 86399) / 86400);
  int64_t rem = sec - days * 86400;
  int64_t y;
  unsigned m, d;
  civil_from_days (days, &y, &m, &d);
  if (y < 0 || y > 9999)
    y = y < 0 ? 0 : 9999;
  char *p = dst;
  p = put_digits (p, (unsigned long) y, 4);
  *p++ = '-';
  p = put_digits (p, m, 2);
  *p++ = '-';
  p = put_digits (p, d, 2);
  *p++ = 'T';
  p = put_digits (p, (unsigned long) (rem / 3600), 2);
  *p++ = ':';
  p = put_digits (p, (unsigned long) (rem / 60 % 60), 2);
  *p++ = ':';
  p = put_digits (p, (unsigned long) (rem % 60), 2);
  unsigned long ns = (unsigned long) ts->tv_nsec % 1000000000UL;
  if (fixed || ns != 0)
    {
      *p++ = '.';
      char *frac = p;
      p = put_digits (p, ns, 9);
      while (!fixed && p > frac && p[-1] == '0')
        p--;
    }
  *p++ = 'Z';
  *p = '\0';
  return (size_t) (p - dst);
}

void
mon_buf_init (struct mon_buf *b, char *mem, size_t cap)
{
  b->p = mem;
  b->len = 0;
  b->cap = cap;
  b->overflow = false;
}

void
mon_buf_raw (struct mon_buf *b, const char *s, size_t len)
{
  if (b->overflow || len > b->cap - b->len)
    {
      b->overflow = true;
      return;
    }
  memcpy (b->p + b->len, s, len);
  b->len += len;
}

void
mon_buf_str (struct mon_buf *b, const char *s)
{
  mon_buf_raw (b, s, strlen (s));
}

void
mon_buf_jstr (struct mon_buf *b, const char *s)
{
  size_t n = strlen (s);
  if (b->overflow || MON_JSON_ESCAPE_MAX (n) + 2 > b->cap - b->len)
    {
      b->overflow = true;
      return;
    }
  b->p[b->len++] = '"';
  b->len += mon_json_escape (b->p + b->len, s, n);
  b->p[b->len++] = '"';
}

void
mon_buf_int (struct mon_buf *b, long long v)
{
  char tmp[24];
  char *e = tmp + sizeof tmp;
  char *p = e;
  unsigned long long u = v < 0 ? 0ULL - (unsigned long long) v : (unsigned long long) v;
  do
    {
      *--p = (char) ('0' + u % 10);
      u /= 10;
    }
  while (u);
  if (v < 0)
    *--p = '-';
  mon_buf_raw (b, p, (size_t) (e - p));
}

const char *
mon_buf_cstr (struct mon_buf *b)
{
  if (b->cap == 0)
    return "";
  b->p[b->len < b->cap ? b->len : b->cap - 1] = '\0';
  return b->p;
}
