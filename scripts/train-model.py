#!/usr/bin/python3
"""Train the fraud model txscreen evaluates (docs/model.md) from the lake and a labels file.

Reads every scored record of the lake (table=scored Avro files under --lake, as the
spool writes them or as S3 holds them: table=scored/dt=YYYY-MM-DD/hour=HH/<host>-<seq>.avro),
joins each with its label from txgen's labels CSV (--labels: columns txn_id,label,
scenario_id[,...]; a transaction is fraud when its scenario_id is set and its label is
not "spike"), trains gradient-boosted trees (Debian's python3-xgboost) on the engine's
feature vector (field `features`, names and order in src/rules/features.h) and writes
XGBoost's JSON model with the engine's feature names, which the appliance loads
([model] path) and evaluates itself.

It prints, and writes to --report as JSON: the training rows, positives, the rules' own
alert precision and recall on that data (the scored record's `alert`), and a suggested
detector threshold. The trees learn from three rows in four; the fourth is held out,
and the threshold is the smallest probability at which the rules' alerts together with
the model's (what the appliance raises with the detector on) are, on the held-out rows,
at least as precise as the rules' alone (or as --target-precision).
Run it with /usr/bin/python3 (Debian's xgboost, avro and numpy modules).
"""
import argparse
import csv
import json
import math
import pathlib
import sys

# The engine's feature vector, version 1 (src/rules/features.h, docs/model.md).
FEATURE_VERSION = 1
FEATURE_NAMES = [
    "amount", "card_count_1h", "card_count_24h", "card_sum_1h", "card_sum_24h",
    "card_distinct_merchants_1h", "card_distinct_countries_24h", "kmh_since_card_present",
    "device_new", "ip_new", "seconds_since_last_txn", "amount_to_card_mean_24h", "mcc_high_risk",
    "mcc", "screen_categories", "screen_hits", "card_declines_24h", "channel", "hour_of_day",
    "merchant_count_1h",
]


class Refused(Exception):
    pass


def parse_args(argv):
    p = argparse.ArgumentParser(
        prog="train-model.py", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--lake", required=True, metavar="DIR",
                   help="lake or spool directory; every table=scored/**/*.avro under it is read")
    p.add_argument("--labels", required=True, metavar="LABELS.csv",
                   help="txgen's labels file (txgen --labels FILE): txn_id,label,scenario_id[,...]")
    p.add_argument("--out", required=True, metavar="model.json", help="where to write XGBoost's JSON model")
    p.add_argument("--report", metavar="REPORT.json", help="also write the summary printed at the end as JSON")
    p.add_argument("--trees", type=int, default=100, help="boosting rounds, one tree each (default 100)")
    p.add_argument("--depth", type=int, default=6, help="max_depth of each tree (default 6)")
    p.add_argument("--eta", type=float, default=0.1, help="learning rate (default 0.1)")
    p.add_argument("--seed", type=int, default=0, help="XGBoost's random seed (default 0)")
    p.add_argument("--threads", type=int, default=2, help="training threads (default 2)")
    p.add_argument("--precision-of-rules", action="store_true",
                   help="suggest the threshold at the rules' own alert precision (the default)")
    p.add_argument("--target-precision", type=float, metavar="P",
                   help="suggest the threshold at precision P (0..1) instead of the rules'")
    a = p.parse_args(argv)
    if a.trees < 1 or a.depth < 1 or not 0 < a.eta <= 1:
        p.error("--trees and --depth must be at least 1, --eta in (0, 1]")
    if a.target_precision is not None and not 0 < a.target_precision <= 1:
        p.error("--target-precision must be in (0, 1]")
    return a


def scored_files(lake):
    root = pathlib.Path(lake)
    if not root.is_dir():
        raise Refused(f"lake {lake}: no such directory")
    files = sorted(f for f in root.rglob("*.avro") if "table=scored" in f.parts)
    if not files:
        raise Refused(f"lake {lake}: no table=scored Avro files under it")
    return files


def read_scored(files):
    """(key, rrn, alert, features) per scored record; checks the feature vector's version."""
    from avro.datafile import DataFileReader
    from avro.io import DatumReader
    rows = []
    for f in files:
        try:
            with DataFileReader(open(f, "rb"), DatumReader()) as reader:
                for rec in reader:
                    if "features" not in rec:
                        raise Refused(f"{f}: scored records without `features` (written before feature version 1)")
                    version = rec.get("features_version")
                    feats = rec["features"]
                    if version != FEATURE_VERSION or len(feats) != len(FEATURE_NAMES):
                        raise Refused(f"{f}: features_version {version} with {len(feats)} features; this script "
                                      f"trains version {FEATURE_VERSION} ({len(FEATURE_NAMES)} features)")
                    rows.append((rec.get("txn_id", ""), rec.get("rrn", ""), bool(rec.get("alert")), feats))
        except Refused:
            raise
        except Exception as e:  # a torn or foreign file: name it
            raise Refused(f"{f}: not a readable Avro file: {e}")
    if not rows:
        raise Refused("the lake's table=scored files hold no records")
    return rows


