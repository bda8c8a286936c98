#include "client/flags.h"

#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

/* getopt_long values: flags without a short form use LONG_BASE + index. */
#define LONG_BASE 256
#define HELP_VAL (LONG_BASE + CLI_FLAGS_MAX)

static const char *
metavar (const struct cli_flag *f)
{
  if (f->metavar)
    return f->metavar;
  switch (f->type)
    {
    case CLI_FLAG_STRING:
      return "string";
    case CLI_FLAG_LIST:
      return "list";
    case CLI_FLAG_INT:
      return "int";
    case CLI_FLAG_BOOL:
    default:
      return NULL;
    }
}

/* "-f, --filter" or "--since", as docker names a flag in its errors. */
static void
flag_label (const struct cli_flag *f, char *buf, size_t len)
{
  if (f->shortname)
    snprintf (buf, len, "-%c, --%s", f->shortname, f->name);
  else
    snprintf (buf, len, "--%s", f->name);
}

static int
bad_value (const struct cli_flag *f, const char *value, const char *why, struct cd_err *err)
{
  char label[128];
  flag_label (f, label, sizeof label);
  return cd_err_set (err, EINVAL, "invalid argument \"%s\" for \"%s\" flag: %s", value, label, why);
}

int
cli_parse_bool (const char *s, int *out)
{
  static const char *const yes[] = { "1", "t", "T", "true", "TRUE", "True" };
  static const char *const no[] = { "0", "f", "F", "false", "FALSE", "False" };
  for (size_t i = 0; i < sizeof yes / sizeof yes[0]; i++)
    {
      if (strcmp (s, yes[i]) == 0)
        return *out = 1, 0;
      if (strcmp (s, no[i]) == 0)
        return *out = 0, 0;
    }
  return -EINVAL;
}

static int
store_value (struct cli_flag_value *v, const struct cli_flag *f, const char *arg,
             struct cd_err *err)
{
  char why[160];
  if (f->type == CLI_FLAG_BOOL)
    {
      if (arg == NULL)
        return v->on = 1, 0;
      snprintf (why, sizeof why, "strconv.ParseBool: parsing \"%s\": invalid syntax", arg);
      return cli_parse_bool (arg, &v->on) < 0 ? bad_value (f, arg, why, err) : 0;
    }
  if (f->check)
    {
      struct cd_err why_err = { 0 };
      if (f->check (arg, &why_err) < 0)
        return bad_value (f, arg, why_err.msg, err);
    }
  if (f->type == CLI_FLAG_INT)
    {
      char *end;
      errno = 0;
      long long n = strtoll (arg, &end, 0);
      snprintf (why, sizeof why, "strconv.ParseInt: parsing \"%s\": %s", arg,
                errno == ERANGE ? "value out of range" : "invalid syntax");
      if (errno != 0 || end == arg || *end != '\0')
        return bad_value (f, arg, why, err);
      v->num = n;
    }
  if (f->type == CLI_FLAG_LIST)
    {
      const char **l = realloc (v->list, (v->nlist + 1) * sizeof *l);
      if (l == NULL)
        return cd_err_set (err, ENOMEM, "out of memory");
      v->list = l;
      l[v->nlist++] = arg;
    }
  v->str = arg;
  return 0;
}

/* Fills longopts and optstring from the flag table. */
static void
build_getopt (const struct cli_flag *flags, size_t n, int stop, struct option *lo, char *os)
{
  int has_h = 0;
  *os++ = stop ? '+' : ':';
  if (stop)
    *os++ = ':';
  for (size_t i = 0; i < n; i++)
    {
      const struct cli_flag *f = &flags[i];
      int takes = f->type != CLI_FLAG_BOOL;
      lo[i] = (struct option){ f->name, takes ? required_argument : optional_argument, NULL,
                               f->shortname ? f->shortname : LONG_BASE + (int) i };
      if (f->shortname)
        {
          has_h |= f->shortname == 'h';
          *os++ = f->shortname;
          if (takes)
            *os++ = ':';
        }
    }
  lo[n] = (struct option){ "help", no_argument, NULL, has_h ? HELP_VAL : 'h' };
  lo[n + 1] = (struct option){ 0 };
  if (!has_h)
    *os++ = 'h';
  *os = '\0';
}

static int
flag_index (const struct cli_flag *flags, size_t n, int val)
{
  if (val >= LONG_BASE && val < LONG_BASE + (int) n)
    return val - LONG_BASE;
  for (size_t i = 0; i < n; i++)
    if (flags[i].shortname && flags[i].shortname == val)
      return (int) i;
  return -1;
}

static int
getopt_error (int c, const struct cli_flag *flags, size_t n, char **argv, struct cd_err *err)
{
  int i = flag_index (flags, n, optopt);
  if (c == ':' && i >= 0 && optopt >= LONG_BASE)
    return cd_err_set (err, EINVAL, "flag needs an argument: --%s", flags[i].name);
  if (c == ':')
    return cd_err_set (err, EINVAL, "flag needs an argument: '%c' in -%c", optopt, optopt);
  if (optopt == 0 || optopt >= LONG_BASE)
    {
      const char *arg = argv[optind - 1];
      size_t len = strcspn (arg, "=");
      return cd_err_set (err, EINVAL, "unknown flag: %.*s", (int) len, arg);
    }
  return cd_err_set (err, EINVAL, "unknown shorthand flag: '%c' in -%c", optopt, optopt);
}

