/* Looking up commands and printing their help from the command tables. */
#include "client/cli.h"

#include <errno.h>
#include <string.h>

const struct cli_cmd *
cli_cmd_find (const struct cli_cmd *const *table, const char *name)
{
  for (size_t i = 0; table && table[i]; i++)
    {
      if (strcmp (table[i]->name, name) == 0)
        return table[i];
      for (size_t j = 0; table[i]->aliases && table[i]->aliases[j]; j++)
        if (strcmp (table[i]->aliases[j], name) == 0)
          return table[i];
    }
  return NULL;
}

static const char *
usage_of (const struct cli_cmd *cmd)
{
  if (cmd->usage)
    return cmd->usage;
  if (cmd->subcmds)
    return "COMMAND";
  return cmd->flags && cmd->flags[0].name ? "[OPTIONS]" : "";
}

void
cli_cmd_list (FILE *f, const struct cli_cmd *const *table)
{
  int width = 11;
  for (size_t i = 0; table[i]; i++)
    if ((int) strlen (table[i]->name) > width)
      width = (int) strlen (table[i]->name);
  fputs ("Commands:\n", f);
  for (size_t i = 0; table[i]; i++)
    fprintf (f, "  %-*s %s\n", width, table[i]->name, table[i]->summary);
}

void
cli_cmd_help (FILE *f, const char *path, const struct cli_cmd *cmd)
{
  fprintf (f, "Usage:  %s %s\n\n%s\n", path, usage_of (cmd),
           cmd->description ? cmd->description : cmd->summary);
  if (cmd->aliases && cmd->aliases[0])
    {
      /* path ends with the name the user typed; the parent is before it. */
      const char *sp = strrchr (path, ' ');
      int plen = sp ? (int) (sp - path) : 0;
      fprintf (f, "\nAliases:\n  %.*s %s", plen, path, cmd->name);
      for (size_t i = 0; cmd->aliases[i]; i++)
        fprintf (f, ", %.*s %s", plen, path, cmd->aliases[i]);
      fputc ('\n', f);
    }
  if (cmd->flags && cmd->flags[0].name)
    {
      fputc ('\n', f);
      cli_flags_help (f, cmd->flags);
    }
  if (cmd->subcmds)
    {
      fputc ('\n', f);
      cli_cmd_list (f, cmd->subcmds);
      fprintf (f, "\nRun '%s COMMAND --help' for more information on a command.\n", path);
    }
}

void
cli_cmd_usage_hint (FILE *f, const char *path, const struct cli_cmd *cmd)
{
  fprintf (f, "\nUsage:  %s %s\n\nRun '%s --help' for more information\n", path, usage_of (cmd),
           path);
}

int
cli_cmd_check_args (const char *path, const struct cli_cmd *cmd, int argc, struct cd_err *err)
{
  int min = cmd->min_args, max = cmd->max_args;
  if (argc >= min && (max < 0 || argc <= max))
    return 0;
  const char *noun = (argc < min ? min : max) == 1 ? "argument" : "arguments";
  if (max == 0)
    return cd_err_set (err, EINVAL, CLI_PROG ": '%s' accepts no arguments", path);
  if (min == max)
    return cd_err_set (err, EINVAL, CLI_PROG ": '%s' requires exactly %d %s", path, min, noun);
  if (max < 0)
    return cd_err_set (err, EINVAL, CLI_PROG ": '%s' requires at least %d %s", path, min, noun);
  if (min == 0)
    return cd_err_set (err, EINVAL, CLI_PROG ": '%s' requires at most %d %s", path, max, noun);
  return cd_err_set (err, EINVAL, CLI_PROG ": '%s' requires at least %d and at most %d arguments",
                     path, min, max);
}

/* docker's PromptForConfirmation: true for "y" or "Y" on stdin. */
int
cli_confirm (FILE *out, const char *warning)
{
  char line[64];
  fprintf (out, "%s [y/N] ", warning);
  fflush (out);
  if (fgets (line, sizeof line, stdin) == NULL)
    return 0;
  char *s = line;
  while (*s == ' ' || *s == '\t')
    s++;
  s[strcspn (s, " \t\r\n")] = '\0';
  return strcmp (s, "y") == 0 || strcmp (s, "Y") == 0;
}
