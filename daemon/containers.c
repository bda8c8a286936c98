#include "daemon/containers.h"

#include <errno.h>
#include <pthread.h>
#include <sys/stat.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include "cleanup.h"
#include "daemon/ctr_lock.h"
#include "daemon/ctr_spec.h"
#include "daemon/vol_ctr.h"
#include "fsutil.h"
#include "images/ctrlayer.h"
#include "images/images.h"
#include "images/layers.h"
#include "log.h"
#include "store/containers.h"

static json_object *
get (json_object *o, const char *k)
{
  json_object *v = NULL;
  if (o)
    json_object_object_get_ex (o, k, &v);
  return v;
}

static char *
ctr_dir (struct cd_daemon *d, const char *id)
{
  char *p = NULL;
  return asprintf (&p, "%s/containers/%s", d->cfg.root, id) < 0 ? NULL : p;
}

/* resolv.conf: the host's nameservers minus loopback ones (which would point
 * into the container itself), as Docker does. */
static char *
resolv_conf (void)
{
  cleanup_free char *host = NULL;
  struct cd_err ignore;
  if (cd_read_file ("/etc/resolv.conf", &host, NULL, &ignore) < 0)
    return strdup ("");
  size_t cap = strlen (host) + 1, n = 0;
  char *out = calloc (1, cap);
  for (char *save = NULL, *line = strtok_r (host, "\n", &save); line && out;
       line = strtok_r (NULL, "\n", &save))
    {
      if (strncmp (line, "nameserver", 10) == 0
          && (strstr (line, " 127.") || strstr (line, " ::1")))
        continue;
      n += (size_t) snprintf (out + n, cap - n, "%s\n", line);
    }
  return out;
}

/* /etc/hostname, /etc/hosts and /etc/resolv.conf of the container, written at
 * every start as Docker does (edits inside the container last one run). */
int
ctr_write_files (struct cd_daemon *d, const char *id, const char *hostname, struct cd_err *err)
{
  cleanup_free char *dir = ctr_dir (d, id);
  int r = cd_mkdir_p (dir, 0710, err);
  if (r < 0)
    return r;
  char path[4200], buf[1024];
  snprintf (path, sizeof path, "%s/hostname", dir);
  snprintf (buf, sizeof buf, "%s\n", hostname);
  if ((r = cd_write_file_replace (path, buf, strlen (buf), 0644, err)) < 0)
    return r;
  snprintf (path, sizeof path, "%s/hosts", dir);
  snprintf (buf, sizeof buf, "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n"
            "fe00::0\tip6-localnet\nff00::0\tip6-mcastprefix\nff02::1\tip6-allnodes\n"
            "ff02::2\tip6-allrouters\n");
  if ((r = cd_write_file_replace (path, buf, strlen (buf), 0644, err)) < 0)
    return r;
  cleanup_free char *rc = resolv_conf ();
  snprintf (path, sizeof path, "%s/resolv.conf", dir);
  return cd_write_file_replace (path, rc ? rc : "", rc ? strlen (rc) : 0, 0644, err);
}

static json_object *
initial_state (void)
{
  json_object *s = json_object_new_object ();
  json_object_object_add (s, "Status", json_object_new_string ("created"));
  json_object_object_add (s, "Pid", json_object_new_int (0));
  json_object_object_add (s, "ExitCode", json_object_new_int (0));
  json_object_object_add (s, "Error", json_object_new_string (""));
  json_object_object_add (s, "OOMKilled", json_object_new_boolean (0));
  json_object_object_add (s, "StartedAt", json_object_new_string ("0001-01-01T00:00:00Z"));
  json_object_object_add (s, "FinishedAt", json_object_new_string ("0001-01-01T00:00:00Z"));
  return s;
}

/* Parses the image config and builds the merged spec. */
static int
spec_for (struct cd_daemon *d, json_object *body, char image_id[CD_DIGEST_LEN],
          struct ctr_spec *spec, struct cd_err *err)
{
  const char *image = json_object_get_string (get (body, "Image"));
  if (image == NULL || *image == '\0')
    return cd_err_set (err, EINVAL, "Config cannot be empty in order to create a container");
  int r = img_resolve (d->images, image, image_id, err);
  if (r < 0)
    return r;
  struct store_image img = { 0 };
  if ((r = store_image_get (d->store, image_id, &img, err)) < 0)
    return r == -ENOENT ? cd_err_set (err, ENOENT, "No such image: %s", image) : r;
  json_object *icfg = json_tokener_parse (img.config);
  store_image_clear (&img);
  r = ctr_spec_build (body, icfg, spec, err);
  json_object_put (icfg);
  return r;
}

