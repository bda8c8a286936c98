/* cdctl ps (container ls) and the `container` group. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "client/cmd_containers.h"
#include "client/cmd_images.h"
#include "client/commands.h"
#include "client/filters.h"
#include "client/format.h"
#include "client/jsonget.h"
#include "client/url.h"

struct ps_opts
{
  FILE *out;
  int trunc, quiet, size, json;
  struct cli_table *t;
};

/* Go's strconv.Quote for the COMMAND column (printable UTF-8 kept). */
static void
go_quote (const char *s, char *buf, size_t len)
{
  size_t o = 0;
  buf[o++] = '"';
  for (const unsigned char *c = (const unsigned char *) s; *c && o + 8 < len; c++)
    {
      if (*c == '"' || *c == '\\')
        o += (size_t) snprintf (buf + o, len - o, "\\%c", *c);
      else if (*c == '\n')
        o += (size_t) snprintf (buf + o, len - o, "\\n");
      else if (*c == '\t')
        o += (size_t) snprintf (buf + o, len - o, "\\t");
      else if (*c < 0x20 || *c == 0x7f)
        o += (size_t) snprintf (buf + o, len - o, "\\x%02x", *c);
      else
        buf[o++] = (char) *c;
    }
  buf[o++] = '"';
  buf[o] = '\0';
}

/* docker's Ellipsis: at most max code points, the last one "…". */
static void
ellipsis (const char *s, size_t max, char *buf, size_t len)
{
  if (cli_text_width (s) <= max)
    {
      snprintf (buf, len, "%s", s);
      return;
    }
  size_t o = 0, n = 0;
  for (const char *p = s; *p && n < max - 1 && o + 5 < len; n++)
    {
      do
        buf[o++] = *p++;
      while (*p && ((unsigned char) *p & 0xC0) == 0x80 && o + 5 < len);
    }
  snprintf (buf + o, len - o, "…");
}

static void
names_of (json_object *c, int trunc, char *buf, size_t len)
{
  json_object *names = cli_json_path (c, "Names");
  size_t o = 0;
  buf[0] = '\0';
  for (size_t i = 0; names && i < json_object_array_length (names); i++)
    {
      const char *n = json_object_get_string (json_object_array_get_idx (names, i));
      n += n[0] == '/';
      if (trunc && strchr (n, '/'))
        continue;
      o += (size_t) snprintf (buf + o, o < len ? len - o : 0, "%s%s", o ? "," : "", n);
    }
}

static void
ports_of (json_object *c, char *buf, size_t len)
{
  json_object *ports = cli_json_path (c, "Ports");
  size_t o = 0;
  buf[0] = '\0';
  for (size_t i = 0; ports && json_object_is_type (ports, json_type_array)
                     && i < json_object_array_length (ports) && o < len;
       i++)
    {
      json_object *p = json_object_array_get_idx (ports, i);
      const char *ip = cli_json_strd (p, "IP", ""), *type = cli_json_strd (p, "Type", "tcp");
      long long priv = cli_json_int (p, "PrivatePort", 0), pub = cli_json_int (p, "PublicPort", 0);
      const char *sep = o ? ", " : "";
      if (pub)
        o += (size_t) snprintf (buf + o, len - o, "%s%s:%lld->%lld/%s", sep, ip, pub, priv, type);
      else
        o += (size_t) snprintf (buf + o, len - o, "%s%lld/%s", sep, priv, type);
    }
}

static void
size_of (json_object *c, char *buf, size_t len)
{
  char rw[CLI_HUMAN_LEN], virt[CLI_HUMAN_LEN];
  int64_t root = cli_json_int (c, "SizeRootFs", 0);
  cli_human_size ((double) cli_json_int (c, "SizeRw", 0), rw, sizeof rw);
  if (root > 0)
    snprintf (buf, len, "%s (virtual %s)", rw, cli_human_size ((double) root, virt, sizeof virt));
  else
    snprintf (buf, len, "%s", rw);
}

