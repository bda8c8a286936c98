/* Image reference grammar, after github.com/distribution/reference:
 *
 *   reference  := name [ ":" tag ] [ "@" digest ]
 *   name       := [ domain "/" ] component ( "/" component )*
 *   domain     := host [ ":" port ]
 *   host       := label ( "." label )* | "[" [a-fA-F0-9:]+ "]"
 *   label      := [a-zA-Z0-9] | [a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]
 *   port       := [0-9]+
 *   component  := [a-z0-9]+ ( ( "." | "_" | "__" | "-"+ ) [a-z0-9]+ )*
 *   tag        := [\w][\w.-]{0,127}
 *   digest     := algorithm ":" [0-9a-fA-F]{32,}
 *   algorithm  := [A-Za-z][A-Za-z0-9]* ( [-_+.] [A-Za-z][A-Za-z0-9]* )*
 *
 * The grammar is matched by hand rather than with regex(3): POSIX
 * leftmost-longest submatching would not split domain and path the way
 * Go's leftmost-first regexp does. */
#include "images/reference.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"

#define MSG_INVALID "invalid reference format"
#define MSG_UPPERCASE "invalid reference format: repository name must be lowercase"

#define LEGACY_DEFAULT_DOMAIN "index.docker.io"
#define OFFICIAL_REPO_PREFIX "library/"
#define SHA256_PREFIX "sha256:"

/* ASCII-only classes: the grammar is ASCII and must not follow the locale. */
static int
is_digit (char c)
{
  return c >= '0' && c <= '9';
}

static int
is_lower (char c)
{
  return c >= 'a' && c <= 'z';
}

static int
is_upper (char c)
{
  return c >= 'A' && c <= 'Z';
}

static int
is_alpha (char c)
{
  return is_lower (c) || is_upper (c);
}

static int
is_alnum (char c)
{
  return is_alpha (c) || is_digit (c);
}

static int
is_lower_alnum (char c)
{
  return is_lower (c) || is_digit (c);
}

static int
is_word (char c)
{
  return is_alnum (c) || c == '_';
}

