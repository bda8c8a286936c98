/* Docker image references: parsing and normalisation as
 * github.com/distribution/reference does it (ParseNormalizedNamed and
 * TagNameOnly), plus the familiar forms that `docker images` shows. */
#ifndef CD_IMAGES_REFERENCE_H
#define CD_IMAGES_REFERENCE_H

#include "err.h"

/* Longest repository name, domain included ("docker.io/library/busybox"). */
#define IMG_REF_NAME_MAX 255
/* Longest tag. */
#define IMG_REF_TAG_MAX 128

#define IMG_REF_DEFAULT_DOMAIN "docker.io"
#define IMG_REF_DEFAULT_TAG "latest"

struct img_ref {
  char *domain; /* "docker.io", "localhost:5000", "registry.example.com" */
  char *path;   /* "library/busybox", "myorg/app/sub" */
  char *tag;    /* "latest" or NULL when a digest is given without a tag */
  char *digest; /* "sha256:<64hex>" or NULL */
};

/* Parses and normalises like Docker's ParseNormalizedNamed + TagNameOnly:
 * "busybox" -> docker.io/library/busybox:latest; "user/app" ->
 * docker.io/user/app:latest; "localhost:5000/app:v1"; "busybox@sha256:..."
 * (tag stays NULL); "busybox:1@sha256:..." keeps both.
 * Returns 0, or -EINVAL (-ENOMEM) with Docker's message in err; *out is
 * zeroed on entry and stays zeroed on failure. */
int img_ref_parse (const char *s, struct img_ref *out, struct cd_err *err);
/* Like img_ref_parse but leaves tag NULL when absent (for filters such as
 * "docker images busybox"). */
int img_ref_parse_name (const char *s, struct img_ref *out, struct cd_err *err);
/* Frees the strings and zeroes *r; safe on a zeroed or already freed ref. */
void img_ref_free (struct img_ref *r);

/* malloc'd strings, NULL on ENOMEM: */
/* "docker.io/library/busybox:latest", "...busybox@sha256:..." */
char *img_ref_string (const struct img_ref *r);
/* "busybox:latest", "user/app:v1", "localhost:5000/app:v1" (RepoTags form) */
char *img_ref_familiar (const struct img_ref *r);
/* "busybox", "user/app", "localhost:5000/app": no tag, no digest */
char *img_ref_repo_familiar (const struct img_ref *r);

/* True if s looks like a (possibly "sha256:"-prefixed) image ID or ID
 * prefix: 1 to 64 lowercase hex digits. */
int img_ref_is_id_prefix (const char *s);

#endif
