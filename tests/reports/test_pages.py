"""The report pages: who may open them, page or partial for HTMX, the figures they show, the "?" beside every
figure, bad input answered with a note or a clear 4xx (never a 500), and the tier box on the customer page."""

from __future__ import annotations

import re

import pytest
from litestar.testing import TestClient

from tests.conftest import csrf_from, parse, texts
from tests.reports.golden import S3, S4

PAGES = [
    "/reports", "/reports/sales", "/reports/retention", "/reports/customers", "/reports/segments/new",
    "/reports/monthly/2026-03", "/reports/annual/2026",
]
OTHER_ROUTES = [
    "/reports/monthly", "/reports/annual", "/reports/charts/sales/months.svg", "/reports/export/sales/months.csv",
    "/reports/export/customers/valuable.xlsx",
]
JUNE = "?from=2026-06-01&to=2026-06-30"


@pytest.mark.parametrize("url", PAGES + OTHER_ROUTES)
def test_anonymous_callers_are_sent_to_sign_in(golden_app, url):
    with TestClient(golden_app) as anonymous:
        response = anonymous.get(url, follow_redirects=False)
        assert response.status_code == 303 and response.headers["location"].startswith("/signin?next=")
        assert anonymous.get(url, headers={"HX-Request": "true"}, follow_redirects=False).status_code == 401
        assert anonymous.head(url).status_code in (303, 401, 405)  # HEAD never runs a handler for anyone


@pytest.mark.parametrize("url", PAGES + OTHER_ROUTES)
def test_agents_may_not_see_reports(golden_agent, url):
    response = golden_agent.get(url, follow_redirects=False)
    assert response.status_code == 403
    assert "Only supervisors may do this" in response.text


def test_agents_may_not_change_tiers(golden, golden_agent):
    page = golden_agent.get(f"/customers/{golden.codes['C11']}")
    response = golden_agent.post(f"/reports/tiers/{golden.codes['C11']}", data={
        "tier": "gold", "reason": "x", "_csrf_token": csrf_from(page.text)})
    assert response.status_code == 403


@pytest.mark.parametrize("url", PAGES)
def test_supervisors_see_every_page(supervisor, url):
    response = supervisor.get(url)
    assert response.status_code == 200, response.text
    tree = parse(response.text)
    assert tree.css_first("nav.report-tabs a.current") is not None
    assert response.headers["cache-control"] == "no-store"
    # Every figure explains itself: each key figure and each table has its "?".
    for kpi in tree.css(".kpi"):
        assert kpi.css_first("details.def summary") is not None, kpi.html
    assert tree.css("details.def .def-text"), "no definitions on the page"
    assert not tree.css("script:not([src])") and not tree.css("[style]"), "no inline script or style (CSP)"


def test_the_nav_shows_reports_to_supervisors_only(supervisor, golden_agent):
    assert "Reports" in texts(parse(supervisor.get("/").text), "nav.sections a")
    assert "Reports" not in texts(parse(golden_agent.get("/").text), "nav.sections a")


def test_support_page_shows_the_june_figures(supervisor):
    tree = parse(supervisor.get("/reports" + JUNE).text)
    assert tree.css_first("#kpi-created .kpi-value").text() == "7"
    assert tree.css_first("#kpi-first-reply .kpi-value").text() == "1.0 h"
    assert tree.css_first("#kpi-resolution .kpi-value").text() == "15.0 h"
    assert tree.css_first("#kpi-sla .kpi-value").text() == "40.0%"
    assert tree.css_first("#kpi-satisfaction .kpi-value").text() == "4.00 / 5"
    image = tree.css_first("#chart-daily img")
    assert image.attributes["src"].startswith("/reports/charts/support/daily.svg?from=2026-06-01&to=2026-06-30")
    assert len(tree.css("#table-daily tbody tr")) == 30  # the data beside the chart


