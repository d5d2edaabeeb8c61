"""Satisfaction surveys that buyers answer themselves: a signed, expiring, single-answer link (by SMS or
pasted into the platform's chat by the agent), its public mobile page, the case page's panel that gives
the link, and the one reminder. The answer is a ``training.models.SatisfactionSurvey`` row written by
``training.services.surveys.survey_answer_by_buyer``, so training's CSAT and the dashboard count it."""
