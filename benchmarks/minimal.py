"""The smallest FastAPI HTML page: the baseline that served pages are measured against.

Served by the same uvicorn with the same settings as `acquis serve`, so a ratio to it is the cost of
the page's own work. Sync, like every Acquis view (both then pay the same thread-pool hop)."""

from fastapi import FastAPI
from fastapi.responses import HTMLResponse

app = FastAPI(docs_url=None, redoc_url=None, openapi_url=None)


@app.get("/", response_class=HTMLResponse)
def page() -> str:
    return "<!doctype html><html lang=\"fr\"><title>Acquis</title><p>ok</p></html>"
