/* --metrics-addr: GET /metrics on a TCP address as well (off by default),
 * for Prometheus. A minimal HTTP/1.x responder on the daemon's loop: one
 * request per connection, then close; anything but GET /metrics is 404. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/metrics.h"
#include "log.h"

#define MT_MAX_REQ 8192

struct mt_server
{
  uv_tcp_t tcp;
  struct cd_daemon *d;
};

struct mt_conn
{
  uv_tcp_t tcp;
  struct cd_daemon *d;
  char req[MT_MAX_REQ];
  size_t len;
  bool answered;
};

struct mt_write
{
  uv_write_t w;
  char *buf;
};

static void
conn_closed (uv_handle_t *h)
{
  free (h->data);
}

static void
write_done (uv_write_t *w, int status)
{
  struct mt_write *mw = (struct mt_write *) w;
  (void) status;
  uv_close ((uv_handle_t *) w->handle, conn_closed);
  free (mw->buf);
  free (mw);
}

static void
respond (struct mt_conn *c)
{
  c->answered = true;
  uv_read_stop ((uv_stream_t *) &c->tcp);
  bool ok = strncmp (c->req, "GET /metrics ", 13) == 0 || strncmp (c->req, "GET /metrics?", 13) == 0;
  char *body = ok ? api_metrics_text (c->d) : strdup ("404 page not found\n");
  struct mt_write *mw = calloc (1, sizeof *mw);
  if (body == NULL || mw == NULL
      || asprintf (&mw->buf, "HTTP/1.1 %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n"
                             "Connection: close\r\n\r\n%s",
                   ok ? "200 OK" : "404 Not Found",
                   ok ? "text/plain; version=0.0.4; charset=utf-8" : "text/plain", strlen (body),
                   body) < 0)
    {
      free (body);
      free (mw);
      uv_close ((uv_handle_t *) &c->tcp, conn_closed);
      return;
    }
  free (body);
  uv_buf_t b = uv_buf_init (mw->buf, (unsigned int) strlen (mw->buf));
  if (uv_write (&mw->w, (uv_stream_t *) &c->tcp, &b, 1, write_done) < 0)
    {
      free (mw->buf);
      free (mw);
      uv_close ((uv_handle_t *) &c->tcp, conn_closed);
    }
}

static void
on_alloc (uv_handle_t *h, size_t hint, uv_buf_t *buf)
{
  struct mt_conn *c = h->data;
  (void) hint;
  *buf = uv_buf_init (c->req + c->len, (unsigned int) (MT_MAX_REQ - 1 - c->len));
}

static void
on_read (uv_stream_t *s, ssize_t n, const uv_buf_t *buf)
{
  struct mt_conn *c = s->data;
  (void) buf;
  if (c->answered)
    return;
  if (n < 0 || (n == 0 && c->len == MT_MAX_REQ - 1))
    {
      uv_close ((uv_handle_t *) s, conn_closed);
      return;
    }
  c->len += (size_t) n;
  c->req[c->len] = '\0';
  if (strstr (c->req, "\r\n\r\n") || strstr (c->req, "\n\n") || c->len == MT_MAX_REQ - 1)
    respond (c);
}

static void
on_connection (uv_stream_t *server, int status)
{
  struct mt_server *srv = server->data;
  if (status < 0)
    return;
  struct mt_conn *c = calloc (1, sizeof *c);
  if (c == NULL)
    return;
  c->d = srv->d;
  uv_tcp_init (server->loop, &c->tcp);
  c->tcp.data = c;
  if (uv_accept (server, (uv_stream_t *) &c->tcp) < 0
      || uv_read_start ((uv_stream_t *) &c->tcp, on_alloc, on_read) < 0)
    uv_close ((uv_handle_t *) &c->tcp, conn_closed);
}

int
api_metrics_listen (struct cd_daemon *d, struct cd_err *err)
{
  const char *addr = d->cfg.metrics_addr;
  if (addr == NULL || *addr == '\0')
    return 0;
  const char *colon = strrchr (addr, ':');
  char host[64];
  int port = colon ? atoi (colon + 1) : 0;
  if (colon == NULL || port <= 0 || port > 65535 || (size_t) (colon - addr) >= sizeof host)
    return cd_err_set (err, EINVAL, "invalid --metrics-addr `%s` (want host:port)", addr);
  snprintf (host, sizeof host, "%.*s", (int) (colon - addr), addr);
  struct sockaddr_in sa;
  if (uv_ip4_addr (host, port, &sa) < 0)
    return cd_err_set (err, EINVAL, "invalid --metrics-addr `%s` (want an IPv4 address:port)", addr);
  struct mt_server *srv = calloc (1, sizeof *srv);
  if (srv == NULL)
    return cd_err_set (err, ENOMEM, "out of memory");
  srv->d = d;
  uv_tcp_init (d->loop, &srv->tcp);
  srv->tcp.data = srv;
  int r = uv_tcp_bind (&srv->tcp, (const struct sockaddr *) &sa, 0);
  if (r == 0)
    r = uv_listen ((uv_stream_t *) &srv->tcp, 64, on_connection);
  if (r < 0)
    {
      uv_close ((uv_handle_t *) &srv->tcp, conn_closed);
      return cd_err_set (err, -r, "cannot listen on --metrics-addr %s: %s", addr, uv_strerror (r));
    }
  api_metrics_set_listener (d, srv);
  log_info ("metrics on http://%s/metrics", addr);
  return 0;
}

void
api_metrics_tcp_close (struct mt_server *srv)
{
  if (!uv_is_closing ((uv_handle_t *) &srv->tcp))
    uv_close ((uv_handle_t *) &srv->tcp, conn_closed);
}
