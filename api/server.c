/* libmicrohttpd on the libuv loop. MHD runs in external-epoll mode with no
 * thread of its own: we uv_poll its epoll fd and arm a uv_timer from
 * MHD_get_timeout, calling MHD_run on either. Long answers suspend their
 * connection and are resumed from the loop. */
#include "api/server.h"

#include <grp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <systemd/sd-daemon.h>

#include "api/http.h"
#include "api/metrics.h"
#include "api/router.h"
#include "cleanup.h"
#include "log.h"

struct api_server
{
  struct cd_daemon *d;
  struct MHD_Daemon *mhd;
  uv_poll_t poll;
  uv_timer_t timer;
  int listen_fd;
  bool own_socket;       /* we created the socket file (not socket activation) */
  bool quiesced;
  unsigned int inflight;
  int closed;            /* handles closed so far, see on_handle_closed */
};

static void run_mhd (struct api_server *srv);

static void
on_poll (uv_poll_t *h, int status, int events)
{
  (void) status, (void) events;
  run_mhd (h->data);
}

static void
on_timer (uv_timer_t *t)
{
  run_mhd (t->data);
}

static void
run_mhd (struct api_server *srv)
{
  MHD_run (srv->mhd);
  MHD_UNSIGNED_LONG_LONG timeout;
  if (MHD_get_timeout (srv->mhd, &timeout) == MHD_YES)
    uv_timer_start (&srv->timer, on_timer, timeout, 0);
  else
    uv_timer_stop (&srv->timer);
}

static void
req_free (struct api_req *req)
{
  for (int i = 0; i < req->nparams; i++)
    free (req->params[i]);
  free (req->path);
  free (req->body);
  if (req->response)
    MHD_destroy_response (req->response);
  free (req);
}

static void
on_completed (void *cls, struct MHD_Connection *conn, void **con_cls,
              enum MHD_RequestTerminationCode toe)
{
  struct api_server *srv = cls;
  struct api_req *req = *con_cls;
  (void) conn;
  if (req == NULL)
    return;
  log_debug ("%s %s -> %u%s", req->method, req->path, req->status,
             toe == MHD_REQUEST_TERMINATED_COMPLETED_OK ? "" : " (aborted)");
  if (req->on_done)
    req->on_done (req);
  api_metrics_observe (srv->d, req);
  srv->inflight--;
  req_free (req);
  *con_cls = NULL;
}

static int
body_append (struct api_req *req, const char *data, size_t n)
{
  if (req->body_too_large || req->body_len + n > req->d->cfg.max_body)
    {
      req->body_too_large = true;
      return 0;
    }
  if (req->body_len + n + 1 > req->body_cap)
    {
      size_t cap = (req->body_len + n + 1) * 2;
      char *nb = realloc (req->body, cap);
      if (nb == NULL)
        return -ENOMEM;
      req->body = nb;
      req->body_cap = cap;
    }
  memcpy (req->body + req->body_len, data, n);
  req->body_len += n;
  req->body[req->body_len] = '\0';
  return 0;
}

/* First call for a request: parse the version prefix, find the route. Returns
 * MHD_YES to continue reading, or the result of an early reply. */
static enum MHD_Result
req_begin (struct api_server *srv, struct api_req *req, const char *url)
{
  const char *rest;
  struct cd_err err = { 0 };
  if (api_parse_version (url, &rest, &req->api_minor, &err) < 0)
    {
      req->path = strdup (url);
      return (enum MHD_Result) api_reply_error (req, 400, "%s", err.msg);
    }
  req->path = strdup (rest);
  if (req->path == NULL)
    return MHD_NO;
  log_debug ("%s %s ...", req->method, url);
  bool known;
  req->route = api_route_match (req, req->method, req->path, &known);
  if (req->route == NULL)
    return (enum MHD_Result) (known ? api_reply_error (req, 405, "method %s not allowed on %s",
                                                       req->method, req->path)
                                    : api_reply_error (req, 404, "page not found"));
  const char *cl = api_header (req, "Content-Length");
  if (!req->route->stream_body && cl && strtoull (cl, NULL, 10) > srv->d->cfg.max_body)
    return (enum MHD_Result) api_reply_error (req, 413, "request body too large (limit %zu bytes)",
                                              srv->d->cfg.max_body);
  if (req->route->stream_body)
    {
      req->dispatched = true;
      return (enum MHD_Result) req->route->fn (req);
    }
  return MHD_YES;
}

