/* Container endpoints that run things: start, stop, restart, kill, wait. */
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>
#include <stdlib.h>
#include <string.h>

#include "api/job.h"
#include "api/router.h"
#include "api/server.h"
#include "api/stream.h"
#include "daemon/ctr_logs.h"
#include "daemon/containers.h"
#include "daemon/ctr_run.h"
#include "daemon/ctr_events.h"
#include "daemon/events.h"
#include "store/containers.h"

struct run_ctx
{
  char id[65];
  char ref[256];   /* {id} as the client gave it (Docker's messages name it) */
  int timeout;
  char *signal;
  bool started;    /* start succeeded: watch it from the loop */
  bool stopped;    /* a stop went through: make sure the exit is recorded */
  bool start_failed;
  const char *done_action; /* "stop" or "restart": the event once it went through */
};

static void
run_ctx_free (void *p)
{
  struct run_ctx *c = p;
  free (c->signal);
  free (c);
}

/* Resolves {id} to a full ID, replying 404 when missing. */
static struct run_ctx *
ctx_for (struct api_req *req)
{
  struct store_container sc;
  struct cd_err err = { 0 };
  if (store_container_find (req->d->store, req->params[0], &sc, &err) < 0)
    {
      api_reply_err (req, &err);
      return NULL;
    }
  struct run_ctx *c = calloc (1, sizeof *c);
  if (c)
    {
      snprintf (c->id, sizeof c->id, "%s", sc.id);
      snprintf (c->ref, sizeof c->ref, "%s", req->params[0]);
    }
  store_container_clear (&sc);
  return c;
}

/* Docker removes an AutoRemove (--rm) container whose start failed. */
static void
remove_if_auto (struct cd_daemon *d, const char *id)
{
  struct store_container sc;
  struct cd_err err;
  if (store_container_find (d->store, id, &sc, &err) < 0)
    return;
  json_object *hc = json_tokener_parse (sc.host_config), *ar;
  bool autorm = hc && json_object_object_get_ex (hc, "AutoRemove", &ar) && json_object_get_boolean (ar);
  json_object *st = json_tokener_parse (sc.state_json), *code;
  int exit_code = st && json_object_object_get_ex (st, "ExitCode", &code) ? json_object_get_int (code) : 125;
  json_object_put (hc);
  json_object_put (st);
  json_object *attrs = json_object_new_object ();
  json_object_object_add (attrs, "name", json_object_new_string (sc.name));
  store_container_clear (&sc);
  char rid[65];
  if (autorm && ctr_remove (d, id, true, rid, &err) == 0)
    {
      ev_emit (d, "container", "destroy", rid, attrs);
      ctr_removed (d, rid, exit_code);
    }
  json_object_put (attrs);
}

static void
run_after (struct api_job *job)
{
  struct run_ctx *c = job->ctx;
  if (c->start_failed)
    remove_if_auto (job->d, c->id);
  if (c->stopped)
    ctr_exited (job->d, c->id);
  if (c->stopped && c->done_action)
    ctr_emit (job->d, "stop", c->id, NULL);
  if (c->started)
    ctr_started (job->d, c->id);
  if (c->started && c->done_action && strcmp (c->done_action, "restart") == 0)
    ctr_emit (job->d, "restart", c->id, NULL);
}

/* Docker's "kill" event (signal as a number) when the signal is sent to a
 * running container; for stop the container's stop signal. */
static void
emit_kill (struct cd_daemon *d, const char *id, const char *sig)
{
  struct store_container sc;
  struct cd_err err;
  if (store_container_find (d->store, id, &sc, &err) < 0)
    return;
  bool live = strcmp (sc.state, "running") == 0 || strcmp (sc.state, "paused") == 0;
  json_object *cfg = sig ? NULL : json_tokener_parse (sc.config), *ss;
  if (cfg && json_object_object_get_ex (cfg, "StopSignal", &ss) && json_object_get_string (ss))
    sig = json_object_get_string (ss);
  int num = sig && *sig ? ctr_parse_signal (sig) : 15;
  char buf[16];
  snprintf (buf, sizeof buf, "%d", num > 0 ? num : 15);
  if (live)
    ctr_emit_kv (d, "kill", id, "signal", buf);
  json_object_put (cfg);
  store_container_clear (&sc);
}

static int
start_job (struct api_req *req, api_job_fn fn, struct run_ctx *c)
{
  int r = api_job_start (req, fn, c, run_ctx_free);
  if (req->data)
    ((struct api_job *) req->data)->after = run_after;
  return r;
}

