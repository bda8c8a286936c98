/* An incremental parser of one HTTP/1.1 response: status line, headers, and
 * the body framed by Content-Length, chunked coding or the end of the
 * connection. Pure logic, no I/O: client/http.c feeds it what it reads. */
#ifndef CLI_HTTPPARSE_H
#define CLI_HTTPPARSE_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

/* The longest line (status, header, chunk size, trailer) accepted, and the
 * most bytes of status lines, headers and trailers in one answer, 1xx
 * interim answers included. Past either the answer is refused. */
#define CLI_HP_MAX_LINE 8192
#define CLI_HP_MAX_HEAD (64 * 1024)

/* Gets the body of the final answer, in pieces split anywhere. Returns 0 to
 * go on; anything else stops cli_hp_feed, which returns it. */
typedef int (*cli_hp_body_fn) (const char *data, size_t len, void *userdata);

/* A callback after the headers of the final answer, before any body byte:
 * same return convention. */
typedef int (*cli_hp_head_fn) (void *userdata);

struct cli_hp
{
  /* set by the caller before feeding */
  int head_request;       /* answer to HEAD: never a body */
  cli_hp_head_fn on_head; /* may be NULL */
  cli_hp_body_fn on_body; /* may be NULL: the body is skipped */
  void *userdata;

  /* results */
  int status;             /* of the final answer; 0 until its status line */
  int headers_done;       /* the final answer's headers are complete */
  int done;               /* the whole answer is in; later bytes are ignored */
  int chunked;            /* the body framing chosen */
  int until_close;        /* the body ends with the connection */
  int64_t content_length; /* -1: none */
  char content_type[128]; /* "" when absent (truncated if longer) */
  uint64_t body_bytes;    /* body bytes handed to on_body so far */

  /* internal */
  int state;
  int interim;        /* the answer being parsed is a 1xx */
  uint64_t remaining; /* bytes left of the body or of the current chunk */
  size_t head_bytes;
  size_t line_len;
  char line[CLI_HP_MAX_LINE];
};

/* Readies p for a new answer, keeping the caller's fields. */
void cli_hp_init (struct cli_hp *p);

/* Parses len bytes. Returns 0, what a callback returned when it was not 0,
 * or -EPROTO with err set when the answer is malformed or too large. */
int cli_hp_feed (struct cli_hp *p, const char *data, size_t len, struct cd_err *err);

/* The connection ended. Returns 0 when the answer is complete (including a
 * body that runs to the end of the connection), else -EPROTO with err set:
 * "the daemon closed the connection without answering" when no byte came,
 * else what was cut short. */
int cli_hp_eof (struct cli_hp *p, struct cd_err *err);

#endif
