"""The survey page's rate: answers (POSTs) per client address, on the project's throttle cache and
address rule (reviewdesk.throttling), at ``DEFAULT_THROTTLE_RATES["survey"]`` (``SURVEY_RATE``)."""

from reviewdesk.throttling import RateThrottle


class SurveyRateThrottle(RateThrottle):
    scope = "survey"

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}
