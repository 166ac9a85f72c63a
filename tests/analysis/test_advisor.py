"""The advisor: profiles, ranking from measured dimensions, evidence and sensitivity."""

from __future__ import annotations

import pytest
import synthetic_run as S

from showdown.analysis import advisor
from showdown.analysis.advisor import Profile, flips, load_profile
from showdown.errors import ConfigError


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    return S.build(tmp_path_factory.mktemp("advice") / "db.sqlite")


def test_builtin_profiles_are_valid_and_documented():
    for name in advisor.PROFILES:
        p = load_profile(name)
        assert p.description and sum(p.weights.values()) == pytest.approx(1.0)


def test_toml_profile(tmp_path):
    f = tmp_path / "mine.toml"
    f.write_text('name = "latency first"\n[weights]\ninference_latency = 3\nmemory = 1\n')
    p = load_profile(str(f))
    assert p.name == "latency first" and p.weights == {"inference_latency": 3, "memory": 1}


@pytest.mark.parametrize(("text", "message"), [
    ("[weights]\nspeed = 1\n", "unknown dimension 'speed': choose from training_speed"),
    ("[weights]\nmemory = -1\n", "weight of memory must be a number ≥ 0, got -1"),
    ("[weights]\nmemory = 0\n", "gives every dimension weight 0"),
    ("name = 1\n", "needs a [weights] table"),
    ("[weights\n", "cannot read profile"),
])
def test_bad_toml_profiles(tmp_path, text, message):
    f = tmp_path / "p.toml"
    f.write_text(text)
    with pytest.raises(ConfigError, match=message.replace("[", r"\[").replace("(", r"\(")):
        load_profile(str(f))


def test_unknown_profile_names_the_choices():
    with pytest.raises(ConfigError, match="unknown profile 'gaming': choose from research, server, mobile, web, FILE.toml"):
        load_profile("gaming")
    with pytest.raises(ConfigError, match=r"profile file /nonexistent/me\.toml not found: give research, server, mobile, web or an existing FILE\.toml"):
        load_profile("/nonexistent/me.toml")


def test_ranking_follows_the_weights(run):
    store, run_id = run
    speed = advisor.advise(store, run_id, Profile("speed", {"training_speed": 1.0}))
    assert speed.ranking[0]["framework"] == "torch" and speed.ranking[0]["score"] == pytest.approx(1.0)
    # tensorflow's mlp step is 1.3x, its cnn step 1.69x torch's: geometric mean of 1/1.3 and 1/1.69
    assert speed.ranking[1]["score"] == pytest.approx((1 / 1.3 / 1.69) ** 0.5, rel=0.02)
    memory = advisor.advise(store, run_id, Profile("memory", {"memory": 1.0}))
    assert memory.ranking[0]["framework"] == "tensorflow"
    ev = memory.dimensions["memory"]["evidence"]
    assert ev and all(set(e["values"]) == {"torch", "tensorflow"} for e in ev)
    # outside rounds there is nothing to resample, and nothing is said about it
    assert speed.stability is None and speed.halves_agree is None and advisor.leader_stability_text(speed) == ""


def test_flip_point_is_where_the_lead_vanishes(run):
    store, run_id = run
    a = advisor.advise(store, run_id, Profile("mix", {"training_speed": 0.5, "memory": 0.5}))
    assert any("flips" in f for f in a.flips)
    dims, top, other = a.dimensions, a.ranking[0]["framework"], a.ranking[1]["framework"]
    for line in a.flips:
        name = line.split(" if ")[1].split(" weighs")[0]
        w = float(line.split(" than ")[1].split(" ")[0])
        rest = next(n for n in dims if n != name)
        score = {fw: w * dims[name]["scores"][fw] + (1 - w) * dims[rest]["scores"][fw] for fw in (top, other)}
        assert score[top] == pytest.approx(score[other], abs=0.01)


def test_flips_when_one_side_leads_everywhere():
    dims = {"a": {"scores": {"x": 1.0, "y": 0.5}}, "b": {"scores": {"x": 1.0, "y": 0.9}}}
    out = flips({"a": 0.5, "b": 0.5}, dims, [{"framework": "x"}, {"framework": "y"}])
    assert out == ["no single weight change makes y win: x leads or ties on every weighted dimension"]


def test_a_tied_dimension_never_flips_the_choice():
    # y leads on b, they tie on c: only b's weight can flip it; c at full weight would only tie
    dims = {"a": {"scores": {"x": 1.0, "y": 0.4}}, "b": {"scores": {"x": 0.8, "y": 1.0}}, "c": {"scores": {"x": 1.0, "y": 1.0}}}
    out = flips({"a": 0.4, "b": 0.3, "c": 0.3}, dims, [{"framework": "x"}, {"framework": "y"}])
    assert len(out) == 2 and not any(" c weighs" in line for line in out)
    assert any(" b weighs more than" in line for line in out) and any(" a weighs less than" in line for line in out)


