/* cdctl image COMMAND: the image commands under one group, as docker's
 * `docker image` (ls, rm, inspect, prune and the top-level ones). */
#include "client/cmd_images.h"
#include "client/commands.h"

static const struct cli_cmd *const image_cmds[] = {
  &cli_cmd_history,
  &cli_cmd_import,
  &cli_cmd_image_inspect,
  &cli_cmd_load,
  &cli_cmd_image_ls,
  &cli_cmd_image_prune,
  &cli_cmd_image_rm,
  &cli_cmd_save,
  &cli_cmd_tag,
  NULL,
};

const struct cli_cmd cli_cmd_image = {
  .name = "image",
  .summary = "Manage images",
  .subcmds = image_cmds,
};
