/* cdmon: the per-container monitor. The container issue fills this in; for
 * now it only answers --help and --version so the build and install carry it. */
#include <stdio.h>
#include <string.h>

int
main (int argc, char **argv)
{
  if (argc > 1 && (strcmp (argv[1], "--version") == 0 || strcmp (argv[1], "-v") == 0))
    {
      printf ("cdmon version 0.1.0\n");
      return 0;
    }
  fprintf (argc > 1 && strcmp (argv[1], "--help") == 0 ? stdout : stderr,
           "Usage: cdmon --bundle DIR --id ID (started by cdaemon, one per container)\n");
  return argc > 1 && strcmp (argv[1], "--help") == 0 ? 0 : 1;
}
