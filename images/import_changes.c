/* The change lines of docker import (and later commit): the Dockerfile
 * instructions that only touch an image's config, parsed as Docker's
 * parser does (JSON or shell form, name=value pairs with quotes, $VAR
 * expansion from the config's Env).  Pure: no I/O. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "images/import.h"

#define DEFAULT_PATH "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

static const char base_config[]
    = "{\"Hostname\":\"\",\"Domainname\":\"\",\"User\":\"\",\"AttachStdin\":false,"
      "\"AttachStdout\":false,\"AttachStderr\":false,\"Tty\":false,\"OpenStdin\":false,"
      "\"StdinOnce\":false,\"Env\":[\"" DEFAULT_PATH "\"],\"Cmd\":null,\"Image\":\"\","
      "\"Volumes\":null,\"WorkingDir\":\"\",\"Entrypoint\":null,\"OnBuild\":null,"
      "\"Labels\":null}";

json_object *
img_import_base_config (void)
{
  return json_tokener_parse (base_config);
}

struct line
{
  json_object *config;
  const char *instr; /* upper case */
  int lineno;
  struct cd_err *err;
};

static int __attribute__ ((format (printf, 2, 3)))
parse_error (struct line *l, const char *fmt, ...)
{
  char msg[CD_ERR_MSG_MAX];
  va_list ap;
  va_start (ap, fmt);
  vsnprintf (msg, sizeof msg, fmt, ap);
  va_end (ap);
  return cd_err_set (l->err, EINVAL, "dockerfile parse error line %d: %s", l->lineno, msg);
}

/* config[key] when it has type t, else a new empty one put there. */
static json_object *
field_typed (json_object *config, const char *key, json_type t)
{
  json_object *v;
  if (json_object_object_get_ex (config, key, &v) && json_object_is_type (v, t))
    return v;
  v = t == json_type_array ? json_object_new_array () : json_object_new_object ();
  json_object_object_add (config, key, v);
  return v;
}

/* ---- words ------------------------------------------------------------------ */

static const char *
env_get (json_object *config, const char *name, size_t len)
{
  json_object *env;
  if (!json_object_object_get_ex (config, "Env", &env)
      || !json_object_is_type (env, json_type_array))
    return NULL;
  for (size_t i = 0; i < json_object_array_length (env); i++)
    {
      const char *kv = json_object_get_string (json_object_array_get_idx (env, i));
      if (kv && strncmp (kv, name, len) == 0 && kv[len] == '=')
        return kv + len + 1;
    }
  return NULL;
}

static int expand_word (struct line *l, const char *s, size_t len, char **out);

/* $NAME, ${NAME}, ${NAME:-word}, ${NAME:+word} at *p (just past the '$'). */
static int
expand_var (struct line *l, const char **p, const char *end, FILE *m)
{
  const char *s = *p;
  bool braced = s < end && *s == '{';
  s += braced;
  const char *name = s;
  while (s < end && (isalnum ((unsigned char) *s) || *s == '_'))
    s++;
  size_t nlen = (size_t) (s - name);
  if (!braced && nlen == 0)
    {
      fputc ('$', m); /* a lone '$' stays */
      return 0;
    }
  const char *val = env_get (l->config, name, nlen);
  if (braced)
    {
      const char *close = memchr (s, '}', (size_t) (end - s));
      if (close == NULL || nlen == 0)
        return parse_error (l, "missing '}' or bad variable name in `${%.*s`", (int) (end - name),
                            name);
      if (s < close && (close - s < 2 || s[0] != ':' || (s[1] != '-' && s[1] != '+')))
        return parse_error (l, "unsupported modifier in `${%.*s}`", (int) (close - name), name);
      if (s < close && ((s[1] == '-' && (val == NULL || !*val)) || (s[1] == '+' && val && *val)))
        {
          cleanup_free char *word = NULL;
          int r = expand_word (l, s + 2, (size_t) (close - s - 2), &word);
          if (r < 0)
            return r;
          fputs (word, m);
          val = NULL;
        }
      else if (s < close && s[1] == '+')
        val = NULL;
      s = close + 1;
    }
  if (val)
    fputs (val, m);
  *p = s;
  return 0;
}

