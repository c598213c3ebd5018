"""A legal review binds to the content it reviewed (issue 11 §1): the SM3 digest of each
decision's substantive content, and of the content each existing review saw.

A review of a decision's current version saw its current content (until now any edit raised
the version), so it gets the decision's digest; a review of an earlier version keeps an empty
digest and no longer counts, as before."""

import json

from django.db import migrations, models


def _digest(decision) -> str:
    # A frozen copy of handling.models.decision_content_digest (migrations do not import app code).
    from fengqiao.core.crypto import sm3_hex

    keys = ("kind", "body", "deadline", "basis")
    rows = [
        [str((r or {}).get(k, "") or "").strip() for k in keys]
        for r in (decision.remedies or [])
        if isinstance(r, dict)
    ]
    payload = [
        (decision.request or "").strip(),
        (decision.facts_and_reasons or "").strip(),
        decision.result or "",
        (decision.legal_basis or "").strip(),
        rows,
    ]
    return sm3_hex(json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8"))


def fill(apps, schema_editor) -> None:
    Decision = apps.get_model("handling", "Decision")
    LegalReview = apps.get_model("handling", "LegalReview")
    for decision in Decision.objects.all().iterator(chunk_size=500):
        digest = _digest(decision)
        Decision.objects.filter(pk=decision.pk).update(content_digest=digest)
        LegalReview.objects.filter(decision_id=decision.pk, decision_version=decision.version).update(
            content_digest=digest
        )


class Migration(migrations.Migration):
    dependencies = [
        ("handling", "0004_task_control"),
    ]

    operations = [
        migrations.AddField(
            model_name="decision",
            name="content_digest",
            field=models.CharField(blank=True, editable=False, max_length=64, verbose_name="内容摘要"),
        ),
        migrations.AddField(
            model_name="legalreview",
            name="content_digest",
            field=models.CharField(blank=True, max_length=64, verbose_name="审查内容摘要"),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]
