"""Every event has its place in its case's chain: ``seq`` required, unique per case."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0024_caseevent_chain_fill"),
    ]

    operations = [
        migrations.AlterField(
            model_name="caseevent",
            name="seq",
            field=models.PositiveIntegerField(editable=False, verbose_name="序号"),
        ),
        migrations.AddConstraint(
            model_name="caseevent",
            constraint=models.UniqueConstraint(fields=("case", "seq"), name="cases_event_case_seq"),
        ),
    ]