static int
start_work (struct api_job *job, int fd)
{
  struct run_ctx *c = job->ctx;
  int code;
  (void) fd;
  int r = ctr_start_sync (job->d, c->id, &code, &job->err);
  if (r == -EALREADY)
    {
      api_job_reply_text (job, 304, NULL, "");
      return 0;
    }
  if (r == 0)
    {
      c->started = true;
      api_job_reply_text (job, 204, NULL, "");
    }
  else
    c->start_failed = true;
  return r;
}

static int
h_start (struct api_req *req)
{
  struct run_ctx *c = ctx_for (req);
  return c ? start_job (req, start_work, c) : MHD_YES;
}

static int
stop_work (struct api_job *job, int fd)
{
  struct run_ctx *c = job->ctx;
  (void) fd;
  int r = ctr_stop_sync (job->d, c->id, c->timeout, &job->err);
  if (r == -EALREADY)
    {
      api_job_reply_text (job, 304, NULL, "");
      return 0;
    }
  if (r == 0)
    {
      c->stopped = true;
      api_job_reply_text (job, 204, NULL, "");
    }
  return r;
}

static int
timeout_param (struct api_req *req, struct run_ctx *c)
{
  int64_t t;
  if (api_query_int (req, "t", -1, &t) < 0)
    return -1;
  c->timeout = (int) t;
  return 0;
}

/* stop and restart: the container and ?t= (seconds before SIGKILL). */
static int
timed_job (struct api_req *req, api_job_fn fn)
{
  struct run_ctx *c = ctx_for (req);
  if (c == NULL)
    return MHD_YES;
  if (timeout_param (req, c) < 0)
    {
      free (c);
      return MHD_YES;
    }
  c->done_action = fn == stop_work ? "stop" : "restart";
  emit_kill (req->d, c->id, NULL);
  return start_job (req, fn, c);
}

static int
h_stop (struct api_req *req)
{
  return timed_job (req, stop_work);
}

static int
restart_work (struct api_job *job, int fd)
{
  struct run_ctx *c = job->ctx;
  int code;
  (void) fd;
  int r = ctr_stop_sync (job->d, c->id, c->timeout, &job->err);
  if (r < 0 && r != -EALREADY)
    return r;
  c->stopped = r == 0;
  /* the exit must be on record before the next start: wait for the loop */
  for (int i = 0; i < 100; i++)
    {
      struct store_container sc;
      struct cd_err e;
      if (store_container_find (job->d->store, c->id, &sc, &e) < 0)
        break;
      bool running = strcmp (sc.state, "running") == 0;
      store_container_clear (&sc);
      if (!running)
        break;
      usleep (20000);
    }
  cd_err_clear (&job->err);
  r = ctr_start_sync (job->d, c->id, &code, &job->err);
  if (r < 0)
    return r;
  c->started = true;
  api_job_reply_text (job, 204, NULL, "");
  return 0;
}

static int
h_restart (struct api_req *req)
{
  return timed_job (req, restart_work);
}

static int
kill_work (struct api_job *job, int fd)
{
  struct run_ctx *c = job->ctx;
  (void) fd;
  int r = ctr_kill_sync (job->d, c->id, c->signal, &job->err);
  if (r == 0)
    api_job_reply_text (job, 204, NULL, "");
  else
    cd_err_wrap (&job->err, "Cannot kill container: %s", c->ref);
  return r;
}

static int
h_kill (struct api_req *req)
{
  struct run_ctx *c = ctx_for (req);
  if (c == NULL)
    return MHD_YES;
  const char *sig = api_query (req, "signal");
  if (sig && *sig && ctr_parse_signal (sig) < 0)
    {
      free (c);
      return api_reply_error (req, 400, "Invalid signal: %s", sig);
    }
  c->signal = sig ? strdup (sig) : NULL;
  emit_kill (req->d, c->id, sig && *sig ? sig : "KILL");
  return start_job (req, kill_work, c);
}

/* wait: Docker answers the headers at once (the CLI waits for them before it
 * starts the container) and the body when the condition holds. */
struct wait_ctx
{
  struct cd_daemon *d;
  struct MHD_Connection *conn;
  void *handle;
  char body[512];
  size_t len, off;
  bool ready, suspended;
};

