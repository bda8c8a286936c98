/* Image references and IDs as the docker CLI handles them, and output in the
 * shape Go's encoding/json and time packages give it. */
#include "client/cmd_images.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "client/format.h"

const char *
cli_img_short_id (const char *id, char *buf, size_t len)
{
  const char *colon = strchr (id, ':');
  if (colon)
    id = colon + 1;
  snprintf (buf, len, "%.12s", id);
  return buf;
}

int
cli_img_split_ref (const char *ref, char *buf, size_t len, const char **repo, const char **tag,
                   const char **digest, struct cd_err *err)
{
  if (strlen (ref) >= len)
    return cd_err_set (err, ENAMETOOLONG, "reference too long: %.64s...", ref);
  strcpy (buf, ref);
  *digest = NULL;
  char *at = strchr (buf, '@');
  if (at)
    {
      *at = '\0';
      *digest = at + 1;
    }
  char *slash = strrchr (buf, '/');
  char *colon = strrchr (buf, ':');
  *repo = buf;
  *tag = "";
  if (colon && (slash == NULL || colon > slash))
    {
      *colon = '\0';
      *tag = colon + 1;
    }
  return 0;
}

const char *
cli_img_familiar (const char *name)
{
  if (strncmp (name, "docker.io/library/", 18) == 0 && strchr (name + 18, '/') == NULL)
    return name + 18;
  if (strncmp (name, "docker.io/", 10) == 0)
    return name + 10;
  return name;
}

/* ---- reference grammar (github.com/distribution/reference) ---- */

static int
is_hex64 (const char *s)
{
  size_t n = 0;
  for (; s[n]; n++)
    if (!isxdigit ((unsigned char) s[n]) || isupper ((unsigned char) s[n]))
      return 0;
  return n == 64;
}

/* path-component: [a-z0-9]+ ((?:[._]|__|-+) [a-z0-9]+)* over [s, e). */
static int
path_component_ok (const char *s, const char *e)
{
  if (s == e || !(islower ((unsigned char) *s) || isdigit ((unsigned char) *s)))
    return 0;
  while (s < e)
    {
      const char *a = s;
      while (s < e && (islower ((unsigned char) *s) || isdigit ((unsigned char) *s)))
        s++;
      if (s == a)
        return 0;
      if (s == e)
        return 1;
      const char *sep = s;
      while (s < e && (*s == '.' || *s == '_' || *s == '-'))
        s++;
      size_t n = (size_t) (s - sep);
      int dashes = strspn (sep, "-") >= n;
      if (!(dashes || (n == 1 && *sep != '-') || (n == 2 && sep[0] == '_' && sep[1] == '_')))
        return 0;
      if (s == e)
        return 0;
    }
  return 1;
}

/* domain: host components of [A-Za-z0-9-] joined by '.' (or a bracketed
 * IPv6 address), then an optional :port, over [s, e). */
static int
domain_ok (const char *s, const char *e)
{
  const char *p = s;
  if (*p == '[')
    {
      while (++p < e && (isxdigit ((unsigned char) *p) || *p == ':' || *p == '.'))
        ;
      if (p >= e || *p != ']' || p == s + 1)
        return 0;
      p++;
    }
  else
    for (;;)
      {
        const char *c = p;
        while (p < e && (isalnum ((unsigned char) *p) || *p == '-'))
          p++;
        if (p == c || *c == '-' || p[-1] == '-')
          return 0;
        if (p == e || *p != '.')
          break;
        p++;
      }
  if (p == e)
    return 1;
  if (*p++ != ':' || p == e)
    return 0;
  for (; p < e; p++)
    if (!isdigit ((unsigned char) *p))
      return 0;
  return 1;
}

static int
tag_ok (const char *t)
{
  size_t n = strlen (t);
  if (n == 0 || n > 128 || !(isalnum ((unsigned char) *t) || *t == '_'))
    return 0;
  for (; *t; t++)
    if (!(isalnum ((unsigned char) *t) || strchr ("_.-", *t)))
      return 0;
  return 1;
}

static int
digest_ok (const char *d)
{
  const char *colon = strchr (d, ':');
  if (colon == NULL || colon == d || strlen (colon + 1) < 32)
    return 0;
  for (const char *p = d; p < colon; p++)
    if (!(islower ((unsigned char) *p) || isdigit ((unsigned char) *p) || strchr ("+._-", *p)))
      return 0;
  for (const char *p = colon + 1; *p; p++)
    if (!isxdigit ((unsigned char) *p))
      return 0;
  return 1;
}

