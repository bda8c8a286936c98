/* Exec endpoints: POST /containers/{id}/exec, POST /exec/{id}/start (the
 * connection is hijacked: 101 + Upgrade: tcp, then handed to the exec
 * helper), GET /exec/{id}/json, POST /exec/{id}/resize. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "api/router.h"
#include "api/server.h"
#include "daemon/exec.h"
#include "log.h"

static int
h_create (struct api_req *req)
{
  json_object *body;
  if (api_body_json (req, false, &body) < 0)
    return MHD_YES;
  char id[65];
  struct cd_err err = { 0 };
  int r = ctr_exec_create (req->d, req->params[0], body, id, &err);
  json_object_put (body);
  if (r < 0)
    return api_reply_err (req, &err);
  json_object *o = json_object_new_object ();
  json_object_object_add (o, "Id", json_object_new_string (id));
  return api_reply_json (req, 201, o);
}

/* The hijacked connection: the helper has its own copy of the socket; ours
 * is closed through MHD once the helper is done. */
struct hijack
{
  struct cd_daemon *d;
  char id[65];
  bool tty;
  struct MHD_UpgradeResponseHandle *urh;
};

static void
hijack_done (void *ctx)
{
  struct hijack *h = ctx;
  if (h->urh)
    {
      MHD_upgrade_action (h->urh, MHD_UPGRADE_ACTION_CLOSE);
      api_server_kick (h->d->api);
    }
  free (h);
}

static void
upgraded (void *cls, struct MHD_Connection *conn, void *req_cls, const char *extra,
          size_t extra_size, MHD_socket sock, struct MHD_UpgradeResponseHandle *urh)
{
  struct hijack *h = cls;
  (void) conn, (void) req_cls, (void) extra;
  h->urh = urh;
  log_debug ("exec %.12s: hijacked, %zu bytes already read", h->id, extra_size);
  struct cd_err err = { 0 };
  struct ctr_exec *e = ctr_exec_find (h->d, h->id, &err);
  if (e == NULL || ctr_exec_start (h->d, e, sock, h->tty, hijack_done, h, &err) < 0)
    {
      char msg[700];
      int n = snprintf (msg, sizeof msg, "%s\r\n", err.msg);
      if (write (sock, msg, (size_t) n) < 0)
        err.code = errno;
      if (e == NULL)
        hijack_done (h);
    }
}

static int
h_start (struct api_req *req)
{
  json_object *body;
  if (api_body_json (req, true, &body) < 0)
    return MHD_YES;
  json_object *v;
  bool detach = json_object_object_get_ex (body, "Detach", &v) && json_object_get_boolean (v);
  bool tty = json_object_object_get_ex (body, "Tty", &v) && json_object_get_boolean (v);
  json_object_put (body);
  struct cd_err err = { 0 };
  struct ctr_exec *e = ctr_exec_find (req->d, req->params[0], &err);
  if (e == NULL || ctr_exec_check_start (req->d, e, &err) < 0)
    return api_reply_err (req, &err);
  if (detach)
    {
      if (ctr_exec_start (req->d, e, -1, tty, NULL, NULL, &err) < 0)
        return api_reply_err (req, &err);
      return api_reply_empty (req, 200);
    }
  struct hijack *h = calloc (1, sizeof *h);
  if (h == NULL)
    return MHD_NO;
  h->d = req->d;
  h->tty = tty;
  snprintf (h->id, sizeof h->id, "%s", req->params[0]);
  struct MHD_Response *resp = MHD_create_response_for_upgrade (upgraded, h);
  if (resp == NULL)
    {
      free (h);
      return MHD_NO;
    }
  MHD_add_response_header (resp, "Upgrade", "tcp");
  MHD_add_response_header (resp, "Content-Type", "application/vnd.docker.raw-stream");
  return api_reply (req, 101, resp);
}

static int
h_inspect (struct api_req *req)
{
  struct cd_err err = { 0 };
  struct ctr_exec *e = ctr_exec_find (req->d, req->params[0], &err);
  if (e == NULL)
    return api_reply_err (req, &err);
  return api_reply_json (req, 200, ctr_exec_inspect (req->d, e));
}

/* h and w: 400 unless both are integers in 1..65535. */
int
api_resize_params (struct api_req *req, long *h, long *w)
{
  int64_t hv, wv;
  if (api_query_int (req, "h", 0, &hv) < 0 || api_query_int (req, "w", 0, &wv) < 0)
    return -1;
  *h = hv > 100000 ? 100000 : hv < -1 ? -1 : (long) hv;
  *w = wv > 100000 ? 100000 : wv < -1 ? -1 : (long) wv;
  return 0;
}

static int
h_resize (struct api_req *req)
{
  struct cd_err err = { 0 };
  struct ctr_exec *e = ctr_exec_find (req->d, req->params[0], &err);
  if (e == NULL)
    return api_reply_err (req, &err);
  long h, w;
  if (api_resize_params (req, &h, &w) < 0)
    return MHD_YES;
  if (ctr_exec_resize (e, h, w, &err) < 0)
    return api_reply_err (req, &err);
  return api_reply_empty (req, 200);
}

const struct api_route api_exec_routes[] = {
  { "POST", "/containers/{}/exec", h_create, false },
  { "POST", "/exec/{}/start", h_start, false },
  { "GET", "/exec/{}/json", h_inspect, false },
  { "POST", "/exec/{}/resize", h_resize, false },
  { NULL, NULL, NULL, false },
};
