"""Which address the audit log and the lockouts believe a request came from."""

from django.test import RequestFactory, override_settings

from accounts.request_ip import client_ip


def _request(remote="203.0.113.9", forwarded=None):
    headers = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        headers["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **headers)


def test_without_trusted_proxies_x_forwarded_for_is_ignored_because_anyone_can_send_it():
    assert client_ip(_request(forwarded="198.51.100.1")) == "203.0.113.9"


@override_settings(TRUSTED_PROXY_COUNT=1)
def test_behind_one_proxy_the_client_is_the_last_forwarded_address():
    # The leftmost entry was written by the client itself: a lie the proxy passed along.
    assert client_ip(_request(forwarded="10.9.9.9, 198.51.100.1")) == "198.51.100.1"


@override_settings(TRUSTED_PROXY_COUNT=2)
def test_behind_two_proxies_the_client_is_the_second_from_the_right():
    assert client_ip(_request(forwarded="10.9.9.9, 198.51.100.1, 172.16.0.5")) == "198.51.100.1"


@override_settings(TRUSTED_PROXY_COUNT=2)
def test_too_few_forwarded_addresses_falls_back_to_the_connection():
    assert client_ip(_request(forwarded="198.51.100.1")) == "203.0.113.9"


@override_settings(TRUSTED_PROXY_COUNT=1)
def test_a_malformed_forwarded_address_falls_back_to_the_connection():
    assert client_ip(_request(forwarded="not-an-address")) == "203.0.113.9"


def test_ipv6_addresses_are_kept_in_their_normal_form():
    assert client_ip(_request(remote="2001:DB8::1")) == "2001:db8::1"


def test_no_usable_address_gives_none():
    assert client_ip(_request(remote="")) is None
