#include "daemon/lifecycle.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <systemd/sd-daemon.h>

#include "api/metrics.h"
#include "api/server.h"
#include "cleanup.h"
#include "daemon/ctr_lock.h"
#include "daemon/ctr_logs.h"
#include "daemon/ctr_run.h"
#include "daemon/events.h"
#include "daemon/exec.h"
#include "daemon/ctr_attach.h"
#include "daemon/stats.h"
#include "daemon/ctr_list_cache.h"
#include "fsutil.h"
#include "images/images.h"
#include "log.h"
#include "store/volumes.h"

int64_t
cd_now_nano (void)
{
  struct timespec ts;
  clock_gettime (CLOCK_REALTIME, &ts);
  return (int64_t) ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int
check_socket_dir (const struct cd_config *c, struct cd_err *err)
{
  const char *path = cd_config_socket_path (c);
  if (path == NULL)
    return 0;
  cleanup_free char *dir = strdup (path);
  if (dir == NULL)
    return cd_err_set (err, ENOMEM, "out of memory");
  char *slash = strrchr (dir, '/');
  if (slash == dir)
    return 0;
  *slash = '\0';
  struct stat st;
  if (stat (dir, &st) < 0)
    return cd_err_sys (err, errno, "cannot listen on %s: directory %s", path, dir);
  if (!S_ISDIR (st.st_mode))
    return cd_err_set (err, ENOTDIR, "cannot listen on %s: %s is not a directory", path, dir);
  return 0;
}

/* The first missing ancestor of path (what mkdir -p will create), or NULL. */
static char *
first_missing (const char *path)
{
  struct stat st;
  if (stat (path, &st) == 0)
    return NULL;
  char *p = strdup (path);
  for (;;)
    {
      char *slash = strrchr (p, '/');
      if (slash == NULL || slash == p)
        return p;
      *slash = '\0';
      if (stat (p, &st) == 0)
        {
          *slash = '/';
          return p;
        }
    }
}

static int
take_lock (struct cd_daemon *d, struct cd_err *err)
{
  cleanup_free char *path = cd_path_join (d->cfg.root, "cdaemon.lock");
  cleanup_close int fd = open (path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0)
    return cd_err_sys (err, errno, "root %s is not writable", d->cfg.root);
  if (flock (fd, LOCK_EX | LOCK_NB) < 0)
    {
      char pid[32] = "";
      ssize_t n = pread (fd, pid, sizeof pid - 1, 0);
      pid[n > 0 ? n : 0] = '\0';
      pid[strcspn (pid, "\n")] = '\0';
      return cd_err_set (err, EBUSY, "another cdaemon (pid %s) is already running with root %s",
                         pid[0] ? pid : "?", d->cfg.root);
    }
  char buf[32];
  int n = snprintf (buf, sizeof buf, "%d\n", (int) getpid ());
  if (ftruncate (fd, 0) < 0 || pwrite (fd, buf, (size_t) n, 0) != n)
    return cd_err_sys (err, errno, "root %s is not writable", d->cfg.root);
  d->lock_fd = steal_fd (&fd);
  return 0;
}

static int
load_engine_id (struct cd_daemon *d, struct cd_err *err)
{
  char *id = NULL;
  int r = store_setting_get (d->store, "engine-id", &id, err);
  if (r < 0)
    return r;
  if (id == NULL)
    {
      unsigned char raw[32];
      if (getrandom (raw, sizeof raw, 0) != sizeof raw)
        return cd_err_sys (err, errno, "getrandom");
      char hex[65];
      for (int i = 0; i < 32; i++)
        sprintf (hex + 2 * i, "%02x", raw[i]);
      if ((r = store_setting_set (d->store, "engine-id", hex, err)) < 0)
        return r;
      id = strdup (hex);
    }
  snprintf (d->id, sizeof d->id, "%s", id);
  free (id);
  return 0;
}

static int
init_dirs_and_store (struct cd_daemon *d, struct cd_err *err)
{
  int r;
  if ((r = cd_mkdir_p (d->cfg.root, 0711, err)) < 0)
    return cd_err_wrap (err, "cannot create root %s", d->cfg.root);
  if ((r = take_lock (d, err)) < 0)
    return r;
  /* What an interrupted run left in tmp/ is moved aside now and deleted in
   * the background after READY, so new requests get an empty tmp/ at once. */
  cleanup_free char *tmp = cd_path_join (d->cfg.root, "tmp");
  cleanup_free char *old = cd_path_join (d->cfg.root, "tmp-old");
  struct cd_err ignore;
  if (access (old, F_OK) != 0)
    rename (tmp, old);
  else
    cd_rm_rf (tmp, &ignore);
  if ((r = cd_mkdir_p (tmp, 0700, err)) < 0 || (r = cd_mkdir_p (d->cfg.exec_root, 0700, err)) < 0)
    return r;
  if ((r = store_open (d->cfg.root, &d->store, err)) < 0
      || (r = img_store_open (d->cfg.root, d->store, &d->images, err)) < 0)
    return r;
  struct cd_err gc = { 0 };
  if (store_ctr_mounts_gc (d->store, &gc) < 0) /* before any create can run */
    log_warn ("mount points clean-up: %s", gc.msg);
  return load_engine_id (d, err);
}

int
cd_daemon_init (struct cd_daemon *d, uv_loop_t *loop, struct cd_err *err)
{
  d->loop = loop;
  d->lock_fd = -1;
  d->started_nano = cd_now_nano ();
  d->notify = getenv ("NOTIFY_SOCKET") != NULL;
  int r = check_socket_dir (&d->cfg, err);
  if (r < 0)
    return r;
  cleanup_free char *new_root = first_missing (d->cfg.root);
  cleanup_free char *new_exec = first_missing (d->cfg.exec_root);
  r = init_dirs_and_store (d, err);
  if (r == 0)
    r = ctr_locks_new (&d->locks, err);
  if (r == 0)
    r = ev_bus_new (d, &d->events, err);
  if (r < 0)
    {
      /* Leave nothing behind: remove the directories this attempt created. */
      cd_daemon_fini (d);
      struct cd_err ignore;
      if (new_root)
        cd_rm_rf (new_root, &ignore);
      if (new_exec)
        cd_rm_rf (new_exec, &ignore);
    }
  return r;
}

static void
after_gc (uv_work_t *w, int status)
{
  (void) status;
  free (w);
  log_debug ("background clean-up finished");
}

/* Runs on the thread pool after READY=1: ends the monitors of containers
 * that have no row, removes the temporary files that an interrupted upload
 * or unpack left and what start-up found orphaned (both moved to
 * <root>/tmp-old at start) and layers that no image uses. */
static void
gc_work (uv_work_t *w)
{
  struct cd_daemon *d = w->data;
  cleanup_free char *old = cd_path_join (d->cfg.root, "tmp-old");
  struct cd_err err = { 0 };
  ctr_restore_background (d);
  if (cd_rm_rf (old, &err) < 0)
    log_warn ("clean-up of %s: %s", old, err.msg);
  if (img_gc (d->images, &err) < 0)
    log_warn ("image clean-up: %s", err.msg);
}

int
cd_daemon_serve (struct cd_daemon *d, struct cd_err *err)
{
  int r = api_metrics_listen (d, err);
  if (r == 0)
    r = api_server_start (d, &d->api, err);
  if (r < 0)
    return r;
  log_info ("API listening on %s", d->cfg.host);
  ctr_restore (d);
  if (st_sampler_start (d, err) < 0)
    return -ENOMEM;
  if (d->notify)
    sd_notify (0, "READY=1\nSTATUS=Processing requests");
  uv_work_t *w = calloc (1, sizeof *w);
  if (w)
    {
      w->data = d;
      uv_queue_work (d->loop, w, gc_work, after_gc);
    }
  return 0;
}

void
cd_daemon_fini (struct cd_daemon *d)
{
  st_sampler_stop (d);
  ctr_run_fini (d);
  ctr_exec_fini (d);
  ctr_attach_fini (d);
  ctr_logs_fini (d);
  ctr_list_cache_free (d);
  ctr_locks_free (d->locks);
  d->locks = NULL;
  ctr_restore_fini (d);
  free (d->run);
  d->run = NULL;
  ev_bus_free (d->events);
  d->events = NULL;
  img_store_free (d->images);
  d->images = NULL;
  store_close (d->store);
  d->store = NULL;
  if (d->lock_fd >= 0)
    close (d->lock_fd);
  d->lock_fd = -1;
}
