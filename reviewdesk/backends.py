"""Django's ModelBackend, reading a user's permissions in one query instead of two, and refusing
integration accounts.

Every page asks ``has_perm`` for its navigation links (incentives, insights), and ModelBackend
loads the user's own permissions and their groups' in two queries. Here one UNION reads both; the
answer — and the cache on the user that ModelBackend keeps for the rest of the request — is the same.

An integration account (``User.is_integration``) is a sync job's identity, not a person: it may hold
API tokens but never a session. ``user_can_authenticate`` is asked both by ``authenticate`` (the login
page, the admin's) and by ``get_user`` (the session middleware, on every request), so such an account
can neither log in nor keep a session it had before it was flagged, even if a password is set later.
"""

from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Permission


class ModelBackendOneQuery(ModelBackend):
    def user_can_authenticate(self, user):
        return super().user_can_authenticate(user) and not getattr(user, "is_integration", False)

    def get_all_permissions(self, user_obj, obj=None):
        if not user_obj.is_active or user_obj.is_anonymous or obj is not None or user_obj.is_superuser:
            return super().get_all_permissions(user_obj, obj)
        if not hasattr(user_obj, "_perm_cache"):
            columns = ("content_type__app_label", "codename")
            own = Permission.objects.filter(user=user_obj).order_by().values_list(*columns)
            groups = Permission.objects.filter(group__user=user_obj).order_by().values_list(*columns)
            user_obj._perm_cache = {f"{app}.{codename}" for app, codename in own.union(groups, all=True)}
        return user_obj._perm_cache
