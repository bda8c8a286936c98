#include "client/http.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "cleanup.h"
#include "log.h"
#include "client/cli.h"
#include "client/httpparse.h"

/* Bytes read from the socket, and read from a body fd, at a time. */
#define IO_SIZE (64 * 1024)
/* Room around a piece of chunked body: "<16 hex>\r\n" before, "\r\n" after. */
#define CHUNK_PAD 18

struct cli_http
{
  char *socket;
  int debug;
};

enum
{
  SEND_HEAD,
  SEND_BODY,
  SEND_DONE,
};

/* One request and its answer on a connection of their own. */
struct xfer
{
  struct cli_http *h;
  const struct cli_request *req;
  struct cli_response *resp;
  struct cd_err *err;
  int fd;
  int stream; /* the answer is 2xx and goes to req->on_data */
  int cb_ret; /* what on_data asked for (stop or a negative errno), or ENOMEM */
  size_t cap;
  struct cli_hp hp;

  /* the request going out: the head, then the body in pieces */
  int phase;
  char *head;
  size_t head_len;
  int chunked;      /* the body comes from a pipe-like fd */
  int64_t total;    /* body bytes, -1 when chunked */
  uint64_t fd_left; /* bytes of a regular file still to read */
  const char *out;  /* what is left to send of the current piece */
  size_t out_len;
  size_t piece_body; /* body bytes in the current piece */
  uint64_t sent;     /* body bytes sent */
  int send_errno;    /* the daemon stopped reading the request */
  char *sbuf;        /* CHUNK_PAD + IO_SIZE + 2 */
  char *rbuf;        /* IO_SIZE */
};

int
cli_host_socket_path (const char *host, char **out, struct cd_err *err)
{
  const char *path = host;
  if (strncmp (host, "unix://", 7) == 0)
    path = host + 7;
  else if (host[0] != '/')
    return cd_err_set (err, EINVAL,
                       "unsupported host \"%s\": " CLI_PROG " speaks to unix:///path/to.sock only",
                       host);
  if (path[0] != '/')
    return cd_err_set (err, EINVAL, "invalid host \"%s\": expected unix:///absolute/path.sock",
                       host);
  *out = strdup (path);
  return *out ? 0 : cd_err_set (err, ENOMEM, "out of memory");
}

const char *
cli_host_choose (const char *flag_value)
{
  if (flag_value && *flag_value)
    return flag_value;
  const char *env = getenv (CLI_HOST_ENV);
  return env && *env ? env : CLI_DEFAULT_HOST;
}

int
cli_http_new (const char *host, int debug, struct cli_http **out, struct cd_err *err)
{
  struct cli_http *h = calloc (1, sizeof *h);
  if (h == NULL)
    return cd_err_set (err, ENOMEM, "out of memory");
  int r = cli_host_socket_path (host, &h->socket, err);
  if (r < 0)
    {
      free (h);
      return r;
    }
  h->debug = debug;
  *out = h;
  return 0;
}

void
cli_http_free (struct cli_http *h)
{
  if (h == NULL)
    return;
  free (h->socket);
  free (h);
}

const char *
cli_http_socket (const struct cli_http *h)
{
  return h->socket;
}

void
cli_response_free (struct cli_response *r)
{
  free (r->body);
  if (r->json)
    json_object_put (r->json);
  *r = (struct cli_response){ 0 };
}

/* ---- connecting ---- */

static int
connect_error (struct cli_http *h, int e, struct cd_err *err)
{
  if (e == EACCES)
    return cd_err_set (err, EACCES, "permission denied while trying to connect to cdaemon at %s",
                       h->socket);
  return cd_err_set (err, ECONNREFUSED, "cannot connect to cdaemon at %s: is the daemon running?",
                     h->socket);
}

