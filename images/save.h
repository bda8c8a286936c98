/* docker save: images as a docker-save tar, and the layer blobs that let
 * save write every layer back bit for bit.  Knows no HTTP.
 *
 * Why blobs: an image ID is the digest of its config, which lists the
 * digests of the layer tars (diff_ids).  A tar re-created from the extracted
 * tree almost never has the original bytes (entry order, header fields, pax
 * records), so save could not reproduce the ID.  Load and import therefore
 * keep the layer as it came:
 *   - an uncompressed tar as blobs/sha256/<diff_id hex>;
 *   - a compressed one (OCI .tar+gzip, a gzip'd rootfs) as
 *     blobs/sha256/<compressed digest hex>, named by the small file
 *     overlay2/<cache-id>/blob: "<digest>\n<uncompressed size>\n".
 * Save decompresses the latter on the fly; both give the diff_id exactly.
 * A layer with neither (stored before blobs were kept) is re-tarred from its
 * diff directory; if that tar's digest differs, the saved config gets the new
 * diff_ids and so the saved image a new ID (logged). */
#ifndef CD_IMG_SAVE_H
#define CD_IMG_SAVE_H

#include <stdbool.h>

#include "images/extract.h"
#include "images/images.h"

/* Writes the images named to fd (not closed) as one uncompressed docker-save
 * tar: <config hex>.json (the stored bytes), <v1 id>/{VERSION,json,layer.tar}
 * per layer, manifest.json and repositories.  Names resolve as Docker's save
 * does: "repo:tag" and "repo@digest" name one image, a bare "repo" every tag
 * of that repository, an ID or ID prefix the image without tags.  Errors
 * before the first byte leave fd untouched; a later failure leaves the tar
 * without its end marker so no reader takes it for complete. */
int img_save (struct img_store *is, const char *const *names, int n, int fd, struct cd_err *err);

/* Checks, without writing, that every name resolves as img_save would
 * resolve it: -ENOENT "No such image: NAME" otherwise. */
int img_save_check (struct img_store *is, const char *const *names, int n, struct cd_err *err);

/* ---- layer blobs ---- */

/* <root>/blobs/sha256/<hex> for "sha256:<hex>", malloc'd.  -EINVAL for a
 * malformed digest, -ENOMEM. */
int img_blob_path (struct img_store *is, const char *digest, char **out);

/* The tee of load and import.  While a layer is extracted into <tmpdir>/diff
 * its raw bytes go to the fd img_blob_tee_open returns (<tmpdir>/layer.tar,
 * -1 if it cannot be created); img_blob_tee_write appends (on failure it
 * closes *fd, sets it to -1 and drops the file); after a successful
 * extraction img_blob_tee_done (closes *fd) leaves the bytes as img_commit
 * expects them: <tmpdir>/layer.tar when uncompressed, else <tmpdir>/blob.data
 * and the note <tmpdir>/blob.  Best effort: a failure costs only the blob. */
int img_blob_tee_open (const char *tmpdir);
void img_blob_tee_write (int *fd, const char *tmpdir, const void *buf, size_t len);
void img_blob_tee_done (int *fd, const char *tmpdir, const struct img_extract_result *res);

/* In img_commit, lock held: moves what the tee left in tmpdir into blobs/.
 * cache_id is the layer's overlay2 directory when the chain was stored
 * already (its blob is then only added if it has none), NULL for a new layer
 * (call before img_layer_commit: the note moves along with tmpdir). */
void img_blob_keep (struct img_store *is, const char *tmpdir, const char *diff_id,
                    const char *cache_id);
/* When layer l goes, lock held, before its directory is removed: deletes its
 * blobs unless another layer still uses them. */
void img_blob_drop (struct img_store *is, const struct store_layer *l);

/* The layer's kept bytes, opened for reading: *compressed tells whether they
 * need decompressing, *tar_size is the uncompressed size (-1 if unknown).
 * -ENOENT when the layer has no blob. */
int img_blob_open (struct img_store *is, const struct store_layer *l, int *fd, bool *compressed,
                   int64_t *tar_size);

/* Re-creates a layer tar from its diff directory into fd (save's fallback):
 * sorted names, numeric owners, mtimes kept, overlay whiteouts turned back
 * into .wh. files.  Fills diff_id and *size. */
int img_retar_diff (const char *diff_dir, int fd, char diff_id[CD_DIGEST_LEN], int64_t *size,
                    struct cd_err *err);

#endif
