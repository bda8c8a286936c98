/* Scope-bound cleanup helpers (__attribute__((cleanup))). Hand ownership on
 * explicitly with steal_ptr(&p) / steal_fd(&fd). */
#ifndef CD_CLEANUP_H
#define CD_CLEANUP_H

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <dirent.h>

static inline void
cd_freep (void *p)
{
  free (*(void **) p);
}

static inline void
cd_closep (int *fd)
{
  if (*fd >= 0)
    close (*fd);
}

static inline void
cd_fclosep (FILE **f)
{
  if (*f)
    fclose (*f);
}

static inline void
cd_closedirp (DIR **d)
{
  if (*d)
    closedir (*d);
}

#define cleanup_free __attribute__ ((cleanup (cd_freep)))
#define cleanup_close __attribute__ ((cleanup (cd_closep)))
#define cleanup_fclose __attribute__ ((cleanup (cd_fclosep)))
#define cleanup_dir __attribute__ ((cleanup (cd_closedirp)))

static inline void *
cd_steal_ptr (void *pp)
{
  void **p = (void **) pp;
  void *r = *p;
  *p = NULL;
  return r;
}

static inline int
cd_steal_fd (int *fd)
{
  int r = *fd;
  *fd = -1;
  return r;
}

#define steal_ptr(pp) cd_steal_ptr (pp)
#define steal_fd(pfd) cd_steal_fd (pfd)

#endif
