#!/usr/bin/env bash
# Install what the tests need on a fresh Debian machine (run as root), idempotently:
# Debian's Chromium (map tests), PostgreSQL 15 + PostGIS 3 (register tests, started here),
# PDOK's GeoPackage validator in /opt/geopackage-validator (with Debian's GDAL bindings), and
# the Python test dependencies.
set -euo pipefail
cd "$(dirname "$0")/.."
export DEBIAN_FRONTEND=noninteractive

packages=()
command -v chromium >/dev/null 2>&1 || packages+=(chromium)
dpkg -s postgresql-15-postgis-3 >/dev/null 2>&1 || packages+=(postgresql postgresql-15-postgis-3)
dpkg -s python3-gdal >/dev/null 2>&1 || packages+=(python3-gdal gdal-bin python3-venv)
if [ ${#packages[@]} -gt 0 ]; then
  apt-get update -qq
  apt-get install -y -qq "${packages[@]}" >/dev/null
fi

# PostgreSQL refuses to run as root: pg_ctlcluster starts it as the postgres user
pg_ctlcluster 15 main status >/dev/null 2>&1 || pg_ctlcluster 15 main start
for _ in $(seq 1 30); do pg_isready -q && break; sleep 1; done
su postgres -c "psql -tAc \"select 1 from pg_roles where rolname = '$(id -un)'\"" | grep -q 1 \
  || su postgres -c "psql -qc 'create role \"$(id -un)\" superuser login'"
psql -d postgres -tAc "select 1 from pg_database where datname = 'terreinen_test'" | grep -q 1 \
  || createdb terreinen_test
psql -d terreinen_test -qc 'create extension if not exists postgis'

# pdok-geopackage-validator needs GDAL's Python bindings (its PyPI sdist does not build):
# Debian's, seen from a venv of Debian's Python made with --system-site-packages
validator=/opt/geopackage-validator
if [ ! -x "$validator/bin/geopackage-validator" ]; then
  /usr/bin/python3 -m venv --system-site-packages "$validator"
  "$validator/bin/pip" install --quiet --no-deps pdok-geopackage-validator
  "$validator/bin/pip" install --quiet click click-log minio pydantic pyyaml semver
fi

python3 -m pip install --quiet --upgrade pip
python3 -m pip install --quiet -e ".[test]"
