"""What a request handler asks for besides its session and user: the app's settings and its file store.

Handlers take ``settings: SettingsDep`` and ``store: StoreDep`` instead of reaching into ``request.app.state``;
both are the ones the app was built with (``acquis.main.create_app``), never a second copy. Kernel code that runs
outside a handler (middleware, template helpers, helpers given a request) reads the settings through
``app_settings`` too: one place knows where the app keeps them.
"""

from typing import Annotated

from fastapi import Depends
from starlette.requests import HTTPConnection

from acquis.config import Settings
from acquis.storage import Store


def app_settings(request: HTTPConnection) -> Settings:
    """The settings the app was built with (a request, or an ASGI scope's ``HTTPConnection(scope)``)."""
    settings: Settings = request.app.state.settings
    return settings


def app_store(request: HTTPConnection) -> Store:
    """The app's content-addressed file store, the one whose recovery ran at start."""
    store: Store = request.app.state.store
    return store


SettingsDep = Annotated[Settings, Depends(app_settings)]
StoreDep = Annotated[Store, Depends(app_store)]
