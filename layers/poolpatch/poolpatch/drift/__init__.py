"""Drift: desired-state documents, resolution, checking targets, a sweep's decisions and its report.

Pure Python over ports, shared by the drift function (``poolpatch_lambda.drift``) and ``poolpatch drift``:
``documents`` parses and validates; ``resolve`` merges the documents selecting one target by precedence;
``check`` walks one account and Region; ``sweep`` applies the guards and makes the corrections;
``report`` writes ``report.json``, ``targets.jsonl`` and ``summary.md``; ``bundles`` is the bundle pass
(the pools a sweep checked, their bundles stored before the deadline).
"""