static enum MHD_Result
req_upload (struct api_req *req, const char *data, size_t *size)
{
  size_t n = *size;
  *size = 0;
  if (req->response || req->status)
    return MHD_YES; /* answered already: discard the rest */
  if (req->on_body)
    {
      ssize_t used = req->on_body (req, data, n);
      if (used < 0)
        return !req->status && !req->response ? MHD_NO : MHD_YES;
      if ((size_t) used < n)
        *size = n - (size_t) used; /* offered again after the sink resumes us */
      return MHD_YES;
    }
  return body_append (req, data, n) < 0 ? MHD_NO : MHD_YES;
}

static enum MHD_Result
on_request (void *cls, struct MHD_Connection *conn, const char *url, const char *method,
            const char *version, const char *upload_data, size_t *upload_data_size,
            void **con_cls)
{
  struct api_server *srv = cls;
  struct api_req *req = *con_cls;
  (void) version;
  if (req == NULL)
    {
      req = calloc (1, sizeof *req);
      if (req == NULL)
        return MHD_NO;
      req->d = srv->d;
      req->started_ns = api_metrics_now ();
      req->conn = conn;
      req->method = method;
      *con_cls = req;
      srv->inflight++;
      return req_begin (srv, req, url);
    }
  if (*upload_data_size > 0)
    return req_upload (req, upload_data, upload_data_size);
  if (req->response)
    {
      struct MHD_Response *resp = req->response;
      req->response = NULL;
      return (enum MHD_Result) api_reply (req, req->status, resp);
    }
  if (req->suspended || req->status)
    return MHD_YES;
  if (!req->dispatched)
    {
      req->dispatched = true;
      if (req->body_too_large)
        return (enum MHD_Result) api_reply_error (req, 413,
                                                  "request body too large (limit %zu bytes)",
                                                  srv->d->cfg.max_body);
      return (enum MHD_Result) req->route->fn (req);
    }
  if (req->on_body)
    {
      api_body_fn fn = req->on_body;
      req->on_body = NULL; /* end of body, once */
      if (fn (req, NULL, 0) < 0 && !req->status && !req->response && !req->suspended)
        return MHD_NO;
      if (req->response && !req->suspended)
        {
          struct MHD_Response *resp = req->response;
          req->response = NULL;
          return (enum MHD_Result) api_reply (req, req->status, resp);
        }
    }
  return MHD_YES;
}

static int
bind_unix (struct api_server *srv, const char *path, struct cd_err *err)
{
  struct sockaddr_un sa = { .sun_family = AF_UNIX };
  if (strlen (path) >= sizeof sa.sun_path)
    return cd_err_set (err, ENAMETOOLONG, "socket path %s is too long", path);
  strcpy (sa.sun_path, path);
  cleanup_close int fd = socket (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0)
    return cd_err_sys (err, errno, "socket");
  struct stat st;
  if (lstat (path, &st) == 0)
    {
      if (!S_ISSOCK (st.st_mode))
        return cd_err_set (err, EEXIST, "%s exists and is not a socket", path);
      unlink (path); /* stale: we hold the root lock, no other daemon of ours uses it */
    }
  mode_t old = umask (0177);
  int r = bind (fd, (struct sockaddr *) &sa, sizeof sa);
  umask (old);
  if (r < 0)
    return cd_err_sys (err, errno, "cannot listen on %s", path);
  srv->own_socket = true;
  gid_t gid = 0;
  struct group *g = getgrnam (srv->d->cfg.group);
  if (g)
    gid = g->gr_gid;
  else if (srv->d->cfg.group_explicit)
    {
      unlink (path);
      return cd_err_set (err, ENOENT, "group %s for the socket does not exist", srv->d->cfg.group);
    }
  if (chown (path, 0, gid) < 0 || chmod (path, 0660) < 0 || listen (fd, 1024) < 0)
    {
      int e = errno;
      unlink (path);
      return cd_err_sys (err, e, "cannot listen on %s", path);
    }
  srv->listen_fd = steal_fd (&fd);
  return 0;
}

