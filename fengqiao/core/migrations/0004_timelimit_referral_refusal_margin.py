"""Add the time limit ``referral_refusal_margin`` (四(八): how far past its limit a department
may let a referral go before it counts as refusing without justification)."""

from django.db import migrations


def load(apps, schema_editor):
    from fengqiao.core.timelimits import DEFAULTS, REFERRAL_REFUSAL_MARGIN

    TimeLimit = apps.get_model("core", "TimeLimit")
    for code, label, amount, unit, basis in DEFAULTS:
        if code == REFERRAL_REFUSAL_MARGIN:
            TimeLimit.objects.get_or_create(
                code=code, defaults={"label": label, "amount": amount, "unit": unit, "basis": basis}
            )


class Migration(migrations.Migration):
    dependencies = [("core", "0003_timelimit_defaults")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
