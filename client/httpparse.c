#include "client/httpparse.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

enum
{
  ST_STATUS,     /* the status line */
  ST_HEADER,     /* header lines up to the empty one */
  ST_BODY_LEN,   /* Content-Length bytes */
  ST_CHUNK_SIZE, /* "1a2b;ext" */
  ST_CHUNK_DATA, /* the chunk's bytes */
  ST_CHUNK_END,  /* the CRLF after them */
  ST_TRAILER,    /* trailer lines up to the empty one */
  ST_CLOSE,      /* everything up to the end of the connection */
  ST_DONE,
};

void
cli_hp_init (struct cli_hp *p)
{
  p->status = 0;
  p->headers_done = 0;
  p->done = 0;
  p->chunked = 0;
  p->until_close = 0;
  p->content_length = -1;
  p->content_type[0] = '\0';
  p->body_bytes = 0;
  p->state = ST_STATUS;
  p->interim = 0;
  p->remaining = 0;
  p->head_bytes = 0;
  p->line_len = 0;
}

/* Up to 40 bytes of s for a message, anything unprintable as '?'. */
static const char *
shown (const char *s, size_t len, char out[48])
{
  size_t n = len < 40 ? len : 40;
  for (size_t i = 0; i < n; i++)
    out[i] = s[i] >= 0x20 && s[i] < 0x7f ? s[i] : '?';
  strcpy (out + n, len > n ? "..." : "");
  return out;
}

static int
bad (struct cd_err *err, const char *what, const char *line, size_t len)
{
  char buf[48];
  return cd_err_set (err, EPROTO, "%s \"%s\"", what, shown (line, len, buf));
}

static int
parse_status (struct cli_hp *p, const char *l, size_t len, struct cd_err *err)
{
  /* "HTTP/1.1 200 OK": version, one space, three digits, then a space or the end */
  if (len < 12 || memcmp (l, "HTTP/1.", 7) != 0 || l[7] < '0' || l[7] > '9' || l[8] != ' '
      || l[9] < '1' || l[9] > '5' || l[10] < '0' || l[10] > '9' || l[11] < '0' || l[11] > '9'
      || (len > 12 && l[12] != ' '))
    return bad (err, "malformed status line", l, len);
  int code = (l[9] - '0') * 100 + (l[10] - '0') * 10 + (l[11] - '0');
  p->interim = code < 200 && code != 101;
  if (!p->interim)
    p->status = code;
  p->chunked = 0;
  p->content_length = -1;
  p->content_type[0] = '\0';
  p->state = ST_HEADER;
  return 0;
}

static int
is_tchar (char c)
{
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
         || (c && strchr ("!#$%&'*+-.^_`|~", c));
}

static int
set_length (struct cli_hp *p, const char *v, size_t n, struct cd_err *err)
{
  int64_t x = 0;
  if (n == 0)
    return bad (err, "bad Content-Length", v, n);
  for (size_t i = 0; i < n; i++)
    {
      if (v[i] < '0' || v[i] > '9' || x > (INT64_MAX - 9) / 10)
        return bad (err, "bad Content-Length", v, n);
      x = x * 10 + (v[i] - '0');
    }
  if (p->content_length >= 0 && p->content_length != x)
    return cd_err_set (err, EPROTO, "two different Content-Length headers");
  p->content_length = x;
  return 0;
}

/* Transfer-Encoding: chunked must be the last coding; no other is spoken. */
static int
set_coding (struct cli_hp *p, const char *v, size_t n, struct cd_err *err)
{
  size_t i = 0;
  while (i < n)
    {
      while (i < n && (v[i] == ' ' || v[i] == '\t' || v[i] == ','))
        i++;
      size_t s = i;
      while (i < n && v[i] != ',' && v[i] != ' ' && v[i] != '\t')
        i++;
      if (i == s)
        break;
      if (i - s != 7 || strncasecmp (v + s, "chunked", 7) != 0 || p->chunked)
        return bad (err, "unsupported Transfer-Encoding", v, n);
      p->chunked = 1;
    }
  if (!p->chunked)
    return bad (err, "unsupported Transfer-Encoding", v, n);
  return 0;
}

static int
parse_header (struct cli_hp *p, const char *l, size_t len, struct cd_err *err)
{
  size_t n = 0;
  while (n < len && is_tchar (l[n]))
    n++;
  if (n == 0 || n == len || l[n] != ':')
    return bad (err, "malformed header", l, len);
  const char *v = l + n + 1;
  size_t vl = len - n - 1;
  while (vl > 0 && (*v == ' ' || *v == '\t'))
    v++, vl--;
  while (vl > 0 && (v[vl - 1] == ' ' || v[vl - 1] == '\t'))
    vl--;
  if (n == 14 && strncasecmp (l, "Content-Length", n) == 0)
    return set_length (p, v, vl, err);
  if (n == 17 && strncasecmp (l, "Transfer-Encoding", n) == 0)
    return set_coding (p, v, vl, err);
  if (n == 12 && strncasecmp (l, "Content-Type", n) == 0)
    {
      size_t k = vl < sizeof p->content_type - 1 ? vl : sizeof p->content_type - 1;
      memcpy (p->content_type, v, k);
      p->content_type[k] = '\0';
    }
  return 0;
}

