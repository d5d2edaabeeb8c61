"""SMS providers behind one interface (``base.SmsProvider``): Alibaba Cloud and Tencent Cloud."""

from outreach.choices import ProviderKind
from outreach.providers.aliyun import AliyunSms
from outreach.providers.base import DELIVERED, PENDING, UNDELIVERED, ProviderAnswer, Receipt, SmsProvider
from outreach.providers.tencent import TencentSms

PROVIDERS = {ProviderKind.ALIYUN: AliyunSms, ProviderKind.TENCENT: TencentSms}


def provider_for(account) -> SmsProvider:
    return PROVIDERS[account.provider](account)


__all__ = [
    "DELIVERED",
    "PENDING",
    "UNDELIVERED",
    "ProviderAnswer",
    "Receipt",
    "SmsProvider",
    "provider_for",
]
