"""Load the default time limits of DOMAIN.md (editable afterwards in the admin)."""

from django.db import migrations


def load(apps, schema_editor):
    from fengqiao.core.timelimits import DEFAULTS

    TimeLimit = apps.get_model("core", "TimeLimit")
    for code, label, amount, unit, basis in DEFAULTS:
        TimeLimit.objects.get_or_create(
            code=code, defaults={"label": label, "amount": amount, "unit": unit, "basis": basis}
        )


class Migration(migrations.Migration):
    dependencies = [("core", "0002_timelimit")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
