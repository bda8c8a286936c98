/* rt_start / rt_cleanup: the caller's side. Everything that can be checked
 * is checked before clone; the child then reports its own failures over a
 * socketpair, which a successful execve closes (O_CLOEXEC). The init is
 * created with a raw clone(2) (CLONE_NEWPID: the returned pid is the
 * namespace's PID 1), so the caller must be single-threaded, as cdmon is. */
#include "runtime.h"

#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "caps.h"
#include "cgroup.h"
#include "cgroup_limits.h"
#include "child.h"
#include "cleanup.h"
#include "config.h"
#include "mounts.h"
#include "namespaces.h"
#include "process.h"

struct start
{
  struct rt_config c;
  struct rt_cgroups cg;
  struct rt_resources res;
  struct rt_mount_plan plan;
  struct rt_ns_joins joins;
  rt_seccomp_t seccomp;
  int sv[2];
};

static int
prepare (const struct rt_start_opts *o, struct start *s, struct cd_err *err)
{
  int r;
  if ((r = rt_config_load (o->bundle, &s->c, err)) < 0)
    return r;
  if (s->c.has_caps && (r = rt_caps_check (&s->c.caps, err)) < 0)
    return r;
  if ((r = rt_rlimits_check (&s->c, err)) < 0
      || (r = rt_cg_discover (s->c.cgroups_path, &s->cg, err)) < 0
      || (r = rt_mount_plan_build (&s->c, &s->cg, &s->plan, err)) < 0
      || (r = rt_ns_open (&s->c, &s->joins, err)) < 0
      || (r = rt_seccomp_build (s->c.seccomp_json, o->seccomp_cache, &s->seccomp, err)) < 0)
    return r;
  if (socketpair (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, s->sv) < 0)
    return cd_err_sys (err, errno, "socketpair");
  if ((r = rt_res_load (o->bundle, &s->res, err)) < 0 || (r = rt_cg_create (&s->cg, err)) < 0)
    return r;
  return rt_res_apply (&s->cg, &s->res, err);
}

static void
finish (struct start *s)
{
  rt_ns_close (&s->joins);
  rt_seccomp_free (s->seccomp);
  rt_mount_plan_free (&s->plan);
  rt_cg_free (&s->cg);
  rt_res_free (&s->res);
  rt_config_free (&s->c);
  for (int i = 0; i < 2; i++)
    if (s->sv[i] >= 0)
      close (s->sv[i]);
}

static void
reap (pid_t pid)
{
  while (waitpid (pid, NULL, 0) < 0 && errno == EINTR)
    ;
}

/* Reads the child's error record; 0 when the socket closed empty (execve
 * succeeded), else the child's error. */
static int
read_result (int fd, int *master, int *exit_code, struct cd_err *err)
{
  struct rt_child_error rec;
  size_t got = 0;
  if (master)
    {
      int f = rt_pty_recv_first (fd, (char *) &rec, master);
      if (f < 0)
        return cd_err_sys (err, errno, "read from the container's init");
      if (f == 0)
        return cd_err_set (err, EIO, "the container's init sent no terminal");
      got = f == 1 ? 1 : 0;
    }
  while (got < sizeof rec)
    {
      ssize_t n = read (fd, (char *) &rec + got, sizeof rec - got);
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        return cd_err_sys (err, errno, "read from the container's init");
      if (n == 0)
        break;
      got += (size_t) n;
    }
  if (got == 0)
    return 0;
  if (got < sizeof rec)
    return cd_err_set (err, EIO, "short error report from the container's init");
  rec.msg[sizeof rec.msg - 1] = '\0';
  *exit_code = rec.exit_code;
  return cd_err_set (err, rec.err_no, "%s", rec.msg);
}

static int
run (const struct rt_start_opts *o, struct start *s, pid_t *pid, int *exit_code,
     struct cd_err *err)
{
  int flags = rt_ns_clone_flags (&s->c);
  bool pty = o->pty_master != NULL && s->c.terminal;
  int master = -1;
  pid_t child = (pid_t) syscall (SYS_clone, (unsigned long) flags | SIGCHLD, NULL, NULL, NULL,
                                 NULL);
  if (child < 0)
    return cd_err_sys (err, errno, "clone");
  if (child == 0)
    {
      close (s->sv[0]);
      struct rt_child ch = { &s->c, &s->plan, &s->joins, &o->stdio, s->sv[1], s->seccomp, pty };
      rt_child_run (&ch);
    }
  close (s->sv[1]);
  s->sv[1] = -1;
  int r = rt_cg_enter (&s->cg, child, err);
  if (r == 0 && send (s->sv[0], "g", 1, MSG_NOSIGNAL) != 1)
    r = cd_err_sys (err, errno, "start the container's init");
  if (r == 0)
    r = read_result (s->sv[0], pty ? &master : NULL, exit_code, err);
  if (r < 0)
    {
      if (master >= 0)
        close (master);
      kill (child, SIGKILL);
      reap (child);
      return r;
    }
  *pid = child;
  if (pty)
    *o->pty_master = master;
  return 0;
}

int
rt_start (const struct rt_start_opts *o, pid_t *pid, int *exit_code, struct cd_err *err)
{
  struct start s;
  memset (&s, 0, sizeof s);
  s.sv[0] = s.sv[1] = -1;
  cd_err_clear (err);
  *exit_code = RT_EXIT_DAEMON_ERROR;
  *pid = -1;
  int r = prepare (o, &s, err);
  if (r == 0)
    r = run (o, &s, pid, exit_code, err);
  if (r < 0)
    rt_cg_rollback (&s.cg);
  if (r < 0 && *exit_code == 0)
    *exit_code = RT_EXIT_DAEMON_ERROR;
  finish (&s);
  return r;
}

int
rt_cleanup (const char *bundle, struct cd_err *err)
{
  struct rt_config c;
  struct rt_cgroups cg;
  int r = rt_config_load (bundle, &c, err);
  if (r < 0)
    return r;
  if (c.cgroups_path && (r = rt_cg_discover (c.cgroups_path, &cg, err)) == 0)
    {
      r = rt_cg_remove (&cg, err);
      rt_cg_free (&cg);
    }
  rt_config_free (&c);
  return r;
}
