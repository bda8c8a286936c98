/* Registry sessions over libcurl: endpoint probing (/v2/), TLS settings,
 * Bearer and Basic authentication, buffered requests, error messages. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "cleanup.h"
#include "images/registry_int.h"

void
reg_resp_clear (struct reg_resp *r)
{
  free (r->body);
  free (r->ctype);
  free (r->digest);
  free (r->location);
  memset (r, 0, sizeof *r);
}

/* ---- credentials ---- */

static int
b64val (int c)
{
  if (c >= 'A' && c <= 'Z')
    return c - 'A';
  if (c >= 'a' && c <= 'z')
    return c - 'a' + 26;
  if (c >= '0' && c <= '9')
    return c - '0' + 52;
  if (c == '+' || c == '-')
    return 62;
  if (c == '/' || c == '_')
    return 63;
  return -1;
}

/* Standard or URL alphabet, padding optional. */
static char *
b64_decode (const char *s, size_t *len)
{
  size_t n = strlen (s);
  char *out = malloc (n * 3 / 4 + 4);
  if (out == NULL)
    return NULL;
  uint32_t acc = 0;
  int bits = 0;
  size_t o = 0;
  for (size_t i = 0; i < n && s[i] != '='; i++)
    {
      int v = b64val ((unsigned char) s[i]);
      if (v < 0)
        {
          free (out);
          return NULL;
        }
      acc = (acc << 6) | (uint32_t) v;
      bits += 6;
      if (bits >= 8)
        {
          bits -= 8;
          out[o++] = (char) ((acc >> bits) & 0xff);
        }
    }
  out[o] = '\0';
  *len = o;
  return out;
}

static char *
jstr (json_object *o, const char *key)
{
  json_object *v;
  if (!json_object_object_get_ex (o, key, &v) || !json_object_is_type (v, json_type_string))
    return NULL;
  const char *s = json_object_get_string (v);
  return *s ? strdup (s) : NULL;
}

int
img_reg_creds_parse (const char *header, struct img_reg_creds *out, struct cd_err *err)
{
  memset (out, 0, sizeof *out);
  if (header == NULL || *header == '\0')
    return 0;
  size_t len;
  cleanup_free char *raw = b64_decode (header, &len);
  json_object *o = raw ? json_tokener_parse (raw) : NULL;
  if (o == NULL || !json_object_is_type (o, json_type_object))
    {
      json_object_put (o);
      return cd_err_set (err, EINVAL, "invalid X-Registry-Auth header: not base64-encoded JSON");
    }
  out->username = jstr (o, "username");
  out->password = jstr (o, "password");
  out->registrytoken = jstr (o, "registrytoken");
  if (out->registrytoken == NULL)
    out->registrytoken = jstr (o, "identitytoken");
  json_object_put (o);
  return 0;
}

void
img_reg_creds_clear (struct img_reg_creds *c)
{
  free (c->username);
  free (c->password);
  free (c->registrytoken);
  memset (c, 0, sizeof *c);
}

/* ---- requests ---- */

static size_t
on_body (char *p, size_t sz, size_t n, void *ud)
{
  struct reg_resp *r = ud;
  size_t len = sz * n;
  if (r->len + len > (64u << 20))
    return 0;
  char *nb = realloc (r->body, r->len + len + 1);
  if (nb == NULL)
    return 0;
  memcpy (nb + r->len, p, len);
  r->body = nb;
  r->len += len;
  r->body[r->len] = '\0';
  return len;
}

static void
header_value (const char *line, size_t len, const char *name, char **dst)
{
  size_t nl = strlen (name);
  if (len <= nl + 1 || strncasecmp (line, name, nl) != 0 || line[nl] != ':')
    return;
  const char *v = line + nl + 1;
  while (*v == ' ')
    v++;
  size_t vl = len - (size_t) (v - line);
  while (vl && (v[vl - 1] == '\r' || v[vl - 1] == '\n' || v[vl - 1] == ' '))
    vl--;
  free (*dst);
  *dst = strndup (v, vl);
}

struct hdr_ctx
{
  struct reg_resp *r;
  char *www;
};

static size_t
on_header (char *p, size_t sz, size_t n, void *ud)
{
  struct hdr_ctx *h = ud;
  size_t len = sz * n;
  header_value (p, len, "Content-Type", &h->r->ctype);
  header_value (p, len, "Docker-Content-Digest", &h->r->digest);
  header_value (p, len, "Location", &h->r->location);
  header_value (p, len, "WWW-Authenticate", &h->www);
  return len;
}

