/* Resource limits of a container: HostConfig's Memory*, Cpu*, Pids*, Blkio*,
 * Devices, Ulimits, OomScoreAdj, Sysctls and CgroupParent, validated with
 * Docker's messages (ctr_res_check.c), mapped into config.json
 * (ctr_res_bundle.c), changed live by POST /containers/{id}/update and
 * frozen by pause/unpause (ctr_res_live.c). */
#ifndef CD_CTR_RESOURCES_H
#define CD_CTR_RESOURCES_H

#include <stdbool.h>
#include <json-c/json.h>

#include "daemon/daemon.h"
#include "err.h"

/* At create: checks hc's resource fields (-EINVAL with Docker's message),
 * fills Docker's defaults (MemorySwap = 2 x Memory, ...) and appends
 * warnings (a blkio weight this kernel cannot apply is dropped, as Docker). */
int ctr_res_check (json_object *hc, json_object *warnings, struct cd_err *err);
/* The same rules for an update: hc is the merged HostConfig. */
int ctr_res_check_update (json_object *hc, json_object *warnings, struct cd_err *err);

/* Adds linux.resources, linux.devices entries of HostConfig.Devices,
 * process.rlimits, process.oomScoreAdj, linux.sysctl and the cgroupsPath of
 * HostConfig.CgroupParent to a config.json built by bundle_build. */
int ctr_res_bundle (json_object *hc, const char *id, json_object *spec, struct cd_err *err);
/* linux.resources of hc (a new object). */
json_object *ctr_res_oci (json_object *hc, struct cd_err *err);

/* POST /containers/{id}/pause and unpause: 409 (-EBUSY) "Container X is not
 * running" / "is already paused" / "is not paused". id_out gets the full ID. */
int ctr_pause_sync (struct cd_daemon *d, const char *ref, bool pause, char id_out[65],
                    struct cd_err *err);
/* After a stop or kill signal went to a paused container: thaw it so the
 * signal is delivered (as Docker). The state becomes running again. */
void ctr_thaw_if_paused (struct cd_daemon *d, const char *id);
/* POST /containers/{id}/update: body is Docker's UpdateConfig. */
int ctr_update_sync (struct cd_daemon *d, const char *ref, json_object *body,
                     json_object **warnings, char id_out[65], struct cd_err *err);

#endif