def test_htmx_gets_the_partial_and_boosted_or_plain_get_the_page(supervisor):
    partial = supervisor.get("/reports/sales?from=2026-03&to=2026-03", headers={"HX-Request": "true"})
    assert partial.headers["vary"] == "HX-Request"
    assert not partial.text.lstrip().startswith("<!doctype") and parse(partial.text).css_first("#report-body")
    boosted = supervisor.get("/reports/sales?from=2026-03&to=2026-03", headers={"HX-Request": "true", "HX-Boosted": "true"})
    assert boosted.text.lstrip().startswith("<!doctype")
    plain = supervisor.get("/reports/sales?from=2026-03&to=2026-03")
    tree = parse(plain.text)
    assert tree.css_first("#kpi-revenue .kpi-value").text() == "₹1,11,000"
    assert tree.css_first("input[name=from]").attributes["value"] == "2026-03"  # the URL's state is the form's


def test_filters_keep_their_state_in_the_url_and_are_escaped(supervisor):
    tree = parse(supervisor.get("/reports/sales", params={"from": "2025-11", "to": "2025-11", "store": S4}).text)
    assert tree.css_first("select[name=store] option[selected]").attributes["value"] == S4
    assert not tree.css("#report-body b"), "a store name is shown as text, never as markup"
    src = tree.css_first("#chart-months img").attributes["src"]
    assert "store=%3DHYPERLINK" in src  # the chart and export links carry the filter, URL-encoded


@pytest.mark.parametrize("url, note", [
    ("/reports?from=yesterday&to=2026-13-45", "is not a date"),
    ("/reports?from=2026-06-30&to=2026-06-01", "swapped"),
    ("/reports?from=1900-01-01&to=2026-06-30", "cut to fit"),
    ("/reports?from=2015-01-01&to=2026-06-30", "At most"),
    ("/reports?by=planet&step=fortnight", "is not a way to slice"),
    ("/reports/sales?from=99999-01&tier=diamond", "is not a month"),
    ("/reports/sales?store=Nowhere", "There are no sales for store"),
    ("/reports/retention?period=last-week", "neither a year"),
    ("/reports/customers?tier=diamond", "is not a tier"),
])
def test_bad_input_gets_a_note_not_an_error(supervisor, url, note):
    response = supervisor.get(url)
    assert response.status_code == 200
    assert any(note in item for item in texts(parse(response.text), "#report-notes li")), response.text[:2000]


@pytest.mark.parametrize("url, status", [
    ("/reports/monthly/2026-13", 404), ("/reports/annual/20x6", 404), ("/reports/segments/whales", 404),
    ("/reports/charts/sales/nothing.svg", 404), ("/reports/export/sales/months.pdf", 404),
    ("/reports/export/sales/nothing.csv", 404), ("/reports/export/customers/everyone.csv", 404),
    ("/reports/customers?page=99999999999", 400), ("/reports/sales?store=" + "x" * 500, 400),
    ("/reports/charts/planets/months.svg", 404),
])
def test_impossible_requests_get_a_clear_4xx(supervisor, url, status):
    response = supervisor.get(url)
    assert response.status_code == status
    assert "Something went wrong" not in response.text


def test_monthly_report_prints_with_its_figures(supervisor):
    tree = parse(supervisor.get("/reports/monthly/2026-03").text)
    assert tree.css_first("h1").text() == "Monthly report: March 2026"
    rows = {row.css_first("th").text(strip=True): [td.text(strip=True) for td in row.css("td")]
            for row in tree.css("#comparison tbody tr")}
    assert any(cells[0] == "₹1,11,000" for cells in rows.values())
    assert tree.css_first(".print-only") is not None and tree.css_first("nav.period-nav.no-print") is not None
    assert supervisor.get("/reports/monthly", follow_redirects=False).headers["location"] == "/reports/monthly/2026-05"


def test_segment_page_lists_its_customers(supervisor, golden):
    tree = parse(supervisor.get("/reports/segments/loyal").text)
    assert texts(tree, "#list-total") == ["1"]
    links = [a.attributes["href"] for a in tree.css("#table-customers tbody a")]
    assert links == [f"/customers/{golden.codes['C43']}"]


def test_retention_links_each_segment_to_its_customers(supervisor):
    tree = parse(supervisor.get("/reports/retention?period=2026").text)
    hrefs = {a.text(): a.attributes["href"] for a in tree.css("#table-segments tbody a")}
    assert hrefs["New"] == "/reports/segments/new" and hrefs["Lost"] == "/reports/segments/lost"


