/* cdctl run, create and start. Without an attach endpoint, the foreground
 * run starts the container, follows its logs and then waits for its exit. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cleanup.h"
#include "client/cmd_containers.h"
#include "client/cmd_containers_res.h"
#include "client/cmd_containers_sec.h"
#include "client/commands.h"
#include "client/jsonget.h"
#include "client/url.h"
#include "client/attach.h"

#define CREATE_FLAGS                                                                             \
  { "entrypoint", 0, CLI_FLAG_STRING, "string", "Overwrite the default ENTRYPOINT of the image", \
    NULL, NULL },                                                                                \
  { "env", 'e', CLI_FLAG_LIST, "list", "Set environment variables", NULL, NULL },                \
  { "env-file", 0, CLI_FLAG_LIST, "list", "Read in a file of environment variables", NULL,      \
    NULL },                                                                                      \
  { "hostname", 'h', CLI_FLAG_STRING, "string", "Container host name", NULL, NULL },             \
  { "interactive", 'i', CLI_FLAG_BOOL, NULL, "Keep STDIN open even if not attached", NULL, NULL }, \
  { "tty", 't', CLI_FLAG_BOOL, NULL, "Allocate a pseudo-TTY", NULL, NULL },                      \
  { "init", 0, CLI_FLAG_BOOL, NULL,                                                              \
    "Run an init inside the container that forwards signals and reaps\nprocesses", NULL, NULL }, \
  { "label", 'l', CLI_FLAG_LIST, "list", "Set meta data on a container", NULL, NULL },           \
  { "log-opt", 0, CLI_FLAG_LIST, "list", "Log driver options", NULL, NULL },                     \
  { "mount", 0, CLI_FLAG_LIST, "mount", "Attach a filesystem mount to the container", NULL,       \
    NULL },                                                                                      \
  { "name", 0, CLI_FLAG_STRING, "string", "Assign a name to the container", NULL, NULL },        \
  { "network", 0, CLI_FLAG_STRING, "network", "Connect a container to a network (none, host)",   \
    NULL, NULL },                                                                                \
  { "restart", 0, CLI_FLAG_STRING, "string", "Restart policy to apply when a container exits",   \
    "no", NULL },                                                                                \
  { "rm", 0, CLI_FLAG_BOOL, NULL,                                                                \
    "Automatically remove the container and its associated anonymous volumes\nwhen it exits",    \
    NULL, NULL },                                                                                \
  { "stop-signal", 0, CLI_FLAG_STRING, "string", "Signal to stop the container", NULL, NULL },   \
  { "stop-timeout", 0, CLI_FLAG_INT, "int", "Timeout (in seconds) to stop a container", NULL,    \
    NULL },                                                                                      \
  { "user", 'u', CLI_FLAG_STRING, "string",                                                      \
    "Username or UID (format: <name|uid>[:<group|gid>])", NULL, NULL },                          \
  { "volume", 'v', CLI_FLAG_LIST, "list", "Bind mount a volume", NULL, NULL },                   \
  { "volumes-from", 0, CLI_FLAG_LIST, "list", "Mount volumes from the specified container(s)",   \
    NULL, NULL },                                                                                \
  { "workdir", 'w', CLI_FLAG_STRING, "string", "Working directory inside the container", NULL,  \
    NULL },                                                                                      \
  CLI_CTR_SEC_FLAGS

const struct cli_flag cli_ctr_create_flags[] = {
  CREATE_FLAGS,
  CLI_RESOURCE_FLAGS,
  { NULL, 0, 0, NULL, NULL, NULL, NULL },
};

static const struct cli_flag run_flags[] = {
  { "detach", 'd', CLI_FLAG_BOOL, NULL, "Run container in background and print container ID",
    NULL, NULL },
  { "detach-keys", 0, CLI_FLAG_STRING, "string",
    "Override the key sequence for detaching a container", NULL, NULL },
  CREATE_FLAGS,
  CLI_RESOURCE_FLAGS,
  { NULL, 0, 0, NULL, NULL, NULL, NULL },
};

/* ---- create ---- */

static int
create_run (struct cli_ctx *ctx, const struct cli_args *args, struct cd_err *err)
{
  cleanup_free char *id = NULL;
  int r = cli_ctr_create (ctx, args, cli_args_bool (args, "rm"), &id, err);
  if (r < 0)
    return r;
  fprintf (ctx->out, "%s\n", id);
  return 0;
}

