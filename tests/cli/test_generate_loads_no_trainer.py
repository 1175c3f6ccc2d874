"""A `poetpad generate` request loads no module that defines the training loop (issue 23): generation
takes its device facts from core.device, never from the trainer."""

import json
import os
import subprocess
import sys

# Modules of the trainer that generation must not load. poetpad.core.train.config may load: it is the
# torch-free declaration of the options (core.device reads the device and precision choices there).
ALLOWED = {"poetpad.core.train", "poetpad.core.train.config"}

PROBE = """
import json, sys
from poetpad import cli
if sys.argv[1] == "job":  # the probe's own check: loading the trainer is seen
    import poetpad.core.train.job
rc = cli.main(["generate", "--model", "tiny", "--prefix", "春", "--mode", "line", "--seed", "1", "--json"])
trainer = sorted(name for name, module in list(sys.modules.items())
                 if (name.startswith("poetpad.core.train.") and name not in ALLOWED)
                 or (name.startswith("poetpad") and isinstance(getattr(module, "Trainer", None), type)))
print(json.dumps({"rc": rc, "trainer": trainer, "device": "poetpad.core.device" in sys.modules}))
""".replace("ALLOWED", repr(ALLOWED))


def probe(data, mode: str) -> dict:
    env = dict(os.environ, POETPAD_DATA_DIR=str(data), PYTHONIOENCODING="utf-8")
    proc = subprocess.run([sys.executable, "-c", PROBE, mode], capture_output=True, text=True, env=env, timeout=120)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout.strip().splitlines()[-1])


def test_generate_loads_no_module_of_the_training_loop(tmp_path, make_model_file):
    data = tmp_path / "data"
    make_model_file(data / "models" / "tiny.poetpad", embedding=16, hidden=32)
    found = probe(data, "generate")
    assert found["rc"] == 0 and found["device"]  # it wrote, on a device core.device chose
    assert found["trainer"] == []
    # The probe sees the trainer when it is loaded, so the empty list above means something.
    assert {"poetpad.core.train.job", "poetpad.core.train.loop"} <= set(probe(data, "job")["trainer"])
