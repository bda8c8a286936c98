/* Resource flags of create/run, and cdctl update, pause, unpause. */
#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "client/cmd_containers.h"
#include "client/cmd_containers_res.h"
#include "client/commands.h"
#include "client/jsonget.h"
#include "client/url.h"

int
cli_ram_in_bytes (const char *s, long long *out)
{
  char *end;
  errno = 0;
  double v = strtod (s, &end);
  if (end == s || errno || v < 0 || v != v)
    return -1;
  double mult = 1;
  switch (tolower ((unsigned char) *end))
    {
    case 'k': mult = 1024.0; end++; break;
    case 'm': mult = 1024.0 * 1024; end++; break;
    case 'g': mult = 1024.0 * 1024 * 1024; end++; break;
    case 't': mult = 1024.0 * 1024 * 1024 * 1024; end++; break;
    case 'p': mult = 1024.0 * 1024 * 1024 * 1024 * 1024; end++; break;
    default: break;
    }
  if (tolower ((unsigned char) *end) == 'b' && (mult > 1 || end[1] == '\0'))
    end++;
  if (tolower ((unsigned char) *end) == 'i' && tolower ((unsigned char) end[1]) == 'b')
    end += 2;
  if (*end != '\0' || v * mult > 9.2e18)
    return -1;
  *out = (long long) (v * mult);
  return 0;
}

static int
size_field (const struct cli_args *args, const char *flag, json_object *hc, const char *key,
            bool allow_unlimited, struct cd_err *err)
{
  if (!cli_args_isset (args, flag))
    return 0;
  const char *s = cli_args_str (args, flag);
  long long v;
  if (allow_unlimited && strcmp (s, "-1") == 0)
    v = -1;
  else if (cli_ram_in_bytes (s, &v) < 0)
    return cd_err_set (err, EINVAL, "invalid argument \"%s\" for \"--%s\" flag: invalid size: "
                       "'%s'", s, flag, s);
  json_object_object_add (hc, key, json_object_new_int64 (v));
  return 0;
}

static void
int_field (const struct cli_args *args, const char *flag, json_object *hc, const char *key)
{
  if (cli_args_isset (args, flag))
    json_object_object_add (hc, key, json_object_new_int64 (cli_args_int (args, flag)));
}

static void
str_field (const struct cli_args *args, const char *flag, json_object *hc, const char *key)
{
  if (cli_args_isset (args, flag))
    json_object_object_add (hc, key, json_object_new_string (cli_args_str (args, flag)));
}

/* The limits both create and update take. */
static int
common_limits (const struct cli_args *args, json_object *hc, struct cd_err *err)
{
  int r;
  if ((r = size_field (args, "memory", hc, "Memory", false, err)) < 0
      || (r = size_field (args, "memory-reservation", hc, "MemoryReservation", false, err)) < 0
      || (r = size_field (args, "memory-swap", hc, "MemorySwap", true, err)) < 0)
    return r;
  if (cli_args_isset (args, "cpus"))
    {
      const char *s = cli_args_str (args, "cpus");
      char *end;
      double v = strtod (s, &end);
      if (end == s || *end || v < 0 || v != v)
        return cd_err_set (err, EINVAL, "invalid argument \"%s\" for \"--cpus\" flag: failed to "
                           "parse %s as a rational number", s, s);
      json_object_object_add (hc, "NanoCpus", json_object_new_int64 ((long long) (v * 1e9 + 0.5)));
    }
  int_field (args, "cpu-shares", hc, "CpuShares");
  int_field (args, "cpu-period", hc, "CpuPeriod");
  int_field (args, "cpu-quota", hc, "CpuQuota");
  str_field (args, "cpuset-cpus", hc, "CpusetCpus");
  str_field (args, "cpuset-mems", hc, "CpusetMems");
  int_field (args, "pids-limit", hc, "PidsLimit");
  int_field (args, "blkio-weight", hc, "BlkioWeight");
  return 0;
}

