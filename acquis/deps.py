"""What a request handler asks for besides its session and user: the app's settings and its file store.

Handlers take ``settings: SettingsDep`` and ``store: StoreDep`` instead of reaching into ``request.app.state``;
both are the ones the app was built with (``acquis.main.create_app``), never a second copy.
"""

from typing import Annotated

from fastapi import Depends, Request

from acquis.config import Settings
from acquis.storage import Store


def app_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def app_store(request: Request) -> Store:
    store: Store = request.app.state.store
    return store


SettingsDep = Annotated[Settings, Depends(app_settings)]
StoreDep = Annotated[Store, Depends(app_store)]
