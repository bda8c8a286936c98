/* Human output as the docker CLI prints it: sizes, durations, tables. */
#ifndef CLI_FORMAT_H
#define CLI_FORMAT_H

#include <stddef.h>
#include <stdio.h>

#include "err.h"

#define CLI_HUMAN_LEN 40

/* docker/go-units HumanSizeWithPrecision: decimal units (B kB MB GB ...),
 * "%.*g" with precision significant digits: (4261550, 3) -> "4.26MB". */
char *cli_human_size_prec (double size, int precision, char *buf, size_t len);

/* The SIZE of `docker images` and `docker ps -s` (precision 3): "1.24MB". */
char *cli_human_size (double size, char *buf, size_t len);

/* go-units BytesSize: binary units, "%.4g": 25199378432 -> "23.47GiB". */
char *cli_bytes_size (double size, char *buf, size_t len);

/* go-units HumanDuration: "Less than a second", "1 second", "3 seconds",
 * "About a minute", "2 minutes", "About an hour", "5 hours", "3 days",
 * "2 weeks", "3 months", "2 years". Callers add "Up " or " ago". */
char *cli_human_duration (double seconds, char *buf, size_t len);

/* Columns like docker's tabwriter (minwidth 10, padding 3): each column but
 * the last is as wide as its widest cell + 3, and at least 10 characters. */
struct cli_table;

struct cli_table *cli_table_new (size_t ncols);
/* Changes minwidth/padding (`version` uses 20 and 1). */
void cli_table_style (struct cli_table *t, int minwidth, int padding);
/* Adds a row of ncols cells (copied; NULL prints as empty). */
int cli_table_add_row (struct cli_table *t, const char *const *cells);
/* Same with the ncols cells given as arguments. */
int cli_table_add (struct cli_table *t, ...);
void cli_table_print (const struct cli_table *t, FILE *out);
void cli_table_free (struct cli_table *t);

static inline void
cli_table_freep (struct cli_table **t)
{
  cli_table_free (*t);
}
#define cleanup_table __attribute__ ((cleanup (cli_table_freep)))

/* --format values: "json" and docker's "{{json .}}" mean one JSON document
 * per object; "" means the human form. Go templates are not supported. */
int cli_format_is_json (const char *format);
/* Flag check for --format: rejects anything but "", "json", "{{json .}}". */
int cli_format_check (const char *value, struct cd_err *err);

/* Display width of UTF-8 text (code points, as Go's tabwriter counts). */
size_t cli_text_width (const char *s);

#endif
