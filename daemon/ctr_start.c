/* Starting a container: the bundle (config.json) in <exec-root>/containers/<id>,
 * then cdmon, which double-forks, starts the container through runtime/ and
 * reports one JSON line on the sync pipe. Runs on the thread pool. */
#include <fcntl.h>
#include <libgen.h>
#include <poll.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cleanup.h"
#include "daemon/bundle.h"
#include "daemon/ctr_attach.h"
#include "daemon/ctr_init.h"
#include "daemon/ctr_lock.h"
#include "daemon/ctr_run.h"
#include "daemon/vol_ctr.h"
#include "fsutil.h"
#include "images/ctrlayer.h"
#include "images/images.h"
#include "log.h"
#include "store/containers.h"

#define START_TIMEOUT_MS 60000

extern char **environ;

static json_object *
get (json_object *o, const char *k)
{
  json_object *v = NULL;
  if (o)
    json_object_object_get_ex (o, k, &v);
  return v;
}

long long
ctr_parse_size (const char *s)
{
  char *end;
  if (s == NULL || *s == '\0')
    return -1;
  double v = strtod (s, &end);
  long long mult = 1;
  switch (*end)
    {
    case 'k': case 'K': mult = 1024; end++; break;
    case 'm': case 'M': mult = 1024 * 1024; end++; break;
    case 'g': case 'G': mult = 1024LL * 1024 * 1024; end++; break;
    default: break;
    }
  if (*end == 'b' || *end == 'B')
    end++;
  if (*end != '\0' || v < 0)
    return -1;
  return (long long) (v * (double) mult);
}

static int
write_bundle (struct cd_daemon *d, const struct store_container *c, const char *bdir,
              struct cd_err *err)
{
  struct img_ctr_dirs dirs;
  int r = img_ctr_layer_dirs (d->images, c->id, &dirs, err);
  if (r < 0)
    return r;
  json_object *cfg = json_tokener_parse (c->config), *hc = json_tokener_parse (c->host_config);
  char ctr_dir[4200];
  snprintf (ctr_dir, sizeof ctr_dir, "%s/containers/%s", d->cfg.root, c->id);
  struct bundle_in in = { .id = c->id, .config = cfg, .host_config = hc, .ctr_dir = ctr_dir,
                          .lowerdir = dirs.lowerdir, .upperdir = dirs.upperdir,
                          .workdir = dirs.workdir, .merged = dirs.merged,
                          .cgroup_parent = d->cfg.cgroup_parent };
  json_object *spec = NULL;
  cleanup_free char *init = NULL;
  r = ctr_init_path (&d->cfg, hc, &init, err);
  in.init_path = init;
  if (r == 0)
    r = cd_mkdir_p (bdir, 0700, err);
  if (r == 0)
    r = cd_mkdir_p (dirs.merged, 0700, err);
  json_object *user_mounts = NULL;
  if (r == 0)
    r = vol_ctr_oci_mounts (d, c->id, &user_mounts, err);
  in.user_mounts = user_mounts;
  if (r == 0)
    r = bundle_build (&in, &spec, err);
  json_object_put (user_mounts);
  if (r == 0)
    {
      char path[4300];
      snprintf (path, sizeof path, "%s/config.json", bdir);
      const char *text = json_object_to_json_string_ext (spec, JSON_C_TO_STRING_PLAIN
                                                                   | JSON_C_TO_STRING_NOSLASHESCAPE);
      r = cd_write_file_replace (path, text, strlen (text), 0600, err);
    }
  json_object_put (spec);
  json_object_put (cfg);
  json_object_put (hc);
  img_ctr_dirs_free (&dirs);
  return r;
}

/* The log options: the container's LogConfig, else daemon.json log-opts, else 20m x 5. */
static void
log_opts (struct cd_daemon *d, json_object *hc, char size[32], char files[16])
{
  json_object *lc = get (get (hc, "LogConfig"), "Config");
  const char *ms = json_object_get_string (get (lc, "max-size"));
  const char *mf = json_object_get_string (get (lc, "max-file"));
  if (ms == NULL)
    ms = json_object_get_string (get (d->cfg.log_opts, "max-size"));
  if (mf == NULL)
    mf = json_object_get_string (get (d->cfg.log_opts, "max-file"));
  long long sz = ctr_parse_size (ms ? ms : "20m");
  snprintf (size, 32, "%lld", sz > 0 ? sz : 20LL << 20);
  snprintf (files, 16, "%d", mf && atoi (mf) > 0 ? atoi (mf) : 5);
}

static char *
cdmon_path (void)
{
  char self[4096];
  ssize_t n = readlink ("/proc/self/exe", self, sizeof self - 1);
  if (n > 0)
    {
      self[n] = '\0';
      char *p = NULL;
      if (asprintf (&p, "%s/cdmon", dirname (self)) > 0 && access (p, X_OK) == 0)
        return p;
      free (p);
    }
  return strdup ("cdmon");
}

