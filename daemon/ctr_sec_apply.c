/* Docker's seccomp profile format → OCI linux.seccomp (as Docker's
 * profiles/seccomp setupSeccomp), the privileged container's host devices,
 * and the security part of config.json. */
#include "daemon/ctr_security.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/utsname.h>

#include "cleanup.h"
#include "runtime/config.h"

#if defined(__x86_64__)
#define NATIVE_ARCH "amd64"
#define NATIVE_SCMP "SCMP_ARCH_X86_64"
#elif defined(__aarch64__)
#define NATIVE_ARCH "arm64"
#define NATIVE_SCMP "SCMP_ARCH_AARCH64"
#elif defined(__i386__)
#define NATIVE_ARCH "x86"
#define NATIVE_SCMP "SCMP_ARCH_X86"
#elif defined(__s390x__)
#define NATIVE_ARCH "s390x"
#define NATIVE_SCMP "SCMP_ARCH_S390X"
#else
#define NATIVE_ARCH ""
#define NATIVE_SCMP ""
#endif

static json_object *
get (json_object *o, const char *k)
{
  json_object *v = NULL;
  if (o)
    json_object_object_get_ex (o, k, &v);
  return v;
}

static bool
in_list (json_object *a, const char *s)
{
  for (size_t i = 0; json_object_is_type (a, json_type_array) && i < json_object_array_length (a);
       i++)
    if (strcmp (json_object_get_string (json_object_array_get_idx (a, i)), s) == 0)
      return true;
  return false;
}

/* The running kernel is at least "major.minor". */
static bool
kernel_ge (const char *want)
{
  struct utsname u;
  int wm = 0, wn = 0, km = 0, kn = 0;
  if (uname (&u) < 0 || sscanf (u.release, "%d.%d", &km, &kn) < 1)
    return false;
  sscanf (want, "%d.%d", &wm, &wn);
  return km > wm || (km == wm && kn >= wn);
}

/* any: true when one of the caps is held, false when all must be. */
static bool
caps_match (json_object *names, uint64_t caps, bool any)
{
  for (size_t i = 0; i < json_object_array_length (names); i++)
    {
      int c = rt_cap_from_name (json_object_get_string (json_object_array_get_idx (names, i)));
      bool held = c >= 0 && (caps & (UINT64_C (1) << c));
      if (any && held)
        return true;
      if (!any && !held)
        return false;
    }
  return !any;
}

/* Docker's includes/excludes filter. */
static bool
call_applies (json_object *call, uint64_t caps)
{
  json_object *ex = get (call, "excludes"), *in = get (call, "includes"), *v;
  if ((v = get (ex, "arches")) && in_list (v, NATIVE_ARCH))
    return false;
  if ((v = get (ex, "caps")) && json_object_array_length (v) && caps_match (v, caps, true))
    return false;
  if ((v = get (ex, "minKernel")) && kernel_ge (json_object_get_string (v)))
    return false;
  if ((v = get (in, "arches")) && json_object_array_length (v) && !in_list (v, NATIVE_ARCH))
    return false;
  if ((v = get (in, "caps")) && json_object_array_length (v) && !caps_match (v, caps, false))
    return false;
  if ((v = get (in, "minKernel")) && !kernel_ge (json_object_get_string (v)))
    return false;
  return true;
}

static int
oci_call (json_object *call, size_t i, json_object **out, struct cd_err *err)
{
  json_object *names = get (call, "names"), *name = get (call, "name");
  if (names && name)
    return cd_err_set (err, EINVAL, "'name' and 'names' were specified in the seccomp profile, "
                                    "use either 'name' or 'names'");
  if (!json_object_is_type (get (call, "action"), json_type_string))
    return cd_err_set (err, EINVAL, "Decoding seccomp profile failed: syscalls[%zu]: action "
                                    "must be a string", i);
  json_object *c = json_object_new_object ();
  if (name)
    {
      names = json_object_new_array ();
      json_object_array_add (names, json_object_get (name));
    }
  else
    names = names ? json_object_get (names) : json_object_new_array ();
  json_object_object_add (c, "names", names);
  json_object_object_add (c, "action", json_object_get (get (call, "action")));
  if (get (call, "errnoRet"))
    json_object_object_add (c, "errnoRet", json_object_get (get (call, "errnoRet")));
  json_object *args = get (call, "args");
  if (args && json_object_array_length (args))
    json_object_object_add (c, "args", json_object_get (args));
  *out = c;
  return 0;
}

