/* Opening a registry session: which endpoint (mirrors, https, plain http for
 * insecure registries), TLS trust (certs.d), and the auth challenge answered
 * with a Bearer token or Basic credentials. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cleanup.h"
#include "images/registry_int.h"
#include "log.h"

static char *
b64_encode (const char *s)
{
  static const char tbl[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  size_t n = strlen (s), o = 0;
  char *out = malloc (n * 4 / 3 + 5);
  if (out == NULL)
    return NULL;
  for (size_t i = 0; i < n; i += 3)
    {
      uint32_t v = (uint32_t) (unsigned char) s[i] << 16;
      if (i + 1 < n)
        v |= (uint32_t) (unsigned char) s[i + 1] << 8;
      if (i + 2 < n)
        v |= (unsigned char) s[i + 2];
      out[o++] = tbl[(v >> 18) & 63];
      out[o++] = tbl[(v >> 12) & 63];
      out[o++] = i + 1 < n ? tbl[(v >> 6) & 63] : '=';
      out[o++] = i + 2 < n ? tbl[v & 63] : '=';
    }
  out[o] = '\0';
  return out;
}

/* The value of key="..." (or key=token) in a challenge, malloc'd. */
static char *
param (const char *ch, const char *key)
{
  size_t kl = strlen (key);
  for (const char *p = ch; (p = strcasestr (p, key)) != NULL; p += kl)
    {
      if ((p != ch && p[-1] != ' ' && p[-1] != ',') || p[kl] != '=')
        continue;
      const char *v = p + kl + 1;
      if (*v == '"')
        {
          const char *end = strchr (v + 1, '"');
          return end ? strndup (v + 1, (size_t) (end - v - 1)) : NULL;
        }
      return strndup (v, strcspn (v, ", "));
    }
  return NULL;
}

static void
set_authz (struct reg_sess *s, const char *scheme, const char *value)
{
  char *h;
  if (asprintf (&h, "Authorization: %s %s", scheme, value) < 0)
    return;
  pthread_mutex_lock (&s->lock);
  free (s->authz);
  s->authz = h;
  pthread_mutex_unlock (&s->lock);
}

static int
basic (struct reg_sess *s, struct cd_err *err)
{
  if (s->cr == NULL || s->cr->username == NULL)
    return cd_err_set (err, EACCES, "unauthorized: authentication required (log in with"
                       " `cdctl login %s`)", s->host);
  cleanup_free char *up = NULL;
  if (asprintf (&up, "%s:%s", s->cr->username, s->cr->password ? s->cr->password : "") < 0)
    return cd_err_set (err, ENOMEM, "out of memory");
  cleanup_free char *b = b64_encode (up);
  if (b == NULL)
    return cd_err_set (err, ENOMEM, "out of memory");
  set_authz (s, "Basic", b);
  return 0;
}

static int
token (struct reg_sess *s, const char *realm, const char *service, const char *scope,
       struct cd_err *err)
{
  CURL *c = curl_easy_init ();
  if (c == NULL)
    return cd_err_set (err, ENOMEM, "out of memory");
  char *es = service ? curl_easy_escape (c, service, 0) : NULL;
  char *esc = scope ? curl_easy_escape (c, scope, 0) : NULL;
  cleanup_free char *url = NULL;
  int r = asprintf (&url, "%s%sservice=%s%s%s", realm, strchr (realm, '?') ? "&" : "?",
                    es ? es : "", esc ? "&scope=" : "", esc ? esc : "");
  curl_free (es);
  curl_free (esc);
  curl_easy_cleanup (c);
  if (r < 0)
    return cd_err_set (err, ENOMEM, "out of memory");
  /* the token server: no Authorization of ours but the user's credentials */
  pthread_mutex_lock (&s->lock);
  free (s->authz);
  s->authz = NULL;
  pthread_mutex_unlock (&s->lock);
  if (s->cr && s->cr->username && (r = basic (s, err)) < 0)
    return r;
  struct reg_resp resp = { 0 };
  r = reg_do (s, "GET", url, NULL, NULL, 0, &resp, err);
  if (r == 0 && resp.status != 200)
    r = resp.status == 401 ? cd_err_set (err, EACCES, "unauthorized: incorrect username or"
                                         " password")
                           : reg_fail (&resp, "token request", err);
  json_object *o = r == 0 ? json_tokener_parse (resp.body ? resp.body : "") : NULL, *t = NULL;
  if (r == 0 && !(o && (json_object_object_get_ex (o, "token", &t)
                        || json_object_object_get_ex (o, "access_token", &t))))
    r = cd_err_set (err, EIO, "token server %s sent no token", realm);
  if (r == 0)
    set_authz (s, "Bearer", json_object_get_string (t));
  json_object_put (o);
  reg_resp_clear (&resp);
  return r;
}

int
reg_auth (struct reg_sess *s, const char *www, struct cd_err *err)
{
  if (strncasecmp (www, "Basic", 5) == 0)
    return basic (s, err);
  if (strncasecmp (www, "Bearer", 6) != 0)
    return cd_err_set (err, EACCES, "unsupported authentication scheme: %s", www);
  cleanup_free char *realm = param (www, "realm");
  cleanup_free char *service = param (www, "service");
  cleanup_free char *scope = param (www, "scope");
  if (realm == NULL)
    return cd_err_set (err, EACCES, "bad Bearer challenge from %s: no realm", s->host);
  if (s->cr && s->cr->registrytoken)
    {
      set_authz (s, "Bearer", s->cr->registrytoken);
      return 0;
    }
  cleanup_free char *want = NULL;
  if (scope == NULL && s->repo && asprintf (&want, "repository:%s:%s", s->repo, s->actions) < 0)
    return cd_err_set (err, ENOMEM, "out of memory");
  return token (s, realm, service, scope ? scope : want, err);
}

