#!/bin/sh
# Run the placeholder handler whatever handler the function's image command names.
# The requested one is passed on so the response can say which release is missing.
export PLACEHOLDER_REQUESTED_HANDLER="$*"
exec /lambda-entrypoint.sh placeholder.handler
