"""The checker's findings as a reviewer reads them: the draft with its flagged spans marked, and a list.

Kept apart from the admin wiring so that the change page, the approve/reject
pages and the review queue draw findings the same way. Post text is user
input: every piece of it goes through `escape`/`format_html` here, and the
spans are computed on the server from the stored offsets, so a draft that
contains markup is shown as text.
"""

from dataclasses import dataclass
from datetime import datetime

from django.utils.html import escape, format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.text import Truncator

from scheduler.models import Post

# The severities a finding can carry, mildest first; the CSS has one class per entry.
SEVERITIES = ("note", "review", "block")
SEVERITY_LABELS = {"note": "Note", "review": "Review", "block": "Block"}
# A severity we do not know is shown as needing a person rather than dropped or trusted.
FALLBACK_SEVERITY = "review"


def severity_of(finding: dict) -> str:
    severity = finding.get("severity")
    return severity if severity in SEVERITIES else FALLBACK_SEVERITY


def _rank(severity: str) -> int:
    return SEVERITIES.index(severity)


def span_of(finding: dict, length: int) -> tuple[int, int] | None:
    """The finding's [start, end) clamped to the text; None when it marks no character."""
    try:
        start, end = int(finding.get("start")), int(finding.get("end"))
    except (TypeError, ValueError):
        return None
    start, end = max(0, min(start, length)), max(0, min(end, length))
    return (start, end) if start < end else None


@dataclass(frozen=True)
class FindingRow:
    number: int
    severity: str
    category: str
    iab: str
    iab_risk: str
    message: str
    suggestion: str
    rule: str
    excerpt: str

    @property
    def severity_label(self) -> str:
        return SEVERITY_LABELS[self.severity]


@dataclass(frozen=True)
class Preflight:
    """Everything the pre-flight panel shows for one post."""

    verdict: str
    verdict_label: str
    risk_score: float | None
    checked_at: datetime | None
    highlighted: SafeString
    rows: list[FindingRow]

    @property
    def is_clean(self) -> bool:
        return self.verdict == Post.Verdict.PASS and not self.rows


def numbered(findings: list[dict], text: str) -> list[tuple[int, dict]]:
    """Findings in reading order (spanless ones last), numbered from 1 so the list and the marks agree."""
    length = len(text)

    def position(finding: dict) -> tuple[int, int, int]:
        span = span_of(finding, length)
        return (0, *span) if span else (1, 0, 0)

    ordered = sorted((f for f in findings if isinstance(f, dict)), key=position)
    return list(enumerate(ordered, start=1))


def highlight(text: str, findings: list[dict]) -> SafeString:
    """The draft, escaped, with each flagged span in a <mark> coloured by the worst finding covering it.

    Overlapping findings are cut at every boundary: each piece is marked once,
    with the worst severity among the findings over it and all their numbers,
    so nothing is nested and no span is lost.
    """
    length = len(text)
    spans = [(number, f, span) for number, f in numbered(findings, text) if (span := span_of(f, length))]
    cuts = sorted({0, length, *(edge for _, _, span in spans for edge in span)})
    ends_at: dict[int, list[int]] = {}
    for number, _, (_, end) in spans:
        ends_at.setdefault(end, []).append(number)
    parts: list[SafeString] = []
    for start, end in zip(cuts, cuts[1:], strict=False):
        piece = text[start:end]
        covering = [(number, finding) for number, finding, (s, e) in spans if s <= start and end <= e]
        if not covering:
            parts.append(escape(piece))
        else:
            worst = max((severity_of(finding) for _, finding in covering), key=_rank)
            parts.append(
                format_html(
                    '<mark class="pg-mark pg-sev-{}{}" data-findings="{}" title="{}">{}</mark>',
                    worst,
                    " pg-overlap" if len(covering) > 1 else "",
                    " ".join(str(number) for number, _ in covering),
                    "\n".join(_hover_line(number, finding) for number, finding in covering),
                    piece,
                )
            )
        for number in ends_at.get(end, []):
            parts.append(format_html('<span class="pg-ref" data-ref="{}" aria-hidden="true"></span>', number))
    return format_html_join("", "{}", ((part,) for part in parts))


def _hover_line(number: int, finding: dict) -> str:
    return f"#{number} {severity_of(finding)} · {finding.get('category') or '?'}: {finding.get('message') or ''}"


def rows(text: str, findings: list[dict]) -> list[FindingRow]:
    length = len(text)
    result = []
    for number, finding in numbered(findings, text):
        span = span_of(finding, length)
        result.append(
            FindingRow(
                number=number,
                severity=severity_of(finding),
                category=str(finding.get("category") or ""),
                iab=str(finding.get("iab") or ""),
                iab_risk=str(finding.get("iab_risk") or ""),
                message=str(finding.get("message") or ""),
                suggestion=str(finding.get("suggestion") or ""),
                rule=str(finding.get("rule") or ""),
                excerpt=Truncator(text[span[0] : span[1]]).chars(80) if span else "",
            )
        )
    return result


def preflight(post: Post) -> Preflight:
    findings = _stored(post)
    return Preflight(
        verdict=post.verdict,
        verdict_label=post.get_verdict_display(),
        risk_score=post.risk_score,
        checked_at=post.checked_at,
        highlighted=highlight(post.text, findings),
        rows=rows(post.text, findings),
    )


def top_finding(post: Post) -> dict | None:
    """The worst finding, the earliest in the text of equals: what a reviewer should read first."""
    findings = [finding for _, finding in numbered(_stored(post), post.text)]
    if not findings:
        return None
    return max(findings, key=lambda finding: _rank(severity_of(finding)))  # max keeps the first of equals


def _stored(post: Post) -> list[dict]:
    return post.findings if isinstance(post.findings, list) else []


def severity_badge(severity: str) -> SafeString:
    severity = severity if severity in SEVERITIES else FALLBACK_SEVERITY
    return format_html('<span class="pg-sev pg-sev-{}">{}</span>', severity, SEVERITY_LABELS[severity])


def verdict_badge(post: Post) -> SafeString:
    return format_html('<span class="pg-verdict pg-verdict-{}">{}</span>', post.verdict, post.get_verdict_display())


def top_finding_summary(post: Post) -> SafeString:
    """One line for a list: severity, category and the start of the message."""
    finding = top_finding(post)
    if finding is None:
        return format_html('<span class="pg-quiet">{}</span>', "no findings")
    more = len(numbered(_stored(post), post.text)) - 1
    return format_html(
        "{} <strong>{}</strong> {}{}",
        severity_badge(severity_of(finding)),
        finding.get("category") or "",
        Truncator(str(finding.get("message") or "")).chars(90),
        format_html(' <span class="pg-quiet">(+{} more)</span>', more) if more > 0 else "",
    )
