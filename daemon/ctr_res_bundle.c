/* HostConfig resource fields into config.json (as dockerd's oci_linux.go). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "daemon/ctr_resources.h"

int ctr_ulimit_resource (const char *name);

static json_object *
get (json_object *o, const char *k)
{
  json_object *v = NULL;
  if (o && json_object_is_type (o, json_type_object))
    json_object_object_get_ex (o, k, &v);
  return v;
}

static int64_t
num (json_object *hc, const char *k)
{
  return json_object_get_int64 (get (hc, k));
}

static void
add_i64 (json_object *o, const char *k, int64_t v)
{
  json_object_object_add (o, k, json_object_new_int64 (v));
}

static json_object *
dev_rule (bool allow, const char *type, int64_t major, int64_t minor, const char *access)
{
  json_object *r = json_object_new_object ();
  json_object_object_add (r, "allow", json_object_new_boolean (allow));
  if (type)
    json_object_object_add (r, "type", json_object_new_string (type));
  if (major >= 0)
    add_i64 (r, "major", major);
  if (minor >= 0)
    add_i64 (r, "minor", minor);
  json_object_object_add (r, "access", json_object_new_string (access));
  return r;
}

/* Docker's default device cgroup: deny all, then the default nodes, mknod
 * of anything, pty slaves, /dev/ptmx, /dev/net/tun (runc's AllowedDevices). */
static json_object *
default_dev_rules (void)
{
  static const struct
  {
    const char *type;
    int major, minor;
    const char *access;
  } allow[] = {
    { "c", -1, -1, "m" },    { "b", -1, -1, "m" },    { "c", 1, 3, "rwm" },  { "c", 1, 5, "rwm" },
    { "c", 1, 7, "rwm" },    { "c", 1, 8, "rwm" },    { "c", 1, 9, "rwm" },  { "c", 5, 0, "rwm" },
    { "c", 5, 1, "rwm" },    { "c", 5, 2, "rwm" },    { "c", 136, -1, "rwm" }, { "c", 10, 200, "rwm" },
  };
  json_object *a = json_object_new_array ();
  json_object_array_add (a, dev_rule (false, NULL, -1, -1, "rwm"));
  for (size_t i = 0; i < sizeof allow / sizeof allow[0]; i++)
    json_object_array_add (a, dev_rule (true, allow[i].type, allow[i].major, allow[i].minor,
                                        allow[i].access));
  return a;
}

static json_object *
memory (json_object *hc)
{
  json_object *m = json_object_new_object ();
  int64_t mem = num (hc, "Memory"), swap = num (hc, "MemorySwap");
  if (mem)
    add_i64 (m, "limit", mem);
  if (num (hc, "MemoryReservation"))
    add_i64 (m, "reservation", num (hc, "MemoryReservation"));
  if (swap)
    add_i64 (m, "swap", swap);
  json_object *sw = get (hc, "MemorySwappiness");
  if (sw && json_object_is_type (sw, json_type_int) && json_object_get_int64 (sw) >= 0)
    add_i64 (m, "swappiness", json_object_get_int64 (sw));
  if (json_object_get_boolean (get (hc, "OomKillDisable")))
    json_object_object_add (m, "disableOOMKiller", json_object_new_boolean (1));
  return m;
}

static json_object *
cpu (json_object *hc)
{
  json_object *c = json_object_new_object ();
  int64_t nano = num (hc, "NanoCpus");
  if (num (hc, "CpuShares"))
    add_i64 (c, "shares", num (hc, "CpuShares"));
  if (nano > 0)
    {
      add_i64 (c, "period", 100000);
      add_i64 (c, "quota", nano * 100000 / 1000000000LL);
    }
  else
    {
      if (num (hc, "CpuPeriod"))
        add_i64 (c, "period", num (hc, "CpuPeriod"));
      if (num (hc, "CpuQuota"))
        add_i64 (c, "quota", num (hc, "CpuQuota"));
    }
  const char *cpus = json_object_get_string (get (hc, "CpusetCpus"));
  const char *mems = json_object_get_string (get (hc, "CpusetMems"));
  if (cpus && *cpus)
    json_object_object_add (c, "cpus", json_object_new_string (cpus));
  if (mems && *mems)
    json_object_object_add (c, "mems", json_object_new_string (mems));
  return c;
}

static int
throttle (json_object *hc, const char *field, json_object *bio, const char *key,
          struct cd_err *err)
{
  json_object *a = get (hc, field), *out = json_object_new_array ();
  json_object_object_add (bio, key, out);
  for (size_t i = 0; a && i < json_object_array_length (a); i++)
    {
      json_object *e = json_object_array_get_idx (a, i);
      const char *path = json_object_get_string (get (e, "Path"));
      struct stat st;
      if (path == NULL || stat (path, &st) < 0)
        return cd_err_sys (err, errno, "%s: stat %s", field, path ? path : "");
      json_object *t = json_object_new_object ();
      add_i64 (t, "major", major (st.st_rdev));
      add_i64 (t, "minor", minor (st.st_rdev));
      add_i64 (t, "rate", num (e, "Rate"));
      json_object_array_add (out, t);
    }
  return 0;
}

