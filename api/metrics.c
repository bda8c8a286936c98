/* GET /metrics: Prometheus text exposition format 0.0.4. Per-container
 * figures come from the stats sampler (no cgroup read here); engine figures
 * from the store and from the request counters kept below. */
#include "api/metrics.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "api/router.h"
#include "daemon/stats.h"
#include "store/containers.h"
#include "store/stats.h"

#define MX_SERIES 512
static const double mx_bounds[] = { 0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10 };
#define MX_NB (sizeof mx_bounds / sizeof mx_bounds[0])

struct mx_series
{
  const char *method;           /* static strings of MHD and the route table */
  const char *route;
  unsigned status;
  uint64_t count;
  double sum;
  uint64_t buckets[MX_NB];
};

struct api_metrics
{
  struct mt_server *tcp;        /* --metrics-addr listener (metrics_tcp.c) */
  struct mx_series s[MX_SERIES];
  size_t n;
  uint64_t dropped;
};

int64_t
api_metrics_now (void)
{
  struct timespec ts;
  clock_gettime (CLOCK_MONOTONIC, &ts);
  return (int64_t) ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static const char *
method_name (const char *m)
{
  static const char *const known[] = { "GET", "POST", "PUT", "DELETE", "HEAD", NULL };
  for (int i = 0; known[i]; i++)
    if (strcmp (m, known[i]) == 0)
      return known[i];
  return "OTHER";
}

static struct api_metrics *
metrics_of (struct cd_daemon *d)
{
  if (d->api_metrics == NULL)
    d->api_metrics = calloc (1, sizeof *d->api_metrics);
  return d->api_metrics;
}

void
api_metrics_set_listener (struct cd_daemon *d, struct mt_server *srv)
{
  struct api_metrics *m = metrics_of (d);
  if (m)
    m->tcp = srv;
}

void
api_metrics_observe (struct cd_daemon *d, const struct api_req *req)
{
  struct api_metrics *m = metrics_of (d);
  if (m == NULL)
    return;
  const char *method = method_name (req->method);
  const char *route = req->route ? req->route->pattern : "other";
  struct mx_series *s = NULL;
  for (size_t i = 0; i < m->n && s == NULL; i++)
    if (m->s[i].method == method && m->s[i].route == route && m->s[i].status == req->status)
      s = &m->s[i];
  if (s == NULL)
    {
      if (m->n == MX_SERIES)
        {
          m->dropped++;
          return;
        }
      s = &m->s[m->n++];
      *s = (struct mx_series) { .method = method, .route = route, .status = req->status };
    }
  double secs = (double) (api_metrics_now () - req->started_ns) / 1e9;
  s->count++;
  s->sum += secs;
  for (size_t b = 0; b < MX_NB; b++)
    if (secs <= mx_bounds[b])
      s->buckets[b]++;
}

void
api_metrics_free (struct cd_daemon *d)
{
  if (d->api_metrics && d->api_metrics->tcp)
    api_metrics_tcp_close (d->api_metrics->tcp);
  free (d->api_metrics);
  d->api_metrics = NULL;
}

/* A label value with \, " and newline escaped. */
static void
put_label (FILE *f, const char *k, const char *v)
{
  fprintf (f, "%s=\"", k);
  for (; *v; v++)
    {
      if (*v == '\\' || *v == '"')
        fputc ('\\', f), fputc (*v, f);
      else if (*v == '\n')
        fputs ("\\n", f);
      else
        fputc (*v, f);
    }
  fputc ('"', f);
}

static void
put_ctr (FILE *f, const char *metric, const struct st_info *i, const char *extra_k,
         const char *extra_v)
{
  fprintf (f, "%s{", metric);
  put_label (f, "id", i->id);
  fputc (',', f);
  put_label (f, "name", i->name);
  fputc (',', f);
  put_label (f, "image", i->image);
  if (extra_k)
    {
      fputc (',', f);
      put_label (f, extra_k, extra_v);
    }
  fputs ("} ", f);
}

static void
head (FILE *f, const char *name, const char *type, const char *help)
{
  fprintf (f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

struct ctr_pass
{
  FILE *f;
  int which;
};

static uint64_t
blk_sum (const struct st_blk *v, unsigned n, const char *op)
{
  uint64_t t = 0;
  for (unsigned i = 0; i < n; i++)
    if (strcasecmp (v[i].op, op) == 0)
      t += v[i].value;
  return t;
}

/* One metric family per pass over the samples, so each family's lines
 * stay together as the format asks. */
static void
ctr_line (const struct st_info *i, const struct st_sample *s, const struct st_sample *prev,
          void *ctx)
{
  struct ctr_pass *p = ctx;
  FILE *f = p->f;
  (void) prev;
  switch (p->which)
    {
    case 0:
      put_ctr (f, "cdaemon_container_cpu_seconds_total", i, NULL, NULL);
      fprintf (f, "%.9f\n", (double) s->cpu_total / 1e9);
      break;
    case 1:
      put_ctr (f, "cdaemon_container_memory_usage_bytes", i, NULL, NULL);
      fprintf (f, "%llu\n", (unsigned long long) s->mem_usage);
      break;
    case 2:
      put_ctr (f, "cdaemon_container_memory_limit_bytes", i, NULL, NULL);
      fprintf (f, "%llu\n", (unsigned long long) s->mem_limit);
      break;
    case 3:
      put_ctr (f, "cdaemon_container_pids", i, NULL, NULL);
      fprintf (f, "%llu\n", (unsigned long long) s->pids_current);
      break;
    case 4:
    case 5:
      for (unsigned n = 0; n < s->nnet; n++)
        {
          put_ctr (f, p->which == 4 ? "cdaemon_container_network_receive_bytes_total"
                                    : "cdaemon_container_network_transmit_bytes_total",
                   i, "interface", s->net[n].name);
          fprintf (f, "%llu\n", (unsigned long long) (p->which == 4 ? s->net[n].rx_bytes
                                                                    : s->net[n].tx_bytes));
        }
      break;
    case 6:
    case 7:
      put_ctr (f, p->which == 6 ? "cdaemon_container_blkio_read_bytes_total"
                                : "cdaemon_container_blkio_write_bytes_total", i, NULL, NULL);
      fprintf (f, "%llu\n", (unsigned long long) blk_sum (s->io_bytes, s->nio_bytes,
                                                          p->which == 6 ? "read" : "write"));
      break;
    }
}

static void
write_containers (struct cd_daemon *d, FILE *f)
{
  static const char *const fam[][3] = {
    { "cdaemon_container_cpu_seconds_total", "counter", "CPU time used by the container." },
    { "cdaemon_container_memory_usage_bytes", "gauge", "Memory usage of the container's cgroup." },
    { "cdaemon_container_memory_limit_bytes", "gauge", "Memory limit (host memory when none)." },
    { "cdaemon_container_pids", "gauge", "Processes and threads in the container." },
    { "cdaemon_container_network_receive_bytes_total", "counter", "Bytes received per interface." },
    { "cdaemon_container_network_transmit_bytes_total", "counter", "Bytes sent per interface." },
    { "cdaemon_container_blkio_read_bytes_total", "counter", "Bytes read from block devices." },
    { "cdaemon_container_blkio_write_bytes_total", "counter", "Bytes written to block devices." },
  };
  for (int w = 0; w < 8; w++)
    {
      head (f, fam[w][0], fam[w][1], fam[w][2]);
      struct ctr_pass p = { f, w };
      st_each (d, ctr_line, &p);
    }
}

struct state_pass
{
  FILE *f;
  bool restarts;
};

static int
state_line (const struct store_container *c, void *ctx)
{
  struct state_pass *p = ctx;
  struct st_info i = { 0 };
  snprintf (i.id, sizeof i.id, "%s", c->id);
  snprintf (i.name, sizeof i.name, "%s", c->name);
  snprintf (i.image, sizeof i.image, "%s", c->image_ref);
  if (p->restarts)
    {
      put_ctr (p->f, "cdaemon_container_restarts_total", &i, NULL, NULL);
      fprintf (p->f, "%d\n", c->restart_count);
    }
  else
    {
      put_ctr (p->f, "cdaemon_container_state", &i, "state", c->state);
      fputs ("1\n", p->f);
    }
  return 0;
}

static void
write_engine (struct cd_daemon *d, FILE *f)
{
  struct cd_err err = { 0 };
  struct store_counts sc = { 0 };
  store_counts (d->store, &sc, &err);
  head (f, "cdaemon_containers", "gauge", "Containers by state.");
  fprintf (f, "cdaemon_containers{state=\"running\"} %d\n", sc.running);
  fprintf (f, "cdaemon_containers{state=\"paused\"} %d\n", sc.paused);
  fprintf (f, "cdaemon_containers{state=\"stopped\"} %d\n", sc.stopped);
  int64_t layers = 0, volumes = 0;
  store_count_rows (d->store, "layers", &layers, &err);
  store_count_rows (d->store, "volumes", &volumes, &err);
  head (f, "cdaemon_images", "gauge", "Images in the store.");
  fprintf (f, "cdaemon_images %d\n", sc.images);
  head (f, "cdaemon_layers", "gauge", "Layers in the store.");
  fprintf (f, "cdaemon_layers %lld\n", (long long) layers);
  head (f, "cdaemon_volumes", "gauge", "Volumes.");
  fprintf (f, "cdaemon_volumes %lld\n", (long long) volumes);
  long pages = 0, rss = 0;
  FILE *statm = fopen ("/proc/self/statm", "re");
  if (statm)
    {
      if (fscanf (statm, "%ld %ld", &pages, &rss) != 2)
        rss = 0;
      fclose (statm);
    }
  head (f, "cdaemon_process_resident_memory_bytes", "gauge", "Resident memory of cdaemon.");
  fprintf (f, "cdaemon_process_resident_memory_bytes %lld\n",
           (long long) rss * sysconf (_SC_PAGESIZE));
  uint64_t ticks, busy;
  unsigned n;
  st_cost (d, &ticks, &busy, &n);
  head (f, "cdaemon_stats_sampler_seconds_total", "counter", "CPU time the stats sampler used.");
  fprintf (f, "cdaemon_stats_sampler_seconds_total %.6f\n", (double) busy / 1e9);
  head (f, "cdaemon_stats_sampler_ticks_total", "counter", "Ticks of the stats sampler.");
  fprintf (f, "cdaemon_stats_sampler_ticks_total %llu\n", (unsigned long long) ticks);
}

static void
write_requests (struct cd_daemon *d, FILE *f)
{
  struct api_metrics *m = d->api_metrics;
  head (f, "cdaemon_api_requests_total", "counter", "API requests by route, method and status.");
  for (size_t i = 0; m && i < m->n; i++)
    {
      fprintf (f, "cdaemon_api_requests_total{method=\"%s\",", m->s[i].method);
      put_label (f, "route", m->s[i].route);
      fprintf (f, ",code=\"%u\"} %llu\n", m->s[i].status, (unsigned long long) m->s[i].count);
    }
  head (f, "cdaemon_api_request_duration_seconds", "histogram", "API request latency.");
  for (size_t i = 0; m && i < m->n; i++)
    {
      const struct mx_series *s = &m->s[i];
      for (size_t b = 0; b <= MX_NB; b++)
        {
          fprintf (f, "cdaemon_api_request_duration_seconds_bucket{method=\"%s\",", s->method);
          put_label (f, "route", s->route);
          if (b < MX_NB)
            fprintf (f, ",code=\"%u\",le=\"%g\"} %llu\n", s->status, mx_bounds[b],
                     (unsigned long long) s->buckets[b]);
          else
            fprintf (f, ",code=\"%u\",le=\"+Inf\"} %llu\n", s->status,
                     (unsigned long long) s->count);
        }
      fprintf (f, "cdaemon_api_request_duration_seconds_sum{method=\"%s\",", s->method);
      put_label (f, "route", s->route);
      fprintf (f, ",code=\"%u\"} %.6f\n", s->status, s->sum);
      fprintf (f, "cdaemon_api_request_duration_seconds_count{method=\"%s\",", s->method);
      put_label (f, "route", s->route);
      fprintf (f, ",code=\"%u\"} %llu\n", s->status, (unsigned long long) s->count);
    }
}

char *
api_metrics_text (struct cd_daemon *d)
{
  char *text = NULL;
  size_t len = 0;
  FILE *f = open_memstream (&text, &len);
  if (f == NULL)
    return NULL;
  write_containers (d, f);
  struct cd_err err = { 0 };
  head (f, "cdaemon_container_state", "gauge", "1 for the container's current state.");
  struct state_pass sp = { f, false };
  store_containers_each (d->store, state_line, &sp, &err);
  head (f, "cdaemon_container_restarts_total", "counter", "Restarts by the restart policy.");
  sp.restarts = true;
  store_containers_each (d->store, state_line, &sp, &err);
  write_engine (d, f);
  write_requests (d, f);
  fclose (f);
  return text;
}

static int
h_metrics (struct api_req *req)
{
  char *text = api_metrics_text (req->d);
  if (text == NULL)
    return MHD_NO;
  int r = api_reply_text (req, 200, "text/plain; version=0.0.4; charset=utf-8", text);
  free (text);
  return r;
}

const struct api_route api_metrics_routes[] = {
  { "GET", "/metrics", h_metrics, false },
  { "GET", "/system/df", api_system_df, false },
  { NULL, NULL, NULL, false },
};
