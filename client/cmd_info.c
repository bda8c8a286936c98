/* cdctl info: system-wide information (GET /info), printed as docker does. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "client/commands.h"
#include "client/format.h"
#include "client/http.h"
#include "client/jsonget.h"

static void
line_int (FILE *out, const char *label, json_object *v, const char *key)
{
  fprintf (out, "%s: %" PRId64 "\n", label, cli_json_int (v, key, 0));
}

/* "Label: value", skipped when the daemon did not send the field. */
static void
line_str (FILE *out, const char *label, json_object *v, const char *key)
{
  json_object *f = cli_json_path (v, key);
  if (f && !json_object_is_type (f, json_type_null))
    fprintf (out, "%s: %s\n", label, json_object_get_string (f));
}

static void
line_bool (FILE *out, const char *label, json_object *v, const char *key)
{
  if (cli_json_path (v, key))
    fprintf (out, "%s: %s\n", label, cli_json_bool (v, key, 0) ? "true" : "false");
}

/* A list under a heading, one item per line: " Labels:\n  a=b". */
static void
list_block (FILE *out, const char *heading, json_object *arr, const char *indent)
{
  if (arr == NULL || !json_object_is_type (arr, json_type_array))
    return;
  fprintf (out, "%s\n", heading);
  for (size_t i = 0; i < json_object_array_length (arr); i++)
    fprintf (out, "%s%s\n", indent, json_object_get_string (json_object_array_get_idx (arr, i)));
}

static void
print_storage (FILE *out, json_object *v)
{
  line_str (out, " Storage Driver", v, "Driver");
  json_object *st = cli_json_path (v, "DriverStatus");
  for (size_t i = 0;
       st && json_object_is_type (st, json_type_array) && i < json_object_array_length (st); i++)
    {
      json_object *kv = json_object_array_get_idx (st, i);
      if (json_object_is_type (kv, json_type_array) && json_object_array_length (kv) == 2)
        fprintf (out, "  %s: %s\n", json_object_get_string (json_object_array_get_idx (kv, 0)),
                 json_object_get_string (json_object_array_get_idx (kv, 1)));
    }
  line_str (out, " Logging Driver", v, "LoggingDriver");
  line_str (out, " Cgroup Driver", v, "CgroupDriver");
  line_str (out, " Cgroup Version", v, "CgroupVersion");
}

static void
print_plugins (FILE *out, json_object *v)
{
  static const char *const kinds[] = { "Volume", "Network", "Log" };
  json_object *p = cli_json_path (v, "Plugins");
  if (p == NULL || !json_object_is_type (p, json_type_object))
    return;
  fputs (" Plugins:\n", out);
  for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++)
    {
      json_object *arr = cli_json_path (p, kinds[k]);
      if (arr == NULL || !json_object_is_type (arr, json_type_array))
        continue;
      fprintf (out, "  %s:", kinds[k]);
      for (size_t i = 0; i < json_object_array_length (arr); i++)
        fprintf (out, " %s", json_object_get_string (json_object_array_get_idx (arr, i)));
      fputc ('\n', out);
    }
}

static int
str_cmp (const void *a, const void *b)
{
  return strcmp (*(const char *const *) a, *(const char *const *) b);
}

/* " Runtimes: a b" with the keys of the Runtimes object, sorted. */
static void
print_runtimes (FILE *out, json_object *rt)
{
  const char *names[32];
  size_t n = 0;
  if (rt == NULL || !json_object_is_type (rt, json_type_object))
    return;
  json_object_object_foreach (rt, name, val)
  {
    (void) val;
    if (n < sizeof names / sizeof names[0])
      names[n++] = name;
  }
  qsort (names, n, sizeof names[0], str_cmp);
  fputs (" Runtimes:", out);
  for (size_t i = 0; i < n; i++)
    fprintf (out, " %s", names[i]);
  fputc ('\n', out);
}

/* SecurityOptions entries look like "name=seccomp,profile=builtin". */
static void
print_security (FILE *out, json_object *arr)
{
  if (arr == NULL || !json_object_is_type (arr, json_type_array))
    return;
  fputs (" Security Options:\n", out);
  for (size_t i = 0; i < json_object_array_length (arr); i++)
    {
      const char *opt = json_object_get_string (json_object_array_get_idx (arr, i));
      for (const char *p = opt; p && *p; p += strcspn (p, ","), p += *p == ',')
        {
          int len = (int) strcspn (p, ",");
          if (strncmp (p, "name=", 5) == 0)
            fprintf (out, "  %.*s\n", len - 5, p + 5);
          else if (strncmp (p, "profile=", 8) == 0)
            fprintf (out, "   Profile: %.*s\n", len - 8, p + 8);
        }
    }
}

