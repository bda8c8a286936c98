/* The stats sampler: one uv_timer a second on the daemon's loop. Each tick
 * reads /proc/stat once and the cgroup files of every running container
 * once, keeping the previous sample; requests and streams only encode what
 * is already there. Reading cgroupfs and procfs never waits for a disk. */
#include "daemon/stats.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cleanup.h"
#include "daemon/ctr_top.h"
#include "log.h"
#include "runtime/cgroup.h"
#include "store/stats.h"

#define ST_TICK_MS 1000

enum st_ctl
{
  CG_CPUACCT,
  CG_CPU,
  CG_MEMORY,
  CG_PIDS,
  CG_BLKIO,
  CG_NCTL,
};

/* The files read each tick, each kept open and read again with pread from
 * offset 0 (cgroupfs and procfs regenerate the text): no path walk per tick. */
enum st_file
{
  F_PERCPU, F_CPUACCT_STAT, F_CPU_STAT, F_MEM_USAGE, F_MEM_MAX, F_MEM_FAILCNT, F_MEM_LIMIT,
  F_MEM_STAT, F_PIDS_CUR, F_PIDS_MAX, F_BLK_BYTES, F_BLK_BYTES_T, F_BLK_OPS, F_BLK_OPS_T,
  F_IO_STAT, F_NET, F_NFILES,
};

struct st_entry
{
  struct st_info info;
  int fd[F_NFILES];             /* -1 not open yet, -2 absent */
  pid_t net_pid;                /* whose /proc/PID/net/dev fd[F_NET] is */
  struct st_sample s[2];
  int cur;                      /* index of the current sample in s */
  char *v1[CG_NCTL];            /* v1 directory per controller, or NULL */
  char *v2;                     /* the v2 directory when it has controllers */
  unsigned gen;
  struct st_entry *next;
};

struct st_listener
{
  st_tick_fn fn;
  void *ctx;
  struct st_listener *prev, *next;
};

struct st_sampler
{
  struct cd_daemon *d;
  uv_timer_t timer;
  struct st_entry *list;
  struct st_listener *listeners;
  unsigned gen;
  long clk_tck;
  uint64_t machine_mem;
  uint64_t system_ns;
  unsigned ncpu;
  uint64_t ticks, busy_ns;
  unsigned n;
};

