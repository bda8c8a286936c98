#include "detachkeys.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

static int
one_key (const char *key, size_t len, unsigned char *out)
{
  if (len == 1)
    {
      *out = (unsigned char) key[0];
      return 0;
    }
  static const char ctl[] = "@abcdefghijklmnopqrstuvwxyz[\\]^_";
  if (len == 6 && strncasecmp (key, "ctrl-", 5) == 0)
    {
      const char *p = strchr (ctl, tolower ((unsigned char) key[5]));
      if (p && *p)
        {
          *out = (unsigned char) (p - ctl);
          return 0;
        }
    }
  return -1;
}

int
cd_detach_keys_parse (const char *spec, unsigned char *out, size_t *n, struct cd_err *err)
{
  *n = 0;
  const char *p = spec;
  for (;;)
    {
      size_t len = strcspn (p, ",");
      if (*n == CD_DETACH_KEYS_MAX)
        return cd_err_set (err, EINVAL, "too many detach keys in '%s'", spec);
      if (one_key (p, len, &out[*n]) < 0)
        return cd_err_set (err, EINVAL, "Unknown character: '%.*s'", (int) len, p);
      (*n)++;
      if (p[len] == '\0')
        return 0;
      p += len + 1;
    }
}

void
cd_detach_keys_format (const unsigned char *k, size_t n, char *buf, size_t cap)
{
  size_t o = 0;
  buf[0] = '\0';
  for (size_t i = 0; i < n && o + 5 < cap; i++)
    o += (size_t) snprintf (buf + o, cap - o, i ? ",%u" : "%u", k[i]);
}
