/* System endpoints: /_ping, /version, /info, /events. */
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "api/filters.h"
#include "api/http.h"
#include "api/router.h"
#include "api/server.h"
#include "daemon/events.h"
#include "log.h"
#include "sysinfo.h"

static int
h_ping (struct api_req *req)
{
  struct MHD_Response *resp = MHD_create_response_from_buffer (2, (void *) "OK",
                                                               MHD_RESPMEM_PERSISTENT);
  if (resp == NULL)
    return MHD_NO;
  MHD_add_response_header (resp, "Content-Type", "text/plain; charset=utf-8");
  MHD_add_response_header (resp, "Cache-Control", "no-cache, no-store, must-revalidate");
  MHD_add_response_header (resp, "Pragma", "no-cache");
  MHD_add_response_header (resp, "Builder-Version", "1");
  return api_reply (req, 200, resp);
}

static void
add_str (json_object *o, const char *k, const char *v)
{
  json_object_object_add (o, k, json_object_new_string (v ? v : ""));
}

static int
h_version (struct api_req *req)
{
  struct utsname u;
  uname (&u);
  const char *arch = cd_go_arch (u.machine);
  json_object *details = json_object_new_object ();
  add_str (details, "ApiVersion", CD_API_VERSION);
  add_str (details, "Arch", arch);
  add_str (details, "BuildTime", __DATE__ " " __TIME__);
  add_str (details, "Experimental", "false");
  add_str (details, "GitCommit", "cdaemon");
  add_str (details, "GoVersion", "n/a (C)");
  add_str (details, "KernelVersion", u.release);
  add_str (details, "MinAPIVersion", CD_API_MIN_VERSION);
  add_str (details, "Os", "linux");
  json_object *engine = json_object_new_object ();
  add_str (engine, "Name", "Engine");
  add_str (engine, "Version", CD_VERSION);
  json_object_object_add (engine, "Details", details);
  json_object *components = json_object_new_array ();
  json_object_array_add (components, engine);
  json_object *platform = json_object_new_object ();
  add_str (platform, "Name", "cdaemon");
  json_object *o = json_object_new_object ();
  json_object_object_add (o, "Platform", platform);
  json_object_object_add (o, "Components", components);
  add_str (o, "Version", CD_VERSION);
  add_str (o, "ApiVersion", CD_API_VERSION);
  add_str (o, "MinAPIVersion", CD_API_MIN_VERSION);
  add_str (o, "GitCommit", "cdaemon");
  add_str (o, "GoVersion", "n/a (C)");
  add_str (o, "Os", "linux");
  add_str (o, "Arch", arch);
  add_str (o, "KernelVersion", u.release);
  add_str (o, "BuildTime", __DATE__ " " __TIME__);
  return api_reply_json (req, 200, o);
}

static json_object *
strings (const char *const *v)
{
  json_object *a = json_object_new_array ();
  for (; *v; v++)
    json_object_array_add (a, json_object_new_string (*v));
  return a;
}

static json_object *
info_plugins (void)
{
  static const char *const vol[] = { "local", NULL };
  static const char *const net[] = { "bridge", "host", "none", NULL };
  static const char *const log[] = { "json-file", NULL };
  json_object *p = json_object_new_object ();
  json_object_object_add (p, "Volume", strings (vol));
  json_object_object_add (p, "Network", strings (net));
  json_object_object_add (p, "Authorization", NULL);
  json_object_object_add (p, "Log", strings (log));
  return p;
}

static json_object *
info_registry (void)
{
  static const char *const insecure[] = { "127.0.0.0/8", NULL };
  static const char *const none[] = { NULL };
  json_object *r = json_object_new_object ();
  json_object_object_add (r, "AllowNondistributableArtifactsCIDRs", strings (none));
  json_object_object_add (r, "AllowNondistributableArtifactsHostnames", strings (none));
  json_object_object_add (r, "InsecureRegistryCIDRs", strings (insecure));
  json_object_object_add (r, "IndexConfigs", json_object_new_object ());
  json_object_object_add (r, "Mirrors", strings (none));
  return r;
}

