#include "daemon/bundle.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/ctr_resources.h"
#include "daemon/ctr_security.h"
#include "daemon/ctr_spec.h"

const char *const bundle_default_caps[] = {
  "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FSETID", "CAP_FOWNER", "CAP_MKNOD", "CAP_NET_RAW",
  "CAP_SETGID", "CAP_SETUID", "CAP_SETFCAP", "CAP_SETPCAP", "CAP_NET_BIND_SERVICE",
  "CAP_SYS_CHROOT", "CAP_KILL", "CAP_AUDIT_WRITE", NULL,
};

static const char *const masked[] = {
  "/proc/asound", "/proc/acpi", "/proc/kcore", "/proc/keys", "/proc/latency_stats",
  "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug", "/proc/scsi", "/sys/firmware",
  "/sys/devices/virtual/powercap", NULL,
};

static const char *const readonly[] = {
  "/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger", NULL,
};

static json_object *
get (json_object *o, const char *k)
{
  json_object *v = NULL;
  if (o)
    json_object_object_get_ex (o, k, &v);
  return v;
}

static json_object *
strv (const char *const *v)
{
  json_object *a = json_object_new_array ();
  for (; *v; v++)
    json_object_array_add (a, json_object_new_string (*v));
  return a;
}

/* A user mount (volume, bind, tmpfs) at dst replaces the default one. */
static bool
user_mounted (const struct bundle_in *in, const char *dst)
{
  for (size_t i = 0; in->user_mounts && i < json_object_array_length (in->user_mounts); i++)
    {
      const char *d = json_object_get_string (get (json_object_array_get_idx (in->user_mounts,
                                                                              i),
                                                   "destination"));
      size_t n = d ? strlen (d) : 0;
      while (n > 1 && d[n - 1] == '/')
        n--;
      if (d && strlen (dst) == n && strncmp (d, dst, n) == 0)
        return true;
    }
  return false;
}

static void
add_mount (json_object *mounts, const char *dst, const char *type, const char *src,
           const char *const *opts)
{
  json_object *m = json_object_new_object ();
  json_object_object_add (m, "destination", json_object_new_string (dst));
  json_object_object_add (m, "type", json_object_new_string (type));
  json_object_object_add (m, "source", json_object_new_string (src));
  json_object_object_add (m, "options", strv (opts));
  json_object_array_add (mounts, m);
}

/* The defaults that a user mount replaces (same destination) leave. */
static json_object *
drop_replaced (const struct bundle_in *in, json_object *m)
{
  json_object *out = json_object_new_array ();
  size_t n_user = json_object_array_length (in->user_mounts);
  for (size_t i = 0; i < json_object_array_length (m); i++)
    {
      json_object *e = json_object_array_get_idx (m, i);
      bool user = false;
      for (size_t j = 0; j < n_user && !user; j++)
        user = json_object_array_get_idx (in->user_mounts, j) == e;
      if (user || !user_mounted (in, json_object_get_string (get (e, "destination"))))
        json_object_array_add (out, json_object_get (e));
    }
  json_object_put (m);
  return out;
}

