"""The declared settings: defaults, parsing, validation, and how the commands read them."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from partnerdir.cli import main
from partnerdir.serve_command import environment
from partnerdir.settings import DECLARED, SettingError, Settings, default, read, source


def test_the_defaults_are_those_of_a_local_setup(tmp_path: Path) -> None:
    settings = Settings.from_env({"root": tmp_path}, environ={})
    assert settings == Settings(
        root=tmp_path, database_url=f"sqlite:///{tmp_path}/instance/partnerdir.sqlite3",
        mail_url=f"maildir://{tmp_path}/instance/mail", redis_url="", secret_key="",
        site_url="http://127.0.0.1:8000/", service_url="http://127.0.0.1:5000/",
        rate_limit="5/minute;50/day", refused_rate_limit="30/minute;300/day",
        email_rate_limit="3/hour;10/day", hold_rate_limit="3/day", hold_doubtful=1,
        form_min_seconds=4, max_body_bytes=16384, accept_deadline_hours=48,
        link_max_age_days=14, consent_version="2026-11", trusted_proxies=0, mail_from="",
        mail_connections=4, time_zone="Europe/Berlin",
        followup_days=14, feedback_link_days=30, member_link_days=60, retention_days=180,
        form_service_url="", network_git="", network_branch="main", network_sync_seconds=300,
        webhook_secret="", serve_host="127.0.0.1", serve_port=8000, serve_service_port=5000,
        statistics_file=(tmp_path / "instance" / "statistics.json").resolve(),
    )
    assert settings.site_origin == "http://127.0.0.1:8000"


def test_reading_the_settings_writes_nothing(tmp_path: Path) -> None:
    Settings.from_env({"root": tmp_path}, environ={})
    assert list(tmp_path.iterdir()) == []  # the signing key is made where the service starts


def test_values_are_parsed_from_the_environment(tmp_path: Path) -> None:
    environ = {"PARTNERDIR_ROOT": str(tmp_path / "network" / ".."),
               "PARTNERDIR_SITE_URL": "https://site.example/sub//",
               "PARTNERDIR_RETENTION_DAYS": "90", "PARTNERDIR_REDIS_URL": "",
               "PARTNERDIR_SERVE_PORT": "8001", "OTHER_RETENTION_DAYS": "1"}
    settings = Settings.from_env(environ=environ)
    assert settings.root == tmp_path
    assert settings.database_url == f"sqlite:///{tmp_path}/instance/partnerdir.sqlite3"
    assert (settings.site_url, settings.site_origin) == ("https://site.example/sub/",
                                                         "https://site.example")
    assert (settings.retention_days, settings.serve_port) == (90, 8001)
    assert settings.redis_url == ""  # empty is unset
    assert [source(n, environ=environ) for n in ("retention_days", "redis_url")] == [
        "environment", "default"]


def test_overrides_come_before_the_environment() -> None:
    environ = {"PARTNERDIR_RATE_LIMIT": "1/day", "PARTNERDIR_FOLLOWUP_DAYS": "3"}
    overrides = {"rate_limit": "9/minute"}
    settings = Settings.from_env(overrides, environ)
    assert (settings.rate_limit, settings.followup_days) == ("9/minute", 3)
    assert read("rate_limit", overrides, environ) == "9/minute"
    assert source("rate_limit", overrides, environ) == "override"


@pytest.mark.parametrize(("name", "value", "message"), [
    ("retention_days", "0", "PARTNERDIR_RETENTION_DAYS must be at least 1, not 0"),
    ("followup_days", "-1", "PARTNERDIR_FOLLOWUP_DAYS must be at least 0, not -1"),
    ("feedback_link_days", "0", "PARTNERDIR_FEEDBACK_LINK_DAYS must be at least 1, not 0"),
    ("max_body_bytes", "16k", "PARTNERDIR_MAX_BODY_BYTES must be a whole number, not '16k'"),
    ("serve_port", "0", "PARTNERDIR_SERVE_PORT must be at least 1, not 0"),
    ("network_sync_seconds", "0", "PARTNERDIR_NETWORK_SYNC_SECONDS must be at least 1, not 0"),
    ("network_branch", "--upload-pack=touch",
     "PARTNERDIR_NETWORK_BRANCH must be a branch name such as main, not '--upload-pack=touch'"),
    ("network_branch", "main..x",
     "PARTNERDIR_NETWORK_BRANCH must be a branch name such as main, not 'main..x'"),
], ids=["retention", "followup", "feedback-link", "not-a-number", "port", "sync-interval",
        "branch-option", "branch-dots"])
def test_a_bad_value_names_its_variable(name: str, value: str, message: str) -> None:
    with pytest.raises(SettingError) as raised:
        Settings.from_env(environ={f"PARTNERDIR_{name.upper()}": value})
    assert str(raised.value) == message
    with pytest.raises(SettingError, match=message):
        Settings.from_env({name: value}, environ={})


def test_followups_can_be_switched_off() -> None:
    assert Settings.from_env({"followup_days": 0}, environ={}).followup_days == 0


def test_an_unknown_override_is_refused() -> None:
    with pytest.raises(SettingError, match="unknown settings \\['retention'\\]"):
        Settings.from_env({"retention": 30}, environ={})


def test_every_setting_has_help_and_a_default_of_its_type() -> None:
    for name, declaration in DECLARED.items():
        assert declaration.help.endswith("."), name
        assert declaration.variable == f"PARTNERDIR_{name.upper()}"
        assert isinstance(default(name), type(getattr(Settings.from_env(environ={}), name)))


def test_serve_hands_its_children_their_settings(tmp_path: Path) -> None:
    env = environment(tmp_path, "127.0.0.1", 8001, 5001)
    settings = Settings.from_env(environ=env)
    assert settings.root == tmp_path
    assert settings.mail_url == f"maildir://{tmp_path}/instance/mail"
    assert settings.site_url == "http://127.0.0.1:8001/"
    assert settings.service_url == settings.form_service_url == "http://127.0.0.1:5001/"


def invoke(*args: str, **env: str) -> tuple[int, str]:
    unset: dict[str, str | None] = {d.variable: None for d in DECLARED.values()}
    result = CliRunner().invoke(main, list(args), env={**unset, **env})
    return result.exit_code, result.output


def test_the_settings_command_shows_values_sources_and_defaults(tmp_path: Path) -> None:
    code, output = invoke("settings", PARTNERDIR_ROOT=str(tmp_path),
                          PARTNERDIR_SECRET_KEY="very-secret",
                          PARTNERDIR_MAIL_URL="smtp://user:pa55@mail.example:587")
    assert code == 0, output
    blocks = {block.splitlines()[-1].split("=", 1)[0]: block
              for block in output.strip().split("\n\n")}
    assert list(blocks) == [d.variable for d in DECLARED.values()]
    assert "very-secret" not in output and "pa55" not in output
    assert blocks["PARTNERDIR_SECRET_KEY"].endswith("\nPARTNERDIR_SECRET_KEY=***")
    assert blocks["PARTNERDIR_MAIL_URL"].endswith("=smtp://user:***@mail.example:587")
    assert blocks["PARTNERDIR_ROOT"] == (
        "# Network folder with network.yaml and partners/.\n"
        f"# set in the environment; default: .\nPARTNERDIR_ROOT={tmp_path}")
    assert blocks["PARTNERDIR_RETENTION_DAYS"].endswith(
        "# not set; default: 180\nPARTNERDIR_RETENTION_DAYS=180")
    code, output = invoke("--root", str(tmp_path / "other"), "settings")
    assert f"# set by --root; default: .\nPARTNERDIR_ROOT={tmp_path / 'other'}\n" in output


@pytest.mark.parametrize("args", [["settings"], ["ledger"], ["serve"]])
def test_commands_end_with_the_name_of_a_bad_setting(args: list[str], tmp_path: Path) -> None:
    code, output = invoke("--root", str(tmp_path), *args, PARTNERDIR_MAX_BODY_BYTES="lots",
                          PARTNERDIR_SERVE_PORT="lots")
    assert code == 1
    assert output.splitlines()[-1].startswith("Error: PARTNERDIR_")
    assert "must be a whole number, not 'lots'" in output


def test_serve_takes_its_defaults_from_the_settings() -> None:
    code, output = invoke("serve", "--help")
    assert code == 0
    assert "PARTNERDIR_SERVE_PORT, else 8000" in output
    assert "PARTNERDIR_SERVE_SERVICE_PORT, else 5000" in output