static json_object *
info_swarm (void)
{
  json_object *s = json_object_new_object ();
  add_str (s, "NodeID", "");
  add_str (s, "NodeAddr", "");
  add_str (s, "LocalNodeState", "inactive");
  json_object_object_add (s, "ControlAvailable", json_object_new_boolean (0));
  add_str (s, "Error", "");
  json_object_object_add (s, "RemoteManagers", NULL);
  return s;
}

static json_object *
commit (void)
{
  json_object *c = json_object_new_object ();
  add_str (c, "ID", "");
  add_str (c, "Expected", "");
  return c;
}

static void
add_bool (json_object *o, const char *k, int v)
{
  json_object_object_add (o, k, json_object_new_boolean (v));
}

static void
info_host (json_object *o, struct cd_daemon *d)
{
  struct utsname u;
  uname (&u);
  char os[256], osver[64], host[256] = "";
  cd_os_name (os, sizeof os);
  cd_os_version (osver, sizeof osver);
  gethostname (host, sizeof host - 1);
  add_str (o, "KernelVersion", u.release);
  add_str (o, "OperatingSystem", os);
  add_str (o, "OSVersion", osver);
  add_str (o, "OSType", "linux");
  add_str (o, "Architecture", u.machine);
  json_object_object_add (o, "NCPU", json_object_new_int ((int) sysconf (_SC_NPROCESSORS_ONLN)));
  json_object_object_add (o, "MemTotal", json_object_new_int64 (cd_mem_total ()));
  add_str (o, "Name", host);
  add_str (o, "DockerRootDir", d->cfg.root);
  add_str (o, "CgroupDriver", "cgroupfs");
  add_str (o, "CgroupVersion", cd_cgroup_version () == 2 ? "2" : "1");
}

static void
info_features (json_object *o)
{
  add_bool (o, "MemoryLimit", 1);
  add_bool (o, "SwapLimit", access ("/sys/fs/cgroup/memory/memory.memsw.limit_in_bytes", F_OK) == 0);
  add_bool (o, "KernelMemory", 0);
  add_bool (o, "KernelMemoryTCP", 0);
  add_bool (o, "CpuCfsPeriod", 1);
  add_bool (o, "CpuCfsQuota", 1);
  add_bool (o, "CPUShares", 1);
  add_bool (o, "CPUSet", 1);
  add_bool (o, "PidsLimit", 1);
  add_bool (o, "IPv4Forwarding", 1);
  add_bool (o, "BridgeNfIptables", 0);
  add_bool (o, "BridgeNfIp6tables", 0);
  add_bool (o, "OomKillDisable", 1);
  add_bool (o, "ExperimentalBuild", 0);
  add_bool (o, "LiveRestoreEnabled", 1);
}

