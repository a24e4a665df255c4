"""Placeholder Lambda handler: answers "no release yet" until the app pipeline releases."""

from __future__ import annotations

import json
import os
from typing import Any

PLACEHOLDER_TAG = "initial"


def handler(event: Any, context: Any) -> dict[str, Any]:
    """Answer every invocation, job or HTTP, with a clear "no release yet" JSON response.

    The shape works for both: an API Gateway or function URL caller sees a 503 with a
    JSON body, and a job caller gets the same fields to log.
    """
    body = {
        "status": "no-release-yet",
        "message": (
            "This function runs the placeholder image (tag 'initial'). "
            "No application release has been deployed to it yet: "
            "run the app pipeline to release an image."
        ),
        "imageTag": PLACEHOLDER_TAG,
        "function": getattr(context, "function_name", None),
        "requestedHandler": os.environ.get("PLACEHOLDER_REQUESTED_HANDLER") or None,
    }
    return {
        "statusCode": 503,
        "headers": {"Content-Type": "application/json"},
        "body": json.dumps(body),
        **body,
    }
