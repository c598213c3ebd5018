"""Seed the dispatch catalogue (派单目录) of every county from the routing leads (三(二))."""

from django.db import migrations


def load(apps, schema_editor):
    from fengqiao.cases.defaults import ROUTING

    Jurisdiction = apps.get_model("org", "Jurisdiction")
    Department = apps.get_model("org", "Department")
    DisputeCategory = apps.get_model("cases", "DisputeCategory")
    Entry = apps.get_model("referrals", "DispatchCatalogueEntry")
    for county in Jurisdiction.objects.filter(level="county"):
        departments = {d.code: d for d in Department.objects.filter(jurisdiction=county)}
        for code, (lead, _co, basis) in ROUTING.items():
            category = DisputeCategory.objects.filter(code=code).first()
            if category is None or lead not in departments:
                continue
            Entry.objects.get_or_create(
                jurisdiction=county, category=category, defaults={"department": departments[lead], "basis": basis}
            )


class Migration(migrations.Migration):
    dependencies = [("referrals", "0001_initial"), ("cases", "0002_categories")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
