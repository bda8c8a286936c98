/* cdctl volume create|ls|inspect|rm|prune, as docker's `docker volume`. */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "client/cmd_images.h"
#include "client/commands.h"
#include "client/filters.h"
#include "client/format.h"
#include "client/http.h"
#include "client/jsonget.h"
#include "client/url.h"

static char *
vol_path (const char *name, const char *suffix)
{
  static const char hex[] = "0123456789ABCDEF";
  char *out = malloc (strlen ("/volumes/") + 3 * strlen (name) + strlen (suffix) + 1);
  if (out == NULL)
    return NULL;
  char *p = stpcpy (out, "/volumes/");
  for (const unsigned char *c = (const unsigned char *) name; *c; c++)
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

/* "k=v" words into an object. */
static json_object *
kv_words (const struct cli_args *args, const char *flag)
{
  size_t n;
  const char *const *w = cli_args_list (args, flag, &n);
  if (n == 0)
    return NULL;
  json_object *o = json_object_new_object ();
  for (size_t i = 0; i < n; i++)
    {
      const char *eq = strchr (w[i], '=');
      cleanup_free char *k = strndup (w[i], eq ? (size_t) (eq - w[i]) : strlen (w[i]));
      if (k)
        json_object_object_add (o, k, json_object_new_string (eq ? eq + 1 : ""));
    }
  return o;
}

/* ---- create ---- */

static int
create_run (struct cli_ctx *ctx, const struct cli_args *args, struct cd_err *err)
{
  const char *name = args->argc ? args->argv[0] : NULL;
  if (name && cli_args_isset (args, "name") && strcmp (name, cli_args_str (args, "name")))
    return cd_err_set (err, EINVAL, "conflicting options: either specify --name or provide "
                       "positional arg, not both");
  if (name == NULL && cli_args_isset (args, "name"))
    name = cli_args_str (args, "name");
  cleanup_json json_object *body = json_object_new_object ();
  if (name)
    json_object_object_add (body, "Name", json_object_new_string (name));
  json_object_object_add (body, "Driver", json_object_new_string (cli_args_str (args, "driver")));
  json_object *opts = kv_words (args, "opt"), *labels = kv_words (args, "label");
  json_object_object_add (body, "DriverOpts", opts ? opts : json_object_new_object ());
  json_object_object_add (body, "Labels", labels ? labels : json_object_new_object ());
  cleanup_response struct cli_response resp = { 0 };
  int r = cli_http_call (ctx->http, "POST", "/volumes/create", body, &resp, err);
  if (r == 0)
    fprintf (ctx->out, "%s\n", cli_json_strd (resp.json, "Name", ""));
  return r;
}

static const struct cli_flag create_flags[] = {
  { "driver", 'd', CLI_FLAG_STRING, "string", "Specify volume driver name", "local", NULL },
  { "label", 0, CLI_FLAG_LIST, "list", "Set metadata for a volume", NULL, NULL },
  { "name", 0, CLI_FLAG_STRING, "string", "Specify volume name", NULL, NULL },
  { "opt", 'o', CLI_FLAG_LIST, "map", "Set driver specific options", NULL, NULL },
  { NULL, 0, 0, NULL, NULL, NULL, NULL },
};

static const struct cli_cmd vol_create = {
  .name = "create",
  .summary = "Create a volume",
  .usage = "[OPTIONS] [VOLUME]",
  .flags = create_flags,
  .max_args = 1,
  .run = create_run,
};

/* ---- ls ---- */

static int
ls_run (struct cli_ctx *ctx, const struct cli_args *args, struct cd_err *err)
{
  size_t n;
  const char *const *filters = cli_args_list (args, "filter", &n);
  struct cli_query q = { 0 };
  int r = cli_query_add_filters (&q, filters, n, err);
  cleanup_free char *path = r == 0 ? cli_query_finish (&q, "/volumes") : NULL;
  if (r < 0)
    {
      cli_query_free (&q);
      return r;
    }
  if (path == NULL)
    return cd_err_set (err, ENOMEM, "out of memory");
  cleanup_response struct cli_response resp = { 0 };
  if ((r = cli_http_get_json (ctx->http, path, &resp, err)) < 0)
    return r;
  json_object *vols = cli_json_path (resp.json, "Volumes");
  size_t nv = vols && json_object_is_type (vols, json_type_array) ? json_object_array_length (vols)
                                                                  : 0;
  if (cli_format_is_json (cli_args_str (args, "format")))
    {
      for (size_t i = 0; i < nv; i++)
        fprintf (ctx->out, "%s\n", json_object_to_json_string_ext (
                   json_object_array_get_idx (vols, i), JSON_C_TO_STRING_PLAIN
                                                        | JSON_C_TO_STRING_NOSLASHESCAPE));
      return 0;
    }
  if (cli_args_bool (args, "quiet"))
    {
      for (size_t i = 0; i < nv; i++)
        fprintf (ctx->out, "%s\n", cli_json_strd (json_object_array_get_idx (vols, i), "Name",
                                                  ""));
      return 0;
    }
  cleanup_table struct cli_table *t = cli_table_new (2);
  if (t == NULL)
    return cd_err_set (err, ENOMEM, "out of memory");
  cli_table_add (t, "DRIVER", "VOLUME NAME");
  for (size_t i = 0; i < nv; i++)
    {
      json_object *v = json_object_array_get_idx (vols, i);
      cli_table_add (t, cli_json_strd (v, "Driver", ""), cli_json_strd (v, "Name", ""));
    }
  cli_table_print (t, ctx->out);
  return 0;
}

static const struct cli_flag ls_flags[] = {
  { "filter", 'f', CLI_FLAG_LIST, "filter", "Provide filter values (e.g. 'dangling=true')", NULL,
    cli_filter_check },
  { "format", 0, CLI_FLAG_STRING, "string", "Format output: 'json' prints one volume per line",
    NULL, cli_format_check },
  { "quiet", 'q', CLI_FLAG_BOOL, NULL, "Only display volume names", NULL, NULL },
  { NULL, 0, 0, NULL, NULL, NULL, NULL },
};

static const char *const ls_aliases[] = { "list", NULL };

static const struct cli_cmd vol_ls = {
  .name = "ls",
  .aliases = ls_aliases,
  .summary = "List volumes",
  .usage = "[OPTIONS]",
  .flags = ls_flags,
  .max_args = 0,
  .run = ls_run,
};

/* ---- inspect ---- */

static int
inspect_run (struct cli_ctx *ctx, const struct cli_args *args, struct cd_err *err)
{
  cleanup_json json_object *arr = json_object_new_array ();
  int failed = 0;
  for (int i = 0; i < args->argc; i++)
    {
      cleanup_free char *path = vol_path (args->argv[i], "");
      cleanup_response struct cli_response resp = { 0 };
      struct cd_err one = { 0 };
      if (path == NULL)
        return cd_err_set (err, ENOMEM, "out of memory");
      int r = cli_http_get_json (ctx->http, path, &resp, &one);
      if (r == -ECONNREFUSED || r == -EACCES)
        return cd_err_set (err, -r, "%s", one.msg);
      if (r < 0)
        {
          size_t len = strlen (err->msg);
          snprintf (err->msg + len, sizeof err->msg - len, "%s%s", failed++ ? "\n" : "",
                    one.msg);
          continue;
        }
      json_object_array_add (arr, json_object_get (resp.json));
    }
  const char *text = json_object_to_json_string_ext (arr, JSON_C_TO_STRING_PLAIN
                                                          | JSON_C_TO_STRING_NOSLASHESCAPE);
  cli_json_indent (ctx->out, text, strlen (text));
  fputc ('\n', ctx->out);
  if (failed)
    {
      err->code = ENOENT;
      return -ENOENT;
    }
  return 0;
}

static const struct cli_cmd vol_inspect = {
  .name = "inspect",
  .summary = "Display detailed information on one or more volumes",
  .usage = "[OPTIONS] VOLUME [VOLUME...]",
  .min_args = 1,
  .max_args = -1,
  .run = inspect_run,
};

/* ---- rm ---- */

static int
rm_run (struct cli_ctx *ctx, const struct cli_args *args, struct cd_err *err)
{
  int failed = 0;
  for (int i = 0; i < args->argc; i++)
    {
      cleanup_free char *base = vol_path (args->argv[i], "");
      struct cli_query q = { 0 };
      cli_query_add_bool (&q, "force", cli_args_bool (args, "force"));
      cleanup_free char *path = base ? cli_query_finish (&q, base) : NULL;
      if (path == NULL)
        return cd_err_set (err, ENOMEM, "out of memory");
      cleanup_response struct cli_response resp = { 0 };
      struct cd_err one = { 0 };
      int r = cli_http_call (ctx->http, "DELETE", path, NULL, &resp, &one);
      if (r == -ECONNREFUSED || r == -EACCES)
        return cd_err_set (err, -r, "%s", one.msg);
      if (r < 0)
        {
          size_t len = strlen (err->msg);
          snprintf (err->msg + len, sizeof err->msg - len, "%s%s", failed++ ? "\n" : "",
                    one.msg);
          continue;
        }
      fprintf (ctx->out, "%s\n", args->argv[i]);
    }
  if (failed)
    {
      err->code = EIO;
      return -EIO;
    }
  return 0;
}

static const struct cli_flag rm_flags[] = {
  { "force", 'f', CLI_FLAG_BOOL, NULL, "Force the removal of one or more volumes", NULL, NULL },
  { NULL, 0, 0, NULL, NULL, NULL, NULL },
};

static const char *const rm_aliases[] = { "remove", NULL };

static const struct cli_cmd vol_rm = {
  .name = "rm",
  .aliases = rm_aliases,
  .summary = "Remove one or more volumes",
  .usage = "[OPTIONS] VOLUME [VOLUME...]",
  .flags = rm_flags,
  .min_args = 1,
  .max_args = -1,
  .run = rm_run,
};

/* ---- prune ---- */

static int
prune_run (struct cli_ctx *ctx, const struct cli_args *args, struct cd_err *err)
{
  if (!cli_args_bool (args, "force")
      && !cli_confirm (ctx->out, "WARNING! This will remove all local volumes not used by at "
                                 "least one container.\nAre you sure you want to continue?"))
    return 0;
  size_t n;
  const char *const *filters = cli_args_list (args, "filter", &n);
  struct cli_query q = { 0 };
  int r = cli_query_add_filters (&q, filters, n, err);
  cleanup_free char *path = r == 0 ? cli_query_finish (&q, "/volumes/prune") : NULL;
  if (r < 0)
    {
      cli_query_free (&q);
      return r;
    }
  if (path == NULL)
    return cd_err_set (err, ENOMEM, "out of memory");
  cleanup_response struct cli_response resp = { 0 };
  if ((r = cli_http_call (ctx->http, "POST", path, NULL, &resp, err)) < 0)
    return r;
  json_object *del = cli_json_path (resp.json, "VolumesDeleted");
  size_t nd = del && json_object_is_type (del, json_type_array) ? json_object_array_length (del)
                                                               : 0;
  if (nd)
    {
      fputs ("Deleted Volumes:\n", ctx->out);
      for (size_t i = 0; i < nd; i++)
        fprintf (ctx->out, "%s\n", json_object_get_string (json_object_array_get_idx (del, i)));
      fputc ('\n', ctx->out);
    }
  char size[CLI_HUMAN_LEN];
  fprintf (ctx->out, "Total reclaimed space: %s\n",
           cli_human_size_prec ((double) cli_json_int (resp.json, "SpaceReclaimed", 0), 4, size,
                                sizeof size));
  return 0;
}

static const struct cli_flag prune_flags[] = {
  { "filter", 0, CLI_FLAG_LIST, "filter", "Provide filter values (e.g. 'label=<label>')", NULL,
    cli_filter_check },
  { "force", 'f', CLI_FLAG_BOOL, NULL, "Do not prompt for confirmation", NULL, NULL },
  { NULL, 0, 0, NULL, NULL, NULL, NULL },
};

static const struct cli_cmd vol_prune = {
  .name = "prune",
  .summary = "Remove all unused local volumes",
  .usage = "[OPTIONS]",
  .flags = prune_flags,
  .max_args = 0,
  .run = prune_run,
};

static const struct cli_cmd *const volume_cmds[] = {
  &vol_create, &vol_inspect, &vol_ls, &vol_prune, &vol_rm, NULL,
};

const struct cli_cmd cli_cmd_volume = {
  .name = "volume",
  .summary = "Manage volumes",
  .subcmds = volume_cmds,
};
