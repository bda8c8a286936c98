/* Exec instances (see exec.h). */
#include "daemon/exec.h"

#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <unistd.h>

#include "cleanup.h"
#include "daemon/events.h"
#include "detachkeys.h"
#include "log.h"
#include "store/containers.h"

#define EXEC_MAX 1024

struct ctr_exec
{
  struct ctr_exec *next;
  struct cd_daemon *d;
  char id[65], ctr[65];
  json_object *cfg;       /* the ExecConfig as created */
  char keys[64];          /* detach keys as "16,17" */
  bool started, running, has_exit, tty;
  int exit_code, pid;
  long h, w;              /* the last size asked for */
  uv_process_t proc;
  uv_pipe_t ctl;
  int handles;            /* open uv handles */
  char line[128];
  size_t line_len;
  ctr_exec_done_fn done;
  void *done_ctx;
};

struct ctr_execs
{
  struct ctr_exec *head;
  int n;
};

extern char **environ;

static json_object *
get (json_object *o, const char *k)
{
  json_object *v = NULL;
  if (o)
    json_object_object_get_ex (o, k, &v);
  return v;
}

static struct ctr_execs *
table (struct cd_daemon *d)
{
  if (d->execs == NULL)
    d->execs = calloc (1, sizeof *d->execs);
  return d->execs;
}

static void
exec_free (struct ctr_exec *e)
{
  json_object_put (e->cfg);
  free (e);
}

/* Docker keeps finished execs for a while; past EXEC_MAX the oldest
 * finished ones go. */
static void
trim (struct ctr_execs *t)
{
  while (t->n >= EXEC_MAX)
    {
      struct ctr_exec **pp = &t->head, **victim = NULL;
      for (; *pp; pp = &(*pp)->next)
        if (!(*pp)->running && (*pp)->handles == 0)
          victim = pp;
      if (victim == NULL)
        return;
      struct ctr_exec *e = *victim;
      *victim = e->next;
      exec_free (e);
      t->n--;
    }
}

static void
action_text (struct ctr_exec *e, const char *what, char *buf, size_t cap)
{
  size_t o = (size_t) snprintf (buf, cap, "%s:", what);
  json_object *cmd = get (e->cfg, "Cmd");
  for (size_t i = 0; i < json_object_array_length (cmd) && o < cap; i++)
    o += (size_t) snprintf (buf + o, cap - o, " %s",
                            json_object_get_string (json_object_array_get_idx (cmd, i)));
}

static void
emit (struct cd_daemon *d, struct ctr_exec *e, const char *what, bool with_exit)
{
  char action[1024];
  action_text (e, what, action, sizeof action);
  json_object *attrs = json_object_new_object ();
  struct store_container c;
  struct cd_err err;
  if (store_container_find (d->store, e->ctr, &c, &err) == 0)
    {
      json_object_object_add (attrs, "name", json_object_new_string (c.name));
      json_object_object_add (attrs, "image", json_object_new_string (c.image_ref));
      store_container_clear (&c);
    }
  json_object_object_add (attrs, "execID", json_object_new_string (e->id));
  if (with_exit)
    {
      char code[16];
      snprintf (code, sizeof code, "%d", e->exit_code);
      json_object_object_add (attrs, "exitCode", json_object_new_string (code));
    }
  ev_emit (d, "container", action, e->ctr, attrs);
  json_object_put (attrs);
}

/* The container's init pid when it runs; 409 with Docker's messages. */
static int
running_pid (struct cd_daemon *d, const char *ref, char id[65], int *pid, struct cd_err *err)
{
  struct store_container c;
  int r = store_container_find (d->store, ref, &c, err);
  if (r < 0)
    return r;
  snprintf (id, 65, "%s", c.id);
  json_object *st = json_tokener_parse (c.state_json);
  *pid = json_object_get_int (get (st, "Pid"));
  json_object_put (st);
  if (strcmp (c.state, "paused") == 0)
    r = cd_err_set (err, EBUSY, "Container %s is paused, unpause the container before exec", c.id);
  else if (strcmp (c.state, "restarting") == 0)
    r = cd_err_set (err, EBUSY, "Container %s is restarting, wait until the container is running",
                    c.id);
  else if (strcmp (c.state, "running") != 0 || *pid <= 0)
    r = cd_err_set (err, EBUSY, "Container %s is not running", c.id);
  store_container_clear (&c);
  return r;
}