static bool
is_insecure (const struct img_reg_opts *o, const char *host)
{
  if (strncmp (host, "127.", 4) == 0 || strncmp (host, "localhost", 9) == 0
      || strncmp (host, "[::1]", 5) == 0)
    return true;
  for (size_t i = 0; o->insecure && i < json_object_array_length (o->insecure); i++)
    {
      const char *h = json_object_get_string (json_object_array_get_idx (o->insecure, i));
      size_t hl = h ? strlen (h) : 0;
      if (h && (strcmp (h, host) == 0 || (strncmp (host, h, hl) == 0 && host[hl] == ':')))
        return true;
    }
  return false;
}

/* GET base/v2/: 0 when it answers as a registry (200 or 401). */
static int
probe (struct reg_sess *s, const char *base, struct cd_err *err)
{
  free (s->base);
  s->base = strdup (base);
  cleanup_free char *url = NULL;
  if (s->base == NULL || asprintf (&url, "%s/v2/", base) < 0)
    return cd_err_set (err, ENOMEM, "out of memory");
  struct reg_resp resp = { 0 };
  int r = reg_do (s, "GET", url, NULL, NULL, 0, &resp, err);
  if (r == 0 && resp.status != 200)
    r = reg_fail (&resp, url, err);
  reg_resp_clear (&resp);
  return r;
}

static int
probe_host (struct reg_sess *s, struct cd_err *err)
{
  char base[600];
  snprintf (base, sizeof base, "https://%s", s->host);
  int r = probe (s, base, err);
  if (r == 0 || !s->insecure || err->code != EIO || strstr (err->msg, "unexpected status"))
    return r;
  log_debug ("registry %s: %s; trying plain http", s->host, err->msg);
  snprintf (base, sizeof base, "http://%s", s->host);
  return probe (s, base, err);
}

int
reg_open (const struct img_reg_opts *o, const char *domain, const char *repo, const char *actions,
          const struct img_reg_creds *cr, struct reg_sess **out, struct cd_err *err)
{
  struct reg_sess *s = calloc (1, sizeof *s);
  if (s == NULL)
    return cd_err_set (err, ENOMEM, "out of memory");
  pthread_mutex_init (&s->lock, NULL);
  bool hub = strcmp (domain, "docker.io") == 0;
  s->host = strdup (hub ? (o->hub_host ? o->hub_host : "registry-1.docker.io") : domain);
  s->repo = repo ? strdup (repo) : NULL;
  s->actions = actions;
  s->cr = cr;
  s->insecure = is_insecure (o, s->host);
  char ca[4200];
  snprintf (ca, sizeof ca, "%s/%s/ca.crt", o->certs_dir ? o->certs_dir : "/etc/cdaemon/certs.d",
            s->host);
  if (access (ca, R_OK) == 0)
    s->cafile = strdup (ca);
  int r = 0;
  for (size_t i = 0; hub && o->mirrors && i < json_object_array_length (o->mirrors); i++)
    {
      const char *m = json_object_get_string (json_object_array_get_idx (o->mirrors, i));
      struct cd_err merr = { 0 };
      char base[600];
      snprintf (base, sizeof base, "%s", m);
      size_t bl = strlen (base);
      while (bl && base[bl - 1] == '/')
        base[--bl] = '\0';
      if (probe (s, base, &merr) == 0)
        {
          *out = s;
          return 0;
        }
      log_info ("registry mirror %s: %s", m, merr.msg);
    }
  r = probe_host (s, err);
  if (r < 0)
    {
      reg_close (s);
      return r;
    }
  *out = s;
  return 0;
}

void
reg_close (struct reg_sess *s)
{
  if (s == NULL)
    return;
  pthread_mutex_destroy (&s->lock);
  free (s->host);
  free (s->base);
  free (s->repo);
  free (s->cafile);
  free (s->authz);
  free (s);
}

int
img_reg_login (const struct img_reg_opts *o, const char *server, const struct img_reg_creds *cr,
               struct cd_err *err)
{
  char host[512];
  const char *p = server && *server ? server : "docker.io";
  if (strncmp (p, "https://", 8) == 0)
    p += 8;
  else if (strncmp (p, "http://", 7) == 0)
    p += 7;
  snprintf (host, sizeof host, "%.*s", (int) strcspn (p, "/"), p);
  if (strcmp (host, "index.docker.io") == 0 || strcmp (host, "registry-1.docker.io") == 0)
    snprintf (host, sizeof host, "docker.io");
  struct reg_sess *s;
  int r = reg_open (o, host, NULL, "pull", cr, &s, err);
  if (r == -EACCES && strstr (err->msg, "cdctl login") == NULL)
    {
      char msg[sizeof err->msg];
      snprintf (msg, sizeof msg, "%s", err->msg);
      cd_err_set (err, EACCES, "login attempt to %s/v2/ failed with status: 401 Unauthorized (%s)",
                  host, msg);
    }
  reg_close (r == 0 ? s : NULL);
  return r;
}
