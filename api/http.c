#include "api/http.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/server.h"
#include "log.h"

const char *
api_query (struct api_req *req, const char *key)
{
  return MHD_lookup_connection_value (req->conn, MHD_GET_ARGUMENT_KIND, key);
}

const char *
api_header (struct api_req *req, const char *key)
{
  return MHD_lookup_connection_value (req->conn, MHD_HEADER_KIND, key);
}

bool
api_query_bool (struct api_req *req, const char *key, bool def)
{
  const char *v = api_query (req, key);
  if (v == NULL)
    return def;
  return strcmp (v, "1") == 0 || strcasecmp (v, "true") == 0 || strcasecmp (v, "yes") == 0;
}

int
api_query_int (struct api_req *req, const char *key, int64_t def, int64_t *out)
{
  const char *v = api_query (req, key);
  *out = def;
  if (v == NULL || *v == '\0')
    return 0;
  char *end;
  errno = 0;
  long long n = strtoll (v, &end, 10);
  if (errno != 0 || *end != '\0')
    {
      api_reply_error (req, 400, "invalid value for %s: %s", key, v);
      return -EINVAL;
    }
  *out = n;
  return 0;
}

int
api_body_json (struct api_req *req, bool allow_empty, json_object **out)
{
  *out = NULL;
  size_t n = req->body_len;
  while (n > 0 && strchr (" \t\r\n", req->body[n - 1]))
    n--;
  if (n == 0)
    {
      if (allow_empty)
        {
          *out = json_object_new_object ();
          return 0;
        }
      api_reply_error (req, 400, "request body is empty: expected a JSON object");
      return -EINVAL;
    }
  json_tokener *tok = json_tokener_new ();
  json_object *o = json_tokener_parse_ex (tok, req->body, (int) n);
  enum json_tokener_error e = json_tokener_get_error (tok);
  size_t off = tok->char_offset;
  json_tokener_free (tok);
  if (o == NULL || e != json_tokener_success || off != n)
    {
      json_object_put (o);
      api_reply_error (req, 400, "invalid JSON in request body at byte %zu: %s", off,
                       json_tokener_error_desc (e == json_tokener_success
                                                    ? json_tokener_error_parse_unexpected : e));
      return -EINVAL;
    }
  if (!json_object_is_type (o, json_type_object))
    {
      json_object_put (o);
      api_reply_error (req, 400, "request body must be a JSON object");
      return -EINVAL;
    }
  *out = o;
  return 0;
}

static const char *
type_name (json_object *v)
{
  switch (json_object_get_type (v))
    {
    case json_type_null: return "null";
    case json_type_boolean: return "a boolean";
    case json_type_double: return "a number";
    case json_type_int: return "an integer";
    case json_type_object: return "an object";
    case json_type_array: return "an array";
    case json_type_string: return "a string";
    }
  return "?";
}

/* Looks a field up; 1 when present and not null, 0 when absent, -EINVAL after a 400. */
static int
field_get (struct api_req *req, json_object *o, const char *field, bool required,
           json_object **v)
{
  if (!json_object_object_get_ex (o, field, v) || *v == NULL)
    {
      if (!required)
        return 0;
      api_reply_error (req, 400, "missing field %s", field);
      return -EINVAL;
    }
  return 1;
}

static int
field_type_error (struct api_req *req, const char *field, const char *want, json_object *v)
{
  api_reply_error (req, 400, "invalid type for field %s: expected %s, got %s", field, want,
                   type_name (v));
  return -EINVAL;
}

int
api_field_string (struct api_req *req, json_object *o, const char *field, bool required,
                  const char **out)
{
  json_object *v;
  int r = field_get (req, o, field, required, &v);
  if (r <= 0)
    return r;
  if (!json_object_is_type (v, json_type_string))
    return field_type_error (req, field, "a string", v);
  *out = json_object_get_string (v);
  return 0;
}

int
api_field_int (struct api_req *req, json_object *o, const char *field, bool required,
               int64_t *out)
{
  json_object *v;
  int r = field_get (req, o, field, required, &v);
  if (r <= 0)
    return r;
  if (!json_object_is_type (v, json_type_int))
    return field_type_error (req, field, "an integer", v);
  *out = json_object_get_int64 (v);
  return 0;
}

int
api_field_bool (struct api_req *req, json_object *o, const char *field, bool *out)
{
  json_object *v;
  int r = field_get (req, o, field, false, &v);
  if (r <= 0)
    return r;
  if (!json_object_is_type (v, json_type_boolean))
    return field_type_error (req, field, "a boolean", v);
  *out = json_object_get_boolean (v);
  return 0;
}

