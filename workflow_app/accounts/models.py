"""Organisation units (a tree), users and their unit-scoped role assignments."""

from __future__ import annotations

from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import (
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from state_machines import Actor, Grant, Role
from workflow_app.db import Base
from workflow_app.models_base import UTCDateTime, utcnow

UNIT_KINDS = ("department", "division", "section")
ROLE_VALUES = tuple(role.value for role in Role)


class Unit(Base):
    __tablename__ = "units"
    __table_args__ = (
        UniqueConstraint("parent_id", "name"),
        CheckConstraint(f"kind IN {UNIT_KINDS!r}", name="kind"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(255))
    kind: Mapped[str] = mapped_column(String(20), default="division")
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    parent: Mapped[Unit | None] = relationship(remote_side=[id], back_populates="children")
    children: Mapped[list[Unit]] = relationship(back_populates="parent", order_by="Unit.name")

    def __repr__(self) -> str:
        return f"<Unit {self.id} {self.name!r}>"


class UnitAncestor(Base):
    """A unit and one of its ancestors, itself included at depth 0: every unit's path, stored.

    Written by the database alone, as units are inserted (a trigger, migration 0008); units are
    renamed but never moved (another trigger refuses a new parent), so a path never changes. The
    readers are in `accounts.unit_tree`.
    """

    __tablename__ = "unit_ancestors"
    __table_args__ = (
        UniqueConstraint("unit_id", "depth"),
        Index("ix_unit_ancestors_ancestor_id", "ancestor_id", "unit_id"),
    )

    unit_id: Mapped[int] = mapped_column(
        ForeignKey("units.id", ondelete="CASCADE"), primary_key=True
    )
    ancestor_id: Mapped[int] = mapped_column(
        ForeignKey("units.id", ondelete="CASCADE"), primary_key=True
    )
    depth: Mapped[int] = mapped_column(Integer)


class User(UserMixin, Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(80), unique=True)
    display_name: Mapped[str] = mapped_column(String(200), default="")
    email: Mapped[str | None] = mapped_column(String(254))  # for notifications; None = none sent
    password_hash: Mapped[str] = mapped_column(String(255))
    is_enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    locale: Mapped[str | None] = mapped_column(String(8))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    password_changed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # Part of the session id: bumping it (password change, disabling) ends every open session.
    session_epoch: Mapped[int] = mapped_column(Integer, default=0)

    role_assignments: Mapped[list[RoleAssignment]] = relationship(
        back_populates="user", cascade="all, delete-orphan", order_by="RoleAssignment.id"
    )

    @property
    def is_active(self) -> bool:  # Flask-Login refuses disabled accounts through this
        return self.is_enabled

    def get_id(self) -> str:
        return f"{self.id}:{self.session_epoch}"

    def roles(self) -> list[str]:
        return sorted({assignment.role for assignment in self.role_assignments})

    def as_actor(self) -> Actor:
        """The workflow's view of this user: who they are and which unit-scoped roles they hold."""
        return Actor(
            user_id=self.id,
            grants=frozenset(Grant(Role(a.role), a.unit_id) for a in self.role_assignments),
            active=self.is_enabled,
        )

    def __repr__(self) -> str:
        return f"<User {self.id} {self.username!r}>"


class RoleAssignment(Base):
    __tablename__ = "role_assignments"
    __table_args__ = (
        UniqueConstraint("user_id", "role", "unit_id"),
        CheckConstraint(f"role IN {ROLE_VALUES!r}", name="role"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(20))
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)

    user: Mapped[User] = relationship(back_populates="role_assignments")
    unit: Mapped[Unit] = relationship()


class ApiToken(Base):
    """A bearer token for the API. Only its SHA-256 is stored: a database leak gives no token."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    label: Mapped[str] = mapped_column(String(120), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    user: Mapped[User] = relationship()
