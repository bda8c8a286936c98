/* HostConfig checks at create that are not cgroup limits: Devices, Ulimits,
 * OomScoreAdj, Sysctls, CgroupParent. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include "cleanup.h"
#include "daemon/ctr_resources.h"
#include "fsutil.h"

int ctr_res_check_misc (json_object *hc, struct cd_err *err);
int ctr_ulimit_resource (const char *name);

static json_object *
get (json_object *o, const char *k)
{
  json_object *v = NULL;
  if (o && json_object_is_type (o, json_type_object))
    json_object_object_get_ex (o, k, &v);
  return v;
}

static int
check_devices (json_object *hc, struct cd_err *err)
{
  json_object *a = get (hc, "Devices");
  for (size_t i = 0; a && i < json_object_array_length (a); i++)
    {
      json_object *d = json_object_array_get_idx (a, i);
      const char *host = json_object_get_string (get (d, "PathOnHost"));
      const char *ctr = json_object_get_string (get (d, "PathInContainer"));
      const char *perm = json_object_get_string (get (d, "CgroupPermissions"));
      struct stat st;
      if (host == NULL || host[0] == '\0')
        return cd_err_set (err, EINVAL, "invalid device: PathOnHost is required");
      if (ctr && ctr[0] && ctr[0] != '/')
        return cd_err_set (err, EINVAL, "%s is not an absolute path", ctr);
      if (perm && (strlen (perm) > 3 || strspn (perm, "rwm") != strlen (perm)))
        return cd_err_set (err, EINVAL, "bad mode specified: %s", perm);
      if (stat (host, &st) < 0)
        return cd_err_sys (err, errno, "error gathering device information while adding custom "
                           "device \"%s\"", host);
      if (!S_ISCHR (st.st_mode) && !S_ISBLK (st.st_mode))
        return cd_err_set (err, EINVAL, "error gathering device information while adding custom "
                           "device \"%s\": not a device node", host);
    }
  return 0;
}

int
ctr_ulimit_resource (const char *name)
{
  static const struct
  {
    const char *name;
    int res;
  } t[] = {
    { "core", RLIMIT_CORE },       { "cpu", RLIMIT_CPU },         { "data", RLIMIT_DATA },
    { "fsize", RLIMIT_FSIZE },     { "locks", RLIMIT_LOCKS },     { "memlock", RLIMIT_MEMLOCK },
    { "msgqueue", RLIMIT_MSGQUEUE }, { "nice", RLIMIT_NICE },     { "nofile", RLIMIT_NOFILE },
    { "nproc", RLIMIT_NPROC },     { "rss", RLIMIT_RSS },         { "rtprio", RLIMIT_RTPRIO },
    { "rttime", RLIMIT_RTTIME },   { "sigpending", RLIMIT_SIGPENDING }, { "stack", RLIMIT_STACK },
  };
  for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
    if (strcmp (t[i].name, name) == 0)
      return t[i].res;
  return -1;
}

/* Raising a hard limit needs CAP_SYS_RESOURCE, which this daemon may lack
 * (DESIGN.md): refuse at create what would fail at every start. */
static int
check_ulimits (json_object *hc, struct cd_err *err)
{
  json_object *a = get (hc, "Ulimits");
  for (size_t i = 0; a && i < json_object_array_length (a); i++)
    {
      json_object *u = json_object_array_get_idx (a, i);
      const char *name = json_object_get_string (get (u, "Name"));
      int64_t soft = json_object_get_int64 (get (u, "Soft"));
      int64_t hard = json_object_get_int64 (get (u, "Hard"));
      int res = name ? ctr_ulimit_resource (name) : -1;
      if (res < 0)
        return cd_err_set (err, EINVAL, "invalid ulimit type: %s", name ? name : "");
      if (soft > hard)
        return cd_err_set (err, EINVAL, "ulimit soft limit must be less than or equal to hard "
                                        "limit: %lld > %lld", (long long) soft, (long long) hard);
      struct rlimit cur;
      if (getrlimit (res, &cur) == 0 && cur.rlim_max != RLIM_INFINITY
          && (hard < 0 || (uint64_t) hard > cur.rlim_max))
        return cd_err_set (err, EINVAL, "ulimit %s: hard limit %lld is above the daemon's own "
                           "hard limit %llu (raising it needs CAP_SYS_RESOURCE)", name,
                           (long long) hard, (unsigned long long) cur.rlim_max);
    }
  return 0;
}