const struct cli_cmd cli_cmd_create = {
  .name = "create",
  .summary = "Create a new container",
  .usage = "[OPTIONS] IMAGE [COMMAND] [ARG...]",
  .flags = cli_ctr_create_flags,
  .min_args = 1,
  .max_args = -1,
  .stop_at_positional = 1,
  .fail_status = CLI_EXIT_USAGE,
  .run = create_run,
};

/* ---- run ---- */

static int
remove_ctr (struct cli_ctx *ctx, const char *id)
{
  struct cd_err err = { 0 };
  cleanup_free char *path = cli_ctr_path (id, "?force=1&v=1");
  cleanup_response struct cli_response resp = { 0 };
  if (path == NULL || cli_http_call (ctx->http, "DELETE", path, NULL, &resp, &err) < 0)
    {
      fprintf (stderr, "%s\n", path ? err.msg : "out of memory");
      return -1;
    }
  return 0;
}

/* docker's runStartContainerErr, for when the container is gone. */
static int
start_err_status (const char *msg)
{
  if (strstr (msg, "executable file not found") || strstr (msg, "no such file or directory"))
    return 127;
  if (strstr (msg, "permission denied") || strstr (msg, "is a directory"))
    return 126;
  return CLI_EXIT_USAGE;
}

/* A failed start: the message, then the exit code the container recorded. */
static int
start_failed (struct cli_ctx *ctx, const char *id, int rm, struct cd_err *err)
{
  fflush (ctx->out);
  fprintf (stderr, CLI_PROG ": %s\n", err->msg);
  int status = start_err_status (err->msg);
  struct cd_err ierr = { 0 };
  cleanup_response struct cli_response resp = { 0 };
  if (cli_ctr_inspect (ctx, id, &resp, &ierr) == 0)
    {
      int64_t code = cli_json_int (resp.json, "State.ExitCode", 0);
      if (code > 0 && code < 256)
        status = (int) code;
    }
  if (rm)
    remove_ctr (ctx, id);
  return status;
}

static int
start_ctr (struct cli_ctx *ctx, const char *id, struct cd_err *err)
{
  cleanup_free char *path = cli_ctr_path (id, "/start");
  if (path == NULL)
    return cd_err_set (err, ENOMEM, "out of memory");
  cleanup_response struct cli_response resp = { 0 };
  return cli_http_call (ctx->http, "POST", path, NULL, &resp, err);
}

/* Follows the logs of a started container, then waits for its exit code. */
static int
follow_and_wait (struct cli_ctx *ctx, const char *id, int tty, struct cd_err *err)
{
  int r = cli_ctr_follow_logs (ctx, id, tty, err);
  if (r < 0)
    return r;
  fflush (ctx->out);
  int64_t code = 0;
  r = cli_ctr_wait (ctx, id, "not-running", &code, err);
  return r < 0 ? r : (int) (code & 0xff);
}

static int
run_run (struct cli_ctx *ctx, const struct cli_args *args, struct cd_err *err)
{
  int detach = cli_args_bool (args, "detach"), rm = cli_args_bool (args, "rm");
  cleanup_free char *id = NULL;
  int r = cli_ctr_create (ctx, args, rm && detach, &id, err);
  if (r < 0)
    {
      if (r != -ECONNREFUSED && r != -EACCES)
        cd_err_wrap (err, CLI_PROG);
      return r;
    }
  /* attached before the start, as docker does: the output comes straight
   * from the monitor, byte for byte, whatever the log rotation does */
  if (!detach)
    {
      r = cli_ctr_attach_run (ctx, id, cli_args_bool (args, "interactive"),
                              cli_args_bool (args, "tty"), cli_args_str (args, "detach-keys"),
                              true, err);
      if (r == -ECANCELED)
        return start_failed (ctx, id, rm, err);
      if (r >= 0 && rm && r != CLI_ATTACH_DETACHED && remove_ctr (ctx, id) < 0)
        return CLI_EXIT_USAGE;
      return r == CLI_ATTACH_DETACHED ? 0 : r;
    }
  if (start_ctr (ctx, id, err) < 0)
    return start_failed (ctx, id, rm && !detach, err);
  if (detach)
    {
      fprintf (ctx->out, "%s\n", id);
      return 0;
    }
  r = follow_and_wait (ctx, id, 0, err);
  if (r >= 0 && rm && remove_ctr (ctx, id) < 0)
    return CLI_EXIT_USAGE;
  return r;
}

