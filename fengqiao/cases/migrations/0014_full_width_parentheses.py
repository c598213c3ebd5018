"""Full-width parentheses in the seeded Chinese text of 三（三） and 四（二） (issue 11 §5):
the routing rules' basis ("三(二)3、4" → "三（二）3、4") and the category "退(抵)费" in
existing rows, as cases.defaults now seeds them. Rows an administrator edited are
corrected the same way."""

import re

from django.db import migrations

# Full-width parentheses in Chinese text (issue 11 §5; docs/development.md): "三(二)" →
# "三（二）", "退(抵)费" → "退（抵）费". A pair is changed when it holds Chinese or touches it;
# program text such as "(2024)" between Latin letters stays. Innermost pairs first, so
# "（四(八)）" becomes "（四（八））". (Copied into each migration that needs it: migrations
# keep their own code.)
CHINESE = re.compile(r"[\u4e00-\u9fff\u3000-\u303f\uff00-\uffef]")
PAIR = re.compile(r"\(([^()\n]*)\)")


def full_width(text: str) -> str:
    def change(match: re.Match[str]) -> str:
        before = match.string[match.start() - 1 : match.start()]
        after = match.string[match.end() : match.end() + 1]
        if CHINESE.search(match.group(1)) or CHINESE.match(before) or CHINESE.match(after):
            return f"\uff08{match.group(1)}\uff09"
        return match.group(0)

    while True:
        changed = PAIR.sub(change, text)
        if changed == text:
            return text
        text = changed


def fix_rows(apps, schema_editor):
    for model_name, fields in (("DisputeCategory", ("name", "description")), ("RoutingRule", ("basis",))):
        model = apps.get_model("cases", model_name)
        for row in model.objects.only("pk", *fields):
            changed = {field: full_width(getattr(row, field)) for field in fields}
            changed = {field: value for field, value in changed.items() if value != getattr(row, field)}
            if changed:
                model.objects.filter(pk=row.pk).update(**changed)


class Migration(migrations.Migration):
    dependencies = [("cases", "0013_todo_index")]

    operations = [migrations.RunPython(fix_rows, migrations.RunPython.noop)]