/* --device-read-bps /dev/sda:1mb (rates) and --device-read-iops /dev/sda:100. */
static int
throttle_list (const struct cli_args *args, const char *flag, bool bytes, json_object *hc,
               const char *key, struct cd_err *err)
{
  size_t n;
  const char *const *v = cli_args_list (args, flag, &n);
  if (n == 0)
    return 0;
  json_object *a = json_object_new_array ();
  json_object_object_add (hc, key, a);
  for (size_t i = 0; i < n; i++)
    {
      const char *colon = strrchr (v[i], ':');
      long long rate = -1;
      char *end = NULL;
      if (colon && bytes)
        cli_ram_in_bytes (colon + 1, &rate);
      else if (colon)
        rate = strtoll (colon + 1, &end, 10), rate = (end && *end) ? -1 : rate;
      if (colon == NULL || colon == v[i] || strncmp (v[i], "/dev/", 5) != 0 || rate < 0)
        return cd_err_set (err, EINVAL, "invalid argument \"%s\" for \"--%s\" flag: bad format "
                           "for %s: %s", v[i], flag, bytes ? "rate" : "IO rate", v[i]);
      json_object *e = json_object_new_object ();
      json_object_object_add (e, "Path", json_object_new_string_len (v[i], (int) (colon - v[i])));
      json_object_object_add (e, "Rate", json_object_new_int64 (rate));
      json_object_array_add (a, e);
    }
  return 0;
}

static bool
valid_mode (const char *m)
{
  return m[0] && strlen (m) <= 3 && strspn (m, "rwm") == strlen (m);
}

/* --device SRC[:DST][:PERMS] as docker's parseDevice. */
static int
devices (const struct cli_args *args, json_object *hc, struct cd_err *err)
{
  size_t n;
  const char *const *v = cli_args_list (args, "device", &n);
  if (n == 0)
    return 0;
  json_object *a = json_object_new_array ();
  json_object_object_add (hc, "Devices", a);
  for (size_t i = 0; i < n; i++)
    {
      cleanup_free char *buf = strdup (v[i]);
      char *parts[4] = { 0 };
      int np = 0;
      for (char *save = NULL, *w = strtok_r (buf, ":", &save); w && np < 4;
           w = strtok_r (NULL, ":", &save))
        parts[np++] = w;
      const char *src = parts[0], *dst = parts[0], *perm = "rwm";
      if (np == 3)
        dst = parts[1], perm = parts[2];
      else if (np == 2 && valid_mode (parts[1]))
        perm = parts[1];
      else if (np == 2)
        dst = parts[1];
      if (np < 1 || np > 3 || !valid_mode (perm))
        return cd_err_set (err, EINVAL, "invalid argument \"%s\" for \"--device\" flag: invalid "
                           "device specification: %s", v[i], v[i]);
      json_object *d = json_object_new_object ();
      json_object_object_add (d, "PathOnHost", json_object_new_string (src));
      json_object_object_add (d, "PathInContainer", json_object_new_string (dst));
      json_object_object_add (d, "CgroupPermissions", json_object_new_string (perm));
      json_object_array_add (a, d);
    }
  return 0;
}

/* --ulimit nofile=1024[:2048] */
static int
ulimits (const struct cli_args *args, json_object *hc, struct cd_err *err)
{
  size_t n;
  const char *const *v = cli_args_list (args, "ulimit", &n);
  if (n == 0)
    return 0;
  json_object *a = json_object_new_array ();
  json_object_object_add (hc, "Ulimits", a);
  for (size_t i = 0; i < n; i++)
    {
      const char *eq = strchr (v[i], '=');
      char *end = NULL, *end2 = NULL;
      long long soft = eq ? strtoll (eq + 1, &end, 10) : 0, hard = soft;
      if (end && *end == ':')
        hard = strtoll (end + 1, &end2, 10), end = end2;
      if (eq == NULL || eq == v[i] || end == eq + 1 || (end && *end))
        return cd_err_set (err, EINVAL, "invalid argument \"%s\" for \"--ulimit\" flag: invalid "
                           "ulimit argument: %s", v[i], v[i]);
      json_object *u = json_object_new_object ();
      json_object_object_add (u, "Name", json_object_new_string_len (v[i], (int) (eq - v[i])));
      json_object_object_add (u, "Hard", json_object_new_int64 (hard));
      json_object_object_add (u, "Soft", json_object_new_int64 (soft));
      json_object_array_add (a, u);
    }
  return 0;
}

