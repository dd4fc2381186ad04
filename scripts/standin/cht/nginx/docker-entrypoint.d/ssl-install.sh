#!/bin/bash
# Stand-in for cht-nginx's certificate set-up (medic/cht-core nginx/ssl-install.sh), the same
# behaviour per CERTIFICATE_MODE: SELF_SIGNED and AUTO_GENERATE make a self-signed pair at
# SSL_CERT_FILE_PATH/SSL_KEY_FILE_PATH only when none exists (never overwriting one);
# OWN_CERT exits 1 when neither file is there; AUTO_GENERATE also writes deploy.sh (certbot's
# deploy hook), the weekly reload and the webroot /etc/nginx/private/certbot/.well-known/
# acme-challenge/; other modes disable that. Any other mode exits 1. (The real image starts
# crond for the weekly reload; this Debian-based stand-in has no crond.)
set -e
SSL_CERT_FILE_PATH=${SSL_CERT_FILE_PATH:-"/etc/nginx/private/cert.pem"}
SSL_KEY_FILE_PATH=${SSL_KEY_FILE_PATH:-"/etc/nginx/private/key.pem"}
echo "Running SSL certificate checks" >&2

self_signed() {
  if [ -f "$SSL_CERT_FILE_PATH" ] && [ -f "$SSL_KEY_FILE_PATH" ]; then
    echo "self signed SSL cert already exists." >&2
    return
  fi
  mkdir -p /etc/nginx/private
  openssl req -x509 -nodes -newkey rsa:4096 -keyout "$SSL_KEY_FILE_PATH" -out "$SSL_CERT_FILE_PATH" \
    -days 365 -subj "/emailAddress=${EMAIL:-domains@medic.org}/C=${COUNTRY:-US}/ST=${STATE:-Colorado}/L=${LOCALITY:-Denver}/O=${ORGANISATION:-medic}/OU=${DEPARTMENT:-Department of Information Security}/CN=${COMMON_NAME:-test.medic.org}" 2>/dev/null
  echo "self signed certificate for ${COMMON_NAME:-test.medic.org} generated" >&2
}

certbot_off() {
  rm -f /etc/periodic/weekly/reload-nginx.sh || true
  rm -f /etc/nginx/private/certbot/.well-known/acme-challenge/index.html || true
}

certbot_on() {
  mkdir -p /etc/periodic/weekly /etc/nginx/private/certbot/.well-known/acme-challenge
  printf '#!/bin/sh\ncp "$RENEWED_LINEAGE/fullchain.pem" /etc/nginx/private/cert.pem\ncp "$RENEWED_LINEAGE/privkey.pem" /etc/nginx/private/key.pem\n' >/etc/nginx/private/deploy.sh
  printf '#!/bin/sh\n/usr/sbin/nginx -s reload\n' >/etc/periodic/weekly/reload-nginx.sh
  chmod +x /etc/nginx/private/deploy.sh /etc/periodic/weekly/reload-nginx.sh
  echo "CERTIFICATE_MODE AUTO_GENERATE" >/etc/nginx/private/certbot/.well-known/acme-challenge/index.html
  echo "nginx configured to work with certbot"
}

echo "CERTIFICATE MODE = $CERTIFICATE_MODE"
case $CERTIFICATE_MODE in
  OWN_CERT)
    if [ ! -f "$SSL_CERT_FILE_PATH" ] && [ ! -f "$SSL_KEY_FILE_PATH" ]; then
      echo "Please provide add your certificate ($SSL_CERT_FILE_PATH) and key ($SSL_KEY_FILE_PATH) in the /etc/nginx/private/ directory"
      exit 1
    fi
    echo "SSL certificate exists." >&2
    certbot_off ;;
  AUTO_GENERATE) self_signed; certbot_on ;;
  SELF_SIGNED) self_signed; certbot_off ;;
  *) echo "ssl certificate mode unknown or not set. Please set a proper ssl certificate mode in the CERTIFICATE_MODE variable"
     exit 1 ;;
esac
echo "Launching Nginx" >&2
