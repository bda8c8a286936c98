#include "client/url.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int
unreserved (unsigned char c)
{
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'
         || c == '_' || c == '.' || c == '~';
}

char *
cli_url_escape (const char *s)
{
  static const char hex[] = "0123456789ABCDEF";
  size_t n = strlen (s);
  char *out = malloc (3 * n + 1);
  if (out == NULL)
    return NULL;
  char *p = out;
  for (const unsigned char *c = (const unsigned char *) s; *c; c++)
    {
      if (unreserved (*c))
        *p++ = (char) *c;
      else
        {
          *p++ = '%';
          *p++ = hex[*c >> 4];
          *p++ = hex[*c & 15];
        }
    }
  *p = '\0';
  return out;
}

static void
append (struct cli_query *q, const char *s)
{
  size_t n = strlen (s);
  if (q->failed)
    return;
  if (q->len + n + 1 > q->cap)
    {
      size_t cap = q->cap ? q->cap : 64;
      while (cap < q->len + n + 1)
        cap *= 2;
      char *b = realloc (q->buf, cap);
      if (b == NULL)
        {
          q->failed = 1;
          return;
        }
      q->buf = b;
      q->cap = cap;
    }
  memcpy (q->buf + q->len, s, n + 1);
  q->len += n;
}

void
cli_query_add (struct cli_query *q, const char *key, const char *value)
{
  if (value == NULL)
    return;
  char *k = cli_url_escape (key);
  char *v = cli_url_escape (value);
  if (k == NULL || v == NULL)
    q->failed = 1;
  else
    {
      append (q, q->len ? "&" : "?");
      append (q, k);
      append (q, "=");
      append (q, v);
    }
  free (k);
  free (v);
}

void
cli_query_add_int (struct cli_query *q, const char *key, long long value)
{
  char buf[32];
  snprintf (buf, sizeof buf, "%lld", value);
  cli_query_add (q, key, buf);
}

void
cli_query_add_bool (struct cli_query *q, const char *key, int on)
{
  if (on)
    cli_query_add (q, key, "1");
}

char *
cli_query_finish (struct cli_query *q, const char *path)
{
  char *out = NULL;
  if (!q->failed && asprintf (&out, "%s%s", path, q->buf ? q->buf : "") < 0)
    out = NULL;
  cli_query_free (q);
  return out;
}

void
cli_query_free (struct cli_query *q)
{
  free (q->buf);
  *q = (struct cli_query){ 0 };
}