static int
dial (struct cli_http *h, int *out, struct cd_err *err)
{
  struct sockaddr_un sa = { .sun_family = AF_UNIX };
  size_t len = strlen (h->socket);
  if (len >= sizeof sa.sun_path)
    return cd_err_set (err, ENAMETOOLONG,
                       "cannot connect to cdaemon at %s: a socket path has at most %zu bytes",
                       h->socket, sizeof sa.sun_path - 1);
  memcpy (sa.sun_path, h->socket, len + 1);
  cleanup_close int fd = socket (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0)
    return cd_err_sys (err, errno, "socket");
  int r;
  /* an AF_UNIX socket stays unconnected when connect is interrupted */
  while ((r = connect (fd, (struct sockaddr *) &sa, sizeof sa)) < 0 && errno == EINTR)
    ;
  if (r < 0)
    return connect_error (h, errno, err);
  int fl = fcntl (fd, F_GETFL);
  if (fl < 0 || fcntl (fd, F_SETFL, fl | O_NONBLOCK) < 0)
    return cd_err_sys (err, errno, "fcntl");
  *out = fd;
  fd = -1;
  return 0;
}

int
cli_http_dial (struct cli_http *h, int *fd, struct cd_err *err)
{
  return dial (h, fd, err);
}

/* ---- the request ---- */

/* Bytes that would break the request line or a header: controls, and the
 * space unless space_ok (which also allows a tab). */
static int
clean (const char *s, int space_ok)
{
  for (; *s; s++)
    {
      unsigned char c = (unsigned char) *s;
      if (c == 0x7f || (c == ' ' && !space_ok) || (c < 0x20 && !(space_ok && c == '\t')))
        return 0;
    }
  return 1;
}

/* How the body goes: Content-Length from a regular file or memory, else chunked. */
static void
body_framing (struct xfer *x, const char *method)
{
  const struct cli_request *req = x->req;
  struct stat st;
  x->total = -1;
  if (req->body_from_fd)
    {
      if (fstat (req->body_fd, &st) == 0 && S_ISREG (st.st_mode))
        {
          off_t at = lseek (req->body_fd, 0, SEEK_CUR);
          x->fd_left = (uint64_t) (st.st_size - (at > 0 && at <= st.st_size ? at : 0));
          x->total = (int64_t) x->fd_left;
        }
      else
        x->chunked = 1;
    }
  else if (req->body)
    x->total = (int64_t) req->body_len;
  else if (strcmp (method, "GET") != 0 && strcmp (method, "HEAD") != 0)
    x->total = 0;
}

static int
build_head (struct xfer *x, const char *method, const char *prefix, struct cd_err *err)
{
  const struct cli_request *req = x->req;
  const char *ctype = req->content_type ? req->content_type : "application/json";
  int has_body = req->body != NULL || req->body_from_fd;
  if (!clean (method, 0) || !*method || !clean (req->path, 0) || req->path[0] != '/')
    return cd_err_set (err, EINVAL, "invalid request %s %s", method, req->path);
  if (has_body && !clean (ctype, 1))
    return cd_err_set (err, EINVAL, "invalid content type \"%s\"", ctype);
  for (size_t i = 0; req->headers && req->headers[i]; i++)
    if (!clean (req->headers[i], 1) || strchr (req->headers[i], ':') == NULL)
      return cd_err_set (err, EINVAL, "invalid request header \"%s\"", req->headers[i]);

  FILE *f = open_memstream (&x->head, &x->head_len);
  if (f == NULL)
    return cd_err_set (err, ENOMEM, "out of memory");
  fprintf (f,
           "%s %s%s HTTP/1.1\r\nHost: localhost\r\nUser-Agent: " CLI_PROG "/" CDCTL_VERSION "\r\n",
           method, prefix, req->path);
  if (has_body)
    fprintf (f, "Content-Type: %s\r\n", ctype);
  if (x->chunked)
    fputs ("Transfer-Encoding: chunked\r\n", f);
  else if (x->total >= 0)
    fprintf (f, "Content-Length: %lld\r\n", (long long) x->total);
  for (size_t i = 0; req->headers && req->headers[i]; i++)
    fprintf (f, "%s\r\n", req->headers[i]);
  fputs ("\r\n", f);
  if (fclose (f) != 0 || x->head == NULL)
    return cd_err_set (err, ENOMEM, "out of memory");
  return 0;
}

