"""What a check returns: findings that point at the draft, a learned score, and a verdict."""

from dataclasses import asdict, dataclass, field

SEVERITIES = ("note", "review", "block")
TOPIC_CATEGORIES = (
    "politics",
    "religion",
    "tragedy",
    "violence",
    "weapons",
    "disaster",
    "death",
    "health",
    "hate",
    "profanity",
    "sexual",
    "drugs",
)
# Our finding categories (DESIGN.md): the topics, plus those that come from rules rather than lexicons.
CATEGORIES = (*TOPIC_CATEGORIES, "misreading", "sensitive-date", "newsjacking", "incident-collision")
VERDICT_FOR_SEVERITY = {"note": "pass", "review": "review", "block": "block"}


def severity_rank(severity: str) -> int:
    return SEVERITIES.index(severity)


@dataclass(frozen=True)
class Finding:
    rule: str
    category: str
    severity: str
    start: int
    end: int
    message: str
    suggestion: str = ""
    iab: str = ""
    iab_risk: str = ""

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class Report:
    text: str
    verdict: str
    score: float
    lang: str
    findings: list[Finding] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {
            "text": self.text,
            "verdict": self.verdict,
            "score": round(self.score, 4),
            "lang": self.lang,
            "findings": [
                {k: v for k, v in f.as_dict().items() if k not in ("iab", "iab_risk") or v} for f in self.findings
            ],
        }


def verdict_for(findings: list[Finding]) -> str:
    if not findings:
        return "pass"
    worst = max((severity_rank(f.severity) for f in findings), default=0)
    return VERDICT_FOR_SEVERITY[SEVERITIES[worst]]
