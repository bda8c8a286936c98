/* cdmon: the per-container monitor (see monitor.h). This file is the command
 * line and the double fork; start.c sets up and starts the container, then
 * the process becomes cdmon-relay (relay.h), which stays with it. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lib/log.h"
#include "monitor/exec.h"
#include "monitor/start.h"
#include "runtime/runtime.h"

enum action
{
  ACT_RUN,
  ACT_HELP,
  ACT_VERSION,
  ACT_CLEANUP,
  ACT_EXEC,
};

static const char usage_text[]
    = "Usage: cdmon --id ID --bundle DIR --log-path FILE [--log-max-size BYTES]\n"
      "             [--log-max-file N] [--tty] [--stdin] [--sync-fd FD]\n"
      "\n"
      "The per-container monitor, started by cdaemon (one per running container).\n"
      "It daemonizes, starts the container of DIR/config.json, relays its output\n"
      "into FILE (json-file format) and serves DIR/ctl.sock until the container\n"
      "exits, then writes DIR/exit.json.\n"
      "\n"
      "  --id ID              container ID\n"
      "  --bundle DIR         OCI bundle (config.json); monitor.pid, ctl.sock and\n"
      "                       exit.json are written there\n"
      "  --log-path FILE      json-file log (<id>-json.log)\n"
      "  --log-max-size SIZE  rotate at SIZE bytes (k, m, g suffixes: KiB, MiB, GiB)\n"
      "  --log-max-file N     keep N files in all (FILE, FILE.1 .. FILE.N-1)\n"
      "  --tty                give the container a terminal\n"
      "  --stdin              keep the container's stdin open\n"
      "  --sync-fd FD         write the start result (one JSON line) to FD\n"
      "  --attach FD:FLAGS:KEYS  a client attached before the start (attach.h)\n"
      "  --help, --version\n";

static int
parse_size (const char *s, int64_t *out)
{
  char *end;
  errno = 0;
  long long v = strtoll (s, &end, 10);
  if (errno != 0 || end == s || v < 0)
    return -1;
  int shift = 0;
  if (*end == 'k' || *end == 'K')
    shift = 10;
  else if (*end == 'm' || *end == 'M')
    shift = 20;
  else if (*end == 'g' || *end == 'G')
    shift = 30;
  if (shift != 0 && (*++end == 'b' || *end == 'B'))
    end++;
  if (*end != '\0' || v > (INT64_MAX >> shift))
    return -1;
  *out = (int64_t) v << shift;
  return 0;
}

static int
parse_int (const char *s, int min, int *out)
{
  char *end;
  errno = 0;
  long v = strtol (s, &end, 10);
  if (errno != 0 || end == s || *end != '\0' || v < min || v > INT_MAX)
    return -1;
  *out = (int) v;
  return 0;
}

static int
parse_opt (int c, const char *arg, struct mon_opts *o, const char **cleanup)
{
  switch (c)
    {
    case 'i':
      o->id = arg;
      return 0;
    case 'b':
      o->bundle = arg;
      return 0;
    case 'l':
      o->log_path = arg;
      return 0;
    case 's':
      return parse_size (arg, &o->log_max_size);
    case 'n':
      return parse_int (arg, 1, &o->log_max_file);
    case 't':
      o->tty = true;
      return 0;
    case 'I':
      o->open_stdin = true;
      return 0;
    case 'f':
      return parse_int (arg, 0, &o->sync_fd);
    case 'C':
      *cleanup = arg;
      return 0;
    case 'K':
      o->seccomp_cache = arg;
      return 0;
    case 'x':
      o->exec = true;
      return 0;
    case 'S':
      o->exec_spec = arg;
      return 0;
    case 'A':
      if (o->n_attach == 16 || atoi (arg) < 3)
        return -1;
      o->attach[o->n_attach++] = arg;
      return 0;
    default:
      return -1;
    }
}

static int
parse_args (int argc, char **argv, struct mon_opts *o, const char **cleanup, enum action *act)
{
  static const struct option opts[] = {
    { "id", required_argument, NULL, 'i' },
    { "bundle", required_argument, NULL, 'b' },
    { "log-path", required_argument, NULL, 'l' },
    { "log-max-size", required_argument, NULL, 's' },
    { "log-max-file", required_argument, NULL, 'n' },
    { "tty", no_argument, NULL, 't' },
    { "stdin", no_argument, NULL, 'I' },
    { "sync-fd", required_argument, NULL, 'f' },
    { "seccomp-cache", required_argument, NULL, 'K' },
    /* internal: run by cdmon-relay once the init is reaped */
    { "cleanup", required_argument, NULL, 'C' },
    /* internal: the helper of one exec (monitor/exec.h) */
    { "exec", no_argument, NULL, 'x' },
    { "exec-spec", required_argument, NULL, 'S' },
    { "attach", required_argument, NULL, 'A' },
    { "help", no_argument, NULL, 'h' },
    { "version", no_argument, NULL, 'v' },
    { NULL, 0, NULL, 0 },
  };
  *o = (struct mon_opts) { .log_max_file = 1, .sync_fd = -1 };
  *act = ACT_RUN;
  int c;
  while ((c = getopt_long (argc, argv, "hv", opts, NULL)) != -1)
    {
      if (c == 'h' || c == 'v')
        {
          *act = c == 'h' ? ACT_HELP : ACT_VERSION;
          return 0;
        }
      if (parse_opt (c, optarg, o, cleanup) < 0)
        {
          if (c != '?')
            fprintf (stderr, "cdmon: invalid value `%s` for --%s\n", optarg,
                     c == 's' ? "log-max-size" : c == 'n' ? "log-max-file" : "sync-fd");
          return -1;
        }
    }
  if (*cleanup != NULL)
    *act = ACT_CLEANUP;
  else if (o->exec)
    *act = ACT_EXEC;
  else if (optind < argc || !o->id || !o->bundle || !o->log_path)
    {
      fprintf (stderr, "cdmon: --id, --bundle and --log-path are required\n");
      return -1;
    }
  return 0;
}

