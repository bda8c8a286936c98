/* Docker-shaped JSON of containers: GET /containers/{id}/json and
 * GET /containers/json. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cleanup.h"
#include "daemon/containers.h"
#include "daemon/ctr_spec.h"
#include "daemon/vol_ctr.h"
#include "images/ctrlayer.h"
#include "images/images.h"
#include "store/containers.h"

static json_object *
get (json_object *o, const char *k)
{
  json_object *v = NULL;
  if (o)
    json_object_object_get_ex (o, k, &v);
  return v;
}

static void
add_str (json_object *o, const char *k, const char *v)
{
  json_object_object_add (o, k, json_object_new_string (v ? v : ""));
}

/* RFC3339 with nanoseconds, UTC, as Go prints time.Time. */
static void
rfc3339 (int64_t nanos, char *buf, size_t len)
{
  time_t s = (time_t) (nanos / 1000000000);
  struct tm tm;
  gmtime_r (&s, &tm);
  char base[32];
  strftime (base, sizeof base, "%Y-%m-%dT%H:%M:%S", &tm);
  snprintf (buf, len, "%s.%09lldZ", base, (long long) (nanos % 1000000000));
}

static json_object *
graph_driver (struct cd_daemon *d, const char *id)
{
  json_object *gd = json_object_new_object (), *data = json_object_new_object ();
  struct img_ctr_dirs dirs;
  struct cd_err err;
  if (img_ctr_layer_dirs (d->images, id, &dirs, &err) == 0)
    {
      add_str (data, "LowerDir", dirs.lowerdir);
      add_str (data, "MergedDir", dirs.merged);
      add_str (data, "UpperDir", dirs.upperdir);
      add_str (data, "WorkDir", dirs.workdir);
      img_ctr_dirs_free (&dirs);
    }
  json_object_object_add (gd, "Data", data);
  add_str (gd, "Name", "overlay2");
  return gd;
}

static json_object *
state_view (const struct store_container *c, json_object *st)
{
  json_object *s = json_object_new_object ();
  add_str (s, "Status", c->state);
  json_object_object_add (s, "Running", json_object_new_boolean (strcmp (c->state, "running") == 0
                                                                 || strcmp (c->state, "paused") == 0));
  json_object_object_add (s, "Paused", json_object_new_boolean (strcmp (c->state, "paused") == 0));
  json_object_object_add (s, "Restarting",
                          json_object_new_boolean (strcmp (c->state, "restarting") == 0));
  json_object_object_add (s, "OOMKilled", json_object_new_boolean (json_object_get_boolean (get (st, "OOMKilled"))));
  json_object_object_add (s, "Dead", json_object_new_boolean (strcmp (c->state, "dead") == 0));
  json_object_object_add (s, "Pid", json_object_new_int (json_object_get_int (get (st, "Pid"))));
  json_object_object_add (s, "ExitCode", json_object_new_int (json_object_get_int (get (st, "ExitCode"))));
  add_str (s, "Error", json_object_get_string (get (st, "Error")));
  add_str (s, "StartedAt", json_object_get_string (get (st, "StartedAt")));
  add_str (s, "FinishedAt", json_object_get_string (get (st, "FinishedAt")));
  return s;
}

static void
add_paths (struct cd_daemon *d, json_object *o, const char *id)
{
  char p[4200];
  snprintf (p, sizeof p, "%s/containers/%s/resolv.conf", d->cfg.root, id);
  add_str (o, "ResolvConfPath", p);
  snprintf (p, sizeof p, "%s/containers/%s/hostname", d->cfg.root, id);
  add_str (o, "HostnamePath", p);
  snprintf (p, sizeof p, "%s/containers/%s/hosts", d->cfg.root, id);
  add_str (o, "HostsPath", p);
  snprintf (p, sizeof p, "%s/containers/%s/%s-json.log", d->cfg.root, id, id);
  add_str (o, "LogPath", p);
}

static json_object *
inspect_one (struct cd_daemon *d, const struct store_container *c)
{
  json_object *cfg = json_tokener_parse (c->config), *hc = json_tokener_parse (c->host_config);
  json_object *st = json_tokener_parse (c->state_json);
  json_object *o = json_object_new_object ();
  char created[64], name[300];
  rfc3339 (c->created, created, sizeof created);
  add_str (o, "Id", c->id);
  add_str (o, "Created", created);
  json_object *argv = ctr_spec_argv (cfg);
  add_str (o, "Path", argv ? json_object_get_string (json_object_array_get_idx (argv, 0)) : "");
  json_object *args = json_object_new_array ();
  for (size_t i = 1; argv && i < json_object_array_length (argv); i++)
    json_object_array_add (args, json_object_get (json_object_array_get_idx (argv, i)));
  json_object_put (argv);
  json_object_object_add (o, "Args", args);
  json_object_object_add (o, "State", state_view (c, st));
  add_str (o, "Image", c->image_id);
  add_paths (d, o, c->id);
  snprintf (name, sizeof name, "/%s", c->name);
  add_str (o, "Name", name);
  json_object_object_add (o, "RestartCount", json_object_new_int (c->restart_count));
  add_str (o, "Driver", "overlay2");
  add_str (o, "Platform", "linux");
  add_str (o, "MountLabel", "");
  add_str (o, "ProcessLabel", "");
  add_str (o, "AppArmorProfile", "");
  json_object_object_add (o, "ExecIDs", NULL);
  json_object_object_add (o, "HostConfig", hc);
  json_object_object_add (o, "GraphDriver", graph_driver (d, c->id));
  json_object_object_add (o, "Mounts", vol_ctr_mounts_view (d, c->id));
  json_object_object_add (o, "Config", cfg);
  json_object *ns = json_object_new_object ();
  json_object_object_add (ns, "Networks", json_object_new_object ());
  json_object_object_add (o, "NetworkSettings", ns);
  json_object_put (st);
  return o;
}