static int
check_cmd (json_object *cmd, struct cd_err *err)
{
  if (cmd == NULL || !json_object_is_type (cmd, json_type_array)
      || json_object_array_length (cmd) == 0)
    return cd_err_set (err, EINVAL, "No exec command specified");
  for (size_t i = 0; i < json_object_array_length (cmd); i++)
    if (!json_object_is_type (json_object_array_get_idx (cmd, i), json_type_string))
      return cd_err_set (err, EINVAL, "Cmd: must be an array of strings");
  return 0;
}

int
ctr_exec_create (struct cd_daemon *d, const char *ref, json_object *body, char id[65],
                 struct cd_err *err)
{
  char ctr[65];
  int pid;
  int r = running_pid (d, ref, ctr, &pid, err);
  if (r < 0)
    return r;
  if ((r = check_cmd (get (body, "Cmd"), err)) < 0)
    return r;
  unsigned char keys[CD_DETACH_KEYS_MAX];
  size_t nk = 0;
  const char *spec = json_object_get_string (get (body, "DetachKeys"));
  if (spec && *spec && cd_detach_keys_parse (spec, keys, &nk, err) < 0)
    return cd_err_set (err, EINVAL, "Invalid escape keys (%s) provided", spec);
  if (!(spec && *spec))
    cd_detach_keys_parse (CD_DETACH_KEYS_DEFAULT, keys, &nk, err);
  struct ctr_execs *t = table (d);
  struct ctr_exec *e = t ? calloc (1, sizeof *e) : NULL;
  unsigned char rnd[32];
  if (e == NULL || getrandom (rnd, sizeof rnd, 0) != sizeof rnd)
    {
      free (e);
      return cd_err_set (err, ENOMEM, "out of memory");
    }
  for (int i = 0; i < 32; i++)
    snprintf (e->id + 2 * i, 3, "%02x", rnd[i]);
  snprintf (e->ctr, sizeof e->ctr, "%s", ctr);
  cd_detach_keys_format (keys, nk, e->keys, sizeof e->keys);
  e->d = d;
  e->cfg = json_object_get (body);
  e->exit_code = -1;
  trim (t);
  e->next = t->head;
  t->head = e;
  t->n++;
  snprintf (id, 65, "%s", e->id);
  emit (d, e, "exec_create", false);
  return 0;
}

struct ctr_exec *
ctr_exec_find (struct cd_daemon *d, const char *id, struct cd_err *err)
{
  for (struct ctr_exec *e = d->execs ? d->execs->head : NULL; e; e = e->next)
    if (strcmp (e->id, id) == 0)
      return e;
  cd_err_set (err, ENOENT, "No such exec instance: %s", id);
  return NULL;
}

int
ctr_exec_check_start (struct cd_daemon *d, struct ctr_exec *e, struct cd_err *err)
{
  if (e->running)
    return cd_err_set (err, EBUSY, "Error: Exec command %s is already running", e->id);
  if (e->started)
    return cd_err_set (err, EBUSY, "Error: Exec command %s has already run", e->id);
  char ctr[65];
  int pid;
  return running_pid (d, e->ctr, ctr, &pid, err);
}

static char *
cdmon_path (void)
{
  char self[4096];
  ssize_t n = readlink ("/proc/self/exe", self, sizeof self - 1);
  char *p = NULL;
  if (n > 0)
    {
      self[n] = '\0';
      if (asprintf (&p, "%s/cdmon", dirname (self)) > 0)
        return p;
    }
  return strdup ("cdmon");
}

static void
handle_closed (uv_handle_t *h)
{
  struct ctr_exec *e = h->data;
  if (--e->handles == 0 && e->done)
    {
      ctr_exec_done_fn done = e->done;
      e->done = NULL;
      done (e->done_ctx);
    }
}

static void
finished (struct ctr_exec *e, int code)
{
  if (!e->running)
    return;
  e->running = false;
  e->has_exit = true;
  e->exit_code = code;
  emit (e->d, e, "exec_die", true);
}

static void
ctl_line (struct ctr_exec *e, const char *line)
{
  int v;
  if (sscanf (line, "pid %d", &v) == 1)
    e->pid = v;
  else if (sscanf (line, "exit %d", &v) == 1)
    {
      finished (e, v);
      uv_buf_t b = uv_buf_init ((char *) "ok\n", 3);
      uv_try_write ((uv_stream_t *) &e->ctl, &b, 1);
    }
}

