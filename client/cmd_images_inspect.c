/* cdctl image inspect (GET /images/{name}/json) and cdctl history
 * (GET /images/{name}/history). */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "client/cmd_images.h"
#include "client/commands.h"
#include "client/format.h"
#include "client/jsonget.h"

/* ---- image inspect ---- */

/* Appends text to a growing buffer; -ENOMEM on failure. */
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

/* Adds msg to the list of errors printed at the end, one per line. */
static void
add_error (struct cd_err *all, const char *msg)
{
  size_t len = strlen (all->msg);
  snprintf (all->msg + len, sizeof all->msg - len, "%s%s", len ? "\n" : "", msg);
  all->code = EIO;
}

/* As docker: the daemon's own JSON of every image found, in one array
 * indented by json.Indent; the errors after it. */
static int
inspect_run (struct cli_ctx *ctx, const struct cli_args *args, struct cd_err *err)
{
  cleanup_free char *arr = NULL;
  size_t len = 0, cap = 0, found = 0;
  cd_err_clear (err);
  if (append (&arr, &len, &cap, "[", 1) < 0)
    return cd_err_set (err, ENOMEM, "out of memory");
  for (int i = 0; i < args->argc; i++)
    {
      cleanup_free char *path = cli_img_path (args->argv[i], "/json");
      cleanup_response struct cli_response resp = { 0 };
      struct cd_err one = { 0 };
      if (path == NULL)
        return cd_err_set (err, ENOMEM, "out of memory");
      int r = cli_http_get_json (ctx->http, path, &resp, &one);
      if (r == -ECONNREFUSED || r == -EACCES)
        return cd_err_set (err, -r, "%s", one.msg);
      if (r < 0)
        {
          add_error (err, one.msg);
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

const struct cli_cmd cli_cmd_image_inspect = {
  .name = "inspect",
  .summary = "Display detailed information on one or more images",
  .usage = "[OPTIONS] IMAGE [IMAGE...]",
  .min_args = 1,
  .max_args = -1,
  .run = inspect_run,
};

/* ---- history ---- */

struct hist_opts
{
  FILE *out;
  int human, trunc, quiet, json;
  struct cli_table *t;
};

/* docker's formatter.Ellipsis for text without wide characters: at most
 * max code points, the last one "…" when cut. */
static char *
ellipsis (const char *s, size_t max)
{
  if (cli_text_width (s) <= max)
    return strdup (s);
  const char *p = s;
  for (size_t n = 0; *p; p++)
    if (((unsigned char) *p & 0xC0) != 0x80 && n++ == max - 1)
      break;
  char *out = malloc ((size_t) (p - s) + 4);
  if (out)
    {
      memcpy (out, s, (size_t) (p - s));
      strcpy (out + (p - s), "\xe2\x80\xa6");
    }
  return out;
}

static int
history_row (struct hist_opts *o, json_object *h)
{
  char idbuf[80], created[64], size[CLI_HUMAN_LEN];
  const char *id = cli_json_strd (h, "Id", "");
  if (o->trunc)
    id = cli_img_short_id (id, idbuf, sizeof idbuf);
  if (o->quiet && !o->json)
    return fprintf (o->out, "%s\n", id) < 0 ? -EIO : 0;
  int64_t when = cli_json_int (h, "Created", 0), sz = cli_json_int (h, "Size", 0);
  char at[64];
  cli_go_time_rfc3339 (when, at, sizeof at);
  if (o->human)
    {
      cli_go_since (when, created, sizeof created);
      cli_human_size ((double) sz, size, sizeof size);
    }
  else
    {
      snprintf (created, sizeof created, "%s", at);
      snprintf (size, sizeof size, "%" PRId64, sz);
    }
  cleanup_free char *by = strdup (cli_json_strd (h, "CreatedBy", ""));
  if (by == NULL)
    return -ENOMEM;
  for (char *p = by; *p; p++)
    if (*p == '\t')
      *p = ' ';
  cleanup_free char *shown = o->trunc ? ellipsis (by, 45) : strdup (by);
  if (shown == NULL)
    return -ENOMEM;
  const char *comment = cli_json_strd (h, "Comment", "");
  if (o->json)
    {
      const char *const kv[] = { "Comment", comment, "CreatedAt", at, "CreatedBy", shown,
                                 "CreatedSince", created, "ID", id, "Size", size };
      cli_go_json_flat (o->out, kv, 6);
      return 0;
    }
  return cli_table_add (o->t, id, created, shown, size, comment);
}

static int
history_run (struct cli_ctx *ctx, const struct cli_args *args, struct cd_err *err)
{
  cleanup_free char *path = cli_img_path (args->argv[0], "/history");
  cleanup_response struct cli_response resp = { 0 };
  if (path == NULL)
    return cd_err_set (err, ENOMEM, "out of memory");
  int r = cli_http_get_json (ctx->http, path, &resp, err);
  if (r < 0)
    return r;
  if (!json_object_is_type (resp.json, json_type_array))
    return cd_err_set (err, EPROTO, "cdaemon sent a history that is not a JSON array");
  struct hist_opts o = { .out = ctx->out, .human = cli_args_bool (args, "human"),
                         .trunc = !cli_args_bool (args, "no-trunc"),
                         .quiet = cli_args_bool (args, "quiet"),
                         .json = cli_format_is_json (cli_args_str (args, "format")) };
  cleanup_table struct cli_table *t = NULL;
  if (!o.quiet && !o.json)
    {
      if ((t = o.t = cli_table_new (5)) == NULL)
        return cd_err_set (err, ENOMEM, "out of memory");
      r = cli_table_add (t, "IMAGE", o.human ? "CREATED" : "CREATED AT", "CREATED BY", "SIZE",
                         "COMMENT");
    }
  for (size_t i = 0; r == 0 && i < json_object_array_length (resp.json); i++)
    r = history_row (&o, json_object_array_get_idx (resp.json, i));
  if (r < 0)
    return cd_err_set (err, -r, "cannot print the history: %s", strerror (-r));
  if (t)
    cli_table_print (t, ctx->out);
  return 0;
}

static const struct cli_flag history_flags[] = {
  { "format", 0, CLI_FLAG_STRING, NULL, "Format output: 'json' prints each layer as JSON", NULL,
    cli_format_check },
  { "human", 'H', CLI_FLAG_BOOL, NULL, "Print sizes and dates in human readable format", "true",
    NULL },
  { "no-trunc", 0, CLI_FLAG_BOOL, NULL, "Don't truncate output", NULL, NULL },
  { "quiet", 'q', CLI_FLAG_BOOL, NULL, "Only show image IDs", NULL, NULL },
  { NULL, 0, 0, NULL, NULL, NULL, NULL },
};

const struct cli_cmd cli_cmd_history = {
  .name = "history",
  .summary = "Show the history of an image",
  .usage = "[OPTIONS] IMAGE",
  .flags = history_flags,
  .min_args = 1,
  .max_args = 1,
  .run = history_run,
};
