"""One token check for every token-authenticated endpoint (tokens.py): phones' and hubs' doors.

Each endpoint names a policy; what a missing, unknown, withdrawn or wrong kind of token is told, and
in which order the checks run, is the same for all of them (the endpoints' answers are pinned end to
end in tests/reliability/test_bad_inputs.py).
"""

from __future__ import annotations

import pytest

from toolkit import tokens
from toolkit.db import connect, init_db
from toolkit.enrolment import create_facilitator, exchange_code, issue_code, revoke_device
from toolkit.hub.registry import create_hub, revoke_hub
from toolkit.sync.ingest import Sender
from toolkit.tokens import HUBS_ONLY, PHONES_AND_HUBS, TokenRefused


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    path = str(tmp_path_factory.mktemp("tokens") / "tokens.sqlite")
    init_db(path)
    db = connect(path)
    sita = create_facilitator(db, "Sita Tamang", "PK")
    phone = exchange_code(db, issue_code(db, sita["id"])[0])
    lost = exchange_code(db, issue_code(db, sita["id"])[0])
    revoke_device(db, lost.device_id)
    hub, hub_token = create_hub(db, "Sindhupalchok centre")
    _, old_hub_token = create_hub(db, "Old centre")
    revoke_hub(db, "Old centre")
    headers = {
        "none": "",
        "another scheme": f"Basic {phone.token}",
        "blank": "Bearer   ",
        "unknown": "Bearer not-a-token",
        "phone": f"Bearer {phone.token}",
        "withdrawn phone": f"Bearer {lost.token}",
        "hub": f"bearer {hub_token} ",
        "revoked hub": f"Bearer {old_hub_token}",
    }
    yield (
        db,
        headers,
        Sender(phone.device_id, sita["id"], "PK"),
        Sender(None, None, None, hub["id"]),
    )
    db.conn.close()


REFUSED = {
    PHONES_AND_HUBS: {
        "none": (401, tokens.NOT_ENROLLED),
        "another scheme": (401, tokens.NOT_ENROLLED),
        "blank": (401, tokens.NOT_ENROLLED),
        "unknown": (401, tokens.UNKNOWN_TOKEN),
        "withdrawn phone": (403, tokens.REVOKED),
        "revoked hub": (403, tokens.HUB_REVOKED),
    },
    HUBS_ONLY: {
        "none": (401, tokens.HUB_TOKEN_MISSING),
        "another scheme": (401, tokens.HUB_TOKEN_MISSING),
        "blank": (401, tokens.HUB_TOKEN_MISSING),
        "unknown": (401, tokens.HUB_TOKEN_UNKNOWN),
        "phone": (403, tokens.NOT_A_HUB_TOKEN),
        "withdrawn phone": (403, tokens.NOT_A_HUB_TOKEN),  # the kind is checked first
        "revoked hub": (403, tokens.HUB_REVOKED),
    },
}


@pytest.mark.parametrize("policy", [PHONES_AND_HUBS, HUBS_ONLY], ids=["phones-and-hubs", "hubs"])
def test_each_token_gets_the_same_answer_at_every_door_of_its_policy(world, policy):
    db, headers, phone, hub = world
    for name, header in headers.items():
        if name in REFUSED[policy]:
            with pytest.raises(TokenRefused) as refused:
                tokens.authenticate(db, header, policy)
            assert (refused.value.status, refused.value.message) == REFUSED[policy][name], name
        else:
            expected = {"phone": phone, "hub": hub}[name]
            assert tokens.authenticate(db, header, policy) == expected, name


def test_a_token_is_stored_only_as_its_hash(world):
    db = world[0]
    token = tokens.new_token()
    assert len(token) >= 43 and tokens.hash_secret(token) != token
    stored = {
        row[0]
        for row in db.execute("SELECT token_hash FROM devices UNION SELECT token_hash FROM hubs")
    }
    assert all(len(value) == 64 for value in stored)
