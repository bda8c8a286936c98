/* tar-split: a layer's tar without its file contents.
 *
 * A layer's ID is the digest of its uncompressed tar, and a tar re-created
 * from the extracted files almost never has the original bytes.  So, like
 * Docker's tar-split, load and import keep, beside the layer's files,
 * everything of the tar stream but the regular files' data (headers, pax and
 * GNU extension records, padding, the end-of-archive blocks and whatever
 * follows them) verbatim, and for each regular file's data the path it was
 * extracted to.  Save rebuilds the exact stream from that and the files.
 *
 * The file, <layer dir>/tar-split, is a sequence of records (integers
 * little-endian) after the line "cdaemon tar-split 1\n":
 *   'R' u32 len, len bytes         bytes of the stream, verbatim
 *   'F' u64 size, u16 len, path    size bytes: the content of diff/<path>
 *   'E' u64 total                  the end; total = the stream's length
 * A file without its 'E' record is incomplete and not used. */
#ifndef CD_IMG_TARSPLIT_H
#define CD_IMG_TARSPLIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "err.h"

#define IMG_TS_NAME "tar-split"

/* ---- the streaming parser (pure: no I/O) ---------------------------------- */

/* One entry, as images/extract.c will apply it. */
struct img_tsp_entry
{
  const char *path;    /* cleaned as extract.c cleans names; NULL if it cannot be */
  const char *removes; /* what extracting it first removes: path, a whiteout's
                        * target, or NULL (the root, AUFS internals, bad names) */
  bool tree;           /* ... with everything beneath it (not a directory entry) */
  bool ref;            /* a regular file whose data is its content at path: the
                        * data goes to cb->data, not cb->raw */
  uint64_t size;       /* data bytes that follow its headers in the stream */
};

struct img_tsp_cb
{
  /* Stream bytes kept verbatim (every byte not given to data). */
  void (*raw) (void *ctx, const void *buf, size_t len);
  /* An entry whose headers are complete, before its data. */
  void (*entry) (void *ctx, const struct img_tsp_entry *e);
  /* Data of the last entry with ref set; pieces of the fed buffer. */
  void (*data) (void *ctx, const void *buf, size_t len);
};

struct img_tsp;

/* A parser calling cb with ctx; NULL when out of memory. */
struct img_tsp *img_tsp_new (const struct img_tsp_cb *cb, void *ctx);
/* Feeds the next len bytes of the uncompressed tar stream, split anywhere.
 * It mirrors libarchive's tar reader (pax path/size/linkpath, GNU long
 * names, ustar prefixes, base-256 sizes, old GNU sparse headers, damaged
 * blocks skipped, nothing parsed after the first zero block).  Data it cannot
 * vouch for (sparse files, hard links with data, odd types) stays raw. */
void img_tsp_feed (struct img_tsp *p, const void *buf, size_t len);
void img_tsp_free (struct img_tsp *p);

/* ---- records --------------------------------------------------------------- */

struct img_ts_writer;

/* Creates path (0600, truncated) and writes the file's first line. */
int img_ts_writer_open (const char *path, struct img_ts_writer **out);
/* Appends stream bytes (coalesced into 'R' records). */
int img_ts_write_raw (struct img_ts_writer *w, const void *buf, size_t len);
int img_ts_write_file (struct img_ts_writer *w, const char *path, uint64_t size);
/* Writes 'E' with the stream length counted so far, closes and frees.  With
 * ok false (or after an error) it only closes and frees.  Returns 0 or the
 * first error. */
int img_ts_writer_close (struct img_ts_writer *w, bool ok);

struct img_ts_reader;

struct img_ts_rec
{
  char type;     /* 'R', 'F' or 'E' */
  uint64_t size; /* R: its length; F: the file's size; E: the stream's length */
  char path[4096];
};

/* Opens a tar-split file (checks the first line).  -ENOENT if absent. */
int img_ts_reader_open (int dirfd, const char *name, struct img_ts_reader **out);
/* The next record; for 'R' read its bytes with img_ts_read_raw before the
 * next call.  0, or -EINVAL for a damaged file, -errno. */
int img_ts_next (struct img_ts_reader *r, struct img_ts_rec *rec);
/* Up to len bytes of the current 'R' record (0 when it is done). */
ssize_t img_ts_read_raw (struct img_ts_reader *r, void *buf, size_t len);
/* Back to the first record. */
int img_ts_rewind (struct img_ts_reader *r);
void img_ts_reader_free (struct img_ts_reader *r);

#endif
