#!/bin/bash
# Stand-in for the nginx image's entrypoint that cht-nginx builds on (medic/cht-core
# nginx/Dockerfile: FROM nginx:alpine; the image's /docker-entrypoint.sh runs each
# /docker-entrypoint.d/*.sh, and its 20-envsubst-on-templates.sh writes
# /etc/nginx/templates/*.template to /etc/nginx/conf.d/ with the environment's values).
set -e
for script in /docker-entrypoint.d/*.sh; do
  [ -x "$script" ] || continue
  echo "/docker-entrypoint.sh: Launching $script"
  "$script"
done
mkdir -p /etc/nginx/conf.d
for template in /etc/nginx/templates/*.template; do
  [ -f "$template" ] || continue
  out=/etc/nginx/conf.d/$(basename "$template" .template)
  python3 -c 'import os,re,sys; t=open(sys.argv[1]).read(); print(re.sub(r"\$\{(\w+)\}", lambda m: os.environ.get(m.group(1), m.group(0)), t), end="")' "$template" >"$out"
  echo "/docker-entrypoint.sh: wrote $out from $template"
done
echo "/docker-entrypoint.sh: Configuration complete; ready for start up"
exec "$@"
