"""Add the time limits of the response to an online item by risk level (三(二)9):
``opinion_response_high`` / ``_medium`` / ``_low``, editable like the others."""

from django.db import migrations

CODES = ("opinion_response_high", "opinion_response_medium", "opinion_response_low")


def load(apps, schema_editor):
    from fengqiao.core.timelimits import DEFAULTS

    TimeLimit = apps.get_model("core", "TimeLimit")
    for code, label, amount, unit, basis in DEFAULTS:
        if code in CODES:
            TimeLimit.objects.get_or_create(
                code=code, defaults={"label": label, "amount": amount, "unit": unit, "basis": basis}
            )


class Migration(migrations.Migration):
    dependencies = [("opinion", "0001_initial"), ("core", "0005_passwordhistory")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
