/* Image archives in and out: GET /images/get and /images/{name}/get (docker
 * save, streamed from a worker through a pipe) and POST /images/create with
 * fromSrc=- (docker import, the body streamed to a worker). */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "api/job.h"
#include "api/registry.h"
#include "api/router.h"
#include "api/stream.h"
#include "daemon/events.h"
#include "images/import.h"
#include "images/reference.h"
#include "images/save.h"
#include "log.h"

struct arg_list
{
  const char *key;
  json_object *values;
};

static enum MHD_Result
collect_arg (void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
  struct arg_list *a = cls;
  (void) kind;
  if (key && strcmp (key, a->key) == 0 && value)
    json_object_array_add (a->values, json_object_new_string (value));
  return MHD_YES;
}

/* Every value of a repeated query parameter (?names=a&names=b), in order. */
static json_object *
query_all (struct api_req *req, const char *key)
{
  struct arg_list a = { key, json_object_new_array () };
  MHD_get_connection_values (req->conn, MHD_GET_ARGUMENT_KIND, collect_arg, &a);
  return a.values;
}

static void
image_event (struct cd_daemon *d, const char *action, const char *id, const char *name)
{
  json_object *attrs = json_object_new_object ();
  json_object_object_add (attrs, "name", json_object_new_string (name));
  ev_emit (d, "image", action, id, attrs);
  json_object_put (attrs);
}

/* ---- save ---- */

struct save_work
{
  uv_work_t work;
  struct cd_daemon *d;
  json_object *names; /* array of strings */
  const char **v;
  int n;
  int wfd;
  int r;
  struct cd_err err;
};

static void
save_run (uv_work_t *w)
{
  struct save_work *s = w->data;
  s->r = img_save (s->d->images, s->v, s->n, s->wfd, &s->err);
  close (s->wfd); /* EOF for the response */
}

/* On the loop: one "save" event per image (as docker), or the error logged
 * (the client sees a tar cut short). */
static void
save_after (uv_work_t *w, int status)
{
  struct save_work *s = w->data;
  (void) status;
  const char *names = json_object_to_json_string_ext (s->names, JSON_C_TO_STRING_PLAIN);
  if (s->r < 0 && s->err.code == EPIPE)
    log_info ("save %s: %s", names, s->err.msg);
  else if (s->r < 0)
    log_error ("save %s: %s", names, s->err.msg);
  else
    {
      json_object *seen = json_object_new_object ();
      for (int i = 0; i < s->n; i++)
        {
          char id[CD_DIGEST_LEN];
          struct cd_err err;
          if (img_resolve (s->d->images, s->v[i], id, &err) == 0
              && !json_object_object_get_ex (seen, id, NULL))
            {
              json_object_object_add (seen, id, NULL);
              image_event (s->d, "save", id, id);
            }
        }
      json_object_put (seen);
    }
  json_object_put (s->names);
  free (s->v);
  free (s);
}

/* Resolves every name now (404 before any byte), then streams the tar. */
static int
start_save (struct api_req *req, json_object *names)
{
  int n = (int) json_object_array_length (names);
  if (n == 0)
    {
      json_object_put (names);
      return api_reply_error (req, 400, "no image names given: add names=NAME to the query");
    }
  struct save_work *s = calloc (1, sizeof *s);
  const char **v = calloc ((size_t) n, sizeof *v);
  if (s == NULL || v == NULL)
    {
      free (s);
      free (v);
      json_object_put (names);
      return MHD_NO;
    }
  for (int i = 0; i < n; i++)
    v[i] = json_object_get_string (json_object_array_get_idx (names, i));
  *s = (struct save_work){ .d = req->d, .names = names, .v = v, .n = n, .wfd = -1 };
  s->work.data = s;
  struct cd_err err = { 0 };
  int fds[2] = { -1, -1 };
  if (img_save_check (req->d->images, v, n, &err) < 0)
    goto fail;
  if (pipe2 (fds, O_CLOEXEC) < 0)
    {
      cd_err_sys (&err, errno, "save: pipe");
      goto fail;
    }
  fcntl (fds[1], F_SETPIPE_SZ, 1 << 20);
  s->wfd = fds[1];
  int r = uv_queue_work (req->d->loop, &s->work, save_run, save_after);
  if (r < 0)
    {
      close (fds[1]);
      close (fds[0]);
      cd_err_set (&err, -r, "save: cannot start a worker: %s", uv_strerror (r));
      goto fail;
    }
  return api_reply_pipe (req, fds[0], "application/x-tar");
fail:
  json_object_put (names);
  free (v);
  free (s);
  return api_reply_err (req, &err);
}