static int
take_listen_fd (struct api_server *srv, struct cd_err *err)
{
  const char *path = cd_config_socket_path (&srv->d->cfg);
  int n = sd_listen_fds (1);
  if (n > 1)
    return cd_err_set (err, EINVAL, "socket activation passed %d sockets, expected one", n);
  if (n == 1)
    {
      srv->listen_fd = SD_LISTEN_FDS_START;
      int fl = fcntl (srv->listen_fd, F_GETFL);
      fcntl (srv->listen_fd, F_SETFL, fl | O_NONBLOCK);
      return 0;
    }
  if (path == NULL)
    return cd_err_set (err, EINVAL, "-H fd:// needs socket activation (LISTEN_FDS is not set)");
  return bind_unix (srv, path, err);
}

int
api_server_start (struct cd_daemon *d, struct api_server **out, struct cd_err *err)
{
  struct api_server *srv = calloc (1, sizeof *srv);
  if (srv == NULL)
    return cd_err_set (err, ENOMEM, "out of memory");
  srv->d = d;
  srv->listen_fd = -1;
  int r = take_listen_fd (srv, err);
  if (r < 0)
    {
      free (srv);
      return r;
    }
  unsigned int flags = MHD_USE_EPOLL | MHD_ALLOW_SUSPEND_RESUME | MHD_ALLOW_UPGRADE
                       | MHD_USE_TURBO | MHD_USE_ITC;
  srv->mhd = MHD_start_daemon (flags, 0, NULL, NULL, on_request, srv,
                               MHD_OPTION_LISTEN_SOCKET, srv->listen_fd,
                               MHD_OPTION_NOTIFY_COMPLETED, on_completed, srv,
                               MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int) 0,
                               MHD_OPTION_CONNECTION_LIMIT, (unsigned int) 4096,
                               /* MHD mmaps a pool above 32 KiB and zeroes all of
                                * it for every connection: with 512 KiB that was
                                * 1.2 ms of page faults per request here. At 32 KiB
                                * (malloc'd, reused) a _ping takes 0.4 ms and image
                                * loads still run at 300+ MB/s. */
                               MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t) (32 * 1024),
                               MHD_OPTION_END);
  if (srv->mhd == NULL)
    {
      api_server_quiesce (srv);
      free (srv);
      return cd_err_set (err, EIO, "cannot start the HTTP server");
    }
  const union MHD_DaemonInfo *info = MHD_get_daemon_info (srv->mhd, MHD_DAEMON_INFO_EPOLL_FD);
  uv_poll_init (d->loop, &srv->poll, info->epoll_fd);
  uv_timer_init (d->loop, &srv->timer);
  srv->poll.data = srv;
  srv->timer.data = srv;
  uv_poll_start (&srv->poll, UV_READABLE, on_poll);
  run_mhd (srv);
  *out = srv;
  return 0;
}

void
api_server_quiesce (struct api_server *srv)
{
  if (srv->quiesced)
    return;
  srv->quiesced = true;
  /* Once quiesced MHD no longer owns the listening socket: close it here. */
  MHD_socket fd = srv->mhd ? MHD_quiesce_daemon (srv->mhd) : srv->listen_fd;
  if (fd != MHD_INVALID_SOCKET)
    close (fd);
  srv->listen_fd = -1;
  const char *path = cd_config_socket_path (&srv->d->cfg);
  if (srv->own_socket && path)
    unlink (path);
}

void
api_server_kick (struct api_server *srv)
{
  /* A connection resumed outside MHD_run is only picked up by the next
   * MHD_run: schedule one on the next loop iteration. */
  if (srv && srv->mhd)
    uv_timer_start (&srv->timer, on_timer, 0, 0);
}

unsigned int
api_server_inflight (struct api_server *srv)
{
  return srv->inflight;
}

/* Frees the server after both of its handles are closed (libuv runs close
 * callbacks in no promised order). */
static void
on_handle_closed (uv_handle_t *h)
{
  struct api_server *srv = h->data;
  if (++srv->closed == 2)
    free (srv);
}

void
api_server_stop (struct api_server *srv)
{
  if (srv == NULL)
    return;
  api_server_quiesce (srv);
  /* Stop watching MHD's epoll fd before MHD closes it. */
  uv_close ((uv_handle_t *) &srv->poll, on_handle_closed);
  uv_close ((uv_handle_t *) &srv->timer, on_handle_closed);
  MHD_stop_daemon (srv->mhd);
  srv->mhd = NULL;
  api_metrics_free (srv->d);
}
