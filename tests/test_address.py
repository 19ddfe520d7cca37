from hypothesis import given
from hypothesis import strategies as st

from driftwatch.address import Address, AddressGlob, format_path, parse_path

segment = st.text(min_size=1, max_size=12).filter(lambda s: "\x00" not in s)


@given(st.lists(segment, min_size=1, max_size=6))
def test_path_round_trips_through_its_text(path: list[str]) -> None:
    assert parse_path(format_path(path)) == tuple(path)


@given(
    st.from_regex(r"[a-z][a-z0-9-]{0,10}", fullmatch=True),
    st.from_regex(r"[a-z][a-z0-9._/-]{0,20}[a-z]", fullmatch=True),
    st.lists(segment, min_size=1, max_size=4),
)
def test_address_round_trips(source: str, resource: str, path: list[str]) -> None:
    address = Address(source, resource.replace("//", "/"), tuple(path))
    assert Address.parse(str(address)) == address


def test_annotation_keys_with_dots_are_quoted() -> None:
    address = Address("cloud-run", "api", ("annotations", "run.googleapis.com/ingress"))
    assert str(address) == 'cloud-run/api:annotations."run.googleapis.com/ingress"'


def test_star_matches_one_segment_and_double_star_many() -> None:
    image = Address.parse("cloud-run/api:template.containers.app.image")
    assert AddressGlob.parse("cloud-run/*:template.containers.*.image").matches(image)
    assert not AddressGlob.parse("cloud-run/*:template.*.image").matches(image)
    assert AddressGlob.parse("cloud-run/*:template.**.image").matches(image)
    assert AddressGlob.parse("cloud-run/*:**").matches(image)
    assert not AddressGlob.parse("secrets/*:**").matches(image)


def test_resource_globs_are_segmented_like_paths() -> None:
    glob = AddressGlob.parse("e2e/tests/*/*.py")
    assert glob.matches_resource("e2e", "tests/e2e/config.py")
    assert not glob.matches_resource("e2e", "tests/e2e/deep/config.py")
    assert AddressGlob.parse("e2e/**").matches_resource("e2e", "tests/e2e/deep/config.py")


def test_whole_resource_glob_covers_resource_level_address_only_when_pathless() -> None:
    resource = Address("cloud-run", "legacy")
    assert AddressGlob.parse("cloud-run/legacy").matches(resource)
    assert AddressGlob.parse("cloud-run/legacy").covers_whole_resource
    assert not AddressGlob.parse("cloud-run/legacy:template.timeout").matches(resource)


def test_segment_partial_globs() -> None:
    assert AddressGlob.parse("secrets/jwt-*").matches_resource("secrets", "jwt-signing")
    assert not AddressGlob.parse("secrets/jwt-*").matches_resource("secrets", "e2e-key")
