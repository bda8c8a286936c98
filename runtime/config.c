/* config.json: top level, root, process and annotations. The linux section
 * and mounts are in config_linux.c. */
#include "config.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>

#include "cleanup.h"
#include "config_internal.h"
#include "fsutil.h"
#include "jsonget.h"

/* "a" joined under the bundle unless absolute; strdup'd. */
char *
rt_bundle_path (const char *bundle, const char *p)
{
  if (p[0] == '/' || bundle == NULL)
    return strdup (p);
  return cd_path_join (bundle, p);
}

static int
cap_set (json_object *caps, const char *key, uint64_t *mask, struct cd_err *err)
{
  cleanup_free char **names = NULL;
  int r = rt_js_strv (caps, key, "process.capabilities", &names, err);
  if (r < 0)
    return r;
  *mask = 0;
  for (size_t i = 0; names && names[i]; i++)
    {
      int cap = rt_cap_from_name (names[i]);
      if (cap < 0)
        r = cd_err_set (err, EINVAL, "process.capabilities.%s: unknown capability \"%s\"", key,
                        names[i]);
      else
        *mask |= UINT64_C (1) << cap;
      free (names[i]);
    }
  return r;
}

static int
parse_caps (json_object *proc, struct rt_config *c, struct cd_err *err)
{
  json_object *caps;
  int r = rt_js_obj (proc, "capabilities", "process", &caps, err);
  if (r < 0 || caps == NULL)
    return r;
  c->has_caps = true;
  if ((r = cap_set (caps, "bounding", &c->caps.bounding, err)) < 0
      || (r = cap_set (caps, "effective", &c->caps.effective, err)) < 0
      || (r = cap_set (caps, "permitted", &c->caps.permitted, err)) < 0
      || (r = cap_set (caps, "inheritable", &c->caps.inheritable, err)) < 0
      || (r = cap_set (caps, "ambient", &c->caps.ambient, err)) < 0)
    return r;
  return 0;
}

static int
parse_rlimits (json_object *proc, struct rt_config *c, struct cd_err *err)
{
  json_object *a;
  int r = rt_js_arr (proc, "rlimits", "process", &a, err);
  if (r < 0 || a == NULL)
    return r;
  size_t n = json_object_array_length (a);
  c->rlimits = calloc (n ? n : 1, sizeof *c->rlimits);
  if (c->rlimits == NULL)
    return cd_err_set (err, ENOMEM, "out of memory");
  for (size_t i = 0; i < n; i++)
    {
      json_object *e = json_object_array_get_idx (a, i);
      struct rt_rlimit *l = &c->rlimits[c->n_rlimits++];
      char where[64];
      snprintf (where, sizeof where, "process.rlimits[%zu]", i);
      if ((r = rt_js_str (e, "type", where, true, &l->name, err)) < 0
          || (r = rt_js_u64 (e, "soft", where, &l->soft, err)) < 0
          || (r = rt_js_u64 (e, "hard", where, &l->hard, err)) < 0)
        return r;
      l->resource = rt_rlimit_from_name (l->name);
      if (l->resource < 0)
        return cd_err_set (err, EINVAL, "%s.type: unknown rlimit \"%s\"", where, l->name);
      if (l->soft > l->hard)
        return cd_err_set (err, EINVAL, "%s: soft limit %llu of %s exceeds its hard limit %llu",
                           where, (unsigned long long) l->soft, l->name,
                           (unsigned long long) l->hard);
    }
  return 0;
}

static int
parse_user (json_object *proc, struct rt_config *c, struct cd_err *err)
{
  json_object *u, *gids;
  int64_t v = 0;
  int r = rt_js_obj (proc, "user", "process", &u, err);
  if (r < 0 || u == NULL)
    return r;
  if ((r = rt_js_int (u, "uid", "process.user", 0, UINT32_MAX - 1, &v, NULL, err)) < 0)
    return r;
  c->uid = (uid_t) v;
  v = 0;
  if ((r = rt_js_int (u, "gid", "process.user", 0, UINT32_MAX - 1, &v, NULL, err)) < 0)
    return r;
  c->gid = (gid_t) v;
  if ((r = rt_js_arr (u, "additionalGids", "process.user", &gids, err)) < 0 || gids == NULL)
    return r;
  size_t n = json_object_array_length (gids);
  c->additional_gids = calloc (n ? n : 1, sizeof (gid_t));
  if (c->additional_gids == NULL)
    return cd_err_set (err, ENOMEM, "out of memory");
  for (size_t i = 0; i < n; i++)
    {
      json_object *e = json_object_array_get_idx (gids, i);
      int64_t g = json_object_get_int64 (e);
      if (!json_object_is_type (e, json_type_int) || g < 0 || g >= UINT32_MAX)
        return cd_err_set (err, EINVAL, "process.user.additionalGids[%zu]: must be a gid", i);
      c->additional_gids[c->n_additional_gids++] = (gid_t) g;
    }
  return 0;
}

