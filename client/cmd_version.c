/* cdctl version: the client's and the daemon's versions (GET /version). */
#include <string.h>

#include "cleanup.h"
#include "client/commands.h"
#include "client/format.h"
#include "client/http.h"
#include "client/jsonget.h"

#if defined(__x86_64__)
#define CLI_ARCH "amd64"
#elif defined(__aarch64__)
#define CLI_ARCH "arm64"
#elif defined(__i386__)
#define CLI_ARCH "386"
#elif defined(__arm__)
#define CLI_ARCH "arm"
#elif defined(__powerpc64__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define CLI_ARCH "ppc64le"
#elif defined(__s390x__)
#define CLI_ARCH "s390x"
#elif defined(__riscv) && __riscv_xlen == 64
#define CLI_ARCH "riscv64"
#else
#define CLI_ARCH "unknown"
#endif

/* One "label: value" line; labels pad to column 20 as docker's tabwriter. */
static void
kv (FILE *out, const char *label, const char *value)
{
  if (value == NULL)
    return;
  int w = (int) cli_text_width (label);
  fprintf (out, "%s:%*s%s\n", label, w + 1 < 19 ? 19 - w : 1, "", value);
}

static void
print_client (FILE *out)
{
  fputs ("Client:\n", out);
  kv (out, " Version", CDCTL_VERSION);
  kv (out, " API version", CLI_API_VERSION);
  kv (out, " Git commit", CDCTL_GIT_COMMIT[0] ? CDCTL_GIT_COMMIT : NULL);
  kv (out, " OS/Arch", "linux/" CLI_ARCH);
}

/* A field of the engine: its component's Details first (as docker reads
 * them), else the top-level member of the same name. */
static const char *
engine_field (json_object *v, json_object *details, const char *key)
{
  json_object *f = cli_json_path (details, key);
  if (f == NULL || json_object_is_type (f, json_type_null))
    f = cli_json_path (v, key);
  if (f == NULL || json_object_is_type (f, json_type_null))
    return NULL;
  return json_object_get_string (f);
}

static void
print_engine (FILE *out, json_object *v, json_object *details)
{
  char buf[256];
  const char *os = engine_field (v, details, "Os"), *arch = engine_field (v, details, "Arch");
  fputs (" Engine:\n", out);
  kv (out, "  Version", cli_json_strd (v, "Version", ""));
  snprintf (buf, sizeof buf, "%s (minimum version %s)",
            engine_field (v, details, "ApiVersion") ?: "",
            engine_field (v, details, "MinAPIVersion") ?: "?");
  kv (out, "  API version", buf);
  kv (out, "  Go version", engine_field (v, details, "GoVersion"));
  kv (out, "  Git commit", engine_field (v, details, "GitCommit"));
  kv (out, "  Built", engine_field (v, details, "BuildTime"));
  snprintf (buf, sizeof buf, "%s/%s", os ? os : "", arch ? arch : "");
  kv (out, "  OS/Arch", buf);
  kv (out, "  Kernel version", engine_field (v, details, "KernelVersion"));
  kv (out, "  Experimental", engine_field (v, details, "Experimental"));
}

/* Components other than the engine (containerd, runc in dockerd's answer). */
static void
print_component (FILE *out, json_object *c)
{
  char label[128];
  fprintf (out, " %s:\n", cli_json_strd (c, "Name", "?"));
  kv (out, "  Version", cli_json_strd (c, "Version", ""));
  json_object *details = cli_json_path (c, "Details");
  if (details == NULL || !json_object_is_type (details, json_type_object))
    return;
  json_object_object_foreach (details, key, val)
  {
    snprintf (label, sizeof label, "  %s", key);
    kv (out, label, json_object_get_string (val));
  }
}

static void
print_server (FILE *out, json_object *v)
{
  const char *platform = cli_json_str (v, "Platform.Name");
  json_object *comps = cli_json_path (v, "Components"), *engine = NULL;
  size_t n = comps && json_object_is_type (comps, json_type_array)
                 ? json_object_array_length (comps)
                 : 0;
  for (size_t i = 0; i < n; i++)
    {
      json_object *c = json_object_array_get_idx (comps, i);
      const char *name = cli_json_str (c, "Name");
      if (name && strcmp (name, "Engine") == 0)
        engine = c;
    }
  fprintf (out, "\nServer:%s%s\n", platform && *platform ? " " : "", platform ? platform : "");
  print_engine (out, v, cli_json_path (engine, "Details"));
  for (size_t i = 0; i < n; i++)
    {
      json_object *c = json_object_array_get_idx (comps, i);
      if (c != engine)
        print_component (out, c);
    }
}

static void
print_json (FILE *out, json_object *server)
{
  cleanup_json json_object *doc = json_object_new_object ();
  json_object *client = json_object_new_object ();
  json_object_object_add (client, "Version", json_object_new_string (CDCTL_VERSION));
  json_object_object_add (client, "ApiVersion", json_object_new_string (CLI_API_VERSION));
  json_object_object_add (client, "DefaultAPIVersion", json_object_new_string (CLI_API_VERSION));
  json_object_object_add (client, "GitCommit", json_object_new_string (CDCTL_GIT_COMMIT));
  json_object_object_add (client, "Os", json_object_new_string ("linux"));
  json_object_object_add (client, "Arch", json_object_new_string (CLI_ARCH));
  json_object_object_add (doc, "Client", client);
  json_object_object_add (doc, "Server", server ? json_object_get (server) : NULL);
  fprintf (out, "%s\n",
           json_object_to_json_string_ext (doc, JSON_C_TO_STRING_PLAIN
                                                    | JSON_C_TO_STRING_NOSLASHESCAPE));
}

static int
version_run (struct cli_ctx *ctx, const struct cli_args *args, struct cd_err *err)
{
  cleanup_response struct cli_response resp = { 0 };
  int r = cli_http_get_json (ctx->http, "/version", &resp, err);
  json_object *server = r == 0 ? resp.json : NULL;
  if (cli_format_is_json (cli_args_str (args, "format")))
    print_json (ctx->out, server);
  else
    {
      print_client (ctx->out);
      if (server)
        print_server (ctx->out, server);
    }
  return r < 0 ? r : 0;
}

static const struct cli_flag version_flags[] = {
  { "format", 'f', CLI_FLAG_STRING, NULL,
    "Format output: 'json' prints the client and server\ninformation as one JSON object", NULL,
    cli_format_check },
  { NULL, 0, 0, NULL, NULL, NULL, NULL },
};

const struct cli_cmd cli_cmd_version = {
  .name = "version",
  .summary = "Show the cdctl and cdaemon version information",
  .flags = version_flags,
  .max_args = 0,
  .run = version_run,
};
