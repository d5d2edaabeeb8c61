"""The JSON request bodies of the API, read strictly and refused in the user's language.

DRF's JSONParser answers a broken body with Python's English decoder message, keeps the last of two
equal keys of one object without a word (``{"rating": "好评", "rating": "差评"}``), and lets a deeply
nested body escape as a RecursionError (a 500). A body larger than DATA_UPLOAD_MAX_MEMORY_SIZE raises
Django's RequestDataTooBig, which DRF does not handle (a bare HTML 400); ``api_exception`` turns it
into a JSON 413.
"""

from __future__ import annotations

import json
import math

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.utils.translation import gettext as _
from rest_framework import status
from rest_framework.exceptions import APIException, ParseError
from rest_framework.parsers import JSONParser


class DuplicateKey(ValueError):
    pass


def _refuse_duplicates(pairs: list[tuple[str, object]]) -> dict:
    result: dict = {}
    for key, value in pairs:
        if key in result:
            raise DuplicateKey(key)
        result[key] = value
    return result


def _refuse_constant(name: str):
    raise ValueError(name)


def _finite_float(text: str) -> float:
    value = float(text)
    if math.isinf(value):  # 1e400 would arrive as inf
        raise ValueError(text)
    return value


class StrictJSONParser(JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        encoding = (parser_context or {}).get("encoding", settings.DEFAULT_CHARSET)
        try:
            text = stream.read().decode(encoding)
        except UnicodeDecodeError:
            raise ParseError(_("请求体不是UTF-8编码的文本。"))
        try:
            return json.loads(
                text,
                object_pairs_hook=_refuse_duplicates,
                parse_constant=_refuse_constant,
                parse_float=_finite_float,
            )
        except DuplicateKey as exc:
            raise ParseError(
                _("JSON对象中的键“%(key)s”出现了不止一次，无法确定取哪个值。") % {"key": exc.args[0]}
            )
        except json.JSONDecodeError as exc:
            raise ParseError(
                _("请求体不是有效的JSON(第%(line)d行第%(column)d列附近)。")
                % {"line": exc.lineno, "column": exc.colno}
            )
        except ValueError as exc:  # NaN / Infinity, which JSON does not have
            raise ParseError(_("JSON不支持“%(value)s”这样的数值。") % {"value": exc.args[0]})
        except RecursionError:
            raise ParseError(_("JSON嵌套层数过多。"))


class RequestTooLarge(APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "request_too_large"


def api_exception(exc: Exception) -> Exception:
    """Django's RequestDataTooBig as a DRF exception (413, Chinese message); anything else unchanged."""
    if isinstance(exc, RequestDataTooBig):
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE / 1024 / 1024
        return RequestTooLarge(_("请求体过大(上限 %(mb).1f MB)。请分批提交。") % {"mb": limit})
    return exc
