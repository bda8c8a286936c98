/* Named and anonymous volumes of the local driver: <root>/volumes/<name>/_data,
 * rows in the store, DriverOpts type/device/o mounted on the host the first
 * time a container uses the volume (as Docker's local driver). Thread-safe
 * (store and file system only); events through ev_emit_any. */
#ifndef CD_VOLUMES_H
#define CD_VOLUMES_H

#include <stdbool.h>
#include <json-c/json.h>

#include "daemon/daemon.h"

struct vol_create_in
{
  const char *name;         /* NULL or "": anonymous, a 64-hex name */
  const char *driver;       /* NULL, "" or "local" */
  json_object *labels;      /* borrowed, may be NULL */
  json_object *options;     /* DriverOpts, borrowed, may be NULL */
  bool anonymous;
};

/* Creates the volume, or finds it when a named one exists (Docker answers
 * with the existing volume). name_out (65+ bytes for anonymous volumes) gets
 * the name; *created tells whether it is new. */
int vol_create (struct cd_daemon *d, const struct vol_create_in *in, char *name_out,
                size_t name_len, bool *created, struct cd_err *err);
/* Docker's Volume object. */
int vol_inspect_json (struct cd_daemon *d, const char *name, json_object **out,
                      struct cd_err *err);
/* {"Volumes":[...],"Warnings":null}; filters name, label, dangling, driver. */
int vol_list_json (struct cd_daemon *d, json_object *filters, json_object **out,
                   struct cd_err *err);
/* -EBUSY (409) while a container uses it; with force a missing one is fine. */
int vol_remove (struct cd_daemon *d, const char *name, bool force, struct cd_err *err);
/* Removes unused volumes matching filters (label, label!); the report is
 * {"VolumesDeleted":[...],"SpaceReclaimed":N}. */
int vol_prune (struct cd_daemon *d, json_object *filters, json_object **out,
               struct cd_err *err);
/* Docker's label filter: every "key" or "key=value" of set holds in labels. */
bool vol_labels_all (json_object *set, json_object *labels);
/* <root>/volumes/<name>/_data, malloc'd. */
char *vol_data_path (struct cd_daemon *d, const char *name);
/* Mounts the volume's DriverOpts file system on _data unless it is mounted. */
int vol_host_mount (struct cd_daemon *d, const char *name, struct cd_err *err);
/* Sum of the sizes under _data (bytes). */
long long vol_disk_usage (struct cd_daemon *d, const char *name);

#endif
