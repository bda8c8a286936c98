/* docker save: images as a docker-save tar, and the layer bytes that let
 * save write every layer back bit for bit.  Knows no HTTP.
 *
 * Why: an image ID is the digest of its config, which lists the digests of
 * the layer tars (diff_ids).  A tar re-created from the extracted tree almost
 * never has the original bytes (entry order, header fields, pax records), so
 * save could not reproduce the ID.  Load and import therefore record, while
 * the layer streams, its tar-split (images/tarsplit.h): the uncompressed tar
 * without its files' contents, overlay2/<cache-id>/tar-split.  Save rebuilds
 * the exact tar from it and the layer's files, whatever compression the
 * layer came in.  A layer without one (stored by an older cdaemon, or whose
 * files no longer match) is read from blobs/sha256/<diff_id hex> if an older
 * cdaemon kept the whole tar there, else re-tarred from its diff directory;
 * if that tar's digest differs, the saved config gets the new diff_ids and
 * so the saved image a new ID (logged). */
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

/* ---- recording a layer's tar-split (load, import) ---- */

struct img_tsrec;

/* Starts recording the tar-split of the layer about to be extracted into
 * <layer_dir>/diff; NULL (logged) if it cannot, which costs only the
 * tar-split.  Pass img_tsrec_tap and the recorder to img_extract_layer_tap. */
struct img_tsrec *img_tsrec_new (const char *layer_dir);
void img_tsrec_tap (void *rec, const void *buf, size_t len);
/* After the extraction (ok: it succeeded): leaves <layer_dir>/tar-split, or
 * nothing (logged).  A file whose data a later entry of the layer replaced
 * (a duplicated path, a whiteout or a directory replaced in the same layer)
 * keeps its data inside the tar-split.  Frees rec (NULL is a no-op). */
void img_tsrec_finish (struct img_tsrec *rec, bool ok);

/* In img_commit, lock held, when the chain was stored already: the stored
 * layer (overlay2/<cache_id>) takes tmpdir's tar-split if it has none (the
 * same diff_id: the same tar, the same files). */
void img_tarsplit_adopt (const char *root, const char *tmpdir, const char *cache_id);

/* ---- reading a layer's tar back (save) ---- */

struct img_layer_src;

/* The layer's original tar: from its tar-split (every file it names checked
 * to be there with its recorded size), else from a whole tar an older
 * cdaemon kept.  *size is the tar's length.  -ENOENT when it has neither. */
int img_layer_src_open (struct img_store *is, const struct store_layer *l,
                        struct img_layer_src **out, int64_t *size);
/* The same from <layer_dir>/tar-split and <layer_dir>/diff; -ENOENT without
 * a tar-split, -ESTALE (err says which) when a file does not match. */
int img_tarsplit_src_open (const char *layer_dir, struct img_layer_src **out, int64_t *size,
                           struct cd_err *err);
/* A whole tar in fd (taken over), e.g. a re-created one. */
struct img_layer_src *img_layer_src_fd (int fd);
/* The next bytes (0 at the end), or a negative errno with err set. */
ssize_t img_layer_src_read (struct img_layer_src *s, void *buf, size_t len, struct cd_err *err);
/* Back to the first byte. */
int img_layer_src_rewind (struct img_layer_src *s, struct cd_err *err);
void img_layer_src_close (struct img_layer_src *s);

/* When layer l goes, lock held, before its directory (and so its tar-split)
 * is removed: deletes the whole tar an older cdaemon kept for it, unless
 * another layer with the same diff_id still uses it. */
void img_blob_drop (struct img_store *is, const struct store_layer *l);

/* Re-creates a layer tar from its diff directory into fd (save's fallback):
 * sorted names, numeric owners, mtimes kept, overlay whiteouts turned back
 * into .wh. files.  Fills diff_id and *size. */
int img_retar_diff (const char *diff_dir, int fd, char diff_id[CD_DIGEST_LEN], int64_t *size,
                    struct cd_err *err);

#endif
