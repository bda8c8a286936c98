/* Loop side of running containers: one connection per monitor's ctl.sock,
 * exits recorded once from exit.json, waiters, --rm and restart policies. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cleanup.h"
#include "daemon/containers.h"
#include "daemon/ctr_logs.h"
#include "daemon/ctr_run.h"
#include "daemon/ctr_events.h"
#include "daemon/events.h"
#include "daemon/vol_ctr.h"
#include "fsutil.h"
#include "log.h"
#include "store/containers.h"

struct watch
{
  struct watch *next;
  struct cd_daemon *d;
  char id[65];
  uv_pipe_t pipe;
  uv_connect_t conn;
  char buf[8192];
  size_t len;
  bool open;
  pid_t mon_pid;       /* the monitor of the run watched (0: unknown) */
};

struct waiter
{
  struct waiter *next;
  char id[65];
  enum ctr_wait_cond cond;
  ctr_wait_fn fn;
  void *ctx;
};

struct restart
{
  struct cd_daemon *d;
  char id[65];
  uv_timer_t timer;
  uv_work_t work;
  int exit_code;
  struct cd_err err;
};

struct ctr_runstate
{
  struct watch *watches;
  struct waiter *waiters;
};

static struct ctr_runstate *
rs (struct cd_daemon *d)
{
  if (d->run == NULL)
    d->run = calloc (1, sizeof *d->run);
  return d->run;
}

static json_object *
get (json_object *o, const char *k)
{
  json_object *v = NULL;
  if (o)
    json_object_object_get_ex (o, k, &v);
  return v;
}

static void exited_run (struct cd_daemon *d, const char *id, pid_t mon_pid);

/* The pid in the container's monitor.pid, 0 when there is none. */
static pid_t
monitor_pid (struct cd_daemon *d, const char *id)
{
  char path[4300];
  snprintf (path, sizeof path, "%s/containers/%s/monitor.pid", d->cfg.exec_root, id);
  cleanup_free char *text = NULL;
  struct cd_err err;
  return cd_read_file (path, &text, NULL, &err) == 0 ? (pid_t) atoi (text) : 0;
}

static void
watch_closed (uv_handle_t *h)
{
  free (h->data);
}

static void
watch_drop (struct watch *w)
{
  struct ctr_runstate *s = rs (w->d);
  for (struct watch **p = &s->watches; *p; p = &(*p)->next)
    if (*p == w)
      {
        *p = w->next;
        break;
      }
  if (w->open)
    uv_close ((uv_handle_t *) &w->pipe, watch_closed);
  else
    free (w);
}

/* The watch is over (exit event, EOF or no monitor): drop it, then record
 * the exit from exit.json. The ID is copied first: dropping frees w. */
static void
watch_end (struct watch *w)
{
  char id[65];
  struct cd_daemon *d = w->d;
  pid_t mon = w->mon_pid;
  memcpy (id, w->id, sizeof id);
  watch_drop (w);
  exited_run (d, id, mon);
}

static void
on_alloc (uv_handle_t *h, size_t hint, uv_buf_t *buf)
{
  struct watch *w = h->data;
  (void) hint;
  if (w->len >= sizeof w->buf - 1)
    w->len = 0; /* an overlong line: drop it */
  buf->base = w->buf + w->len;
  buf->len = sizeof w->buf - 1 - w->len;
}

static void
on_read (uv_stream_t *st, ssize_t n, const uv_buf_t *buf)
{
  struct watch *w = st->data;
  (void) buf;
  if (n < 0)
    {
      watch_end (w); /* the monitor is gone: its exit.json tells the end */
      return;
    }
  w->len += (size_t) n;
  w->buf[w->len] = '\0';
  char *nl;
  while ((nl = memchr (w->buf, '\n', w->len)) != NULL)
    {
      *nl = '\0';
      bool exit_ev = strstr (w->buf, "\"event\"") && strstr (w->buf, "\"exit\"");
      size_t used = (size_t) (nl - w->buf) + 1;
      memmove (w->buf, nl + 1, w->len - used);
      w->len -= used;
      if (exit_ev)
        {
          watch_end (w);
          return;
        }
    }
}

static void
on_connect (uv_connect_t *req, int status)
{
  struct watch *w = req->data;
  if (status < 0)
    {
      watch_end (w);
      return;
    }
  uv_read_start ((uv_stream_t *) &w->pipe, on_alloc, on_read);
}

