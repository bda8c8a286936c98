/* Start-up reconciliation after a crash at any instant. The store is the
 * truth for what exists; exec-root and the running monitors for what runs:
 *   row running, monitor alive      -> watch it again
 *   row running, monitor gone       -> record the exit from exit.json
 *   row not running, monitor alive  -> a start the daemon did not live to
 *                                      record: adopt it (running)
 *   row restarting, or exited with policy always/unless-stopped -> start again
 *   row exited with --rm            -> removed
 *   container layers, container directory, bundle or monitor without a row
 *                                   -> removed (the monitor's container killed)
 * A create makes its layers and directory before its row and a remove deletes
 * the row first, so what has no row is always half-made or half-removed.
 * All the deciding runs on the loop before the first request is served (no
 * create can be half-way while it looks); only the waiting runs later. */
#include <dirent.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "cleanup.h"
#include "daemon/containers.h"
#include "daemon/ctr_run.h"
#include "fsutil.h"
#include "images/ctrlayer.h"
#include "log.h"
#include "store/containers.h"

#define MONITOR_WAIT_MS 3000
#define ORPHAN_KILL_MS 15000

/* A live cdmon process of this daemon (by its --bundle argument). */
struct mon_proc
{
  pid_t pid, ppid;
  char id[65];
};

struct ctr_orphans
{
  struct mon_proc *v;
  size_t n, cap;
};

static json_object *
get (json_object *o, const char *k)
{
  json_object *v = NULL;
  if (o)
    json_object_object_get_ex (o, k, &v);
  return v;
}

static void
msleep (int ms)
{
  struct timespec ts = { ms / 1000, (long) (ms % 1000) * 1000000 };
  nanosleep (&ts, NULL);
}

static void
list_add (struct ctr_orphans *l, const struct mon_proc *p)
{
  if (l->n == l->cap)
    {
      size_t cap = l->cap ? l->cap * 2 : 16;
      struct mon_proc *v = realloc (l->v, cap * sizeof *v);
      if (v == NULL)
        return;
      l->v = v;
      l->cap = cap;
    }
  l->v[l->n++] = *p;
}

/* State and parent of pid; false when gone or a zombie. */
static bool
proc_live (pid_t pid, pid_t *ppid)
{
  char path[64], buf[512];
  snprintf (path, sizeof path, "/proc/%d/stat", (int) pid);
  cleanup_fclose FILE *f = fopen (path, "re");
  if (f == NULL || fgets (buf, sizeof buf, f) == NULL)
    return false;
  char *rp = strrchr (buf, ')');
  char st;
  int pp;
  if (rp == NULL || sscanf (rp + 1, " %c %d", &st, &pp) != 2 || st == 'Z')
    return false;
  if (ppid)
    *ppid = pp;
  return true;
}

/* Whether /proc/<pid> is a cdmon of this daemon; its container ID in id. */
static bool
proc_monitor (struct cd_daemon *d, const char *pid, char id[65])
{
  char path[64], buf[8192], prefix[4200];
  snprintf (path, sizeof path, "/proc/%s/cmdline", pid);
  cleanup_fclose FILE *f = fopen (path, "re");
  size_t n = f ? fread (buf, 1, sizeof buf - 1, f) : 0;
  buf[n] = '\0';
  const char *a0 = strrchr (buf, '/') ? strrchr (buf, '/') + 1 : buf;
  if (n == 0 || strncmp (a0, "cdmon", 5) != 0)
    return false;
  int plen = snprintf (prefix, sizeof prefix, "%s/containers/", d->cfg.exec_root);
  for (size_t i = 0; i < n; i += strlen (buf + i) + 1)
    if (strcmp (buf + i, "--bundle") == 0)
      {
        const char *b = buf + i + strlen (buf + i) + 1;
        if (b >= buf + n || strncmp (b, prefix, (size_t) plen) != 0 || strlen (b + plen) != 64)
          return false;
        snprintf (id, 65, "%s", b + plen);
        return true;
      }
  return false;
}

/* The live cdmon processes of this daemon (of one container when only). */
static void
procs_scan (struct cd_daemon *d, const char *only, struct ctr_orphans *out)
{
  cleanup_dir DIR *dir = opendir ("/proc");
  struct dirent *de;
  while (dir && (de = readdir (dir)) != NULL)
    {
      struct mon_proc p;
      if (de->d_name[0] < '1' || de->d_name[0] > '9' || !proc_monitor (d, de->d_name, p.id)
          || (only && strcmp (only, p.id) != 0))
        continue;
      p.pid = atoi (de->d_name);
      if (proc_live (p.pid, &p.ppid))
        list_add (out, &p);
    }
}

static bool
procs_has (const struct ctr_orphans *l, const char *id)
{
  for (size_t i = 0; i < l->n; i++)
    if (strcmp (l->v[i].id, id) == 0)
      return true;
  return false;
}

/* A cdmon is on its way (the daemon died right after spawning it) but has
 * not written monitor.pid yet: wait for it, or for it to give up. */
