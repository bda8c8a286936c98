#ifndef CD_SHA256_H
#define CD_SHA256_H

#include <stddef.h>

/* "sha256:" + 64 hex + NUL */
#define CD_DIGEST_LEN 72

struct cd_sha256;

struct cd_sha256 *cd_sha256_new (void);
void cd_sha256_update (struct cd_sha256 *h, const void *data, size_t len);
/* Writes "sha256:<hex>" to out (CD_DIGEST_LEN bytes) and frees h. */
void cd_sha256_final (struct cd_sha256 *h, char out[CD_DIGEST_LEN]);
void cd_sha256_free (struct cd_sha256 *h);
/* One-shot digest of a buffer, "sha256:<hex>". */
void cd_sha256_digest (const void *data, size_t len, char out[CD_DIGEST_LEN]);
/* True when s is "sha256:" followed by exactly 64 lowercase hex digits. */
int cd_digest_valid (const char *s);

#endif
