"""Load the default scoring rules of 五(四) (editable afterwards in the admin)."""

from decimal import Decimal

from django.db import migrations


def load(apps, schema_editor):
    from fengqiao.analytics.scorecards import DEFAULT_RULES

    ScoringRule = apps.get_model("analytics", "ScoringRule")
    for order, (code, label, points, cap, basis) in enumerate(DEFAULT_RULES, start=1):
        ScoringRule.objects.get_or_create(
            code=code,
            defaults={"label": label, "points": Decimal(points), "cap": Decimal(cap), "basis": basis, "sort_order": order * 10},
        )


class Migration(migrations.Migration):
    dependencies = [("analytics", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