def read_labels(path):
    """txn id -> fraud (scenario_id set, label not "spike")."""
    try:
        with open(path, newline="") as f:
            reader = csv.DictReader(f)
            cols = reader.fieldnames or []
            id_col = "txn_id" if "txn_id" in cols else "id" if "id" in cols else None
            if id_col is None or "scenario_id" not in cols:
                raise Refused(f"labels {path}: expected columns txn_id,label,scenario_id; found {','.join(cols)}")
            return {r[id_col]: bool(r["scenario_id"]) and r.get("label") != "spike" for r in reader}
    except OSError as e:
        raise Refused(f"labels {path}: {e.strerror}")


def join(rows, labels, labels_path):
    """Keeps the scored rows with a label (by txn_id, else by rrn for ISO 8583 feeds)."""
    x, y, alert = [], [], []
    for txn_id, rrn, is_alert, feats in rows:
        fraud = labels.get(txn_id) if txn_id else None
        if fraud is None and rrn:
            fraud = labels.get(rrn)
        if fraud is None:
            continue
        x.append([math.nan if v is None else v for v in feats])
        y.append(1.0 if fraud else 0.0)
        alert.append(is_alert)
    if not y:
        raise Refused(f"labels {labels_path}: no scored record's txn_id or rrn matches a label "
                      f"({len(rows)} scored records, {len(labels)} labels)")
    return x, y, alert


def precision_recall(flags, y):
    tp = sum(1 for f, t in zip(flags, y) if f and t)
    flagged, positives = sum(flags), sum(y)
    return (tp / flagged if flagged else None), (tp / positives if positives else None)


def suggest_threshold(scores, y, alert, target):
    """Smallest score t at which the rules' alerts together with the rows scoring >= t
    (what the appliance alerts with the model detector on) have precision >= target."""
    if target is None:
        return None
    tp = sum(1 for f, t in zip(alert, y) if f and t)
    n = sum(alert)
    order = sorted((i for i in range(len(scores)) if not alert[i]), key=lambda i: -scores[i])
    best, i = None, 0
    while i < len(order):
        s = scores[order[i]]
        while i < len(order) and scores[order[i]] == s:  # equal scores alert together
            tp += y[order[i]] > 0
            n += 1
            i += 1
        if tp / n >= target:
            best = s
    return best


def split(x, y, alert):
    """Every 4th row held out: the threshold is chosen on rows the trees did not see, so
    the precision it promises holds on new feeds rather than on the training rows."""
    keep = [i % 4 != 0 for i in range(len(y))]
    pick = lambda v, k: [e for e, kk in zip(v, keep) if kk == k]
    return (pick(x, True), pick(y, True)), (pick(x, False), pick(y, False), pick(alert, False))


def train(x, y, a):
    import numpy as np
    import xgboost as xgb
    d = xgb.DMatrix(np.asarray(x, dtype=np.float32), label=np.asarray(y, dtype=np.float32), missing=np.nan,
                    feature_names=FEATURE_NAMES)
    params = {"objective": "binary:logistic", "max_depth": a.depth, "eta": a.eta, "tree_method": "hist",
              "nthread": a.threads, "seed": a.seed, "eval_metric": "aucpr"}
    booster = xgb.train(params, d, num_boost_round=a.trees)
    booster.feature_names = FEATURE_NAMES
    return booster


def predict(booster, x):
    import numpy as np
    import xgboost as xgb
    d = xgb.DMatrix(np.asarray(x, dtype=np.float32), missing=np.nan, feature_names=FEATURE_NAMES)
    return [float(p) for p in booster.predict(d)]


def main(argv):
    a = parse_args(argv)
    try:
        rows = read_scored(scored_files(a.lake))
        labels = read_labels(a.labels)
        x, y, alert = join(rows, labels, a.labels)
    except Refused as e:
        print(f"train-model: {e}", file=sys.stderr)
        return 1
    positives = int(sum(y))
    if positives == 0 or positives == len(y):
        print(f"train-model: {len(y)} labelled rows, {positives} fraud: both classes are needed", file=sys.stderr)
        return 1
    (train_x, train_y), (hold_x, hold_y, hold_alert) = split(x, y, alert)
    booster = train(train_x, train_y, a)
    booster.save_model(a.out)
    scores = predict(booster, hold_x)
    rules_precision, rules_recall = precision_recall(hold_alert, hold_y)
    target = a.target_precision if a.target_precision is not None else rules_precision
    threshold = suggest_threshold(scores, hold_y, hold_alert, target)
    model_precision = model_recall = None
    if threshold is not None:
        union = [f or s >= threshold for f, s in zip(hold_alert, scores)]
        model_precision, model_recall = precision_recall(union, hold_y)
    report = {
        "model": a.out, "trees": a.trees, "depth": a.depth, "eta": a.eta, "feature_version": FEATURE_VERSION,
        "scored_rows": len(rows), "training_rows": len(train_y), "holdout_rows": len(hold_y),
        "positives": positives,
        "holdout_rules_alerts": sum(hold_alert), "holdout_rules_precision": rules_precision,
        "holdout_rules_recall": rules_recall, "target_precision": target, "suggested_threshold": threshold,
        "holdout_precision_with_model": model_precision, "holdout_recall_with_model": model_recall,
    }
    if a.report:
        with open(a.report, "w") as f:
            json.dump(report, f, indent=2)
            f.write("\n")
    for k, v in report.items():
        print(f"{k}: {v}")
    if threshold is None:
        print("train-model: no threshold reaches the target precision"
              + (" (the rules raised no alerts)" if target is None else ""), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
