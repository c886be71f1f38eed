"""Pages of one guide (the guide page and the runner), rendered once per process.

The service worker caches them, so they are the same bytes on every render: no CSRF token, nonce or
sync status (JavaScript fills status in). Rendering the template costs several times more than
sending it, so the first render is kept.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import current_app, render_template, request

from .library import BLOCK_LABELS, guide_or_404


def rendered_once(render) -> str:
    """The page's HTML, rendered once per process.

    Guide and runner pages are the same bytes on every render (the service worker relies on it), and
    rendering the template costs several times more than sending it: keep the first render.
    """
    if current_app.debug:
        return render()  # templates reload while developing
    cache = current_app.extensions.setdefault("toolkit.rendered", {})
    key = (request.endpoint, request.script_root, tuple(sorted((request.view_args or {}).items())))
    html = cache.get(key)
    if html is None:
        html = cache[key] = render()
    return html


def guide_page(template: str, lang: str, slug: str, context: Callable[[], dict] = dict) -> str:
    """A page of one guide (the guide page, the runner), rendered once per process.

    Every such page gets the guide, the English-stands-in flag and the block labels; `context`
    gives what else the template needs, and is called only for the first render.
    """
    guide, fallback = guide_or_404(lang, slug)
    return rendered_once(
        lambda: render_template(
            template, guide=guide, fallback=fallback, block_labels=BLOCK_LABELS, **context()
        )
    )
