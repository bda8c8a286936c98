/* config.json: mounts[] and the linux section. */
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>

#include "cleanup.h"
#include "config_internal.h"
#include "jsonget.h"

static bool
has_bind_option (char **opts)
{
  for (size_t i = 0; opts && opts[i]; i++)
    if (strcmp (opts[i], "bind") == 0 || strcmp (opts[i], "rbind") == 0)
      return true;
  return false;
}

static int
parse_mount (json_object *e, const char *bundle, const char *where, struct rt_mount *m,
             struct cd_err *err)
{
  int r;
  if ((r = rt_js_str (e, "destination", where, true, &m->destination, err)) < 0
      || (r = rt_js_str (e, "type", where, false, &m->type, err)) < 0
      || (r = rt_js_str (e, "source", where, false, &m->source, err)) < 0
      || (r = rt_js_strv (e, "options", where, &m->options, err)) < 0)
    return r;
  if (m->destination[0] != '/')
    return cd_err_set (err, EINVAL, "%s.destination: \"%s\" is not an absolute path", where,
                       m->destination);
  bool bind = has_bind_option (m->options) || (m->type && strcmp (m->type, "bind") == 0);
  if (bind)
    {
      free (m->type);
      if ((m->type = strdup ("bind")) == NULL)
        return cd_err_set (err, ENOMEM, "out of memory");
      if (m->source == NULL)
        return cd_err_set (err, EINVAL, "%s.source: required for a bind mount", where);
      char *abs = rt_bundle_path (bundle, m->source);
      if (abs == NULL)
        return cd_err_set (err, ENOMEM, "out of memory");
      free (m->source);
      m->source = abs;
    }
  else if (m->type == NULL)
    return cd_err_set (err, EINVAL, "%s.type: required unless the mount is a bind mount", where);
  if (m->source == NULL && (m->source = strdup (m->type)) == NULL)
    return cd_err_set (err, ENOMEM, "out of memory");
  return 0;
}

int
rt_config_parse_mounts (json_object *root, const char *bundle, struct rt_config *c,
                        struct cd_err *err)
{
  json_object *a;
  int r = rt_js_arr (root, "mounts", NULL, &a, err);
  if (r < 0 || a == NULL)
    return r;
  size_t n = json_object_array_length (a);
  c->mounts = calloc (n ? n : 1, sizeof *c->mounts);
  if (c->mounts == NULL)
    return cd_err_set (err, ENOMEM, "out of memory");
  for (size_t i = 0; i < n; i++)
    {
      char where[32];
      snprintf (where, sizeof where, "mounts[%zu]", i);
      json_object *e = json_object_array_get_idx (a, i);
      if (!json_object_is_type (e, json_type_object))
        return cd_err_set (err, EINVAL, "%s: must be an object", where);
      r = parse_mount (e, bundle, where, &c->mounts[c->n_mounts++], err);
      if (r < 0)
        return r;
    }
  return 0;
}

static int
parse_namespaces (json_object *lx, struct rt_config *c, struct cd_err *err)
{
  json_object *a;
  int r = rt_js_arr (lx, "namespaces", "linux", &a, err);
  if (r < 0 || a == NULL)
    return r;
  size_t n = json_object_array_length (a);
  c->namespaces = calloc (n ? n : 1, sizeof *c->namespaces);
  if (c->namespaces == NULL)
    return cd_err_set (err, ENOMEM, "out of memory");
  for (size_t i = 0; i < n; i++)
    {
      char where[40];
      cleanup_free char *type = NULL;
      snprintf (where, sizeof where, "linux.namespaces[%zu]", i);
      json_object *e = json_object_array_get_idx (a, i);
      struct rt_namespace *ns = &c->namespaces[c->n_namespaces++];
      if ((r = rt_js_str (e, "type", where, true, &type, err)) < 0
          || (r = rt_js_str (e, "path", where, false, &ns->path, err)) < 0)
        return r;
      ns->flag = rt_ns_flag (type);
      if (ns->flag == 0)
        return cd_err_set (err, EINVAL, "%s.type: unknown namespace type \"%s\"", where, type);
      for (size_t j = 0; j + 1 < c->n_namespaces; j++)
        if (c->namespaces[j].flag == ns->flag)
          return cd_err_set (err, EINVAL, "%s: namespace \"%s\" listed twice", where, type);
    }
  return 0;
}

