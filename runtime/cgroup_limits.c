/* Writing struct rt_resources into the cgroup files (see cgroup_limits.h). */
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cleanup.h"
#include "fsutil.h"
#include "runtime/cgroup_limits.h"

uint64_t
rt_shares_to_weight (uint64_t shares)
{
  if (shares == 0)
    return 0;
  if (shares < 2)
    shares = 2;
  if (shares > 262144)
    shares = 262144;
  return 1 + ((shares - 2) * 9999) / 262142;
}

uint64_t
rt_blkio_to_io_weight (uint64_t w)
{
  if (w == 0)
    return 0;
  return 1 + (w - 10) * 9999 / 990;
}

/* Writes data to dir/file; the kernel's refusal names the file and value. */
static int
put (const char *dir, const char *file, const char *data, struct cd_err *err)
{
  char path[4300];
  snprintf (path, sizeof path, "%s/%s", dir, file);
  cleanup_close int fd = open (path, O_WRONLY | O_CLOEXEC);
  if (fd < 0)
    return cd_err_sys (err, errno, "cgroup: open `%s`", path);
  size_t len = strlen (data);
  ssize_t w = write (fd, data, len);
  if (w < 0)
    {
      char shown[64];
      snprintf (shown, sizeof shown, "%.*s", (int) strcspn (data, "\n"), data);
      return cd_err_sys (err, errno, "cgroup: write %s to `%s`", shown, path);
    }
  return (size_t) w == len ? 0 : cd_err_set (err, EIO, "cgroup: short write to `%s`", path);
}

static int
put_i64 (const char *dir, const char *file, int64_t v, struct cd_err *err)
{
  char buf[32];
  snprintf (buf, sizeof buf, "%" PRId64, v);
  return put (dir, file, buf, err);
}

/* v2 files take "max" for unlimited. */
static int
put_max (const char *dir, const char *file, int64_t v, struct cd_err *err)
{
  if (v < 0)
    return put (dir, file, "max", err);
  return put_i64 (dir, file, v, err);
}

static bool
exists (const char *dir, const char *file)
{
  char path[4300];
  snprintf (path, sizeof path, "%s/%s", dir, file);
  return access (path, F_OK) == 0;
}

static bool
has_ctrl (const char *controllers, const char *want)
{
  size_t n = strlen (want);
  for (const char *p = controllers; p && *p; p = strchr (p, ',') ? strchr (p, ',') + 1 : NULL)
    if (strncmp (p, want, n) == 0 && (p[n] == ',' || p[n] == '\0'))
      return true;
  return false;
}

/* ---- v1 ---- */

/* runc's order: the memsw limit must stay >= the memory limit at every
 * step, so when memory.limit_in_bytes refuses, memsw goes first. */
static int
v1_memory (const char *dir, const struct rt_resources *r, struct cd_err *err)
{
  int ret = 0;
  bool memsw = r->mem_swap != 0 && exists (dir, "memory.memsw.limit_in_bytes");
  if (r->mem_limit != 0 && (ret = put_i64 (dir, "memory.limit_in_bytes", r->mem_limit, err)) < 0)
    {
      if (!memsw || -ret != EINVAL)
        return ret;
      if ((ret = put_i64 (dir, "memory.memsw.limit_in_bytes", r->mem_swap, err)) < 0
          || (ret = put_i64 (dir, "memory.limit_in_bytes", r->mem_limit, err)) < 0)
        return ret;
    }
  else if (memsw && (ret = put_i64 (dir, "memory.memsw.limit_in_bytes", r->mem_swap, err)) < 0)
    return ret;
  if (r->mem_reservation != 0
      && (ret = put_i64 (dir, "memory.soft_limit_in_bytes", r->mem_reservation, err)) < 0)
    return ret;
  if (r->has_swappiness
      && (ret = put_i64 (dir, "memory.swappiness", (int64_t) r->swappiness, err)) < 0)
    return ret;
  if (r->disable_oom_killer && (ret = put (dir, "memory.oom_control", "1", err)) < 0)
    return ret;
  return 0;
}

static int
v1_cpu (const char *dir, const struct rt_resources *r, struct cd_err *err)
{
  int ret = 0;
  if (r->cpu_shares && (ret = put_i64 (dir, "cpu.shares", (int64_t) r->cpu_shares, err)) < 0)
    return ret;
  if (r->cpu_period && (ret = put_i64 (dir, "cpu.cfs_period_us", (int64_t) r->cpu_period, err)) < 0)
    return ret;
  if (r->cpu_quota && (ret = put_i64 (dir, "cpu.cfs_quota_us", r->cpu_quota, err)) < 0)
    return ret;
  return 0;
}

