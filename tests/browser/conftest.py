"""Browser tests: the real app under uvicorn on a free port, driven by Debian's Chromium through Playwright.

The server runs the session-scoped `app` from tests/conftest.py, so data written with tests/factories.py is what
the browser sees (and the run uses PostgreSQL when HELPDESK_TEST_DATABASE_URL is set).

Without Chromium or the playwright package these tests skip; with HELPDESK_REQUIRE_BROWSER=1 (CI) they fail
instead, so a machine that lost its browser cannot pass the suite by quietly skipping it.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn

from tests import factories

CHROMIUM_PATH = "/usr/bin/chromium"
CHROMIUM_MISSING = "Debian's chromium package is not installed: apt-get install chromium"
PLAYWRIGHT_MISSING = "the playwright Python package is not installed: pip install -e '.[test]' (never `playwright install`)"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
BROWSER_AGENT_EMAIL = "browser.agent@helpdesk.local"
BROWSER_AGENT_PASSWORD = "browser test password 42"
# Playwright's default is 30 s; a local page that takes 10 s is already a failure worth seeing.
TIMEOUT_MS = 10_000
SERVER_START_TIMEOUT_S = 20.0
START_PAGE = re.compile(r"^http://127\.0\.0\.1:\d+/$")


def find_chromium() -> str | None:
    """Debian's Chromium, which Playwright drives without downloading a browser of its own."""
    if os.access(CHROMIUM_PATH, os.X_OK):
        return CHROMIUM_PATH
    return shutil.which("chromium")


def browser_unavailable_reason() -> str | None:
    """Why browser tests cannot run here, or None when they can."""
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return PLAYWRIGHT_MISSING
    if find_chromium() is None:
        return CHROMIUM_MISSING
    return None


def browser_required() -> bool:
    return os.environ.get("HELPDESK_REQUIRE_BROWSER") == "1"


@pytest.fixture(scope="session", autouse=True)
def _require_browser() -> None:
    """Skip every browser test when there is no browser, or fail them all when one is required."""
    reason = browser_unavailable_reason()
    if reason is None:
        return
    if browser_required():
        pytest.fail(f"HELPDESK_REQUIRE_BROWSER=1 but {reason}", pytrace=False)
    pytest.skip(reason)


def _listening_socket() -> socket.socket:
    """A socket already bound to a free port: handing it to uvicorn leaves no window for another process to take it."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    return sock


def _wait_until_accepting(port: int, thread: threading.Thread, server: uvicorn.Server) -> None:
    deadline = time.monotonic() + SERVER_START_TIMEOUT_S
    while time.monotonic() < deadline:
        if not thread.is_alive():
            raise RuntimeError("uvicorn stopped during start-up; its log above says why")
        if server.started:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                    return
            except OSError:
                pass
        time.sleep(0.05)
    raise RuntimeError(f"uvicorn did not accept connections on 127.0.0.1:{port} within {SERVER_START_TIMEOUT_S:.0f} s")


@pytest.fixture(scope="session")
def live_server(_require_browser, app) -> Iterator[str]:
    """The app served by uvicorn in a background thread; yields its base URL and stops it at the end."""
    sock = _listening_socket()
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, name="uvicorn-browser-tests", daemon=True)
    thread.start()
    try:
        _wait_until_accepting(port, thread, server)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()
        if thread.is_alive():
            # A daemon thread will not block the interpreter's exit, but say so: it points at a hung request.
            print("warning: uvicorn did not stop within 10 s")  # noqa: T201


@pytest.fixture(scope="session")
def browser(_require_browser):
    """One headless Chromium for the session; each test gets its own context (cookies, storage) from `page`."""
    # Imported here so collection works on machines without playwright (the tests then skip, above).
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=find_chromium(), headless=True, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """Remember each phase's outcome on the item so `page` can keep a screenshot of a failed test."""
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"report_{report.when}", report)


@pytest.fixture
def page(request, browser, live_server, tmp_path: Path):
    """A fresh browser context and page for one test, failing the test on JavaScript errors or CSP violations."""
    context = browser.new_context(base_url=live_server)
    context.set_default_timeout(TIMEOUT_MS)
    tab = context.new_page()
    problems: list[str] = []
    tab.on("pageerror", lambda error: problems.append(f"uncaught JavaScript error: {error}"))
    tab.on(
        "console",
        lambda message: problems.append(f"console {message.type}: {message.text}")
        if message.type == "error" and "Content Security Policy" in message.text
        else None,
    )
    yield tab
    report = getattr(request.node, "report_call", None)
    if report is not None and report.failed:
        shot = tmp_path / "failure.png"
        try:
            tab.screenshot(path=str(shot), full_page=True)
            print(f"\nbrowser at {tab.url}; screenshot: {shot}")  # noqa: T201
        except Exception as exc:  # noqa: BLE001 - a failed screenshot must not hide the real failure
            print(f"\nbrowser at {tab.url}; no screenshot: {exc}")  # noqa: T201
    context.close()
    assert not problems, "the page reported problems:\n" + "\n".join(problems)


@pytest.fixture(scope="session")
def browser_agent(db):
    """An agent who signs in through the real form."""
    return factories.agent(db, BROWSER_AGENT_EMAIL, BROWSER_AGENT_PASSWORD, name="Bina Browser")


@pytest.fixture
def signed_in_page(page, browser_agent):
    """A page whose agent has signed in through the real form and stands on the start page."""
    sign_in_through_form(page, browser_agent.email, BROWSER_AGENT_PASSWORD)
    return page


def sign_in_through_form(page, email: str, password: str) -> None:
    """Open the site, get sent to the sign-in page, sign in, and land on the start page."""
    page.goto("/")
    page.wait_for_url("**/signin")
    page.fill("#email", email)
    page.fill("#password", password)
    page.click("form.stacked button[type=submit]")
    page.wait_for_url(START_PAGE)