static bool
wait_monitor (struct cd_daemon *d, const char *id)
{
  for (int waited = 0; waited < MONITOR_WAIT_MS; waited += 20)
    {
      msleep (20);
      if (ctr_monitor_alive (d, id))
        return true;
      struct ctr_orphans l = { 0 };
      procs_scan (d, id, &l);
      free (l.v);
      if (l.n == 0)
        break;
    }
  return ctr_monitor_alive (d, id);
}

/* Connects to the monitor's ctl.sock, sends line, and with reply, reads the
 * first line that is not an event. Blocking, bounded. */
static int
ctl_ask (struct cd_daemon *d, const char *id, const char *line, char *reply, size_t len)
{
  struct sockaddr_un sa = { .sun_family = AF_UNIX };
  cleanup_close int dirfd = -1;
  if (ctr_ctl_path (d, id, sa.sun_path, sizeof sa.sun_path, &dirfd) < 0)
    return -ENOENT;
  cleanup_close int fd = socket (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0 || connect (fd, (struct sockaddr *) &sa, sizeof sa) < 0)
    return -errno;
  size_t n = strlen (line);
  if (send (fd, line, n, MSG_NOSIGNAL) != (ssize_t) n)
    return -EIO;
  if (reply == NULL)
    return 0;
  size_t got = 0;
  for (int waited = 0; waited < MONITOR_WAIT_MS; waited += 100)
    {
      struct pollfd p = { .fd = fd, .events = POLLIN };
      if (poll (&p, 1, 100) <= 0)
        continue;
      ssize_t r = read (fd, reply + got, len - 1 - got);
      if (r <= 0)
        return -EIO;
      got += (size_t) r;
      reply[got] = '\0';
      char *nl;
      while ((nl = strchr (reply, '\n')) != NULL)
        {
          *nl = '\0';
          if (strstr (reply, "\"event\"") == NULL)
            return 0;
          got -= (size_t) (nl + 1 - reply);
          memmove (reply, nl + 1, got + 1);
        }
      if (got >= len - 1)
        return -EIO;
    }
  return -ETIMEDOUT;
}

/* The row says the container is not running, but its monitor is alive: the
 * daemon died between spawning the monitor and recording the start. The
 * start happened, so it is recorded now (an exit since comes through the
 * watch, from exit.json). A monitor whose container has exited already is
 * only finishing (its exit was recorded, or the start never was): -EALREADY. */
static int
adopt (struct cd_daemon *d, const struct store_container *c)
{
  char reply[2048];
  int r = ctl_ask (d, c->id, "{\"cmd\":\"state\"}\n", reply, sizeof reply);
  json_object *res = r == 0 ? json_tokener_parse (reply) : NULL;
  if (res && !json_object_get_boolean (get (res, "running")))
    {
      json_object_put (res);
      return -EALREADY;
    }
  if (res == NULL || get (res, "pid") == NULL)
    {
      json_object_put (res);
      return -EIO;
    }
  json_object *st = json_tokener_parse (c->state_json);
  if (st == NULL)
    st = json_object_new_object ();
  json_object_object_add (st, "Status", json_object_new_string ("running"));
  json_object_object_add (st, "Pid", json_object_new_int (json_object_get_int (get (res, "pid"))));
  json_object_object_add (st, "ExitCode", json_object_new_int (0));
  json_object_object_add (st, "Error", json_object_new_string (""));
  json_object_object_add (st, "OOMKilled", json_object_new_boolean (0));
  json_object_object_add (st, "StartedAt", json_object_get (get (res, "started_at")));
  json_object_object_add (st, "FinishedAt", json_object_new_string ("0001-01-01T00:00:00Z"));
  struct cd_err err;
  r = store_container_set_state (d->store, c->id, "running", json_object_to_json_string (st),
                                 c->restart_count, &err);
  if (r == 0)
    log_info ("container %.12s: its start was not recorded before the daemon stopped; it runs",
              c->id);
  json_object_put (st);
  json_object_put (res);
  return r;
}

struct restore
{
  struct cd_daemon *d;
  struct ctr_orphans procs;
};

static bool
wants_start (const struct store_container *c, json_object *hc, json_object *st)
{
  const char *policy = json_object_get_string (get (get (hc, "RestartPolicy"), "Name"));
  if (strcmp (c->state, "restarting") == 0)
    return true;
  return policy && strcmp (c->state, "exited") == 0
         && (strcmp (policy, "always") == 0
             || (strcmp (policy, "unless-stopped") == 0
                 && !json_object_get_boolean (get (st, "ManualStop"))));
}

