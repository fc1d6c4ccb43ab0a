#!/usr/bin/env bash
# Validate (sam validate --lint) and build (sam build) the SAM stack.
#
# The functions and the engine layer target python3.13 on arm64, and SAM's
# python builder needs a python3.13 interpreter on PATH. When there is none
# (pyenv's 3.13.0 or a system python3.13), this script says so and exits 0:
# the build is then skipped, not failed. The SAM CLI lives in its own venv
# (./.sam-venv) so its pins never meet the project's.
#
# Usage: scripts/sam-build.sh [extra sam build arguments]
set -euo pipefail
cd "$(dirname "$0")/.."

SAM_VENV="${SAM_VENV:-.sam-venv}"
SAM="$SAM_VENV/bin/sam"
export PYENV_VERSION="${PYENV_VERSION:-3.13.0}"
export SAM_CLI_TELEMETRY=0
# sam validate needs a region; nothing here talks to AWS.
export AWS_DEFAULT_REGION="${AWS_DEFAULT_REGION:-${AWS_REGION:-us-east-1}}"

if command -v pyenv >/dev/null 2>&1; then
  PATH="$(pyenv root)/shims:$PATH"
  export PATH
fi

if ! py313="$(command -v python3.13)" || ! "$py313" -c 'import sys; assert sys.version_info[:2] == (3, 13)' 2>/dev/null; then
  echo "sam-build: skipped: no python3.13 interpreter (tried PYENV_VERSION=$PYENV_VERSION and PATH);" \
    "SAM's python3.13 builder needs one. Install it (e.g. 'pyenv install 3.13.0') and re-run." >&2
  exit 0
fi

if [ ! -x "$SAM" ]; then
  python3 -m venv "$SAM_VENV"
  "$SAM_VENV/bin/pip" install --quiet aws-sam-cli
fi

echo "sam-build: $("$SAM" --version), $("$py313" --version)"
"$SAM" validate --lint --template-file template.yaml
"$SAM" build --template-file template.yaml "$@"
echo "sam-build: built into .aws-sam/build"
