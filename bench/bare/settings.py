"""The project's settings with the bench's URLconf (the same middleware, database and
connections as a deployment)."""

from fengqiao.settings import *  # noqa: F403

ROOT_URLCONF = "bare.urls"