/* "k=v,k2=v2" sorted by key. */
static void
labels_of (json_object *c, char *buf, size_t len)
{
  json_object *l = cli_json_path (c, "Labels");
  const char *keys[256];
  size_t n = 0, o = 0;
  buf[0] = '\0';
  if (l && json_object_is_type (l, json_type_object))
    {
      json_object_object_foreach (l, k, v)
      {
        (void) v;
        if (n < 256)
          keys[n++] = k;
      }
    }
  for (size_t i = 1; i < n; i++)
    for (size_t j = i; j > 0 && strcmp (keys[j - 1], keys[j]) > 0; j--)
      {
        const char *t = keys[j];
        keys[j] = keys[j - 1];
        keys[j - 1] = t;
      }
  for (size_t i = 0; i < n && o < len; i++)
    o += (size_t) snprintf (buf + o, len - o, "%s%s=%s", i ? "," : "", keys[i],
                            cli_json_strd (l, keys[i], ""));
}

static void
networks_of (json_object *c, char *buf, size_t len)
{
  json_object *nets = cli_json_path (c, "NetworkSettings.Networks");
  size_t o = 0;
  buf[0] = '\0';
  if (nets && json_object_is_type (nets, json_type_object))
    {
      json_object_object_foreach (nets, k, v)
      {
        (void) v;
        if (o < len)
          o += (size_t) snprintf (buf + o, len - o, "%s%s", o ? "," : "", k);
      }
    }
}

static void
print_json (struct ps_opts *o, json_object *c, const char *id, const char *cmd, const char *names)
{
  char created[64], since[64], ports[512], size[96], labels[2048], nets[512];
  int64_t t = cli_json_int (c, "Created", 0);
  cli_go_time_string (t, created, sizeof created);
  cli_go_since (t, since, sizeof since);
  ports_of (c, ports, sizeof ports);
  size_of (c, size, sizeof size);
  labels_of (c, labels, sizeof labels);
  networks_of (c, nets, sizeof nets);
  const char *const kv[] = { "Command", cmd, "CreatedAt", created, "ID", id, "Image",
                             cli_json_strd (c, "Image", ""), "Labels", labels, "LocalVolumes", "0",
                             "Mounts", "", "Names", names, "Networks", nets, "Ports", ports,
                             "RunningFor", since, "Size", size, "State",
                             cli_json_strd (c, "State", ""), "Status",
                             cli_json_strd (c, "Status", "") };
  cli_go_json_flat (o->out, kv, sizeof kv / sizeof kv[0] / 2);
  fputc ('\n', o->out);
}

static int
ps_row (struct ps_opts *o, json_object *c)
{
  char idbuf[80], cmd[1024], quoted[2100], names[1024], since[64], ports[512], size[96];
  const char *id = cli_json_strd (c, "Id", "");
  if (o->trunc)
    id = cli_img_short_id (id, idbuf, sizeof idbuf);
  if (o->quiet)
    return fprintf (o->out, "%s\n", id) < 0 ? -EIO : 0;
  const char *command = cli_json_strd (c, "Command", "");
  if (o->trunc)
    ellipsis (command, 20, cmd, sizeof cmd);
  else
    snprintf (cmd, sizeof cmd, "%s", command);
  go_quote (cmd, quoted, sizeof quoted);
  names_of (c, o->trunc, names, sizeof names);
  if (o->json)
    {
      print_json (o, c, id, quoted, names);
      return 0;
    }
  const char *image = cli_json_strd (c, "Image", "");
  char imgbuf[80];
  if (o->trunc && strncmp (image, "sha256:", 7) == 0)
    image = cli_img_short_id (image, imgbuf, sizeof imgbuf);
  cli_go_since (cli_json_int (c, "Created", 0), since, sizeof since);
  ports_of (c, ports, sizeof ports);
  size_of (c, size, sizeof size);
  const char *cells[] = { id,    image, quoted, since, cli_json_strd (c, "Status", ""),
                          ports, names, size };
  return cli_table_add_row (o->t, cells);
}

static char *
ps_path (const struct cli_args *args, struct cd_err *err)
{
  struct cli_query q = { 0 };
  long long last = cli_args_isset (args, "last") ? cli_args_int (args, "last") : -1;
  if (cli_args_bool (args, "latest"))
    last = 1;
  cli_query_add_bool (&q, "all", cli_args_bool (args, "all") || last > 0);
  if (last > 0)
    cli_query_add_int (&q, "limit", last);
  cli_query_add_bool (&q, "size", cli_args_bool (args, "size"));
  size_t n;
  const char *const *filters = cli_args_list (args, "filter", &n);
  if (cli_query_add_filters (&q, filters, n, err) < 0)
    {
      cli_query_free (&q);
      return NULL;
    }
  char *path = cli_query_finish (&q, "/containers/json");
  if (path == NULL)
    cd_err_set (err, ENOMEM, "out of memory");
  return path;
}

