/* cdctl stop, restart, kill, rm, wait, rename, logs and inspect. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cleanup.h"
#include "client/cmd_containers.h"
#include "client/cmd_images.h"
#include "client/commands.h"
#include "client/jsonget.h"
#include "client/timestamp.h"
#include "client/url.h"

/* POST /containers/{id}<suffix> with q's parameters. */
static int
post_ctr (struct cli_ctx *ctx, const char *method, const char *id, const char *suffix,
          struct cli_query *q, struct cd_err *err)
{
  cleanup_free char *base = cli_ctr_path (id, suffix);
  cleanup_free char *path = base ? cli_query_finish (q, base) : NULL;
  if (base == NULL)
    cli_query_free (q);
  if (path == NULL)
    return cd_err_set (err, ENOMEM, "out of memory");
  cleanup_response struct cli_response resp = { 0 };
  return cli_http_call (ctx->http, method, path, NULL, &resp, err);
}

/* ---- stop, restart ---- */

static int
stop_one (struct cli_ctx *ctx, const struct cli_args *args, const char *id, struct cd_err *err)
{
  struct cli_query q = { 0 };
  if (cli_args_isset (args, "timeout"))
    cli_query_add_int (&q, "t", cli_args_int (args, "timeout"));
  if (cli_args_isset (args, "signal"))
    cli_query_add (&q, "signal", cli_args_str (args, "signal"));
  return post_ctr (ctx, "POST", id, "/stop", &q, err);
}

static int
restart_one (struct cli_ctx *ctx, const struct cli_args *args, const char *id,
             struct cd_err *err)
{
  struct cli_query q = { 0 };
  if (cli_args_isset (args, "timeout"))
    cli_query_add_int (&q, "t", cli_args_int (args, "timeout"));
  if (cli_args_isset (args, "signal"))
    cli_query_add (&q, "signal", cli_args_str (args, "signal"));
  return post_ctr (ctx, "POST", id, "/restart", &q, err);
}

static int
stop_run (struct cli_ctx *ctx, const struct cli_args *args, struct cd_err *err)
{
  return cli_ctr_each (ctx, args, stop_one, 1, err);
}

static int
restart_run (struct cli_ctx *ctx, const struct cli_args *args, struct cd_err *err)
{
  return cli_ctr_each (ctx, args, restart_one, 1, err);
}

static const struct cli_flag stop_flags[] = {
  { "signal", 's', CLI_FLAG_STRING, "string", "Signal to send to the container", NULL, NULL },
  { "timeout", 't', CLI_FLAG_INT, "int", "Seconds to wait before killing the container", NULL,
    NULL },
  { NULL, 0, 0, NULL, NULL, NULL, NULL },
};

const struct cli_cmd cli_cmd_stop = {
  .name = "stop",
  .summary = "Stop one or more running containers",
  .usage = "[OPTIONS] CONTAINER [CONTAINER...]",
  .flags = stop_flags,
  .min_args = 1,
  .max_args = -1,
  .run = stop_run,
};

const struct cli_cmd cli_cmd_restart = {
  .name = "restart",
  .summary = "Restart one or more containers",
  .usage = "[OPTIONS] CONTAINER [CONTAINER...]",
  .flags = stop_flags,
  .min_args = 1,
  .max_args = -1,
  .run = restart_run,
};

/* ---- kill ---- */

static int
kill_one (struct cli_ctx *ctx, const struct cli_args *args, const char *id, struct cd_err *err)
{
  struct cli_query q = { 0 };
  const char *sig = cli_args_str (args, "signal");
  if (sig && *sig)
    cli_query_add (&q, "signal", sig);
  return post_ctr (ctx, "POST", id, "/kill", &q, err);
}

static int
kill_run (struct cli_ctx *ctx, const struct cli_args *args, struct cd_err *err)
{
  return cli_ctr_each (ctx, args, kill_one, 1, err);
}

