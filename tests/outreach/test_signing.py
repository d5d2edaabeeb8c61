"""The signers against the providers' own published examples (known-answer tests), and against the local
providers, which verify with their own implementation and refuse a wrong key."""

import pytest

from outreach.providers import aliyun, tencent
from tests.outreach.conftest import make_account


def test_aliyun_signature_matches_the_documented_example():
    # Alibaba Cloud SMS "signature method" example: AccessKeySecret testSecret, GET, these parameters.
    params = {
        "AccessKeyId": "testId",
        "Action": "SendSms",
        "Format": "XML",
        "OutId": "123",
        "PhoneNumbers": "15300000001",
        "RegionId": "cn-hangzhou",
        "SignName": "阿里云短信测试专用",
        "SignatureMethod": "HMAC-SHA1",
        "SignatureNonce": "45e25e9b-0a6f-4070-8c85-2956eda1b466",
        "SignatureVersion": "1.0",
        "TemplateCode": "SMS_71390007",
        "TemplateParam": '{"customer":"test"}',
        "Timestamp": "2017-07-12T02:42:19Z",
        "Version": "2017-05-25",
    }
    assert aliyun.string_to_sign("GET", params) == (
        "GET&%2F&AccessKeyId%3DtestId%26Action%3DSendSms%26Format%3DXML%26OutId%3D123%26PhoneNumbers%3D"
        "15300000001%26RegionId%3Dcn-hangzhou%26SignName%3D%25E9%2598%25BF%25E9%2587%258C%25E4%25BA%2591"
        "%25E7%259F%25AD%25E4%25BF%25A1%25E6%25B5%258B%25E8%25AF%2595%25E4%25B8%2593%25E7%2594%25A8%26"
        "SignatureMethod%3DHMAC-SHA1%26SignatureNonce%3D45e25e9b-0a6f-4070-8c85-2956eda1b466%26"
        "SignatureVersion%3D1.0%26TemplateCode%3DSMS_71390007%26TemplateParam%3D%257B%2522customer"
        "%2522%253A%2522test%2522%257D%26Timestamp%3D2017-07-12T02%253A42%253A19Z%26Version%3D2017-05-25"
    )
    assert aliyun.sign("testSecret", "GET", params) == "zJDF+Lrzhj/ThnlvIToysFRq6t4="


@pytest.mark.parametrize(
    "raw, encoded",
    [("a b", "a%20b"), ("a*b", "a%2Ab"), ("a~b", "a~b"), ("a+b", "a%2Bb"), ("中", "%E4%B8%AD")],
)
def test_aliyun_percent_encoding_follows_rfc3986(raw, encoded):
    assert aliyun.percent_encode(raw) == encoded


def test_tencent_signature_matches_the_documented_example():
    # Tencent Cloud API 3.0 "Signature v3" example: cvm DescribeInstances, timestamp 1551113065.
    payload = b'{"Limit": 1, "Filters": [{"Values": ["\\u672a\\u547d\\u540d"], "Name": "instance-name"}]}'
    canonical = tencent.canonical_request(host="cvm.tencentcloudapi.com", payload=payload)
    assert canonical.endswith("35e9c5b0e3ae67532d3c9f17ead6c90222632e5b1ff7f6e89887f1398934f064")
    to_sign = tencent.string_to_sign(timestamp=1551113065, service="cvm", canonical=canonical)
    assert to_sign == (
        "TC3-HMAC-SHA256\n1551113065\n2019-02-25/cvm/tc3_request\n"
        "5ffe6a04c0664d6b969fab9a13bdab201d63ee709638e2749d62a09ca18d7031"
    )
    assert (
        tencent.signature(
            secret_key="Gu5t9xGARNpq86cd98joQYCN3EXAMPLE",
            timestamp=1551113065,
            service="cvm",
            to_sign=to_sign,
        )
        == "72e494ea809ad7a8c8f7a4507b9bddcbaa8e581f516e8da2f66e2c5a96525168"
    )


@pytest.mark.parametrize("provider", ["aliyun", "tencent"])
def test_a_wrong_secret_is_refused_by_the_provider_and_nothing_is_sent(provider, shop, request):
    from outreach.providers import provider_for

    gateway = request.getfixturevalue(provider)
    account = make_account(shop, gateway=gateway, provider=provider)
    account.access_key_secret = "not-the-secret"
    answer = provider_for(account).send("13800138000", "好店", "SMS_1", {"x": "1"}, out_id="abc")
    assert answer.accepted is False
    assert answer.retry is False
    assert "签名校验失败" in answer.message
    assert gateway.bad_signatures == 1
    assert gateway.sends == 0
