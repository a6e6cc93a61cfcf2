#!/usr/bin/env bash
# make demo: build the provider, start the mock host, apply examples/demo with
# a dev_overrides CLI config, show the result, then destroy it all.
set -euo pipefail
cd "$(dirname "$0")/.."
work=$(pwd)/examples/demo/.rack
rm -rf "$work" && mkdir -p "$work/bin" "$work/config"
# Terraform runs in a copy of the configuration, so its state and lock stay
# under .rack (the -state flag is deprecated) and examples/demo stays clean.
cp examples/demo/*.tf "$work/config/"

echo "==> building the provider and the mock host (the first build downloads modules and compiles: a minute or two)"
go build -o "$work/bin/terraform-provider-rack" .
go build -o "$work/bin/mockhost" ./internal/mockhost/cmd/mockhost

socket=$(mktemp -u /tmp/rack-demo-XXXXXX.sock)
port=$(( 20000 + RANDOM % 20000 ))
"$work/bin/mockhost" -incus-socket "$socket" -operation-delay 100ms -kvmd-addr "127.0.0.1:$port" -boot-delay 2s &
mock=$!
trap 'kill $mock 2>/dev/null || true; rm -f "$socket"' EXIT
for _ in $(seq 50); do [ -S "$socket" ] && break; sleep 0.1; done
head -c 32M /dev/urandom > "$work/installer.iso"

cat > "$work/dev.tfrc" <<TFRC
provider_installation {
  dev_overrides {
    "rackform/rack" = "$work/bin"
  }
  direct {}
}
TFRC
export TF_CLI_CONFIG_FILE="$work/dev.tfrc" TF_IN_AUTOMATION=1
tf() {
  terraform -chdir="$work/config" "$@" -var "incus_socket=$socket" -var "pikvm_url=http://127.0.0.1:$port" \
    -var "installer=$work/installer.iso"
}

echo "==> terraform apply"
tf apply -auto-approve -no-color
echo "==> terraform plan (expect no changes)"
tf plan -detailed-exitcode -no-color >/dev/null && echo "no changes: the refresh matches the configuration"
echo "==> outputs"
terraform -chdir="$work/config" output
echo "==> terraform destroy"
tf destroy -auto-approve -no-color | tail -n 1
