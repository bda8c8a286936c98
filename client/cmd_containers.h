/* Shared by the container commands (client/cmd_containers*.c): API paths,
 * the multiplexed log stream, create bodies, waiting, and the group. */
#ifndef CLI_CMD_CONTAINERS_H
#define CLI_CMD_CONTAINERS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "err.h"
#include "client/cli.h"
#include "client/http.h"

/* "/containers/<escaped id><suffix>", malloc'd (NULL on ENOMEM). */
char *cli_ctr_path (const char *id, const char *suffix);

/* Docker's stdcopy: splits the 8-byte-header frames of a logs body into
 * out (stream 0/1) and errf (stream 2); raw copies everything to out. */
struct cli_demux
{
  FILE *out, *errf;
  int raw;
  unsigned char hdr[8];
  size_t hlen;
  uint64_t left;
  int stream;
};
int cli_demux_feed (const char *data, size_t len, void *demux, struct cd_err *err);

/* GET /containers/{id}/logs with follow and both streams, demultiplexed
 * onto ctx->out and stderr until the container stops. */
int cli_ctr_follow_logs (struct cli_ctx *ctx, const char *id, int tty, struct cd_err *err);

/* POST /containers/{id}/wait?condition=...: the StatusCode. */
int cli_ctr_wait (struct cli_ctx *ctx, const char *id, const char *condition, int64_t *code,
                  struct cd_err *err);

/* GET /containers/{id}/json into resp (resp->json set). */
int cli_ctr_inspect (struct cli_ctx *ctx, const char *id, struct cli_response *resp,
                     struct cd_err *err);

/* Runs fn on every positional argument (stop, kill, rm, ...): prints each
 * argument that succeeded on ctx->out when print is set, collects the
 * errors one per line in err and fails with -EIO if any. */
typedef int (*cli_ctr_each_fn) (struct cli_ctx *ctx, const struct cli_args *args,
                                const char *id, struct cd_err *err);
int cli_ctr_each (struct cli_ctx *ctx, const struct cli_args *args, cli_ctr_each_fn fn,
                  int print, struct cd_err *err);

/* The flags of `create` and `run` (run adds -d and more, cmd_containers_run.c). */
extern const struct cli_flag cli_ctr_create_flags[];

/* Builds the create body from the create flags, the image argv[0] and the
 * command argv[1..]; auto_remove sets HostConfig.AutoRemove. */
int cli_ctr_create_body (const struct cli_args *args, int auto_remove, json_object **out,
                         struct cd_err *err);

/* POST /containers/create?name=; *id is malloc'd. Prints warnings to stderr. */
int cli_ctr_create (struct cli_ctx *ctx, const struct cli_args *args, int auto_remove,
                    char **id, struct cd_err *err);

/* The container commands, for the `container` group. */
extern const struct cli_cmd cli_cmd_container_ls;
extern const struct cli_cmd cli_cmd_container_rm;
extern const struct cli_cmd cli_cmd_container_inspect;
extern const struct cli_cmd cli_cmd_container_prune;

#endif
