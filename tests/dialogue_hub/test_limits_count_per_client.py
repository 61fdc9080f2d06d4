"""Rate limits count per client and per target, never per proxy: behind the TLS proxy
production assumes, REMOTE_ADDR is the proxy for every visitor, so a limit keyed on it closes
a form for the whole site. The client is the address our N trusted proxies recorded in
X-Forwarded-For (DIALOGUE_HUB_TRUSTED_PROXY_HOPS); with no trusted proxy the header is ignored
(anyone can send one). Every limit is covered: registration, the manage-link request, the
site's sign-in (allauth) and the admin's sign-in."""

import pytest
from django.test import RequestFactory
from django.urls import reverse

from dialogue_hub import ratelimit
from participants.views import public

from ..factories import PASSWORD, InitiativeFactory, RegistrationSettingsFactory, UserFactory

pytestmark = pytest.mark.django_db

PROXY = "10.0.0.2"  # what REMOTE_ADDR is for everyone behind the proxy


def through_proxy(client_address):
    """The request headers a visitor at `client_address` arrives with behind one proxy that
    appends the address it received the request from (and a value the visitor made up)."""
    return {"REMOTE_ADDR": PROXY, "HTTP_X_FORWARDED_FOR": f"6.6.6.6, {client_address}"}


@pytest.fixture
def one_proxy(settings):
    settings.DIALOGUE_HUB_TRUSTED_PROXY_HOPS = 1


@pytest.mark.parametrize(
    ("hops", "forwarded", "expected"),
    [
        (0, "6.6.6.6", "10.0.0.2"),  # no trusted proxy: a client's header is ignored
        (1, "6.6.6.6, 203.0.113.5", "203.0.113.5"),  # the proxy appended the client
        (2, "6.6.6.6, 203.0.113.5, 10.0.0.1", "203.0.113.5"),  # two proxies of ours
        (2, "203.0.113.5", "203.0.113.5"),  # fewer entries than proxies: the leftmost
        (1, "6.6.6.6, 203.0.113.5:4711", "203.0.113.5"),  # a load balancer wrote the port
        (1, "[2001:db8::1]:4711", "2001:db8::1"),  # IPv6 in brackets, with a port
        (1, "6.6.6.6, not-an-address", "10.0.0.2"),  # garbage: REMOTE_ADDR
        (1, "", "10.0.0.2"),  # no header
    ],
)
def test_the_client_address_comes_from_the_trusted_proxy_hops(settings, hops, forwarded, expected):
    settings.DIALOGUE_HUB_TRUSTED_PROXY_HOPS = hops
    request = RequestFactory().get("/", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=forwarded)
    assert ratelimit.client_ip(request) == expected


def test_an_ipv6_client_is_counted_by_its_64_network(settings):
    settings.DIALOGUE_HUB_TRUSTED_PROXY_HOPS = 1
    first = RequestFactory().get("/", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="2001:db8:1:2::5")
    other = RequestFactory().get("/", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="2001:db8:1:2::9")
    assert ratelimit.client_key(first) == ratelimit.client_key(other) == "2001:db8:1:2::/64"


@pytest.fixture
def open_initiative():
    initiative = InitiativeFactory(is_published=True)
    RegistrationSettingsFactory(initiative=initiative)
    return initiative


def test_one_client_exhausting_registration_leaves_it_open_for_the_next(
    client, one_proxy, open_initiative
):
    url = reverse("participants:register", args=[open_initiative.slug])
    for n in range(public.REGISTRATIONS_PER_IP_PER_HOUR):
        junk = {"email": f"junk-{n}@example.net"}
        assert client.post(url, junk, **through_proxy("198.51.100.1")).status_code == 200
    assert (
        client.post(url, {"email": "x@example.net"}, **through_proxy("198.51.100.1")).status_code
        == 429
    )
    answer = client.post(url, {"email": "y@example.net"}, **through_proxy("198.51.100.2"))
    assert answer.status_code == 200  # the form's own errors: registration is open


def test_registration_attempts_for_one_address_are_limited_across_clients(
    client, one_proxy, open_initiative
):
    url = reverse("participants:register", args=[open_initiative.slug])
    for n in range(public.REGISTRATIONS_PER_ADDRESS_PER_HOUR):
        answer = client.post(
            url, {"email": "Target@example.net"}, **through_proxy(f"203.0.113.{n}")
        )
        assert answer.status_code == 200
    answer = client.post(url, {"email": "target@example.net "}, **through_proxy("203.0.113.200"))
    assert answer.status_code == 429
    assert "Too many attempts for this email address" in answer.content.decode()
    other = client.post(url, {"email": "other@example.net"}, **through_proxy("203.0.113.201"))
    assert other.status_code == 200


