"""docs/workflow.md shows the diagram the definition generates today."""

from __future__ import annotations

from pathlib import Path

from state_machines import mermaid


def test_the_documented_diagram_is_current() -> None:
    doc = (Path(__file__).resolve().parents[2] / "docs" / "workflow.md").read_text()
    assert mermaid().strip() in doc


def test_cli_prints_the_diagram(tmp_path: Path) -> None:
    from workflow_app import create_app

    app = create_app({"INSTANCE_PATH": str(tmp_path), "SECRET_KEY": "x"})
    result = app.test_cli_runner().invoke(args=["workflow", "diagram"])
    assert result.exit_code == 0
    assert result.output == mermaid()
