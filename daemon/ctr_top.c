/* docker top as dockerd does it: the PIDs of the container's cgroup, the
 * host's ps run with the user's ps_args (first restricted to those PIDs with
 * -q, again without when ps refuses -q with those options), and only the
 * rows of the container's processes kept. */
#include "daemon/ctr_top.h"

#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <regex.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cleanup.h"
#include "fsutil.h"
#include "runtime/cgroup.h"
#include "store/containers.h"

#define PS_OUT_MAX (32u << 20)

extern char **environ;

/* ---- the cgroup's PIDs ---- */

struct pidvec
{
  pid_t *v;
  size_t n, cap;
};

static int
pidvec_add (struct pidvec *p, pid_t pid)
{
  for (size_t i = 0; i < p->n; i++)
    if (p->v[i] == pid)
      return 0;
  if (p->n == p->cap)
    {
      size_t cap = p->cap ? p->cap * 2 : 64;
      pid_t *v = realloc (p->v, cap * sizeof *v);
      if (v == NULL)
        return -ENOMEM;
      p->v = v;
      p->cap = cap;
    }
  p->v[p->n++] = pid;
  return 0;
}

/* cgroup.procs of dir and of every group below it. */
static int
collect_pids (const char *dir, struct pidvec *p, int depth)
{
  char path[4096];
  snprintf (path, sizeof path, "%s/cgroup.procs", dir);
  cleanup_fclose FILE *f = fopen (path, "re");
  if (f == NULL)
    return -errno;
  int pid;
  while (fscanf (f, "%d", &pid) == 1)
    if (pid > 0 && pidvec_add (p, pid) < 0)
      return -ENOMEM;
  cleanup_dir DIR *dd = depth < 32 ? opendir (dir) : NULL;
  for (struct dirent *e; dd && (e = readdir (dd)) != NULL;)
    {
      if (e->d_type != DT_DIR || strcmp (e->d_name, ".") == 0 || strcmp (e->d_name, "..") == 0)
        continue;
      snprintf (path, sizeof path, "%s/%s", dir, e->d_name);
      int r = collect_pids (path, p, depth + 1);
      if (r == -ENOMEM)
        return r;
    }
  return 0;
}

/* Which hierarchy to read: the v2 tree of a pure v2 host, else the pids or
 * memory hierarchy (every hierarchy holds the same processes). */
static int
hier_rank (const struct rt_cg_hier *h)
{
  if (h->v2 && h->name[0] == '\0')
    return 3;
  if (strstr (h->name, "pids"))
    return 2;
  if (strstr (h->name, "memory"))
    return 1;
  return 0;
}

int
ctr_cgroup_pids (const char *cgroups_path, pid_t **pids, size_t *n, struct cd_err *err)
{
  struct rt_cgroups cg;
  int r = rt_cg_discover (cgroups_path, &cg, err);
  if (r < 0)
    return r;
  struct pidvec p = { 0 };
  r = -ENOENT;
  for (int rank = 3; rank >= 0 && r < 0 && r != -ENOMEM; rank--)
    for (size_t i = 0; i < cg.n && r < 0 && r != -ENOMEM; i++)
      if (hier_rank (&cg.h[i]) == rank)
        {
          p.n = 0;
          r = collect_pids (cg.h[i].dir, &p, 0);
        }
  rt_cg_free (&cg);
  if (r < 0)
    {
      free (p.v);
      return cd_err_sys (err, r, "cannot read the processes of cgroup %s", cgroups_path);
    }
  *pids = p.v;
  *n = p.n;
  return 0;
}

/* The bundle's linux.cgroupsPath (what the runtime placed the container
 * in), else the placement daemon/bundle.c gives. */
char *
ctr_cgroups_path (struct cd_daemon *d, const char *id)
{
  char path[4300];
  snprintf (path, sizeof path, "%s/containers/%s/config.json", d->cfg.exec_root, id);
  cleanup_free char *text = NULL;
  struct cd_err ignore;
  json_object *spec = NULL, *lx, *cp;
  char *out = NULL;
  if (cd_read_file (path, &text, NULL, &ignore) == 0 && (spec = json_tokener_parse (text))
      && json_object_object_get_ex (spec, "linux", &lx)
      && json_object_object_get_ex (lx, "cgroupsPath", &cp) && json_object_get_string (cp))
    out = strdup (json_object_get_string (cp));
  json_object_put (spec);
  if (out == NULL && asprintf (&out, "/%s/%s", d->cfg.cgroup_parent, id) < 0)
    out = NULL;
  return out;
}

