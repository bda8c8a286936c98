#include "err.h"

#include <stdio.h>
#include <string.h>

static int
abs_code (int code)
{
  if (code < 0)
    code = -code;
  return code == 0 ? EIO : code;
}

static int
vset (struct cd_err *err, int code, int with_errno, const char *fmt, va_list ap)
{
  code = abs_code (code);
  if (err == NULL)
    return -code;
  err->code = code;
  int n = vsnprintf (err->msg, sizeof err->msg, fmt, ap);
  if (with_errno && n >= 0 && (size_t) n < sizeof err->msg)
    snprintf (err->msg + n, sizeof err->msg - n, ": %s", strerror (code));
  return -code;
}

int
cd_err_set (struct cd_err *err, int code, const char *fmt, ...)
{
  va_list ap;
  va_start (ap, fmt);
  int r = vset (err, code, 0, fmt, ap);
  va_end (ap);
  return r;
}

int
cd_err_sys (struct cd_err *err, int code, const char *fmt, ...)
{
  va_list ap;
  va_start (ap, fmt);
  int r = vset (err, code, 1, fmt, ap);
  va_end (ap);
  return r;
}

int
cd_err_wrap (struct cd_err *err, const char *fmt, ...)
{
  if (err == NULL)
    return -EIO;
  char prefix[CD_ERR_MSG_MAX];
  char old[CD_ERR_MSG_MAX];
  va_list ap;
  va_start (ap, fmt);
  vsnprintf (prefix, sizeof prefix, fmt, ap);
  va_end (ap);
  memcpy (old, err->msg, sizeof old);
  size_t pl = strnlen (prefix, sizeof err->msg - 3);
  memcpy (err->msg, prefix, pl);
  memcpy (err->msg + pl, ": ", 2);
  size_t room = sizeof err->msg - pl - 3;
  size_t ol = strnlen (old, room);
  memcpy (err->msg + pl + 2, old, ol);
  err->msg[pl + 2 + ol] = '\0';
  return -abs_code (err->code);
}
