/* cdctl system df [-v]: GET /system/df as the docker CLI prints it. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "client/commands.h"
#include "client/format.h"
#include "client/http.h"
#include "client/jsonget.h"

static size_t
arr_len (json_object *a)
{
  return a && json_object_is_type (a, json_type_array) ? json_object_array_length (a) : 0;
}

/* "1.2MB (50%)" as docker's formatter, the percentage only when total > 0. */
/* The first string of an array member ("Names", "RepoTags"), or def. */
static const char *
first_of (json_object *o, const char *key, const char *def)
{
  json_object *a = cli_json_path (o, key);
  json_object *v = arr_len (a) > 0 ? json_object_array_get_idx (a, 0) : NULL;
  return v && json_object_is_type (v, json_type_string) ? json_object_get_string (v) : def;
}

static void
reclaim_text (int64_t reclaim, int64_t total, char *buf, size_t len)
{
  char h[CLI_HUMAN_LEN];
  cli_human_size_prec ((double) reclaim, 4, h, sizeof h);
  if (total > 0)
    snprintf (buf, len, "%s (%lld%%)", h, (long long) (reclaim * 100 / total));
  else
    snprintf (buf, len, "%s", h);
}

static void
summary (struct cli_table *t, json_object *df)
{
  char tot[16], act[16], size[CLI_HUMAN_LEN], rec[64];
  /* images */
  json_object *imgs = cli_json_path (df, "Images");
  int64_t layers = cli_json_int (df, "LayersSize", 0), used = 0;
  size_t n = arr_len (imgs), active = 0;
  for (size_t i = 0; i < n; i++)
    {
      json_object *im = json_object_array_get_idx (imgs, i);
      if (cli_json_int (im, "Containers", 0) > 0)
        {
          active++;
          used += cli_json_int (im, "Size", 0) - cli_json_int (im, "SharedSize", 0);
        }
    }
  snprintf (tot, sizeof tot, "%zu", n);
  snprintf (act, sizeof act, "%zu", active);
  reclaim_text (layers - used, layers, rec, sizeof rec);
  cli_table_add (t, "Images", tot, act, cli_human_size_prec ((double) layers, 4, size, sizeof size),
                 rec);
  /* containers */
  json_object *cs = cli_json_path (df, "Containers");
  int64_t total = 0, idle = 0;
  n = arr_len (cs), active = 0;
  for (size_t i = 0; i < n; i++)
    {
      json_object *c = json_object_array_get_idx (cs, i);
      const char *st = cli_json_strd (c, "State", "");
      int64_t rw = cli_json_int (c, "SizeRw", 0);
      total += rw;
      if (strcmp (st, "running") == 0 || strcmp (st, "paused") == 0)
        active++;
      else
        idle += rw;
    }
  snprintf (tot, sizeof tot, "%zu", n);
  snprintf (act, sizeof act, "%zu", active);
  reclaim_text (idle, total, rec, sizeof rec);
  cli_table_add (t, "Containers", tot, act, cli_human_size_prec ((double) total, 4, size, sizeof size),
                 rec);
  /* volumes */
  json_object *vs = cli_json_path (df, "Volumes");
  total = idle = 0;
  n = arr_len (vs), active = 0;
  for (size_t i = 0; i < n; i++)
    {
      json_object *v = json_object_array_get_idx (vs, i);
      int64_t sz = cli_json_int (v, "UsageData.Size", 0);
      if (sz > 0)
        total += sz;
      if (cli_json_int (v, "UsageData.RefCount", 0) > 0)
        active++;
      else if (sz > 0)
        idle += sz;
    }
  snprintf (tot, sizeof tot, "%zu", n);
  snprintf (act, sizeof act, "%zu", active);
  reclaim_text (idle, total, rec, sizeof rec);
  cli_table_add (t, "Local Volumes", tot, act,
                 cli_human_size_prec ((double) total, 4, size, sizeof size), rec);
  cli_table_add (t, "Build Cache", "0", "0", "0B", "0B");
}