static int
parse_process (json_object *root, struct rt_config *c, struct cd_err *err)
{
  json_object *proc;
  int64_t oom = 0;
  int r = rt_js_obj (root, "process", NULL, &proc, err);
  if (r < 0)
    return r;
  if (proc == NULL)
    return cd_err_set (err, EINVAL, "process: required");
  if ((r = rt_js_strv (proc, "args", "process", &c->args, err)) < 0)
    return r;
  if (c->args == NULL || c->args[0] == NULL || c->args[0][0] == '\0')
    return cd_err_set (err, EINVAL, "process.args: must be a non-empty array of strings");
  if ((r = rt_js_strv (proc, "env", "process", &c->env, err)) < 0
      || (r = rt_js_str (proc, "cwd", "process", false, &c->cwd, err)) < 0
      || (r = rt_js_bool (proc, "terminal", "process", &c->terminal, err)) < 0
      || (r = rt_js_bool (proc, "noNewPrivileges", "process", &c->no_new_privileges, err)) < 0
      || (r = rt_js_int (proc, "oomScoreAdj", "process", -1000, 1000, &oom,
                         &c->has_oom_score_adj, err)) < 0
      || (r = parse_user (proc, c, err)) < 0 || (r = parse_caps (proc, c, err)) < 0
      || (r = parse_rlimits (proc, c, err)) < 0)
    return r;
  c->oom_score_adj = (int) oom;
  if (c->env == NULL && (c->env = calloc (1, sizeof (char *))) == NULL)
    return cd_err_set (err, ENOMEM, "out of memory");
  if (c->cwd == NULL && (c->cwd = strdup ("/")) == NULL)
    return cd_err_set (err, ENOMEM, "out of memory");
  if (c->cwd[0] != '/')
    return cd_err_set (err, EINVAL, "process.cwd: \"%s\" is not an absolute path", c->cwd);
  return 0;
}

static int
parse_annotations (json_object *root, struct rt_config *c, struct cd_err *err)
{
  json_object *a;
  cleanup_free char *mkcwd = NULL;
  int r = rt_js_obj (root, "annotations", NULL, &a, err);
  if (r < 0 || a == NULL)
    return r;
  if ((r = rt_js_str (a, "cdaemon.overlay.lowerdir", "annotations", false, &c->overlay_lower,
                      err)) < 0
      || (r = rt_js_str (a, "cdaemon.overlay.upperdir", "annotations", false, &c->overlay_upper,
                         err)) < 0
      || (r = rt_js_str (a, "cdaemon.overlay.workdir", "annotations", false, &c->overlay_work,
                         err)) < 0
      || (r = rt_js_str (a, "cdaemon.user", "annotations", false, &c->user_spec, err)) < 0
      || (r = rt_js_str (a, "cdaemon.mkcwd", "annotations", false, &mkcwd, err)) < 0)
    return r;
  c->mkcwd = mkcwd && (strcmp (mkcwd, "1") == 0 || strcmp (mkcwd, "true") == 0);
  if ((c->overlay_upper || c->overlay_work) && !c->overlay_lower)
    return cd_err_set (err, EINVAL, "annotations: cdaemon.overlay.upperdir/workdir given "
                                    "without cdaemon.overlay.lowerdir");
  if ((c->overlay_upper == NULL) != (c->overlay_work == NULL))
    return cd_err_set (err, EINVAL, "annotations: cdaemon.overlay.upperdir and "
                                    "cdaemon.overlay.workdir go together");
  if (c->user_spec && c->user_spec[0] == '\0')
    {
      free (c->user_spec);
      c->user_spec = NULL;
    }
  return 0;
}