static void
wait_done (void *ctx, int code, const char *error)
{
  struct wait_ctx *w = ctx;
  w->handle = NULL;
  json_object *o = json_object_new_object ();
  json_object_object_add (o, "StatusCode", json_object_new_int (code < 0 ? 255 : code));
  if (error)
    {
      json_object *e = json_object_new_object ();
      json_object_object_add (e, "Message", json_object_new_string (error));
      json_object_object_add (o, "Error", e);
    }
  else
    json_object_object_add (o, "Error", NULL);
  w->len = (size_t) snprintf (w->body, sizeof w->body, "%s\n", json_object_to_json_string_ext (o, JSON_C_TO_STRING_PLAIN));
  json_object_put (o);
  w->ready = true;
  if (w->suspended)
    {
      w->suspended = false;
      MHD_resume_connection (w->conn);
      api_server_kick (w->d->api);
    }
}

static ssize_t
wait_read (void *cls, uint64_t pos, char *buf, size_t max)
{
  struct wait_ctx *w = cls;
  (void) pos;
  if (!w->ready)
    {
      w->suspended = true;
      MHD_suspend_connection (w->conn);
      return 0;
    }
  if (w->off == w->len)
    return MHD_CONTENT_READER_END_OF_STREAM;
  size_t n = w->len - w->off < max ? w->len - w->off : max;
  memcpy (buf, w->body + w->off, n);
  w->off += n;
  return (ssize_t) n;
}

static void
wait_free (void *cls)
{
  struct wait_ctx *w = cls;
  if (w->handle)
    ctr_wait_cancel (w->d, w->handle);
  free (w);
}

static int
h_wait (struct api_req *req)
{
  const char *cond = api_query (req, "condition");
  enum ctr_wait_cond wc = CTR_WAIT_NOT_RUNNING;
  if (cond && strcmp (cond, "next-exit") == 0)
    wc = CTR_WAIT_NEXT_EXIT;
  else if (cond && strcmp (cond, "removed") == 0)
    wc = CTR_WAIT_REMOVED;
  else if (cond && *cond && strcmp (cond, "not-running") != 0)
    return api_reply_error (req, 400, "invalid condition: %s", cond);
  struct store_container sc;
  struct cd_err err = { 0 };
  if (store_container_find (req->d->store, req->params[0], &sc, &err) < 0)
    return api_reply_err (req, &err);
  struct wait_ctx *w = calloc (1, sizeof *w);
  if (w == NULL)
    {
      store_container_clear (&sc);
      return MHD_NO;
    }
  w->d = req->d;
  w->conn = req->conn;
  w->handle = ctr_wait (req->d, sc.id, wc, wait_done, w);
  store_container_clear (&sc);
  struct MHD_Response *resp = MHD_create_response_from_callback (MHD_SIZE_UNKNOWN, 512, wait_read,
                                                                 w, wait_free);
  if (resp == NULL)
    {
      wait_free (w);
      return MHD_NO;
    }
  MHD_add_response_header (resp, "Content-Type", "application/json");
  return api_reply (req, 200, resp);
}

/* Docker timestamps for since/until: "1700000000[.nanos]" -> nanoseconds. */
static int64_t
ts_param (struct api_req *req, const char *key)
{
  const char *v = api_query (req, key);
  if (v == NULL || *v == '\0')
    return 0;
  char *end;
  double d = strtod (v, &end);
  return d > 0 ? (int64_t) (d * 1e9) : 0;
}

static int
h_logs (struct api_req *req)
{
  struct store_container sc;
  struct cd_err err = { 0 };
  if (store_container_find (req->d->store, req->params[0], &sc, &err) < 0)
    return api_reply_err (req, &err);
  struct ctr_logs_opts o = { 0 };
  snprintf (o.id, sizeof o.id, "%s", sc.id);
  snprintf (o.log_path, sizeof o.log_path, "%s/containers/%s/%s-json.log", req->d->cfg.root, sc.id,
            sc.id);
  json_object *cfg = json_tokener_parse (sc.config), *tty;
  o.tty = cfg && json_object_object_get_ex (cfg, "Tty", &tty) && json_object_get_boolean (tty);
  json_object_put (cfg);
  store_container_clear (&sc);
  o.out = api_query_bool (req, "stdout", false);
  o.err = api_query_bool (req, "stderr", false);
  if (!o.out && !o.err)
    return api_reply_error (req, 400, "Bad parameters: you must choose at least one stream");
  o.follow = api_query_bool (req, "follow", false);
  o.timestamps = api_query_bool (req, "timestamps", false);
  o.since = ts_param (req, "since");
  o.until = ts_param (req, "until");
  const char *tail = api_query (req, "tail");
  o.tail = tail && *tail && strcmp (tail, "all") != 0 ? atol (tail) : -1;
  int p[2];
  if (pipe2 (p, O_CLOEXEC) < 0)
    return api_reply_error (req, 500, "pipe: %s", strerror (errno));
  if (ctr_logs_start (req->d, &o, p[1], &err) < 0)
    {
      close (p[0]);
      close (p[1]);
      return api_reply_err (req, &err);
    }
  return api_reply_pipe (req, p[0], o.tty ? "application/vnd.docker.raw-stream"
                                          : "application/vnd.docker.raw-stream");
}

