#include "monitor/start.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <sys/prctl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "fsutil.h"
#include "lib/log.h"
#include "monitor/ctl.h"
#include "monitor/exitfile.h"
#include "monitor/jsonfmt.h"
#include "monitor/log.h"
#include "runtime/runtime.h"

/* What mon_start set up, to hand on to the relay or to undo. */
struct mon_setup
{
  int ctl_fd, log_fd, attach_fd;
  struct mon_stdio io;
  char pid_path[PATH_MAX], ctl_path[PATH_MAX], attach_path[PATH_MAX];
  char oom_path[PATH_MAX];
  char cgroup_dirs[8192];
  char self[PATH_MAX], relay[PATH_MAX];
  char started_at[MON_TIME_MAX];
};

/* Writes the one line of the start protocol (monitor.h) and closes fd, so
 * the daemon's read ends. */
static void
sync_send (int fd, const struct mon_buf *b)
{
  if (!b->overflow && write (fd, b->p, b->len) < 0)
    log_error ("cdmon: write sync fd: %s", strerror (errno));
  close (fd);
}

void
mon_sync_error (int fd, const char *msg, int code)
{
  if (fd < 0)
    return;
  char text[2048];
  struct mon_buf b;
  mon_buf_init (&b, text, sizeof text);
  mon_buf_str (&b, "{\"error\":");
  mon_buf_jstr (&b, msg);
  mon_buf_str (&b, ",\"exit_code\":");
  mon_buf_int (&b, code);
  mon_buf_str (&b, "}\n");
  sync_send (fd, &b);
}

/* The container runs: tells the daemon at once, before the relay's exec,
 * so the start answers while the relay is still loading. */
static void
sync_ok (int fd, pid_t pid, const char *started_at)
{
  if (fd < 0)
    return;
  char text[256];
  struct mon_buf b;
  mon_buf_init (&b, text, sizeof text);
  mon_buf_str (&b, "{\"pid\":");
  mon_buf_int (&b, pid);
  mon_buf_str (&b, ",\"started_at\":");
  mon_buf_jstr (&b, started_at);
  mon_buf_str (&b, "}\n");
  sync_send (fd, &b);
}

/* cdmon-relay lives next to cdmon (bin/ in the tree, PREFIX/bin installed). */
static int
find_binaries (struct mon_setup *s, struct cd_err *err)
{
  ssize_t n = readlink ("/proc/self/exe", s->self, sizeof s->self - 1);
  if (n < 0)
    return cd_err_sys (err, errno, "readlink /proc/self/exe");
  s->self[n] = '\0';
  char *slash = strrchr (s->self, '/');
  int dl = slash ? (int) (slash - s->self) : 0;
  snprintf (s->relay, sizeof s->relay, "%.*s/cdmon-relay", dl, s->self);
  if (access (s->relay, X_OK) < 0)
    return cd_err_sys (err, errno, "cdmon-relay `%s`", s->relay);
  return 0;
}

static int
write_pid_file (struct mon_setup *s, const char *bundle, struct cd_err *err)
{
  char text[32];
  int n = snprintf (text, sizeof text, "%d\n", (int) getpid ());
  snprintf (s->pid_path, sizeof s->pid_path, "%s/monitor.pid", bundle);
  return cd_write_file_replace (s->pid_path, text, (size_t) n, 0644, err);
}

static int
open_log (const char *path, struct cd_err *err)
{
  char dir[PATH_MAX];
  snprintf (dir, sizeof dir, "%s", path);
  char *slash = strrchr (dir, '/');
  if (slash != NULL && slash != dir)
    {
      *slash = '\0';
      int r = cd_mkdir_p (dir, 0700, err);
      if (r < 0)
        return r;
    }
  return mon_log_open_file (path, err);
}

static int
prepare (const struct mon_opts *o, struct mon_setup *s, struct cd_err *err)
{
  int r = find_binaries (s, err);
  if (r < 0)
    return r;
  snprintf (s->ctl_path, sizeof s->ctl_path, "%s/ctl.sock", o->bundle);
  s->ctl_fd = mon_ctl_listen (s->ctl_path, err);
  if (s->ctl_fd < 0)
    return s->ctl_fd;
  snprintf (s->attach_path, sizeof s->attach_path, "%s/attach.sock", o->bundle);
  s->attach_fd = mon_ctl_listen (s->attach_path, err);
  if (s->attach_fd < 0)
    return s->attach_fd;
  char path[PATH_MAX];
  /* A new run: the exit of the previous one is no longer the truth. */
  snprintf (path, sizeof path, "%s/exit.json", o->bundle);
  unlink (path);
  r = write_pid_file (s, o->bundle, err);
  if (r < 0)
    return r;
  s->log_fd = open_log (o->log_path, err);
  if (s->log_fd < 0)
    return s->log_fd;
  r = mon_stdio_open (&s->io, o->tty, o->open_stdin, err);
  if (r < 0)
    return r;
  mon_cgroup_files (o->bundle, s->oom_path, sizeof s->oom_path, s->cgroup_dirs,
                    sizeof s->cgroup_dirs);
  return 0;
}

static void
undo (struct mon_setup *s)
{
  mon_stdio_close_all (&s->io);
  if (s->log_fd >= 0)
    close (s->log_fd);
  if (s->ctl_fd >= 0)
    {
      close (s->ctl_fd);
      unlink (s->ctl_path);
    }
  if (s->pid_path[0])
    unlink (s->pid_path);
  if (s->attach_fd >= 0)
    {
      close (s->attach_fd);
      unlink (s->attach_path);
    }
}

static const char *
fd_arg (char buf[16], int fd)
{
  snprintf (buf, 16, "%d", fd);
  if (fd >= 0)
    fcntl (fd, F_SETFD, 0);
  return buf;
}