static int
h_info (struct api_req *req)
{
  struct cd_daemon *d = req->d;
  struct store_counts c;
  struct cd_err err = { 0 };
  if (store_counts (d->store, &c, &err) < 0)
    return api_reply_err (req, &err);
  json_object *o = json_object_new_object ();
  add_str (o, "ID", d->id);
  json_object_object_add (o, "Containers", json_object_new_int (c.containers));
  json_object_object_add (o, "ContainersRunning", json_object_new_int (c.running));
  json_object_object_add (o, "ContainersPaused", json_object_new_int (c.paused));
  json_object_object_add (o, "ContainersStopped", json_object_new_int (c.stopped));
  json_object_object_add (o, "Images", json_object_new_int (c.images));
  add_str (o, "Driver", "overlay2");
  json_object *ds = json_object_new_array ();
  json_object *bf = json_object_new_array ();
  json_object_array_add (bf, json_object_new_string ("Backing Filesystem"));
  json_object_array_add (bf, json_object_new_string ("extfs"));
  json_object_array_add (ds, bf);
  json_object_object_add (o, "DriverStatus", ds);
  json_object_object_add (o, "Plugins", info_plugins ());
  info_features (o);
  add_bool (o, "Debug", cd_log_get_level () >= CD_LOG_DEBUG);
  json_object_object_add (o, "NFd", json_object_new_int (cd_count_fds ()));
  json_object_object_add (o, "NGoroutines", json_object_new_int (1));
  char now[40];
  time_t t = time (NULL);
  strftime (now, sizeof now, "%Y-%m-%dT%H:%M:%SZ", gmtime (&t));
  add_str (o, "SystemTime", now);
  add_str (o, "LoggingDriver", "json-file");
  json_object_object_add (o, "NEventsListener", json_object_new_int (0));
  info_host (o, d);
  add_str (o, "IndexServerAddress", "https://index.docker.io/v1/");
  json_object_object_add (o, "RegistryConfig", info_registry ());
  json_object_object_add (o, "GenericResources", NULL);
  add_str (o, "HttpProxy", "");
  add_str (o, "HttpsProxy", "");
  add_str (o, "NoProxy", "");
  json_object_object_add (o, "Labels", json_object_new_array ());
  add_str (o, "ServerVersion", CD_VERSION);
  json_object *rt = json_object_new_object ();
  json_object *cdmon = json_object_new_object ();
  add_str (cdmon, "path", "cdmon");
  json_object_object_add (rt, "cdaemon", cdmon);
  json_object_object_add (o, "Runtimes", rt);
  add_str (o, "DefaultRuntime", "cdaemon");
  json_object_object_add (o, "Swarm", info_swarm ());
  add_str (o, "Isolation", "");
  add_str (o, "InitBinary", "cdinit");
  json_object_object_add (o, "ContainerdCommit", commit ());
  json_object_object_add (o, "RuncCommit", commit ());
  json_object_object_add (o, "InitCommit", commit ());
  static const char *const sec[] = { "name=seccomp,profile=builtin", NULL };
  json_object_object_add (o, "SecurityOptions", strings (sec));
  json_object_object_add (o, "Warnings", NULL);
  return api_reply_json (req, 200, o);
}

/* Docker timestamps: "1700000000" or "1700000000.123456789" (seconds[.nanos]). */
static int
parse_ts (const char *s, int64_t *out)
{
  char *end;
  errno = 0;
  long long sec = strtoll (s, &end, 10);
  if (errno || end == s || sec < 0)
    return -EINVAL;
  int64_t nanos = 0;
  if (*end == '.')
    {
      const char *p = end + 1;
      int digits = 0;
      for (; *p >= '0' && *p <= '9' && digits < 9; p++, digits++)
        nanos = nanos * 10 + (*p - '0');
      for (; digits < 9; digits++)
        nanos *= 10;
      while (*p >= '0' && *p <= '9')
        p++;
      end = (char *) p;
    }
  if (*end != '\0')
    return -EINVAL;
  *out = (int64_t) sec * 1000000000 + nanos;
  return 0;
}

struct ev_stream
{
  struct api_server *srv;
  struct MHD_Connection *conn;
  struct ev_sub *sub;
  bool suspended;
  uv_timer_t until_timer;
  bool has_timer;
  int64_t until;
};

static void
ev_stream_wake (struct ev_sub *sub, void *ctx)
{
  struct ev_stream *es = ctx;
  (void) sub;
  if (es->suspended)
    {
      es->suspended = false;
      MHD_resume_connection (es->conn);
      api_server_kick (es->srv);
    }
}

static void
on_until (uv_timer_t *t)
{
  struct ev_stream *es = t->data;
  /* Timers run on the loop's cached clock and may fire a little early:
   * re-arm until the deadline has really passed, then end the stream. */
  int64_t left = es->until - cd_now_nano ();
  if (left >= 0)
    {
      uv_timer_start (t, on_until, (uint64_t) (left / 1000000) + 1, 0);
      return;
    }
  ev_stream_wake (es->sub, es);
}

static ssize_t
ev_stream_read (void *cls, uint64_t pos, char *buf, size_t max)
{
  struct ev_stream *es = cls;
  (void) pos;
  ssize_t n = ev_sub_read (es->sub, buf, max);
  if (n > 0)
    return n;
  if (n < 0)
    return MHD_CONTENT_READER_END_OF_STREAM;
  /* Nothing yet: park the connection until ev_emit wakes it. */
  es->suspended = true;
  MHD_suspend_connection (es->conn);
  return 0;
}

