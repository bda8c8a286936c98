/* linux.resources of config.json into struct rt_resources. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "fsutil.h"
#include "runtime/cgroup_limits.h"

static json_object *
member (json_object *o, const char *k)
{
  json_object *v = NULL;
  if (o && json_object_is_type (o, json_type_object))
    json_object_object_get_ex (o, k, &v);
  return v;
}

/* An optional integer member: 0 and *has false when absent or null. */
static int
get_int (json_object *o, const char *k, const char *where, int64_t min, int64_t *out, bool *has,
         struct cd_err *err)
{
  json_object *v = member (o, k);
  if (has)
    *has = false;
  if (v == NULL || json_object_is_type (v, json_type_null))
    return 0;
  if (!json_object_is_type (v, json_type_int))
    return cd_err_set (err, EINVAL, "linux.resources.%s.%s: must be an integer", where, k);
  int64_t n = json_object_get_int64 (v);
  if (n < min)
    return cd_err_set (err, EINVAL, "linux.resources.%s.%s: %lld is out of range", where, k,
                       (long long) n);
  *out = n;
  if (has)
    *has = true;
  return 0;
}

static int
get_str (json_object *o, const char *k, const char *where, char **out, struct cd_err *err)
{
  json_object *v = member (o, k);
  if (v == NULL || json_object_is_type (v, json_type_null))
    return 0;
  if (!json_object_is_type (v, json_type_string))
    return cd_err_set (err, EINVAL, "linux.resources.%s.%s: must be a string", where, k);
  const char *s = json_object_get_string (v);
  if (s[0] == '\0')
    return 0;
  if (strpbrk (s, "\n ") || (*out = strdup (s)) == NULL)
    return cd_err_set (err, EINVAL, "linux.resources.%s.%s: invalid value \"%s\"", where, k, s);
  return 0;
}

static int
parse_memory (json_object *m, struct rt_resources *r, struct cd_err *err)
{
  int64_t sw = 0;
  bool b = false;
  int ret;
  if ((ret = get_int (m, "limit", "memory", -1, &r->mem_limit, NULL, err)) < 0
      || (ret = get_int (m, "reservation", "memory", -1, &r->mem_reservation, NULL, err)) < 0
      || (ret = get_int (m, "swap", "memory", -1, &r->mem_swap, NULL, err)) < 0
      || (ret = get_int (m, "swappiness", "memory", 0, &sw, &r->has_swappiness, err)) < 0)
    return ret;
  if (r->has_swappiness && sw > 100)
    return cd_err_set (err, EINVAL, "linux.resources.memory.swappiness: %lld is not between 0 "
                                    "and 100", (long long) sw);
  r->swappiness = (uint64_t) sw;
  json_object *d = member (m, "disableOOMKiller");
  if (d && json_object_is_type (d, json_type_boolean))
    b = json_object_get_boolean (d);
  r->disable_oom_killer = b;
  return 0;
}

static int
parse_cpu (json_object *c, struct rt_resources *r, struct cd_err *err)
{
  int64_t shares = 0, period = 0;
  int ret;
  if ((ret = get_int (c, "shares", "cpu", 0, &shares, NULL, err)) < 0
      || (ret = get_int (c, "quota", "cpu", -1, &r->cpu_quota, NULL, err)) < 0
      || (ret = get_int (c, "period", "cpu", 0, &period, NULL, err)) < 0
      || (ret = get_str (c, "cpus", "cpu", &r->cpus, err)) < 0
      || (ret = get_str (c, "mems", "cpu", &r->mems, err)) < 0)
    return ret;
  r->cpu_shares = (uint64_t) shares;
  r->cpu_period = (uint64_t) period;
  return 0;
}

static int
parse_throttle (json_object *bio, const char *key, enum rt_thr_kind kind, struct rt_resources *r,
                struct cd_err *err)
{
  json_object *a = member (bio, key);
  if (a == NULL || json_object_is_type (a, json_type_null))
    return 0;
  if (!json_object_is_type (a, json_type_array))
    return cd_err_set (err, EINVAL, "linux.resources.blockIO.%s: must be an array", key);
  size_t n = json_object_array_length (a);
  r->thr[kind] = calloc (n ? n : 1, sizeof *r->thr[kind]);
  if (r->thr[kind] == NULL)
    return cd_err_set (err, ENOMEM, "out of memory");
  for (size_t i = 0; i < n; i++)
    {
      json_object *e = json_object_array_get_idx (a, i);
      int64_t maj = 0, min = 0, rate = 0;
      char where[64];
      snprintf (where, sizeof where, "blockIO.%s[%zu]", key, i);
      int ret;
      if ((ret = get_int (e, "major", where, 0, &maj, NULL, err)) < 0
          || (ret = get_int (e, "minor", where, 0, &min, NULL, err)) < 0
          || (ret = get_int (e, "rate", where, 0, &rate, NULL, err)) < 0)
        return ret;
      r->thr[kind][r->n_thr[kind]++]
          = (struct rt_throttle){ (unsigned) maj, (unsigned) min, (uint64_t) rate };
    }
  return 0;
}

