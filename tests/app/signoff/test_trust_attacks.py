"""Attacks on issue 13's guarantees found by the trust review: each is a way the guarantee failed before its fix."""

from __future__ import annotations

from tests.app.signoff.helpers import cast, trust
from tests.factories import DopsFactory
from trainee_portal import policy
from trainee_portal.extensions import db
from trainee_portal.models import EvidenceEntry

# --- self-signing through a sub-address of the trainee's own mailbox ---------------------------------------------


def test_a_plus_address_of_the_trainees_own_mailbox_is_their_own_address(app):
    """nhs.net (Microsoft 365) and most providers deliver owner+anything@ to owner@: the same person's mailbox."""
    people = cast(owner_email="owner@nhs.net")
    trust(people, "nhs.net")
    entry = DopsFactory(trainee=people.owner)
    for address in ("owner+sign@nhs.net", "Owner+ARCP@NHS.net", "owner+@nhs.net", " owner+x+y@nhs.net "):
        assert policy.is_trainees_own_address(entry, address), address
        assert policy.trusted_assessor_domain(entry, address) is None, address
    assert not policy.is_trainees_own_address(entry, "owner2@nhs.net")  # a different mailbox is not the trainee's


def test_trainee_cannot_self_sign_through_a_plus_address_at_a_trusted_domain(client, login, smtp):
    people = cast(owner_email="owner@nhs.net")
    trust(people, "nhs.net")
    entry = DopsFactory(trainee=people.owner)
    login(people.owner)
    response = client.post(
        f"/signoff/request/{entry.id}", data={"recipient": "assessor", "assessor_email": "owner+assessor@nhs.net"}
    )
    assert response.status_code == 400 and "You cannot sign off your own evidence" in response.data.decode()
    client.post("/logout")
    db.session.expire_all()
    assert db.session.get(EvidenceEntry, entry.id).status == "draft"


# --- odd input in a URL path, where the form and query cleaning does not reach ------------------------------------


def test_a_nul_in_the_stage_key_of_the_url_is_not_found_not_a_server_error(client, login):
    people = cast()
    login(people.supervisor)  # the owner's educational supervisor may open the stage sign-off page
    for path in (f"/signoff/stage/{people.owner.id}/higher%00", f"/signoff/stage/{people.owner.id}/%00%01"):
        assert client.get(path).status_code == 404, path


# --- names equal but for Unicode normalisation after case folding --------------------------------------------------


def test_region_names_equal_only_after_folding_and_normalising_are_one_name(client, login):
    """'ΐ' (U+0390) folds to ι + two combining marks, 'Ϊ́' (U+03AA U+0301) to ϊ + one: equal names once folding is
    followed by normalisation (Unicode's NFKC_Casefold), but not when folding comes last."""
    from sqlalchemy import func, select

    from tests.factories import AdminFactory
    from trainee_portal.models import Region

    login(AdminFactory())
    assert client.post("/admin/regions", data={"region-name": "Periferia \u0390"}).status_code == 302
    again = client.post("/admin/regions", data={"region-name": "PERIFERIA \u03aa\u0301"})
    assert again.status_code == 400 and "already exists" in again.data.decode()
    assert db.session.scalar(select(func.count()).select_from(Region)) == 1


# --- the sign-in throttle with forged X-Forwarded-For and spelling variants of the account -------------------------


def test_forged_forwarded_for_and_email_variants_do_not_escape_the_throttle(client):
    """With PROXY_FIX_HOPS=0 the address is the socket's, whatever X-Forwarded-For says; the account key is the
    email as it signs in (its case does not make a new key)."""
    from tests.conftest import TEST_PASSWORD
    from tests.factories import TraineeFactory

    user = TraineeFactory()
    variants = [user.email.upper(), user.email.swapcase(), user.email.title(), user.email]  # spaces: refused as a
    # malformed address before the password is looked at, so such a post is no guess at all
    for n in range(5):
        response = client.post(
            "/login",
            data={"email": variants[n % len(variants)], "password": "wrong-password-here"},
            environ_base={"REMOTE_ADDR": "203.0.113.9"},
            headers={"X-Forwarded-For": f"198.51.100.{n}"},
        )
        assert response.status_code == 400
    locked = client.post(
        "/login",
        data={"email": user.email, "password": TEST_PASSWORD},
        environ_base={"REMOTE_ADDR": "192.0.2.77"},
        headers={"X-Forwarded-For": "192.0.2.200"},
    )
    assert locked.status_code == 429  # the account is locked from any address, forged or not
    for n in range(5, 10):
        client.post(
            "/login",
            data={"email": f"guess{n}@nhs.net", "password": "wrong-password-here"},
            environ_base={"REMOTE_ADDR": "203.0.113.9"},
            headers={"X-Forwarded-For": f"198.51.100.{n}"},
        )
    other = TraineeFactory()
    by_address = client.post(
        "/login",
        data={"email": other.email, "password": TEST_PASSWORD},
        environ_base={"REMOTE_ADDR": "203.0.113.9"},
        headers={"X-Forwarded-For": "10.0.0.1"},
    )
    assert by_address.status_code == 429  # ten failures from one socket address lock it, whatever the header said
