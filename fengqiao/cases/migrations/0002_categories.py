"""The ten dispute categories of 三(三)."""

from django.db import migrations


def load(apps, schema_editor):
    from fengqiao.cases.defaults import CATEGORIES

    DisputeCategory = apps.get_model("cases", "DisputeCategory")
    for order, (code, name, description, group) in enumerate(CATEGORIES):
        DisputeCategory.objects.get_or_create(
            code=code, defaults={"name": name, "description": description, "group": group, "sort_order": order}
        )


class Migration(migrations.Migration):
    dependencies = [("cases", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
