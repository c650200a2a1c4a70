# Sourced by scripts/bench and scripts/bench-org: sets `root`, `venv` (the Python test tools,
# installed on first use), `bin` and `label` (FLOWAUDIT_BIN, or the release build, built here).
cd "$(dirname "$0")/.."
root=$PWD
me="scripts/$(basename "$0")"

venv="${FLOWAUDIT_TEST_VENV:-$root/.venv}"
if [ ! -x "$venv/bin/moto_server" ]; then
  echo "$me: installing Python test tools into $venv" >&2
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check -r "$root/tests/support/requirements.txt"
fi

if [ -n "${FLOWAUDIT_BIN:-}" ]; then
  bin="$FLOWAUDIT_BIN"
  label="${BENCH_LABEL:-binary $(basename "$bin")}"
else
  echo "$me: cargo build --release" >&2
  cargo build --release --quiet
  bin="${CARGO_TARGET_DIR:-$root/target}/release/flowaudit"
  label="${BENCH_LABEL:-release build}"
fi
