"""The phones page: each phone is recognisable, can be named, and is withdrawn only after a check."""

from __future__ import annotations

import pytest

from tests.helpers import login
from toolkit.db import connect
from toolkit.enrolment import create_facilitator, issue_code
from toolkit.phones import describe_user_agent

ANDROID_CHROME = (
    "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/120.0.0.0 Mobile Safari/537.36"
)


@pytest.mark.parametrize(
    "user_agent, expected",
    [
        (ANDROID_CHROME, ("Android", "Chrome")),
        (
            "Mozilla/5.0 (Linux; Android 13; SAMSUNG SM-A135F) AppleWebKit/537.36 (KHTML, like "
            "Gecko) SamsungBrowser/23.0 Chrome/115.0.0.0 Mobile Safari/537.36",
            ("Android", "Samsung Internet"),
        ),
        (
            "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 "
            "(KHTML, like Gecko) Version/17.1 Mobile/15E148 Safari/604.1",
            ("iOS", "Safari"),
        ),
        (
            "Mozilla/5.0 (Android 14; Mobile; rv:121.0) Gecko/121.0 Firefox/121.0",
            ("Android", "Firefox"),
        ),
        ("", (None, None)),
        (None, (None, None)),
    ],
)
def test_system_and_browser_are_named_from_the_user_agent(user_agent, expected):
    assert describe_user_agent(user_agent) == expected


def enrol(app, client, name="Sita Tamang", user_agent=ANDROID_CHROME) -> str:
    db = connect(app.config["DATABASE"])
    person = create_facilitator(db, name, "NP")
    code, _ = issue_code(db, person["id"])
    db.conn.close()
    response = client.post("/api/v1/enrol", json={"code": code}, headers={"User-Agent": user_agent})
    assert response.status_code == 200
    return response.get_json()["device_id"]


def set_lang(app, lang: str) -> None:
    db = connect(app.config["DATABASE"])
    db["coordinators"].update(next(db["coordinators"].rows)["id"], {"lang": lang})
    db.conn.close()


def test_phone_shows_system_and_browser_joined_by_the_languages_separator(app, client, coordinator):
    enrol(app, client)
    login(client)
    page = client.get("/coordinator/facilitators").get_data(as_text=True)
    assert "Android — Chrome" in page
    set_lang(app, "ur")
    page = client.get("/coordinator/facilitators").get_data(as_text=True)
    assert "Android، Chrome" in page and "·" not in page


def test_coordinator_names_a_phone_and_the_name_is_shown(app, client, coordinator):
    device_id = enrol(app, client)
    login(client)
    response = client.post(
        f"/coordinator/devices/{device_id}/nickname", data={"nickname": "  Sita's   red phone "}
    )
    assert response.status_code == 302
    page = client.get("/coordinator/facilitators").get_data(as_text=True)
    assert "Sita&#39;s red phone" in page and "Android — Chrome" in page
    too_long = client.post(
        f"/coordinator/devices/{device_id}/nickname", data={"nickname": "x" * 41}
    )
    assert too_long.status_code == 400
    assert (
        client.post("/coordinator/devices/nope/nickname", data={"nickname": "a"}).status_code == 404
    )


def test_withdrawing_asks_first_naming_the_phone_and_only_the_post_withdraws(
    app, client, coordinator
):
    device_id = enrol(app, client)
    login(client)
    page = client.get("/coordinator/facilitators").get_data(as_text=True)
    confirm_url = f"/coordinator/devices/{device_id}/withdraw"
    assert f'href="{confirm_url}"' in page
    confirm = client.get(confirm_url).get_data(as_text=True)
    assert "Withdraw Android — Chrome?" in confirm and "Sita Tamang" in confirm
    assert f'action="/coordinator/devices/{device_id}/revoke"' in confirm
    db = connect(app.config["DATABASE"])
    assert (
        db["devices"].get(device_id)["revoked_at"] is None
    )  # looking at the question changes nothing
    assert client.post(f"/coordinator/devices/{device_id}/revoke").status_code == 302
    assert db["devices"].get(device_id)["revoked_at"] is not None
    db.conn.close()
    after = client.get("/coordinator/facilitators").get_data(as_text=True)
    assert f'href="{confirm_url}"' not in after
