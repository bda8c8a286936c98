/* Private to images/registry*.c: one registry session (endpoint, auth). */
#ifndef CD_IMG_REGISTRY_INT_H
#define CD_IMG_REGISTRY_INT_H

#include <curl/curl.h>
#include <pthread.h>
#include <stdbool.h>

#include "images/registry.h"

struct reg_sess
{
  char *host;      /* "127.0.0.1:5000", "registry-1.docker.io" */
  char *base;      /* "http://127.0.0.1:5000" once probed */
  char *repo;      /* "library/busybox" */
  const char *actions; /* "pull" or "pull,push" */
  bool insecure;
  char *cafile;    /* certs.d CA, NULL for the system's */
  const struct img_reg_creds *cr;
  pthread_mutex_t lock;
  char *authz;     /* "Authorization: Bearer x" / "Authorization: Basic x" */
};

struct reg_resp
{
  long status;
  char *body;
  size_t len;
  char *ctype;     /* Content-Type */
  char *digest;    /* Docker-Content-Digest */
  char *location;  /* Location */
};

void reg_resp_clear (struct reg_resp *r);

/* Opens a session for domain/repo; probes /v2/ (https, then plain http for
 * insecure hosts) and learns the auth challenge. */
int reg_open (const struct img_reg_opts *o, const char *domain, const char *repo,
              const char *actions, const struct img_reg_creds *cr, struct reg_sess **out,
              struct cd_err *err);
void reg_close (struct reg_sess *s);

/* A curl handle for url with TLS settings and the current Authorization. */
CURL *reg_easy (struct reg_sess *s, const char *url, struct curl_slist **hdrs,
                const char *const *extra);

/* One request with a buffered answer; body may be NULL (then a GET / HEAD /
 * POST without body per method).  Answers 401 by authenticating once and
 * retrying. */
int reg_do (struct reg_sess *s, const char *method, const char *url, const char *const *extra,
            const void *body, size_t body_len, struct reg_resp *resp, struct cd_err *err);

/* Authenticates after a 401 (Bearer token or Basic); 0 if it should retry. */
int reg_auth (struct reg_sess *s, const char *www_auth, struct cd_err *err);

/* "<base>/v2/<repo>/<what>" malloc'd. */
char *reg_url (struct reg_sess *s, const char *what);

/* A clear message for an error answer ({"errors":[{"code","message"}]}). */
int reg_fail (struct reg_resp *r, const char *what, struct cd_err *err);

/* "amd64", "arm64", ... of this host and its variant ("v7"; "" if none). */
void reg_host_platform (const char **arch, const char **variant);

/* ---- streaming a blob (registry_blob.c) ---- */

typedef void (*reg_progress_fn) (void *ctx, int64_t got, int64_t total);
struct reg_blob;

/* Starts GET blobs/<digest> (curl multi, driven by reg_blob_read); resumes
 * with a range request after a transient failure (3 tries).  cancel, when
 * set by another thread, stops it. */
int reg_blob_open (struct reg_sess *s, const char *digest, int64_t size, reg_progress_fn progress,
                   void *pctx, const volatile bool *cancel, struct reg_blob **out,
                   struct cd_err *err);
/* An img_read_fn: the next chunk of the raw blob. */
ssize_t reg_blob_read (void *ctx, const void **buf);
/* The transfer's error, if it failed (-errno, err set), else 0. */
int reg_blob_error (struct reg_blob *b, struct cd_err *err);
/* Reads the rest of the blob; out gets the digest of all of it. */
int reg_blob_drain_digest (struct reg_blob *b, char out[CD_DIGEST_LEN]);
void reg_blob_close (struct reg_blob *b);

#endif
