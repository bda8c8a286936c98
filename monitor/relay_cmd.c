/* Control requests and what the relay does once the container's init has
 * exited: exit.json, rt_cleanup (through `cdmon --cleanup`), the exit event. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "monitor/jsonfmt.h"
#include "monitor/relay_int.h"

#define CLEANUP_MS 10000
#define NOTIFY_MS 1000

static void
reply_buf (struct mon_client *c, struct mon_buf *b)
{
  mon_buf_raw (b, "\n", 1);
  if (!b->overflow)
    mon_client_send (c, b->p, b->len);
}

static void
reply_error (struct mon_client *c, const char *msg)
{
  char text[1024];
  struct mon_buf b;
  mon_buf_init (&b, text, sizeof text);
  mon_buf_str (&b, "{\"error\":");
  mon_buf_jstr (&b, msg);
  mon_buf_str (&b, "}");
  reply_buf (c, &b);
}

static void
reply_ok (struct mon_client *c)
{
  static const char ok[] = "{\"ok\":true}\n";
  mon_client_send (c, ok, sizeof ok - 1);
}

static void
cmd_kill (struct relay *r, struct mon_client *c, const struct mon_req *q)
{
  long long sig = q->has_signal ? q->signal : SIGTERM;
  if (sig < 0 || sig > SIGRTMAX)
    {
      reply_error (c, "invalid signal");
      return;
    }
  /* Once reaped the pid may belong to someone else: never signal it. */
  if (!r->running)
    {
      reply_error (c, "container is not running");
      return;
    }
  if (kill (r->o->pid, (int) sig) < 0)
    {
      char msg[128];
      snprintf (msg, sizeof msg, "kill: %s", strerror (errno));
      reply_error (c, msg);
      return;
    }
  reply_ok (c);
}

static void
cmd_state (struct relay *r, struct mon_client *c)
{
  char text[1024];
  struct mon_buf b;
  mon_buf_init (&b, text, sizeof text);
  mon_buf_str (&b, "{\"pid\":");
  mon_buf_int (&b, r->o->pid);
  mon_buf_str (&b, r->running ? ",\"running\":true" : ",\"running\":false");
  mon_buf_str (&b, ",\"started_at\":");
  mon_buf_jstr (&b, r->ex.started_at);
  if (!r->running)
    {
      mon_buf_str (&b, ",\"exit_code\":");
      mon_buf_int (&b, r->ex.exit_code);
      mon_buf_str (&b, ",\"signal\":");
      mon_buf_int (&b, r->ex.signal);
      mon_buf_str (&b, ",\"finished_at\":");
      mon_buf_jstr (&b, r->ex.finished_at);
    }
  mon_buf_str (&b, "}");
  reply_buf (c, &b);
}

static void
cmd_resize (struct relay *r, struct mon_client *c, const struct mon_req *q)
{
  if (r->o->pty_fd < 0)
    {
      reply_error (c, "the container has no terminal");
      return;
    }
  if (!r->running)
    {
      reply_error (c, "container is not running");
      return;
    }
  if (!q->has_h || !q->has_w || q->h <= 0 || q->w <= 0 || q->h > 65535 || q->w > 65535)
    {
      reply_error (c, "resize needs \"h\" and \"w\" between 1 and 65535");
      return;
    }
  struct winsize ws = { .ws_row = (unsigned short) q->h, .ws_col = (unsigned short) q->w };
  if (ioctl (r->o->pty_fd, TIOCSWINSZ, &ws) < 0)
    {
      char msg[128];
      snprintf (msg, sizeof msg, "resize: %s", strerror (errno));
      reply_error (c, msg);
      return;
    }
  reply_ok (c);
}

void
relay_request (void *ctx, struct mon_client *c, char *line, size_t len)
{
  struct relay *r = ctx;
  struct mon_req q;
  struct cd_err err;
  if (mon_req_parse (line, len, &q, &err) < 0)
    reply_error (c, err.msg);
  else if (strcmp (q.cmd, "kill") == 0)
    cmd_kill (r, c, &q);
  else if (strcmp (q.cmd, "state") == 0)
    cmd_state (r, c);
  else if (strcmp (q.cmd, "resize") == 0)
    cmd_resize (r, c, &q);
  else
    {
      char msg[96];
      snprintf (msg, sizeof msg, "unknown command \"%s\"", q.cmd);
      reply_error (c, msg);
    }
}

void
relay_remember_ctl (struct relay *r)
{
  char path[PATH_MAX];
  struct stat st;
  snprintf (path, sizeof path, "%s/ctl.sock", r->o->bundle);
  if (stat (path, &st) == 0)
    {
      r->ctl_dev = st.st_dev;
      r->ctl_ino = st.st_ino;
    }
}

