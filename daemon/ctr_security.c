/* HostConfig security fields: capability names, SecurityOpt, Tmpfs options,
 * validation at create. */
#include "daemon/ctr_security.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cleanup.h"
#include "runtime/config.h"
#include "daemon/bundle.h"

static json_object *
get (json_object *o, const char *k)
{
  json_object *v = NULL;
  if (o)
    json_object_object_get_ex (o, k, &v);
  return v;
}

int
ctr_sec_cap_normalize (const char *name, char *out, size_t len)
{
  if (strcasecmp (name, "ALL") == 0)
    {
      snprintf (out, len, "ALL");
      return 0;
    }
  int cap = rt_cap_from_name (name);
  if (cap < 0)
    return -EINVAL;
  snprintf (out, len, "%s", rt_cap_name (cap));
  return 0;
}

/* Docker's message uses the upper-cased name with a CAP_ prefix. */
static int
unknown_cap (const char *name, struct cd_err *err)
{
  char up[128];
  size_t n = 0;
  if (strncasecmp (name, "CAP_", 4) != 0)
    n = (size_t) snprintf (up, sizeof up, "CAP_");
  for (const char *p = name; *p && n + 1 < sizeof up; p++)
    up[n++] = (char) (*p >= 'a' && *p <= 'z' ? *p - 32 : *p);
  up[n] = '\0';
  return cd_err_set (err, EINVAL, "unknown capability: \"%s\"", up);
}

/* The mask of a CapAdd/CapDrop list; *all when it names ALL. */
static int
cap_list (json_object *a, uint64_t *mask, bool *all, struct cd_err *err)
{
  *mask = 0;
  *all = false;
  for (size_t i = 0; a && i < json_object_array_length (a); i++)
    {
      const char *n = json_object_get_string (json_object_array_get_idx (a, i));
      if (strcasecmp (n, "ALL") == 0)
        {
          *all = true;
          continue;
        }
      int cap = rt_cap_from_name (n);
      if (cap < 0)
        return unknown_cap (n, err);
      *mask |= UINT64_C (1) << cap;
    }
  return 0;
}

static int
caps_of (json_object *hc, bool privileged, uint64_t bounding, uint64_t *out, struct cd_err *err)
{
  uint64_t add, drop, base = 0;
  bool add_all, drop_all;
  int r;
  if ((r = cap_list (get (hc, "CapAdd"), &add, &add_all, err)) < 0
      || (r = cap_list (get (hc, "CapDrop"), &drop, &drop_all, err)) < 0)
    return r;
  for (int i = 0; bundle_default_caps[i]; i++)
    base |= UINT64_C (1) << rt_cap_from_name (bundle_default_caps[i]);
  if (add_all)
    *out = bounding & ~drop;
  else if (drop_all)
    *out = add;
  else
    *out = (base & ~drop) | add;
  if (privileged)
    *out = bounding;
  return 0;
}

int
ctr_sec_caps (json_object *hc, uint64_t bounding, uint64_t *out, struct cd_err *err)
{
  return caps_of (hc, json_object_get_boolean (get (hc, "Privileged")), bounding, out, err);
}

uint64_t
ctr_sec_bounding (void)
{
  cleanup_fclose FILE *f = fopen ("/proc/self/status", "re");
  char line[256];
  while (f && fgets (line, sizeof line, f))
    if (strncmp (line, "CapBnd:", 7) == 0)
      return strtoull (line + 7, NULL, 16);
  return 0;
}

static int
parse_bool (const char *s, bool *out)
{
  static const char *const t[] = { "1", "t", "T", "TRUE", "true", "True", NULL };
  static const char *const f[] = { "0", "f", "F", "FALSE", "false", "False", NULL };
  for (int i = 0; t[i]; i++)
    if (strcmp (s, t[i]) == 0)
      return *out = true, 0;
  for (int i = 0; f[i]; i++)
    if (strcmp (s, f[i]) == 0)
      return *out = false, 0;
  return -EINVAL;
}

