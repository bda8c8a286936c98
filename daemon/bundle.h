/* The OCI runtime-spec config.json the daemon hands to cdmon/runtime for a
 * container: Docker's defaults (mounts, masked and read-only paths, devices,
 * capabilities) plus the container's config. Pure logic. */
#ifndef CD_BUNDLE_H
#define CD_BUNDLE_H

#include <json-c/json.h>

#include "err.h"

struct bundle_in
{
  const char *id;
  json_object *config;       /* merged ContainerConfig */
  json_object *host_config;
  const char *ctr_dir;       /* <root>/containers/<id>: hosts, hostname, resolv.conf */
  const char *lowerdir, *upperdir, *workdir, *merged;
  const char *cgroup_parent; /* "cdaemon" */
  const char *netns_path;    /* NULL: new (none) or host per NetworkMode */
  const char *init_path;     /* --init: this binary runs as /sbin/docker-init -- argv */
  json_object *user_mounts;  /* OCI mounts of volumes, binds, tmpfs (parents first); borrowed */
};

/* Where --init's binary appears in the container (Docker's path). */
#define BUNDLE_INIT_PATH "/sbin/docker-init"

/* Builds config.json; *out is a new object. */
int bundle_build (const struct bundle_in *in, json_object **out, struct cd_err *err);
/* Docker's default capability set (names with CAP_ prefix), NULL-terminated. */
extern const char *const bundle_default_caps[];

#endif