static int
is_hex (char c)
{
  return is_digit (c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static int
is_lower_hex (char c)
{
  return is_digit (c) || (c >= 'a' && c <= 'f');
}

static int
all_lower_hex (const char *s, size_t n)
{
  for (size_t i = 0; i < n; i++)
    if (!is_lower_hex (s[i]))
      return 0;
  return 1;
}

static int
has_upper (const char *s, size_t n)
{
  for (size_t i = 0; i < n; i++)
    if (is_upper (s[i]))
      return 1;
  return 0;
}

/* A span of the string being parsed. */
struct span {
  const char *p;
  size_t n;
};

struct ref_spans {
  struct span domain; /* n == 0 when the name has no domain part */
  struct span path;
  struct span tag;    /* n == 0 when absent */
  struct span digest; /* n == 0 when absent */
};

/* component := [a-z0-9]+ ( ( "." | "_" | "__" | "-"+ ) [a-z0-9]+ )* */
static int
match_component (const char *s, size_t n)
{
  if (n == 0 || !is_lower_alnum (s[0]))
    return 0;
  size_t i = 0;
  while (i < n)
    {
      if (is_lower_alnum (s[i]))
        {
          i++;
          continue;
        }
      if (s[i] == '.')
        i++;
      else if (s[i] == '_')
        {
          i++;
          if (i < n && s[i] == '_')
            i++;
        }
      else if (s[i] == '-')
        {
          while (i < n && s[i] == '-')
            i++;
        }
      else
        return 0;
      /* A separator must be followed by an alphanumeric. */
      if (i >= n || !is_lower_alnum (s[i]))
        return 0;
    }
  return 1;
}

/* component ( "/" component )* */
static int
match_remote_name (const char *s, size_t n)
{
  size_t start = 0;
  for (size_t i = 0; i <= n; i++)
    {
      if (i < n && s[i] != '/')
        continue;
      if (!match_component (s + start, i - start))
        return 0;
      start = i + 1;
    }
  return 1;
}

/* domain := host [ ":" port ] */
static int
match_domain (const char *s, size_t n)
{
  size_t i = 0;
  if (n > 0 && s[0] == '[')
    {
      i = 1;
      while (i < n && (is_hex (s[i]) || s[i] == ':'))
        i++;
      if (i == 1 || i >= n || s[i] != ']')
        return 0;
      i++;
    }
  else
    {
      for (;;)
        {
          size_t start = i;
          while (i < n && (is_alnum (s[i]) || s[i] == '-'))
            i++;
          if (i == start || s[start] == '-' || s[i - 1] == '-')
            return 0;
          if (i < n && s[i] == '.')
            {
              i++;
              continue;
            }
          break;
        }
    }
  if (i == n)
    return 1;
  if (s[i] != ':' || i + 1 == n)
    return 0;
  for (i++; i < n; i++)
    if (!is_digit (s[i]))
      return 0;
  return 1;
}

/* tag := [\w][\w.-]{0,127} */
static int
match_tag (const char *s, size_t n)
{
  if (n == 0 || n > IMG_REF_TAG_MAX || !is_word (s[0]))
    return 0;
  for (size_t i = 1; i < n; i++)
    if (!is_word (s[i]) && s[i] != '.' && s[i] != '-')
      return 0;
  return 1;
}

/* digest := algorithm ":" [0-9a-fA-F]{32,} */
static int
match_digest (const char *s, size_t n)
{
  size_t i = 0;
  for (;;)
    {
      if (i >= n || !is_alpha (s[i]))
        return 0;
      while (i < n && is_alnum (s[i]))
        i++;
      if (i < n && strchr ("-_+.", s[i]) != NULL)
        {
          i++;
          continue;
        }
      break;
    }
  if (i >= n || s[i] != ':')
    return 0;
  size_t hex = 0;
  for (i++; i < n; i++, hex++)
    if (!is_hex (s[i]))
      return 0;
  return hex >= 32;
}

/* Go's ReferenceRegexp on s, splitting the name into domain and path the way
 * its anchoredNameRegexp does (domain tried first). Returns 1 on a match. */
static int
match_reference (const char *s, struct ref_spans *m)
{
  memset (m, 0, sizeof *m);
  size_t len = strlen (s);
  size_t name_tag_len = len;
  const char *at = strchr (s, '@');
  if (at != NULL)
    {
      name_tag_len = (size_t) (at - s);
      m->digest.p = at + 1;
      m->digest.n = len - name_tag_len - 1;
      if (!match_digest (m->digest.p, m->digest.n))
        return 0;
    }

  /* ':' may appear in the domain (port, IPv6) but a domain is always
   * followed by '/', so the tag separator is the first ':' after the last
   * '/'. */
  size_t search_from = 0;
  for (size_t i = 0; i < name_tag_len; i++)
    if (s[i] == '/')
      search_from = i + 1;
  size_t name_len = name_tag_len;
  const char *colon = memchr (s + search_from, ':', name_tag_len - search_from);
  if (colon != NULL)
    {
      name_len = (size_t) (colon - s);
      m->tag.p = colon + 1;
      m->tag.n = name_tag_len - name_len - 1;
      if (!match_tag (m->tag.p, m->tag.n))
        return 0;
    }

  if (name_len == 0)
    return 0;
  const char *slash = memchr (s, '/', name_len);
  if (slash != NULL)
    {
      size_t dlen = (size_t) (slash - s);
      if (match_domain (s, dlen)
          && match_remote_name (slash + 1, name_len - dlen - 1))
        {
          m->domain = (struct span) { s, dlen };
          m->path = (struct span) { slash + 1, name_len - dlen - 1 };
          return 1;
        }
    }
  if (!match_remote_name (s, name_len))
    return 0;
  m->path = (struct span) { s, name_len };
  return 1;
}

/* go-digest's Digest.Validate, restricted to sha256 (the only algorithm
 * images are stored by). */
static int
validate_digest (const struct span *d, struct cd_err *err)
{
  const char *colon = memchr (d->p, ':', d->n);
  size_t alg_len = (size_t) (colon - d->p);
  const char *enc = colon + 1;
  size_t enc_len = d->n - alg_len - 1;

  if (alg_len != strlen (SHA256_PREFIX) - 1
      || memcmp (d->p, SHA256_PREFIX, alg_len) != 0)
    {
      /* Digest algorithms are lowercase: [a-z0-9]+([.+_-][a-z0-9]+)* */
      for (size_t i = 0; i < alg_len; i++)
        if (is_upper (d->p[i]))
          return cd_err_set (err, EINVAL, "invalid checksum digest format");
      return cd_err_set (err, EINVAL, "unsupported digest algorithm");
    }
  if (enc_len != 64)
    return cd_err_set (err, EINVAL, "invalid checksum digest length");
  if (!all_lower_hex (enc, enc_len))
    return cd_err_set (err, EINVAL, "invalid checksum digest format");
  return 0;
}

static int
is_hex64 (const char *s)
{
  return strlen (s) == 64 && all_lower_hex (s, 64);
}

static char *
span_dup (const struct span *sp)
{
  return strndup (sp->p, sp->n);
}

static int
parse_normalized (const char *s, int add_default_tag, struct img_ref *out,
                  struct cd_err *err)
{
  memset (out, 0, sizeof *out);
  if (s == NULL)
    return cd_err_set (err, EINVAL, MSG_INVALID);
  if (is_hex64 (s))
    return cd_err_set (err, EINVAL,
                       "invalid repository name (%s), cannot specify 64-byte "
                       "hexadecimal strings",
                       s);

  /* splitDockerDomain: the first component is a domain when it has a '.'
   * or ':', is "localhost", or has uppercase letters. */
  const char *domain = IMG_REF_DEFAULT_DOMAIN;
  size_t domain_len = strlen (IMG_REF_DEFAULT_DOMAIN);
  const char *remainder = s;
  const char *slash = strchr (s, '/');
  if (slash != NULL)
    {
      size_t n = (size_t) (slash - s);
      if (memchr (s, '.', n) != NULL || memchr (s, ':', n) != NULL
          || (n == strlen ("localhost") && memcmp (s, "localhost", n) == 0)
          || has_upper (s, n))
        {
          domain = s;
          domain_len = n;
          remainder = slash + 1;
        }
    }
  if (domain_len == strlen (LEGACY_DEFAULT_DOMAIN)
      && memcmp (domain, LEGACY_DEFAULT_DOMAIN, domain_len) == 0)
    {
      domain = IMG_REF_DEFAULT_DOMAIN;
      domain_len = strlen (IMG_REF_DEFAULT_DOMAIN);
    }
  int is_default = domain_len == strlen (IMG_REF_DEFAULT_DOMAIN)
                   && memcmp (domain, IMG_REF_DEFAULT_DOMAIN, domain_len) == 0;
  const char *prefix
      = is_default && strchr (remainder, '/') == NULL ? OFFICIAL_REPO_PREFIX : "";

  const char *tag_sep = strchr (remainder, ':');
  size_t remote_len = tag_sep ? (size_t) (tag_sep - remainder) : strlen (remainder);
  if (has_upper (remainder, remote_len))
    return cd_err_set (err, EINVAL, MSG_UPPERCASE);

  cleanup_free char *full = NULL;
  if (asprintf (&full, "%.*s/%s%s", (int) domain_len, domain, prefix, remainder) < 0)
    {
      full = NULL;
      return cd_err_set (err, ENOMEM, "out of memory");
    }

  struct ref_spans m;
  if (!match_reference (full, &m))
    {
      /* Go's Parse: would the lowercased string have matched? */
      for (char *p = full; *p; p++)
        if (is_upper (*p))
          *p = (char) (*p - 'A' + 'a');
      return cd_err_set (err, EINVAL, "%s",
                         match_reference (full, &m) ? MSG_UPPERCASE : MSG_INVALID);
    }
  /* Go falls back to a domain-less name when the first component is not a
   * valid host ("foo_bar.com/x"); such a name cannot be pulled, reject it. */
  if (m.domain.n != domain_len)
    return cd_err_set (err, EINVAL, MSG_INVALID);
  if (m.domain.n + 1 + m.path.n > IMG_REF_NAME_MAX)
    return cd_err_set (err, EINVAL,
                       "repository name must not be more than %d characters",
                       IMG_REF_NAME_MAX);
  if (m.digest.n > 0)
    {
      int r = validate_digest (&m.digest, err);
      if (r < 0)
        return r;
    }

  struct img_ref ref = { 0 };
  ref.domain = span_dup (&m.domain);
  ref.path = span_dup (&m.path);
  int ok = ref.domain != NULL && ref.path != NULL;
  if (m.tag.n > 0)
    ok = ok && (ref.tag = span_dup (&m.tag)) != NULL;
  else if (m.digest.n == 0 && add_default_tag)
    ok = ok && (ref.tag = strdup (IMG_REF_DEFAULT_TAG)) != NULL;
  if (m.digest.n > 0)
    ok = ok && (ref.digest = span_dup (&m.digest)) != NULL;
  if (!ok)
    {
      img_ref_free (&ref);
      return cd_err_set (err, ENOMEM, "out of memory");
    }
  *out = ref;
  return 0;
}

int
img_ref_parse (const char *s, struct img_ref *out, struct cd_err *err)
{
  return parse_normalized (s, 1, out, err);
}

int
img_ref_parse_name (const char *s, struct img_ref *out, struct cd_err *err)
{
  return parse_normalized (s, 0, out, err);
}

void
img_ref_free (struct img_ref *r)
{
  if (r == NULL)
    return;
  free (r->domain);
  free (r->path);
  free (r->tag);
  free (r->digest);
  memset (r, 0, sizeof *r);
}

/* Builds "<name>[:tag][@digest]"; name is owned by the caller. */
static char *
with_tag_digest (const char *name, const struct img_ref *r)
{
  char *s = NULL;
  if (name == NULL)
    return NULL;
  if (asprintf (&s, "%s%s%s%s%s", name, r->tag ? ":" : "", r->tag ? r->tag : "",
                r->digest ? "@" : "", r->digest ? r->digest : "")
      < 0)
    return NULL;
  return s;
}

static char *
full_name (const struct img_ref *r)
{
  char *s = NULL;
  const char *path = r->path ? r->path : "";
  if (r->domain == NULL || r->domain[0] == '\0')
    return strdup (path);
  if (asprintf (&s, "%s/%s", r->domain, path) < 0)
    return NULL;
  return s;
}

/* familiarizeName: drop "docker.io/" and, for official images, "library/". */
static char *
familiar_name (const struct img_ref *r)
{
  const char *path = r->path ? r->path : "";
  if (r->domain == NULL || strcmp (r->domain, IMG_REF_DEFAULT_DOMAIN) != 0)
    return full_name (r);
  size_t plen = strlen (OFFICIAL_REPO_PREFIX);
  if (strncmp (path, OFFICIAL_REPO_PREFIX, plen) == 0
      && strchr (path + plen, '/') == NULL)
    path += plen;
  return strdup (path);
}

char *
img_ref_string (const struct img_ref *r)
{
  cleanup_free char *name = full_name (r);
  return with_tag_digest (name, r);
}

char *
img_ref_familiar (const struct img_ref *r)
{
  cleanup_free char *name = familiar_name (r);
  return with_tag_digest (name, r);
}

char *
img_ref_repo_familiar (const struct img_ref *r)
{
  return familiar_name (r);
}

int
img_ref_is_id_prefix (const char *s)
{
  if (s == NULL)
    return 0;
  if (strncmp (s, SHA256_PREFIX, strlen (SHA256_PREFIX)) == 0)
    s += strlen (SHA256_PREFIX);
  size_t n = strlen (s);
  return n >= 1 && n <= 64 && all_lower_hex (s, n);
}
