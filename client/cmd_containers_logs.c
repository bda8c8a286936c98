/* cdctl logs and cdctl inspect (container inspect). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cleanup.h"
#include "client/cmd_containers.h"
#include "client/cmd_images.h"
#include "client/commands.h"
#include "client/jsonget.h"
#include "client/timestamp.h"
#include "client/url.h"

/* ---- logs ---- */

static int
add_time (struct cli_query *q, const struct cli_args *args, const char *flag, struct cd_err *err)
{
  const char *v = cli_args_str (args, flag);
  if (v == NULL || *v == '\0')
    return 0;
  char ts[64];
  if (cli_parse_timestamp (v, time (NULL), ts, sizeof ts, err) < 0)
    return -err->code;
  cli_query_add (q, flag, ts);
  return 0;
}

static int
logs_run (struct cli_ctx *ctx, const struct cli_args *args, struct cd_err *err)
{
  cleanup_response struct cli_response resp = { 0 };
  int r = cli_ctr_inspect (ctx, args->argv[0], &resp, err);
  if (r < 0)
    return r;
  struct cli_query q = { 0 };
  cli_query_add (&q, "stdout", "1");
  cli_query_add (&q, "stderr", "1");
  if (add_time (&q, args, "since", err) < 0 || add_time (&q, args, "until", err) < 0)
    {
      cli_query_free (&q);
      return -err->code;
    }
  cli_query_add_bool (&q, "timestamps", cli_args_bool (args, "timestamps"));
  cli_query_add_bool (&q, "follow", cli_args_bool (args, "follow"));
  cli_query_add (&q, "tail", cli_args_str (args, "tail"));
  cleanup_free char *base = cli_ctr_path (cli_json_strd (resp.json, "Id", args->argv[0]), "/logs");
  cleanup_free char *path = base ? cli_query_finish (&q, base) : NULL;
  if (base == NULL)
    cli_query_free (&q);
  if (path == NULL)
    return cd_err_set (err, ENOMEM, "out of memory");
  struct cli_demux d = {
    .out = ctx->out, .errf = stderr, .raw = cli_json_bool (resp.json, "Config.Tty", 0)
  };
  return cli_http_stream (ctx->http, "GET", path, cli_demux_feed, &d, err);
}

static const struct cli_flag logs_flags[] = {
  { "details", 0, CLI_FLAG_BOOL, NULL, "Show extra details provided to logs", NULL, NULL },
  { "follow", 'f', CLI_FLAG_BOOL, NULL, "Follow log output", NULL, NULL },
  { "since", 0, CLI_FLAG_STRING, "string",
    "Show logs since timestamp (e.g. \"2013-01-02T13:23:37Z\") or relative\n(e.g. \"42m\" for 42 "
    "minutes)",
    NULL, NULL },
  { "tail", 'n', CLI_FLAG_STRING, "string", "Number of lines to show from the end of the logs",
    "all", NULL },
  { "timestamps", 't', CLI_FLAG_BOOL, NULL, "Show timestamps", NULL, NULL },
  { "until", 0, CLI_FLAG_STRING, "string",
    "Show logs before a timestamp (e.g. \"2013-01-02T13:23:37Z\") or relative\n(e.g. \"42m\" for "
    "42 minutes)",
    NULL, NULL },
  { NULL, 0, 0, NULL, NULL, NULL, NULL },
};

const struct cli_cmd cli_cmd_logs = {
  .name = "logs",
  .summary = "Fetch the logs of a container",
  .usage = "[OPTIONS] CONTAINER",
  .flags = logs_flags,
  .min_args = 1,
  .max_args = 1,
  .run = logs_run,
};

/* ---- inspect ---- */

static int
append (char **buf, size_t *len, size_t *cap, const char *text, size_t n)
{
  if (*len + n + 1 > *cap)
    {
      size_t c = *cap ? *cap * 2 : 4096;
      while (c < *len + n + 1)
        c *= 2;
      char *b = realloc (*buf, c);
      if (b == NULL)
        return -ENOMEM;
      *buf = b;
      *cap = c;
    }
  memcpy (*buf + *len, text, n);
  *len += n;
  (*buf)[*len] = '\0';
  return 0;
}

/* One object: a container, or for the top-level inspect an image too. */
static int
inspect_one (struct cli_ctx *ctx, const char *name, int any, struct cli_response *resp,
             struct cd_err *err)
{
  int r = cli_ctr_inspect (ctx, name, resp, err);
  if (r != -ENOENT || !any)
    return r;
  cli_response_free (resp);
  memset (resp, 0, sizeof *resp);
  cleanup_free char *path = cli_img_path (name, "/json");
  if (path == NULL)
    return cd_err_set (err, ENOMEM, "out of memory");
  r = cli_http_get_json (ctx->http, path, resp, err);
  if (r == -ENOENT)
    return cd_err_set (err, ENOENT, "Error: No such object: %s", name);
  return r;
}

/* As docker: the daemon's JSON of every container found, in one array
 * indented by json.Indent; the errors after it. */
static int
inspect_all (struct cli_ctx *ctx, const struct cli_args *args, int any, struct cd_err *err)
{
  cleanup_free char *arr = NULL;
  size_t len = 0, cap = 0, found = 0;
  cd_err_clear (err);
  if (append (&arr, &len, &cap, "[", 1) < 0)
    return cd_err_set (err, ENOMEM, "out of memory");
  for (int i = 0; i < args->argc; i++)
    {
      cleanup_response struct cli_response resp = { 0 };
      struct cd_err one = { 0 };
      int r = inspect_one (ctx, args->argv[i], any, &resp, &one);
      if (r == -ECONNREFUSED || r == -EACCES)
        return cd_err_set (err, -r, "%s", one.msg);
      if (r < 0)
        {
          size_t l = strlen (err->msg);
          snprintf (err->msg + l, sizeof err->msg - l, "%s%s", l ? "\n" : "", one.msg);
          err->code = EIO;
          continue;
        }
      if ((found++ && append (&arr, &len, &cap, ",", 1) < 0)
          || append (&arr, &len, &cap, resp.body, resp.len) < 0)
        return cd_err_set (err, ENOMEM, "out of memory");
    }
  if (append (&arr, &len, &cap, "]", 1) < 0)
    return cd_err_set (err, ENOMEM, "out of memory");
  if (found == 0)
    fputs ("[]", ctx->out);
  else
    cli_json_indent (ctx->out, arr, len);
  fputc ('\n', ctx->out);
  return err->code ? -EIO : 0;
}

static int
ctr_inspect_run (struct cli_ctx *ctx, const struct cli_args *args, struct cd_err *err)
{
  return inspect_all (ctx, args, 0, err);
}

static int
any_inspect_run (struct cli_ctx *ctx, const struct cli_args *args, struct cd_err *err)
{
  return inspect_all (ctx, args, 1, err);
}

const struct cli_cmd cli_cmd_inspect = {
  .name = "inspect",
  .summary = "Return low-level information on Docker objects",
  .usage = "[OPTIONS] NAME|ID [NAME|ID...]",
  .min_args = 1,
  .max_args = -1,
  .run = any_inspect_run,
};

const struct cli_cmd cli_cmd_container_inspect = {
  .name = "inspect",
  .summary = "Display detailed information on one or more containers",
  .usage = "[OPTIONS] CONTAINER [CONTAINER...]",
  .min_args = 1,
  .max_args = -1,
  .run = ctr_inspect_run,
};
