#!/usr/bin/env bash
# Stand-in for cht-api's entrypoint (medic/cht-core api/docker-entrypoint.sh): "main" says
# it starts and runs the server.
info()
{
    echo "Info: $*"
}

main(){
  info 'Starting CHT API'
  exec python3 /service/api/server.py
}

"$@"
