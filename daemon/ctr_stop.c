/* stop and kill: a blocking connection to the monitor's ctl.sock from the
 * thread pool. The exit itself is recorded on the loop (ctr_exited). */
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "cleanup.h"
#include "daemon/ctr_lock.h"
#include "daemon/ctr_resources.h"
#include "daemon/ctr_run.h"
#include "store/containers.h"

static const struct
{
  const char *name;
  int num;
} signals[] = {
  { "HUP", SIGHUP }, { "INT", SIGINT }, { "QUIT", SIGQUIT }, { "ILL", SIGILL },
  { "TRAP", SIGTRAP }, { "ABRT", SIGABRT }, { "BUS", SIGBUS }, { "FPE", SIGFPE },
  { "KILL", SIGKILL }, { "USR1", SIGUSR1 }, { "SEGV", SIGSEGV }, { "USR2", SIGUSR2 },
  { "PIPE", SIGPIPE }, { "ALRM", SIGALRM }, { "TERM", SIGTERM }, { "STKFLT", SIGSTKFLT },
  { "CHLD", SIGCHLD }, { "CONT", SIGCONT }, { "STOP", SIGSTOP }, { "TSTP", SIGTSTP },
  { "TTIN", SIGTTIN }, { "TTOU", SIGTTOU }, { "URG", SIGURG }, { "XCPU", SIGXCPU },
  { "XFSZ", SIGXFSZ }, { "VTALRM", SIGVTALRM }, { "PROF", SIGPROF }, { "WINCH", SIGWINCH },
  { "IO", SIGIO }, { "PWR", SIGPWR }, { "SYS", SIGSYS },
};

int
ctr_parse_signal (const char *s)
{
  if (s == NULL || *s == '\0')
    return -1;
  char *end;
  long n = strtol (s, &end, 10);
  if (*end == '\0')
    return n > 0 && n < 65 ? (int) n : -1;
  if (strncasecmp (s, "SIG", 3) == 0)
    s += 3;
  for (size_t i = 0; i < sizeof signals / sizeof signals[0]; i++)
    if (strcasecmp (s, signals[i].name) == 0)
      return signals[i].num;
  return -1;
}

