"""The buyer's survey page (no login) and the case page's "give me the link" POST.

The page shows at most the shop's name and the product's title: no nick, order number or phone. A bad
or retired link is a 404, an expired one a 410, an answered one a 410 that says so; nothing of the case
is shown on any of them."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from cases.queries.access import case_or_404
from reviewdesk.access import CHANGE
from training.services.surveys import (
    COMMENT_MAX,
    SURVEY_SCORES,
    invitation_for_token,
    invitation_issue,
    survey_answer_by_buyer,
)
from training.surveys.choices import SurveyChannel
from training.surveys.errors import SurveyError
from training.surveys.throttling import SurveyRateThrottle

TEMPLATE = "surveys/answer.html"
REFUSAL_STATUS = {SurveyError.LINK_INVALID: 404, SurveyError.LINK_EXPIRED: 410, SurveyError.ANSWERED: 410}


def _refusal(request, error: ValidationError) -> HttpResponse:
    status = REFUSAL_STATUS.get(error.code, 404)
    return render(request, TEMPLATE, {"refusal": error.messages[0], "answered": status == 410}, status=status)


def _form_context(invitation, **extra) -> dict:
    case = invitation.case
    return {
        "shop_name": case.shop.name,
        "item_title": case.review.item_title,
        "scores": list(SURVEY_SCORES),
        "comment_max": COMMENT_MAX,
        **extra,
    }


@never_cache
@require_http_methods(["GET", "POST"])
def answer(request: HttpRequest, token: str) -> HttpResponse:
    try:
        invitation = invitation_for_token(token)
    except ValidationError as error:
        return _refusal(request, error)
    if request.method == "GET":
        return render(request, TEMPLATE, _form_context(invitation))
    score, comment = request.POST.get("score", ""), request.POST.get("comment", "")
    throttle = SurveyRateThrottle()
    if not throttle.allow_request(request, None):
        wait = max(1, int(throttle.wait() or 1))
        context = _form_context(
            invitation,
            error=_("提交过于频繁，请在 %(seconds)d 秒后再试。") % {"seconds": wait},
            comment=comment[:COMMENT_MAX],
        )
        response = render(request, TEMPLATE, context, status=429)
        response["Retry-After"] = str(wait)
        return response
    try:
        survey_answer_by_buyer(token=token, score=score, comment=comment)
    except ValidationError as error:
        if error.code in REFUSAL_STATUS:
            return _refusal(request, error)
        context = _form_context(invitation, error=error.messages[0], comment=comment, chosen=score)
        return render(request, TEMPLATE, context, status=400)
    return render(request, TEMPLATE, {"thanks": True})


@login_required
@require_POST
def issue_chat_link(request: HttpRequest, case_id: int) -> HttpResponse:
    """The case page's panel: the survey link for the agent to paste into the platform's chat (created
    here, on a POST, by who may change the case; reused while it is valid)."""
    case = case_or_404(request.user, case_id, CHANGE)
    try:
        invitation_issue(case=case, channel=SurveyChannel.CHAT, by=request.user)
    except ValidationError as error:
        messages.error(request, error.messages[0])
    else:
        messages.success(request, _("满意度调查链接已生成，请复制后发给买家。"))
    return redirect(reverse("cases:case_detail", kwargs={"pk": case.pk}) + "#survey-link")