static int
ps_run (struct cli_ctx *ctx, const struct cli_args *args, struct cd_err *err)
{
  cleanup_free char *path = ps_path (args, err);
  if (path == NULL)
    return -err->code;
  cleanup_response struct cli_response resp = { 0 };
  int r = cli_http_get_json (ctx->http, path, &resp, err);
  if (r < 0)
    return r;
  struct ps_opts o = { .out = ctx->out,
                       .trunc = !cli_args_bool (args, "no-trunc"),
                       .quiet = cli_args_bool (args, "quiet"),
                       .size = cli_args_bool (args, "size"),
                       .json = cli_format_is_json (cli_args_str (args, "format")) };
  size_t ncols = o.size ? 8 : 7;
  cleanup_table struct cli_table *t = cli_table_new (ncols);
  if (t == NULL)
    return cd_err_set (err, ENOMEM, "out of memory");
  o.t = t;
  if (!o.quiet && !o.json)
    cli_table_add (t, "CONTAINER ID", "IMAGE", "COMMAND", "CREATED", "STATUS", "PORTS", "NAMES",
                   "SIZE");
  size_t n = json_object_is_type (resp.json, json_type_array)
                 ? json_object_array_length (resp.json) : 0;
  for (size_t i = 0; i < n; i++)
    if (ps_row (&o, json_object_array_get_idx (resp.json, i)) < 0)
      return cd_err_set (err, ENOMEM, "out of memory");
  if (!o.quiet && !o.json)
    cli_table_print (t, ctx->out);
  return 0;
}

static const struct cli_flag ps_flags[] = {
  { "all", 'a', CLI_FLAG_BOOL, NULL, "Show all containers (default shows just running)", NULL,
    NULL },
  { "filter", 'f', CLI_FLAG_LIST, "filter", "Filter output based on conditions provided", NULL,
    cli_filter_check },
  { "format", 0, CLI_FLAG_STRING, "string", "Format output using a custom template:\n'json': "
                                            "Print in JSON format",
    NULL, cli_format_check },
  { "last", 'n', CLI_FLAG_INT, "int", "Show n last created containers (includes all states)",
    "-1", NULL },
  { "latest", 'l', CLI_FLAG_BOOL, NULL, "Show the latest created container (includes all "
                                        "states)",
    NULL, NULL },
  { "no-trunc", 0, CLI_FLAG_BOOL, NULL, "Don't truncate output", NULL, NULL },
  { "quiet", 'q', CLI_FLAG_BOOL, NULL, "Only display container IDs", NULL, NULL },
  { "size", 's', CLI_FLAG_BOOL, NULL, "Display total file sizes", NULL, NULL },
  { NULL, 0, 0, NULL, NULL, NULL, NULL },
};

const struct cli_cmd cli_cmd_ps = {
  .name = "ps",
  .summary = "List containers",
  .usage = "[OPTIONS]",
  .flags = ps_flags,
  .max_args = 0,
  .run = ps_run,
};

static const char *const ls_aliases[] = { "list", "ps", NULL };

const struct cli_cmd cli_cmd_container_ls = {
  .name = "ls",
  .aliases = ls_aliases,
  .summary = "List containers",
  .usage = "[OPTIONS]",
  .flags = ps_flags,
  .max_args = 0,
  .run = ps_run,
};

/* ---- container COMMAND ---- */

static const struct cli_cmd *const container_cmds[] = {
  &cli_cmd_create,  &cli_cmd_container_inspect, &cli_cmd_kill,  &cli_cmd_logs,
  &cli_cmd_container_ls, &cli_cmd_container_prune, &cli_cmd_rename, &cli_cmd_restart,
  &cli_cmd_container_rm, &cli_cmd_run, &cli_cmd_start, &cli_cmd_stop, &cli_cmd_top,
  &cli_cmd_wait, &cli_cmd_pause, &cli_cmd_unpause, &cli_cmd_update,
  NULL,
};

const struct cli_cmd cli_cmd_container = {
  .name = "container",
  .summary = "Manage containers",
  .subcmds = container_cmds,
};
