/* cdctl's command model. Every command is one `const struct cli_cmd` defined
 * in its own client/cmd_*.c and listed once in client/commands.c. */
#ifndef CLI_H
#define CLI_H

#include <stdio.h>

#include "err.h"
#include "client/flags.h"

#define CLI_PROG "cdctl"
#define CLI_API_VERSION "1.41"
#define CLI_DEFAULT_HOST "unix:///run/cdaemon.sock"
#define CLI_HOST_ENV "CDAEMON_HOST"

#ifndef CDCTL_VERSION
#define CDCTL_VERSION "0.1.0-dev"
#endif
#ifndef CDCTL_GIT_COMMIT
#define CDCTL_GIT_COMMIT ""
#endif

/* Exit statuses as the docker CLI uses them: 1 for a failed command (daemon
 * error, no connection, wrong number of arguments, unknown command) and 125
 * for a bad flag (unknown flag, missing flag value, invalid flag value). */
#define CLI_EXIT_FAIL 1
#define CLI_EXIT_USAGE 125

struct cli_http;

/* What every command gets: the connection and where to print. */
struct cli_ctx
{
  struct cli_http *http; /* connects lazily, on the first request */
  const char *host;      /* "unix:///run/cdaemon.sock" */
  FILE *out;             /* stdout; results go here, diagnostics to stderr */
  int debug;             /* -D: log every request */
};

struct cli_cmd;

/* Returns the process exit status (>= 0), or a negative errno with err set:
 * main prints err->msg to stderr and exits with cmd->fail_status (or 1). */
typedef int (*cli_run_fn) (struct cli_ctx *ctx, const struct cli_args *args, struct cd_err *err);

struct cli_cmd
{
  const char *name;                     /* "events" */
  const char *const *aliases;           /* NULL or NULL-terminated: { "ls", NULL } */
  const char *summary;                  /* one line for `cdctl --help` */
  const char *usage;                    /* after the command path: "[OPTIONS] CONTAINER" */
  const char *description;              /* longer help text; NULL: summary */
  const struct cli_flag *flags;         /* NULL or ended by an entry with name NULL */
  int min_args;                         /* positional arguments */
  int max_args;                         /* -1: unlimited */
  int stop_at_positional;               /* flags end at the first word (run, exec) */
  int fail_status;                      /* exit status on error; 0 means 1 */
  cli_run_fn run;                       /* NULL for a group such as `system` */
  const struct cli_cmd *const *subcmds; /* group members, NULL-terminated */
};

/* The top-level command table (client/commands.c), NULL-terminated. */
extern const struct cli_cmd *const cli_commands[];

/* Finds name (or an alias) in a NULL-terminated table; NULL when absent. */
const struct cli_cmd *cli_cmd_find (const struct cli_cmd *const *table, const char *name);

/* Prints `Usage:  <path> <usage>`, the description and the options. */
void cli_cmd_help (FILE *f, const char *path, const struct cli_cmd *cmd);

/* Prints the "Commands:" block of a table (name and summary). */
void cli_cmd_list (FILE *f, const struct cli_cmd *const *table);

/* Prints the hint after a usage error:
 * "\nUsage:  cdctl events [OPTIONS]\n\nRun 'cdctl events --help' for more information\n" */
void cli_cmd_usage_hint (FILE *f, const char *path, const struct cli_cmd *cmd);

/* Checks the positional argument count against min_args/max_args; sets the
 * docker message "'cdctl version' accepts no arguments". */
int cli_cmd_check_args (const char *path, const struct cli_cmd *cmd, int argc, struct cd_err *err);

/* Prints "WARNING [y/N] " and reads a line: true for "y" or "Y" (docker's
 * PromptForConfirmation). */
int cli_confirm (FILE *out, const char *warning);

#endif
