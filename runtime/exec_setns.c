/* rt_exec_spawn: the caller's side prepares (config, namespace fds,
 * cgroups), joins the pid namespace and forks; the child waits for its
 * cgroup placement, joins the other namespaces, opens its pty inside the
 * container (so `tty` names /dev/pts/N), becomes the container's user and
 * execs. As in rt_start, failures come back over a socketpair that a
 * successful execve closes. */
#include "exec_setns.h"

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "caps.h"
#include "cgroup.h"
#include "child.h"
#include "config.h"
#include "process.h"
#include "user.h"

#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

struct xs
{
  struct rt_config c;
  struct rt_cgroups cg;
  int ns_fd[8], ns_flag[8];
  size_t n_ns;
  int pid_ns;
  int sv[2];
  rt_seccomp_t seccomp; /* the container's filter (linux.seccomp) */
};

static const char *
proc_ns_name (int flag)
{
  switch (flag)
    {
    case CLONE_NEWNET: return "net";
    case CLONE_NEWIPC: return "ipc";
    case CLONE_NEWUTS: return "uts";
    case CLONE_NEWNS: return "mnt";
    case CLONE_NEWPID: return "pid";
    case CLONE_NEWCGROUP: return "cgroup";
    case CLONE_NEWUSER: return "user";
    default: return NULL;
    }
}

/* Every namespace the config lists, from the init: the mount namespace
 * last but one (after it /proc is the container's), cgroup last. */
static int
open_namespaces (const struct rt_exec_opts *o, struct xs *s, struct cd_err *err)
{
  static const int order[] = { CLONE_NEWUSER, CLONE_NEWIPC, CLONE_NEWUTS, CLONE_NEWNET,
                               CLONE_NEWPID, CLONE_NEWNS, CLONE_NEWCGROUP };
  for (size_t i = 0; i < sizeof order / sizeof order[0]; i++)
    {
      if (rt_config_ns (&s->c, order[i]) == NULL)
        continue;
      char path[64];
      snprintf (path, sizeof path, "/proc/%d/ns/%s", (int) o->init_pid, proc_ns_name (order[i]));
      int fd = open (path, O_RDONLY | O_CLOEXEC);
      if (fd < 0)
        return cd_err_sys (err, errno, "open `%s` (is the container running?)", path);
      if (order[i] == CLONE_NEWPID)
        s->pid_ns = fd;
      else
        {
          s->ns_fd[s->n_ns] = fd;
          s->ns_flag[s->n_ns++] = order[i];
        }
    }
  return 0;
}

static char **
strv_dup (char *const *v)
{
  size_t n = rt_strv_len (v);
  char **out = calloc (n + 1, sizeof *out);
  for (size_t i = 0; out && i < n; i++)
    if ((out[i] = strdup (v[i])) == NULL)
      {
        rt_strv_free (out);
        return NULL;
      }
  return out;
}

/* The container's env with the exec's KEY=VALUE entries replacing or added. */
static char **
merge_env (char *const *base, char *const *add)
{
  size_t nb = rt_strv_len (base), na = rt_strv_len (add), n = 0;
  char **out = calloc (nb + na + 1, sizeof *out);
  if (out == NULL)
    return NULL;
  for (size_t i = 0; i < nb; i++)
    {
      size_t kl = strcspn (base[i], "=");
      bool replaced = false;
      for (size_t j = 0; j < na && !replaced; j++)
        replaced = strncmp (add[j], base[i], kl) == 0 && add[j][kl] == '=';
      if (!replaced && (out[n++] = strdup (base[i])) == NULL)
        goto oom;
    }
  for (size_t j = 0; j < na; j++)
    if ((out[n++] = strdup (add[j])) == NULL)
      goto oom;
  return out;
oom:
  rt_strv_free (out);
  return NULL;
}

static uint64_t
bounding_set (void)
{
  uint64_t all = 0;
  int last = rt_cap_last ();
  for (int i = 0; i <= last && i < 64; i++)
    if (prctl (PR_CAPBSET_READ, i, 0, 0, 0) == 1)
      all |= 1ULL << i;
  return all;
}

static int
override (const struct rt_exec_opts *o, struct rt_config *c, struct cd_err *err)
{
  char **args = strv_dup (o->args), **env = merge_env (c->env, o->env);
  if (args == NULL || env == NULL || args[0] == NULL)
    {
      rt_strv_free (args);
      rt_strv_free (env);
      return cd_err_set (err, args && !args[0] ? EINVAL : ENOMEM,
                         args && !args[0] ? "No exec command specified" : "out of memory");
    }
  rt_strv_free (c->args);
  rt_strv_free (c->env);
  c->args = args;
  c->env = env;
  if (o->cwd && *o->cwd)
    {
      free (c->cwd);
      c->cwd = strdup (o->cwd);
    }
  if (o->user && *o->user)
    {
      free (c->user_spec);
      c->user_spec = strdup (o->user);
    }
  c->mkcwd = false;
  c->terminal = o->tty;
  if (o->privileged)
    {
      uint64_t all = bounding_set ();
      c->has_caps = true;
      c->caps = (struct rt_caps) { all, all, all, all, 0 };
    }
  return c->cwd ? 0 : cd_err_set (err, ENOMEM, "out of memory");
}

static int
prepare (const struct rt_exec_opts *o, struct xs *s, struct cd_err *err)
{
  int r;
  if ((r = rt_config_load (o->bundle, &s->c, err)) < 0 || (r = override (o, &s->c, err)) < 0)
    return r;
  if ((r = rt_cg_discover (s->c.cgroups_path, &s->cg, err)) < 0
      || (r = open_namespaces (o, s, err)) < 0
      || (r = rt_seccomp_build (s->c.seccomp_json, o->seccomp_cache, &s->seccomp, err)) < 0)
    return r;
  if (socketpair (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, s->sv) < 0)
    return cd_err_sys (err, errno, "socketpair");
  return 0;
}

