/* Docker's mount specifications as the daemon receives them: HostConfig.Binds
 * strings ("-v"), HostConfig.Mounts objects ("--mount"), VolumesFrom. Pure
 * logic: the result is a mount point object (JSON), completed by
 * daemon/vol_ctr.c with the volume and host paths:
 *   Type "volume"|"bind"|"tmpfs", Name, Source, Destination, Driver, Mode,
 *   RW, Propagation (Docker's MountPoint, shown by inspect) and the private
 *   CopyUp, Anonymous, CreateSource, TmpfsData, VolumeLabels, VolumeOptions. */
#ifndef CD_VOL_PARSE_H
#define CD_VOL_PARSE_H

#include <stdbool.h>
#include <json-c/json.h>

#include "err.h"

/* Docker's rule for local volume names: [a-zA-Z0-9][a-zA-Z0-9_.-]+ */
bool vol_name_valid (const char *name);
/* Sets Docker's message for an invalid name (create NAME: "NAME" includes
 * invalid characters ...) and returns -EINVAL. */
int vol_name_error (const char *name, struct cd_err *err);

/* "SRC:DST[:MODE]" or "DST": a new mount point in *out. */
int vol_parse_bind (const char *spec, json_object **out, struct cd_err *err);
/* One HostConfig.Mounts entry. */
int vol_parse_mount (json_object *m, json_object **out, struct cd_err *err);
/* "CONTAINER[:ro|rw]": *name malloc'd; *rw -1 (as the source), 0 or 1. */
int vol_parse_volumes_from (const char *spec, char **name, int *rw, struct cd_err *err);
/* Docker's MountPoint of m (the public fields only): a new object. */
json_object *vol_mount_view (json_object *m);

#endif
