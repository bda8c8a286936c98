/* cdctl exec: POST /containers/{id}/exec, then /exec/{id}/start hijacked
 * (or detached), then the exit code from GET /exec/{id}/json. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cleanup.h"
#include "client/attach.h"
#include "client/cmd_containers.h"
#include "client/commands.h"
#include "client/hijack.h"
#include "client/http.h"
#include "client/jsonget.h"
#include "client/url.h"

static const struct cli_flag exec_flags[] = {
  { "detach", 'd', CLI_FLAG_BOOL, NULL, "Detached mode: run command in the background", NULL,
    NULL },
  { "detach-keys", 0, CLI_FLAG_STRING, "string",
    "Override the key sequence for detaching a container", NULL, NULL },
  { "env", 'e', CLI_FLAG_LIST, "list", "Set environment variables", NULL, NULL },
  { "interactive", 'i', CLI_FLAG_BOOL, NULL, "Keep STDIN open even if not attached", NULL, NULL },
  { "privileged", 0, CLI_FLAG_BOOL, NULL, "Give extended privileges to the command", NULL, NULL },
  { "tty", 't', CLI_FLAG_BOOL, NULL, "Allocate a pseudo-TTY", NULL, NULL },
  { "user", 'u', CLI_FLAG_STRING, "string", "Username or UID (format: <name|uid>[:<group|gid>])",
    NULL, NULL },
  { "workdir", 'w', CLI_FLAG_STRING, "string", "Working directory inside the container", NULL,
    NULL },
  { NULL, 0, 0, NULL, NULL, NULL, NULL },
};

void
cli_resize_tty (void *p)
{
  struct cli_resize_ctx *rc = p;
  unsigned h, w;
  cli_tty_size (STDOUT_FILENO, &h, &w);
  if (h == 0 || w == 0)
    return;
  char path[512];
  snprintf (path, sizeof path, "%s/resize?h=%u&w=%u", rc->base, h, w);
  struct cd_err err = { 0 };
  cleanup_response struct cli_response resp = { 0 };
  cli_http_call (rc->ctx->http, "POST", path, NULL, &resp, &err);
}

static json_object *
exec_body (const struct cli_args *args, int tty, int in, int detach)
{
  json_object *b = json_object_new_object (), *cmd = json_object_new_array ();
  for (int i = 1; i < args->argc; i++)
    json_object_array_add (cmd, json_object_new_string (args->argv[i]));
  json_object_object_add (b, "Cmd", cmd);
  json_object_object_add (b, "Tty", json_object_new_boolean (tty));
  json_object_object_add (b, "AttachStdin", json_object_new_boolean (in && !detach));
  json_object_object_add (b, "AttachStdout", json_object_new_boolean (!detach));
  json_object_object_add (b, "AttachStderr", json_object_new_boolean (!detach));
  json_object_object_add (b, "Privileged",
                          json_object_new_boolean (cli_args_bool (args, "privileged")));
  size_t n;
  const char *const *env = cli_args_list (args, "env", &n);
  json_object *e = json_object_new_array ();
  for (size_t i = 0; i < n; i++)
    json_object_array_add (e, json_object_new_string (env[i]));
  json_object_object_add (b, "Env", e);
  const char *u = cli_args_str (args, "user"), *w = cli_args_str (args, "workdir");
  const char *k = cli_args_str (args, "detach-keys");
  if (u && *u)
    json_object_object_add (b, "User", json_object_new_string (u));
  if (w && *w)
    json_object_object_add (b, "WorkingDir", json_object_new_string (w));
  if (k && *k)
    json_object_object_add (b, "DetachKeys", json_object_new_string (k));
  return b;
}

/* Parses --detach-keys (default ctrl-p,ctrl-q) into st. */
int
cli_stream_keys (struct cli_stream *st, const char *spec, struct cd_err *err)
{
  if (spec == NULL || *spec == '\0')
    spec = CD_DETACH_KEYS_DEFAULT;
  if (cd_detach_keys_parse (spec, st->keys, &st->nkeys, err) < 0)
    return cd_err_wrap (err, "Invalid detach keys (%s) provided", spec);
  return 0;
}

static int
exec_start (struct cli_ctx *ctx, const char *eid, int tty, int in, const char *keys,
            struct cd_err *err)
{
  struct cli_stream st = { .tty = tty, .in = in };
  int r = cli_stream_keys (&st, keys, err);
  if (r < 0)
    return r;
  char path[128], base[96];
  snprintf (path, sizeof path, "/exec/%s/start", eid);
  snprintf (base, sizeof base, "/exec/%s", eid);
  json_object *body = json_object_new_object ();
  json_object_object_add (body, "Detach", json_object_new_boolean (0));
  json_object_object_add (body, "Tty", json_object_new_boolean (tty));
  r = cli_hijack (ctx, "POST", path, body, &st.fd, &st.pre, &st.pre_len, err);
  json_object_put (body);
  if (r < 0)
    return r;
  struct cli_resize_ctx rc = { ctx, base };
  if (tty && isatty (STDOUT_FILENO))
    {
      st.resize = cli_resize_tty;
      st.resize_ctx = &rc;
    }
  if ((r = cli_stream_run (&st, ctx->out, err)) < 0)
    return r;
  if (st.detached)
    return 0;
  snprintf (path, sizeof path, "/exec/%s/json", eid);
  cleanup_response struct cli_response resp = { 0 };
  if ((r = cli_http_get_json (ctx->http, path, &resp, err)) < 0)
    return r;
  return (int) (cli_json_int (resp.json, "ExitCode", 0) & 0xff);
}

static int
exec_run (struct cli_ctx *ctx, const struct cli_args *args, struct cd_err *err)
{
  int detach = cli_args_bool (args, "detach"), tty = cli_args_bool (args, "tty");
  int in = cli_args_bool (args, "interactive");
  unsigned char k[CD_DETACH_KEYS_MAX];
  size_t nk;
  const char *keys = cli_args_str (args, "detach-keys");
  if (keys && *keys && cd_detach_keys_parse (keys, k, &nk, err) < 0)
    return cd_err_wrap (err, "Invalid detach keys (%s) provided", keys);
  cleanup_free char *path = cli_ctr_path (args->argv[0], "/exec");
  json_object *body = exec_body (args, tty, in, detach);
  cleanup_response struct cli_response resp = { 0 };
  int r = path ? cli_http_call (ctx->http, "POST", path, body, &resp, err)
               : cd_err_set (err, ENOMEM, "out of memory");
  json_object_put (body);
  if (r < 0)
    return r;
  const char *eid = cli_json_strd (resp.json, "Id", NULL);
  if (eid == NULL)
    return cd_err_set (err, EPROTO, "the daemon answered no exec ID");
  if (!detach)
    return exec_start (ctx, eid, tty, in, keys, err);
  char spath[128];
  snprintf (spath, sizeof spath, "/exec/%s/start", eid);
  json_object *sb = json_object_new_object ();
  json_object_object_add (sb, "Detach", json_object_new_boolean (1));
  json_object_object_add (sb, "Tty", json_object_new_boolean (tty));
  cleanup_response struct cli_response sresp = { 0 };
  r = cli_http_call (ctx->http, "POST", spath, sb, &sresp, err);
  json_object_put (sb);
  return r < 0 ? r : 0;
}

const struct cli_cmd cli_cmd_exec = {
  .name = "exec",
  .summary = "Run a command in a running container",
  .usage = "[OPTIONS] CONTAINER COMMAND [ARG...]",
  .flags = exec_flags,
  .min_args = 2,
  .max_args = -1,
  .stop_at_positional = 1,
  .run = exec_run,
};