static int
insert_row (struct cd_daemon *d, const char *id, const char *name, const char *image_id,
            json_object *body, struct ctr_spec *spec, struct cd_err *err)
{
  json_object *state = initial_state ();
  struct store_container c = {
    .name = (char *) name, .image_id = (char *) image_id,
    .image_ref = (char *) json_object_get_string (get (body, "Image")), .state = "created",
    .config = (char *) json_object_to_json_string_ext (spec->config, JSON_C_TO_STRING_PLAIN),
    .host_config = (char *) json_object_to_json_string_ext (spec->host_config,
                                                             JSON_C_TO_STRING_PLAIN),
    .state_json = (char *) json_object_to_json_string_ext (state, JSON_C_TO_STRING_PLAIN),
    .created = cd_now_nano (),
    .auto_remove = json_object_get_boolean (get (spec->host_config, "AutoRemove")),
  };
  snprintf (c.id, sizeof c.id, "%s", id);
  int r = store_container_add (d->store, &c, err);
  json_object_put (state);
  return r;
}

/* A generated name nobody uses, as Docker picks it: adjective_surname, then
 * with a digit appended on the next tries, then the short ID. */
static void
unused_name (struct cd_daemon *d, const char *id, char *buf, size_t len)
{
  for (int i = 0; i < 6; i++)
    {
      ctr_random_name (buf, len);
      if (i > 0)
        {
          unsigned char digit = 0;
          if (getrandom (&digit, 1, 0) != 1)
            digit = (unsigned char) i;
          size_t n = strlen (buf);
          snprintf (buf + n, len - n, "%d", digit % 10);
        }
      struct store_container c;
      struct cd_err ignore;
      int r = store_container_find (d->store, buf, &c, &ignore);
      store_container_clear (&c);
      if (r == -ENOENT)
        return;
    }
  snprintf (buf, len, "%.12s", id);
}

int
ctr_create (struct cd_daemon *d, json_object *body, const char *name, char id_out[65],
            json_object **warnings, struct cd_err *err)
{
  char image_id[CD_DIGEST_LEN], id[65], rname[64];
  struct ctr_spec spec;
  if (name && *name && !ctr_name_valid (name))
    return cd_err_set (err, EINVAL, "Invalid container name (%s), only [a-zA-Z0-9][a-zA-Z0-9_.-]"
                       " are allowed", name);
  int r = spec_for (d, body, image_id, &spec, err);
  if (r < 0)
    return r;
  if (img_random_hex (id, 32) < 0)
    {
      ctr_spec_free (&spec);
      return cd_err_set (err, EIO, "getrandom failed");
    }
  if (name == NULL || *name == '\0')
    unused_name (d, id, rname, sizeof rname);
  else
    snprintf (rname, sizeof rname, "%s", name[0] == '/' ? name + 1 : name);
  const char *hn = json_object_get_string (get (spec.config, "Hostname"));
  char shortid[13];
  snprintf (shortid, sizeof shortid, "%.12s", id);
  if (hn == NULL || *hn == '\0')
    json_object_object_add (spec.config, "Hostname", json_object_new_string (shortid));
  r = img_ctr_layer_create (d->images, image_id, id, err);
  cleanup_free char *cdir = r == 0 ? ctr_dir (d, id) : NULL;
  if (r == 0)
    r = cdir ? cd_mkdir_p (cdir, 0710, err) : cd_err_set (err, ENOMEM, "out of memory");
  bool mounts = false;
  if (r == 0)
    mounts = (r = vol_ctr_create (d, id, spec.config, spec.host_config, err)) == 0;
  if (r == 0)
    r = insert_row (d, id, rname, image_id, body, &spec, err);
  if (r < 0)
    {
      /* Leave nothing behind: layers, the container directory, volumes. */
      struct cd_err ignore;
      if (mounts)
        vol_ctr_remove (d, id, true);
      cleanup_free char *dir = ctr_dir (d, id);
      img_ctr_layer_remove (d->images, id, &ignore);
      if (dir)
        cd_rm_rf (dir, &ignore);
    }
  else
    {
      memcpy (id_out, id, 65);
      *warnings = json_object_get (spec.warnings);
    }
  ctr_spec_free (&spec);
  return r;
}

int
ctr_rename (struct cd_daemon *d, const char *ref, const char *name, struct cd_err *err)
{
  if (name == NULL || !ctr_name_valid (name))
    return cd_err_set (err, EINVAL, "Invalid container name (%s), only [a-zA-Z0-9][a-zA-Z0-9_.-]"
                       " are allowed", name ? name : "");
  struct store_container c;
  int r = store_container_find (d->store, ref, &c, err);
  if (r < 0)
    return r;
  if (strcmp (c.name, name[0] == '/' ? name + 1 : name) == 0)
    r = cd_err_set (err, EINVAL, "Renaming a container with the same name as its current name");
  else
    r = store_container_rename (d->store, c.id, name[0] == '/' ? name + 1 : name, err);
  store_container_clear (&c);
  return r;
}

