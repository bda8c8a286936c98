/* HTTP/1.1 to cdaemon over its Unix socket, one connection per request
 * (client/httpparse.c parses the answers). Paths are API paths such as
 * "/containers/json?all=1"; the "/v1.41" prefix is added here. */
#ifndef CLI_HTTP_H
#define CLI_HTTP_H

#include <stddef.h>
#include <stdint.h>

#include <json-c/json.h>

#include "err.h"

struct cli_http;

/* "unix:///run/x.sock" (or a bare absolute path) -> malloc'd "/run/x.sock". */
int cli_host_socket_path (const char *host, char **out, struct cd_err *err);

/* Chooses the host: the flag when given, else $CDAEMON_HOST, else the default. */
const char *cli_host_choose (const char *flag_value);

int cli_http_new (const char *host, int debug, struct cli_http **out, struct cd_err *err);
void cli_http_free (struct cli_http *h);
/* A new non-blocking connection to the daemon (client/hijack.c). */
int cli_http_dial (struct cli_http *h, int *fd, struct cd_err *err);
const char *cli_http_socket (const struct cli_http *h);

/* Called with each piece of a 2xx body as it arrives (pieces split anywhere).
 * Return 0 to go on, CLI_HTTP_STOP to end the transfer quietly, or a negative
 * errno with err set to fail the request. */
typedef int (*cli_http_data_fn) (const char *data, size_t len, void *userdata, struct cd_err *err);
#define CLI_HTTP_STOP 1

/* Called as pieces of the request body are sent: body bytes sent so far and
 * the body's size (-1 when chunked). */
typedef void (*cli_http_progress_fn) (uint64_t sent, int64_t total, void *userdata);

struct cli_request
{
  const char *method; /* NULL: "GET" */
  const char *path;   /* "/events?since=1"; "/_ping" is sent unversioned */
  const char *body;   /* NULL: no in-memory body */
  size_t body_len;
  const char *content_type;         /* NULL: "application/json" when there is a body */
  int body_from_fd;                 /* stream the body from body_fd (uploads) */
  int body_fd;                      /* chunked unless it is a regular file */
  const char *const *headers;       /* NULL or NULL-terminated "Name: value" */
  cli_http_data_fn on_data;         /* NULL: buffer the body in the response */
  void *userdata;                   /* for on_data and on_progress */
  cli_http_progress_fn on_progress; /* NULL or the upload's progress */
};

struct cli_response
{
  long status; /* 0 when no answer arrived */
  char *body;  /* NUL-terminated; error bodies are always kept */
  size_t len;
  struct json_object *json; /* the body parsed, when it is JSON */
};

void cli_response_free (struct cli_response *r);
#define cleanup_response __attribute__ ((cleanup (cli_response_free)))

/* Sends req and fills resp. Returns 0 whenever the daemon answered, whatever
 * the status. Failing to connect returns -ECONNREFUSED with the message
 * "cannot connect to cdaemon at /run/cdaemon.sock: is the daemon running?". */
int cli_http_do (struct cli_http *h, const struct cli_request *req, struct cli_response *resp,
                 struct cd_err *err);

/* Turns a status >= 400 into "Error response from daemon: <message>" using
 * the daemon's {"message": ...}; 0 for any other status. */
int cli_http_check (const struct cli_response *resp, struct cd_err *err);

/* cli_http_do + cli_http_check with an optional JSON body. */
int cli_http_call (struct cli_http *h, const char *method, const char *path,
                   struct json_object *body, struct cli_response *resp, struct cd_err *err);

/* GET path and require a JSON answer in resp->json. */
int cli_http_get_json (struct cli_http *h, const char *path, struct cli_response *resp,
                       struct cd_err *err);

/* Streams a 2xx body to on_data (events, logs, pull progress); API errors as
 * in cli_http_check. */
int cli_http_stream (struct cli_http *h, const char *method, const char *path,
                     cli_http_data_fn on_data, void *userdata, struct cd_err *err);

#endif
