"""Where the catalog's numbers come from, and which of them lean on weak sources.

A source is *weak* when it is not primary or reputable secondary text: news digests and
AI-written summary sites, crypto-exchange news feeds, marketing and SEO blogs, forums and
wikis.  Such a source can point at a primary figure but cannot stand in for it, so a fact that
cites only weak sources is graded C at best (a test holds the catalog to that), and
``gigafactory catalog sources --weak`` lists every fact that leans on one, or on a grade that
is weak in itself (C, estimate, unverified).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from urllib.parse import urlparse

from .schema import Catalog, Fact, iter_facts, source_parts

#: Grades that are weak in themselves: aggregator/analyst figures, our judgement, background.
WEAK_GRADES: tuple[str, ...] = ("C", "estimate", "unverified")

#: Domains that aggregate, summarise or re-word other outlets' reporting (news digests,
#: AI-written sites, crypto-exchange feeds, SEO and marketing blogs, forums, wikis).
AGGREGATOR_DOMAINS: frozenset[str] = frozenset(
    {
        "ai-infrastructure.net",
        "aidatainsider.com",
        "ainews247.org",
        "aiwiki.ai",
        "allweatherfinance.com",
        "awesomeagents.ai",
        "bixbitusa.io",
        "btccusa.com",
        "c114pro.com",
        "coinalertnews.com",
        "compute.institute",
        "core-brief.com",
        "crypto-observer.com",
        "cybernative.ai",
        "dailyalpha.us",
        "editorialge.com",
        "electronicsforyou.biz",
        "energynews.pro",
        "epium.com",
        "faq.com.tw",
        "fibermall.com",
        "flytronics-group.com",
        "gate.com",
        "gmt8press.com",
        "introl.com",
        "itiger.com",
        "jaredwatkins.com",
        "kdc.bussetech.com",
        "kshirol-dev.github.io",
        "longbridge.cn",
        "loopbacksystems.com",
        "marketspy.com",
        "megaobzor.com",
        "menafn.com",
        "mexc.fm",
        "mgrowtech.com",
        "news.anyfans.com",
        "nextfin.ai",
        "nmsuroundup.com",
        "orply.com",
        "particle.news",
        "preview.deepnewz.com",
        "redplanx.com",
        "reportify.ai",
        "smbom.com",
        "sourcerockep.com",
        "stock-analysis-on.net",
        "stratpilotai.com",
        "stromfee.cloud",
        "techacute.com",
        "techeconomy.ng",
        "techstories.co",
        "tekingame.ir",
        "telborg.com",
        "thepulse.press",
        "timewell.jp",
        "toolhunt.io",
        "troy-technical.com",
        "verda.com",
        "webpronews.com",
        "widgets.macroaxis.com",
        "williamspurlock.com",
        "wired24.co.za",
        "world-today-news.com",
        "wpnews.pro",
    }
)


@dataclass(frozen=True)
class WeakFact:
    """One catalog fact that leans on a weak source or grade."""

    key: str
    value: float | str
    unit: str
    conf: str
    source: str
    reason: str


def domain(source: str) -> str:
    """Host of a URL source without ``www.`` (``""`` for a repository path)."""
    if not source.startswith(("http://", "https://")):
        return ""
    return (urlparse(source).hostname or "").removeprefix("www.")


def is_aggregator(source: str) -> bool:
    """True when one source (a URL) is on an aggregator domain or a subdomain of one."""
    host = domain(source)
    return any(host == d or host.endswith("." + d) for d in AGGREGATOR_DOMAINS)


def only_aggregators(source: str) -> bool:
    """True when every part of a ``source`` field is an aggregator URL."""
    return all(is_aggregator(p) for p in source_parts(source))


def weak_sources(cat: Catalog) -> list[WeakFact]:
    """Every fact graded C/estimate/unverified or citing only aggregator sources.

    Returns
    -------
    list of WeakFact
        In catalog order, with the reason: ``grade`` when the grade is weak, else
        ``aggregator``.
    """
    out: list[WeakFact] = []
    for key, f in iter_facts(cat):
        if f.conf in WEAK_GRADES:
            reason = "grade"
        elif only_aggregators(f.source):
            reason = "aggregator"
        else:
            continue
        unit = f.unit if isinstance(f, Fact) else "date"
        out.append(WeakFact(key, f.value, unit, f.conf, f.source, reason))
    return out


def grade_counts(cat: Catalog) -> dict[str, int]:
    """Number of facts by confidence grade."""
    return dict(sorted(Counter(f.conf for _, f in iter_facts(cat)).items()))
