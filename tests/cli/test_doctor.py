"""`radix-ls doctor` on this machine (no GPU) and against a real remote server."""

from __future__ import annotations

import json
import subprocess

from tests.cli.test_complete import CLI, run
from tests.engine.servers import llama_server


def test_doctor_reports_the_cpu_engine_here():
    out = run("doctor")
    assert out.returncode == 0, out.stderr
    assert "Would run:  llamacpp (engine=auto: no NVIDIA GPU found" in out.stdout
    assert "llama-cpp-python 0.3" in out.stdout
    assert "sglang    not usable" in out.stdout


def test_doctor_shows_sglang_usable_on_the_cpu_with_the_stand_in():
    """With the gpu extra installed, SGLang's CUDA build of sgl_kernel cannot load here; with
    the tests' stand-in first on PYTHONPATH, doctor shows SGLang usable on the CPU."""
    from tests.sglang import cpu

    cpu.require_sglang()
    out = subprocess.run(
        [*CLI, "doctor", "--json"], capture_output=True, text=True, timeout=120,
        env=cpu.child_env(),
    )  # fmt: skip
    sglang = json.loads(out.stdout)["engines"]["sglang"]
    assert (sglang["usable"], sglang["device"], sglang["attention_backend"]) == (
        True, "cpu", "torch_native"
    ), sglang  # fmt: skip
    assert json.loads(out.stdout)["would_run"] == "llamacpp"  # auto never picks SGLang on CPU


def test_doctor_json_and_a_missing_model(tmp_path):
    out = run("doctor", "--json", "--model", str(tmp_path / "none.gguf"))
    info = json.loads(out.stdout)
    assert info["would_run"] == "llamacpp"
    assert info["model"]["ok"] is False
    assert info["engines"]["sglang"]["usable"] is False
    assert info["cache_dir"]["writable"] is True


def test_doctor_probes_the_remote_server(tiny_model):
    with llama_server(tiny_model) as server:
        out = run("doctor", "--engine", "remote", "--remote-url", server.url)
    assert out.returncode == 0, out.stderr
    assert f"{server.url}: ok, models" in out.stdout
    assert "Would run:  remote" in out.stdout
