"""The ASGI app built from the environment, for `acquis serve` and any ASGI server."""

from acquis.config import load_settings
from acquis.main import create_app

app = create_app(load_settings())
