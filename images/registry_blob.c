/* One blob streamed from a registry to a pull-style reader.  curl's multi
 * interface is driven from reg_blob_read: the extractor asks for the next
 * chunk, we poll the transfer until the write callback has buffered some.
 * So a layer is downloaded, hashed, decompressed and extracted in one pass
 * on one thread, without a pipe. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "images/registry_int.h"

#define BLOB_TRIES 3

struct reg_blob
{
  struct reg_sess *s;
  char *url;
  CURLM *m;
  CURL *e;
  struct curl_slist *hdrs;
  char *buf[2];
  size_t len[2], cap[2];
  int fill;                /* the buffer the write callback appends to */
  bool done;
  CURLcode res;
  long status;
  int64_t got, total, last_report;
  struct timespec last;
  int tries;
  reg_progress_fn progress;
  void *pctx;
  const volatile bool *cancel;
  int err_code;
  struct cd_err err;
  struct cd_sha256 *h;     /* of every byte handed to the reader */
};

static size_t
on_data (char *p, size_t sz, size_t n, void *ud)
{
  struct reg_blob *b = ud;
  size_t len = sz * n;
  int f = b->fill;
  if (b->len[f] + len > b->cap[f])
    {
      size_t cap = (b->len[f] + len) * 2;
      char *nb = realloc (b->buf[f], cap);
      if (nb == NULL)
        return 0;
      b->buf[f] = nb;
      b->cap[f] = cap;
    }
  memcpy (b->buf[f] + b->len[f], p, len);
  b->len[f] += len;
  b->got += (int64_t) len;
  struct timespec now;
  clock_gettime (CLOCK_MONOTONIC, &now);
  int64_t ms = (now.tv_sec - b->last.tv_sec) * 1000 + (now.tv_nsec - b->last.tv_nsec) / 1000000;
  if (b->progress && (ms >= 100 || b->got == b->total))
    {
      b->last = now;
      b->progress (b->pctx, b->got, b->total);
    }
  return len;
}

static int
start (struct reg_blob *b)
{
  if (b->e)
    {
      curl_multi_remove_handle (b->m, b->e);
      curl_easy_cleanup (b->e);
      curl_slist_free_all (b->hdrs);
    }
  b->e = reg_easy (b->s, b->url, &b->hdrs, NULL);
  if (b->e == NULL)
    return -ENOMEM;
  curl_easy_setopt (b->e, CURLOPT_WRITEFUNCTION, on_data);
  curl_easy_setopt (b->e, CURLOPT_WRITEDATA, b);
  curl_easy_setopt (b->e, CURLOPT_FAILONERROR, 1L);
  curl_easy_setopt (b->e, CURLOPT_BUFFERSIZE, 256L * 1024); /* fewer, larger chunks */
  if (b->got > 0)
    curl_easy_setopt (b->e, CURLOPT_RESUME_FROM_LARGE, (curl_off_t) b->got);
  b->done = false;
  return curl_multi_add_handle (b->m, b->e) == CURLM_OK ? 0 : -ENOMEM;
}

int
reg_blob_open (struct reg_sess *s, const char *digest, int64_t size, reg_progress_fn progress,
               void *pctx, const volatile bool *cancel, struct reg_blob **out, struct cd_err *err)
{
  struct reg_blob *b = calloc (1, sizeof *b);
  char what[128];
  snprintf (what, sizeof what, "blobs/%s", digest);
  if (b == NULL || (b->url = reg_url (s, what)) == NULL || (b->m = curl_multi_init ()) == NULL)
    {
      reg_blob_close (b);
      return cd_err_set (err, ENOMEM, "out of memory");
    }
  b->s = s;
  b->h = cd_sha256_new ();
  b->total = size;
  b->progress = progress;
  b->pctx = pctx;
  b->cancel = cancel;
  clock_gettime (CLOCK_MONOTONIC, &b->last);
  if (start (b) < 0)
    {
      reg_blob_close (b);
      return cd_err_set (err, ENOMEM, "out of memory");
    }
  *out = b;
  return 0;
}

