"""The JD (JOS) signer against the gateway's independent verifier.

JOS signs as TOP's md5 does (``md5(secret + k1v1k2v2… sorted by name + secret)``, upper-case hex, over
the system parameters and ``360buy_param_json``); the open platform publishes the algorithm but no
worked example, so the known answer below is TOP's published example (its "签名算法" page: secret
"helloworld" → 66987CB115214E59E6EC978214934FB8), which the same algorithm must reproduce."""

import datetime as dt
import json
from urllib.parse import parse_qs

import pytest

from connectors.platforms.base import AMBIGUOUS, AUTH, Credentials, PlatformError
from connectors.platforms.jd import JdClient
from tests.connectors.jd_gateway import _expected_sign

TOP_EXAMPLE = {
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


def test_the_gateways_verifier_reproduces_the_published_md5_example():
    assert _expected_sign(TOP_EXAMPLE, "helloworld") == "66987CB115214E59E6EC978214934FB8"


def test_a_signed_call_carries_the_jos_system_parameters_and_its_sign_verifies(monkeypatch):
    sent = {}

    def fake_request(url, *, method, body, headers, timeout, max_bytes):
        sent.update(url=url, method=method, form={k: v[0] for k, v in parse_qs(body.decode()).items()})

        class Answer:
            def json(self):
                return {"jingdong_pop_PopCommentJsfService_getVenderCommentsForJos_responce": {"code": "0"}}

        return Answer()

    monkeypatch.setattr("reviewdesk.outbound.request", fake_request)
    clock = lambda: dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.UTC)  # noqa: E731
    client = JdClient(
        gateway_url="https://api.jd.com/routerjson",
        credentials=Credentials(app_key="k", app_secret="s3cret", session_key="tok"),
        api={},
        clock=clock,
    )

    client.list_reviews(clock() - dt.timedelta(hours=1), clock(), 2)

    form = sent["form"]
    assert sent["method"] == "POST" and sent["url"] == "https://api.jd.com/routerjson"
    assert {
        k: form[k] for k in ("method", "app_key", "access_token", "timestamp", "v", "format", "sign_method")
    } == {
        "method": "jingdong.pop.PopCommentJsfService.getVenderCommentsForJos",
        "app_key": "k",
        "access_token": "tok",
        "timestamp": "2026-01-02 11:04:05",  # GMT+8
        "v": "2.0",
        "format": "json",
        "sign_method": "md5",
    }
    assert json.loads(form["360buy_param_json"]) == {
        "beginTime": "2026-01-02 10:04:05",
        "endTime": "2026-01-02 11:04:05",
        "page": 2,
        "pageSize": 50,
        "score": 0,
    }
    assert form["sign"] == _expected_sign(form, "s3cret") and form["sign"] == form["sign"].upper()
    assert "s3cret" not in str(form)  # the secret signs; it is never sent


def test_a_comment_becomes_an_intake_item_whatever_form_its_time_takes():
    client = JdClient(
        gateway_url="https://api.jd.com/routerjson",
        credentials=Credentials(app_key="k", app_secret="s", session_key="t"),
        api={},
    )
    raw = {
        "commentId": "55",
        "orderId": 123456789012,
        "skuid": 100012043978,
        "content": "一般",
        "score": 3,
        "nickName": "j***n",
        "creationTime": 1767225600000,  # epoch milliseconds, as a Java Date may be serialised
        "replies": [{"replyId": 1, "content": "感谢您的反馈"}],
    }

    item = client.to_item(raw)

    assert item == {
        "order_no": "123456789012",
        "item_id": "100012043978",
        "content": "一般",
        "reviewed_at": dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
        "buyer_nick": "j***n",
        "rating": 3,
        "reply_content": "感谢您的反馈",
        "seller_replied": True,
    }
    assert (
        client.to_item({**raw, "creationTime": "2026-01-01 08:00:00"})["reviewed_at"] == "2026-01-01 08:00:00"
    )
    assert client.matches(raw, "order:123456789012:item:100012043978") and client.matches(raw, "55")
    assert not client.matches(raw, "order:123456789012:item:1")


@pytest.mark.parametrize(
    ("answer", "kind", "message"),
    [
        ([], AMBIGUOUS, "平台刷新授权时没有返回新的令牌。"),  # not an object: no usable answer
        ({"code": 0}, AMBIGUOUS, "平台刷新授权时没有返回新的令牌。"),  # "saved" without a token
        ({"code": 2012, "msg": "refresh_token无效 rt-123456"}, AUTH, "2012 refresh_token无效 ***"),
    ],
)
def test_a_refresh_answer_without_a_token_is_never_stored_and_a_refusal_hides_the_token(
    monkeypatch, answer, kind, message
):
    class Answer:
        def json(self):
            return answer

    monkeypatch.setattr("reviewdesk.outbound.request", lambda url, **kwargs: Answer())
    client = JdClient(
        gateway_url="https://api.jd.com/routerjson",
        credentials=Credentials(app_key="k", app_secret="s3cret", session_key="t", refresh_token="rt-123456"),
        api={},
    )

    with pytest.raises(PlatformError) as failed:
        client.refresh()

    assert (failed.value.kind, str(failed.value)) == (kind, message)
