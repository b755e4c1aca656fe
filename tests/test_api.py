"""The API's own blueprint: JSON for every answer and error; pages keep HTML errors."""
import pytest

from snapassist.web import create_app

SUBJECT = "cn tower"


def json_error(response, status):
    """The JSON body of an error ``response``, checked to be one."""
    assert response.status_code == status, response.get_data(as_text=True)[:300]
    assert response.mimetype == "application/json"
    body = response.get_json()
    assert body["status"] == status and body["error"]
    return body


def html_error(response, status):
    assert response.status_code == status
    assert response.mimetype == "text/html"
    text = response.get_data(as_text=True)
    assert text.startswith("<!doctype html>") and 'class="sa-message"' in text
    return text


# --- every status, JSON under /api/, HTML elsewhere ---------------------------------

def test_an_address_the_api_does_not_have_is_a_json_404(client):
    for url in ("/api/x", "/api/search/more", "/api/toronto/search"):
        body = json_error(client.get(url), 404)
        assert "/api/search?q=" in body["error"]
    html_error(client.get("/nowhere"), 404)


def test_a_method_the_api_does_not_allow_is_a_json_405(client):
    for method in ("post", "put", "delete"):
        answer = getattr(client, method)("/api/search?q=cn+tower")
        body = json_error(answer, 405)
        assert body["allowed"] == ["GET", "HEAD", "OPTIONS"]
        assert answer.headers["Allow"] == "GET, HEAD, OPTIONS"
    html_error(client.post("/search?q=cn+tower"), 405)


def test_an_over_long_query_is_the_apps_own_414(client, app):
    limit = app.config["SNAPASSIST_MAX_QUERY_BYTES"]
    long_query = {"q": "tower", "light": "x" * limit}
    body = json_error(client.get("/api/search", query_string=long_query), 414)
    assert f"at most {limit:,}" in body["error"]
    html_error(client.get("/search", query_string=long_query), 414)
    # Just under the limit, the request is read (and this one's value refused).
    fits = {"q": "tower", "light": "x" * (limit - 20)}
    assert client.get("/api/search", query_string=fits).status_code == 400


def test_a_request_body_is_a_413(client, app):
    big = b"x" * (app.config["MAX_CONTENT_LENGTH"] + 1)
    body = json_error(client.get("/api/search?q=cn+tower", data=big), 413)
    assert "body" in body["error"]
    html_error(client.get("/search?q=cn+tower", data=big), 413)


def test_a_bad_value_is_a_json_400_naming_the_query_and_options(client):
    body = json_error(client.get("/api/search?q=cn+tower&months=13"), 400)
    assert "months must be" in body["error"] and body["query"] == SUBJECT
    assert body["options"] is None            # the options themselves were bad


def test_an_unexpected_failure_is_a_500_that_tells_nothing_inside(database, monkeypatch):
    app = create_app({"SNAPASSIST_DATABASE": database})       # not TESTING: handled, not raised
    from snapassist.web import _answers

    def broken(*args, **kwargs):
        raise RuntimeError("secret detail")

    monkeypatch.setattr(_answers, "searched_page", broken)
    client = app.test_client()
    body = json_error(client.get("/api/search?q=cn+tower"), 500)
    assert "secret" not in body["error"]
    text = html_error(client.get("/search?q=cn+tower"), 500)
    assert "secret" not in text and "went wrong on our side" in text


def test_the_api_index_names_its_search(client):
    assert client.get("/api/").get_json() == {"search": "/api/search"}
    assert client.get("/api").get_json() == {"search": "/api/search"}


def test_the_api_keeps_its_documented_fields(client):
    body = client.get("/api/search?q=cn+tower").get_json()
    assert {"query", "demo", "n_photos", "options", "spots", "clusters", "no_spot",
            "anchor_rank"} <= set(body)
    assert body["spots"] == body["clusters"] and body["spots"]


# --- one rule for repeated and empty parameters --------------------------------------

SINGLE = [("q", SUBJECT, "night"), ("search_keywords", SUBJECT, "night"),
          ("sort", "admired", "photographers"), ("date", "2026-06-21", "2026-12-21")]


@pytest.mark.parametrize("name, value, other", SINGLE)
def test_a_single_valued_parameter_given_twice_is_refused_naming_it(client, name, value,
                                                                     other):
    params = [("q", SUBJECT)] if name not in ("q", "search_keywords") else []
    query = params + [(name, value), (name, other)]
    body = json_error(client.get("/api/search", query_string=query), 400)
    shown = "q" if name == "search_keywords" else name
    assert body["error"].startswith(f"{shown} takes one value, got 2:")
    assert repr(value) in body["error"] and repr(other) in body["error"]
    # The same value twice is that value.
    same = params + [(name, value), (name, value)]
    assert client.get("/api/search", query_string=same).status_code == 200
    # The page says the same, on the search page.
    page = client.get("/search", query_string=query).get_data(as_text=True)
    assert f"{shown} takes one value" in page


def test_the_phrase_under_both_its_names_is_one_parameter(client):
    both = [("q", SUBJECT), ("search_keywords", "night")]
    json_error(client.get("/api/search", query_string=both), 400)
    same = [("q", SUBJECT), ("search_keywords", SUBJECT)]
    assert client.get("/api/search", query_string=same).get_json()["query"] == SUBJECT


@pytest.mark.parametrize("name", ["sort", "date", "months", "light"])
def test_an_empty_parameter_is_as_if_absent(client, name):
    default = client.get("/api/search", query_string={"q": SUBJECT}).get_json()["options"]
    for empty in ("", "  ", ","):
        if empty == "," and name in ("sort", "date"):
            continue      # a comma is a value for a single-valued parameter
        body = client.get("/api/search", query_string={"q": SUBJECT, name: empty}).get_json()
        assert body["options"] == default, (name, empty)
        # And empty beside a value is that value alone.
    value = {"sort": "admired", "date": "2026-06-21", "months": "6", "light": "day"}[name]
    body = client.get("/api/search", query_string=[("q", SUBJECT), (name, ""),
                                                   (name, value)]).get_json()
    expected = [int(value)] if name == "months" else [value] if name == "light" else value
    assert body["options"][name] == expected


def test_an_empty_phrase_is_no_phrase(client):
    for url in ("/api/search?q=", "/api/search?q=%20%20", "/api/search"):
        body = json_error(client.get(url), 400)
        assert body["error"].startswith("Type what you want to photograph")


def test_lists_merge_repeats_and_commas(client):
    query = [("q", SUBJECT), ("months", "10,11"), ("months", "6"), ("light", "golden"),
             ("light", "blue,golden")]
    options = client.get("/api/search", query_string=query).get_json()["options"]
    assert options["months"] == [6, 10, 11] and options["light"] == ["blue", "golden"]