/* Whether the first component [s, slash) names a registry, as docker's
 * splitDockerDomain decides. */
static int
is_domain (const char *s, const char *slash)
{
  size_t n = (size_t) (slash - s);
  if (memchr (s, '.', n) || memchr (s, ':', n) || (n == 9 && strncmp (s, "localhost", 9) == 0))
    return 1;
  for (const char *p = s; p < slash; p++)
    if (isupper ((unsigned char) *p))
      return 1;
  return 0;
}

/* Checks "[domain/]path[/path...]" without tag or digest. */
static int
name_ok (const char *name)
{
  const char *s = name, *slash = strchr (name, '/');
  if (slash)
    {
      const char *first_end = slash;
      if (is_domain (s, first_end))
        {
          if (!domain_ok (s, first_end))
            return 0;
          s = first_end + 1;
        }
    }
  for (;;)
    {
      const char *e = strchr (s, '/');
      if (!path_component_ok (s, e ? e : s + strlen (s)))
        return 0;
      if (e == NULL)
        return 1;
      s = e + 1;
    }
}

/* The remote name docker checks for upper case: "library/Bad", "foo/Bad". */
static void
remote_name (const char *ref, char *out, size_t len)
{
  const char *slash = strchr (ref, '/');
  const char *rem = ref;
  int default_domain = 1;
  if (slash && is_domain (ref, slash))
    {
      size_t n = (size_t) (slash - ref);
      default_domain = (n == 9 && strncmp (ref, "docker.io", 9) == 0)
                       || (n == 15 && strncmp (ref, "index.docker.io", 15) == 0);
      rem = slash + 1;
    }
  int official = default_domain && strchr (rem, '/') == NULL;
  size_t n = strcspn (rem, ":");
  snprintf (out, len, "%s%.*s", official ? "library/" : "", (int) n, rem);
}

int
cli_img_check_ref (const char *ref, struct cd_err *err)
{
  char buf[1024], rname[600];
  const char *repo, *tag, *digest;
  if (is_hex64 (ref))
    return cd_err_set (err, EINVAL,
                       "invalid repository name (%s), cannot specify 64-byte hexadecimal strings",
                       ref);
  remote_name (ref, rname, sizeof rname);
  for (const char *p = rname; *p; p++)
    if (isupper ((unsigned char) *p))
      return cd_err_set (err, EINVAL,
                         "invalid reference format: repository name (%s) must be lowercase", rname);
  if (*ref == '\0')
    return cd_err_set (err, EINVAL, "repository name must have at least one component");
  if (cli_img_split_ref (ref, buf, sizeof buf, &repo, &tag, &digest, err) < 0)
    return cd_err_set (err, EINVAL, "invalid reference format");
  if (strlen (repo) > 255)
    return cd_err_set (err, EINVAL, "repository name must not be more than 255 characters");
  if (!name_ok (repo) || (*tag && !tag_ok (tag)) || (digest && !digest_ok (digest))
      || (strchr (ref, ':') && strrchr (ref, ':') == ref + strlen (ref) - 1))
    return cd_err_set (err, EINVAL, "invalid reference format");
  return 0;
}

char *
cli_img_path (const char *name, const char *suffix)
{
  static const char hex[] = "0123456789ABCDEF";
  size_t n = strlen (name);
  char *out = malloc (strlen ("/images/") + 3 * n + strlen (suffix) + 1);
  if (out == NULL)
    return NULL;
  char *p = stpcpy (out, "/images/");
  for (const unsigned char *c = (const unsigned char *) name; *c; c++)
    if (isalnum (*c) || strchr ("-._~/:@+", *c))
      *p++ = (char) *c;
    else
      {
        *p++ = '%';
        *p++ = hex[*c >> 4];
        *p++ = hex[*c & 15];
      }
  strcpy (p, suffix);
  return out;
}

int
cli_img_isatty (FILE *f)
{
  return isatty (fileno (f));
}

/* ---- Go-shaped output ---- */

/* Length of a valid UTF-8 sequence at s, 0 when invalid. */
static size_t
utf8_len (const unsigned char *s)
{
  size_t n = *s >= 0xF0 && *s <= 0xF4 ? 4 : *s >= 0xE0 ? 3 : *s >= 0xC2 && *s < 0xE0 ? 2 : 0;
  if (*s >= 0xF5)
    return 0;
  for (size_t i = 1; i < n; i++)
    if ((s[i] & 0xC0) != 0x80)
      return 0;
  return n;
}

