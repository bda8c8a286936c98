/* Schema and migrations, keyed by PRAGMA user_version. Append a migration,
 * never edit one that has shipped. */
#include <stddef.h>

#include "store/schema.h"

static const char *const migrations[] = {
  /* 1: the initial schema. */
  "CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);"
  "CREATE TABLE images ("
  "  id TEXT PRIMARY KEY,"            /* sha256:<hex> of the config */
  "  config TEXT NOT NULL,"           /* the image config JSON */
  "  top_chain_id TEXT,"              /* chain id of the last layer */
  "  size INTEGER NOT NULL DEFAULT 0,"
  "  created INTEGER NOT NULL DEFAULT 0,"
  "  loaded_at INTEGER NOT NULL DEFAULT 0,"
  "  parent TEXT NOT NULL DEFAULT '');"
  "CREATE TABLE image_tags ("
  "  ref TEXT PRIMARY KEY,"           /* docker.io/library/busybox:latest or ...@sha256: */
  "  image_id TEXT NOT NULL REFERENCES images(id) ON DELETE CASCADE,"
  "  kind TEXT NOT NULL DEFAULT 'tag');"
  "CREATE INDEX image_tags_image ON image_tags(image_id);"
  "CREATE TABLE layers ("
  "  chain_id TEXT PRIMARY KEY,"
  "  diff_id TEXT NOT NULL,"
  "  parent TEXT,"
  "  cache_id TEXT NOT NULL UNIQUE,"
  "  size INTEGER NOT NULL DEFAULT 0,"
  "  refcount INTEGER NOT NULL DEFAULT 0);"
  "CREATE TABLE image_layers ("
  "  image_id TEXT NOT NULL REFERENCES images(id) ON DELETE CASCADE,"
  "  idx INTEGER NOT NULL,"
  "  chain_id TEXT NOT NULL REFERENCES layers(chain_id),"
  "  PRIMARY KEY (image_id, idx));"
  "CREATE TABLE containers ("
  "  id TEXT PRIMARY KEY,"
  "  name TEXT NOT NULL UNIQUE,"
  "  image_id TEXT NOT NULL,"
  "  image_ref TEXT NOT NULL DEFAULT '',"
  "  state TEXT NOT NULL DEFAULT 'created',"
  "  config TEXT NOT NULL,"
  "  host_config TEXT NOT NULL,"
  "  state_json TEXT NOT NULL DEFAULT '{}',"
  "  created INTEGER NOT NULL,"
  "  restart_count INTEGER NOT NULL DEFAULT 0);"
  "CREATE INDEX containers_image ON containers(image_id);"
  "CREATE TABLE volumes ("
  "  name TEXT PRIMARY KEY,"
  "  driver TEXT NOT NULL DEFAULT 'local',"
  "  labels TEXT NOT NULL DEFAULT '{}',"
  "  options TEXT NOT NULL DEFAULT '{}',"
  "  anonymous INTEGER NOT NULL DEFAULT 0,"
  "  created INTEGER NOT NULL);"
  "CREATE TABLE networks ("
  "  id TEXT PRIMARY KEY,"
  "  name TEXT NOT NULL UNIQUE,"
  "  driver TEXT NOT NULL DEFAULT 'bridge',"
  "  config TEXT NOT NULL,"
  "  created INTEGER NOT NULL);"
  "CREATE TABLE ip_leases ("
  "  network_id TEXT NOT NULL REFERENCES networks(id) ON DELETE CASCADE,"
  "  address TEXT NOT NULL,"
  "  container_id TEXT NOT NULL,"
  "  PRIMARY KEY (network_id, address));"
  "CREATE TABLE events ("
  "  seq INTEGER PRIMARY KEY AUTOINCREMENT,"
  "  time_nano INTEGER NOT NULL,"
  "  type TEXT NOT NULL,"
  "  action TEXT NOT NULL,"
  "  actor_id TEXT NOT NULL,"
  "  attributes TEXT NOT NULL DEFAULT '{}',"
  "  scope TEXT NOT NULL DEFAULT 'local');"
  "CREATE INDEX events_time ON events(time_nano);",
  /* 2: volumes in use, the mount points of containers, copy-up done. */
  "ALTER TABLE volumes ADD COLUMN populated INTEGER NOT NULL DEFAULT 0;"
  "CREATE TABLE container_mounts ("
  "  container_id TEXT PRIMARY KEY,"
  "  mounts TEXT NOT NULL);"             /* JSON array of Docker MountPoints (daemon/ owns it) */
  "CREATE TABLE volume_refs ("
  "  volume TEXT NOT NULL,"
  "  container_id TEXT NOT NULL,"
  "  PRIMARY KEY (volume, container_id));"
  "CREATE INDEX volume_refs_ctr ON volume_refs(container_id);",
};

size_t
store_migration_count (void)
{
  return sizeof migrations / sizeof migrations[0];
}

const char *
store_migration (size_t i)
{
  return i < store_migration_count () ? migrations[i] : NULL;
}
