/* The command table: the one place a command is registered. Keep it in the
 * order `cdctl --help` should list the commands (alphabetical). */
#include "client/commands.h"

const struct cli_cmd *const cli_commands[] = {
  &cli_cmd_events,
  &cli_cmd_history,
  &cli_cmd_image,
  &cli_cmd_images,
  &cli_cmd_import,
  &cli_cmd_info,
  &cli_cmd_load,
  &cli_cmd_rmi,
  &cli_cmd_save,
  &cli_cmd_tag,
  &cli_cmd_version,
  NULL,
};
