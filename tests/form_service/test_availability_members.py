"""GET /api/availability?members=…: the same entries as the whole document, for those members."""

from __future__ import annotations

from flask.testing import FlaskClient


def test_members_query_answers_only_the_members_asked_for(client: FlaskClient) -> None:
    whole = client.get("/api/availability").get_json()
    few = client.get("/api/availability?members=mueller-it,unbekannt,schmidt-netzwerke,mueller-it")
    assert few.status_code == 200 and "Content-Encoding" not in few.headers
    data = few.get_json()
    assert data["generated"] == whole["generated"]
    assert data["members"] == {slug: whole["members"][slug]
                               for slug in ("mueller-it", "schmidt-netzwerke")}


def test_members_query_reads_at_most_twenty_names(client: FlaskClient) -> None:
    slugs = list(client.get("/api/availability").get_json()["members"])
    asked = ",".join(["nobody"] * 20 + slugs)
    assert client.get(f"/api/availability?members={asked}").get_json()["members"] == {}
