"""Region and cohort names are unique Unicode case-insensitively (a clear 400, also when a race reaches the
database's unique key), and each region's trusted assessor email domains are edited, checked and audited."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from tests.factories import AdminFactory, RegionFactory
from trainee_portal.extensions import db
from trainee_portal.models import AuditRecord, Cohort, Region


@pytest.fixture
def admin(app, login):
    user = AdminFactory()
    login(user)
    return user


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


@pytest.mark.parametrize(
    "first,second", [("Région Nord", "RÉGION NORD"), ("Straße", "STRASSE"), ("İstanbul", "i̇stanbul"), ("Wessex", "  wessex ")]
)
def test_region_names_differing_only_in_unicode_case_are_refused(client, admin, first, second):
    assert client.post("/admin/regions", data={"region-name": first}).status_code == 302
    again = client.post("/admin/regions", data={"region-name": second})
    assert again.status_code == 400
    assert f"A region called {first.strip()} already exists." in again.data.decode()
    assert _count(Region) == 1


@pytest.mark.parametrize("first,second", [("Région Nord 2026", "RÉGION NORD 2026"), ("Straße 1", "STRASSE 1")])
def test_cohort_names_differing_only_in_unicode_case_are_refused_within_a_region(client, admin, first, second):
    north, south = RegionFactory(name="North"), RegionFactory(name="South")
    assert client.post("/admin/regions", data={"cohort-region_id": north.id, "cohort-name": first}).status_code == 302
    again = client.post("/admin/regions", data={"cohort-region_id": north.id, "cohort-name": second})
    assert again.status_code == 400 and f"A cohort called {first} already exists in this region." in again.data.decode()
    # The same name in another region is a different cohort.
    assert client.post("/admin/regions", data={"cohort-region_id": south.id, "cohort-name": second}).status_code == 302
    assert _count(Cohort) == 2


def test_a_race_past_the_check_meets_the_unique_key_and_gets_the_same_message(client, admin, monkeypatch):
    region = RegionFactory(name="Straße")
    monkeypatch.setattr("trainee_portal.admin.routes._taken", lambda *args, **kwargs: None)
    raced = client.post("/admin/regions", data={"region-name": "STRASSE"})
    assert raced.status_code == 400 and "A region called STRASSE already exists." in raced.data.decode()
    cohort_raced = [
        client.post("/admin/regions", data={"cohort-region_id": region.id, "cohort-name": name})
        for name in ("İstanbul", "i̇stanbul")
    ]
    assert cohort_raced[0].status_code == 302
    assert cohort_raced[1].status_code == 400 and "already exists in this region" in cohort_raced[1].data.decode()
    db.session.expire_all()
    assert _count(Region) == 1 and _count(Cohort) == 1
    assert not db.session.scalar(select(func.count()).select_from(AuditRecord).where(AuditRecord.action == "region.created"))


def test_admin_sets_trusted_domains_and_the_change_is_audited(client, admin):
    region = RegionFactory(name="London")
    page = client.get("/admin/regions").data.decode()
    assert "count without the educational supervisor's confirmation" in page
    assert "Trusted email domains for London" in page
    saved = client.post(
        f"/admin/regions/{region.id}/domains", data={f"region{region.id}-domains": "NHS.net, mft.nhs.uk\nnhs.net\n"}
    )
    assert saved.status_code == 302
    db.session.expire_all()
    assert db.session.get(Region, region.id).trusted_domains == ("mft.nhs.uk", "nhs.net")
    record = db.session.scalar(select(AuditRecord).where(AuditRecord.action == "region.trusted_domains_changed"))
    assert json.loads(record.payload) == {"old": [], "new": ["mft.nhs.uk", "nhs.net"]} and record.subject_id == region.id
    assert "mft.nhs.uk\nnhs.net" in client.get("/admin/regions").data.decode()
    cleared = client.post(f"/admin/regions/{region.id}/domains", data={f"region{region.id}-domains": "  "})
    assert cleared.status_code == 302
    db.session.expire_all()
    assert db.session.get(Region, region.id).trusted_domains == ()
    events = db.session.scalars(
        select(AuditRecord).where(AuditRecord.action == "region.trusted_domains_changed").order_by(AuditRecord.id)
    ).all()
    assert json.loads(events[-1].payload) == {"old": ["mft.nhs.uk", "nhs.net"], "new": []}


@pytest.mark.parametrize(
    "value,message",
    [
        ("name@nhs.net", "without a name and @: nhs.net rather than name@nhs.net"),
        ("nhs", "“nhs” is not an email domain"),
        ("nhs.net, bad_domain.org", "“bad_domain.org” is not an email domain"),
        ("-nhs.net", "“-nhs.net” is not an email domain"),
        (
            "nhs net",
            "“nhs” is not an email domain: enter names like nhs.net or mft.nhs.uk (letters, digits, hyphens and at least one dot, no spaces)",
        ),
    ],
)
def test_bad_trusted_domains_are_refused_and_nothing_changes(client, admin, value, message):
    region = RegionFactory(name="London", trusted_assessor_domains="nhs.net")
    refused = client.post(f"/admin/regions/{region.id}/domains", data={f"region{region.id}-domains": value})
    assert refused.status_code == 400 and message in refused.data.decode()
    db.session.expire_all()
    assert db.session.get(Region, region.id).trusted_domains == ("nhs.net",)
    assert not db.session.scalar(select(func.count()).select_from(AuditRecord))


def test_domains_of_a_missing_region_are_404(client, admin):
    assert client.post("/admin/regions/999999/domains", data={"region999999-domains": "nhs.net"}).status_code == 404