int
cli_ctr_res_host_config (const struct cli_args *args, json_object *hc, struct cd_err *err)
{
  int r;
  if ((r = common_limits (args, hc, err)) < 0
      || (r = size_field (args, "shm-size", hc, "ShmSize", false, err)) < 0
      || (r = throttle_list (args, "device-read-bps", true, hc, "BlkioDeviceReadBps", err)) < 0
      || (r = throttle_list (args, "device-write-bps", true, hc, "BlkioDeviceWriteBps", err)) < 0
      || (r = throttle_list (args, "device-read-iops", false, hc, "BlkioDeviceReadIOps", err)) < 0
      || (r = throttle_list (args, "device-write-iops", false, hc, "BlkioDeviceWriteIOps", err))
             < 0
      || (r = devices (args, hc, err)) < 0 || (r = ulimits (args, hc, err)) < 0)
    return r;
  if (cli_args_isset (args, "memory-swappiness"))
    int_field (args, "memory-swappiness", hc, "MemorySwappiness");
  if (cli_args_bool (args, "oom-kill-disable"))
    json_object_object_add (hc, "OomKillDisable", json_object_new_boolean (1));
  int_field (args, "oom-score-adj", hc, "OomScoreAdj");
  str_field (args, "cgroup-parent", hc, "CgroupParent");
  size_t n;
  const char *const *sys = cli_args_list (args, "sysctl", &n);
  json_object *so = n ? json_object_new_object () : NULL;
  for (size_t i = 0; i < n; i++)
    {
      const char *eq = strchr (sys[i], '=');
      if (eq == NULL || eq == sys[i])
        {
          json_object_put (so);
          return cd_err_set (err, EINVAL, "invalid argument \"%s\" for \"--sysctl\" flag: sysctl "
                             "'%s' is not whitelisted", sys[i], sys[i]);
        }
      cleanup_free char *k = strndup (sys[i], (size_t) (eq - sys[i]));
      json_object_object_add (so, k, json_object_new_string (eq + 1));
    }
  if (so)
    json_object_object_add (hc, "Sysctls", so);
  return 0;
}

/* ---- update, pause, unpause ---- */

static int
post (struct cli_ctx *ctx, const char *id, const char *suffix, json_object *body,
      struct cd_err *err)
{
  cleanup_free char *path = cli_ctr_path (id, suffix);
  if (path == NULL)
    return cd_err_set (err, ENOMEM, "out of memory");
  cleanup_response struct cli_response resp = { 0 };
  int r = cli_http_call (ctx->http, "POST", path, body, &resp, err);
  json_object *warn = r == 0 ? cli_json_path (resp.json, "Warnings") : NULL;
  for (size_t i = 0; warn && json_object_is_type (warn, json_type_array)
                     && i < json_object_array_length (warn); i++)
    fprintf (stderr, "WARNING: %s\n", json_object_get_string (json_object_array_get_idx (warn, i)));
  return r;
}

static int
update_one (struct cli_ctx *ctx, const struct cli_args *args, const char *id, struct cd_err *err)
{
  cleanup_json json_object *body = json_object_new_object ();
  int r = common_limits (args, body, err);
  if (r < 0)
    return r;
  if (cli_args_isset (args, "restart"))
    {
      const char *s = cli_args_str (args, "restart");
      const char *colon = strchr (s, ':');
      json_object *p = json_object_new_object ();
      json_object_object_add (p, "Name", json_object_new_string_len (s, colon ? (int) (colon - s)
                                                                              : (int) strlen (s)));
      json_object_object_add (p, "MaximumRetryCount",
                              json_object_new_int64 (colon ? atoll (colon + 1) : 0));
      json_object_object_add (body, "RestartPolicy", p);
    }
  return post (ctx, id, "/update", body, err);
}

