"""The Popina client against the simulator, over real loopback HTTP."""

from __future__ import annotations

import json
from datetime import date

import httpx
import pytest

from sommit_pipeline.popina.client import (
    PopinaAuthError,
    PopinaClient,
    PopinaError,
    PopinaHTTPError,
    PopinaNotFoundError,
    PopinaPayloadError,
)
from sommit_pipeline.simulator.server import Fault, PopinaSimulator
from tests.builders import DAY2_REPORT_ID, DOC_REPORT_ID, TRAINING_REPORT_ID, closures
from tests.conftest import API_KEY


def client_for(simulator, **options) -> PopinaClient:
    options.setdefault("backoff_s", 0.01)
    return PopinaClient(simulator.base_url, options.pop("api_key", API_KEY), **options)


def test_wrong_key_is_a_clear_error_that_does_not_show_the_key(simulator):
    wrong = "sk_live_wrong_secret_123"
    with client_for(simulator, api_key=wrong) as client, pytest.raises(PopinaAuthError) as err:
        client.list_reports(date(2025, 3, 1), date(2025, 3, 31))
    message = str(err.value)
    assert "401" in message and "/v1/reports" in message and "POPINA_API_KEY" in message
    assert wrong not in message


def test_missing_key_is_refused_by_the_simulator(simulator):
    response = httpx.get(f"{simulator.base_url}/v1/catalog/")
    assert response.status_code == 401


def test_reports_listed_across_pages(simulator):
    # 3 closures, 1 per page: three requests, every closure once, in createdAt order.
    with client_for(simulator, page_size=1) as client:
        before = simulator.requests_served
        reports = client.list_reports(date(2025, 3, 1), date(2025, 3, 31))
        assert simulator.requests_served - before == 3
    assert [r.id for r in reports] == [DOC_REPORT_ID, TRAINING_REPORT_ID, DAY2_REPORT_ID]
    assert [r.total_sales for r in reports] == [9080, 9999, 6030]


def test_since_until_are_inclusive_dates(simulator):
    # The doc closure was recorded on 2025-03-15 UTC (00:47:30Z), the two others on the 15th.
    with client_for(simulator) as client:
        assert client.list_reports(date(2025, 3, 14), date(2025, 3, 14)) == []
        assert len(client.list_reports(date(2025, 3, 15), date(2025, 3, 15))) == 3


def test_orders_of_a_closure_across_pages(simulator):
    with client_for(simulator, page_size=2) as client:
        orders = client.list_orders(DOC_REPORT_ID)
    assert [o.order_number for o in orders] == ["101", "102", "103"]
    assert sum(o.total for o in orders) == 9080


def test_unknown_ids_are_404(simulator):
    with client_for(simulator) as client:
        with pytest.raises(PopinaNotFoundError, match="/v1/reports/nope"):
            client.get_report("nope")
        with pytest.raises(PopinaNotFoundError):
            client.list_orders("00000000-0000-0000-0000-000000000000")
        assert client.get_report(DAY2_REPORT_ID).total_sales == 6030


def test_paging_parameters_are_validated_by_the_simulator(simulator):
    headers = {"Authorization": f"Bearer {API_KEY}"}
    bad = httpx.get(f"{simulator.base_url}/v1/reports", params={"size": 101}, headers=headers)
    assert bad.status_code == 400
    page = httpx.get(f"{simulator.base_url}/v1/reports", params={"size": 2}, headers=headers)
    assert page.json()["meta"] == {
        "totalPage": 2,
        "totalCount": 3,
        "currentPageIndex": 0,
        "pageSize": 2,
        "hiddenByFilterCount": 0,
    }


def test_only_get_is_ever_sent(simulator):
    with client_for(simulator) as client, pytest.raises(PopinaError, match="read-only"):
        client._http.post("/v1/orders", json={})
    post = httpx.post(
        f"{simulator.base_url}/v1/orders", headers={"Authorization": f"Bearer {API_KEY}"}
    )
    assert post.status_code == 405


def test_transient_failures_are_retried_with_retry_after(simulator):
    slept: list[float] = []
    simulator.inject(Fault("/v1/reports", status=429, headers={"Retry-After": "2"}))
    simulator.inject(Fault("/v1/reports", status=503))
    simulator.inject(Fault("/v1/reports", status=502))
    with client_for(simulator, sleep=slept.append, backoff_s=0.5) as client:
        reports = client.list_reports(date(2025, 3, 1), date(2025, 3, 31))
    assert len(reports) == 3
    # Retry-After honoured, then exponential backoff 0.5 x 2^(attempt-1).
    assert slept == [2.0, 1.0, 2.0]


def test_timeouts_are_retried(simulator):
    simulator.inject(Fault("/v1/catalog", delay_s=0.5, times=1))
    with client_for(simulator, timeout_s=0.2) as client:
        assert len(client.get_catalog()) == 8


