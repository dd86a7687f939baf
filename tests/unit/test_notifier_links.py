"""Signed one-click action links: round trip, expiry, tampering, wrong secret."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest
from tocsin_shared.links import LinkAction, LinkError, action_url, sign_action, verify_action

NOW = datetime(2026, 3, 1, 12, tzinfo=UTC)
SECRET = "link-secret"


def token(**overrides: object) -> str:
    fields: dict[str, object] = {
        "incident_id": uuid4(),
        "action": LinkAction.ACKNOWLEDGE,
        "expires_at": NOW + timedelta(hours=1),
    }
    return sign_action(SECRET, **{**fields, **overrides})  # type: ignore[arg-type]


def test_a_genuine_link_verifies_with_its_claims() -> None:
    incident = uuid4()
    t = token(incident_id=incident, action=LinkAction.RESOLVE, link_id="abc")
    claim = verify_action(SECRET, t, now=NOW)
    assert (claim.incident_id, claim.action, claim.link_id) == (incident, LinkAction.RESOLVE, "abc")
    assert claim.expires_at == NOW + timedelta(hours=1)
    assert action_url("http://inc/", t) == f"http://inc/v1/links/{t}"


def test_each_link_has_its_own_id() -> None:
    assert (
        verify_action(SECRET, token(), now=NOW).link_id
        != verify_action(SECRET, token(), now=NOW).link_id
    )


def test_an_expired_link_says_so() -> None:
    t = token()
    with pytest.raises(LinkError) as err:
        verify_action(SECRET, t, now=NOW + timedelta(hours=1))
    assert err.value.reason == "expired"


@pytest.mark.parametrize(
    "mangle",
    [
        lambda t: t.replace(".", "x", 1),
        lambda t: t[:-2] + ("AA" if not t.endswith("AA") else "BB"),
        lambda t: "v2" + t[2:],
        lambda t: t.split(".")[0] + "." + "e30" + "." + t.split(".")[2],  # other claims
        lambda t: "",
        lambda t: "v1.%%%.%%%",
    ],
)
def test_a_forged_or_mangled_link_is_invalid(mangle) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(LinkError) as err:
        verify_action(SECRET, mangle(token()), now=NOW)
    assert err.value.reason == "invalid"


def test_another_secret_does_not_verify() -> None:
    with pytest.raises(LinkError):
        verify_action("other", token(), now=NOW)


def test_a_signed_but_malformed_body_is_invalid_not_a_crash() -> None:
    from tocsin_shared import links

    signed = f"v1.{links._b64(b'not json')}"
    t = f"{signed}.{links._mac(SECRET, signed)}"
    with pytest.raises(LinkError):
        verify_action(SECRET, t, now=NOW)


def test_a_link_for_a_person_names_them_and_a_bad_claim_is_invalid_not_a_crash() -> None:
    assert verify_action(SECRET, token(user="ann"), now=NOW).user == "ann"
    assert verify_action(SECRET, token(), now=NOW).user is None
    from tocsin_shared import links

    incident = str(uuid4())
    for bad in ({"u": 7}, {"e": 10**30}, {"e": 1e300}):
        claims = {"i": incident, "a": "resolve", "e": 2_000_000_000, "n": "x", **bad}
        signed = f"v1.{links._b64(json.dumps(claims).encode())}"
        with pytest.raises(LinkError) as err:
            verify_action(SECRET, f"{signed}.{links._mac(SECRET, signed)}", now=NOW)
        assert err.value.reason == "invalid"
