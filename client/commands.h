/* Every cdctl command, one per client/cmd_*.c. To add a command: define
 * `const struct cli_cmd cli_cmd_NAME` in client/cmd_NAME.c, declare it here,
 * and list it in cli_commands[] in client/commands.c. */
#ifndef CLI_COMMANDS_H
#define CLI_COMMANDS_H

#include "client/cli.h"

extern const struct cli_cmd cli_cmd_container;
extern const struct cli_cmd cli_cmd_create;
extern const struct cli_cmd cli_cmd_events;
extern const struct cli_cmd cli_cmd_exec;
extern const struct cli_cmd cli_cmd_attach;
extern const struct cli_cmd cli_cmd_history;
extern const struct cli_cmd cli_cmd_image;
extern const struct cli_cmd cli_cmd_images;
extern const struct cli_cmd cli_cmd_import;
extern const struct cli_cmd cli_cmd_info;
extern const struct cli_cmd cli_cmd_inspect;
extern const struct cli_cmd cli_cmd_kill;
extern const struct cli_cmd cli_cmd_pause;
extern const struct cli_cmd cli_cmd_unpause;
extern const struct cli_cmd cli_cmd_update;
extern const struct cli_cmd cli_cmd_load;
extern const struct cli_cmd cli_cmd_login;
extern const struct cli_cmd cli_cmd_logout;
extern const struct cli_cmd cli_cmd_pull;
extern const struct cli_cmd cli_cmd_push;
extern const struct cli_cmd cli_cmd_logs;
extern const struct cli_cmd cli_cmd_ps;
extern const struct cli_cmd cli_cmd_rename;
extern const struct cli_cmd cli_cmd_restart;
extern const struct cli_cmd cli_cmd_rm;
extern const struct cli_cmd cli_cmd_rmi;
extern const struct cli_cmd cli_cmd_run;
extern const struct cli_cmd cli_cmd_save;
extern const struct cli_cmd cli_cmd_start;
extern const struct cli_cmd cli_cmd_stats;
extern const struct cli_cmd cli_cmd_stop;
extern const struct cli_cmd cli_cmd_system;
extern const struct cli_cmd cli_cmd_tag;
extern const struct cli_cmd cli_cmd_top;
extern const struct cli_cmd cli_cmd_version;
extern const struct cli_cmd cli_cmd_volume;
extern const struct cli_cmd cli_cmd_wait;

#endif