static void
free_after_close (uv_handle_t *h)
{
  free (h->data);
}

static void
ev_stream_free (void *cls)
{
  struct ev_stream *es = cls;
  ev_unsubscribe (es->sub);
  if (es->has_timer)
    uv_close ((uv_handle_t *) &es->until_timer, free_after_close);
  else
    free (es);
}

static const char *const event_filters[] = {
  "config", "container", "daemon", "event", "image", "label", "network", "node",
  "plugin", "scope", "secret", "service", "type", "volume", NULL,
};

static int
events_range (struct api_req *req, int64_t *since, int64_t *until)
{
  const char *s = api_query (req, "since"), *u = api_query (req, "until");
  *since = -1;
  *until = -1;
  const char *bad = NULL;
  if (s && *s && parse_ts (s, since) < 0)
    bad = "since";
  else if (u && *u && parse_ts (u, until) < 0)
    bad = "until";
  if (bad)
    {
      api_reply_error (req, 400, "invalid value for %s: %s (want unix seconds[.nanos])", bad,
                       bad[0] == 's' ? s : u);
      return -EINVAL;
    }
  if (*since < 0 && *until >= 0)
    *since = 0; /* Docker replays history when only until is given */
  return 0;
}

static int
h_events (struct api_req *req)
{
  int64_t since, until;
  json_object *filters;
  if (events_range (req, &since, &until) < 0 || api_filters (req, event_filters, &filters) < 0)
    return MHD_YES;
  struct ev_stream *es = calloc (1, sizeof *es);
  if (es == NULL)
    return MHD_NO;
  es->conn = req->conn;
  es->srv = req->d->api;
  struct cd_err err = { 0 };
  int r = ev_subscribe (req->d, filters, since, until, ev_stream_wake, es, &es->sub, &err);
  json_object_put (filters);
  if (r < 0)
    {
      free (es);
      return api_reply_err (req, &err);
    }
  int64_t now = cd_now_nano ();
  if (until > now)
    {
      uv_timer_init (req->d->loop, &es->until_timer);
      es->until_timer.data = es;
      es->until = until;
      es->has_timer = true;
      uv_timer_start (&es->until_timer, on_until, (uint64_t) ((until - now) / 1000000) + 1, 0);
    }
  struct MHD_Response *resp = MHD_create_response_from_callback (MHD_SIZE_UNKNOWN, 16384,
                                                                 ev_stream_read, es,
                                                                 ev_stream_free);
  if (resp == NULL)
    {
      ev_stream_free (es);
      return MHD_NO;
    }
  MHD_add_response_header (resp, "Content-Type", "application/json");
  return api_reply (req, 200, resp);
}

/* cdaemon extension: read or change the log level at run time. */
static int
h_log_level (struct api_req *req)
{
  if (strcmp (req->method, "POST") == 0)
    {
      json_object *body;
      const char *level = NULL;
      if (api_body_json (req, false, &body) < 0)
        return MHD_YES;
      int r = api_field_string (req, body, "Level", true, &level);
      enum cd_log_level l;
      if (r == 0 && cd_log_parse_level (level, &l) < 0)
        {
          api_reply_error (req, 400, "invalid value for field Level: `%s` (debug, info, warn, "
                                     "error)", level);
          r = -EINVAL;
        }
      json_object_put (body);
      if (r < 0)
        return MHD_YES;
      cd_log_set_level (l);
      req->d->cfg.log_level = l;
      log_info ("log level is %s", cd_log_level_name (l));
    }
  json_object *o = json_object_new_object ();
  add_str (o, "Level", cd_log_level_name (cd_log_get_level ()));
  return api_reply_json (req, 200, o);
}

const struct api_route api_system_routes[] = {
  { "GET", "/cdaemon/log-level", h_log_level, false },
  { "POST", "/cdaemon/log-level", h_log_level, false },
  { "GET", "/_ping", h_ping, false },
  { "GET", "/version", h_version, false },
  { "GET", "/info", h_info, false },
  { "GET", "/events", h_events, false },
  { NULL, NULL, NULL, false },
};
