/* POST /containers/{id}/pause, /unpause and /update (thread pool: the
 * freezer waits, cgroup writes may block while the kernel reclaims). */
#include <stdlib.h>
#include <string.h>

#include "api/job.h"
#include "api/router.h"
#include "daemon/ctr_resources.h"
#include "daemon/events.h"
#include "store/containers.h"

struct res_ctx
{
  char *ref;
  const char *action;   /* "pause", "unpause", "update" */
  json_object *body;
  char id[65];
};

static void
res_ctx_free (void *p)
{
  struct res_ctx *c = p;
  free (c->ref);
  json_object_put (c->body);
  free (c);
}

static int
res_work (struct api_job *job, int body_fd)
{
  struct res_ctx *c = job->ctx;
  (void) body_fd;
  int r;
  if (strcmp (c->action, "update") == 0)
    {
      json_object *warnings = NULL;
      r = ctr_update_sync (job->d, c->ref, c->body, &warnings, c->id, &job->err);
      if (r == 0)
        {
          json_object *o = json_object_new_object ();
          json_object_object_add (o, "Warnings", warnings);
          api_job_reply_json (job, 200, o);
        }
      else
        json_object_put (warnings);
      return r;
    }
  r = ctr_pause_sync (job->d, c->ref, strcmp (c->action, "pause") == 0, c->id, &job->err);
  if (r == 0)
    api_job_reply_text (job, 204, NULL, "");
  return r;
}

static void
res_after (struct api_job *job)
{
  struct res_ctx *c = job->ctx;
  if (job->err.code)
    return;
  json_object *attrs = json_object_new_object ();
  struct store_container sc;
  struct cd_err err;
  if (store_container_find (job->d->store, c->id, &sc, &err) == 0)
    {
      json_object_object_add (attrs, "name", json_object_new_string (sc.name));
      json_object_object_add (attrs, "image", json_object_new_string (sc.image_ref));
      store_container_clear (&sc);
    }
  ev_emit (job->d, "container", c->action, c->id, attrs);
  json_object_put (attrs);
}

static int
start (struct api_req *req, const char *action, json_object *body)
{
  struct res_ctx *c = calloc (1, sizeof *c);
  if (c == NULL || (c->ref = strdup (req->params[0])) == NULL)
    {
      free (c);
      json_object_put (body);
      return MHD_NO;
    }
  c->action = action;
  c->body = body;
  int r = api_job_start (req, res_work, c, res_ctx_free);
  if (req->data)
    ((struct api_job *) req->data)->after = res_after;
  return r;
}

static int
h_pause (struct api_req *req)
{
  return start (req, "pause", NULL);
}

static int
h_unpause (struct api_req *req)
{
  return start (req, "unpause", NULL);
}

static int
h_update (struct api_req *req)
{
  json_object *body;
  if (api_body_json (req, false, &body) < 0)
    return MHD_YES;
  return start (req, "update", body);
}

const struct api_route api_container_res_routes[] = {
  { "POST", "/containers/{}/pause", h_pause, false },
  { "POST", "/containers/{}/unpause", h_unpause, false },
  { "POST", "/containers/{}/update", h_update, false },
  { NULL, NULL, NULL, false },
};
