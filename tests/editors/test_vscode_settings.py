"""The VS Code extension's settings (editors/vscode/package.json, contributes.configuration)
match the server's (radix_ls.config.Settings): the same names, types, defaults, choices and
ranges. Every `radix-ls.<name>` property without a further dot is a server setting; the
extension's own settings live under `radix-ls.server.` and `radix-ls.trace.`.
"""

from __future__ import annotations

import dataclasses
import json
from typing import Any

import pytest

from radix_ls import config
from tests.conftest import ROOT

PACKAGE = ROOT / "editors" / "vscode" / "package.json"
PREFIX = "radix-ls."
CLIENT_GROUPS = ("server.", "trace.")
JSON_TYPES = {bool: "boolean", int: "integer", float: "number", str: "string", tuple: "array"}


def properties() -> dict[str, dict[str, Any]]:
    package = json.loads(PACKAGE.read_text())
    props = package["contributes"]["configuration"]["properties"]
    assert all(key.startswith(PREFIX) for key in props), [k for k in props if PREFIX not in k]
    return {key.removeprefix(PREFIX): value for key, value in props.items()}


def server_properties() -> dict[str, dict[str, Any]]:
    return {name: prop for name, prop in properties().items() if "." not in name}


def fields() -> dict[str, dataclasses.Field[Any]]:
    return {config._camel(f.name): f for f in dataclasses.fields(config.Settings)}


def test_client_settings_are_grouped():
    dotted = [name for name in properties() if "." in name]
    assert dotted, "expected the extension's own settings (radix-ls.server.path, ...)"
    for name in dotted:
        assert name.startswith(CLIENT_GROUPS), f"radix-ls.{name}: not a server setting name"


def test_same_settings_on_both_sides():
    in_package, in_server = set(server_properties()), set(fields())
    assert in_package == in_server, (
        f"only in package.json: {sorted(in_package - in_server)}; "
        f"only in config.Settings: {sorted(in_server - in_package)}"
    )


@pytest.mark.parametrize("name", sorted(fields()))
def test_setting_matches(name):
    prop = server_properties().get(name)
    assert prop is not None, f"radix-ls.{name} is missing from package.json"
    field = fields()[name]
    default = field.default
    assert prop["type"] == JSON_TYPES[type(default)], f"{name}: type"
    expected_default = list(default) if isinstance(default, tuple) else default
    assert prop["default"] == expected_default, f"{name}: default"
    assert (prop.get("markdownDescription") or prop.get("description") or "").strip(), name

    choices = config._CHOICES.get(field.name)
    if isinstance(default, tuple):
        assert prop["items"]["type"] == "string", f"{name}: items"
        if choices is not None:
            assert prop["items"].get("enum") == list(choices), f"{name}: item choices"
        else:
            assert "enum" not in prop["items"], f"{name}: choices the server does not have"
    elif choices is not None:
        assert prop.get("enum") == list(choices), f"{name}: choices"
    else:
        assert "enum" not in prop, f"{name}: choices the server does not have"

    bounds = config._INT_RANGES.get(field.name) or config._FLOAT_RANGES.get(field.name)
    if bounds is None:
        assert "minimum" not in prop and "maximum" not in prop, f"{name}: bounds"
    else:
        assert (prop.get("minimum"), prop.get("maximum")) == bounds, f"{name}: bounds"