static int
parse_root (json_object *root, const char *bundle, struct rt_config *c, struct cd_err *err)
{
  json_object *ro;
  cleanup_free char *path = NULL;
  int r = rt_js_obj (root, "root", NULL, &ro, err);
  if (r < 0)
    return r;
  if ((r = rt_js_str (ro, "path", "root", true, &path, err)) < 0
      || (r = rt_js_bool (ro, "readonly", "root", &c->root_readonly, err)) < 0)
    return r;
  c->root_path = rt_bundle_path (bundle, path);
  if (c->root_path == NULL)
    return cd_err_set (err, ENOMEM, "out of memory");
  return rt_js_str (root, "hostname", NULL, false, &c->hostname, err);
}

int
rt_config_parse (const char *json, const char *bundle, struct rt_config *c,
                 struct cd_err *err)
{
  memset (c, 0, sizeof *c);
  json_tokener *tok = json_tokener_new ();
  if (tok == NULL)
    return cd_err_set (err, ENOMEM, "out of memory");
  json_object *root = json_tokener_parse_ex (tok, json, (int) strlen (json));
  enum json_tokener_error jerr = json_tokener_get_error (tok);
  json_tokener_free (tok);
  if (root == NULL || jerr != json_tokener_success)
    {
      json_object_put (root);
      return cd_err_set (err, EINVAL, "invalid JSON: %s",
                         jerr == json_tokener_continue ? "unexpected end of input"
                                                       : json_tokener_error_desc (jerr));
    }
  int r;
  if (!json_object_is_type (root, json_type_object))
    r = cd_err_set (err, EINVAL, "invalid JSON: the top level must be an object");
  else if ((r = parse_root (root, bundle, c, err)) < 0 || (r = parse_process (root, c, err)) < 0
           || (r = rt_config_parse_mounts (root, bundle, c, err)) < 0
           || (r = rt_config_parse_linux (root, c, err)) < 0
           || (r = parse_annotations (root, c, err)) < 0)
    ;
  else
    r = rt_config_validate (c, err);
  json_object_put (root);
  if (r < 0)
    rt_config_free (c);
  return r;
}

int
rt_config_load (const char *bundle, struct rt_config *c, struct cd_err *err)
{
  char abs[PATH_MAX];
  cleanup_free char *path = NULL, *text = NULL;
  size_t len;
  memset (c, 0, sizeof *c);
  if (realpath (bundle, abs) == NULL)
    return cd_err_sys (err, errno, "bundle `%s`", bundle);
  if ((path = cd_path_join (abs, "config.json")) == NULL)
    return cd_err_set (err, ENOMEM, "out of memory");
  int r = cd_read_file (path, &text, &len, err);
  if (r < 0)
    return r;
  r = rt_config_parse (text, abs, c, err);
  if (r < 0)
    return cd_err_wrap (err, "%s", path);
  return 0;
}

void
rt_config_free (struct rt_config *c)
{
  free (c->hostname);
  free (c->root_path);
  rt_strv_free (c->args);
  rt_strv_free (c->env);
  free (c->cwd);
  free (c->additional_gids);
  for (size_t i = 0; i < c->n_rlimits; i++)
    free (c->rlimits[i].name);
  free (c->rlimits);
  for (size_t i = 0; i < c->n_mounts; i++)
    {
      free (c->mounts[i].destination);
      free (c->mounts[i].type);
      free (c->mounts[i].source);
      rt_strv_free (c->mounts[i].options);
    }
  free (c->mounts);
  for (size_t i = 0; i < c->n_namespaces; i++)
    free (c->namespaces[i].path);
  free (c->namespaces);
  rt_strv_free (c->masked_paths);
  rt_strv_free (c->readonly_paths);
  for (size_t i = 0; i < c->n_devices; i++)
    free (c->devices[i].path);
  free (c->devices);
  free (c->cgroups_path);
  for (size_t i = 0; i < c->n_sysctl; i++)
    {
      free (c->sysctl[i].key);
      free (c->sysctl[i].value);
    }
  free (c->sysctl);
  free (c->seccomp_json);
  free (c->overlay_lower);
  free (c->overlay_upper);
  free (c->overlay_work);
  free (c->user_spec);
  memset (c, 0, sizeof *c);
}
