"""`rlm ask` output: --format text|markdown|json, the JSON result against its documented schema, --schema."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from clirun import KEY, ROOT, invoke, model_args
from fakellm import FakeLLM
from rlm_cli.output import RESULT_SCHEMA, parse_schema
from rlm_cli.engine import RLM, EngineSettings
from rlm_cli.llm import LLMClient, LLMConfig
from rlm_cli.repl import ReplInputs, ReplSettings
from test_engine import FAST, SUB, repl, turns

RESULT = json.loads(Path(RESULT_SCHEMA).read_text())
LOOK = repl("n = context.line_count\nprint(n)")
ANSWER = repl("answer['content'] = f'{n} lines'\nanswer['ready'] = True")


@pytest.fixture
def doc(tmp_path: Path) -> Path:
    d = tmp_path / "in"
    d.mkdir()
    (d / "a.txt").write_text("one\ntwo\nthree\n")
    (d / "big.txt").write_text("x" * 5000 + "\n")  # skipped by --max-file-size
    return d


def test_json_result_matches_its_schema(fake_llm: FakeLLM, tmp_path: Path, doc: Path) -> None:
    jsonschema.validators.validator_for(RESULT).check_schema(RESULT)
    fake_llm.script(ROOT, replies=[LOOK, ANSWER])
    p = invoke(["ask", "How many lines?", str(doc), *model_args(fake_llm), "--max-file-size", "1K", "--json", "-q"],
               tmp_path)
    assert p.exit_code == 0, p.stderr
    out = json.loads(p.stdout)
    jsonschema.validate(out, RESULT)
    assert out["answer"] == "3 lines" and out["ready"] is True and out["stop_reason"] == "ready"
    assert out["turns"] == 2 and out["data"] is None and out["model"] == f"openai/{ROOT}"
    assert out["usage"][f"openai/{ROOT}"]["calls"] == 2 and Path(out["trace"]).is_file()
    assert [s["path"].endswith("big.txt") for s in out["skipped"]] == [True] and out["skipped"][0]["reason"]
    assert KEY not in p.stdout


def test_text_and_markdown_formats(fake_llm: FakeLLM, tmp_path: Path, doc: Path) -> None:
    fake_llm.script(ROOT, replies=[LOOK, ANSWER, LOOK, ANSWER])
    text = invoke(["ask", "q", str(doc / "a.txt"), *model_args(fake_llm), "--format", "text", "-q"], tmp_path)
    assert text.exit_code == 0 and text.stdout == "3 lines\n"
    md = invoke(["ask", "q", str(doc / "a.txt"), *model_args(fake_llm), "-f", "markdown", "-q"], tmp_path)
    assert md.exit_code == 0, md.stderr
    body, footer = md.stdout.rsplit("---\n", 1)
    assert body.strip() == "3 lines"
    assert footer.startswith("_rlm: ready, 2 turns,") and f"openai/{ROOT}_" in footer


def schema_run(server: FakeLLM, path: Path, schema: dict, retries: int = 3):
    client = LLMClient(LLMConfig(model=f"openai/{ROOT}", sub_model=f"openai/{SUB}", api_base=server.url, api_key=KEY,
                                 retry=FAST, cache=False))
    settings = EngineSettings(max_turns=8, schema=schema, schema_retries=retries, repl=ReplSettings(sandbox="process"))
    try:
        return RLM(client, settings).run("Who is it?", ReplInputs.from_paths([str(path)]))
    finally:
        client.close()


PERSON = {"type": "object", "required": ["name", "age"], "additionalProperties": False,
          "properties": {"name": {"type": "string"}, "age": {"type": "integer", "minimum": 0}}}


def test_schema_errors_go_back_to_the_model_until_fixed(fake_llm: FakeLLM, tmp_path: Path) -> None:
    d = tmp_path / "p.txt"
    d.write_text("name: Ada\nage: 36\n")
    fake_llm.script(ROOT, responder=turns(
        repl("print(context.head(2))"),
        repl("answer['data'] = {'name': 'Ada', 'age': '36'}\nanswer['content'] = 'Ada, 36'\nanswer['ready'] = True"),
        repl("answer['data']['age'] = 36\nanswer['ready'] = True"),
    ))
    r = schema_run(fake_llm, d, PERSON)
    assert r.ready and r.data == {"name": "Ada", "age": 36} and r.answer == "Ada, 36" and r.turns == 3
    reqs = fake_llm.requests_for(ROOT)
    assert 'answer["data"]' in reqs[0].last_user and '"minimum": 0' in reqs[0].last_user  # the schema was shown
    fix = reqs[2].last_user
    assert "does not match" in fix and "answer[\"data\"][\"age\"]: '36' is not of type 'integer'" in fix


def test_schema_never_met_stops_not_ready(fake_llm: FakeLLM, tmp_path: Path) -> None:
    d = tmp_path / "p.txt"
    d.write_text("x\n")
    fake_llm.script(ROOT, responder=turns(repl("print(1)"), repl("answer['data'] = [1]\nanswer['ready'] = True")))
    r = schema_run(fake_llm, d, PERSON, retries=2)
    assert not r.ready and r.stop_reason == "schema_invalid" and "after 3 tries" in r.message
    assert r.data == [1] and r.schema_errors and "is not of type 'object'" in r.schema_errors[0]
    assert len(fake_llm.requests_for(ROOT)) == 4  # no extra final call: the model already had its chances


def test_cli_schema_inline_prints_data(fake_llm: FakeLLM, tmp_path: Path) -> None:
    d = tmp_path / "p.txt"
    d.write_text("name: Ada\nage: 36\n")
    fake_llm.script(ROOT, replies=[repl("print(context.head(2))"),
                                   repl("answer['data'] = {'name': 'Ada', 'age': 36}\nanswer['ready'] = True")])
    p = invoke(["ask", "Who?", str(d), *model_args(fake_llm), "--schema", json.dumps(PERSON), "-q"], tmp_path)
    assert p.exit_code == 0, p.stderr
    assert json.loads(p.stdout) == {"name": "Ada", "age": 36}


def test_bad_schema_is_a_usage_error(tmp_path: Path) -> None:
    from rlm_cli.context.types import InputError

    (tmp_path / "s.json").write_text('{"type": "nonsense"}')
    with pytest.raises(InputError, match="invalid JSON Schema"):
        parse_schema(str(tmp_path / "s.json"))
    with pytest.raises(InputError, match="not JSON"):
        parse_schema("{oops")
    with pytest.raises(InputError, match="give a file or inline JSON"):
        parse_schema(str(tmp_path / "missing.json"))
    assert parse_schema(json.dumps(PERSON)) == PERSON
