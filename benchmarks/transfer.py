"""The bytes a browser transfers (compressed, as on the wire) for the first page with charts from an empty cache,
and for every later chart page with what the browser then holds."""

from __future__ import annotations

import re

from benchmarks.client import Client, decoded

ASSET = re.compile(rb'<(?:script[^>]*\ssrc|link[^>]*\shref)="(/[^"]+)"')
FONT = re.compile(rb'url\(["\']?([^)"\']+\.woff2)')


def _assets(client: Client, html: bytes, seen: dict) -> list[dict]:
    """Every script, stylesheet and the fonts the stylesheets name, fetched as the browser fetches them."""
    items = []
    for raw in ASSET.findall(html):
        url = raw.decode().replace("&amp;", "&")
        if url in seen:
            items.append({"url": url, "bytes": 0, "cached": True, "cache_control": seen[url]})
            continue
        status, headers, body, _ = client.get(url)
        seen[url] = headers.get("cache-control", "")
        items.append(
            {
                "url": url,
                "status": status,
                "bytes": len(body),
                "encoding": headers.get("content-encoding"),
                "cache_control": seen[url],
                "cached": False,
            }
        )
        if url.split("?")[0].endswith(".css") and status == 200:
            css = decoded(headers, body)
            base = url.split("?")[0].rsplit("/", 1)[0]
            for font in sorted(set(FONT.findall(css)))[:4]:
                font_url = font.decode() if font.startswith(b"/") else f"{base}/{font.decode()}"
                if font_url not in seen:
                    fs, fh, fb, _ = client.get(font_url)
                    seen[font_url] = fh.get("cache-control", "")
                    items.append(
                        {"url": font_url, "status": fs, "bytes": len(fb), "cache_control": seen[font_url], "cached": False}
                    )
    return items


def transfer_sizes(port: int, cookies: dict, pages: list) -> dict:
    """pages: (name, path, user) of the GET pages in the order a user would meet them; cookies: per user."""
    chart_pages = []
    for name, path, user in pages:
        client = Client(port, cookies[user])
        status, headers, wire, _ = client.get(path)
        if status == 200 and b"plotly" in decoded(headers, wire):
            chart_pages.append((name, client, headers, wire))
        else:
            client.close()
    if not chart_pages:
        return {"note": "no measured page draws charts"}
    seen: dict = {}
    out: dict = {"pages": []}
    for index, (name, client, headers, wire) in enumerate(chart_pages):
        assets = _assets(client, decoded(headers, wire), seen)
        plotly = [a for a in assets if "plotly" in a["url"]]
        out["pages"].append(
            {
                "page": name,
                "html_bytes": len(wire),
                "html_encoding": headers.get("content-encoding"),
                "total_bytes": len(wire) + sum(a["bytes"] for a in assets),
                "plotly": plotly,
                "assets": assets,
                "first": index == 0,
            }
        )
        client.close()
    first = out["pages"][0]
    out["first_chart_page"] = first["page"]
    out["first_chart_page_bytes"] = first["total_bytes"]
    return out
