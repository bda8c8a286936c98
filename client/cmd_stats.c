/* cdctl stats: docker stats. Without names one request a second
 * (GET /cdaemon/stats) gives every running container, so the table follows
 * containers as they start and stop; with names each container's
 * stats?stream=false. Figures are computed as the docker CLI does. */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cleanup.h"
#include "client/cmd_containers.h"
#include "client/commands.h"
#include "client/format.h"
#include "client/http.h"
#include "client/jsonget.h"

struct stats_row
{
  char id[13], name[128];
  double cpu, mem, limit, mem_pct, rx, tx, blk_r, blk_w;
  int64_t pids;
};

static double
num (json_object *o, const char *path)
{
  json_object *v = cli_json_path (o, path);
  return v ? json_object_get_double (v) : 0;
}

/* docker CLI calculateCPUPercentUnix. */
static double
cpu_percent (json_object *s)
{
  double cpu_delta = num (s, "cpu_stats.cpu_usage.total_usage")
                     - num (s, "precpu_stats.cpu_usage.total_usage");
  double sys_delta = num (s, "cpu_stats.system_cpu_usage") - num (s, "precpu_stats.system_cpu_usage");
  double online = num (s, "cpu_stats.online_cpus");
  json_object *per = cli_json_path (s, "cpu_stats.cpu_usage.percpu_usage");
  if (online == 0 && per && json_object_is_type (per, json_type_array))
    online = (double) json_object_array_length (per);
  if (sys_delta > 0 && cpu_delta > 0)
    return cpu_delta / sys_delta * online * 100.0;
  return 0;
}

/* Usage without the page cache the kernel can drop (docker's calculateMemUsageUnixNoCache). */
static double
mem_usage (json_object *s)
{
  double usage = num (s, "memory_stats.usage");
  json_object *v1 = cli_json_path (s, "memory_stats.stats.total_inactive_file");
  json_object *v2 = cli_json_path (s, "memory_stats.stats.inactive_file");
  double cache = v1 ? json_object_get_double (v1) : v2 ? json_object_get_double (v2) : 0;
  return cache < usage ? usage - cache : usage;
}

static void
row_from (json_object *s, struct stats_row *r)
{
  memset (r, 0, sizeof *r);
  snprintf (r->id, sizeof r->id, "%s", cli_json_strd (s, "id", ""));
  const char *name = cli_json_strd (s, "name", "");
  snprintf (r->name, sizeof r->name, "%s", name[0] == '/' ? name + 1 : name);
  r->cpu = cpu_percent (s);
  r->mem = mem_usage (s);
  r->limit = num (s, "memory_stats.limit");
  r->mem_pct = r->limit > 0 ? r->mem / r->limit * 100.0 : 0;
  json_object *nets = cli_json_path (s, "networks");
  if (nets && json_object_is_type (nets, json_type_object))
    {
      json_object_object_foreach (nets, k, v)
        {
          (void) k;
          r->rx += num (v, "rx_bytes");
          r->tx += num (v, "tx_bytes");
        }
    }
  json_object *blk = cli_json_path (s, "blkio_stats.io_service_bytes_recursive");
  size_t n = blk && json_object_is_type (blk, json_type_array) ? json_object_array_length (blk) : 0;
  for (size_t i = 0; i < n; i++)
    {
      json_object *e = json_object_array_get_idx (blk, i);
      const char *op = cli_json_strd (e, "op", "");
      if (strcasecmp (op, "read") == 0)
        r->blk_r += num (e, "value");
      else if (strcasecmp (op, "write") == 0)
        r->blk_w += num (e, "value");
    }
  r->pids = cli_json_int (s, "pids_stats.current", 0);
}

struct stats_view
{
  struct stats_row *rows;
  size_t n, cap;
};

static int
view_add (struct stats_view *v, json_object *s)
{
  if (v->n == v->cap)
    {
      size_t cap = v->cap ? v->cap * 2 : 16;
      struct stats_row *nr = realloc (v->rows, cap * sizeof *nr);
      if (nr == NULL)
        return -ENOMEM;
      v->rows = nr;
      v->cap = cap;
    }
  row_from (s, &v->rows[v->n++]);
  return 0;
}

static void
cells_of (const struct stats_row *r, char c[8][160])
{
  char a[CLI_HUMAN_LEN], b[CLI_HUMAN_LEN];
  snprintf (c[0], 160, "%s", r->id);
  snprintf (c[1], 160, "%s", r->name);
  snprintf (c[2], 160, "%.2f%%", r->cpu);
  snprintf (c[3], 160, "%s / %s", cli_bytes_size (r->mem, a, sizeof a),
            cli_bytes_size (r->limit, b, sizeof b));
  snprintf (c[4], 160, "%.2f%%", r->mem_pct);
  snprintf (c[5], 160, "%s / %s", cli_human_size_prec (r->rx, 3, a, sizeof a),
            cli_human_size_prec (r->tx, 3, b, sizeof b));
  snprintf (c[6], 160, "%s / %s", cli_human_size_prec (r->blk_r, 3, a, sizeof a),
            cli_human_size_prec (r->blk_w, 3, b, sizeof b));
  snprintf (c[7], 160, "%lld", (long long) r->pids);
}