static int
restore_one (const struct store_container *c, void *ctx)
{
  struct restore *rs = ctx;
  struct cd_daemon *d = rs->d;
  bool live = strcmp (c->state, "running") == 0 || strcmp (c->state, "paused") == 0;
  bool alive = ctr_monitor_alive (d, c->id);
  if (!alive && procs_has (&rs->procs, c->id))
    alive = wait_monitor (d, c->id);
  if (alive && !live)
    alive = adopt (d, c) == 0;
  json_object *hc = json_tokener_parse (c->host_config), *st = json_tokener_parse (c->state_json);
  if (alive)
    ctr_watch_start (d, c->id);
  else if (live)
    ctr_exited (d, c->id);
  else if (wants_start (c, hc, st))
    ctr_restart_schedule (d, c->id, 0);
  else if (strcmp (c->state, "exited") == 0 && json_object_get_boolean (get (hc, "AutoRemove")))
    {
      /* --rm: the exit was recorded, the removal did not happen */
      char id[65];
      struct cd_err err;
      if (ctr_remove (d, c->id, true, id, &err) < 0)
        log_warn ("removing %.12s (--rm): %s", c->id, err.msg);
    }
  json_object_put (hc);
  json_object_put (st);
  return 0;
}

/* Moves path into trash (deleted in the background), else removes it now. */
static void
trash_path (const char *path, const char *trash, const char *name)
{
  char to[4300];
  struct cd_err err;
  snprintf (to, sizeof to, "%s/%s", trash, name);
  if (rename (path, to) < 0 && cd_rm_rf (path, &err) < 0)
    log_warn ("removing %s: %s", path, err.msg);
}

/* Container directories and bundles without a row; monitors without a row
 * are kept in d->orphans for ctr_restore_background. */
static void
orphans (struct cd_daemon *d, struct restore *rs, const char *trash)
{
  char path[4200];
  const char *bases[] = { d->cfg.root, d->cfg.exec_root };
  for (int b = 0; b < 2; b++)
    {
      snprintf (path, sizeof path, "%s/containers", bases[b]);
      cleanup_dir DIR *dir = opendir (path);
      struct dirent *de;
      while (dir && (de = readdir (dir)) != NULL)
        {
          if (de->d_name[0] == '.' || store_container_exists (d->store, de->d_name) != 0)
            continue;
          if (b == 1 && procs_has (&rs->procs, de->d_name))
            continue; /* removed once its monitor is gone */
          snprintf (path, sizeof path, "%s/containers/%s", bases[b], de->d_name);
          log_info ("removing %s: it belongs to no container", path);
          if (b == 0)
            trash_path (path, trash, de->d_name);
          else
            {
              struct cd_err err;
              cd_rm_rf (path, &err);
            }
        }
    }
  struct ctr_orphans *o = calloc (1, sizeof *o);
  for (size_t i = 0; o && i < rs->procs.n; i++)
    {
      struct mon_proc *p = &rs->procs.v[i];
      bool top = true;
      for (size_t j = 0; j < rs->procs.n; j++)
        top = top && rs->procs.v[j].pid != p->ppid;
      if (top && store_container_exists (d->store, p->id) == 0)
        list_add (o, p);
    }
  d->orphans = o;
}

void
ctr_restore (struct cd_daemon *d)
{
  struct restore rs = { .d = d };
  struct cd_err err;
  cleanup_free char *trash = cd_path_join (d->cfg.root, "tmp-old");
  if (trash == NULL || cd_mkdir_p (trash, 0700, &err) < 0)
    log_warn ("restoring containers: cannot create %s", trash ? trash : "tmp-old");
  procs_scan (d, NULL, &rs.procs);
  if (store_containers_each (d->store, restore_one, &rs, &err) < 0)
    log_warn ("restoring containers: %s", err.msg);
  if (trash && img_ctr_layer_gc (d->images, trash, &err) < 0)
    log_warn ("removing orphaned container layers: %s", err.msg);
  if (trash)
    orphans (d, &rs, trash);
  free (rs.procs.v);
}

/* Kills the container of a monitor that has no row (its monitor then
 * removes the cgroup and exits), then removes the bundle. */
static void
end_orphan (struct cd_daemon *d, const struct mon_proc *p)
{
  log_info ("container %.12s has no record: killing it (monitor %d)", p->id, (int) p->pid);
  int waited = 0;
  while (ctl_ask (d, p->id, "{\"cmd\":\"kill\",\"signal\":9}\n", NULL, 0) < 0
         && proc_live (p->pid, NULL) && waited < MONITOR_WAIT_MS)
    {
      msleep (20);
      waited += 20;
    }
  for (waited = 0; proc_live (p->pid, NULL) && waited < ORPHAN_KILL_MS; waited += 20)
    msleep (20);
  if (proc_live (p->pid, NULL))
    {
      log_warn ("monitor %d of %.12s did not end: killing it", (int) p->pid, p->id);
      kill (p->pid, SIGKILL);
      return;
    }
  char path[4200];
  struct cd_err err;
  snprintf (path, sizeof path, "%s/containers/%s", d->cfg.exec_root, p->id);
  cd_rm_rf (path, &err);
}

void
ctr_restore_background (struct cd_daemon *d)
{
  struct ctr_orphans *o = d->orphans;
  for (size_t i = 0; o && i < o->n; i++)
    end_orphan (d, &o->v[i]);
}

void
ctr_restore_fini (struct cd_daemon *d)
{
  if (d->orphans)
    free (d->orphans->v);
  free (d->orphans);
  d->orphans = NULL;
}
