/* `docker top` and `docker container prune`: the processes of a running
 * container (its cgroup's PIDs, shown by the host's ps) and the removal of
 * every stopped container. */
#ifndef CD_CTR_TOP_H
#define CD_CTR_TOP_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <json-c/json.h>

#include "daemon/daemon.h"

/* Blocking (thread pool). ps_args NULL or "": "-ef". *out gets Docker's
 * {"Titles":[...],"Processes":[[...],...]}; id_out the full ID. -EBUSY (409)
 * when the container is not running, -EIO (500) "ps: <ps's message>". */
int ctr_top (struct cd_daemon *d, const char *ref, const char *ps_args, char id_out[65],
             json_object **out, struct cd_err *err);

/* The PIDs (host numbering) in the container's cgroup and its sub-groups;
 * *pids is malloc'd. cgroups_path is the bundle's linux.cgroupsPath. */
int ctr_cgroup_pids (const char *cgroups_path, pid_t **pids, size_t *n, struct cd_err *err);
/* The bundle's linux.cgroupsPath of a container (malloc'd), else the
 * placement daemon/bundle.c gives; NULL when out of memory. */
char *ctr_cgroups_path (struct cd_daemon *d, const char *id);

/* Pure, for unit tests: dockerd's parsePSOutput. Keeps ps's header as Titles
 * and the rows whose PID is in pids (and the thread rows, PID "-", that
 * follow them), each split into len(Titles) fields, the last keeping its
 * spaces. */
int ctr_top_parse (const char *ps_out, const pid_t *pids, size_t npids, json_object **out,
                   struct cd_err *err);
/* dockerd's validatePSArgs: only "pid=" may rename the PID column. */
int ctr_top_check_args (const char *ps_args, struct cd_err *err);

/* A container removed by ctr_prune, for the events sent afterwards. */
struct ctr_pruned
{
  char id[65];
  int exit_code;      /* for waiters on condition=removed */
  json_object *attrs; /* name, image and labels of the destroy event */
};

/* Blocking (thread pool): removes every container that is not running
 * (created, exited, dead) and matches filters (until, label, label!) through
 * the removal of DELETE /containers/{id}. *out: the removed containers
 * (free with ctr_pruned_free); *reclaimed: the bytes of their writable
 * layers. */
int ctr_prune (struct cd_daemon *d, json_object *filters, struct ctr_pruned **out, size_t *n,
               int64_t *reclaimed, struct cd_err *err);
void ctr_pruned_free (struct ctr_pruned *p, size_t n);
/* Blocking: bytes of the container's writable layer (0 when unknown). */
int64_t ctr_rw_size (struct cd_daemon *d, const char *id);
/* Bytes of the regular files and links under a directory (0 when unreadable). */
int64_t ctr_path_size (const char *path);

#endif