int
ctr_ctl_path (struct cd_daemon *d, const char *id, char *buf, size_t len, int *dirfd)
{
  *dirfd = -1;
  char full[4300];
  int n = snprintf (full, sizeof full, "%s/containers/%s/ctl.sock", d->cfg.exec_root, id);
  struct sockaddr_un sa;
  if ((size_t) n < sizeof sa.sun_path && (size_t) n < len)
    {
      memcpy (buf, full, (size_t) n + 1);
      return 0;
    }
  full[n - (int) strlen ("/ctl.sock")] = '\0';
  *dirfd = open (full, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (*dirfd < 0)
    return -errno;
  snprintf (buf, len, "/proc/self/fd/%d/ctl.sock", *dirfd);
  return 0;
}

static int
ctl_connect (struct cd_daemon *d, const char *id, struct cd_err *err)
{
  struct sockaddr_un sa = { .sun_family = AF_UNIX };
  cleanup_close int dirfd = -1;
  if (ctr_ctl_path (d, id, sa.sun_path, sizeof sa.sun_path, &dirfd) < 0)
    return cd_err_set (err, EALREADY, "Container %s is not running", id);
  int fd = socket (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0)
    return cd_err_sys (err, errno, "socket");
  if (connect (fd, (struct sockaddr *) &sa, sizeof sa) < 0)
    {
      int e = errno;
      close (fd);
      /* No monitor: the container has exited (or is exiting). */
      return cd_err_set (err, EALREADY, "Container %s is not running (%s)", id, strerror (e));
    }
  return fd;
}

static int
send_line (int fd, const char *line)
{
  size_t n = strlen (line);
  return send (fd, line, n, MSG_NOSIGNAL) == (ssize_t) n ? 0 : -errno;
}

/* Reads until a line containing want, EOF (monitor gone: also an exit) or timeout. */
static int
wait_for (int fd, const char *want, int timeout_ms)
{
  char buf[4096];
  size_t len = 0;
  struct timespec t0, t1;
  clock_gettime (CLOCK_MONOTONIC, &t0);
  for (;;)
    {
      clock_gettime (CLOCK_MONOTONIC, &t1);
      int left = timeout_ms - (int) ((t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000);
      if (timeout_ms >= 0 && left <= 0)
        return -ETIMEDOUT;
      struct pollfd p = { .fd = fd, .events = POLLIN };
      if (poll (&p, 1, timeout_ms < 0 ? 1000 : left) <= 0)
        continue;
      ssize_t n = read (fd, buf + len, sizeof buf - 1 - len);
      if (n <= 0)
        return 0;
      len += (size_t) n;
      buf[len] = '\0';
      if (strstr (buf, want))
        return 0;
      char *nl = strrchr (buf, '\n');
      if (nl)
        {
          size_t keep = len - (size_t) (nl + 1 - buf);
          memmove (buf, nl + 1, keep);
          len = keep;
        }
      if (len >= sizeof buf - 1)
        len = 0;
    }
}

static int
stop_signal_of (struct store_container *c)
{
  json_object *cfg = json_tokener_parse (c->config), *v;
  int sig = SIGTERM;
  if (cfg && json_object_object_get_ex (cfg, "StopSignal", &v) && v)
    {
      int s = ctr_parse_signal (json_object_get_string (v));
      if (s > 0)
        sig = s;
    }
  json_object_put (cfg);
  return sig;
}

static int
stop_timeout_of (struct store_container *c, int timeout)
{
  if (timeout >= 0)
    return timeout;
  json_object *cfg = json_tokener_parse (c->config), *v;
  int t = 10;
  if (cfg && json_object_object_get_ex (cfg, "StopTimeout", &v) && v)
    t = json_object_get_int (v);
  json_object_put (cfg);
  return t;
}

/* Marks the stop as the user's, so restart policies leave the container be. */
static void
mark_manual_stop (struct cd_daemon *d, struct store_container *c)
{
  json_object *st = json_tokener_parse (c->state_json);
  if (st == NULL)
    return;
  json_object_object_add (st, "ManualStop", json_object_new_boolean (1));
  /* stopped during its restart back-off: it stays exited (the pending
   * restart sees ManualStop and gives up) */
  bool restarting = strcmp (c->state, "restarting") == 0;
  if (restarting)
    json_object_object_add (st, "Status", json_object_new_string ("exited"));
  store_container_set_state (d->store, c->id, restarting ? "exited" : c->state,
                             json_object_to_json_string (st), c->restart_count, NULL);
  json_object_put (st);
}

static int
ctr_stop_sync_locked (struct cd_daemon *d, const char *id, int timeout, struct cd_err *err)
{
  struct store_container c;
  int r = store_container_find (d->store, id, &c, err);
  if (r < 0)
    return r;
  if (strcmp (c.state, "running") != 0 && strcmp (c.state, "paused") != 0)
    {
      bool restarting = strcmp (c.state, "restarting") == 0;
      if (restarting)
        mark_manual_stop (d, &c);
      store_container_clear (&c);
      return restarting ? 0 : -EALREADY;
    }
  mark_manual_stop (d, &c);
  int sig = stop_signal_of (&c), t = stop_timeout_of (&c, timeout);
  cleanup_close int fd = ctl_connect (d, c.id, err);
  store_container_clear (&c);
  if (fd < 0)
    return fd == -EALREADY ? 0 : fd;
  char line[64];
  snprintf (line, sizeof line, "{\"cmd\":\"kill\",\"signal\":%d}\n", sig);
  int sent = send_line (fd, line);
  ctr_thaw_if_paused (d, id); /* a frozen process gets its signal once thawed */
  if (sent == 0 && wait_for (fd, "\"exit\"", t * 1000) == 0)
    return 0;
  snprintf (line, sizeof line, "{\"cmd\":\"kill\",\"signal\":%d}\n", SIGKILL);
  send_line (fd, line);
  wait_for (fd, "\"exit\"", 30000);
  return 0;
}

int
ctr_kill_sync (struct cd_daemon *d, const char *id, const char *signal, struct cd_err *err)
{
  int sig = signal && *signal ? ctr_parse_signal (signal) : SIGKILL;
  if (sig < 0)
    return cd_err_set (err, EINVAL, "Invalid signal: %s", signal);
  struct store_container c;
  int r = store_container_find (d->store, id, &c, err);
  if (r < 0)
    return r;
  bool running = strcmp (c.state, "running") == 0 || strcmp (c.state, "paused") == 0;
  if (running && sig == SIGKILL)
    mark_manual_stop (d, &c);
  char cid[65];
  snprintf (cid, sizeof cid, "%s", c.id);
  store_container_clear (&c);
  if (!running)
    return cd_err_set (err, EBUSY, "Container %s is not running", cid);
  cleanup_close int fd = ctl_connect (d, cid, err);
  if (fd < 0)
    return fd == -EALREADY ? cd_err_set (err, EBUSY, "Container %s is not running", cid) : fd;
  char line[64];
  snprintf (line, sizeof line, "{\"cmd\":\"kill\",\"signal\":%d}\n", sig);
  if (send_line (fd, line) < 0 || wait_for (fd, "\"ok\"", 5000) < 0)
    return cd_err_set (err, EIO, "cannot signal container %s", cid);
  ctr_thaw_if_paused (d, cid);
  return 0;
}

int
ctr_stop_sync (struct cd_daemon *d, const char *ref, int timeout, struct cd_err *err)
{
  char id[65];
  int r = ctr_lock_ref (d, ref, id, err);
  if (r < 0)
    return r;
  r = ctr_stop_sync_locked (d, id, timeout, err);
  ctr_unlock (d, id);
  return r;
}