static int
parse_opt (const char *opt, struct ctr_sec_opts *o, struct cd_err *err)
{
  if (strcmp (opt, "no-new-privileges") == 0)
    return o->no_new_privileges = true, 0;
  if (strcmp (opt, "disable") == 0)
    return 0;
  size_t k = strcspn (opt, "=");
  if (opt[k] == '\0')
    k = strcspn (opt, ":");
  if (opt[k] == '\0')
    return cd_err_set (err, EINVAL, "invalid --security-opt 1: \"%s\"", opt);
  const char *v = opt + k + 1;
  if (k == 5 && strncmp (opt, "label", 5) == 0)
    return 0;
  if (k == 8 && strncmp (opt, "apparmor", 8) == 0)
    return 0;
  if (k == 7 && strncmp (opt, "seccomp", 7) == 0)
    {
      o->seccomp = strcmp (v, "builtin") == 0 || v[0] == '\0' ? NULL : v;
      return 0;
    }
  if (k == 17 && strncmp (opt, "no-new-privileges", 17) == 0 && parse_bool (v, &o->no_new_privileges) == 0)
    return 0;
  return cd_err_set (err, EINVAL, "invalid --security-opt 2: \"%s\"", opt);
}

int
ctr_sec_parse_opts (json_object *security_opt, struct ctr_sec_opts *o, struct cd_err *err)
{
  memset (o, 0, sizeof *o);
  for (size_t i = 0; security_opt && i < json_object_array_length (security_opt); i++)
    {
      int r = parse_opt (json_object_get_string (json_object_array_get_idx (security_opt, i)), o,
                         err);
      if (r < 0)
        return r;
    }
  return 0;
}

/* Docker's tmpfs flag words; words of one group replace each other. */
static int
tmpfs_flag_group (const char *w)
{
  static const char *const groups[][3] = {
    { "ro", "rw", NULL },         { "suid", "nosuid", NULL },     { "dev", "nodev", NULL },
    { "exec", "noexec", NULL },   { "sync", "async", NULL },      { "dirsync", NULL, NULL },
    { "remount", NULL, NULL },    { "mand", "nomand", NULL },     { "atime", "noatime", NULL },
    { "diratime", "nodiratime", NULL }, { "relatime", "norelatime", NULL },
    { "strictatime", "nostrictatime", NULL },
    { "private", "rprivate", NULL }, { "shared", "rshared", NULL },
    { "slave", "rslave", NULL },  { "unbindable", "runbindable", NULL },
  };
  for (int g = 0; g < (int) (sizeof groups / sizeof groups[0]); g++)
    for (int j = 0; j < 3 && groups[g][j]; j++)
      if (strcmp (groups[g][j], w) == 0)
        return g >= 12 ? 12 : g;  /* one propagation mode */
  return -1;
}

static bool
tmpfs_data_key (const char *w, size_t *klen)
{
  static const char *const keys[] = { "size", "mode", "uid", "gid", "nr_inodes", "nr_blocks",
                                      "mpol", NULL };
  const char *eq = strchr (w, '=');
  if (eq == NULL)
    return false;
  *klen = (size_t) (eq - w);
  for (int i = 0; keys[i]; i++)
    if (strlen (keys[i]) == *klen && strncmp (keys[i], w, *klen) == 0)
      return true;
  return false;
}

