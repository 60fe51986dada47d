#!/bin/sh
# Third deployment step: creates (or updates) the Event Grid subscriptions that feed the Event Grid
# blob triggers logBlobArrived-<Category> of the function app. Run it after the code is published:
# the webhook key (the host's blobs_extension system key) exists only once the host has started
# with the blob triggers.
#
# Usage: scripts/post-deploy.sh [-g <resource-group>] [-n <deployment-name>]
#
# Values come from the environment when set (azd sets them from the template outputs) and
# otherwise from the outputs of the deployment <deployment-name> (default: main) in
# <resource-group> (default: $RESOURCE_GROUP or $AZURE_RESOURCE_GROUP).
# The key is read with az and passed to az; it is never printed.
# Rerunning it is safe: it updates the subscriptions that exist.
set -eu

# Tries per subscription, and seconds between them (a subscription's webhook handshake can fail
# while a host that has just started loads its keys).
CREATE_ATTEMPTS="${POST_DEPLOY_CREATE_ATTEMPTS:-5}"
RETRY_SECONDS="${POST_DEPLOY_RETRY_SECONDS:-20}"

RESOURCE_GROUP="${RESOURCE_GROUP:-${AZURE_RESOURCE_GROUP:-}}"
DEPLOYMENT_NAME="${DEPLOYMENT_NAME:-main}"
while getopts "g:n:h" opt; do
  case "$opt" in
    g) RESOURCE_GROUP="$OPTARG" ;;
    n) DEPLOYMENT_NAME="$OPTARG" ;;
    *) sed -n '2,14p' "$0"; exit 2 ;;
  esac
done
if [ -z "$RESOURCE_GROUP" ]; then
  echo "post-deploy: set RESOURCE_GROUP or pass -g <resource-group>" >&2
  exit 2
fi

# A template output of the deployment, unless the environment already has it (found whatever the
# case Resource Manager gives its name back in).
output() {
  sh "$(dirname "$0")/deployment-output.sh" "$RESOURCE_GROUP" "$DEPLOYMENT_NAME" "$1"
}

FUNCTION_APP_NAME="${FUNCTION_APP_NAME:-$(output FUNCTION_APP_NAME)}"
LOGS_STORAGE_RESOURCE_GROUP="${LOGS_STORAGE_RESOURCE_GROUP:-$(output LOGS_STORAGE_RESOURCE_GROUP)}"
LOGS_STORAGE_SUBSCRIPTION_ID="${LOGS_STORAGE_SUBSCRIPTION_ID:-$(output LOGS_STORAGE_SUBSCRIPTION_ID)}"
LOGS_SYSTEM_TOPIC_NAME="${LOGS_SYSTEM_TOPIC_NAME:-$(output LOGS_SYSTEM_TOPIC_NAME)}"

HOST_NAME="$(az functionapp show --resource-group "$RESOURCE_GROUP" --name "$FUNCTION_APP_NAME" \
  --query defaultHostName --output tsv)"

# The host creates the blobs_extension key when it first indexes an Event Grid blob trigger.
echo "post-deploy: waiting for the blobs_extension system key of $FUNCTION_APP_NAME"
KEY=""
attempt=0
while :; do
  KEY="$(az functionapp keys list --resource-group "$RESOURCE_GROUP" --name "$FUNCTION_APP_NAME" \
    --query "systemKeys.blobs_extension" --output tsv 2>/dev/null || true)"
  if [ -n "$KEY" ] && [ "$KEY" != "None" ]; then
    break
  fi
  attempt=$((attempt + 1))
  if [ "$attempt" -ge 30 ]; then
    echo "post-deploy: no blobs_extension key after 5 minutes. Is the code published (func azure functionapp publish $FUNCTION_APP_NAME)?" >&2
    exit 1
  fi
  # Any request wakes the host up.
  curl --silent --output /dev/null --max-time 30 "https://$HOST_NAME/" || true
  sleep 10
done

# The container of each category, as the deployed app reads it.
setting() {
  az functionapp config appsettings list --resource-group "$RESOURCE_GROUP" --name "$FUNCTION_APP_NAME" \
    --query "[?name=='$1'].value | [0]" --output tsv
}

# subscribe <Category> <container app setting>
subscribe() {
  category="$1"
  container="$(setting "$2")"
  if [ -z "$container" ]; then
    echo "post-deploy: app setting $2 is not set on $FUNCTION_APP_NAME" >&2
    exit 1
  fi
  function_name="logBlobArrived-$category"
  subscription_name="$(printf '%s' "$function_name" | tr '[:upper:]' '[:lower:]')"
  echo "post-deploy: $LOGS_SYSTEM_TOPIC_NAME/$subscription_name: BlobCreated in $container -> $function_name"
  tries=1
  while ! create_subscription; do
    if [ "$tries" -ge "$CREATE_ATTEMPTS" ]; then
      echo "post-deploy: $subscription_name could not be created after $tries tries (see az's error above); run the script again when the app answers: it updates what exists" >&2
      exit 1
    fi
    tries=$((tries + 1))
    echo "post-deploy: $subscription_name: not created (Event Grid's handshake with the webhook can fail while the host starts); try $tries of $CREATE_ATTEMPTS in ${RETRY_SECONDS}s" >&2
    curl --silent --output /dev/null --max-time 30 "https://$HOST_NAME/" || true
    sleep "$RETRY_SECONDS"
  done
}

# Creates or updates the subscription of $function_name on $container.
create_subscription() {
  az eventgrid system-topic event-subscription create \
    --subscription "$LOGS_STORAGE_SUBSCRIPTION_ID" \
    --resource-group "$LOGS_STORAGE_RESOURCE_GROUP" \
    --system-topic-name "$LOGS_SYSTEM_TOPIC_NAME" \
    --name "$subscription_name" \
    --endpoint-type webhook \
    --endpoint "https://$HOST_NAME/runtime/webhooks/blobs?functionName=Host.Functions.$function_name&code=$KEY" \
    --included-event-types Microsoft.Storage.BlobCreated \
    --subject-begins-with "/blobServices/default/containers/$container/blobs/" \
    --event-delivery-schema eventgridschema \
    --max-delivery-attempts 30 \
    --event-ttl 1440 \
    --output none
}

subscribe RoomsOperational ACS_LOGS_CONTAINER_ROOMS
subscribe CallRecordingSummary ACS_LOGS_CONTAINER_RECORDING_SUMMARY
subscribe CallRecordingOperational ACS_LOGS_CONTAINER_RECORDING_OPERATIONS
subscribe Usage ACS_LOGS_CONTAINER_USAGE
subscribe CallSummary ACS_LOGS_CONTAINER_CALL_SUMMARY
subscribe CallSummaryUpdates ACS_LOGS_CONTAINER_CALL_SUMMARY_UPDATES
subscribe CallDiagnostics ACS_LOGS_CONTAINER_CALL_DIAGNOSTICS
subscribe CallDiagnosticsUpdates ACS_LOGS_CONTAINER_CALL_DIAGNOSTICS_UPDATES

echo "post-deploy: Event Grid subscriptions are in place."