CURL *
reg_easy (struct reg_sess *s, const char *url, struct curl_slist **hdrs, const char *const *extra)
{
  CURL *e = curl_easy_init ();
  if (e == NULL)
    return NULL;
  curl_easy_setopt (e, CURLOPT_URL, url);
  curl_easy_setopt (e, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt (e, CURLOPT_CONNECTTIMEOUT, 15L);
  curl_easy_setopt (e, CURLOPT_LOW_SPEED_LIMIT, 1L);
  curl_easy_setopt (e, CURLOPT_LOW_SPEED_TIME, 60L);
  curl_easy_setopt (e, CURLOPT_FOLLOWLOCATION, 1L);
  curl_easy_setopt (e, CURLOPT_USERAGENT, "cdaemon/1.0 (docker/20.10 compatible)");
  if (s->insecure)
    {
      curl_easy_setopt (e, CURLOPT_SSL_VERIFYPEER, 0L);
      curl_easy_setopt (e, CURLOPT_SSL_VERIFYHOST, 0L);
    }
  if (s->cafile)
    curl_easy_setopt (e, CURLOPT_CAINFO, s->cafile);
  *hdrs = NULL;
  pthread_mutex_lock (&s->lock);
  if (s->authz)
    *hdrs = curl_slist_append (*hdrs, s->authz);
  pthread_mutex_unlock (&s->lock);
  for (; extra && *extra; extra++)
    *hdrs = curl_slist_append (*hdrs, *extra);
  curl_easy_setopt (e, CURLOPT_HTTPHEADER, *hdrs);
  return e;
}

/* One attempt; *www gets the WWW-Authenticate value of a 401. */
static int
do_once (struct reg_sess *s, const char *method, const char *url, const char *const *extra,
         const void *body, size_t body_len, struct reg_resp *resp, char **www, struct cd_err *err)
{
  struct curl_slist *hdrs;
  CURL *e = reg_easy (s, url, &hdrs, extra);
  if (e == NULL)
    return cd_err_set (err, ENOMEM, "out of memory");
  struct hdr_ctx h = { resp, NULL };
  char ebuf[CURL_ERROR_SIZE] = "";
  curl_easy_setopt (e, CURLOPT_ERRORBUFFER, ebuf);
  curl_easy_setopt (e, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt (e, CURLOPT_WRITEDATA, resp);
  curl_easy_setopt (e, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt (e, CURLOPT_HEADERDATA, &h);
  if (strcmp (method, "HEAD") == 0)
    curl_easy_setopt (e, CURLOPT_NOBODY, 1L);
  else if (strcmp (method, "GET") != 0)
    {
      curl_easy_setopt (e, CURLOPT_CUSTOMREQUEST, method);
      curl_easy_setopt (e, CURLOPT_POSTFIELDS, body ? body : "");
      curl_easy_setopt (e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t) (body ? body_len : 0));
    }
  CURLcode c = curl_easy_perform (e);
  curl_easy_getinfo (e, CURLINFO_RESPONSE_CODE, &resp->status);
  curl_easy_cleanup (e);
  curl_slist_free_all (hdrs);
  *www = h.www;
  if (c != CURLE_OK)
    return cd_err_set (err, EIO, "%s %s: %s", method, url, ebuf[0] ? ebuf : curl_easy_strerror (c));
  return 0;
}

int
reg_do (struct reg_sess *s, const char *method, const char *url, const char *const *extra,
        const void *body, size_t body_len, struct reg_resp *resp, struct cd_err *err)
{
  for (int attempt = 0;; attempt++)
    {
      reg_resp_clear (resp);
      cleanup_free char *www = NULL;
      int r = do_once (s, method, url, extra, body, body_len, resp, &www, err);
      if (r < 0 || resp->status != 401 || attempt > 0 || www == NULL)
        return r;
      if ((r = reg_auth (s, www, err)) < 0)
        return r;
    }
}

char *
reg_url (struct reg_sess *s, const char *what)
{
  char *u;
  return asprintf (&u, "%s/v2/%s/%s", s->base, s->repo, what) < 0 ? NULL : u;
}

int
reg_fail (struct reg_resp *r, const char *what, struct cd_err *err)
{
  json_object *o = r->body ? json_tokener_parse (r->body) : NULL, *errs, *e0, *m;
  const char *msg = NULL;
  if (o && json_object_object_get_ex (o, "errors", &errs)
      && json_object_is_type (errs, json_type_array) && json_object_array_length (errs)
      && (e0 = json_object_array_get_idx (errs, 0))
      && json_object_object_get_ex (e0, "message", &m))
    msg = json_object_get_string (m);
  int code = r->status == 404 ? ENOENT : r->status == 401 || r->status == 403 ? EACCES : EIO;
  if (r->status == 401)
    cd_err_set (err, code, "%s: unauthorized: %s", what,
                msg ? msg : "authentication required");
  else if (msg)
    cd_err_set (err, code, "%s: %s", what, msg);
  else
    cd_err_set (err, code, "%s: unexpected status %ld from the registry", what, r->status);
  json_object_put (o);
  return -code;
}

void
reg_host_platform (const char **arch, const char **variant)
{
  struct utsname u;
  *arch = "amd64";
  *variant = "";
  if (uname (&u) < 0)
    return;
  if (strcmp (u.machine, "aarch64") == 0)
    *arch = "arm64", *variant = "v8";
  else if (strncmp (u.machine, "armv7", 5) == 0)
    *arch = "arm", *variant = "v7";
  else if (strncmp (u.machine, "armv6", 5) == 0)
    *arch = "arm", *variant = "v6";
  else if (strcmp (u.machine, "i686") == 0 || strcmp (u.machine, "i386") == 0)
    *arch = "386";
  else if (strcmp (u.machine, "ppc64le") == 0 || strcmp (u.machine, "s390x") == 0
           || strcmp (u.machine, "riscv64") == 0)
    *arch = strcmp (u.machine, "ppc64le") == 0 ? "ppc64le"
            : strcmp (u.machine, "s390x") == 0 ? "s390x" : "riscv64";
}
