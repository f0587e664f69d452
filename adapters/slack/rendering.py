"""Render an Answer's layout as a Slack message: Block Kit blocks plus a plain `text` fallback.

Pure functions over plain dicts (no Bolt, no network), so the layout is testable on its own.
Every piece of user or fact-base text goes through `escape`, so nothing rendered can ping
@channel/@here or forge a link, and every block stays inside Block Kit's limits, counted after escaping
(an `&` takes five characters then). A button's value is never cut: what does not fit is not a button.
What curators are shown of people's questions (the report, notices) also loses its control characters.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from bot import Answer, Lang, Layout, Part, UnansweredCluster, label, lay_out, plain_text, strip_controls

SECTION_LIMIT = 3000  # characters of a section's (or a context element's) text
MAX_BLOCKS = 50  # blocks of one message
MAX_HOME_BLOCKS = 100  # blocks of the App Home view
CONTEXT_ELEMENTS = 10  # elements of one context block
BUTTON_TEXT_LIMIT = 75
BUTTON_VALUE_LIMIT = 2000
OPTION_TEXT_LIMIT = 75  # a select menu option's text
OPTION_VALUE_LIMIT = 150  # and its value
BUTTONS_PER_BLOCK = 5  # fewer than Block Kit's 25: a row of five stays readable
MAX_SUGGESTIONS = 5
HOME_EXAMPLES = 10  # example questions per language on the Home tab
TEXT_LIMIT = 3000  # the notification fallback: a summary, not the whole answer
ASKED_LIMIT = 300  # an echoed question above the answer of a clicked button

FOOTER_ROLES = frozenset(("contact", "sources"))

ASK_ACTION = "coop_ask"  # action_id prefix of a suggestion/example button: asks its value
SHARE_ACTION = "coop_share"  # action_id of "share in channel" under an ephemeral answer
FEEDBACK_UP, FEEDBACK_DOWN = "coop_fb_up", "coop_fb_down"  # 👍/👎 under an answer; the value is its ref
FEEDBACK_VIEW = "coop_feedback"  # the modal asking what a 👎 was looking for; private_metadata is the ref


@dataclass(frozen=True, slots=True)
class SlackMessage:
    """What chat.postMessage / a response_url needs: the fallback text and the blocks."""

    text: str
    blocks: list[dict[str, Any]] = field(default_factory=list)

    def payload(self) -> dict[str, Any]:
        return {"text": self.text, "blocks": self.blocks}


# -- text -------------------------------------------------------------------------------------------


def escape(text: str) -> str:
    """Slack's three control characters; `&` first so the others are not escaped twice."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _cut_point(text: str, limit: int) -> int:
    """Where to split `text` (at most `limit`): a line break, else a space, never inside an &entity;."""
    cut = text.rfind("\n", 0, limit + 1)
    if cut <= limit // 2:
        cut = text.rfind(" ", 0, limit + 1)
    if cut <= limit // 2:
        cut = limit
    return max(_outside_entities(text, cut), 1)


def _outside_entities(escaped: str, cut: int) -> int:
    """`cut`, or the `&` before it when cutting there would split an &amp;, &lt; or &gt; in two."""
    amp = escaped.rfind("&", max(0, cut - 4), cut)
    return amp if amp != -1 and ";" not in escaped[amp:cut] else cut


def split_text(text: str, limit: int = SECTION_LIMIT) -> list[str]:
    """Already-escaped text in pieces of at most `limit` characters."""
    pieces: list[str] = []
    while len(text) > limit:
        cut = _cut_point(text, limit)
        pieces.append(text[:cut].rstrip())
        text = text[cut:].lstrip()
    if text.strip():
        pieces.append(text)
    return pieces


