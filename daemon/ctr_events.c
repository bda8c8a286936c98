#include "daemon/ctr_events.h"

#include "daemon/events.h"

json_object *
ctr_event_attrs (const struct store_container *c)
{
  json_object *attrs = json_object_new_object ();
  json_object *cfg = c->config ? json_tokener_parse (c->config) : NULL, *labels;
  if (cfg && json_object_object_get_ex (cfg, "Labels", &labels) && labels)
    {
      json_object_object_foreach (labels, k, v)
        json_object_object_add (attrs, k, json_object_get (v));
    }
  json_object_put (cfg);
  json_object_object_add (attrs, "image", json_object_new_string (c->image_ref));
  json_object_object_add (attrs, "name", json_object_new_string (c->name));
  return attrs;
}

void
ctr_emit (struct cd_daemon *d, const char *action, const char *id, json_object *extra)
{
  struct store_container c;
  struct cd_err err;
  json_object *attrs = NULL;
  if (store_container_find (d->store, id, &c, &err) == 0)
    {
      attrs = ctr_event_attrs (&c);
      store_container_clear (&c);
    }
  else
    attrs = json_object_new_object ();
  if (extra)
    {
      json_object_object_foreach (extra, k, v)
        json_object_object_add (attrs, k, json_object_get (v));
    }
  ev_emit (d, "container", action, id, attrs);
  json_object_put (attrs);
}

void
ctr_emit_kv (struct cd_daemon *d, const char *action, const char *id, const char *key,
             const char *value)
{
  json_object *extra = json_object_new_object ();
  json_object_object_add (extra, key, json_object_new_string (value));
  ctr_emit (d, action, id, extra);
  json_object_put (extra);
}
