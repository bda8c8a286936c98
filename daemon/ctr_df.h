/* GET /system/df in Docker's shape. */
#ifndef CD_CTR_DF_H
#define CD_CTR_DF_H

#include <json-c/json.h>

#include "daemon/daemon.h"

/* Blocking (thread pool): {"LayersSize", "Images" (with SharedSize and
 * Containers), "Containers" (with SizeRw, SizeRootFs), "Volumes",
 * "BuildCache"}. */
int ctr_system_df (struct cd_daemon *d, json_object **out, struct cd_err *err);

#endif
