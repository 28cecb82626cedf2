"""The real app served on a local port, driven by headless Chromium through Playwright.

Chromium is Debian's (``/usr/bin/chromium``, installed by ``make test``); Playwright never
downloads a browser. Locally a missing Chromium skips these tests; with ``CI=true`` it fails.
Screenshots go to ``test-artifacts/`` (not committed).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from werkzeug.serving import make_server

from tests.conftest import IN_CI, _empty, _migrated, _sqlite_config
from webapp import create_app

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
LAUNCH_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SimpleNamespace]:
    """The app on SQLite + file cache, served by a threaded WSGI server on a free port."""
    config = next(_migrated(_sqlite_config(tmp_path_factory.mktemp("browser"))))
    app = create_app(config)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield SimpleNamespace(app=app, url=f"http://127.0.0.1:{server.server_port}")
    server.shutdown()
    thread.join(5)


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """One headless Chromium for the whole run."""
    if not CHROMIUM.exists():
        if IN_CI:
            pytest.fail("Chromium is not installed at /usr/bin/chromium; `make test` installs it")
        pytest.skip("Chromium is not installed (apt-get install chromium); browser tests skipped")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS)
        yield chromium
        chromium.close()


class ConsoleWatcher:
    """Collects console errors, page errors (a CSP violation is one) and failed sub-resources.

    A page answered with 409 or 422 is expected; Chromium logs it as a failed load, so
    those messages are judged by the response listener instead, which ignores documents.
    """

    def __init__(self) -> None:
        self.errors: list[str] = []

    def attach(self, page: Any) -> None:
        page.on("console", self._console)
        page.on("pageerror", lambda exc: self.errors.append(str(exc)))
        page.on("response", self._response)

    def _console(self, message: Any) -> None:
        if message.type == "error" and not message.text.startswith("Failed to load resource"):
            self.errors.append(message.text)

    def _response(self, response: Any) -> None:
        if response.status >= 400 and response.request.resource_type != "document":
            self.errors.append(f"{response.status} {response.url}")


@pytest.fixture
def site(live_server: SimpleNamespace) -> SimpleNamespace:
    """The live server with an empty database and cache."""
    _empty(live_server.app)
    return live_server


@pytest.fixture
def new_page(browser: Any, site: SimpleNamespace, request: pytest.FixtureRequest):
    """Factory: a page in a fresh browser context (its own cookies); no console errors allowed."""
    contexts, watchers = [], []

    def make(color_scheme: str = "light", **options: Any) -> Any:
        # Reduced motion turns Bootstrap's transitions off: a check never sees a colour mid-fade.
        # ``options`` go to the context as they are (``locale="de-DE"`` sets Accept-Language).
        context = browser.new_context(
            base_url=site.url, color_scheme=color_scheme, reduced_motion="reduce", **options
        )
        context.set_default_timeout(10_000)
        contexts.append(context)
        page = context.new_page()
        watcher = ConsoleWatcher()
        watcher.attach(page)
        watchers.append(watcher)
        return page

    yield make
    for context in contexts:
        context.close()
    errors = [e for w in watchers for e in w.errors]
    assert errors == [], f"console errors: {errors}"


def screenshot(page: Any, name: str) -> Path:
    """Save a full-page screenshot under test-artifacts/ and return its path."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