/* CPU time of the calling (loop) thread: the sampler's own cost. */
static int64_t
cpu_ns (void)
{
  struct timespec ts;
  clock_gettime (CLOCK_THREAD_CPUTIME_ID, &ts);
  return (int64_t) ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* Reads a small pseudo-file into buf (NUL-terminated); -errno. */
static int
read_small (const char *dir, const char *file, char *buf, size_t len)
{
  char path[4400];
  snprintf (path, sizeof path, "%s/%s", dir, file);
  int fd = open (path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return -errno;
  size_t off = 0;
  ssize_t n;
  while (off + 1 < len && (n = read (fd, buf + off, len - 1 - off)) > 0)
    off += (size_t) n;
  close (fd);
  buf[off] = '\0';
  return 0;
}

uint64_t
st_machine_memory (void)
{
  char buf[256];
  uint64_t kb = 0;
  if (read_small ("/proc", "meminfo", buf, sizeof buf) == 0)
    {
      const char *p = strstr (buf, "MemTotal:");
      if (p)
        kb = strtoull (p + 9, NULL, 10);
    }
  return kb * 1024;
}

/* Reads slot's file (opened on first use) from offset 0 into buf. */
static int
cg_read (struct st_entry *e, enum st_file slot, const char *dir, const char *file, char *buf,
         size_t len)
{
  if (e->fd[slot] == -2)
    return -ENOENT;
  if (e->fd[slot] < 0)
    {
      char path[4400];
      snprintf (path, sizeof path, "%s/%s", dir, file);
      e->fd[slot] = open (path, O_RDONLY | O_CLOEXEC);
      if (e->fd[slot] < 0)
        {
          int r = -errno;
          e->fd[slot] = r == -ENOENT ? -2 : -1;
          return r;
        }
    }
  size_t off = 0;
  ssize_t n = 0;
  while (off + 1 < len && (n = pread (e->fd[slot], buf + off, len - 1 - off, (off_t) off)) > 0)
    off += (size_t) n;
  buf[off] = '\0';
  if (off == 0 && n < 0)
    {
      int r = -errno;
      close (e->fd[slot]);
      e->fd[slot] = -1;
      return r;
    }
  return 0;
}

static int
cg_u64 (struct st_entry *e, enum st_file slot, const char *dir, const char *file, uint64_t *out)
{
  char buf[64];
  int r = cg_read (e, slot, dir, file, buf, sizeof buf);
  return r < 0 ? r : st_parse_u64 (buf, out);
}

static void
entry_free (struct st_entry *e)
{
  for (int i = 0; i < F_NFILES; i++)
    if (e->fd[i] >= 0)
      close (e->fd[i]);
  for (int i = 0; i < CG_NCTL; i++)
    free (e->v1[i]);
  free (e->v2);
  free (e->s[0].mem_stat);
  free (e->s[1].mem_stat);
  free (e);
}

/* Which directory serves which controller: a v1 hierarchy naming it, else
 * a v2 tree that enables controllers (pure v2; the hybrid unified tree of
 * this kind of host has none). */
static void
entry_discover (struct st_sampler *sp, struct st_entry *e)
{
  static const char *const names[CG_NCTL] = { "cpuacct", "cpu", "memory", "pids", "blkio" };
  cleanup_free char *cgpath = ctr_cgroups_path (sp->d, e->info.id);
  struct rt_cgroups cg;
  struct cd_err err = { 0 };
  if (cgpath == NULL || rt_cg_discover (cgpath, &cg, &err) < 0)
    {
      log_debug ("stats %.12s: no cgroups: %s", e->info.id, err.msg);
      return;
    }
  for (size_t i = 0; i < cg.n; i++)
    {
      const struct rt_cg_hier *h = &cg.h[i];
      if (h->v2)
        {
          char ctl[256];
          if (e->v2 == NULL && read_small (h->mountpoint, "cgroup.controllers", ctl, sizeof ctl) == 0
              && strstr (ctl, "memory"))
            e->v2 = strdup (h->dir);
          continue;
        }
      for (int c = 0; c < CG_NCTL; c++)
        {
          /* "cpu,cpuacct" serves both; "cpuset" is not "cpu". */
          char words[256];
          snprintf (words, sizeof words, ",%s,", h->name);
          char want[32];
          snprintf (want, sizeof want, ",%s,", names[c]);
          if (e->v1[c] == NULL && strstr (words, want))
            e->v1[c] = strdup (h->dir);
        }
    }
  rt_cg_free (&cg);
}

static void
read_blkio_v1 (struct st_entry *e, const char *dir, struct st_sample *s)
{
  char buf[8192];
  s->nio_bytes = s->nio_ops = 0;
  if (cg_read (e, F_BLK_BYTES, dir, "blkio.io_service_bytes_recursive", buf, sizeof buf) == 0)
    s->nio_bytes = st_parse_blkio_v1 (buf, s->io_bytes, ST_MAX_BLK);
  if (s->nio_bytes == 0 && cg_read (e, F_BLK_BYTES_T, dir, "blkio.throttle.io_service_bytes_recursive",
                                    buf, sizeof buf) == 0)
    s->nio_bytes = st_parse_blkio_v1 (buf, s->io_bytes, ST_MAX_BLK);
  if (cg_read (e, F_BLK_OPS, dir, "blkio.io_serviced_recursive", buf, sizeof buf) == 0)
    s->nio_ops = st_parse_blkio_v1 (buf, s->io_ops, ST_MAX_BLK);
  if (s->nio_ops == 0 && cg_read (e, F_BLK_OPS_T, dir, "blkio.throttle.io_serviced_recursive", buf,
                                  sizeof buf) == 0)
    s->nio_ops = st_parse_blkio_v1 (buf, s->io_ops, ST_MAX_BLK);
}

/* Each tick reads only what /metrics and the CPU percentage need: the
 * per-CPU usage, memory usage and the number of processes. The rest of a
 * sample (memory.stat, limits, block I/O, network) is read when a client
 * asks for the sample, at most once per tick (st_details). */
static void
read_v1_core (struct st_entry *e, struct st_sample *s)
{
  char buf[8192];
  const char *d;
  if ((d = e->v1[CG_CPUACCT]))
    {
      /* the total is the sum of the per-CPU figures (as cpuacct.usage is) */
      if (cg_read (e, F_PERCPU, d, "cpuacct.usage_percpu", buf, sizeof buf) == 0)
        s->npercpu = st_parse_percpu (buf, s->percpu, ST_MAX_CPUS);
      for (unsigned i = 0; i < s->npercpu; i++)
        s->cpu_total += s->percpu[i];
    }
  if ((d = e->v1[CG_MEMORY]))
    cg_u64 (e, F_MEM_USAGE, d, "memory.usage_in_bytes", &s->mem_usage);
  if ((d = e->v1[CG_PIDS]))
    cg_u64 (e, F_PIDS_CUR, d, "pids.current", &s->pids_current);
}

static void
read_v1_details (struct st_sampler *sp, struct st_entry *e, struct st_sample *s)
{
  char buf[8192];
  const char *d;
  if ((d = e->v1[CG_CPUACCT]))
    {
      uint64_t user = 0, sys = 0, mult = 1000000000ull / (uint64_t) sp->clk_tck;
      if (cg_read (e, F_CPUACCT_STAT, d, "cpuacct.stat", buf, sizeof buf) == 0)
        {
          st_parse_kv (buf, "user", &user);
          st_parse_kv (buf, "system", &sys);
        }
      s->cpu_user = user * mult;
      s->cpu_kernel = sys * mult;
    }
  if ((d = e->v1[CG_CPU]) && cg_read (e, F_CPU_STAT, d, "cpu.stat", buf, sizeof buf) == 0)
    {
      st_parse_kv (buf, "nr_periods", &s->thr_periods);
      st_parse_kv (buf, "nr_throttled", &s->thr_throttled);
      st_parse_kv (buf, "throttled_time", &s->thr_time);
    }
  if ((d = e->v1[CG_MEMORY]))
    {
      s->has_mem_max = cg_u64 (e, F_MEM_MAX, d, "memory.max_usage_in_bytes", &s->mem_max) == 0;
      s->has_failcnt = cg_u64 (e, F_MEM_FAILCNT, d, "memory.failcnt", &s->mem_failcnt) == 0;
      cg_u64 (e, F_MEM_LIMIT, d, "memory.limit_in_bytes", &s->mem_limit);
      if (cg_read (e, F_MEM_STAT, d, "memory.stat", buf, sizeof buf) == 0)
        s->mem_stat = strdup (buf);
    }
  if ((d = e->v1[CG_PIDS]))
    cg_u64 (e, F_PIDS_MAX, d, "pids.max", &s->pids_limit);
  if ((d = e->v1[CG_BLKIO]))
    read_blkio_v1 (e, d, s);
}

static void
read_v2_core (struct st_entry *e, const char *d, struct st_sample *s)
{
  char buf[8192];
  if (cg_read (e, F_CPU_STAT, d, "cpu.stat", buf, sizeof buf) == 0)
    {
      uint64_t v;
      if (st_parse_kv (buf, "usage_usec", &v) == 0)
        s->cpu_total = v * 1000;
      if (st_parse_kv (buf, "user_usec", &v) == 0)
        s->cpu_user = v * 1000;
      if (st_parse_kv (buf, "system_usec", &v) == 0)
        s->cpu_kernel = v * 1000;
      st_parse_kv (buf, "nr_periods", &s->thr_periods);
      st_parse_kv (buf, "nr_throttled", &s->thr_throttled);
      if (st_parse_kv (buf, "throttled_usec", &v) == 0)
        s->thr_time = v * 1000;
    }
  cg_u64 (e, F_MEM_USAGE, d, "memory.current", &s->mem_usage);
  cg_u64 (e, F_PIDS_CUR, d, "pids.current", &s->pids_current);
}

static void
read_v2_details (struct st_entry *e, const char *d, struct st_sample *s)
{
  char buf[8192];
  s->has_mem_max = cg_u64 (e, F_MEM_MAX, d, "memory.peak", &s->mem_max) == 0;
  cg_u64 (e, F_MEM_LIMIT, d, "memory.max", &s->mem_limit);
  if (cg_read (e, F_MEM_STAT, d, "memory.stat", buf, sizeof buf) == 0)
    s->mem_stat = strdup (buf);
  cg_u64 (e, F_PIDS_MAX, d, "pids.max", &s->pids_limit);
  if (cg_read (e, F_IO_STAT, d, "io.stat", buf, sizeof buf) == 0)
    st_parse_io_v2 (buf, s->io_bytes, &s->nio_bytes, s->io_ops, &s->nio_ops, ST_MAX_BLK);
}

static void
read_net (struct st_entry *e, struct st_sample *s)
{
  if (e->net_pid != e->info.pid && e->fd[F_NET] != -1)
    {
      if (e->fd[F_NET] >= 0)
        close (e->fd[F_NET]); /* a new process (restart): its own namespace */
      e->fd[F_NET] = -1;
    }
  e->net_pid = e->info.pid;
  if (e->info.pid > 0 && !e->info.host_net)
    {
      char dir[64], buf[4096];
      snprintf (dir, sizeof dir, "/proc/%d/net", (int) e->info.pid);
      if (cg_read (e, F_NET, dir, "dev", buf, sizeof buf) == 0)
        {
          s->nnet = st_parse_netdev (buf, s->net, ST_MAX_NET);
          s->has_net = true;
        }
    }
}

/* The rest of the current sample, once. */
static void
entry_details (struct st_sampler *sp, struct st_entry *e)
{
  struct st_sample *s = &e->s[e->cur];
  if (s->details || s->read_nano == 0)
    return;
  s->details = true;
  if (e->v1[CG_CPUACCT] || e->v1[CG_MEMORY])
    read_v1_details (sp, e, s);
  else if (e->v2)
    read_v2_details (e, e->v2, s);
  if (s->mem_limit == 0 || s->mem_limit > sp->machine_mem)
    s->mem_limit = sp->machine_mem;
  read_net (e, s);
}

/* Reads a new current sample; the old current becomes the previous one. */
static void
entry_sample (struct st_sampler *sp, struct st_entry *e)
{
  if (e->s[e->cur].read_nano > 0)
    e->cur ^= 1;
  struct st_sample *s = &e->s[e->cur];
  free (s->mem_stat);
  memset (s, 0, sizeof *s);
  if (e->v1[CG_CPUACCT] || e->v1[CG_MEMORY])
    read_v1_core (e, s);
  else if (e->v2)
    read_v2_core (e, e->v2, s);
  s->system_cpu = sp->system_ns;
  s->online_cpus = sp->ncpu;
  s->read_nano = cd_now_nano ();
}

static struct st_entry *
find (struct st_sampler *sp, const char *id)
{
  for (struct st_entry *e = sp->list; e; e = e->next)
    if (strcmp (e->info.id, id) == 0)
      return e;
  return NULL;
}

static void
read_system (struct st_sampler *sp)
{
  char buf[16384];
  if (read_small ("/proc", "stat", buf, sizeof buf) == 0)
    st_parse_proc_stat (buf, sp->clk_tck, &sp->system_ns, &sp->ncpu);
  long online = sysconf (_SC_NPROCESSORS_ONLN);
  if (online > 0)
    sp->ncpu = (unsigned) online;
}

/* One row of the live containers: update (or create) its entry and sample it. */
static void
on_live (const struct store_live *c, void *ctx)
{
  struct st_sampler *sp = ctx;
  struct st_entry *e = find (sp, c->id);
  if (e == NULL)
    {
      e = calloc (1, sizeof *e);
      if (e == NULL)
        return;
      for (int i = 0; i < F_NFILES; i++)
        e->fd[i] = -1;
      snprintf (e->info.id, sizeof e->info.id, "%s", c->id);
      entry_discover (sp, e);
      e->next = sp->list;
      sp->list = e;
    }
  snprintf (e->info.name, sizeof e->info.name, "%s", c->name);
  snprintf (e->info.image, sizeof e->info.image, "%s", c->image_ref);
  snprintf (e->info.state, sizeof e->info.state, "%s", c->state);
  e->info.restarts = c->restart_count;
  e->info.pid = (pid_t) c->pid;
  e->info.host_net = strcmp (c->network_mode, "host") == 0;
  e->gen = sp->gen;
  if (strcmp (c->state, "restarting") != 0)
    entry_sample (sp, e);
}

static void
on_tick (uv_timer_t *t)
{
  struct st_sampler *sp = t->data;
  int64_t t0 = cpu_ns ();
  read_system (sp);
  sp->gen++;
  struct cd_err err = { 0 };
  if (store_containers_live (sp->d->store, NULL, on_live, sp, &err) < 0)
    {
      log_warn ("stats: %s", err.msg);
      return;
    }
  unsigned n = 0;
  for (struct st_entry **pp = &sp->list; *pp;)
    {
      struct st_entry *e = *pp;
      if (e->gen != sp->gen)
        {
          *pp = e->next;
          entry_free (e);
          continue;
        }
      n++;
      pp = &e->next;
    }
  sp->n = n;
  sp->ticks++;
  sp->busy_ns += (uint64_t) (cpu_ns () - t0);
  for (struct st_listener *l = sp->listeners, *next; l; l = next)
    {
      next = l->next;
      l->fn (l->ctx);
    }
}

int
st_sampler_start (struct cd_daemon *d, struct cd_err *err)
{
  struct st_sampler *sp = calloc (1, sizeof *sp);
  if (sp == NULL)
    return cd_err_set (err, ENOMEM, "out of memory");
  sp->d = d;
  sp->clk_tck = sysconf (_SC_CLK_TCK);
  if (sp->clk_tck <= 0)
    sp->clk_tck = 100;
  sp->machine_mem = st_machine_memory ();
  uv_timer_init (d->loop, &sp->timer);
  sp->timer.data = sp;
  uv_unref ((uv_handle_t *) &sp->timer);
  d->stats = sp;
  on_tick (&sp->timer);
  uv_timer_start (&sp->timer, on_tick, ST_TICK_MS, ST_TICK_MS);
  return 0;
}

/* After the loop is closed (the timer handle is closed by then). */
void
st_sampler_stop (struct cd_daemon *d)
{
  struct st_sampler *sp = d->stats;
  if (sp == NULL)
    return;
  while (sp->list)
    {
      struct st_entry *e = sp->list;
      sp->list = e->next;
      entry_free (e);
    }
  while (sp->listeners)
    {
      struct st_listener *l = sp->listeners;
      sp->listeners = l->next;
      free (l);
    }
  free (sp);
  d->stats = NULL;
}

int
st_get (struct cd_daemon *d, const char *id, const struct st_info **info,
        const struct st_sample **cur, const struct st_sample **prev)
{
  struct st_sampler *sp = d->stats;
  if (sp == NULL)
    return -ENOENT;
  struct st_entry *e = find (sp, id);
  if (e == NULL || e->s[e->cur].read_nano == 0)
    {
      /* Started since the last tick: read it now (no previous sample yet). */
      struct cd_err err = { 0 };
      unsigned gen = sp->gen;
      if (sp->system_ns == 0)
        read_system (sp);
      store_containers_live (d->store, id, on_live, sp, &err);
      e = find (sp, id);
      if (e == NULL || e->gen != gen || e->s[e->cur].read_nano == 0)
        return -ENOENT;
    }
  entry_details (sp, e);
  *info = &e->info;
  *cur = &e->s[e->cur];
  *prev = e->s[e->cur ^ 1].read_nano ? &e->s[e->cur ^ 1] : NULL;
  return 0;
}

void
st_each (struct cd_daemon *d, st_each_fn fn, void *ctx)
{
  struct st_sampler *sp = d->stats;
  if (sp == NULL)
    return;
  for (struct st_entry *e = sp->list; e; e = e->next)
    {
      if (e->s[e->cur].read_nano == 0)
        continue;
      entry_details (sp, e);
      const struct st_sample *prev = e->s[e->cur ^ 1].read_nano ? &e->s[e->cur ^ 1] : NULL;
      fn (&e->info, &e->s[e->cur], prev, ctx);
    }
}

struct st_listener *
st_listen (struct cd_daemon *d, st_tick_fn fn, void *ctx)
{
  struct st_sampler *sp = d->stats;
  struct st_listener *l = sp ? calloc (1, sizeof *l) : NULL;
  if (l == NULL)
    return NULL;
  l->fn = fn;
  l->ctx = ctx;
  l->next = sp->listeners;
  if (l->next)
    l->next->prev = l;
  sp->listeners = l;
  return l;
}

void
st_unlisten (struct cd_daemon *d, struct st_listener *l)
{
  struct st_sampler *sp = d->stats;
  if (l == NULL || sp == NULL)
    return;
  if (l->prev)
    l->prev->next = l->next;
  else
    sp->listeners = l->next;
  if (l->next)
    l->next->prev = l->prev;
  free (l);
}

void
st_cost (struct cd_daemon *d, uint64_t *ticks, uint64_t *busy_ns, unsigned *n)
{
  struct st_sampler *sp = d->stats;
  *ticks = sp ? sp->ticks : 0;
  *busy_ns = sp ? sp->busy_ns : 0;
  *n = sp ? sp->n : 0;
}
