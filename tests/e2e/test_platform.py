"""The local cloud, as a client sees it: health, the published contract, problems."""

from __future__ import annotations


def test_health_reports_every_local_component(cloud):
    response = cloud.http.get(f"{cloud.url}/health")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["components"]["table"] == "ok"
    assert body["components"]["moto"] == "ok"
    assert body["components"]["startup"] == "ok"
    assert body["components"]["poller:insurer-requests"] == "ok"


def test_openapi_document_lists_the_public_contract(cloud):
    response = cloud.http.get(f"{cloud.url}/openapi.json")
    assert response.status_code == 200
    document = response.json()
    assert document["openapi"].startswith("3.1")
    assert "/health" in document["paths"]


def test_docs_page_is_browsable(cloud):
    response = cloud.http.get(f"{cloud.url}/docs")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/html")
    assert "openapi.json" in response.text


def test_unknown_route_is_a_problem_not_a_stack_trace(cloud):
    response = cloud.http.get(f"{cloud.url}/no/such/thing")
    assert response.status_code == 404
    assert response.headers["Content-Type"] == "application/problem+json"
    assert response.json()["status"] == 404