static ssize_t
read_body (struct xfer *x, char *buf, size_t len)
{
  ssize_t n;
  do
    n = read (x->req->body_fd, buf, len);
  while (n < 0 && errno == EINTR);
  if (n < 0)
    return cd_err_sys (x->err, errno, "reading the request body");
  return n;
}

/* The next piece of an fd body into sbuf: as it is, or framed as a chunk. */
static int
fd_piece (struct xfer *x)
{
  char *data = x->sbuf + CHUNK_PAD;
  if (!x->chunked)
    {
      size_t want = x->fd_left < IO_SIZE ? (size_t) x->fd_left : IO_SIZE;
      if (want == 0)
        {
          x->phase = SEND_DONE;
          return 0;
        }
      ssize_t n = read_body (x, data, want);
      if (n < 0)
        return (int) n;
      if (n == 0)
        return cd_err_set (x->err, EIO, "reading the request body: the file shrank while sent");
      x->fd_left -= (uint64_t) n;
      x->out = data;
      x->out_len = x->piece_body = (size_t) n;
      return 0;
    }
  ssize_t n = read_body (x, data, IO_SIZE);
  if (n < 0)
    return (int) n;
  if (n == 0)
    {
      x->out = "0\r\n\r\n";
      x->out_len = 5;
      x->piece_body = 0;
      x->phase = SEND_DONE;
      return 0;
    }
  char size[CHUNK_PAD + 1];
  int sl = snprintf (size, sizeof size, "%zx\r\n", (size_t) n);
  memcpy (data - sl, size, (size_t) sl);
  memcpy (data + n, "\r\n", 2);
  x->out = data - sl;
  x->out_len = (size_t) sl + (size_t) n + 2;
  x->piece_body = (size_t) n;
  return 0;
}

/* Readies the next piece to send once the current one is out. */
static int
next_piece (struct xfer *x)
{
  x->piece_body = 0;
  if (x->phase == SEND_HEAD)
    {
      x->out = x->head;
      x->out_len = x->head_len;
      x->phase = SEND_BODY;
      return 0;
    }
  if (x->req->body_from_fd)
    return fd_piece (x);
  x->out = x->req->body;
  x->out_len = x->piece_body = x->req->body ? x->req->body_len : 0;
  x->phase = SEND_DONE;
  return 0;
}

static int
send_some (struct xfer *x)
{
  ssize_t n = send (x->fd, x->out, x->out_len, MSG_NOSIGNAL | MSG_DONTWAIT);
  if (n < 0)
    {
      if (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK)
        return 0;
      if (errno != EPIPE && errno != ECONNRESET)
        return cd_err_sys (x->err, errno, "connection to cdaemon lost");
      /* the daemon stopped reading, maybe to answer early: read what it says */
      x->send_errno = errno;
      x->phase = SEND_DONE;
      x->out_len = 0;
      return 0;
    }
  x->out += n;
  x->out_len -= (size_t) n;
  if (x->out_len == 0 && x->piece_body > 0)
    {
      x->sent += x->piece_body;
      if (x->req->on_progress)
        x->req->on_progress (x->sent, x->total, x->req->userdata);
    }
  return 0;
}

/* ---- the answer ---- */

static int
buffer_append (struct xfer *x, const char *data, size_t len)
{
  struct cli_response *r = x->resp;
  if (r->len + len + 1 > x->cap)
    {
      size_t cap = x->cap ? x->cap : 4096;
      while (cap < r->len + len + 1)
        cap *= 2;
      char *b = realloc (r->body, cap);
      if (b == NULL)
        return -ENOMEM;
      r->body = b;
      x->cap = cap;
    }
  memcpy (r->body + r->len, data, len);
  r->len += len;
  r->body[r->len] = '\0';
  return 0;
}