static json_object *
mounts (const struct bundle_in *in)
{
  static const char *const proc[] = { "nosuid", "noexec", "nodev", NULL };
  static const char *const dev[] = { "nosuid", "strictatime", "mode=755", "size=65536k", NULL };
  static const char *const pts[] = { "nosuid", "noexec", "newinstance", "ptmxmode=0666",
                                     "mode=0620", "gid=5", NULL };
  static const char *const sys[] = { "nosuid", "noexec", "nodev", "ro", NULL };
  static const char *const cg[] = { "ro", "nosuid", "noexec", "nodev", NULL };
  static const char *const mq[] = { "nosuid", "noexec", "nodev", NULL };
  static const char *const bind[] = { "rbind", "rprivate", NULL };
  json_object *m = json_object_new_array ();
  add_mount (m, "/proc", "proc", "proc", proc);
  add_mount (m, "/dev", "tmpfs", "tmpfs", dev);
  add_mount (m, "/dev/pts", "devpts", "devpts", pts);
  add_mount (m, "/sys", "sysfs", "sysfs", sys);
  add_mount (m, "/sys/fs/cgroup", "cgroup", "cgroup", cg);
  add_mount (m, "/dev/mqueue", "mqueue", "mqueue", mq);
  char shm[64];
  snprintf (shm, sizeof shm, "size=%lld", (long long) json_object_get_int64 (get (in->host_config, "ShmSize")));
  const char *shmopts[] = { "nosuid", "noexec", "nodev", "mode=1777", shm, NULL };
  add_mount (m, "/dev/shm", "tmpfs", "shm", shmopts);
  size_t n_user = in->user_mounts ? json_object_array_length (in->user_mounts) : 0;
  for (size_t i = 0; i < n_user; i++)
    json_object_array_add (m, json_object_get (json_object_array_get_idx (in->user_mounts, i)));
  const char *files[] = { "resolv.conf", "hostname", "hosts" };
  for (int i = 0; i < 3; i++)
    {
      char src[4200], dst[64];
      snprintf (src, sizeof src, "%s/%s", in->ctr_dir, files[i]);
      snprintf (dst, sizeof dst, "/etc/%s", files[i]);
      add_mount (m, dst, "bind", src, bind);
    }
  static const char *const init_ro[] = { "bind", "ro", NULL };
  if (in->init_path)
    add_mount (m, BUNDLE_INIT_PATH, "bind", in->init_path, init_ro);
  return n_user ? drop_replaced (in, m) : m;
}

static json_object *
device (const char *path, int major, int minor)
{
  json_object *d = json_object_new_object ();
  json_object_object_add (d, "path", json_object_new_string (path));
  json_object_object_add (d, "type", json_object_new_string ("c"));
  json_object_object_add (d, "major", json_object_new_int (major));
  json_object_object_add (d, "minor", json_object_new_int (minor));
  json_object_object_add (d, "fileMode", json_object_new_int (0666));
  json_object_object_add (d, "uid", json_object_new_int (0));
  json_object_object_add (d, "gid", json_object_new_int (0));
  return d;
}

static json_object *
devices (void)
{
  json_object *a = json_object_new_array ();
  json_object_array_add (a, device ("/dev/null", 1, 3));
  json_object_array_add (a, device ("/dev/zero", 1, 5));
  json_object_array_add (a, device ("/dev/full", 1, 7));
  json_object_array_add (a, device ("/dev/random", 1, 8));
  json_object_array_add (a, device ("/dev/urandom", 1, 9));
  json_object_array_add (a, device ("/dev/tty", 5, 0));
  return a;
}

static json_object *
namespaces (const struct bundle_in *in)
{
  static const char *const types[] = { "pid", "ipc", "uts", "mount", "cgroup", NULL };
  json_object *a = json_object_new_array ();
  for (int i = 0; types[i]; i++)
    {
      json_object *n = json_object_new_object ();
      json_object_object_add (n, "type", json_object_new_string (types[i]));
      json_object_array_add (a, n);
    }
  const char *nm = json_object_get_string (get (in->host_config, "NetworkMode"));
  if (nm == NULL || strcmp (nm, "host") != 0)
    {
      json_object *n = json_object_new_object ();
      json_object_object_add (n, "type", json_object_new_string ("network"));
      if (in->netns_path)
        json_object_object_add (n, "path", json_object_new_string (in->netns_path));
      json_object_array_add (a, n);
    }
  return a;
}

/* Image Env plus HOSTNAME, and PATH when the image sets none (as Docker). */
static json_object *
env (const struct bundle_in *in)
{
  json_object *e = json_object_new_array (), *src = get (in->config, "Env");
  bool has_path = false, has_host = false;
  for (size_t i = 0; src && i < json_object_array_length (src); i++)
    {
      const char *v = json_object_get_string (json_object_array_get_idx (src, i));
      has_path |= strncmp (v, "PATH=", 5) == 0;
      has_host |= strncmp (v, "HOSTNAME=", 9) == 0;
    }
  if (!has_path)
    json_object_array_add (e, json_object_new_string ("PATH=/usr/local/sbin:/usr/local/bin:"
                                                      "/usr/sbin:/usr/bin:/sbin:/bin"));
  if (!has_host)
    {
      char h[300];
      snprintf (h, sizeof h, "HOSTNAME=%s", json_object_get_string (get (in->config, "Hostname")));
      json_object_array_add (e, json_object_new_string (h));
    }
  for (size_t i = 0; src && i < json_object_array_length (src); i++)
    json_object_array_add (e, json_object_get (json_object_array_get_idx (src, i)));
  return e;
}

