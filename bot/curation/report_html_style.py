"""The HTML report's style sheet: inline, so the page needs nothing fetched; laid out for a phone first, light
and dark, with fonts that hold Hangul."""

from __future__ import annotations

FONTS = (
    '-apple-system, BlinkMacSystemFont, "Segoe UI", "Noto Sans KR", "Noto Sans CJK KR", "Apple SD Gothic Neo", '
    '"Malgun Gothic", NanumGothic, Roboto, "Helvetica Neue", Arial, sans-serif'
)

CSS = (
    """
:root { --fg: #1c2230; --muted: #5a6375; --bg: #f4f5f8; --card: #fff; --line: #e2e5ea; --soft: #eef1f6;
  --accent: #0b57d0; --bar: #d55e00; --warn-bg: #fff4e0; --warn-line: #e8a33d; --warn-fg: #6b3d00; }
@media (prefers-color-scheme: dark) {
  :root { --fg: #e7e9ee; --muted: #a2abbb; --bg: #14171c; --card: #1d2128; --line: #353b46; --soft: #262b34;
    --accent: #8ab4f8; --bar: #f08a4b; --warn-bg: #3a2a10; --warn-line: #b7791f; --warn-fg: #fbd9a5; }
}
* { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; }
body { margin: 0; background: var(--bg); color: var(--fg); font: 15px/1.5 FONTS;
  word-break: keep-all; overflow-wrap: anywhere; }
main { max-width: 900px; margin: 0 auto; padding: 16px 12px 40px; }
header { padding: 4px 4px 8px; }
h1 { font-size: 1.4rem; line-height: 1.25; margin: 0 0 6px; }
h2 { font-size: 1.15rem; margin: 0 0 12px; }
h3 { font-size: .8rem; margin: 18px 0 6px; color: var(--muted); text-transform: uppercase; letter-spacing: .05em; }
p { margin: 6px 0; }
code { font: .85em/1.4 ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace; background: var(--soft);
  padding: 1px 4px; border-radius: 4px; }
.muted, .note { color: var(--muted); }
.note { font-size: .85rem; }
.period { font-size: .95rem; }
.ok { color: #0a7a3b; font-weight: 600; }
nav { display: flex; flex-wrap: wrap; gap: 6px; margin-top: 10px; }
nav a { color: var(--accent); text-decoration: none; background: var(--card); border: 1px solid var(--line);
  border-radius: 999px; padding: 3px 10px; font-size: .85rem; }
section { background: var(--card); border: 1px solid var(--line); border-radius: 12px; padding: 14px 14px 16px;
  margin: 12px 0; }
.warn { background: var(--warn-bg); color: var(--warn-fg); border: 1px solid var(--warn-line);
  border-left-width: 6px; border-radius: 8px; padding: 10px 12px; margin: 10px 0; }
.warn strong { display: block; }
.cards { display: grid; grid-template-columns: repeat(auto-fit, minmax(96px, 1fr)); gap: 8px; margin: 0; }
.cards div { background: var(--soft); border-radius: 10px; padding: 8px 10px; }
.cards dt { font-size: .8rem; color: var(--muted); }
.cards dd { margin: 0; font-size: 1.6rem; font-weight: 700; font-variant-numeric: tabular-nums; line-height: 1.2; }
.cards small { font-size: .8rem; font-weight: 500; color: var(--muted); }
.chart { overflow-x: auto; margin: 4px 0 8px; }
.chart svg { display: block; width: 100%; height: auto; }
.chart text { fill: var(--muted); font-size: 12.5px; }
.chart .strong { fill: var(--fg); font-weight: 700; }
.chart .label { fill: var(--fg); font-size: 14px; }
.chart .grid { stroke: var(--line); stroke-width: 1; }
.chart .bar { fill: var(--bar); }
.scroll { overflow-x: auto; -webkit-overflow-scrolling: touch; }
table { border-collapse: collapse; width: 100%; font-size: .88rem; font-variant-numeric: tabular-nums; }
th, td { padding: 6px; border-bottom: 1px solid var(--line); text-align: left; vertical-align: top;
  overflow-wrap: normal; }
thead th { font-size: .78rem; color: var(--muted); font-weight: 600; white-space: nowrap; }
tfoot th, tfoot td { font-weight: 700; border-bottom: 0; }
.n, .day { text-align: right; white-space: nowrap; }
.day { text-align: left; }
td.text { min-width: 14em; overflow-wrap: anywhere; }
td code { white-space: nowrap; }
table.figures { width: auto; min-width: 60%; }
@media (min-width: 481px) { table.figures td, table.figures th { padding-left: 14px; } }
@media (max-width: 480px) { table { font-size: .82rem; } th, td { padding: 6px 4px; } }
.pair { display: grid; grid-template-columns: repeat(auto-fit, minmax(250px, 1fr)); gap: 0 20px; }
.meter { width: 40%; }
.meter span { display: block; height: 8px; margin-top: 7px; border-radius: 4px; background: var(--accent);
  opacity: .7; }
.swatch { display: inline-block; width: .7em; height: .7em; border-radius: 2px; margin-right: 4px; }
ol.items { list-style: none; padding: 0; margin: 0; }
ol.items > li { border-top: 1px solid var(--line); padding: 12px 0 10px; }
ol.items > li:first-child { border-top: 0; }
.head { display: flex; flex-wrap: wrap; align-items: baseline; gap: 4px 10px; }
.rank { color: var(--muted); font-weight: 600; }
.count { font-size: 1.15rem; font-weight: 700; }
.tag { font-size: .78rem; background: var(--soft); border-radius: 999px; padding: 1px 8px; color: var(--muted); }
ul.examples { margin: 6px 0; padding-left: 1.2em; }
ul.examples li { margin: 2px 0; }
.likely { font-size: .9rem; background: var(--soft); border-radius: 8px; padding: 6px 10px; }
blockquote { margin: 6px 0; padding: 4px 10px; border-left: 3px solid var(--line); color: var(--muted); }
.question { font-weight: 600; }
""".replace("FONTS", FONTS)
    .strip()
    .replace("\n  ", " ")
)
