"""The admin's history pages (django-simple-history) for every app that keeps a model's history."""

from django.contrib.admin.utils import unquote
from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin


class HistoryAdmin(SimpleHistoryAdmin):
    """SimpleHistoryAdmin whose history pages answer 404, not 500, when an id in the URL is not one
    (django-simple-history hands the URL's ids to the database as they come)."""

    def _ids_or_404(self, object_id, version_id=None) -> None:
        history = getattr(self.model, self.model._meta.simple_history_manager_attribute).model
        try:
            self.model._meta.pk.to_python(unquote(object_id))
            if version_id is not None:
                history._meta.pk.to_python(version_id)
        except ValidationError as exc:
            raise Http404(_("没有这条记录。")) from exc

    def history_view(self, request, object_id, extra_context=None):
        self._ids_or_404(object_id)
        return super().history_view(request, object_id, extra_context=extra_context)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        self._ids_or_404(object_id, version_id)
        return super().history_form_view(request, object_id, version_id, extra_context=extra_context)
