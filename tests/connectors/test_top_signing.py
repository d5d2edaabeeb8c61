"""The TOP signer against the open platform's published example, and each sign method against the
local gateway's independent verifier."""

import pytest

from connectors.platforms.top import sign
from tests.connectors.top_gateway import _expected_sign

# The open platform's documented example (its "签名算法" page): these parameters, secret "helloworld",
# md5 → 66987CB115214E59E6EC978214934FB8.
DOC_PARAMS = {
    "method": "taobao.item.seller.get",
    "app_key": "12345678",
    "session": "test",
    "timestamp": "2016-01-01 12:00:00",
    "format": "json",
    "v": "2.0",
    "sign_method": "md5",
    "fields": "num_iid,title,nick,price,num",
    "num_iid": "11223344",
}


def test_md5_matches_the_documented_example():
    assert sign(DOC_PARAMS, "helloworld", "md5") == "66987CB115214E59E6EC978214934FB8"


@pytest.mark.parametrize("method", ["md5", "hmac", "hmac-sha256"])
def test_every_sign_method_agrees_with_the_gateway(method):
    params = {**DOC_PARAMS, "sign_method": method, "reply": "您好，已为您补发 ✓"}
    signed = sign(params, "helloworld", method)
    assert signed == _expected_sign(params, "helloworld", method)
    assert signed == signed.upper() and len(signed) == (64 if method == "hmac-sha256" else 32)


def test_empty_values_and_the_sign_itself_are_left_out():
    with_empty = {**DOC_PARAMS, "tid": "", "sign": "ANYTHING"}
    assert sign(with_empty, "helloworld") == "66987CB115214E59E6EC978214934FB8"


def test_an_unknown_method_is_refused():
    with pytest.raises(ValueError):
        sign(DOC_PARAMS, "helloworld", "sha1")
