"""Take over the price alert tables from ``pricing`` (pricing/migrations/0005): state only, the
existing tables ``pricing_pricealert`` and ``pricing_notification`` keep their rows, indexes and
foreign keys. On a new database pricing's 0002/0003 create them first."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('pricing', '0005_move_alerts_to_alerts_app'),
        ('wizard', '0001_initial'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.CreateModel(
                    name='PriceAlert',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('provider', models.CharField(blank=True, max_length=20)),
                        ('region', models.CharField(blank=True, max_length=8)),
                        ('gpu_count', models.PositiveSmallIntegerField(blank=True, null=True)),
                        ('kind', models.CharField(choices=[('price_at_or_below', 'Price per GPU-hour at or below'), ('becomes_available', 'Becomes available'), ('job_cost_at_or_below', "Saved job's total cost at or below")], default='price_at_or_below', max_length=24)),
                        ('threshold_usd', models.DecimalField(blank=True, decimal_places=4, max_digits=12, null=True)),
                        ('is_paused', models.BooleanField(default=False)),
                        ('is_active_crossing', models.BooleanField(default=False)),
                        ('last_fired_at', models.DateTimeField(blank=True, null=True)),
                        ('last_evaluated_at', models.DateTimeField(blank=True, null=True)),
                        ('last_value_usd', models.DecimalField(blank=True, decimal_places=4, max_digits=12, null=True)),
                        ('created_at', models.DateTimeField(auto_now_add=True)),
                        ('gpu', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='pricing.gpumodel')),
                        ('user', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='price_alerts', to=settings.AUTH_USER_MODEL)),
                        ('job', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='price_alerts', to='wizard.trainingjob')),
                    ],
                    options={
                        'db_table': 'pricing_pricealert',
                        'ordering': ['-created_at', '-id'],
                        'indexes': [models.Index(fields=['is_paused', 'kind'], name='pricealert_active')],
                    },
                ),
                migrations.CreateModel(
                    name='Notification',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('title', models.CharField(max_length=200)),
                        ('body', models.TextField(blank=True)),
                        ('url', models.CharField(blank=True, max_length=300)),
                        ('created_at', models.DateTimeField()),
                        ('read_at', models.DateTimeField(blank=True, null=True)),
                        ('user', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='price_notifications', to=settings.AUTH_USER_MODEL)),
                        ('alert', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='notifications', to='alerts.pricealert')),
                    ],
                    options={
                        'db_table': 'pricing_notification',
                        'ordering': ['-created_at', '-id'],
                        'indexes': [models.Index(fields=['user', 'read_at'], name='notification_user_unread')],
                    },
                ),
            ],
        ),
    ]
