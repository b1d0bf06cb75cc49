#!/usr/bin/env bash
# Vendor front-end files from the npm registry into static/vendor/ (users' networks are poor: no CDN).
# Versions are pinned here and recorded in static/vendor/VERSIONS.txt. Run by hand when upgrading.
set -euo pipefail
cd "$(dirname "$0")/.."
HTMX=2.0.11
PICO=2.1.1
SWAGGER=5.35.0
CHARTJS=4.5.1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fetch() { (cd "$tmp" && npm pack --silent "$1@$2" >/dev/null && mkdir -p "$3" && tar -xzf ./*.tgz -C "$3" --strip-components=1 && rm ./*.tgz); }
fetch htmx.org "$HTMX" "$tmp/htmx"
fetch @picocss/pico "$PICO" "$tmp/pico"
fetch swagger-ui-dist "$SWAGGER" "$tmp/swagger"
fetch chart.js "$CHARTJS" "$tmp/chartjs"
rm -rf static/vendor && mkdir -p static/vendor/htmx static/vendor/pico static/vendor/swagger-ui static/vendor/chartjs
cp "$tmp/htmx/dist/htmx.min.js" "$tmp/htmx/LICENSE" static/vendor/htmx/
cp "$tmp/pico/css/pico.min.css" "$tmp/pico/LICENSE.md" static/vendor/pico/
for f in swagger-ui.css swagger-ui-bundle.js swagger-ui-standalone-preset.js favicon-32x32.png LICENSE; do
  cp "$tmp/swagger/$f" static/vendor/swagger-ui/
done
# Chart.js: the UMD build (already minified; defines window.Chart) for the indicator charts.
cp "$tmp/chartjs/dist/chart.umd.js" "$tmp/chartjs/LICENSE.md" static/vendor/chartjs/
# Source maps are not vendored: drop the references so collectstatic's manifest finds every file it names.
find static/vendor -name '*.js' -o -name '*.css' | xargs sed -i -E '/^[/][/*][#@] sourceMappingURL=.*$/d; s#/[*][#@] sourceMappingURL=[^*]*[*]/##'
cat > static/vendor/VERSIONS.txt <<EOT
htmx.org $HTMX (dist/htmx.min.js)
@picocss/pico $PICO (css/pico.min.css)
swagger-ui-dist $SWAGGER (swagger-ui.css, swagger-ui-bundle.js, swagger-ui-standalone-preset.js)
chart.js $CHARTJS (dist/chart.umd.js)
EOT
echo "vendored into static/vendor:"; cat static/vendor/VERSIONS.txt
