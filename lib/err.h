/* One error type for the whole project: functions return 0 or a negative
 * errno and fill a caller's struct cd_err with a message a user can act on. */
#ifndef CD_ERR_H
#define CD_ERR_H

#include <errno.h>
#include <stdarg.h>

#define CD_ERR_MSG_MAX 512

struct cd_err {
  int code;                 /* positive errno, 0 when no error */
  char msg[CD_ERR_MSG_MAX]; /* "image busybox:1 not found" */
};

/* Sets the error and returns -code (code may be given positive or negative). */
int cd_err_set (struct cd_err *err, int code, const char *fmt, ...)
    __attribute__ ((format (printf, 3, 4)));

/* Like cd_err_set, appends ": strerror(code)". */
int cd_err_sys (struct cd_err *err, int code, const char *fmt, ...)
    __attribute__ ((format (printf, 3, 4)));

/* Prefixes an existing message: "load image: <old message>". Returns -err->code. */
int cd_err_wrap (struct cd_err *err, const char *fmt, ...)
    __attribute__ ((format (printf, 2, 3)));

static inline void
cd_err_clear (struct cd_err *err)
{
  if (err)
    {
      err->code = 0;
      err->msg[0] = '\0';
    }
}

#endif