/* Absolute paths: the monitor runs in / once daemonized. */
static int
resolve_paths (struct mon_opts *o, char *bundle, char *log, char *msg, size_t cap)
{
  if (realpath (o->bundle, bundle) == NULL)
    {
      snprintf (msg, cap, "bundle `%s`: %s", o->bundle, strerror (errno));
      return -1;
    }
  o->bundle = bundle;
  if (o->log_path[0] != '/')
    {
      char cwd[PATH_MAX];
      if (getcwd (cwd, sizeof cwd) == NULL
          || (size_t) snprintf (log, PATH_MAX, "%s/%s", cwd, o->log_path) >= PATH_MAX)
        {
          snprintf (msg, cap, "log path `%s`: cannot make it absolute", o->log_path);
          return -1;
        }
      o->log_path = log;
    }
  return 0;
}

/* Only the sync fd is inherited: nothing of the daemon's (its sockets, its
 * database) may stay open in a process that outlives it. */
static void
close_inherited (const struct mon_opts *o)
{
  /* fds to keep, ascending: the sync fd and the early attach clients */
  int keep[18], n = 0;
  if (o->sync_fd >= 3)
    keep[n++] = o->sync_fd;
  for (int i = 0; i < o->n_attach; i++)
    keep[n++] = atoi (o->attach[i]);
  for (int i = 1; i < n; i++)
    for (int j = i; j > 0 && keep[j - 1] > keep[j]; j--)
      {
        int t = keep[j];
        keep[j] = keep[j - 1];
        keep[j - 1] = t;
      }
  unsigned from = 3;
  for (int i = 0; i < n; i++)
    {
      if ((unsigned) keep[i] > from)
        close_range (from, (unsigned) keep[i] - 1, 0);
      if ((unsigned) keep[i] + 1 > from)
        from = (unsigned) keep[i] + 1;
      fcntl (keep[i], F_SETFD, FD_CLOEXEC);
    }
  close_range (from, ~0U, 0);
}

