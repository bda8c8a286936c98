/* --init: whether a container's process runs under an init, and which
 * binary is bind-mounted as its /sbin/docker-init. */
#ifndef CD_CTR_INIT_H
#define CD_CTR_INIT_H

#include <json-c/json.h>

#include "daemon/config.h"
#include "err.h"

/* HostConfig.Init when it is a boolean, else the daemon's `init` default.
 * *path: NULL without an init, else the binary (daemon `init-path`, or
 * cdinit next to the cdaemon executable); free() it. An init that is wanted
 * but missing is an error. */
int ctr_init_path (const struct cd_config *cfg, json_object *host_config, char **path,
                   struct cd_err *err);

#endif