/* One word as the shell would see it: quotes removed, backslash escapes
 * applied, variables expanded (not inside single quotes).  Whitespace is
 * kept, so it serves for whole values too. */
static int
expand_word (struct line *l, const char *s, size_t len, char **out)
{
  size_t size;
  FILE *m = open_memstream (out, &size);
  if (m == NULL)
    return cd_err_set (l->err, ENOMEM, "out of memory");
  const char *p = s, *end = s + len;
  char quote = 0;
  int r = 0;
  while (p < end && r == 0)
    {
      char c = *p++;
      if (quote == '\'')
        {
          if (c == '\'')
            quote = 0;
          else
            fputc (c, m);
        }
      else if (c == '\\' && p < end && (quote == 0 || strchr ("\"$\\", *p)))
        fputc (*p++, m);
      else if (c == '$')
        r = expand_var (l, &p, end, m);
      else if ((c == '"' || c == '\'') && (quote == 0 || quote == c))
        quote = quote ? 0 : c;
      else
        fputc (c, m);
    }
  fclose (m);
  if (r == 0 && quote)
    r = parse_error (l, "unexpected end of statement while looking for matching %s",
                     quote == '"' ? "double-quote" : "single-quote");
  if (r < 0)
    {
      free (*out);
      *out = NULL;
    }
  return r;
}

/* The next raw word of *p (split at unquoted whitespace), quotes kept;
 * *len 0 at the end. */
static const char *
next_raw (const char **p, size_t *len)
{
  const char *s = *p;
  while (isspace ((unsigned char) *s))
    s++;
  const char *start = s;
  char quote = 0;
  for (; *s && (quote || !isspace ((unsigned char) *s)); s++)
    {
      if (*s == '\\' && quote != '\'' && s[1])
        s++;
      else if ((*s == '"' || *s == '\'') && (quote == 0 || quote == *s))
        quote = quote ? 0 : *s;
    }
  *len = (size_t) (s - start);
  *p = s;
  return start;
}

/* A JSON array of strings (exec form), else NULL. */
static json_object *
json_list (const char *rest)
{
  if (rest[0] != '[')
    return NULL;
  json_object *a = json_tokener_parse (rest);
  if (a == NULL || !json_object_is_type (a, json_type_array))
    {
      json_object_put (a);
      return NULL;
    }
  for (size_t i = 0; i < json_object_array_length (a); i++)
    if (!json_object_is_type (json_object_array_get_idx (a, i), json_type_string))
      {
        json_object_put (a);
        return NULL;
      }
  return a;
}

/* ---- instructions -------------------------------------------------------------- */

static int
do_command (struct line *l, const char *rest)
{
  json_object *v = json_list (rest);
  if (v == NULL)
    {
      v = json_object_new_array ();
      json_object_array_add (v, json_object_new_string ("/bin/sh"));
      json_object_array_add (v, json_object_new_string ("-c"));
      json_object_array_add (v, json_object_new_string (rest));
    }
  json_object_object_add (l->config, strcmp (l->instr, "CMD") == 0 ? "Cmd" : "Entrypoint", v);
  return 0;
}

static void
env_set (json_object *config, const char *key, const char *value)
{
  json_object *env = field_typed (config, "Env", json_type_array);
  char *kv;
  if (asprintf (&kv, "%s=%s", key, value) < 0)
    return;
  size_t klen = strlen (key);
  for (size_t i = 0; i < json_object_array_length (env); i++)
    {
      const char *old = json_object_get_string (json_object_array_get_idx (env, i));
      if (old && strncmp (old, key, klen) == 0 && old[klen] == '=')
        {
          json_object_array_put_idx (env, i, json_object_new_string (kv));
          free (kv);
          return;
        }
    }
  json_object_array_add (env, json_object_new_string (kv));
  free (kv);
}