static void
finish (struct xs *s)
{
  for (size_t i = 0; i < s->n_ns; i++)
    close (s->ns_fd[i]);
  if (s->pid_ns >= 0)
    close (s->pid_ns);
  for (int i = 0; i < 2; i++)
    if (s->sv[i] >= 0)
      close (s->sv[i]);
  rt_seccomp_free (s->seccomp);
  rt_cg_free (&s->cg);
  rt_config_free (&s->c);
}

/* ---- the child ---- */

static int
child_pty (const struct rt_exec_opts *o, int sock, int *slave, struct cd_err *err)
{
  return rt_pty_open_send (sock, o->rows, o->cols, slave, err);
}

static int
child_setup (const struct rt_exec_opts *o, struct xs *s, struct rt_user *u, struct cd_err *err)
{
  for (size_t i = 0; i < s->n_ns; i++)
    if (setns (s->ns_fd[i], s->ns_flag[i]) < 0)
      return cd_err_sys (err, errno, "join the container's %s namespace",
                         proc_ns_name (s->ns_flag[i]));
  struct rt_stdio io = o->stdio;
  int slave = -1, r;
  if (o->tty)
    {
      if ((r = child_pty (o, s->sv[1], &slave, err)) < 0)
        return r;
      io = (struct rt_stdio) { slave, slave, slave };
    }
  if ((r = rt_proc_stdio (&io, o->tty, err)) < 0)
    return r;
  if (slave >= 0)
    close (slave);
  if ((r = rt_user_resolve (&s->c, u, err)) < 0 || (r = rt_proc_cwd (&s->c, err)) < 0)
    return r;
  return rt_child_become (&s->c, u, s->seccomp, err);
}

__attribute__ ((noreturn)) static void
child_run (const struct rt_exec_opts *o, struct xs *s)
{
  struct cd_err err = { 0 };
  struct rt_user u = { 0 };
  int code = RT_EXIT_CANNOT_EXEC;
  char b;
  rt_proc_reset_signals ();
  if (read (s->sv[1], &b, 1) != 1)
    _exit (RT_EXIT_DAEMON_ERROR);
  if (child_setup (o, s, &u, &err) == 0)
    {
      syscall (SYS_close_range, 3U, ~0U, CLOSE_RANGE_CLOEXEC);
      rt_exec (&s->c, u.home, &code, &err);
    }
  struct rt_child_error rec;
  memset (&rec, 0, sizeof rec);
  rec.exit_code = code;
  rec.err_no = err.code ? err.code : EIO;
  snprintf (rec.msg, sizeof rec.msg, "%s", err.msg);
  if (write (s->sv[1], &rec, sizeof rec) < 0)
    _exit (code);
  _exit (code);
}

/* ---- the caller ---- */

static int
recv_first (int fd, char *byte, int *master)
{
  return rt_pty_recv_first (fd, byte, master);
}

static int
read_result (int fd, bool tty, int *master, int *exit_code, struct cd_err *err)
{
  struct rt_child_error rec;
  size_t got = 0;
  int r = recv_first (fd, (char *) &rec, master);
  if (r < 0)
    return cd_err_sys (err, errno, "read from the exec'd process");
  if (r == 0)
    return tty ? cd_err_set (err, EIO, "the exec'd process sent no pty") : 0;
  got = r == 1 ? 1 : 0;
  while (got < sizeof rec)
    {
      ssize_t n = read (fd, (char *) &rec + got, sizeof rec - got);
      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        break;
      got += (size_t) n;
    }
  if (got == 0)
    return 0;
  if (got < sizeof rec)
    return cd_err_set (err, EIO, "short error report from the exec'd process");
  rec.msg[sizeof rec.msg - 1] = '\0';
  *exit_code = rec.exit_code;
  return cd_err_set (err, rec.err_no, "%s", rec.msg);
}

static int
run (const struct rt_exec_opts *o, struct xs *s, pid_t *pid, int *master, int *exit_code,
     struct cd_err *err)
{
  if (s->pid_ns >= 0 && setns (s->pid_ns, CLONE_NEWPID) < 0)
    return cd_err_sys (err, errno, "join the container's pid namespace");
  pid_t child = fork ();
  if (child < 0)
    return cd_err_sys (err, errno, "fork");
  if (child == 0)
    {
      close (s->sv[0]);
      child_run (o, s);
    }
  close (s->sv[1]);
  s->sv[1] = -1;
  int r = rt_cg_enter (&s->cg, child, err);
  if (r == 0 && send (s->sv[0], "g", 1, MSG_NOSIGNAL) != 1)
    r = cd_err_sys (err, errno, "start the exec'd process");
  if (r == 0)
    r = read_result (s->sv[0], o->tty, master, exit_code, err);
  if (r < 0)
    {
      kill (child, SIGKILL);
      while (waitpid (child, NULL, 0) < 0 && errno == EINTR)
        ;
      if (*master >= 0)
        close (*master);
      *master = -1;
      return r;
    }
  *pid = child;
  return 0;
}

int
rt_exec_spawn (const struct rt_exec_opts *o, pid_t *pid, int *pty_master, int *exit_code,
               struct cd_err *err)
{
  struct xs s;
  memset (&s, 0, sizeof s);
  s.sv[0] = s.sv[1] = s.pid_ns = -1;
  *pid = -1;
  *pty_master = -1;
  *exit_code = RT_EXIT_CANNOT_EXEC;
  cd_err_clear (err);
  int r = prepare (o, &s, err);
  if (r == 0)
    r = run (o, &s, pid, pty_master, exit_code, err);
  finish (&s);
  return r;
}
