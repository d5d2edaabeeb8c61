"""Why an SMS was not queued or not sent: stable codes, named once."""

from django.db import models


class SmsError(models.TextChoices):
    NO_ACCOUNT = "sms_no_account"
    NO_TEMPLATE = "sms_no_template"
    BAD_PHONE = "sms_bad_phone"
    NO_PHONE = "sms_no_phone"
    OPTED_OUT = "sms_opted_out"
    COMPLIANCE = "sms_compliance_blocked"
    MISSING_VALUE = "sms_missing_value"
    HOURLY_CAP = "sms_hourly_cap"
    SURVEY_UNAVAILABLE = "sms_survey_unavailable"
