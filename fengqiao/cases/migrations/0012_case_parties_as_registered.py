"""A case keeps its parties as registered (issue 11 §3): ``Case.payer`` and
``Case.other_party`` point to per-case ``CaseParty`` rows, the shared ``Payer`` stays the
identity behind the blind index. Existing cases get a copy of what their payer row holds
now (the best record left of what was registered); encrypted values are decrypted and
encrypted again for the new columns (the SM4-GCM associated data names the column)."""

import django.db.models.deletion
from django.db import migrations, models

import fengqiao.core.crypto

FIELDS = ("kind", "name", "payer_group", "id_number", "credit_code", "phone", "address", "contact_name")


def copy_parties(apps, schema_editor):
    Case = apps.get_model("cases", "Case")
    Payer = apps.get_model("cases", "Payer")
    CaseParty = apps.get_model("cases", "CaseParty")
    payers = {}
    cases = Case.objects.order_by("pk").values_list("pk", "payer_id", "other_party_id", "created_at")
    for pk, payer_id, other_id, created_at in cases.iterator(chunk_size=2000):
        parts = {}
        for name, payer_pk in (("payer_party", payer_id), ("other_party_party", other_id)):
            if payer_pk is None:
                continue
            if payer_pk not in payers:
                if len(payers) > 10000:
                    payers.clear()
                payers[payer_pk] = Payer.objects.get(pk=payer_pk)
            p = payers[payer_pk]
            party = CaseParty.objects.create(
                identity_id=p.pk, recorded_at=created_at, **{f: getattr(p, f) for f in FIELDS}
            )
            parts[name] = party.pk
        Case.objects.filter(pk=pk).update(**{f"{k}_id": v for k, v in parts.items()})
    if schema_editor.connection.vendor == "postgresql":
        # The updates above left deferred foreign-key checks pending on cases_case; the ALTER
        # TABLEs below would be refused ("pending trigger events") on a database with cases.
        schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE")


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0011_deadline_inputs"),
    ]

    operations = [
        migrations.CreateModel(
            name="CaseParty",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                (
                    "kind",
                    models.CharField(
                        choices=[("person", "个人"), ("employer", "用人单位")], max_length=16, verbose_name="类型"
                    ),
                ),
                ("name", models.CharField(max_length=128, verbose_name="姓名/单位名称")),
                (
                    "payer_group",
                    models.CharField(
                        choices=[
                            ("employee", "职工"),
                            ("flexible", "灵活就业人员"),
                            ("resident", "城乡居民"),
                            ("retiree", "退休人员"),
                            ("employer", "用人单位"),
                            ("other", "其他"),
                        ],
                        max_length=16,
                        verbose_name="缴费人群体",
                    ),
                ),
                ("id_number", fengqiao.core.crypto.EncryptedTextField(blank=True, verbose_name="公民身份号码")),
                ("credit_code", models.CharField(blank=True, max_length=18, verbose_name="统一社会信用代码")),
                ("phone", fengqiao.core.crypto.EncryptedTextField(blank=True, verbose_name="联系电话")),
                ("address", fengqiao.core.crypto.EncryptedTextField(blank=True, verbose_name="地址")),
                ("contact_name", models.CharField(blank=True, max_length=32, verbose_name="联系人")),
                ("recorded_at", models.DateTimeField(verbose_name="登记时间")),
                (
                    "identity",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="registrations",
                        to="cases.payer",
                        verbose_name="缴费人（身份）",
                    ),
                ),
            ],
            options={
                "verbose_name": "案件当事人",
                "verbose_name_plural": "案件当事人",
            },
        ),
        migrations.AddField(
            model_name="case",
            name="payer_party",
            field=models.ForeignKey(
                null=True, on_delete=django.db.models.deletion.PROTECT, related_name="+", to="cases.caseparty"
            ),
        ),
        migrations.AddField(
            model_name="case",
            name="other_party_party",
            field=models.ForeignKey(
                null=True, on_delete=django.db.models.deletion.PROTECT, related_name="+", to="cases.caseparty"
            ),
        ),
        migrations.RunPython(copy_parties, migrations.RunPython.noop),
        migrations.RemoveField(model_name="case", name="payer"),
        migrations.RemoveField(model_name="case", name="other_party"),
        migrations.RenameField(model_name="case", old_name="payer_party", new_name="payer"),
        migrations.RenameField(model_name="case", old_name="other_party_party", new_name="other_party"),
        migrations.AlterField(
            model_name="case",
            name="payer",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="cases",
                to="cases.caseparty",
                verbose_name="缴费人",
            ),
        ),
        migrations.AlterField(
            model_name="case",
            name="other_party",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="cases_as_other_party",
                to="cases.caseparty",
                verbose_name="争议另一方",
            ),
        ),
    ]