/* Replaces this process by cdmon-relay, which stays the parent of PID.
 * Returns only when execv failed. */
static int
exec_relay (const struct mon_opts *o, struct mon_setup *s, pid_t pid, struct cd_err *err)
{
  char nb[11][16];
  const struct mon_stdio *io = &s->io;
  snprintf (nb[0], 16, "%d", (int) pid);
  snprintf (nb[1], 16, "%d", o->log_max_file);
  char maxsize[24];
  snprintf (maxsize, sizeof maxsize, "%lld", (long long) o->log_max_size);
  const char *argv[] = {
    "cdmon-relay", "--id", o->id, "--bundle", o->bundle, "--log-path", o->log_path,
    "--log-fd", fd_arg (nb[2], s->log_fd), "--log-max-size", maxsize,
    "--log-max-file", nb[1], "--pid", nb[0], "--started-at", s->started_at,
    "--ctl-fd", fd_arg (nb[3], s->ctl_fd), "--out-fd", fd_arg (nb[4], io->out_r),
    "--err-fd", fd_arg (nb[5], io->err_r), "--pty-fd", fd_arg (nb[6], io->pty_master),
    "--in-fd", fd_arg (nb[7], io->in_w),
    "--oom-file", s->oom_path, "--cgroup-dirs", s->cgroup_dirs, "--cdmon", s->self,
    "--attach-fd", fd_arg (nb[9], s->attach_fd), NULL,
  };
  const char *args[sizeof argv / sizeof argv[0] + 32];
  size_t n = 0;
  for (; argv[n]; n++)
    args[n] = argv[n];
  for (int i = 0; i < o->n_attach; i++)
    {
      args[n++] = "--attach-client";
      args[n++] = o->attach[i];
      fcntl (atoi (o->attach[i]), F_SETFD, 0);
    }
  args[n] = NULL;
  execv (s->relay, (char **) args);
  return cd_err_sys (err, errno, "exec `%s`", s->relay);
}

static void
set_signals (void (*handler) (int))
{
  struct sigaction sa = { .sa_handler = handler, .sa_flags = SA_RESTART };
  sigemptyset (&sa.sa_mask);
  int sigs[] = { SIGTERM, SIGINT, SIGHUP, SIGPIPE };
  for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
    sigaction (sigs[i], &sa, NULL);
}

/* Kills what rt_start started when the relay could not take over. */
static void
abandon (const char *bundle, pid_t pid)
{
  struct cd_err err;
  kill (pid, SIGKILL);
  waitpid (pid, NULL, 0);
  if (rt_cleanup (bundle, &err) < 0)
    log_error ("cdmon: %s", err.msg);
}

int
mon_start (const struct mon_opts *o)
{
  struct mon_setup s = { .ctl_fd = -1, .log_fd = -1, .attach_fd = -1 };
  s.io = (struct mon_stdio) { -1, -1, -1, -1, -1, -1, -1, -1 };
  struct cd_err err = { 0 };
  int code = RT_EXIT_DAEMON_ERROR;
  pid_t pid = -1;
  int r = prepare (o, &s, &err);
  /* Processes of the container that outlive its init (without a pid
   * namespace) come back to the monitor, which reaps them, instead of
   * lingering under PID 1. Kept across the exec of the relay. */
  if (r == 0 && prctl (PR_SET_CHILD_SUBREAPER, 1) < 0)
    r = cd_err_sys (&err, errno, "prctl PR_SET_CHILD_SUBREAPER");
  if (r == 0)
    {
      /* with a tty the init opens its terminal in the container's devpts
       * and hands its master back */
      struct rt_start_opts ro = {
        .bundle = o->bundle, .id = o->id, .seccomp_cache = o->seccomp_cache,
        .stdio = { s.io.in_r, s.io.out_w, s.io.err_w },
        .pty_master = o->tty ? &s.io.pty_master : NULL,
      };
      r = rt_start (&ro, &pid, &code, &err);
      mon_stdio_close_child (&s.io);
      if (r == 0 && s.io.pty_master >= 0)
        fcntl (s.io.pty_master, F_SETFL, fcntl (s.io.pty_master, F_GETFL) | O_NONBLOCK);
    }
  if (r == 0)
    {
      struct timespec now;
      clock_gettime (CLOCK_REALTIME, &now);
      mon_fmt_time (s.started_at, &now, false);
      /* From here on SIGTERM and SIGINT never end the monitor. They were
       * caught (not ignored) until now so the container's init, forked by
       * rt_start, did not inherit SIG_IGN; ignoring survives the exec. */
      set_signals (SIG_IGN);
      sync_ok (o->sync_fd, pid, s.started_at);
      r = exec_relay (o, &s, pid, &err);
      /* The daemon was told it runs: it learns the end from exit.json. */
      log_error ("cdmon: %s", err.msg);
      abandon (o->bundle, pid);
      struct mon_exit ex = { .exit_code = RT_EXIT_DAEMON_ERROR };
      memcpy (ex.started_at, s.started_at, sizeof ex.started_at);
      struct timespec end;
      clock_gettime (CLOCK_REALTIME, &end);
      mon_fmt_time (ex.finished_at, &end, false);
      mon_exit_write (o->bundle, &ex, &err);
      undo (&s);
      return 1;
    }
  if (err.msg[0] == '\0')
    cd_err_set (&err, EIO, "starting the container failed");
  log_error ("cdmon: %s", err.msg);
  mon_sync_error (o->sync_fd, err.msg, code);
  undo (&s);
  return 1;
}

static void
on_signal (int sig)
{
  (void) sig;
}

void
mon_catch_signals (void)
{
  set_signals (on_signal);
}
