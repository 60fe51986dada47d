#!/bin/sh
# Prints the value of one output of a resource-group deployment, whatever the case Resource Manager
# gives its name back in: ARM does not keep the case of output names (FUNCTION_APP_NAME may come
# back as fUNCTION_APP_NAME), and a key in an az --query is matched case-sensitively.
#
# Usage: scripts/deployment-output.sh <resource-group> <deployment-name> <OUTPUT_NAME>
set -eu
if [ "$#" -ne 3 ]; then
  sed -n '2,6p' "$0" >&2
  exit 2
fi
RESOURCE_GROUP="$1"
DEPLOYMENT_NAME="$2"
lower() { printf '%s' "$1" | tr '[:upper:]' '[:lower:]'; }
WANTED="$(lower "$3")"

NAMES="$(az deployment group show --resource-group "$RESOURCE_GROUP" --name "$DEPLOYMENT_NAME" \
  --query "keys(properties.outputs)" --output tsv)"
for name in $NAMES; do
  if [ "$(lower "$name")" = "$WANTED" ]; then
    az deployment group show --resource-group "$RESOURCE_GROUP" --name "$DEPLOYMENT_NAME" \
      --query "properties.outputs.\"$name\".value" --output tsv
    exit 0
  fi
done
echo "deployment-output: deployment $DEPLOYMENT_NAME in $RESOURCE_GROUP has no output $3" >&2
exit 1
