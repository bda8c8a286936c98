/* The body of POST /containers/create from the flags of `create` and `run`:
 * environment (-e, --env-file), labels, restart policy, logging, network. */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "client/cmd_containers.h"
#include "client/cmd_containers_res.h"
#include "client/cmd_containers_sec.h"
#include "client/jsonget.h"
#include "client/mountflags.h"
#include "client/url.h"

/* -e KEY=V as is; -e KEY takes the host's value, or stays "KEY". */
static int
add_env_flag (json_object *env, const char *word)
{
  const char *host = strchr (word, '=') ? NULL : getenv (word);
  if (host == NULL)
    return json_object_array_add (env, json_object_new_string (word));
  size_t n = strlen (word) + strlen (host) + 2;
  cleanup_free char *s = malloc (n);
  if (s == NULL)
    return -ENOMEM;
  snprintf (s, n, "%s=%s", word, host);
  return json_object_array_add (env, json_object_new_string (s));
}

/* One line of an env file, as docker's ParseEnvFile. */
static int
env_file_line (json_object *env, char *line, struct cd_err *err)
{
  line[strcspn (line, "\n")] = '\0';
  size_t n = strlen (line);
  if (n > 0 && line[n - 1] == '\r')
    line[n - 1] = '\0';
  while (isspace ((unsigned char) *line))
    line++;
  if (*line == '\0' || *line == '#')
    return 0;
  char *eq = strchr (line, '=');
  if (eq == line)
    return cd_err_set (err, EINVAL, "no variable name on line '%s'", line);
  if (eq)
    *eq = '\0';
  if (strpbrk (line, " \t\n\v\f\r"))
    return cd_err_set (err, EINVAL, "variable '%s' contains whitespaces", line);
  if (eq)
    *eq = '=';
  else if (getenv (line) == NULL)
    return 0;
  return add_env_flag (env, line) < 0 ? cd_err_set (err, ENOMEM, "out of memory") : 0;
}

static int
add_env_file (json_object *env, const char *file, struct cd_err *err)
{
  cleanup_fclose FILE *f = fopen (file, "re");
  if (f == NULL)
    return cd_err_set (err, errno, "open %s: %c%s", file, tolower ((unsigned char) strerror (errno)[0]), strerror (errno) + 1);
  cleanup_free char *line = NULL;
  size_t cap = 0;
  int first = 1;
  while (getline (&line, &cap, f) >= 0)
    {
      char *s = line;
      if (first && strncmp (s, "\xEF\xBB\xBF", 3) == 0)
        s += 3;
      first = 0;
      int r = env_file_line (env, s, err);
      if (r < 0)
        return r;
    }
  return 0;
}

static int
build_env (const struct cli_args *args, json_object **out, struct cd_err *err)
{
  size_t nf, ne;
  const char *const *files = cli_args_list (args, "env-file", &nf);
  const char *const *envs = cli_args_list (args, "env", &ne);
  *out = NULL;
  if (nf == 0 && ne == 0)
    return 0;
  json_object *env = json_object_new_array ();
  if (env == NULL)
    return cd_err_set (err, ENOMEM, "out of memory");
  for (size_t i = 0; i < nf; i++)
    if (add_env_file (env, files[i], err) < 0)
      {
        json_object_put (env);
        return -err->code;
      }
  for (size_t i = 0; i < ne; i++)
    add_env_flag (env, envs[i]);
  *out = env;
  return 0;
}

/* "k=v" words (labels, log options) into an object; "k" alone maps to "". */
static json_object *
kv_object (const struct cli_args *args, const char *flag)
{
  size_t n;
  const char *const *words = cli_args_list (args, flag, &n);
  if (n == 0)
    return NULL;
  json_object *o = json_object_new_object ();
  for (size_t i = 0; o && i < n; i++)
    {
      const char *eq = strchr (words[i], '=');
      size_t klen = eq ? (size_t) (eq - words[i]) : strlen (words[i]);
      cleanup_free char *k = strndup (words[i], klen);
      if (k)
        json_object_object_add (o, k, json_object_new_string (eq ? eq + 1 : ""));
    }
  return o;
}

/* docker's ParseRestartPolicy: "name[:count]". */
static int
restart_policy (const char *s, json_object **out, struct cd_err *err)
{
  *out = NULL;
  if (s == NULL || *s == '\0')
    return 0;
  const char *colon = strchr (s, ':');
  if (colon == s)
    return cd_err_set (err, EINVAL,
                       "invalid restart policy format: no policy provided before colon");
  long count = 0;
  if (colon && colon[1])
    {
      char *end;
      errno = 0;
      count = strtol (colon + 1, &end, 10);
      if (*end || errno)
        return cd_err_set (err, EINVAL,
                           "invalid restart policy format: maximum retry count must be an "
                           "integer");
    }
  size_t nlen = colon ? (size_t) (colon - s) : strlen (s);
  json_object *p = json_object_new_object ();
  json_object_object_add (p, "Name", json_object_new_string_len (s, (int) nlen));
  json_object_object_add (p, "MaximumRetryCount", json_object_new_int64 (count));
  *out = p;
  return 0;
}

