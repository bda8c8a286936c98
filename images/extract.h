/* Safe, verified extraction of one image layer (a possibly compressed tar)
 * into an overlay2 `diff` directory. */
#ifndef CD_IMG_EXTRACT_H
#define CD_IMG_EXTRACT_H

#include <stdint.h>
#include <sys/types.h>

#include "err.h"
#include "sha256.h"

/* Pulls the next chunk of the (possibly compressed) layer stream: points *buf
 * at it and returns its length, 0 at EOF, or a negative errno.  The chunk must
 * stay valid until the next call. */
typedef ssize_t (*img_read_fn) (void *ctx, const void **buf);

struct img_extract_result
{
  char diff_id[CD_DIGEST_LEN];           /* sha256 of the UNCOMPRESSED tar stream */
  char compressed_digest[CD_DIGEST_LEN]; /* sha256 of the raw bytes as read */
  uint64_t size;                         /* sum of regular file sizes (Docker's layer Size) */
  uint64_t tar_size;                     /* uncompressed tar bytes */
};

/* Extracts the layer read through read/rctx into dest, an existing empty
 * directory (else -ENOTEMPTY, nothing touched).  Compression (none, gzip,
 * bzip2, xz, zstd; once, as in Docker) is detected.
 *
 * Entry names are cleaned lexically ("./x", "/x" and "x" are the same entry);
 * a name or hard link target that leaves the layer, and anything that would
 * be created through a symlink, is refused with the entry named.  Symlink
 * targets are stored as data and never followed.  AUFS whiteouts become
 * overlay whiteouts (`.wh.x` -> 0/0 char device `x`, `.wh..wh..opq` ->
 * trusted.overlay.opaque=y on the directory); other `.wh..wh.*` are skipped.
 * Numeric ownership, modes, times, devices and the xattrs user.*,
 * security.capability and system.posix_acl_* are kept; other xattrs in the
 * tar (trusted.*, security.selinux, ...) are ignored.
 *
 * want_diff_id may be NULL; if given and the digest of the uncompressed
 * stream differs, fails with -EINVAL "layer digest mismatch: expected X,
 * got Y".  On any failure the contents of dest are removed (dest itself is
 * left for the caller).  res may be NULL.  Thread-safe (no chdir, no umask
 * or process-wide locale changes). */
int img_extract_layer (img_read_fn read, void *rctx, const char *dest, const char *want_diff_id,
                       struct img_extract_result *res, struct cd_err *err);

/* Sees the uncompressed tar stream: every chunk, in order, once (what
 * follows the end-of-archive included).  Called as libarchive asks for the
 * chunk, before it parses any byte of it; so when it runs, every entry whose
 * headers end before buf has been handed to the writer (a regular file's
 * node exists in dest, its data possibly still being written), and no entry
 * whose headers reach into buf has.  images/tarsplit.c relies on this. */
typedef void (*img_tap_fn) (void *ctx, const void *buf, size_t len);

/* img_extract_layer with a tap (NULL: none) on the uncompressed stream. */
int img_extract_layer_tap (img_read_fn read, void *rctx, const char *dest,
                           const char *want_diff_id, img_tap_fn tap, void *tap_ctx,
                           struct img_extract_result *res, struct cd_err *err);

/* Same, reading the layer from fd (not closed) until EOF. */
int img_extract_layer_fd (int fd, const char *dest, const char *want_diff_id,
                          struct img_extract_result *res, struct cd_err *err);

#endif
