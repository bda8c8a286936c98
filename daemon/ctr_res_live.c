/* pause, unpause and update of a created or running container: the cgroup
 * files are written here (runtime/cgroup_limits), the store keeps
 * HostConfig and the state. Blocking: called from the thread pool. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "daemon/ctr_lock.h"
#include "daemon/ctr_resources.h"
#include "fsutil.h"
#include "runtime/cgroup_limits.h"
#include "store/containers.h"

static json_object *
get (json_object *o, const char *k)
{
  json_object *v = NULL;
  if (o && json_object_is_type (o, json_type_object))
    json_object_object_get_ex (o, k, &v);
  return v;
}

static bool
is_running (const struct store_container *c)
{
  return strcmp (c->state, "running") == 0 || strcmp (c->state, "paused") == 0;
}

/* The container's cgroups as the runtime placed them (the bundle's
 * linux.cgroupsPath). */
static int
cgroups_of (struct cd_daemon *d, const char *id, struct rt_cgroups *cg, struct cd_err *err)
{
  char path[4300];
  snprintf (path, sizeof path, "%s/containers/%s/config.json", d->cfg.exec_root, id);
  cleanup_free char *text = NULL;
  int r = cd_read_file (path, &text, NULL, err);
  if (r < 0)
    return r;
  json_object *spec = json_tokener_parse (text);
  const char *cp = json_object_get_string (get (get (spec, "linux"), "cgroupsPath"));
  if (cp == NULL)
    {
      json_object_put (spec);
      return cd_err_set (err, ENOENT, "container %s has no cgroup of its own", id);
    }
  r = rt_cg_discover (cp, cg, err);
  json_object_put (spec);
  return r;
}

static void
set_state (struct cd_daemon *d, const struct store_container *c, const char *state)
{
  json_object *st = json_tokener_parse (c->state_json);
  if (st == NULL)
    st = json_object_new_object ();
  json_object_object_add (st, "Status", json_object_new_string (state));
  json_object_object_add (st, "Paused", json_object_new_boolean (strcmp (state, "paused") == 0));
  struct cd_err ignore;
  store_container_set_state (d->store, c->id, state, json_object_to_json_string (st),
                             c->restart_count, &ignore);
  json_object_put (st);
}

static int
freeze (struct cd_daemon *d, const char *id, bool frozen, struct cd_err *err)
{
  struct rt_cgroups cg;
  int r = cgroups_of (d, id, &cg, err);
  if (r < 0)
    return r;
  r = rt_cg_freeze (&cg, frozen, err);
  rt_cg_free (&cg);
  return r;
}

static int
pause_locked (struct cd_daemon *d, const char *id, bool pause, struct cd_err *err)
{
  struct store_container c;
  int r = store_container_find (d->store, id, &c, err);
  if (r < 0)
    return r;
  if (!is_running (&c))
    r = cd_err_set (err, EBUSY, "Container %s is not running", c.id);
  else if (pause && strcmp (c.state, "paused") == 0)
    r = cd_err_set (err, EBUSY, "Container %s is already paused", c.id);
  else if (!pause && strcmp (c.state, "paused") != 0)
    r = cd_err_set (err, EBUSY, "Container %s is not paused", c.id);
  else if ((r = freeze (d, c.id, pause, err)) < 0)
    cd_err_wrap (err, "Cannot %s container %s", pause ? "pause" : "unpause", c.id);
  else
    set_state (d, &c, pause ? "paused" : "running");
  store_container_clear (&c);
  return r;
}

int
ctr_pause_sync (struct cd_daemon *d, const char *ref, bool pause, char id_out[65],
                struct cd_err *err)
{
  int r = ctr_lock_ref (d, ref, id_out, err);
  if (r < 0)
    return r;
  r = pause_locked (d, id_out, pause, err);
  ctr_unlock (d, id_out);
  return r;
}

void
ctr_thaw_if_paused (struct cd_daemon *d, const char *id)
{
  struct store_container c;
  struct cd_err err;
  if (store_container_find (d->store, id, &c, &err) < 0)
    return;
  if (strcmp (c.state, "paused") == 0 && freeze (d, c.id, false, &err) == 0)
    set_state (d, &c, "running");
  store_container_clear (&c);
}

/* ---- update ---- */

