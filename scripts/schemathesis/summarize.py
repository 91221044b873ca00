#!/usr/bin/env python3
"""Group the failures of a Schemathesis NDJSON report, one line per distinct kind.

Usage: summarize.py REPORT_DIR_OR_NDJSON [--curl] [--json]

A kind is (check, operation, response status, the problem `code` and the `errors[].field:code`
of the answer): the many cases Schemathesis finds for one defect collapse into one line, with a
count, the phases that hit it and, with --curl, one reproducing request (the token shown as
$TOKEN). Standard library only.
"""

from __future__ import annotations

import base64
import glob
import json
import os
import shlex
import sys
from collections import OrderedDict


def ndjson_path(arg: str) -> str:
    if os.path.isdir(arg):
        files = sorted(glob.glob(os.path.join(arg, "*.ndjson")), key=os.path.getmtime)
        if not files:
            sys.exit(f"summarize: no .ndjson report in {arg}")
        return files[-1]
    return arg


def decode(content: dict | None) -> str:
    if not content:
        return ""
    if "$base64" in content:
        return base64.b64decode(content["$base64"]).decode("utf-8", "replace")
    return content.get("string", "")


def problem_key(text: str) -> str:
    try:
        body = json.loads(text)
    except ValueError:
        return text[:80].replace("\n", " ")
    if not isinstance(body, dict):
        return text[:80]
    parts = [str(body.get("code", ""))]
    for err in body.get("errors") or []:
        if isinstance(err, dict):
            parts.append(f"{err.get('field')}:{err.get('code')}")
    return " ".join(p for p in parts if p)


def curl(request: dict) -> str:
    words = ["curl", "-si", "-X", request["method"]]
    for name, values in (request.get("headers") or {}).items():
        for value in values:
            if name.lower() == "authorization":
                value = "Bearer $TOKEN"
                words += ["-H", f'"Authorization: {value}"']
                continue
            words += ["-H", shlex.quote(f"{name}: {value}")]
    body = decode(request.get("body"))
    if body:
        words += ["--data-binary", shlex.quote(body)]
    words.append(shlex.quote(request["uri"]))
    return " ".join(words)


def main() -> None:
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    show_curl = "--curl" in sys.argv
    as_json = "--json" in sys.argv
    path = ndjson_path(args[0] if args else ".")
    kinds: OrderedDict[tuple, dict] = OrderedDict()
    with open(path) as fd:
        for line in fd:
            event = json.loads(line)
            finished = event.get("ScenarioFinished")
            if not finished:
                continue
            phase = finished.get("phase")
            recorder = finished["recorder"]
            for case_id, checks in recorder.get("checks", {}).items():
                for check in checks:
                    if check.get("status") != "failure":
                        continue
                    failure = check["failure_info"]["failure"]
                    interaction = recorder.get("interactions", {}).get(case_id) or {}
                    response = interaction.get("response") or {}
                    status = response.get("status_code", "-")
                    text = decode(response.get("content"))
                    request = interaction.get("request")
                    key = (failure.get("code"), check["name"], failure.get("operation") or recorder.get("label"),
                           status, problem_key(text) if status != "-" else failure.get("title"))
                    kind = kinds.setdefault(key, {"count": 0, "phases": set(), "title": failure.get("title"),
                                                  "message": failure.get("message", ""), "curl": None, "answer": text[:400]})
                    kind["count"] += 1
                    kind["phases"].add(phase)
                    if request and kind["curl"] is None:
                        kind["curl"] = curl(request)
    if as_json:
        print(json.dumps([{"code": k[0], "check": k[1], "operation": k[2], "status": k[3], "problem": k[4],
                           **{**v, "phases": sorted(v["phases"])}} for k, v in kinds.items()], indent=1))
        return
    print(f"== {len(kinds)} distinct failure kinds in {os.path.basename(path)}")
    for (code, check, operation, status, problem), kind in sorted(kinds.items(), key=lambda kv: (kv[0][1], kv[0][2])):
        print(f"{code} {check} | {operation} | {status} {problem} | x{kind['count']} [{','.join(sorted(kind['phases']))}]")
        if show_curl:
            print(f"    {kind['message'].splitlines()[0] if kind['message'] else kind['title']}")
            if kind["curl"]:
                print(f"    {kind['curl']}")
            if kind["answer"]:
                print(f"    -> {kind['answer']}")


if __name__ == "__main__":
    main()
