"""The case timeline's keyed chain (cases.chain): the columns, empty until 0024 fills them."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0022_case_owner_state_index"),
    ]

    operations = [
        migrations.AddField(
            model_name="caseevent",
            name="key_id",
            field=models.CharField(default="", editable=False, max_length=16),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="caseevent",
            name="link",
            field=models.CharField(default="", editable=False, max_length=64),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="caseevent",
            name="seq",
            field=models.PositiveIntegerField(null=True, editable=False, verbose_name="序号"),
        ),
    ]
