/* runtime/cgroup_limits: the OCI linux.resources section written into the
 * cgroup files runc uses, for cgroup v1 and v2 behind one interface, plus
 * freeze/thaw and kill of a whole cgroup (pause, unpause).
 *
 *   v1 (also this host's hybrid layout; the unified tree there has no
 *   controllers and gets no limits):
 *     memory.limit_in_bytes, memory.soft_limit_in_bytes,
 *     memory.memsw.limit_in_bytes, memory.swappiness, memory.oom_control,
 *     cpu.shares, cpu.cfs_period_us, cpu.cfs_quota_us, cpuset.cpus,
 *     cpuset.mems, pids.max, blkio.weight (else blkio.bfq.weight),
 *     blkio.throttle.{read,write}_{bps,iops}_device, devices.deny/allow,
 *     freezer.state
 *   v2 (kernel Documentation/admin-guide/cgroup-v2.rst):
 *     memory.max, memory.low, memory.swap.max (swap - memory),
 *     cpu.weight (1 + ((shares - 2) * 9999) / 262142), cpu.max
 *     "$MAX $PERIOD", cpuset.cpus, cpuset.mems, pids.max,
 *     io.bfq.weight (else io.weight "default N"), io.max
 *     "MAJ:MIN rbps=N wbps=N riops=N wiops=N", cgroup.freeze, cgroup.kill.
 *     Device rules need an eBPF program on v2: not done (documented limit). */
#ifndef CD_RUNTIME_CGROUP_LIMITS_H
#define CD_RUNTIME_CGROUP_LIMITS_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stdint.h>

#include "err.h"
#include "runtime/cgroup.h"

enum rt_thr_kind
{
  RT_THR_RBPS,
  RT_THR_WBPS,
  RT_THR_RIOPS,
  RT_THR_WIOPS,
  RT_THR_N,
};

struct rt_throttle
{
  unsigned major, minor;
  uint64_t rate;
};

struct rt_dev_rule
{
  bool allow;
  char type;                    /* 'a', 'c', 'b' */
  int64_t major, minor;         /* -1: any ('*') */
  char access[4];               /* "rwm" subset */
};

/* 0 (or false) means "not given": nothing is written for it. */
struct rt_resources
{
  int64_t mem_limit;            /* bytes; -1: unlimited */
  int64_t mem_reservation;
  int64_t mem_swap;             /* memory + swap (OCI/runc meaning); -1: unlimited */
  bool has_swappiness;
  uint64_t swappiness;
  bool disable_oom_killer;
  uint64_t cpu_shares;
  int64_t cpu_quota;            /* -1: unlimited */
  uint64_t cpu_period;
  char *cpus, *mems;
  int64_t pids_limit;           /* -1: unlimited ("max") */
  uint16_t blkio_weight;
  struct rt_throttle *thr[RT_THR_N];
  size_t n_thr[RT_THR_N];
  struct rt_dev_rule *dev;
  size_t n_dev;
};

/* Parses a linux.resources object (NULL: nothing to do). Errors name the key:
 * "linux.resources.memory.limit: must be an integer". */
int rt_res_parse (json_object *resources, struct rt_resources *r, struct cd_err *err);
/* Reads <bundle>/config.json's linux.resources. */
int rt_res_load (const char *bundle, struct rt_resources *r, struct cd_err *err);
void rt_res_free (struct rt_resources *r);
bool rt_res_empty (const struct rt_resources *r);

/* One v1 hierarchy: writes what its controllers (comma-separated names, as
 * "cpu,cpuacct") take. The kernel's refusal is the message: "memory.limit_in_bytes:
 * write 1048576: Device or resource busy". */
int rt_res_apply_v1 (const char *controllers, const char *dir, const struct rt_resources *r,
                     struct cd_err *err);
/* A v2 group directory. */
int rt_res_apply_v2 (const char *dir, const struct rt_resources *r, struct cd_err *err);
/* Every hierarchy of cg (the hybrid unified tree is skipped: no controllers).
 * On pure v2 the controllers are first enabled in the ancestors'
 * cgroup.subtree_control. */
int rt_res_apply (const struct rt_cgroups *cg, const struct rt_resources *r, struct cd_err *err);

/* Freezes (true) or thaws one group and waits until the kernel says it is
 * done: v1 freezer.state FROZEN/THAWED, v2 cgroup.freeze + cgroup.events. */
int rt_cg_freeze_dir (const char *dir, bool v2, bool frozen, struct cd_err *err);
/* The freezer of cg: the v1 freezer hierarchy when there is one, else the
 * pure v2 tree, else the hybrid unified tree. */
int rt_cg_freeze (const struct rt_cgroups *cg, bool frozen, struct cd_err *err);
/* SIGKILL to every process of one group: v2 cgroup.kill when the kernel has
 * it, else each pid of cgroup.procs. */
int rt_cg_kill_dir (const char *dir, bool v2, struct cd_err *err);

/* runc's conversions. */
uint64_t rt_shares_to_weight (uint64_t shares);
uint64_t rt_blkio_to_io_weight (uint64_t w);

#endif
