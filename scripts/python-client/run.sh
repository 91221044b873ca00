#!/usr/bin/env bash
# Generates a Python client from openapi/openapi.json with openapi-python-client and runs the
# prior-approval workflow for every order kind through it (workflow.py) against the built
# `approvals` binary on a fresh SQLite file and a free port. Fails on any generator warning and
# on any failed step.
#
#   scripts/python-client/run.sh target/release/approvals
#
# The virtualenv is cached in $OPC_VENV (default ~/.cache/approvals-python-client/opc-<version>);
# the generated client, the database and the server log live in a temporary folder removed on exit.
set -euo pipefail

OPC_VERSION=0.29.1 # openapi-python-client
RUFF_VERSION=0.17.6 # the generator's post-hooks run ruff; without it they print warnings

bin="${1:?usage: scripts/python-client/run.sh PATH/TO/approvals}"
bin=$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")
here=$(cd "$(dirname "$0")" && pwd)
doc="$here/../../openapi/openapi.json"
venv="${OPC_VENV:-$HOME/.cache/approvals-python-client/opc-$OPC_VERSION}"
start=$(date +%s)

# A server on a fresh SQLite file, a tenant PY and a token (scripts/lib/live-server.sh; the
# scratch folder `work` and the server go away on exit).
unset DATABASE_URL
# shellcheck source=../lib/live-server.sh
source "$here/../lib/live-server.sh"
start_live_server "$bin" PY "Py Hospital"

# 1. The generator, in a cached virtualenv.
if ! "$venv/bin/openapi-python-client" --version 2>/dev/null | grep -q "$OPC_VERSION" \
  || ! "$venv/bin/ruff" --version 2>/dev/null | grep -q "$RUFF_VERSION"; then
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check \
    "openapi-python-client==$OPC_VERSION" "ruff==$RUFF_VERSION"
fi
echo "openapi-python-client $OPC_VERSION, ruff $RUFF_VERSION in $venv"

# 2. The client. Any warning (a skipped endpoint, an unsupported schema, a failed hook) fails.
(cd "$work" && PATH="$venv/bin:$PATH" openapi-python-client generate \
  --path "$doc" --output-path "$work/client" --overwrite) >"$work/generate.log" 2>&1 \
  || { cat "$work/generate.log" >&2; echo "FAILED: the generator exited non-zero" >&2; exit 1; }
cat "$work/generate.log"
if grep -qiE 'warning|error|skipping' "$work/generate.log"; then
  echo "FAILED: the generator reported problems with the document (above)" >&2
  exit 1
fi
test -d "$work/client/insurance_approvals_api_client"

# 3. The workflow, through the generated client only.
status=0
APPROVALS_BASE_URL="$base" APPROVALS_TOKEN="$token" PYTHONPATH="$work/client" \
  "$venv/bin/python" "$here/workflow.py" || status=$?
if [ "$status" -ne 0 ]; then
  echo "--- server log" >&2
  tail -n 50 "$work/serve.log" >&2
  echo "FAILED: the workflow (exit $status)" >&2
  exit "$status"
fi
echo "run.sh passed in $(($(date +%s) - start)) s"
