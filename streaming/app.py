"""The aiohttp application: its one factory, over the route table (streaming.routes),
and the middleware every request passes through (metrics, CORS, compression, and
the one mapping of sabaq's errors to HTTP statuses)."""

from __future__ import annotations

import logging
import time
from pathlib import Path

from aiohttp import web

from errors import SabaqError
from service import Catalog
from streaming import api, catchup
from streaming.assets import load_assets
from streaming.delivery import deliver, preflight
from streaming.errors import status_of
from streaming.origin import Origin
from streaming.routes import ENDPOINTS, ROUTES
from streaming.state import STATE, Clock, State, system_clock

STATIC = Path(__file__).with_name("static")
HLS_JS_CANDIDATES = (
    Path.cwd() / "node_modules/hls.js/dist/hls.min.js",
    Path(__file__).resolve().parent.parent / "node_modules/hls.js/dist/hls.min.js",
)
log = logging.getLogger("sabaq")


@web.middleware
async def observe(request: web.Request, handler: api.Handler) -> web.StreamResponse:
    """Count and time every request; answer CORS preflights, add CORS and gzip
    (streaming.delivery); turn API errors into JSON."""
    started = time.perf_counter()
    route = request.match_info.route.resource
    name = route.canonical if route is not None else "unmatched"
    status = 500
    try:
        response = preflight(request) or deliver(request, await handler(request))
        status = response.status
        return response
    except SabaqError as exc:  # every error a user can meet carries its status
        status = status_of(exc)
        return api.error(status, str(exc))
    except web.HTTPException as exc:
        status = exc.status
        if request.path.startswith("/api/") and exc.content_type != "application/json":
            kept = {k: v for k, v in exc.headers.items() if k in ("Allow", "WWW-Authenticate")}
            return api.error(exc.status, exc.reason, kept)
        raise
    except Exception:
        if not request.path.startswith("/api/"):
            raise  # aiohttp answers 500 and logs it
        log.exception("%s %s failed", request.method, request.path)
        return api.error(500, "internal error: the server could not answer this request")
    finally:
        request.app[STATE].metrics.observe(name, status, time.perf_counter() - started)


async def _warm(app: web.Application) -> None:
    """Load the first snapshot before listening, so the first crowd does not wait on it."""
    try:
        await app[STATE].snapshot()
    except Exception as exc:  # served as degraded until the catalogue answers
        log.warning("catalogue not readable at start: %s", exc)


async def _close(app: web.Application) -> None:
    app[STATE].database.close()


def create_app(
    catalog: Catalog,
    data_dir: Path,
    clock: Clock = system_clock,
    refresh_s: float = 5.0,
    max_upload_bytes: int = 2 * 1024**3,
    origin: Origin | None = None,
    catchup_days: int = catchup.DAYS,
) -> web.Application:
    """The server application over a catalogue and its data directory; `origin` says
    how absolute links are built (default: from each request's scheme and Host)."""
    app = web.Application(middlewares=[observe], client_max_size=32 * 1024**2)
    app[STATE] = State(
        catalog=catalog,
        data_dir=data_dir,
        clock=clock,
        refresh_s=refresh_s,
        max_upload_bytes=max_upload_bytes,
        assets=load_assets(STATIC, HLS_JS_CANDIDATES),
        origin=origin or Origin(),
        catchup_days=catchup_days,
    )
    app[api.ENDPOINTS] = ENDPOINTS
    app.on_startup.append(_warm)
    app.on_cleanup.append(_close)
    for route in ROUTES:
        app.router.add_route(route.method, route.path, route.handler)
    return app
