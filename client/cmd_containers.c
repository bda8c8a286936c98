/* Helpers shared by the container commands: paths, the multiplexed log
 * stream (docker's stdcopy), waiting and per-container loops. */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "client/cmd_containers.h"
#include "client/jsonget.h"
#include "client/url.h"

char *
cli_ctr_path (const char *id, const char *suffix)
{
  static const char hex[] = "0123456789ABCDEF";
  char *out = malloc (strlen ("/containers/") + 3 * strlen (id) + strlen (suffix) + 1);
  if (out == NULL)
    return NULL;
  char *p = stpcpy (out, "/containers/");
  for (const unsigned char *c = (const unsigned char *) id; *c; c++)
    if (isalnum (*c) || strchr ("-._~", *c))
      *p++ = (char) *c;
    else
      {
        *p++ = '%';
        *p++ = hex[*c >> 4];
        *p++ = hex[*c & 15];
      }
  strcpy (p, suffix);
  return out;
}

static void
demux_write (struct cli_demux *d, const char *data, size_t n)
{
  FILE *f = d->stream == 2 ? d->errf : d->out;
  fwrite (data, 1, n, f);
  fflush (f);
}

int
cli_demux_feed (const char *data, size_t len, void *userdata, struct cd_err *err)
{
  struct cli_demux *d = userdata;
  (void) err;
  if (d->raw)
    {
      d->stream = 1;
      demux_write (d, data, len);
      return 0;
    }
  while (len > 0)
    {
      if (d->left == 0)
        {
          size_t n = sizeof d->hdr - d->hlen;
          n = n < len ? n : len;
          memcpy (d->hdr + d->hlen, data, n);
          d->hlen += n;
          data += n;
          len -= n;
          if (d->hlen < sizeof d->hdr)
            break;
          d->hlen = 0;
          d->stream = d->hdr[0];
          d->left = (uint64_t) d->hdr[4] << 24 | (uint64_t) d->hdr[5] << 16
                    | (uint64_t) d->hdr[6] << 8 | d->hdr[7];
          continue;
        }
      size_t n = d->left < len ? (size_t) d->left : len;
      demux_write (d, data, n);
      d->left -= n;
      data += n;
      len -= n;
    }
  return 0;
}

int
cli_ctr_follow_logs (struct cli_ctx *ctx, const char *id, int tty, struct cd_err *err)
{
  struct cli_demux d = { .out = ctx->out, .errf = stderr, .raw = tty };
  cleanup_free char *path = cli_ctr_path (id, "/logs?stdout=1&stderr=1&follow=1");
  if (path == NULL)
    return cd_err_set (err, ENOMEM, "out of memory");
  return cli_http_stream (ctx->http, "GET", path, cli_demux_feed, &d, err);
}

int
cli_ctr_wait (struct cli_ctx *ctx, const char *id, const char *condition, int64_t *code,
              struct cd_err *err)
{
  cleanup_free char *base = cli_ctr_path (id, "/wait");
  if (base == NULL)
    return cd_err_set (err, ENOMEM, "out of memory");
  struct cli_query q = { 0 };
  cli_query_add (&q, "condition", condition);
  cleanup_free char *path = cli_query_finish (&q, base);
  if (path == NULL)
    return cd_err_set (err, ENOMEM, "out of memory");
  cleanup_response struct cli_response resp = { 0 };
  int r = cli_http_call (ctx->http, "POST", path, NULL, &resp, err);
  if (r < 0)
    return r;
  const char *msg = cli_json_str (resp.json, "Error.Message");
  if (msg && *msg)
    return cd_err_set (err, EIO, "%s", msg);
  *code = cli_json_int (resp.json, "StatusCode", 0);
  return 0;
}

int
cli_ctr_inspect (struct cli_ctx *ctx, const char *id, struct cli_response *resp,
                 struct cd_err *err)
{
  cleanup_free char *path = cli_ctr_path (id, "/json");
  if (path == NULL)
    return cd_err_set (err, ENOMEM, "out of memory");
  return cli_http_get_json (ctx->http, path, resp, err);
}

int
cli_ctr_each (struct cli_ctx *ctx, const struct cli_args *args, cli_ctr_each_fn fn, int print,
              struct cd_err *err)
{
  cd_err_clear (err);
  for (int i = 0; i < args->argc; i++)
    {
      struct cd_err one = { 0 };
      int r = fn (ctx, args, args->argv[i], &one);
      if (r == -ECONNREFUSED || r == -EACCES)
        return cd_err_set (err, -r, "%s", one.msg);
      if (r < 0)
        {
          size_t len = strlen (err->msg);
          snprintf (err->msg + len, sizeof err->msg - len, "%s%s", len ? "\n" : "", one.msg);
          err->code = EIO;
        }
      else if (print)
        {
          fprintf (ctx->out, "%s\n", args->argv[i]);
          fflush (ctx->out);
        }
    }
  return err->code ? -EIO : 0;
}
