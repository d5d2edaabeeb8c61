"""The event of the survey links, for whoever sends messages to buyers (outreach's SMS sender).

``survey_reminder_due``: sent after commit, once per invitation and never again (the sweep marks
``reminder_sent_at`` in the same transaction), with ``send_robust(sender=SurveyInvitation,
invitation_id=..., case_id=..., channel=..., url=...)``: the buyer has not answered the link given
``SURVEY_REMINDER_AFTER_HOURS`` ago and it is still valid. A receiver sends the reminder by its channel
(an SMS for ``"sms"``; a chat link is the agent's to paste, so a receiver may leave it). ``url`` is the
same link, still valid (no new expiry)."""

from reviewdesk.signals import RobustSignal

survey_reminder_due = RobustSignal(
    "survey_reminder_due",
    "An unanswered survey link is due its one reminder: (*, invitation_id, case_id, channel, url).",
)
