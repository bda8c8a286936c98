/* Docker v1.41's StatsJSON from two samples. Field order and omissions as
 * the Go encoder of dockerd writes them (omitempty fields left out when 0). */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "daemon/stats.h"

void
st_rfc3339 (int64_t nano, char *buf, size_t len)
{
  if (nano <= 0)
    {
      snprintf (buf, len, "0001-01-01T00:00:00Z");
      return;
    }
  time_t sec = (time_t) (nano / 1000000000);
  struct tm tm;
  gmtime_r (&sec, &tm);
  char date[40];
  strftime (date, sizeof date, "%Y-%m-%dT%H:%M:%S", &tm);
  snprintf (buf, len, "%s.%09lldZ", date, (long long) (nano % 1000000000));
}

static void
add_u64 (json_object *o, const char *k, uint64_t v)
{
  json_object_object_add (o, k, json_object_new_uint64 (v));
}

static void
add_time (json_object *o, const char *k, int64_t nano)
{
  char buf[64];
  st_rfc3339 (nano, buf, sizeof buf);
  json_object_object_add (o, k, json_object_new_string (buf));
}

static json_object *
blk_array (const struct st_blk *v, unsigned n)
{
  json_object *a = json_object_new_array ();
  for (unsigned i = 0; i < n; i++)
    {
      json_object *e = json_object_new_object ();
      add_u64 (e, "major", v[i].major);
      add_u64 (e, "minor", v[i].minor);
      json_object_object_add (e, "op", json_object_new_string (v[i].op));
      add_u64 (e, "value", v[i].value);
      json_object_array_add (a, e);
    }
  return a;
}

static json_object *
blkio_json (const struct st_sample *s)
{
  static const char *const rest[] = { "io_queue_recursive", "io_service_time_recursive",
                                       "io_wait_time_recursive", "io_merged_recursive",
                                       "io_time_recursive", "sectors_recursive" };
  json_object *o = json_object_new_object ();
  json_object_object_add (o, "io_service_bytes_recursive",
                          s ? blk_array (s->io_bytes, s->nio_bytes) : NULL);
  json_object_object_add (o, "io_serviced_recursive", s ? blk_array (s->io_ops, s->nio_ops) : NULL);
  for (size_t i = 0; i < sizeof rest / sizeof rest[0]; i++)
    json_object_object_add (o, rest[i], NULL);
  return o;
}

static json_object *
cpu_json (const struct st_sample *s)
{
  json_object *o = json_object_new_object ();
  json_object *u = json_object_new_object ();
  bool have = s && s->read_nano > 0;
  add_u64 (u, "total_usage", have ? s->cpu_total : 0);
  if (have && s->npercpu > 0)
    {
      json_object *a = json_object_new_array ();
      for (unsigned i = 0; i < s->npercpu; i++)
        json_object_array_add (a, json_object_new_uint64 (s->percpu[i]));
      json_object_object_add (u, "percpu_usage", a);
    }
  add_u64 (u, "usage_in_kernelmode", have ? s->cpu_kernel : 0);
  add_u64 (u, "usage_in_usermode", have ? s->cpu_user : 0);
  json_object_object_add (o, "cpu_usage", u);
  if (have && s->system_cpu)
    add_u64 (o, "system_cpu_usage", s->system_cpu);
  if (have && s->online_cpus)
    add_u64 (o, "online_cpus", s->online_cpus);
  json_object *t = json_object_new_object ();
  add_u64 (t, "periods", have ? s->thr_periods : 0);
  add_u64 (t, "throttled_periods", have ? s->thr_throttled : 0);
  add_u64 (t, "throttled_time", have ? s->thr_time : 0);
  json_object_object_add (o, "throttling_data", t);
  return o;
}

static json_object *
memory_json (const struct st_sample *s)
{
  json_object *o = json_object_new_object ();
  add_u64 (o, "usage", s->mem_usage);
  if (s->has_mem_max)
    add_u64 (o, "max_usage", s->mem_max);
  json_object_object_add (o, "stats", st_parse_mem_stat (s->mem_stat ? s->mem_stat : ""));
  if (s->has_failcnt)
    add_u64 (o, "failcnt", s->mem_failcnt);
  add_u64 (o, "limit", s->mem_limit);
  return o;
}

static json_object *
networks_json (const struct st_sample *s)
{
  json_object *o = json_object_new_object ();
  for (unsigned i = 0; i < s->nnet; i++)
    {
      const struct st_net *n = &s->net[i];
      json_object *e = json_object_new_object ();
      add_u64 (e, "rx_bytes", n->rx_bytes);
      add_u64 (e, "rx_packets", n->rx_packets);
      add_u64 (e, "rx_errors", n->rx_errors);
      add_u64 (e, "rx_dropped", n->rx_dropped);
      add_u64 (e, "tx_bytes", n->tx_bytes);
      add_u64 (e, "tx_packets", n->tx_packets);
      add_u64 (e, "tx_errors", n->tx_errors);
      add_u64 (e, "tx_dropped", n->tx_dropped);
      json_object_object_add (o, n->name, e);
    }
  return o;
}

static void
add_ident (json_object *o, const char *id, const char *name)
{
  char buf[300];
  snprintf (buf, sizeof buf, "/%s", name);
  json_object_object_add (o, "name", json_object_new_string (buf));
  json_object_object_add (o, "id", json_object_new_string (id));
}

json_object *
st_sample_json (const struct st_info *info, const struct st_sample *cur,
                const struct st_sample *prev)
{
  json_object *o = json_object_new_object ();
  add_time (o, "read", cur->read_nano);
  add_time (o, "preread", prev ? prev->read_nano : 0);
  json_object *pids = json_object_new_object ();
  add_u64 (pids, "current", cur->pids_current);
  if (cur->pids_limit && cur->pids_limit != UINT64_MAX)
    add_u64 (pids, "limit", cur->pids_limit);
  json_object_object_add (o, "pids_stats", pids);
  json_object_object_add (o, "blkio_stats", blkio_json (cur));
  json_object_object_add (o, "num_procs", json_object_new_int (0));
  json_object_object_add (o, "storage_stats", json_object_new_object ());
  json_object_object_add (o, "cpu_stats", cpu_json (cur));
  json_object_object_add (o, "precpu_stats", cpu_json (prev));
  json_object_object_add (o, "memory_stats", memory_json (cur));
  add_ident (o, info->id, info->name);
  if (cur->has_net)
    json_object_object_add (o, "networks", networks_json (cur));
  return o;
}

json_object *
st_empty_json (const char *id, const char *name)
{
  json_object *o = json_object_new_object ();
  add_time (o, "read", 0);
  add_time (o, "preread", 0);
  json_object_object_add (o, "pids_stats", json_object_new_object ());
  json_object_object_add (o, "blkio_stats", blkio_json (NULL));
  json_object_object_add (o, "num_procs", json_object_new_int (0));
  json_object_object_add (o, "storage_stats", json_object_new_object ());
  json_object_object_add (o, "cpu_stats", cpu_json (NULL));
  json_object_object_add (o, "precpu_stats", cpu_json (NULL));
  json_object_object_add (o, "memory_stats", json_object_new_object ());
  add_ident (o, id, name);
  return o;
}