int
ctr_sec_tmpfs_options (const char *user, json_object **out, struct cd_err *err)
{
  cleanup_free char *all = NULL;
  if (asprintf (&all, "noexec,nosuid,nodev,rprivate%s%s", user && *user ? "," : "",
                user ? user : "") < 0)
    return cd_err_set (err, ENOMEM, "out of memory");
  char *words[64];
  int n = 0;
  char *save = NULL;
  for (char *w = strtok_r (all, ",", &save); w && n < 64; w = strtok_r (NULL, ",", &save))
    words[n++] = w;
  bool seen_group[13] = { false };
  const char *kept[64];
  int nk = 0;
  for (int i = n - 1; i >= 0; i--)
    {
      const char *w = words[i];
      int g = tmpfs_flag_group (w);
      size_t kl = 0;
      bool dup = false;
      if (strcmp (w, "defaults") == 0)
        continue;
      if (g >= 0)
        dup = seen_group[g], seen_group[g] = true;
      else if (!tmpfs_data_key (w, &kl))
        return cd_err_set (err, EINVAL, "invalid tmpfs option \"%s\"", w);
      for (int j = 0; g < 0 && j < nk && !dup; j++)
        dup = strncmp (kept[j], w, kl + 1) == 0;
      if (!dup)
        kept[nk++] = w;
    }
  json_object *res = json_object_new_array ();
  while (nk > 0)
    json_object_array_add (res, json_object_new_string (kept[--nk]));
  *out = res;
  return 0;
}

static int
want (json_object *hc, const char *k, json_type t, const char *what, struct cd_err *err)
{
  json_object *v = get (hc, k);
  if (v && !json_object_is_type (v, t))
    return cd_err_set (err, EINVAL, "invalid type for field HostConfig.%s: expected %s", k,
                       what);
  if (v && t == json_type_array)
    for (size_t i = 0; i < json_object_array_length (v); i++)
      if (!json_object_is_type (json_object_array_get_idx (v, i), json_type_string))
        return cd_err_set (err, EINVAL, "invalid type for field HostConfig.%s: expected %s", k,
                           what);
  return 0;
}

static int
validate_tmpfs (json_object *tm, struct cd_err *err)
{
  json_object_object_foreach (tm, dest, val)
  {
    if (!json_object_is_type (val, json_type_string))
      return cd_err_set (err, EINVAL, "invalid type for field HostConfig.Tmpfs: expected a map "
                                      "of strings");
    if (dest[0] != '/' || strstr (dest, "/../") || strcmp (dest, "/") == 0)
      return cd_err_set (err, EINVAL, "invalid mount config for type \"tmpfs\": invalid mount "
                                      "path \"%s\": mount path must be absolute and not /", dest);
    json_object *opts = NULL;
    int r = ctr_sec_tmpfs_options (json_object_get_string (val), &opts, err);
    json_object_put (opts);
    if (r < 0)
      return r;
  }
  return 0;
}

int
ctr_sec_validate (json_object *hc, struct cd_err *err)
{
  uint64_t caps;
  struct ctr_sec_opts o;
  int r;
  if ((r = want (hc, "Privileged", json_type_boolean, "a boolean", err)) < 0
      || (r = want (hc, "ReadonlyRootfs", json_type_boolean, "a boolean", err)) < 0
      || (r = want (hc, "CapAdd", json_type_array, "a list of strings", err)) < 0
      || (r = want (hc, "CapDrop", json_type_array, "a list of strings", err)) < 0
      || (r = want (hc, "SecurityOpt", json_type_array, "a list of strings", err)) < 0
      || (r = want (hc, "Tmpfs", json_type_object, "a map of strings", err)) < 0)
    return r;
  /* The names are checked even when privileged (Docker does). */
  if ((r = caps_of (hc, false, ctr_sec_bounding (), &caps, err)) < 0 || (r = ctr_sec_parse_opts (get (hc, "SecurityOpt"), &o, err)) < 0)
    return r;
  if (get (hc, "Tmpfs") && (r = validate_tmpfs (get (hc, "Tmpfs"), err)) < 0)
    return r;
  if (o.seccomp && strcmp (o.seccomp, "unconfined") != 0)
    {
      json_object *sc = NULL;
      r = ctr_sec_seccomp_oci (o.seccomp, caps, &sc, err);
      json_object_put (sc);
    }
  return r;
}
