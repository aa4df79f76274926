#!/usr/bin/env python3
"""The shipped Grafana dashboard and Prometheus alerts query what the appliance exports.

docs/grafana-dashboard.json and docs/prometheus-alerts.yml name metrics and labels by
hand; a wrong name or label gives an empty panel or an alert that never fires, silently.
Checked here without running the appliance: every txscreen_* metric they use is in the
metric catalog (docs/metrics.md, which tests/appliance keeps equal to the catalog) or is
an admin server family (docs/admin.md), and every label they match on or group by is
one that metric has. Also: the dashboard is valid JSON with unique panel ids and no two
panels overlapping, and `promtool check rules` accepts the alerts (when installed;
required in CI). tests/dataplane/e2e_appliance.sh checks the names against a live
/metrics as well.
"""
import json
import os
import re
import shutil
import subprocess
import sys

SRC = os.environ.get("TXSCREEN_SOURCE_ROOT", os.path.join(os.path.dirname(__file__), "..", ".."))
DASHBOARD = os.path.join(SRC, "docs", "grafana-dashboard.json")
ALERTS = os.path.join(SRC, "docs", "prometheus-alerts.yml")
# Labels Prometheus adds to every series, and the histogram bucket bound.
IMPLICIT = {"instance", "job"}
AGGREGATION = re.compile(r"\b(?:sum|max|min|avg|count|group|stddev|topk|bottomk|quantile)\s+by\s*\(([^)]*)\)\s*\(")
SELECTOR = re.compile(r"\b(txscreen_[a-z0-9_]+)(\{[^}]*\})?")

failures = []


def fail(where, what):
    failures.append(f"{where}: {what}")


def table_metrics(path, only_prefix=""):
    """{metric: labels} from the Markdown table rows naming one metric in their first cell."""
    out = {}
    for line in open(path, encoding="utf-8"):
        cells = [c.strip() for c in line.split("|")]
        if len(cells) < 5 or not re.fullmatch(r"`txscreen_[a-z0-9_]+`", cells[1]):
            continue
        name = cells[1].strip("`")
        if name.startswith(only_prefix):
            out[name] = set(re.findall(r"`([a-z_][a-z0-9_]*)[`=]", cells[3]))
    return out


def catalog():
    metrics = table_metrics(os.path.join(SRC, "docs", "metrics.md"))
    metrics.update(table_metrics(os.path.join(SRC, "docs", "admin.md"), "txscreen_admin_"))
    if len(metrics) < 50:
        fail("docs/metrics.md", f"only {len(metrics)} metrics read: has the table's layout changed?")
    return metrics


def family(name, metrics):
    """The catalog family a series name belongs to (histograms add _bucket/_sum/_count)."""
    if name in metrics:
        return name
    base = re.sub(r"_(bucket|sum|count)$", "", name)
    return base if base in metrics else None


def labels_of(name, metrics):
    fam = family(name, metrics)
    extra = {"le"} if name.endswith("_bucket") else set()
    return metrics[fam] | IMPLICIT | extra


def balanced(expr, start):
    """The text of the parenthesised group opening at expr[start]."""
    depth = 0
    for i in range(start, len(expr)):
        depth += {"(": 1, ")": -1}.get(expr[i], 0)
        if depth == 0:
            return expr[start:i + 1]
    return expr[start:]


def check_expr(where, expr, metrics):
    for m in SELECTOR.finditer(expr):
        name, matchers = m.group(1), m.group(2) or ""
        if not family(name, metrics):
            fail(where, f"{name} is not exported (not in docs/metrics.md or the admin families)")
            continue
        for label in re.findall(r"([a-zA-Z_]\w*)\s*(?:=~|!~|!=|=)", matchers):
            if label not in labels_of(name, metrics):
                fail(where, f"{name} has no label '{label}' (has: {sorted(metrics[family(name, metrics)])})")
    for m in AGGREGATION.finditer(expr):
        grouped = {l.strip() for l in m.group(1).split(",") if l.strip()}
        for inner in SELECTOR.finditer(balanced(expr, m.end() - 1)):
            name = inner.group(1)
            if not family(name, metrics):
                continue
            missing = grouped - labels_of(name, metrics)
            if missing:
                fail(where, f"groups {name} by {sorted(missing)}, labels it does not have")