static json_object *
arches (json_object *p)
{
  json_object *a = get (p, "architectures"), *map = get (p, "archMap");
  if (a && json_object_array_length (a))
    return json_object_get (a);
  json_object *res = json_object_new_array ();
  for (size_t i = 0; map && i < json_object_array_length (map); i++)
    {
      json_object *m = json_object_array_get_idx (map, i), *sub = get (m, "subArchitectures");
      if (strcmp (json_object_get_string (get (m, "architecture")) ?: "", NATIVE_SCMP) != 0)
        continue;
      json_object_array_add (res, json_object_get (get (m, "architecture")));
      for (size_t j = 0; sub && j < json_object_array_length (sub); j++)
        json_object_array_add (res, json_object_get (json_object_array_get_idx (sub, j)));
      break;
    }
  return res;
}

static int
translate (json_object *p, uint64_t caps, json_object **out, struct cd_err *err)
{
  json_object *calls = get (p, "syscalls"), *def = get (p, "defaultAction");
  if ((calls && !json_object_is_type (calls, json_type_array))
      || (def && !json_object_is_type (def, json_type_string)))
    return cd_err_set (err, EINVAL, "Decoding seccomp profile failed: defaultAction must be a "
                                    "string and syscalls a list");
  if ((def == NULL || !*json_object_get_string (def))
      && (calls == NULL || json_object_array_length (calls) == 0))
    return 0; /* Docker: nothing given means no seccomp */
  if (get (p, "architectures") && json_object_array_length (get (p, "architectures"))
      && get (p, "archMap") && json_object_array_length (get (p, "archMap")))
    return cd_err_set (err, EINVAL, "'architectures' and 'archMap' were specified in the seccomp "
                                    "profile, use either 'architectures' or 'archMap'");
  json_object *o = json_object_new_object (), *list = json_object_new_array ();
  *out = o;
  json_object_object_add (o, "defaultAction", json_object_get (def));
  if (get (p, "defaultErrnoRet"))
    json_object_object_add (o, "defaultErrnoRet", json_object_get (get (p, "defaultErrnoRet")));
  json_object_object_add (o, "architectures", arches (p));
  json_object_object_add (o, "syscalls", list);
  for (size_t i = 0; calls && i < json_object_array_length (calls); i++)
    {
      json_object *call = json_object_array_get_idx (calls, i), *c = NULL;
      if (!call_applies (call, caps))
        continue;
      int r = oci_call (call, i, &c, err);
      if (r < 0)
        return r;
      json_object_array_add (list, c);
    }
  return 0;
}

int
ctr_sec_seccomp_oci (const char *profile, uint64_t caps, json_object **out, struct cd_err *err)
{
  *out = NULL;
  json_tokener *tok = json_tokener_new ();
  json_object *p = json_tokener_parse_ex (tok, profile, (int) strlen (profile));
  enum json_tokener_error je = json_tokener_get_error (tok);
  json_tokener_free (tok);
  int r;
  if (p == NULL || je != json_tokener_success || !json_object_is_type (p, json_type_object))
    r = cd_err_set (err, EINVAL, "Decoding seccomp profile failed: %s",
                    je != json_tokener_success ? json_tokener_error_desc (je)
                                               : "the profile must be a JSON object");
  else
    r = translate (p, caps, out, err);
  json_object_put (p);
  if (r < 0)
    {
      json_object_put (*out);
      *out = NULL;
    }
  return r;
}

static void
host_devices_in (const char *dir, json_object *out, int depth)
{
  static const char *const skip[] = { "pts", "shm", "fd", "mqueue", ".lxc", ".lxd-mounts",
                                      ".udev", "console", "ptmx", NULL };
  cleanup_dir DIR *d = opendir (dir);
  struct dirent *e;
  while (d && (e = readdir (d)))
    {
      bool skipped = e->d_name[0] == '.' && (!e->d_name[1] || !strcmp (e->d_name, ".."));
      for (int i = 0; skip[i] && !skipped; i++)
        skipped = strcmp (skip[i], e->d_name) == 0;
      char path[4096];
      struct stat st;
      if (skipped || snprintf (path, sizeof path, "%s/%s", dir, e->d_name) >= (int) sizeof path
          || lstat (path, &st) < 0)
        continue;
      if (S_ISDIR (st.st_mode) && depth < 8)
        host_devices_in (path, out, depth + 1);
      if (!S_ISCHR (st.st_mode) && !S_ISBLK (st.st_mode))
        continue;
      json_object *dev = json_object_new_object ();
      json_object_object_add (dev, "path", json_object_new_string (path));
      json_object_object_add (dev, "type", json_object_new_string (S_ISBLK (st.st_mode) ? "b" : "c"));
      json_object_object_add (dev, "major", json_object_new_int64 (major (st.st_rdev)));
      json_object_object_add (dev, "minor", json_object_new_int64 (minor (st.st_rdev)));
      json_object_object_add (dev, "fileMode", json_object_new_int (st.st_mode & 07777));
      json_object_object_add (dev, "uid", json_object_new_int64 (st.st_uid));
      json_object_object_add (dev, "gid", json_object_new_int64 (st.st_gid));
      json_object_array_add (out, dev);
    }
}