int
cli_args_parse (struct cli_args *a, const struct cli_flag *flags, int stop_at_positional, int argc,
                char **argv, struct cd_err *err)
{
  size_t n = 0;
  while (flags && flags[n].name)
    n++;
  memset (a, 0, sizeof *a);
  a->flags = flags;
  a->nflags = n;
  if (n > CLI_FLAGS_MAX)
    return cd_err_set (err, E2BIG, "too many flags (%zu, at most %d)", n, CLI_FLAGS_MAX);

  struct option longopts[CLI_FLAGS_MAX + 2];
  char optstring[3 * CLI_FLAGS_MAX + 8];
  build_getopt (flags, n, stop_at_positional, longopts, optstring);

  optind = 0; /* glibc: full re-initialisation, we parse more than once */
  opterr = 0;
  int c;
  while ((c = getopt_long (argc, argv, optstring, longopts, NULL)) != -1)
    {
      if (c == '?' || c == ':')
        return getopt_error (c, flags, n, argv, err);
      int i = flag_index (flags, n, c);
      if (i < 0)
        {
          a->help = 1; /* 'h' or HELP_VAL */
          continue;
        }
      a->v[i].set++;
      int r = store_value (&a->v[i], &flags[i], optarg, err);
      if (r < 0)
        return r;
      if (strcmp (flags[i].name, "help") == 0) /* a table may list --help itself */
        a->help = a->v[i].on;
    }
  a->argc = argc - optind;
  a->argv = argv + optind;
  return 0;
}

void
cli_args_free (struct cli_args *a)
{
  for (size_t i = 0; i < a->nflags; i++)
    {
      free (a->v[i].list);
      a->v[i].list = NULL;
      a->v[i].nlist = 0;
    }
}

static int
lookup (const struct cli_args *a, const char *name)
{
  for (size_t i = 0; i < a->nflags; i++)
    if (strcmp (a->flags[i].name, name) == 0)
      return (int) i;
  return -1;
}

const char *
cli_args_str (const struct cli_args *a, const char *name)
{
  int i = lookup (a, name);
  if (i < 0)
    return NULL;
  return a->v[i].set ? a->v[i].str : a->flags[i].def;
}

int
cli_args_bool (const struct cli_args *a, const char *name)
{
  int i = lookup (a, name);
  if (i < 0)
    return 0;
  if (a->v[i].set)
    return a->v[i].on;
  int on = 0;
  return a->flags[i].def && cli_parse_bool (a->flags[i].def, &on) == 0 ? on : 0;
}

long long
cli_args_int (const struct cli_args *a, const char *name)
{
  int i = lookup (a, name);
  if (i < 0)
    return 0;
  if (a->v[i].set)
    return a->v[i].num;
  return a->flags[i].def ? strtoll (a->flags[i].def, NULL, 0) : 0;
}

const char *const *
cli_args_list (const struct cli_args *a, const char *name, size_t *n)
{
  int i = lookup (a, name);
  *n = i < 0 ? 0 : a->v[i].nlist;
  return i < 0 ? NULL : a->v[i].list;
}

int
cli_args_isset (const struct cli_args *a, const char *name)
{
  int i = lookup (a, name);
  return i >= 0 && a->v[i].set > 0;
}

static void
help_left (const struct cli_flag *f, char *buf, size_t len)
{
  const char *mv = metavar (f);
  char sh[8] = "    ";
  if (f->shortname)
    snprintf (sh, sizeof sh, "-%c, ", f->shortname);
  snprintf (buf, len, "  %s--%s%s%s", sh, f->name, mv ? " " : "", mv ? mv : "");
}

static void
help_text (FILE *f, const struct cli_flag *fl, int width)
{
  const char *h = fl->help ? fl->help : "";
  for (const char *nl; (nl = strchr (h, '\n')) != NULL; h = nl + 1)
    fprintf (f, "%.*s\n%*s", (int) (nl - h), h, width, "");
  fputs (h, f);
  if (fl->def && fl->type == CLI_FLAG_STRING)
    fprintf (f, " (default \"%s\")", fl->def);
  else if (fl->def)
    fprintf (f, " (default %s)", fl->def);
  fputc ('\n', f);
}

void
cli_flags_help (FILE *f, const struct cli_flag *flags)
{
  char left[160];
  int width = 0;
  for (size_t i = 0; flags && flags[i].name; i++)
    {
      help_left (&flags[i], left, sizeof left);
      if ((int) strlen (left) > width)
        width = (int) strlen (left);
    }
  if (width == 0)
    return;
  width += 3;
  fputs ("Options:\n", f);
  for (size_t i = 0; flags[i].name; i++)
    {
      help_left (&flags[i], left, sizeof left);
      fprintf (f, "%-*s", width, left);
      help_text (f, &flags[i], width);
    }
}
