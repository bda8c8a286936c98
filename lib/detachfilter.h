/* Detach keys (docker's ctrl-p ctrl-q): a small matcher over the input a
 * client sends to a container's stdin. Header-only, libc-free, so both the
 * static relay and the exec helper use it. */
#ifndef CD_DETACHFILTER_H
#define CD_DETACHFILTER_H

#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#define MON_DETACH_MAX 16

struct mon_detach
{
  unsigned char keys[MON_DETACH_MAX];
  size_t n;      /* 0: no detach keys */
  size_t held;   /* keys matched so far, not yet passed on */
};

/* "16,17" (decimal bytes, as the daemon passes them) -> keys; "" none. */
static inline void
mon_detach_parse (struct mon_detach *d, const char *spec)
{
  memset (d, 0, sizeof *d);
  while (spec && *spec && d->n < MON_DETACH_MAX)
    {
      unsigned v = 0;
      while (*spec >= '0' && *spec <= '9')
        v = v * 10 + (unsigned) (*spec++ - '0');
      d->keys[d->n++] = (unsigned char) v;
      if (*spec == ',')
        spec++;
      else
        break;
    }
}

/* Filters in[0..len) into out (room: len + MON_DETACH_MAX). Returns the
 * bytes to pass on; *detach is set once the whole sequence was typed (what
 * follows it is dropped). */
static inline size_t
mon_detach_filter (struct mon_detach *d, const char *in, size_t len, char *out, bool *detach)
{
  size_t o = 0;
  *detach = false;
  for (size_t i = 0; i < len; i++)
    {
      unsigned char c = (unsigned char) in[i];
      if (d->n > 0 && c == d->keys[d->held])
        {
          if (++d->held == d->n)
            {
              *detach = true;
              d->held = 0;
              return o;
            }
          continue;
        }
      if (d->held > 0)
        {
          memcpy (out + o, d->keys, d->held);
          o += d->held;
          d->held = 0;
          if (d->n > 0 && c == d->keys[0])
            {
              d->held = 1;
              continue;
            }
        }
      out[o++] = (char) c;
    }
  return o;
}

#endif
