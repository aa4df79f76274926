#!/usr/bin/env bash
# The model end to end (issue #18, acceptances 3 and 4):
#   - train: a labelled txgen feed (seed 41) through `txscreen run` with the rules alone;
#     scripts/train-model.py trains XGBoost trees on the spool's scored table (the
#     engine's feature vectors) and the labels, and picks the detector threshold at
#     which the model's alerts are as precise as the rules' on that feed;
#   - evaluate: another seed (42) through the rules alone, and through the rules with
#     the model ([model] path, [detector.model] threshold): alert recall rises, alert
#     precision stays at least the rules' (both printed);
#   - refusals: a corrupt model file and one expecting a feature the engine does not
#     produce stop `txscreen run` at start with an error naming the file; through
#     PUT /api/v1/model both are refused (400) while the old model keeps scoring.
# usage: model_appliance.sh TXGEN TXSCREEN
set -uo pipefail
txgen=$1 txscreen=$2
src=${TXSCREEN_SOURCE_ROOT:?}
WORK=$(mktemp -d /tmp/txscreen-model.XXXXXX)
pid=
finish() { [[ -n $pid ]] && kill -9 "$pid" 2>/dev/null; rm -rf "$WORK"; }
trap finish EXIT
fail() { echo "FAIL: $*"; for f in "$WORK"/*.log; do [[ -f $f ]] && { echo "== $f"; tail -15 "$f"; }; done; exit 1; }
N=${MODEL_COUNT:-60000}
feed=(--format json --count "$N" --fraud-rate 0.03 --quiet)

"$txgen" "${feed[@]}" --seed 41 --out "$WORK/train.pcap" --labels "$WORK/train.csv" || fail "txgen train"
"$txgen" "${feed[@]}" --seed 42 --out "$WORK/eval.pcap" --labels "$WORK/eval.csv" || fail "txgen eval"

run() {  # run NAME PCAP [extra config lines...]: into spool NAME-spool
  local name=$1 pcap=$2; shift 2
  printf '%s\n' "[spool]" "dir = \"$WORK/$name-spool\"" "$@" > "$WORK/$name.toml"
  timeout 180 "$txscreen" run --config "$WORK/$name.toml" --pcap "$pcap" --no-kafka --quiet \
    --summary-json "$WORK/$name.summary.json" > "$WORK/run-$name.log" 2>&1
}
run train "$WORK/train.pcap" || fail "txscreen run (train)"
/usr/bin/python3 "$src/scripts/train-model.py" --lake "$WORK/train-spool" --labels "$WORK/train.csv" \
  --out "$WORK/model.json" --report "$WORK/report.json" > "$WORK/train.log" 2>&1 || fail "train-model.py"
threshold=$(/usr/bin/python3 -c "import json; print(json.load(open('$WORK/report.json'))['suggested_threshold'])") ||
  fail "no threshold in the training report"
echo "trained: $(tail -1 "$WORK/train.log"); threshold $threshold"

{ cat "$src/src/rules/default_rules.toml"; printf '\n[detector.model]\nthreshold = %s\n' "$threshold"; } > "$WORK/ruleset.toml"
run rules "$WORK/eval.pcap" || fail "txscreen run (rules)"
run model "$WORK/eval.pcap" "[rules]" "file = \"$WORK/ruleset.toml\"" "[model]" "path = \"$WORK/model.json\"" ||
  fail "txscreen run (rules + model)"

/usr/bin/python3 - "$WORK" <<'PY' || fail "recall and precision"
import csv, glob, sys
import avro.datafile, avro.io
work = sys.argv[1]
fraud = {r['txn_id'] for r in csv.DictReader(open(f'{work}/eval.csv')) if r['scenario_id']}
def score(name):
    alerts = hits = model_hits = 0
    for path in glob.glob(f'{work}/{name}-spool/table=scored/**/*.avro', recursive=True):
        with avro.datafile.DataFileReader(open(path, 'rb'), avro.io.DatumReader()) as rd:
            for r in rd:
                model_hits += any(x['rule'] == 'model' for x in r['reasons'])
                if r['alert']:
                    alerts += 1
                    hits += r['txn_id'] in fraud
    return hits / max(1, alerts), hits / max(1, len(fraud)), model_hits
p0, r0, m0 = score('rules')
p1, r1, m1 = score('model')
print(f"eval feed: {len(fraud)} fraud transactions; rules alone: precision {p0:.4f} recall {r0:.4f}; "
      f"rules + model: precision {p1:.4f} recall {r1:.4f} (model fired on {m1} transactions)")
assert m0 == 0 and m1 > 0, (m0, m1)
assert r1 > r0, 'the model did not raise recall'
assert p1 >= p0 - 0.005, 'the model lowered alert precision'
PY

# Refused at start: a corrupt file, and a model expecting a feature the engine lacks.
head -c 300 "$WORK/model.json" > "$WORK/corrupt.json"
/usr/bin/python3 - "$WORK/model.json" "$WORK/alien.json" <<'PY' || fail "making the alien model"
import json, sys
m = json.load(open(sys.argv[1]))
names = m['learner']['feature_names']
names[0] = 'shoe_size'
json.dump(m, open(sys.argv[2], 'w'))
PY
for bad in corrupt alien; do
  run "start-$bad" "$WORK/eval.pcap" "[model]" "path = \"$WORK/$bad.json\"" && fail "a $bad model was accepted at start"
  grep -q "$bad.json" "$WORK/run-start-$bad.log" || fail "the error does not name $bad.json: $(tail -3 "$WORK/run-start-$bad.log")"
  echo "ok: $bad model refused at start: $(grep -m1 "$bad.json" "$WORK/run-start-$bad.log" | cut -c1-200)"
done

# Refused at reload: the old model keeps scoring.
export TXSCREEN_ADMIN_TOKEN=model-test-token-0123456789
auth=(-H "Authorization: Bearer $TXSCREEN_ADMIN_TOKEN")
printf '%s\n' "[rules]" "file = \"$WORK/ruleset.toml\"" "[model]" "path = \"$WORK/model.json\"" \
  "[admin]" "listen = \"127.0.0.1:0\"" "token = \"env:TXSCREEN_ADMIN_TOKEN\"" > "$WORK/live.toml"
"$txgen" --count 20000 --framing raw --format json --seed 43 --fraud-rate 0.05 --out "$WORK/raw.pcap" --no-labels --quiet ||
  fail "txgen raw"
"$txscreen" run --config "$WORK/live.toml" --pcap "$WORK/raw.pcap" --loop --no-spool --no-kafka --quiet \
  --ready-file "$WORK/ready" > "$WORK/live.log" 2>&1 &
pid=$!
for _ in $(seq 1 200); do grep -q '^admin ' "$WORK/ready" 2>/dev/null && break; sleep 0.1; done
url=$(awk '/^admin /{print $2}' "$WORK/ready" 2>/dev/null)
[[ -n $url ]] || fail "txscreen did not start its admin API"
model_hits() { curl -s "${auth[@]}" "$url/api/v1/stats" |
  /usr/bin/python3 -c "import json,sys; print(json.load(sys.stdin)['rule_hits'].get('model', 0))"; }
sleep 1
before=$(model_hits)
for bad in corrupt alien; do
  code=$(curl -s -o "$WORK/put.json" -w '%{http_code}' "${auth[@]}" -X PUT --data-binary "@$WORK/$bad.json" "$url/api/v1/model")
  [[ $code == 400 ]] || fail "PUT $bad model: HTTP $code: $(cat "$WORK/put.json")"
  echo "ok: PUT /api/v1/model ($bad) refused: $(cut -c1-200 "$WORK/put.json")"
done
code=$(curl -s -o "$WORK/get.json" -w '%{http_code}' "${auth[@]}" "$url/api/v1/model")
[[ $code == 200 ]] && grep -q "model.json" "$WORK/get.json" || fail "GET /api/v1/model after the refusals: $code $(cat "$WORK/get.json")"
sleep 1
after=$(model_hits)
((after > before)) || fail "the old model stopped scoring after the refused reloads ($before -> $after)"
code=$(curl -s -o "$WORK/put.json" -w '%{http_code}' "${auth[@]}" -X PUT --data-binary "@$WORK/model.json" "$url/api/v1/model")
[[ $code == 200 ]] || fail "PUT the good model again: HTTP $code: $(cat "$WORK/put.json")"
echo "ok: the old model kept scoring ($before -> $after model hits); the good model reloads (200)"
kill -TERM "$pid"; wait "$pid"; pid=
echo PASS
