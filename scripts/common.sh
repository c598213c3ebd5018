# Sourced by scripts/run.sh and scripts/dev.sh: the data folder and the installation's secret key.
export FENGQIAO_VAR_DIR=${FENGQIAO_VAR_DIR:-$PWD/var}
mkdir -p "$FENGQIAO_VAR_DIR/static"
# A per-installation secret key, made once and kept, so sessions survive a restart.
if [ -z "${FENGQIAO_SECRET_KEY:-}" ] && [ -z "${FENGQIAO_SECRET_KEY_FILE:-}" ]; then
  KEY_FILE="$FENGQIAO_VAR_DIR/secret_key"
  [ -s "$KEY_FILE" ] || (umask 077; head -c 48 /dev/urandom | base64 | tr -d '\n' > "$KEY_FILE")
  export FENGQIAO_SECRET_KEY_FILE="$KEY_FILE"
fi
