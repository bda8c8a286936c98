/* Docker's hijacked streams (attach, exec start): the request goes out with
 * `Connection: Upgrade` / `Upgrade: tcp`; after the 101 (or 200) answer the
 * connection carries the container's stdio both ways: raw with a tty, else
 * 8-byte multiplexed frames from the daemon. cli_stream_run relays it with
 * the terminal: stdin out (EOF half-closes the connection), output to
 * stdout/stderr, detach keys typed on a tty, SIGWINCH as a resize. */
#ifndef CLI_HIJACK_H
#define CLI_HIJACK_H

#include <stdbool.h>
#include <stddef.h>

#include <json-c/json.h>

#include "client/cli.h"
#include "detachkeys.h"

/* Sends METHOD path (with an optional JSON body) and returns the connected
 * socket once the daemon answered 101/200; an error answer is turned into
 * "Error response from daemon: ...". Bytes that came after the answer's head
 * are left in *pre (malloc'd). */
int cli_hijack (struct cli_ctx *ctx, const char *method, const char *path, json_object *body,
                int *fd, char **pre, size_t *pre_len, struct cd_err *err);

typedef void (*cli_resize_fn) (void *ctx);

struct cli_stream
{
  int fd;                 /* the hijacked connection */
  char *pre;              /* bytes already read (owned; freed) */
  size_t pre_len;
  bool tty;               /* raw stream (no frames) */
  bool in;                /* forward stdin */
  unsigned char keys[CD_DETACH_KEYS_MAX]; /* detach keys, checked when stdin is a tty */
  size_t nkeys;
  cli_resize_fn resize;   /* on SIGWINCH (and once at start), may be NULL */
  void *resize_ctx;
  bool detached;          /* out: the user typed the detach keys */
};

/* Relays until the daemon closes the connection or the user detaches.
 * Puts the terminal in raw mode when st->tty and stdin is a terminal and
 * restores it on every way out. */
int cli_stream_run (struct cli_stream *st, FILE *out, struct cd_err *err);

/* client/tty.c: the terminal. Raw mode like docker's term.SetRawTerminal;
 * restore is idempotent, also run at exit and on fatal signals. */
int cli_tty_raw (int fd);
void cli_tty_restore (void);
/* Rows and columns of fd's terminal; 0 when it is not one. */
void cli_tty_size (int fd, unsigned *h, unsigned *w);

#endif