static json_object *
process (const struct bundle_in *in, json_object *argv)
{
  json_object *p = json_object_new_object (), *user = json_object_new_object ();
  json_object_object_add (p, "terminal",
                          json_object_new_boolean (json_object_get_boolean (get (in->config, "Tty"))));
  json_object_object_add (user, "uid", json_object_new_int (0));
  json_object_object_add (user, "gid", json_object_new_int (0));
  json_object_object_add (p, "user", user);
  json_object_object_add (p, "args", argv);
  json_object_object_add (p, "env", env (in));
  const char *wd = json_object_get_string (get (in->config, "WorkingDir"));
  json_object_object_add (p, "cwd", json_object_new_string (wd && *wd ? wd : "/"));
  json_object *caps = json_object_new_object ();
  static const char *const sets[] = { "bounding", "effective", "permitted", NULL };
  for (int i = 0; sets[i]; i++)
    json_object_object_add (caps, sets[i], strv (bundle_default_caps));
  json_object_object_add (p, "capabilities", caps);
  json_object_object_add (p, "noNewPrivileges", json_object_new_boolean (0));
  return p;
}

static json_object *
annotations (const struct bundle_in *in)
{
  json_object *a = json_object_new_object ();
  json_object_object_add (a, "cdaemon.overlay.lowerdir", json_object_new_string (in->lowerdir));
  json_object_object_add (a, "cdaemon.overlay.upperdir", json_object_new_string (in->upperdir));
  json_object_object_add (a, "cdaemon.overlay.workdir", json_object_new_string (in->workdir));
  const char *user = json_object_get_string (get (in->config, "User"));
  if (user && *user)
    json_object_object_add (a, "cdaemon.user", json_object_new_string (user));
  const char *wd = json_object_get_string (get (in->config, "WorkingDir"));
  if (wd && *wd)
    json_object_object_add (a, "cdaemon.mkcwd", json_object_new_string ("1"));
  return a;
}

int
bundle_build (const struct bundle_in *in, json_object **out, struct cd_err *err)
{
  json_object *argv = ctr_spec_argv (in->config);
  if (argv == NULL)
    return cd_err_set (err, EINVAL, "no command specified");
  if (in->init_path)
    {
      json_object *cmd = argv;
      argv = json_object_new_array ();
      json_object_array_add (argv, json_object_new_string (BUNDLE_INIT_PATH));
      json_object_array_add (argv, json_object_new_string ("--"));
      for (size_t i = 0; i < json_object_array_length (cmd); i++)
        json_object_array_add (argv, json_object_get (json_object_array_get_idx (cmd, i)));
      json_object_put (cmd);
    }
  json_object *o = json_object_new_object (), *root = json_object_new_object ();
  json_object_object_add (o, "ociVersion", json_object_new_string ("1.0.2"));
  json_object_object_add (o, "process", process (in, argv));
  json_object_object_add (root, "path", json_object_new_string (in->merged));
  json_object_object_add (root, "readonly", json_object_new_boolean (
                                  json_object_get_boolean (get (in->host_config, "ReadonlyRootfs"))));
  json_object_object_add (o, "root", root);
  json_object_object_add (o, "hostname", json_object_get (get (in->config, "Hostname")));
  json_object_object_add (o, "mounts", mounts (in));
  json_object *lx = json_object_new_object ();
  json_object_object_add (lx, "namespaces", namespaces (in));
  json_object_object_add (lx, "maskedPaths", strv (masked));
  json_object_object_add (lx, "readonlyPaths", strv (readonly));
  json_object_object_add (lx, "devices", devices ());
  char cg[512];
  snprintf (cg, sizeof cg, "/%s/%s", in->cgroup_parent, in->id);
  json_object_object_add (lx, "cgroupsPath", json_object_new_string (cg));
  json_object_object_add (o, "linux", lx);
  json_object_object_add (o, "annotations", annotations (in));
  /* security last: --privileged replaces the device rules */
  int r = ctr_res_bundle (in->host_config, in->id, o, err);
  if (r == 0)
    r = ctr_sec_apply (in->host_config, o, err);
  if (r < 0)
    {
      json_object_put (o);
      return r;
    }
  *out = o;
  return 0;
}