static void
map_set (json_object *config, const char *field, const char *key, json_object *value)
{
  json_object_object_add (field_typed (config, field, json_type_object), key, value);
}

/* ENV and LABEL: `name=value ...`, or the legacy `name value with spaces`.
 * Every value is expanded against Env as it was before the line. */
static int
do_pairs (struct line *l, const char *rest)
{
  bool env = strcmp (l->instr, "ENV") == 0;
  json_object *pairs = json_object_new_array ();
  const char *p = rest;
  size_t len;
  const char *w = next_raw (&p, &len);
  const char *eq = memchr (w, '=', len);
  int r = 0;
  if (eq == NULL)
    {
      /* legacy form: the first word is the name, the rest of the line the value */
      while (isspace ((unsigned char) *p))
        p++;
      if (*p == '\0')
        r = parse_error (l, "%s must have two arguments", l->instr);
      json_object_array_add (pairs, json_object_new_string_len (w, (int) len));
      json_object_array_add (pairs, json_object_new_string (p));
    }
  else
    for (; len > 0; w = next_raw (&p, &len))
      {
        if ((eq = memchr (w, '=', len)) == NULL)
          {
            r = parse_error (l, "Syntax error - can't find = in \"%.*s\". Must be of the form:"
                             " name=value", (int) len, w);
            break;
          }
        json_object_array_add (pairs, json_object_new_string_len (w, (int) (eq - w)));
        json_object_array_add (pairs, json_object_new_string_len (eq + 1,
                                                                  (int) (w + len - eq - 1)));
      }
  size_t n = json_object_array_length (pairs);
  char **vals = calloc (n + 1, sizeof *vals);
  for (size_t i = 0; r == 0 && i < n; i++)
    {
      const char *raw = json_object_get_string (json_object_array_get_idx (pairs, i));
      r = vals ? expand_word (l, raw, strlen (raw), &vals[i])
               : cd_err_set (l->err, ENOMEM, "out of memory");
      if (r == 0 && i % 2 == 0 && vals[i][0] == '\0')
        r = parse_error (l, "%s names can not be blank", l->instr);
    }
  for (size_t i = 0; r == 0 && i + 1 < n; i += 2)
    {
      if (env)
        env_set (l->config, vals[i], vals[i + 1]);
      else
        map_set (l->config, "Labels", vals[i], json_object_new_string (vals[i + 1]));
    }
  for (size_t i = 0; vals && i < n; i++)
    free (vals[i]);
  free (vals);
  json_object_put (pairs);
  return r;
}

static bool
parse_port (const char *s, long *out)
{
  char *end;
  long v = strtol (s, &end, 10);
  *out = v;
  return end != s && *end == '\0' && v >= 0 && v <= 65535 && isdigit ((unsigned char) *s);
}

/* 80, 80/tcp, 53/udp, 8000-8010/tcp: each port gets an ExposedPorts key. */
static int
expose_one (struct line *l, const char *spec)
{
  cleanup_free char *port = strdup (spec);
  if (port == NULL)
    return cd_err_set (l->err, ENOMEM, "out of memory");
  char *slash = strchr (port, '/'), *proto = "tcp";
  if (slash)
    {
      *slash = '\0';
      proto = slash + 1;
      for (char *c = proto; *c; c++)
        *c = (char) tolower ((unsigned char) *c);
      if (strcmp (proto, "tcp") != 0 && strcmp (proto, "udp") != 0 && strcmp (proto, "sctp") != 0)
        return parse_error (l, "invalid proto: %s", slash + 1);
    }
  char *dash = strchr (port, '-');
  long lo, hi;
  if (dash)
    *dash = '\0';
  if (!parse_port (port, &lo) || !parse_port (dash ? dash + 1 : port, &hi) || hi < lo)
    {
      if (dash)
        *dash = '-';
      return parse_error (l, "invalid containerPort: %s", port);
    }
  for (long p = lo; p <= hi; p++)
    {
      char key[32];
      snprintf (key, sizeof key, "%ld/%s", p, proto);
      map_set (l->config, "ExposedPorts", key, json_object_new_object ());
    }
  return 0;
}

