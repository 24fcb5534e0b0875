"""Every page each demo role can reach, in English, has no interface text left in Chinese.

The walk starts at the home page and follows every link of the site (GET, HTML pages only) for
the demo's staff member, leader and administrator. What the database holds (question stems,
names, course titles, departments) is the bureau's own data and may be Chinese; everything else
on a page is the interface and must come through the translation machinery. So the test takes
every text value stored in the database, removes those from each page's visible text, and fails
on any Chinese character that is left, naming the page and the text around it.
"""

from __future__ import annotations

import re
from collections import deque
from html.parser import HTMLParser
from urllib.parse import urldefrag, urlsplit

import pytest
from django.apps import apps
from django.conf import settings
from django.core.management import call_command
from django.db import models
from django.test import Client, override_settings

from people.demo import DEMO_LOGINS

pytestmark = pytest.mark.django_db

CHINESE = re.compile(r"[\u3400-\u9fff]+")
# A language's own name, shown to switch to it, stays in that language.
AUTONYMS = {"中文", "简体中文"}
# A Chinese run this long that stands inside a stored value is that value cut short (a summary).
SHORTENED_DATA = 4
NOT_LETTERS = re.compile(r"[^A-Za-z]+")
TRIM = " \t\r\n-–—:·|/….,()"
# Pages a walk must not follow: they change state on GET or are not pages of the site.
SKIP = re.compile(
    r"^/(logout|api/|static/|media/|i18n/|verify/)|/(export|download|template|certificate\.pdf)"
)
PAGES_PER_ROLE = 400
ADMIN_PAGES = 120


class PageText(HTMLParser):
    """The visible text of a page (not scripts or styles) and its same-site links."""

    def __init__(self) -> None:
        super().__init__()
        self.text: list[str] = []
        self.links: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style", "template"):
            self._hidden += 1
        values = dict(attrs)
        if tag == "a" and values.get("href"):
            self.links.append(values["href"] or "")
        for name in ("title", "placeholder", "aria-label", "alt"):
            if values.get(name):
                self.text.append(values[name] or "")
        if tag == "input" and values.get("type") in ("submit", "button") and values.get("value"):
            self.text.append(values["value"] or "")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style", "template") and self._hidden:
            self._hidden -= 1

    def handle_data(self, data: str) -> None:
        if not self._hidden:
            self.text.append(data)


def stored_text() -> list[str]:
    """Every text value in the database, longest first (so a long value is removed before its parts)."""
    values: set[str] = set()
    for model in apps.get_models():
        fields = [
            f.attname
            for f in model._meta.concrete_fields
            if isinstance(f, models.CharField | models.TextField | models.JSONField)
        ]
        if not fields:
            continue
        for row in model._default_manager.values_list(*fields):
            for value in row:
                collect(value, values)
    return sorted((value for value in values if CHINESE.search(value)), key=len, reverse=True)


def collect(value: object, into: set[str]) -> None:
    if isinstance(value, str):
        into.add(value.strip())
        into.update(line.strip() for line in value.splitlines() if line.strip())
    elif isinstance(value, dict):
        for item in value.values():
            collect(item, into)
    elif isinstance(value, list):
        for item in value:
            collect(item, into)


def leftovers(nodes: list[str], data: list[str], exact: set[str], corpus: str) -> list[str]:
    """The Chinese of ``nodes`` (a page's text pieces) that is not the bureau's data.

    A node is cut where English letters stand, since an interface sentence may hold a piece of
    data ("Select this object for an action - <a stem>"); a piece that is a stored value, or a
    stored value cut short ("…"), is data.
    """
    found: list[str] = []
    for node in nodes:
        for piece in NOT_LETTERS.findall(node):
            text = piece.strip(TRIM)
            if not CHINESE.search(text) or text in exact or text in corpus:
                continue
            for value in data:
                if value in text:
                    text = text.replace(value, " ")
            found.extend(
                run
                for run in (match.group(0) for match in CHINESE.finditer(text))
                if run not in AUTONYMS and not (len(run) >= SHORTENED_DATA and run in corpus)
            )
    return found


def walk(client: Client, data: list[str]) -> tuple[int, dict[str, list[str]]]:
    """Follow the links from the home page; return how many pages were read and what each leaves in Chinese."""
    corpus = "\n".join(data)
    exact = set(data)
    found: dict[str, list[str]] = {}
    seen = {"/"}
    queue = deque(["/"])
    admin_pages = 0
    pages = 0
    while queue and len(seen) <= PAGES_PER_ROLE:
        url = queue.popleft()
        response = client.get(url)
        if response.status_code >= 500:
            found[url] = [f"status {response.status_code}"]
            continue
        if response.status_code != 200 or not response["Content-Type"].startswith("text/html"):
            continue
        pages += 1
        parser = PageText()
        parser.feed(response.content.decode())
        words = leftovers(parser.text, data, exact, corpus)
        if words:
            found[url] = words[:8]
        for href in parser.links:
            link = urldefrag(href)[0]
            parts = urlsplit(link)
            if parts.scheme or parts.netloc or not parts.path.startswith("/") or SKIP.search(parts.path):
                continue
            if link in seen:
                continue
            if parts.path.startswith("/admin/"):
                if admin_pages >= ADMIN_PAGES or re.search(r"/(delete|history)/", parts.path):
                    continue
                admin_pages += 1
            seen.add(link)
            queue.append(link)
    return pages, found


@pytest.mark.parametrize("username", [username for username, _name, _role in DEMO_LOGINS])
def test_every_page_a_role_reaches_speaks_english(username):
    with override_settings(DEBUG=True):  # seed_demo runs only with DEBUG on, as `make run` sets it
        call_command("seed_demo", verbosity=0)
    data = stored_text()
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    client.force_login(apps.get_model(settings.AUTH_USER_MODEL).objects.get(username=username))

    pages, found = walk(client, data)

    assert pages >= 20
    assert not found, "Chinese left in English:\n" + "\n".join(
        f"{url}: {words}" for url, words in found.items()
    )