static void
ctl_alloc (uv_handle_t *h, size_t hint, uv_buf_t *buf)
{
  struct ctr_exec *e = h->data;
  (void) hint;
  *buf = uv_buf_init (e->line + e->line_len, (unsigned) (sizeof e->line - 1 - e->line_len));
}

static void
ctl_read (uv_stream_t *s, ssize_t n, const uv_buf_t *buf)
{
  struct ctr_exec *e = s->data;
  (void) buf;
  if (n < 0)
    {
      uv_read_stop (s);
      return;
    }
  e->line_len += (size_t) n;
  e->line[e->line_len] = '\0';
  char *nl;
  while ((nl = strchr (e->line, '\n')) != NULL)
    {
      *nl = '\0';
      ctl_line (e, e->line);
      size_t rest = e->line_len - (size_t) (nl + 1 - e->line);
      memmove (e->line, nl + 1, rest + 1);
      e->line_len = rest;
    }
  if (e->line_len >= sizeof e->line - 1)
    e->line_len = 0;
}

static void
proc_exit (uv_process_t *p, int64_t status, int sig)
{
  struct ctr_exec *e = p->data;
  /* the helper died before it could report */
  finished (e, sig ? 128 + sig : status > 0 ? (int) status : 126);
  uv_close ((uv_handle_t *) &e->ctl, handle_closed);
  uv_close ((uv_handle_t *) p, handle_closed);
}

static json_object *
helper_spec (struct ctr_exec *e, int pid, bool tty)
{
  json_object *s = json_object_new_object ();
  static const char *const keys[] = { "Cmd", "Env", "User", "WorkingDir", "Privileged",
                                      "AttachStdin", "AttachStdout", "AttachStderr", NULL };
  for (int i = 0; keys[i]; i++)
    if (get (e->cfg, keys[i]))
      json_object_object_add (s, keys[i], json_object_get (get (e->cfg, keys[i])));
  json_object_object_add (s, "pid", json_object_new_int (pid));
  json_object_object_add (s, "Tty", json_object_new_boolean (tty));
  json_object_object_add (s, "keys", json_object_new_string (e->keys));
  json_object_object_add (s, "h", json_object_new_int ((int) e->h));
  json_object_object_add (s, "w", json_object_new_int ((int) e->w));
  return s;
}

static int
spawn_helper (struct cd_daemon *d, struct ctr_exec *e, int pid, int client_fd, int ctl_fd,
              struct cd_err *err)
{
  char bundle[4200];
  snprintf (bundle, sizeof bundle, "%s/containers/%s", d->cfg.exec_root, e->ctr);
  cleanup_free char *mon = cdmon_path ();
  json_object *spec = helper_spec (e, pid, e->tty);
  char sccache[4200];
  snprintf (sccache, sizeof sccache, "%s/seccomp", d->cfg.exec_root);
  json_object_object_add (spec, "seccomp_cache", json_object_new_string (sccache));
  char *args[] = { mon, "--exec", "--bundle", bundle, "--exec-spec",
                   (char *) json_object_to_json_string_ext (spec, JSON_C_TO_STRING_PLAIN), NULL };
  uv_stdio_container_t io[5] = {
    { .flags = UV_IGNORE }, { .flags = UV_IGNORE }, { .flags = UV_INHERIT_FD, .data.fd = 2 },
    { .flags = UV_INHERIT_FD, .data.fd = ctl_fd }, { .flags = UV_INHERIT_FD, .data.fd = client_fd },
  };
  uv_process_options_t o = { .exit_cb = proc_exit, .file = mon, .args = args, .env = environ,
                             .stdio_count = client_fd >= 0 ? 5 : 4, .stdio = io };
  e->proc.data = e;
  int r = uv_spawn (d->loop, &e->proc, &o);
  json_object_put (spec);
  if (r < 0)
    return cd_err_set (err, -r, "cannot run the exec helper %s: %s", mon, uv_strerror (r));
  e->handles++;
  return 0;
}

