"""The bell is drawn as an inline SVG, not an emoji: a machine without an emoji font (most Linux
desktops in an office, Chromium on a server) showed an empty box where the bell should be."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db

EMOJI_RANGE = range(0x1F000, 0x20000)


def _has_emoji(text: str) -> bool:
    return any(ord(char) in EMOJI_RANGE for char in text)


@pytest.mark.parametrize("url", [reverse("cases:notification-bell"), reverse("cases:queue")])
def test_the_bell_is_an_svg_on_the_page_and_in_its_fragment(client, make_user, shop, url):
    client.force_login(make_user("agent", shops=[shop]))

    html = client.get(url).content.decode()

    bell = html[html.index('id="notification-bell"') :]
    bell = bell[: bell.index("</a>")]
    assert "<svg" in bell and 'aria-hidden="true"' in bell
    assert not _has_emoji(bell)
