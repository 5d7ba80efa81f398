"""Output of the offline code commands, ``rlm outline`` and ``rlm map``. No model, no LiteLLM.

They print exactly what the model's ``.outline()`` and ``.map()`` return.
"""

from __future__ import annotations

import json

from .context import Corpus, Loaded


def outline_command(loaded: Loaded, json_out: bool = False, max_depth: int | None = None) -> int:
    """Print the outline of each code file; exit 1 when no file had a single definition."""
    from .context.code import corpus_outline, outline_document

    ctx = loaded.context
    outlines = [outline_document(ctx)] if not isinstance(ctx, Corpus) else list(corpus_outline(ctx))
    others = 0 if not isinstance(ctx, Corpus) else len(ctx.files) - len(outlines)
    if json_out:
        print(json.dumps({"files": [o.to_dict() for o in outlines], "no_outline": others,
                          "skipped": [{"path": s.path, "reason": s.reason} for s in loaded.skipped]}, indent=2))
    else:
        for o in outlines:
            if not isinstance(ctx, Corpus) or len(o) or o.note:
                body = o.render(max_depth=max_depth, indent="  ")
                print(o.header() + ("\n" + body if body else ""))
        if others:
            print(f"[{others} file(s) in languages without an outline]")
    return 0 if any(len(o) for o in outlines) else 1


def map_command(loaded: Loaded, max_chars: int = 8000, json_out: bool = False) -> int:
    """Print the repo map (a single file gets its outline cut to the budget)."""
    from .context.code import document_map, repo_map

    ctx = loaded.context
    if not isinstance(ctx, Corpus):
        text = document_map(ctx, max_chars)
        print(json.dumps({"map": text}) if json_out else text)
        return 0
    m = repo_map(ctx, max_chars)
    if json_out:
        files = [{"path": r.path, "score": round(r.score, 3), "references": r.references,
                  "symbols": [dict(s.to_dict(), score=round(sc, 3), children=None) for s, sc in r.symbols[:8]]}
                 for r in m.ranked]
        print(json.dumps({"map": m.text, "files": files}, indent=2))
    else:
        print(m.text)
    return 0 if m.ranked else 1
