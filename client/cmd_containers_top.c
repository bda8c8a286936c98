/* cdctl top (container top) and cdctl container prune. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "client/cmd_containers.h"
#include "client/commands.h"
#include "client/filters.h"
#include "client/format.h"
#include "client/http.h"
#include "client/jsonget.h"
#include "client/url.h"

/* ---- top ---- */

/* The ps options: the words after the container, joined with spaces. */
static char *
ps_args (const struct cli_args *args)
{
  size_t len = 1;
  for (int i = 1; i < args->argc; i++)
    len += strlen (args->argv[i]) + 1;
  char *s = calloc (1, len);
  for (int i = 1; s && i < args->argc; i++)
    {
      if (i > 1)
        strcat (s, " ");
      strcat (s, args->argv[i]);
    }
  return s;
}

static int
top_run (struct cli_ctx *ctx, const struct cli_args *args, struct cd_err *err)
{
  cleanup_free char *psa = ps_args (args);
  cleanup_free char *base = cli_ctr_path (args->argv[0], "/top");
  if (psa == NULL || base == NULL)
    return cd_err_set (err, ENOMEM, "out of memory");
  struct cli_query q = { 0 };
  if (*psa)
    cli_query_add (&q, "ps_args", psa);
  cleanup_free char *path = cli_query_finish (&q, base);
  if (path == NULL)
    return cd_err_set (err, ENOMEM, "out of memory");
  cleanup_response struct cli_response resp = { 0 };
  int r = cli_http_get_json (ctx->http, path, &resp, err);
  if (r < 0)
    return r;
  json_object *titles = cli_json_path (resp.json, "Titles");
  json_object *procs = cli_json_path (resp.json, "Processes");
  size_t nt = json_object_is_type (titles, json_type_array) ? json_object_array_length (titles) : 0;
  if (nt == 0)
    return 0;
  /* docker's tabwriter.NewWriter(out, 20, 1, 3, ' ', 0) */
  cleanup_table struct cli_table *t = cli_table_new (nt);
  cleanup_free const char **cells = calloc (nt, sizeof *cells);
  if (t == NULL || cells == NULL)
    return cd_err_set (err, ENOMEM, "out of memory");
  cli_table_style (t, 20, 3);
  for (size_t i = 0; i < nt; i++)
    cells[i] = json_object_get_string (json_object_array_get_idx (titles, i));
  cli_table_add_row (t, cells);
  size_t np = json_object_is_type (procs, json_type_array) ? json_object_array_length (procs) : 0;
  for (size_t p = 0; p < np; p++)
    {
      json_object *row = json_object_array_get_idx (procs, p);
      size_t nc = json_object_is_type (row, json_type_array) ? json_object_array_length (row) : 0;
      for (size_t i = 0; i < nt; i++)
        cells[i] = i < nc ? json_object_get_string (json_object_array_get_idx (row, i)) : "";
      cli_table_add_row (t, cells);
    }
  cli_table_print (t, ctx->out);
  return 0;
}

const struct cli_cmd cli_cmd_top = {
  .name = "top",
  .summary = "Display the running processes of a container",
  .usage = "CONTAINER [ps OPTIONS]",
  .min_args = 1,
  .max_args = -1,
  .stop_at_positional = 1,
  .run = top_run,
};

/* ---- container prune ---- */

static int
prune_run (struct cli_ctx *ctx, const struct cli_args *args, struct cd_err *err)
{
  if (!cli_args_bool (args, "force")
      && !cli_confirm (ctx->out, "WARNING! This will remove all stopped containers.\n"
                             "Are you sure you want to continue?"))
    return 0;
  size_t n;
  const char *const *filters = cli_args_list (args, "filter", &n);
  struct cli_query q = { 0 };
  int r = cli_query_add_filters (&q, filters, n, err);
  cleanup_free char *path = r == 0 ? cli_query_finish (&q, "/containers/prune") : NULL;
  if (r < 0)
    cli_query_free (&q);
  if (r == 0 && path == NULL)
    r = cd_err_set (err, ENOMEM, "out of memory");
  cleanup_response struct cli_response resp = { 0 };
  if (r == 0)
    r = cli_http_call (ctx->http, "POST", path, NULL, &resp, err);
  if (r < 0)
    return r;
  json_object *del = cli_json_path (resp.json, "ContainersDeleted");
  size_t nd = json_object_is_type (del, json_type_array) ? json_object_array_length (del) : 0;
  int64_t reclaimed = 0;
  if (nd > 0)
    {
      fputs ("Deleted Containers:\n", ctx->out);
      for (size_t i = 0; i < nd; i++)
        fprintf (ctx->out, "%s\n", json_object_get_string (json_object_array_get_idx (del, i)));
      fputc ('\n', ctx->out);
      reclaimed = cli_json_int (resp.json, "SpaceReclaimed", 0);
    }
  char size[CLI_HUMAN_LEN];
  fprintf (ctx->out, "Total reclaimed space: %s\n",
           cli_human_size_prec ((double) reclaimed, 4, size, sizeof size));
  return 0;
}

static const struct cli_flag prune_flags[] = {
  { "filter", 0, CLI_FLAG_LIST, "filter", "Provide filter values (e.g. \"until=<timestamp>\")",
    NULL, cli_filter_check },
  { "force", 'f', CLI_FLAG_BOOL, NULL, "Do not prompt for confirmation", NULL, NULL },
  { NULL, 0, 0, NULL, NULL, NULL, NULL },
};

const struct cli_cmd cli_cmd_container_prune = {
  .name = "prune",
  .summary = "Remove all stopped containers",
  .flags = prune_flags,
  .max_args = 0,
  .run = prune_run,
};