void
ctr_watch_start (struct cd_daemon *d, const char *id)
{
  struct ctr_runstate *s = rs (d);
  for (struct watch *w = s->watches; w; w = w->next)
    if (strcmp (w->id, id) == 0)
      return;
  struct watch *w = calloc (1, sizeof *w);
  if (w == NULL)
    return;
  w->d = d;
  snprintf (w->id, sizeof w->id, "%s", id);
  w->mon_pid = monitor_pid (d, id);
  uv_pipe_init (d->loop, &w->pipe, 0);
  w->open = true;
  w->pipe.data = w;
  w->conn.data = w;
  w->next = s->watches;
  s->watches = w;
  char path[4300];
  int dirfd;
  if (ctr_ctl_path (d, id, path, sizeof path, &dirfd) < 0)
    snprintf (path, sizeof path, "%s", "/nonexistent");
  /* libuv connects a pipe synchronously: the directory fd may go right after. */
  uv_pipe_connect (&w->conn, &w->pipe, path, on_connect);
  if (dirfd >= 0)
    close (dirfd);
}

void
ctr_started (struct cd_daemon *d, const char *id)
{
  ctr_watch_start (d, id);
  ctr_emit (d, "start", id, NULL);
}

static void
now_rfc3339 (char *buf, size_t len)
{
  struct timespec ts;
  clock_gettime (CLOCK_REALTIME, &ts);
  struct tm tm;
  gmtime_r (&ts.tv_sec, &tm);
  char base[32];
  strftime (base, sizeof base, "%Y-%m-%dT%H:%M:%S", &tm);
  snprintf (buf, len, "%s.%09ldZ", base, ts.tv_nsec);
}

/* Wakes waiters of id whose condition is met now. */
static void
wake (struct cd_daemon *d, const char *id, bool removed, int code)
{
  struct ctr_runstate *s = rs (d);
  for (struct waiter **p = &s->waiters; *p;)
    {
      struct waiter *w = *p;
      bool hit = strcmp (w->id, id) == 0 && (removed || w->cond != CTR_WAIT_REMOVED);
      if (!hit)
        {
          p = &w->next;
          continue;
        }
      *p = w->next;
      w->fn (w->ctx, code, NULL);
      free (w);
    }
}

void
ctr_removed (struct cd_daemon *d, const char *id, int exit_code)
{
  wake (d, id, true, exit_code);
}

/* Docker's policies: no, always, unless-stopped, on-failure[:N]. */
static bool
should_restart (json_object *hc, json_object *st, int code, int count)
{
  json_object *rp = get (hc, "RestartPolicy");
  const char *name = json_object_get_string (get (rp, "Name"));
  if (name == NULL || json_object_get_boolean (get (st, "ManualStop")))
    return false;
  if (strcmp (name, "always") == 0 || strcmp (name, "unless-stopped") == 0)
    return true;
  int max = json_object_get_int (get (rp, "MaximumRetryCount"));
  return strcmp (name, "on-failure") == 0 && code != 0 && (max == 0 || count < max);
}

static void exit_retry (struct cd_daemon *d, const char *id, pid_t mon_pid);

static void
after_exit (struct cd_daemon *d, const struct store_container *c, json_object *hc,
            json_object *st, int code)
{
  if (json_object_get_boolean (get (hc, "AutoRemove")))
    {
      char id[65];
      struct cd_err err;
      if (ctr_remove (d, c->id, true, id, &err) == 0)
        {
          json_object *attrs = json_object_new_object ();
          json_object_object_add (attrs, "name", json_object_new_string (c->name));
          ev_emit (d, "container", "destroy", c->id, attrs);
          json_object_put (attrs);
          ctr_removed (d, c->id, code);
        }
      return;
    }
  if (should_restart (hc, st, code, c->restart_count))
    ctr_restart_schedule (d, c->id, c->restart_count);
}

static void
emit_die (struct cd_daemon *d, const struct store_container *c, int code, bool oom)
{
  json_object *attrs = ctr_event_attrs (c);
  char num[16];
  snprintf (num, sizeof num, "%d", code);
  json_object_object_add (attrs, "exitCode", json_object_new_string (num));
  if (oom)
    ev_emit (d, "container", "oom", c->id, attrs);
  ev_emit (d, "container", "die", c->id, attrs);
  vol_ctr_unmounted (d, c->id);
  json_object_put (attrs);
}

void
ctr_exited (struct cd_daemon *d, const char *id)
{
  exited_run (d, id, 0);
}

/* The end of the run whose monitor was mon_pid (0: the current run). A
 * notice about an earlier run (its watch or retry outlived a stop, and a
 * start followed) is ignored: the new run has a monitor of its own. */
