"""Integrity-plan workflow: the Flask application factory."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from flask import Flask

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def create_app(config: dict[str, Any] | None = None) -> Flask:
    config = dict(config or {})
    instance_path = config.pop("INSTANCE_PATH", None) or os.environ.get("WORKFLOW_INSTANCE_PATH")
    app = Flask(
        __name__,
        instance_path=str(Path(instance_path).resolve()) if instance_path else None,
        instance_relative_config=True,
        template_folder=str(PROJECT_ROOT / "templates"),
    )
    from workflow_app.config import load_config
    from workflow_app.db import engine_options

    app.config.update(load_config(Path(app.instance_path), config))
    app.json.ensure_ascii = False  # type: ignore[attr-defined]  # Thai stays readable in JSON
    app.config.setdefault(
        "SQLALCHEMY_ENGINE_OPTIONS", engine_options(app.config["SQLALCHEMY_DATABASE_URI"])
    )

    if app.config.get("FAST_PASSWORD_HASHING_FOR_TESTS"):
        from workflow_app.accounts.passwords import use_fast_hashing_for_tests

        use_fast_hashing_for_tests()
    _init_extensions(app)
    _init_audit(app)
    from workflow_app.web import converters

    converters.register(app)  # before the blueprints: their routes use `<id:…>`
    _register_blueprints(app)
    _register_cli(app)
    from workflow_app.ops import request_log
    from workflow_app.web import context, errors, formatting, security, transactions

    transactions.register(app)
    formatting.register(app)
    context.register(app)
    errors.register(app)
    security.register(app)
    request_log.register(app)
    return app


def _init_extensions(app: Flask) -> None:
    import workflow_app.models  # noqa: F401  (registers every table with the metadata)
    from workflow_app.extensions import babel, csrf, db, limiter, login_manager, migrate
    from workflow_app.web.i18n import install_gettext, select_locale, select_timezone

    db.init_app(app)
    migrate.init_app(app, db, directory=str(PROJECT_ROOT / "migrations"))
    csrf.init_app(app)
    babel.init_app(
        app,
        locale_selector=select_locale,
        timezone_selector=select_timezone,
        default_translation_directories=str(PROJECT_ROOT / "translations"),
    )
    install_gettext(app)
    limiter.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "account.login"
    login_manager.session_protection = "strong"

    from workflow_app.accounts.tokens import load_session_user, load_user_from_request

    # The session's user, unless the request shows an API bearer token, whose user it then is
    # for this one request (the request loader never writes the session, so no cookie is set).
    login_manager.user_loader(load_session_user)
    login_manager.request_loader(load_user_from_request)
    # No login page for the API: Flask-Login's unauthorized() then aborts with 401, which the
    # error handlers answer as JSON under /api/.
    login_manager.blueprint_login_views["api"] = None


def _init_audit(app: Flask) -> None:
    import workflow_app.audit.guard  # noqa: F401  (refuses ORM bulk writes to audited tables)
    from workflow_app.audit.checkpoints import EXTENSION_KEY, load_policy

    key_path = app.config.get("WORKFLOW_AUDIT_KEY")
    if key_path:
        app.extensions[EXTENSION_KEY] = load_policy(
            key_path,
            app.config["WORKFLOW_CHECKPOINT_EVERY_ENTRIES"],
            app.config["WORKFLOW_CHECKPOINT_EVERY_MINUTES"],
        )


def _register_blueprints(app: Flask) -> None:
    from workflow_app.accounts.views import account_bp
    from workflow_app.admin import admin_bp
    from workflow_app.auditors import audit_bp
    from workflow_app.auditors.api import audit_api_bp
    from workflow_app.dashboard.views import dashboard_bp
    from workflow_app.ops.health import health_bp
    from workflow_app.plans.views import plans_bp
    from workflow_app.publication.views import publication_bp
    from workflow_app.reports.views import reports_bp
    from workflow_app.workflow.routes import workflow_bp

    blueprints = (
        account_bp,
        plans_bp,
        dashboard_bp,
        workflow_bp,
        audit_bp,
        admin_bp,
        health_bp,
        reports_bp,
        audit_api_bp,
        publication_bp,
    )
    for blueprint in blueprints:
        app.register_blueprint(blueprint)

    from workflow_app.api import api_bp
    from workflow_app.extensions import csrf

    # The API checks CSRF itself: only for changes authenticated by the session cookie.
    csrf.exempt(api_bp)
    app.register_blueprint(api_bp)


def _register_cli(app: Flask) -> None:
    from workflow_app.accounts.cli import unit_cli, user_cli
    from workflow_app.auditors.cli import audit_cli
    from workflow_app.bench_data import bench_data_command
    from workflow_app.demo import demo_command
    from workflow_app.notifications.cli import notify_cli
    from workflow_app.plans.cli import plan_cli
    from workflow_app.reports.cli import report_command
    from workflow_app.workflow.cli import workflow_cli

    app.cli.add_command(plan_cli)
    app.cli.add_command(user_cli)
    app.cli.add_command(unit_cli)
    app.cli.add_command(demo_command)
    app.cli.add_command(workflow_cli)
    app.cli.add_command(audit_cli)
    app.cli.add_command(bench_data_command)
    app.cli.add_command(report_command)
    app.cli.add_command(notify_cli)
