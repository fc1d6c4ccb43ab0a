"""poolpatch: safe, verified, snapshot-backed changes to Cognito user pools and app clients.

The package is the engine shipped as the Lambda layer: pure Python over boto3,
no Lambda imports, no import-time side effects.
"""

__version__ = "0.1.0"