static const struct cli_flag kill_flags[] = {
  { "signal", 's', CLI_FLAG_STRING, "string", "Signal to send to the container", NULL, NULL },
  { NULL, 0, 0, NULL, NULL, NULL, NULL },
};

const struct cli_cmd cli_cmd_kill = {
  .name = "kill",
  .summary = "Kill one or more running containers",
  .usage = "[OPTIONS] CONTAINER [CONTAINER...]",
  .flags = kill_flags,
  .min_args = 1,
  .max_args = -1,
  .run = kill_run,
};

/* ---- rm ---- */

static int
rm_one (struct cli_ctx *ctx, const struct cli_args *args, const char *id, struct cd_err *err)
{
  struct cli_query q = { 0 };
  cli_query_add_bool (&q, "force", cli_args_bool (args, "force"));
  cli_query_add_bool (&q, "v", cli_args_bool (args, "volumes"));
  return post_ctr (ctx, "DELETE", id, "", &q, err);
}

static int
rm_run (struct cli_ctx *ctx, const struct cli_args *args, struct cd_err *err)
{
  return cli_ctr_each (ctx, args, rm_one, 1, err);
}

static const struct cli_flag rm_flags[] = {
  { "force", 'f', CLI_FLAG_BOOL, NULL, "Force the removal of a running container (uses SIGKILL)",
    NULL, NULL },
  { "volumes", 'v', CLI_FLAG_BOOL, NULL,
    "Remove anonymous volumes associated with the container", NULL, NULL },
  { NULL, 0, 0, NULL, NULL, NULL, NULL },
};

const struct cli_cmd cli_cmd_rm = {
  .name = "rm",
  .summary = "Remove one or more containers",
  .usage = "[OPTIONS] CONTAINER [CONTAINER...]",
  .flags = rm_flags,
  .min_args = 1,
  .max_args = -1,
  .run = rm_run,
};

static const char *const rm_aliases[] = { "remove", NULL };

const struct cli_cmd cli_cmd_container_rm = {
  .name = "rm",
  .aliases = rm_aliases,
  .summary = "Remove one or more containers",
  .usage = "[OPTIONS] CONTAINER [CONTAINER...]",
  .flags = rm_flags,
  .min_args = 1,
  .max_args = -1,
  .run = rm_run,
};

/* ---- wait ---- */

static int
wait_one (struct cli_ctx *ctx, const struct cli_args *args, const char *id, struct cd_err *err)
{
  (void) args;
  int64_t code = 0;
  int r = cli_ctr_wait (ctx, id, "not-running", &code, err);
  if (r == 0)
    {
      fprintf (ctx->out, "%lld\n", (long long) code);
      fflush (ctx->out);
    }
  return r;
}

static int
wait_run (struct cli_ctx *ctx, const struct cli_args *args, struct cd_err *err)
{
  return cli_ctr_each (ctx, args, wait_one, 0, err);
}

const struct cli_cmd cli_cmd_wait = {
  .name = "wait",
  .summary = "Block until one or more containers stop, then print their exit codes",
  .usage = "CONTAINER [CONTAINER...]",
  .min_args = 1,
  .max_args = -1,
  .run = wait_run,
};

/* ---- rename ---- */

static int
rename_run (struct cli_ctx *ctx, const struct cli_args *args, struct cd_err *err)
{
  const char *name = args->argv[1];
  while (*name == '/')
    name++;
  if (*name == '\0')
    return cd_err_set (err, EINVAL, "Error: Neither old nor new names may be empty");
  struct cli_query q = { 0 };
  cli_query_add (&q, "name", name);
  return post_ctr (ctx, "POST", args->argv[0], "/rename", &q, err);
}

const struct cli_cmd cli_cmd_rename = {
  .name = "rename",
  .summary = "Rename a container",
  .usage = "CONTAINER NEW_NAME",
  .min_args = 2,
  .max_args = 2,
  .run = rename_run,
};
