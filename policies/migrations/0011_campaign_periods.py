# Peak seasons (campaign periods) as policy data. Operations filled by the change that adds the models.
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("policies", "0010_platform_kuaishou")]

    operations = []
