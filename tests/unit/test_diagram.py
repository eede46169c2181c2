"""The Mermaid diagram is generated from the machine and shows all of it."""

from __future__ import annotations

from state_machines import MACHINE, Action, State, mermaid, required_roles


def test_header_and_initial_state() -> None:
    lines = mermaid().splitlines()
    assert lines[0] == "stateDiagram-v2"
    assert "    [*] --> open" in lines


def test_names_every_state() -> None:
    lines = {line.strip() for line in mermaid().splitlines()}
    for state in State:
        assert state.value in lines


def test_names_every_transition_with_action_and_role() -> None:
    text = mermaid()
    edges = [line.strip() for line in text.splitlines() if "-->" in line and "[*]" not in line]
    expected = [
        (source, transition.dest, Action(trigger))
        for trigger, event in MACHINE.events.items()
        for source, transitions in event.transitions.items()
        for transition in transitions
    ]
    assert len(edges) == len(expected) == 11
    for source, dest, action in expected:
        roles = " or ".join(sorted(r.value for r in required_roles(action, State(source))))
        prefix = f"{source} --> {dest} : {action.value} ({roles})"
        assert any(edge.startswith(prefix) for edge in edges), prefix
    for action in Action:
        assert f": {action.value} (" in text


def test_guards_appear_on_their_edges() -> None:
    text = mermaid()
    assert "forwarded --> completed : approve (division_head) if certifies_last_level" in text
    assert "forwarded --> open : approve (division_head) unless certifies_last_level" in text
    assert "completed --> open : revoke (division_head) if has_certified_level" in text
    assert "submitted --> returned : return (reviewer)" in text
    assert "forwarded --> returned : return (division_head)" in text