/* EXPOSE and VOLUME take a list of words (VOLUME also a JSON array). */
static int
do_list (struct line *l, const char *rest)
{
  bool volume = strcmp (l->instr, "VOLUME") == 0;
  json_object *words = volume ? json_list (rest) : NULL;
  if (words == NULL)
    {
      words = json_object_new_array ();
      const char *p = rest;
      size_t len;
      for (const char *w = next_raw (&p, &len); len > 0; w = next_raw (&p, &len))
        json_object_array_add (words, json_object_new_string_len (w, (int) len));
    }
  int r = 0;
  for (size_t i = 0; r == 0 && i < json_object_array_length (words); i++)
    {
      const char *raw = json_object_get_string (json_object_array_get_idx (words, i));
      cleanup_free char *w = NULL;
      if ((r = expand_word (l, raw, strlen (raw), &w)) < 0)
        break;
      if (!volume)
        r = expose_one (l, w);
      else if (w[strspn (w, " \t")] == '\0')
        r = parse_error (l, "VOLUME specified can not be an empty string");
      else
        map_set (l->config, "Volumes", w, json_object_new_object ());
    }
  json_object_put (words);
  return r;
}

/* filepath.Join ("/", current, requested) for a relative WORKDIR, cleaned. */
static int
do_workdir (struct line *l, const char *value)
{
  const char *cur = json_object_get_string (json_object_object_get (l->config, "WorkingDir"));
  cleanup_free char *joined = NULL;
  if (asprintf (&joined, "%s/%s", value[0] == '/' ? "" : (cur ? cur : ""), value) < 0)
    return cd_err_set (l->err, ENOMEM, "out of memory");
  char *out = malloc (strlen (joined) + 2);
  if (out == NULL)
    return cd_err_set (l->err, ENOMEM, "out of memory");
  size_t n = 0;
  char *save = NULL;
  for (char *seg = strtok_r (joined, "/", &save); seg; seg = strtok_r (NULL, "/", &save))
    {
      if (strcmp (seg, ".") == 0)
        continue;
      if (strcmp (seg, "..") == 0)
        {
          while (n > 0 && out[--n] != '/')
            ;
          continue;
        }
      n += (size_t) sprintf (out + n, "/%s", seg);
    }
  if (n == 0)
    out[n++] = '/';
  out[n] = '\0';
  json_object_object_add (l->config, "WorkingDir", json_object_new_string (out));
  free (out);
  return 0;
}

static bool
valid_signal (const char *s)
{
  static const char *const names[]
      = { "ABRT", "ALRM", "BUS", "CHLD", "CLD", "CONT", "FPE", "HUP", "ILL", "INT", "IO", "IOT",
          "KILL", "PIPE", "POLL", "PROF", "PWR", "QUIT", "SEGV", "STKFLT", "STOP", "SYS", "TERM",
          "TRAP", "TSTP", "TTIN", "TTOU", "URG", "USR1", "USR2", "VTALRM", "WINCH", "XCPU",
          "XFSZ", "RTMIN", "RTMAX", NULL };
  char *end;
  long n = strtol (s, &end, 10);
  if (end != s && *end == '\0')
    return n > 0 && n <= 64;
  if (strncasecmp (s, "SIG", 3) == 0)
    s += 3;
  for (int i = 0; names[i]; i++)
    if (strcasecmp (s, names[i]) == 0)
      return true;
  if ((strncasecmp (s, "RTMIN+", 6) == 0 || strncasecmp (s, "RTMAX-", 6) == 0) && s[6])
    {
      n = strtol (s + 6, &end, 10);
      return *end == '\0' && n >= 1 && n <= 14;
    }
  return false;
}

