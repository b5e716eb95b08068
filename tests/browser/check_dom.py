"""Checks the dashboard as Chromium rendered it (tests/browser/run.sh).

Usage: check_dom.py PAGE.html INSTANCE_PAGE.html REQUESTS.jsonl SCREENSHOT.png...
PAGE.html is Chromium's --dump-dom of /_sim/ui after its script ran, INSTANCE_PAGE.html
that of /_sim/ui?instance=rm-quota, REQUESTS.jsonl GET /_sim/requests right after PAGE.html. Prints each failed check, then "N passed, M failed".
"""
import sys
from html.parser import HTMLParser


class Page(HTMLParser):
    """The rendered DOM: instance rows, request rows, set rows, scripts, texts by id."""

    def __init__(self):
        super().__init__()
        self.stack = []  # open elements: (tag, attrs)
        self.rows = {}  # section id -> list of rows (list of (class, text) cells)
        self.instance_rows = {}  # data-instance -> list of (class, text)
        self.scripts = []
        self.texts = {}  # element id -> text
        self.live = 0
        self.cell = None
        self.row = None
        self.section = None
        self.script = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.stack.append((tag, attrs))
        if attrs.get("id") == "live":
            self.live += 1
        if tag == "section":
            self.section = attrs.get("id")
        if tag == "tr" and self.in_tag("tbody"):
            self.row = {"instance": attrs.get("data-instance"), "cells": []}
        if tag == "td" and self.row is not None:
            self.cell = [attrs.get("class") or "", ""]
        if tag == "script":
            self.script = ""

    def handle_endtag(self, tag):
        while self.stack:
            open_tag, attrs = self.stack.pop()
            if "id" in attrs and open_tag in ("b", "p", "span"):
                pass
            if open_tag == tag:
                break
        if tag == "td" and self.cell is not None and self.row is not None:
            self.row["cells"].append((self.cell[0], " ".join(self.cell[1].split())))
            self.cell = None
        if tag == "tr" and self.row is not None:
            self.rows.setdefault(self.section, []).append(self.row["cells"])
            if self.row["instance"]:
                self.instance_rows[self.row["instance"]] = self.row["cells"]
            self.row = None
        if tag == "script" and self.script is not None:
            self.scripts.append(self.script)
            self.script = None

    def handle_data(self, data):
        if self.cell is not None:
            self.cell[1] += data
        if self.script is not None:
            self.script += data
        for tag, attrs in self.stack:
            if "id" in attrs:
                self.texts[attrs["id"]] = self.texts.get(attrs["id"], "") + data

    def in_tag(self, name):
        return any(tag == name for tag, _ in self.stack)


def parse(path):
    page = Page()
    with open(path, encoding="utf-8") as f:
        page.feed(f.read())
    return page


passed = failed = 0


def check(name, ok, detail=""):
    global passed, failed
    if ok:
        passed += 1
    else:
        failed += 1
        print(f"FAIL {name}: {detail}")


page = parse(sys.argv[1])
rows = page.instance_rows
check("one live part after the refresh swapped it", page.live == 1, page.live)
check("the simulation time", page.texts.get("sim-time") == "2026-03-02T01:34:00Z", page.texts.get("sim-time"))
check("the daily limit", page.texts.get("limit") == "2", page.texts.get("limit"))
check(
    "five instances in creation order",
    list(rows) == ["rm-orders", "pg-analytics", "rm-quota", "rm-locked", "rm-xss"],
    list(rows),
)
COLUMNS = ["id", "engine", "type", "status", "tags", "job", "quota", "next", "newest"]


def cell(instance, column):
    cells = rows.get(instance) or []
    index = COLUMNS.index(column)
    return cells[index] if index < len(cells) else ("", None)


check("rm-orders tags", cell("rm-orders", "tags")[1] == "env=prod team=payments", cell("rm-orders", "tags"))
check("rm-orders active job at 40 %", cell("rm-orders", "job")[1] == "Manual Checking 40%" or
      (cell("rm-orders", "job")[1] or "").endswith(" 40%"), cell("rm-orders", "job"))
check("rm-orders quota", cell("rm-orders", "quota")[1] == "1 / 2", cell("rm-orders", "quota"))
check("rm-quota at its limit", cell("rm-quota", "quota") == ("quota bad", "2 / 2 at limit"), cell("rm-quota", "quota"))
check("rm-quota newest set", cell("rm-quota", "newest")[1] == "Success Physical FullBackup ended 2026-03-02T01:21:00Z",
      cell("rm-quota", "newest"))
check("rm-quota no active job", cell("rm-quota", "job")[1] == "none", cell("rm-quota", "job"))
check("rm-locked status and lock", cell("rm-locked", "status")[1] == "Running ManualLock", cell("rm-locked", "status"))
check("pg-analytics engine", cell("pg-analytics", "engine")[1] == "PostgreSQL 16.0 · cloud_essd", cell("pg-analytics", "engine"))
check("pg-analytics next automatic start", cell("pg-analytics", "next")[1] == "2026-03-02T02:00:00Z", cell("pg-analytics", "next"))
check("the script tag shows as text", cell("rm-xss", "tags")[1] == "note=<script>alert(1)</script>", cell("rm-xss", "tags"))
check("no script runs it", not any("alert" in s for s in page.scripts) and len(page.scripts) == 1, page.scripts)
faults = page.rows.get("faults", [])
check("faults: only the active one, f-2 (f-1 fired and retired)",
      [[text for _, text in r] for r in faults] ==
      [["f-2", "Latency on DescribeBackups, Before, 250 ms; fired 0 of 3"]], faults)

requests = page.rows.get("requests", [])
summary = [" ".join(text for _, text in r[1:7]).strip() for r in requests]
for expected in [
    "GET / DescribeRegions rm-orders 501 Sim.NotImplemented",
    "GET / DescribeRegionz rm-orders 404 InvalidAction.NotFound",
    "GET / CreateBackup rm-orders 400 MissingParameter",
    "POST /_sim/replay - - 200",
]:
    check(f"request row {expected!r}", expected in summary, summary)
fired = [r for r in requests if " ".join(text for _, text in r[1:7]).strip() ==
         "POST /_sim/action CreateBackup rm-xss 400 Throttling.User"]
check("the throttled request's row names its fault in the FaultId cell",
      len(fired) == 1 and fired[0][7] == ("mono", "f-1"), fired)
check("requests newest first, without the page's own views",
      summary and summary[0].startswith("POST /_sim/action CreateBackup") and not any("/_sim/ui" in r for r in summary), summary[:2])
check("no favicon request", not any("favicon" in r for r in summary), summary)

instance = parse(sys.argv[2])
sets = instance.rows.get("backups", [])
check("rm-quota's two sets, newest first", [r[5][1] for r in sets] == ["2026-03-02T01:11:00Z", "2026-03-02T01:00:00Z"],
      sets)

import json

with open(sys.argv[3], encoding="utf-8") as f:
    seen = [json.loads(line) for line in f if line.strip()]
views = [r for r in seen if r["method"] == "GET" and r["path"] == "/_sim/ui"]
check("the page refreshed itself (its fetch reached the server)", len(views) >= 2, len(views))
check("its views answered 200", all(r["status"] == 200 for r in views), views)

for png in sys.argv[4:]:
    try:
        with open(png, "rb") as f:
            data = f.read()
        check(f"screenshot {png}", data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 20_000, len(data))
    except OSError as e:
        check(f"screenshot {png}", False, e)

print(f"{passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
