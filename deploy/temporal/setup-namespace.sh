#!/bin/sh
# The namespace with a retention of years (auditors read closed cases) and the search attributes
# the workflow writes (workflows/search_attributes.py). Idempotent; waits for the frontend.
set -eu
until temporal operator cluster health --address "$TEMPORAL_ADDRESS" >/dev/null 2>&1; do
  echo "waiting for Temporal at $TEMPORAL_ADDRESS ..."; sleep 2
done
if temporal operator namespace describe --address "$TEMPORAL_ADDRESS" --namespace "$NAMESPACE" >/dev/null 2>&1; then
  temporal operator namespace update --address "$TEMPORAL_ADDRESS" --namespace "$NAMESPACE" --retention "$RETENTION"
else
  temporal operator namespace create --address "$TEMPORAL_ADDRESS" --namespace "$NAMESPACE" --retention "$RETENTION"
fi
for pair in $SEARCH_ATTRIBUTES; do
  name=${pair%%=*}; type=${pair#*=}
  temporal operator search-attribute create --address "$TEMPORAL_ADDRESS" --namespace "$NAMESPACE" --name "$name" --type "$type" \
    || echo "search attribute $name exists already"
done
echo "Namespace $NAMESPACE: retention $RETENTION, search attributes: $SEARCH_ATTRIBUTES"