int
ctr_inspect_json (struct cd_daemon *d, const char *ref, json_object **out, struct cd_err *err)
{
  struct store_container c;
  int r = store_container_find (d->store, ref, &c, err);
  if (r < 0)
    return r;
  *out = inspect_one (d, &c);
  store_container_clear (&c);
  return 0;
}

/* Docker's go-units HumanDuration. */
static void
human_duration (int64_t secs, char *buf, size_t len)
{
  if (secs < 1)
    snprintf (buf, len, "Less than a second");
  else if (secs == 1)
    snprintf (buf, len, "1 second");
  else if (secs < 60)
    snprintf (buf, len, "%lld seconds", (long long) secs);
  else if (secs / 60 == 1)
    snprintf (buf, len, "About a minute");
  else if (secs < 3600)
    snprintf (buf, len, "%lld minutes", (long long) secs / 60);
  else if ((secs + 1800) / 3600 == 1)
    snprintf (buf, len, "About an hour");
  else if (secs < 48 * 3600)
    snprintf (buf, len, "%lld hours", (long long) (secs + 1800) / 3600);
  else if (secs < 7 * 24 * 3600 * 2)
    snprintf (buf, len, "%lld days", (long long) secs / 86400);
  else if (secs < 30 * 24 * 3600 * 3)
    snprintf (buf, len, "%lld weeks", (long long) secs / (7 * 86400));
  else if (secs < 365 * 24 * 3600 * 2)
    snprintf (buf, len, "%lld months", (long long) secs / (30 * 86400));
  else
    snprintf (buf, len, "%lld years", (long long) secs / (365 * 86400));
}

static int64_t
parse_rfc3339 (const char *s)
{
  struct tm tm = { 0 };
  if (s == NULL || strptime (s, "%Y-%m-%dT%H:%M:%S", &tm) == NULL || tm.tm_year < 70)
    return 0;
  return (int64_t) timegm (&tm);
}

static void
status_text (const struct store_container *c, json_object *st, char *buf, size_t len)
{
  char dur[64];
  int64_t now = time (NULL);
  if (strcmp (c->state, "running") == 0 || strcmp (c->state, "paused") == 0)
    {
      human_duration (now - parse_rfc3339 (json_object_get_string (get (st, "StartedAt"))), dur,
                      sizeof dur);
      snprintf (buf, len, "Up %s%s", dur, strcmp (c->state, "paused") == 0 ? " (Paused)" : "");
    }
  else if (strcmp (c->state, "exited") == 0)
    {
      human_duration (now - parse_rfc3339 (json_object_get_string (get (st, "FinishedAt"))), dur,
                      sizeof dur);
      snprintf (buf, len, "Exited (%d) %s ago", json_object_get_int (get (st, "ExitCode")), dur);
    }
  else if (strcmp (c->state, "restarting") == 0)
    snprintf (buf, len, "Restarting (%d)", json_object_get_int (get (st, "ExitCode")));
  else
    snprintf (buf, len, "%s", strcmp (c->state, "created") == 0 ? "Created" : c->state);
}

struct list_ctx
{
  struct cd_daemon *d;
  bool all;
  int64_t limit;
  json_object *filters, *out;
};

static bool
any_match (json_object *filters, const char *key, bool (*pred) (const char *want, void *arg),
           void *arg)
{
  json_object *set = get (filters, key);
  if (set == NULL)
    return true;
  json_object_object_foreach (set, want, on)
    {
      (void) on;
      if (pred (want, arg))
        return true;
    }
  return false;
}

static bool
pred_id (const char *want, void *arg)
{
  return strncmp (((const struct store_container *) arg)->id, want, strlen (want)) == 0;
}

static bool
pred_name (const char *want, void *arg)
{
  const char *w = want[0] == '/' ? want + 1 : want;
  return strstr (((const struct store_container *) arg)->name, w) != NULL;
}

static bool
pred_status (const char *want, void *arg)
{
  return strcmp (((const struct store_container *) arg)->state, want) == 0;
}

static bool
pred_exited (const char *want, void *arg)
{
  return atoi (want) == *(int *) arg;
}

