/* HostConfig resource fields: types, Docker's rules and messages
 * (daemon/daemon_unix.go verifyPlatformContainerResources), defaults. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "daemon/ctr_resources.h"
#include "fsutil.h"

#define MIN_MEMORY (6LL << 20)

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
warn (json_object *warnings, const char *msg)
{
  if (warnings)
    json_object_array_add (warnings, json_object_new_string (msg));
}

static int
check_types (json_object *hc, struct cd_err *err)
{
  static const char *const ints[] = {
    "Memory", "MemoryReservation", "MemorySwap", "MemorySwappiness", "NanoCpus", "CpuShares",
    "CpuPeriod", "CpuQuota", "PidsLimit", "BlkioWeight", "OomScoreAdj", "CpuRealtimePeriod",
    "CpuRealtimeRuntime", "KernelMemory", NULL,
  };
  static const char *const strs[] = { "CpusetCpus", "CpusetMems", "CgroupParent", NULL };
  static const char *const arrays[] = { "BlkioDeviceReadBps", "BlkioDeviceWriteBps",
                                        "BlkioDeviceReadIOps", "BlkioDeviceWriteIOps",
                                        "Devices", "Ulimits", NULL };
  for (int i = 0; ints[i]; i++)
    {
      json_object *v = get (hc, ints[i]);
      if (v && !json_object_is_type (v, json_type_null) && !json_object_is_type (v, json_type_int))
        return cd_err_set (err, EINVAL, "invalid type for field %s: expected an integer", ints[i]);
    }
  for (int i = 0; strs[i]; i++)
    {
      json_object *v = get (hc, strs[i]);
      if (v && !json_object_is_type (v, json_type_null)
          && !json_object_is_type (v, json_type_string))
        return cd_err_set (err, EINVAL, "invalid type for field %s: expected a string", strs[i]);
    }
  for (int i = 0; arrays[i]; i++)
    {
      json_object *v = get (hc, arrays[i]);
      if (v && !json_object_is_type (v, json_type_null)
          && !json_object_is_type (v, json_type_array))
        return cd_err_set (err, EINVAL, "invalid type for field %s: expected an array", arrays[i]);
    }
  json_object *s = get (hc, "Sysctls");
  if (s && !json_object_is_type (s, json_type_null) && !json_object_is_type (s, json_type_object))
    return cd_err_set (err, EINVAL, "invalid type for field Sysctls: expected an object");
  return 0;
}

static int
check_memory (json_object *hc, bool update, json_object *warnings, struct cd_err *err)
{
  int64_t mem = num (hc, "Memory"), swap = num (hc, "MemorySwap");
  int64_t res = num (hc, "MemoryReservation");
  json_object *sw = get (hc, "MemorySwappiness");
  if (mem != 0 && mem < MIN_MEMORY)
    return cd_err_set (err, EINVAL, "Minimum memory limit allowed is 6MB");
  if (mem > 0 && swap > 0 && swap < mem)
    return cd_err_set (err, EINVAL, "Minimum memoryswap limit should be larger than memory "
                                    "limit, see usage");
  if (mem == 0 && swap > 0 && !update)
    return cd_err_set (err, EINVAL, "You should always set the Memory limit when using "
                                    "Memoryswap limit, see usage");
  if (sw && !json_object_is_type (sw, json_type_null))
    {
      int64_t v = json_object_get_int64 (sw);
      if (v != -1 && (v < 0 || v > 100))
        return cd_err_set (err, EINVAL, "Invalid value: %lld, valid memory swappiness range is "
                                        "0-100", (long long) v);
    }
  if (res != 0 && res < MIN_MEMORY)
    return cd_err_set (err, EINVAL, "Minimum memory reservation allowed is 6MB");
  if (mem > 0 && res > 0 && mem < res)
    return cd_err_set (err, EINVAL, "Minimum memory limit can not be less than memory "
                                    "reservation limit, see usage");
  if (json_object_get_boolean (get (hc, "OomKillDisable")) && mem == 0)
    warn (warnings, "OOM killer is disabled for the container, but no memory limit is set, "
                    "this can result in the system running out of resources.");
  return 0;
}

/* Docker's parsers.ParseUintList: "0-2,4"; marks each number in set. */
static int
parse_list (const char *s, bool *set, size_t cap)
{
  if (s[0] == '\0')
    return 0;
  cleanup_free char *buf = strdup (s);
  if (buf == NULL)
    return -1;
  char *save = NULL;
  for (char *w = strtok_r (buf, ",", &save); w; w = strtok_r (NULL, ",", &save))
    {
      char *end;
      long a = strtol (w, &end, 10), b = a;
      if (end == w || a < 0)
        return -1;
      if (*end == '-')
        {
          char *e2;
          b = strtol (end + 1, &e2, 10);
          if (e2 == end + 1 || *e2 || b < a)
            return -1;
        }
      else if (*end)
        return -1;
      for (long i = a; i <= b; i++)
        if ((size_t) i < cap)
          set[i] = true;
        else
          set[cap - 1] = true;  /* beyond any host: never available */
    }
  return 0;
}

