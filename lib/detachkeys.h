/* Docker's detach key specs ("ctrl-p,ctrl-q", "a,ctrl-@"): term.ToBytes. */
#ifndef CD_DETACHKEYS_H
#define CD_DETACHKEYS_H

#include <stddef.h>

#include "err.h"

#define CD_DETACH_KEYS_MAX 16
#define CD_DETACH_KEYS_DEFAULT "ctrl-p,ctrl-q"

/* Parses spec into out (at most CD_DETACH_KEYS_MAX bytes), *n bytes. Each
 * comma-separated key is one character or ctrl-@, ctrl-a .. ctrl-z,
 * ctrl-[, ctrl-\, ctrl-], ctrl-^, ctrl-_. Error: "Unknown character: 'x'". */
int cd_detach_keys_parse (const char *spec, unsigned char *out, size_t *n, struct cd_err *err);

/* "16,17": the bytes in decimal, as the monitor and exec helper take them. */
void cd_detach_keys_format (const unsigned char *k, size_t n, char *buf, size_t cap);

#endif
