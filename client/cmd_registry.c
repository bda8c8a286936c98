/* cdctl pull / push / login / logout.  Credentials live in
 * $XDG_CONFIG_HOME/cdctl/auth.json (else ~/.config/cdctl/auth.json), mode
 * 0600, in the docker config shape {"auths": {"host": {"auth": b64(u:p)}}};
 * ~/.docker/config.json auths are read too.  They travel to the daemon in
 * the X-Registry-Auth header, as the docker CLI sends them. */
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "client/cmd_images.h"
#include "client/commands.h"
#include "client/url.h"

#define HUB_KEY "https://index.docker.io/v1/"

static char *
b64 (const char *s, size_t n, bool url)
{
  const char *tbl = url ? "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
                        : "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  char *out = malloc (n * 4 / 3 + 5);
  size_t o = 0;
  if (out == NULL)
    return NULL;
  for (size_t i = 0; i < n; i += 3)
    {
      uint32_t v = (uint32_t) (unsigned char) s[i] << 16;
      v |= i + 1 < n ? (uint32_t) (unsigned char) s[i + 1] << 8 : 0;
      v |= i + 2 < n ? (unsigned char) s[i + 2] : 0;
      out[o++] = tbl[(v >> 18) & 63];
      out[o++] = tbl[(v >> 12) & 63];
      out[o++] = i + 1 < n ? tbl[(v >> 6) & 63] : '=';
      out[o++] = i + 2 < n ? tbl[v & 63] : '=';
    }
  out[o] = '\0';
  return out;
}

