/* The mount points of containers: planned at create (Binds, Mounts,
 * VolumesFrom, the image's VOLUMEs), kept in the store, turned into OCI
 * mounts at every start. */
#ifndef CD_VOL_CTR_H
#define CD_VOL_CTR_H

#include <stdbool.h>
#include <json-c/json.h>

#include "daemon/daemon.h"

/* Validates and records the mounts of new container id; creates the volumes
 * it names (and anonymous ones). On error nothing is left. */
int vol_ctr_create (struct cd_daemon *d, const char *id, json_object *config,
                    json_object *host_config, struct cd_err *err);
/* The container is gone: drops its mount points; with remove_anon its
 * anonymous volumes that nobody else uses go too. */
void vol_ctr_remove (struct cd_daemon *d, const char *id, bool remove_anon);
/* Docker's Mounts array for inspect and list (a new array). */
json_object *vol_ctr_mounts_view (struct cd_daemon *d, const char *id);
/* OCI mounts[] entries for config.json (a new array, ordered parents
 * first); creates missing -v host directories, mounts DriverOpts volumes,
 * asks the runtime for copy-up into volumes not yet populated. */
int vol_ctr_oci_mounts (struct cd_daemon *d, const char *id, json_object **out,
                        struct cd_err *err);
/* Volume "unmount" events of a container that stopped. */
void vol_ctr_unmounted (struct cd_daemon *d, const char *id);

#endif
