/* Resource flags of `create`/`run` (HostConfig limits), and the update,
 * pause and unpause commands (cmd_containers_res.c). */
#ifndef CLI_CMD_CONTAINERS_RES_H
#define CLI_CMD_CONTAINERS_RES_H

#include <json-c/json.h>

#include "client/flags.h"

#define CLI_RESOURCE_FLAGS                                                                       \
  { "blkio-weight", 0, CLI_FLAG_INT, "uint16",                                                   \
    "Block IO (relative weight), between 10 and 1000, or 0 to disable", NULL, NULL },            \
  { "cgroup-parent", 0, CLI_FLAG_STRING, "string", "Optional parent cgroup for the container",   \
    NULL, NULL },                                                                                \
  { "cpu-period", 0, CLI_FLAG_INT, "int", "Limit CPU CFS (Completely Fair Scheduler) period",    \
    NULL, NULL },                                                                                \
  { "cpu-quota", 0, CLI_FLAG_INT, "int", "Limit CPU CFS (Completely Fair Scheduler) quota",      \
    NULL, NULL },                                                                                \
  { "cpu-shares", 'c', CLI_FLAG_INT, "int", "CPU shares (relative weight)", NULL, NULL },        \
  { "cpus", 0, CLI_FLAG_STRING, "decimal", "Number of CPUs", NULL, NULL },                       \
  { "cpuset-cpus", 0, CLI_FLAG_STRING, "string", "CPUs in which to allow execution (0-3, 0,1)",  \
    NULL, NULL },                                                                                \
  { "cpuset-mems", 0, CLI_FLAG_STRING, "string", "MEMs in which to allow execution (0-3, 0,1)",  \
    NULL, NULL },                                                                                \
  { "device", 0, CLI_FLAG_LIST, "list", "Add a host device to the container", NULL, NULL },      \
  { "device-read-bps", 0, CLI_FLAG_LIST, "list",                                                 \
    "Limit read rate (bytes per second) from a device", NULL, NULL },                            \
  { "device-read-iops", 0, CLI_FLAG_LIST, "list",                                                \
    "Limit read rate (IO per second) from a device", NULL, NULL },                               \
  { "device-write-bps", 0, CLI_FLAG_LIST, "list",                                                \
    "Limit write rate (bytes per second) to a device", NULL, NULL },                             \
  { "device-write-iops", 0, CLI_FLAG_LIST, "list",                                               \
    "Limit write rate (IO per second) to a device", NULL, NULL },                                \
  { "memory", 'm', CLI_FLAG_STRING, "bytes", "Memory limit", NULL, NULL },                       \
  { "memory-reservation", 0, CLI_FLAG_STRING, "bytes", "Memory soft limit", NULL, NULL },        \
  { "memory-swap", 0, CLI_FLAG_STRING, "bytes",                                                  \
    "Swap limit equal to memory plus swap: '-1' to enable unlimited swap", NULL, NULL },         \
  { "memory-swappiness", 0, CLI_FLAG_INT, "int", "Tune container memory swappiness (0 to 100)",  \
    "-1", NULL },                                                                                \
  { "oom-kill-disable", 0, CLI_FLAG_BOOL, NULL, "Disable OOM Killer", NULL, NULL },              \
  { "oom-score-adj", 0, CLI_FLAG_INT, "int", "Tune host's OOM preferences (-1000 to 1000)",      \
    NULL, NULL },                                                                                \
  { "pids-limit", 0, CLI_FLAG_INT, "int", "Tune container pids limit (set -1 for unlimited)",    \
    NULL, NULL },                                                                                \
  { "shm-size", 0, CLI_FLAG_STRING, "bytes", "Size of /dev/shm", NULL, NULL },                   \
  { "sysctl", 0, CLI_FLAG_LIST, "map", "Sysctl options", NULL, NULL },                           \
  { "ulimit", 0, CLI_FLAG_LIST, "ulimit", "Ulimit options", NULL, NULL }

/* Adds the HostConfig fields of the resource flags to hc. */
int cli_ctr_res_host_config (const struct cli_args *args, json_object *hc, struct cd_err *err);

/* docker's units.RAMInBytes: "64m", "1.5g", "512k", "100" (binary units). */
int cli_ram_in_bytes (const char *s, long long *out);

#endif
