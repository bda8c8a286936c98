/* The terminal's raw mode. The saved state is the one piece of process-wide
 * state of cdctl: signal handlers and atexit must be able to restore it. */
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

#include "client/hijack.h"

static struct termios saved;
static int saved_fd = -1;

void
cli_tty_restore (void)
{
  if (saved_fd >= 0)
    {
      tcsetattr (saved_fd, TCSADRAIN, &saved);
      saved_fd = -1;
    }
}

static void
on_fatal (int sig)
{
  cli_tty_restore ();
  signal (sig, SIG_DFL);
  raise (sig);
}

int
cli_tty_raw (int fd)
{
  if (saved_fd >= 0 || !isatty (fd))
    return 0;
  struct termios t;
  if (tcgetattr (fd, &t) < 0)
    return -1;
  saved = t;
  /* docker's term.MakeRaw (cfmakeraw, output processing kept off too) */
  t.c_iflag &= ~(tcflag_t) (IGNBRK | BRKINT | PARMRK | ISTRIP | INLCR | IGNCR | ICRNL | IXON);
  t.c_oflag &= ~(tcflag_t) OPOST;
  t.c_lflag &= ~(tcflag_t) (ECHO | ECHONL | ICANON | ISIG | IEXTEN);
  t.c_cflag &= ~(tcflag_t) (CSIZE | PARENB);
  t.c_cflag |= CS8;
  t.c_cc[VMIN] = 1;
  t.c_cc[VTIME] = 0;
  if (tcsetattr (fd, TCSADRAIN, &t) < 0)
    return -1;
  saved_fd = fd;
  static bool hooked;
  if (!hooked)
    {
      hooked = true;
      atexit (cli_tty_restore);
      int sigs[] = { SIGTERM, SIGHUP, SIGQUIT, SIGABRT, SIGSEGV, SIGBUS };
      for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
        signal (sigs[i], on_fatal);
    }
  return 0;
}

void
cli_tty_size (int fd, unsigned *h, unsigned *w)
{
  struct winsize ws;
  *h = *w = 0;
  if (ioctl (fd, TIOCGWINSZ, &ws) == 0)
    {
      *h = ws.ws_row;
      *w = ws.ws_col;
    }
}
