/* Reading a container's json-file log (with rotated files) into Docker's
 * logs stream: multiplexed 8-byte frames without a TTY, raw bytes with one. */
#ifndef CD_CTR_LOGS_H
#define CD_CTR_LOGS_H

#include <stdbool.h>
#include <stdint.h>

#include "daemon/daemon.h"

struct ctr_logs_opts
{
  char id[65];
  char log_path[4200];
  bool out, err, timestamps, follow, tty;
  int64_t since, until;   /* nanoseconds, 0: none */
  long tail;              /* -1: all */
  bool attach;            /* attach: only output from now on, until an exit after now */
  int64_t attach_ns;
  void (*done) (void *ctx); /* called from the thread when it ends (attach) */
  void *done_ctx;
};

/* Starts a thread that writes the stream to fd (closed when done: the end of
 * the log, or the container's exit when following, or the reader going away). */
int ctr_logs_start (struct cd_daemon *d, const struct ctr_logs_opts *o, int fd,
                    struct cd_err *err);
/* Loop thread: the container's state changed; following readers re-check it. */
void ctr_logs_notify (struct cd_daemon *d, const char *id);
/* Shutdown: frees the followers' registry when no reader is left. */
void ctr_logs_fini (struct cd_daemon *d);
/* Encodes one frame header: stream 1 stdout, 2 stderr. */
void ctr_logs_frame_header (unsigned char hdr[8], int stream, uint32_t len);
/* Parses an RFC3339Nano time into nanoseconds since the epoch (0 on error
 * and for times before 1970, such as Go's zero time 0001-01-01). */
int64_t ctr_logs_parse_time (const char *s);

#endif
