/* A container's own layers on top of its image: <id>-init (the mount points
 * and files the engine bind-mounts over: /etc/hosts, /etc/hostname,
 * /etc/resolv.conf, /dev, /proc, /sys) and <id> (the writable upper dir). */
#ifndef CD_IMG_CTRLAYER_H
#define CD_IMG_CTRLAYER_H

#include "images/images.h"

int img_ctr_layer_create (struct img_store *is, const char *image_id, const char *ctr_id,
                          struct cd_err *err);
int img_ctr_layer_remove (struct img_store *is, const char *ctr_id, struct cd_err *err);
/* The overlay options for the container's rootfs (malloc'd strings). */
struct img_ctr_dirs
{
  char *lowerdir, *upperdir, *workdir, *merged;
};
int img_ctr_layer_dirs (struct img_store *is, const char *ctr_id, struct img_ctr_dirs *out,
                        struct cd_err *err);
void img_ctr_dirs_free (struct img_ctr_dirs *d);

/* Whether overlay2/<name> is a container's layer: "<id>-init", or "<id>"
 * beside an "<id>-init" (made first, removed last). id (may be NULL) gets
 * the container ID. */
bool img_ctr_layer_name (const char *root, const char *name, char id[65]);
/* Start-up: moves the layers of containers that have no row (a crash
 * between making the layers and the row, or between the row's removal and
 * the layers') into trash (a directory on the same file system, deleted
 * later), their l/ links removed. Run before any create can be in flight. */
int img_ctr_layer_gc (struct img_store *is, const char *trash, struct cd_err *err);

#endif