def test_unmeasured_dimensions_and_paths(run):
    store, run_id = run
    a = advisor.advise(store, run_id, load_profile("research"))
    assert {u["dimension"] for u in a.unmeasured} >= {"time_to_accuracy", "dynamic_shapes"}
    assert all(u["run"].startswith("showdown ") for u in a.unmeasured)
    mobile = advisor.advise(store, run_id, load_profile("mobile"))
    paths = [p["path"] for p in mobile.paths]
    assert set(paths) == set(S.PATHS) and paths[-1] == "executorch-xnnpack"


def test_edge_runtime_compares_each_frameworks_own_runtime(run):
    store, run_id = run
    mobile = advisor.advise(store, run_id, load_profile("mobile"))
    assert "edge_runtime" not in {u["dimension"] for u in mobile.unmeasured}
    edge = mobile.dimensions["edge_runtime"]
    values = {e["condition"]: e["values"] for e in edge["evidence"]}
    assert values["edge runtime installed size (MB)"] == pytest.approx({"torch": 852, "tensorflow": 58})
    assert values["edge runtime memory after import (MB)"] == pytest.approx({"torch": 356, "tensorflow": 33})
    # litert is the lighter on both: tensorflow 1, torch the geometric mean of 58/852 and 33/356
    assert edge["scores"]["tensorflow"] == 1.0
    assert edge["scores"]["torch"] == pytest.approx(((58 / 852) * (33 / 356)) ** 0.5)


def test_no_data_names_the_run_to_do(tmp_path):
    from showdown.runner import execute as X
    from showdown.runner import plan as P
    from showdown.store import Store

    store = Store.open(tmp_path / "db.sqlite")
    run_id = X.start(store, P.suite("quick", workloads=("mlp",), scenarios=("train",), rounds=0, threads=2), [])
    a = advisor.advise(store, run_id, load_profile("server"))
    assert a.ranking == [] and a.missing.startswith("showdown run --suite quick")


@pytest.fixture(scope="module")
def five(tmp_path_factory):
    return S.build(tmp_path_factory.mktemp("five") / "db.sqlite", frameworks=S.CONTENDERS)


def test_every_contender_is_ranked_on_the_dimensions_all_of_them_have(five):
    a = advisor.advise(*five, load_profile("mobile"))
    assert {r["framework"] for r in a.ranking} == set(S.CONTENDERS) and not a.unranked
    # JAX's 10 ms against torch's 10 ms, Keras on torch 3× slower: native JAX leads, Keras on torch last
    assert a.ranking[-1]["framework"] == "keras-torch"
    assert set(a.dimensions) == {"inference_latency", "memory"}
    missing = {u["dimension"]: u["missing"] for u in a.unmeasured}
    assert set(missing["deployment"]) == {"keras-torch", "keras-jax", "jax"}  # no deploy cell of theirs in this run
    assert set(missing["edge_runtime"]) == {"keras-torch"}  # JAX's and Keras on JAX's edge runtime is LiteRT
    # torch and tensorflow, measured on every weighed dimension, are ranked on all of them too
    c = a.complete
    assert set(c["frameworks"]) == {"torch", "tensorflow"} and set(c["dimensions"]) == {"edge_runtime", "deployment", "inference_latency", "memory"}
    assert c["ranking"][0]["framework"] == "tensorflow"
    lines = advisor.coverage_lines(a)
    assert any(line.startswith("not weighed: deployment, not measured for ") for line in lines)
    assert any("among tensorflow, torch: 1. tensorflow" in line for line in lines)


def test_developer_experience_ranks_every_contender_by_its_battery(five):
    a = advisor.advise(*five, Profile("errors", {"developer_experience": 1.0}))
    assert [r["framework"] for r in a.ranking] == ["tensorflow", "keras-jax", "keras-torch", "jax", "torch"]
    assert not a.unranked


def test_without_a_dimension_common_to_all_the_others_are_ranked(five):
    a = advisor.advise(*five, Profile("ship", {"deployment": 1.0}))
    assert {r["framework"] for r in a.ranking} == {"torch", "tensorflow"}  # the contenders with deploy cells in this run
    assert set(a.unranked) == {"keras-torch", "keras-jax", "jax"} and a.complete is None
    assert any(line.startswith("not ranked: ") for line in advisor.coverage_lines(a))


def test_two_contender_runs_have_no_complete_ranking(run):
    a = advisor.advise(*run, load_profile("mobile"))
    assert a.complete is None and not a.unranked and len(a.ranking) == 2