/* ---- running ps ---- */

struct ps_result
{
  char *out;        /* stdout */
  char errline[CD_ERR_MSG_MAX / 2]; /* first line of stderr, or Go's exec error */
};

static void
exit_text (int st, char *buf, size_t len)
{
  if (WIFEXITED (st))
    snprintf (buf, len, "exit status %d", WEXITSTATUS (st));
  else if (WIFSIGNALED (st))
    snprintf (buf, len, "signal: %s", strsignal (WTERMSIG (st)));
  else
    snprintf (buf, len, "wait status %d", st);
}

/* Reads stdout (up to PS_OUT_MAX) and stderr until both close. */
static int
drain (int ofd, int efd, char **out, char *eb, size_t elen)
{
  size_t n = 0, cap = 0, en = 0;
  char buf[16384];
  struct pollfd p[2] = { { .fd = ofd, .events = POLLIN }, { .fd = efd, .events = POLLIN } };
  int r = 0;
  while (p[0].fd >= 0 || p[1].fd >= 0)
    {
      if (poll (p, 2, -1) < 0)
        {
          if (errno == EINTR)
            continue;
          return -errno;
        }
      for (int i = 0; i < 2; i++)
        {
          if (p[i].fd < 0 || p[i].revents == 0)
            continue;
          ssize_t got = read (p[i].fd, buf, sizeof buf);
          if (got < 0 && errno == EINTR)
            continue;
          if (got <= 0)
            {
              p[i].fd = -1;
              continue;
            }
          if (i == 1)
            {
              size_t k = (size_t) got < elen - 1 - en ? (size_t) got : elen - 1 - en;
              memcpy (eb + en, buf, k);
              en += k;
              eb[en] = '\0';
              continue;
            }
          if (n + (size_t) got > PS_OUT_MAX)
            {
              r = -E2BIG;
              continue;
            }
          if (n + (size_t) got + 1 > cap)
            {
              size_t nc = (n + (size_t) got + 1) * 2;
              char *v = realloc (*out, nc);
              if (v == NULL)
                return -ENOMEM;
              *out = v;
              cap = nc;
            }
          memcpy (*out + n, buf, (size_t) got);
          n += (size_t) got;
          (*out)[n] = '\0';
        }
    }
  if (*out == NULL && (*out = strdup ("")) == NULL)
    return -ENOMEM;
  return r;
}

/* Runs argv (argv[0] searched in PATH); 0 when it exits with 0, else -EIO
 * with res->errline set as Go's exec would report it. */
