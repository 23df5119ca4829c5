import time

from carefront.webhooks.signing import signature_header, verify_signature

from .helpers import documented_verify, independent_signature, parse_signature_header

SECRET = "whsec_" + "ab" * 32
BODY = b'{"id": "1", "type": "ping", "data": {"message": "h\xc3\xa9llo"}}'


def test_signature_matches_an_independent_hmac():
    header = signature_header(secret=SECRET, body=BODY, timestamp=1767960000)
    timestamp, signature = parse_signature_header(header)
    assert timestamp == "1767960000"
    assert signature == independent_signature(SECRET, timestamp, BODY)


def test_documented_verify_accepts_a_fresh_signature():
    verify = documented_verify()
    assert verify(SECRET, signature_header(secret=SECRET, body=BODY), BODY)


def test_documented_verify_refuses_a_tampered_body():
    verify = documented_verify()
    header = signature_header(secret=SECRET, body=BODY)
    assert not verify(SECRET, header, BODY.replace(b"ping", b"pong"))


def test_documented_verify_refuses_a_stale_timestamp():
    verify = documented_verify()
    header = signature_header(secret=SECRET, body=BODY, timestamp=int(time.time()) - 301)
    assert not verify(SECRET, header, BODY)


def test_documented_verify_refuses_another_secret_and_garbage():
    verify = documented_verify()
    header = signature_header(secret=SECRET, body=BODY)
    assert not verify("whsec_other", header, BODY)
    assert not verify(SECRET, "v1=abc", BODY)
    assert not verify(SECRET, "t=notanumber,v1=abc", BODY)
    assert not verify(SECRET, "", BODY)


def test_our_own_verifier_agrees_with_the_documented_one():
    verify = documented_verify()
    fresh = signature_header(secret=SECRET, body=BODY)
    stale = signature_header(secret=SECRET, body=BODY, timestamp=int(time.time()) - 600)
    for header, body in [(fresh, BODY), (stale, BODY), (fresh, BODY + b" ")]:
        assert verify_signature(secret=SECRET, header=header, body=body) == verify(
            SECRET, header, body
        )
