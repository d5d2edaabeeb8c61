"""The pack's sheets of peak seasons (大促时段 and their commitments): natural keys as every other sheet
(``policies.resources``): a period by its name in its layer, a commitment by its period and issue type."""

from import_export import fields

from policies import models as m
from policies.resources import (
    CodeWidget,
    NamedRuleResource,
    PolicyResource,
    ScopedNameWidget,
    issue_type_field,
    readonly_field,
)


class CampaignPeriodResource(NamedRuleResource):
    calendar = fields.Field(
        attribute="calendar", column_name="大促排班日历", widget=CodeWidget(m.BusinessCalendar, "name")
    )

    ordering = ("shop__code", "client__code", "starts_at", "name")

    class Meta(NamedRuleResource.Meta):
        model = m.CampaignPeriod


class CampaignCommitmentResource(PolicyResource):
    campaign = fields.Field(
        attribute="campaign",
        column_name="大促时段",
        widget=ScopedNameWidget(m.CampaignPeriod, shop_column="时段店铺", client_column="时段品牌方"),
    )
    campaign_shop = readonly_field("campaign__shop__code", "时段店铺")
    campaign_client = readonly_field("campaign__client__code", "时段品牌方")
    layer_columns = (("时段店铺", "时段品牌方"),)
    issue_type = issue_type_field()

    ordering = ("campaign__shop__code", "campaign__name", "issue_type__code")

    class Meta(PolicyResource.Meta):
        model = m.CampaignCommitment
        exclude = ["id"]
        import_id_fields = ["campaign", "issue_type"]
