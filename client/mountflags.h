/* The mount flags of run/create as the docker CLI turns them into the create
 * body: -v (HostConfig.Binds, or Config.Volumes for "-v /path"), --mount
 * (HostConfig.Mounts objects), --volumes-from (HostConfig.VolumesFrom). */
#ifndef CLI_MOUNTFLAGS_H
#define CLI_MOUNTFLAGS_H

#include <json-c/json.h>

#include "err.h"
#include "client/flags.h"

/* One --mount value ("type=bind,src=/a,dst=/b,readonly") as a Mount object. */
int cli_parse_mount (const char *spec, json_object **out, struct cd_err *err);
/* Adds the mount flags of args to body and its HostConfig hc. */
int cli_mount_flags (const struct cli_args *args, json_object *body, json_object *hc,
                     struct cd_err *err);

#endif