/* The host's list: the root cpuset (v1), else the kernel's online list. */
static void
host_list (const char *cpuset_file, const char *online, char *out, size_t len)
{
  cleanup_free char *t = NULL;
  struct cd_err ignore;
  if (cd_read_file (cpuset_file, &t, NULL, &ignore) < 0 || t[0] == '\n' || t[0] == '\0')
    {
      free (t);
      t = NULL;
      if (cd_read_file (online, &t, NULL, &ignore) < 0)
        {
          snprintf (out, len, "0");
          return;
        }
    }
  snprintf (out, len, "%.*s", (int) strcspn (t, "\n"), t);
}

static int
check_cpuset (json_object *hc, const char *field, struct cd_err *err)
{
  const char *want = json_object_get_string (get (hc, field));
  if (want == NULL || want[0] == '\0')
    return 0;
  bool cpus = strcmp (field, "CpusetCpus") == 0;
  enum { CAP = 4097 };
  cleanup_free bool *req = calloc (CAP, sizeof *req), *have = calloc (CAP, sizeof *have);
  if (req == NULL || have == NULL)
    return cd_err_set (err, ENOMEM, "out of memory");
  if (parse_list (want, req, CAP) < 0)
    return cd_err_set (err, EINVAL, "Invalid value %s for cpuset %s", want, cpus ? "cpus" : "mems");
  char avail[512];
  host_list (cpus ? "/sys/fs/cgroup/cpuset/cpuset.cpus" : "/sys/fs/cgroup/cpuset/cpuset.mems",
             cpus ? "/sys/devices/system/cpu/online" : "/sys/devices/system/node/online", avail,
             sizeof avail);
  parse_list (avail, have, CAP - 1);
  for (size_t i = 0; i < CAP; i++)
    if (req[i] && !have[i])
      return cd_err_set (err, EINVAL, "Requested %s are not available - requested %s, available: "
                         "%s", cpus ? "CPUs" : "memory nodes", want, avail);
  return 0;
}

static int
check_cpu (json_object *hc, struct cd_err *err)
{
  int64_t nano = num (hc, "NanoCpus"), period = num (hc, "CpuPeriod");
  int64_t quota = num (hc, "CpuQuota");
  long ncpu = sysconf (_SC_NPROCESSORS_ONLN);
  if (nano > 0 && period > 0)
    return cd_err_set (err, EINVAL, "Conflicting options: Nano CPUs and CPU Period cannot both "
                                    "be set");
  if (nano > 0 && quota > 0)
    return cd_err_set (err, EINVAL, "Conflicting options: Nano CPUs and CPU Quota cannot both "
                                    "be set");
  if (nano < 0 || nano > ncpu * 1000000000LL)
    return cd_err_set (err, EINVAL, "Range of CPUs is from 0.01 to %ld.00, as there are only "
                                    "%ld CPUs available", ncpu, ncpu);
  if (period != 0 && (period < 1000 || period > 1000000))
    return cd_err_set (err, EINVAL, "CPU cfs period can not be less than 1ms (i.e. 1000) or "
                                    "larger than 1s (i.e. 1000000)");
  if (quota > 0 && quota < 1000)
    return cd_err_set (err, EINVAL, "CPU cfs quota can not be less than 1ms (i.e. 1000)");
  if (num (hc, "CpuShares") < 0)
    return cd_err_set (err, EINVAL, "invalid CPU shares: %lld", (long long) num (hc, "CpuShares"));
  int r = check_cpuset (hc, "CpusetCpus", err);
  return r < 0 ? r : check_cpuset (hc, "CpusetMems", err);
}

/* Whether the kernel offers a proportional block I/O weight. */
static bool
host_blkio_weight (void)
{
  return access ("/sys/fs/cgroup/blkio/blkio.weight", F_OK) == 0
         || access ("/sys/fs/cgroup/blkio/blkio.bfq.weight", F_OK) == 0
         || access ("/sys/fs/cgroup/io.weight", F_OK) == 0
         || access ("/sys/fs/cgroup/io.bfq.weight", F_OK) == 0;
}