const struct cli_cmd cli_cmd_run = {
  .name = "run",
  .summary = "Create and run a new container from an image",
  .usage = "[OPTIONS] IMAGE [COMMAND] [ARG...]",
  .flags = run_flags,
  .min_args = 1,
  .max_args = -1,
  .stop_at_positional = 1,
  .fail_status = CLI_EXIT_USAGE,
  .run = run_run,
};

/* ---- start ---- */

static int
start_one (struct cli_ctx *ctx, const struct cli_args *args, const char *id, struct cd_err *err)
{
  (void) args;
  return start_ctr (ctx, id, err);
}

/* start -a: one container, its output from now on, its exit code. */
static int
start_attach (struct cli_ctx *ctx, const char *id, struct cd_err *err)
{
  cleanup_response struct cli_response resp = { 0 };
  int r = cli_ctr_inspect (ctx, id, &resp, err);
  if (r < 0)
    return r;
  const char *full = cli_json_strd (resp.json, "Id", id);
  int tty = cli_json_bool (resp.json, "Config.Tty", 0);
  struct timespec now;
  clock_gettime (CLOCK_REALTIME, &now);
  char since[64];
  snprintf (since, sizeof since, "%lld.%09ld", (long long) now.tv_sec, now.tv_nsec);
  if ((r = start_ctr (ctx, full, err)) < 0)
    return r;
  struct cli_demux d = { .out = ctx->out, .errf = stderr, .raw = tty };
  cleanup_free char *base = cli_ctr_path (full, "/logs?stdout=1&stderr=1&follow=1");
  struct cli_query q = { 0 };
  cli_query_add (&q, "since", since);
  cleanup_free char *path = base ? cli_query_finish (&q, base) : NULL;
  if (path == NULL)
    return cd_err_set (err, ENOMEM, "out of memory");
  path[strlen (base)] = '&'; /* base already has a query */
  if ((r = cli_http_stream (ctx->http, "GET", path, cli_demux_feed, &d, err)) < 0)
    return r;
  fflush (ctx->out);
  int64_t code = 0;
  r = cli_ctr_wait (ctx, full, "not-running", &code, err);
  return r < 0 ? r : (int) (code & 0xff);
}

static int
start_run (struct cli_ctx *ctx, const struct cli_args *args, struct cd_err *err)
{
  if (cli_args_bool (args, "attach") && args->argc == 1)
    {
      cleanup_response struct cli_response resp = { 0 };
      int r = cli_ctr_inspect (ctx, args->argv[0], &resp, err);
      if (r < 0)
        return r;
      r = cli_ctr_attach_run (ctx, cli_json_strd (resp.json, "Id", args->argv[0]),
                              cli_args_bool (args, "interactive"),
                              cli_json_bool (resp.json, "Config.Tty", 0),
                              cli_args_str (args, "detach-keys"), true, err);
      return r == CLI_ATTACH_DETACHED ? 0 : r;
    }
  if (!cli_args_bool (args, "attach"))
    return cli_ctr_each (ctx, args, start_one, 1, err);
  if (args->argc > 1)
    return cd_err_set (err, EINVAL, "you cannot start and attach multiple containers at once");
  return start_attach (ctx, args->argv[0], err);
}

static const struct cli_flag start_flags[] = {
  { "attach", 'a', CLI_FLAG_BOOL, NULL, "Attach STDOUT/STDERR and forward signals", NULL, NULL },
  { "detach-keys", 0, CLI_FLAG_STRING, "string",
    "Override the key sequence for detaching a container", NULL, NULL },
  { "interactive", 'i', CLI_FLAG_BOOL, NULL, "Attach container's STDIN", NULL, NULL },
  { NULL, 0, 0, NULL, NULL, NULL, NULL },
};

const struct cli_cmd cli_cmd_start = {
  .name = "start",
  .summary = "Start one or more stopped containers",
  .usage = "[OPTIONS] CONTAINER [CONTAINER...]",
  .flags = start_flags,
  .min_args = 1,
  .max_args = -1,
  .run = start_run,
};
