/* Private to images/load*.c: the state of one archive being loaded. */
#ifndef CD_IMG_LOAD_H
#define CD_IMG_LOAD_H

#include <archive.h>
#include <stdbool.h>

#include "images/extract.h"
#include "images/images.h"

#define LOAD_CHUNK 65536

struct entry
{
  char *name;
  char *json;        /* JSON entries */
  size_t json_len;
  char *tmpdir;      /* extracted layer entries */
  struct img_extract_result res;
  char *link;        /* symlink / hard link entries: the archive path they point at */
};

struct load
{
  struct img_store *is;
  struct archive *a;
  struct entry *e;
  size_t n, cap;
  bool quiet;
  img_msg_fn msg;
  void *mctx;
  /* peeked first chunk of the current entry, replayed to the extractor */
  const void *peek;
  ssize_t peek_len;
  char buf[LOAD_CHUNK];
};

/* The entry for an archive path, following links; NULL when absent. */
struct entry *entry_find (struct load *l, const char *name);
/* After the archive is read: verify and commit every image it holds. */
int load_images (struct load *l, struct cd_err *err);

#endif
