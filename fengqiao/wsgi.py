"""WSGI entry point: ``gunicorn fengqiao.wsgi``."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fengqiao.settings")
application = get_wsgi_application()

# In production the web process does not start with a missing or development key (docs/security.md).
from fengqiao.core.keys import keys_refused  # noqa: E402

if refused := keys_refused():
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured("; ".join(refused))