/* fork, setsid, fork: returns 0 in the monitor, 1 in the original process
 * (which then exits), 2 when the first child failed, -errno. The daemon
 * spawns cdmon as a session leader already (POSIX_SPAWN_SETSID): then one
 * fork is enough, the monitor is no session leader and can never acquire a
 * controlling terminal. */
static int
daemonize (int sync_fd)
{
  bool leader = getsid (0) == getpid ();
  pid_t p = fork ();
  if (p < 0)
    return -errno;
  if (p > 0 && leader)
    return 1;
  if (p > 0)
    {
      int st = 0;
      while (waitpid (p, &st, 0) < 0 && errno == EINTR)
        ;
      return WIFEXITED (st) && WEXITSTATUS (st) == 0 ? 1 : 2;
    }
  if (leader)
    return 0;
  setsid ();
  pid_t q = fork ();
  if (q < 0)
    {
      char msg[128];
      snprintf (msg, sizeof msg, "fork: %s", strerror (errno));
      mon_sync_error (sync_fd, msg, RT_EXIT_DAEMON_ERROR);
      _exit (1);
    }
  if (q > 0)
    _exit (0);
  return 0;
}

/* stdin and stdout go to /dev/null; stderr too unless it is a regular file
 * (a pipe or terminal nobody reads could block the monitor forever). */
static void
detach_stdio (void)
{
  int fd = open ("/dev/null", O_RDWR | O_CLOEXEC);
  if (fd < 0)
    return;
  struct stat st;
  dup2 (fd, STDIN_FILENO);
  dup2 (fd, STDOUT_FILENO);
  if (fstat (STDERR_FILENO, &st) < 0 || !S_ISREG (st.st_mode))
    dup2 (fd, STDERR_FILENO);
  if (fd > STDERR_FILENO)
    close (fd);
}

static int
run_cleanup (const char *bundle)
{
  struct cd_err err = { 0 };
  if (rt_cleanup (bundle, &err) < 0)
    {
      log_error ("cdmon: cleanup `%s`: %s", bundle, err.msg);
      return 1;
    }
  return 0;
}

static int
run (struct mon_opts *o)
{
  char bundle[PATH_MAX], log[PATH_MAX], msg[PATH_MAX + 64];
  if (o->sync_fd >= 0 && o->sync_fd <= STDERR_FILENO)
    o->sync_fd = fcntl (o->sync_fd, F_DUPFD_CLOEXEC, 3);
  if (resolve_paths (o, bundle, log, msg, sizeof msg) < 0)
    {
      log_error ("cdmon: %s", msg);
      mon_sync_error (o->sync_fd, msg, RT_EXIT_DAEMON_ERROR);
      return 1;
    }
  mon_catch_signals ();
  close_inherited (o);
  int r = daemonize (o->sync_fd);
  if (r < 0)
    {
      snprintf (msg, sizeof msg, "fork: %s", strerror (-r));
      log_error ("cdmon: %s", msg);
      mon_sync_error (o->sync_fd, msg, RT_EXIT_DAEMON_ERROR);
      return 1;
    }
  if (r > 0)
    return r == 1 ? 0 : 1;
  if (chdir ("/") < 0)
    return 1;
  umask (022);
  detach_stdio ();
  return mon_start (o);
}

int
main (int argc, char **argv)
{
  struct mon_opts o;
  const char *cleanup = NULL;
  enum action act;
  if (parse_args (argc, argv, &o, &cleanup, &act) < 0)
    {
      fputs (usage_text, stderr);
      return 2;
    }
  switch (act)
    {
    case ACT_HELP:
      fputs (usage_text, stdout);
      return 0;
    case ACT_VERSION:
      printf ("cdmon version 0.1.0\n");
      return 0;
    case ACT_CLEANUP:
      return run_cleanup (cleanup);
    case ACT_EXEC:
      return mon_exec_main (o.bundle, o.exec_spec);
    default:
      return run (&o);
    }
}
