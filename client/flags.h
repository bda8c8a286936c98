/* Command-line flags for cdctl: every command describes its flags once in a
 * table of struct cli_flag; the same table drives getopt_long parsing and the
 * "Options:" block of `cdctl COMMAND --help`. */
#ifndef CLI_FLAGS_H
#define CLI_FLAGS_H

#include <stddef.h>
#include <stdio.h>

#include "err.h"

enum cli_flag_type
{
  CLI_FLAG_BOOL,   /* --all, -a, --all=false */
  CLI_FLAG_STRING, /* --format json; the last one given wins */
  CLI_FLAG_LIST,   /* --filter a=b --filter c=d; repeatable */
  CLI_FLAG_INT,    /* --time 10 */
};

/* Optional value check run at parse time; a failure is reported as
 * `invalid argument "V" for "-f, --filter" flag: <err->msg>`. */
typedef int (*cli_flag_check_fn) (const char *value, struct cd_err *err);

struct cli_flag
{
  const char *name; /* long name without dashes; NULL ends the table */
  char shortname;   /* 0 when the flag has no one-letter form */
  enum cli_flag_type type;
  const char *metavar; /* shown after the name in help; NULL: by type */
  const char *help;    /* may hold '\n' for continuation lines */
  const char *def;     /* default value (help and cli_args_* getters) */
  cli_flag_check_fn check;
};

#define CLI_FLAGS_MAX 64

struct cli_flag_value
{
  int set;           /* how many times the flag was given */
  const char *str;   /* STRING/INT: last value; points into argv */
  const char **list; /* LIST: every value in order (malloc'd array) */
  size_t nlist;
  int on;        /* BOOL */
  long long num; /* INT */
};

struct cli_args
{
  const struct cli_flag *flags;
  size_t nflags;
  struct cli_flag_value v[CLI_FLAGS_MAX];
  int help; /* -h/--help was given */
  int argc; /* positional arguments left after the flags */
  char **argv;
};

/* Parses argv[1..] (argv[0] is the command name) against flags. Adds
 * --help (and -h unless a flag already uses it). With stop_at_positional
 * the first non-flag word ends the flags (`run IMAGE CMD -x`). A bad flag
 * returns -EINVAL with a docker-style message ("unknown flag: --foo"). */
int cli_args_parse (struct cli_args *a, const struct cli_flag *flags, int stop_at_positional,
                    int argc, char **argv, struct cd_err *err);
void cli_args_free (struct cli_args *a);

/* Getters by long name; an unknown name is a programming error and yields
 * the empty value. cli_args_str falls back to the flag's default. */
const char *cli_args_str (const struct cli_args *a, const char *name);
int cli_args_bool (const struct cli_args *a, const char *name);
long long cli_args_int (const struct cli_args *a, const char *name);
const char *const *cli_args_list (const struct cli_args *a, const char *name, size_t *n);
int cli_args_isset (const struct cli_args *a, const char *name);

/* Prints the "Options:" block for flags (plus --help) to f. */
void cli_flags_help (FILE *f, const struct cli_flag *flags);

/* Parses Go/pflag booleans: 1 0 t f T F true false TRUE FALSE True False. */
int cli_parse_bool (const char *s, int *out);

#endif