static void
exited_run (struct cd_daemon *d, const char *id, pid_t mon_pid)
{
  struct store_container c;
  struct cd_err err;
  if (store_container_find (d->store, id, &c, &err) < 0)
    return;
  pid_t cur = mon_pid > 0 ? monitor_pid (d, c.id) : 0;
  if ((strcmp (c.state, "running") != 0 && strcmp (c.state, "paused") != 0)
      || (cur > 0 && cur != mon_pid))
    {
      store_container_clear (&c);
      return; /* recorded already, or a newer run */
    }
  char path[4300], fin[64];
  snprintf (path, sizeof path, "%s/containers/%s/exit.json", d->cfg.exec_root, c.id);
  cleanup_free char *text = NULL;
  json_object *ex = cd_read_file (path, &text, NULL, &err) == 0 ? json_tokener_parse (text) : NULL;
  if (ex == NULL && ctr_monitor_alive (d, c.id))
    {
      /* The monitor is still finishing: exit.json comes right before it goes. */
      exit_retry (d, c.id, mon_pid);
      store_container_clear (&c);
      return;
    }
  json_object *st = json_tokener_parse (c.state_json), *hc = json_tokener_parse (c.host_config);
  int code = ex ? json_object_get_int (get (ex, "exit_code")) : 255;
  bool oom = ex && json_object_get_boolean (get (ex, "oom_killed"));
  now_rfc3339 (fin, sizeof fin);
  const char *finished = ex && get (ex, "finished_at") ? json_object_get_string (get (ex, "finished_at")) : fin;
  json_object_object_add (st, "Status", json_object_new_string ("exited"));
  json_object_object_add (st, "Pid", json_object_new_int (0));
  json_object_object_add (st, "ExitCode", json_object_new_int (code));
  json_object_object_add (st, "OOMKilled", json_object_new_boolean (oom));
  json_object_object_add (st, "FinishedAt", json_object_new_string (finished));
  if (ex == NULL)
    json_object_object_add (st, "Error", json_object_new_string ("the monitor died without an exit record"));
  store_container_set_state (d->store, c.id, "exited", json_object_to_json_string (st),
                             c.restart_count, &err);
  ctr_logs_notify (d, c.id);
  emit_die (d, &c, code, oom);
  wake (d, c.id, false, code);
  after_exit (d, &c, hc, st, code);
  json_object_put (ex);
  json_object_put (st);
  json_object_put (hc);
  store_container_clear (&c);
}

void *
ctr_wait (struct cd_daemon *d, const char *id, enum ctr_wait_cond cond, ctr_wait_fn fn, void *ctx)
{
  struct store_container c;
  struct cd_err err;
  if (store_container_find (d->store, id, &c, &err) < 0)
    {
      fn (ctx, -1, err.msg);
      return NULL;
    }
  bool running = strcmp (c.state, "running") == 0 || strcmp (c.state, "paused") == 0
                 || strcmp (c.state, "restarting") == 0;
  if (cond == CTR_WAIT_NOT_RUNNING && !running)
    {
      json_object *st = json_tokener_parse (c.state_json);
      fn (ctx, json_object_get_int (get (st, "ExitCode")), NULL);
      json_object_put (st);
      store_container_clear (&c);
      return NULL;
    }
  struct waiter *w = calloc (1, sizeof *w);
  snprintf (w->id, sizeof w->id, "%s", c.id);
  w->cond = cond;
  w->fn = fn;
  w->ctx = ctx;
  w->next = rs (d)->waiters;
  rs (d)->waiters = w;
  store_container_clear (&c);
  return w;
}

void
ctr_wait_cancel (struct cd_daemon *d, void *handle)
{
  for (struct waiter **p = &rs (d)->waiters; *p; p = &(*p)->next)
    if (*p == handle)
      {
        *p = ((struct waiter *) handle)->next;
        free (handle);
        return;
      }
}

static void
restart_work (uv_work_t *w)
{
  struct restart *r = w->data;
  ctr_start_for_policy (r->d, r->id, &r->exit_code, &r->err);
}

static void
restart_closed (uv_handle_t *h)
{
  free (h->data);
}

static void
restart_after (uv_work_t *w, int status)
{
  struct restart *r = w->data;
  (void) status;
  struct store_container c;
  struct cd_err err;
  if (r->err.code == 0 && store_container_find (r->d->store, r->id, &c, &err) == 0)
    {
      store_container_set_state (r->d->store, c.id, c.state, c.state_json, c.restart_count + 1,
                                 &err);
      store_container_clear (&c);
      ctr_started (r->d, r->id);
    }
  else if (r->err.code && r->err.code != EALREADY)
    log_warn ("restarting %.12s: %s", r->id, r->err.msg);
  uv_close ((uv_handle_t *) &r->timer, restart_closed);
}

