"""Logger, Tracer and Metrics, created once and imported by every function.

Constructing them reads ``POWERTOOLS_*`` variables but makes no AWS call.
"""

from __future__ import annotations

from aws_lambda_powertools import Logger, Metrics, Tracer

logger = Logger()
tracer = Tracer()
metrics = Metrics()
