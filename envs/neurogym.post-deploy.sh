#!/usr/bin/env bash
# NeuroGym without its declared numpy==2.2.* and matplotlib==3.10.* pins (envs/neurogym.yaml).
set -euo pipefail
python -m pip install --no-deps neurogym==2.3.1
