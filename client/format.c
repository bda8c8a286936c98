#include "client/format.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

static const char *const decimal_units[] = { "B", "kB", "MB", "GB", "TB", "PB", "EB", "ZB", "YB" };
static const char *const binary_units[]
    = { "B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB", "ZiB", "YiB" };

#define NUNITS (sizeof decimal_units / sizeof decimal_units[0])

static char *
scaled (double size, double base, const char *const *units, int precision, char *buf, size_t len)
{
  size_t i = 0;
  while (size >= base && i < NUNITS - 1)
    {
      size /= base;
      i++;
    }
  snprintf (buf, len, "%.*g%s", precision, size, units[i]);
  return buf;
}

char *
cli_human_size_prec (double size, int precision, char *buf, size_t len)
{
  return scaled (size, 1000.0, decimal_units, precision, buf, len);
}

char *
cli_human_size (double size, char *buf, size_t len)
{
  return cli_human_size_prec (size, 3, buf, len);
}

char *
cli_bytes_size (double size, char *buf, size_t len)
{
  return scaled (size, 1024.0, binary_units, 4, buf, len);
}

char *
cli_human_duration (double seconds, char *buf, size_t len)
{
  long long s = (long long) seconds;
  long long minutes = (long long) (seconds / 60);
  long long hours = (long long) (seconds / 3600 + 0.5);
  if (s < 1)
    snprintf (buf, len, "Less than a second");
  else if (s == 1)
    snprintf (buf, len, "1 second");
  else if (s < 60)
    snprintf (buf, len, "%lld seconds", s);
  else if (minutes == 1)
    snprintf (buf, len, "About a minute");
  else if (minutes < 60)
    snprintf (buf, len, "%lld minutes", minutes);
  else if (hours == 1)
    snprintf (buf, len, "About an hour");
  else if (hours < 48)
    snprintf (buf, len, "%lld hours", hours);
  else if (hours < 24 * 7 * 2)
    snprintf (buf, len, "%lld days", hours / 24);
  else if (hours < 24 * 30 * 2)
    snprintf (buf, len, "%lld weeks", hours / 24 / 7);
  else if (hours < 24 * 365 * 2)
    snprintf (buf, len, "%lld months", hours / 24 / 30);
  else
    snprintf (buf, len, "%lld years", (long long) (seconds / 3600) / 24 / 365);
  return buf;
}

int
cli_format_is_json (const char *format)
{
  return format
         && (strcmp (format, "json") == 0 || strcmp (format, "{{json .}}") == 0
             || strcmp (format, "{{ json . }}") == 0);
}

int
cli_format_check (const char *value, struct cd_err *err)
{
  if (*value == '\0' || cli_format_is_json (value))
    return 0;
  return cd_err_set (err, ENOTSUP, "only 'json' is supported (Go templates are not)");
}

size_t
cli_text_width (const char *s)
{
  size_t n = 0;
  for (; *s; s++)
    if (((unsigned char) *s & 0xC0) != 0x80)
      n++;
  return n;
}

struct cli_table
{
  size_t ncols, nrows, cap;
  char **cells; /* nrows * ncols */
  int minwidth, padding;
};

struct cli_table *
cli_table_new (size_t ncols)
{
  struct cli_table *t = calloc (1, sizeof *t);
  if (t == NULL)
    return NULL;
  t->ncols = ncols ? ncols : 1;
  t->minwidth = 10;
  t->padding = 3;
  return t;
}

void
cli_table_style (struct cli_table *t, int minwidth, int padding)
{
  t->minwidth = minwidth;
  t->padding = padding;
}

int
cli_table_add_row (struct cli_table *t, const char *const *cells)
{
  if (t->nrows == t->cap)
    {
      size_t cap = t->cap ? t->cap * 2 : 16;
      char **c = realloc (t->cells, cap * t->ncols * sizeof *c);
      if (c == NULL)
        return -ENOMEM;
      t->cells = c;
      t->cap = cap;
    }
  char **row = t->cells + t->nrows * t->ncols;
  for (size_t i = 0; i < t->ncols; i++)
    {
      row[i] = strdup (cells[i] ? cells[i] : "");
      if (row[i] == NULL)
        {
          while (i-- > 0)
            free (row[i]);
          return -ENOMEM;
        }
    }
  t->nrows++;
  return 0;
}

int
cli_table_add (struct cli_table *t, ...)
{
  const char **cells = calloc (t->ncols, sizeof *cells);
  if (cells == NULL)
    return -ENOMEM;
  va_list ap;
  va_start (ap, t);
  for (size_t i = 0; i < t->ncols; i++)
    cells[i] = va_arg (ap, const char *);
  va_end (ap);
  int r = cli_table_add_row (t, cells);
  free (cells);
  return r;
}

void
cli_table_print (const struct cli_table *t, FILE *out)
{
  size_t *width = calloc (t->ncols, sizeof *width);
  if (width == NULL)
    return;
  for (size_t r = 0; r < t->nrows; r++)
    for (size_t c = 0; c + 1 < t->ncols; c++)
      {
        size_t w = cli_text_width (t->cells[r * t->ncols + c]) + (size_t) t->padding;
        if (w > width[c])
          width[c] = w;
      }
  for (size_t c = 0; c + 1 < t->ncols; c++)
    if (width[c] < (size_t) t->minwidth)
      width[c] = (size_t) t->minwidth;
  for (size_t r = 0; r < t->nrows; r++)
    {
      for (size_t c = 0; c < t->ncols; c++)
        {
          const char *cell = t->cells[r * t->ncols + c];
          fputs (cell, out);
          if (c + 1 < t->ncols)
            fprintf (out, "%*s", (int) (width[c] - cli_text_width (cell)), "");
        }
      fputc ('\n', out);
    }
  free (width);
}

void
cli_table_free (struct cli_table *t)
{
  if (t == NULL)
    return;
  for (size_t i = 0; i < t->nrows * t->ncols; i++)
    free (t->cells[i]);
  free (t->cells);
  free (t);
}