/* posix_spawn (safe in a threaded process) of cdmon with the sync pipe as fd 3
 * and /dev/null as stdio; waits for the intermediate process, which exits as
 * soon as it has forked the monitor. */
static int
spawn_cdmon (char *const argv[], int sync_w, const int *attach, int n_attach, struct cd_err *err)
{
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init (&fa);
  posix_spawn_file_actions_addopen (&fa, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen (&fa, 1, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen (&fa, 2, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_adddup2 (&fa, sync_w, 3);
  /* attach connections made before the start: fds 4.. (ctr_attach.h) */
  for (int i = 0; i < n_attach; i++)
    posix_spawn_file_actions_adddup2 (&fa, attach[i], 4 + i);
  /* a session leader from the start: cdmon then forks once, not twice */
  posix_spawnattr_t attr;
  posix_spawnattr_init (&attr);
  posix_spawnattr_setflags (&attr, POSIX_SPAWN_SETSID);
  pid_t pid;
  int r = posix_spawn (&pid, argv[0], &fa, &attr, argv, environ);
  posix_spawnattr_destroy (&attr);
  posix_spawn_file_actions_destroy (&fa);
  if (r != 0)
    return cd_err_sys (err, r, "cannot run the monitor %s", argv[0]);
  int st;
  while (waitpid (pid, &st, 0) < 0 && errno == EINTR)
    ;
  return 0;
}

static int
read_sync (int fd, char *buf, size_t len, struct cd_err *err)
{
  size_t n = 0;
  struct timespec t0;
  clock_gettime (CLOCK_MONOTONIC, &t0);
  for (;;)
    {
      struct pollfd p = { .fd = fd, .events = POLLIN };
      int pr = poll (&p, 1, 1000);
      struct timespec t1;
      clock_gettime (CLOCK_MONOTONIC, &t1);
      if ((t1.tv_sec - t0.tv_sec) * 1000 > START_TIMEOUT_MS)
        return cd_err_set (err, ETIMEDOUT, "the monitor did not report within %d s",
                           START_TIMEOUT_MS / 1000);
      if (pr <= 0)
        continue;
      ssize_t r = read (fd, buf + n, len - 1 - n);
      if (r < 0 && errno == EINTR)
        continue;
      if (r <= 0 || (n += (size_t) r) >= len - 1)
        break;
    }
  buf[n] = '\0';
  if (n == 0)
    return cd_err_set (err, EIO, "the monitor exited without reporting (see the daemon log)");
  return 0;
}

static void
state_update (json_object *st, const char *status, int pid, int code, const char *error)
{
  json_object_object_add (st, "Status", json_object_new_string (status));
  json_object_object_add (st, "Pid", json_object_new_int (pid));
  json_object_object_add (st, "ExitCode", json_object_new_int (code));
  json_object_object_add (st, "Error", json_object_new_string (error ? error : ""));
}

/* Records the monitor's answer in the store. */
static int
record_start (struct cd_daemon *d, const struct store_container *c, const char *line,
              int *exit_code, struct cd_err *err)
{
  json_object *res = json_tokener_parse (line), *st = json_tokener_parse (c->state_json);
  if (st == NULL)
    st = json_object_new_object ();
  int r = 0;
  const char *msg = json_object_get_string (get (res, "error"));
  if (res == NULL)
    r = cd_err_set (err, EIO, "the monitor answered `%s`", line);
  else if (msg)
    {
      *exit_code = get (res, "exit_code") ? json_object_get_int (get (res, "exit_code")) : 125;
      r = cd_err_set (err, *exit_code == 125 ? EIO : EINVAL, "%s", msg);
      state_update (st, c->state, 0, *exit_code, msg);
      store_container_set_state (d->store, c->id, c->state,
                                 json_object_to_json_string (st), c->restart_count, NULL);
    }
  else
    {
      state_update (st, "running", json_object_get_int (get (res, "pid")), 0, NULL);
      /* a new run: a stop by the user before it no longer holds back restarts */
      json_object_object_del (st, "ManualStop");
      json_object_object_add (st, "StartedAt", json_object_get (get (res, "started_at")));
      json_object_object_add (st, "FinishedAt", json_object_new_string ("0001-01-01T00:00:00Z"));
      json_object_object_add (st, "OOMKilled", json_object_new_boolean (0));
      r = store_container_set_state (d->store, c->id, "running",
                                     json_object_to_json_string (st), c->restart_count, err);
    }
  json_object_put (res);
  json_object_put (st);
  return r;
}

static int
launch (struct cd_daemon *d, const struct store_container *c, const char *bdir, int *exit_code,
        struct cd_err *err)
{
  json_object *hc = json_tokener_parse (c->host_config), *cfg = json_tokener_parse (c->config);
  char size[32], files[16], logp[4300];
  log_opts (d, hc, size, files);
  snprintf (logp, sizeof logp, "%s/containers/%s/%s-json.log", d->cfg.root, c->id, c->id);
  cleanup_free char *mon = cdmon_path ();
  char sccache[4200];
  snprintf (sccache, sizeof sccache, "%s/seccomp", d->cfg.exec_root);
  char *argv[20 + 2 * 8] = { mon, "--id", (char *) c->id, "--bundle", (char *) bdir,
                             "--log-path", logp, "--log-max-size", size, "--log-max-file", files,
                             "--sync-fd", "3", "--seccomp-cache", sccache };
  int n = 15;
  if (json_object_get_boolean (get (cfg, "Tty")))
    argv[n++] = "--tty";
  if (json_object_get_boolean (get (cfg, "OpenStdin")))
    argv[n++] = "--stdin";
  int afd[8];
  char *aspec[8], aarg[8][80];
  int na = ctr_attach_take (d, c->id, afd, aspec, 8);
  for (int i = 0; i < na; i++)
    {
      snprintf (aarg[i], sizeof aarg[i], "%d:%s", 4 + i, aspec[i] ? aspec[i] : "2");
      argv[n++] = "--attach";
      argv[n++] = aarg[i];
    }
  argv[n] = NULL;
  json_object_put (hc);
  json_object_put (cfg);
  int p[2];
  if (pipe2 (p, O_CLOEXEC) < 0)
    return cd_err_sys (err, errno, "pipe");
  int r = spawn_cdmon (argv, p[1], afd, na, err);
  close (p[1]);
  for (int i = 0; i < na; i++)
    {
      close (afd[i]);
      free (aspec[i]);
    }
  char line[4096];
  if (r == 0)
    r = read_sync (p[0], line, sizeof line, err);
  close (p[0]);
  if (r == 0)
    r = record_start (d, c, line, exit_code, err);
  return r;
}

static int
ctr_start_sync_locked (struct cd_daemon *d, const char *id, int *exit_code, struct cd_err *err)
{
  struct store_container c;
  int r = store_container_find (d->store, id, &c, err);
  if (r < 0)
    return r;
  *exit_code = 0;
  if (strcmp (c.state, "running") == 0 || strcmp (c.state, "paused") == 0)
    {
      store_container_clear (&c);
      return -EALREADY;
    }
  char bdir[4200];
  snprintf (bdir, sizeof bdir, "%s/containers/%s", d->cfg.exec_root, c.id);
  /* What a previous run left (exit.json, sockets) must not be mistaken for this one. */
  char old[4300];
  const char *stale[] = { "exit.json", "ctl.sock", "attach.sock", "monitor.pid" };
  for (int i = 0; i < 4; i++)
    {
      snprintf (old, sizeof old, "%s/%s", bdir, stale[i]);
      unlink (old);
    }
  json_object *cfg = json_tokener_parse (c.config);
  r = ctr_write_files (d, c.id, json_object_get_string (get (cfg, "Hostname")), err);
  json_object_put (cfg);
  if (r == 0)
    r = write_bundle (d, &c, bdir, err);
  if (r == 0)
    r = launch (d, &c, bdir, exit_code, err);
  if (r < 0 && *exit_code == 0)
    *exit_code = 125;
  store_container_clear (&c);
  return r;
}

int
ctr_start_sync (struct cd_daemon *d, const char *ref, int *exit_code, struct cd_err *err)
{
  char id[65];
  int r = ctr_lock_ref (d, ref, id, err);
  if (r < 0)
    return r;
  r = ctr_start_sync_locked (d, id, exit_code, err);
  ctr_unlock (d, id);
  return r;
}

int
ctr_start_for_policy (struct cd_daemon *d, const char *id, int *exit_code, struct cd_err *err)
{
  ctr_lock (d, id);
  struct store_container c;
  int r = store_container_find (d->store, id, &c, err);
  if (r == 0)
    {
      json_object *st = json_tokener_parse (c.state_json), *v;
      bool manual = st && json_object_object_get_ex (st, "ManualStop", &v)
                    && json_object_get_boolean (v);
      json_object_put (st);
      bool pending = strcmp (c.state, "restarting") == 0 && !manual;
      store_container_clear (&c);
      /* the user stopped, started or removed it during the back-off */
      r = pending ? ctr_start_sync_locked (d, id, exit_code, err)
                  : cd_err_set (err, EALREADY, "restart of %.12s no longer wanted", id);
    }
  ctr_unlock (d, id);
  return r;
}