static int
parse_device (json_object *e, const char *where, struct rt_device *d, struct cd_err *err)
{
  cleanup_free char *type = NULL;
  int64_t major = 0, minor = 0, mode = 0666, uid = 0, gid = 0;
  int r;
  if ((r = rt_js_str (e, "path", where, true, &d->path, err)) < 0
      || (r = rt_js_str (e, "type", where, true, &type, err)) < 0
      || (r = rt_js_int (e, "major", where, 0, UINT32_MAX, &major, NULL, err)) < 0
      || (r = rt_js_int (e, "minor", where, 0, UINT32_MAX, &minor, NULL, err)) < 0
      || (r = rt_js_int (e, "fileMode", where, 0, 07777, &mode, NULL, err)) < 0
      || (r = rt_js_int (e, "uid", where, 0, UINT32_MAX - 1, &uid, NULL, err)) < 0
      || (r = rt_js_int (e, "gid", where, 0, UINT32_MAX - 1, &gid, NULL, err)) < 0)
    return r;
  if (strlen (type) != 1 || strchr ("cubp", type[0]) == NULL)
    return cd_err_set (err, EINVAL, "%s.type: \"%s\" is not one of c, u, b, p", where, type);
  if (strncmp (d->path, "/dev/", 5) != 0 || strstr (d->path, "/../"))
    return cd_err_set (err, EINVAL, "%s.path: \"%s\" is not under /dev", where, d->path);
  d->type = type[0];
  d->major = (unsigned) major;
  d->minor = (unsigned) minor;
  d->mode = (mode_t) mode & 07777;
  d->uid = (uid_t) uid;
  d->gid = (gid_t) gid;
  return 0;
}

static int
parse_devices (json_object *lx, struct rt_config *c, struct cd_err *err)
{
  json_object *a;
  int r = rt_js_arr (lx, "devices", "linux", &a, err);
  if (r < 0 || a == NULL)
    return r;
  size_t n = json_object_array_length (a);
  c->devices = calloc (n ? n : 1, sizeof *c->devices);
  if (c->devices == NULL)
    return cd_err_set (err, ENOMEM, "out of memory");
  for (size_t i = 0; i < n; i++)
    {
      char where[40];
      snprintf (where, sizeof where, "linux.devices[%zu]", i);
      r = parse_device (json_object_array_get_idx (a, i), where, &c->devices[c->n_devices++],
                        err);
      if (r < 0)
        return r;
    }
  return 0;
}

static int
parse_sysctl (json_object *lx, struct rt_config *c, struct cd_err *err)
{
  json_object *o;
  int r = rt_js_obj (lx, "sysctl", "linux", &o, err);
  if (r < 0 || o == NULL)
    return r;
  c->sysctl = calloc (json_object_object_length (o) + 1, sizeof *c->sysctl);
  if (c->sysctl == NULL)
    return cd_err_set (err, ENOMEM, "out of memory");
  json_object_object_foreach (o, key, val)
  {
    if (!json_object_is_type (val, json_type_string))
      return cd_err_set (err, EINVAL, "linux.sysctl.%s: must be a string", key);
    if (strstr (key, "..") || key[0] == '.' || key[0] == '/')
      return cd_err_set (err, EINVAL, "linux.sysctl: invalid key \"%s\"", key);
    struct rt_sysctl *s = &c->sysctl[c->n_sysctl++];
    s->key = strdup (key);
    s->value = strdup (json_object_get_string (val));
    if (s->key == NULL || s->value == NULL)
      return cd_err_set (err, ENOMEM, "out of memory");
  }
  return 0;
}

static int
parse_propagation (json_object *lx, struct rt_config *c, struct cd_err *err)
{
  static const struct
  {
    const char *name;
    unsigned long flags;
  } table[] = {
    { "private", MS_PRIVATE },       { "rprivate", MS_REC | MS_PRIVATE },
    { "slave", MS_SLAVE },           { "rslave", MS_REC | MS_SLAVE },
    { "shared", MS_SHARED },         { "rshared", MS_REC | MS_SHARED },
    { "unbindable", MS_UNBINDABLE }, { "runbindable", MS_REC | MS_UNBINDABLE },
  };
  cleanup_free char *p = NULL;
  int r = rt_js_str (lx, "rootfsPropagation", "linux", false, &p, err);
  if (r < 0 || p == NULL || p[0] == '\0')
    return r;
  for (size_t i = 0; i < sizeof table / sizeof table[0]; i++)
    if (strcmp (table[i].name, p) == 0)
      {
        c->rootfs_propagation = table[i].flags;
        return 0;
      }
  return cd_err_set (err, EINVAL, "linux.rootfsPropagation: unknown propagation \"%s\"", p);
}

