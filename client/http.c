#include "client/http.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <curl/curl.h>

#include "cleanup.h"
#include "log.h"
#include "client/cli.h"

struct cli_http
{
  char *socket;
  CURL *curl;
  int debug;
};

/* One transfer's state, shared by the curl callbacks. */
struct xfer
{
  struct cli_http *h;
  const struct cli_request *req;
  struct cli_response *resp;
  struct cd_err *err;
  size_t cap;
  int cb_ret;     /* what on_data asked for (stop or a negative errno) */
  int read_errno; /* a failed read of the body fd */
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
  h->curl = curl_easy_init ();
  if (h->curl == NULL)
    {
      cli_http_free (h);
      return cd_err_set (err, ENOMEM, "cannot initialise libcurl");
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
  if (h->curl)
    curl_easy_cleanup (h->curl);
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

static size_t
on_write (char *data, size_t size, size_t nmemb, void *userdata)
{
  struct xfer *x = userdata;
  size_t len = size * nmemb;
  long code = 0;
  curl_easy_getinfo (x->h->curl, CURLINFO_RESPONSE_CODE, &code);
  if (x->req->on_data && code >= 200 && code < 300)
    {
      int r = x->req->on_data (data, len, x->req->userdata, x->err);
      if (r != 0)
        {
          x->cb_ret = r;
          return 0; /* aborts the transfer with CURLE_WRITE_ERROR */
        }
      return len;
    }
  if (buffer_append (x, data, len) < 0)
    {
      x->cb_ret = cd_err_set (x->err, ENOMEM, "out of memory reading the daemon's answer");
      return 0;
    }
  return len;
}

static size_t
on_read (char *buf, size_t size, size_t nitems, void *userdata)
{
  struct xfer *x = userdata;
  ssize_t n;
  do
    n = read (x->req->body_fd, buf, size * nitems);
  while (n < 0 && errno == EINTR);
  if (n < 0)
    {
      x->read_errno = errno;
      return CURL_READFUNC_ABORT;
    }
  return (size_t) n;
}

static struct curl_slist *
add_header (struct curl_slist *l, const char *h, int *failed)
{
  struct curl_slist *n = curl_slist_append (l, h);
  if (n == NULL)
    *failed = 1;
  return n ? n : l;
}

/* Method, body and headers of one request. Returns the header list to free. */
static struct curl_slist *
setup_body (CURL *c, const struct cli_request *req, const char *method, int *failed)
{
  struct curl_slist *hl = NULL;
  char ct[256];
  int has_body = req->body != NULL || req->body_from_fd;
  if (strcmp (method, "GET") == 0 && !has_body)
    curl_easy_setopt (c, CURLOPT_HTTPGET, 1L);
  else if (strcmp (method, "HEAD") == 0)
    curl_easy_setopt (c, CURLOPT_NOBODY, 1L);
  else
    {
      curl_easy_setopt (c, CURLOPT_POST, 1L);
      if (strcmp (method, "POST") != 0)
        curl_easy_setopt (c, CURLOPT_CUSTOMREQUEST, method);
      if (!req->body_from_fd)
        {
          curl_easy_setopt (c, CURLOPT_POSTFIELDS, req->body ? req->body : "");
          curl_easy_setopt (c, CURLOPT_POSTFIELDSIZE_LARGE,
                            (curl_off_t) (req->body ? req->body_len : 0));
        }
    }
  if (req->body_from_fd)
    {
      struct stat st;
      int sized = fstat (req->body_fd, &st) == 0 && S_ISREG (st.st_mode);
      curl_easy_setopt (c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t) (sized ? st.st_size : -1));
      if (!sized)
        hl = add_header (hl, "Transfer-Encoding: chunked", failed);
    }
  if (has_body)
    snprintf (ct, sizeof ct, "Content-Type: %s",
              req->content_type ? req->content_type : "application/json");
  else /* no curl default "application/x-www-form-urlencoded" on an empty POST */
    snprintf (ct, sizeof ct, "Content-Type:");
  hl = add_header (hl, ct, failed);
  hl = add_header (hl, "Expect:", failed);
  for (size_t i = 0; req->headers && req->headers[i]; i++)
    hl = add_header (hl, req->headers[i], failed);
  return hl;
}

static void
setup_transfer (struct xfer *x, const char *url, char *errbuf)
{
  CURL *c = x->h->curl;
  curl_easy_reset (c); /* keeps the connection to the daemon alive */
  curl_easy_setopt (c, CURLOPT_UNIX_SOCKET_PATH, x->h->socket);
  curl_easy_setopt (c, CURLOPT_URL, url);
  curl_easy_setopt (c, CURLOPT_USERAGENT, CLI_PROG "/" CDCTL_VERSION);
  curl_easy_setopt (c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt (c, CURLOPT_ERRORBUFFER, errbuf);
  curl_easy_setopt (c, CURLOPT_WRITEFUNCTION, on_write);
  curl_easy_setopt (c, CURLOPT_WRITEDATA, x);
  if (x->req->body_from_fd)
    {
      curl_easy_setopt (c, CURLOPT_READFUNCTION, on_read);
      curl_easy_setopt (c, CURLOPT_READDATA, x);
    }
}

static int
connect_error (struct cli_http *h, struct cd_err *err)
{
  if (access (h->socket, F_OK) == 0 && access (h->socket, R_OK | W_OK) < 0 && errno == EACCES)
    return cd_err_set (err, EACCES, "permission denied while trying to connect to cdaemon at %s",
                       h->socket);
  return cd_err_set (err, ECONNREFUSED, "cannot connect to cdaemon at %s: is the daemon running?",
                     h->socket);
}

static int
transfer_error (struct xfer *x, CURLcode rc, const char *errbuf)
{
  const char *why = errbuf[0] ? errbuf : curl_easy_strerror (rc);
  if (rc == CURLE_WRITE_ERROR && x->cb_ret != 0)
    return x->cb_ret == CLI_HTTP_STOP ? 0 : x->cb_ret;
  if (rc == CURLE_COULDNT_CONNECT)
    return connect_error (x->h, x->err);
  if (x->read_errno)
    return cd_err_sys (x->err, x->read_errno, "reading the request body");
  if (x->resp->status == 0)
    return cd_err_set (x->err, EIO, "error during connect to %s: %s", x->h->socket, why);
  return cd_err_set (x->err, EIO, "connection to cdaemon lost: %s", why);
}

static void
parse_json_body (CURL *c, struct cli_response *resp)
{
  char *ctype = NULL;
  curl_easy_getinfo (c, CURLINFO_CONTENT_TYPE, &ctype);
  if (resp->len == 0)
    return;
  if ((ctype && strstr (ctype, "json")) || resp->body[0] == '{' || resp->body[0] == '[')
    resp->json = json_tokener_parse (resp->body);
}

int
cli_http_do (struct cli_http *h, const struct cli_request *req, struct cli_response *resp,
             struct cd_err *err)
{
  const char *method = req->method ? req->method : "GET";
  const char *prefix = strncmp (req->path, "/_ping", 6) == 0 ? "" : "/v" CLI_API_VERSION;
  cleanup_free char *url = NULL;
  char errbuf[CURL_ERROR_SIZE] = "";
  struct xfer x = { .h = h, .req = req, .resp = resp, .err = err };
  int failed = 0;

  *resp = (struct cli_response){ 0 };
  if (asprintf (&url, "http://localhost%s%s", prefix, req->path) < 0)
    return cd_err_set (err, ENOMEM, "out of memory");
  setup_transfer (&x, url, errbuf);
  struct curl_slist *hl = setup_body (h->curl, req, method, &failed);
  curl_easy_setopt (h->curl, CURLOPT_HTTPHEADER, hl);
  if (failed)
    {
      curl_slist_free_all (hl);
      return cd_err_set (err, ENOMEM, "out of memory");
    }
  if (h->debug)
    log_debug ("%s %s via %s", method, url + strlen ("http://localhost"), h->socket);
  CURLcode rc = curl_easy_perform (h->curl);
  curl_easy_getinfo (h->curl, CURLINFO_RESPONSE_CODE, &resp->status);
  curl_slist_free_all (hl);
  if (h->debug)
    log_debug ("-> %ld (%s)", resp->status, curl_easy_strerror (rc));
  if (rc != CURLE_OK)
    {
      int r = transfer_error (&x, rc, errbuf);
      if (r < 0)
        return r;
    }
  parse_json_body (h->curl, resp);
  return 0;
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
