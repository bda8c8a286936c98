/* Capabilities: bounding set via prctl, the three sets via capset(2) with
 * version 3 (two 32-bit words), ambient via PR_CAP_AMBIENT. */
#include "caps.h"

#include <linux/capability.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

int
rt_cap_last (void)
{
  FILE *f = fopen ("/proc/sys/kernel/cap_last_cap", "re");
  int last = -1;
  if (f)
    {
      if (fscanf (f, "%d", &last) != 1)
        last = -1;
      fclose (f);
    }
  if (last < 0 || last > 63)
    last = CAP_LAST_CAP;
  return last;
}

static uint64_t
known_mask (int last)
{
  return last >= 63 ? UINT64_MAX : (UINT64_C (1) << (last + 1)) - 1;
}

int
rt_caps_check (const struct rt_caps *c, struct cd_err *err)
{
  uint64_t want = (c->effective | c->permitted | c->inheritable | c->ambient)
                  & known_mask (rt_cap_last ());
  for (int cap = 0; cap < 64; cap++)
    {
      if (!(want & (UINT64_C (1) << cap)))
        continue;
      if (prctl (PR_CAPBSET_READ, cap, 0, 0, 0) != 1)
        return cd_err_set (err, EPERM, "capability %s is not in the runtime's bounding set "
                                       "(the host does not grant it)", rt_cap_name (cap));
    }
  return 0;
}

int
rt_caps_prepare (const struct rt_caps *c, struct cd_err *err)
{
  int last = rt_cap_last ();
  for (int cap = 0; cap <= last; cap++)
    {
      if (c->bounding & (UINT64_C (1) << cap))
        continue;
      int r = prctl (PR_CAPBSET_READ, cap, 0, 0, 0);
      if (r == 1 && prctl (PR_CAPBSET_DROP, cap, 0, 0, 0) < 0)
        return cd_err_sys (err, errno, "drop %s from the bounding set", rt_cap_name (cap));
    }
  if (prctl (PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0)
    return cd_err_sys (err, errno, "prctl PR_SET_KEEPCAPS");
  return 0;
}

int
rt_caps_apply (const struct rt_caps *c, struct cd_err *err)
{
  uint64_t mask = known_mask (rt_cap_last ());
  struct __user_cap_header_struct hdr = { _LINUX_CAPABILITY_VERSION_3, 0 };
  struct __user_cap_data_struct data[2];
  uint64_t e = c->effective & mask, p = c->permitted & mask, i = c->inheritable & mask;
  for (int w = 0; w < 2; w++)
    {
      data[w].effective = (uint32_t) (e >> (32 * w));
      data[w].permitted = (uint32_t) (p >> (32 * w));
      data[w].inheritable = (uint32_t) (i >> (32 * w));
    }
  if (prctl (PR_SET_KEEPCAPS, 0, 0, 0, 0) < 0)
    return cd_err_sys (err, errno, "prctl PR_SET_KEEPCAPS");
  if (syscall (SYS_capset, &hdr, data) < 0)
    return cd_err_sys (err, errno, "capset");
  if (prctl (PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL)
    return cd_err_sys (err, errno, "clear the ambient capabilities");
  for (int cap = 0; cap < 64; cap++)
    if ((c->ambient & mask & (UINT64_C (1) << cap))
        && prctl (PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, cap, 0, 0) < 0)
      return cd_err_sys (err, errno, "raise ambient capability %s", rt_cap_name (cap));
  return 0;
}
