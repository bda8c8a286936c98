/* Shared between the files of images/ only. */
#ifndef CD_IMAGES_INTERNAL_H
#define CD_IMAGES_INTERNAL_H

#include "images/images.h"

/* img_gc with is->lock already held. */
int img_gc_locked (struct img_store *is, struct cd_err *err);

#endif
