/* Volume endpoints: create, list, inspect, remove, prune. */
#include <stdlib.h>
#include <string.h>

#include "api/filters.h"
#include "api/job.h"
#include "api/router.h"
#include "daemon/events.h"
#include "daemon/volumes.h"

static json_object *
get (json_object *o, const char *k)
{
  json_object *v = NULL;
  if (o && json_object_is_type (o, json_type_object))
    json_object_object_get_ex (o, k, &v);
  return v;
}

static int
h_create (struct api_req *req)
{
  json_object *body;
  if (api_body_json (req, true, &body) < 0)
    return MHD_YES;
  struct cd_err err = { 0 };
  int r = 0;
  static const char *const strs[] = { "Name", "Driver", NULL };
  for (int i = 0; strs[i] && r == 0; i++)
    if (get (body, strs[i]) && !json_object_is_type (get (body, strs[i]), json_type_string))
      r = cd_err_set (&err, EINVAL, "invalid type for field %s: expected a string", strs[i]);
  char name[256];
  bool created;
  if (r == 0)
    {
      struct vol_create_in in = { .name = json_object_get_string (get (body, "Name")),
                                  .driver = json_object_get_string (get (body, "Driver")),
                                  .labels = get (body, "Labels"),
                                  .options = get (body, "DriverOpts") };
      r = vol_create (req->d, &in, name, sizeof name, &created, &err);
    }
  json_object_put (body);
  json_object *out = NULL;
  if (r == 0)
    r = vol_inspect_json (req->d, name, &out, &err);
  return r < 0 ? api_reply_err (req, &err) : api_reply_json (req, 201, out);
}

static const char *const vol_filters[] = { "dangling", "driver", "label", "label!", "name",
                                           NULL };

static int
h_list (struct api_req *req)
{
  json_object *filters, *out;
  if (api_filters (req, vol_filters, &filters) < 0)
    return MHD_YES;
  struct cd_err err = { 0 };
  int r = vol_list_json (req->d, filters, &out, &err);
  json_object_put (filters);
  return r < 0 ? api_reply_err (req, &err) : api_reply_json (req, 200, out);
}

static int
h_inspect (struct api_req *req)
{
  json_object *out;
  struct cd_err err = { 0 };
  if (vol_inspect_json (req->d, req->params[0], &out, &err) < 0)
    return api_reply_err (req, &err);
  return api_reply_json (req, 200, out);
}

struct rm_ctx
{
  char *name;
  bool force;
  json_object *filters;
};

static void
rm_ctx_free (void *p)
{
  struct rm_ctx *c = p;
  free (c->name);
  json_object_put (c->filters);
  free (c);
}

static int
rm_work (struct api_job *job, int body_fd)
{
  struct rm_ctx *c = job->ctx;
  (void) body_fd;
  int r = vol_remove (job->d, c->name, c->force, &job->err);
  if (r == 0)
    api_job_reply_text (job, 204, NULL, "");
  return r;
}

static int
h_remove (struct api_req *req)
{
  struct rm_ctx *c = calloc (1, sizeof *c);
  if (c == NULL || (c->name = strdup (req->params[0])) == NULL)
    {
      free (c);
      return MHD_NO;
    }
  c->force = api_query_bool (req, "force", false);
  return api_job_start (req, rm_work, c, rm_ctx_free);
}

static int
prune_work (struct api_job *job, int body_fd)
{
  struct rm_ctx *c = job->ctx;
  json_object *out;
  (void) body_fd;
  int r = vol_prune (job->d, c->filters, &out, &job->err);
  if (r == 0)
    api_job_reply_json (job, 200, out);
  return r;
}

static void
prune_after (struct api_job *job)
{
  if (job->err.code != 0)
    return;
  json_object *report = job->reply ? json_tokener_parse (job->reply) : NULL, *a;
  a = json_object_new_object ();
  json_object_object_add (a, "reclaimed", json_object_new_string (
                            json_object_get_string (get (report, "SpaceReclaimed"))));
  ev_emit (job->d, "volume", "prune", "", a);
  json_object_put (a);
  json_object_put (report);
}

static int
h_prune (struct api_req *req)
{
  static const char *const allowed[] = { "label", "label!", "all", NULL };
  json_object *filters;
  if (api_filters (req, allowed, &filters) < 0)
    return MHD_YES;
  struct rm_ctx *c = calloc (1, sizeof *c);
  if (c == NULL)
    {
      json_object_put (filters);
      return MHD_NO;
    }
  c->filters = filters;
  int r = api_job_start (req, prune_work, c, rm_ctx_free);
  if (req->data)
    ((struct api_job *) req->data)->after = prune_after;
  return r;
}

const struct api_route api_volume_routes[] = {
  { "POST", "/volumes/create", h_create, false },
  { "GET", "/volumes", h_list, false },
  { "POST", "/volumes/prune", h_prune, false },
  { "GET", "/volumes/{}", h_inspect, false },
  { "DELETE", "/volumes/{}", h_remove, false },
  { NULL, NULL, NULL, false },
};