static int
parse_blkio (json_object *b, struct rt_resources *r, struct cd_err *err)
{
  int64_t w = 0;
  int ret = get_int (b, "weight", "blockIO", 0, &w, NULL, err);
  if (ret < 0)
    return ret;
  if (w != 0 && (w < 10 || w > 1000))
    return cd_err_set (err, EINVAL, "linux.resources.blockIO.weight: %lld is not between 10 "
                                    "and 1000", (long long) w);
  r->blkio_weight = (uint16_t) w;
  static const char *const keys[RT_THR_N] = { "throttleReadBpsDevice", "throttleWriteBpsDevice",
                                              "throttleReadIOPSDevice",
                                              "throttleWriteIOPSDevice" };
  for (int k = 0; k < RT_THR_N; k++)
    if ((ret = parse_throttle (b, keys[k], (enum rt_thr_kind) k, r, err)) < 0)
      return ret;
  return 0;
}

static int
parse_dev_rule (json_object *e, const char *where, struct rt_dev_rule *d, struct cd_err *err)
{
  json_object *allow = member (e, "allow"), *type = member (e, "type");
  json_object *access = member (e, "access");
  if (allow == NULL || !json_object_is_type (allow, json_type_boolean))
    return cd_err_set (err, EINVAL, "linux.resources.%s.allow: must be a boolean", where);
  d->allow = json_object_get_boolean (allow);
  const char *t = type ? json_object_get_string (type) : "a";
  if (strlen (t) != 1 || strchr ("acb", t[0]) == NULL)
    return cd_err_set (err, EINVAL, "linux.resources.%s.type: \"%s\" is not one of a, c, b",
                       where, t);
  d->type = t[0];
  d->major = d->minor = -1;
  int ret;
  if ((ret = get_int (e, "major", where, -1, &d->major, NULL, err)) < 0
      || (ret = get_int (e, "minor", where, -1, &d->minor, NULL, err)) < 0)
    return ret;
  if (member (e, "major") == NULL)
    d->major = -1;
  if (member (e, "minor") == NULL)
    d->minor = -1;
  const char *a = access ? json_object_get_string (access) : "rwm";
  if (a[0] == '\0')
    a = "rwm";
  if (strlen (a) > 3 || strspn (a, "rwm") != strlen (a))
    return cd_err_set (err, EINVAL, "linux.resources.%s.access: \"%s\" is not a subset of rwm",
                       where, a);
  snprintf (d->access, sizeof d->access, "%s", a);
  return 0;
}

static int
parse_devices (json_object *a, struct rt_resources *r, struct cd_err *err)
{
  if (a == NULL || json_object_is_type (a, json_type_null))
    return 0;
  if (!json_object_is_type (a, json_type_array))
    return cd_err_set (err, EINVAL, "linux.resources.devices: must be an array");
  size_t n = json_object_array_length (a);
  r->dev = calloc (n ? n : 1, sizeof *r->dev);
  if (r->dev == NULL)
    return cd_err_set (err, ENOMEM, "out of memory");
  for (size_t i = 0; i < n; i++)
    {
      char where[40];
      snprintf (where, sizeof where, "devices[%zu]", i);
      int ret = parse_dev_rule (json_object_array_get_idx (a, i), where, &r->dev[r->n_dev++], err);
      if (ret < 0)
        return ret;
    }
  return 0;
}

int
rt_res_parse (json_object *res, struct rt_resources *r, struct cd_err *err)
{
  memset (r, 0, sizeof *r);
  if (res == NULL || json_object_is_type (res, json_type_null))
    return 0;
  if (!json_object_is_type (res, json_type_object))
    return cd_err_set (err, EINVAL, "linux.resources: must be an object");
  int64_t pids = 0;
  int ret;
  if ((ret = parse_memory (member (res, "memory"), r, err)) < 0
      || (ret = parse_cpu (member (res, "cpu"), r, err)) < 0
      || (ret = get_int (member (res, "pids"), "limit", "pids", INT64_MIN, &pids, NULL, err)) < 0
      || (ret = parse_blkio (member (res, "blockIO"), r, err)) < 0
      || (ret = parse_devices (member (res, "devices"), r, err)) < 0)
    {
      rt_res_free (r);
      return ret;
    }
  r->pids_limit = pids < 0 ? -1 : pids;
  return 0;
}

int
rt_res_load (const char *bundle, struct rt_resources *r, struct cd_err *err)
{
  memset (r, 0, sizeof *r);
  cleanup_free char *path = cd_path_join (bundle, "config.json"), *text = NULL;
  if (path == NULL)
    return cd_err_set (err, ENOMEM, "out of memory");
  int ret = cd_read_file (path, &text, NULL, err);
  if (ret < 0)
    return ret;
  json_object *root = json_tokener_parse (text), *lx = member (root, "linux");
  ret = rt_res_parse (member (lx, "resources"), r, err);
  json_object_put (root);
  return ret;
}

void
rt_res_free (struct rt_resources *r)
{
  free (r->cpus);
  free (r->mems);
  for (int k = 0; k < RT_THR_N; k++)
    free (r->thr[k]);
  free (r->dev);
  memset (r, 0, sizeof *r);
}

bool
rt_res_empty (const struct rt_resources *r)
{
  static const struct rt_resources zero;
  return memcmp (r, &zero, sizeof zero) == 0;
}
