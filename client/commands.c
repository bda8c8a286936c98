/* The command table: the one place a command is registered. Keep it in the
 * order `cdctl --help` should list the commands (alphabetical). */
#include "client/commands.h"

const struct cli_cmd *const cli_commands[] = {
  &cli_cmd_container,
  &cli_cmd_create,
  &cli_cmd_events,
  &cli_cmd_history,
  &cli_cmd_image,
  &cli_cmd_images,
  &cli_cmd_import,
  &cli_cmd_info,
  &cli_cmd_inspect,
  &cli_cmd_kill,
  &cli_cmd_load,
  &cli_cmd_logs,
  &cli_cmd_ps,
  &cli_cmd_rename,
  &cli_cmd_restart,
  &cli_cmd_rm,
  &cli_cmd_rmi,
  &cli_cmd_run,
  &cli_cmd_save,
  &cli_cmd_start,
  &cli_cmd_stats,
  &cli_cmd_stop,
  &cli_cmd_system,
  &cli_cmd_tag,
  &cli_cmd_top,
  &cli_cmd_version,
  &cli_cmd_wait,
  NULL,
};