/* After the empty line that ends the headers: what the body is. */
static int
headers_end (struct cli_hp *p)
{
  if (p->interim)
    {
      p->state = ST_STATUS; /* 100 Continue and the like: the answer follows */
      return 0;
    }
  p->headers_done = 1;
  if (p->head_request || p->status == 204 || p->status == 304)
    p->state = ST_DONE;
  else if (p->status == 101)
    p->state = ST_CLOSE; /* the connection now carries another protocol */
  else if (p->chunked)
    p->state = ST_CHUNK_SIZE;
  else if (p->content_length > 0)
    {
      p->remaining = (uint64_t) p->content_length;
      p->state = ST_BODY_LEN;
    }
  else if (p->content_length == 0)
    p->state = ST_DONE;
  else
    p->state = ST_CLOSE;
  p->until_close = p->state == ST_CLOSE;
  p->done = p->state == ST_DONE;
  return p->on_head ? p->on_head (p->userdata) : 0;
}

static int
parse_chunk_size (struct cli_hp *p, const char *l, size_t len, struct cd_err *err)
{
  uint64_t x = 0;
  size_t i = 0;
  for (; i < len; i++)
    {
      char c = l[i];
      int d = c >= '0' && c <= '9'   ? c - '0'
              : c >= 'a' && c <= 'f' ? c - 'a' + 10
              : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                     : -1;
      if (d < 0)
        break;
      if (x > (UINT64_MAX >> 4))
        return bad (err, "chunk size too large", l, len);
      x = x << 4 | (uint64_t) d;
    }
  size_t j = i;
  while (j < len && (l[j] == ' ' || l[j] == '\t'))
    j++;
  if (i == 0 || (j < len && l[j] != ';'))
    return bad (err, "bad chunk size", l, len);
  p->remaining = x;
  p->state = x ? ST_CHUNK_DATA : ST_TRAILER;
  return 0;
}

/* One complete line, without its "\n" (and "\r"). */
static int
line (struct cli_hp *p, const char *l, size_t len, struct cd_err *err)
{
  switch (p->state)
    {
    case ST_STATUS:
      return parse_status (p, l, len, err);
    case ST_HEADER:
      if (len == 0)
        return headers_end (p);
      if (l[0] == ' ' || l[0] == '\t')
        return bad (err, "folded header line", l, len);
      return parse_header (p, l, len, err);
    case ST_CHUNK_SIZE:
      return parse_chunk_size (p, l, len, err);
    case ST_CHUNK_END:
      if (len != 0)
        return bad (err, "chunk not followed by CRLF", l, len);
      p->state = ST_CHUNK_SIZE;
      return 0;
    case ST_TRAILER:
      if (len == 0)
        p->state = ST_DONE, p->done = 1;
      return 0;
    default:
      return 0;
    }
}

static int
in_head (const struct cli_hp *p)
{
  return p->state == ST_STATUS || p->state == ST_HEADER || p->state == ST_TRAILER;
}

/* Takes bytes of a line state; *used tells how many. */
static int
take_line (struct cli_hp *p, const char *data, size_t len, size_t *used, struct cd_err *err)
{
  const char *nl = memchr (data, '\n', len);
  size_t n = nl ? (size_t) (nl - data) + 1 : len;
  *used = n;
  if (in_head (p) && (p->head_bytes += n) > CLI_HP_MAX_HEAD)
    return cd_err_set (err, EPROTO, "more than %d bytes of headers", CLI_HP_MAX_HEAD);
  size_t keep = nl ? n - 1 : n;
  if (p->line_len + keep >= sizeof p->line)
    return cd_err_set (err, EPROTO, "a line longer than %d bytes", CLI_HP_MAX_LINE - 1);
  memcpy (p->line + p->line_len, data, keep);
  p->line_len += keep;
  if (!nl)
    return 0;
  size_t ll = p->line_len;
  if (ll > 0 && p->line[ll - 1] == '\r')
    ll--;
  p->line_len = 0;
  return line (p, p->line, ll, err);
}

static int
body (struct cli_hp *p, const char *data, size_t n)
{
  p->body_bytes += n;
  return p->on_body && n ? p->on_body (data, n, p->userdata) : 0;
}

int
cli_hp_feed (struct cli_hp *p, const char *data, size_t len, struct cd_err *err)
{
  while (len > 0 && p->state != ST_DONE)
    {
      size_t n;
      int r = 0;
      switch (p->state)
        {
        case ST_BODY_LEN:
        case ST_CHUNK_DATA:
          n = p->remaining < len ? (size_t) p->remaining : len;
          p->remaining -= n;
          if (p->remaining == 0)
            p->state = p->state == ST_CHUNK_DATA ? ST_CHUNK_END : ST_DONE;
          p->done = p->state == ST_DONE;
          r = body (p, data, n);
          break;
        case ST_CLOSE:
          n = len;
          r = body (p, data, n);
          break;
        default:
          r = take_line (p, data, len, &n, err);
          break;
        }
      if (r != 0)
        return r;
      data += n;
      len -= n;
    }
  return 0;
}

int
cli_hp_eof (struct cli_hp *p, struct cd_err *err)
{
  switch (p->state)
    {
    case ST_DONE:
      return 0;
    case ST_CLOSE:
      p->state = ST_DONE;
      p->done = 1;
      return 0;
    case ST_STATUS:
      if (p->head_bytes == 0)
        return cd_err_set (err, EPROTO, "the daemon closed the connection without answering");
      /* fall through */
    case ST_HEADER:
      return cd_err_set (err, EPROTO, "the answer ended in its headers");
    case ST_BODY_LEN:
      return cd_err_set (err, EPROTO, "the answer ended after %llu of %lld bytes",
                         (unsigned long long) p->body_bytes, (long long) p->content_length);
    default:
      return cd_err_set (err, EPROTO, "the chunked answer ended before its last chunk");
    }
}
