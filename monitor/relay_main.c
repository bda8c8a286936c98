/* cdmon-relay: exec'd by cdmon once the container runs (see relay.h). Links
 * libc only and is built static, so the resident set of a monitor stays
 * under 1 MiB however long the container runs. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "monitor/relay.h"

static int
parse_num (const char *s, long long *out)
{
  char *end;
  errno = 0;
  long long v = strtoll (s, &end, 10);
  if (errno != 0 || end == s || *end != '\0')
    return -1;
  *out = v;
  return 0;
}

/* The fds named on the command line are ours now: none must leak into the
 * cleanup helper. */
static void
set_cloexec (int fd)
{
  if (fd >= 0)
    fcntl (fd, F_SETFD, FD_CLOEXEC);
}

static int
set_num (struct relay_opts *o, const char *key, const char *val)
{
  static const struct
  {
    const char *key;
    size_t off;
  } nums[] = {
    { "--ctl-fd", offsetof (struct relay_opts, ctl_fd) },
    { "--log-fd", offsetof (struct relay_opts, log_fd) },
    { "--out-fd", offsetof (struct relay_opts, out_fd) },
    { "--err-fd", offsetof (struct relay_opts, err_fd) },
    { "--pty-fd", offsetof (struct relay_opts, pty_fd) },
    { "--in-fd", offsetof (struct relay_opts, in_fd) },
    { "--attach-fd", offsetof (struct relay_opts, attach_fd) },
    { "--log-max-file", offsetof (struct relay_opts, log_max_file) },
  };
  long long v;
  if (parse_num (val, &v) < 0)
    return -1;
  for (size_t i = 0; i < sizeof nums / sizeof nums[0]; i++)
    if (strcmp (key, nums[i].key) == 0)
      {
        *(int *) ((char *) o + nums[i].off) = (int) v;
        return 0;
      }
  if (strcmp (key, "--pid") == 0)
    o->pid = (pid_t) v;
  else if (strcmp (key, "--log-max-size") == 0)
    o->log_max_size = v;
  else
    return -1;
  return 0;
}

static int
parse_args (int argc, char **argv, struct relay_opts *o)
{
  *o = (struct relay_opts) { .ctl_fd = -1, .log_fd = -1, .out_fd = -1, .err_fd = -1,
                             .pty_fd = -1, .in_fd = -1, .log_max_file = 1,
                             .attach_fd = -1 };
  for (int i = 1; i < argc; i += 2)
    {
      const char *k = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
      if (v == NULL)
        return -1;
      if (strcmp (k, "--id") == 0)
        o->id = v;
      else if (strcmp (k, "--bundle") == 0)
        o->bundle = v;
      else if (strcmp (k, "--log-path") == 0)
        o->log_path = v;
      else if (strcmp (k, "--started-at") == 0)
        o->started_at = v;
      else if (strcmp (k, "--oom-file") == 0)
        o->oom_file = v;
      else if (strcmp (k, "--cdmon") == 0)
        o->cdmon = v;
      else if (strcmp (k, "--cgroup-dirs") == 0)
        o->cgroup_dirs = v;
      else if (strcmp (k, "--attach-client") == 0)
        {
          if (o->n_attach_clients < 16)
            o->attach_clients[o->n_attach_clients++] = v;
        }
      else if (set_num (o, k, v) < 0)
        return -1;
    }
  if (!o->id || !o->bundle || !o->log_path || !o->started_at || o->pid <= 0 || o->ctl_fd < 0
      || o->log_fd < 0)
    return -1;
  return 0;
}

int
main (int argc, char **argv)
{
  struct relay_opts o;
  /* Still the container's monitor: keep the name people look for (pgrep -x cdmon). */
  prctl (PR_SET_NAME, "cdmon", 0, 0, 0);
  if (parse_args (argc, argv, &o) < 0)
    {
      static const char usage[] = "cdmon-relay: internal to cdmon, not to be run by hand\n";
      if (write (STDERR_FILENO, usage, sizeof usage - 1) < 0)
        return 2;
      return 2;
    }
  /* The daemon stops containers through ctl.sock: these never end us. */
  signal (SIGTERM, SIG_IGN);
  signal (SIGINT, SIG_IGN);
  signal (SIGHUP, SIG_IGN);
  signal (SIGPIPE, SIG_IGN);
  int fds[] = { o.ctl_fd, o.log_fd, o.out_fd, o.err_fd, o.pty_fd, o.in_fd, o.attach_fd };
  for (int i = 0; i < o.n_attach_clients; i++)
    set_cloexec (atoi (o.attach_clients[i]));
  for (size_t i = 0; i < sizeof fds / sizeof fds[0]; i++)
    set_cloexec (fds[i]);
  int outs[] = { o.out_fd, o.err_fd, o.pty_fd, o.in_fd };
  for (size_t i = 0; i < sizeof outs / sizeof outs[0]; i++)
    if (outs[i] >= 0)
      fcntl (outs[i], F_SETFL, fcntl (outs[i], F_GETFL) | O_NONBLOCK);
  return relay_run (&o);
}
