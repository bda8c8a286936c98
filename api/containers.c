/* Container endpoints of this slice: create, list, inspect, rename, remove. */
#include <stdlib.h>
#include <string.h>

#include "api/filters.h"
#include "api/job.h"
#include "api/router.h"
#include "daemon/containers.h"
#include "daemon/ctr_list_cache.h"
#include "daemon/ctr_run.h"
#include "daemon/ctr_events.h"
#include "daemon/events.h"
#include "store/containers.h"

static void
ctr_event (struct cd_daemon *d, const char *action, const char *id, json_object *extra)
{
  ctr_emit (d, action, id, extra);
}

struct create_ctx
{
  json_object *body;
  char *name;
  char id[65];
  json_object *extra; /* event attributes known only before removal */
};

static void
create_ctx_free (void *p)
{
  struct create_ctx *c = p;
  json_object_put (c->body);
  json_object_put (c->extra);
  free (c->name);
  free (c);
}

static int
create_work (struct api_job *job, int body_fd)
{
  struct create_ctx *c = job->ctx;
  json_object *warnings = NULL;
  (void) body_fd;
  int r = ctr_create (job->d, c->body, c->name, c->id, &warnings, &job->err);
  if (r < 0)
    return r;
  json_object *o = json_object_new_object ();
  json_object_object_add (o, "Id", json_object_new_string (c->id));
  json_object_object_add (o, "Warnings", warnings);
  api_job_reply_json (job, 201, o);
  return 0;
}

static void
create_after (struct api_job *job)
{
  struct create_ctx *c = job->ctx;
  if (job->err.code == 0)
    ctr_event (job->d, "create", c->id, NULL);
}

static int
h_create (struct api_req *req)
{
  json_object *body;
  if (api_body_json (req, false, &body) < 0)
    return MHD_YES;
  struct create_ctx *c = calloc (1, sizeof *c);
  if (c == NULL)
    {
      json_object_put (body);
      return MHD_NO;
    }
  c->body = body;
  const char *name = api_query (req, "name");
  c->name = name ? strdup (name) : NULL;
  int r = api_job_start (req, create_work, c, create_ctx_free);
  if (req->data)
    ((struct api_job *) req->data)->after = create_after;
  return r;
}

static const char *const ctr_filters[] = { "ancestor", "before", "exited", "health", "id", "label",
                                           "name", "network", "since", "status", "volume", NULL };

static int
h_list (struct api_req *req)
{
  json_object *filters;
  int64_t limit;
  if (api_query_int (req, "limit", -1, &limit) < 0 || api_filters (req, ctr_filters, &filters) < 0)
    return MHD_YES;
  struct cd_err err = { 0 };
  char *body = NULL;
  int r = ctr_list_text (req->d, api_query_bool (req, "all", false), limit, filters, &body, &err);
  json_object_put (filters);
  if (r < 0)
    return api_reply_err (req, &err);
  r = api_reply_text (req, 200, "application/json", body);
  free (body);
  return r;
}

static int
h_inspect (struct api_req *req)
{
  json_object *out;
  struct cd_err err = { 0 };
  if (ctr_inspect_json (req->d, req->params[0], &out, &err) < 0)
    return api_reply_err (req, &err);
  return api_reply_json (req, 200, out);
}

static int
h_rename (struct api_req *req)
{
  struct cd_err err = { 0 };
  struct store_container c;
  if (store_container_find (req->d->store, req->params[0], &c, &err) < 0)
    return api_reply_err (req, &err);
  const char *name = api_query (req, "name");
  int r = ctr_rename (req->d, c.id, name, &err);
  if (r == 0)
    {
      json_object *extra = json_object_new_object ();
      char old[300];
      snprintf (old, sizeof old, "/%s", c.name);
      json_object_object_add (extra, "oldName", json_object_new_string (old));
      ctr_event (req->d, "rename", c.id, extra);
      json_object_put (extra);
    }
  store_container_clear (&c);
  return r < 0 ? api_reply_err (req, &err) : api_reply_empty (req, 204);
}

struct rm_ctx
{
  char *ref;
  bool force;
  bool volumes;
  char id[65];
  json_object *attrs;
};

static void
rm_ctx_free (void *p)
{
  struct rm_ctx *c = p;
  free (c->ref);
  json_object_put (c->attrs);
  free (c);
}

static int
rm_work (struct api_job *job, int body_fd)
{
  struct rm_ctx *c = job->ctx;
  (void) body_fd;
  if (c->force)
    {
      /* rm -f of a running container: kill it first (stop with no grace) */
      int sr = ctr_stop_sync (job->d, c->ref, 0, &job->err);
      if (sr < 0 && sr != -EALREADY)
        return sr;
      cd_err_clear (&job->err);
    }
  int r = ctr_remove_v (job->d, c->ref, c->force, c->volumes, c->id, &job->err);
  if (r == 0)
    api_job_reply_text (job, 204, NULL, "");
  return r;
}

static void
rm_after (struct api_job *job)
{
  struct rm_ctx *c = job->ctx;
  if (job->err.code == 0)
    {
      ev_emit (job->d, "container", "destroy", c->id, c->attrs);
      ctr_removed (job->d, c->id, 0);
    }
}

static int
h_remove (struct api_req *req)
{
  struct cd_err err = { 0 };
  struct store_container sc;
  if (store_container_find (req->d->store, req->params[0], &sc, &err) < 0)
    return api_reply_err (req, &err);
  struct rm_ctx *c = calloc (1, sizeof *c);
  if (c == NULL)
    {
      store_container_clear (&sc);
      return MHD_NO;
    }
  c->ref = strdup (sc.id);
  c->force = api_query_bool (req, "force", false);
  c->volumes = api_query_bool (req, "v", false);
  c->attrs = json_object_new_object ();
  json_object_object_add (c->attrs, "name", json_object_new_string (sc.name));
  json_object_object_add (c->attrs, "image", json_object_new_string (sc.image_ref));
  store_container_clear (&sc);
  int r = api_job_start (req, rm_work, c, rm_ctx_free);
  if (req->data)
    ((struct api_job *) req->data)->after = rm_after;
  return r;
}

const struct api_route api_container_routes[] = {
  { "POST", "/containers/create", h_create, false },
  { "GET", "/containers/json", h_list, false },
  { "GET", "/containers/{}/json", h_inspect, false },
  { "POST", "/containers/{}/rename", h_rename, false },
  { "DELETE", "/containers/{}", h_remove, false },
  { NULL, NULL, NULL, false },
};
