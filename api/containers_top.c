/* GET /containers/{id}/top and POST /containers/prune. Both run on the
 * thread pool (ps, the cgroup files and removals block). */
#include <stdlib.h>
#include <string.h>

#include "api/filters.h"
#include "api/job.h"
#include "api/router.h"
#include "daemon/ctr_run.h"
#include "daemon/ctr_top.h"
#include "daemon/events.h"
#include "store/containers.h"

/* ---- top ---- */

struct top_ctx
{
  char *ref, *ps_args;
  char id[65];
  json_object *attrs; /* of the "top" event */
};

static void
top_ctx_free (void *p)
{
  struct top_ctx *c = p;
  free (c->ref);
  free (c->ps_args);
  json_object_put (c->attrs);
  free (c);
}

/* name, image and labels: what every container event carries. */
static json_object *
event_attrs (struct cd_daemon *d, const char *id)
{
  json_object *attrs = json_object_new_object ();
  struct store_container c;
  struct cd_err err;
  if (store_container_find (d->store, id, &c, &err) < 0)
    return attrs;
  json_object_object_add (attrs, "name", json_object_new_string (c.name));
  json_object_object_add (attrs, "image", json_object_new_string (c.image_ref));
  json_object *cfg = json_tokener_parse (c.config), *labels;
  if (json_object_object_get_ex (cfg, "Labels", &labels)
      && json_object_is_type (labels, json_type_object))
    {
      json_object_object_foreach (labels, k, v)
        json_object_object_add (attrs, k, json_object_get (v));
    }
  json_object_put (cfg);
  store_container_clear (&c);
  return attrs;
}

static int
top_work (struct api_job *job, int body_fd)
{
  struct top_ctx *c = job->ctx;
  json_object *out;
  (void) body_fd;
  int r = ctr_top (job->d, c->ref, c->ps_args, c->id, &out, &job->err);
  if (r < 0)
    return r;
  c->attrs = event_attrs (job->d, c->id);
  api_job_reply_json (job, 200, out);
  return 0;
}

static void
top_after (struct api_job *job)
{
  struct top_ctx *c = job->ctx;
  if (job->err.code == 0)
    ev_emit (job->d, "container", "top", c->id, c->attrs);
}

static int
h_top (struct api_req *req)
{
  struct top_ctx *c = calloc (1, sizeof *c);
  if (c == NULL)
    return MHD_NO;
  const char *ps_args = api_query (req, "ps_args");
  c->ref = strdup (req->params[0]);
  c->ps_args = strdup (ps_args ? ps_args : "");
  if (c->ref == NULL || c->ps_args == NULL)
    {
      top_ctx_free (c);
      return MHD_NO;
    }
  int r = api_job_start (req, top_work, c, top_ctx_free);
  if (req->data)
    ((struct api_job *) req->data)->after = top_after;
  return r;
}

/* ---- prune ---- */

struct prune_ctx
{
  json_object *filters;
  struct ctr_pruned *gone;
  size_t n;
  int64_t reclaimed;
};

static void
prune_ctx_free (void *p)
{
  struct prune_ctx *c = p;
  json_object_put (c->filters);
  ctr_pruned_free (c->gone, c->n);
  free (c);
}

static int
prune_work (struct api_job *job, int body_fd)
{
  struct prune_ctx *c = job->ctx;
  (void) body_fd;
  int r = ctr_prune (job->d, c->filters, &c->gone, &c->n, &c->reclaimed, &job->err);
  if (r < 0)
    return r;
  json_object *ids = NULL;
  for (size_t i = 0; i < c->n; i++)
    {
      if (ids == NULL)
        ids = json_object_new_array ();
      json_object_array_add (ids, json_object_new_string (c->gone[i].id));
    }
  json_object *o = json_object_new_object ();
  json_object_object_add (o, "ContainersDeleted", ids);
  json_object_object_add (o, "SpaceReclaimed", json_object_new_int64 (c->reclaimed));
  api_job_reply_json (job, 200, o);
  return 0;
}

static void
prune_after (struct api_job *job)
{
  struct prune_ctx *c = job->ctx;
  if (job->err.code)
    return;
  for (size_t i = 0; i < c->n; i++)
    {
      ev_emit (job->d, "container", "destroy", c->gone[i].id, c->gone[i].attrs);
      ctr_removed (job->d, c->gone[i].id, c->gone[i].exit_code);
    }
  char n[32];
  snprintf (n, sizeof n, "%lld", (long long) c->reclaimed);
  json_object *attrs = json_object_new_object ();
  json_object_object_add (attrs, "reclaimed", json_object_new_string (n));
  ev_emit (job->d, "container", "prune", "", attrs);
  json_object_put (attrs);
}

static const char *const prune_filters[] = { "label", "label!", "until", NULL };

static int
h_prune (struct api_req *req)
{
  struct prune_ctx *c = calloc (1, sizeof *c);
  if (c == NULL)
    return MHD_NO;
  if (api_filters (req, prune_filters, &c->filters) < 0)
    {
      free (c);
      return MHD_YES;
    }
  int r = api_job_start (req, prune_work, c, prune_ctx_free);
  if (req->data)
    ((struct api_job *) req->data)->after = prune_after;
  return r;
}

const struct api_route api_container_top_routes[] = {
  { "GET", "/containers/{}/top", h_top, false },
  { "POST", "/containers/prune", h_prune, false },
  { NULL, NULL, NULL, false },
};