static void
print_view (FILE *out, const struct stats_view *v, bool json, bool clear)
{
  if (clear)
    fputs ("\033[2J\033[H", out);
  char c[8][160];
  if (json)
    {
      static const char *const keys[] = { "ID", "Name", "CPUPerc", "MemUsage", "MemPerc", "NetIO",
                                          "BlockIO", "PIDs" };
      for (size_t i = 0; i < v->n; i++)
        {
          cells_of (&v->rows[i], c);
          json_object *o = json_object_new_object ();
          json_object_object_add (o, "Container", json_object_new_string (c[0]));
          for (int k = 0; k < 8; k++)
            json_object_object_add (o, keys[k], json_object_new_string (c[k]));
          fprintf (out, "%s\n", json_object_to_json_string_ext (o, JSON_C_TO_STRING_PLAIN));
          json_object_put (o);
        }
      fflush (out);
      return;
    }
  struct cli_table *t = cli_table_new (8);
  if (t == NULL)
    return;
  cli_table_add (t, "CONTAINER ID", "NAME", "CPU %", "MEM USAGE / LIMIT", "MEM %", "NET I/O",
                 "BLOCK I/O", "PIDS");
  for (size_t i = 0; i < v->n; i++)
    {
      cells_of (&v->rows[i], c);
      const char *cells[8] = { c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7] };
      cli_table_add_row (t, cells);
    }
  cli_table_print (t, out);
  cli_table_free (t);
  fflush (out);
}

/* Stopped containers (for -a): rows of zeros as docker shows them. */
static int
add_stopped (struct cli_ctx *ctx, struct stats_view *v, struct cd_err *err)
{
  cleanup_response struct cli_response resp = { 0 };
  int r = cli_http_get_json (ctx->http, "/containers/json?all=1", &resp, err);
  if (r < 0)
    return r;
  size_t n = json_object_array_length (resp.json);
  for (size_t i = 0; i < n; i++)
    {
      json_object *c = json_object_array_get_idx (resp.json, i);
      if (strcmp (cli_json_strd (c, "State", ""), "running") == 0
          || strcmp (cli_json_strd (c, "State", ""), "paused") == 0)
        continue;
      json_object *s = json_object_new_object ();
      json_object_object_add (s, "id", json_object_get (cli_json_path (c, "Id")));
      json_object *names = cli_json_path (c, "Names");
      json_object *first = names && json_object_is_type (names, json_type_array)
                               ? json_object_array_get_idx (names, 0) : NULL;
      json_object_object_add (s, "name", json_object_get (first));
      r = view_add (v, s);
      json_object_put (s);
      if (r < 0)
        return cd_err_set (err, ENOMEM, "out of memory");
    }
  return 0;
}

static int
collect (struct cli_ctx *ctx, const struct cli_args *args, struct stats_view *v,
         struct cd_err *err)
{
  v->n = 0;
  int r;
  if (args->argc == 0)
    {
      cleanup_response struct cli_response resp = { 0 };
      if ((r = cli_http_get_json (ctx->http, "/cdaemon/stats", &resp, err)) < 0)
        return r;
      size_t n = json_object_array_length (resp.json);
      for (size_t i = 0; i < n; i++)
        if (view_add (v, json_object_array_get_idx (resp.json, i)) < 0)
          return cd_err_set (err, ENOMEM, "out of memory");
      return cli_args_bool (args, "all") ? add_stopped (ctx, v, err) : 0;
    }
  for (int i = 0; i < args->argc; i++)
    {
      cleanup_free char *path = cli_ctr_path (args->argv[i], "/stats?stream=false");
      cleanup_response struct cli_response resp = { 0 };
      if (path == NULL)
        return cd_err_set (err, ENOMEM, "out of memory");
      if ((r = cli_http_get_json (ctx->http, path, &resp, err)) < 0)
        return r;
      if (view_add (v, resp.json) < 0)
        return cd_err_set (err, ENOMEM, "out of memory");
    }
  return 0;
}

static int
stats_run (struct cli_ctx *ctx, const struct cli_args *args, struct cd_err *err)
{
  bool json = cli_format_is_json (cli_args_str (args, "format"));
  bool once = cli_args_bool (args, "no-stream");
  bool tty = isatty (fileno (ctx->out));
  struct stats_view v = { 0 };
  int r;
  for (;;)
    {
      if ((r = collect (ctx, args, &v, err)) < 0)
        break;
      print_view (ctx->out, &v, json, tty && !once && !json);
      if (once)
        break;
      if (!tty && !json)
        fputc ('\n', ctx->out);
      struct timespec ts = { 1, 0 };
      nanosleep (&ts, NULL);
    }
  free (v.rows);
  return r < 0 ? r : 0;
}

static const struct cli_flag stats_flags[] = {
  { "all", 'a', CLI_FLAG_BOOL, NULL, "Show all containers (default shows just running)", NULL,
    NULL },
  { "format", 0, CLI_FLAG_STRING, NULL, "Format output: 'json' prints one JSON line per container",
    NULL, cli_format_check },
  { "no-stream", 0, CLI_FLAG_BOOL, NULL, "Disable streaming stats and only pull the first result",
    NULL, NULL },
  { NULL, 0, 0, NULL, NULL, NULL, NULL },
};

const struct cli_cmd cli_cmd_stats = {
  .name = "stats",
  .summary = "Display a live stream of container(s) resource usage statistics",
  .usage = "[OPTIONS] [CONTAINER...]",
  .flags = stats_flags,
  .min_args = 0,
  .max_args = -1,
  .run = stats_run,
};