def test_invisible_characters_do_not_make_one_address_many(client, one_proxy, open_initiative):
    """The form drops bidi controls from the address it reads; the limit counts the same one."""
    url = reverse("participants:register", args=[open_initiative.slug])
    for n in range(public.REGISTRATIONS_PER_ADDRESS_PER_HOUR):
        disguised = "target@example.net" + "\u200e" * n + "\u202e" * (n % 2)
        answer = client.post(url, {"email": disguised}, **through_proxy(f"203.0.113.{n}"))
        assert answer.status_code == 200
    answer = client.post(url, {"email": "target@example.net"}, **through_proxy("203.0.113.99"))
    assert answer.status_code == 429


def test_a_guardians_address_is_limited_across_clients(client, one_proxy, open_initiative):
    """A child's registration names a guardian who is emailed: their address is a target too."""
    url = reverse("participants:register", args=[open_initiative.slug])
    for n in range(public.REGISTRATIONS_PER_ADDRESS_PER_HOUR):
        posted = {"age_band": "under_13", "guardian_email": "parent@example.net"}
        assert client.post(url, posted, **through_proxy(f"203.0.113.{n}")).status_code == 200
    posted = {"age_band": "under_13", "guardian_email": "Parent@Example.net"}
    assert client.post(url, posted, **through_proxy("203.0.113.99")).status_code == 429


def test_link_requests_count_per_client_and_per_address(client, one_proxy, open_initiative):
    url = reverse("participants:link_request", args=[open_initiative.slug])
    for n in range(public.LINK_REQUESTS_PER_IP_PER_HOUR):
        answered = client.post(
            url, {"email": f"someone-{n}@example.net"}, **through_proxy("198.51.100.1")
        )
        assert answered.status_code == 302, n  # every one up to the limit is taken
    refused = client.post(url, {"email": "a@example.net"}, **through_proxy("198.51.100.1"))
    assert refused.status_code == 429
    assert (
        client.post(url, {"email": "a@example.net"}, **through_proxy("198.51.100.2")).status_code
        == 302
    )
    for n in range(public.LINK_REQUESTS_PER_ADDRESS_PER_HOUR - 1):
        answered = client.post(url, {"email": "a@example.net"}, **through_proxy(f"203.0.113.{n}"))
        assert answered.status_code == 302, n
    refused = client.post(url, {"email": "a@example.net"}, **through_proxy("203.0.113.100"))
    assert refused.status_code == 429


def test_failed_sign_ins_from_one_client_do_not_lock_out_the_others(client, one_proxy):
    """allauth's 10 failed sign-ins a minute per address count the client, not the proxy."""
    UserFactory(email="member@example.org")
    login = reverse("account_login")
    for n in range(10):
        client.post(
            login,
            {"login": f"guess-{n}@example.org", "password": "wrong-password"},
            **through_proxy("198.51.100.1"),
        )
    refused = client.post(
        login,
        {"login": "member@example.org", "password": PASSWORD},
        **through_proxy("198.51.100.1"),
    )
    assert "Too many failed login attempts" in refused.content.decode()
    assert "_auth_user_id" not in client.session
    answer = client.post(
        login,
        {"login": "member@example.org", "password": PASSWORD},
        **through_proxy("198.51.100.2"),
    )
    assert answer.status_code == 302
    assert "_auth_user_id" in client.session


def test_the_admin_sign_in_limits_a_client_trying_many_usernames(client, one_proxy):
    UserFactory(email="admin@example.org", is_staff=True, is_superuser=True)
    url = reverse("admin:login")

    def attempt(username, password, client_address):
        return client.post(
            url,
            {"username": username, "password": password, "next": reverse("admin:index")},
            **through_proxy(client_address),
        )

    statuses = [
        attempt(f"user-{n}@example.org", "guess", "198.51.100.1").status_code for n in range(25)
    ]
    assert statuses.count(200) == 10  # the 11th username onwards is refused
    assert set(statuses[10:]) == {429}
    refused = attempt("admin@example.org", PASSWORD, "198.51.100.1")
    assert refused.status_code == 429
    assert "from your connection" in refused.content.decode()
    assert attempt("admin@example.org", PASSWORD, "198.51.100.2").status_code == 302
