/* docker import: a rootfs tarball becomes a one-layer image, its config
 * built from Dockerfile-style change lines.  Knows no HTTP. */
#ifndef CD_IMG_IMPORT_H
#define CD_IMG_IMPORT_H

#include <json-c/json.h>

#include "images/images.h"

/* Reads a rootfs tarball (plain, gzip, bzip2, xz or zstd) from fd until EOF
 * and stores it as a one-layer image (architecture amd64, os linux, PATH in
 * Env) with changes (a JSON array of strings, or NULL) applied; message
 * (NULL or "": "Imported from -") is its comment.  ref (NULL: none) is
 * tagged.  The tar is kept as a blob, so a later save has the same ID. */
int img_import (struct img_store *is, int fd, const char *ref, json_object *changes,
                const char *message, char id_out[CD_DIGEST_LEN], struct cd_err *err);

/* ---- the change-line parser (pure: no I/O) ---- */

/* A container config as Docker writes it (Hostname ... Labels, all empty)
 * with the default PATH in Env.  New reference. */
json_object *img_import_base_config (void);

/* Applies one change line to config (Docker's container config object:
 * Cmd, Entrypoint, Env, WorkingDir, User, ExposedPorts, Labels, Volumes,
 * StopSignal, OnBuild).  Dockerfile syntax: JSON (exec) or shell form for
 * CMD/ENTRYPOINT, `ENV k=v ...` or legacy `ENV k v`, quotes and $VAR
 * expansion from Env.  Blank lines and comments are ignored.  -EINVAL with
 * Docker's message ("dockerfile parse error line 1: unknown instruction:
 * FROB", "run is not a valid change command") naming lineno. */
int img_change_apply (json_object *config, const char *line, int lineno, struct cd_err *err);

/* Applies every entry of changes (an array of strings, each possibly holding
 * several lines; NULL: none), numbering lines from 1 across them. */
int img_changes_apply (json_object *config, json_object *changes, struct cd_err *err);

#endif