/* Docker's UpdateConfig: a non-zero field replaces the container's. */
static int
merge (json_object *hc, json_object *body, struct cd_err *err)
{
  static const char *const fields[] = {
    "Memory", "MemoryReservation", "MemorySwap", "NanoCpus", "CpuShares", "CpuPeriod",
    "CpuQuota", "CpusetCpus", "CpusetMems", "BlkioWeight", "KernelMemory", NULL,
  };
  for (int i = 0; fields[i]; i++)
    {
      json_object *v = get (body, fields[i]);
      if (v == NULL || json_object_is_type (v, json_type_null))
        continue;
      bool zero = json_object_is_type (v, json_type_string) ? json_object_get_string (v)[0] == 0
                                                             : json_object_get_int64 (v) == 0;
      if (!zero)
        json_object_object_add (hc, fields[i], json_object_get (v));
    }
  json_object *pl = get (body, "PidsLimit");
  if (pl && !json_object_is_type (pl, json_type_null))
    json_object_object_add (hc, "PidsLimit", json_object_get (pl));
  json_object *rp = get (body, "RestartPolicy");
  const char *name = json_object_get_string (get (rp, "Name"));
  if (name && *name)
    {
      if (json_object_get_boolean (get (hc, "AutoRemove")) && strcmp (name, "no") != 0)
        return cd_err_set (err, EINVAL, "Restart policy cannot be updated because AutoRemove is "
                                        "enabled for the container");
      json_object_object_add (hc, "RestartPolicy", json_object_get (rp));
    }
  int64_t mem = json_object_get_int64 (get (body, "Memory"));
  int64_t swap = json_object_get_int64 (get (hc, "MemorySwap"));
  if (mem > 0 && json_object_get_int64 (get (body, "MemorySwap")) == 0 && swap > 0 && mem > swap)
    return cd_err_set (err, EINVAL, "Memory limit should be smaller than already set memoryswap "
                                    "limit, update the memoryswap at the same time");
  return 0;
}

/* Writes the merged limits into the running container's cgroups (device
 * rules stay as they were at start). */
static int
apply (struct cd_daemon *d, const char *id, json_object *hc, json_object *body,
       struct cd_err *err)
{
  json_object *res = ctr_res_oci (hc, err);
  if (res == NULL)
    return -err->code;
  json_object_object_del (res, "devices");
  struct rt_resources rr;
  struct rt_cgroups cg;
  int r = rt_res_parse (res, &rr, err);
  json_object_put (res);
  if (r < 0)
    return r;
  json_object *pl = get (body, "PidsLimit");
  if (pl && json_object_is_type (pl, json_type_int) && json_object_get_int64 (pl) <= 0)
    rr.pids_limit = -1; /* back to unlimited */
  if ((r = cgroups_of (d, id, &cg, err)) == 0)
    {
      r = rt_res_apply (&cg, &rr, err);
      rt_cg_free (&cg);
    }
  rt_res_free (&rr);
  return r;
}

static int
update_locked (struct cd_daemon *d, const char *id, json_object *body, json_object *warnings,
               struct cd_err *err)
{
  struct store_container c;
  int r = store_container_find (d->store, id, &c, err);
  if (r < 0)
    return r;
  json_object *hc = json_tokener_parse (c.host_config);
  if (hc == NULL)
    r = cd_err_set (err, EIO, "container %s: unreadable HostConfig", c.id);
  if (r == 0 && (r = merge (hc, body, err)) == 0)
    r = ctr_res_check_update (hc, warnings, err);
  if (r == 0 && is_running (&c) && (r = apply (d, c.id, hc, body, err)) < 0)
    {
      cd_err_wrap (err, "Cannot update container %s", c.id);
      r = -EINVAL;
      err->code = EINVAL;
    }
  if (r == 0)
    r = store_container_set_host_config (d->store, c.id, json_object_to_json_string (hc), err);
  json_object_put (hc);
  store_container_clear (&c);
  return r;
}

int
ctr_update_sync (struct cd_daemon *d, const char *ref, json_object *body, json_object **warnings,
                 char id_out[65], struct cd_err *err)
{
  *warnings = json_object_new_array ();
  if (!json_object_is_type (body, json_type_object))
    return cd_err_set (err, EINVAL, "invalid update body: expected a JSON object");
  int r = ctr_lock_ref (d, ref, id_out, err);
  if (r < 0)
    return r;
  r = update_locked (d, id_out, body, *warnings, err);
  ctr_unlock (d, id_out);
  return r;
}