static char *
unb64 (const char *s)
{
  static const char tbl[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  size_t n = strlen (s), o = 0;
  char *out = malloc (n + 1);
  uint32_t acc = 0;
  int bits = 0;
  for (size_t i = 0; out && i < n && s[i] != '='; i++)
    {
      const char *p = strchr (tbl, s[i]);
      if (p == NULL || s[i] == '\0')
        break;
      acc = (acc << 6) | (uint32_t) (p - tbl);
      if ((bits += 6) >= 8)
        out[o++] = (char) ((acc >> (bits -= 8)) & 0xff);
    }
  if (out)
    out[o] = '\0';
  return out;
}

static char *
auth_path (void)
{
  char *p;
  const char *x = getenv ("XDG_CONFIG_HOME"), *home = getenv ("HOME");
  if (x && *x)
    return asprintf (&p, "%s/cdctl/auth.json", x) < 0 ? NULL : p;
  return asprintf (&p, "%s/.config/cdctl/auth.json", home ? home : "/root") < 0 ? NULL : p;
}

static json_object *
read_auths (const char *path)
{
  json_object *o = path ? json_object_from_file (path) : NULL, *a;
  if (o && json_object_object_get_ex (o, "auths", &a) && json_object_is_type (a, json_type_object))
    {
      json_object_get (a);
      json_object_put (o);
      return a;
    }
  json_object_put (o);
  return NULL;
}

/* The registry host of a reference, as docker names it in its config. */
static void
registry_of (const char *ref, char *out, size_t len)
{
  size_t n = strcspn (ref, "/");
  if (ref[n] == '/' && (memchr (ref, '.', n) || memchr (ref, ':', n) || strncmp (ref, "localhost", n) == 0))
    snprintf (out, len, "%.*s", (int) n, ref);
  else
    snprintf (out, len, "%s", HUB_KEY);
}

/* "user:pass" stored for host, from our file, then docker's. malloc'd. */
static char *
stored_auth (const char *host)
{
  cleanup_free char *mine = auth_path ();
  char docker[4096];
  snprintf (docker, sizeof docker, "%s/.docker/config.json", getenv ("HOME") ? getenv ("HOME") : "/root");
  const char *files[] = { mine, docker };
  for (int i = 0; i < 2; i++)
    {
      json_object *a = read_auths (files[i]), *e, *v;
      char *up = NULL;
      if (a && json_object_object_get_ex (a, host, &e) && json_object_object_get_ex (e, "auth", &v))
        up = unb64 (json_object_get_string (v));
      json_object_put (a);
      if (up)
        return up;
    }
  return NULL;
}

/* "X-Registry-Auth: ..." for ref's registry, or NULL without a login. */
static char *
auth_header (const char *ref)
{
  char host[512];
  registry_of (ref, host, sizeof host);
  cleanup_free char *up = stored_auth (host);
  char *colon = up ? strchr (up, ':') : NULL;
  if (colon == NULL)
    return NULL;
  *colon = '\0';
  json_object *o = json_object_new_object ();
  json_object_object_add (o, "username", json_object_new_string (up));
  json_object_object_add (o, "password", json_object_new_string (colon + 1));
  json_object_object_add (o, "serveraddress", json_object_new_string (host));
  const char *js = json_object_to_json_string_ext (o, JSON_C_TO_STRING_PLAIN);
  cleanup_free char *enc = b64 (js, strlen (js), true);
  json_object_put (o);
  char *h;
  return enc && asprintf (&h, "X-Registry-Auth: %s", enc) >= 0 ? h : NULL;
}

static int
stream (struct cli_ctx *ctx, const char *path, const char *ref, struct cd_err *err)
{
  cleanup_free char *auth = auth_header (ref);
  const char *hdrs[] = { auth, NULL };
  struct cli_jsonmsg *jm = cli_jsonmsg_new (ctx->out);
  if (jm == NULL)
    return cd_err_set (err, ENOMEM, "out of memory");
  struct cli_request req = { .method = "POST", .path = path, .headers = auth ? hdrs : NULL,
                             .on_data = cli_jsonmsg_feed, .userdata = jm };
  cleanup_response struct cli_response resp = { 0 };
  int r = cli_http_do (ctx->http, &req, &resp, err);
  if (r == 0)
    r = cli_http_check (&resp, err);
  if (r == 0)
    r = cli_jsonmsg_finish (jm, err);
  cli_jsonmsg_free (jm);
  return r;
}

static int
pull_run (struct cli_ctx *ctx, const struct cli_args *args, struct cd_err *err)
{
  const char *ref = args->argv[0];
  char buf[1024];
  const char *repo, *tag, *digest;
  int r = cli_img_split_ref (ref, buf, sizeof buf, &repo, &tag, &digest, err);
  if (r < 0)
    return r;
  struct cli_query q = { 0 };
  cli_query_add (&q, "fromImage", repo);
  cli_query_add (&q, "tag", digest ? digest : *tag ? tag : "latest");
  cleanup_free char *path = cli_query_finish (&q, "/images/create");
  if (path == NULL)
    return cd_err_set (err, ENOMEM, "out of memory");
  if ((r = stream (ctx, path, ref, err)) < 0)
    return r;
  if (!cli_args_bool (args, "quiet"))
    fprintf (ctx->out, "%s%s%s\n", repo, digest ? "@" : ":", digest ? digest : *tag ? tag : "latest");
  return 0;
}

static int
push_run (struct cli_ctx *ctx, const struct cli_args *args, struct cd_err *err)
{
  const char *ref = args->argv[0];
  char buf[1024];
  const char *repo, *tag, *digest;
  int r = cli_img_split_ref (ref, buf, sizeof buf, &repo, &tag, &digest, err);
  if (r < 0)
    return r;
  cleanup_free char *base = cli_img_path (repo, "/push");
  struct cli_query q = { 0 };
  cli_query_add (&q, "tag", *tag ? tag : "latest");
  cleanup_free char *path = base ? cli_query_finish (&q, base) : NULL;
  if (path == NULL)
    return cd_err_set (err, ENOMEM, "out of memory");
  return stream (ctx, path, ref, err);
}

static int
save_auths (json_object *auths, struct cd_err *err)
{
  cleanup_free char *path = auth_path ();
  if (path == NULL)
    return cd_err_set (err, ENOMEM, "out of memory");
  char *slash = strrchr (path, '/');
  *slash = '\0';
  char *p2 = strrchr (path, '/');
  if (p2)
    {
      *p2 = '\0';
      mkdir (path, 0700);
      *p2 = '/';
    }
  mkdir (path, 0700);
  *slash = '/';
  json_object *o = json_object_new_object ();
  json_object_object_add (o, "auths", json_object_get (auths));
  char tmp[4200];
  snprintf (tmp, sizeof tmp, "%s.tmp", path);
  int fd = open (tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  const char *s = json_object_to_json_string_ext (o, JSON_C_TO_STRING_PRETTY);
  int r = fd >= 0 && write (fd, s, strlen (s)) == (ssize_t) strlen (s) && fsync (fd) == 0 ? 0 : -1;
  if (fd >= 0)
    close (fd);
  json_object_put (o);
  if (r < 0 || rename (tmp, path) < 0)
    return cd_err_sys (err, errno, "writing %s", path);
  return 0;
}

static const char *
server_key (const struct cli_args *args)
{
  const char *s = args->argc ? args->argv[0] : NULL;
  if (s == NULL || strcmp (s, "docker.io") == 0 || strstr (s, "index.docker.io"))
    return HUB_KEY;
  if (strncmp (s, "http://", 7) == 0)
    return s + 7;
  if (strncmp (s, "https://", 8) == 0)
    return s + 8;
  return s;
}

static int
login_run (struct cli_ctx *ctx, const struct cli_args *args, struct cd_err *err)
{
  const char *user = cli_args_str (args, "username"), *pass = cli_args_str (args, "password");
  char line[4096];
  if (cli_args_bool (args, "password-stdin"))
    {
      if (fgets (line, sizeof line, stdin) == NULL)
        return cd_err_set (err, EINVAL, "Must provide --password via --password-stdin");
      line[strcspn (line, "\r\n")] = '\0';
      pass = line;
    }
  if (user == NULL || *user == '\0' || pass == NULL || *pass == '\0')
    return cd_err_set (err, EINVAL, "Username and password are required (-u USER and -p PASS"
                       " or --password-stdin)");
  const char *key = server_key (args);
  json_object *body = json_object_new_object ();
  json_object_object_add (body, "username", json_object_new_string (user));
  json_object_object_add (body, "password", json_object_new_string (pass));
  json_object_object_add (body, "serveraddress", json_object_new_string (key));
  cleanup_response struct cli_response resp = { 0 };
  int r = cli_http_call (ctx->http, "POST", "/auth", body, &resp, err);
  json_object_put (body);
  if (r < 0)
    return r;
  cleanup_free char *path = auth_path ();
  json_object *auths = read_auths (path);
  if (auths == NULL)
    auths = json_object_new_object ();
  cleanup_free char *up = NULL;
  if (asprintf (&up, "%s:%s", user, pass) < 0)
    return cd_err_set (err, ENOMEM, "out of memory");
  cleanup_free char *enc = b64 (up, strlen (up), false);
  json_object *e = json_object_new_object ();
  json_object_object_add (e, "auth", json_object_new_string (enc ? enc : ""));
  json_object_object_add (auths, key, e);
  r = save_auths (auths, err);
  json_object_put (auths);
  if (r == 0)
    fprintf (ctx->out, "Login Succeeded\n");
  return r;
}

static int
logout_run (struct cli_ctx *ctx, const struct cli_args *args, struct cd_err *err)
{
  const char *key = server_key (args);
  cleanup_free char *path = auth_path ();
  json_object *auths = read_auths (path);
  if (auths == NULL || !json_object_object_get_ex (auths, key, NULL))
    {
      json_object_put (auths);
      fprintf (ctx->out, "Not logged in to %s\n", key);
      return 0;
    }
  fprintf (ctx->out, "Removing login credentials for %s\n", key);
  json_object_object_del (auths, key);
  int r = save_auths (auths, err);
  json_object_put (auths);
  return r;
}

static const struct cli_flag pull_flags[] = {
  { "quiet", 'q', CLI_FLAG_BOOL, NULL, "Suppress verbose output", NULL, NULL },
  { NULL, 0, 0, NULL, NULL, NULL, NULL },
};

static const struct cli_flag login_flags[] = {
  { "username", 'u', CLI_FLAG_STRING, NULL, "Username", NULL, NULL },
  { "password", 'p', CLI_FLAG_STRING, NULL, "Password", NULL, NULL },
  { "password-stdin", 0, CLI_FLAG_BOOL, NULL, "Take the password from stdin", NULL, NULL },
  { NULL, 0, 0, NULL, NULL, NULL, NULL },
};

const struct cli_cmd cli_cmd_pull = {
  .name = "pull", .summary = "Pull an image from a registry", .usage = "[OPTIONS] NAME[:TAG|@DIGEST]",
  .flags = pull_flags, .min_args = 1, .max_args = 1, .run = pull_run,
};

const struct cli_cmd cli_cmd_push = {
  .name = "push", .summary = "Push an image to a registry", .usage = "NAME[:TAG]",
  .min_args = 1, .max_args = 1, .run = push_run,
};

const struct cli_cmd cli_cmd_login = {
  .name = "login", .summary = "Log in to a registry", .usage = "[OPTIONS] [SERVER]",
  .flags = login_flags, .max_args = 1, .run = login_run,
};

const struct cli_cmd cli_cmd_logout = {
  .name = "logout", .summary = "Log out from a registry", .usage = "[SERVER]",
  .max_args = 1, .run = logout_run,
};
