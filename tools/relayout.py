"""Moves bot/ modules into their layer packages and rewrites every reference. Idempotent.

For a branch begun before bot/ was split into layers: merge main keeping your side of the
conflicting import lines (`git merge -X ours main`), then `python tools/relayout.py`,
`ruff check --fix .` and `ruff format .`. It moves the modules your branch added at the old
places too, and rewrites `bot.X` imports, mock targets and doc paths to `bot.LAYER.X`.
"""

import pathlib
import re
import subprocess
import sys

LAYERS = {
    "core": ["types", "i18n", "config", "clock", "payloads"],
    "domain": [
        "textnorm",
        "lexicon",
        "places",
        "phones",
        "taxcode",
        "periods",
        "understand",
        "sectors",
        "enterprise_terms",
        "fair_input",
    ],
    "services": [
        "audit",
        "booth_notices",
        "broadcasts",
        "checkin",
        "export_tables",
        "exports",
        "fair_files",
        "fair_import",
        "fair_jobs",
        "fair_media",
        "fair_view",
        "figures",
        "reminder_messages",
        "scheduler",
        "stats_chart",
        "notify",
    ],
    "dialog": ["router", "steps", "traffic", "turn", "typed"],
    "engine": ["outbox", "ratelimit", "logs", "jobs", "dispatch", "lifecycle"],
}
CLI = {"fairs_cli": "fairs", "broadcast_cli": "broadcast", "export_cli": "export", "faq_cli": "faq"}

MAP: dict[str, str] = {}
for layer, names in LAYERS.items():
    for n in names:
        MAP[n] = f"{layer}.{n}"
for old, new in CLI.items():
    MAP[old] = f"cli.{new}"


def sh(*args: str) -> None:
    subprocess.run(args, check=True)


def move() -> None:
    for layer in [*LAYERS, "cli"]:
        pkg = pathlib.Path("bot") / layer
        pkg.mkdir(exist_ok=True)
        init = pkg / "__init__.py"
        if not init.exists():
            init.write_text(f'"""{layer}."""\n')
            sh("git", "add", str(init))
        tpkg = pathlib.Path("tests/bot") / layer
        tpkg.mkdir(exist_ok=True)
    for old, new in MAP.items():
        src = pathlib.Path("bot") / f"{old}.py"
        dst = pathlib.Path("bot") / (new.replace(".", "/") + ".py")
        if src.exists():
            sh("git", "mv", str(src), str(dst))
        tsrc = pathlib.Path("tests/bot") / f"test_{old}.py"
        layer, name = new.split(".")
        tdst = pathlib.Path("tests/bot") / layer / f"test_{name}.py"
        if tsrc.exists():
            sh("git", "mv", str(tsrc), str(tdst))
    # the channel tests live beside the Zalo ones, mirroring bot/channels
    for t in sorted(pathlib.Path("tests/channels").glob("*.py")):
        sh("git", "mv", str(t), str(pathlib.Path("tests/bot/channels") / t.name))
    # other test files named after a module with a suffix (test_fair_import_x.py)
    for t in sorted(pathlib.Path("tests/bot").glob("test_*.py")):
        stem = t.stem[5:]
        for old, new in sorted(MAP.items(), key=lambda kv: -len(kv[0])):
            if stem.startswith(old + "_"):
                layer, name = new.split(".")
                sh("git", "mv", str(t), str(t.parent / layer / f"test_{name}{stem[len(old) :]}.py"))
                break


FROM_BOT = re.compile(r"^(\s*)from bot import ([^\n(]+)$", re.M)


def rewrite_text(text: str) -> str:
    def from_bot(m: re.Match[str]) -> str:
        indent, names = m.group(1), m.group(2)
        out = []
        for part in names.split(","):
            part = part.strip()
            if not part:
                continue
            name, _, alias = part.partition(" as ")
            name = name.strip()
            if name in MAP:
                pkg, mod = MAP[name].rsplit(".", 1)
                asname = alias.strip() or (name if mod != name else "")
                line = f"{indent}from bot.{pkg} import {mod}"
                if asname and asname != mod:
                    line += f" as {asname}"
                out.append(line)
            else:
                out.append(f"{indent}from bot import {part}")
        return "\n".join(out)

    text = FROM_BOT.sub(from_bot, text)
    for old, new in sorted(MAP.items(), key=lambda kv: -len(kv[0])):
        text = re.sub(rf"(?<![\w.])bot\.{old}\b(?!\()", f"bot.{new}", text)
        text = re.sub(rf"(?<![\w/])bot/{old}\.py\b", f"bot/{new.replace('.', '/')}.py", text)
        layer, name = new.split(".")
        text = re.sub(
            rf"(?<![\w/])tests/bot/test_{old}\.py\b", f"tests/bot/{layer}/test_{name}.py", text
        )
        text = re.sub(rf"\btests\.bot\.test_{old}\b", f"tests.bot.{layer}.test_{name}", text)
    return text


def rewrite() -> None:
    files = subprocess.run(
        ["git", "ls-files", "*.py", "*.md", "*.toml", "*.cfg", "Makefile", ".ci/run"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    files += [str(p) for p in pathlib.Path(".").rglob("*.py") if ".venv" not in p.parts]
    for f in sorted(set(files)):
        p = pathlib.Path(f)
        if not p.exists() or p.name == "relayout.py" or ".venv" in p.parts:
            continue
        text = p.read_text()
        new = rewrite_text(text)
        if new != text:
            p.write_text(new)


if __name__ == "__main__":
    if "--no-move" not in sys.argv:
        move()
    rewrite()