static int
blkio (json_object *hc, json_object *res, struct cd_err *err)
{
  json_object *b = json_object_new_object ();
  json_object_object_add (res, "blockIO", b);
  if (num (hc, "BlkioWeight"))
    add_i64 (b, "weight", num (hc, "BlkioWeight"));
  int r;
  if ((r = throttle (hc, "BlkioDeviceReadBps", b, "throttleReadBpsDevice", err)) < 0
      || (r = throttle (hc, "BlkioDeviceWriteBps", b, "throttleWriteBpsDevice", err)) < 0
      || (r = throttle (hc, "BlkioDeviceReadIOps", b, "throttleReadIOPSDevice", err)) < 0
      || (r = throttle (hc, "BlkioDeviceWriteIOps", b, "throttleWriteIOPSDevice", err)) < 0)
    return r;
  return 0;
}

/* HostConfig.Devices: a node in linux.devices and an allow rule each. */
static int
devices (json_object *hc, json_object *nodes, json_object *rules, struct cd_err *err)
{
  json_object *a = get (hc, "Devices");
  for (size_t i = 0; a && i < json_object_array_length (a); i++)
    {
      json_object *d = json_object_array_get_idx (a, i);
      const char *host = json_object_get_string (get (d, "PathOnHost"));
      const char *ctr = json_object_get_string (get (d, "PathInContainer"));
      const char *perm = json_object_get_string (get (d, "CgroupPermissions"));
      struct stat st;
      if (host == NULL || stat (host, &st) < 0)
        return cd_err_sys (err, errno, "error gathering device information while adding custom "
                           "device \"%s\"", host ? host : "");
      const char *type = S_ISBLK (st.st_mode) ? "b" : "c";
      json_object *n = json_object_new_object ();
      json_object_object_add (n, "path", json_object_new_string (ctr && *ctr ? ctr : host));
      json_object_object_add (n, "type", json_object_new_string (type));
      add_i64 (n, "major", major (st.st_rdev));
      add_i64 (n, "minor", minor (st.st_rdev));
      add_i64 (n, "fileMode", st.st_mode & 0777);
      add_i64 (n, "uid", 0);
      add_i64 (n, "gid", 0);
      if (nodes)
        json_object_array_add (nodes, n);
      else
        json_object_put (n);
      json_object_array_add (rules, dev_rule (true, type, major (st.st_rdev), minor (st.st_rdev),
                                              perm && *perm ? perm : "rwm"));
    }
  return 0;
}

static json_object *
oci (json_object *hc, json_object *nodes, struct cd_err *err)
{
  json_object *res = json_object_new_object ();
  json_object_object_add (res, "memory", memory (hc));
  json_object_object_add (res, "cpu", cpu (hc));
  if (num (hc, "PidsLimit") > 0)
    {
      json_object *p = json_object_new_object ();
      add_i64 (p, "limit", num (hc, "PidsLimit"));
      json_object_object_add (res, "pids", p);
    }
  json_object *rules;
  if (json_object_get_boolean (get (hc, "Privileged")))
    {
      rules = json_object_new_array ();
      json_object_array_add (rules, dev_rule (true, "a", -1, -1, "rwm"));
    }
  else
    rules = default_dev_rules ();
  json_object_object_add (res, "devices", rules);
  if (blkio (hc, res, err) < 0 || devices (hc, nodes, rules, err) < 0)
    {
      json_object_put (res);
      return NULL;
    }
  return res;
}

json_object *
ctr_res_oci (json_object *hc, struct cd_err *err)
{
  return oci (hc, NULL, err);
}

static void
rlimits (json_object *hc, json_object *process)
{
  json_object *a = get (hc, "Ulimits");
  if (a == NULL || !json_object_is_type (a, json_type_array) || !json_object_array_length (a))
    return;
  json_object *out = json_object_new_array ();
  for (size_t i = 0; i < json_object_array_length (a); i++)
    {
      json_object *u = json_object_array_get_idx (a, i), *l = json_object_new_object ();
      char type[64];
      const char *name = json_object_get_string (get (u, "Name"));
      snprintf (type, sizeof type, "RLIMIT_%s", name ? name : "");
      for (char *p = type; *p; p++)
        *p = (char) (*p >= 'a' && *p <= 'z' ? *p - 32 : *p);
      json_object_object_add (l, "type", json_object_new_string (type));
      add_i64 (l, "hard", num (u, "Hard"));
      add_i64 (l, "soft", num (u, "Soft"));
      json_object_array_add (out, l);
    }
  json_object_object_add (process, "rlimits", out);
}

int
ctr_res_bundle (json_object *hc, const char *id, json_object *spec, struct cd_err *err)
{
  json_object *lx = get (spec, "linux"), *process = get (spec, "process");
  json_object *nodes = get (lx, "devices");
  json_object *res = oci (hc, nodes, err);
  if (res == NULL)
    return -err->code;
  json_object_object_add (lx, "resources", res);
  rlimits (hc, process);
  if (num (hc, "OomScoreAdj"))
    json_object_object_add (process, "oomScoreAdj", json_object_new_int64 (num (hc, "OomScoreAdj")));
  json_object *sys = get (hc, "Sysctls");
  if (sys && json_object_is_type (sys, json_type_object) && json_object_object_length (sys))
    json_object_object_add (lx, "sysctl", json_object_get (sys));
  const char *parent = json_object_get_string (get (hc, "CgroupParent"));
  if (parent && *parent)
    {
      char cg[512];
      while (*parent == '/')
        parent++;
      snprintf (cg, sizeof cg, "/%s%s%s", parent, *parent ? "/" : "", id);
      json_object_object_add (lx, "cgroupsPath", json_object_new_string (cg));
    }
  return 0;
}