static void *
rm_rf_thread (void *arg)
{
  struct cd_err err;
  if (cd_rm_rf (arg, &err) < 0)
    log_warn ("removing %s: %s", (char *) arg, err.msg);
  free (arg);
  return NULL;
}

/* The container's layers and directory leave their places at once (renames
 * into <root>/tmp/rm-<id>) and are deleted by a background thread, so a
 * removal answers without waiting for the disk; what a crash interrupts is
 * in tmp/, emptied at the next start. Falls back to deleting in place. */
static void
remove_files (struct cd_daemon *d, const char *id)
{
  struct cd_err ignore;
  cleanup_free char *dir = ctr_dir (d, id);
  char trash[4200], dest[4300], init[80];
  snprintf (trash, sizeof trash, "%s/tmp/rm-%s", d->cfg.root, id);
  snprintf (init, sizeof init, "%s-init", id);
  bool moved = mkdir (trash, 0700) == 0;
  if (moved)
    {
      snprintf (dest, sizeof dest, "%s/layer", trash);
      moved = img_layer_move_out (d->cfg.root, id, dest, &ignore) == 0;
      snprintf (dest, sizeof dest, "%s/init", trash);
      moved = moved && img_layer_move_out (d->cfg.root, init, dest, &ignore) == 0;
      snprintf (dest, sizeof dest, "%s/ctr", trash);
      moved = moved && dir && (rename (dir, dest) == 0 || errno == ENOENT);
    }
  char *path = moved ? strdup (trash) : NULL;
  pthread_t t;
  pthread_attr_t attr;
  pthread_attr_init (&attr);
  pthread_attr_setdetachstate (&attr, PTHREAD_CREATE_DETACHED);
  if (path && pthread_create (&t, &attr, rm_rf_thread, path) == 0)
    path = NULL;
  else
    {
      free (path);
      img_ctr_layer_remove (d->images, id, &ignore);
      if (dir)
        cd_rm_rf (dir, &ignore);
      cd_rm_rf (trash, &ignore);
    }
  pthread_attr_destroy (&attr);
}

static int
ctr_remove_locked (struct cd_daemon *d, const char *ref, bool force, int volumes,
                   char id_out[65], struct cd_err *err)
{
  struct store_container c;
  int r = store_container_find (d->store, ref, &c, err);
  if (r < 0)
    return r;
  if (!force && (strcmp (c.state, "running") == 0 || strcmp (c.state, "paused") == 0
                 || strcmp (c.state, "restarting") == 0))
    {
      r = cd_err_set (err, EBUSY, "You cannot remove a %s container %s. Stop the container before"
                      " attempting removal or force remove", c.state, c.id);
      store_container_clear (&c);
      return r;
    }
  /* Row first: a crash after it leaves only files, which start-up GC removes. */
  json_object *hc = json_tokener_parse (c.host_config);
  bool auto_remove = json_object_get_boolean (get (hc, "AutoRemove"));
  json_object_put (hc);
  r = auto_remove ? store_container_drop (d->store, c.id, err)
                  : store_container_delete (d->store, c.id, err);
  if (r == 0)
    {
      if (volumes < 0)
        {
          /* --rm takes the anonymous volumes along, as Docker does */
          json_object *hc = json_tokener_parse (c.host_config);
          volumes = json_object_get_boolean (get (hc, "AutoRemove"));
          json_object_put (hc);
        }
      vol_ctr_remove (d, c.id, volumes > 0);
      remove_files (d, c.id);
      /* and its bundle in exec-root (the monitor is gone or past its exit) */
      struct cd_err ignore;
      cleanup_free char *bundle = cd_path_join (d->cfg.exec_root, "containers");
      cleanup_free char *bdir = bundle ? cd_path_join (bundle, c.id) : NULL;
      if (bdir)
        cd_rm_rf (bdir, &ignore);
      memcpy (id_out, c.id, 65);
    }
  store_container_clear (&c);
  return r;
}

int
ctr_remove_v (struct cd_daemon *d, const char *ref, bool force, int volumes, char id_out[65],
              struct cd_err *err)
{
  char id[65];
  int r = ctr_lock_ref (d, ref, id, err);
  if (r < 0)
    return r;
  r = ctr_remove_locked (d, id, force, volumes, id_out, err);
  ctr_unlock (d, id);
  return r;
}

int
ctr_remove (struct cd_daemon *d, const char *ref, bool force, char id_out[65],
            struct cd_err *err)
{
  return ctr_remove_v (d, ref, force, -1, id_out, err);
}