static void
drop_option (json_object *mount, const char *opt)
{
  json_object *opts = get (mount, "options"), *keep = json_object_new_array ();
  for (size_t i = 0; opts && i < json_object_array_length (opts); i++)
    if (strcmp (json_object_get_string (json_object_array_get_idx (opts, i)), opt) != 0)
      json_object_array_add (keep, json_object_get (json_object_array_get_idx (opts, i)));
  json_object_object_add (mount, "options", keep);
}

/* Docker's --privileged: every host device, no masked or read-only paths,
 * /sys and the cgroup mount writable, the devices cgroup allowing all. */
static void
privileged (json_object *spec)
{
  json_object *lx = get (spec, "linux"), *mounts = get (spec, "mounts");
  json_object *devs = json_object_new_array ();
  host_devices_in ("/dev", devs, 0);
  json_object_object_add (lx, "devices", devs);
  json_object_object_add (lx, "maskedPaths", json_object_new_array ());
  json_object_object_add (lx, "readonlyPaths", json_object_new_array ());
  for (size_t i = 0; mounts && i < json_object_array_length (mounts); i++)
    {
      json_object *m = json_object_array_get_idx (mounts, i);
      const char *dst = json_object_get_string (get (m, "destination"));
      if (strcmp (dst, "/sys") == 0 || strcmp (dst, "/sys/fs/cgroup") == 0)
        drop_option (m, "ro");
    }
  json_object *res = get (lx, "resources"), *allow = json_object_new_object ();
  if (res == NULL)
    json_object_object_add (lx, "resources", res = json_object_new_object ());
  json_object *list = json_object_new_array ();
  json_object_object_add (allow, "allow", json_object_new_boolean (1));
  json_object_object_add (allow, "access", json_object_new_string ("rwm"));
  json_object_array_add (list, allow);
  json_object_object_add (res, "devices", list);
}

static int
tmpfs_mounts (json_object *hc, json_object *spec, struct cd_err *err)
{
  json_object *tm = get (hc, "Tmpfs"), *mounts = get (spec, "mounts");
  if (!json_object_is_type (tm, json_type_object))
    return 0;
  json_object_object_foreach (tm, dest, val)
  {
    json_object *opts = NULL, *m;
    int r = ctr_sec_tmpfs_options (json_object_get_string (val), &opts, err);
    if (r < 0)
      return r;
    m = json_object_new_object ();
    json_object_object_add (m, "destination", json_object_new_string (dest));
    json_object_object_add (m, "type", json_object_new_string ("tmpfs"));
    json_object_object_add (m, "source", json_object_new_string ("tmpfs"));
    json_object_object_add (m, "options", opts);
    json_object_array_add (mounts, m);
  }
  return 0;
}

static json_object *
cap_names (uint64_t caps)
{
  json_object *a = json_object_new_array ();
  for (int c = 0; c < 64; c++)
    if (caps & (UINT64_C (1) << c))
      json_object_array_add (a, json_object_new_string (rt_cap_name (c)));
  return a;
}

int
ctr_sec_apply (json_object *hc, json_object *spec, struct cd_err *err)
{
  struct ctr_sec_opts o;
  uint64_t caps;
  json_object *proc = get (spec, "process"), *sc = NULL;
  bool priv = json_object_get_boolean (get (hc, "Privileged"));
  int r;
  if ((r = ctr_sec_parse_opts (get (hc, "SecurityOpt"), &o, err)) < 0
      || (r = ctr_sec_caps (hc, ctr_sec_bounding (), &caps, err)) < 0
      || (r = tmpfs_mounts (hc, spec, err)) < 0)
    return r;
  json_object *cs = json_object_new_object ();
  static const char *const sets[] = { "bounding", "effective", "permitted", NULL };
  for (int i = 0; sets[i]; i++)
    json_object_object_add (cs, sets[i], cap_names (caps));
  json_object_object_add (proc, "capabilities", cs);
  json_object_object_add (proc, "noNewPrivileges", json_object_new_boolean (o.no_new_privileges));
  if (priv)
    privileged (spec);
  if (!priv && !(o.seccomp && strcmp (o.seccomp, "unconfined") == 0))
    {
      r = ctr_sec_seccomp_oci (o.seccomp ? o.seccomp : ctr_sec_default_profile, caps, &sc, err);
      if (r < 0)
        return r;
      if (sc)
        json_object_object_add (get (spec, "linux"), "seccomp", sc);
    }
  return 0;
}