static bool
pred_label (const char *want, void *arg)
{
  json_object *labels = arg;
  const char *eq = strchr (want, '=');
  char key[256];
  snprintf (key, sizeof key, "%.*s", eq ? (int) (eq - want) : (int) strlen (want), want);
  json_object *v = get (labels, key);
  return v && (eq == NULL || strcmp (json_object_get_string (v), eq + 1) == 0);
}

static bool
pred_ancestor (const char *want, void *arg)
{
  struct list_ctx *lc = ((void **) arg)[0];
  const struct store_container *c = ((void **) arg)[1];
  char id[CD_DIGEST_LEN];
  struct cd_err err;
  return img_resolve (lc->d->images, want, id, &err) == 0 && strcmp (id, c->image_id) == 0;
}

static bool
all_labels_match (json_object *filters, json_object *labels)
{
  json_object *set = get (filters, "label");
  if (set == NULL)
    return true;
  json_object_object_foreach (set, want, on)
    {
      (void) on;
      if (!pred_label (want, labels))
        return false;
    }
  return true;
}

static bool
keep (struct list_ctx *lc, const struct store_container *c, json_object *cfg, json_object *st)
{
  bool running = strcmp (c->state, "running") == 0 || strcmp (c->state, "paused") == 0
                 || strcmp (c->state, "restarting") == 0;
  if (!lc->all && !running && get (lc->filters, "status") == NULL)
    return false;
  int code = json_object_get_int (get (st, "ExitCode"));
  void *anc[2] = { lc, (void *) c };
  return any_match (lc->filters, "id", pred_id, (void *) c)
         && any_match (lc->filters, "name", pred_name, (void *) c)
         && any_match (lc->filters, "status", pred_status, (void *) c)
         && (get (lc->filters, "exited") == NULL
             || (strcmp (c->state, "exited") == 0
                 && any_match (lc->filters, "exited", pred_exited, &code)))
         && all_labels_match (lc->filters, get (cfg, "Labels"))
         && any_match (lc->filters, "ancestor", pred_ancestor, anc);
}

static json_object *
summary (const struct store_container *c, json_object *cfg, json_object *st, json_object *hc)
{
  json_object *o = json_object_new_object (), *names = json_object_new_array ();
  char name[300], status[128], cmd[4096] = "";
  snprintf (name, sizeof name, "/%s", c->name);
  json_object_array_add (names, json_object_new_string (name));
  add_str (o, "Id", c->id);
  json_object_object_add (o, "Names", names);
  add_str (o, "Image", c->image_ref);
  add_str (o, "ImageID", c->image_id);
  json_object *argv = ctr_spec_argv (cfg);
  size_t n = 0;
  for (size_t i = 0; argv && i < json_object_array_length (argv) && n < sizeof cmd - 1; i++)
    n += (size_t) snprintf (cmd + n, sizeof cmd - n, "%s%s", i ? " " : "",
                            json_object_get_string (json_object_array_get_idx (argv, i)));
  json_object_put (argv);
  add_str (o, "Command", cmd);
  json_object_object_add (o, "Created", json_object_new_int64 (c->created / 1000000000));
  json_object_object_add (o, "Ports", json_object_new_array ());
  json_object_object_add (o, "Labels", json_object_get (get (cfg, "Labels")));
  add_str (o, "State", c->state);
  status_text (c, st, status, sizeof status);
  add_str (o, "Status", status);
  json_object *hco = json_object_new_object ();
  add_str (hco, "NetworkMode", json_object_get_string (get (hc, "NetworkMode")));
  json_object_object_add (o, "HostConfig", hco);
  json_object *ns = json_object_new_object ();
  json_object_object_add (ns, "Networks", json_object_new_object ());
  json_object_object_add (o, "NetworkSettings", ns);
  json_object_object_add (o, "Mounts", json_object_new_array ());
  return o;
}

static int
list_one (const struct store_container *c, void *vctx)
{
  struct list_ctx *lc = vctx;
  if (lc->limit > 0 && (int64_t) json_object_array_length (lc->out) >= lc->limit)
    return 0;
  json_object *cfg = json_tokener_parse (c->config), *st = json_tokener_parse (c->state_json);
  json_object *hc = json_tokener_parse (c->host_config);
  if (keep (lc, c, cfg, st))
    json_object_array_add (lc->out, summary (c, cfg, st, hc));
  json_object_put (cfg);
  json_object_put (st);
  json_object_put (hc);
  return 0;
}

int
ctr_list_json (struct cd_daemon *d, bool all, int64_t limit, json_object *filters,
               json_object **out, struct cd_err *err)
{
  struct list_ctx lc = { .d = d, .all = all || limit > 0, .limit = limit, .filters = filters };
  lc.out = json_object_new_array ();
  int r = store_containers_each (d->store, list_one, &lc, err);
  if (r < 0)
    {
      json_object_put (lc.out);
      return r;
    }
  *out = lc.out;
  return 0;
}
