/* Attaching to a container (cdctl attach, run -i/-t, start -a -i). */
#ifndef CLI_ATTACH_H
#define CLI_ATTACH_H

#include <stdbool.h>

#include "client/cli.h"

#define CLI_ATTACH_DETACHED 1000

/* Attaches (stdin when in), optionally starts the container, relays until
 * it ends, then returns its exit code from wait; CLI_ATTACH_DETACHED when
 * the user typed the detach keys; -ECANCELED with err set when the start
 * failed. */
int cli_ctr_attach_run (struct cli_ctx *ctx, const char *id, bool in, bool tty,
                        const char *keys, bool start, struct cd_err *err);

/* cmd_exec.c: parses --detach-keys (default ctrl-p,ctrl-q). */
struct cli_stream;
int cli_stream_keys (struct cli_stream *st, const char *spec, struct cd_err *err);
void cli_resize_tty (void *rc);

struct cli_resize_ctx
{
  struct cli_ctx *ctx;
  const char *base;   /* "/exec/ID" or "/containers/ID" */
};

#endif