static int
run_capture (char *const argv[], struct ps_result *res)
{
  int o[2] = { -1, -1 }, e[2] = { -1, -1 };
  free (res->out);
  res->out = NULL;
  res->errline[0] = '\0';
  if (pipe2 (o, O_CLOEXEC) < 0 || pipe2 (e, O_CLOEXEC) < 0)
    {
      snprintf (res->errline, sizeof res->errline, "pipe: %s", strerror (errno));
      if (o[0] >= 0)
        close (o[0]), close (o[1]);
      return -EIO;
    }
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init (&fa);
  posix_spawn_file_actions_addopen (&fa, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2 (&fa, o[1], 1);
  posix_spawn_file_actions_adddup2 (&fa, e[1], 2);
  pid_t pid;
  int sr = posix_spawnp (&pid, argv[0], &fa, NULL, argv, environ);
  posix_spawn_file_actions_destroy (&fa);
  close (o[1]);
  close (e[1]);
  if (sr != 0)
    {
      close (o[0]);
      close (e[0]);
      if (sr == ENOENT)
        snprintf (res->errline, sizeof res->errline,
                  "exec: \"%s\": executable file not found in $PATH", argv[0]);
      else
        snprintf (res->errline, sizeof res->errline, "fork/exec %s: %s", argv[0], strerror (sr));
      return -EIO;
    }
  char ebuf[4096] = "";
  int dr = drain (o[0], e[0], &res->out, ebuf, sizeof ebuf);
  close (o[0]);
  close (e[0]);
  int st = 0;
  while (waitpid (pid, &st, 0) < 0 && errno == EINTR)
    ;
  if (dr == -E2BIG)
    {
      snprintf (res->errline, sizeof res->errline, "output larger than %u MiB",
                PS_OUT_MAX >> 20);
      return -EIO;
    }
  if (dr < 0)
    {
      snprintf (res->errline, sizeof res->errline, "%s", strerror (-dr));
      return -EIO;
    }
  if (WIFEXITED (st) && WEXITSTATUS (st) == 0)
    return 0;
  ebuf[strcspn (ebuf, "\n")] = '\0';
  if (ebuf[0])
    snprintf (res->errline, sizeof res->errline, "%s", ebuf);
  else
    exit_text (st, res->errline, sizeof res->errline);
  return -EIO;
}

/* ---- parsing ps's output ---- */

/* Go's strings.FieldsFunc with ASCII white space (dockerd's fieldsASCII). */
static json_object *
fields_ascii (const char *s, size_t len)
{
  json_object *a = json_object_new_array ();
  size_t i = 0;
  while (i < len)
    {
      while (i < len && strchr ("\t\n\f\r ", s[i]) && s[i])
        i++;
      size_t j = i;
      while (j < len && !strchr ("\t\n\f\r ", s[j]))
        j++;
      if (j > i)
        json_object_array_add (a, json_object_new_string_len (s + i, (int) (j - i)));
      i = j;
    }
  return a;
}

/* dockerd's appendProcess2ProcList: exactly ntitles fields, the overhang
 * joined with single spaces into the last one. */
static void
append_process (json_object *procs, json_object *fields, size_t ntitles)
{
  json_object *row = json_object_new_array ();
  size_t nf = json_object_array_length (fields);
  for (size_t i = 0; i + 1 < ntitles; i++)
    json_object_array_add (row, i < nf ? json_object_get (json_object_array_get_idx (fields, i))
                                       : json_object_new_string (""));
  char *last = NULL;
  size_t ll = 0;
  FILE *m = open_memstream (&last, &ll);
  for (size_t i = ntitles - 1; m && i < nf; i++)
    fprintf (m, "%s%s", i > ntitles - 1 ? " " : "",
             json_object_get_string (json_object_array_get_idx (fields, i)));
  if (m)
    fclose (m);
  json_object_array_add (row, json_object_new_string (last ? last : ""));
  free (last);
  json_object_array_add (procs, row);
}

static bool
has_pid (const pid_t *pids, size_t n, long pid)
{
  for (size_t i = 0; i < n; i++)
    if (pids[i] == pid)
      return true;
  return false;
}

int
ctr_top_parse (const char *ps_out, const pid_t *pids, size_t npids, json_object **out,
               struct cd_err *err)
{
  const char *nl = strchr (ps_out, '\n');
  size_t hl = nl ? (size_t) (nl - ps_out) : strlen (ps_out);
  json_object *titles = fields_ascii (ps_out, hl);
  size_t nt = json_object_array_length (titles), pid_idx = nt;
  for (size_t i = 0; i < nt && pid_idx == nt; i++)
    if (strcmp (json_object_get_string (json_object_array_get_idx (titles, i)), "PID") == 0)
      pid_idx = i;
  if (pid_idx == nt)
    {
      json_object_put (titles);
      return cd_err_set (err, EIO, "Couldn't find PID field in ps output");
    }
  json_object *procs = json_object_new_array ();
  bool prev = false; /* thread rows ("-" as PID, ps -m) follow their process */
  for (const char *line = nl ? nl + 1 : NULL; line && *line;)
    {
      nl = strchr (line, '\n');
      size_t len = nl ? (size_t) (nl - line) : strlen (line);
      json_object *f = fields_ascii (line, len);
      line = nl ? nl + 1 : NULL;
      if (json_object_array_length (f) <= pid_idx)
        {
          json_object_put (f);
          continue;
        }
      const char *ps = json_object_get_string (json_object_array_get_idx (f, pid_idx));
      char *end;
      long pid = strtol (ps, &end, 10);
      if (strcmp (ps, "-") == 0)
        {
          if (prev)
            append_process (procs, f, nt);
        }
      else if (*ps == '\0' || *end != '\0')
        {
          int r = cd_err_set (err, EIO, "Unexpected pid '%s': strconv.Atoi: parsing \"%s\": "
                              "invalid syntax", ps, ps);
          json_object_put (f);
          json_object_put (titles);
          json_object_put (procs);
          return r;
        }
      else if ((prev = has_pid (pids, npids, pid)))
        append_process (procs, f, nt);
      json_object_put (f);
    }
  json_object *o = json_object_new_object ();
  json_object_object_add (o, "Titles", titles);
  json_object_object_add (o, "Processes", procs);
  *out = o;
  return 0;
}

int
ctr_top_check_args (const char *ps_args, struct cd_err *err)
{
  regex_t re;
  if (regcomp (&re, "[[:space:]]+([^[:space:]]*)=[[:space:]]*(PID[^[:space:]]*)",
               REG_EXTENDED) != 0)
    return cd_err_set (err, ENOMEM, "regcomp failed");
  regmatch_t m[3];
  int r = 0;
  for (const char *s = ps_args; r == 0 && regexec (&re, s, 3, m, 0) == 0; s += m[0].rm_eo)
    {
      int kl = (int) (m[1].rm_eo - m[1].rm_so);
      if (kl != 3 || strncmp (s + m[1].rm_so, "pid", 3) != 0)
        r = cd_err_set (err, EIO, "specifying \"%.*s=%.*s\" is not allowed", kl, s + m[1].rm_so,
                        (int) (m[2].rm_eo - m[2].rm_so), s + m[2].rm_so);
      if (m[0].rm_eo == 0)
        break;
    }
  regfree (&re);
  return r;
}

/* ---- GET /containers/{id}/top ---- */

/* "ps ARGS... [-qPID,PID...]": ps_args split at spaces as dockerd does
 * (empty words dropped). */
static char **
ps_argv (char *args, const char *qarg)
{
  size_t n = 2;
  for (const char *s = args; *s; s++)
    n += *s == ' ';
  char **argv = calloc (n + 2, sizeof *argv);
  if (argv == NULL)
    return NULL;
  size_t k = 0;
  argv[k++] = "ps";
  for (char *save = NULL, *w = strtok_r (args, " ", &save); w; w = strtok_r (NULL, " ", &save))
    argv[k++] = w;
  if (qarg)
    argv[k++] = (char *) qarg;
  argv[k] = NULL;
  return argv;
}

static char *
q_arg (const pid_t *pids, size_t n)
{
  char *s = NULL;
  size_t len = 0;
  FILE *m = open_memstream (&s, &len);
  if (m == NULL)
    return NULL;
  fputs ("-q", m);
  for (size_t i = 0; i < n; i++)
    fprintf (m, "%s%d", i ? "," : "", (int) pids[i]);
  fclose (m);
  return s;
}

static int
top_running (struct cd_daemon *d, const char *id, const char *ps_args, json_object **out,
             struct cd_err *err)
{
  cleanup_free char *cgpath = ctr_cgroups_path (d, id);
  if (cgpath == NULL)
    return cd_err_set (err, ENOMEM, "out of memory");
  cleanup_free pid_t *pids = NULL;
  size_t n = 0;
  int r = ctr_cgroup_pids (cgpath, &pids, &n, err);
  if (r < 0)
    return r;
  cleanup_free char *qarg = q_arg (pids, n);
  cleanup_free char *w1 = strdup (ps_args), *w2 = strdup (ps_args);
  cleanup_free char **argv_q = w1 && qarg ? ps_argv (w1, qarg) : NULL;
  cleanup_free char **argv = w2 ? ps_argv (w2, NULL) : NULL;
  if (argv_q == NULL || argv == NULL)
    return cd_err_set (err, ENOMEM, "out of memory");
  struct ps_result res = { 0 };
  /* Some ps options (f) do not go with -q: then without it, filtered here. */
  r = run_capture (argv_q, &res);
  if (r < 0)
    r = run_capture (argv, &res);
  if (r < 0)
    r = cd_err_set (err, EIO, "ps: %s", res.errline);
  else
    r = ctr_top_parse (res.out, pids, n, out, err);
  free (res.out);
  return r;
}

int
ctr_top (struct cd_daemon *d, const char *ref, const char *ps_args, char id_out[65],
         json_object **out, struct cd_err *err)
{
  if (ps_args == NULL || *ps_args == '\0')
    ps_args = "-ef";
  int r = ctr_top_check_args (ps_args, err);
  if (r < 0)
    return r;
  struct store_container c;
  if ((r = store_container_find (d->store, ref, &c, err)) < 0)
    return r;
  memcpy (id_out, c.id, 65);
  if (strcmp (c.state, "restarting") == 0)
    r = cd_err_set (err, EBUSY, "Container %s is restarting, wait until the container is running",
                    c.id);
  else if (strcmp (c.state, "running") != 0 && strcmp (c.state, "paused") != 0)
    r = cd_err_set (err, EBUSY, "Container %s is not running", c.id);
  store_container_clear (&c);
  return r < 0 ? r : top_running (d, id_out, ps_args, out, err);
}