static int
check_blkio (json_object *hc, json_object *warnings, struct cd_err *err)
{
  int64_t w = num (hc, "BlkioWeight");
  if (w != 0 && (w < 10 || w > 1000))
    return cd_err_set (err, EINVAL, "Range of blkio weight is from 10 to 1000");
  if (w != 0 && !host_blkio_weight ())
    {
      warn (warnings, "Your kernel does not support Block I/O weight or the cgroup is not "
                      "mounted. Weight discarded.");
      json_object_object_add (hc, "BlkioWeight", json_object_new_int (0));
    }
  static const char *const lists[] = { "BlkioDeviceReadBps", "BlkioDeviceWriteBps",
                                       "BlkioDeviceReadIOps", "BlkioDeviceWriteIOps", NULL };
  for (int l = 0; lists[l]; l++)
    {
      json_object *a = get (hc, lists[l]);
      for (size_t i = 0; a && i < json_object_array_length (a); i++)
        {
          json_object *e = json_object_array_get_idx (a, i);
          const char *path = json_object_get_string (get (e, "Path"));
          json_object *rate = get (e, "Rate");
          struct stat st;
          if (path == NULL || rate == NULL || !json_object_is_type (rate, json_type_int)
              || json_object_get_int64 (rate) < 0)
            return cd_err_set (err, EINVAL, "invalid %s entry: expected {\"Path\": string, "
                                            "\"Rate\": integer >= 0}", lists[l]);
          if (stat (path, &st) < 0)
            return cd_err_sys (err, errno, "invalid %s: stat %s", lists[l], path);
          if (!S_ISBLK (st.st_mode))
            return cd_err_set (err, EINVAL, "invalid %s: %s is not a block device", lists[l],
                               path);
        }
    }
  return 0;
}

int ctr_res_check_misc (json_object *hc, struct cd_err *err);

static int
check_all (json_object *hc, bool update, json_object *warnings, struct cd_err *err)
{
  int r;
  if ((r = check_types (hc, err)) < 0 || (r = check_memory (hc, update, warnings, err)) < 0
      || (r = check_cpu (hc, err)) < 0 || (r = check_blkio (hc, warnings, err)) < 0)
    return r;
  json_object *pl = get (hc, "PidsLimit");
  if (pl && json_object_is_type (pl, json_type_int) && json_object_get_int64 (pl) <= 0)
    json_object_object_add (hc, "PidsLimit", NULL); /* 0 and -1: unlimited */
  return update ? 0 : ctr_res_check_misc (hc, err);
}

static void
defaults (json_object *hc)
{
  static const char *const zeros[] = { "CpuShares", "Memory", "NanoCpus", "CpuPeriod", "CpuQuota",
                                       "CpuRealtimePeriod", "CpuRealtimeRuntime",
                                       "MemoryReservation", "MemorySwap", "KernelMemory",
                                       "BlkioWeight", "OomScoreAdj", NULL };
  static const char *const strs[] = { "CgroupParent", "CpusetCpus", "CpusetMems", NULL };
  static const char *const arrays[] = { "BlkioWeightDevice", "BlkioDeviceReadBps",
                                        "BlkioDeviceWriteBps", "BlkioDeviceReadIOps",
                                        "BlkioDeviceWriteIOps", "Devices", NULL };
  for (int i = 0; zeros[i]; i++)
    if (get (hc, zeros[i]) == NULL || json_object_is_type (get (hc, zeros[i]), json_type_null))
      json_object_object_add (hc, zeros[i], json_object_new_int64 (0));
  for (int i = 0; strs[i]; i++)
    if (get (hc, strs[i]) == NULL || json_object_is_type (get (hc, strs[i]), json_type_null))
      json_object_object_add (hc, strs[i], json_object_new_string (""));
  for (int i = 0; arrays[i]; i++)
    if (get (hc, arrays[i]) == NULL || json_object_is_type (get (hc, arrays[i]), json_type_null))
      json_object_object_add (hc, arrays[i], json_object_new_array ());
  if (get (hc, "OomKillDisable") == NULL)
    json_object_object_add (hc, "OomKillDisable", json_object_new_boolean (0));
  static const char *const nulls[] = { "PidsLimit", "MemorySwappiness", "Ulimits", NULL };
  for (int i = 0; nulls[i]; i++)
    if (get (hc, nulls[i]) == NULL)
      json_object_object_add (hc, nulls[i], NULL);
  /* Docker: with a memory limit and no swap limit, swap may equal memory */
  int64_t mem = num (hc, "Memory");
  if (mem > 0 && num (hc, "MemorySwap") == 0)
    json_object_object_add (hc, "MemorySwap", json_object_new_int64 (2 * mem));
}

int
ctr_res_check (json_object *hc, json_object *warnings, struct cd_err *err)
{
  int r = check_all (hc, false, warnings, err);
  if (r == 0)
    defaults (hc);
  return r;
}

int
ctr_res_check_update (json_object *hc, json_object *warnings, struct cd_err *err)
{
  return check_all (hc, true, warnings, err);
}
