"""PriceAlert and Notification moved to the ``alerts`` app (pricing must not depend on wizard or
selector). State only: the tables stay as they are, alerts/migrations/0001_initial.py takes them
over under their old names, so no row is copied or lost."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('pricing', '0004_covering_history_index'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(name='Notification'),
                migrations.DeleteModel(name='PriceAlert'),
            ],
            database_operations=[],
        ),
    ]