static void
print_debug (FILE *out, json_object *v)
{
  int debug = cli_json_bool (v, "Debug", 0);
  fprintf (out, " Debug Mode: %s\n", debug ? "true" : "false");
  if (!debug)
    return;
  line_int (out, "  File Descriptors", v, "NFd");
  line_int (out, "  Goroutines", v, "NGoroutines");
  line_str (out, "  System Time", v, "SystemTime");
  line_int (out, "  EventsListeners", v, "NEventsListener");
}

static void
print_host (FILE *out, json_object *v)
{
  char mem[CLI_HUMAN_LEN];
  line_str (out, " Kernel Version", v, "KernelVersion");
  line_str (out, " Operating System", v, "OperatingSystem");
  line_str (out, " OSType", v, "OSType");
  line_str (out, " Architecture", v, "Architecture");
  line_int (out, " CPUs", v, "NCPU");
  fprintf (out, " Total Memory: %s\n",
           cli_bytes_size ((double) cli_json_int (v, "MemTotal", 0), mem, sizeof mem));
  line_str (out, " Name", v, "Name");
  line_str (out, " ID", v, "ID");
  line_str (out, " Docker Root Dir", v, "DockerRootDir");
  print_debug (out, v);
  json_object *labels = cli_json_path (v, "Labels");
  if (labels && json_object_is_type (labels, json_type_array)
      && json_object_array_length (labels) > 0)
    list_block (out, " Labels:", labels, "  ");
  line_bool (out, " Experimental", v, "ExperimentalBuild");
  list_block (out,
              " Insecure Registries:", cli_json_path (v, "RegistryConfig.InsecureRegistryCIDRs"),
              "  ");
  line_bool (out, " Live Restore Enabled", v, "LiveRestoreEnabled");
}

static void
print_server (FILE *out, json_object *v)
{
  line_int (out, " Containers", v, "Containers");
  line_int (out, "  Running", v, "ContainersRunning");
  line_int (out, "  Paused", v, "ContainersPaused");
  line_int (out, "  Stopped", v, "ContainersStopped");
  line_int (out, " Images", v, "Images");
  line_str (out, " Server Version", v, "ServerVersion");
  print_storage (out, v);
  print_plugins (out, v);
  print_runtimes (out, cli_json_path (v, "Runtimes"));
  line_str (out, " Default Runtime", v, "DefaultRuntime");
  line_str (out, " Init Binary", v, "InitBinary");
  print_security (out, cli_json_path (v, "SecurityOptions"));
  print_host (out, v);
  json_object *warnings = cli_json_path (v, "Warnings");
  for (size_t i = 0; warnings && json_object_is_type (warnings, json_type_array)
                     && i < json_object_array_length (warnings);
       i++)
    fprintf (stderr, "%s\n", json_object_get_string (json_object_array_get_idx (warnings, i)));
}

static int
info_run (struct cli_ctx *ctx, const struct cli_args *args, struct cd_err *err)
{
  cleanup_response struct cli_response resp = { 0 };
  if (cli_format_is_json (cli_args_str (args, "format")))
    {
      int r = cli_http_get_json (ctx->http, "/info", &resp, err);
      if (r < 0)
        return r;
      fprintf (ctx->out, "%s\n",
               json_object_to_json_string_ext (resp.json, JSON_C_TO_STRING_PLAIN
                                                              | JSON_C_TO_STRING_NOSLASHESCAPE));
      return 0;
    }
  fprintf (ctx->out, "Client:\n Version:    %s\n Debug Mode: %s\n\nServer:\n", CDCTL_VERSION,
           ctx->debug ? "true" : "false");
  int r = cli_http_get_json (ctx->http, "/info", &resp, err);
  if (r < 0)
    return r;
  print_server (ctx->out, resp.json);
  return 0;
}

static const struct cli_flag info_flags[] = {
  { "format", 'f', CLI_FLAG_STRING, NULL,
    "Format output: 'json' prints the daemon's answer as JSON", NULL, cli_format_check },
  { NULL, 0, 0, NULL, NULL, NULL, NULL },
};

const struct cli_cmd cli_cmd_info = {
  .name = "info",
  .summary = "Display system-wide information",
  .flags = info_flags,
  .max_args = 0,
  .run = info_run,
};
