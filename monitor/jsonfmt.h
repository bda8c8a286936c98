/* JSON text and time stamps as Docker writes them, without any JSON library:
 * the long-lived relay (cdmon-relay) links only libc. */
#ifndef CD_MON_JSONFMT_H
#define CD_MON_JSONFMT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

/* Worst-case growth of mon_json_escape: every byte becomes \u00XX or \ufffd. */
#define MON_JSON_ESCAPE_MAX(n) ((n) * 6)
/* Longest RFC 3339 time mon_fmt_time writes, with its NUL. */
#define MON_TIME_MAX 40

/* Escapes LEN bytes of SRC into DST (no quotes, no NUL) exactly as Docker's
 * json-file writer does (jsonlog's ffjsonWriteJSONBytesAsString, the
 * encoding/json rules with HTML escaping): \" \\ \n \r, other bytes below
 * 0x20 and < > & as \u00XX, each byte of invalid UTF-8 as \ufffd, U+2028 and
 * U+2029 as \u2028 and \u2029; valid UTF-8 is copied. DST needs
 * MON_JSON_ESCAPE_MAX(LEN) bytes. Returns the bytes written. */
size_t mon_json_escape (char *dst, const char *src, size_t len);

/* Writes TS as RFC 3339 in UTC into DST (MON_TIME_MAX bytes), NUL-terminated:
 * with FIXED nine fractional digits (Go's RFC3339NanoFixed), else Go's
 * RFC3339Nano (trailing zeros trimmed, no fraction when zero). Returns the
 * length. */
size_t mon_fmt_time (char *dst, const struct timespec *ts, bool fixed);

/* A bounded output buffer: appends past the end set OVERFLOW and are dropped. */
struct mon_buf
{
  char *p;
  size_t len, cap;
  bool overflow;
};

void mon_buf_init (struct mon_buf *b, char *mem, size_t cap);
void mon_buf_raw (struct mon_buf *b, const char *s, size_t len);
void mon_buf_str (struct mon_buf *b, const char *s);
/* Appends S as a quoted, escaped JSON string. */
void mon_buf_jstr (struct mon_buf *b, const char *s);
void mon_buf_int (struct mon_buf *b, long long v);
/* NUL-terminates (within cap) and returns the text. */
const char *mon_buf_cstr (struct mon_buf *b);

#endif