def panels(dashboard):
    for p in dashboard.get("panels", []):
        yield p
        yield from p.get("panels", [])  # collapsed rows hold their panels


def check_dashboard(metrics):
    try:
        d = json.load(open(DASHBOARD, encoding="utf-8"))
    except (OSError, ValueError) as e:
        fail("docs/grafana-dashboard.json", f"not valid JSON: {e}")
        return 0
    ids, cells, exprs = set(), {}, 0
    for p in panels(d):
        where = f"grafana panel {p.get('id')} '{p.get('title')}'"
        if p.get("id") in ids:
            fail(where, "panel id used twice")
        ids.add(p.get("id"))
        g = p.get("gridPos", {})
        if g.get("x", 0) + g.get("w", 0) > 24:
            fail(where, f"wider than the 24-column grid: {g}")
        for x in range(g.get("x", 0), g.get("x", 0) + g.get("w", 0)):
            for y in range(g.get("y", 0), g.get("y", 0) + g.get("h", 0)):
                if (x, y) in cells:
                    fail(where, f"overlaps panel {cells[(x, y)]}")
                    break
                cells[(x, y)] = p.get("id")
            else:
                continue
            break
        for t in p.get("targets", []):
            exprs += 1
            check_expr(f"{where} target {t.get('refId')}", t.get("expr", ""), metrics)
    for v in d.get("templating", {}).get("list", []):
        check_expr(f"grafana variable {v.get('name')}", v.get("definition", ""), metrics)
    return exprs


def alert_exprs():
    """(alert, expr) from the rules file: one-line `expr:` or a `expr: |` block."""
    lines = open(ALERTS, encoding="utf-8").read().splitlines()
    alert, i = "?", 0
    while i < len(lines):
        line = lines[i]
        if m := re.match(r"\s*- alert:\s*(\S+)", line):
            alert = m.group(1)
        if m := re.match(r"(\s*)expr:\s*(.*)$", line):
            if m.group(2).strip() in ("|", ">"):
                indent, body = len(m.group(1)), []
                while i + 1 < len(lines) and (not lines[i + 1].strip() or
                                              len(lines[i + 1]) - len(lines[i + 1].lstrip()) > indent):
                    i += 1
                    body.append(lines[i].strip())
                yield alert, " ".join(body)
            else:
                yield alert, m.group(2)
        i += 1


def check_alerts(metrics):
    n = 0
    for alert, expr in alert_exprs():
        n += 1
        check_expr(f"alert {alert}", expr, metrics)
    promtool = shutil.which("promtool") or ("/usr/bin/promtool" if os.access("/usr/bin/promtool", os.X_OK) else None)
    if promtool:
        r = subprocess.run([promtool, "check", "rules", ALERTS], capture_output=True, text=True)
        if r.returncode != 0:
            fail("docs/prometheus-alerts.yml", "promtool check rules: " + (r.stdout + r.stderr).strip())
    elif os.environ.get("CI") == "true":
        fail("docs/prometheus-alerts.yml", "promtool missing (scripts/install-deps.sh installs prometheus)")
    else:
        print("note: no promtool; alert rules not syntax-checked")
    return n


def main():
    metrics = catalog()
    panels_checked = check_dashboard(metrics)
    alerts_checked = check_alerts(metrics)
    if failures:
        print("\n".join("FAIL: " + f for f in failures))
        if any("is not exported" in f for f in failures):
            print("(a metric just added to controlplane/appliance/metric_catalog.cpp? docs/metrics.md's table is "
                  "`txscreen metrics`: replace it with that output)")
        return 1
    print(f"ok: {panels_checked} dashboard queries and {alerts_checked} alert expressions use exported "
          f"metrics and their labels ({len(metrics)} families known)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