def truncate(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "\u2026"


def clip(escaped: str, limit: int) -> str:
    """Already-escaped text cut to at most `limit` characters, ending in an ellipsis, never inside an &entity;."""
    if len(escaped) <= limit:
        return escaped
    return escaped[: _outside_entities(escaped, limit - 1)].rstrip() + "\u2026"


def fallback_text(layout: Layout) -> str:
    """The plain `text` Slack shows in notifications and to clients without Block Kit: the layout as the
    console shows it, suggestions aside (they are the buttons)."""
    return clip(escape(plain_text(layout)), TEXT_LIMIT)


# -- blocks ---------------------------------------------------------------------------------------------


def _mrkdwn(text: str) -> dict[str, Any]:
    return {"type": "mrkdwn", "text": text, "verbatim": True}


def section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": _mrkdwn(text)}


def context(texts: Sequence[str]) -> dict[str, Any]:
    return {"type": "context", "elements": [_mrkdwn(t) for t in texts]}


def _sections(text: str, prefix: str = "") -> list[dict[str, Any]]:
    return [section(prefix + piece) for piece in split_text(text, SECTION_LIMIT - len(prefix))]


def _contexts(text: str, prefix: str = "") -> list[dict[str, Any]]:
    pieces = split_text(text, SECTION_LIMIT - len(prefix))
    step = CONTEXT_ELEMENTS
    return [context([prefix + p for p in pieces[i : i + step]]) for i in range(0, len(pieces), step)]


def part_blocks(part: Part) -> list[dict[str, Any]]:
    """One part of the layout as Slack blocks: the title in bold, paragraphs and lists as sections, notes,
    the contact and the sources as context. Staff-only parts stand out with a lock and their label."""
    prefix = f":lock: *[{escape(part.label)}]* " if part.internal else ""
    match part.role:
        case "title":
            return _sections(f"*{escape(part.text)}*")
        case "list":
            lines = "\n".join(f"\u2022 {escape(item)}" for item in part.items)
            return _sections(f"{escape(part.text)}\n{lines}" if part.text else lines, prefix)
        case "note":
            return _contexts(escape(part.text), prefix)
        case "contact":
            return _contexts(escape(part.text), f"*{escape(part.label)}:* ")
        case "sources":
            return _contexts("\n".join(escape(c) for c in part.items), f"*{escape(part.label)}:* ")
        case _:
            return _sections(escape(part.text), prefix)


def button(text: str, value: str, action_id: str, primary: bool = False) -> dict[str, Any]:
    """A button; its text is shortened to fit, its value must fit as it is (a cut value would do another thing)."""
    if len(value) > BUTTON_VALUE_LIMIT:
        raise ValueError(f"a button value of {len(value)} characters would be cut at {BUTTON_VALUE_LIMIT}")
    element: dict[str, Any] = {
        "type": "button",
        "text": {"type": "plain_text", "text": truncate(text, BUTTON_TEXT_LIMIT), "emoji": False},
        "value": value,
        "action_id": action_id,
    }
    if primary:
        element["style"] = "primary"
    return element


def question_buttons(questions: Iterable[str]) -> list[dict[str, Any]]:
    """Buttons that ask their question; action_ids are unique within the message. A question too long to be
    a button's value is not offered (only the fact base writes these questions)."""
    fit = [q for q in questions if q.strip() and len(q) <= BUTTON_VALUE_LIMIT]
    return [button(q, q, f"{ASK_ACTION}_{i}") for i, q in enumerate(fit)]


def actions(elements: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        {"type": "actions", "elements": elements[i : i + BUTTONS_PER_BLOCK]}
        for i in range(0, len(elements), BUTTONS_PER_BLOCK)
    ]


def _tail_blocks(layout: Layout, share: str | None) -> list[dict[str, Any]]:
    """Contact and sources, then the buttons: suggestions, and share under an ephemeral answer."""
    tail = [block for part in layout.parts if part.role in FOOTER_ROLES for block in part_blocks(part)]
    offered = layout.part("suggestions")
    elements = question_buttons(offered.items[:MAX_SUGGESTIONS]) if offered else []
    if offered and elements:
        tail.append(context([f"*{escape(offered.label)}*"]))
    if share is not None:
        elements.append(button(label("share", layout.language), share, SHARE_ACTION, primary=True))
    rows = actions(elements)
    if layout.feedback:
        rows.append(
            {
                "type": "actions",
                "elements": [button("👍", layout.feedback, FEEDBACK_UP), button("👎", layout.feedback, FEEDBACK_DOWN)],
            }
        )
    return tail + rows


def _fit(head: list[dict[str, Any]], tail: list[dict[str, Any]], limit: int) -> list[dict[str, Any]]:
    """At most `limit` blocks: the body gives way (ending in an ellipsis) so sources and buttons stay."""
    tail = tail[: limit - 1]
    room = limit - len(tail)
    if len(head) > room:
        head = [*head[: room - 1], section("\u2026")]
    return head + tail


def _head_blocks(layout: Layout, asked: str | None = None) -> list[dict[str, Any]]:
    """The echoed question (under a clicked button), the title and the body."""
    head: list[dict[str, Any]] = []
    if asked:
        head.append(context([f"\u203a {escape(truncate(asked, ASKED_LIMIT))}"]))
    for part in layout.parts:
        if part.role not in FOOTER_ROLES and part.role != "suggestions":
            head += part_blocks(part)
    return head


def render_answer(answer: Answer, *, asked: str | None = None, share: str | None = None) -> SlackMessage:
    """An Answer as a message. `asked` echoes a clicked question; `share` adds the share button, whose value
    it is: the short key under which the surface keeps the answer, never the question itself."""
    layout = lay_out(answer)
    blocks = _fit(_head_blocks(layout, asked), _tail_blocks(layout, share), MAX_BLOCKS)
    return SlackMessage(fallback_text(layout), blocks)


def home_view(
    about: Sequence[Answer], examples: Mapping[Lang, Sequence[str]], privacy: Mapping[Lang, str] | None = None
) -> dict[str, Any]:
    """The App Home tab: what coopbot knows, example questions as buttons, and what is kept of questions, in
    each language."""
    blocks: list[dict[str, Any]] = []
    room = MAX_HOME_BLOCKS // max(1, len(about))  # each language gets its share of the view
    for answer in about:
        # The about text already lists the documents: the layout adds no sources line under it.
        layout = lay_out(answer)
        part = _fit(_head_blocks(layout) + _tail_blocks(layout.without("suggestions"), None), [], room - 5)
        questions = question_buttons(examples.get(answer.language, ())[:HOME_EXAMPLES])
        if questions:
            part.append(context([f"*{escape(label('suggestions', answer.language))}*"]))
            part += actions(questions)
        if privacy and privacy.get(answer.language):
            part.append(context([clip(escape(privacy[answer.language]), SECTION_LIMIT)]))
        blocks += [*part, {"type": "divider"}]
    return {"type": "home", "blocks": blocks[:-1][:MAX_HOME_BLOCKS]}


# -- the curators' report ---------------------------------------------------------------------------------

TEACH_ACTION = "coop_teach"  # a static_select of a cluster's likely facts; its block_id names the cluster
TEACH_SEARCH_ACTION = "coop_teach_search"  # an external_select searching every fact, in the same block
DISMISS_ACTION = "coop_dismiss"  # a button whose value is the cluster's key
CLUSTER_BLOCK = "cluster:"
REPORT_EXAMPLES = 3
EXAMPLE_LIMIT = 200  # characters of a question shown in the report, before escaping
EXAMPLE_ROOM = 850  # and after: three of them under the cluster's line (at most 340) fit one section


def _shown(text: object, limit: int) -> str:
    """Text from the log as curators see it in Slack: control characters stripped (newlines and tabs kept),
    escaped, at most `limit` characters."""
    return clip(escape(strip_controls(str(text), keep="\n\t")), limit)


def _example(question: object) -> str:
    """A question of a cluster on one line: its first EXAMPLE_LIMIT characters, escaped, within EXAMPLE_ROOM."""
    flat = " ".join(strip_controls(str(question)).split())
    return clip(escape(truncate(flat, EXAMPLE_LIMIT)), EXAMPLE_ROOM)


def _option(text: str, value: str) -> dict[str, Any]:
    return {"text": {"type": "plain_text", "text": truncate(text, OPTION_TEXT_LIMIT)}, "value": value}


def report_message(
    lead: str, clusters: Sequence[UnansweredCluster], fact_texts: Mapping[str, str], lang: Lang
) -> SlackMessage:
    """The week's largest unanswered clusters, each with a "teach as" menu of its likely facts and "dismiss"."""
    blocks: list[dict[str, Any]] = [section(_shown(lead, SECTION_LIMIT))]
    for cluster in clusters:
        likely = cluster.likely
        about = f" · {label('likely', lang)}: {likely.name}" if likely and likely.name else ""
        head = f"*{cluster.count}×* ({_shown(cluster.lang, 20)}){_shown(about, 300)}"
        examples = [f"• {_example(q)}" for q in cluster.examples[:REPORT_EXAMPLES]]
        blocks += [{"type": "divider"}, section(clip("\n".join((head, *examples)), SECTION_LIMIT))]
        elements: list[dict[str, Any]] = []
        candidates = likely.candidates[:100] if likely else ()
        options = [_option(fact_texts.get(f, f), f) for f in candidates if len(f) <= OPTION_VALUE_LIMIT]
        if options:
            elements.append(
                {
                    "type": "static_select",
                    "action_id": TEACH_ACTION,
                    "placeholder": {"type": "plain_text", "text": label("teach", lang)},
                    "options": options,
                }
            )
        elements.append(
            {
                "type": "external_select",
                "action_id": TEACH_SEARCH_ACTION,
                "placeholder": {"type": "plain_text", "text": label("search_fact", lang)},
                "min_query_length": 2,
            }
        )
        elements.append(button(label("dismiss", lang), cluster.key, DISMISS_ACTION))
        blocks.append({"type": "actions", "block_id": CLUSTER_BLOCK + cluster.key, "elements": elements})
    return SlackMessage(_shown(lead, TEXT_LIMIT), blocks[:MAX_BLOCKS])


def notice_message(text: str) -> SlackMessage:
    """A notice, often to curators (problems with knowledge/, what was taught): escaped, then split."""
    escaped = escape(strip_controls(text, keep="\n\t"))
    return SlackMessage(clip(escaped, TEXT_LIMIT), [section(part) for part in split_text(escaped)][:MAX_BLOCKS])


def feedback_view(ref: str, lang: Lang, prompt: str) -> dict[str, Any]:
    """The modal after a 👎: what were you looking for?"""
    return {
        "type": "modal",
        "callback_id": FEEDBACK_VIEW,
        "private_metadata": ref,
        "title": {"type": "plain_text", "text": truncate(label("feedback_title", lang), 24)},
        "submit": {"type": "plain_text", "text": label("feedback_send", lang)},
        "blocks": [
            {
                "type": "input",
                "block_id": "comment",
                "label": {"type": "plain_text", "text": truncate(prompt, 2000)},
                "element": {"type": "plain_text_input", "action_id": "text", "multiline": True, "max_length": 2000},
            }
        ],
    }


def fact_options(found: Sequence[tuple[str, str]]) -> dict[str, Any]:
    """The answer to a search in the "teach as" menu (Slack's block_suggestion)."""
    return {"options": [_option(text, ident) for ident, text in found if len(ident) <= OPTION_VALUE_LIMIT][:100]}
