/* A terminal from the container's own devpts, its master passed to the
 * caller over the child's report socket (init and exec alike). */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <termios.h>
#include <unistd.h>

#include "child.h"

union fd_cmsg
{
  char buf[CMSG_SPACE (sizeof (int))];
  struct cmsghdr align;
};

int
rt_pty_open_send (int sock, unsigned short rows, unsigned short cols, int *slave,
                  struct cd_err *err)
{
  int m = open ("/dev/pts/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (m < 0)
    m = open ("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (m < 0)
    return cd_err_sys (err, errno, "open `/dev/ptmx` in the container");
  char name[64];
  if (unlockpt (m) < 0 || ptsname_r (m, name, sizeof name) != 0)
    {
      close (m);
      return cd_err_sys (err, errno, "set up the pty");
    }
  *slave = open (name, O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (*slave < 0)
    {
      close (m);
      return cd_err_sys (err, errno, "open `%s`", name);
    }
  if (rows > 0 && cols > 0)
    {
      struct winsize ws = { .ws_row = rows, .ws_col = cols };
      ioctl (m, TIOCSWINSZ, &ws);
    }
  char byte = 'p';
  struct iovec iov = { &byte, 1 };
  union fd_cmsg u;
  struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf,
                        .msg_controllen = sizeof u.buf };
  struct cmsghdr *cm = CMSG_FIRSTHDR (&msg);
  cm->cmsg_level = SOL_SOCKET;
  cm->cmsg_type = SCM_RIGHTS;
  cm->cmsg_len = CMSG_LEN (sizeof (int));
  memcpy (CMSG_DATA (cm), &m, sizeof m);
  ssize_t n = sendmsg (sock, &msg, MSG_NOSIGNAL);
  int e = errno;
  close (m);
  return n == 1 ? 0 : cd_err_sys (err, e, "send the pty");
}

int
rt_pty_recv_first (int fd, char *byte, int *master)
{
  struct iovec iov = { byte, 1 };
  union fd_cmsg u;
  struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf,
                        .msg_controllen = sizeof u.buf };
  ssize_t n;
  do
    n = recvmsg (fd, &msg, MSG_CMSG_CLOEXEC);
  while (n < 0 && errno == EINTR);
  if (n <= 0)
    return (int) n;
  struct cmsghdr *cm = CMSG_FIRSTHDR (&msg);
  if (cm && cm->cmsg_type == SCM_RIGHTS)
    {
      memcpy (master, CMSG_DATA (cm), sizeof (int));
      return 2;
    }
  return 1;
}
