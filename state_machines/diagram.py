"""A Mermaid picture of the workflow, generated from the machine so it cannot drift from it."""

from __future__ import annotations

from transitions import Transition

from state_machines.level_workflow import MACHINE, Action, State
from state_machines.permissions import required_roles


def _guard_label(transition: Transition) -> str:
    parts = []
    for condition in transition.conditions:
        name = getattr(condition.func, "guard", condition.func).__name__
        parts.append(f"if {name}" if condition.target else f"unless {name}")
    return "".join(f" {part}" for part in parts)


def _edge(source: str, transition: Transition, action: Action) -> str:
    roles = " or ".join(sorted(role.value for role in required_roles(action, State(source))))
    label = f"{action.value} ({roles}){_guard_label(transition)}"
    return f"    {source} --> {transition.dest} : {label}"


def mermaid() -> str:
    """A `stateDiagram-v2` listing every state and every transition, labelled with action/role."""
    lines = ["stateDiagram-v2", f"    [*] --> {MACHINE.initial}"]
    lines.extend(f"    {name}" for name in MACHINE.states)
    for trigger, event in MACHINE.events.items():
        action = Action(trigger)
        for source, transitions in event.transitions.items():
            lines.extend(_edge(source, transition, action) for transition in transitions)
    return "\n".join(lines) + "\n"
