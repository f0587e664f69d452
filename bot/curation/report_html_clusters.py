"""The HTML report's unanswered questions: a chart of the largest clusters, each labelled with a question of
its own, and the list of every cluster with its examples and the record it is likely about."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from bot.curation.report_html_markup import clean, cleaned, clip_units, empty, esc, lang_attr, number, section, words
from bot.curation.report_html_svg import CHART_WIDTH, coord, svg
from bot.curation.report_model import Cluster, Likely

LABEL_UNITS = 52  # a cluster chart label, in half-width characters: what one line of the chart holds
TOP_CLUSTERS = 10
EXAMPLES_SHOWN = 5


def clusters_section(clusters: Sequence[Cluster]) -> str:
    if not clusters:
        return section("unanswered", "Unanswered questions", empty("No unanswered questions in this period."))
    total = sum(c.count for c in clusters)
    top = f"; the chart shows the top {TOP_CLUSTERS}" if len(clusters) > TOP_CLUSTERS else ""
    intro = (
        f'<p class="note">{number(total)} questions in {number(len(clusters))} clusters of similar questions, '
        f"the largest first{top}.</p>\n"
    )
    items = "".join(_cluster_item(rank, cluster) for rank, cluster in enumerate(clusters, 1))
    chart = f'<div class="chart">{_cluster_chart(clusters)}</div>\n'
    return section("unanswered", "Unanswered questions", f'{intro}{chart}<ol class="items">{items}</ol>\n')


def _first_example(cluster: Cluster) -> str:
    return clean(cluster.examples[0])


def _cluster_chart(clusters: Sequence[Cluster]) -> str:
    """Horizontal bars of the largest clusters, each labelled on its own line so that a whole question fits
    across a phone, and numbered like the list below it."""
    shown = clusters[:TOP_CLUSTERS]
    width, row, room = CHART_WIDTH, 44.0, CHART_WIDTH - 2 - 36  # 36 units right of the longest bar for its count
    most = max(c.count for c in shown) or 1
    shapes: list[str] = []
    for rank, cluster in enumerate(shown, 1):
        y, n = 2 + row * (rank - 1), cluster.count
        label = clip_units(f"{rank}. {_first_example(cluster)}", LABEL_UNITS)
        length = max(3.0, room * n / most)
        shapes.append(
            f'<text x="2" y="{coord(y + 14)}" class="label"{lang_attr(label)}>{esc(label)}</text>'
            f'<rect class="bar" x="2" y="{coord(y + 20)}" width="{coord(length)}" height="16" rx="3">'
            f"<title>{esc(label)}: {number(n)}</title></rect>"
            f'<text x="{coord(length + 8)}" y="{coord(y + 33)}" class="strong">{number(n)}</text>'
        )
    desc = (
        f"The {len(shown)} largest of {len(clusters)} clusters of unanswered questions, by number of questions: "
        + "; ".join(f"{clip_units(_first_example(c), LABEL_UNITS)} ({number(c.count)})" for c in shown)
    )
    return svg("cluster-chart", width, 2 + row * len(shown), "Largest clusters of unanswered questions", desc, shapes)


def _counts(counts: Mapping[str, int]) -> str:
    """`{"en": 3, "ko": 1}` as `en 3 · ko 1`, the largest first."""
    return " · ".join(
        f"{esc(words(clean(k, 40)))} {number(v)}" for k, v in sorted(counts.items(), key=lambda kv: -kv[1])
    )


def _cluster_item(rank: int, cluster: Cluster) -> str:
    n = cluster.count
    langs, kinds = _counts(cluster.langs), _counts(cluster.kinds)
    head = (
        f'<div class="head"><span class="rank">{rank}.</span><span class="count">{number(n)}</span>'
        f"<span>question{'' if n == 1 else 's'}</span>"
        f'<span class="tag" title="language">{esc(clean(cluster.lang, 20))}</span></div>'
    )
    details = [f"Languages: {langs}"] if langs else []
    details += [f"Replied with: {kinds}"] if kinds else []
    about = f'<p class="note">{"; ".join(details)}</p>' if details else ""
    return f"<li>{head}{about}{_examples(cluster.examples)}{_likely(cluster.likely)}</li>\n"


def _examples(texts: Sequence[str]) -> str:
    examples = cleaned(texts)
    if not examples:
        return ""
    items = "".join(f"<li{lang_attr(e)}>{esc(e)}</li>" for e in examples[:EXAMPLES_SHOWN])
    more = len(examples) - EXAMPLES_SHOWN
    if more > 0:
        items += f'<li class="note">and {more} more</li>'
    return f'<ul class="examples">{items}</ul>'


def _likely(likely: Likely | None) -> str:
    """What the cluster is probably about: the entity, and the fact nearest to it if there is one."""
    if likely is None:
        return ""
    entity, name, fact = likely.entity, likely.name, likely.fact
    if not (entity or name or fact):
        return ""
    lines = []
    if name or entity:
        code = f" <code>{esc(clean(entity, 100))}</code>" if entity and name and entity != name else ""
        lines.append(f"Likely about <b>{esc(clean(name or entity, 100))}</b>{code}")
    if fact:
        text = likely.fact_text
        said = f": <q{lang_attr(text)}>{esc(clean(text))}</q>" if text else ""
        lines.append(f"Nearest fact <code>{esc(clean(fact, 100))}</code>{said}")
    return f'<p class="likely">{"<br>".join(lines)}</p>'