static int
on_head (void *userdata)
{
  struct xfer *x = userdata;
  x->resp->status = x->hp.status;
  x->stream = x->req->on_data && x->hp.status >= 200 && x->hp.status < 300;
  return 0;
}

static int
on_body (const char *data, size_t len, void *userdata)
{
  struct xfer *x = userdata;
  if (x->stream)
    x->cb_ret = x->req->on_data (data, len, x->req->userdata, x->err);
  else if (buffer_append (x, data, len) < 0)
    x->cb_ret = cd_err_set (x->err, ENOMEM, "out of memory reading the daemon's answer");
  return x->cb_ret;
}

static int
receive (struct xfer *x)
{
  ssize_t n = recv (x->fd, x->rbuf, IO_SIZE, MSG_DONTWAIT);
  if (n < 0)
    {
      if (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK)
        return 0;
      if (x->resp->status == 0)
        return cd_err_sys (x->err, errno, "error during connect to %s", x->h->socket);
      return cd_err_sys (x->err, errno, "connection to cdaemon lost");
    }
  int r;
  if (n == 0)
    {
      if ((r = cli_hp_eof (&x->hp, x->err)) < 0)
        {
          if (x->send_errno && x->resp->status == 0)
            return cd_err_sys (x->err, x->send_errno, "connection to cdaemon lost");
          return cd_err_wrap (x->err, "connection to cdaemon lost");
        }
      return 0;
    }
  r = cli_hp_feed (&x->hp, x->rbuf, (size_t) n, x->err);
  if (r < 0 && x->cb_ret == 0)
    return cd_err_wrap (x->err, "bad answer from cdaemon");
  return r;
}

/* Sends the request and reads the answer at once, so that an early answer
 * (an error before the whole upload) is seen. */
static int
exchange (struct xfer *x)
{
  struct pollfd pfd = { .fd = x->fd };
  while (!x->hp.done)
    {
      if (x->phase != SEND_DONE && x->out_len == 0)
        {
          int r = next_piece (x);
          if (r == 0 && x->out_len > 0)
            r = send_some (x); /* most pieces go at once: no poll first */
          if (r < 0)
            return r;
          continue;
        }
      pfd.events = (short) (POLLIN | (x->out_len > 0 ? POLLOUT : 0));
      if (poll (&pfd, 1, -1) < 0)
        {
          if (errno == EINTR)
            continue;
          return cd_err_sys (x->err, errno, "poll");
        }
      if (pfd.revents & (POLLIN | POLLHUP | POLLERR))
        {
          int r = receive (x);
          if (r != 0)
            return r;
        }
      if (x->out_len > 0 && (pfd.revents & POLLOUT))
        {
          int r = send_some (x);
          if (r < 0)
            return r;
        }
    }
  return 0;
}

static void
parse_json_body (const char *ctype, struct cli_response *resp)
{
  if (resp->len == 0)
    return;
  if (strstr (ctype, "json") || resp->body[0] == '{' || resp->body[0] == '[')
    resp->json = json_tokener_parse (resp->body);
}

static int
transfer (struct xfer *x, const char *method, const char *prefix)
{
  int r = build_head (x, method, prefix, x->err);
  if (r < 0)
    return r;
  if ((x->sbuf = malloc (CHUNK_PAD + IO_SIZE + 2)) == NULL || (x->rbuf = malloc (IO_SIZE)) == NULL)
    return cd_err_set (x->err, ENOMEM, "out of memory");
  if ((r = dial (x->h, &x->fd, x->err)) < 0)
    return r;
  x->hp.head_request = strcmp (method, "HEAD") == 0;
  x->hp.on_head = on_head;
  x->hp.on_body = on_body;
  x->hp.userdata = x;
  cli_hp_init (&x->hp);
  r = exchange (x);
  if (r == CLI_HTTP_STOP || (r > 0 && x->cb_ret > 0))
    r = 0;
  return r;
}

