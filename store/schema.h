#ifndef CD_STORE_SCHEMA_H
#define CD_STORE_SCHEMA_H

#include <stddef.h>

/* Migration i brings the schema from user_version i to i+1. */
size_t store_migration_count (void);
const char *store_migration (size_t i);

#endif