static int
parse_seccomp (json_object *lx, struct rt_config *c, struct cd_err *err)
{
  json_object *o;
  int r = rt_js_obj (lx, "seccomp", "linux", &o, err);
  if (r < 0 || o == NULL)
    return r;
  c->seccomp_json = strdup (json_object_to_json_string_ext (o, JSON_C_TO_STRING_PLAIN));
  return c->seccomp_json ? 0 : cd_err_set (err, ENOMEM, "out of memory");
}

int
rt_config_parse_linux (json_object *root, struct rt_config *c, struct cd_err *err)
{
  json_object *lx;
  int r = rt_js_obj (root, "linux", NULL, &lx, err);
  if (r < 0 || lx == NULL)
    return r;
  if ((r = parse_namespaces (lx, c, err)) < 0
      || (r = rt_js_strv (lx, "maskedPaths", "linux", &c->masked_paths, err)) < 0
      || (r = rt_js_strv (lx, "readonlyPaths", "linux", &c->readonly_paths, err)) < 0
      || (r = parse_devices (lx, c, err)) < 0
      || (r = rt_js_str (lx, "cgroupsPath", "linux", false, &c->cgroups_path, err)) < 0
      || (r = parse_sysctl (lx, c, err)) < 0 || (r = parse_propagation (lx, c, err)) < 0
      || (r = parse_seccomp (lx, c, err)) < 0)
    return r;
  if (c->cgroups_path && (c->cgroups_path[0] == '\0' || strstr (c->cgroups_path, "..")))
    return cd_err_set (err, EINVAL, "linux.cgroupsPath: invalid path \"%s\"", c->cgroups_path);
  return 0;
}

static int
validate_namespaces (const struct rt_config *c, struct cd_err *err)
{
  const struct rt_namespace *mnt = rt_config_ns (c, CLONE_NEWNS);
  if (mnt == NULL)
    return cd_err_set (err, EINVAL, "linux.namespaces: a mount namespace is required");
  for (size_t i = 0; i < c->n_namespaces; i++)
    {
      const struct rt_namespace *ns = &c->namespaces[i];
      if (ns->flag == CLONE_NEWUSER || ns->flag == CLONE_NEWTIME)
        return cd_err_set (err, ENOTSUP, "linux.namespaces[%zu]: %s namespaces are not "
                                         "supported", i,
                           ns->flag == CLONE_NEWUSER ? "user" : "time");
      if (ns->path && (ns->flag == CLONE_NEWNS || ns->flag == CLONE_NEWPID))
        return cd_err_set (err, ENOTSUP, "linux.namespaces[%zu]: joining an existing %s "
                                         "namespace is not supported", i,
                           ns->flag == CLONE_NEWNS ? "mount" : "pid");
      if (ns->path && ns->path[0] != '/')
        return cd_err_set (err, EINVAL, "linux.namespaces[%zu].path: \"%s\" is not an "
                                        "absolute path", i, ns->path);
    }
  const struct rt_namespace *uts = rt_config_ns (c, CLONE_NEWUTS);
  if (c->hostname && c->hostname[0] && (uts == NULL || uts->path))
    return cd_err_set (err, EINVAL, "hostname: setting it needs a new uts namespace in "
                                    "linux.namespaces");
  return 0;
}

int
rt_config_validate (const struct rt_config *c, struct cd_err *err)
{
  int r = validate_namespaces (c, err);
  if (r < 0)
    return r;
  const uint64_t amb = c->caps.ambient, inh = c->caps.inheritable, perm = c->caps.permitted;
  if (c->has_caps && (amb & ~(inh & perm)))
    {
      int cap = __builtin_ctzll (amb & ~(inh & perm));
      return cd_err_set (err, EINVAL, "process.capabilities.ambient: %s must also be "
                                      "permitted and inheritable", rt_cap_name (cap));
    }
  if (c->has_caps && (c->caps.effective & ~perm))
    {
      int cap = __builtin_ctzll (c->caps.effective & ~perm);
      return cd_err_set (err, EINVAL, "process.capabilities.effective: %s must also be "
                                      "permitted", rt_cap_name (cap));
    }
  return 0;
}