int
ctr_exec_start (struct cd_daemon *d, struct ctr_exec *e, int client_fd, bool tty,
                ctr_exec_done_fn done, void *ctx, struct cd_err *err)
{
  char ctr[65];
  int pid, sv[2] = { -1, -1 };
  int r = ctr_exec_check_start (d, e, err);
  if (r == 0 && running_pid (d, e->ctr, ctr, &pid, err) < 0)
    r = -err->code;
  if (r == 0 && socketpair (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
    r = cd_err_sys (err, errno, "socketpair");
  e->tty = tty || json_object_get_boolean (get (e->cfg, "Tty"));
  if (r == 0)
    r = spawn_helper (d, e, pid, client_fd, sv[1], err);
  if (sv[1] >= 0)
    close (sv[1]);
  if (r < 0)
    {
      if (sv[0] >= 0)
        close (sv[0]);
      if (done)
        done (ctx);
      return r;
    }
  e->started = e->running = true;
  e->done = done;
  e->done_ctx = ctx;
  uv_pipe_init (d->loop, &e->ctl, 0);
  e->ctl.data = e;
  e->handles++;
  uv_pipe_open (&e->ctl, sv[0]);
  uv_read_start ((uv_stream_t *) &e->ctl, ctl_alloc, ctl_read);
  emit (d, e, "exec_start", false);
  return 0;
}

json_object *
ctr_exec_inspect (struct cd_daemon *d, struct ctr_exec *e)
{
  (void) d;
  json_object *o = json_object_new_object (), *pc = json_object_new_object ();
  json_object *cmd = get (e->cfg, "Cmd"), *rest = json_object_new_array ();
  for (size_t i = 1; i < json_object_array_length (cmd); i++)
    json_object_array_add (rest, json_object_get (json_object_array_get_idx (cmd, i)));
  json_object_object_add (o, "CanRemove", json_object_new_boolean (0));
  json_object_object_add (o, "ContainerID", json_object_new_string (e->ctr));
  json_object_object_add (o, "DetachKeys", json_object_new_string (""));
  json_object_object_add (o, "ExitCode", e->has_exit ? json_object_new_int (e->exit_code) : NULL);
  json_object_object_add (o, "ID", json_object_new_string (e->id));
  json_object_object_add (o, "OpenStderr", json_object_new_boolean (json_object_get_boolean (get (e->cfg, "AttachStderr"))));
  json_object_object_add (o, "OpenStdin", json_object_new_boolean (json_object_get_boolean (get (e->cfg, "AttachStdin"))));
  json_object_object_add (o, "OpenStdout", json_object_new_boolean (json_object_get_boolean (get (e->cfg, "AttachStdout"))));
  json_object_object_add (o, "Running", json_object_new_boolean (e->running));
  json_object_object_add (o, "Pid", json_object_new_int (e->running ? e->pid : 0));
  json_object_object_add (pc, "arguments", rest);
  json_object_object_add (pc, "entrypoint", json_object_get (json_object_array_get_idx (cmd, 0)));
  json_object_object_add (pc, "privileged", json_object_new_boolean (json_object_get_boolean (get (e->cfg, "Privileged"))));
  json_object_object_add (pc, "tty", json_object_new_boolean (e->started ? e->tty : json_object_get_boolean (get (e->cfg, "Tty"))));
  const char *user = json_object_get_string (get (e->cfg, "User"));
  json_object_object_add (pc, "user", json_object_new_string (user ? user : ""));
  json_object_object_add (o, "ProcessConfig", pc);
  return o;
}

int
ctr_exec_resize (struct ctr_exec *e, long h, long w, struct cd_err *err)
{
  if (h <= 0 || w <= 0 || h > 65535 || w > 65535)
    return cd_err_set (err, EINVAL, "bad resize: h and w must be between 1 and 65535 (got %ldx%ld)",
                       h, w);
  e->h = h;
  e->w = w;
  if (!e->started)
    return 0;  /* the helper starts at this size */
  if (!e->running)
    return cd_err_set (err, EBUSY, "Exec %s is not running", e->id);
  if (!e->tty)
    return 0;
  char line[48];
  int n = snprintf (line, sizeof line, "resize %ld %ld\n", h, w);
  uv_buf_t b = uv_buf_init (line, (unsigned) n);
  int r = uv_try_write ((uv_stream_t *) &e->ctl, &b, 1);
  return r < 0 && r != UV_EAGAIN ? cd_err_set (err, EIO, "resize: %s", uv_strerror (r)) : 0;
}

void
ctr_exec_fini (struct cd_daemon *d)
{
  struct ctr_execs *t = d->execs;
  if (t == NULL)
    return;
  /* running ones still own their uv handles: the loop is going away */
  for (struct ctr_exec *e = t->head, *next; e; e = next)
    {
      next = e->next;
      if (e->handles == 0)
        exec_free (e);
    }
  free (t);
  d->execs = NULL;
}