/* Removes ctl.sock and monitor.pid, but only while they are still ours: a
 * new monitor for the same bundle may already have replaced them. */
static void
unlink_owned (struct relay *r)
{
  char path[PATH_MAX];
  struct stat st;
  snprintf (path, sizeof path, "%s/ctl.sock", r->o->bundle);
  if (stat (path, &st) == 0 && st.st_dev == r->ctl_dev && st.st_ino == r->ctl_ino)
    unlink (path);
  snprintf (path, sizeof path, "%s/monitor.pid", r->o->bundle);
  int fd = open (path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return;
  char text[32];
  ssize_t n = read (fd, text, sizeof text - 1);
  close (fd);
  if (n <= 0)
    return;
  text[n] = '\0';
  if (strtol (text, NULL, 10) == (long) getpid ())
    unlink (path);
}

/* The common case without a process: every cgroup directory is empty once
 * the init is reaped (the pid namespace is gone with it), so one rmdir each
 * does. True when all are gone; anything else is left to `cdmon --cleanup`,
 * which kills stragglers and retries. */
static bool
remove_cgroups (struct relay *r)
{
  const char *p = r->o->cgroup_dirs;
  if (p == NULL || *p == '\0')
    return false;
  bool all = true;
  while (*p)
    {
      size_t n = strcspn (p, "\n");
      char dir[PATH_MAX];
      if (n < sizeof dir)
        {
          memcpy (dir, p, n);
          dir[n] = '\0';
          if (rmdir (dir) < 0 && errno != ENOENT)
            all = false;
        }
      else
        all = false;
      p += n + (p[n] == '\n');
    }
  return all;
}

static pid_t
spawn_cleanup (struct relay *r)
{
  if (r->o->cdmon == NULL || remove_cgroups (r))
    return 0;
  pid_t p = fork ();
  if (p == 0)
    {
      sigset_t none;
      sigemptyset (&none);
      sigprocmask (SIG_SETMASK, &none, NULL);
      execl (r->o->cdmon, "cdmon", "--cleanup", r->o->bundle, (char *) NULL);
      _exit (127);
    }
  if (p < 0)
    relay_warn ("fork for cleanup: %s", strerror (errno));
  return p < 0 ? 0 : p;
}

static void
enter_cleanup (struct relay *r)
{
  relay_drain_and_close (r);
  if (r->log.dropped > 0)
    relay_warn ("log %s: %llu bytes lost: %s", r->o->log_path,
                (unsigned long long) r->log.dropped, strerror (r->log.last_errno));
  int64_t oom = mon_oom_count (r->o->oom_file);
  r->ex.oom_killed = oom > (r->oom_base > 0 ? r->oom_base : 0);
  struct cd_err err;
  if (mon_exit_write (r->o->bundle, &r->ex, &err) < 0)
    relay_warn ("%s", err.msg);
  r->cleanup_pid = spawn_cleanup (r);
  r->phase = PH_CLEANUP;
  r->deadline = relay_now_ms () + CLEANUP_MS;
}

static void
enter_notify (struct relay *r)
{
  if (r->cleanup_pid > 0)
    {
      relay_warn ("cleanup of %s timed out", r->o->id);
      kill (r->cleanup_pid, SIGKILL);
      waitpid (r->cleanup_pid, NULL, 0);
      r->cleanup_pid = 0;
    }
  unlink_owned (r);
  relay_sync_clients (r, true);
  r->phase = PH_NOTIFY;
  r->deadline = relay_now_ms () + NOTIFY_MS;
}

void
relay_advance (struct relay *r)
{
  for (;;)
    {
      enum relay_phase before = r->phase;
      bool late = r->deadline != 0 && relay_now_ms () >= r->deadline;
      if (r->phase == PH_DRAINING && ((r->st[0].fd < 0 && r->st[1].fd < 0) || late))
        enter_cleanup (r);
      else if (r->phase == PH_CLEANUP && (r->cleanup_pid == 0 || late))
        enter_notify (r);
      else if (r->phase == PH_NOTIFY && (!relay_clients_pending (r) || late))
        r->phase = PH_DONE;
      if (r->phase == before)
        return;
    }
}

void
relay_finish (struct relay *r)
{
  relay_close_clients (r);
  mon_log_close (&r->log);
  close (r->o->ctl_fd);
  /* The pty master was closed with its stream; stdin maybe by StdinOnce. */
  if (r->in_fd >= 0 && r->in_fd != r->o->pty_fd)
    close (r->in_fd);
  if (r->o->attach_fd >= 0)
    close (r->o->attach_fd);
  close (r->sfd);
  close (r->ep);
}
