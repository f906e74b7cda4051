"""The README's layer and alias tables say what the code does."""

from __future__ import annotations

from agora.layers import LAYERS
from agora.loaders.columns import ALIASES, COORD_ALIASES
from conftest import PROJECT


def alias_rows() -> list[str]:
    rows = [f"| any | {role} (position) | {', '.join(n for n in names if n != role)} |"
            for role, names in COORD_ALIASES.items()]
    for layer, table in ALIASES.items():
        for col, names in table.items():
            rows.append(f"| {'any' if layer == '*' else layer} | `{col}` | {', '.join(n for n in names if n != col)} |")
    return rows


def layer_rows() -> list[str]:
    rows = []
    for layer in LAYERS.values():
        for col, dtype in layer.columns.items():
            rows.append(f"| `{col}` | {dtype} | {', '.join(layer.choices.get(col, ()))} |")
    return rows


def test_readme_alias_table_is_the_code_s():
    readme = (PROJECT / "README.md").read_text()
    missing = [row for row in alias_rows() if row not in readme]
    assert missing == []


def test_readme_layer_tables_are_the_code_s():
    readme = (PROJECT / "README.md").read_text()
    assert [row for row in layer_rows() if row not in readme] == []


def value_rows() -> list[str]:
    from agora.loaders.values import ACCEPTED, word_lists

    rows = []
    for col, words in word_lists().items():
        for value in ACCEPTED[col]:
            also = [w.replace("|", "\\|") for w in words.get(value, []) if w != value]
            rows.append(f"| `{col}` | {value} | {', '.join(also)} |")
    return rows


def test_readme_accepted_values_table_is_the_code_s():
    readme = (PROJECT / "README.md").read_text()
    assert [row for row in value_rows() if row not in readme] == []


def test_readme_lists_every_command_and_its_value_options():
    from agora.cli import COMMANDS

    readme = (PROJECT / "README.md").read_text()
    for name in COMMANDS:
        assert f"python -m agora {name.rstrip('_')}" in readme
    for flag in ("--value COLUMN:FROM=TO", "--centres-map", "--centres-value", "--postcodes", "--find-centres"):
        assert flag in readme
