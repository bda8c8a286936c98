/* cdctl attach, and the attach of run -i/-t and start -a: POST
 * /containers/{id}/attach?stream=1 hijacked before the start, so nothing
 * of the output is missed; then the exit code from wait. */
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

int
cli_ctr_attach_run (struct cli_ctx *ctx, const char *id, bool in, bool tty, const char *keys,
                    bool start, struct cd_err *err)
{
  struct cli_stream st = { .tty = tty, .in = in };
  int r = cli_stream_keys (&st, keys, err);
  if (r < 0)
    return r;
  char path[512], base[128];
  snprintf (base, sizeof base, "/containers/%s", id);
  snprintf (path, sizeof path, "%s/attach?stream=1&stdout=1&stderr=1%s", base,
            in ? "&stdin=1" : "");
  if ((r = cli_hijack (ctx, "POST", path, NULL, &st.fd, &st.pre, &st.pre_len, err)) < 0)
    return r;
  if (start)
    {
      snprintf (path, sizeof path, "%s/start", base);
      cleanup_response struct cli_response resp = { 0 };
      if (cli_http_call (ctx->http, "POST", path, NULL, &resp, err) < 0)
        {
          close (st.fd);
          free (st.pre);
          return -ECANCELED;
        }
    }
  struct cli_resize_ctx rc = { ctx, base };
  if (tty && isatty (STDOUT_FILENO))
    {
      st.resize = cli_resize_tty;
      st.resize_ctx = &rc;
    }
  if ((r = cli_stream_run (&st, ctx->out, err)) < 0)
    return r;
  if (st.detached)
    return CLI_ATTACH_DETACHED;
  int64_t code = 0;
  r = cli_ctr_wait (ctx, id, "not-running", &code, err);
  return r < 0 ? r : (int) (code & 0xff);
}

static int
attach_run (struct cli_ctx *ctx, const struct cli_args *args, struct cd_err *err)
{
  cleanup_response struct cli_response resp = { 0 };
  int r = cli_ctr_inspect (ctx, args->argv[0], &resp, err);
  if (r < 0)
    return r;
  if (!cli_json_bool (resp.json, "State.Running", 0))
    return cd_err_set (err, EINVAL, "You cannot attach to a stopped container, start it first");
  bool in = !cli_args_bool (args, "no-stdin") && cli_json_bool (resp.json, "Config.OpenStdin", 0);
  r = cli_ctr_attach_run (ctx, cli_json_strd (resp.json, "Id", args->argv[0]), in,
                          cli_json_bool (resp.json, "Config.Tty", 0),
                          cli_args_str (args, "detach-keys"), false, err);
  if (r == CLI_ATTACH_DETACHED)
    {
      fprintf (stderr, "read escape sequence\n");
      return 0;
    }
  return r;
}

static const struct cli_flag attach_flags[] = {
  { "detach-keys", 0, CLI_FLAG_STRING, "string",
    "Override the key sequence for detaching a container", NULL, NULL },
  { "no-stdin", 0, CLI_FLAG_BOOL, NULL, "Do not attach STDIN", NULL, NULL },
  { "sig-proxy", 0, CLI_FLAG_BOOL, NULL, "Proxy all received signals to the process", "true",
    NULL },
  { NULL, 0, 0, NULL, NULL, NULL, NULL },
};

const struct cli_cmd cli_cmd_attach = {
  .name = "attach",
  .summary = "Attach local standard input, output, and error streams to a running container",
  .usage = "[OPTIONS] CONTAINER",
  .flags = attach_flags,
  .min_args = 1,
  .max_args = 1,
  .run = attach_run,
};
