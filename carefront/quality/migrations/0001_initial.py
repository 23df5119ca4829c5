# The app's first migration: empty, so that its parts can each add theirs after it.

from django.db import migrations


class Migration(migrations.Migration):
    initial = True

    dependencies = []

    operations = []
