"""Rate limits (newsreader.ratelimit): counters, windows, and the views they guard."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser, User
from django.http import HttpResponse
from django.test import RequestFactory
from django.urls import reverse

import newsreader.ratelimit
from articles.models import Source, Story
from newsreader.models import RateLimitCounter
from newsreader.ratelimit import Rate, account_name, client_ip, hit, posted, ratelimit

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def rates(settings):
    """Small limits, so a test reaches them in a few requests."""
    settings.RATELIMIT_RATES = {}

    def set_rates(**scopes: str) -> None:
        settings.RATELIMIT_RATES = {k.replace("_", "-"): v for k, v in scopes.items()}

    return set_rates


class Clock:
    """The rate limiter's clock, moved by the test: a window's end, and so Retry-After, is
    then known to the second."""

    def __init__(self) -> None:
        self.now = 1_000_000.0

    def time(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch):
    clock = Clock()
    monkeypatch.setattr(newsreader.ratelimit, "time", clock)
    return clock


def ok(request):
    return HttpResponse("ok")


def login(client, username="ada", password="wrong", ip="10.0.0.1"):  # noqa: S107
    return client.post(
        reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=ip
    )


# --- The counter


def test_it_counts_within_a_window_and_starts_a_new_one_after_it():
    rate = Rate(limit=2, period=60)
    assert hit("s", "c", rate, now=1000.0) == (1, 1060.0)
    assert hit("s", "c", rate, now=1010.0) == (2, 1060.0)
    assert hit("s", "c", rate, now=1059.9) == (3, 1060.0)
    assert hit("s", "c", rate, now=1060.0) == (1, 1120.0)
    assert RateLimitCounter.objects.count() == 1


def test_it_keeps_scopes_and_clients_apart():
    rate = Rate(limit=2, period=60)
    hit("a", "c", rate, now=0.0)
    assert hit("b", "c", rate, now=0.0)[0] == 1
    assert hit("a", "d", rate, now=0.0)[0] == 1
    assert hit("a", "c", rate, now=0.0)[0] == 2


def test_a_refund_takes_back_one_count_and_never_goes_below_zero():
    rate = Rate(limit=5, period=60)
    hit("s", "c", rate, now=0.0)
    hit("s", "c", rate, now=0.0)
    newsreader.ratelimit.refund("s", "c")
    assert hit("s", "c", rate, now=0.0)[0] == 2
    for _ in range(3):
        newsreader.ratelimit.refund("s", "c")
    assert RateLimitCounter.objects.get().count == 0
    newsreader.ratelimit.refund("s", "nobody")  # no counter: nothing to take back
    assert RateLimitCounter.objects.count() == 1


@pytest.mark.parametrize(
    ("text", "rate"),
    [("10/s", Rate(10, 1)), ("5/m", Rate(5, 60)), ("1/h", Rate(1, 3600)), ("7/d", Rate(7, 86400))],
)
def test_it_parses_rates(text, rate):
    assert Rate.parse(text) == rate


@pytest.mark.parametrize("text", ["", "10", "x/m", "10/y", "-1/m", "10/minute"])
def test_it_rejects_bad_rates_when_the_view_is_decorated(text):
    with pytest.raises(ValueError, match="rate"):
        ratelimit(key="ip", rate=text, scope="x")


def test_it_rejects_an_unknown_key():
    with pytest.raises(ValueError, match="key"):
        ratelimit(key="session", rate="1/m", scope="x")


@pytest.mark.parametrize(
    ("remote", "client"),
    [
        ("192.0.2.7", "192.0.2.7"),
        ("2001:db8:1:2:3:4:5:6", "2001:db8:1:2::/64"),
        ("2001:db8:1:2:ffff::1", "2001:db8:1:2::/64"),
        ("", "unknown"),
        # Not an address (a misconfigured proxy header): still that client's own bucket.
        ("proxy-said-this", "proxy-said-this"),
    ],
)
def test_it_groups_ipv6_clients_by_their_64(remote, client):
    request = RequestFactory().get("/", REMOTE_ADDR=remote)
    assert client_ip(request) == client


def test_it_reads_the_proxy_header_an_operator_names(settings):
    settings.RATELIMIT_IP_META = "HTTP_X_FORWARDED_FOR"
    request = RequestFactory().get("/", HTTP_X_FORWARDED_FOR="6.6.6.6, 198.51.100.4")
    assert client_ip(request) == "198.51.100.4"


# --- Log-in and sign-up


def test_it_limits_log_in_attempts_per_account_from_any_address(client, rates, clock):
    rates(login_account="3/m")
    User.objects.create_user("ada", password="correct-horse-battery")
    for n in range(3):
        assert login(client, ip=f"10.0.0.{n}").status_code == 200  # wrong password
    clock.now += 12.4
    response = login(client, ip="10.9.9.9", password="correct-horse-battery")
    assert response.status_code == 429
    assert response["Retry-After"] == "48"  # the window ends 47.6 s later: rounded up
    body = response.content.decode()
    assert "Too many requests — try again in" in body
    assert f"{response['Retry-After']} s" in body
    assert "_auth_user_id" not in client.session
    # Another account from the same addresses is not affected.
    assert login(client, username="bob", ip="10.0.0.1").status_code == 200


def test_it_counts_usernames_case_insensitively(client, rates):
    rates(login_account="2/m")
    login(client, username="Ada")
    login(client, username="ADA ")
    assert login(client, username="ada").status_code == 429


def test_wrong_guesses_from_one_client_do_not_lock_the_owner_out(client):
    # The default limits, as deployed.
    User.objects.create_user("ada", password="correct-horse-battery")
    for _ in range(10):
        assert login(client, ip="203.0.113.66").status_code == 200
    guesser = login(client, ip="203.0.113.66", password="correct-horse-battery")
    assert guesser.status_code == 429
    assert "_auth_user_id" not in client.session
    # The owner, from home.
    owner = login(client, ip="198.51.100.7", password="correct-horse-battery")
    assert owner.status_code == 302
    assert client.session["_auth_user_id"] == str(User.objects.get(username="ada").pk)


def test_refused_attempts_do_not_use_up_the_accounts_ceiling(client, rates):
    rates(login_account_client="2/h", login_account="5/h")
    User.objects.create_user("ada", password="correct-horse-battery")
    for _ in range(30):  # the guesser keeps going after its 429s
        login(client, ip="203.0.113.66")
    assert login(client, ip="198.51.100.7", password="correct-horse-battery").status_code == 302


def test_the_accounts_ceiling_stops_guesses_spread_over_many_addresses(client, rates):
    rates(login_account_client="2/h", login_account="5/h")
    for n in range(5):
        assert login(client, ip=f"203.0.113.{n}").status_code == 200
    assert login(client, ip="203.0.113.99").status_code == 429


def test_a_successful_log_in_is_not_counted_as_a_guess(client, rates):
    rates(login_account_client="3/h", login_account="3/h")
    User.objects.create_user("ada", password="correct-horse-battery")
    for _ in range(6):
        assert login(client, password="correct-horse-battery").status_code == 302
        client.logout()
    for _ in range(3):
        assert login(client).status_code == 200
    assert login(client).status_code == 429


def test_a_signed_in_reader_guessing_another_accounts_password_is_counted(client, rates):
    rates(login_account_client="3/h")
    User.objects.create_user("ada", password="correct-horse-battery")
    client.force_login(User.objects.create_user("mallory", password="pw"))
    for _ in range(3):
        assert login(client).status_code == 200
    assert login(client).status_code == 429


def test_the_address_limit_counts_successful_log_ins_too(client, rates):
    rates(login_ip="2/m")
    User.objects.create_user("ada", password="correct-horse-battery")
    for _ in range(2):
        assert login(client, password="correct-horse-battery").status_code == 302
        client.logout()
    assert login(client, password="correct-horse-battery").status_code == 429


def test_an_attempt_refused_by_the_ceiling_counts_against_nothing_else(client, rates, clock):
    rates(login_ip="3/m", login_account_client="2/h", login_account="3/h")
    User.objects.create_user("ada", password="correct-horse-battery")
    for n in range(3):
        login(client, ip=f"203.0.113.{n}")  # the ceiling's window starts now
    clock.now += 1800
    for _ in range(2):  # the owner, refused by the ceiling: no guess of theirs was checked
        assert login(client, ip="198.51.100.7", password="correct-horse-battery").status_code == 429
    clock.now += 1801  # the ceiling's window is over, the owner's own is not
    assert login(client, ip="198.51.100.7", password="correct-horse-battery").status_code == 302


def test_an_address_refused_by_the_ceiling_still_counts_its_requests(client, rates):
    rates(login_ip="3/m", login_account="1/h")
    login(client, ip="192.0.2.1")
    for _ in range(2):
        assert login(client, ip="192.0.2.1").status_code == 429  # the ceiling
    assert login(client, username="bob", ip="192.0.2.1").status_code == 429  # the address


def test_a_log_in_refused_in_the_windows_last_second_waits_one_second(client, rates, clock):
    rates(login_account_client="1/h")
    login(client)
    clock.now += 3599.5
    assert login(client)["Retry-After"] == "1"


def test_log_in_limits_are_on_unless_switched_off(client, rates, settings):
    rates(login_account_client="1/h")
    del settings.RATELIMIT_ENABLED
    login(client)
    assert login(client).status_code == 429
    settings.RATELIMIT_ENABLED = False
    for _ in range(5):
        assert login(client).status_code == 200


# Every one of these signs in as "alice" or is counted as her (NFKC, then case-folded).
ALICE_SPELLINGS = ["alice", "ALICE", "Alice ", "ａｌｉｃｅ", "ＡＬＩＣＥ", "\u1d43lice"]


def test_unicode_spellings_of_an_account_share_its_bucket(client, rates):
    rates(login_account_client=f"{len(ALICE_SPELLINGS) - 1}/h")
    for spelling in ALICE_SPELLINGS[1:]:
        assert login(client, username=spelling).status_code == 200
    assert login(client, username="alice").status_code == 429
    assert login(client, username="bob").status_code == 200


def test_a_full_width_name_signs_in_as_the_account_it_spells(client):
    # Why the bucket must normalise: authentication itself does (Django's UsernameField).
    User.objects.create_user("alice", password="correct-horse-battery")
    response = login(client, username="ａｌｉｃｅ", password="correct-horse-battery")
    assert response.status_code == 302


@pytest.mark.parametrize(
    ("spelling", "account"),
    [
        ("ＡＬＩＣＥ", "alice"),
        ("Straße", "strasse"),
        ("ﬁnn", "finn"),
        ("J\u030c", "ǰ"),
        ("  x ", "x"),
    ],
)
def test_account_names_are_nfkc_then_case_folded(spelling, account):
    assert account_name(spelling) == account


def test_the_admin_log_in_is_limited_like_the_sites(client, clock):
    User.objects.create_superuser("root", password="correct-horse-battery")
    url = reverse("admin:login")
    assert url == "/admin/login/"
    answers = [
        client.post(url, {"username": "root", "password": f"guess{n}"}, REMOTE_ADDR="10.6.6.6")
        for n in range(40)
    ]
    assert [a.status_code for a in answers] == [200] * 10 + [429] * 30
    # The account's limit for this address (an hour), then the address's own (a minute).
    assert [a["Retry-After"] for a in answers[10:]] == ["3600"] * 20 + ["60"] * 10
    assert "Too many requests" in answers[-1].content.decode()
    right = {"username": "root", "password": "correct-horse-battery"}
    assert client.post(url, right, REMOTE_ADDR="10.6.6.6").status_code == 429
    assert "_auth_user_id" not in client.session
    # The admin from their own address gets in.
    response = client.post(url, {**right, "next": "/admin/"}, REMOTE_ADDR="10.1.1.1")
    assert response.status_code == 302
    assert client.get("/admin/").status_code == 200


def test_the_admin_and_the_site_log_in_share_one_count(client, rates):
    rates(login_account_client="4/h")
    for _ in range(2):
        login(client, username="root")
        client.post(
            reverse("admin:login"), {"username": "ROOT", "password": "x"}, REMOTE_ADDR="10.0.0.1"
        )
    assert login(client, username="root").status_code == 429
    response = client.post(
        reverse("admin:login"), {"username": "root", "password": "x"}, REMOTE_ADDR="10.0.0.1"
    )
    assert response.status_code == 429


def test_it_limits_log_in_attempts_per_address_across_accounts(client, rates):
    rates(login_ip="3/m")
    for n in range(3):
        assert login(client, username=f"user{n}").status_code == 200
    assert login(client, username="someone-else").status_code == 429
    assert login(client, username="someone-else", ip="10.0.0.2").status_code == 200


def test_it_does_not_count_showing_the_log_in_page(client, rates):
    rates(login_ip="1/m")
    for _ in range(5):
        assert client.get(reverse("login"), REMOTE_ADDR="10.0.0.1").status_code == 200
    assert login(client).status_code == 200
    assert login(client).status_code == 429


def test_it_lets_a_real_log_in_through_under_the_default_limits(client):
    User.objects.create_user("ada", password="correct-horse-battery")
    for _ in range(3):
        login(client)
    response = login(client, password="correct-horse-battery")
    assert response.status_code == 302


def test_it_limits_sign_ups_per_address(client, rates, clock):
    rates(signup_ip="2/h")
    for n in range(2):
        client.post(
            reverse("signup"),
            {
                "username": f"new{n}",
                "password1": "a-long-passphrase",
                "password2": "a-long-passphrase",
            },
            REMOTE_ADDR="10.0.0.5",
        )
        client.logout()
    clock.now += 100.5
    response = client.post(
        reverse("signup"),
        {"username": "new9", "password1": "a-long-passphrase", "password2": "a-long-passphrase"},
        REMOTE_ADDR="10.0.0.5",
    )
    assert response.status_code == 429
    assert response["Retry-After"] == "3500"
    assert sorted(User.objects.values_list("username", flat=True)) == ["new0", "new1"]


# --- Adding stories and feeds


@pytest.mark.parametrize("name", ["add_url", "add_upload", "add_paste"])
def test_it_limits_adding_stories_per_user(signed_in, rates, name):
    rates(add_story="2/m")
    for _ in range(2):
        assert signed_in.post(reverse(name), {}).status_code == 400  # invalid, but counted
    response = signed_in.post(reverse(name), {})
    assert response.status_code == 429
    assert "Too many requests" in response.content.decode()
    assert Story.objects.count() == 0


def test_it_shares_one_limit_between_the_three_ways_of_adding(signed_in, rates):
    rates(add_story="2/m")
    signed_in.post(reverse("add_url"), {})
    signed_in.post(reverse("add_upload"), {})
    assert signed_in.post(reverse("add_paste"), {}).status_code == 429


def test_it_counts_each_user_on_their_own(client, rates):
    rates(add_story="1/m")
    for name in ("one", "two"):
        client.force_login(User.objects.create_user(name, password="pw"))
        assert client.post(reverse("add_url"), {}).status_code == 400
        assert client.post(reverse("add_url"), {}).status_code == 429


def test_it_answers_htmx_with_a_fragment(signed_in, rates):
    rates(add_feed="1/m")
    signed_in.post(reverse("source_add"), {}, **HTMX)
    response = signed_in.post(reverse("source_add"), {}, **HTMX)
    assert response.status_code == 429
    body = response.content.decode()
    assert "<html" not in body
    assert 'role="alert"' in body
    assert "Too many requests — try again in" in body
    assert response["Retry-After"]
    assert not Source.objects.exists()


def test_it_limits_feed_imports(signed_in, rates):
    rates(import_feeds="1/m")
    signed_in.post(reverse("sources_import"), {})
    assert signed_in.post(reverse("sources_import"), {}).status_code == 429


def test_it_does_nothing_when_disabled(signed_in, rates, settings):
    rates(add_story="1/m")
    settings.RATELIMIT_ENABLED = False
    for _ in range(3):
        assert signed_in.post(reverse("add_url"), {}).status_code == 400
    assert not RateLimitCounter.objects.exists()


def test_it_stores_no_client_address_or_username():
    hit("login-account", "username:ada@example.com", Rate(5, 60))
    stored = RateLimitCounter.objects.get().key
    assert "ada" not in stored
    assert len(stored) == 64


# --- Annotations and replies


def test_it_limits_creating_annotations_per_user(signed_in, rates):
    from annotations.models import Annotation
    from tests.factories import make_story

    rates(annotate="2/m")
    story = make_story("Limits").story
    url = reverse("annotation_create", args=[story.pk])
    for _ in range(2):
        assert signed_in.post(url, {}).status_code == 400  # no selection, but counted
    response = signed_in.post(url, {})
    assert response.status_code == 429
    assert response["Retry-After"]
    assert not Annotation.objects.exists()


def test_it_limits_replies_per_user_but_not_reading_them(signed_in, rates):
    from annotations.models import Reply, Visibility
    from annotations.testing import annotate
    from tests.factories import make_story

    rates(reply="2/m")
    story = make_story("Limits").story
    host = User.objects.create_user("host", password="pw")
    annotation = annotate(story, host, "storage layer", visibility=Visibility.PUBLIC)
    url = reverse("annotation_replies", args=[annotation.pk])
    for n in range(2):
        assert signed_in.post(url, {"body": f"Reply {n}"}).status_code == 302
    assert signed_in.post(url, {"body": "One too many"}).status_code == 429
    assert signed_in.get(url).status_code == 200
    assert list(Reply.objects.values_list("body", flat=True).order_by("pk")) == [
        "Reply 0",
        "Reply 1",
    ]


# --- The decorator


def test_it_gives_each_anonymous_client_its_own_bucket_under_a_user_key(rates):
    view = ratelimit(key="user", rate="1/m", scope="t", method="GET")(ok)
    factory = RequestFactory()

    def get(ip: str, user=None):
        request = factory.get("/", REMOTE_ADDR=ip)
        if user is not None:
            request.user = user
        return view(request).status_code

    assert get("10.0.0.1", AnonymousUser()) == 200
    assert get("10.0.0.1", AnonymousUser()) == 429
    assert get("10.0.0.2", AnonymousUser()) == 200
    # Without the authentication middleware there is no user at all: the address counts.
    assert get("10.0.0.3") == 200
    assert get("10.0.0.3") == 429


def test_it_counts_a_signed_in_reader_from_any_address(rates):
    view = ratelimit(key="user", rate="1/m", scope="t", method="GET")(ok)
    ada = User.objects.create_user("ada", password="pw")
    statuses = []
    for ip in ("10.0.0.1", "10.0.0.2"):
        request = RequestFactory().get("/", REMOTE_ADDR=ip)
        request.user = ada
        statuses.append(view(request).status_code)
    assert statuses == [200, 429]


def test_it_keys_on_what_a_key_function_returns_and_skips_an_empty_key(rates):
    view = ratelimit(key=posted("email"), rate="1/m", scope="t")(ok)
    factory = RequestFactory()
    assert view(factory.post("/", {"email": "A@example.com"})).status_code == 200
    assert view(factory.post("/", {"email": " a@example.com"})).status_code == 429
    assert view(factory.post("/", {"email": "b@example.com"})).status_code == 200
    for _ in range(3):  # nothing to key on: not limited by this decorator
        assert view(factory.post("/", {"email": ""})).status_code == 200


@pytest.mark.parametrize(
    ("method", "limited", "free"),
    [("POST", "POST", "GET"), (("GET", "PUT"), "PUT", "POST"), (("GET", "PUT"), "GET", "HEAD")],
)
def test_it_limits_only_the_methods_it_names(rates, method, limited, free):
    view = ratelimit(key="ip", rate="1/m", scope="t", method=method)(ok)
    factory = RequestFactory()
    for _ in range(3):
        assert view(factory.generic(free, "/")).status_code == 200
    assert view(factory.generic(limited, "/")).status_code == 200
    assert view(factory.generic(limited, "/")).status_code == 429


def test_it_answers_a_plain_request_with_the_whole_page(rates):
    view = ratelimit(key="ip", rate="1/m", scope="t")(ok)
    view(RequestFactory().post("/"))
    response = view(RequestFactory().post("/"))  # no htmx middleware, no request.htmx
    assert response.status_code == 429
    assert "<html" in response.content.decode()


def test_it_is_on_unless_switched_off(rates, settings):
    del settings.RATELIMIT_ENABLED
    view = ratelimit(key="ip", rate="1/m", scope="t")(ok)
    view(RequestFactory().post("/"))
    assert view(RequestFactory().post("/")).status_code == 429


def test_retry_after_is_the_rest_of_the_window_rounded_up_and_at_least_one(rates, clock):
    view = ratelimit(key="ip", rate="2/m", scope="t")(ok)
    view(RequestFactory().post("/"))  # the window ends 60 s from now
    view(RequestFactory().post("/"))
    answers = []
    for elapsed in (0.0, 0.5, 30.25, 59.0, 59.75):
        clock.now = 1_000_000.0 + elapsed
        answers.append(view(RequestFactory().post("/"))["Retry-After"])
    assert answers == ["60", "60", "30", "1", "1"]
    clock.now = 1_000_060.0  # a new window
    assert view(RequestFactory().post("/")).status_code == 200


@pytest.mark.parametrize(
    ("draw", "swept"), [(0.0, True), (0.0099, True), (0.01, False), (0.05, False)]
)
def test_it_sweeps_expired_counters_on_about_one_request_in_a_hundred(monkeypatch, draw, swept):
    rate = Rate(limit=5, period=60)
    hit("s", "old", rate, now=0.0)
    monkeypatch.setattr(newsreader.ratelimit.random, "random", lambda: draw)
    hit("s", "new", rate, now=1000.0)
    assert RateLimitCounter.objects.count() == (1 if swept else 2)
