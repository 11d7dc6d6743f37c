"""Prints, as one JSON document, the media files a Django database references.

Run by `hostctl drill` with the release's Python, in the release directory, as:
    python media-references.py RESTORED_DB LIVE_DB
It reads the restored copy only: every database alias that names the live file, and "default", is pointed at
RESTORED_DB before Django sets up, and it refuses to query when "default" does not name RESTORED_DB then.
No model is known in advance: every concrete FileField (ImageField included, so Wagtail images, documents and
renditions) of every installed model is read with the model's base manager.
"""

import json
import os
import re
import sys


def settings_module():
    module = os.environ.get("DJANGO_SETTINGS_MODULE")
    if module:
        return module
    try:
        with open("manage.py", encoding="utf-8") as handle:
            found = re.search(r"""DJANGO_SETTINGS_MODULE["']\s*,\s*["']([\w.]+)["']""", handle.read())
    except OSError:
        found = None
    return found.group(1) if found else None


def same_file(a, b):
    try:
        return os.path.realpath(str(a)) == os.path.realpath(str(b))
    except (TypeError, ValueError):
        return False


def point_at(restored, live):
    from django.conf import settings

    for alias, config in settings.DATABASES.items():
        if alias == "default" or same_file(config.get("NAME", ""), live):
            config["NAME"] = restored


def file_fields(model):
    from django.db import models

    return [f for f in model._meta.concrete_fields if isinstance(f, models.FileField)]


def read_references(restored):
    from django.apps import apps
    from django.conf import settings
    from django.core.files.storage import FileSystemStorage
    from django.db import connections

    if not same_file(connections["default"].settings_dict["NAME"], restored):
        raise SystemExit("refusing: the default database is not the restored copy")
    media_root = os.path.realpath(str(settings.MEDIA_ROOT or ""))
    references, skipped, errors = {}, [], []
    for model in apps.get_models():
        if model._meta.proxy:
            continue
        for field in file_fields(model):
            where = "%s.%s" % (model._meta.label, field.name)
            storage = field.storage
            if not isinstance(storage, FileSystemStorage) or os.path.realpath(str(storage.location)) != media_root:
                skipped.append("%s (storage outside MEDIA_ROOT)" % where)
                continue
            try:
                names = (
                    model._base_manager.using("default")
                    .exclude(**{field.attname: ""})
                    .exclude(**{field.attname + "__isnull": True})
                    .values_list(field.attname, flat=True)
                    .iterator()
                )
                for name in names:
                    references.setdefault(str(name), where)
            except Exception as error:  # a table the restored copy does not have: reported, not fatal
                errors.append("%s: %s" % (where, str(error).splitlines()[0] if str(error) else type(error).__name__))
    return {"references": sorted(references.items()), "skipped": skipped, "errors": errors}


def main():
    if len(sys.argv) != 3:
        raise SystemExit("usage: media-references.py RESTORED_DB LIVE_DB")
    restored, live = sys.argv[1], sys.argv[2]
    sys.path.insert(0, os.getcwd())
    module = settings_module()
    if not module:
        raise SystemExit("no DJANGO_SETTINGS_MODULE in the environment or in manage.py")
    os.environ["DJANGO_SETTINGS_MODULE"] = module
    point_at(restored, live)
    import django

    django.setup()
    json.dump(read_references(restored), sys.stdout)


if __name__ == "__main__":
    main()
