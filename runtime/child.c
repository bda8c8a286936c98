/* The container's init, from clone to execve, in runc's order: join
 * namespaces, wait until the caller has placed us in our cgroups, build the
 * root and pivot into it, hostname and sysctls, user lookup, working
 * directory, masked and read-only paths, capabilities and user, execve. Any
 * failure is reported to the caller as a struct rt_child_error. Nothing
 * fallible happens before the "go" byte, so the caller never has to place a
 * child that already died. Runs in a copy of a single-threaded caller (raw
 * clone): malloc and stdio are usable, raise() and abort() are not. */
#include "child.h"

#include <fcntl.h>
#include <stdio.h>
#include <sys/mount.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/stat.h>
#include <unistd.h>

#include "caps.h"
#include "process.h"
#include "user.h"

#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

static bool
wait_go (int fd)
{
  char b;
  ssize_t n;
  do
    n = read (fd, &b, 1);
  while (n < 0 && errno == EINTR);
  return n == 1;
}

/* After pivot_root: the terminal from the container's devpts, as stdio and
 * bound on /dev/console (runc's console socket, without a socket path). */
static int
container_console (const struct rt_child *ch, struct cd_err *err)
{
  int slave, r;
  if ((r = rt_pty_open_send (ch->sync_fd, 0, 0, &slave, err)) < 0)
    return r;
  struct rt_stdio io = { slave, slave, slave };
  if ((r = rt_proc_stdio (&io, true, err)) < 0)
    return r;
  char name[64];
  if (ttyname_r (slave, name, sizeof name) == 0)
    {
      int fd = open ("/dev/console", O_CREAT | O_WRONLY | O_CLOEXEC | O_NOFOLLOW, 0600);
      if (fd >= 0)
        close (fd);
      if (mount (name, "/dev/console", NULL, MS_BIND, NULL) < 0)
        return cd_err_sys (err, errno, "bind `%s` on `/dev/console`", name);
    }
  close (slave);
  return 0;
}

static int
setup_rootfs (const struct rt_child *ch, struct cd_err *err)
{
  const struct rt_config *c = ch->c;
  int r;
  umask (0);
  if ((r = rt_ns_unshare_cgroup (c, err)) < 0
      || (!ch->pty && (r = rt_proc_stdio (ch->stdio, c->terminal, err)) < 0)
      || (r = rt_proc_oom_score_adj (c, err)) < 0 || (r = rt_proc_rlimits (c, err)) < 0
      || (r = rt_mounts_rootfs (ch->plan, err)) < 0
      || (r = rt_proc_hostname_sysctl (c, err)) < 0)
    return r;
  return ch->pty ? container_console (ch, err) : 0;
}

/* The last steps before execve, shared by the init and exec'd processes
 * (runtime/exec_setns.c): seccomp, capabilities, user, no_new_privs. */
int
rt_child_become (const struct rt_config *c, const struct rt_user *u, rt_seccomp_t seccomp,
                 struct cd_err *err)
{
  int r;
  /* Without no_new_privs loading a filter takes CAP_SYS_ADMIN: load it
   * while we still hold it (runc's order); with it, as late as possible. */
  if (!c->no_new_privileges && (r = rt_seccomp_load (seccomp, err)) < 0)
    return r;
  if (c->has_caps && (r = rt_caps_prepare (&c->caps, err)) < 0)
    return r;
  if ((r = rt_user_apply (u, err)) < 0)
    return r;
  if (c->has_caps && (r = rt_caps_apply (&c->caps, err)) < 0)
    return r;
  if (c->no_new_privileges && prctl (PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
    return cd_err_sys (err, errno, "prctl PR_SET_NO_NEW_PRIVS");
  umask (022);
  if (c->no_new_privileges && (r = rt_seccomp_load (seccomp, err)) < 0)
    return r;
  return 0;
}

static int
become_user (const struct rt_child *ch, struct rt_user *u, struct cd_err *err)
{
  const struct rt_config *c = ch->c;
  int r;
  if ((r = rt_user_resolve (c, u, err)) < 0 || (r = rt_proc_cwd (c, err)) < 0
      || (r = rt_mounts_finish (ch->plan, err)) < 0)
    return r;
  return rt_child_become (c, u, ch->seccomp, err);
}

__attribute__ ((noreturn)) static void
fail (const struct rt_child *ch, int exit_code, const struct cd_err *err)
{
  struct rt_child_error rec;
  memset (&rec, 0, sizeof rec);
  rec.exit_code = exit_code;
  rec.err_no = err->code ? err->code : EIO;
  snprintf (rec.msg, sizeof rec.msg, "%s", err->msg);
  ssize_t n;
  do
    n = write (ch->sync_fd, &rec, sizeof rec);
  while (n < 0 && errno == EINTR);
  _exit (exit_code);
}

void
rt_child_run (const struct rt_child *ch)
{
  struct cd_err err = { 0 };
  struct rt_user u = { 0 };
  int exit_code = RT_EXIT_DAEMON_ERROR;
  rt_proc_reset_signals ();
  if (!wait_go (ch->sync_fd))
    _exit (RT_EXIT_DAEMON_ERROR);   /* the caller gave up: nobody to tell */
  if (rt_ns_join (ch->joins, &err) < 0 || setup_rootfs (ch, &err) < 0)
    fail (ch, exit_code, &err);
  /* Everything the caller left open (without O_CLOEXEC) stays out of the
   * container; the sync socket itself closes at execve. Before the seccomp
   * filter, which a profile may make deny close_range. */
  syscall (SYS_close_range, 3U, ~0U, CLOSE_RANGE_CLOEXEC);
  if (become_user (ch, &u, &err) < 0)
    fail (ch, exit_code, &err);
  rt_exec (ch->c, u.home, &exit_code, &err);
  fail (ch, exit_code, &err);
}