static int
h_save_many (struct api_req *req)
{
  return start_save (req, query_all (req, "names"));
}

static int
h_save_one (struct api_req *req)
{
  json_object *names = json_object_new_array ();
  json_object_array_add (names, json_object_new_string (req->params[0]));
  return start_save (req, names);
}

/* ---- import (POST /images/create?fromSrc=-) ---- */

struct import_ctx
{
  struct cd_daemon *d;
  char *ref;
  json_object *changes;
  char *message;
  char id[CD_DIGEST_LEN];
  bool ok;
};

/* Runs on the loop once the job is over: the events go out from here. */
static void
import_ctx_free (void *p)
{
  struct import_ctx *c = p;
  if (c->ok)
    {
      image_event (c->d, "import", c->id, c->id);
      if (c->ref)
        image_event (c->d, "tag", c->id, c->ref);
    }
  free (c->ref);
  free (c->message);
  json_object_put (c->changes);
  free (c);
}

static int
import_work (struct api_job *job, int body_fd)
{
  struct import_ctx *c = job->ctx;
  int r = img_import (job->d->images, body_fd, c->ref, c->changes, c->message, c->id, &job->err);
  if (r < 0)
    return r;
  char line[128];
  snprintf (line, sizeof line, "{\"status\":\"%s\"}\n", c->id);
  api_job_reply_text (job, 200, "application/json", line);
  c->ok = true;
  return 0;
}

/* repo[:tag] (a tag parameter replaces repo's own), checked; NULL without repo. */
static int
import_ref (const char *repo, const char *tag, char **out, struct cd_err *err)
{
  struct img_ref ref;
  *out = NULL;
  if (repo == NULL || *repo == '\0')
    return 0;
  int r = img_ref_parse_name (repo, &ref, err);
  if (r < 0)
    return r;
  char *name = img_ref_repo_familiar (&ref);
  if (ref.digest)
    r = cd_err_set (err, EINVAL, "cannot import digest reference");
  else if (name == NULL
           || asprintf (out, "%s%s%s", name, (tag && *tag) || ref.tag ? ":" : "",
                        tag && *tag ? tag : ref.tag ? ref.tag : "") < 0)
    r = cd_err_set (err, ENOMEM, "out of memory");
  img_ref_free (&ref);
  free (name);
  if (r == 0 && (r = img_ref_parse (*out, &ref, err)) == 0)
    img_ref_free (&ref);
  return r;
}

static int
h_create (struct api_req *req)
{
  const char *image = api_query (req, "fromImage"), *src = api_query (req, "fromSrc");
  if (image && *image)
    return api_registry_pull (req, image);
  if (src == NULL || *src == '\0')
    return api_reply_error (req, 400, "fromImage or fromSrc must be given");
  if (strcmp (src, "-") != 0)
    return api_reply_error (req, 500, "importing from a URL is not implemented yet: %s", src);
  struct import_ctx *c = calloc (1, sizeof *c);
  if (c == NULL)
    return MHD_NO;
  c->d = req->d;
  c->changes = query_all (req, "changes");
  const char *msg = api_query (req, "message");
  c->message = msg ? strdup (msg) : NULL;
  struct cd_err err = { 0 };
  json_object *scratch = img_import_base_config ();
  int r = import_ref (api_query (req, "repo"), api_query (req, "tag"), &c->ref, &err);
  if (r == 0 && scratch == NULL)
    r = cd_err_set (&err, ENOMEM, "out of memory");
  if (r == 0)
    r = img_changes_apply (scratch, c->changes, &err); /* bad lines: 400 before the upload */
  json_object_put (scratch);
  if (r < 0)
    {
      import_ctx_free (c);
      return api_reply_err (req, &err);
    }
  return api_job_start_with_body (req, import_work, c, import_ctx_free);
}

const struct api_route api_image_io_routes[] = {
  { "GET", "/images/get", h_save_many, false },
  { "GET", "/images/{*}/get", h_save_one, false },
  { "POST", "/images/create", h_create, true },
  { NULL, NULL, NULL, false },
};
