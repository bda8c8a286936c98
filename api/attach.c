/* POST /containers/{id}/attach with stream=1: the connection is hijacked
 * (101, Upgrade: tcp) and handed to the container's monitor, which serves
 * it (monitor/attach.h); POST /containers/{id}/resize. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "api/router.h"
#include "api/server.h"
#include "daemon/ctr_attach.h"
#include "daemon/events.h"
#include "detachkeys.h"
#include "log.h"
#include "monitor/attach.h"
#include "store/containers.h"

struct attach
{
  struct cd_daemon *d;
  char id[65];
  char spec[80];
  struct MHD_UpgradeResponseHandle *urh;
  uv_timer_t later;
};

static void
attach_freed (uv_handle_t *h)
{
  free (h->data);
}

/* MHD does not act on a close asked for inside the upgrade callback: the
 * next loop iteration closes our copy of the connection. */
static void
close_later (uv_timer_t *t)
{
  struct attach *at = t->data;
  MHD_upgrade_action (at->urh, MHD_UPGRADE_ACTION_CLOSE);
  api_server_kick (at->d->api);
  uv_close ((uv_handle_t *) t, attach_freed);
}

static void
upgraded (void *cls, struct MHD_Connection *conn, void *req_cls, const char *extra,
          size_t extra_size, MHD_socket sock, struct MHD_UpgradeResponseHandle *urh)
{
  struct attach *at = cls;
  (void) conn, (void) req_cls, (void) extra;
  if (extra_size > 0)
    log_warn ("attach %.12s: %zu bytes of stdin came with the request, dropped", at->id,
              extra_size);
  struct store_container c;
  struct cd_err err = { 0 };
  bool running = false;
  if (store_container_find (at->d->store, at->id, &c, &err) == 0)
    {
      running = strcmp (c.state, "running") == 0 || strcmp (c.state, "paused") == 0;
      json_object *attrs = json_object_new_object ();
      json_object_object_add (attrs, "name", json_object_new_string (c.name));
      json_object_object_add (attrs, "image", json_object_new_string (c.image_ref));
      ev_emit (at->d, "container", "attach", c.id, attrs);
      json_object_put (attrs);
      store_container_clear (&c);
    }
  int fd = fcntl (sock, F_DUPFD_CLOEXEC, 3);
  if (fd >= 0)
    fcntl (fd, F_SETFL, fcntl (fd, F_GETFL) & ~O_NONBLOCK);
  if (fd < 0 || ctr_attach_hand (at->d, at->id, running, fd, at->spec, &err) < 0)
    log_warn ("attach %.12s: %s", at->id, fd < 0 ? "dup failed" : err.msg);
  /* the monitor (or the next start) has its own copy now */
  at->urh = urh;
  uv_timer_init (at->d->loop, &at->later);
  at->later.data = at;
  uv_timer_start (&at->later, close_later, 0, 0);
}

static unsigned
flags_for (struct api_req *req, json_object *cfg)
{
  json_object *v;
  bool tty = json_object_object_get_ex (cfg, "Tty", &v) && json_object_get_boolean (v);
  bool open_stdin = json_object_object_get_ex (cfg, "OpenStdin", &v) && json_object_get_boolean (v);
  bool once = json_object_object_get_ex (cfg, "StdinOnce", &v) && json_object_get_boolean (v);
  unsigned f = 0;
  if (api_query_bool (req, "stdin", false) && open_stdin)
    f |= MON_AT_STDIN | (once ? MON_AT_STDIN_ONCE : 0);
  if (api_query_bool (req, "stdout", false))
    f |= MON_AT_STDOUT;
  if (api_query_bool (req, "stderr", false))
    f |= MON_AT_STDERR;
  if (tty)
    f |= MON_AT_TTY;
  return f;
}

static int
h_attach (struct api_req *req)
{
  if (!api_query_bool (req, "stream", false))
    return api_attach_logs (req);
  struct store_container c;
  struct cd_err err = { 0 };
  if (store_container_find (req->d->store, req->params[0], &c, &err) < 0)
    return api_reply_err (req, &err);
  json_object *cfg = json_tokener_parse (c.config);
  unsigned flags = flags_for (req, cfg);
  json_object *dk;
  const char *cfg_keys = json_object_object_get_ex (cfg, "DetachKeys", &dk)
                             ? json_object_get_string (dk) : NULL;
  const char *keys = api_query (req, "detachKeys");
  if (keys == NULL || *keys == '\0')
    keys = cfg_keys && *cfg_keys ? cfg_keys : CD_DETACH_KEYS_DEFAULT;
  unsigned char kb[CD_DETACH_KEYS_MAX];
  size_t nk;
  struct attach *at = NULL;
  int r = cd_detach_keys_parse (keys, kb, &nk, &err);
  if (r == 0 && (at = calloc (1, sizeof *at)) != NULL)
    {
      at->d = req->d;
      snprintf (at->id, sizeof at->id, "%s", c.id);
      int n = snprintf (at->spec, sizeof at->spec, "%u:", flags);
      cd_detach_keys_format (kb, nk, at->spec + n, sizeof at->spec - (size_t) n);
    }
  json_object_put (cfg);
  store_container_clear (&c);
  if (r < 0)
    return api_reply_error (req, 400, "Invalid detach keys (%s) provided", keys);
  if (at == NULL)
    return MHD_NO;
  struct MHD_Response *resp = MHD_create_response_for_upgrade (upgraded, at);
  if (resp == NULL)
    {
      free (at);
      return MHD_NO;
    }
  MHD_add_response_header (resp, "Upgrade", "tcp");
  MHD_add_response_header (resp, "Content-Type", "application/vnd.docker.raw-stream");
  return api_reply (req, 101, resp);
}

static int
h_resize (struct api_req *req)
{
  struct store_container c;
  struct cd_err err = { 0 };
  if (store_container_find (req->d->store, req->params[0], &c, &err) < 0)
    return api_reply_err (req, &err);
  char id[65];
  snprintf (id, sizeof id, "%s", c.id);
  store_container_clear (&c);
  long h, w;
  if (api_resize_params (req, &h, &w) < 0)
    return MHD_YES;
  if (ctr_resize (req->d, id, h, w, &err) < 0)
    return api_reply_err (req, &err);
  return api_reply_empty (req, 200);
}

const struct api_route api_attach_routes[] = {
  { "POST", "/containers/{}/attach", h_attach, false },
  { "POST", "/containers/{}/resize", h_resize, false },
  { NULL, NULL, NULL, false },
};