static void
add_str (json_object *o, const char *key, const struct cli_args *args, const char *flag)
{
  if (cli_args_isset (args, flag))
    json_object_object_add (o, key, json_object_new_string (cli_args_str (args, flag)));
}

static int
host_config (const struct cli_args *args, int auto_remove, json_object *body, struct cd_err *err)
{
  json_object *hc = json_object_new_object (), *rp;
  json_object_object_add (body, "HostConfig", hc);
  if (restart_policy (cli_args_str (args, "restart"), &rp, err) < 0)
    return -err->code;
  if (rp && cli_args_bool (args, "rm") && strcmp (cli_json_strd (rp, "Name", ""), "no") != 0)
    {
      json_object_put (rp);
      return cd_err_set (err, EINVAL,
                         "conflicting options: cannot specify both --restart and --rm");
    }
  if (rp)
    json_object_object_add (hc, "RestartPolicy", rp);
  json_object_object_add (hc, "AutoRemove", json_object_new_boolean (auto_remove));
  if (cli_args_bool (args, "init"))
    json_object_object_add (hc, "Init", json_object_new_boolean (1));
  add_str (hc, "NetworkMode", args, "network");
  if (cli_ctr_res_host_config (args, hc, err) < 0 || cli_ctr_sec_host_config (args, hc, err) < 0)
    return -err->code;
  json_object *opts = kv_object (args, "log-opt");
  if (opts)
    {
      json_object *lc = json_object_new_object ();
      json_object_object_add (lc, "Type", json_object_new_string ("json-file"));
      json_object_object_add (lc, "Config", opts);
      json_object_object_add (hc, "LogConfig", lc);
    }
  return cli_mount_flags (args, body, hc, err);
}

static json_object *
str_array (char **words, int n)
{
  json_object *a = json_object_new_array ();
  for (int i = 0; a && i < n; i++)
    json_object_array_add (a, json_object_new_string (words[i]));
  return a;
}

int
cli_ctr_create_body (const struct cli_args *args, int auto_remove, json_object **out,
                     struct cd_err *err)
{
  cleanup_json json_object *body = json_object_new_object ();
  json_object *env;
  if (body == NULL)
    return cd_err_set (err, ENOMEM, "out of memory");
  if (build_env (args, &env, err) < 0 || host_config (args, auto_remove, body, err) < 0)
    return -err->code;
  json_object_object_add (body, "Image", json_object_new_string (args->argv[0]));
  /* -i / -t (client/cmd_containers_run.c attaches before the start) */
  int in = cli_args_bool (args, "interactive"), tty = cli_args_bool (args, "tty");
  json_object_object_add (body, "Tty", json_object_new_boolean (tty));
  json_object_object_add (body, "OpenStdin", json_object_new_boolean (in));
  json_object_object_add (body, "StdinOnce", json_object_new_boolean (in));
  json_object_object_add (body, "AttachStdin", json_object_new_boolean (in));
  if (args->argc > 1)
    json_object_object_add (body, "Cmd", str_array (args->argv + 1, args->argc - 1));
  if (cli_args_isset (args, "entrypoint"))
    {
      char *ep = (char *) cli_args_str (args, "entrypoint");
      json_object_object_add (body, "Entrypoint", str_array (&ep, 1));
    }
  if (env)
    json_object_object_add (body, "Env", env);
  json_object *labels = kv_object (args, "label");
  if (labels)
    json_object_object_add (body, "Labels", labels);
  add_str (body, "WorkingDir", args, "workdir");
  add_str (body, "User", args, "user");
  add_str (body, "Hostname", args, "hostname");
  add_str (body, "StopSignal", args, "stop-signal");
  if (cli_args_isset (args, "stop-timeout"))
    json_object_object_add (body, "StopTimeout",
                            json_object_new_int64 (cli_args_int (args, "stop-timeout")));
  *out = body;
  body = NULL;
  return 0;
}

int
cli_ctr_create (struct cli_ctx *ctx, const struct cli_args *args, int auto_remove, char **id,
                struct cd_err *err)
{
  cleanup_json json_object *body = NULL;
  int r = cli_ctr_create_body (args, auto_remove, &body, err);
  if (r < 0)
    return r;
  struct cli_query q = { 0 };
  if (cli_args_isset (args, "name"))
    cli_query_add (&q, "name", cli_args_str (args, "name"));
  cleanup_free char *path = cli_query_finish (&q, "/containers/create");
  if (path == NULL)
    return cd_err_set (err, ENOMEM, "out of memory");
  cleanup_response struct cli_response resp = { 0 };
  r = cli_http_call (ctx->http, "POST", path, body, &resp, err);
  if (r < 0)
    return r;
  json_object *warn = cli_json_path (resp.json, "Warnings");
  for (size_t i = 0; warn && json_object_is_type (warn, json_type_array)
                     && i < json_object_array_length (warn);
       i++)
    fprintf (stderr, "WARNING: %s\n",
             json_object_get_string (json_object_array_get_idx (warn, i)));
  const char *s = cli_json_str (resp.json, "Id");
  if (s == NULL)
    return cd_err_set (err, EPROTO, "the daemon's answer has no container ID");
  *id = strdup (s);
  return *id ? 0 : cd_err_set (err, ENOMEM, "out of memory");
}