def test_customer_page_says_why_and_queue_shows_the_tier(supervisor, golden):
    tree = parse(supervisor.get(f"/customers/{golden.codes['C01']}").text)
    assert tree.css_first("#tier-box .badge").text() == "Platinum"
    assert tree.css_first("#tier-why").text().startswith("Top 5% by 12-month value")
    c20 = parse(supervisor.get(f"/customers/{golden.codes['C20']}").text)
    assert c20.css_first("#tier-why").text().startswith("Set to gold by Gita Supervisor on 29 Jun 2026: Corporate account")
    queue = parse(supervisor.get("/tickets?view=open").text)
    assert "Tier" in texts(queue, "#queue-results thead th")
    assert set(texts(queue, "#queue-results tbody td .badge[class*=tier-]")) <= {"Platinum", "Gold", "Silver", "Standard"}


def test_override_form_validates_and_records(supervisor, golden_agent, golden):
    code = golden.codes["C13"]
    page = supervisor.get(f"/customers/{code}")
    token = csrf_from(page.text)
    refused = supervisor.post(f"/reports/tiers/{code}", data={"tier": "gold", "reason": " ", "_csrf_token": token},
                              headers={"HX-Request": "true"})
    assert refused.status_code == 200 and "Say why" in refused.text
    no_csrf = supervisor.post(f"/reports/tiers/{code}", data={"tier": "gold", "reason": "x"})
    assert no_csrf.status_code == 403
    saved = supervisor.post(f"/reports/tiers/{code}", data={"tier": "gold", "reason": "Buys for a school",
                                                            "_csrf_token": token}, headers={"HX-Request": "true"})
    tree = parse(saved.text)
    assert tree.css_first("#tier-box .badge").text() == "Gold"
    assert "Set to gold by Gita Supervisor" in tree.css_first("#tier-why").text()
    assert "Buys for a school" in tree.css_first(".tier-history").text()
    # An agent sees the tier and why, but no form.
    agent_view = parse(golden_agent.get(f"/customers/{code}").text)
    assert agent_view.css_first("#tier-box .badge").text() == "Gold" and agent_view.css_first("#tier-form") is None
    back = supervisor.post(f"/reports/tiers/{code}", data={"tier": "rule", "reason": "School order done",
                                                           "_csrf_token": token}, follow_redirects=False)
    assert back.status_code == 303 and back.headers["location"] == f"/customers/{code}"
    assert parse(supervisor.get(f"/customers/{code}").text).css_first("#tier-box .badge").text() == "Standard"


def test_charts_are_standalone_svg_without_scripts_or_outside_urls(supervisor):
    response = supervisor.get("/reports/charts/sales/store.svg?from=2025-11&to=2026-02")
    assert response.status_code == 200 and response.headers["content-type"].startswith("image/svg+xml")
    svg = response.text
    assert "<script" not in svg
    assert not re.search(r'(href|src)\s*=\s*"https?:', svg) and "url(http" not in svg
    assert S3 in svg, "Devanagari labels stay text (the browser shapes them)"
    assert "<b>x</b>" not in svg and "&lt;b&gt;x&lt;/b&gt;" in svg
    assert response.headers["content-security-policy"].startswith("default-src 'none'")
    again = supervisor.get("/reports/charts/sales/store.svg?from=2025-11&to=2026-02",
                           headers={"If-None-Match": response.headers["etag"]})
    assert again.status_code == 304


@pytest.mark.parametrize("report, chart, query", [
    ("support", "daily", JUNE), ("support", "by", JUNE), ("support", "satisfaction", JUNE),
    ("sales", "months", ""), ("sales", "category", ""), ("sales", "store", ""), ("sales", "channel", ""),
    ("retention", "repeat", ""), ("retention", "churn", ""), ("retention", "segments", ""),
    ("retention", "clv_bands", ""), ("monthly", "days", "?month=2026-03"), ("annual", "months", "?year=2026"),
])
def test_every_chart_draws(supervisor, report, chart, query):
    response = supervisor.get(f"/reports/charts/{report}/{chart}.svg{query}")
    assert response.status_code == 200 and response.text.lstrip().startswith("<?xml")
