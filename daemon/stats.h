/* Container statistics: a daemon-side sampler (one uv_timer a second on the
 * loop) reads the cgroup files of every running container once per tick and
 * keeps the current and the previous sample, so a one-shot request answers at
 * once with a real precpu_stats, and any number of streaming clients cost no
 * extra cgroup reads. Only reads cgroups (v1 and v2 formats). */
#ifndef CD_STATS_H
#define CD_STATS_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <json-c/json.h>

#include "daemon/daemon.h"

#define ST_MAX_CPUS 256
#define ST_MAX_BLK 64
#define ST_MAX_NET 16

struct st_blk
{
  unsigned major, minor;
  char op[12];
  uint64_t value;
};

struct st_net
{
  char name[32];
  uint64_t rx_bytes, rx_packets, rx_errors, rx_dropped;
  uint64_t tx_bytes, tx_packets, tx_errors, tx_dropped;
};

struct st_sample
{
  int64_t read_nano;            /* 0: no sample */
  uint64_t cpu_total, cpu_kernel, cpu_user, system_cpu;
  unsigned online_cpus, npercpu;
  uint64_t percpu[ST_MAX_CPUS];
  uint64_t thr_periods, thr_throttled, thr_time;
  uint64_t mem_usage, mem_max, mem_limit, mem_failcnt;
  bool has_mem_max, has_failcnt;
  char *mem_stat;               /* memory.stat text, keys as the cgroup names them */
  uint64_t pids_current, pids_limit; /* limit 0: none */
  struct st_blk io_bytes[ST_MAX_BLK], io_ops[ST_MAX_BLK];
  unsigned nio_bytes, nio_ops;
  struct st_net net[ST_MAX_NET];
  unsigned nnet;
  bool has_net;
  bool details;                 /* more than the per-tick figures were read */
};

/* What a sample is about. */
struct st_info
{
  char id[65];
  char name[256];               /* without the '/' */
  char image[256];
  char state[16];
  int restarts;
  pid_t pid;
  bool host_net;                /* --network host: no networks of its own */
};

/* ---- pure parsers (stats_parse.c), unit-tested ---- */
/* "key value" lines (memory.stat, cpu.stat, cpuacct.stat): 0 or -ENOENT. */
int st_parse_kv (const char *text, const char *key, uint64_t *out);
/* A single number, or "max" (gives UINT64_MAX). */
int st_parse_u64 (const char *text, uint64_t *out);
/* /proc/stat: the sum of the first seven fields of "cpu" in nanoseconds, and
 * the number of "cpuN" lines. */
int st_parse_proc_stat (const char *text, long clk_tck, uint64_t *system_ns, unsigned *ncpu);
/* cpuacct.usage_percpu: space-separated nanoseconds. Returns the count. */
unsigned st_parse_percpu (const char *text, uint64_t *out, unsigned max);
/* v1 blkio.*_recursive ("8:0 Read 4096"; the "Total" line is skipped). */
unsigned st_parse_blkio_v1 (const char *text, struct st_blk *out, unsigned max);
/* v2 io.stat ("8:0 rbytes=1 wbytes=2 rios=3 wios=4 ..."): bytes and ios as
 * Docker reports them (ops "read" and "write"). */
void st_parse_io_v2 (const char *text, struct st_blk *bytes, unsigned *nbytes,
                     struct st_blk *ops, unsigned *nops, unsigned max);
/* /proc/<pid>/net/dev. Returns the count of interfaces. */
unsigned st_parse_netdev (const char *text, struct st_net *out, unsigned max);
/* memory.stat text as a JSON object of numbers. */
json_object *st_parse_mem_stat (const char *text);

/* ---- the JSON of Docker's stats (stats_json.c) ---- */
/* Docker's StatsJSON; prev may be NULL or empty. machine_mem caps the limit. */
json_object *st_sample_json (const struct st_info *info, const struct st_sample *cur,
                             const struct st_sample *prev);
/* The object Docker sends for a container that is not running. */
json_object *st_empty_json (const char *id, const char *name);
/* RFC 3339 with nanoseconds ("0001-01-01T00:00:00Z" for 0). */
void st_rfc3339 (int64_t nano, char *buf, size_t len);

/* ---- the sampler (stats.c), loop thread only ---- */
struct st_sampler;
int st_sampler_start (struct cd_daemon *d, struct cd_err *err);
void st_sampler_stop (struct cd_daemon *d);
/* Samples of one running container (by full ID): 0, or -ENOENT when the
 * sampler has none (not running). A container the sampler has not seen yet
 * is read now. Pointers stay valid until the next tick. */
int st_get (struct cd_daemon *d, const char *id, const struct st_info **info,
            const struct st_sample **cur, const struct st_sample **prev);
typedef void (*st_each_fn) (const struct st_info *info, const struct st_sample *cur,
                            const struct st_sample *prev, void *ctx);
/* Every running container's latest samples. */
void st_each (struct cd_daemon *d, st_each_fn fn, void *ctx);
/* Called after each tick (for streaming clients). */
typedef void (*st_tick_fn) (void *ctx);
struct st_listener;
struct st_listener *st_listen (struct cd_daemon *d, st_tick_fn fn, void *ctx);
void st_unlisten (struct cd_daemon *d, struct st_listener *l);
/* The sampler's own cost: ticks, CPU time it used (ns), containers last tick. */
void st_cost (struct cd_daemon *d, uint64_t *ticks, uint64_t *busy_ns, unsigned *ncontainers);
/* Host memory in bytes (MemTotal). */
uint64_t st_machine_memory (void);

#endif
