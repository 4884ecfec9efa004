"""Customer sign-in against the sandbox's authorisation page, over real HTTP."""

from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from reparo_shared.wechat import OAuthCodeRejected, OAuthScopeTooNarrow, WeChatError, WeChatSignIn
from reparo_shared.wechat.testing import RunningSandbox

CALLBACK = "https://reparo.example/auth/wechat/callback?next=%2Forders"


def _authorise(url: str, openid: str) -> dict[str, str]:
    """Play the customer: open the page WeChat shows, pick ``openid``, follow the redirect."""
    page = httpx.get(url.split("#")[0])
    assert page.status_code == 200
    query = parse_qs(urlsplit(url).query)
    answer = httpx.post(
        f"{url.split('/connect/')[0]}/connect/oauth2/authorize/confirm",
        data={
            "openid": openid,
            "redirect_uri": query["redirect_uri"][0],
            "scope": query["scope"][0],
            "state": query["state"][0],
        },
    )
    assert answer.status_code == 302
    location = answer.headers["location"]
    assert location.startswith("https://reparo.example/auth/wechat/callback?next=%2Forders&")
    return {key: values[0] for key, values in parse_qs(urlsplit(location).query).items()}


def test_customer_signs_in_with_profile_and_gets_chinese_nickname(sandbox: RunningSandbox) -> None:
    sign_in = WeChatSignIn(sandbox.settings())
    url = sign_in.authorize_url(CALLBACK, scope="snsapi_userinfo", state="s-123")
    assert url.startswith(f"{sandbox.base_url}/connect/oauth2/authorize?appid={sandbox.appid}")
    assert url.endswith("#wechat_redirect")
    assert "张伟" in httpx.get(url.split("#")[0]).text

    returned = _authorise(url, "oSbx_zhangwei")
    identity = sign_in.exchange_code(returned["code"])
    profile = sign_in.fetch_profile(identity)

    assert returned["state"] == "s-123"
    assert identity.openid == "oSbx_zhangwei"
    assert identity.unionid == "uSbx_zhangwei"
    assert identity.is_snapshot_user is False
    assert profile.nickname == "张伟"


def test_reused_code_is_rejected_so_the_gateway_can_restart(sandbox: RunningSandbox) -> None:
    sign_in = WeChatSignIn(sandbox.settings())
    code = _authorise(sign_in.authorize_url(CALLBACK, scope="snsapi_base", state="s"), "oSbx_lina")
    sign_in.exchange_code(code["code"])

    with pytest.raises(OAuthCodeRejected) as rejected:
        sign_in.exchange_code(code["code"])
    assert rejected.value.errcode == 40163


def test_code_older_than_five_minutes_is_rejected(sandbox: RunningSandbox) -> None:
    sign_in = WeChatSignIn(sandbox.settings())
    code = _authorise(sign_in.authorize_url(CALLBACK, scope="snsapi_base", state="s"), "oSbx_lina")
    sandbox.control("POST", "/sandbox/clock/advance", json={"seconds": 301})

    with pytest.raises(OAuthCodeRejected) as rejected:
        sign_in.exchange_code(code["code"])
    assert rejected.value.errcode == 40029


def test_made_up_code_is_rejected(sandbox: RunningSandbox) -> None:
    with pytest.raises(OAuthCodeRejected) as rejected:
        WeChatSignIn(sandbox.settings()).exchange_code("not-a-code")
    assert rejected.value.errcode == 40029


def test_snapshot_user_is_flagged_and_has_no_profile(sandbox: RunningSandbox) -> None:
    sign_in = WeChatSignIn(sandbox.settings())
    url = sign_in.authorize_url(CALLBACK, scope="snsapi_userinfo", state="s")
    identity = sign_in.exchange_code(_authorise(url, "__snapshot__")["code"])

    assert identity.is_snapshot_user is True
    assert identity.scope == "snsapi_base"
    with pytest.raises(OAuthScopeTooNarrow):
        sign_in.fetch_profile(identity)


def test_silent_sign_in_gives_openid_but_no_profile(sandbox: RunningSandbox) -> None:
    sign_in = WeChatSignIn(sandbox.settings())
    url = sign_in.authorize_url(CALLBACK, scope="snsapi_base", state="s")
    identity = sign_in.exchange_code(_authorise(url, "oSbx_maria")["code"])

    assert identity.openid == "oSbx_maria"
    with pytest.raises(OAuthScopeTooNarrow):
        sign_in.fetch_profile(identity)


def test_wrong_secret_is_reported_as_wechat_error(sandbox: RunningSandbox) -> None:
    sign_in = WeChatSignIn(sandbox.settings())
    code = _authorise(sign_in.authorize_url(CALLBACK, scope="snsapi_base", state="s"), "oSbx_lina")

    with pytest.raises(WeChatError) as refused:
        WeChatSignIn(sandbox.settings(secret="wrong")).exchange_code(code["code"])
    assert refused.value.errcode == 40125
    assert not isinstance(refused.value, OAuthCodeRejected)


def test_user_added_through_admin_endpoint_can_sign_in(sandbox: RunningSandbox) -> None:
    added = sandbox.control("POST", "/sandbox/users", json={"nickname": "Joana Souza"})
    sign_in = WeChatSignIn(sandbox.settings())
    url = sign_in.authorize_url(CALLBACK, scope="snsapi_userinfo", state="s")

    profile = sign_in.fetch_profile(sign_in.exchange_code(_authorise(url, added["openid"])["code"]))

    assert profile.nickname == "Joana Souza"


def test_second_silent_sign_in_skips_the_page_for_the_same_browser(
    sandbox: RunningSandbox,
) -> None:
    sign_in = WeChatSignIn(sandbox.settings())
    url = sign_in.authorize_url(CALLBACK, scope="snsapi_base", state="s2").split("#")[0]
    query = parse_qs(urlsplit(url).query)
    with httpx.Client() as browser:
        browser.post(
            f"{sandbox.base_url}/connect/oauth2/authorize/confirm",
            data={
                "openid": "oSbx_maria",
                "redirect_uri": query["redirect_uri"][0],
                "scope": "snsapi_base",
                "state": "s1",
            },
        )
        silent = browser.get(url)

    assert silent.status_code == 302
    code = parse_qs(urlsplit(silent.headers["location"]).query)["code"][0]
    assert sign_in.exchange_code(code).openid == "oSbx_maria"