static bool
transient (CURLcode c)
{
  return c == CURLE_PARTIAL_FILE || c == CURLE_RECV_ERROR || c == CURLE_SEND_ERROR
         || c == CURLE_OPERATION_TIMEDOUT || c == CURLE_COULDNT_CONNECT || c == CURLE_GOT_NOTHING
         || c == CURLE_HTTP2_STREAM;
}

static ssize_t
fail (struct reg_blob *b, int code, const char *fmt, const char *detail)
{
  b->err_code = code;
  cd_err_set (&b->err, code, fmt, detail);
  return -code;
}

/* The transfer ended: 0 at the end of the blob, 1 after a restart. */
static int
finished (struct reg_blob *b)
{
  if (b->res == CURLE_OK)
    return 0;
  if (transient (b->res) && ++b->tries < BLOB_TRIES)
    {
      sleep ((unsigned) b->tries);
      return start (b) < 0 ? -ENOMEM : 1;
    }
  long st = 0;
  curl_easy_getinfo (b->e, CURLINFO_RESPONSE_CODE, &st);
  char detail[600];
  if (st >= 400)
    snprintf (detail, sizeof detail, "the registry answered %ld", st);
  else
    snprintf (detail, sizeof detail, "%s", curl_easy_strerror (b->res));
  return (int) fail (b, EIO, "downloading blob: %s", detail);
}

ssize_t
reg_blob_read (void *ctx, const void **buf)
{
  struct reg_blob *b = ctx;
  for (;;)
    {
      if (b->err_code)
        return -b->err_code;
      if (b->cancel && *b->cancel)
        return fail (b, ECANCELED, "%s", "cancelled: another layer failed");
      int f = b->fill;
      if (b->len[f] > 0)
        {
          *buf = b->buf[f];
          ssize_t n = (ssize_t) b->len[f];
          b->fill = 1 - f;
          b->len[b->fill] = 0;
          b->len[f] = 0; /* the data stays in buf[f] until the next call */
          if (b->h)
            cd_sha256_update (b->h, *buf, (size_t) n);
          return n;
        }
      if (b->done)
        {
          int r = finished (b);
          if (r <= 0)
            return r;
          continue;
        }
      int running = 0;
      curl_multi_perform (b->m, &running);
      CURLMsg *msg;
      int left;
      while ((msg = curl_multi_info_read (b->m, &left)) != NULL)
        if (msg->msg == CURLMSG_DONE)
          {
            b->done = true;
            b->res = msg->data.result;
          }
      if (!b->done && b->len[b->fill] == 0)
        curl_multi_poll (b->m, NULL, 0, 1000, NULL);
    }
}

int
reg_blob_error (struct reg_blob *b, struct cd_err *err)
{
  if (b->err_code == 0)
    return 0;
  *err = b->err;
  return -b->err_code;
}

int
reg_blob_drain_digest (struct reg_blob *b, char out[CD_DIGEST_LEN])
{
  const void *buf;
  ssize_t n;
  while ((n = reg_blob_read (b, &buf)) > 0)
    ;
  if (n < 0 || b->h == NULL)
    return n < 0 ? (int) n : -ENOMEM;
  cd_sha256_final (b->h, out);
  b->h = NULL;
  return 0;
}

void
reg_blob_close (struct reg_blob *b)
{
  if (b == NULL)
    return;
  if (b->h)
    cd_sha256_free (b->h);
  if (b->e)
    {
      curl_multi_remove_handle (b->m, b->e);
      curl_easy_cleanup (b->e);
    }
  curl_slist_free_all (b->hdrs);
  if (b->m)
    curl_multi_cleanup (b->m);
  free (b->buf[0]);
  free (b->buf[1]);
  free (b->url);
  free (b);
}
