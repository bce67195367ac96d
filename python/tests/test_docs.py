"""docs/django.md matches the package: its settings table is made from `SETTINGS`, and it names
every system check."""

import json
import re
from pathlib import Path
from typing import Any

from authsocket_channels import checks
from authsocket_channels.settings import SETTINGS

GUIDE = Path(__file__).resolve().parents[2] / "docs" / "django.md"


def shown(value: Any) -> str:
    if value is None or isinstance(value, bool):
        return repr(value)
    return json.dumps(value)


def settings_table() -> str:
    rows = ["| setting | default | what |", "|---|---|---|"]
    for name, setting in SETTINGS.items():
        rows.append(f"| `{name}` | `{shown(setting.default)}` | {setting.doc} |")
    return "\n".join(rows) + "\n"


def test_the_guide_has_the_settings_table_made_from_the_settings() -> None:
    assert settings_table() in GUIDE.read_text(), (
        "paste this table into docs/django.md:\n" + settings_table()
    )


def test_the_guide_names_every_system_check() -> None:
    ids = set(re.findall(r'id="(authsocket\.[EW]\d{3})"', Path(checks.__file__).read_text()))
    assert ids and {check for check in ids if f"`{check}`" not in GUIDE.read_text()} == set()
