#include "daemon/ctr_attach.h"

#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "cleanup.h"

struct pending
{
  struct pending *next;
  char id[65];
  int fd;
  char spec[64];
};

struct ctr_attaches
{
  pthread_mutex_t mu;
  struct pending *head;
};

static pthread_mutex_t init_mu = PTHREAD_MUTEX_INITIALIZER;

static struct ctr_attaches *
list (struct cd_daemon *d)
{
  pthread_mutex_lock (&init_mu);
  if (d->attaches == NULL && (d->attaches = calloc (1, sizeof *d->attaches)) != NULL)
    pthread_mutex_init (&d->attaches->mu, NULL);
  pthread_mutex_unlock (&init_mu);
  return d->attaches;
}

/* A path for connect() even when the exec-root is long: through an O_PATH
 * fd of the bundle directory when the full path does not fit. */
static int
sock_path (struct cd_daemon *d, const char *id, const char *name, struct sockaddr_un *sa,
           int *dirfd)
{
  char full[4400];
  *dirfd = -1;
  int n = snprintf (full, sizeof full, "%s/containers/%s/%s", d->cfg.exec_root, id, name);
  if ((size_t) n < sizeof sa->sun_path)
    {
      memcpy (sa->sun_path, full, (size_t) n + 1);
      return 0;
    }
  full[n - (int) strlen (name) - 1] = '\0';
  *dirfd = open (full, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (*dirfd < 0)
    return -errno;
  snprintf (sa->sun_path, sizeof sa->sun_path, "/proc/self/fd/%d/%s", *dirfd, name);
  return 0;
}

static int
send_to_monitor (struct cd_daemon *d, const char *id, int fd, const char *spec,
                 struct cd_err *err)
{
  struct sockaddr_un sa = { .sun_family = AF_UNIX };
  cleanup_close int dirfd = -1;
  if (sock_path (d, id, "attach.sock", &sa, &dirfd) < 0)
    return cd_err_set (err, EBUSY, "Container %s is not running", id);
  cleanup_close int s = socket (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (s < 0 || connect (s, (struct sockaddr *) &sa, sizeof sa) < 0)
    return cd_err_sys (err, errno, "attach to the monitor of %.12s", id);
  char line[80];
  int n = snprintf (line, sizeof line, "%s\n", spec);
  struct iovec iov = { line, (size_t) n };
  union
  {
    char buf[CMSG_SPACE (sizeof (int))];
    struct cmsghdr align;
  } u;
  struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf,
                        .msg_controllen = sizeof u.buf };
  struct cmsghdr *cm = CMSG_FIRSTHDR (&msg);
  cm->cmsg_level = SOL_SOCKET;
  cm->cmsg_type = SCM_RIGHTS;
  cm->cmsg_len = CMSG_LEN (sizeof (int));
  memcpy (CMSG_DATA (cm), &fd, sizeof fd);
  if (sendmsg (s, &msg, MSG_NOSIGNAL) != n)
    return cd_err_sys (err, errno, "hand the attach to the monitor of %.12s", id);
  /* wait until the relay took it (it closes its end) */
  struct pollfd p = { s, POLLIN, 0 };
  poll (&p, 1, 1000);
  return 0;
}

int
ctr_attach_hand (struct cd_daemon *d, const char *id, bool running, int fd, const char *spec,
                 struct cd_err *err)
{
  if (running)
    {
      int r = send_to_monitor (d, id, fd, spec, err);
      close (fd);
      return r;
    }
  struct ctr_attaches *l = list (d);
  struct pending *p = l ? calloc (1, sizeof *p) : NULL;
  if (p == NULL)
    {
      close (fd);
      return cd_err_set (err, ENOMEM, "out of memory");
    }
  snprintf (p->id, sizeof p->id, "%s", id);
  snprintf (p->spec, sizeof p->spec, "%s", spec);
  p->fd = fd;
  pthread_mutex_lock (&l->mu);
  p->next = l->head;
  l->head = p;
  pthread_mutex_unlock (&l->mu);
  return 0;
}

int
ctr_attach_take (struct cd_daemon *d, const char *id, int *fds, char **specs, int max)
{
  struct ctr_attaches *l = list (d);
  if (l == NULL)
    return 0;
  int n = 0;
  pthread_mutex_lock (&l->mu);
  for (struct pending **pp = &l->head; *pp && n < max;)
    {
      struct pending *p = *pp;
      if (strcmp (p->id, id) != 0)
        {
          pp = &p->next;
          continue;
        }
      *pp = p->next;
      fds[n] = p->fd;
      specs[n++] = strdup (p->spec);
      free (p);
    }
  pthread_mutex_unlock (&l->mu);
  return n;
}

void
ctr_attach_fini (struct cd_daemon *d)
{
  struct ctr_attaches *l = d->attaches;
  if (l == NULL)
    return;
  for (struct pending *p = l->head, *next; p; p = next)
    {
      next = p->next;
      close (p->fd);
      free (p);
    }
  pthread_mutex_destroy (&l->mu);
  free (l);
  d->attaches = NULL;
}

int
ctr_resize (struct cd_daemon *d, const char *id, long h, long w, struct cd_err *err)
{
  if (h <= 0 || w <= 0 || h > 65535 || w > 65535)
    return cd_err_set (err, EINVAL, "bad resize: h and w must be between 1 and 65535 (got %ldx%ld)",
                       h, w);
  struct sockaddr_un sa = { .sun_family = AF_UNIX };
  cleanup_close int dirfd = -1;
  if (sock_path (d, id, "ctl.sock", &sa, &dirfd) < 0)
    return cd_err_set (err, EBUSY, "Container %s is not running", id);
  cleanup_close int s = socket (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (s < 0 || connect (s, (struct sockaddr *) &sa, sizeof sa) < 0)
    return cd_err_set (err, EBUSY, "Container %s is not running", id);
  char line[96], reply[512] = "";
  int n = snprintf (line, sizeof line, "{\"cmd\":\"resize\",\"h\":%ld,\"w\":%ld}\n", h, w);
  if (send (s, line, (size_t) n, MSG_NOSIGNAL) != n)
    return cd_err_sys (err, errno, "resize");
  struct pollfd p = { s, POLLIN, 0 };
  if (poll (&p, 1, 1000) <= 0 || read (s, reply, sizeof reply - 1) <= 0)
    return cd_err_set (err, EIO, "the monitor of %.12s did not answer", id);
  char *msg = strstr (reply, "\"error\":\"");
  if (msg)
    {
      msg += 9;
      msg[strcspn (msg, "\"")] = '\0';
      return cd_err_set (err, EBUSY, "%s", msg);
    }
  return 0;
}