int
cli_http_do (struct cli_http *h, const struct cli_request *req, struct cli_response *resp,
             struct cd_err *err)
{
  const char *method = req->method ? req->method : "GET";
  const char *prefix = strncmp (req->path, "/_ping", 6) == 0 ? "" : "/v" CLI_API_VERSION;
  struct xfer *x = calloc (1, sizeof *x);
  if (x == NULL)
    return cd_err_set (err, ENOMEM, "out of memory");
  *x = (struct xfer){ .h = h, .req = req, .resp = resp, .err = err, .fd = -1 };
  *resp = (struct cli_response){ 0 };
  body_framing (x, method);
  if (h->debug)
    log_debug ("%s %s%s via %s", method, prefix, req->path, h->socket);
  int r = transfer (x, method, prefix);
  if (h->debug)
    log_debug ("-> %ld%s%s", resp->status, r < 0 ? ": " : "", r < 0 ? err->msg : "");
  if (r == 0)
    parse_json_body (x->hp.content_type, resp);
  if (x->fd >= 0)
    close (x->fd);
  free (x->head);
  free (x->sbuf);
  free (x->rbuf);
  free (x);
  return r;
}

static int
status_errno (long status)
{
  switch (status)
    {
    case 400:
      return EINVAL;
    case 401:
    case 403:
      return EPERM;
    case 404:
      return ENOENT;
    case 409:
      return EEXIST;
    case 501:
      return ENOSYS;
    default:
      return EIO;
    }
}

int
cli_http_check (const struct cli_response *resp, struct cd_err *err)
{
  if (resp->status < 400)
    return 0;
  struct json_object *m = NULL;
  if (resp->json && json_object_object_get_ex (resp->json, "message", &m)
      && json_object_is_type (m, json_type_string))
    return cd_err_set (err, status_errno (resp->status), "Error response from daemon: %s",
                       json_object_get_string (m));
  int len = (int) resp->len;
  while (len > 0 && (resp->body[len - 1] == '\n' || resp->body[len - 1] == '\r'))
    len--;
  if (len > 0)
    return cd_err_set (err, status_errno (resp->status), "Error response from daemon: %.*s", len,
                       resp->body);
  return cd_err_set (err, status_errno (resp->status), "Error response from daemon: HTTP %ld",
                     resp->status);
}

int
cli_http_call (struct cli_http *h, const char *method, const char *path, struct json_object *body,
               struct cli_response *resp, struct cd_err *err)
{
  struct cli_request req = { .method = method, .path = path };
  if (body)
    {
      req.body = json_object_to_json_string_ext (body, JSON_C_TO_STRING_PLAIN
                                                           | JSON_C_TO_STRING_NOSLASHESCAPE);
      req.body_len = strlen (req.body);
    }
  int r = cli_http_do (h, &req, resp, err);
  if (r < 0)
    return r;
  return cli_http_check (resp, err);
}

int
cli_http_get_json (struct cli_http *h, const char *path, struct cli_response *resp,
                   struct cd_err *err)
{
  int r = cli_http_call (h, "GET", path, NULL, resp, err);
  if (r < 0)
    return r;
  if (resp->json == NULL)
    return cd_err_set (err, EPROTO, "cdaemon sent an answer to GET %s that is not JSON", path);
  return 0;
}

int
cli_http_stream (struct cli_http *h, const char *method, const char *path, cli_http_data_fn on_data,
                 void *userdata, struct cd_err *err)
{
  struct cli_request req
      = { .method = method, .path = path, .on_data = on_data, .userdata = userdata };
  cleanup_response struct cli_response resp = { 0 };
  int r = cli_http_do (h, &req, &resp, err);
  if (r < 0)
    return r;
  return cli_http_check (&resp, err);
}
