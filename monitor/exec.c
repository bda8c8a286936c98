/* cdmon --exec (see exec.h): spec parsing and the start of the process;
 * exec_io.c relays its streams. */
#include "monitor/exec.h"

#include <fcntl.h>
#include <json-c/json.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "cleanup.h"
#include "lib/log.h"
#include "monitor/exec_io.h"
#include "runtime/exec_setns.h"

static json_object *
get (json_object *o, const char *k)
{
  json_object *v = NULL;
  if (o)
    json_object_object_get_ex (o, k, &v);
  return v;
}

static bool
get_bool (json_object *o, const char *k)
{
  return json_object_get_boolean (get (o, k));
}

/* A JSON array of strings as a NULL-terminated vector pointing into o. */
static char **
strv (json_object *a)
{
  size_t n = json_object_is_type (a, json_type_array) ? json_object_array_length (a) : 0;
  char **v = calloc (n + 1, sizeof *v);
  for (size_t i = 0; v && i < n; i++)
    v[i] = (char *) json_object_get_string (json_object_array_get_idx (a, i));
  return v;
}

static void
send_line (int fd, const char *line)
{
  if (send (fd, line, strlen (line), MSG_NOSIGNAL) < 0)
    log_warn ("cdmon --exec: control socket: %s", strerror (errno));
}

/* A start failure: Docker writes the message into the stream. */
static void
report_failure (struct exec_io *x, int code, const char *msg)
{
  char text[1200];
  snprintf (text, sizeof text, "OCI runtime exec failed: exec failed: %s: unknown\r\n", msg);
  exec_io_client_write (x, 1, text, strlen (text));
  char line[32];
  snprintf (line, sizeof line, "exit %d\n", code);
  send_line (x->ctl, line);
  exec_io_wait_ack (x);
}

static int
start (json_object *spec, const char *bundle, struct exec_io *x)
{
  int in[2] = { -1, -1 }, out[2] = { -1, -1 }, errp[2] = { -1, -1 };
  bool tty = x->tty;
  if (!tty && ((x->attach_in && pipe2 (in, O_CLOEXEC) < 0) || pipe2 (out, O_CLOEXEC) < 0
               || pipe2 (errp, O_CLOEXEC) < 0))
    {
      report_failure (x, 126, strerror (errno));
      return 1;
    }
  cleanup_free char **args = strv (get (spec, "Cmd"));
  cleanup_free char **env = strv (get (spec, "Env"));
  struct rt_exec_opts o = {
    .bundle = bundle, .init_pid = json_object_get_int (get (spec, "pid")), .args = args,
    .env = env, .user = json_object_get_string (get (spec, "User")),
    .cwd = json_object_get_string (get (spec, "WorkingDir")), .tty = tty,
    .privileged = get_bool (spec, "Privileged"),
    .rows = (unsigned short) json_object_get_int (get (spec, "h")),
    .cols = (unsigned short) json_object_get_int (get (spec, "w")),
    .stdio = { in[0], out[1], errp[1] },
    .seccomp_cache = json_object_get_string (get (spec, "seccomp_cache")),
  };
  pid_t pid;
  int code, master;
  struct cd_err err = { 0 };
  int r = args ? rt_exec_spawn (&o, &pid, &master, &code, &err) : -ENOMEM;
  for (int *fd = (int[]) { in[0], out[1], errp[1] }, i = 0; i < 3; i++)
    if (fd[i] >= 0)
      close (fd[i]);
  if (r < 0)
    {
      report_failure (x, code, err.msg[0] ? err.msg : "out of memory");
      return 1;
    }
  char line[32];
  snprintf (line, sizeof line, "pid %d\n", (int) pid);
  send_line (x->ctl, line);
  x->pid = pid;
  x->in = tty ? master : in[1];
  x->out = tty ? master : out[0];
  x->err = tty ? -1 : errp[0];
  return exec_io_run (x);
}

int
mon_exec_main (const char *bundle, const char *spec_text)
{
  signal (SIGPIPE, SIG_IGN);
  json_object *spec = json_tokener_parse (spec_text);
  if (spec == NULL || bundle == NULL)
    {
      fprintf (stderr, "cdmon --exec: --bundle and a JSON --exec-spec are required\n");
      return 2;
    }
  struct exec_io x;
  exec_io_init (&x, 3, fcntl (4, F_GETFD) >= 0 ? 4 : -1);
  x.tty = get_bool (spec, "Tty");
  x.attach_in = get_bool (spec, "AttachStdin") && x.client >= 0;
  x.attach_out = get_bool (spec, "AttachStdout");
  x.attach_err = get_bool (spec, "AttachStderr");
  /* as Docker: detach keys only with a tty, binary stdin passes intact */
  if (x.tty)
    mon_detach_parse (&x.detach, json_object_get_string (get (spec, "keys")));
  int r = start (spec, bundle, &x);
  exec_io_close (&x);
  json_object_put (spec);
  return r;
}