static int
cpuset (const char *dir, const struct rt_resources *r, struct cd_err *err)
{
  int ret = 0;
  if (r->cpus && (ret = put (dir, "cpuset.cpus", r->cpus, err)) < 0)
    return ret;
  if (r->mems && (ret = put (dir, "cpuset.mems", r->mems, err)) < 0)
    return ret;
  return 0;
}

static int
v1_blkio (const char *dir, const struct rt_resources *r, struct cd_err *err)
{
  static const char *const files[RT_THR_N] = {
    "blkio.throttle.read_bps_device", "blkio.throttle.write_bps_device",
    "blkio.throttle.read_iops_device", "blkio.throttle.write_iops_device",
  };
  int ret;
  if (r->blkio_weight)
    {
      const char *f = exists (dir, "blkio.weight") ? "blkio.weight" : "blkio.bfq.weight";
      if ((ret = put_i64 (dir, f, r->blkio_weight, err)) < 0)
        return ret;
    }
  for (int k = 0; k < RT_THR_N; k++)
    for (size_t i = 0; i < r->n_thr[k]; i++)
      {
        char line[96];
        const struct rt_throttle *t = &r->thr[k][i];
        snprintf (line, sizeof line, "%u:%u %" PRIu64, t->major, t->minor, t->rate);
        if ((ret = put (dir, files[k], line, err)) < 0)
          return ret;
      }
  return 0;
}

static void
dev_rule_text (const struct rt_dev_rule *d, char *buf, size_t len)
{
  char maj[24] = "*", min[24] = "*";
  if (d->major >= 0)
    snprintf (maj, sizeof maj, "%" PRId64, d->major);
  if (d->minor >= 0)
    snprintf (min, sizeof min, "%" PRId64, d->minor);
  if (d->type == 'a')
    snprintf (buf, len, "a");
  else
    snprintf (buf, len, "%c %s:%s %s", d->type, maj, min, d->access);
}

static int
v1_devices (const char *dir, const struct rt_resources *r, struct cd_err *err)
{
  for (size_t i = 0; i < r->n_dev; i++)
    {
      char line[96];
      dev_rule_text (&r->dev[i], line, sizeof line);
      int ret = put (dir, r->dev[i].allow ? "devices.allow" : "devices.deny", line, err);
      if (ret < 0)
        return ret;
    }
  return 0;
}

int
rt_res_apply_v1 (const char *controllers, const char *dir, const struct rt_resources *r,
                 struct cd_err *err)
{
  int ret = 0;
  if (ret == 0 && has_ctrl (controllers, "memory"))
    ret = v1_memory (dir, r, err);
  if (ret == 0 && has_ctrl (controllers, "cpu"))
    ret = v1_cpu (dir, r, err);
  if (ret == 0 && has_ctrl (controllers, "cpuset"))
    ret = cpuset (dir, r, err);
  if (ret == 0 && has_ctrl (controllers, "pids") && r->pids_limit)
    ret = put_max (dir, "pids.max", r->pids_limit, err);
  if (ret == 0 && has_ctrl (controllers, "blkio"))
    ret = v1_blkio (dir, r, err);
  if (ret == 0 && has_ctrl (controllers, "devices"))
    ret = v1_devices (dir, r, err);
  return ret;
}

/* ---- v2 ---- */

static int
v2_memory (const char *dir, const struct rt_resources *r, struct cd_err *err)
{
  int ret;
  if (r->mem_reservation != 0 && (ret = put_max (dir, "memory.low", r->mem_reservation, err)) < 0)
    return ret;
  /* memory.swap.max is swap alone: runc's memory+swap minus memory */
  if (r->mem_swap != 0)
    {
      int64_t swap = -1;
      if (r->mem_swap > 0 && r->mem_limit > 0)
        swap = r->mem_swap >= r->mem_limit ? r->mem_swap - r->mem_limit : 0;
      if (r->mem_swap > 0 && r->mem_limit <= 0)
        return cd_err_set (err, EINVAL, "cgroup v2: a memory+swap limit needs a memory limit");
      if ((ret = put_max (dir, "memory.swap.max", swap, err)) < 0)
        return ret;
    }
  if (r->mem_limit != 0 && (ret = put_max (dir, "memory.max", r->mem_limit, err)) < 0)
    return ret;
  return 0;
}

