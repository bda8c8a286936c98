/* The json-file log writer: Docker's line splitting (16 KiB partial
 * entries), entry format and rotation (FILE -> FILE.1 ... FILE.(N-1)).
 * Memory is fixed: one 16 KiB buffer per stream and one output buffer. */
#ifndef CD_MON_LOG_H
#define CD_MON_LOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "err.h"
#include "monitor/jsonfmt.h"
#include "monitor/monitor.h"

/* Largest entry mon_log_format_entry writes for LEN bytes of log text. */
#define MON_LOG_ENTRY_MAX(len) (MON_JSON_ESCAPE_MAX ((len) + 1) + 64 + MON_TIME_MAX)
/* Output buffer of the writer: entries are batched into one write(2) once
 * MON_LOG_FLUSH_AT bytes are buffered (or at the end of each loop turn);
 * the capacity only has to hold one worst-case entry (16 KiB of bytes that
 * all escape to six), so its last pages are rarely touched. */
#define MON_LOG_OUT_CAP (128 * 1024)
#define MON_LOG_FLUSH_AT (32 * 1024)

/* Called for each entry: LEN bytes of LINE (no newline), NEWLINE when the
 * entry ends a line ("\n" is appended to the text), TS its time. */
typedef void (*mon_emit_fn) (void *ctx, const char *line, size_t len, bool newline,
                             const struct timespec *ts);

/* Splits one stream into entries exactly as Docker's log copier does: each
 * line is an entry; 16 KiB without a newline is emitted as a partial entry
 * (no "\n"), and the following pieces of that line share its time stamp;
 * at end of stream what is left is emitted as a partial entry. */
struct mon_splitter
{
  size_t n;
  bool partial;
  struct timespec partial_ts;
  char buf[MON_LOG_LINE_MAX];
};

void mon_split_init (struct mon_splitter *s);
/* Where to read the next bytes: *room bytes at the returned pointer (> 0). */
char *mon_split_space (struct mon_splitter *s, size_t *room);
/* N bytes were read into mon_split_space: emits every complete entry. */
void mon_split_commit (struct mon_splitter *s, size_t n, const struct timespec *now,
                       mon_emit_fn emit, void *ctx);
/* End of the stream: emits what is buffered as a partial entry. */
void mon_split_eof (struct mon_splitter *s, const struct timespec *now, mon_emit_fn emit,
                    void *ctx);

/* One json-file line: {"log":"...","stream":"stdout","time":"..."}\n with
 * the time in RFC3339Nano UTC (as Docker's jsonlog writes it). DST needs
 * MON_LOG_ENTRY_MAX(LEN) bytes. Returns the length. */
size_t mon_log_format_entry (char *dst, const char *stream, const char *data, size_t len,
                             bool newline, const struct timespec *ts);

/* "PATH.I" into DST (as Docker names rotated files); 0 when it does not fit. */
size_t mon_log_rotated_name (char *dst, size_t cap, const char *path, int i);

/* Moves the log files one step as Docker does: removes PATH.(max_file-1),
 * renames PATH.(i-1) to PATH.i down to PATH.1, then PATH to PATH.1; with
 * max_file < 2 removes PATH. Missing files are not errors. */
int mon_log_rotate_files (const char *path, int max_file, struct cd_err *err);

struct mon_log
{
  int fd;              /* O_APPEND; -1 when it could not be reopened */
  const char *path;
  int64_t size;        /* bytes in the current file, including what is buffered */
  int64_t max_size;    /* <= 0: never rotate */
  int max_file;
  char *out;           /* MON_LOG_OUT_CAP bytes */
  size_t out_len;
  uint64_t dropped;    /* bytes lost to write errors */
  int last_errno;
};

/* Opens PATH (O_WRONLY|O_APPEND|O_CREAT, 0640). */
int mon_log_open_file (const char *path, struct cd_err *err);
/* Takes FD (already open on PATH) for writing; allocates the buffer. */
int mon_log_init (struct mon_log *l, int fd, const char *path, int64_t max_size, int max_file,
                  struct cd_err *err);
/* Appends one entry, rotating first when the file has reached max_size. */
void mon_log_entry (struct mon_log *l, const char *stream, const char *data, size_t len,
                    bool newline, const struct timespec *ts);
/* Writes what is buffered; errors are counted in dropped and last_errno. */
void mon_log_flush (struct mon_log *l);
void mon_log_close (struct mon_log *l);

#endif
