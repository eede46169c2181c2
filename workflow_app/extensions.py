"""Flask extensions, created unbound and initialised in create_app()."""

from __future__ import annotations

from functools import cached_property

from flask_babel import Babel, Domain
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect

from workflow_app.db import Base, RequestSession
from workflow_app.web.i18n import RequestCachedDomain


class _Babel(Babel):
    @cached_property
    def domain_instance(self) -> Domain:  # Flask-Babel's default domain, with a faster lookup
        return RequestCachedDomain(domain=self.domain)


db = SQLAlchemy(model_class=Base, session_options={"class_": RequestSession})
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
babel = _Babel()
limiter = Limiter(key_func=get_remote_address, default_limits=[])