static bool
has_sys_resource (void)
{
  cleanup_free char *status = NULL;
  struct cd_err ignore;
  if (cd_read_file ("/proc/self/status", &status, NULL, &ignore) < 0)
    return false;
  const char *p = strstr (status, "CapEff:");
  return p && (strtoull (p + 7, NULL, 16) & (1ULL << 24 /* CAP_SYS_RESOURCE */));
}

static int
check_oom_score (json_object *hc, struct cd_err *err)
{
  int64_t adj = json_object_get_int64 (get (hc, "OomScoreAdj"));
  if (adj < -1000 || adj > 1000)
    return cd_err_set (err, EINVAL, "Invalid value %lld, range for oom score adj is [-1000, 1000]",
                       (long long) adj);
  if (adj >= 0)
    return 0;
  cleanup_free char *own = NULL;
  struct cd_err ignore;
  long mine = 0;
  if (cd_read_file ("/proc/self/oom_score_adj", &own, NULL, &ignore) == 0)
    mine = strtol (own, NULL, 10);
  if (adj < mine && !has_sys_resource ())
    return cd_err_set (err, EINVAL, "oom score adj %lld: lowering it below the daemon's own (%ld)"
                       " needs CAP_SYS_RESOURCE, which the daemon lacks", (long long) adj, mine);
  return 0;
}

/* Docker's list of namespaced sysctls (opts.ValidateSysctl). */
static bool
namespaced (const char *k)
{
  static const char *const exact[] = { "kernel.msgmax", "kernel.msgmnb", "kernel.msgmni",
                                       "kernel.sem", "kernel.shmall", "kernel.shmmax",
                                       "kernel.shmmni", "kernel.shm_rmid_forced", NULL };
  for (int i = 0; exact[i]; i++)
    if (strcmp (k, exact[i]) == 0)
      return true;
  return strncmp (k, "fs.mqueue.", 10) == 0 || strncmp (k, "net.", 4) == 0;
}

static int
check_sysctls (json_object *hc, struct cd_err *err)
{
  json_object *s = get (hc, "Sysctls");
  if (s == NULL || !json_object_is_type (s, json_type_object))
    return 0;
  const char *nm = json_object_get_string (get (hc, "NetworkMode"));
  bool hostnet = nm && strcmp (nm, "host") == 0;
  json_object_object_foreach (s, k, v)
  {
    if (!json_object_is_type (v, json_type_string))
      return cd_err_set (err, EINVAL, "invalid type for field Sysctls.%s: expected a string", k);
    if (!namespaced (k) || strstr (k, "..") || strchr (k, '/'))
      return cd_err_set (err, EINVAL, "sysctl '%s' is not allowed: only namespaced sysctls "
                         "(kernel.msg*, kernel.sem, kernel.shm*, fs.mqueue.*, net.*) can be set "
                         "in a container", k);
    if (hostnet && strncmp (k, "net.", 4) == 0)
      return cd_err_set (err, EINVAL, "sysctl \"%s\" not allowed in host network namespace", k);
  }
  return 0;
}

int
ctr_res_check_misc (json_object *hc, struct cd_err *err)
{
  int r;
  if ((r = check_devices (hc, err)) < 0 || (r = check_ulimits (hc, err)) < 0
      || (r = check_oom_score (hc, err)) < 0 || (r = check_sysctls (hc, err)) < 0)
    return r;
  const char *cp = json_object_get_string (get (hc, "CgroupParent"));
  if (cp && (strstr (cp, "..") || strchr (cp, '\n') || strlen (cp) > 200))
    return cd_err_set (err, EINVAL, "invalid CgroupParent \"%s\"", cp);
  return 0;
}
