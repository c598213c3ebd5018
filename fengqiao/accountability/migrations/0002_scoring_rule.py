"""The scoring rule of 五(四) for confirmed accountability records (editable afterwards in the
admin): loaded with the other defaults of ``analytics.scorecards.DEFAULT_RULES``."""

from decimal import Decimal

from django.db import migrations


def load(apps, schema_editor):
    from fengqiao.analytics.scorecards import DEFAULT_RULES

    ScoringRule = apps.get_model("analytics", "ScoringRule")
    for order, (code, label, points, cap, basis) in enumerate(DEFAULT_RULES, start=1):
        if code != "accountability":
            continue
        ScoringRule.objects.get_or_create(
            code=code,
            defaults={"label": label, "points": Decimal(points), "cap": Decimal(cap), "basis": basis, "sort_order": order * 10},
        )


class Migration(migrations.Migration):
    dependencies = [("accountability", "0001_initial"), ("analytics", "0003_full_width_parentheses")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
