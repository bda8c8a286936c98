/* The security flags of `create` and `run`: --cap-add, --cap-drop,
 * --privileged, --security-opt, --read-only, --tmpfs. */
#ifndef CLI_CMD_CONTAINERS_SEC_H
#define CLI_CMD_CONTAINERS_SEC_H

#include <json-c/json.h>

#include "err.h"
#include "client/flags.h"

#define CLI_CTR_SEC_FLAGS                                                                        \
  { "cap-add", 0, CLI_FLAG_LIST, "list", "Add Linux capabilities", NULL, NULL },                 \
  { "cap-drop", 0, CLI_FLAG_LIST, "list", "Drop Linux capabilities", NULL, NULL },               \
  { "privileged", 0, CLI_FLAG_BOOL, NULL, "Give extended privileges to this container", NULL,    \
    NULL },                                                                                      \
  { "read-only", 0, CLI_FLAG_BOOL, NULL, "Mount the container's root filesystem as read only",   \
    NULL, NULL },                                                                                \
  { "security-opt", 0, CLI_FLAG_LIST, "list", "Security Options", NULL, NULL },                  \
  { "tmpfs", 0, CLI_FLAG_LIST, "list", "Mount a tmpfs directory", NULL, NULL }

/* Adds CapAdd, CapDrop, Privileged, ReadonlyRootfs, SecurityOpt and Tmpfs
 * to hc. As the docker CLI, --security-opt seccomp=FILE sends the file's
 * compacted JSON ("seccomp={...}"). */
int cli_ctr_sec_host_config (const struct cli_args *args, json_object *hc, struct cd_err *err);

#endif
