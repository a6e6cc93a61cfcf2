#!/usr/bin/env bash
# Every example under examples/ passes `terraform validate` against a freshly
# built provider, with no network.
#
# The provider comes from a dev_overrides CLI config (as in scripts/demo.sh).
# `terraform validate` needs no `terraform init` for a provider under
# dev_overrides; `init` itself would still ask the registry about it, so it is
# not run. Local modules are fetched with `terraform get`, which installs
# modules only. The documentation snippets (examples/resources/*, ...) have
# no terraform block, as the registry's docs show them: each is validated in
# a copy that gets one naming rackform/rack.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
work=$(mktemp -d /tmp/rack-validate-XXXXXX)
trap 'rm -rf "$work"' EXIT

go build -o "$work/bin/terraform-provider-rack" .

# terraform: from PATH, else the one the acceptance tests are told to use,
# else a pinned release fetched with hc-install (a dependency already).
TERRAFORM_VERSION=1.11.4
if command -v terraform >/dev/null 2>&1; then
  tf=$(command -v terraform)
elif [ -n "${TF_ACC_TERRAFORM_PATH:-}" ]; then
  tf=$TF_ACC_TERRAFORM_PATH
else
  go build -o "$work/hc-install" github.com/hashicorp/hc-install/cmd/hc-install
  "$work/hc-install" install -version "$TERRAFORM_VERSION" -path "$work" terraform >/dev/null
  tf=$work/terraform
fi
terraform() { "$tf" "$@"; }
cat > "$work/dev.tfrc" <<TFRC
provider_installation {
  dev_overrides {
    "rackform/rack" = "$work/bin"
  }
  direct {}
}
TFRC
export TF_CLI_CONFIG_FILE="$work/dev.tfrc" TF_IN_AUTOMATION=1

failed=0
count=0
while IFS= read -r dir; do
  case "$dir" in */.terraform* | */.rack*) continue ;; esac
  count=$((count + 1))
  n=$count
  export TF_DATA_DIR="$work/data/$n"
  if grep -qs 'required_providers' "$dir"/*.tf; then
    # A module of its own: validated in place (TF_DATA_DIR keeps what
    # `terraform get` installs out of the tree), so relative module sources resolve.
    target="$dir"
    if grep -qsE '^\s*module\s+"' "$dir"/*.tf; then
      terraform -chdir="$target" get -no-color >/dev/null
    fi
  else
    target="$work/examples/$n"
    mkdir -p "$target"
    cp "$dir"/*.tf "$target/"
    printf 'terraform {\n  required_providers {\n    rack = { source = "rackform/rack" }\n  }\n}\n' > "$target/zz_validate_providers.tf"
  fi
  if out=$(terraform -chdir="$target" validate -no-color 2>&1); then
    echo "ok    $dir"
  else
    echo "FAIL  $dir"
    echo "$out" | sed -n '/^Error/,$p' | sed 's/^/      /'
    failed=$((failed + 1))
  fi
done < <(find examples -name '*.tf' -not -path '*/.terraform/*' -printf '%h\n' | sort -u)

if [ "$failed" -gt 0 ]; then
  echo "$failed of $count examples do not validate"
  exit 1
fi
echo "all $count examples validate"
