"""Summarizes a fuzzing run and decides it.

Usage: report.py CALLS.jsonl EVENTS.ndjson. CALLS holds every request with its answer (fuzz_hooks.py);
EVENTS is schemathesis's event stream, which names each failed check. Exits 1 on any 5xx, any response
that contradicts the OpenAPI document, any error of the fuzzer, or when fewer than 60 % of the operations
called answered some 2xx.
"""

import json
import sys
from collections import Counter, defaultdict

SHARE = 60
SCHEMA_CHECKS = {"status_code_conformance", "content_type_conformance", "response_headers_conformance",
                 "response_schema_conformance"}
SHOWN = 40

calls = [json.loads(line) for line in open(sys.argv[1])]

statuses = defaultdict(Counter)
for c in calls:
    statuses[c["operation"]][c["status"]] += 1
answered = {op for op, seen in statuses.items() if any(200 <= s < 300 for s in seen)}
share = 100 * len(answered) / len(statuses) if statuses else 0

server_errors = defaultdict(list)
for c in calls:
    if c["status"] >= 500:
        server_errors[c["operation"]].append(c)

# (check code, title) -> operation -> each distinct failure message -> the first request that drew it
violations = defaultdict(dict)
errors = []
for line in open(sys.argv[2]):
    (kind, data), = json.loads(line).items()
    if kind in ("NonFatalError", "FatalError"):
        error = data.get("value") or data.get("exception") or {}
        errors.append(f"{data.get('label', 'run')}: {error.get('type')}: {error.get('message')}")
    if kind != "ScenarioFinished":
        continue
    recorder = data["recorder"]
    for case_id, results in recorder.get("checks", {}).items():
        for r in results:
            if r["status"] != "failure" or r["name"] not in SCHEMA_CHECKS:
                continue
            f = r["failure_info"]["failure"]
            request = recorder.get("interactions", {}).get(case_id, {}).get("request", {})
            found = violations[(f["code"], f["title"])].setdefault(f["operation"], {})
            found.setdefault(" ".join(f["message"].split()), request)

print(f"\nAPI fuzzing: {len(calls)} requests to {len(statuses)} operations")
print(f"  2xx: {len(answered)} of {len(statuses)} operations answered some 2xx ({share:.0f} %, at least {SHARE} % wanted)")
for op in sorted(set(statuses) - answered):
    seen = ", ".join(f"{s}×{n}" for s, n in statuses[op].most_common(4))
    print(f"    no 2xx: {op} ({seen})")

print(f"  5xx: {sum(len(v) for v in server_errors.values())} answers from {len(server_errors)} operations")
for op, found in sorted(server_errors.items()):
    first = found[0]
    print(f"    {op}: {len(found)}×, e.g. {first['status']} to {first['request']}"
          + (f" with {first['body'][:120]!r}" if first["body"] else "")
          + f": {first['response'][:160]}")

print(f"  schema violations: {len(violations)} kinds in {sum(len(v) for v in violations.values())} operations")
for (code, title), ops in sorted(violations.items()):
    print(f"    {code} {title}: {len(ops)} operations")
    for op, found in sorted(ops.items())[:SHOWN]:
        message, request = next(iter(found.items()))
        more = f" (and {len(found) - 1} other messages)" if len(found) > 1 else ""
        print(f"      {op}: {message[:140]}{more}, e.g. {request.get('method', '')} {request.get('uri', '')[:100]}")
    if len(ops) > SHOWN:
        print(f"      … and {len(ops) - SHOWN} more")

if errors:
    print(f"  fuzzer errors: {len(errors)}")
    for e in errors[:SHOWN]:
        print(f"    {' '.join(e.split())[:240]}")

problems = []
if server_errors:
    problems.append("5xx answers")
if violations:
    problems.append("schema violations")
if errors:
    problems.append("fuzzer errors")
if not calls:
    problems.append("no requests")
elif share < SHARE:
    problems.append(f"2xx share below {SHARE} %")
print(f"API fuzzing: {'FAILED: ' + ', '.join(problems) if problems else 'passed'}")
sys.exit(1 if problems else 0)
