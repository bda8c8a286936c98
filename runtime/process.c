/* Process attributes of the container's init, set in the child. */
#include "process.h"

#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <sys/syscall.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "fsutil.h"

static void
limit_str (rlim_t v, char *buf, size_t len)
{
  if (v == RLIM_INFINITY)
    snprintf (buf, len, "unlimited");
  else
    snprintf (buf, len, "%" PRIu64, (uint64_t) v);
}

int
rt_rlimits_check (const struct rt_config *c, struct cd_err *err)
{
  for (size_t i = 0; i < c->n_rlimits; i++)
    {
      const struct rt_rlimit *l = &c->rlimits[i];
      struct rlimit cur;
      if (getrlimit (l->resource, &cur) < 0)
        return cd_err_sys (err, errno, "getrlimit %s", l->name);
      rlim_t want = (rlim_t) l->hard;
      if (cur.rlim_max != RLIM_INFINITY && (want == RLIM_INFINITY || want > cur.rlim_max))
        {
          char w[32], h[32];
          limit_str (want, w, sizeof w);
          limit_str (cur.rlim_max, h, sizeof h);
          return cd_err_set (err, EPERM, "rlimit %s: hard limit %s exceeds the current hard "
                                         "limit %s (raising it needs CAP_SYS_RESOURCE)",
                             l->name, w, h);
        }
    }
  return 0;
}

int
rt_proc_rlimits (const struct rt_config *c, struct cd_err *err)
{
  for (size_t i = 0; i < c->n_rlimits; i++)
    {
      const struct rt_rlimit *l = &c->rlimits[i];
      struct rlimit rl = { (rlim_t) l->soft, (rlim_t) l->hard };
      if (setrlimit (l->resource, &rl) < 0)
        return cd_err_sys (err, errno, "setrlimit %s (soft %" PRIu64 ", hard %" PRIu64 ")",
                           l->name, l->soft, l->hard);
    }
  return 0;
}

int
rt_proc_oom_score_adj (const struct rt_config *c, struct cd_err *err)
{
  if (!c->has_oom_score_adj)
    return 0;
  char buf[16];
  int n = snprintf (buf, sizeof buf, "%d", c->oom_score_adj);
  cleanup_close int fd = open ("/proc/self/oom_score_adj", O_WRONLY | O_CLOEXEC);
  if (fd < 0)
    return cd_err_sys (err, errno, "open `/proc/self/oom_score_adj`");
  if (write (fd, buf, (size_t) n) != n)
    {
      int e = errno;
      if (e == EACCES || e == EPERM)
        return cd_err_set (err, e, "set oom_score_adj to %d: %s (lowering it needs "
                                   "CAP_SYS_RESOURCE)", c->oom_score_adj, strerror (e));
      return cd_err_sys (err, e, "set oom_score_adj to %d", c->oom_score_adj);
    }
  return 0;
}

int
rt_proc_hostname_sysctl (const struct rt_config *c, struct cd_err *err)
{
  if (c->hostname && c->hostname[0] && sethostname (c->hostname, strlen (c->hostname)) < 0)
    return cd_err_sys (err, errno, "sethostname `%s`", c->hostname);
  for (size_t i = 0; i < c->n_sysctl; i++)
    {
      char path[512];
      int n = snprintf (path, sizeof path, "/proc/sys/%s", c->sysctl[i].key);
      for (char *p = path + 10; p < path + n; p++)
        if (*p == '.')
          *p = '/';
      cleanup_close int fd = open (path, O_WRONLY | O_CLOEXEC);
      size_t len = strlen (c->sysctl[i].value);
      if (fd < 0 || write (fd, c->sysctl[i].value, len) != (ssize_t) len)
        return cd_err_sys (err, errno, "sysctl %s=%s", c->sysctl[i].key, c->sysctl[i].value);
    }
  return 0;
}

int
rt_proc_cwd (const struct rt_config *c, struct cd_err *err)
{
  if (c->mkcwd && cd_mkdir_p (c->cwd, 0755, err) < 0)
    return cd_err_wrap (err, "create the working directory");
  if (chdir (c->cwd) < 0)
    return cd_err_sys (err, errno, "chdir to cwd (\"%s\") set in config.json failed", c->cwd);
  return 0;
}

/* 0, 1, 2 from s (-1: /dev/null); the sources may themselves be 0..2, so
 * they are first moved out of the way. */
int
rt_proc_stdio (const struct rt_stdio *s, bool terminal, struct cd_err *err)
{
  int src[3] = { s->in, s->out, s->err }, high[3];
  cleanup_close int devnull = -1;
  for (int i = 0; i < 3; i++)
    {
      if (src[i] < 0 && devnull < 0 && (devnull = open ("/dev/null", O_RDWR | O_CLOEXEC)) < 0)
        return cd_err_sys (err, errno, "open `/dev/null`");
      high[i] = fcntl (src[i] < 0 ? devnull : src[i], F_DUPFD_CLOEXEC, 10);
      if (high[i] < 0)
        return cd_err_sys (err, errno, "duplicate stdio fd %d", src[i]);
    }
  for (int i = 0; i < 3; i++)
    {
      if (dup2 (high[i], i) < 0)
        return cd_err_sys (err, errno, "dup2 stdio fd %d", i);
      close (high[i]);
    }
  if (setsid () < 0)
    return cd_err_sys (err, errno, "setsid");
  if (terminal && ioctl (STDIN_FILENO, TIOCSCTTY, 0) < 0)
    return cd_err_sys (err, errno, "set the controlling terminal (TIOCSCTTY)");
  return 0;
}

void
rt_proc_reset_signals (void)
{
  sigset_t all;
  sigemptyset (&all);
  sigprocmask (SIG_SETMASK, &all, NULL);
  for (int sig = 1; sig < NSIG; sig++)
    {
      if (sig == SIGKILL || sig == SIGSTOP)
        continue;
      /* glibc's signal() refuses its internal signals (32, 33), which an
       * ignoring parent would otherwise pass on: use the raw syscall. */
      struct
      {
        void (*handler) (int);
        unsigned long flags;
        void (*restorer) (void);
        unsigned long mask;
      } ksa = { SIG_DFL, 0, NULL, 0 };
      syscall (SYS_rt_sigaction, sig, &ksa, NULL, sizeof ksa.mask);
    }
}