/* attach?logs=1 without stream: the connection is hijacked (101, Upgrade:
 * tcp); a thread streams the container's output into the socket until an
 * exit after the attach, then the loop closes the upgraded connection. */
struct attach
{
  struct cd_daemon *d;
  struct ctr_logs_opts o;
  struct MHD_UpgradeResponseHandle *urh;
  uv_async_t done;
};

static void
attach_closed (uv_handle_t *h)
{
  free (h->data);
}

static void
attach_finish (uv_async_t *a)
{
  struct attach *at = a->data;
  MHD_upgrade_action (at->urh, MHD_UPGRADE_ACTION_CLOSE);
  api_server_kick (at->d->api); /* the close happens in the next MHD_run */
  uv_close ((uv_handle_t *) &at->done, attach_closed);
}

static void
attach_thread_done (void *ctx)
{
  struct attach *at = ctx;
  uv_async_send (&at->done);
}

static void
attach_upgraded (void *cls, struct MHD_Connection *conn, void *req_cls, const char *extra,
                 size_t extra_size, MHD_socket sock, struct MHD_UpgradeResponseHandle *urh)
{
  struct attach *at = cls;
  (void) conn, (void) req_cls, (void) extra, (void) extra_size;
  at->urh = urh;
  fcntl (sock, F_SETFL, fcntl (sock, F_GETFL) & ~O_NONBLOCK);
  uv_async_init (at->d->loop, &at->done, attach_finish);
  at->done.data = at;
  at->o.done = attach_thread_done;
  at->o.done_ctx = at;
  struct cd_err err;
  if (ctr_logs_start (at->d, &at->o, sock, &err) < 0)
    uv_async_send (&at->done);
}

/* attach without stream=1 (logs only); api/attach.c serves the rest */
int
api_attach_logs (struct api_req *req)
{
  struct store_container sc;
  struct cd_err err = { 0 };
  if (store_container_find (req->d->store, req->params[0], &sc, &err) < 0)
    return api_reply_err (req, &err);
  struct attach *at = calloc (1, sizeof *at);
  if (at == NULL)
    {
      store_container_clear (&sc);
      return MHD_NO;
    }
  at->d = req->d;
  snprintf (at->o.id, sizeof at->o.id, "%s", sc.id);
  snprintf (at->o.log_path, sizeof at->o.log_path, "%s/containers/%s/%s-json.log",
            req->d->cfg.root, sc.id, sc.id);
  json_object *cfg = json_tokener_parse (sc.config), *tty;
  at->o.tty = cfg && json_object_object_get_ex (cfg, "Tty", &tty) && json_object_get_boolean (tty);
  json_object_put (cfg);
  store_container_clear (&sc);
  at->o.out = api_query_bool (req, "stdout", false);
  at->o.err = api_query_bool (req, "stderr", false);
  at->o.attach = true;
  at->o.follow = true;
  at->o.tail = -1;
  at->o.attach_ns = cd_now_nano ();
  struct MHD_Response *resp = MHD_create_response_for_upgrade (attach_upgraded, at);
  if (resp == NULL)
    {
      free (at);
      return MHD_NO;
    }
  MHD_add_response_header (resp, "Upgrade", "tcp");
  MHD_add_response_header (resp, "Content-Type", "application/vnd.docker.raw-stream");
  ctr_emit (req->d, "attach", at->o.id, NULL);
  return api_reply (req, 101, resp);
}

const struct api_route api_container_run_routes[] = {
  { "GET", "/containers/{}/logs", h_logs, false },
  { "POST", "/containers/{}/start", h_start, false },
  { "POST", "/containers/{}/stop", h_stop, false },
  { "POST", "/containers/{}/restart", h_restart, false },
  { "POST", "/containers/{}/kill", h_kill, false },
  { "POST", "/containers/{}/wait", h_wait, false },
  { NULL, NULL, NULL, false },
};
