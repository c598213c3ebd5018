"""Full-width parentheses in the organisation's Chinese text (issue 11 §5): the help text of
部门职责 reads "三（二）所列职责", and the duties seeded by the Naiman set-up ("（四(八)）",
"（三(一)）") are corrected in existing rows of departments and divisions."""

import re

from django.db import migrations, models

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
    for model_name in ("Department", "Division"):
        model = apps.get_model("org", model_name)
        for row in model.objects.filter(duties__contains="(").only("pk", "duties"):
            duties = full_width(row.duties)
            if duties != row.duties:
                model.objects.filter(pk=row.pk).update(duties=duties)


class Migration(migrations.Migration):
    dependencies = [("org", "0003_signing_delegation")]

    operations = [
        migrations.AlterField(
            model_name="department",
            name="duties",
            field=models.TextField(blank=True, help_text="三（二）所列职责", verbose_name="部门职责"),
        ),
        migrations.RunPython(fix_rows, migrations.RunPython.noop),
    ]
