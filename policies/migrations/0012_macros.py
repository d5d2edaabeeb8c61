# Macros: a reply template plus an action in one step. Operations filled by the change that adds the models.
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("policies", "0011_campaign_periods")]

    operations = []
