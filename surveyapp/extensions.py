"""Extensions, created unbound; ``create_app`` binds them. ``db`` lives in db/base.py."""

from flask_babel import Babel
from flask_compress import Compress
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_wtf import CSRFProtect

migrate = Migrate()
csrf = CSRFProtect()
babel = Babel()
login = LoginManager()
compress = Compress()  # web/assets.py binds it, for static files only
