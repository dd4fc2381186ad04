"""The current line's pure pieces: the mirror's image names, releases in order, the .env
(CHT's keys, the operator's own lines kept), and the compose files' release."""

from __future__ import annotations

from installer.answers import InstallConfig
from installer.lines import env_values, password_in
from installer.lines.current.steps import extra_lines, new_words, release_key, render_env
from installer.lines.table import line_for


def test_a_mirror_keeps_the_repository_path_without_the_registry_host() -> None:
    config = InstallConfig(registry="mirror.example.org:5000", cht_version="5.0.2")
    assert config.image_ref("public.ecr.aws/medic/cht-api:5.0.2") == (
        "mirror.example.org:5000/medic/cht-api:5.0.2")
    assert config.image_ref("medicmobile/medic-os:cht-3.9.0-rc.2") == (
        "mirror.example.org:5000/medicmobile/medic-os:cht-3.9.0-rc.2")
    assert InstallConfig().image_ref("public.ecr.aws/medic/cht-api:5.0.2") == (
        "public.ecr.aws/medic/cht-api:5.0.2")


def test_releases_sort_as_cht_numbers_them() -> None:
    ordered = ["4.9.0", "4.21.1", "5.0.2-rc.1", "5.0.2", "5.1.0"]
    assert sorted(reversed(ordered), key=release_key) == ordered


def test_env_has_chts_keys_and_keeps_the_operators_lines() -> None:
    before = ("# Written by cht-install from CHT's Docker install page; keep secret (0600).\n"
              "COUCHDB_PASSWORD=old-one\n# mine: proxy settings\nPROXY_CHANGE_ORIGIN=true\n")
    settings = {"CHT_COMPOSE_PROJECT_NAME": "cht", "COUCHDB_USER": "medic"}
    made = {"COUCHDB_PASSWORD": "old-one", "COUCHDB_SECRET": "s", "COUCHDB_UUID": "u"}
    text = render_env(settings, made, extra_lines(before, set(settings) | set(made)))
    values = env_values(text)
    assert values["PROXY_CHANGE_ORIGIN"] == "true" and values["COUCHDB_PASSWORD"] == "old-one"
    assert "# mine: proxy settings" in text
    assert text.count("# Written by cht-install") == 1
    assert password_in(text, line_for(InstallConfig(cht_version="5.0.2"))) == "old-one"
    assert password_in(text, line_for(InstallConfig())) is None  # 3.x keeps another key


def test_new_secrets_are_long_url_safe_and_never_the_same() -> None:
    made = {new_words() for _ in range(50)}
    assert len(made) == 50
    for secret in made:
        assert len(secret) >= 40 and secret.replace("-", "").isalnum()