void
cli_go_json_string (FILE *out, const char *str)
{
  const unsigned char *s = (const unsigned char *) str;
  fputc ('"', out);
  while (*s)
    {
      unsigned char c = *s;
      size_t n = 1;
      if (c == '"' || c == '\\')
        fprintf (out, "\\%c", c);
      else if (c == '\n' || c == '\r' || c == '\t')
        fprintf (out, "\\%c", c == '\n' ? 'n' : c == '\r' ? 'r' : 't');
      else if (c < 0x20 || c == '<' || c == '>' || c == '&')
        fprintf (out, "\\u00%02x", c);
      else if (c < 0x80)
        fputc (c, out);
      else if ((n = utf8_len (s)) == 0)
        {
          fputs ("\\ufffd", out);
          n = 1;
        }
      else if (n == 3 && c == 0xE2 && s[1] == 0x80 && (s[2] == 0xA8 || s[2] == 0xA9))
        fprintf (out, "\\u202%c", s[2] == 0xA8 ? '8' : '9');
      else
        fwrite (s, 1, n, out);
      s += n;
    }
  fputc ('"', out);
}

void
cli_go_json_flat (FILE *out, const char *const *kv, size_t n)
{
  fputc ('{', out);
  for (size_t i = 0; i < n; i++)
    {
      if (i)
        fputc (',', out);
      cli_go_json_string (out, kv[2 * i]);
      fputc (':', out);
      cli_go_json_string (out, kv[2 * i + 1] ? kv[2 * i + 1] : "");
    }
  fputs ("}\n", out);
}

char *
cli_go_time_string (int64_t sec, char *buf, size_t len)
{
  time_t t = (time_t) sec;
  struct tm tm;
  if (localtime_r (&t, &tm) == NULL || strftime (buf, len, "%Y-%m-%d %H:%M:%S %z %Z", &tm) == 0)
    snprintf (buf, len, "%lld", (long long) sec);
  return buf;
}

char *
cli_go_time_rfc3339 (int64_t sec, char *buf, size_t len)
{
  time_t t = (time_t) sec;
  struct tm tm;
  char zone[48] = "Z";
  if (localtime_r (&t, &tm) == NULL)
    {
      snprintf (buf, len, "%lld", (long long) sec);
      return buf;
    }
  if (tm.tm_gmtoff != 0)
    {
      long off = tm.tm_gmtoff < 0 ? -tm.tm_gmtoff : tm.tm_gmtoff;
      snprintf (zone, sizeof zone, "%c%02ld:%02ld", tm.tm_gmtoff < 0 ? '-' : '+', off / 3600,
                off / 60 % 60);
    }
  char when[48];
  strftime (when, sizeof when, "%Y-%m-%dT%H:%M:%S", &tm);
  snprintf (buf, len, "%s%s", when, zone);
  return buf;
}

char *
cli_go_since (int64_t sec, char *buf, size_t len)
{
  char d[CLI_HUMAN_LEN];
  cli_human_duration ((double) (time (NULL) - (time_t) sec), d, sizeof d);
  snprintf (buf, len, "%s ago", d);
  return buf;
}

static void
newline (FILE *out, int level)
{
  fputc ('\n', out);
  for (int i = 0; i < level; i++)
    fputs ("    ", out);
}

void
cli_json_indent (FILE *out, const char *src, size_t len)
{
  int level = 0, in_str = 0, esc = 0, pending = 0; /* pending: newline after [ or { */
  for (size_t i = 0; i < len; i++)
    {
      char c = src[i];
      if (in_str)
        {
          fputc (c, out);
          if (esc)
            esc = 0;
          else if (c == '\\')
            esc = 1;
          else if (c == '"')
            in_str = 0;
          continue;
        }
      if (c == ' ' || c == '\t' || c == '\n' || c == '\r')
        continue;
      if (pending && c != ']' && c != '}')
        {
          newline (out, level);
          pending = 0;
        }
      if (c == '"')
        in_str = 1;
      if (c == '{' || c == '[')
        {
          fputc (c, out);
          level++;
          pending = 1;
          continue;
        }
      if (c == '}' || c == ']')
        {
          level--;
          if (!pending)
            newline (out, level);
          pending = 0;
        }
      fputc (c, out);
      if (c == ',')
        newline (out, level);
      else if (c == ':')
        fputc (' ', out);
    }
}