static void
on_restart_timer (uv_timer_t *t)
{
  struct restart *r = t->data;
  uv_queue_work (r->d->loop, &r->work, restart_work, restart_after);
}

/* Docker's back-off: 100 ms doubling per restart, at most one minute. */
void
ctr_restart_schedule (struct cd_daemon *d, const char *id, int count)
{
  struct restart *r = calloc (1, sizeof *r);
  if (r == NULL)
    return;
  r->d = d;
  snprintf (r->id, sizeof r->id, "%s", id);
  r->work.data = r;
  r->timer.data = r;
  uint64_t delay = 100;
  for (int i = 0; i < count && delay < 60000; i++)
    delay *= 2;
  if (delay > 60000)
    delay = 60000;
  struct store_container c;
  struct cd_err err;
  if (store_container_find (d->store, id, &c, &err) == 0)
    {
      store_container_set_state (d->store, c.id, "restarting", c.state_json, c.restart_count,
                                 &err);
      store_container_clear (&c);
    }
  uv_timer_init (d->loop, &r->timer);
  uv_timer_start (&r->timer, on_restart_timer, delay, 0);
}

bool
ctr_monitor_alive (struct cd_daemon *d, const char *id)
{
  char path[4300], buf[64];
  snprintf (path, sizeof path, "%s/containers/%s/monitor.pid", d->cfg.exec_root, id);
  cleanup_free char *text = NULL;
  struct cd_err err;
  if (cd_read_file (path, &text, NULL, &err) < 0)
    return false;
  int pid = atoi (text);
  if (pid <= 0 || kill (pid, 0) < 0)
    return false;
  /* guard against pid reuse: the process must be a cdmon */
  snprintf (path, sizeof path, "/proc/%d/cmdline", pid);
  FILE *f = fopen (path, "re");
  size_t n = f ? fread (buf, 1, sizeof buf - 1, f) : 0;
  if (f)
    fclose (f);
  buf[n] = '\0';
  char state[64] = "";
  snprintf (path, sizeof path, "/proc/%d/stat", pid);
  if ((f = fopen (path, "re")) != NULL)
    {
      if (fgets (state, sizeof state, f) == NULL)
        state[0] = '\0';
      fclose (f);
    }
  /* During the monitor's exec of cdmon-relay its cmdline reads empty for a
   * moment (the new image's arguments are not set up yet) while its name
   * (comm, in stat) is already the new one: either names a monitor. */
  return (strstr (buf, "cdmon") != NULL || strncmp (state + strcspn (state, "("), "(cdmon", 6) == 0)
         && strstr (state, ") Z ") == NULL;
}

void
ctr_run_fini (struct cd_daemon *d)
{
  if (d->run == NULL)
    return;
  /* The loop is closed (main closed every handle): free, do not uv_close. */
  while (d->run->watches)
    {
      struct watch *w = d->run->watches;
      d->run->watches = w->next;
      free (w);
    }
  while (d->run->waiters)
    {
      struct waiter *w = d->run->waiters;
      d->run->waiters = w->next;
      free (w);
    }
}

struct exit_retry
{
  struct cd_daemon *d;
  char id[65];
  pid_t mon_pid;
  uv_timer_t timer;
};

static void
exit_retry_closed (uv_handle_t *h)
{
  free (h->data);
}

static void
on_exit_retry (uv_timer_t *t)
{
  struct exit_retry *r = t->data;
  char path[4300];
  snprintf (path, sizeof path, "%s/containers/%s/exit.json", r->d->cfg.exec_root, r->id);
  pid_t cur = monitor_pid (r->d, r->id);
  if (r->mon_pid > 0 && cur > 0 && cur != r->mon_pid)
    ; /* a newer run: its own watch reports it */
  else if (access (path, F_OK) < 0 && ctr_monitor_alive (r->d, r->id))
    /* still running (the notice came early): watch it again instead of
     * polling; a monitor that is finishing refuses, and that ends here */
    ctr_watch_start (r->d, r->id);
  else
    exited_run (r->d, r->id, r->mon_pid);
  uv_close ((uv_handle_t *) &r->timer, exit_retry_closed);
}

static void
exit_retry (struct cd_daemon *d, const char *id, pid_t mon_pid)
{
  struct exit_retry *r = calloc (1, sizeof *r);
  if (r == NULL)
    return;
  r->d = d;
  r->mon_pid = mon_pid;
  snprintf (r->id, sizeof r->id, "%s", id);
  r->timer.data = r;
  uv_timer_init (d->loop, &r->timer);
  uv_timer_start (&r->timer, on_exit_retry, 20, 0);
}
