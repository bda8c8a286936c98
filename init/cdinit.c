/* cdinit: the minimal init of `--init` containers, bind-mounted at
 * /sbin/docker-init and run as `docker-init -- CMD ARGS...`.
 *
 * It starts CMD as its only child, in a process group of its own that owns
 * the terminal when there is one, forwards every signal it can catch to that
 * child, reaps every process that ends up its child (orphans re-parented to
 * PID 1 included), and exits with the child's status: its exit code, or
 * 128 + the number of the signal that killed it. When CMD cannot be executed
 * the exit code is 127 (not found) or 126 (not executable), as a shell's.
 *
 * Self-contained (libc only) and linked statically: it runs inside images
 * that have no C library of their own. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#define NAME "docker-init"
#define CDINIT_VERSION "cdinit 0.1.0"

/* Signals cdinit keeps for itself: faults are its own, and it ignores job
 * control on the terminal it hands to the child. Everything else that can
 * be caught is waited for and forwarded. */
static const int own_signals[] = { SIGFPE, SIGILL, SIGSEGV, SIGBUS, SIGABRT, SIGTRAP, SIGSYS,
                                   SIGTTIN, SIGTTOU };

struct saved
{
  sigset_t mask;
  struct sigaction ttin, ttou;
};

static void
usage (FILE *f)
{
  fprintf (f,
           "Usage: " NAME " [--] COMMAND [ARG...]\n\n"
           "Runs COMMAND as the child of a minimal init: signals are forwarded to it,\n"
           "orphaned processes are reaped, and the exit status is COMMAND's\n"
           "(128 + N when signal N killed it).\n");
}

static int
setup_signals (sigset_t *wait_set, struct saved *saved)
{
  sigfillset (wait_set);
  for (size_t i = 0; i < sizeof own_signals / sizeof own_signals[0]; i++)
    sigdelset (wait_set, own_signals[i]);
  if (sigprocmask (SIG_SETMASK, wait_set, &saved->mask) < 0)
    return -1;
  struct sigaction ign = { .sa_handler = SIG_IGN }, dfl = { .sa_handler = SIG_DFL };
  sigemptyset (&ign.sa_mask);
  sigemptyset (&dfl.sa_mask);
  /* A SIGCHLD ignored by whoever started us would make the kernel reap the
   * child behind our back and drop the signal: it must be the default. */
  if (sigaction (SIGCHLD, &dfl, NULL) < 0 || sigaction (SIGTTIN, &ign, &saved->ttin) < 0
      || sigaction (SIGTTOU, &ign, &saved->ttou) < 0)
    return -1;
  return 0;
}

static int
exec_failure_code (int e)
{
  if (e == ENOENT || e == ENOTDIR)
    return 127;
  if (e == EACCES || e == EPERM || e == ENOEXEC || e == EISDIR)
    return 126;
  return 1;
}

/* The child: own process group, foreground of the terminal if stdin is one,
 * the signal state cdinit found, then CMD. Never returns. */
static void
run_child (char **argv, const struct saved *saved)
{
  if (setpgid (0, 0) < 0)
    fprintf (stderr, NAME ": setpgid: %s\n", strerror (errno));
  else if (isatty (STDIN_FILENO) && tcsetpgrp (STDIN_FILENO, getpgrp ()) < 0 && errno != ENOTTY
           && errno != ENXIO)
    fprintf (stderr, NAME ": cannot give the terminal to the command: %s\n", strerror (errno));
  sigaction (SIGTTIN, &saved->ttin, NULL);
  sigaction (SIGTTOU, &saved->ttou, NULL);
  sigprocmask (SIG_SETMASK, &saved->mask, NULL);
  execvp (argv[0], argv);
  int e = errno;
  if (e == ENOENT && strchr (argv[0], '/') == NULL)
    fprintf (stderr, NAME ": exec \"%s\": executable file not found in $PATH\n", argv[0]);
  else
    fprintf (stderr, NAME ": exec \"%s\": %s\n", argv[0], strerror (e));
  _exit (exec_failure_code (e));
}

static int
status_code (int st)
{
  if (WIFEXITED (st))
    return WEXITSTATUS (st);
  if (WIFSIGNALED (st))
    return 128 + WTERMSIG (st);
  return 1;
}

/* Reaps every child that has ended; returns 1 once the command has, its
 * status in *code. */
static int
reap (pid_t child, int *code)
{
  int done = 0;
  for (;;)
    {
      int st;
      pid_t p = waitpid (-1, &st, WNOHANG);
      if (p < 0 && errno == EINTR)
        continue;
      if (p <= 0)
        return done;
      if (p == child)
        {
          *code = status_code (st);
          done = 1;
        }
    }
}

int
main (int argc, char **argv)
{
  int first = 1;
  if (argc == 2 && strcmp (argv[1], "--version") == 0)
    {
      puts (CDINIT_VERSION);
      return 0;
    }
  if (argc >= 2 && (strcmp (argv[1], "-h") == 0 || strcmp (argv[1], "--help") == 0))
    {
      usage (stdout);
      return 0;
    }
  if (argc >= 2 && strcmp (argv[1], "--") == 0)
    first = 2;
  if (first >= argc)
    {
      usage (stderr);
      return 2;
    }
  /* Not PID 1 (e.g. tried by hand): orphans of the command still come to us. */
  if (getpid () != 1)
    prctl (PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);

  sigset_t wait_set;
  struct saved saved;
  if (setup_signals (&wait_set, &saved) < 0)
    {
      fprintf (stderr, NAME ": cannot set up signals: %s\n", strerror (errno));
      return 1;
    }
  pid_t child = fork ();
  if (child < 0)
    {
      fprintf (stderr, NAME ": fork: %s\n", strerror (errno));
      return 1;
    }
  if (child == 0)
    run_child (argv + first, &saved);

  int code = 1;
  for (;;)
    {
      siginfo_t si;
      int sig = sigwaitinfo (&wait_set, &si);
      if (sig < 0)
        {
          if (errno == EINTR)
            continue;
          fprintf (stderr, NAME ": sigwaitinfo: %s\n", strerror (errno));
          return 1;
        }
      if (sig != SIGCHLD && kill (child, sig) < 0 && errno != ESRCH)
        fprintf (stderr, NAME ": cannot forward signal %d: %s\n", sig, strerror (errno));
      /* Signals do not queue: one SIGCHLD may stand for many exits, and a
       * forwarded signal may have ended the child already. */
      if (reap (child, &code))
        return code;
    }
}
