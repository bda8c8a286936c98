/* The image store: content-addressed images over the overlay2 layer store,
 * with their metadata in SQLite. Thread-safe: commits and removals take one
 * lock; everything else reads the store. Knows no HTTP. */
#ifndef CD_IMAGES_H
#define CD_IMAGES_H

#include <pthread.h>
#include <stdbool.h>
#include <json-c/json.h>

#include "err.h"
#include "sha256.h"
#include "store/images.h"

struct img_store
{
  char *root;
  struct cd_store *db;
  pthread_mutex_t lock; /* serialises layer commits, tags and removals */
};

/* One layer ready to commit: extracted into tmpdir (or already present).
 * Beside diff/, tmpdir may hold the layer's original bytes as the tee of
 * images/save.h left them (layer.tar, or blob.data + blob); img_commit keeps
 * them as blobs so that save reproduces the layer exactly. */
struct img_new_layer
{
  char diff_id[CD_DIGEST_LEN];
  char *tmpdir;      /* extracted tree, NULL if the chain is already stored */
  int64_t size;
};

/* Progress/result messages in Docker's JSON stream shape ({"status":...},
 * {"stream":"Loaded image: x\n"}). The callback takes a reference. */
typedef void (*img_msg_fn) (void *ctx, json_object *msg);

int img_store_open (const char *root, struct cd_store *db, struct img_store **out,
                    struct cd_err *err);
void img_store_free (struct img_store *is);

/* Resolves a name ("busybox", "busybox:1", "docker.io/x/y@sha256:..", full ID,
 * unique ID prefix) to an image ID. -ENOENT: "No such image: NAME". */
int img_resolve (struct img_store *is, const char *name, char id[CD_DIGEST_LEN],
                 struct cd_err *err);

/* Commits an image: its config JSON (whose digest is its ID) and its layers,
 * base first. A tmpdir moved into overlay2 is set to NULL (freed); the caller
 * removes the ones left. Layers
 * already stored under the same chain ID are shared, not stored twice. Then
 * points each of refs (familiar or full names, NULL-terminated, may be NULL)
 * at it. *existed tells whether the image was there already. */
int img_commit (struct img_store *is, const char *config, size_t config_len,
                struct img_new_layer *layers, int nlayers, const char *const *refs,
                img_msg_fn msg, void *mctx, char id_out[CD_DIGEST_LEN], struct cd_err *err);

/* Loads a docker-save or OCI archive (plain or gzip) read from fd until EOF.
 * Messages go to msg (progress unless quiet, then "Loaded image: x"). */
int img_load (struct img_store *is, int fd, bool quiet, img_msg_fn msg, void *mctx,
              struct cd_err *err);

/* Tags image `name` as repo[:tag] (tag defaults to latest). */
int img_tag (struct img_store *is, const char *name, const char *repo, const char *tag,
             struct cd_err *err);
/* Docker's DELETE /images/{name}: untags, or deletes when the last tag goes or
 * when named by ID. Appends {"Untagged": ref} / {"Deleted": id} to *report
 * (a JSON array made here). -EBUSY (409) while a container uses it unless force. */
int img_remove (struct img_store *is, const char *name, bool force, bool noprune,
                json_object **report, struct cd_err *err);
/* Removes dangling images (all unused ones with all_unused). */
int img_prune (struct img_store *is, bool all_unused, json_object *filters,
               json_object **report, int64_t *reclaimed, struct cd_err *err);
/* Startup clean-up: overlay2 directories without a layer row, layers no
 * image uses. */
int img_gc (struct img_store *is, struct cd_err *err);

/* Full references of an image ("docker.io/library/busybox:latest"). */
int img_refs (struct img_store *is, const char *id, json_object **tags, json_object **digests,
              struct cd_err *err);
/* The familiar form of a stored full reference: "busybox:latest". malloc'd. */
char *img_familiar (const char *full_ref);

#endif
