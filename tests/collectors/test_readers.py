from __future__ import annotations

import json
import string

from hypothesis import given
from hypothesis import strategies as st

from driftwatch.collectors.masking import mask_credentials, mask_document
from driftwatch.collectors.readers import read_dotenv, read_ini, read_json, read_python, read_toml, read_yaml
from driftwatch.fingerprint import Fingerprinter

FP = Fingerprinter(b"test-key")


def test_python_constants_classes_dicts_and_env_defaults() -> None:
    parsed = read_python(
        "import os\n"
        "BASE = 'https://api'\n"
        "URL = f'{BASE}/v1'\n"
        "PORT = int(os.getenv('PORT', '6379'))\n"
        "KEY = os.environ.get('E2E_KEY', 'default-key')\n"
        "REQUIRED = os.getenv('NEEDED')\n"
        "class Ws:\n    PROTOCOLS = ['jwt-auth']\n    class Inner:\n        N = -3\n"
        "TIMEOUTS = {'auth': 10, 'agent': 60}\n"
        "DYNAMIC = compute(1)\n"
    )
    doc = parsed.document
    assert doc["URL"] == "https://api/v1"
    assert doc["PORT"] == 6379
    assert doc["KEY"] == "default-key"
    assert doc["REQUIRED"] is None
    assert doc["Ws"] == {"PROTOCOLS": ["jwt-auth"], "Inner": {"N": -3}}
    assert doc["TIMEOUTS"] == {"auth": 10, "agent": 60}
    assert doc["DYNAMIC"] == {"unresolved": "compute(1)"}
    assert "DYNAMIC" in parsed.unresolved
    assert parsed.lines["Ws.Inner.N"] == 10


def test_python_is_never_executed(tmp_path) -> None:  # type: ignore[no-untyped-def]
    marker = tmp_path / "executed"
    read_python(f"open({str(marker)!r}, 'w').write('x')\nA = __import__('os').system('true')\n")
    assert not marker.exists()


def test_structured_formats_nest_and_key_named_lists() -> None:
    assert read_yaml("a:\n  b: 1\nitems:\n  - {name: x, v: 1}\n  - {name: y, v: 2}\n").document == {
        "a": {"b": 1},
        "items": {"x": {"v": 1}, "y": {"v": 2}},
    }
    assert read_json('{"a": {"b": [1, 2]}}').document == {"a": {"b": [1, 2]}}
    assert read_toml("[server]\nport = 1\nwhen = 2025-01-01\n").document == {
        "server": {"port": 1, "when": "2025-01-01"}
    }
    assert read_ini("[pytest]\naddopts = -q\nmarkers = e2e\n").document == {
        "pytest": {"addopts": "-q", "markers": "e2e"}
    }


def test_dotenv_never_touches_the_environment(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("HOME_REF", "should-not-expand")
    parsed = read_dotenv("A=1\nexport B='two words'\nC=${HOME_REF}\n# comment\n")
    assert parsed.document == {"A": "1", "B": "two words", "C": "${HOME_REF}"}
    assert parsed.lines == {"A": 1, "B": 2, "C": 3}
    import os

    assert "A" not in os.environ


keys = st.from_regex(r"[A-Z][A-Z0-9_]{0,15}", fullmatch=True)
values = st.text(alphabet=string.ascii_letters + string.digits + "-_./:@", max_size=40)


@given(st.dictionaries(keys, values, max_size=10))
def test_dotenv_round_trips(mapping: dict[str, str]) -> None:
    text = "".join(f"{k}='{v}'\n" for k, v in mapping.items())
    assert read_dotenv(text).document == mapping


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=10),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=5), children, max_size=3),
    max_leaves=20,
)


@given(st.dictionaries(st.text(max_size=8), json_values, max_size=6))
def test_json_and_yaml_readers_agree(data: dict[str, object]) -> None:
    import yaml

    from_json = read_json(json.dumps(data)).document
    assert read_yaml(yaml.safe_dump(data)).document == from_json


@given(st.text(max_size=200))
def test_python_reader_never_raises_anything_but_reader_problem(source: str) -> None:
    import contextlib

    from driftwatch.collectors.readers import ReaderProblem

    with contextlib.suppress(ReaderProblem):
        read_python(source)


def test_credentials_are_masked_whatever_the_key() -> None:
    masked, hit = mask_credentials("postgresql://user:s3cret@db.internal:5432/app", FP)
    assert hit and masked.startswith("postgresql://user:fp:") and masked.endswith("@db.internal:5432/app")
    assert "s3cret" not in masked
    masked, hit = mask_credentials("Bearer abcdefghijklmnop", FP)
    assert hit and masked == "Bearer " + FP("abcdefghijklmnop")
    jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjMifQ.sig_nature"
    assert mask_credentials(f"token={jwt}", FP) == (f"token={FP(jwt)}", True)
    pem = "-----BEGIN RSA PRIVATE KEY-----\nMIIabc\n-----END RSA PRIVATE KEY-----"
    assert mask_credentials(pem, FP) == (FP(pem), True)
    assert mask_credentials("https://example.com/path", FP) == ("https://example.com/path", False)


def test_mask_is_idempotent_on_fingerprints() -> None:
    once, _ = mask_credentials("postgresql://u:pw-value@h/db", FP)
    assert mask_credentials(once, FP) == (once, False)


def test_secret_keys_match_last_segment_case_insensitively() -> None:
    masked = mask_document({"Auth": {"api_key": "abcdefgh12345", "url": "https://x"}, "PORT": 80}, ["*KEY*"], FP)
    assert masked.value == {"Auth": {"api_key": FP("abcdefgh12345"), "url": "https://x"}, "PORT": 80}
    assert masked.secret_literals == ["Auth.api_key"]
