/* rtrun BUNDLE [ID]: runs the container of BUNDLE with rt_start on our own
 * stdio, waits for it, calls rt_cleanup and exits with its status (128+N
 * when killed by signal N, 125/126/127 when it could not start). SIGINT,
 * SIGTERM and SIGHUP are passed on to the container's init. */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "runtime/runtime.h"

static volatile sig_atomic_t child_pid;

static void
forward (int sig)
{
  if (child_pid > 0)
    kill (child_pid, sig);
}

int
main (int argc, char **argv)
{
  if (argc < 2 || argc > 3)
    {
      fprintf (stderr, "usage: %s BUNDLE [ID]\n", argv[0]);
      return 2;
    }
  const char *id = argc > 2 ? argv[2] : "rtrun";
  struct rt_start_opts o = { .bundle = argv[1], .id = id, .stdio = { 0, 1, 2 } };
  struct cd_err err = { 0 };
  pid_t pid;
  int code;
  if (rt_start (&o, &pid, &code, &err) < 0)
    {
      fprintf (stderr, "rtrun: %s\n", err.msg);
      rt_cleanup (argv[1], &err);
      return code;
    }
  child_pid = pid;
  struct sigaction sa;
  memset (&sa, 0, sizeof sa);
  sa.sa_handler = forward;
  sigaction (SIGINT, &sa, NULL);
  sigaction (SIGTERM, &sa, NULL);
  sigaction (SIGHUP, &sa, NULL);
  int status = 0;
  while (waitpid (pid, &status, 0) < 0)
    if (errno != EINTR)
      {
        perror ("rtrun: waitpid");
        return 125;
      }
  child_pid = 0;
  if (rt_cleanup (argv[1], &err) < 0)
    fprintf (stderr, "rtrun: cleanup: %s\n", err.msg);
  if (WIFSIGNALED (status))
    return 128 + WTERMSIG (status);
  return WEXITSTATUS (status);
}
