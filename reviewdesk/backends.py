"""Django's ModelBackend, reading a user's permissions in one query instead of two.

Every page asks ``has_perm`` for its navigation links (incentives, insights), and ModelBackend
loads the user's own permissions and their groups' in two queries. Here one UNION reads both; the
answer — and the cache on the user that ModelBackend keeps for the rest of the request — is the same.
"""

from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Permission


class ModelBackendOneQuery(ModelBackend):
    def get_all_permissions(self, user_obj, obj=None):
        if not user_obj.is_active or user_obj.is_anonymous or obj is not None or user_obj.is_superuser:
            return super().get_all_permissions(user_obj, obj)
        if not hasattr(user_obj, "_perm_cache"):
            columns = ("content_type__app_label", "codename")
            own = Permission.objects.filter(user=user_obj).order_by().values_list(*columns)
            groups = Permission.objects.filter(group__user=user_obj).order_by().values_list(*columns)
            user_obj._perm_cache = {f"{app}.{codename}" for app, codename in own.union(groups, all=True)}
        return user_obj._perm_cache
