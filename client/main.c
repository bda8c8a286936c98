/* cdctl: the command-line client of cdaemon. Parses the global flags, then
 * hands the rest to a command from the table in client/commands.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "client/cli.h"
#include "client/http.h"

static const struct cli_flag global_flags[] = {
  { "debug", 'D', CLI_FLAG_BOOL, NULL, "Enable debug mode (log every API request)", NULL, NULL },
  { "help", 'h', CLI_FLAG_BOOL, NULL, "Print usage", NULL, NULL },
  { "host", 'H', CLI_FLAG_STRING, NULL,
    "Daemon socket to connect to: unix:///path\n(default $" CLI_HOST_ENV ", else " CLI_DEFAULT_HOST
    ")",
    NULL, NULL },
  { "version", 'v', CLI_FLAG_BOOL, NULL, "Print version information and quit", NULL, NULL },
  { NULL, 0, 0, NULL, NULL, NULL, NULL },
};

static const struct cli_cmd root = {
  .name = CLI_PROG,
  .summary = "Manage containers with cdaemon",
  .usage = "[OPTIONS] COMMAND",
  .description = "A Docker-compatible client for cdaemon, the container engine",
  .flags = global_flags,
  .subcmds = cli_commands,
};

static int run_cmd (struct cli_ctx *ctx, const char *path, const struct cli_cmd *cmd, int argc,
                    char **argv);

static int
usage_error (const char *path, const struct cli_cmd *cmd, const char *msg, int status)
{
  fprintf (stderr, "%s\n", msg);
  cli_cmd_usage_hint (stderr, path, cmd);
  return status;
}

/* argv[0] names a member of group; run it with the rest. */
static int
dispatch (struct cli_ctx *ctx, const char *path, const struct cli_cmd *group, int argc, char **argv)
{
  const struct cli_cmd *cmd = cli_cmd_find (group->subcmds, argv[0]);
  if (cmd == NULL)
    {
      fprintf (stderr,
               CLI_PROG ": unknown command: %s %s\n\nRun '%s --help' for more information\n", path,
               argv[0], path);
      return CLI_EXIT_FAIL;
    }
  char sub[256];
  snprintf (sub, sizeof sub, "%s %s", path, cmd->name);
  return run_cmd (ctx, sub, cmd, argc, argv);
}

static int
run_cmd (struct cli_ctx *ctx, const char *path, const struct cli_cmd *cmd, int argc, char **argv)
{
  struct cd_err err = { 0 };
  struct cli_args args;
  int fail = cmd->fail_status ? cmd->fail_status : CLI_EXIT_FAIL;
  int r = cli_args_parse (&args, cmd->flags, cmd->stop_at_positional || cmd->subcmds, argc, argv,
                          &err);
  if (r < 0)
    r = usage_error (path, cmd, err.msg, CLI_EXIT_USAGE);
  else if (args.help || (cmd->subcmds && args.argc == 0))
    {
      cli_cmd_help (stdout, path, cmd);
      r = 0;
    }
  else if (cmd->subcmds)
    r = dispatch (ctx, path, cmd, args.argc, args.argv);
  else if (cli_cmd_check_args (path, cmd, args.argc, &err) < 0)
    r = usage_error (path, cmd, err.msg, fail);
  else if ((r = cmd->run (ctx, &args, &err)) < 0)
    {
      fflush (ctx->out);
      if (err.msg[0])
        fprintf (stderr, "%s\n", err.msg);
      r = fail;
    }
  cli_args_free (&args);
  return r;
}

/* `cdctl help [COMMAND...]` */
static int
help_cmd (int argc, char **argv)
{
  const struct cli_cmd *cmd = &root;
  char path[256] = CLI_PROG;
  for (int i = 1; i < argc; i++)
    {
      const struct cli_cmd *sub = cli_cmd_find (cmd->subcmds, argv[i]);
      if (sub == NULL)
        {
          fprintf (stderr, CLI_PROG ": unknown help topic: %s\n", argv[i]);
          return CLI_EXIT_FAIL;
        }
      cmd = sub;
      size_t n = strlen (path);
      snprintf (path + n, sizeof path - n, " %s", cmd->name);
    }
  cli_cmd_help (stdout, path, cmd);
  return 0;
}

static int
run_root (struct cli_ctx *ctx, const struct cli_args *args)
{
  struct cd_err err = { 0 };
  if (cli_args_bool (args, "version"))
    {
      printf ("%s version %s%s%s\n", CLI_PROG, CDCTL_VERSION, CDCTL_GIT_COMMIT[0] ? ", build " : "",
              CDCTL_GIT_COMMIT);
      return 0;
    }
  if (args->help || args->argc == 0)
    {
      cli_cmd_help (stdout, CLI_PROG, &root);
      return 0;
    }
  if (strcmp (args->argv[0], "help") == 0)
    return help_cmd (args->argc, args->argv);
  ctx->debug = cli_args_bool (args, "debug");
  if (ctx->debug)
    cd_log_set_level (CD_LOG_DEBUG);
  ctx->host = cli_host_choose (cli_args_str (args, "host"));
  if (cli_http_new (ctx->host, ctx->debug, &ctx->http, &err) < 0)
    {
      fprintf (stderr, "%s\n", err.msg);
      return CLI_EXIT_FAIL;
    }
  int r = dispatch (ctx, CLI_PROG, &root, args->argc, args->argv);
  cli_http_free (ctx->http);
  ctx->http = NULL;
  return r;
}

int
main (int argc, char **argv)
{
  struct cd_err err = { 0 };
  struct cli_args args;
  struct cli_ctx ctx = { .out = stdout };
  int r;

  if (cli_args_parse (&args, global_flags, 1, argc, argv, &err) < 0)
    r = usage_error (CLI_PROG, &root, err.msg, CLI_EXIT_USAGE);
  else
    r = run_root (&ctx, &args);
  cli_args_free (&args);
  if (fflush (stdout) != 0 && r == 0)
    r = CLI_EXIT_FAIL;
  return r;
}
