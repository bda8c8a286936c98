/* One HTTP request as the handlers see it, and the reply helpers. */
#ifndef CD_API_HTTP_H
#define CD_API_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <microhttpd.h>
#include <json-c/json.h>

#include "daemon/daemon.h"

struct api_req;

/* Streaming body sink (routes with .stream_body): called for each chunk on the
 * loop thread. Returns the bytes consumed; consuming less than len requires
 * the sink to have suspended the connection (back-pressure): MHD offers the
 * rest again after the resume. A negative errno fails the request. Called
 * with len == 0 once at the end of the body. */
typedef ssize_t (*api_body_fn) (struct api_req *req, const char *data, size_t len);
/* Called when the request is finished (client gone or answer sent). */
typedef void (*api_done_fn) (struct api_req *req);

#define API_MAX_PARAMS 4

struct api_req
{
  struct cd_daemon *d;
  struct MHD_Connection *conn;
  const char *method;
  char *path;                       /* without the /v1.NN prefix */
  int api_minor;                    /* 41 for /v1.41/ or no prefix */
  char *params[API_MAX_PARAMS];     /* {id}/{name} path parameters */
  int nparams;
  const struct api_route *route;
  /* buffered body */
  char *body;
  size_t body_len, body_cap;
  bool body_too_large;
  /* streaming body */
  api_body_fn on_body;
  /* async work: a handler that suspends sets .response later and resumes */
  struct MHD_Response *response;
  unsigned int status;
  bool suspended;
  bool dispatched;
  api_done_fn on_done;
  void *data;                       /* the handler's own state */
  int64_t started_ns;               /* monotonic, for the latency histogram */
};

typedef int (*api_handler_fn) (struct api_req *req);

struct api_route
{
  const char *method;
  const char *pattern;  /* "/containers/{}/json" — {} matches one path segment */
  api_handler_fn fn;
  bool stream_body;     /* handler installs on_body at dispatch; body not buffered */
};

/* Query parameters. */
const char *api_query (struct api_req *req, const char *key);
/* Docker booleans: "1", "true", "True" are true; absent gives def. */
bool api_query_bool (struct api_req *req, const char *key, bool def);
/* Parses an integer parameter; returns 0, or replies 400 and returns -EINVAL. */
int api_query_int (struct api_req *req, const char *key, int64_t def, int64_t *out);
const char *api_header (struct api_req *req, const char *key);

/* Parses the buffered body as a JSON object. On failure replies 400 naming the
 * problem and returns -EINVAL. An empty body gives an empty object when allow_empty. */
int api_body_json (struct api_req *req, bool allow_empty, json_object **out);

/* Typed fields of a request body. Absent optional fields leave *out unchanged
 * and return 0; a wrong type (or a missing required field) replies 400 naming
 * the field and returns -EINVAL. */
int api_field_string (struct api_req *req, json_object *o, const char *field, bool required,
                      const char **out);
int api_field_int (struct api_req *req, json_object *o, const char *field, bool required,
                   int64_t *out);
int api_field_bool (struct api_req *req, json_object *o, const char *field, bool *out);

/* Replies. All return MHD_YES/MHD_NO for the access handler. */
int api_reply_json (struct api_req *req, unsigned int status, json_object *obj); /* steals obj */
int api_reply_text (struct api_req *req, unsigned int status, const char *ctype,
                    const char *body);
int api_reply_empty (struct api_req *req, unsigned int status);
int api_reply_error (struct api_req *req, unsigned int status, const char *fmt, ...)
    __attribute__ ((format (printf, 3, 4)));
/* Maps a cd_err code to Docker's status: ENOENT 404, EEXIST/EBUSY 409, EINVAL 400, else 500. */
int api_reply_err (struct api_req *req, const struct cd_err *err);
unsigned int api_status_for (int code);
/* Queues a prepared response (adds the common headers) and drops our reference. */
int api_reply (struct api_req *req, unsigned int status, struct MHD_Response *resp);
void api_add_common_headers (struct MHD_Response *resp);

/* Async: suspend now; later (on the loop thread) set the reply and resume. */
void api_suspend (struct api_req *req);
void api_resume (struct api_req *req);
/* Prepares the reply of a suspended request and resumes it. */
void api_finish_json (struct api_req *req, unsigned int status, json_object *obj);
void api_finish_error (struct api_req *req, const struct cd_err *err);

#endif
