/* Pure parsers of the cgroup (v1 and v2) and /proc files the sampler reads. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/stats.h"

int
st_parse_kv (const char *text, const char *key, uint64_t *out)
{
  size_t kl = strlen (key);
  for (const char *p = text; p && *p; p = strchr (p, '\n'), p = p ? p + 1 : NULL)
    if (strncmp (p, key, kl) == 0 && p[kl] == ' ')
      {
        *out = strtoull (p + kl + 1, NULL, 10);
        return 0;
      }
  return -ENOENT;
}

int
st_parse_u64 (const char *text, uint64_t *out)
{
  while (*text == ' ')
    text++;
  if (strncmp (text, "max", 3) == 0)
    {
      *out = UINT64_MAX;
      return 0;
    }
  char *end;
  errno = 0;
  unsigned long long v = strtoull (text, &end, 10);
  if (errno || end == text)
    return -EINVAL;
  *out = v;
  return 0;
}

int
st_parse_proc_stat (const char *text, long clk_tck, uint64_t *system_ns, unsigned *ncpu)
{
  *ncpu = 0;
  *system_ns = 0;
  bool found = false;
  for (const char *p = text; p && *p; p = strchr (p, '\n'), p = p ? p + 1 : NULL)
    {
      if (strncmp (p, "cpu ", 4) == 0)
        {
          unsigned long long f[7] = { 0 };
          if (sscanf (p + 4, "%llu %llu %llu %llu %llu %llu %llu", &f[0], &f[1], &f[2], &f[3],
                      &f[4], &f[5], &f[6]) < 4)
            return -EINVAL;
          uint64_t ticks = 0;
          for (int i = 0; i < 7; i++)
            ticks += f[i];
          *system_ns = ticks * (1000000000ull / (uint64_t) (clk_tck > 0 ? clk_tck : 100));
          found = true;
        }
      else if (strncmp (p, "cpu", 3) == 0 && p[3] >= '0' && p[3] <= '9')
        (*ncpu)++;
    }
  return found ? 0 : -EINVAL;
}

unsigned
st_parse_percpu (const char *text, uint64_t *out, unsigned max)
{
  unsigned n = 0;
  const char *p = text;
  while (n < max)
    {
      char *end;
      unsigned long long v = strtoull (p, &end, 10);
      if (end == p)
        break;
      out[n++] = v;
      p = end;
    }
  return n;
}

unsigned
st_parse_blkio_v1 (const char *text, struct st_blk *out, unsigned max)
{
  unsigned n = 0;
  for (const char *p = text; p && *p && n < max; p = strchr (p, '\n'), p = p ? p + 1 : NULL)
    {
      unsigned maj, min;
      char op[12];
      unsigned long long v;
      if (sscanf (p, "%u:%u %11s %llu", &maj, &min, op, &v) != 4)
        continue; /* "Total N" */
      out[n] = (struct st_blk) { .major = maj, .minor = min, .value = v };
      snprintf (out[n].op, sizeof out[n].op, "%s", op);
      n++;
    }
  return n;
}

static uint64_t
io_field (const char *line, const char *end, const char *key)
{
  size_t kl = strlen (key);
  for (const char *p = line; p && p < end; p = strchr (p, ' '), p = p ? p + 1 : NULL)
    if (strncmp (p, key, kl) == 0 && p[kl] == '=')
      return strtoull (p + kl + 1, NULL, 10);
  return 0;
}

static void
blk_add (struct st_blk *v, unsigned *n, unsigned max, unsigned maj, unsigned min,
         const char *op, uint64_t value)
{
  if (*n >= max)
    return;
  v[*n] = (struct st_blk) { .major = maj, .minor = min, .value = value };
  snprintf (v[*n].op, sizeof v[*n].op, "%s", op);
  (*n)++;
}

void
st_parse_io_v2 (const char *text, struct st_blk *bytes, unsigned *nbytes, struct st_blk *ops,
                unsigned *nops, unsigned max)
{
  *nbytes = *nops = 0;
  for (const char *p = text; p && *p; p = strchr (p, '\n'), p = p ? p + 1 : NULL)
    {
      unsigned maj, min;
      if (sscanf (p, "%u:%u", &maj, &min) != 2)
        continue;
      const char *end = strchr (p, '\n');
      if (end == NULL)
        end = p + strlen (p);
      blk_add (bytes, nbytes, max, maj, min, "read", io_field (p, end, "rbytes"));
      blk_add (bytes, nbytes, max, maj, min, "write", io_field (p, end, "wbytes"));
      blk_add (ops, nops, max, maj, min, "read", io_field (p, end, "rios"));
      blk_add (ops, nops, max, maj, min, "write", io_field (p, end, "wios"));
    }
}

unsigned
st_parse_netdev (const char *text, struct st_net *out, unsigned max)
{
  unsigned n = 0;
  for (const char *p = text; p && *p && n < max; p = strchr (p, '\n'), p = p ? p + 1 : NULL)
    {
      const char *colon = strchr (p, ':');
      const char *nl = strchr (p, '\n');
      if (colon == NULL || (nl && colon > nl))
        continue; /* the two header lines */
      const char *s = p;
      while (*s == ' ')
        s++;
      struct st_net *e = &out[n];
      memset (e, 0, sizeof *e);
      snprintf (e->name, sizeof e->name, "%.*s", (int) (colon - s), s);
      unsigned long long f[16] = { 0 };
      if (sscanf (colon + 1, "%llu %llu %llu %llu %llu %llu %llu %llu %llu %llu %llu %llu",
                  &f[0], &f[1], &f[2], &f[3], &f[4], &f[5], &f[6], &f[7], &f[8], &f[9], &f[10],
                  &f[11]) != 12)
        continue;
      e->rx_bytes = f[0], e->rx_packets = f[1], e->rx_errors = f[2], e->rx_dropped = f[3];
      e->tx_bytes = f[8], e->tx_packets = f[9], e->tx_errors = f[10], e->tx_dropped = f[11];
      n++;
    }
  return n;
}

json_object *
st_parse_mem_stat (const char *text)
{
  json_object *o = json_object_new_object ();
  for (const char *p = text; p && *p; p = strchr (p, '\n'), p = p ? p + 1 : NULL)
    {
      const char *sp = strchr (p, ' ');
      const char *nl = strchr (p, '\n');
      if (sp == NULL || (nl && sp > nl) || sp == p)
        continue;
      char key[64];
      snprintf (key, sizeof key, "%.*s", (int) (sp - p), p);
      json_object_object_add (o, key, json_object_new_uint64 (strtoull (sp + 1, NULL, 10)));
    }
  return o;
}