static int
v2_cpu (const char *dir, const struct rt_resources *r, struct cd_err *err)
{
  int ret;
  if (r->cpu_shares
      && (ret = put_i64 (dir, "cpu.weight", (int64_t) rt_shares_to_weight (r->cpu_shares), err)) < 0)
    return ret;
  if (r->cpu_quota != 0 || r->cpu_period != 0)
    {
      char line[64], quota[24] = "max";
      if (r->cpu_quota > 0)
        snprintf (quota, sizeof quota, "%" PRId64, r->cpu_quota);
      snprintf (line, sizeof line, "%s %" PRIu64, quota, r->cpu_period ? r->cpu_period : 100000);
      if ((ret = put (dir, "cpu.max", line, err)) < 0)
        return ret;
    }
  return 0;
}

/* io.max: one line per device with every limit that device has. */
static int
v2_io_max (const char *dir, const struct rt_resources *r, struct cd_err *err)
{
  static const char *const keys[RT_THR_N] = { "rbps", "wbps", "riops", "wiops" };
  for (int k = 0; k < RT_THR_N; k++)
    for (size_t i = 0; i < r->n_thr[k]; i++)
      {
        const struct rt_throttle *t = &r->thr[k][i];
        bool seen = false;
        for (int pk = 0; pk <= k && !seen; pk++)
          for (size_t pi = 0; pi < (pk == k ? i : r->n_thr[pk]) && !seen; pi++)
            seen = r->thr[pk][pi].major == t->major && r->thr[pk][pi].minor == t->minor;
        if (seen)
          continue;
        char line[256];
        int n = snprintf (line, sizeof line, "%u:%u", t->major, t->minor);
        for (int k2 = k; k2 < RT_THR_N; k2++)
          for (size_t i2 = 0; i2 < r->n_thr[k2]; i2++)
            if (r->thr[k2][i2].major == t->major && r->thr[k2][i2].minor == t->minor)
              {
                n += snprintf (line + n, sizeof line - (size_t) n, " %s=%" PRIu64, keys[k2],
                               r->thr[k2][i2].rate);
                break;
              }
        int ret = put (dir, "io.max", line, err);
        if (ret < 0)
          return ret;
      }
  return 0;
}

static int
v2_io (const char *dir, const struct rt_resources *r, struct cd_err *err)
{
  int ret;
  if (r->blkio_weight)
    {
      if (exists (dir, "io.bfq.weight"))
        ret = put_i64 (dir, "io.bfq.weight", r->blkio_weight, err);
      else
        {
          char line[48];
          snprintf (line, sizeof line, "default %" PRIu64,
                    rt_blkio_to_io_weight (r->blkio_weight));
          ret = put (dir, "io.weight", line, err);
        }
      if (ret < 0)
        return ret;
    }
  return v2_io_max (dir, r, err);
}

int
rt_res_apply_v2 (const char *dir, const struct rt_resources *r, struct cd_err *err)
{
  int ret;
  if ((ret = v2_memory (dir, r, err)) < 0 || (ret = v2_cpu (dir, r, err)) < 0
      || (ret = cpuset (dir, r, err)) < 0)
    return ret;
  if (r->pids_limit && (ret = put_max (dir, "pids.max", r->pids_limit, err)) < 0)
    return ret;
  return v2_io (dir, r, err);
}

/* Pure v2: a child only gets the interface files of controllers enabled in
 * its parent's cgroup.subtree_control, so enable them from the root down
 * (best effort: a controller the parent lacks is left out). */
static void
v2_enable (const char *mountpoint, const char *dir)
{
  static const char *const ctrls[] = { "cpu", "cpuset", "io", "memory", "pids" };
  char buf[4096];
  snprintf (buf, sizeof buf, "%s", dir);
  size_t ml = strlen (mountpoint);
  for (char *p = buf + ml; p && *p == '/'; p = strchr (p + 1, '/'))
    {
      *p = '\0';
      for (size_t i = 0; i < sizeof ctrls / sizeof ctrls[0]; i++)
        {
          char word[16];
          struct cd_err ignore;
          snprintf (word, sizeof word, "+%s", ctrls[i]);
          put (buf, "cgroup.subtree_control", word, &ignore);
        }
      *p = '/';
    }
}

int
rt_res_apply (const struct rt_cgroups *cg, const struct rt_resources *r, struct cd_err *err)
{
  if (cg->own || rt_res_empty (r))
    return 0;
  for (size_t i = 0; i < cg->n; i++)
    {
      const struct rt_cg_hier *h = &cg->h[i];
      int ret = 0;
      if (h->v2 && h->name[0] == '\0')
        {
          v2_enable (h->mountpoint, h->dir);
          ret = rt_res_apply_v2 (h->dir, r, err);
        }
      else if (!h->v2)
        ret = rt_res_apply_v1 (h->name, h->dir, r, err);
      if (ret < 0)
        return ret;
    }
  return 0;
}