static void
verbose (FILE *out, json_object *df)
{
  char a[CLI_HUMAN_LEN], b[CLI_HUMAN_LEN], c[CLI_HUMAN_LEN], cnt[16];
  fputs ("Images space usage:\n\n", out);
  struct cli_table *t = cli_table_new (6);
  cli_table_add (t, "IMAGE ID", "REPOSITORY:TAG", "SIZE", "SHARED SIZE", "UNIQUE SIZE",
                 "CONTAINERS");
  json_object *imgs = cli_json_path (df, "Images");
  for (size_t i = 0; i < arr_len (imgs); i++)
    {
      json_object *im = json_object_array_get_idx (imgs, i);
      const char *id = cli_json_strd (im, "Id", "");
      if (strncmp (id, "sha256:", 7) == 0)
        id += 7;
      char sid[13];
      snprintf (sid, sizeof sid, "%s", id);
      int64_t size = cli_json_int (im, "Size", 0), shared = cli_json_int (im, "SharedSize", 0);
      snprintf (cnt, sizeof cnt, "%lld", (long long) cli_json_int (im, "Containers", 0));
      cli_table_add (t, sid, first_of (im, "RepoTags", "<none>:<none>"),
                     cli_human_size_prec ((double) size, 4, a, sizeof a),
                     cli_human_size_prec ((double) shared, 4, b, sizeof b),
                     cli_human_size_prec ((double) (size - shared), 4, c, sizeof c), cnt);
    }
  cli_table_print (t, out);
  cli_table_free (t);
  fputs ("\nContainers space usage:\n\n", out);
  t = cli_table_new (5);
  cli_table_add (t, "CONTAINER ID", "IMAGE", "SIZE", "STATUS", "NAMES");
  json_object *cs = cli_json_path (df, "Containers");
  for (size_t i = 0; i < arr_len (cs); i++)
    {
      json_object *ct = json_object_array_get_idx (cs, i);
      char sid[13];
      snprintf (sid, sizeof sid, "%s", cli_json_strd (ct, "Id", ""));
      const char *name = first_of (ct, "Names", "");
      cli_table_add (t, sid, cli_json_strd (ct, "Image", ""),
                     cli_human_size_prec ((double) cli_json_int (ct, "SizeRw", 0), 4, a, sizeof a),
                     cli_json_strd (ct, "Status", ""), name[0] == '/' ? name + 1 : name);
    }
  cli_table_print (t, out);
  cli_table_free (t);
  fputs ("\nLocal Volumes space usage:\n\n", out);
  t = cli_table_new (3);
  cli_table_add (t, "VOLUME NAME", "LINKS", "SIZE");
  json_object *vs = cli_json_path (df, "Volumes");
  for (size_t i = 0; i < arr_len (vs); i++)
    {
      json_object *v = json_object_array_get_idx (vs, i);
      snprintf (cnt, sizeof cnt, "%lld", (long long) cli_json_int (v, "UsageData.RefCount", 0));
      cli_table_add (t, cli_json_strd (v, "Name", ""), cnt,
                     cli_human_size_prec ((double) cli_json_int (v, "UsageData.Size", 0), 4, a,
                                          sizeof a));
    }
  cli_table_print (t, out);
  cli_table_free (t);
  fputs ("\nBuild cache usage: 0B\n", out);
}

static int
df_run (struct cli_ctx *ctx, const struct cli_args *args, struct cd_err *err)
{
  cleanup_response struct cli_response resp = { 0 };
  int r = cli_http_get_json (ctx->http, "/system/df", &resp, err);
  if (r < 0)
    return r;
  if (cli_format_is_json (cli_args_str (args, "format")))
    {
      fprintf (ctx->out, "%s\n", json_object_to_json_string_ext (resp.json, JSON_C_TO_STRING_PLAIN));
      return 0;
    }
  if (cli_args_bool (args, "verbose"))
    {
      verbose (ctx->out, resp.json);
      return 0;
    }
  struct cli_table *t = cli_table_new (5);
  if (t == NULL)
    return cd_err_set (err, ENOMEM, "out of memory");
  cli_table_add (t, "TYPE", "TOTAL", "ACTIVE", "SIZE", "RECLAIMABLE");
  summary (t, resp.json);
  cli_table_print (t, ctx->out);
  cli_table_free (t);
  return 0;
}

static const struct cli_flag df_flags[] = {
  { "format", 0, CLI_FLAG_STRING, NULL, "Format output: 'json' prints the daemon's answer", NULL,
    cli_format_check },
  { "verbose", 'v', CLI_FLAG_BOOL, NULL, "Show detailed information on space usage", NULL, NULL },
  { NULL, 0, 0, NULL, NULL, NULL, NULL },
};

static const struct cli_cmd system_df = {
  .name = "df",
  .summary = "Show docker disk usage",
  .flags = df_flags,
  .max_args = 0,
  .run = df_run,
};

static const struct cli_cmd *const system_cmds[] = { &system_df, &cli_cmd_events, &cli_cmd_info,
                                                     NULL };

const struct cli_cmd cli_cmd_system = {
  .name = "system",
  .summary = "Manage cdaemon",
  .subcmds = system_cmds,
};
