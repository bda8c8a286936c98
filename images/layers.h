/* The overlay2 layer store on disk, as Docker lays it out:
 *   <root>/overlay2/<cache-id>/{diff,link,lower,work}
 *   <root>/overlay2/l/<short> -> ../<cache-id>/diff
 * `link` holds the short name, `lower` the parents' "l/<short>" list, nearest
 * first, so a long lowerdir= option still fits in one page. */
#ifndef CD_IMG_LAYERS_H
#define CD_IMG_LAYERS_H

#include "err.h"
#include "sha256.h"

/* chain_id = diff_id for a base layer, else sha256(parent_chain + " " + diff_id). */
void img_chain_id (const char *parent_chain, const char *diff_id, char out[CD_DIGEST_LEN]);

/* A fresh private directory <root>/tmp/layer-XXXXXX with an empty diff/ inside
 * to extract into. *out malloc'd. */
int img_layer_tmp (const char *root, char **out, struct cd_err *err);
/* Moves a filled tmp dir into overlay2/ under a new cache ID, with its short
 * link and lower file (parent_cache NULL for a base layer). */
int img_layer_commit (const char *root, const char *tmpdir, const char *parent_cache,
                      char cache_id[65], struct cd_err *err);
/* Same with a chosen directory name (container layers: "<id>", "<id>-init"). */
int img_layer_commit_named (const char *root, const char *tmpdir, const char *parent_cache,
                            const char *name, struct cd_err *err);
/* Removes a layer's directory and short link. Missing is not an error. */
int img_layer_remove (const char *root, const char *cache_id, struct cd_err *err);
/* Takes a layer out of the store at once (its l/ link, then a rename of its
 * directory to dest on the same filesystem) for a later rm -rf of dest.
 * A missing layer is not an error. */
int img_layer_move_out (const char *root, const char *cache_id, const char *dest,
                        struct cd_err *err);
/* <root>/overlay2/<cache-id>/diff, malloc'd. */
char *img_layer_diff_path (const char *root, const char *cache_id);
/* The lowerdir= value for a layer and its parents, absolute paths, nearest
 * first ("<root>/overlay2/l/A:<root>/overlay2/l/B"). *out malloc'd. */
int img_layer_lowerdirs (const char *root, const char *cache_id, char **out, struct cd_err *err);
/* Random lowercase hex of n bytes (2n chars) into out. */
int img_random_hex (char *out, size_t nbytes);

#endif