/* USER, WORKDIR, STOPSIGNAL, ONBUILD: one value, the rest of the line. */
static int
do_value (struct line *l, const char *rest)
{
  if (strcmp (l->instr, "ONBUILD") == 0)
    {
      json_object_array_add (field_typed (l->config, "OnBuild", json_type_array),
                             json_object_new_string (rest));
      return 0;
    }
  cleanup_free char *v = NULL;
  int r = expand_word (l, rest, strlen (rest), &v);
  if (r < 0)
    return r;
  if (strcmp (l->instr, "USER") == 0)
    json_object_object_add (l->config, "User", json_object_new_string (v));
  else if (strcmp (l->instr, "WORKDIR") == 0)
    return do_workdir (l, v);
  else if (!valid_signal (v))
    return parse_error (l, "Invalid signal: %s", v);
  else
    json_object_object_add (l->config, "StopSignal", json_object_new_string (v));
  return 0;
}

typedef int (*instr_fn) (struct line *l, const char *rest);

static const struct
{
  const char *name;
  instr_fn fn;
} instrs[] = {
  { "CMD", do_command },   { "ENTRYPOINT", do_command }, { "ENV", do_pairs },
  { "LABEL", do_pairs },   { "EXPOSE", do_list },        { "VOLUME", do_list },
  { "USER", do_value },    { "WORKDIR", do_value },      { "STOPSIGNAL", do_value },
  { "ONBUILD", do_value }, { NULL, NULL },
};

/* Instructions Dockerfiles have but a change may not use. */
static const char *const not_changes[] = { "ADD",        "ARG", "COPY",  "FROM", "HEALTHCHECK",
                                           "MAINTAINER", "RUN", "SHELL", NULL };

int
img_change_apply (json_object *config, const char *text, int lineno, struct cd_err *err)
{
  while (isspace ((unsigned char) *text))
    text++;
  if (*text == '\0' || *text == '#')
    return 0;
  char instr[32];
  size_t n = strcspn (text, " \t\r\n\v\f");
  snprintf (instr, sizeof instr, "%.*s", (int) (n < sizeof instr ? n : sizeof instr - 1), text);
  for (char *c = instr; *c; c++)
    *c = (char) toupper ((unsigned char) *c);
  cleanup_free char *rest = strdup (text + n + strspn (text + n, " \t\r\n\v\f"));
  if (rest == NULL)
    return cd_err_set (err, ENOMEM, "out of memory");
  for (size_t len = strlen (rest); len > 0 && isspace ((unsigned char) rest[len - 1]); len--)
    rest[len - 1] = '\0';
  struct line l = { config, instr, lineno, err };
  for (int i = 0; not_changes[i]; i++)
    if (strcmp (instr, not_changes[i]) == 0)
      {
        for (char *c = instr; *c; c++)
          *c = (char) tolower ((unsigned char) *c);
        return cd_err_set (err, EINVAL, "%s is not a valid change command", instr);
      }
  for (int i = 0; instrs[i].name; i++)
    if (strcmp (instr, instrs[i].name) == 0)
      {
        if (rest[0] == '\0')
          return parse_error (&l, "%s requires at least one argument", instr);
        return instrs[i].fn (&l, rest);
      }
  return parse_error (&l, "unknown instruction: %s", instr);
}

int
img_changes_apply (json_object *config, json_object *changes, struct cd_err *err)
{
  if (changes == NULL)
    return 0;
  if (!json_object_is_type (changes, json_type_array))
    return cd_err_set (err, EINVAL, "changes must be a list of strings");
  int lineno = 0;
  for (size_t i = 0; i < json_object_array_length (changes); i++)
    {
      const char *s = json_object_get_string (json_object_array_get_idx (changes, i));
      cleanup_free char *copy = strdup (s ? s : "");
      if (copy == NULL)
        return cd_err_set (err, ENOMEM, "out of memory");
      char *save = NULL;
      for (char *ln = strtok_r (copy, "\n", &save); ln; ln = strtok_r (NULL, "\n", &save))
        {
          int r = img_change_apply (config, ln, ++lineno, err);
          if (r < 0)
            return r;
        }
    }
  return 0;
}
