/* The relay's attach socket, DIR/attach.sock: the daemon passes each
 * attaching client's connection (already answered 101) with SCM_RIGHTS and
 * one line "FLAGS KEYS\n" (FLAGS: MON_AT_* bits, KEYS: detach keys as
 * "16,17" or "-"). From then on the relay serves it directly, so an attach
 * outlives a daemon restart and several clients may attach at once.
 * Clients attached before the start come on the command line instead
 * (--attach-client FD:FLAGS:KEYS), so they miss no output. */
#ifndef CD_MON_ATTACH_H
#define CD_MON_ATTACH_H

#include <stdbool.h>
#include <stddef.h>

#include "detachfilter.h"

#define MON_AT_STDIN 1
#define MON_AT_STDOUT 2
#define MON_AT_STDERR 4
#define MON_AT_STDIN_ONCE 8   /* the client's EOF closes the container's stdin */
#define MON_AT_TTY 16         /* raw stream, detach keys apply */

#define MON_ATTACH_MAX 16

struct mon_attach
{
  int fd;
  unsigned flags;
  bool in_eof;
  struct mon_detach dk;
  char *out;             /* output not yet sent */
  size_t out_len;
  char in[4096 + MON_DETACH_MAX]; /* input not yet written to the container */
  size_t in_len, in_off;
};

struct relay;

/* "FD:FLAGS:KEYS" of --attach-client, or the line after SCM_RIGHTS. */
void relay_attach_add (struct relay *r, int fd, const char *flags_keys);
void relay_attach_accept (struct relay *r);
void relay_attach_event (struct relay *r, int i, unsigned events);
/* Copies output of stream (1 stdout, 2 stderr) to every client. */
void relay_attach_output (struct relay *r, int stream, const char *p, size_t n);
/* Retries input the container was not ready for; true while some waits. */
bool relay_attach_retry_input (struct relay *r);
bool relay_attach_pending (const struct relay *r);
void relay_attach_close_all (struct relay *r);

#endif
