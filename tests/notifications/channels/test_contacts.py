"""Contacts: Apprise YAML files, tag routing with AND semantics, masked URLs, the fresh-install file."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from models.enums import Role, recipient_key
from models.errors import NotificationError
from notifications.channels.contacts import Contacts, Recipient, default_contacts_yaml
from tests.notifications.helpers import write_contacts

WECOM_KEY = "0a1b2c3d-duban-secret-key"

ROUTING_YAML = f"""
version: 1
urls:
  - json://127.0.0.1:9/zhenlong-handler:
      - tag: unit-zhenlong, role-handler
  - wecombot://{WECOM_KEY}:
      - tag: unit-zhenlong, role-head
  - json://127.0.0.1:9/zhenlong-only:
      - tag: unit-zhenlong
  - json://127.0.0.1:9/untagged
  - json://127.0.0.1:9/always:
      - tag: always
  - json://127.0.0.1:9/leader:
      - tag: role-leader
  - json://127.0.0.1:9/handler-two:
      - tag: Unit-Zhenlong, role-handler, extra
"""


class TestRecipient:
    @pytest.mark.parametrize(
        ("recipient", "tags", "key"),
        [
            (Recipient("zhenlong", "handler"), ("unit-zhenlong", "role-handler"), "unit-zhenlong+role-handler"),
            (Recipient("city-gov", "head"), ("unit-city-gov", "role-head"), "unit-city-gov+role-head"),
            (Recipient(None, "leader"), ("role-leader",), "role-leader"),
            (Recipient(None, "coordinator"), ("role-coordinator",), "role-coordinator"),
        ],
    )
    def test_recipient_tags_key_and_parse_round_trip(
        self, recipient: Recipient, tags: tuple[str, ...], key: str
    ) -> None:
        assert recipient.tags == tags
        assert recipient.key == key
        assert Recipient.parse(key) == recipient

    @pytest.mark.parametrize(
        ("key", "match"),
        [
            ("", "invalid recipient key ''"),
            ("unit-zhenlong", "invalid recipient key 'unit-zhenlong'"),
            ("role-boss", "unknown role 'boss'"),
            ("unit-镇隆+role-handler", "invalid unit code"),
            ("role-handler+unit-zhenlong", "invalid recipient key"),
            ("unit-a+role-head+role-leader", "invalid recipient key"),
        ],
    )
    def test_recipient_parse_rejects_bad_keys(self, key: str, match: str) -> None:
        with pytest.raises(ValueError, match=match):
            Recipient.parse(key)

    @pytest.mark.parametrize("unit_code", [None, "zhenlong"])
    @pytest.mark.parametrize("role", list(Role))
    def test_recipient_key_is_the_one_recipient_key(self, role: Role, unit_code: str | None) -> None:
        recipient = Recipient(unit_code, role)
        assert recipient.key == recipient_key(role, unit_code)
        assert Recipient.parse(recipient_key(role, unit_code)) == recipient

    def test_recipient_rejects_unknown_role(self) -> None:
        with pytest.raises(ValueError, match="unknown role 'mayor'; known: handler, head, coordinator, leader"):
            Recipient("zhenlong", "mayor")


class TestLoading:
    def test_contacts_missing_file_names_it(self, tmp_path: Path) -> None:
        path = tmp_path / "nope.yaml"
        with pytest.raises(NotificationError, match=r"contacts file .*nope\.yaml does not exist"):
            Contacts.from_file(path)

    def test_contacts_invalid_yaml_names_line(self, tmp_path: Path) -> None:
        path = write_contacts(tmp_path, "version: 1\nurls:\n  - [unclosed\n")
        with pytest.raises(NotificationError, match=r"contacts\.yaml is not valid YAML at line \d"):
            Contacts.from_file(path)

    def test_contacts_not_an_apprise_config(self, tmp_path: Path) -> None:
        path = write_contacts(tmp_path, "units: [a, b]\n")
        with pytest.raises(NotificationError, match="expected a mapping with a 'urls' list"):
            Contacts.from_file(path)

    def test_contacts_with_zero_urls_is_an_error(self, tmp_path: Path) -> None:
        path = write_contacts(tmp_path, "version: 1\nurls: []\n")
        with pytest.raises(NotificationError, match="defines no contact URL"):
            Contacts.from_file(path)

    def test_contacts_rejected_entry_is_an_error_and_hides_the_value(
        self, tmp_path: Path, caplog: pytest.LogCaptureFixture
    ) -> None:
        text = (
            "urls:\n  - json://127.0.0.1:9/ok:\n      - tag: role-leader\n"
            "  - wecombot://bad key secret!:\n      - tag: x\n"
        )
        path = write_contacts(tmp_path, text)
        caplog.set_level(logging.DEBUG)
        with pytest.raises(NotificationError, match="WeCom Bot Webhook Key") as info:
            Contacts.from_file(path)
        assert "bad key secret" not in str(info.value)
        assert not [r for r in caplog.records if "bad key secret" in r.getMessage()]

    def test_contacts_unknown_scheme_is_an_error(self, tmp_path: Path) -> None:
        path = write_contacts(tmp_path, "urls:\n  - nosuchservice://abc\n")
        with pytest.raises(NotificationError, match=r"Unparseable URL nosuchservice://\*\*\*\*"):
            Contacts.from_file(path)

    def test_contacts_load_any_file_name(self, tmp_path: Path) -> None:
        text = "urls:\n  - json://127.0.0.1:9/x:\n      - tag: role-leader\n"
        path = write_contacts(tmp_path, text, name="contacts.conf")
        assert len(Contacts.from_file(path)) == 1


class TestRouting:
    @pytest.fixture
    def contacts(self, tmp_path: Path) -> Contacts:
        return Contacts.from_file(write_contacts(tmp_path, ROUTING_YAML))

    def test_targets_need_every_tag(self, contacts: Contacts) -> None:
        urls = contacts.masked_urls(Recipient("zhenlong", "handler"))
        assert [u.split("?")[0] for u in urls] == [
            "json://127.0.0.1:9/zhenlong-handler",
            "json://127.0.0.1:9/handler-two",
        ]

    def test_untagged_and_always_servers_never_match(self, contacts: Contacts) -> None:
        assert contacts.targets_for(Recipient("nosuch", "handler")) == []
        assert contacts.targets_for(Recipient(None, "coordinator")) == []

    def test_role_only_recipient(self, contacts: Contacts) -> None:
        assert [u.split("?")[0] for u in contacts.masked_urls(Recipient(None, "leader"))] == [
            "json://127.0.0.1:9/leader"
        ]

    def test_masked_urls_hide_keys(self, contacts: Contacts) -> None:
        urls = contacts.masked_urls(Recipient("zhenlong", "head"))
        assert len(urls) == 1
        assert urls[0].startswith("wecombot://")
        assert WECOM_KEY not in urls[0]


class TestDefaultContacts:
    UNITS = [("zhenlong", "镇隆镇"), ("city-gov", "信宜市人民政府"), ("kgswj", "市科工商务局")]

    def test_default_contacts_route_every_unit_role_and_the_plan_roles(self, tmp_path: Path) -> None:
        text = default_contacts_yaml(self.UNITS, smtp_host="127.0.0.1", smtp_port=2525)
        contacts = Contacts.from_file(write_contacts(tmp_path, text))
        assert len(contacts) == 2 * len(self.UNITS) + 3  # + coordinator, leader, fallback
        for code, _name in self.UNITS:
            for role in ("handler", "head"):
                (url,) = contacts.masked_urls(Recipient(code, role))
                assert url.startswith("mailto://127.0.0.1:2525/")
                assert f"{code}.{role}%40duban.local" in url
        (leader,) = contacts.masked_urls(Recipient(None, "leader"))
        assert "leader%40duban.local" in leader
        (coordinator,) = contacts.masked_urls(Recipient(None, "coordinator"))
        assert "coordinator%40duban.local" in coordinator
        (fallback,) = contacts.masked_urls(Recipient(None, "fallback"))
        assert "fallback%40duban.local" in fallback

    def test_default_contacts_use_plain_local_smtp(self) -> None:
        text = default_contacts_yaml([("zhenlong", "镇隆镇")], smtp_host="127.0.0.1", smtp_port=2525, sender="a@b.c")
        assert (
            '"mailto://127.0.0.1:2525?mode=insecure&from=a@b.c&to=zhenlong.handler@duban.local"' in text
        )
        assert "# 镇隆镇 handler" in text

    def test_default_contacts_reject_non_ascii_codes(self) -> None:
        with pytest.raises(NotificationError, match="invalid unit code '镇隆'"):
            default_contacts_yaml([("镇隆", "镇隆镇")], smtp_host="127.0.0.1", smtp_port=2525)
