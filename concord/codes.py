"""The code sets of PRODUCT.md, in one place: the loader checks against them, the suites expect them, the
demo generator draws from them."""

from __future__ import annotations

PLATFORMS = ("facebook", "youtube", "tiktok", "zalo", "telegram", "x", "website", "other")
CATEGORIES = (
    "scam_fraud",
    "phishing",
    "malware",
    "impersonation",
    "harassment",
    "health_misinfo",
    "disaster_misinfo",
    "other",
)
STATUSES = ("open", "triaged", "referred", "actioned", "closed", "rejected")
TIERS = ("national", "city", "district", "ward")
ROLES = ("coordination", "detection", "enforcement", "telecom", "press", "verification", "sector")
ACTIONS = ("removed", "restricted", "geo_blocked", "labelled", "no_violation", "no_response", "pending")
ENFORCEMENT_ACTIONS = ("removed", "restricted", "geo_blocked", "labelled")
OUTCOMES = ("accepted", "declined", "returned", "completed")