def test_persistent_server_errors_fail_after_the_last_attempt(simulator):
    simulator.inject(Fault("/v1/catalog", status=500, times=10))
    expected = r"/v1/catalog/ still failing after 3 attempts"
    with (
        client_for(simulator, max_attempts=3) as client,
        pytest.raises(PopinaHTTPError, match=expected),
    ):
        client.get_catalog()


def _serve(tmp_path, closure_list):
    from tests.builders import write_test_scenario

    return PopinaSimulator(write_test_scenario(tmp_path / "bad", closure_list), api_key=API_KEY)


def test_amounts_in_euros_instead_of_cents_name_endpoint_and_field(tmp_path):
    broken = closures()
    broken[0]["totalSales"] = 90.80
    with (
        _serve(tmp_path, broken) as sim,
        client_for(sim) as client,
        pytest.raises(PopinaPayloadError) as err,
    ):
        client.list_reports(date(2025, 3, 1), date(2025, 3, 31))
    assert err.value.endpoint == "/v1/reports?since=2025-03-01&until=2025-03-31&index=0"
    assert err.value.field == "data.0.totalSales"
    assert "90.8" in str(err.value)


def test_missing_line_field_names_the_order_line(tmp_path):
    broken = closures()
    del broken[0]["orders"][1]["items"][2]["total"]
    with (
        _serve(tmp_path, broken) as sim,
        client_for(sim) as client,
        pytest.raises(PopinaPayloadError) as err,
    ):
        client.list_orders(DOC_REPORT_ID)
    assert err.value.field == "data.1.items.2.total"
    assert str(err.value) == (
        f"malformed Popina payload from GET /v1/orders?reportId={DOC_REPORT_ID}&index=0: "
        "field `data.1.items.2.total` is missing"
    )


def test_a_non_json_body_is_retried_and_an_error_if_it_stays(simulator):
    simulator.inject(Fault("/v1/catalog", status=200, body="<html>maintenance</html>"))
    with client_for(simulator) as client:
        assert len(client.get_catalog()) == 8  # once: a proxy's page, read again
    simulator.inject(Fault("/v1/catalog", status=200, body="<html>maintenance</html>", times=9))
    with (
        client_for(simulator, max_attempts=3) as client,
        pytest.raises(PopinaPayloadError, match="not JSON: '<html>maintenance</html>'"),
    ):
        client.get_catalog()


def test_a_page_without_meta_is_a_payload_error(simulator):
    simulator.inject(Fault("/v1/reports", status=200, body=json.dumps({"data": []})))
    with client_for(simulator) as client, pytest.raises(PopinaPayloadError, match="`meta`"):
        client.list_reports(date(2025, 3, 1), date(2025, 3, 31))


def test_an_order_seen_on_two_pages_because_data_moved_counts_once(simulator):
    # Page 1 starts one order early, as if an order had been inserted while we paged: the
    # client sees order 102 on both pages and keeps it once.
    simulator.inject(Fault("/v1/orders", shift=1, page_index=1))
    with client_for(simulator, page_size=2) as client:
        orders = client.list_orders(DOC_REPORT_ID)
    assert [o.order_number for o in orders] == ["101", "102", "103"]
    assert sum(o.total for o in orders) == 9080


def test_dropped_connections_and_bodies_cut_short_are_retried(simulator):
    simulator.inject(Fault("/v1/orders", reset=True))
    simulator.inject(Fault("/v1/orders", truncate_to=40))
    with client_for(simulator) as client:
        orders = client.list_orders(DOC_REPORT_ID)
    assert sum(o.total for o in orders) == 9080


def test_a_changed_answer_is_caught_by_validation(simulator):
    def euros(body):
        body["data"][0]["total"] = body["data"][0]["total"] / 100  # 31.0 instead of 3100
        return body

    simulator.inject(Fault("/v1/orders", mutate=euros))
    with client_for(simulator) as client, pytest.raises(PopinaPayloadError) as err:
        client.list_orders(DOC_REPORT_ID)
    assert err.value.field == "data.0.total" and "31.0" in str(err.value)


def test_an_order_skipped_because_data_moved_is_read_again(simulator):
    # Page 1 starts one order late, as if an order had been deleted while we paged: order 103
    # is never seen. 2 of 3 announced: the client reads the list again.
    simulator.inject(Fault("/v1/orders", shift=-1, page_index=1))
    with client_for(simulator, page_size=2) as client:
        orders = client.list_orders(DOC_REPORT_ID)
    assert [o.order_number for o in orders] == ["101", "102", "103"]


def test_a_list_that_keeps_moving_is_an_error_not_a_partial_day(simulator):
    simulator.inject(Fault("/v1/orders", shift=-1, page_index=1, times=10))
    with (
        client_for(simulator, page_size=2, max_attempts=3) as client,
        pytest.raises(
            PopinaHTTPError, match=r"the list kept changing while paging \(2 of 3 items read"
        ),
    ):
        client.list_orders(DOC_REPORT_ID)
