"""The platforms with a live connector, and the client of a connector row.

Taobao and Tmall share TOP; JD (JOS), Douyin (抖店) and Kuaishou have their own clients. Pinduoduo
publishes no review interface, so its shops stay on file import (``UNSUPPORTED`` says why, in the UI's
words).
"""

from __future__ import annotations

import copy

from django.utils.translation import gettext_lazy as _

from connectors.platforms import douyin, jd, kuaishou, top
from connectors.platforms.base import Credentials

DEFAULT_APIS = {
    "taobao": top.DEFAULT_API,
    "tmall": top.DEFAULT_API,
    "jd": jd.DEFAULT_API,
    "douyin": douyin.DEFAULT_API,
    "kuaishou": kuaishou.DEFAULT_API,
}
CLIENTS = {
    "taobao": top.TopClient,
    "tmall": top.TopClient,
    "jd": jd.JdClient,
    "douyin": douyin.DouyinClient,
    "kuaishou": kuaishou.KuaishouClient,
}
UNSUPPORTED = {
    "pdd": _("拼多多没有开放评价接口，请继续用导出文件导入评价。"),
}


def default_api(platform: str) -> dict:
    return copy.deepcopy(DEFAULT_APIS[platform])


def client_for(connector, *, clock=None, timeout=None, client_class=None):
    """A client for ``connector`` (a ``Connector`` row), with its decrypted credentials: the platform's
    review client, or ``client_class`` (the same platform's orders or logistics client)."""
    return (client_class or CLIENTS[connector.platform])(
        gateway_url=connector.gateway_url,
        credentials=Credentials(
            app_key=connector.app_key,
            app_secret=connector.app_secret,
            session_key=connector.session_key,
            sign_method=connector.sign_method,
            refresh_token=connector.refresh_token,
            sign_secret=connector.sign_secret,
        ),
        api=connector.api,
        clock=clock,
        timeout=timeout,
    )