static int
update_run (struct cli_ctx *ctx, const struct cli_args *args, struct cd_err *err)
{
  return cli_ctr_each (ctx, args, update_one, 1, err);
}

static const struct cli_flag update_flags[] = {
  { "blkio-weight", 0, CLI_FLAG_INT, "uint16",
    "Block IO (relative weight), between 10 and 1000, or 0 to disable", NULL, NULL },
  { "cpu-period", 0, CLI_FLAG_INT, "int", "Limit CPU CFS (Completely Fair Scheduler) period",
    NULL, NULL },
  { "cpu-quota", 0, CLI_FLAG_INT, "int", "Limit CPU CFS (Completely Fair Scheduler) quota", NULL,
    NULL },
  { "cpu-shares", 'c', CLI_FLAG_INT, "int", "CPU shares (relative weight)", NULL, NULL },
  { "cpus", 0, CLI_FLAG_STRING, "decimal", "Number of CPUs", NULL, NULL },
  { "cpuset-cpus", 0, CLI_FLAG_STRING, "string", "CPUs in which to allow execution (0-3, 0,1)",
    NULL, NULL },
  { "cpuset-mems", 0, CLI_FLAG_STRING, "string", "MEMs in which to allow execution (0-3, 0,1)",
    NULL, NULL },
  { "memory", 'm', CLI_FLAG_STRING, "bytes", "Memory limit", NULL, NULL },
  { "memory-reservation", 0, CLI_FLAG_STRING, "bytes", "Memory soft limit", NULL, NULL },
  { "memory-swap", 0, CLI_FLAG_STRING, "bytes",
    "Swap limit equal to memory plus swap: '-1' to enable unlimited swap", NULL, NULL },
  { "pids-limit", 0, CLI_FLAG_INT, "int", "Tune container pids limit (set -1 for unlimited)",
    NULL, NULL },
  { "restart", 0, CLI_FLAG_STRING, "string", "Restart policy to apply when a container exits",
    NULL, NULL },
  { NULL, 0, 0, NULL, NULL, NULL, NULL },
};

const struct cli_cmd cli_cmd_update = {
  .name = "update",
  .summary = "Update configuration of one or more containers",
  .usage = "[OPTIONS] CONTAINER [CONTAINER...]",
  .flags = update_flags,
  .min_args = 1,
  .max_args = -1,
  .run = update_run,
};

static int
pause_one (struct cli_ctx *ctx, const struct cli_args *args, const char *id, struct cd_err *err)
{
  (void) args;
  return post (ctx, id, "/pause", NULL, err);
}

static int
unpause_one (struct cli_ctx *ctx, const struct cli_args *args, const char *id,
             struct cd_err *err)
{
  (void) args;
  return post (ctx, id, "/unpause", NULL, err);
}

static int
pause_run (struct cli_ctx *ctx, const struct cli_args *args, struct cd_err *err)
{
  return cli_ctr_each (ctx, args, pause_one, 1, err);
}

static int
unpause_run (struct cli_ctx *ctx, const struct cli_args *args, struct cd_err *err)
{
  return cli_ctr_each (ctx, args, unpause_one, 1, err);
}

static const struct cli_flag no_flags[] = {
  { NULL, 0, 0, NULL, NULL, NULL, NULL },
};

const struct cli_cmd cli_cmd_pause = {
  .name = "pause",
  .summary = "Pause all processes within one or more containers",
  .usage = "CONTAINER [CONTAINER...]",
  .flags = no_flags,
  .min_args = 1,
  .max_args = -1,
  .run = pause_run,
};

const struct cli_cmd cli_cmd_unpause = {
  .name = "unpause",
  .summary = "Unpause all processes within one or more containers",
  .usage = "CONTAINER [CONTAINER...]",
  .flags = no_flags,
  .min_args = 1,
  .max_args = -1,
  .run = unpause_run,
};