void
api_add_common_headers (struct MHD_Response *resp)
{
  MHD_add_response_header (resp, "Api-Version", CD_API_VERSION);
  MHD_add_response_header (resp, "Docker-Experimental", "false");
  MHD_add_response_header (resp, "Ostype", "linux");
  MHD_add_response_header (resp, "Server", "cdaemon/" CD_VERSION " (linux)");
}

int
api_reply (struct api_req *req, unsigned int status, struct MHD_Response *resp)
{
  if (resp == NULL)
    return MHD_NO;
  api_add_common_headers (resp);
  req->status = status;
  int r = MHD_queue_response (req->conn, status, resp);
  MHD_destroy_response (resp);
  return r;
}

int
api_reply_text (struct api_req *req, unsigned int status, const char *ctype, const char *body)
{
  struct MHD_Response *resp = MHD_create_response_from_buffer (strlen (body), (void *) body,
                                                               MHD_RESPMEM_MUST_COPY);
  if (resp == NULL)
    return MHD_NO;
  if (ctype)
    MHD_add_response_header (resp, "Content-Type", ctype);
  return api_reply (req, status, resp);
}

int
api_reply_empty (struct api_req *req, unsigned int status)
{
  struct MHD_Response *resp = MHD_create_response_from_buffer (0, (void *) "",
                                                               MHD_RESPMEM_PERSISTENT);
  return api_reply (req, status, resp);
}

static struct MHD_Response *
json_response (json_object *obj)
{
  const char *s = json_object_to_json_string_ext (obj, JSON_C_TO_STRING_PLAIN
                                                           | JSON_C_TO_STRING_NOSLASHESCAPE);
  size_t n = strlen (s);
  char *copy = malloc (n + 2);
  if (copy == NULL)
    return NULL;
  memcpy (copy, s, n);
  copy[n] = '\n';
  copy[n + 1] = '\0';
  struct MHD_Response *resp = MHD_create_response_from_buffer (n + 1, copy, MHD_RESPMEM_MUST_FREE);
  if (resp == NULL)
    {
      free (copy);
      return NULL;
    }
  MHD_add_response_header (resp, "Content-Type", "application/json");
  return resp;
}

int
api_reply_json (struct api_req *req, unsigned int status, json_object *obj)
{
  struct MHD_Response *resp = json_response (obj);
  json_object_put (obj);
  return api_reply (req, status, resp);
}

static json_object *
error_object (const char *msg)
{
  json_object *o = json_object_new_object ();
  json_object_object_add (o, "message", json_object_new_string (msg));
  return o;
}

int
api_reply_error (struct api_req *req, unsigned int status, const char *fmt, ...)
{
  char msg[CD_ERR_MSG_MAX];
  va_list ap;
  va_start (ap, fmt);
  vsnprintf (msg, sizeof msg, fmt, ap);
  va_end (ap);
  if (status >= 500)
    log_error ("%s %s: %s", req->method, req->path, msg);
  else
    log_debug ("%s %s: %u %s", req->method, req->path, status, msg);
  return api_reply_json (req, status, error_object (msg));
}

unsigned int
api_status_for (int code)
{
  switch (code < 0 ? -code : code)
    {
    case ENOENT: case ENXIO: return 404;
    case EEXIST: case EBUSY: case ENOTEMPTY: return 409;
    case EINVAL: case E2BIG: case ENAMETOOLONG: case EPROTO: case EBADMSG: return 400;
    case EALREADY: return 304;
    case EACCES: case EPERM: return 403;
    default: return 500;
    }
}

int
api_reply_err (struct api_req *req, const struct cd_err *err)
{
  unsigned int st = api_status_for (err->code);
  if (st == 304)
    return api_reply_empty (req, 304);
  return api_reply_error (req, st, "%s", err->msg[0] ? err->msg : "internal error");
}

void
api_suspend (struct api_req *req)
{
  if (!req->suspended)
    {
      req->suspended = true;
      MHD_suspend_connection (req->conn);
    }
}

void
api_resume (struct api_req *req)
{
  if (req->suspended)
    {
      req->suspended = false;
      MHD_resume_connection (req->conn);
      api_server_kick (req->d->api);
    }
}

void
api_finish_json (struct api_req *req, unsigned int status, json_object *obj)
{
  req->response = json_response (obj);
  req->status = status;
  json_object_put (obj);
  api_resume (req);
}

void
api_finish_error (struct api_req *req, const struct cd_err *err)
{
  unsigned int st = api_status_for (err->code);
  if (st >= 500)
    log_error ("%s %s: %s", req->method, req->path, err->msg);
  api_finish_json (req, st, error_object (err->msg[0] ? err->msg : "internal error"));
}
